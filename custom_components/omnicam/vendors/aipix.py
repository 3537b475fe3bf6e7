"""AIPIX VSaaS client (releases 23.09 to 25.06): the VMS Client API and its Pusher socket.

Follows ``vendor-docs/aipix-platform-notes.md`` (the client API, errors, previews, the push
socket, from the vendor's docs and mobile SDKs) and ``aipix-preview-urls.txt`` (25.06).
Where the documents are silent or mark something UNCONFIRMED we assume, and the simulator
agrees:

- Server probe: ``GET /api/v1/static/basic`` without a token at every account check. An
  HTML page, a body that is not a JSON object with ``version`` or
  ``is_captcha_available``, or a 404 means the address is not an AIPIX server
  (`WrongServer`). The release is the leading ``YY.MM`` of ``version``, remembered in
  `stored_config` (``server_version``).
- Headers on every call: ``Accept: application/json``, ``X-Client: web`` and one
  ``X-UUID`` per config entry (kept through `stored_config`; when the entry has none yet,
  a UUID derived from the server URL and the login, so that clients built before it was
  stored, e.g. a set-up that failed, present the same device and reuse its session), plus
  ``Authorization: Bearer <token>``. A received token that starts with ``Bearer `` has it
  stripped.
- Sessions are scarce and there is no refresh: the token is kept (``access_token`` in the
  entry) and reused by the next client; a login happens only without a token or after a
  401, once per 401 (a call refused again right after a fresh login is an error of that
  call). 401 or 403 on the login is a refused password (`AuthError`); 419 lists the open
  sessions (`SessionLimit`; a bare array of sessions too); with ``replace_session`` in the
  config the login sends it as ``session_id`` (used for that login only, never stored).
  422 with ``errors.captcha`` is `CaptchaRequired`; another 422 is `FieldErrors` with
  ``login`` → ``username``, ``password`` → ``password`` and anything else → ``base``;
  one naming only ``login``/``password`` (Laravel's "credentials do not match") is also
  an `AuthError` (`LoginRefused`), so that a changed password asks for reauth.
- Everywhere: 409 `ClientTooOld`; 429 `RateLimited`, and nothing is sent again before its
  ``Retry-After`` (seconds or an HTTP date; 10 s when absent); 503 `Maintenance`; other
  5xx `CannotConnect`; 404 `NotFound`; an HTML page, a body that is not JSON or a truncated
  one `BadResponse`; other 4xx `VendorError` with the server's message.
- ``POST /api/v1/logout`` with ``{"uuid": X-UUID}`` ends the session (entry removed).
- Cameras: every page of ``/api/v1/cameras`` asking ``per_page=100`` (the server may
  answer with fewer; the pages go on while ``links.next`` is not null, the next page
  number is ours: the link's host is never fetched). The user's permissions come from
  ``/api/v1/users/self``, read with each camera list (10 minutes, or at once on a
  ``cameras_updated``/``permissions_updated`` push). Capabilities: live video unless
  ``is_restricted_live``; PTZ (steps, home) with ``services.ptz`` and permission ``ptz``;
  MARK with ``marks-store``; MARKS with ``marks-index``; ARCHIVE with ``archives-show``
  unless ``is_restricted_archive``; EVENTS with ``camera-events-index``; MOTION with
  ``services.motion_detect`` or permission ``analytic``/``analytic-cases-index``. Only
  motion gets a binary sensor: the client API does not tell which analytics run on a
  camera; every analytic code is an event type of the camera's alert event entity.
  The camera's ``type`` is its model, ``group`` (name) or ``group_id`` its group.
- Status for all cameras: with a server that gives more than 25 cameras a page, the list
  pages (⌈N/page⌉ requests); otherwise ``/api/v1/cameras/shows`` 25 ids a call. ``status``
  active/partial is online, inactive/empty offline, initial unknown; ``user_status``
  ``blocked`` is offline with the reason ``blocked``. ``is_archive_recording`` and the
  archive's start (``start_at``, else the oldest ``archive_ranges`` entry) follow.
- Events safety net: each poll also reads the newest page of ``/api/v1/events`` (all
  cameras, ``sort=created_at&dir=desc``) and hands events newer than the newest id seen,
  and not already heard on the socket, to the running feed (queued while it is down). The
  first poll only learns the newest id. An event's ``type`` may be the analytic code
  (``motion_detect``) or the push name (``analytic_case_motion_detect_event_created``);
  only analytic codes are passed on.
- 25.06 uuid endpoints (``POST /api/v1/cameras/video|archive|preview``; the RU page's
  ``/api/v1/billing/cameras/video`` is tried after ``/api/v1/cameras/video``) are used only
  for a camera with a ``uuid`` on a server of release 25.06 or later; a 404 or 405 marks
  the endpoint absent for the client's life, except the live one's 404 for a camera
  without a stream: an endpoint that answered before keeps being used (the client API is
  asked for that camera), and a first 404 is forgotten when the client API's 404 says the
  camera has no stream. Their answer is ``[{"url", "expired_at"}]``
  (a single object, or one under ``data``, is read too); ``ttl`` is sent as a string.
- Live: ``/cameras/{id}/streams?type=high|low&source=hls|rtsp`` (``{"url",
  "fallback_url"}``); an HLS ``url`` whose playlist does not answer is replaced by
  ``fallback_url``. A link is looked up again 30 s before its ``expired_at``, or after
  5 minutes when it has none. 404 means the camera has no stream (`Unavailable`). HLS
  links go through Home Assistant's relay (their token never reaches the stream's logs).
- Snapshots: the 25.06 JPEG preview where available, else ``/cameras/{id}/preview``
  (a one-frame MP4 decoded off the event loop); ``is_need_token`` (a bool or a string)
  sends our bearer to the media server.
- Archive: by local day (Home Assistant's time zone, ``time_zone`` in the config) from
  ``archive_ranges`` (``{from, duration}`` or ``{from, end}``), cut at every full hour,
  newest first; an id is ``<start>:<end>`` (epoch seconds), valid only inside a range the
  camera lists. Events and marks are ``<id>:<start>:<end>`` (their
  ``from``/``to``, or a minute from their time); playing any of them asks for an archive
  link (``/streams/archive?start&duration&source=hls`` or 25.06 ``/cameras/archive``).
  422 is "no longer in the archive" (`NotFound`), 400 "archive restricted"
  (`NotSupported`). Thumbnails are the preview at the item's time.
- Push: ``/api/v1/wsurl`` gives the Pusher address; ``is_encrypted`` (bool or string)
  picks wss or ws; the socket is ``{scheme}://{host}:{port}{path}/app/{app_key}``, and a
  ``/ws`` path whose Pusher handshake fails is tried again as ``/pusher`` (the path that
  works is remembered). Channels ``private-user.{user id}`` and
  ``private-token.{access_token_id}``, authorised one by one through
  ``POST /api/v1/broadcasting/auth`` (form). Pushes are ``{"data": {"type", "data"}}``
  (a flat ``{"type", "data"}`` is read too). ``analytic_case_<kind>_event_created`` is an
  event (``license_plate`` gives ``data["plate"]``: a string, or the ``number``/``plate``/
  ``text`` of an object); ``cameras_updated``, ``permissions_updated`` and the group
  pushes make the core read the camera list again; ``mark_*`` changes nothing we hold
  (marks are listed when opened); ``logout`` drops the token, logs in again (an
  `AuthError` only when that login is refused) and ends the feed, which the core reopens
  with the new token's channel.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time as dtime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
import json
import logging
import math
import re
import time
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit
import uuid as uuidlib

import aiohttp
from yarl import URL

from .base import VendorClient, config_time_zone, read_body, redact_url
from .errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    CaptchaRequired,
    ClientTooOld,
    FieldErrors,
    Maintenance,
    NotFound,
    NotSupported,
    OmniCamError,
    RateLimited,
    SessionLimit,
    Unavailable,
    VendorError,
    WrongServer,
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
    StreamKind,
    StreamSource,
    VendorForm,
    VendorSession,
)
from .pusher import PusherEvent, PusherSocket, socket_url
from .stills import decode_still
from .values import as_dict as _dict, as_flag as _flag, as_int as _int, as_text as _text

_LOGGER = logging.getLogger(__name__)

CONF_URL: Final = "url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a config key, not a secret
CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_CLIENT_UUID: Final = "client_uuid"
CONF_ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a config key, not a secret
CONF_ACCESS_TOKEN_ID: Final = "access_token_id"  # noqa: S105 - a config key
CONF_SERVER_VERSION: Final = "server_version"
CONF_REPLACE_SESSION: Final = "replace_session"
CONF_RTSP: Final = "rtsp"
CONF_SUBSTREAM: Final = "substream"

REQUEST_TIMEOUT: Final = 20.0
MEDIA_LIMIT: Final = 32 * 1024 * 1024
PER_PAGE: Final = 100
SHOWS_BATCH: Final = 25
LIST_REUSE_SECONDS: Final = 10.0
"""A status read this soon after the camera list was read uses that list's statuses."""
MAX_PAGES: Final = 1000
MAX_PARALLEL: Final = 4
EVENTS_PAGE: Final = 50
MARKS_DAYS: Final = 30
PIECE_SECONDS: Final = 3600
ITEM_SECONDS: Final = 60
"""How long an event or mark without an end plays (and how long a thumbnail's item is)."""
LINK_TTL: Final = 600
VIDEO_PATHS: Final = ("/api/v1/cameras/video", "/api/v1/billing/cameras/video")
"""The 25.06 live/archive link endpoint, at the path of each language's docs."""
LINK_MARGIN: Final = 30.0
LINK_DEFAULT_REFRESH: Final = 300.0
RETRY_AFTER_DEFAULT: Final = 10.0
SUBSCRIBE_TIMEOUT: Final = 15.0
UUID_RELEASE: Final = (25, 6)
PENDING_EVENTS: Final = 100
PUSHED_IDS: Final = 500
LINK_TOKENS: Final = 50

