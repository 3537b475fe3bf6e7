"""The interface every vendor client implements.

Clients are Home Assistant free: they take an aiohttp session and plain configuration
values, speak their vendor's API, and answer in the vocabulary of `models` and `errors`.
A method for a capability the vendor lacks raises `NotSupported`; the Home Assistant side
never calls it because no entity is created for a capability a camera does not have.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
import logging
import re
from typing import Any, ClassVar, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp

from .errors import BadResponse, NotFound, NotSupported
from .models import (
    Account,
    Camera,
    CameraStatus,
    FormField,
    LanDiscovery,
    MediaKind,
    MediaLocation,
    MediaPage,
    PinCode,
    PinLock,
    PtzDirection,
    PtzPreset,
    RealtimeUpdate,
    RecordedItem,
    RecordMode,
    StreamSource,
    VendorForm,
)

REDACTED = "**REDACTED**"
CONF_TIME_ZONE: Final = "time_zone"
"""Config key the Home Assistant side fills with its time zone when it builds a client."""

_LOGGER = logging.getLogger(__package__)


class VendorClient(ABC):
    """An authenticated connection to one vendor account."""

    vendor: ClassVar[str]
    """Short key of the vendor, e.g. ``ipcamlive``."""

    manufacturer: ClassVar[str]
    """Name shown as the manufacturer of the vendor's devices."""

    form: ClassVar[VendorForm]
    """The config-flow form that adds an account: its fields, the secrets asked again on
    reauth, and the fields that identify an account already added."""

    options: ClassVar[tuple[FormField, ...]] = ()
    """The fields of the options form (kept in the entry's options); none: no options."""

    stored_secrets: ClassVar[tuple[str, ...]] = ()
    """Keys of `stored_config` that hold secrets (a session token): never shown."""

    discovery: ClassVar[LanDiscovery | None] = None
    """How the vendor's devices are found on the local network; None: they are not (cloud
    accounts)."""

    unique_id_may_change: ClassVar[bool] = False
    """True when the account's unique id is derived from data the person may change (a
    secret, the server's address): new data that gives a new unique id is accepted on
    reauth or reconfigure only when it reaches the entry's cameras, and the entry's devices
    and entities move to the new unique id."""

    service_levels: ClassVar[tuple[str, ...]] = ()
    """With SERVICE_LEVEL: every value `CameraStatus.service_level` can take (translated
    under the sensor's ``service_level`` states)."""

    camera_list_seconds: ClassVar[float] = 300.0
    """How often the camera list is read again."""

    snapshot_cache_seconds: ClassVar[float] = 5.0
    """How long a snapshot is served again before a new one is fetched."""

    live_keepalive_seconds: ClassVar[float] = 30.0
    """With LIVE_ON_DEMAND: how often live video is asked for again while watched."""

    ptz_step_seconds: ClassVar[float] = 0.5
    """How long a PTZ button moves the camera."""

    status_poll_seconds: ClassVar[float | None] = None
    """How often the cameras' status is read while every realtime feed is up, for a vendor
    whose feed does not carry it (e.g. pushes events but not whether cameras are online);
    None: the feed carries it, and the status is read only as a slow safety net."""

    realtime_account_wide: ClassVar[bool] = False
    """The realtime feed carries every camera of the account, whatever camera ids it was
    opened with: a change of the camera list updates the feed's ids without restarting it
    (a restart would lose what is pushed while it reconnects). The client then hands over
    pushes of any camera; the coordinator keeps those of the cameras it knows."""

    event_hold_seconds: ClassVar[float | None] = 20.0
    """How long an event the feed reports without an end stays on, when nothing more is
    heard of it; None when the vendor always reports the end."""

    media_days: ClassVar[int] = 0
    """With `async_list_media_day`: how many days back the Media browser offers recordings
    and events, a folder a day, each listed only when opened. 0: all listed at once."""

    legacy_entity_keys: ClassVar[Mapping[str, str]] = {}
    """Entity keys an earlier version used, mapped to today's: the last part of an
    entity's unique id is renamed when an entry is migrated."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        """Keep the shared HTTP session."""
        self._session = session
        self.request_count: dict[str, int] = {}
        """Requests sent, by API function: for benchmarks and diagnostics."""

    def media_day_count(self, camera_id: str) -> int:
        """Return how many days back, today included, a camera's recordings are offered.

        `media_days` unless the vendor knows better for that camera (for one, from the
        oldest recording its memory card still holds). No request: answers from what the
        client already read.
        """
        return self.media_days

    def count(self, function: str) -> None:
        """Count one request to an API function."""
        self.request_count[function] = self.request_count.get(function, 0) + 1

    @classmethod
    @abstractmethod
    def from_config(cls, session: aiohttp.ClientSession, config: Mapping[str, Any]) -> VendorClient:
        """Build a client from a config entry's data (Home Assistant's standard keys)."""

    def stored_config(self) -> dict[str, Any]:
        """Return what the client learned that `from_config` should be given back.

        Kept in the config entry's data (and written again when it changes), e.g. the
        server a login said to use. A secret among them (a session's ``access_token``) is
        listed in `stored_secrets` and in `secrets`: diagnostics redact it.
        """
        return {}

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
    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Return a current JPEG image of the camera, at least `width` wide if it can."""

    async def async_start_live(self, camera_id: str, *, wait: bool = True) -> None:
        """With LIVE_ON_DEMAND: ask the camera to stream live video (again).

        With `wait`, return once it streams, or after a few seconds at most.
        """
        raise NotSupported(f"live video on demand is not available for {self.vendor}")

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """Return the camera's recorded items of one kind, newest first."""
        raise NotSupported(f"{kind} is not available for {self.vendor}")

    async def async_list_media_page(
        self, camera_id: str, kind: MediaKind, page: str | None = None
    ) -> MediaPage:
        """Return a page of recorded items, newest first; by default all in one page.

        `page` is None for the newest page, else a `MediaPage.next_page` this client gave
        (it arrives from a browser: a client that cannot read it raises `NotFound`).
        """
        if page is not None:
            raise NotFound(f"{kind} has a single page for {self.vendor}")
        return MediaPage(await self.async_list_media(camera_id, kind))

    async def async_get_thumbnail_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return where the proxy fetches the thumbnail of a recorded item from."""
        raise NotSupported(f"thumbnails of {kind} are not available for {self.vendor}")

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return where the proxy fetches a recorded item from."""
        raise NotSupported(f"{kind} is not available for {self.vendor}")

    async def async_list_media_day(
        self, camera_id: str, kind: MediaKind, day: date
    ) -> list[RecordedItem]:
        """Return the recorded items of one calendar day (the camera's local time), newest first.

        For vendors that keep too much to list at once; others list everything.
        """
        raise NotSupported(f"{kind} by day is not available for {self.vendor}")

    async def async_open_media(
        self,
        location: MediaLocation,
        headers: Mapping[str, str],
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> aiohttp.ClientResponse:
        """Send the request for a recorded item the proxy streams; the caller releases it.

        `headers` (e.g. ``Range``) are sent on top of the location's own. The response is
        returned whatever its status (a redirect is not followed: the proxy fetches only
        what the client built); a vendor whose media needs more than static headers
        (HTTP Digest) sends it its own way. Raises ``aiohttp.ClientError`` or
        ``TimeoutError`` when the vendor cannot be reached, an ``OmniCamError`` when a
        vendor's own handshake fails.
        """
        merged = dict(location.headers) | dict(headers)
        if client_timeout is None:
            return await self._session.get(location.url, headers=merged, allow_redirects=False)
        return await self._session.get(
            location.url, headers=merged, timeout=client_timeout, allow_redirects=False
        )

    async def async_set_pin_lock(
        self,
        camera_id: str,
        *,
        enabled: bool | None = None,
        codes: Sequence[PinCode] | None = None,
    ) -> PinLock:
        """Change the PIN lock; what is None stays as it is. Return the new settings."""
        raise NotSupported(f"PIN lock is not available for {self.vendor}")

    async def async_ptz_start(self, camera_id: str, direction: PtzDirection) -> None:
        """Start moving until told to stop."""
        raise NotSupported(f"PTZ is not available for {self.vendor}")

    async def async_ptz_stop(self, camera_id: str) -> None:
        """Stop moving."""
        raise NotSupported(f"PTZ is not available for {self.vendor}")

    async def async_ptz_step(self, camera_id: str, direction: PtzDirection) -> None:
        """Move a short step: by default start, wait `ptz_step_seconds`, stop."""
        await self.async_ptz_move(camera_id, direction, self.ptz_step_seconds)

    async def async_ptz_move(self, camera_id: str, direction: PtzDirection, seconds: float) -> None:
        """Move for a number of seconds; the stop is sent even when the wait is cancelled."""
        await self.async_ptz_start(camera_id, direction)
        try:
            await asyncio.sleep(seconds)
        finally:
            await asyncio.shield(self.async_ptz_stop(camera_id))

    async def async_ptz_home(self, camera_id: str) -> None:
        """With PTZ_HOME: move to the camera's home position."""
        raise NotSupported(f"PTZ home is not available for {self.vendor}")

    async def async_create_mark(self, camera_id: str) -> None:
        """With MARK: set a mark in the camera's archive at the current time."""
        raise NotSupported(f"marks are not available for {self.vendor}")

    async def async_logout(self) -> None:
        """End the vendor session the client holds; by default there is none to end.

        Called when the entry is removed (not on unload: a kept session survives a restart).
        """
        return

    async def async_list_presets(self, camera_id: str) -> list[PtzPreset]:
        """With PTZ_PRESETS: return the camera's preset positions."""
        raise NotSupported(f"PTZ presets are not available for {self.vendor}")

    async def async_goto_preset(self, camera_id: str, preset: str) -> None:
        """With PTZ_PRESETS: move to a preset position (an id from ``async_list_presets``)."""
        raise NotSupported(f"PTZ presets are not available for {self.vendor}")

    async def async_get_record_mode(self, camera_id: str) -> RecordMode:
        """With RECORD_MODE: return how the camera records now."""
        raise NotSupported(f"recording mode is not available for {self.vendor}")

    async def async_set_record_mode(self, camera_id: str, mode: RecordMode) -> None:
        """With RECORD_MODE: change how the camera records."""
        raise NotSupported(f"recording mode is not available for {self.vendor}")

    async def async_trigger_recording(self, camera_id: str) -> None:
        """Make the camera record an event now (the vendor decides how long)."""
        raise NotSupported(f"triggered recording is not available for {self.vendor}")

    async def async_capture_still(self, camera_id: str) -> None:
        """Make the camera capture a still image now."""
        raise NotSupported(f"capturing stills is not available for {self.vendor}")

    async def async_webrtc_offer(self, camera_id: str, offer_sdp: str) -> str:
        """With WEBRTC: send a WebRTC offer (SDP) to the camera and return its answer SDP.

        Raises `Unavailable` or `CannotConnect` on a timeout or a dropped connection,
        `BadResponse` on a reply that is not an answer, `VendorError` when the camera
        refuses the offer.
        """
        raise NotSupported(f"WebRTC is not available for {self.vendor}")

    async def async_get_ice_servers(self, camera_id: str) -> list[str]:
        """With WEBRTC: return the STUN/TURN URLs the camera uses (with scheme); [] if unknown."""
        return []

    async def async_set_ice_servers(self, camera_id: str, urls: Sequence[str]) -> None:
        """With WEBRTC: make the camera use these STUN/TURN URLs."""
        raise NotSupported(f"setting ICE servers is not available for {self.vendor}")

    async def async_close(self) -> None:
        """End what the client holds for this run (a short-lived token); called on unload.

        By default there is nothing to end. Never raises.
        """
        return

    def still_taken_at(self, camera_id: str) -> datetime | None:
        """Return when the last still served for the camera was captured; None if unknown."""
        return None

    def realtime_groups(self, cameras: Sequence[Camera]) -> dict[str, tuple[str, ...]]:
        """Return the realtime feeds to hold open: feed key → camera ids it carries.

        Empty when the vendor has no realtime feed.
        """
        return {}

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hold one realtime feed open and hand over its messages.

        Returns when the vendor ends the feed; raises an `OmniCamError` when it fails.
        The caller reconnects.
        """
        raise NotSupported(f"realtime updates are not available for {self.vendor}")


_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:apisecret|api_key|token|usertoken|password|pincodes)=)[^&#\s]*"
)


def redact_url(url: str) -> str:
    """Return a URL fit for a log line: secret query values replaced."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, url)


async def read_body(content: aiohttp.StreamReader, limit: int) -> bytes:
    """Return a whole HTTP body of at most `limit` bytes; raise `BadResponse` when longer.

    ``StreamReader.read(n)`` answers with what has arrived so far, which can be a part of
    the body: a playlist or a picture read that way is cut short under load.
    """
    parts: list[bytes] = []
    size = 0
    async for chunk in content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BadResponse(f"the answer is longer than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def config_time_zone(config: Mapping[str, Any]) -> tzinfo:
    """Return the time zone a client's config names (Home Assistant's), or UTC.

    The Media browser's days are Home Assistant's local days: a client that cuts recordings
    by day cuts them in this zone.
    """
    name = config.get(CONF_TIME_ZONE)
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        _LOGGER.warning("Unknown time zone %s: days are cut in UTC", name)
        return UTC
