"""Keep vendor link tokens out of Home Assistant's stream logs.

A live URL that carries a token in its query (an RTSP link a server minted) is opened by
Home Assistant's stream worker itself, not through our relay, and the stream logs the URL
when it fails ("Error from stream worker: … rtsp://…?token=…"); Home Assistant redacts a
user, a password and an ``auth`` parameter there, not a vendor's token. A filter on those
loggers rewrites each record with `vendors.base.redact_url` before any handler sees it.

Logger filters see only the records logged on that very logger (not a child's), so the
filter sits on every logger that names a stream URL: the stream component's, its worker's,
the per-stream logger of each of our cameras (named after the entity) and FFmpeg's.
"""

from __future__ import annotations

import logging

from .vendors.base import redact_url

STREAM_LOGGERS = (
    "homeassistant.components.stream",
    "homeassistant.components.stream.worker",
    "homeassistant.components.camera",
    "libav.rtsp",
    "libav.tcp",
    "libav.tls",
    "libav.http",
    "libav.hls",
)
"""Loggers that may write a stream's URL, whatever the camera."""
STREAM_LOGGER_OF_ENTITY = "homeassistant.components.stream.stream.{entity_id}"
"""The logger Home Assistant gives the stream of one camera entity."""


class SecretQueryFilter(logging.Filter):
    """Replace secret query values (token, password, …) in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drop it."""
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not ours to break
            return True
        clean = redact_url(text)
        if clean != text:
            record.msg = clean
            record.args = ()
        return True


_FILTER = SecretQueryFilter()


def protect_stream_logs(entity_id: str | None = None) -> None:
    """Put the filter on the stream loggers, and on an entity's stream logger if given."""
    names = list(STREAM_LOGGERS)
    if entity_id is not None:
        names.append(STREAM_LOGGER_OF_ENTITY.format(entity_id=entity_id))
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