EVENT_KINDS: Final[Mapping[str, EventKind | None]] = {
    "motion_detect": EventKind.MOTION,
    "line_intersection": EventKind.LINE_CROSSING,
    "smoke_fire": EventKind.FIRE,
    "loud_sound": EventKind.SOUND,
    "camera_obstacle": EventKind.TAMPERING,
    "face": EventKind.FACE,
    "license_plate": EventKind.LICENSE_PLATE,
    "person_counting": EventKind.COUNTING,
    "visitor_counting": EventKind.COUNTING,
    "container_number_recognition": None,
}
"""Analytic event kinds, and what they are (None: an alert only)."""
ALERT_KINDS: Final = tuple(dict.fromkeys(k for k in EVENT_KINDS.values() if k is not None))
"""What the alert entity may fire: the API does not say which analytics run on a camera, so
only motion has a binary sensor, and every analytic kind is an alert."""
ANALYTIC_PREFIX: Final = "analytic_case_"
ANALYTIC_SUFFIX: Final = "_event_created"
CAMERA_LIST_PUSHES: Final = frozenset(
    {
        "cameras_updated",
        "permissions_updated",
        "groups_updated",
        "groups_created",
        "groups_deleted",
        "camera_groups_synced",
    }
)
ONLINE: Final[Mapping[str, bool | None]] = {
    "active": True,
    "partial": True,
    "inactive": False,
    "empty": False,
    "initial": None,
}
PTZ_KEYS: Final[Mapping[PtzDirection, str]] = {
    PtzDirection.UP: "up",
    PtzDirection.DOWN: "down",
    PtzDirection.LEFT: "left",
    PtzDirection.RIGHT: "right",
    PtzDirection.ZOOM_IN: "zoom-in",
    PtzDirection.ZOOM_OUT: "zoom-out",
}
FIELD_KEYS: Final[Mapping[str, str]] = {"login": CONF_USERNAME, "password": CONF_PASSWORD}

_RELEASE = re.compile(r"^\s*v?(\d{2})\.(\d{1,2})")
_ITEM_ID = re.compile(r"^(?:(\d{1,18}):)?(\d{1,12}):(\d{1,12})$")
_PLAYLIST_TYPES: Final = ("mpegurl", "x-mpegurl", "octet-stream", "text/plain")


class _ApiError(VendorError):
    """A 4xx answer we have no better type for; keeps the body for the caller."""

    def __init__(self, status: int, message: str, body: Any) -> None:
        super().__init__(status, message)
        self.status = status
        self.body = body

    @property
    def errors(self) -> dict[str, Any]:
        """Return the body's ``errors`` object (empty when there is none)."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return errors if isinstance(errors, dict) else {}


class LoginRefused(FieldErrors, AuthError):
    """A 422 on the login naming only the login or the password: the credentials are wrong.

    The form shows the server's words by field (`FieldErrors`); a client already set up
    asks for a new password (`AuthError`).
    """


def parse_time(value: Any) -> datetime | None:
    """Read a time: epoch seconds, ``2022-04-05 12:34:38`` (UTC) or ISO 8601."""
    number = _int(value)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = _text(value)
    if text is None:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Return a time as the API writes it: UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def release_of(version: str | None) -> tuple[int, int] | None:
    """Return the ``(YY, MM)`` release of a backend version such as ``25.06.1.0``."""
    match = _RELEASE.match(version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _message(body: Any, status: int) -> str:
    """Return the server's message of an error answer, shortened."""
    parts: list[str] = []
    if isinstance(body, dict):
        if text := _text(body.get("message")):
            parts.append(text)
        for key, value in _dict(body.get("errors")).items():
            first = value[0] if isinstance(value, list) and value else value
            if text := _text(first):
                parts.append(f"{key}: {text}")
    return ("; ".join(parts) or f"HTTP {status}")[:300]


def _retry_after(value: str | None) -> float:
    if not value:
        return RETRY_AFTER_DEFAULT
    number = _int(value)
    if number is not None:
        return float(max(0, min(number, 3600)))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return RETRY_AFTER_DEFAULT
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, min((moment - datetime.now(UTC)).total_seconds(), 3600.0))


