"""A synthetic camera picture: a panorama seen through a pan/tilt/zoom window.

Theory of operation.  The scene is a static panorama measured in *units*: a
reference frame (the zoom-1 field of view of a 16:9 camera) is 16/9 units wide
and 1 unit high, and the scene is ``PAN_SPAN`` frames wide and ``TILT_SPAN``
frames high.  Each view size maps to a scale (pixels per unit) at which the
zoom-1 window is exactly the view's size, so drawing the panorama once per
scale leaves a frame with a crop, or a crop and a resize when zoomed, plus
the parts that change: a bouncing box that moves with time, the clock, the
title and the OSD lines.  Scales above ``MAX_SCALE`` are capped (the window
is then upscaled) to bound the panorama's memory, and scales below
``MIN_SCALE`` are raised (the window is downscaled) to keep details drawable.

Because the scene lives in units, every view size shows the same picture:
a 640x360 stream, a 1920x1080 stream and their snapshots differ only in
sharpness, and views of another aspect ratio see the centre of that frame
(4:3 shows its full height, 21:9 its full width).

The panorama and the geometry (``view_scale``, ``window``, ``bounce``) are
shared with ``scene.SceneRenderer``, which draws the same picture in YUV for
streams, so a stream and a Pillow-drawn test card agree.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

MAX_SIDE = 8192

REF_ASPECT = 16 / 9
PAN_SPAN = 3.0  # scene width in reference frames
TILT_SPAN = 1.5  # scene height in reference frames
SCENE_W = REF_ASPECT * PAN_SPAN
SCENE_H = TILT_SPAN

# 1080 pixels per unit draws the scene exactly for 1080p views; a 9.3-megapixel
# panorama (37 MB: Pillow keeps RGB in 4 bytes) is the price, and larger views
# are upscaled from it.  Below
# 72 the scene's details would collapse, so tiny views are downscaled instead.
MAX_SCALE = 1080.0
MIN_SCALE = 72.0

# 75% colour bars, left to right: grey, yellow, cyan, green, magenta, red, blue.
BARS = [
    (191, 191, 191),
    (191, 191, 0),
    (0, 191, 191),
    (0, 191, 0),
    (191, 0, 191),
    (191, 0, 0),
    (0, 0, 191),
]
BOUNCE_PERIODS = (4.0, 3.0)  # seconds for a horizontal and a vertical round trip
TIME_SAMPLE = "0000-00-00 00:00:00.000"

_Font = ImageFont.FreeTypeFont


def text_font(size: float) -> _Font:
    font = ImageFont.load_default(size=max(1, round(size)))
    # Without FreeType, Pillow falls back to a fixed 11-pixel bitmap font.
    if not isinstance(font, ImageFont.FreeTypeFont):  # pragma: no cover
        raise RuntimeError("the test card needs Pillow with FreeType support for scalable text")
    return font


def check_side(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIDE:
        raise ValueError(f"{name} must be an integer from 1 to {MAX_SIDE} pixels, got {value!r}")
    return value


def check_title(title: object) -> str:
    """The title as the caption shows it: on one line, since a newline would break the layout."""
    if not isinstance(title, str):
        raise ValueError(f"title must be a string, got {title!r}")
    return " ".join(title.split())


def window_units(width: int, height: int) -> tuple[float, float]:
    """The zoom-1 field of view in units: the view's aspect, fitted inside a reference frame."""
    aspect = width / height
    if aspect >= REF_ASPECT:
        return REF_ASPECT, REF_ASPECT / aspect
    return aspect, 1.0


def view_scale(width: int, height: int) -> float:
    """Panorama pixels per unit for a view: its zoom-1 window is the view's size, within limits."""
    return min(max(width / window_units(width, height)[0], MIN_SCALE), MAX_SCALE)


def check_pan_tilt(pan: float, tilt: float) -> None:
    for name, value in (("pan", pan), ("tilt", tilt)):
        if not -1.0 <= value <= 1.0:  # also refuses NaN
            raise ValueError(f"{name} must be from -1 to 1, got {value!r}")


