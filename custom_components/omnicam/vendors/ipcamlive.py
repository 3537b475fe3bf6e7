"""IPCamLive JSON API v2 client.

Follows ``vendor-docs/ipcamlive-json-api-v2.txt``: every function is a GET on
``<server>/api/v2/<function>?apisecret=…`` answering ``{"result": "ok", "data": …}`` or
``{"result": "err", "errcode": N}``. Where the document is silent we assume, and the
simulator agrees:

- Every value arrives as a string; numbers and flags are parsed leniently and a value that
  cannot be read becomes "unknown", never an error of the whole answer.
- Times (``fromdate``/``todate``) are UTC, as ``YYYY-MM-DD HH:MM:SS``.
- ``-2`` means the secret is refused, except that on a call naming a camera it may mean the
  alias is no longer valid: we then ask ``getcameras`` once to tell the two apart.
- ``-3`` (not in the Basic package) and ``-100`` on a feature call (time-lapse, PIN codes,
  storage) mean the plan lacks the feature; ``-100`` on a stream call means the camera is
  not available right now.
- Capabilities are probed once per camera and service type: a camera whose service type
  changes is probed again.
- The camera's source ``url`` in ``getcameras`` may carry the camera's own credentials, so
  it is never kept.
- The account has no id of its own in the API: its unique id is a one-way digest of the
  server and the secret, which identifies the account without revealing the secret.
- Time-lapse days are UTC calendar days; the long-lapse is asked for without a date.
- PIN codes are 4 to 10 digits with an optional comment without ``:`` or ``;``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import hashlib
import html
import json
import logging
import math
import re
import time
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from .base import VendorClient, redact_url
from .errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    RateLimited,
    Unavailable,
    VendorError,
)
from .models import (
    Account,
    Camera,
    CameraStatus,
    Capability,
    FieldType,
    FormField,
    MediaKind,
    MediaLocation,
    PinCode,
    PinLock,
    RecordedItem,
    StorageInfo,
    StreamInfo,
    StreamKind,
    StreamSource,
    VendorForm,
)
from .values import as_dict as _dict, as_text as _text

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL: Final = "https://ipcamlive.com"
CONF_API_KEY: Final = "api_key"
CONF_URL: Final = "url"

REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=20, connect=10)
MAX_PARALLEL: Final = 4
SLOW_REFRESH: Final = 300.0
"""Seconds between refreshes of what changes slowly: stream info, storage, PIN lock."""
STREAM_URL_REFRESH: Final = 60.0
"""The document asks to look the HLS URL up again about every minute while playing."""
TIMELAPSE_DAYS: Final = 7
LONGLAPSE_ID: Final = "longlapse"
TITLE_CAMERAS: Final = 2
"""How many camera names an account's title shows."""

SERVICE_TYPES: Final = {"B": "basic", "S": "standard", "P": "professional", "U": "ultimate"}
_PIN_CODE = re.compile(r"^[0-9]{4,10}$")
_TAG = re.compile(r"<[^>]*>")
_STREAM_FUNCTIONS: Final = frozenset({"getstreaminfo", "getstreamhlsurl", "getsnapshoturl"})

_ALWAYS: Final = frozenset(
    {
        Capability.LIVE_STREAM,
        Capability.SNAPSHOT,
        Capability.STREAM_STATE,
        Capability.SERVER_STATE,
        Capability.SERVICE_LEVEL,
    }
)


def plain_name(name: str, fallback: str) -> str:
    """Return a camera name as plain text: tags dropped, entities decoded."""
    text = html.unescape(_TAG.sub("", name)).strip()
    return " ".join(text.split()) or fallback


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


def _flag(value: Any) -> bool | None:
    text = str(value).strip()
    if text in {"1", "true", "True"}:
        return True
    if text in {"0", "false", "False"}:
        return False
    return None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_pin_codes(raw: Any) -> tuple[PinCode, ...]:
    """Parse ``6108:Pin-1;8471:Pin-2`` into PIN codes."""
    codes: list[PinCode] = []
    for part in str(raw or "").split(";"):
        code, _, comment = part.strip().partition(":")
        if code.strip():
            codes.append(PinCode(code.strip(), comment.strip()))
    return tuple(codes)