def _items(data: Any) -> list[Any]:
    """Return the items of a list answer: a plain array, or ``data`` of an envelope."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        items: list[Any] = data["data"]
        return items
    raise BadResponse("answer is not a list")


def _kind_code(value: Any) -> str | None:
    """Return the analytic code of an event or push type; None for other types."""
    code = _text(value)
    if code is None:
        return None
    if code.startswith(ANALYTIC_PREFIX) and code.endswith(ANALYTIC_SUFFIX):
        code = code[len(ANALYTIC_PREFIX) : -len(ANALYTIC_SUFFIX)]
    return code if code in EVENT_KINDS else None


def _camera_id_of(event: Mapping[str, Any]) -> str | None:
    cid = _int(event.get("camera_id"))
    if cid is None:
        cid = _int(_dict(event.get("camera")).get("id"))
    return None if cid is None else str(cid)


def _plate(event: Mapping[str, Any]) -> str | None:
    for value in (event.get("license_plate"), _dict(event.get("data")).get("license_plate")):
        if text := _text(value):
            return text
        for key in ("number", "plate", "text", "value"):
            if text := _text(_dict(value).get(key)):
                return text
    return _text(_dict(event.get("data")).get("plate"))


def _ranges(raw: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Return a camera's archive as ``(start, end)`` epoch seconds, oldest first."""
    ranges: list[tuple[int, int]] = []
    for entry in raw.get("archive_ranges") or ():
        item = _dict(entry)
        start = parse_time(item.get("from"))
        if start is None:
            continue
        duration = _int(item.get("duration"))
        end_time = parse_time(item.get("end"))
        if duration is not None and duration > 0:
            end = _epoch(start) + duration
        elif end_time is not None:
            end = _epoch(end_time)
        else:
            continue
        if end > _epoch(start):
            ranges.append((_epoch(start), end))
    return sorted(ranges)


def _session_label(item: Mapping[str, Any]) -> str:
    who = _text(item.get("client")) or _text(item.get("user_agent")) or "?"
    parts = [who[:80]]
    if ip := _text(item.get("ip")):
        parts.append(ip)
    if last := _text(item.get("last")):
        parts.append(last)
    return " · ".join(parts)


def _sessions(body: Any) -> tuple[VendorSession, ...]:
    items = body if isinstance(body, list) else _dict(body).get("sessions")
    sessions: list[VendorSession] = []
    for entry in items if isinstance(items, list) else ():
        item = _dict(entry)
        sid = _text(item.get("id"))
        if sid is None:
            continue
        sessions.append(
            VendorSession(
                id=sid,
                label=_session_label(item),
                current=_flag(item.get("is_current")) is True,
                online=_flag(item.get("online")),
            )
        )
    return tuple(sessions)


