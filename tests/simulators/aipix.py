"""AIPIX VSaaS server simulator, from ``vendor-docs/aipix-platform-notes.md`` and
``vendor-docs/aipix-preview-urls.txt``.

One aiohttp application on loopback serves the VMS Client API under ``/api/v1``, the
media server the links point to (``/media/{server}/…``, HLS with real H.264 MPEG-TS,
one-frame MP4 previews, JPEG previews) and the Pusher socket (push1st) under
``/pusher/app/{app_key}``.

Behaviour, after the notes (what they leave open is chosen here and said so):

- Every client call needs ``Authorization: Bearer <token>``; without one or with an
  unknown, revoked or expired token: 401 ``{"message": "Unauthenticated."}``.
  ``GET /api/v1/static/basic``, ``/dictionary``, ``/captcha`` and ``POST /token`` need none.
- ``POST /api/v1/token`` ``{login, password, session_id, captcha, key}`` answers
  ``{"user": {…}, "access_token": "<bare token>"}`` (`bearer_prefix` answers
  ``"Bearer <token>"`` as the docs' example did). The request's ``X-UUID`` names the
  session: a new login from the same X-UUID replaces that device's session (chosen).
  A wrong login or password is a 422 with ``errors.login`` (chosen: Laravel's way; the
  notes do not say). With `captcha` on, a login without the right ``captcha``/``key``
  is a 422 with ``errors.captcha``. With `sessions_limit` reached, 419 with
  ``{"sessions_limit", "sessions": [{id, online, last, user_agent, client, ip,
  is_current}], "key", "captcha_will_required_in"}``; a login carrying ``session_id``
  ends that session and goes through (an unknown id is a 422 ``errors.session_id``);
  `sessions_bare` answers the 419 with the bare array of sessions instead.
- ``POST /api/v1/logout`` ``{"uuid"}`` ends the session of that X-UUID (the caller's
  own when absent): ``{"status": "ok"}``.
- Errors: 422 ``{"message": "The given data was invalid", "errors": {field: [msg]}}``;
  403 shaped the same; 404 ``{"message": "Not Found"}``. `fail` maps an endpoint key
  (``"GET /api/v1/cameras"``, the route as `requests` counts it) to a status (401, 403,
  409, 419, 429, 500, 503, …, answered with the body the notes describe) or to ``"html"``
  (an HTML error page with status 502), ``"html200"`` (an HTML page with status 200, as a
  web server that is not AIPIX), ``"truncated"`` (JSON cut short), ``"badjson"`` (not
  JSON) or ``"timeout"`` (no answer until the key is removed) — until it is removed.
- `release` ``"23.09"`` … ``"25.06"``: before 25.06 the uuid endpoints answer 404 and
  cameras carry no ``uuid``; from 25.06 ``POST /api/v1/cameras/video|archive|preview``
  (and ``/api/v1/billing/cameras/…`` for video, the RU page's path) mint links with
  ``expired_at`` and cameras carry ``uuid``.
- ``/api/v1/cameras`` pages in the Laravel envelope; ``per_page`` is honoured up to
  `max_per_page` (`per_page` when absent); ``links`` carry ``?page=N`` only (Laravel's
  paginator does not keep other query parameters: follow ``links.next`` and you lose
  ``per_page``; chosen). ``/cameras/shows`` takes at most 25 ids (422 above) and drops
  ids the user does not see. ``/cameras/flat-tree`` gives group nodes.
- Camera ``forbidden`` answers 403 on its own endpoints (it is listed); ``user_status``
  ``blocked`` answers 403 on its streams; ``is_restricted_archive`` answers 400 on its
  archive; no streams answers 404 on ``/streams``.
- Links (live, archive, preview) carry ``?token=``; each lives `link_ttl` seconds (the
  25.06 ones their ``ttl``, 100 by default) and answers `expired_link_status` (403) once
  expired or unknown. HLS segment URLs in a playlist carry the same token. A server in
  `dead_servers` (``"main"`` or ``"fallback"``) answers 502 to everything: ``url`` points
  to ``main``, ``fallback_url`` to ``fallback``. With `preview_need_token` the preview
  link has no token and the media server wants the user's Bearer token instead.
- Archive ``start`` inside a range plays from there; before the first range, from the
  first range with ``move_to`` set; anywhere else 422 ``errors.start``. A camera that is
  ``is_archive_recording`` keeps its last range growing to now.
- ``POST /cameras/{id}/move`` takes one or more of up, down, left, right, zoom-in, zoom-out
  (booleans; 422 for none); ``move/home`` no body. Both record into `ptz_moves` and need
  the ``ptz`` permission and ``services.ptz`` (403).
- Marks need ``marks-store`` to create (403), answer 200 with the mark and push
  ``mark_created``.
- ``GET /api/v1/events`` pages every event (analytic ones too, as they are pushed),
  filtered by ``cameras[]``, ``type[]``, ``from``/``to``, sorted by ``created_at``
  (``dir`` asc|desc, desc by default).
- Push: ``GET /api/v1/wsurl`` names `ws_path` (``"/ws"`` by default, as the notes' example:
  that path is push1st's raw protocol, so a Pusher handshake there answers 404 and a
  client must fall back to ``/pusher``). ``POST /api/v1/broadcasting/auth`` (form
  ``socket_id``, ``channel_name``) signs ``private-user.{own id}`` and
  ``private-token.{own access_token_id}`` only (403 otherwise, or always with
  `refuse_auth`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
import io
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit
import uuid as uuidlib

from aiohttp import web

from .media import SEGMENT_SECONDS, snapshot_jpeg, ts_segment
from .pusher import PusherServer
from .rtsp import RtspServer

RELEASES = ("23.09", "23.12", "24.03", "24.09", "24.12", "25.06")
"""The releases the simulator knows, oldest first."""
UUID_RELEASE = "25.06"
"""The first release with the uuid link endpoints and cameras carrying a uuid."""
PERMISSIONS = (
    "ptz",
    "archives-show",
    "archives-download",
    "archives-preview-download",
    "marks-index",
    "marks-store",
    "marks-update",
    "camera-events-index",
    "analytic",
    "analytic-cases-index",
)
"""Every permission the demo user holds."""
ANALYTIC_KINDS = (
    "motion_detect",
    "line_intersection",
    "smoke_fire",
    "loud_sound",
    "camera_obstacle",
    "face",
    "license_plate",
    "person_counting",
    "visitor_counting",
    "container_number_recognition",
)
PTZ_KEYS = ("up", "down", "left", "right", "zoom-in", "zoom-out")
HOUR = 3600
DAY = 24 * HOUR


def iso(when: float | datetime) -> str:
    """Return a time as the API writes it: ``2023-04-18T14:14:49.000000Z``."""
    if not isinstance(when, datetime):
        when = datetime.fromtimestamp(when, UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(when: float) -> str:
    """Return a time as camera objects write it: ``2022-04-05 12:34:38``."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(value: str) -> float:
    """Return the unix time of a query date (ISO 8601, ``Y-m-d H:M:S`` UTC, or seconds)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    text = value.replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@dataclass
class SimCamera:
    """One camera of the account; tests change its fields freely."""

    id: int
    name: str
    group_id: int = 190
    status: str = "active"
    """active | inactive | partial | empty | initial."""
    type: str = "media_server_v2"
    address: str = "1 Main Street"
    ptz: bool = False
    motion_detect: bool = True
    streams: tuple[str, ...] = ("high", "low")
    """Stream types it has; empty: no stream (404 on ``/streams``)."""
    archive_ranges: list[dict[str, int]] = field(default_factory=list)
    is_archive_recording: bool = True
    user_status: str = "active"
    """active | blocked."""
    is_restricted_archive: bool = False
    is_restricted_live: bool = False
    forbidden: bool = False
    """Listed, but its own endpoints answer 403."""
    has_sound: bool = False
    video_codec: str = "H264"
    uuid: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    ip: str = "10.0.0.10"
    created: float = field(default_factory=lambda: time.time() - 400 * DAY)

    def ranges(self) -> list[dict[str, int]]:
        """Return the archive ranges; while recording, the last one grows to now."""
        out = [dict(r) for r in self.archive_ranges]
        if self.is_archive_recording and out:
            last = out[-1]
            last["duration"] = max(last["duration"], int(time.time()) - last["from"])
        return out

    def in_archive(self, when: float) -> bool:
        """Return whether a moment is recorded."""
        return any(r["from"] <= when < r["from"] + r["duration"] for r in self.ranges())

    def archive_end(self, when: float) -> float:
        """Return where the range holding a moment ends."""
        for r in self.ranges():
            if r["from"] <= when < r["from"] + r["duration"]:
                return float(r["from"] + r["duration"])
        return when

    def obj(self, release: str, groups: dict[int, str]) -> dict[str, Any]:
        """Return the camera object as the client API gives it."""
        ranges = self.ranges()
        body: dict[str, Any] = {
            "id": self.id,
            "group_id": self.group_id,
            "group": {"id": self.group_id, "name": groups.get(self.group_id, "")},
            "status": self.status,
            "type": self.type,
            "created_at": plain(self.created),
            "name": self.name,
            "pretty_name": self.name,
            "pretty_text": f"{self.name}, {self.address}",
            "short_address": self.address,
            "full_address": f"{self.address}, Springfield",
            "address": self.address,
            "ip": self.ip,
            "lat": "47.4979",
            "lng": "19.0402",
            "streams": [
                {
                    "id": self.id * 10 + n,
                    "type": kind,
                    "camera_id": self.id,
                    "status": "active" if self.status in ("active", "partial") else "inactive",
                    "has_sound": self.has_sound,
                    "is_preview_from_server": True,
                    "is_archive_from_server": True,
                    "video_codec": self.video_codec,
                    "audio_codec": None,
                    "width": "1920" if kind == "high" else "640",
                    "height": "1080" if kind == "high" else "360",
                }
                for n, kind in enumerate(self.streams)
            ],
            "services": {"ptz": self.ptz, "motion_detect": self.motion_detect},
            "has_sound": self.has_sound,
            "archive_ranges": ranges,
            "start_at": iso(ranges[0]["from"]) if ranges else None,
            "is_archive_recording": self.is_archive_recording,
            "is_bridge": False,
            "is_favorite": False,
            "is_restricted_live": self.is_restricted_live,
            "is_restricted_archive": self.is_restricted_archive,
            "user_status": self.user_status,
        }
        if release >= UUID_RELEASE:
            body["uuid"] = self.uuid
        return body


def default_ranges(days: int = 3, *, seed: int = 0) -> list[dict[str, int]]:
    """Return `days` days of archive ranges up to now, with a gap of an hour each night.

    The last range runs without a gap from yesterday's 02:00 (UTC) to now, so that a
    moment of the last 22 hours is in the archive at any hour of the day.
    """
    now = int(time.time())
    midnight = now - now % DAY
    ranges = []
    for day in range(days, 1, -1):
        start = midnight - day * DAY + 2 * HOUR + seed * 60
        ranges.append({"from": start, "duration": DAY - HOUR})
    start = midnight - DAY + 2 * HOUR + seed * 60
    ranges.append({"from": start, "duration": max(0, now - start)})
    return ranges


NAMES = ("Entrance", "Yard", "Parking", "Lobby", "Street", "Garage", "Roof", "Gate")


def default_cameras(count: int = 3) -> list[SimCamera]:
    """Return the demo's cameras: the second one PTZ, the third inactive."""
    cams = []
    for n in range(count):
        cam = SimCamera(
            id=894 + n,
            name=f"{NAMES[n % len(NAMES)]}" + (f" {n // len(NAMES) + 1}" if n >= 8 else ""),
            group_id=190 if n % 2 == 0 else 191,
            address=f"{n + 1} Main Street",
            ptz=n == 1,
            archive_ranges=default_ranges(seed=n % 30),
            ip=f"10.0.{n // 250}.{n % 250 + 2}",
        )
        if n == 2:
            cam.status = "inactive"
            cam.is_archive_recording = False
        cams.append(cam)
    return cams


