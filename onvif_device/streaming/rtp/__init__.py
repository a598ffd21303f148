"""The RTP layer of the streaming engine: packets, RTCP and one payloader per codec.

Pure code: no sockets, no asyncio, no encoders. A source hands a payloader one
unit (H.264/H.265 access unit, JPEG frame, metadata document, audio chunk) and
an RTP timestamp from its stream clock; the payloader returns packets and owns
the SSRC and sequence number. Each codec's format object tells the SDP builder
its payload type, rtpmap and fmtp.
"""

from .annexb import join_annexb, split_annexb
from .audio import (
    AacFormat,
    AacPayloader,
    PcmuFormat,
    PcmuPayloader,
    audio_specific_config,
    decode_ulaw,
    encode_ulaw,
)
from .format import RtpFormat
from .h264 import H264Format, H264Payloader
from .h265 import H265Format, H265Payloader
from .jpeg import JpegFormat, JpegPayloader
from .jpeg_markers import JpegImage, parse_jpeg
from .metadata import MetadataFormat, MetadataPayloader
from .packet import HeaderExtension, RtpPacket
from .payloader import DEFAULT_MAX_PAYLOAD_SIZE, PayloaderConfig
from .rtcp import (
    Goodbye,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SdesChunk,
    SenderReport,
    SourceDescription,
    UnknownRtcp,
    ntp_middle32,
    ntp_timestamp,
    ntp_to_unix,
    parse_compound,
)

__all__ = [
    "DEFAULT_MAX_PAYLOAD_SIZE",
    "AacFormat",
    "AacPayloader",
    "Goodbye",
    "H264Format",
    "H264Payloader",
    "H265Format",
    "H265Payloader",
    "HeaderExtension",
    "JpegFormat",
    "JpegImage",
    "JpegPayloader",
    "MetadataFormat",
    "MetadataPayloader",
    "PayloaderConfig",
    "PcmuFormat",
    "PcmuPayloader",
    "ReceiverReport",
    "ReportBlock",
    "RtcpPacket",
    "RtpFormat",
    "RtpPacket",
    "SdesChunk",
    "SenderReport",
    "SourceDescription",
    "UnknownRtcp",
    "audio_specific_config",
    "decode_ulaw",
    "encode_ulaw",
    "join_annexb",
    "ntp_middle32",
    "ntp_timestamp",
    "ntp_to_unix",
    "parse_compound",
    "parse_jpeg",
    "split_annexb",
]
