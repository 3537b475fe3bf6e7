"""Tests of the OmniCam integration."""
