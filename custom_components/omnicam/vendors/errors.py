"""Typed errors that every vendor client raises.

Each vendor turns its own failure signals (HTTP status, error codes, HTML pages, broken
JSON) into one of these, so the Home Assistant side maps them in one place.
"""

from __future__ import annotations


class OmniCamError(Exception):
    """Base class of every error a vendor client raises."""


class AuthError(OmniCamError):
    """The vendor refused our credentials (wrong secret, disabled account)."""


class CannotConnect(OmniCamError):
    """The vendor could not be reached, timed out, or answered with a server error."""


class BadResponse(OmniCamError):
    """The vendor answered with something we cannot read (HTML, malformed JSON, missing keys)."""


class NotSupported(OmniCamError):
    """The feature is not available on this plan or device."""


class RateLimited(CannotConnect):
    """The vendor asked us to slow down."""


class NotFound(OmniCamError):
    """The camera or recorded item asked for does not exist (any more)."""


class Unavailable(OmniCamError):
    """The camera exists but cannot serve this right now (offline, not streaming)."""


class VendorError(OmniCamError):
    """The vendor answered with an error code we have no better type for."""

    def __init__(self, code: int | str, message: str) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
