"""The media layer: pictures, sound and files in, units for the RTP payloaders out.

Encoders turn NumPy pictures (yuv420p planes) and PCM into what the payloaders
in ``streaming.rtp`` take: bare H.264/H.265 NAL units per access unit, whole
baseline JPEG files, mu-law packets, raw AAC access units. A ``FileSource``
plays a video file in a loop, as access units when its codec is the stream's,
or as pictures to re-encode when it is not.
"""

from .audio import (
    AudioEncoder,
    AudioSettings,
    BackchannelSink,
    EncodedAudio,
    ToneSource,
)
from .file_source import FileInfo, FileSource, MediaFileError
from .planes import Planes
from .video_encoder import EncodedVideo, VideoEncoder, VideoSettings

__all__ = [
    "AudioEncoder",
    "AudioSettings",
    "BackchannelSink",
    "EncodedAudio",
    "EncodedVideo",
    "FileInfo",
    "FileSource",
    "MediaFileError",
    "Planes",
    "ToneSource",
    "VideoEncoder",
    "VideoSettings",
]
