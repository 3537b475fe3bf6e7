"""Videoloft (Manything) API 1.0.8 client.

Follows ``vendor-docs/videoloft-api-1.0.8.txt``: an authenticator (login, device lists),
loggers (status, realtime feed, camera tasks, images, recorded events) and Wowza servers
(live HLS). Where the document is silent we assume, and the simulator agrees:

- Login: ``/login`` is documented as a GET with the password in the query string. We first
  send the same fields as a POST form body, which keeps the password out of every URL, and
  fall back to the documented GET only when the authenticator answers the POST with 404 or
  405 (remembered for the session). A 401 or 403 from ``/login`` is a refused password.
  The first login goes to the configured authenticator; later logins and every
  authenticator call go to the ``authenticator`` the login names (the user's region), as
  the document asks ("once you know the specific authenticator to use, you should use that
  one directly"). That authenticator is handed back to the Home Assistant side
  (`stored_config`) and given to the next client (``authenticator`` in `from_config`), so
  that a restart goes to it first; the configured one is the fallback when it cannot be
  reached.
- Hosts given without a scheme (loggers, Wowza, maybe the authenticator) take the scheme of
  the configured authenticator URL.
- Tokens live 20 minutes: we log in again after 15 minutes, and once whenever a call is
  answered 401. A call refused again right after a fresh login is an error of that call,
  not of the password; only a refused login means the password changed.
- Error answers are JSON ``{"error": "…"}`` with a sensible HTTP status; 403 on a camera
  task means the account may only view that camera (permission ``r``).
- Read-only access includes live video (the document: "with read only access, you can have
  access to see camera names, recorded and live video"), and live video needs
  ``livecommand``: it is sent for every camera, whatever its permission. Every other task
  (captures, triggered recording, PTZ) acts on the camera, so it is sent only with
  permission ``a`` (admin "can do additional things such as change camera settings").
- ``/cameras/status`` and ``/cameras/realtime/live`` take every uid of a logger in one
  request. When the uids of one logger would make the URL longer than `SAFE_URL_LENGTH`,
  the uids are left out (the logger then answers for all its cameras the user can access)
  and the answer is filtered.
- The realtime feed is a Server-Sent Events stream: each update is a ``data:`` line holding
  ``{"type": "liveSession" | "alert", "data": {…}}``, ended by a blank line. A bare JSON
  line is accepted as an update too; a message that cannot be read is skipped.
- ``status`` ``offline`` (adapter offline) and ``novideo`` (camera cut off from its adapter)
  mean the camera is not online; every other value (``live``, ``idle``, …) means it is.
- Alerts: ``startt``/``endt`` in ms UTC, ``tz`` the camera's offset in hours, ``smx``/``aud``
  two hex digits; an alert whose ``endt`` is null is still going on.
- PTZ is documented for Hikvision cameras only. A Hikvision camera is one whose ``phoneid``
  starts with ``DS-``; PTZ models (``DS-2DE``/``DS-2DF``/``DS-2DY``/``DS-2AE``/``DS-2PT``)
  get PTZ controls; fixed network cameras (``DS-2CD``) and non-Hikvision cameras get none;
  other Hikvision devices (recorder channels, whose camera cannot be known) get them
  disabled by default. Controls need permission ``a``;
  triggered recording also needs ``cloudRecordingEnabled``.
- A realtime feed that breaks (rather than being ended by the server) may hide alerts:
  after it reconnects, the logger's status is read once and, for each camera whose
  ``lastalert`` (seconds) is not older than the break, its newest ``/alert``.
- Read-only cameras are not asked to capture images: their snapshot is the newest image
  the logger already has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
import json
import logging
import math
import re
import time
from typing import Any, Final
from urllib.parse import quote, quote_plus, urlsplit

import aiohttp

from .base import VendorClient, redact_url
from .errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    OmniCamError,
    RateLimited,
    Unavailable,
    VendorError,
)
from .models import (
    Account,
    Camera,
    CameraEvent,
    CameraStatus,
    Capability,
    EventKind,
    FieldType,
    FormField,
    MediaKind,
    MediaLocation,
    MediaPage,
    PtzDirection,
    RealtimeUpdate,
    RecordedItem,
    RecordingCause,
    StreamKind,
    StreamSource,
    VendorForm,
)
from .values import as_dict as _dict, as_text as _text

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL: Final = "https://auth1.manything.com"
CONF_EMAIL: Final = "email"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a config key, not a secret
CONF_URL: Final = "url"
CONF_AUTHENTICATOR: Final = "authenticator"

REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=20, connect=10)
REALTIME_TIMEOUT: Final = aiohttp.ClientTimeout(total=None, connect=15, sock_read=330)
"""The server ends a feed after 5 minutes at most; silence for longer means it hangs."""
TOKEN_REFRESH: Final = 15 * 60.0
SAFE_URL_LENGTH: Final = 6000
VIEWERINFO_BATCH: Final = 100
VIEWERINFO_URL_LENGTH: Final = 2000
MAX_PARALLEL: Final = 4
LIVE_WAIT: Final = 8.0
IMAGE_WAIT: Final = 4.0
STATUS_RECHECK: Final = 1.0
EVENT_PAGE: Final = 20
EVENT_PAGE_READS: Final = 4
"""At most this many ``/alert`` reads make one page (when new events pushed it down)."""
THUMB_WIDTH: Final = 256
INVALID_WOWZA: Final = "wowza1.manything.com"
NOT_ONLINE: Final = frozenset({"offline", "novideo"})
EVENT_KINDS: Final[Mapping[str, EventKind]] = {"motion": EventKind.MOTION, "audio": EventKind.SOUND}
"""Alert types of the realtime feed, and what they are."""
PTZ_MODELS: Final = ("DS-2DE", "DS-2DF", "DS-2DY", "DS-2AE", "DS-2PT")
FIXED_MODELS: Final = ("DS-2CD",)
"""Hikvision's fixed network cameras: they cannot move."""
PTZ_ACTION: Final = {
    PtzDirection.UP: "up",
    PtzDirection.DOWN: "down",
    PtzDirection.LEFT: "left",
    PtzDirection.RIGHT: "right",
    PtzDirection.ZOOM_IN: "in",
    PtzDirection.ZOOM_OUT: "out",
}

