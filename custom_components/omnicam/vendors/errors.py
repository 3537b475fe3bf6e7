"""Typed errors that every vendor client raises.

Each vendor turns its own failure signals (HTTP status, error codes, HTML pages, broken
JSON) into one of these, so the Home Assistant side maps them in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import VendorSession


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


class SessionLimit(OmniCamError):
    """The account has as many sessions open as the vendor allows.

    `sessions` are the open ones; logging in again with ``replace_session`` set to one of
    their ids in the client's config ends that one.
    """

    def __init__(self, message: str, sessions: tuple[VendorSession, ...] = ()) -> None:
        super().__init__(message)
        self.sessions = sessions


class CaptchaRequired(AuthError):
    """The vendor asks this user for a captcha, which the integration cannot solve."""


class Maintenance(CannotConnect):
    """The server is in maintenance: try again later (never a reason to ask for a login)."""


class ClientTooOld(OmniCamError):
    """The server refuses this client's version."""


class FieldErrors(OmniCamError):
    """The vendor refused some of the form's values: `fields` maps a field key to its message.

    A key the form does not have is shown under the form's ``base``.
    """

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {text}" for key, text in fields.items()))
        self.fields = fields


class WrongServer(BadResponse):
    """The address answers, but not as this vendor's server (an HTML page, no API)."""
