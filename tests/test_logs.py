"""The filter that keeps link tokens out of Home Assistant's stream logs."""

from __future__ import annotations

import logging

import pytest

from custom_components.omnicam.logs import SecretQueryFilter, protect_stream_logs


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(
        "homeassistant.components.stream", logging.ERROR, "", 0, msg, args, None
    )


def test_filter_redacts_secret_query_values() -> None:
    record = _record("Error from stream worker: %s", "rtsp://h:554/live/1?token=abc&x=1")
    assert SecretQueryFilter().filter(record)
    assert record.getMessage() == (
        "Error from stream worker: rtsp://h:554/live/1?token=**REDACTED**&x=1"
    )
    plain = _record("Started stream: %s", "rtsp://h:554/live/1")
    assert SecretQueryFilter().filter(plain)
    assert plain.args == ("rtsp://h:554/live/1",)  # untouched
    broken = _record("%d items", "many")  # a record that cannot be formatted stays as it is
    assert SecretQueryFilter().filter(broken)
    assert broken.args == ("many",)


def test_protected_loggers(caplog: pytest.LogCaptureFixture) -> None:
    protect_stream_logs("camera.porch")
    protect_stream_logs("camera.porch")  # once only
    logger = logging.getLogger("homeassistant.components.stream.stream.camera.porch")
    assert len([f for f in logger.filters if isinstance(f, SecretQueryFilter)]) == 1
    with caplog.at_level(logging.DEBUG):
        logger.error("Error from stream worker: %s", "rtsp://h/x?token=s3cret")
        logging.getLogger("libav.rtsp").warning("method DESCRIBE failed: rtsp://h/x?token=s3cret")
    assert "s3cret" not in caplog.text
    assert caplog.text.count("token=**REDACTED**") == 2
