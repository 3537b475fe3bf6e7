"""Benchmarks use the test fixtures, and log only warnings (logging costs time)."""

import logging

import pytest

from tests.conftest import auto_enable_custom_integrations, debug_logs  # noqa: F401


@pytest.fixture(autouse=True)
def quiet(caplog: pytest.LogCaptureFixture, debug_logs: None) -> None:  # noqa: F811
    caplog.set_level(logging.WARNING)