_VIEW: Final = frozenset(
    {
        Capability.LIVE_STREAM,
        Capability.LIVE_ON_DEMAND,
        Capability.SNAPSHOT,
        Capability.LIVE_STATE,
        Capability.ONLINE_STATE,
        Capability.MOTION,
        Capability.EVENTS,
    }
)


@dataclass(slots=True)
class _Device:
    """What the authenticator tells about a camera."""

    uidd: str
    owner: str
    alias: str | None
    name: str
    admin: bool
    logger: str | None = None
    wowza: str | None = None
    streamname: str | None = None
    device_type: str | None = None
    app_version: str | None = None
    phoneid: str = ""
    recording: bool = True


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _hex(value: Any) -> int | None:
    try:
        return int(str(value), 16)
    except (TypeError, ValueError):
        return None


def _ms_time(value: Any, tz_hours: float | None) -> datetime | None:
    ms = _number(value)
    if ms is None or ms <= 0:
        return None
    zone = UTC if not tz_hours else timezone(timedelta(hours=tz_hours))
    try:
        return datetime.fromtimestamp(ms / 1000, zone)
    except (OverflowError, OSError, ValueError):
        return None


def _devices_in(result: Any) -> Iterable[tuple[str, str | None, dict[str, Any]]]:
    """Yield (owner uid, owner alias, device) from a ``/devices``-shaped result.

    Lenient: devices are looked for in each owner's ``devices`` and at the owner's level.
    """
    for owner, value in _dict(result).items():
        block = _dict(value)
        alias = _text(block.get("alias"))
        candidates = list(_dict(block.get("devices")).values()) + list(block.values())
        for device in candidates:
            if isinstance(device, dict) and _text(device.get("uidd") or device.get("uid")):
                yield str(owner), alias, device


def _host(value: Any) -> str | None:
    """Return a host name (with port) from a value that may carry a scheme or a path."""
    text = _text(value)
    if text is None:
        return None
    if "://" in text:
        text = urlsplit(text).netloc
    return text.split("/")[0] or None


_EVENT_PAGE = re.compile(r"(\d{1,9})\.(\d{1,15})\.(\d{1,15})")


def _alert_key(row: Mapping[str, Any]) -> tuple[int, int] | None:
    """Return what orders an ``/alert`` row, newest last: its start (ms) and its id."""
    start = _number(row.get("startt"))
    alert_id = _text(row.get("alert") or row.get("id"))
    if start is None or alert_id is None or not alert_id.isdigit():
        return None
    return int(start), int(alert_id)


def _parse_event_page(page: str | None) -> tuple[int, tuple[int, int] | None]:
    """Return the position and the last event shown of an events page cursor."""
    if page is None:
        return 0, None
    match = _EVENT_PAGE.fullmatch(page)
    if match is None:
        raise NotFound(f"no events page {page!r}")
    position, start, alert_id = (int(part) for part in match.groups())
    return position, (start, alert_id)


_HIKVISION_SERIAL = re.compile(r"(DS-[0-9A-Z-]+?)(?:\d{2})?(?:19|20)\d{6}[A-Z]{4}")
_RECORDER_CHANNEL = re.compile(r"@0*(\d+)$")


def readable_model(device_type: str | None, phoneid: str) -> str | None:
    """Return a model a person reads rather than the app's device type (``ipcam201701``).

    The Hikvision model, a recorder channel, an IP camera or a phone. A Hikvision
    ``phoneid`` is its model followed by the serial (a date and letters), and ``@NN`` for
    a recorder's channel; a phone or tablet running the app has no device type.
    """
    phoneid = phoneid.strip().upper()
    channel = _RECORDER_CHANNEL.search(phoneid)
    hikvision = None
    if phoneid.startswith("DS-"):
        serial = _HIKVISION_SERIAL.match(phoneid)
        hikvision = f"Hikvision {serial.group(1) if serial else phoneid.split('@')[0]}"
    if channel is not None:
        return f"{hikvision or 'Recorder'} channel {int(channel.group(1))}"
    if hikvision is not None:
        return hikvision
    if device_type is None:
        return "Phone or tablet"
    if device_type.lower().startswith("ipcam"):
        return "IP camera"
    return device_type


