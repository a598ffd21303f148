"""Tests of the sans-IO RTSP message layer."""