@dataclass
class _Session:
    id: str
    uuid: str
    token: str
    access_token_id: int
    client: str
    user_agent: str
    ip: str
    created: float = field(default_factory=time.time)
    last: float = field(default_factory=time.time)


@dataclass
class _Link:
    kind: str  # live | archive | preview | jpg
    camera_id: int
    stream: str
    expires: float
    start: float = 0.0
    duration: float = 0.0


class _Rtsp(RtspServer):
    """The media server's RTSP side: ``/live/{camera}/{stream}?token=`` links."""

    def __init__(self, sim: AipixSimulator) -> None:
        super().__init__(serial="aipix", credentials=lambda: ("", ""), channels=1)
        self.sim = sim

    def _authorized(self, method: str, header: str) -> bool:
        return True  # the link's token is the credential

    def _answer(
        self, method: str, target: str, headers: dict[str, str], session: str
    ) -> tuple[str, dict[str, str], bytes]:
        if method == "OPTIONS":
            return super()._answer(method, target, headers, session)
        url = urlsplit(target.split("/trackID=", maxsplit=1)[0].rstrip("/"))
        parts = url.path.strip("/").split("/")
        token = parse_qs(url.query).get("token", [""])[0]
        link = self.sim._links.get(token)
        if (
            len(parts) != 3
            or parts[0] != "live"
            or link is None
            or link.kind != "rtsp"
            or str(link.camera_id) != parts[1]
        ):
            return "404 Not Found", {}, b""
        if link.expires < time.time():
            return "403 Forbidden", {}, b""
        track = "/trackID=0" if "/trackID=" in target else ""
        status, extra, body = super()._answer(
            method, f"/cam/realmonitor?channel=1&subtype=0{track}", headers, session
        )
        if "Content-Base" in extra:
            extra["Content-Base"] = f"{target.rstrip('/')}/"
        return status, extra, body


def _fault_body(status: int) -> dict[str, Any]:
    messages = {
        401: "Unauthenticated.",
        403: "Access denied",
        404: "Not Found",
        409: "Please update the application",
        419: "Sessions limit reached",
        422: "The given data was invalid",
        429: "Too Many Attempts.",
        500: "Server Error",
        503: "Service Unavailable",
    }
    body: dict[str, Any] = {"message": messages.get(status, "Error")}
    if status in (403, 422):
        body["errors"] = {}
    return body


HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


class AipixSimulator:
    """A running AIPIX server on loopback (client API, media server, Pusher socket)."""

    def __init__(
        self,
        *,
        release: str = "25.06",
        cameras: int | list[SimCamera] = 3,
        per_page: int = 25,
        tls: bool = False,
    ) -> None:
        """Set up the server, its user and cameras (`cameras`: a count or the cameras)."""
        if release not in RELEASES:
            raise ValueError(f"unknown release {release}")
        self.release = release
        self.per_page = per_page
        self.max_per_page = 100
        self.tls = tls
        self.login = "demo"
        self.password = "demo-pass"
        self.user_id = 7
        self.user_name = "Demo Resident"
        self.permissions: set[str] = set(PERMISSIONS)
        """The user's permissions; remove one to be refused what needs it."""
        cams = default_cameras(cameras) if isinstance(cameras, int) else cameras
        self.cameras: dict[int, SimCamera] = {cam.id: cam for cam in cams}
        self.groups: dict[int, str] = {190: "Home", 191: "Yard"}
        self.requests: Counter[str] = Counter()
        self.fail: dict[str, int | str] = {}
        self.sessions_limit: int | None = None
        self.captcha = False
        self.sessions_bare = False
        """Answer 419 with a bare array of sessions (the Android SDK accepts that too)."""
        self.captcha_answer = "42"
        self.bearer_prefix = False
        self.token_lifetime: float | None = None
        """Seconds a token lives (None: until revoked)."""
        self.link_ttl = 600.0
        self.expired_link_status = 403
        self.dead_servers: set[str] = set()
        self.slow_media = False
        self.broken_previews = False
        """Preview clips hold no picture (an MP4 header and nothing else)."""
        """Send playlists and previews in small pieces with pauses, as a busy server does
        (a reader that takes the first piece for the whole body is caught)."""
        self.preview_need_token = False
        self.ws_path = "/ws"
        self.is_encrypted_as_string = False
        self.refuse_auth = False
        self.app_key = "aipix-app-key"
        self.pusher = PusherServer(self.app_key, secrets.token_hex(16))
        self.marks: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.ptz_moves: list[tuple[int, dict[str, Any] | str]] = []
        self.headers_seen: list[dict[str, str]] = []
        """Headers of the client API requests (the last 50)."""
        self.logins: list[dict[str, Any]] = []
        """Bodies of the login requests, password removed."""
        self._sessions: dict[str, _Session] = {}
        self._tokens: dict[str, _Session] = {}
        self._links: dict[str, _Link] = {}
        self._captcha_keys: set[str] = set()
        self._next_id = 5000
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._host = "127.0.0.1"
        self.links_minted: Counter[int] = Counter()
        """Links minted per camera id (live, archive, preview)."""
        self.rtsp = _Rtsp(self)
        """The RTSP side of the media server (``source=rtsp`` links)."""
        self.app = web.Application(middlewares=[self._middleware])
        self._routes()

    # -- running -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; return the base URL."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=self._ssl() if self.tls else None)
        await site.start()
        self._port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        self._host = host
        await self.rtsp.start(host)
        return self.url

    async def also_listen(self) -> str:
        """Serve the same server on a second port too (a new address of the same server)."""
        assert self._runner is not None
        site = web.TCPSite(
            self._runner, self._host, 0, ssl_context=self._ssl() if self.tls else None
        )
        await site.start()
        port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return f"{'https' if self.tls else 'http'}://{self._host}:{port}"

    async def stop(self) -> None:
        """Stop serving."""
        self.fail.clear()
        self.pusher.drop_all()
        await self.rtsp.stop()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Return the base URL a user types in."""
        return f"{'https' if self.tls else 'http'}://{self._host}:{self._port}"

    @property
    def host(self) -> str:
        """Return ``host:port``."""
        return f"{self._host}:{self._port}"

    @property
    def unique_id(self) -> str:
        """Return the account's unique id as the integration makes it (server + user id)."""
        return f"{self.host}:{self.user_id}"

    def _ssl(self) -> Any:
        import ssl
        import tempfile

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aipix.local")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory() as folder:
            cert_path, key_path = f"{folder}/cert.pem", f"{folder}/key.pem"
            with open(cert_path, "wb") as out:
                out.write(cert.public_bytes(serialization.Encoding.PEM))
            with open(key_path, "wb") as out:
                out.write(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
            context.load_cert_chain(cert_path, key_path)
        return context

    # -- what tests do -------------------------------------------------------------------

    @property
    def tokens(self) -> list[str]:
        """Return the valid access tokens (for secret scans)."""
        return list(self._tokens)

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """Return the open sessions as the 419 body lists them."""
        return [self._session_row(s, None) for s in self._sessions.values()]

    def revoke_tokens(self) -> None:
        """Make every token invalid from now on (a server restart, sessions deleted)."""
        self._sessions.clear()
        self._tokens.clear()

    async def delete_session(self, session_id: str) -> None:
        """Delete a session on the server and push ``logout`` on its token channel."""
        session = self._sessions.pop(session_id)
        self._tokens.pop(session.token, None)
        await self.push(
            "logout",
            {},
            channel=f"token:{session.access_token_id}",
            subject="Your session has been terminated",
        )

    async def push(
        self,
        event_type: str,
        data: dict[str, Any],
        *,
        channel: str = "user",
        status: str = "ok",
        subject: str | None = None,
        message: str | None = None,
    ) -> int:
        """Push a UserPush (``channel="user"``) or TokenPush (``"token"``: every session's
        token channel, ``"token:<access_token_id>"``: one); return the sockets reached."""
        body = json.dumps(
            {
                "data": {"type": event_type, "status": status, "data": data},
                "subject": subject,
                "message": message,
            }
        )
        if channel == "user":
            return await self.pusher.trigger(
                f"private-user.{self.user_id}", "App\\Events\\UserPush", body
            )
        if channel == "token":
            ids = [s.access_token_id for s in self._sessions.values()]
        else:
            ids = [int(channel.removeprefix("token:"))]
        sent = 0
        for token_id in ids:
            sent += await self.pusher.trigger(
                f"private-token.{token_id}", "App\\Events\\TokenPush", body
            )
        return sent

    async def push_analytic(
        self, camera_id: int, kind: str = "motion_detect", **extra: Any
    ) -> dict[str, Any]:
        """Record an analytic event now and push ``analytic_case_<kind>_event_created``.

        `extra` goes into the event (``license_plate="AB123C"`` for a plate).
        """
        event = self.add_event(camera_id, kind, analytic=True, **extra)
        await self.push(f"analytic_case_{kind}_event_created", event)
        return event

    def add_event(
        self,
        camera_id: int,
        kind: str,
        *,
        when: float | None = None,
        analytic: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Record an event (without pushing it) and return it."""
        cam = self.cameras[camera_id]
        when = time.time() if when is None else when
        self._next_id += 1
        title = kind.replace("_", " ").capitalize()
        event: dict[str, Any] = {
            "id": self._next_id,
            "type": kind,
            "type_pretty": title,
            "title": title,
            "name": kind,
            "created_at": iso(when),
            "from": iso(when),
            "to": iso(when + 10),
            "camera_id": camera_id,
            "camera": {"id": camera_id, "name": cam.name},
            "preview_url": None,
            "can_delete": False,
            "color": "#ff9800",
            "data": {},
        }
        if analytic:
            event["analytic_case"] = {
                "id": 100 + ANALYTIC_KINDS.index(kind) if kind in ANALYTIC_KINDS else 99,
                "title": title,
                "type": kind,
            }
            event["event"] = {"name": kind, "color": "#ff9800", "analytic_type": kind}
            event["is_intercom"] = False
        event.update(extra)
        self.events.append(event)
        return event

    def add_camera(
        self, camera: SimCamera | None = None, *, push: bool = True, **fields: Any
    ) -> SimCamera:
        """Add a camera to the account; with `push`, ``cameras_updated`` ``{attached}`` is
        pushed in the background (await `attach` to have it sent on return)."""
        if camera is None:
            new_id = max(self.cameras, default=893) + 1
            fields.setdefault("archive_ranges", default_ranges())
            camera = SimCamera(id=new_id, name=fields.pop("name", f"Camera {new_id}"), **fields)
        self.cameras[camera.id] = camera
        if push:
            self._background(
                self.push("cameras_updated", {"attached": [camera.id], "detached": []})
            )
        return camera

    async def attach(self, camera: SimCamera | None = None, **fields: Any) -> SimCamera:
        """Add a camera and push ``cameras_updated`` ``{attached: [id]}``."""
        camera = self.add_camera(camera, push=False, **fields)
        await self.push("cameras_updated", {"attached": [camera.id], "detached": []})
        return camera

    def remove_camera(self, camera_id: int, *, push: bool = True) -> None:
        """Remove a camera from the account; with `push`, ``cameras_updated``
        ``{detached}`` is pushed in the background (await `detach` to wait for it)."""
        self.cameras.pop(camera_id)
        if push:
            self._background(
                self.push("cameras_updated", {"attached": [], "detached": [camera_id]})
            )

    async def detach(self, camera_id: int) -> None:
        """Remove a camera and push ``cameras_updated`` ``{detached: [id]}``."""
        self.remove_camera(camera_id, push=False)
        await self.push("cameras_updated", {"attached": [], "detached": [camera_id]})

    def _background(self, job: Coroutine[Any, Any, Any]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(job)
        except RuntimeError:
            job.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def drop_sockets(self) -> None:
        """Cut every push socket without a close frame."""
        self.pusher.drop_all()

    @property
    def answer_pings(self) -> bool:
        """Whether the push socket answers ``pusher:ping``."""
        return self.pusher.answer_pings

    @answer_pings.setter
    def answer_pings(self, value: bool) -> None:
        self.pusher.answer_pings = value

    def subscribed(self, channel: str = "user") -> int:
        """Return how many sockets are subscribed to the user (or a ``private-…``) channel."""
        if channel == "user":
            channel = f"private-user.{self.user_id}"
        return self.pusher.subscribed(channel)

    def link_tokens(self) -> list[str]:
        """Return the tokens of every link minted so far."""
        return list(self._links)

    def expire_links(self) -> None:
        """Make every link minted so far expired."""
        for link in self._links.values():
            link.expires = 0.0

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self) -> None:
        api = "/api/v1"
        add = self.app.router.add_route
        for method, path, handler in (
            ("GET", "/static/basic", self._static_basic),
            ("GET", "/dictionary", self._dictionary),
            ("GET", "/captcha", self._captcha),
            ("POST", "/token", self._token),
            ("POST", "/logout", self._logout),
            ("GET", "/sessions", self._sessions_list),
            ("POST", "/sessions/{id}", self._session_delete),
            ("GET", "/users/self", self._self),
            ("GET", "/static", self._static),
            ("GET", "/cameras", self._cameras),
            ("GET", "/cameras/flat-tree", self._flat_tree),
            ("GET", "/cameras/shows", self._shows),
            ("GET", "/cameras/previews", self._previews),
            ("POST", "/cameras/video", self._uuid_video),
            ("POST", "/billing/cameras/video", self._uuid_video),
            ("POST", "/cameras/archive", self._uuid_archive),
            ("POST", "/cameras/preview", self._uuid_preview),
            ("GET", "/cameras/{id}", self._camera),
            ("GET", "/cameras/{id}/streams", self._streams),
            ("GET", "/cameras/{id}/streams/archive", self._archive),
            ("GET", "/cameras/{id}/preview", self._preview),
            ("POST", "/cameras/{id}/move", self._move),
            ("POST", "/cameras/{id}/move/home", self._move_home),
            ("GET", "/cameras/{id}/marks", self._camera_marks),
            ("POST", "/cameras/{id}/marks", self._create_mark),
            ("GET", "/marks", self._marks),
            ("GET", "/events", self._events),
            ("GET", "/analytic-case/events", self._analytic_events),
            ("GET", "/wsurl", self._wsurl),
            ("POST", "/broadcasting/auth", self._broadcast_auth),
        ):
            add(method, api + path, handler)
        add("GET", "/pusher/app/{app_key}", self.pusher.handle)
        add("GET", "/ws/app/{app_key}", self._raw_ws)
        add("GET", "/media/{server}/live/{camera}/{stream}/index.m3u8", self._live_playlist)
        add("GET", "/media/{server}/live/{camera}/{stream}/{n}.ts", self._live_segment)
        add("GET", "/media/{server}/archive/{camera}/index.m3u8", self._archive_playlist)
        add("GET", "/media/{server}/archive/{camera}/{n}.ts", self._archive_segment)
        add("GET", "/media/{server}/preview/{camera}.mp4", self._preview_mp4)
        add("GET", "/media/{server}/preview/{camera}.jpg", self._preview_jpg)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        route = request.match_info.route.resource
        key = f"{request.method} {route.canonical if route else request.path}"
        self.requests[key] += 1
        if request.path.startswith("/api/"):
            self.headers_seen = [*self.headers_seen[-49:], dict(request.headers)]
        fault = self.fail.get(key)
        if fault is not None:
            return await self._fault(key, fault)
        if route is None:
            return web.json_response({"message": "Not Found"}, status=404)
        return await handler(request)

    async def _fault(self, key: str, fault: int | str) -> web.StreamResponse:
        if fault == "timeout":
            while self.fail.get(key) == "timeout":  # noqa: ASYNC110 - a plain dict knob
                await asyncio.sleep(0.05)
            return web.json_response({"message": "Gateway Timeout"}, status=504)
        if fault == "html":
            return web.Response(status=502, text=HTML_PAGE, content_type="text/html")
        if fault == "html200":
            return web.Response(
                text="<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>",
                content_type="text/html",
            )
        if fault == "truncated":
            return web.Response(text='{"data": [{"id": 894, "na', content_type="application/json")
        if fault == "badjson":
            return web.Response(text="Server busy, try later", content_type="application/json")
        status = int(fault)
        headers = {"Retry-After": "30"} if status in (429, 503) else None
        body = _fault_body(status)
        if status == 419:
            body = self._limit_body(None)
        return web.json_response(body, status=status, headers=headers)

    @staticmethod
    def _invalid(errors: dict[str, str], status: int = 422) -> web.Response:
        return web.json_response(
            {
                "message": "The given data was invalid",
                "errors": {name: [text] for name, text in errors.items()},
            },
            status=status,
        )

    @staticmethod
    def _message(status: int, text: str) -> web.Response:
        return web.json_response({"message": text}, status=status)

    def _session(self, request: web.Request) -> _Session | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        session = self._tokens.get(header.removeprefix("Bearer ").strip())
        if session is None:
            return None
        if self.token_lifetime is not None and time.time() - session.created > self.token_lifetime:
            return None
        session.last = time.time()
        return session

    def _cam(self, request: web.Request) -> SimCamera | web.Response:
        """Return the camera of the path, or the answer when it cannot be used."""
        try:
            cam = self.cameras.get(int(request.match_info["id"]))
        except ValueError:
            cam = None
        if cam is None:
            return self._message(404, "Camera not found")
        if cam.forbidden:
            return self._invalid({"camera": "Access to this camera is denied"}, 403)
        return cam

    def _base(self, request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    def _mint(
        self,
        request: web.Request,
        kind: str,
        cam: SimCamera,
        stream: str,
        *,
        ttl: float,
        server: str = "main",
        start: float = 0.0,
        duration: float = 0.0,
    ) -> tuple[str, float]:
        token = secrets.token_urlsafe(24)
        expires = time.time() + ttl
        self._links[token] = _Link(kind, cam.id, stream, expires, start, duration)
        self.links_minted[cam.id] += 1
        base = f"{self._base(request)}/media/{server}"
        if kind == "rtsp":
            return (
                f"rtsp://{self._host}:{self.rtsp.port}/live/{cam.id}/{stream}?token={token}",
                expires,
            )
        if kind == "live":
            return f"{base}/live/{cam.id}/{stream}/index.m3u8?token={token}", expires
        if kind == "archive":
            return f"{base}/archive/{cam.id}/index.m3u8?token={token}", expires
        if kind == "jpg":
            return f"{base}/preview/{cam.id}.jpg?token={token}", expires
        return f"{base}/preview/{cam.id}.mp4?token={token}", expires

    def _forget_expired_links(self) -> None:
        if len(self._links) > 5000:
            now = time.time()
            self._links = {t: link for t, link in self._links.items() if link.expires > now}

    # -- authentication ------------------------------------------------------------------

    async def _static_basic(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "available_locales": ["en", "ru"],
                "is_captcha_available": self.captcha,
                "is_external_auth_enabled": False,
                "version": f"{self.release}.1.0",
            }
        )

    async def _dictionary(self, request: web.Request) -> web.Response:
        return web.json_response({"revision": 1, "translations": {}})

    async def _captcha(self, request: web.Request) -> web.Response:
        key = secrets.token_hex(8)
        self._captcha_keys.add(key)
        return web.json_response(
            {"key": key, "img": "data:image/png;base64,iVBORw0KGgo=", "ttl": 60}
        )

    def _user(self, session: _Session) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "login": self.login,
            "name": self.user_name,
            "parent_id": None,
            "permissions": [
                {"id": n + 1, "name": name}
                for n, name in enumerate(PERMISSIONS)
                if name in self.permissions
            ],
            "updated_at": "2026-01-10T09:00:00.000000Z",
            "created_at": "2024-03-01T09:00:00.000000Z",
            "access_token_id": session.access_token_id,
            "can_update_password": True,
            "analytic_license": [],
            "has_legals": False,
        }

    def _session_row(self, session: _Session, current: _Session | None) -> dict[str, Any]:
        return {
            "id": session.id,
            "online": self.pusher.subscribed(f"private-token.{session.access_token_id}") > 0,
            "last": plain(session.last),
            "user_agent": session.user_agent,
            "client": session.client,
            "ip": session.ip,
            "is_current": current is not None and session.id == current.id,
        }

    def _limit_body(self, uuid: str | None) -> dict[str, Any]:
        return {
            "sessions_limit": self.sessions_limit,
            "sessions": [
                self._session_row(s, None) | {"is_current": s.uuid == uuid}
                for s in self._sessions.values()
            ],
            "key": secrets.token_hex(8),
            "captcha_will_required_in": 3,
        }

    async def _token(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise TypeError
        except (ValueError, TypeError):
            return self._invalid({"login": "The login field is required."})
        self.logins.append({k: v for k, v in body.items() if k != "password"})
        errors = {}
        if not body.get("login"):
            errors["login"] = "The login field is required."
        if not body.get("password"):
            errors["password"] = "The password field is required."
        if errors:
            return self._invalid(errors)
        if self.captcha and (
            body.get("key") not in self._captcha_keys or body.get("captcha") != self.captcha_answer
        ):
            return self._invalid({"captcha": "The captcha field is required."})
        if body["login"] != self.login or body["password"] != self.password:
            return self._invalid({"login": "These credentials do not match our records."})
        device = request.headers.get("X-UUID") or str(uuidlib.uuid4())
        replace = body.get("session_id")
        if replace:
            if replace not in self._sessions:
                return self._invalid({"session_id": "The selected session id is invalid."})
            old = self._sessions.pop(replace)
            self._tokens.pop(old.token, None)
        for old in [s for s in self._sessions.values() if s.uuid == device]:
            self._sessions.pop(old.id)
            self._tokens.pop(old.token, None)
        if self.sessions_limit is not None and len(self._sessions) >= self.sessions_limit:
            limit = self._limit_body(device)
            return web.json_response(limit["sessions"] if self.sessions_bare else limit, status=419)
        self._next_id += 1
        session = _Session(
            id=str(self._next_id),
            uuid=device,
            token=secrets.token_urlsafe(40),
            access_token_id=self._next_id,
            client=request.headers.get("X-Client", ""),
            user_agent=request.headers.get("User-Agent", ""),
            ip=request.remote or "",
        )
        self._sessions[session.id] = session
        self._tokens[session.token] = session
        token = f"Bearer {session.token}" if self.bearer_prefix else session.token
        return web.json_response({"user": self._user(session), "access_token": token})

    async def _logout(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._message(401, "Unauthenticated.")
        try:
            body = await request.json()
        except ValueError:
            body = {}
        device = (body or {}).get("uuid") or session.uuid
        for old in [s for s in self._sessions.values() if s.uuid == device]:
            self._sessions.pop(old.id)
            self._tokens.pop(old.token, None)
        return web.json_response({"status": "ok"})

    async def _sessions_list(self, request: web.Request) -> web.Response:
        if (session := self._session(request)) is None:
            return self._message(401, "Unauthenticated.")
        return web.json_response([self._session_row(s, session) for s in self._sessions.values()])

    async def _session_delete(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        if request.match_info["id"] not in self._sessions:
            return self._message(404, "Session not found")
        await self.delete_session(request.match_info["id"])
        return web.json_response({"status": "ok"})

    async def _self(self, request: web.Request) -> web.Response:
        if (session := self._session(request)) is None:
            return self._message(401, "Unauthenticated.")
        return web.json_response(self._user(session))

    async def _static(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")

        def kinds(names: tuple[str, ...], analytic: bool = False) -> list[dict[str, Any]]:
            return [
                {
                    "id": n + 1,
                    "type": name,
                    "name": name,
                    "title": name.replace("_", " ").capitalize(),
                    "color": "#ff9800",
                    "description": "",
                    "analytic_type": name if analytic else None,
                }
                for n, name in enumerate(names)
            ]

        return web.json_response(
            {
                "system_events": kinds(("camera_offline", "camera_online", "archive_failure")),
                "mark_types": kinds(("mark",)),
                "analytic_types": kinds(ANALYTIC_KINDS, True),
                "analytic_events": kinds(tuple(f"{k}_event" for k in ANALYTIC_KINDS), True),
                "camera_issues": kinds(("no_signal", "obstacle")),
                "video_rates": [1, 2, 4, 8],
            }
        )

    # -- cameras -------------------------------------------------------------------------

    def _page(
        self,
        request: web.Request,
        items: list[Any],
        render: Callable[[list[Any]], list[Any]] | None = None,
    ) -> web.Response:
        query = request.query
        try:
            page = max(1, int(query.get("page", "1")))
            per_page = min(self.max_per_page, max(1, int(query.get("per_page", self.per_page))))
        except ValueError:
            return self._invalid({"page": "The page must be an integer."})
        total = len(items)
        last_page = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        if render is not None:
            chunk = render(chunk)
        path = f"{self._base(request)}{request.path}"

        def link(number: int | None) -> str | None:
            return None if number is None else f"{path}?page={number}"

        first = (page - 1) * per_page + 1 if chunk else None
        return web.json_response(
            {
                "data": chunk,
                "links": {
                    "first": link(1),
                    "last": link(last_page),
                    "prev": link(page - 1 if page > 1 else None),
                    "next": link(page + 1 if page < last_page else None),
                },
                "meta": {
                    "current_page": page,
                    "from": first,
                    "last_page": last_page,
                    "path": path,
                    "per_page": per_page,
                    "to": first + len(chunk) - 1 if first is not None else None,
                    "total": total,
                },
            }
        )

    def _objects(self, cams: list[SimCamera]) -> list[dict[str, Any]]:
        return [cam.obj(self.release, self.groups) for cam in cams]

    async def _cameras(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cams = sorted(self.cameras.values(), key=lambda c: c.id)
        query = request.query
        if statuses := query.getall("statuses[]", []):
            cams = [c for c in cams if c.status in statuses]
        if group := query.get("group_id"):
            cams = [c for c in cams if str(c.group_id) == group]
        if search := query.get("search"):
            if len(search) < 3:
                return self._invalid({"search": "The search must be at least 3 characters."})
            cams = [c for c in cams if search.lower() in c.name.lower()]
        if exclude := query.getall("exclude_ids[]", []):
            cams = [c for c in cams if str(c.id) not in exclude]
        return self._page(request, cams, self._objects)

    async def _flat_tree(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cams = sorted(self.cameras.values(), key=lambda c: c.id)
        if search := request.query.get("search"):
            found = [c for c in cams if search.lower() in c.name.lower()]
            return web.json_response(self._objects(found))
        nodes = []
        for group_id, name in sorted(self.groups.items()):
            members = [c for c in cams if c.group_id == group_id]
            if members:
                nodes.append(
                    {
                        "id": group_id,
                        "name": name,
                        "main_name": name,
                        "sub_main": None,
                        "items_count": len(members),
                        "cameras": self._objects(members),
                        "children": [],
                        "previews": [],
                    }
                )
        orphans = [c for c in cams if c.group_id not in self.groups]
        if orphans:
            nodes.append(
                {
                    "id": 0,
                    "name": "Other",
                    "main_name": "Other",
                    "sub_main": None,
                    "items_count": len(orphans),
                    "cameras": self._objects(orphans),
                    "children": [],
                    "previews": [],
                }
            )
        return web.json_response(nodes)

    async def _shows(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        ids = request.query.getall("ids[]", [])
        if len(ids) > 25:
            return self._invalid({"ids": "The ids may not have more than 25 items."})
        cams = []
        for text in ids:
            cam = self.cameras.get(int(text)) if text.isdigit() else None
            if cam is not None:
                cams.append(cam)
        return web.json_response(self._objects(cams))

    async def _camera(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        return web.json_response(cam.obj(self.release, self.groups))

    # -- links ---------------------------------------------------------------------------

    async def _streams(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        kind = request.query.get("type", "low")
        source = request.query.get("source", "hls")
        if kind not in ("low", "high") or source not in ("hls", "rtsp"):
            return self._invalid({"type" if kind not in ("low", "high") else "source": "Invalid"})
        if not cam.streams:
            return self._message(404, "Stream not found")
        if cam.user_status == "blocked" or cam.is_restricted_live:
            return self._invalid({"camera": "The camera is blocked"}, 403)
        stream = kind if kind in cam.streams else cam.streams[0]
        self._forget_expired_links()
        kind = "rtsp" if source == "rtsp" else "live"
        url, _ = self._mint(request, kind, cam, stream, ttl=self.link_ttl)
        fallback, _ = self._mint(request, kind, cam, stream, ttl=self.link_ttl, server="fallback")
        return web.json_response({"url": url, "fallback_url": fallback})

    async def _archive(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        if cam.is_restricted_archive or "archives-show" not in self.permissions:
            return self._invalid({"archive": "The archive is restricted for this user"}, 400)
        try:
            start = parse_time(request.query["start"])
            duration = float(request.query.get("duration", HOUR))
        except (KeyError, ValueError):
            return self._invalid({"start": "The start is not a valid date."})
        ranges = cam.ranges()
        move_to = None
        if ranges and start < ranges[0]["from"]:
            start = float(ranges[0]["from"])
            move_to = iso(start)
        elif not cam.in_archive(start):
            return self._invalid({"start": "There is no archive at this moment."})
        duration = max(SEGMENT_SECONDS, min(duration, cam.archive_end(start) - start))
        ttl = self.link_ttl
        url, _ = self._mint(
            request, "archive", cam, "high", ttl=ttl, start=start, duration=duration
        )
        fallback, _ = self._mint(
            request,
            "archive",
            cam,
            "high",
            ttl=ttl,
            server="fallback",
            start=start,
            duration=duration,
        )
        return web.json_response({"url": url, "fallback_url": fallback, "move_to": move_to})

    async def _preview(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        if not cam.streams:
            return self._message(404, "Preview not found")
        url, _ = self._mint(request, "preview", cam, "high", ttl=self.link_ttl)
        if self.preview_need_token:
            url = url.split("?")[0]
        return web.json_response({"preview": url, "is_need_token": self.preview_need_token})

    async def _previews(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        out = []
        for text in request.query.getall("ids[]", []):
            cam = self.cameras.get(int(text)) if text.isdigit() else None
            if cam is None or cam.forbidden or not cam.streams:
                continue
            url, _ = self._mint(request, "preview", cam, "high", ttl=self.link_ttl)
            out.append({"camera_id": cam.id, "preview": url, "status": cam.status})
        return web.json_response(out)

    async def _uuid_body(
        self, request: web.Request
    ) -> tuple[list[tuple[SimCamera, dict[str, Any]]], dict[str, Any], float] | web.Response:
        """Read a 25.06 link request: the cameras asked, the body, the ttl."""
        if self.release < UUID_RELEASE:
            return self._message(404, "Not Found")
        if "Authorization" in request.headers and self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        try:
            body = await request.json()
            asked = body["cameras"]
            ttl = float(body.get("ttl") or 100)
            if not isinstance(asked, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return self._invalid({"cameras": "The cameras field is required."})
        by_uuid = {cam.uuid: cam for cam in self.cameras.values()}
        found = []
        for n, item in enumerate(asked):
            cam = by_uuid.get(str(item.get("uuid") if isinstance(item, dict) else ""))
            if cam is None or cam.forbidden:
                return self._invalid(
                    {f"cameras.{n}.uuid": f"The selected cameras.{n}.uuid is invalid."}
                )
            found.append((cam, item))
        return found, body, ttl

    @staticmethod
    def _stream_of(cam: SimCamera, item: dict[str, Any]) -> str:
        kind = str(item.get("stream_type") or "high")
        return kind if kind in cam.streams else (cam.streams[0] if cam.streams else "high")

    async def _uuid_video(self, request: web.Request) -> web.Response:
        read = await self._uuid_body(request)
        if isinstance(read, web.Response):
            return read
        found, body, ttl = read
        if body.get("source", "hls") not in ("hls", "rtsp"):
            return self._invalid({"source": "The selected source is invalid."})
        out = []
        for cam, item in found:
            if not cam.streams:
                return self._message(404, "Stream not found")
            stream = self._stream_of(cam, item)
            move_to = None
            if item.get("date"):
                try:
                    start = parse_time(str(item["date"]))
                except ValueError:
                    return self._invalid({"cameras.0.date": "The date is not a valid date."})
                ranges = cam.ranges()
                if ranges and start < ranges[0]["from"]:
                    start = float(ranges[0]["from"])
                    move_to = iso(start)
                elif not cam.in_archive(start):
                    return self._invalid({"date": "There is no archive at this moment."})
                url, expires = self._mint(
                    request,
                    "archive",
                    cam,
                    stream,
                    ttl=ttl,
                    start=start,
                    duration=cam.archive_end(start) - start,
                )
            else:
                kind = "rtsp" if body.get("source") == "rtsp" else "live"
                url, expires = self._mint(request, kind, cam, stream, ttl=ttl)
            row: dict[str, Any] = {
                "uuid": cam.uuid,
                "url": url,
                "expired_at": iso(expires),
                "move_to": move_to,
            }
            if item.get("archive_ranges"):
                row["archive_ranges"] = cam.ranges()
            out.append(row)
        return web.json_response(out)

    async def _uuid_archive(self, request: web.Request) -> web.Response:
        read = await self._uuid_body(request)
        if isinstance(read, web.Response):
            return read
        found, _, ttl = read
        out = []
        for n, (cam, item) in enumerate(found):
            try:
                start, end = parse_time(str(item["from"])), parse_time(str(item["to"]))
            except (KeyError, ValueError):
                return self._invalid({f"cameras.{n}.from": "The from is not a valid date."})
            if end <= start or not cam.in_archive(start):
                return self._invalid({f"cameras.{n}.from": "There is no archive at this moment."})
            url, expires = self._mint(
                request,
                "archive",
                cam,
                self._stream_of(cam, item),
                ttl=ttl,
                start=start,
                duration=min(end, cam.archive_end(start)) - start,
            )
            out.append({"url": url, "expired_at": iso(expires)})
        return web.json_response(out)

    async def _uuid_preview(self, request: web.Request) -> web.Response:
        read = await self._uuid_body(request)
        if isinstance(read, web.Response):
            return read
        found, body, ttl = read
        source = body.get("source", "mp4")
        if source not in ("mp4", "jpg"):
            return self._invalid({"source": "The selected source is invalid."})
        out = []
        for cam, item in found:
            date = item.get("date")
            url, expires = self._mint(
                request,
                "jpg" if source == "jpg" else "preview",
                cam,
                self._stream_of(cam, item),
                ttl=ttl,
                start=parse_time(date) if isinstance(date, str) and date else 0.0,
            )
            out.append({"url": url, "expired_at": iso(expires)})
        return web.json_response(out)

    # -- PTZ and marks -------------------------------------------------------------------

    def _ptz_allowed(self, cam: SimCamera) -> web.Response | None:
        if "ptz" not in self.permissions:
            return self._invalid({"ptz": "You do not have the permission to move cameras"}, 403)
        if not cam.ptz:
            return self._invalid({"ptz": "The camera cannot move"}, 403)
        return None

    async def _move(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        if (refused := self._ptz_allowed(cam)) is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not any(body.get(k) is True for k in PTZ_KEYS):
            return self._invalid({"up": "One direction is required."})
        self.ptz_moves.append((cam.id, {k: v for k, v in body.items() if k in PTZ_KEYS}))
        return web.json_response({"status": "ok"})

    async def _move_home(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        if (refused := self._ptz_allowed(cam)) is not None:
            return refused
        self.ptz_moves.append((cam.id, "home"))
        return web.json_response({"status": "ok"})

    def _in_window(self, item: dict[str, Any], query: Any) -> bool:
        when = parse_time(item["from"])
        try:
            if (start := query.get("from")) and when < parse_time(start):
                return False
            if (end := query.get("to")) and when > parse_time(end):
                return False
        except ValueError:
            return False
        return True

    async def _camera_marks(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        marks = [m for m in self.marks if m["camera_id"] == cam.id]
        marks = [m for m in marks if self._in_window(m, request.query)]
        return web.json_response(sorted(marks, key=lambda m: m["from"]))

    async def _create_mark(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cam = self._cam(request)
        if isinstance(cam, web.Response):
            return cam
        if "marks-store" not in self.permissions:
            return self._invalid({"mark": "You do not have the permission to create marks"}, 403)
        try:
            body = await request.json()
            title = str(body["title"])
            start = parse_time(str(body["from"]))
            end = parse_time(str(body["to"])) if body.get("to") else None
        except (ValueError, KeyError, TypeError):
            return self._invalid({"from": "The from field is required."})
        if not title:
            return self._invalid({"title": "The title field is required."})
        mark = self.add_mark(cam.id, title, start, end)
        await self.push("mark_created", mark)
        return web.json_response(mark)

    def add_mark(
        self, camera_id: int, title: str, start: float, end: float | None = None
    ) -> dict[str, Any]:
        """Record a mark (without pushing it) and return it."""
        self._next_id += 1
        mark = {
            "id": self._next_id,
            "type": "mark",
            "title": title,
            "can_delete": True,
            "from": iso(start),
            "to": iso(end) if end is not None else None,
            "camera_id": camera_id,
            "created_at": iso(time.time()),
        }
        self.marks.append(mark)
        return mark

    async def _marks(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        cams = request.query.getall("cameras[]", [])
        if len(cams) > 100:
            return self._invalid({"cameras": "The cameras may not have more than 100 items."})
        excluded = request.query.getall("excluded_cameras[]", [])
        marks = [
            m
            for m in self.marks
            if (not cams or str(m["camera_id"]) in cams) and str(m["camera_id"]) not in excluded
        ]
        marks.sort(key=lambda m: m["from"], reverse=True)
        return self._page(request, marks)

    async def _events(self, request: web.Request, *, analytic: bool = False) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        query = request.query
        for name in ("from", "to"):
            if name in query:
                try:
                    parse_time(query[name])
                except ValueError:
                    return self._invalid({name: f"The {name} is not a valid date."})
        cams = query.getall("cameras[]", [])
        types = query.getall("type[]", []) or query.getall("types[]", [])
        events = [
            e
            for e in self.events
            if (not cams or str(e["camera_id"]) in cams)
            and (not types or e["type"] in types)
            and (not analytic or "analytic_case" in e)
            and self._in_window(e, query)
        ]
        if query.get("sort", "created_at") != "created_at":
            return self._invalid({"sort": "The selected sort is invalid."})
        events.sort(key=lambda e: (e["created_at"], e["id"]), reverse=query.get("dir") != "asc")
        return self._page(request, events)

    async def _analytic_events(self, request: web.Request) -> web.Response:
        return await self._events(request, analytic=True)

    # -- push ----------------------------------------------------------------------------

    async def _wsurl(self, request: web.Request) -> web.Response:
        if self._session(request) is None:
            return self._message(401, "Unauthenticated.")
        secure = self.tls
        scheme = "wss" if secure else "ws"
        return web.json_response(
            {
                "ws_url": f"{scheme}://{self._host}:{self._port}{self.ws_path}",
                "app_key": self.app_key,
                "port": self._port,
                "host": self._host,
                "path": self.ws_path,
                "is_encrypted": str(secure).lower() if self.is_encrypted_as_string else secure,
            }
        )

    async def _broadcast_auth(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._message(401, "Unauthenticated.")
        form = await request.post()
        socket_id, channel = str(form.get("socket_id", "")), str(form.get("channel_name", ""))
        allowed = {f"private-user.{self.user_id}", f"private-token.{session.access_token_id}"}
        if self.refuse_auth or channel not in allowed or not socket_id:
            return self._message(403, "Forbidden")
        return web.json_response({"auth": self.pusher.sign(socket_id, channel)})

    async def _raw_ws(self, request: web.Request) -> web.Response:
        """push1st's raw protocol lives under /ws: a Pusher handshake there finds nothing."""
        return web.Response(status=404, text="Not Found")

    # -- media server --------------------------------------------------------------------

    def _link(self, request: web.Request, kinds: tuple[str, ...]) -> _Link | web.Response:
        if request.match_info["server"] in self.dead_servers:
            return web.Response(status=502, text=HTML_PAGE, content_type="text/html")
        token = request.query.get("token")
        link = self._links.get(token or "")
        if token is None and self.preview_need_token and "preview" in kinds:
            if self._session(request) is None:
                return web.Response(status=401, text="Unauthorized")
            return _Link("preview", int(request.match_info["camera"]), "high", time.time() + 60)
        if (
            link is None
            or link.kind not in kinds
            or str(link.camera_id) != request.match_info["camera"]
        ):
            return web.Response(status=self.expired_link_status, text="Forbidden")
        if link.expires < time.time():
            return web.Response(status=self.expired_link_status, text="Link expired")
        return link

    async def _live_playlist(self, request: web.Request) -> web.Response:
        link = self._link(request, ("live",))
        if isinstance(link, web.Response):
            return link
        newest = int(time.time() // SEGMENT_SECONDS) - 1
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
            f"#EXT-X-MEDIA-SEQUENCE:{newest - 2}",
        ]
        for n in range(newest - 2, newest + 1):
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.000,", f"{n}.ts?token={request.query['token']}"]
        return web.Response(
            text="\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl"
        )

    async def _live_segment(self, request: web.Request) -> web.Response:
        link = self._link(request, ("live",))
        if isinstance(link, web.Response):
            return link
        try:
            index = int(request.match_info["n"])
        except ValueError:
            return web.Response(status=404)
        body = await asyncio.get_running_loop().run_in_executor(
            None, ts_segment, index, f"{link.camera_id}"
        )
        return web.Response(body=body, content_type="video/mp2t")

    async def _archive_playlist(self, request: web.Request) -> web.StreamResponse:
        link = self._link(request, ("archive",))
        if isinstance(link, web.Response):
            return link
        count = max(1, int(-(-link.duration // SEGMENT_SECONDS)))
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-MEDIA-SEQUENCE:0",
            f"#EXT-X-PROGRAM-DATE-TIME:{iso(link.start)[:-4]}Z",
        ]
        for n in range(count):
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.000,", f"{n}.ts?token={request.query['token']}"]
        lines.append("#EXT-X-ENDLIST")
        return await self._media_answer(
            request, ("\n".join(lines) + "\n").encode(), "application/vnd.apple.mpegurl"
        )

    async def _media_answer(
        self, request: web.Request, body: bytes, content_type: str
    ) -> web.StreamResponse:
        """Answer media at once, or in pieces with pauses when `slow_media` is set."""
        if not self.slow_media:
            return web.Response(body=body, content_type=content_type)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        piece = 512 if len(body) < 65536 else 8192
        for start in range(0, len(body), piece):
            await response.write(body[start : start + piece])
            await asyncio.sleep(0.002)
        await response.write_eof()
        return response

    async def _archive_segment(self, request: web.Request) -> web.Response:
        link = self._link(request, ("archive",))
        if isinstance(link, web.Response):
            return link
        try:
            index = int(request.match_info["n"])
        except ValueError:
            return web.Response(status=404)
        body = await asyncio.get_running_loop().run_in_executor(
            None, ts_segment, index % 30, f"archive {link.camera_id}"
        )
        return web.Response(body=body, content_type="video/mp2t")

    async def _preview_mp4(self, request: web.Request) -> web.StreamResponse:
        link = self._link(request, ("preview",))
        if isinstance(link, web.Response):
            return link
        cam = self.cameras.get(link.camera_id)
        body = await asyncio.get_running_loop().run_in_executor(
            None, one_frame_mp4, cam.name if cam else str(link.camera_id)
        )
        if self.broken_previews:
            body = body[:32]
        return await self._media_answer(request, body, "video/mp4")

    async def _preview_jpg(self, request: web.Request) -> web.Response:
        link = self._link(request, ("jpg",))
        if isinstance(link, web.Response):
            return link
        cam = self.cameras.get(link.camera_id)
        # The picture says when it was taken: the moment asked for, or now (live).
        at = datetime.fromtimestamp(link.start, UTC) if link.start else None
        body = await asyncio.get_running_loop().run_in_executor(
            None, partial(snapshot_jpeg, cam.name if cam else str(link.camera_id), at=at)
        )
        return web.Response(body=body, content_type="image/jpeg")


@lru_cache(maxsize=64)
def one_frame_mp4(label: str) -> bytes:
    """Return an MP4 holding one H.264 frame (the preview the server links to)."""
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        shade = sum(label.encode()) % 160 + 60
        picture = np.full((180, 320, 3), (shade, 80, 40), dtype=np.uint8)
        picture[70:110, 20:300] = (240, 240, 240)
        for packet in stream.encode(av.VideoFrame.from_ndarray(picture, "rgb24")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()