def event_item_id(alert_id: str, start_s: int, end_s: int, rom: int) -> str:
    """Return the item id of an event: everything its video URL needs, path safe."""
    return f"{alert_id}_{start_s}_{end_s}_{rom}"


def parse_event_item_id(item_id: str) -> tuple[str, int, int, int]:
    """Split an event item id; raises NotFound when it is not one."""
    parts = item_id.split("_")
    if len(parts) != 4 or not all(part.isdigit() for part in parts):
        raise NotFound(f"no event {item_id}")
    return parts[0], int(parts[1]), int(parts[2]), int(parts[3])


class VideoloftClient(VendorClient):
    """Client of one Videoloft login, which may reach many owners' cameras."""

    vendor = "videoloft"
    manufacturer = "Videoloft"
    form = VendorForm(
        fields=(
            FormField(CONF_EMAIL, FieldType.EMAIL),
            FormField(CONF_PASSWORD, FieldType.PASSWORD),
            FormField(CONF_URL, FieldType.URL, required=False, default=DEFAULT_URL),
        ),
        secrets=(CONF_PASSWORD,),
        identity=(CONF_EMAIL,),
    )
    legacy_entity_keys = {"audio": EventKind.SOUND.value}
    """Sound binary sensors were keyed by the alert type before they were keyed by kind."""
    camera_list_seconds = 600.0
    snapshot_cache_seconds = 20.0
    live_keepalive_seconds = 30.0

    def __init__(
        self,
        session: aiohttp.ClientSession,
        email: str,
        password: str,
        url: str = DEFAULT_URL,
        authenticator: str | None = None,
    ) -> None:
        """Initialise the client; `authenticator` is the regional one a login named."""
        super().__init__(session)
        self._email = email
        self._password = password
        self._configured = (url or DEFAULT_URL).rstrip("/")
        self._scheme = urlsplit(self._configured).scheme or "https"
        self._authenticator: str | None = None
        if authenticator and urlsplit(authenticator).scheme in ("http", "https"):
            self._authenticator = authenticator.rstrip("/")
        self._token: str | None = None
        self._token_at = 0.0
        self._uid: str | None = None
        self._max_age_days: float | None = None
        self._login_lock = asyncio.Lock()
        self._login_get = False
        self._parallel = asyncio.Semaphore(MAX_PARALLEL)
        self._devices: dict[str, _Device] = {}
        self._raw: dict[str, dict[str, Any]] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._feeds_up: set[str] = set()
        self._gaps: dict[str, float] = {}
        """Feeds that broke, and when: what happened since is caught up on reconnect."""

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any]
    ) -> VideoloftClient:
        """Build the client from config entry data."""
        return cls(
            session,
            config[CONF_EMAIL],
            config[CONF_PASSWORD],
            config.get(CONF_URL) or DEFAULT_URL,
            config.get(CONF_AUTHENTICATOR),
        )

    def stored_config(self) -> dict[str, Any]:
        """Return the regional authenticator the last login named, once known."""
        return {CONF_AUTHENTICATOR: self._authenticator} if self._authenticator else {}

    def secrets(self) -> Sequence[str]:
        """Return the password (as typed and as URL-encoded) and the token."""
        secrets = [self._password, quote_plus(self._password), quote(self._password, safe="")]
        if self._token:
            secrets += [self._token, quote(self._token, safe=""), quote_plus(self._token)]
        return secrets

    @property
    def feeds_up(self) -> frozenset[str]:
        """Return the keys of the realtime feeds connected now."""
        return frozenset(self._feeds_up)

    # -- transport -----------------------------------------------------------------

    def _url(self, host: str, path: str) -> str:
        """Return an URL on a host given with or without a scheme."""
        if "://" in host:
            return f"{host.rstrip('/')}{path}"
        return f"{self._scheme}://{host}{path}"

    async def _fresh_token(self, *, force: bool = False, stale: str | None = None) -> str:
        """Return a token no older than `TOKEN_REFRESH`, logging in when needed."""
        async with self._login_lock:
            token = self._token
            fresh = token is not None and time.monotonic() - self._token_at < TOKEN_REFRESH
            if token is not None and fresh and not force:
                return token
            if token is not None and stale is not None and token != stale:
                return token  # someone else logged in while we waited
            return await self._login()

    async def _login(self) -> str:
        """Log in; raises AuthError only when the password is refused."""
        bases = [self._authenticator] if self._authenticator else []
        bases.append(self._configured)
        last: OmniCamError | None = None
        for base in dict.fromkeys(bases):
            assert base is not None
            try:
                return await self._login_at(base)
            except CannotConnect as err:
                last = err
        assert last is not None
        raise last

    async def _login_at(self, base: str) -> str:
        url = self._url(base, "/login")
        form = {"email": self._email, "password": self._password}
        status, body = 0, b""
        if not self._login_get:
            status, body = await self._send("login", "POST", url, data=form)
            if status in (404, 405):
                self._login_get = True
        if self._login_get:
            status, body = await self._send("login", "GET", url, params=form)
        if status in (401, 403):
            raise AuthError("login: email or password refused")
        result = self._result("login", status, body)
        token = _text(_dict(result).get("authToken"))
        uid = _text(_dict(result).get("uid"))
        if token is None or uid is None:
            raise BadResponse("login: no token or uid in the answer")
        self._token, self._token_at, self._uid = token, time.monotonic(), uid
        authenticator = _text(_dict(result).get("authenticator"))
        if authenticator is not None:
            self._authenticator = (
                authenticator.rstrip("/")
                if "://" in authenticator
                else f"{self._scheme}://{_host(authenticator)}"
            )
        max_age = _number(_dict(_dict(result).get("accountInfo")).get("maxAge"))
        self._max_age_days = max_age if max_age and max_age > 0 else None
        _LOGGER.debug("Logged in to %s as uid %s", urlsplit(url).netloc, uid)
        return token

    async def _send(
        self,
        name: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """Send one request; return status and body; raise CannotConnect on failures."""
        self.count(name)
        async with self._parallel:
            try:
                async with self._session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=REQUEST_TIMEOUT,
                    allow_redirects=True,
                ) as resp:
                    return resp.status, await resp.read()
            except TimeoutError:
                raise CannotConnect(f"{name}: timed out") from None
            except aiohttp.ClientError as err:
                raise CannotConnect(
                    f"{name}: {type(err).__name__}: {self.scrub(redact_url(str(err)))}"
                ) from None

    def _result(self, name: str, status: int, body: bytes) -> Any:
        """Return the ``result`` of an answer; raise a typed error for anything else."""
        if status == 429:
            raise RateLimited(f"{name}: rate limited")
        if status >= 500:
            raise CannotConnect(f"{name}: server error {status}")
        try:
            payload = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            start = body[:40].decode("utf-8", "replace").strip()
            raise BadResponse(
                f"{name}: answer is not JSON (HTTP {status}, starts with {start!r})"
            ) from None
        error = _text(_dict(payload).get("error"))
        if status == 404:
            raise NotFound(f"{name}: {error or 'not found'}")
        if status == 403:
            raise NotSupported(f"{name}: not allowed ({error or 'forbidden'})")
        if status != 200 or error is not None:
            raise VendorError(status, f"{name}: {self.scrub(error or 'unexpected answer')}")
        if not isinstance(payload, dict) or "result" not in payload:
            raise BadResponse(f"{name}: answer has no result")
        return payload["result"]

    async def _api(
        self,
        name: str,
        host: str | None,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        via: str = "header",
        raw: bool = False,
    ) -> Any:
        """Call an authenticated endpoint; log in again once when the token is refused.

        `host` None is the authenticator, as the newest login named it. `via` is ``header``
        (Authorization), ``query`` (``token=``), ``userToken``, or
        ``path`` (the token is the last path segment).
        """
        token = await self._fresh_token()
        for attempt in range(2):
            query = list(params)
            headers: dict[str, str] = {}
            full_path = path
            if via == "header":
                headers["Authorization"] = f"ManythingToken {token}"
            elif via == "path":
                full_path = f"{path}/{quote(token, safe='')}"
            else:
                query.append((via if via != "query" else "token", token))
            base = host or self._auth_host()
            status, body = await self._send(
                name, "GET", self._url(base, full_path), params=query, headers=headers
            )
            if status == 401 and attempt == 0:
                _LOGGER.debug("%s: token refused; logging in again", name)
                token = await self._fresh_token(force=True, stale=token)
                continue
            if status == 401:
                raise VendorError(401, f"{name}: refused although just logged in")
            if raw:
                if status == 404:
                    raise NotFound(f"{name}: not found")
                if status != 200:
                    self._result(name, status, body)
                    raise BadResponse(f"{name}: unexpected HTTP {status}")
                return body
            return self._result(name, status, body)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- account and cameras ---------------------------------------------------------

    async def async_get_account(self) -> Account:
        """Log in; the account is the user's uid."""
        await self._fresh_token(force=True)
        assert self._uid is not None
        return Account(unique_id=self._uid, title=f"Videoloft ({self._email})")

    async def _device_list(self) -> list[_Device]:
        result = await self._api("devices", None, "/devices")
        devices: dict[str, _Device] = {}
        for owner, alias, row in _devices_in(result):
            uidd = str(_text(row.get("uidd") or row.get("uid")))
            perms = row.get("permissions")
            perms = perms if isinstance(perms, list) else []
            devices[uidd] = _Device(
                uidd=uidd,
                owner=owner,
                alias=alias,
                name=_text(row.get("phonename")) or uidd,
                admin="a" in perms,
            )
        return list(devices.values())

    def _auth_host(self) -> str:
        return self._authenticator or self._configured

    async def async_get_camera_ids(self) -> list[str]:
        """Return the uidds the login can reach."""
        return [device.uidd for device in await self._device_list()]

    async def async_get_cameras(self) -> list[Camera]:
        """Read ``/devices`` and then ``/devices/viewerInfo`` in batches."""
        devices = {device.uidd: device for device in await self._device_list()}
        batches: list[list[str]] = []
        for uidd in devices:
            batch = batches[-1] if batches else None
            length = sum(len(u) + 7 for u in batch) if batch else 0
            if (
                batch is None
                or len(batch) >= VIEWERINFO_BATCH
                or (length + len(uidd) + 7 > VIEWERINFO_URL_LENGTH)
            ):
                batches.append([uidd])
            else:
                batch.append(uidd)
        results = await asyncio.gather(
            *(
                self._api(
                    "viewerInfo",
                    None,
                    "/devices/viewerInfo",
                    [("uidd", uidd) for uidd in batch],
                )
                for batch in batches
            )
        )
        for result in results:
            for _, _, row in _devices_in(result):
                device = devices.get(str(_text(row.get("uidd") or row.get("uid"))))
                if device is None:
                    continue
                device.logger = _host(row.get("logger"))
                device.wowza = _host(row.get("wowza"))
                device.streamname = _text(row.get("streamname"))
                device.device_type = _text(row.get("deviceType"))
                device.app_version = _text(row.get("appVersion"))
                device.phoneid = _text(row.get("phoneid")) or ""
                device.recording = _number(row.get("cloudRecordingEnabled")) != 0
        placed = {uidd: device for uidd, device in devices.items() if device.logger}
        for uidd in devices.keys() - placed.keys():
            _LOGGER.debug("Camera %s has no logger in viewerInfo; left out", uidd)
        for gone in self._devices.keys() - placed.keys():
            self._raw.pop(gone, None)
        self._devices = placed
        owners = {device.owner for device in placed.values()}
        return [self._camera(device, several=len(owners) > 1) for device in placed.values()]

    def _camera(self, device: _Device, *, several: bool) -> Camera:
        capabilities = set(_VIEW)
        maybe: set[Capability] = set()
        if device.admin:
            capabilities.add(Capability.CAPTURE_STILL)
            if device.recording:
                capabilities.add(Capability.TRIGGER_RECORDING)
            model = device.phoneid.upper()
            if model.startswith(PTZ_MODELS):
                capabilities.add(Capability.PTZ)
            elif model.startswith("DS-") and not model.startswith(FIXED_MODELS):
                maybe.add(Capability.PTZ)
        owner = device.alias or device.owner
        return Camera(
            id=device.uidd,
            name=f"{device.name} ({owner})" if several else device.name,
            manufacturer=self.manufacturer,
            model=readable_model(device.device_type, device.phoneid),
            sw_version=device.app_version,
            capabilities=frozenset(capabilities),
            maybe=frozenset(maybe),
            group=owner if several else None,
            event_types=tuple(dict.fromkeys(EVENT_KINDS.values())),
            event_codes=tuple(EVENT_KINDS),
        )

    def _device(self, camera_id: str) -> _Device:
        device = self._devices.get(camera_id)
        if device is None or device.logger is None:
            raise NotFound(f"camera {camera_id} is not on the account")
        return device

    def _by_logger(self, camera_ids: Iterable[str]) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for cid in camera_ids:
            device = self._devices.get(cid)
            if device is not None and device.logger:
                groups.setdefault(device.logger, []).append(cid)
        return groups

    @staticmethod
    def _uid_params(logger: str, key: str, uids: Sequence[str]) -> list[tuple[str, str]]:
        """Name every uid, unless that would make the URL unsafely long."""
        length = len(logger) + 40 + sum(len(key) + len(uid) + 2 for uid in uids)
        return [] if length > SAFE_URL_LENGTH else [(key, uid) for uid in uids]

    # -- status ----------------------------------------------------------------------

    def _take_raw(self, uidd: str, row: Mapping[str, Any]) -> None:
        """Merge a status row into what is known and wake whoever waits on the camera."""
        self._raw[uidd] = {**self._raw.get(uidd, {}), **row}
        event = self._changed.pop(uidd, None)
        if event is not None:
            event.set()

    def _status(self, uidd: str) -> CameraStatus:
        raw = self._raw.get(uidd, {})
        state = _text(raw.get("status"))
        live = raw.get("live")
        return CameraStatus(
            live=live if isinstance(live, bool) else None,
            online=None if state is None else state.lower() not in NOT_ONLINE,
        )

    async def _read_status(self, logger: str, uids: Sequence[str]) -> dict[str, CameraStatus]:
        result = await self._api(
            "status", logger, "/cameras/status", self._uid_params(logger, "uid", uids)
        )
        wanted = set(uids)
        found: dict[str, CameraStatus] = {}
        for _, _, row in _devices_in(result):
            uidd = str(_text(row.get("uid") or row.get("uidd")))
            if uidd in wanted:
                self._take_raw(uidd, row)
                found[uidd] = self._status(uidd)
        return found

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """Read ``/cameras/status`` once per logger, with all of that logger's cameras."""
        groups = self._by_logger(camera.id for camera in cameras)
        results = await asyncio.gather(
            *(self._read_status(logger, uids) for logger, uids in groups.items()),
            return_exceptions=True,
        )
        status: dict[str, CameraStatus] = {}
        errors: list[BaseException] = []
        for logger, result in zip(groups, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, OmniCamError):
                    raise result
                _LOGGER.debug("Status of logger %s not read: %s", logger, result)
                errors.append(result)
            else:
                status.update(result)
        if errors and len(errors) == len(groups):
            raise errors[0]
        return status

    async def _wait_raw(
        self, uidd: str, done: Callable[[Mapping[str, Any]], bool], within: float
    ) -> bool:
        """Wait until the camera's status satisfies `done`.

        The realtime feed tells first; while the camera's feed is down, the status is
        read again every `STATUS_RECHECK` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        device = self._device(uidd)
        while not done(self._raw.get(uidd, {})):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._changed.setdefault(uidd, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), min(remaining, STATUS_RECHECK))
            except TimeoutError:
                if device.logger not in self._feeds_up:
                    assert device.logger is not None
                    try:
                        await self._read_status(device.logger, [uidd])
                    except OmniCamError as err:
                        _LOGGER.debug("Status of %s not read: %s", uidd, err)
        return True

    # -- live view, snapshots, controls ----------------------------------------------

    async def _task(self, camera_id: str, action: str) -> None:
        device = self._device(camera_id)
        assert device.logger is not None
        await self._api(
            "sendcameratask",
            device.logger,
            "/sendcameratask",
            [("uid", camera_id), ("action", action)],
            via="query",
        )

    async def async_start_live(self, camera_id: str, *, wait: bool = True) -> None:
        """Send ``livecommand``; with `wait`, wait (bounded) until the camera is live.

        A camera that does not go live in time (offline, cut off from its adapter) is
        `Unavailable`: its Wowza server has no playlist to give.
        """
        await self._task(camera_id, "livecommand")
        if wait and not await self._wait_raw(
            camera_id, lambda raw: raw.get("live") is True, LIVE_WAIT
        ):
            raise Unavailable(f"{camera_id} did not start streaming within {LIVE_WAIT:.0f} s")

    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Return the Wowza HLS URL from the current Wowza host and stream name."""
        device = self._device(camera_id)
        raw = self._raw.get(camera_id, {})
        wowza = _host(raw.get("wowza")) if raw.get("live") is True else None
        if wowza is None or wowza == INVALID_WOWZA:
            wowza = device.wowza
        if not wowza or not device.streamname:
            raise Unavailable(f"{camera_id}: no Wowza server or stream name known")
        token = await self._fresh_token()
        path = f"/manything/{quote(device.streamname, safe='')}/playlist.m3u8"
        return StreamSource(
            url=f"{self._url(wowza, path)}?userToken={quote(token, safe='')}",
            kind=StreamKind.HLS,
            refresh_seconds=60.0,
            relay=True,
        )

    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Ask for a fresh image, wait for it, fetch it; else the newest one there is."""
        device = self._device(camera_id)
        kind = "thumb" if width is not None and width <= THUMB_WIDTH else "still"
        key = f"last{kind}"
        before = _number(self._raw.get(camera_id, {}).get(key))
        if device.admin:
            try:
                await self._task(camera_id, f"capture{kind}")
            except OmniCamError as err:
                _LOGGER.debug("%s: no capture: %s", camera_id, err)
            else:
                await self._wait_raw(
                    camera_id,
                    lambda raw: (_number(raw.get(key)) or 0) > (before or 0),
                    IMAGE_WAIT,
                )
        raw = self._raw.get(camera_id, {})
        tried: list[tuple[str, int]] = []
        for choice in (kind, "still" if kind == "thumb" else "thumb"):
            at = _number(raw.get(f"last{choice}"))
            if at and at > 0:
                tried.append((choice, int(at)))
        assert device.logger is not None
        for choice, at in tried:
            try:
                body: bytes = await self._api(
                    f"get{choice}",
                    device.logger,
                    f"/get{choice}/{quote(camera_id, safe='')}/{at}",
                    via="path",
                    raw=True,
                )
            except NotFound:
                continue
            return body
        raise Unavailable(f"{camera_id}: no image on the logger")

    async def async_ptz_start(self, camera_id: str, direction: PtzDirection) -> None:
        """Send ``ptzstart_<direction>``."""
        await self._task(camera_id, f"ptzstart_{PTZ_ACTION[direction]}")

    async def async_ptz_stop(self, camera_id: str) -> None:
        """Send ``ptzstop``."""
        await self._task(camera_id, "ptzstop")

    async def async_ptz_step(self, camera_id: str, direction: PtzDirection) -> None:
        """Send ``ptz_<direction>``: the camera moves for 1 second and stops by itself."""
        await self._task(camera_id, f"ptz_{PTZ_ACTION[direction]}")

    async def async_trigger_recording(self, camera_id: str) -> None:
        """Send ``triggerevent``: the camera records until about 20 s later."""
        await self._task(camera_id, "triggerevent")

    async def async_capture_still(self, camera_id: str) -> None:
        """Send ``capturestill``."""
        await self._task(camera_id, "capturestill")

    # -- recorded events -------------------------------------------------------------

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """Return the newest page of events."""
        return (await self.async_list_media_page(camera_id, kind)).items

    async def async_list_media_page(
        self, camera_id: str, kind: MediaKind, page: str | None = None
    ) -> MediaPage:
        """Return 20 events, newest first, within the plan's age, from where `page` says.

        ``/alert`` pages by position only (``offset``), and a new event moves every older
        one a place down. So a page's cursor holds the position where the next page is
        expected *and* the oldest event shown (its start and id): the next page keeps only
        events older than that one, reads on when new events pushed older ones further
        down, and steps back when events were deleted before it (it reads from one place
        earlier, where the event shown last should still be). Pages never overlap or skip.
        """
        if kind is not MediaKind.EVENT:
            raise NotSupported(f"{kind} is not available for {self.vendor}")
        position, anchor = _parse_event_page(page)
        device = self._device(camera_id)
        assert device.logger is not None
        await self._fresh_token()
        kept: list[dict[str, Any]] = []
        more = False
        # The first read of a later page starts one place early, at the event shown last.
        start = max(position - 1, 0) if anchor is not None else 0
        overlap = anchor is not None and start > 0
        for _ in range(EVENT_PAGE_READS):
            limit = EVENT_PAGE - len(kept) + 1 + overlap
            rows = await self._alert_rows(device.logger, camera_id, start, limit)
            first = next((key for row in rows if (key := _alert_key(row)) is not None), None)
            if overlap and anchor is not None and first is not None and first < anchor:
                # Events up to the one shown last were deleted: read again from earlier.
                start = max(start - EVENT_PAGE, 0)
                overlap = start > 0
                continue
            overlap = False
            used = 0
            for row in rows:
                if len(kept) == EVENT_PAGE:
                    break
                used += 1
                key = _alert_key(row)
                if key is not None and (anchor is None or key < anchor):
                    kept.append(row)
            start += used
            more = len(rows) > used or len(rows) == limit
            if len(kept) == EVENT_PAGE or not more:
                break
        items = [item for row in kept if (item := self._event_item(row)) is not None]
        if kept:
            anchor = _alert_key(kept[-1])
        next_page = None
        if more and anchor is not None:
            next_page = f"{start}.{anchor[0]}.{anchor[1]}"
        return MediaPage(items, next_page)

    async def _alert_rows(
        self, logger: str, camera_id: str, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """Read ``/alert`` rows from a position in the camera's list, newest first."""
        params = [
            ("uid", camera_id),
            ("startt", "1"),
            ("offset", str(offset)),
            ("limit", str(limit)),
        ]
        if self._max_age_days is not None:
            params.append(("maxage", str(int(self._max_age_days * 86_400_000))))
        result = await self._api("alert", logger, "/alert", params, via="query")
        return [_dict(row) for row in result] if isinstance(result, list) else []

    @staticmethod
    def _event_item(row: Any) -> RecordedItem | None:
        row = _dict(row)
        alert_id = _text(row.get("alert") or row.get("id"))
        tz = _number(row.get("tz"))
        start = _ms_time(row.get("startt"), tz)
        end = _ms_time(row.get("endt") or row.get("end"), tz)
        if alert_id is None or not alert_id.isdigit() or start is None:
            return None
        if end is None or end < start:
            end = start
        rom = 0 if _number(row.get("rom")) == 0 else 1
        code = _text(row.get("type")) or "motion"
        item_id = event_item_id(alert_id, int(start.timestamp()), math.ceil(end.timestamp()), rom)
        return RecordedItem(
            id=item_id,
            kind=MediaKind.EVENT,
            title="Event",
            start=start,
            end=end,
            event=EVENT_KINDS.get(code),
            cause=RecordingCause.EVENT,
            camera_time=True,
            has_thumbnail=True,
        )

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return the event's MP4 (``buildmp4=1``) on the camera's logger."""
        if kind is not MediaKind.EVENT:
            raise NotSupported(f"{kind} is not available for {self.vendor}")
        alert_id, start, end, rom = parse_event_item_id(item_id)
        device = self._device(camera_id)
        assert device.logger is not None
        token = await self._fresh_token()
        query = "&".join(
            f"{key}={quote(value, safe='')}"
            for key, value in (
                ("uid", camera_id),
                ("startt", str(start)),
                ("endt", str(end)),
                ("rom", str(rom)),
                ("id", alert_id),
                ("buildmp4", "1"),
                ("token", token),
            )
        )
        return MediaLocation(url=self._url(device.logger, f"/alerturl.m3u8?{query}"))

    async def async_get_thumbnail_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return the event's thumbnail (``/alertthumb``) on the camera's logger."""
        if kind is not MediaKind.EVENT:
            raise NotSupported(f"{kind} is not available for {self.vendor}")
        alert_id = parse_event_item_id(item_id)[0]
        device = self._device(camera_id)
        assert device.logger is not None
        token = await self._fresh_token()
        path = f"/alertthumb/{quote(camera_id, safe='')}/{alert_id}/{quote(token, safe='')}"
        return MediaLocation(url=self._url(device.logger, path), mime_type="image/jpeg")

    # -- realtime --------------------------------------------------------------------

    def realtime_groups(self, cameras: Sequence[Camera]) -> dict[str, tuple[str, ...]]:
        """Return one feed per logger, carrying all its cameras."""
        return {
            logger: tuple(sorted(uids))
            for logger, uids in self._by_logger(camera.id for camera in cameras).items()
        }

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hold ``/cameras/realtime/live`` of one logger open until the server ends it."""
        wanted = frozenset(camera_ids)
        params = self._uid_params(key, "uidd", list(camera_ids))
        token = await self._fresh_token()
        self.count("realtime")
        try:
            for attempt in range(2):
                async with self._session.get(
                    self._url(key, "/cameras/realtime/live"),
                    params=params,
                    headers={"Authorization": f"ManythingToken {token}"},
                    timeout=REALTIME_TIMEOUT,
                ) as resp:
                    if resp.status == 401 and attempt == 0:
                        token = await self._fresh_token(force=True, stale=token)
                        continue
                    if resp.status != 200:
                        self._result("realtime", resp.status, await resp.read())
                        raise BadResponse(f"realtime: unexpected HTTP {resp.status}")
                    self._feeds_up.add(key)
                    on_connect()
                    if (since := self._gaps.pop(key, None)) is not None:
                        await self._catch_up(key, camera_ids, since, on_update)
                    await self._read_feed(resp, wanted, on_update)
                    return
        except TimeoutError:
            self._gaps.setdefault(key, time.time())
            raise CannotConnect("realtime: no data for too long") from None
        except aiohttp.ClientError as err:
            self._gaps.setdefault(key, time.time())
            raise CannotConnect(f"realtime: {type(err).__name__}") from None
        finally:
            self._feeds_up.discard(key)

    async def _catch_up(
        self,
        logger: str,
        camera_ids: Sequence[str],
        since: float,
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """After a feed broke, tell what the gap hid: every camera's status, new alerts.

        One status request for the logger; for each camera whose last alert is newer than
        the break, its newest alert.
        """
        try:
            status = await self._read_status(logger, list(camera_ids))
        except OmniCamError as err:
            _LOGGER.debug("Logger %s: nothing caught up after the break: %s", logger, err)
            return
        missed = []
        for uidd, value in status.items():
            on_update(RealtimeUpdate(camera_id=uidd, status=value))
            if (_number(self._raw.get(uidd, {}).get("lastalert")) or 0) >= int(since):
                missed.append(uidd)
        pages = await asyncio.gather(
            *(self._newest_alert(uidd) for uidd in missed), return_exceptions=True
        )
        for uidd, row in zip(missed, pages, strict=True):
            if isinstance(row, dict) and (event := self._event(uidd, row)) is not None:
                on_update(RealtimeUpdate(camera_id=uidd, event=event))

    async def _newest_alert(self, uidd: str) -> dict[str, Any] | None:
        device = self._device(uidd)
        assert device.logger is not None
        params = [("uid", uidd), ("startt", "1"), ("offset", "0"), ("limit", "1")]
        rows = await self._api("alert", device.logger, "/alert", params, via="query")
        return _dict(rows[0]) if isinstance(rows, list) and rows else None

    async def _read_feed(
        self,
        resp: aiohttp.ClientResponse,
        wanted: frozenset[str],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        data: list[str] = []
        async for raw_line in resp.content:
            line = raw_line.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("data:"):
                data.append(line[5:].lstrip())
                continue
            if line.startswith("{") and not data:
                data.append(line)
            elif line:
                continue  # another SSE field (event:, id:, retry:, comment)
            if data:
                text, data = "\n".join(data), []
                self._feed_message(text, wanted, on_update)
        if data:
            self._feed_message("\n".join(data), wanted, on_update)

    def _feed_message(
        self, text: str, wanted: frozenset[str], on_update: Callable[[RealtimeUpdate], None]
    ) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            _LOGGER.debug("Realtime message skipped: not JSON")
            return
        message = _dict(message)
        if "type" not in message and isinstance(message.get("data"), dict):
            message = message["data"]
        kind = message.get("type")
        body = _dict(message.get("data"))
        uidd = _text(body.get("uidd") or body.get("uid"))
        if uidd is None or uidd not in wanted:
            return
        if kind == "liveSession":
            self._take_raw(uidd, body)
            on_update(RealtimeUpdate(camera_id=uidd, status=self._status(uidd)))
        elif kind == "alert":
            event = self._event(uidd, body)
            if event is not None:
                on_update(RealtimeUpdate(camera_id=uidd, event=event))

    @staticmethod
    def _event(uidd: str, body: Mapping[str, Any]) -> CameraEvent | None:
        alert_id = _text(body.get("id") or body.get("alert"))
        tz = _number(body.get("tz"))
        label = _text(body.get("type")) or "motion"
        magnitude = _hex(body.get("aud") if label == "audio" else body.get("smx"))
        if magnitude is None:
            magnitude = _hex(body.get("smx")) or _hex(body.get("aud"))
        return CameraEvent(
            camera_id=uidd,
            type=label,
            id=alert_id,
            start=_ms_time(body.get("startt"), tz),
            end=_ms_time(body.get("endt"), tz),
            magnitude=magnitude,
            kind=EVENT_KINDS.get(label),
        )