def window(
    width: int, height: int, scale: float, pan: float, tilt: float, magnification: float
) -> tuple[float, float, float, float]:
    """The view's window on the panorama drawn at ``scale``: left, top, width, height in its pixels.

    Pan and tilt use the reference frame, not this view's, so they aim the same at
    any size; the window stays inside the panorama.
    """
    units_w, units_h = window_units(width, height)
    win_w, win_h = units_w * scale / magnification, units_h * scale / magnification
    scene_w, scene_h = SCENE_W * scale, SCENE_H * scale
    centre_x = (SCENE_W / 2 + pan * (SCENE_W - REF_ASPECT) / 2) * scale
    centre_y = (SCENE_H / 2 - tilt * (SCENE_H - 1) / 2) * scale
    left = min(max(centre_x - win_w / 2, 0.0), scene_w - win_w)
    top = min(max(centre_y - win_h / 2, 0.0), scene_h - win_h)
    return left, top, win_w, win_h


def _triangle(t: float, period: float) -> float:
    """0 -> 1 -> 0 over one period, so the bouncing box never jumps."""
    phase = (t / period) % 1.0
    return 2 * phase if phase < 0.5 else 2 - 2 * phase


def bounce(seconds: float) -> tuple[float, float]:
    """Where the bouncing box is at ``seconds``: 0 (left, top) to 1 (right, bottom) of its room."""
    return _triangle(seconds, BOUNCE_PERIODS[0]), _triangle(seconds, BOUNCE_PERIODS[1])


