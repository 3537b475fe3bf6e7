"""The interface every vendor client implements.

Clients are Home Assistant free: they take an aiohttp session and plain configuration
values, speak their vendor's API, and answer in the vocabulary of `models` and `errors`.
A method for a capability the vendor lacks raises `NotSupported`; the Home Assistant side
never calls it because no entity is created for a capability a camera does not have.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
import re
from typing import Any, ClassVar

import aiohttp

from .errors import NotSupported
from .models import (
    Account,
    Camera,
    CameraStatus,
    MediaKind,
    MediaLocation,
    PinCode,
    PinLock,
    RecordedItem,
    StreamSource,
)

REDACTED = "**REDACTED**"


class VendorClient(ABC):
    """An authenticated connection to one vendor account."""

    vendor: ClassVar[str]
    """Short key of the vendor, e.g. ``ipcamlive``."""

    manufacturer: ClassVar[str]
    """Name shown as the manufacturer of the vendor's devices."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        """Keep the shared HTTP session."""
        self._session = session
        self.request_count: dict[str, int] = {}
        """Requests sent, by API function: for benchmarks and diagnostics."""

    def count(self, function: str) -> None:
        """Count one request to an API function."""
        self.request_count[function] = self.request_count.get(function, 0) + 1

    @classmethod
    @abstractmethod
    def from_config(cls, session: aiohttp.ClientSession, config: Mapping[str, Any]) -> VendorClient:
        """Build a client from a config entry's data (Home Assistant's standard keys)."""

    @abstractmethod
    def secrets(self) -> Sequence[str]:
        """Return every secret the client holds, so that text can be scrubbed of them."""

    def scrub(self, text: str) -> str:
        """Return text with every secret of this client replaced."""
        for secret in self.secrets():
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    @abstractmethod
    async def async_get_account(self) -> Account:
        """Check the credentials and return the account; raises AuthError when refused."""

    @abstractmethod
    async def async_get_cameras(self) -> list[Camera]:
        """Return the account's cameras with their capabilities."""

    async def async_get_camera_ids(self) -> list[str]:
        """Return the ids of the account's cameras (cheaper than full cameras)."""
        return [camera.id for camera in await self.async_get_cameras()]

    @abstractmethod
    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """Return the status of the given cameras, keyed by camera id.

        Cameras whose status could not be read are left out; when none could be read
        the first error is raised.
        """

    @abstractmethod
    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Return where the live stream can be opened now."""

    @abstractmethod
    async def async_get_snapshot(self, camera_id: str) -> bytes:
        """Return a current JPEG image of the camera."""

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """Return the camera's recorded items of one kind, newest first."""
        raise NotSupported(f"{kind} is not available for {self.vendor}")

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return where the proxy fetches a recorded item from."""
        raise NotSupported(f"{kind} is not available for {self.vendor}")

    async def async_set_pin_lock(
        self,
        camera_id: str,
        *,
        enabled: bool | None = None,
        codes: Sequence[PinCode] | None = None,
    ) -> PinLock:
        """Change the PIN lock; what is None stays as it is. Return the new settings."""
        raise NotSupported(f"PIN lock is not available for {self.vendor}")


_QUERY_SECRET = re.compile(r"(?i)([?&](?:apisecret|api_key|token|password|pincodes)=)[^&#\s]*")


def redact_url(url: str) -> str:
    """Return a URL fit for a log line: secret query values replaced."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, url)
