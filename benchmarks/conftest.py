"""Benchmarks use the test fixtures."""

from tests.conftest import auto_enable_custom_integrations, debug_logs  # noqa: F401