def draw_panorama(scale: float) -> Image.Image:
    """The static panorama at ``scale`` pixels per unit (up to 0.4 s; callers cache it)."""
    size = (round(SCENE_W * scale), round(SCENE_H * scale))

    def px(units: float) -> int:
        return round(units * scale)

    # Hue turns once across the scene (so any pan changes the colours) and
    # brightness falls from top to bottom (so any tilt does).
    ramp = Image.linear_gradient("L")
    hue = ramp.transpose(Image.Transpose.ROTATE_90).resize(size, Image.Resampling.BILINEAR)
    value = ramp.point(lambda v: 235 - v * 125 // 255).resize(size, Image.Resampling.BILINEAR)
    saturation = Image.new("L", size, 150)
    scene = Image.merge("HSV", (hue, saturation, value)).convert("RGB")
    draw = ImageDraw.Draw(scene)

    # A grid every sixth of a unit shows zoom and small movements.
    line = max(1, px(0.004))
    step = 1 / 6
    for i in range(1, math.ceil(SCENE_W / step)):
        draw.line([(px(i * step), 0), (px(i * step), size[1])], fill=(30, 30, 30), width=line)
    for i in range(1, math.ceil(SCENE_H / step)):
        draw.line([(0, px(i * step)), (size[0], px(i * step))], fill=(30, 30, 30), width=line)

    # Home position (pan 0, tilt 0 looks at (SCENE_W / 2, SCENE_H / 2)):
    # colour bars over a grey wedge.
    centre = SCENE_W / 2
    bar_w = 1.1 / len(BARS)
    left = centre - bar_w * len(BARS) / 2
    for i, colour in enumerate(BARS):
        draw.rectangle(
            [px(left + i * bar_w), px(0.45), px(left + (i + 1) * bar_w) - 1, px(0.95) - 1],
            fill=colour,
        )
    steps = 8
    for i in range(steps):
        grey = round(255 * i / (steps - 1))
        x0, x1 = left + i * 1.1 / steps, left + (i + 1) * 1.1 / steps
        draw.rectangle([px(x0), px(0.95), px(x1) - 1, px(1.05) - 1], fill=(grey, grey, grey))

    # Targets labelled with the pan that centres them: pan p looks at
    # x = centre + p * (SCENE_W - REF_ASPECT) / 2.
    label = text_font(0.09 * scale)
    for pan, y in ((-1.0, 0.55), (-0.5, 0.95), (0.5, 0.95), (1.0, 0.55)):
        x = centre + pan * (SCENE_W - REF_ASPECT) / 2
        for radius, colour in (
            (0.2, (0, 0, 0)),
            (0.18, (255, 255, 255)),
            (0.12, (0, 0, 0)),
            (0.1, (255, 220, 0)),
        ):
            draw.ellipse(
                [px(x - radius), px(y - radius), px(x + radius), px(y + radius)], fill=colour
            )
        draw.text((px(x), px(y)), f"{pan:+.1f}", font=label, fill=(0, 0, 0), anchor="mm")

    # The top and bottom edges, seen only near the tilt limits.
    edge = text_font(0.06 * scale)
    for i in range(math.floor(SCENE_W)):
        x = px(i + 0.5)
        draw.text((x, px(0.03)), "TILT +1", font=edge, fill=(255, 255, 255), anchor="mt")
        draw.text((x, px(SCENE_H - 0.03)), "TILT -1", font=edge, fill=(255, 255, 255), anchor="mb")
    return scene


_scene = lru_cache(maxsize=4)(draw_panorama)  # shared by test cards, never modified


class TestCard:
    """Renders frames of one size and title.

    The constructor does the slow part (up to 0.4 s the first time a scale is
    seen); ``render`` only reads shared state, so threads may call it at once.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, width: int, height: int, title: str) -> None:
        self.width = check_side("width", width)
        self.height = check_side("height", height)
        self.title = check_title(title)

        self._scale = view_scale(width, height)
        self._scene = _scene(self._scale)  # built here so the first frame is not late

        # Text scales with the height but the clock must fit the width.
        fit = 0.9 * width / text_font(100).getlength(TIME_SAMPLE) * 100
        self._text = text_font(max(8, min(height / 22, fit)))
        self._stroke = max(1, round(self._text.size / 14))
        ascent, descent = self._text.getmetrics()
        self._line = ascent + descent
        self._pad = max(2, self._line // 5)

        # The caption band (title, then time) is drawn once with its title.
        band_h = 2 * self._line + 3 * self._pad
        self._band_top = height - band_h
        self._band = Image.new("RGB", (width, band_h), (16, 16, 16))
        ImageDraw.Draw(self._band).text(
            (self._pad, self._pad), self.title, font=self._text, fill=(255, 255, 255)
        )

    def render(
        self,
        when: datetime,
        *,
        pan: float = 0.0,
        tilt: float = 0.0,
        zoom: float = 1.0,
        overlay: list[str] | None = None,
    ) -> Image.Image:
        """A new RGB frame showing the scene at ``when``.

        ``pan`` and ``tilt`` run from -1 (left, down) to 1 (right, up) across
        the scene; ``zoom`` >= 1 narrows the field of view around that point.
        The clock shows ``when``'s own wall-clock fields, so pass the time in
        the zone the camera should display.  ``overlay`` lines go top-left.
        """
        frame = self._view(pan, tilt, zoom)
        draw = ImageDraw.Draw(frame)
        self._draw_bouncer(draw, when)

        frame.paste(self._band, (0, self._band_top))
        clock = f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}"
        draw.text(
            (self._pad, self._band_top + 2 * self._pad + self._line),
            clock,
            font=self._text,
            fill=(255, 255, 255),
        )

        for i, text in enumerate(overlay or ()):
            draw.text(
                (self._pad, self._pad + i * self._line),
                text,
                font=self._text,
                fill=(255, 255, 255),
                stroke_width=self._stroke,
                stroke_fill=(0, 0, 0),
            )
        return frame

    def _view(self, pan: float, tilt: float, zoom: float) -> Image.Image:
        """Crop the window at (pan, tilt, zoom) out of the panorama, resized to the view."""
        check_pan_tilt(pan, tilt)
        if not 1.0 <= zoom < math.inf:
            raise ValueError(f"zoom must be a finite number >= 1, got {zoom!r}")

        scene_w, scene_h = self._scene.size
        left, top, win_w, win_h = window(self.width, self.height, self._scale, pan, tilt, zoom)

        if (round(win_w), round(win_h)) == (self.width, self.height):
            # One panorama pixel per view pixel: a crop is a copy (0.6 ms at 1080p),
            # where even a same-size bilinear resize takes 30 ms.
            x, y = min(round(left), scene_w - self.width), min(round(top), scene_h - self.height)
            return self._scene.crop((x, y, x + self.width, y + self.height))
        box = (left, top, min(left + win_w, scene_w), min(top + win_h, scene_h))
        return self._scene.resize((self.width, self.height), Image.Resampling.BILINEAR, box=box)

    def _draw_bouncer(self, draw: ImageDraw.ImageDraw, when: datetime) -> None:
        """A box bouncing around the view, its position a function of ``when`` alone."""
        seconds = when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6
        side = max(2, self.height // 8)
        room_x = max(0, self.width - side)
        room_y = max(0, self._band_top - side)
        across, down = bounce(seconds)
        x, y = round(across * room_x), round(down * room_y)
        border = max(1, side // 12)
        draw.rectangle(
            [x, y, x + side - 1, y + side - 1],
            fill=(255, 255, 255),
            outline=(0, 0, 0),
            width=border,
        )