def format_pin_codes(codes: Sequence[PinCode]) -> str:
    """Validate PIN codes and format them for ``setcamerapins``; raises ValueError."""
    parts = []
    for pin in codes:
        if not _PIN_CODE.match(pin.code):
            raise ValueError("invalid_pin_code")
        if ":" in pin.comment or ";" in pin.comment or len(pin.comment) > 32:
            raise ValueError("invalid_pin_comment")
        parts.append(f"{pin.code}:{pin.comment}" if pin.comment else pin.code)
    if len({pin.code for pin in codes}) != len(codes):
        raise ValueError("duplicate_pin_code")
    return ";".join(parts)


class _Refused(AuthError):
    """Error code -2: a refused secret, or on a call naming a camera, maybe a bad alias."""


class IPCamLiveClient(VendorClient):
    """Client of one IPCamLive account, identified by its API secret."""

    vendor = "ipcamlive"
    manufacturer = "IPCamLive"
    form = VendorForm(
        fields=(
            FormField(CONF_API_KEY, FieldType.PASSWORD),
            FormField(CONF_URL, FieldType.URL, required=False, default=DEFAULT_URL),
        ),
        secrets=(CONF_API_KEY,),
        identity=(CONF_API_KEY,),
    )
    unique_id_may_change = True  # derived from the secret
    """The account has no id of its own: its unique id is a digest of server and secret."""
    service_levels = tuple(SERVICE_TYPES.values())

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_secret: str,
        url: str = DEFAULT_URL,
    ) -> None:
        """Initialise the client."""
        super().__init__(session)
        self._secret = api_secret
        self._base = (url or DEFAULT_URL).rstrip("/")
        self._parallel = asyncio.Semaphore(MAX_PARALLEL)
        self._probed: dict[str, tuple[str, frozenset[Capability]]] = {}
        self._slow: dict[str, tuple[float, CameraStatus]] = {}
        self._was_connected: dict[str, bool | None] = {}

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any]
    ) -> IPCamLiveClient:
        """Build the client from config entry data."""
        return cls(session, config[CONF_API_KEY], config.get(CONF_URL) or DEFAULT_URL)

    def secrets(self) -> Sequence[str]:
        """Return the API secret."""
        return (self._secret,)

    # -- transport -----------------------------------------------------------------

    async def _call(self, function: str, **params: str) -> Any:
        """Call an API function and return its ``data``; raise a typed error."""
        try:
            return await self._request(function, params)
        except _Refused:
            if "alias" not in params:
                raise
            # -2 on a call naming a camera: a refused secret, or a camera that is gone?
            await self._request("getcameras", {})
            raise NotFound(f"camera {params['alias']} is not on the account") from None

    async def _request(self, function: str, params: Mapping[str, str]) -> Any:
        url = f"{self._base}/api/v2/{function}"
        query = {"apisecret": self._secret, **params}
        self.count(function)
        async with self._parallel:
            try:
                async with self._session.get(url, params=query, timeout=REQUEST_TIMEOUT) as resp:
                    status = resp.status
                    body = await resp.read()
            except TimeoutError:
                raise CannotConnect(f"{function}: timed out") from None
            except aiohttp.ClientError as err:
                raise CannotConnect(
                    f"{function}: {type(err).__name__}: {self.scrub(str(err))}"
                ) from None
        if status == 429:
            raise RateLimited(f"{function}: rate limited")
        if status >= 500:
            raise CannotConnect(f"{function}: server error {status}")
        if status in (401, 403):
            raise AuthError(f"{function}: refused with HTTP {status}")
        if status != 200:
            raise BadResponse(f"{function}: unexpected HTTP {status}")
        return self._unwrap(function, params, body)

    def _unwrap(self, function: str, params: Mapping[str, str], body: bytes) -> Any:
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            start = body[:40].decode("utf-8", "replace").strip()
            raise BadResponse(f"{function}: answer is not JSON (starts with {start!r})") from None
        if not isinstance(payload, dict) or payload.get("result") not in ("ok", "err"):
            raise BadResponse(f"{function}: answer has no result envelope")
        if payload["result"] == "ok":
            return payload.get("data")
        code = _int(payload.get("errcode"))
        if code == -2:
            raise _Refused(f"{function}: API secret refused or account disabled")
        if code == -3:
            raise NotSupported(f"{function}: not available in the Basic package")
        if code == -100:
            if function in _STREAM_FUNCTIONS:
                raise Unavailable(f"{function}: camera is not available")
            raise NotSupported(f"{function}: not available on this camera's plan")
        if code == -1:
            raise VendorError(code, f"{function}: missing or invalid parameters")
        raise VendorError(
            payload.get("errcode", "?"), f"{function}: {self.scrub(str(payload))[:200]}"
        )

    # -- account and cameras ---------------------------------------------------------

    async def async_get_account(self) -> Account:
        """Validate the secret with ``getcameras``.

        IPCamLive names no account, so the title names its first cameras (alphabetically),
        which tells two accounts apart as a person knows them; an account without cameras
        is titled by its server.
        """
        rows = await self._camera_rows()
        digest = hashlib.sha256(f"{self._base}\n{self._secret}".encode()).hexdigest()
        return Account(unique_id=f"ipcamlive-{digest[:20]}", title=self._title(rows))

    def _title(self, rows: Sequence[Mapping[str, Any]]) -> str:
        """Return the account's title: ``IPCamLive: A, B and 2 more`` (or its server)."""
        names = sorted(
            {plain_name(str(row.get("name") or ""), str(row["alias"])) for row in rows},
            key=str.casefold,
        )
        if not names:
            host = urlsplit(self._base).hostname or self._base
            return "IPCamLive" if self._base == DEFAULT_URL else f"IPCamLive ({host})"
        shown = ", ".join(names[:TITLE_CAMERAS])
        more = len(names) - TITLE_CAMERAS
        return f"IPCamLive: {shown} and {more} more" if more > 0 else f"IPCamLive: {shown}"

    async def _camera_rows(self) -> list[dict[str, Any]]:
        data = await self._call("getcameras")
        rows = data.get("cameras") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise BadResponse("getcameras: no camera list in the answer")
        return [row for row in rows if isinstance(row, dict) and row.get("alias")]

    async def async_get_camera_ids(self) -> list[str]:
        """Return the aliases on the account."""
        return [str(row["alias"]) for row in await self._camera_rows()]

    async def async_get_cameras(self) -> list[Camera]:
        """Return the cameras, probing the capabilities of new ones."""
        rows = await self._camera_rows()
        seen = {str(row["alias"]) for row in rows}
        for gone in set(self._probed) - seen:
            self._forget(gone)
        cameras = await asyncio.gather(*(self._camera(row) for row in rows))
        return list(cameras)

    def _forget(self, alias: str) -> None:
        self._probed.pop(alias, None)
        self._slow.pop(alias, None)
        self._was_connected.pop(alias, None)

    async def _camera(self, row: Mapping[str, Any]) -> Camera:
        alias = str(row["alias"])
        service = str(row.get("servicetype") or "").strip().upper()
        known = self._probed.get(alias)
        if known is None or known[0] != service:
            self._probed[alias] = (service, await self._probe(alias))
        return Camera(
            id=alias,
            name=plain_name(str(row.get("name") or ""), alias),
            manufacturer=self.manufacturer,
            model=f"{SERVICE_TYPES.get(service, 'unknown').title()} service",
            enabled=_flag(row.get("enabled")) is not False,
            capabilities=self._probed[alias][1],
        )

    async def _probe(self, alias: str) -> frozenset[Capability]:
        """Find which features the camera's plan has; absent ones are logged once.

        What the probes read is kept as the camera's first slow-changing status, so the
        first poll does not ask for it again.
        """
        probes: dict[tuple[Capability, ...], Awaitable[Any]] = {
            (Capability.STREAM_INFO, Capability.STREAM_BANDWIDTH): self._stream_info(alias),
            (Capability.STORAGE_INFO, Capability.RECORDINGS): self._storage_info(alias),
            (Capability.TIMELAPSE,): self._call("gettimelapseurl", alias=alias),
            (Capability.PIN_LOCK,): self._pin_lock(alias),
        }
        results = await asyncio.gather(*probes.values(), return_exceptions=True)
        found = set(_ALWAYS)
        for caps, result in zip(probes, results, strict=True):
            if isinstance(result, NotSupported):
                _LOGGER.debug(
                    "IPCamLive camera %s: %s not created (%s)", alias, ", ".join(caps), result
                )
            elif isinstance(result, BaseException) and not isinstance(
                result, Unavailable | BadResponse | VendorError
            ):
                raise result
            else:
                # Available, or unknown for now (camera offline, odd answer): keep it.
                found.update(caps)
        stream_info, storage, _, pin_lock = (
            None if isinstance(result, BaseException) else result for result in results
        )
        self._slow[alias] = (
            time.monotonic(),
            CameraStatus(stream_info=stream_info, storage=storage, pin_lock=pin_lock),
        )
        self._was_connected[alias] = stream_info is not None
        return frozenset(found)

    # -- status ------------------------------------------------------------------------

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """Poll state and server state; refresh slow-changing parts every few minutes."""
        results = await asyncio.gather(
            *(self._status(camera) for camera in cameras), return_exceptions=True
        )
        status: dict[str, CameraStatus] = {}
        errors: list[BaseException] = []
        for camera, result in zip(cameras, results, strict=True):
            if isinstance(result, CameraStatus):
                status[camera.id] = result
                continue
            if isinstance(result, AuthError) or not isinstance(result, Exception):
                raise result
            errors.append(result)
            _LOGGER.debug("IPCamLive camera %s: status not read: %s", camera.id, result)
        if errors and not status:
            raise errors[0]
        return status

    async def _status(self, camera: Camera) -> CameraStatus:
        state, server = await asyncio.gather(
            self._call("getcamerastate", alias=camera.id),
            self._call("getserverstate", alias=camera.id),
        )
        state = state if isinstance(state, dict) else {}
        server = server if isinstance(server, dict) else {}
        connected = _flag(state.get("streamavailable"))
        server_state = str(server.get("state", "")).strip().lower()
        slow = await self._slow_status(camera, connected)
        service = str(state.get("servicetype") or "").strip().upper()
        return CameraStatus(
            stream_connected=connected,
            server_online={"online": True, "offline": False}.get(server_state),
            service_level=SERVICE_TYPES.get(service),
            stream_info=slow.stream_info if connected else None,
            storage=slow.storage,
            pin_lock=slow.pin_lock,
        )

    async def _slow_status(self, camera: Camera, connected: bool | None) -> CameraStatus:
        cached = self._slow.get(camera.id)
        reconnected = connected and not self._was_connected.get(camera.id)
        self._was_connected[camera.id] = connected
        if cached and time.monotonic() - cached[0] < SLOW_REFRESH and not reconnected:
            return cached[1]
        stream_info = storage = pin_lock = None
        if camera.has(Capability.STREAM_INFO) and connected:
            stream_info = await self._optional(self._stream_info(camera.id))
        if camera.has(Capability.STORAGE_INFO):
            storage = await self._optional(self._storage_info(camera.id))
        if camera.has(Capability.PIN_LOCK):
            pin_lock = await self._optional(self._pin_lock(camera.id))
        slow = CameraStatus(stream_info=stream_info, storage=storage, pin_lock=pin_lock)
        self._slow[camera.id] = (time.monotonic(), slow)
        return slow

    @staticmethod
    async def _optional[T](call: Awaitable[T]) -> T | None:
        """Await a call whose failure only makes its values unknown."""
        try:
            return await call
        except (Unavailable, NotSupported, BadResponse, VendorError) as err:
            _LOGGER.debug("IPCamLive: %s", err)
            return None

    async def _stream_info(self, alias: str) -> StreamInfo:
        data = await self._call("getstreaminfo", alias=alias)
        if not isinstance(data, dict):
            raise BadResponse("getstreaminfo: no data")
        video, audio, band = (_dict(data.get(k)) for k in ("video", "audio", "bandwidth"))
        return StreamInfo(
            width=_int(video.get("width")),
            height=_int(video.get("height")),
            video_codec=(_text(video.get("format")) or "").upper() or None,
            fps=_float(video.get("fps")),
            audio_codec=(_text(audio.get("format")) or "").upper() or None,
            bandwidth_mbps=_float(band.get("mbps")),
        )

    async def _storage_info(self, alias: str) -> StorageInfo:
        data = await self._call("getcamerastorageinfo", alias=alias)
        info = data.get("storageinfo") if isinstance(data, dict) else None
        if not isinstance(info, dict):
            raise BadResponse("getcamerastorageinfo: no storageinfo")
        return StorageInfo(
            total_size_mb=_float(info.get("totalsize")),
            file_count=_int(info.get("filecount")),
            first_recording=_time(info.get("fromdate")),
            last_recording=_time(info.get("todate")),
        )

    async def _pin_lock(self, alias: str) -> PinLock:
        data = await self._call("getcamerapins", alias=alias)
        if not isinstance(data, dict):
            raise BadResponse("getcamerapins: no data")
        return PinLock(
            enabled=bool(_flag(data.get("pinlockenabled"))),
            codes=parse_pin_codes(data.get("pincodes")),
        )

    # -- live view -----------------------------------------------------------------------

    async def _url(self, function: str, alias: str, **params: str) -> str:
        data = await self._call(function, alias=alias, **params)
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise BadResponse(f"{function}: no URL in the answer")
        return url

    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Return the current HLS URL; it must be looked up again every minute."""
        url = await self._url("getstreamhlsurl", camera_id)
        return StreamSource(url=url, kind=StreamKind.HLS, refresh_seconds=STREAM_URL_REFRESH)

    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Fetch the JPEG behind ``getsnapshoturl``."""
        url = await self._url("getsnapshoturl", camera_id)
        self.count("snapshot")
        try:
            async with self._session.get(url, timeout=REQUEST_TIMEOUT) as resp:
                if resp.status == 404:
                    raise Unavailable("snapshot: no image yet")
                if resp.status != 200:
                    raise CannotConnect(f"snapshot: HTTP {resp.status}")
                image = await resp.read()
        except TimeoutError:
            raise CannotConnect("snapshot: timed out") from None
        except aiohttp.ClientError as err:
            raise CannotConnect(f"snapshot: {type(err).__name__}") from None
        if not image.startswith(b"\xff\xd8"):
            raise BadResponse(f"snapshot: not a JPEG image ({redact_url(url)})")
        return image

    # -- recorded media ------------------------------------------------------------------

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """List storage files (newest first) or the time-lapse clips."""
        if kind is MediaKind.RECORDING:
            return [item for item, _ in await self._storage_files(camera_id)]
        if kind is MediaKind.TIMELAPSE:
            today = datetime.now(UTC).date()
            items = [
                RecordedItem(
                    id=(day := today - timedelta(days=back)).isoformat(),
                    kind=kind,
                    title=day.isoformat(),
                    start=datetime.combine(day, datetime.min.time(), UTC),
                    camera_time=True,  # IPCamLive's days: shown as it names them
                )
                for back in range(TIMELAPSE_DAYS)
            ]
            items.append(RecordedItem(id=LONGLAPSE_ID, kind=kind, title="Long-lapse"))
            return items
        return await super().async_list_media(camera_id, kind)

    async def _storage_files(self, alias: str) -> list[tuple[RecordedItem, str]]:
        data = await self._call("getcamerastoragefiles", alias=alias)
        rows = data.get("storageinfo") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise BadResponse("getcamerastoragefiles: no file list")
        files: list[tuple[RecordedItem, str]] = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            url, file_id = row.get("url"), row.get("fileid")
            if not isinstance(url, str) or not url.startswith("http") or not file_id:
                continue
            size_mb = _float(row.get("filesize"))
            start = _time(row.get("fromdate"))
            files.append(
                (
                    RecordedItem(
                        id=str(file_id),
                        kind=MediaKind.RECORDING,
                        title=str(row.get("fromdate") or file_id),
                        start=start,
                        end=_time(row.get("todate")),
                        size_bytes=None if size_mb is None else int(size_mb * 1_048_576),
                    ),
                    url,
                )
            )
        files.sort(
            key=lambda pair: pair[0].start or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        return files

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Find the MP4 URL of a storage file or a time-lapse clip."""
        if kind is MediaKind.RECORDING:
            for item, url in await self._storage_files(camera_id):
                if item.id == item_id:
                    return MediaLocation(url=url)
            raise NotFound(f"recording {item_id} is not stored any more")
        if kind is MediaKind.TIMELAPSE:
            if item_id == LONGLAPSE_ID:
                return MediaLocation(url=await self._url("gettimelapseurl", camera_id))
            try:
                datetime.strptime(item_id, "%Y-%m-%d")
            except ValueError:
                raise NotFound(f"no time-lapse {item_id}") from None
            return MediaLocation(url=await self._url("gettimelapseurl", camera_id, date=item_id))
        return await super().async_get_media_location(camera_id, kind, item_id)

    # -- PIN lock ------------------------------------------------------------------------

    async def async_set_pin_lock(
        self,
        camera_id: str,
        *,
        enabled: bool | None = None,
        codes: Sequence[PinCode] | None = None,
    ) -> PinLock:
        """Change the PIN lock; ValueError names what is wrong with the codes."""
        if enabled is None or codes is None:
            current = await self._pin_lock(camera_id)
            enabled = current.enabled if enabled is None else enabled
            codes = current.codes if codes is None else codes
        pincodes = format_pin_codes(codes)
        if enabled and not codes:
            raise ValueError("pin_lock_needs_code")
        await self._call(
            "setcamerapins",
            alias=camera_id,
            pinlockenabled="1" if enabled else "0",
            pincodes=pincodes,
        )
        lock = PinLock(enabled=enabled, codes=tuple(codes))
        if cached := self._slow.get(camera_id):
            self._slow[camera_id] = (cached[0], replace(cached[1], pin_lock=lock))
        return lock
