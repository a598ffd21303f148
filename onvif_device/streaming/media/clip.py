"""Looking into a video file without playing it: is it playable, and what does it show at a moment.

``check_clip`` is what a configured file goes through at start, so a bad one is
refused there with its reason instead of failing a stream later: it must open,
have a video stream whose first picture decodes and, when a stream can carry its
access units as they are, whose first unit splits. ``clip_still`` is a snapshot's
picture: the frame shown a given time into the loop.
"""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from .file_source import FileInfo, FileSource, MediaFileError

_AS_IS = ("H264", "H265", "JPEG")  # what FileSource.packets() hands to the payloaders


def check_clip(path: Path) -> FileInfo:
    """The clip's codec, size and frame rate; raises MediaFileError saying what is wrong."""
    if not path.exists():
        raise MediaFileError(f"{path}: no such file")
    if not path.is_file():
        raise MediaFileError(f"{path}: not a file")
    source = FileSource(path)
    try:
        if source.info.width <= 0 or source.info.height <= 0:
            raise MediaFileError(f"{path}: the video stream has no picture size")
        next(source.frames())
        if source.info.codec in _AS_IS:
            next(source.packets())
    except (av.FFmpegError, ValueError) as error:
        if isinstance(error, MediaFileError):
            raise
        raise MediaFileError(f"{path}: cannot decode: {error}") from None
    finally:
        source.close()
    return source.info


def clip_seconds(container: av.container.InputContainer) -> float | None:
    """How long one pass of the clip lasts, when the container says."""
    if container.duration:
        return container.duration / av.time_base
    stream = container.streams.video[0]
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def clip_still(path: Path, seconds: float, width: int, height: int) -> Image.Image:
    """The picture ``seconds`` into the looping clip (modulo its length), as RGB at this size."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        length = clip_seconds(container)
        target = seconds % length if length else 0.0
        first = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        chosen = None
        if target > 0 and stream.time_base:
            try:
                # Back to the key frame before the moment, then decode forward to it.
                container.seek(round((first + target) / stream.time_base), stream=stream, backward=True)
                chosen = _last_frame_by(container, stream, first + target)
            except av.FFmpegError:
                pass
            if chosen is not None and chosen.time is not None and chosen.time > first + target:
                chosen = None  # the seek overshot: MPEG-TS seeks by guessing a byte position
        if chosen is None:  # no seeking, or a seek that missed
            container.seek(0)
            chosen = _last_frame_by(container, stream, first + target)
        if chosen is None:
            raise MediaFileError(f"{path}: no video frames")
        return chosen.to_image(width=width, height=height)


def _last_frame_by(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, moment: float
) -> av.VideoFrame | None:
    """The last frame shown at ``moment`` (seconds), or the first one decoded if all are later."""
    chosen = None
    for frame in container.decode(stream):
        if chosen is not None and frame.time is not None and frame.time > moment:
            break
        chosen = frame
    return chosen