class AipixClient(VendorClient):
    """One login on an AIPIX server."""

    vendor = "aipix"
    manufacturer = "AIPIX"
    form = VendorForm(
        fields=(
            FormField(CONF_URL, FieldType.URL),
            FormField(CONF_USERNAME),
            FormField(CONF_PASSWORD, FieldType.PASSWORD),
            FormField(CONF_VERIFY_SSL, FieldType.BOOL, default=False),
        ),
        secrets=(CONF_PASSWORD,),
        identity=(CONF_URL, CONF_USERNAME),
        errors={"wrong_server": "wrong_server_aipix"},
    )
    options = (
        FormField(CONF_RTSP, FieldType.BOOL, default=False),
        FormField(CONF_SUBSTREAM, FieldType.BOOL, default=False),
    )
    stored_secrets: ClassVar[tuple[str, ...]] = (CONF_ACCESS_TOKEN,)
    camera_list_seconds = 600.0
    unique_id_may_change = True  # server address + user id: Reconfigure may move the address
    status_poll_seconds = 60.0  # the socket pushes events, never whether a camera is online
    snapshot_cache_seconds = 20.0
    event_hold_seconds = 10.0
    realtime_account_wide = True
    media_days = 30

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        username: str,
        password: str,
        *,
        client_uuid: str | None = None,
        access_token: str | None = None,
        access_token_id: str | None = None,
        server_version: str | None = None,
        replace_session: str | None = None,
        rtsp: bool = False,
        substream: bool = False,
        time_zone: tzinfo = UTC,
    ) -> None:
        """Keep the login; nothing is sent yet."""
        super().__init__(session)
        self._tz = time_zone
        """Where a day of the Media browser begins and ends (Home Assistant's zone)."""
        self._base = URL(url.rstrip("/"))
        self._username = username
        self._password = password
        self._uuid = client_uuid or str(
            uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"omnicam:{self._base}:{username}")
        )
        self._token = _strip_bearer(access_token)
        self._access_token_id = access_token_id
        self._version = server_version
        self._replace_session = replace_session
        self._rtsp = rtsp
        self._substream = substream
        self._login_lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._user: dict[str, Any] | None = None
        self._permissions: frozenset[str] = frozenset()
        self._raw: dict[str, dict[str, Any]] = {}
        self._page_size: int | None = None
        self._listed_at: float | None = None
        """When the whole camera list was last read (monotonic): a status read right after it
        (the first poll of a set-up) takes the statuses from that list instead of reading it
        again."""
        self._uuid_endpoints: dict[str, bool] = {}
        self._uuid_doubted: set[str] = set()
        """Endpoints marked absent by a first 404 that may have been about the camera."""
        self._ws_path: str | None = None
        self._newest_event: int | None = None
        self._pushed_ids: deque[int] = deque(maxlen=PUSHED_IDS)
        self._pending: deque[RealtimeUpdate] = deque(maxlen=PENDING_EVENTS)
        self._on_update: Callable[[RealtimeUpdate], None] | None = None
        self._link_tokens: deque[str] = deque(maxlen=LINK_TOKENS)

    @classmethod
    def from_config(cls, session: aiohttp.ClientSession, config: Mapping[str, Any]) -> AipixClient:
        """Build a client from the entry's data and options."""
        return cls(
            session,
            str(config[CONF_URL]),
            str(config[CONF_USERNAME]),
            str(config[CONF_PASSWORD]),
            client_uuid=_text(config.get(CONF_CLIENT_UUID)),
            access_token=_text(config.get(CONF_ACCESS_TOKEN)),
            access_token_id=_text(config.get(CONF_ACCESS_TOKEN_ID)),
            server_version=_text(config.get(CONF_SERVER_VERSION)),
            replace_session=_text(config.get(CONF_REPLACE_SESSION)),
            rtsp=bool(config.get(CONF_RTSP, False)),
            substream=bool(config.get(CONF_SUBSTREAM, False)),
            time_zone=config_time_zone(config),
        )

    def stored_config(self) -> dict[str, Any]:
        """Return the X-UUID, the session token and what the server said of itself."""
        stored: dict[str, Any] = {CONF_CLIENT_UUID: self._uuid}
        if self._token:
            stored[CONF_ACCESS_TOKEN] = self._token
        if self._access_token_id:
            stored[CONF_ACCESS_TOKEN_ID] = self._access_token_id
        if self._version:
            stored[CONF_SERVER_VERSION] = self._version
        return stored

    def secrets(self) -> Sequence[str]:
        """Return the password, the session token and the tokens of recent links."""
        return [s for s in (self._password, self._token, *self._link_tokens) if s]

    @property
    def _netloc(self) -> str:
        host = self._base.host or ""
        port = self._base.explicit_port
        return f"{host}:{port}" if port else host

    @property
    def release(self) -> tuple[int, int] | None:
        """Return the server's release, once known."""
        return release_of(self._version)

    # -- HTTP -------------------------------------------------------------------------

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "X-Client": "web", "X-UUID": self._uuid}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _request(
        self,
        method: str,
        path: str,
        *,
        key: str,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
        retry: bool = True,
    ) -> Any:
        """Send one API call and return its JSON; raise the typed error of a refusal."""
        token = await self._ensure_token() if auth else None
        wait = self._blocked_until - time.monotonic()
        if wait > 0:
            raise RateLimited(f"AIPIX server asked to wait {math.ceil(wait)} s more")
        self.count(key)
        query = [
            (k, str(v))
            for k, v in (params.items() if isinstance(params, Mapping) else params or ())
        ]
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                async with self._session.request(
                    method,
                    self._base.with_path(self._base.path.rstrip("/") + path),
                    params=query or None,
                    json=body,
                    data=form,
                    headers=self._headers(token),
                    allow_redirects=False,
                ) as resp:
                    status = resp.status
                    ctype = resp.content_type
                    retry_after = resp.headers.get("Retry-After")
                    raw = await resp.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnect(
                f"AIPIX server {self._netloc} unreachable ({key}): {type(err).__name__}"
            ) from err
        if status == 401 and auth and retry:
            _LOGGER.debug("%s refused the token: logging in again", key)
            self._drop_token(token)
            return await self._request(
                method, path, key=key, params=params, body=body, form=form, retry=False
            )
        return self._answer(key, status, ctype, raw, retry_after)

    def _answer(
        self, key: str, status: int, ctype: str, raw: bytes, retry_after: str | None
    ) -> Any:
        """Return a call's JSON or raise what its status means."""
        data: Any = None
        readable = True
        if raw.strip():
            try:
                data = json.loads(raw)
            except ValueError:
                readable = False
        html = "html" in ctype or raw.lstrip()[:1] == b"<"
        if 200 <= status < 300:
            if html:
                raise BadResponse(f"{key}: HTML page instead of JSON")
            if not readable:
                raise BadResponse(f"{key}: answer is not JSON (or cut off)")
            return data
        message = _message(data, status)
        if status == 429:
            wait = _retry_after(retry_after)
            self._blocked_until = time.monotonic() + wait
            raise RateLimited(f"{key}: too many requests, waiting {wait:.0f} s")
        if status == 409:
            raise ClientTooOld(f"{key}: the server refuses this client version ({message})")
        if status == 503:
            raise Maintenance(f"{key}: the server is in maintenance")
        if status >= 500:
            raise CannotConnect(f"{key}: server error {status}")
        if status == 404:
            raise NotFound(f"{key}: not found")
        if 300 <= status < 400:
            raise BadResponse(f"{key}: unexpected redirect ({status})")
        raise _ApiError(status, f"{key}: {message}", data)

    async def _ensure_token(self) -> str:
        async with self._login_lock:
            if self._token is None:
                await self._login()
            assert self._token is not None
            return self._token

    def _drop_token(self, token: str | None) -> None:
        if token is not None and self._token == token:
            self._token = None

    async def _login(self) -> None:
        """Log in (the login lock is held)."""
        body: dict[str, Any] = {
            "login": self._username,
            "password": self._password,
            "session_id": self._replace_session,
        }
        try:
            data = await self._request(
                "POST", "/api/v1/token", key="POST /token", body=body, auth=False
            )
        except _ApiError as err:
            if err.status in (401, 403):
                raise AuthError(f"AIPIX login refused: {_message(err.body, err.status)}") from None
            if err.status == 419:
                sessions = _sessions(err.body)
                raise SessionLimit(
                    f"AIPIX session limit reached ({len(sessions)} sessions open)", sessions
                ) from None
            if err.status == 422:
                errors = err.errors
                if "captcha" in errors:
                    raise CaptchaRequired("AIPIX asks this user for a captcha") from None
                fields: dict[str, str] = {}
                for name, value in errors.items():
                    first = value[0] if isinstance(value, list) and value else value
                    target = FIELD_KEYS.get(str(name), "base")
                    text = _text(first) or "invalid"
                    fields[target] = f"{fields[target]}; {text}" if target in fields else text
                if fields and set(errors) <= set(FIELD_KEYS):
                    raise LoginRefused(fields) from None
                raise FieldErrors(fields or {"base": _message(err.body, 422)}) from None
            raise
        data = _dict(data)
        token = _strip_bearer(_text(data.get("access_token")))
        user = data.get("user")
        if token is None or not isinstance(user, dict) or _int(user.get("id")) is None:
            raise BadResponse("AIPIX login answer without a token or user")
        self._token = token
        self._take_user(user)
        self._replace_session = None
        _LOGGER.debug("Logged in to AIPIX server %s as user %s", self._netloc, user.get("id"))

    def _take_user(self, user: dict[str, Any]) -> None:
        self._user = user
        names: set[str] = set()
        for item in user.get("permissions") or ():
            name = _text(_dict(item).get("name")) if isinstance(item, dict) else _text(item)
            if name:
                names.add(name)
        if "permissions" in user:
            self._permissions = frozenset(names)
        if token_id := _text(user.get("access_token_id")):
            self._access_token_id = token_id

    async def _get_user(self) -> dict[str, Any]:
        data = await self._request("GET", "/api/v1/users/self", key="GET /users/self")
        data = _dict(data)
        user = data["data"] if isinstance(data.get("data"), dict) else data
        if _int(user.get("id")) is None:
            raise BadResponse("AIPIX user without an id")
        self._take_user(user)
        return user

    # -- account ----------------------------------------------------------------------

    async def _probe(self) -> None:
        """Read ``static/basic`` (no token): recognise the server and its release."""
        try:
            data = await self._request(
                "GET", "/api/v1/static/basic", key="GET /static/basic", auth=False
            )
        except (NotFound, BadResponse, _ApiError) as err:
            raise WrongServer(f"{self._netloc} does not answer as an AIPIX server") from err
        if not isinstance(data, dict) or not ({"version", "is_captcha_available"} & data.keys()):
            raise WrongServer(f"{self._netloc} does not answer as an AIPIX server")
        self._version = _text(data.get("version")) or self._version
        _LOGGER.debug(
            "AIPIX server %s: version %s, captcha available: %s",
            self._netloc,
            self._version,
            data.get("is_captcha_available"),
        )

    async def async_get_account(self) -> Account:
        """Probe the server, log in (or reuse the token) and read the user."""
        await self._probe()
        user = await self._get_user()
        name = _text(user.get("name")) or _text(user.get("login")) or self._username
        return Account(
            unique_id=f"{self._netloc}:{_int(user.get('id'))}", title=f"{name} @ {self._netloc}"
        )

    async def async_logout(self) -> None:
        """End the session on the server (the entry is removed)."""
        if self._token is None:
            return
        try:
            await self._request(
                "POST", "/api/v1/logout", key="POST /logout", body={"uuid": self._uuid}, retry=False
            )
        finally:
            self._token = None

    # -- cameras ----------------------------------------------------------------------

    async def _pages(self) -> list[dict[str, Any]]:
        """Return every camera of every page of ``/api/v1/cameras``."""
        cameras: list[dict[str, Any]] = []
        page = 1
        for _ in range(MAX_PAGES):
            data = await self._request(
                "GET",
                "/api/v1/cameras",
                key="GET /cameras",
                params={"page": page, "per_page": PER_PAGE},
            )
            items = _items(data)
            cameras.extend(item for item in items if isinstance(item, dict))
            if not isinstance(data, dict):
                break
            meta = _dict(data.get("meta"))
            if page == 1:
                self._page_size = _int(meta.get("per_page")) or len(items) or None
            following = _text(_dict(data.get("links")).get("next"))
            if following is None or not items:
                break
            number = _int(parse_qs(urlsplit(following).query).get("page", [None])[0])
            current = _int(meta.get("current_page")) or page
            page = number if number is not None and number > page else current + 1
        return cameras

    def _take_raw(self, raw: Mapping[str, Any]) -> str | None:
        cid = _int(raw.get("id"))
        if cid is None:
            return None
        self._raw[str(cid)] = dict(raw)
        return str(cid)

    async def async_get_cameras(self) -> list[Camera]:
        """Read the user's permissions and every camera."""
        await self._get_user()
        raws = await self._pages()
        known: dict[str, dict[str, Any]] = {}
        for raw in raws:
            if (cid := self._take_raw(raw)) is not None:
                known[cid] = self._raw[cid]
        self._raw = known
        self._listed_at = time.monotonic()
        return [self._camera_of(cid, raw) for cid, raw in known.items()]

    def _camera_of(self, cid: str, raw: Mapping[str, Any]) -> Camera:
        services = _dict(raw.get("services"))
        perms = self._permissions
        caps = {
            Capability.SNAPSHOT,
            Capability.ONLINE_STATE,
            Capability.ARCHIVE_STATE,
        }
        if _flag(raw.get("is_restricted_live")) is not True:
            caps.add(Capability.LIVE_STREAM)
        if _flag(services.get("ptz")) and "ptz" in perms:
            caps |= {Capability.PTZ, Capability.PTZ_STEPS, Capability.PTZ_HOME}
        if "marks-store" in perms:
            caps.add(Capability.MARK)
        if "marks-index" in perms:
            caps.add(Capability.MARKS)
        if "archives-show" in perms and _flag(raw.get("is_restricted_archive")) is not True:
            caps.add(Capability.ARCHIVE)
        if "camera-events-index" in perms:
            caps.add(Capability.EVENTS)
        motion = _flag(services.get("motion_detect")) is True
        if motion or {"analytic", "analytic-cases-index"} & perms:
            caps.add(Capability.MOTION)
        group = raw.get("group")
        group_name = _text(_dict(group).get("name")) if isinstance(group, dict) else _text(group)
        return Camera(
            id=cid,
            name=_text(raw.get("pretty_name")) or _text(raw.get("name")) or f"Camera {cid}",
            manufacturer=self.manufacturer,
            model=_text(raw.get("type")),
            capabilities=frozenset(caps),
            group=group_name or _text(raw.get("group_id")),
            event_types=(EventKind.MOTION,) if Capability.MOTION in caps else (),
            event_codes=tuple(EVENT_KINDS) if Capability.MOTION in caps else (),
            alert_kinds=ALERT_KINDS if Capability.MOTION in caps else (),
        )

    def _raw_camera(self, camera_id: str) -> dict[str, Any]:
        raw = self._raw.get(camera_id)
        if raw is None:
            raise NotFound(f"camera {camera_id} is not one of this account's")
        return raw

    # -- status -----------------------------------------------------------------------

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """Read every camera's status in as few calls as the server allows; poll events."""
        wanted = {camera.id for camera in cameras}
        status: dict[str, CameraStatus] = {}
        listed_at, self._listed_at = self._listed_at, None
        if wanted and listed_at is not None and time.monotonic() - listed_at < LIST_REUSE_SECONDS:
            status = {cid: self._status_of(self._raw[cid]) for cid in wanted if cid in self._raw}
        elif wanted and self._page_size is not None and self._page_size > SHOWS_BATCH:
            for raw in await self._pages():
                cid = self._take_raw(raw)
                if cid in wanted:
                    status[cid] = self._status_of(raw)
        elif wanted:
            status = await self._shows(sorted(wanted, key=lambda c: _int(c) or 0))
        if any(c.has(Capability.MOTION) for c in cameras):
            await self._poll_events(wanted)
        return status

    async def _shows(self, ids: list[str]) -> dict[str, CameraStatus]:
        semaphore = asyncio.Semaphore(MAX_PARALLEL)

        async def batch(chunk: list[str]) -> list[Any]:
            async with semaphore:
                data = await self._request(
                    "GET",
                    "/api/v1/cameras/shows",
                    key="GET /cameras/shows",
                    params=[("ids[]", cid) for cid in chunk],
                )
                return _items(data)

        chunks = [ids[i : i + SHOWS_BATCH] for i in range(0, len(ids), SHOWS_BATCH)]
        results = await asyncio.gather(*(batch(c) for c in chunks), return_exceptions=True)
        status: dict[str, CameraStatus] = {}
        errors: list[BaseException] = []
        for result in results:
            if isinstance(result, BaseException):
                errors.append(result)
                continue
            for raw in result:
                if isinstance(raw, dict) and (cid := self._take_raw(raw)) is not None:
                    status[cid] = self._status_of(raw)
        if errors:
            for error in errors:
                if not isinstance(error, OmniCamError):
                    raise error
            if not status:
                raise errors[0]
            _LOGGER.debug("%d of %d status calls failed: %s", len(errors), len(chunks), errors[0])
        return status

    def _status_of(self, raw: Mapping[str, Any]) -> CameraStatus:
        online = ONLINE.get(_text(raw.get("status")) or "")
        reason = None
        blocked = _text(raw.get("user_status")) == "blocked"
        if blocked:
            online, reason = False, "blocked"
        start = parse_time(raw.get("start_at"))
        if start is None and (ranges := _ranges(raw)):
            start = datetime.fromtimestamp(ranges[0][0], UTC)
        return CameraStatus(
            online=online,
            offline_reason=reason,
            blocked=blocked,
            archive_recording=_flag(raw.get("is_archive_recording")),
            archive_start=start,
        )

    # -- events by poll ----------------------------------------------------------------

    async def _poll_events(self, wanted: set[str]) -> None:
        try:
            data = await self._request(
                "GET",
                "/api/v1/events",
                key="GET /events",
                params={"page": 1, "per_page": EVENTS_PAGE, "sort": "created_at", "dir": "desc"},
            )
            items = [item for item in _items(data) if isinstance(item, dict)]
        except OmniCamError as err:
            _LOGGER.debug("Reading AIPIX events failed: %s", err)
            return
        ids = [(i, item) for item in items if (i := _int(item.get("id"))) is not None]
        newest = max((i for i, _ in ids), default=0)
        if self._newest_event is None:
            self._newest_event = newest
            return
        fresh = sorted((pair for pair in ids if pair[0] > self._newest_event), key=lambda p: p[0])
        self._newest_event = max(self._newest_event, newest)
        for event_id, item in fresh:
            if event_id in self._pushed_ids:
                continue
            update = self._event_update(item, polled=True)
            if update is not None and update.camera_id in wanted:
                self._pushed_ids.append(event_id)
                self._deliver(update)

    def _event_update(
        self, item: Mapping[str, Any], *, polled: bool, code: str | None = None
    ) -> RealtimeUpdate | None:
        code = (
            code or _kind_code(item.get("type")) or _kind_code(_dict(item.get("event")).get("name"))
        )
        cid = _camera_id_of(item)
        if code is None or cid is None:
            return None
        start = parse_time(item.get("from")) or parse_time(item.get("created_at"))
        end = None
        if polled:
            start = start or datetime.now(UTC)
            end = start + timedelta(seconds=self.event_hold_seconds or 0)
        data: dict[str, str | int | float | bool | None] = {}
        if (plate := _plate(item)) is not None:
            data["plate"] = plate
        event_id = _int(item.get("id"))
        return RealtimeUpdate(
            cid,
            event=CameraEvent(
                camera_id=cid,
                type=code,
                id=None if event_id is None else str(event_id),
                start=start,
                end=end,
                data=data,
                kind=EVENT_KINDS.get(code),
            ),
        )

    def _deliver(self, update: RealtimeUpdate) -> None:
        if self._on_update is not None:
            self._on_update(update)
        else:
            self._pending.append(update)

    # -- links ------------------------------------------------------------------------

    def _uuid_of(self, raw: Mapping[str, Any]) -> str | None:
        release = self.release
        if release is None or release < UUID_RELEASE:
            return None
        return _text(raw.get("uuid"))

    async def _uuid_link(
        self, name: str, paths: Iterable[str], camera: dict[str, Any], extra: dict[str, Any]
    ) -> tuple[str, datetime | None] | None:
        """Ask a 25.06 uuid endpoint for a link; None when the server has none."""
        for path in paths:
            if self._uuid_endpoints.get(path) is False:
                continue
            body = {"cameras": [camera], "ttl": str(LINK_TTL), **extra}
            try:
                data = await self._request(
                    "POST", path, key=f"POST {path.removeprefix('/api/v1')}", body=body
                )
            except NotFound:
                if self._uuid_endpoints.get(path):
                    # It answered before: the 404 is about this camera (no stream).
                    _LOGGER.debug("%s: 404 for this camera", path)
                    return None
                _LOGGER.debug("%s not on this server", path)
                self._uuid_endpoints[path] = False
                self._uuid_doubted.add(path)
                continue
            except _ApiError as err:
                if err.status != 405:
                    raise
                self._uuid_endpoints[path] = False
                continue
            self._uuid_endpoints[path] = True
            self._uuid_doubted.discard(path)
            first: Any = data
            if isinstance(data, dict) and "url" not in data:
                first = data.get("data")
            if isinstance(first, list):
                first = first[0] if first else None
            url = _text(_dict(first).get("url"))
            if url is None:
                raise BadResponse(f"{name} link answer without a url")
            return self._media_url(url), parse_time(_dict(first).get("expired_at"))
        _LOGGER.debug("No %s uuid endpoint on this server", name)
        return None

    def _media_url(self, url: str) -> str:
        """Return a link the server gave as an absolute http(s) URL; keep its token secret."""
        absolute = self._base.join(URL(url)) if not URL(url).is_absolute() else URL(url)
        if absolute.scheme not in ("http", "https", "rtsp", "rtsps"):
            raise BadResponse(f"link with scheme {absolute.scheme!r}")
        for key in ("token", "access_token", "sign", "signature"):
            if value := absolute.query.get(key):
                self._link_tokens.append(value)
        return str(absolute)

    @staticmethod
    def _refresh(expires: datetime | None) -> float:
        if expires is None:
            return LINK_DEFAULT_REFRESH
        left = (expires - datetime.now(UTC)).total_seconds() - LINK_MARGIN
        return max(5.0, min(left, LINK_DEFAULT_REFRESH * 4))

    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Mint a live link (HLS by default, RTSP as an option; main or sub stream)."""
        raw = self._raw_camera(camera_id)
        kind = StreamKind.RTSP if self._rtsp else StreamKind.HLS
        stream_type = "low" if self._substream else "high"
        url: str | None = None
        fallback: str | None = None
        expires: datetime | None = None
        if (uid := self._uuid_of(raw)) is not None:
            link = await self._uuid_link(
                "live",
                VIDEO_PATHS,
                {"uuid": uid, "stream_type": stream_type},
                {"source": kind.value},
            )
            if link is not None:
                url, expires = link
        if url is None:
            try:
                data = _dict(
                    await self._request(
                        "GET",
                        f"/api/v1/cameras/{camera_id}/streams",
                        key="GET /cameras/{id}/streams",
                        params={"type": stream_type, "source": kind.value},
                    )
                )
            except NotFound as err:
                for path in VIDEO_PATHS:
                    if path in self._uuid_doubted:  # its 404 said the same: no stream
                        self._uuid_doubted.discard(path)
                        del self._uuid_endpoints[path]
                raise Unavailable(f"camera {camera_id} has no stream") from err
            except _ApiError as err:
                raise Unavailable(f"camera {camera_id} live video refused: {err}") from err
            self._uuid_doubted.difference_update(VIDEO_PATHS)  # the camera streams: absent
            text = _text(data.get("url"))
            if text is None:
                raise BadResponse(f"camera {camera_id}: stream answer without a url")
            url = self._media_url(text)
            if (other := _text(data.get("fallback_url"))) is not None:
                fallback = self._media_url(other)
            expires = parse_time(data.get("expired_at"))
            if kind is StreamKind.HLS and fallback is not None and not await self._plays(url):
                _LOGGER.debug("Camera %s: live url does not answer, using its fallback", camera_id)
                url = fallback
        return StreamSource(
            url=url, kind=kind, refresh_seconds=self._refresh(expires), relay=kind is StreamKind.HLS
        )

    async def _plays(self, url: str) -> bool:
        """Tell whether an HLS playlist link answers."""
        self.count("GET live playlist")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT / 2):
                async with self._session.get(url, allow_redirects=False) as resp:
                    if resp.status >= 400:
                        return False
                    head = await resp.content.read(64)
        except (aiohttp.ClientError, TimeoutError):
            return False
        return head.lstrip().startswith(b"#EXTM3U")

    # -- snapshots ----------------------------------------------------------------------

    async def _fetch(self, url: str, *, bearer: bool) -> tuple[bytes, str]:
        """Fetch a media link the server gave; return its body and content type."""
        self.count("GET media")
        headers = self._headers(self._token if bearer else None)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                async with self._session.get(url, headers=headers, allow_redirects=False) as resp:
                    if resp.status in (401, 403, 404, 410):
                        raise Unavailable(f"media link refused ({resp.status}): {redact_url(url)}")
                    if resp.status >= 400:
                        raise CannotConnect(f"media server answered {resp.status}")
                    body = await read_body(resp.content, MEDIA_LIMIT)
                    return body, resp.content_type
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnect(f"media server unreachable: {type(err).__name__}") from err

    async def _preview_link(self, camera_id: str, at: datetime | None) -> tuple[str, str, bool]:
        """Return a preview link of a camera (now or at a time): url, mime type, needs token."""
        raw = self._raw_camera(camera_id)
        if (uid := self._uuid_of(raw)) is not None:
            camera: dict[str, Any] = {"uuid": uid, "stream_type": "high"}
            if at is not None:
                camera["date"] = format_time(at)
            link = await self._uuid_link(
                "preview", ("/api/v1/cameras/preview",), camera, {"source": "jpg"}
            )
            if link is not None:
                return link[0], "image/jpeg", False
        params = {} if at is None else {"date": format_time(at)}
        try:
            data = _dict(
                await self._request(
                    "GET",
                    f"/api/v1/cameras/{camera_id}/preview",
                    key="GET /cameras/{id}/preview",
                    params=params,
                )
            )
        except NotFound as err:
            raise Unavailable(f"camera {camera_id} has no preview") from err
        except _ApiError as err:
            raise Unavailable(f"camera {camera_id} preview refused: {err}") from err
        url = _text(data.get("preview")) or _text(data.get("url"))
        if url is None:
            raise Unavailable(f"camera {camera_id} has no preview now")
        return self._media_url(url), "video/mp4", _flag(data.get("is_need_token")) is True

    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Return the camera's latest frame as a JPEG."""
        url, _, bearer = await self._preview_link(camera_id, None)
        body, ctype = await self._fetch(url, bearer=bearer)
        if body.startswith(b"\xff\xd8"):
            return body
        if "html" in ctype or body.lstrip()[:1] in (b"<", b"{"):
            raise BadResponse(f"camera {camera_id}: preview is not a picture")
        return await asyncio.get_running_loop().run_in_executor(None, decode_still, body)

    # -- PTZ and marks --------------------------------------------------------------------

    async def async_ptz_step(self, camera_id: str, direction: PtzDirection) -> None:
        """Move one step of the camera's own size (the API has no stop)."""
        self._raw_camera(camera_id)
        await self._request(
            "POST",
            f"/api/v1/cameras/{camera_id}/move",
            key="POST /cameras/{id}/move",
            body={PTZ_KEYS[direction]: True},
        )

    async def async_ptz_move(self, camera_id: str, direction: PtzDirection, seconds: float) -> None:
        """Move one step, whatever the duration (there is no stop)."""
        await self.async_ptz_step(camera_id, direction)

    async def async_ptz_home(self, camera_id: str) -> None:
        """Go to the home position."""
        self._raw_camera(camera_id)
        await self._request(
            "POST", f"/api/v1/cameras/{camera_id}/move/home", key="POST /cameras/{id}/move/home"
        )

    async def async_create_mark(self, camera_id: str) -> None:
        """Set a mark at the current time."""
        self._raw_camera(camera_id)
        await self._request(
            "POST",
            f"/api/v1/cameras/{camera_id}/marks",
            key="POST /cameras/{id}/marks",
            body={"title": "Home Assistant", "from": format_time(datetime.now(UTC))},
        )

    # -- media --------------------------------------------------------------------------

    async def async_list_media_day(
        self, camera_id: str, kind: MediaKind, day: date
    ) -> list[RecordedItem]:
        """Return one local day (Home Assistant's) of the archive, events or marks, newest first."""
        raw = self._raw_camera(camera_id)
        first = datetime.combine(day, dtime(0), self._tz)
        last = datetime.combine(day + timedelta(days=1), dtime(0), self._tz)
        if kind is MediaKind.ARCHIVE:
            return self._pieces(raw, _epoch(first), _epoch(last))
        if kind is MediaKind.EVENT:
            return (await self._events_page(camera_id, first, last))[0]
        if kind is MediaKind.MARK:
            return (await self._marks_page(camera_id, first, last, limit=None))[0]
        raise NotSupported(f"{kind} is not available for {self.vendor}")

    def _pieces(self, raw: Mapping[str, Any], lo: int, hi: int) -> list[RecordedItem]:
        pieces: list[RecordedItem] = []
        for start, end in _ranges(raw):
            at, stop = max(start, lo), min(end, hi)
            while at < stop:
                edge = min(stop, (at // PIECE_SECONDS + 1) * PIECE_SECONDS)
                pieces.append(
                    RecordedItem(
                        id=f"{at}:{edge}",
                        kind=MediaKind.ARCHIVE,
                        title="Archive",
                        start=datetime.fromtimestamp(at, UTC),
                        end=datetime.fromtimestamp(edge, UTC),
                        mime_type="application/x-mpegURL",
                        has_thumbnail=True,
                    )
                )
                at = edge
        pieces.sort(key=lambda item: int(item.id.split(":")[0]), reverse=True)
        return pieces

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """Return the newest events or marks."""
        return (await self.async_list_media_page(camera_id, kind)).items

    async def async_list_media_page(
        self, camera_id: str, kind: MediaKind, page: str | None = None
    ) -> MediaPage:
        """Return a page of events or marks, newest first; the cursor is a time."""
        self._raw_camera(camera_id)
        before: datetime | None = None
        if page is not None:
            seconds = _int(page)
            if seconds is None or seconds <= 0:
                raise NotFound("not a page of this client")
            before = datetime.fromtimestamp(seconds, UTC)
        if kind is MediaKind.EVENT:
            items, more = await self._events_page(camera_id, None, before)
        elif kind is MediaKind.MARK:
            now = before or datetime.now(UTC)
            items, more = await self._marks_page(
                camera_id, now - timedelta(days=MARKS_DAYS), before, limit=EVENTS_PAGE
            )
        else:
            raise NotSupported(f"{kind} is not available for {self.vendor}")
        cursor = None
        if more and items and items[-1].start is not None:
            cursor = str(_epoch(items[-1].start))
        return MediaPage(items, cursor)

    async def _events_page(
        self, camera_id: str, since: datetime | None, before: datetime | None
    ) -> tuple[list[RecordedItem], bool]:
        params: list[tuple[str, Any]] = [
            ("cameras[]", camera_id),
            ("page", 1),
            ("per_page", EVENTS_PAGE),
            ("sort", "created_at"),
            ("dir", "desc"),
        ]
        if since is not None or before is not None:
            params.append(("from", format_time(since or datetime(2000, 1, 1, tzinfo=UTC))))
            params.append(
                ("to", format_time((before or datetime.now(UTC)) - timedelta(microseconds=1)))
            )
        data = await self._request("GET", "/api/v1/events", key="GET /events", params=params)
        items: list[RecordedItem] = []
        for entry in _items(data):
            event = _dict(entry)
            eid = _int(event.get("id"))
            start = parse_time(event.get("from")) or parse_time(event.get("created_at"))
            if eid is None or start is None or (_camera_id_of(event) or camera_id) != camera_id:
                continue
            code = _kind_code(event.get("type"))
            items.append(
                self._item(
                    MediaKind.EVENT,
                    item_id=eid,
                    start=start,
                    end=parse_time(event.get("to")),
                    title=_text(event.get("type_pretty"))
                    or _text(event.get("title"))
                    or _text(event.get("name"))
                    or "Event",
                    event=EVENT_KINDS.get(code) if code else None,
                )
            )
        items.sort(key=lambda item: item.start or datetime.min.replace(tzinfo=UTC), reverse=True)
        more = (
            bool(_text(_dict(_dict(data).get("links")).get("next")))
            if isinstance(data, dict)
            else False
        )
        return items, more or len(items) >= EVENTS_PAGE

    async def _marks_page(
        self, camera_id: str, since: datetime, before: datetime | None, *, limit: int | None
    ) -> tuple[list[RecordedItem], bool]:
        until = (before or datetime.now(UTC) + timedelta(minutes=1)) - timedelta(microseconds=1)
        data = await self._request(
            "GET",
            f"/api/v1/cameras/{camera_id}/marks",
            key="GET /cameras/{id}/marks",
            params={"from": format_time(since), "to": format_time(until)},
        )
        items: list[RecordedItem] = []
        for entry in _items(data):
            mark = _dict(entry)
            mid = _int(mark.get("id"))
            start = parse_time(mark.get("from")) or parse_time(mark.get("created_at"))
            if mid is None or start is None:
                continue
            items.append(
                self._item(
                    MediaKind.MARK,
                    item_id=mid,
                    start=start,
                    end=parse_time(mark.get("to")),
                    title=_text(mark.get("title")) or "Mark",
                    event=None,
                )
            )
        items.sort(key=lambda item: item.start or datetime.min.replace(tzinfo=UTC), reverse=True)
        if limit is not None and len(items) > limit:
            return items[:limit], True
        return items, False

    @staticmethod
    def _item(
        kind: MediaKind,
        *,
        item_id: int,
        start: datetime,
        end: datetime | None,
        title: str,
        event: EventKind | None,
    ) -> RecordedItem:
        begin = _epoch(start)
        stop = _epoch(end) if end is not None else begin + ITEM_SECONDS
        stop = min(max(stop, begin + 1), begin + PIECE_SECONDS)
        return RecordedItem(
            id=f"{item_id}:{begin}:{stop}",
            kind=kind,
            title=title,
            start=start,
            end=datetime.fromtimestamp(stop, UTC),
            mime_type="application/x-mpegURL",
            event=event,
            has_thumbnail=True,
        )

    def _parse_item(self, camera_id: str, kind: MediaKind, item_id: str) -> tuple[int, int]:
        """Return the (start, end) an item id we minted names; NotFound otherwise."""
        match = _ITEM_ID.match(item_id)
        if match is None or (kind is MediaKind.ARCHIVE) != (match.group(1) is None):
            raise NotFound(f"not a {kind} of this camera")
        start, end = int(match.group(2)), int(match.group(3))
        if not 0 < end - start <= PIECE_SECONDS:
            raise NotFound(f"not a {kind} of this camera")
        raw = self._raw_camera(camera_id)
        if kind is MediaKind.ARCHIVE and not any(
            lo <= start and end <= hi for lo, hi in _ranges(raw)
        ):
            raise NotFound("that part of the archive is not listed any more")
        return start, end

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Mint an HLS archive link for an archive piece, an event or a mark."""
        if kind not in (MediaKind.ARCHIVE, MediaKind.EVENT, MediaKind.MARK):
            raise NotSupported(f"{kind} is not available for {self.vendor}")
        start, end = self._parse_item(camera_id, kind, item_id)
        raw = self._raw_camera(camera_id)
        begin, finish = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        try:
            url: str | None = None
            if (uid := self._uuid_of(raw)) is not None:
                link = await self._uuid_link(
                    "archive",
                    ("/api/v1/cameras/archive",),
                    {
                        "uuid": uid,
                        "stream_type": "high",
                        "from": format_time(begin),
                        "to": format_time(finish),
                    },
                    {"source": "hls"},
                )
                url = None if link is None else link[0]
            if url is None:
                data = _dict(
                    await self._request(
                        "GET",
                        f"/api/v1/cameras/{camera_id}/streams/archive",
                        key="GET /cameras/{id}/streams/archive",
                        params={
                            "start": format_time(begin),
                            "duration": end - start,
                            "source": "hls",
                        },
                    )
                )
                text = _text(data.get("url")) or _text(data.get("fallback_url"))
                if text is None:
                    raise BadResponse(f"camera {camera_id}: archive answer without a url")
                url = self._media_url(text)
        except _ApiError as err:
            if err.status == 422:
                raise NotFound("that moment is no longer in the archive") from err
            if err.status in (400, 403):
                raise NotSupported(f"the archive is restricted for this user ({err})") from err
            raise
        return MediaLocation(url=url, mime_type="application/x-mpegURL", stream=StreamKind.HLS)

    async def async_get_thumbnail_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return the preview at an item's time (a JPEG on 25.06, else a one-frame MP4)."""
        if kind not in (MediaKind.ARCHIVE, MediaKind.EVENT, MediaKind.MARK):
            raise NotSupported(f"thumbnails of {kind} are not available for {self.vendor}")
        start, _ = self._parse_item(camera_id, kind, item_id)
        url, mime, bearer = await self._preview_link(camera_id, datetime.fromtimestamp(start, UTC))
        headers = {"Authorization": f"Bearer {self._token}"} if bearer and self._token else {}
        return MediaLocation(url=url, mime_type=mime, headers=headers)

    # -- push -----------------------------------------------------------------------------

    def realtime_groups(self, cameras: Sequence[Camera]) -> dict[str, tuple[str, ...]]:
        """Return the one push socket of the account, carrying every camera."""
        return {"push": tuple(camera.id for camera in cameras)}

    async def _socket(self) -> PusherSocket:
        info = _dict(await self._request("GET", "/api/v1/wsurl", key="GET /wsurl"))
        app_key = _text(info.get("app_key"))
        if app_key is None:
            raise BadResponse("wsurl answer without an app key")
        given = URL(_text(info.get("ws_url")) or "")
        encrypted = _flag(info.get("is_encrypted"))
        if encrypted is None:
            encrypted = (
                given.scheme in ("wss", "https") if given.scheme else self._base.scheme == "https"
            )
        host = _text(info.get("host")) or given.host or self._base.host
        port = _int(info.get("port")) or given.explicit_port or (443 if encrypted else 80)
        path = (
            _text(info.get("path")) or (given.path if given.path != "/" else "") or "/pusher"
        ).rstrip("/")
        scheme = "wss" if encrypted else "ws"
        paths = [path]
        if path.endswith("/ws"):
            paths.append(path[: -len("/ws")] + "/pusher")
        if self._ws_path in paths:
            paths.remove(self._ws_path)
            paths.insert(0, self._ws_path)
        error: OmniCamError | None = None
        for candidate in paths:
            try:
                sock = await PusherSocket.connect(
                    self._session, socket_url(f"{scheme}://{host}:{port}{candidate}", app_key)
                )
            except (CannotConnect, BadResponse) as err:
                _LOGGER.debug("Pusher socket at %s failed: %s", candidate, err)
                error = error or err
                continue
            self._ws_path = candidate
            return sock
        assert error is not None
        raise error

    async def _channel_auth(self, socket_id: str, channel: str) -> str:
        data = _dict(
            await self._request(
                "POST",
                "/api/v1/broadcasting/auth",
                key="POST /broadcasting/auth",
                form={"socket_id": socket_id, "channel_name": channel},
            )
        )
        auth = _text(data.get("auth"))
        if auth is None:
            raise BadResponse(f"no auth for channel {channel}")
        return auth

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hold the Pusher socket: analytic events, camera list changes, logout.

        The socket carries every camera of the account (`realtime_account_wide`):
        `camera_ids` does not limit what is handed over.
        """
        await self._ensure_token()
        if self._user is None or self._access_token_id is None:
            await self._get_user()
        assert self._user is not None
        channels = [f"private-user.{_int(self._user.get('id'))}"]
        if self._access_token_id:
            channels.append(f"private-token.{self._access_token_id}")
        sock = await self._socket()
        try:
            for channel in channels:
                await sock.subscribe(channel, await self._channel_auth(sock.socket_id, channel))
            deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
            connected = False
            async for message in sock.events():
                if message.event == "pusher_internal:subscription_succeeded":
                    if not connected and set(channels) <= sock.subscribed:
                        connected = True
                        self._on_update = on_update
                        on_connect()
                        while self._pending:
                            self._deliver(self._pending.popleft())
                    continue
                if not connected and time.monotonic() > deadline:
                    raise CannotConnect("push channels not confirmed in time")
                if await self._push(message, on_update):
                    return
        finally:
            self._on_update = None
            await sock.close()

    async def _push(
        self,
        message: PusherEvent,
        on_update: Callable[[RealtimeUpdate], None],
    ) -> bool:
        """Take one push; return True when the feed must end (logged out)."""
        outer = _dict(message.data)
        inner = (
            outer["data"]
            if isinstance(outer.get("data"), dict) and "type" in outer["data"]
            else outer
        )
        kind = _text(inner.get("type"))
        payload = _dict(inner.get("data"))
        if kind is None:
            _LOGGER.debug("Push %s without a type skipped", message.event)
            return False
        if (code := _kind_code(kind)) is not None:
            update = self._event_update(payload, polled=False, code=code)
            if update is None:
                _LOGGER.debug("Analytic push %s without a camera skipped", kind)
                return False
            if (event_id := _int(payload.get("id"))) is not None:
                self._pushed_ids.append(event_id)
            on_update(update)  # whatever camera: the socket carries the whole account
            return False
        if kind in CAMERA_LIST_PUSHES:
            on_update(RealtimeUpdate("", cameras_changed=True))
            return False
        if kind == "logout":
            _LOGGER.info("AIPIX server %s ended this session: logging in again", self._netloc)
            async with self._login_lock:
                self._token = None
                await self._login()
            return True
        _LOGGER.debug("Push %s ignored", kind)
        return False


def _strip_bearer(token: str | None) -> str | None:
    if token is None:
        return None
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    return token or None
