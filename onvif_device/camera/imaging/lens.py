"""The focus lens's optics: where it must stand for the scene to be sharp, and how blurred it is elsewhere.

The lens position runs from 0 (focused at its nearest, half a metre) to 1
(focused at infinity), linear in dioptres (1 / distance), as a focus ring's
travel is.  The test card stands 2 m away, so it is sharp at 0.75; the depth
of field forgives a small error, and beyond it the blur grows with the
distance from the in-focus position.
"""

from __future__ import annotations

import math

NEAREST_METRES = 0.5  # position 0
SCENE_METRES = 2.0  # the test card, wherever the head looks
TOP_SPEED = 1.0  # positions per second at speed 1: a whole sweep in a second
AUTOFOCUS_SPEED = 0.5  # the autofocus drive, of the top speed
DEPTH_OF_FIELD = 0.01  # positions either side of focus that still look sharp
BLUR_PER_POSITION = 0.03  # blur (fraction of the picture height) per position out of focus
MAX_BLUR = 0.02


def position_for(metres: float) -> float:
    """The lens position that brings `metres` (>= NEAREST_METRES; inf allowed) into focus."""
    return 1.0 - NEAREST_METRES / metres if metres > 0 else 0.0


IN_FOCUS = position_for(SCENE_METRES)


def blur(position: float) -> float:
    """How blurred the scene is with the lens at `position`, as a fraction of the picture height."""
    error = abs(position - IN_FOCUS) - DEPTH_OF_FIELD
    if error <= 0.0 or math.isnan(error):
        return 0.0
    return min(MAX_BLUR, BLUR_PER_POSITION * error)
