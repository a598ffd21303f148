"""Tests of the media layer: encoders, audio, file sources."""
