"""The camera's picture: a synthetic test card, shared by snapshots and streams."""

from .jpeg import encode_jpeg
from .testcard import TestCard

__all__ = ["TestCard", "encode_jpeg"]
