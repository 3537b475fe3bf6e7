"""Deprecation warnings Home Assistant logs about OmniCam, caught so that a test fails.

Home Assistant's frame helper reports a deprecated call either by raising (when it is told
to) or by logging one line, once per process and call site: ``Detected that custom
integration 'omnicam' <what> at <file>, line <n>: <code>. This will stop working in Home
Assistant <version>, please ...`` (or ``Detected code that <what>`` when no integration is on
the stack, as for a test's own call). Entity platforms log their own lines in the same words
(``... This will stop working in Home Assistant 2027.4, please report it to the author of
the 'omnicam' custom integration``). A user of the newest release would see these lines in
the log, so the suite treats each as a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

from custom_components.omnicam.const import DOMAIN

_WORDS = ("deprecated", "will stop working")


def is_deprecation_about_omnicam(record: logging.LogRecord) -> bool:
    """Tell whether a log record is Home Assistant warning of a deprecation in OmniCam."""
    if record.levelno < logging.WARNING:
        return False
    message = record.getMessage()
    if message.startswith(f"Detected that custom integration '{DOMAIN}'"):
        return True
    if message.startswith("Detected code that"):
        return True
    lowered = message.lower()
    return f"'{DOMAIN}'" in lowered and any(word in lowered for word in _WORDS)


def deprecation_lines(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return the deprecation warnings about OmniCam among the records."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in records
        if is_deprecation_about_omnicam(record)
    ]


class DeprecationCatcher(logging.Handler):
    """Keep every deprecation warning about OmniCam logged while it is attached."""

    def __init__(self) -> None:
        """Start with nothing caught."""
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record when it is a deprecation warning about OmniCam."""
        if is_deprecation_about_omnicam(record):
            self.records.append(record)
