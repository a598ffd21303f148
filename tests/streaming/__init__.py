"""Tests of the streaming engine."""
