"""Media streaming: RTSP, SDP and RTP for the virtual camera."""
