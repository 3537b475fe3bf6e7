"""Videoloft API 1.0.8 simulator (``vendor-docs/videoloft-api-1.0.8.txt``).

One aiohttp application serves every role on its own loopback port, as the real service
has its own host per role: the global authenticator (``auth1``), the user's regional
authenticator, several loggers and several Wowza servers. Hosts are handed out the way
the document shows them: the regional authenticator with a scheme, loggers and Wowza
servers without one.

Where the document is silent the simulator assumes, like the client:

- ``/login`` takes the email and password as a POST form body as well as the documented
  GET query (``accept_post = False`` answers POST with 405, as a strict server would). A
  wrong password is answered 401 with ``{"error": …}``.
- Tokens live `token_lifetime` seconds; an expired or unknown token is answered 401.
  ``expire_tokens()`` ends every token at once and closes the realtime feeds that used them.
- A camera on another logger than the one asked is reported in ``errors``, not in
  ``result``.
- Camera tasks by permission, after the document ("with read only access, you can have
  access to see camera names, recorded and live video"; admin access adds "change camera
  settings and delete recorded video events"): live video needs ``livecommand``, so a
  read-only camera (permission ``r``) may send it; every other task (captures, triggered
  recording, PTZ) acts on the camera and is answered 403 without ``a``.
- ``livecommand`` puts the camera live after `live_delay` seconds, for 60 seconds after
  the last call, unless its status is ``offline`` or ``novideo``: a camera its adapter
  cannot reach never streams (the command is accepted; nothing plays).
  ``capturethumb``/``capturestill`` store a new image after `image_delay`;
  ``triggerevent`` starts (or extends) an event alert that ends 20 s after the last call.
- The realtime feed is Server-Sent Events: ``data: {"type": …, "data": {…}}`` and a blank
  line per update. It is closed after `feed_seconds` (300, the documented 5 minutes).
- Wowza serves a live HLS playlist only while the camera is live on that server.

Faults for tests: ``fail`` makes every authenticator and logger call answer with an HTTP
500, a hang (``"timeout"``), malformed JSON or an HTML page until it is cleared;
``drop_feeds()`` cuts every realtime connection without a proper end;
``override[endpoint] = (status, body)`` answers that endpoint (a name of `requests`) with
the status and body (a ``str`` as it is, anything else as JSON) until removed;
``push_raw(text)`` writes text as it is into every realtime feed; ``status_delay`` holds
every ``/cameras/status`` answer that many seconds after it was read (a slow poll).

``add_user(email, password, uid, cameras)`` adds another login that sees some of the
cameras (an owner's login next to the installer's); ``/devices`` and ``viewerInfo``
answer each login with its own cameras.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
import json
import secrets
import time
from typing import Any

from aiohttp import web

from .media import SEGMENT_SECONDS, mp4_clip, ranged, snapshot_jpeg, ts_segment

HOUR_MS = 3_600_000
RAW = "\x00raw:"
DAY_MS = 24 * HOUR_MS
OFFLINE = frozenset({"offline", "novideo"})
"""Statuses of a camera its adapter cannot reach: it cannot stream live video."""
READ_ONLY_TASKS = frozenset({"livecommand"})
"""Camera tasks a read-only login may send: what live video needs, nothing that acts."""


@dataclass
class SimAlert:
    """One recorded event."""

    id: int
    start_ms: int
    end_ms: int | None
    type: str = "motion"
    smx: str | None = "07"
    aud: str | None = None
    tz: float = 1

    def row(self, uidd: str) -> dict[str, Any]:
        """Return the alert as ``/alert`` and the realtime feed give it."""
        return {
            "alert": self.id,
            "id": self.id,
            "uid": uidd,
            "deviceid": int(uidd.split(".")[1]),
            "startt": self.start_ms,
            "endt": self.end_ms,
            "rom": 1,
            "smx": self.smx,
            "aud": self.aud,
            "tz": self.tz,
            "type": self.type,
            "has_hdstill": 0,
            "startval": "m",
        }


@dataclass
class SimCamera:
    """One simulated camera (or recorder channel)."""

    uidd: str
    name: str
    permissions: tuple[str, ...] = ("a",)
    phoneid: str = ""
    device_type: str | None = "ipcam201701"
    """The app's device type: ``ipcam201701`` for IP cameras and recorder channels, none
    for a phone or tablet running the Videoloft app."""
    logger: int = 0
    wowza: int = 0
    status: str = "live"
    recording: bool = True
    live_until: float = 0.0
    live_at: float | None = None
    stream: int = 1
    lastthumb: int = 0
    laststill: int = 0
    images: set[int] = field(default_factory=set)
    alerts: list[SimAlert] = field(default_factory=list)
    trigger_until: float = 0.0

    @property
    def owner(self) -> str:
        """Return the uid of the owner."""
        return self.uidd.split(".")[0]

    @property
    def streamname(self) -> str:
        """Return the live stream name; it changes when the camera moves Wowza."""
        return f"{self.uidd}_{93295 + self.stream}-nr"

    @property
    def live(self) -> bool:
        """Return True while the camera streams live video: never while it is offline."""
        now = time.monotonic()
        return (
            self.status not in OFFLINE
            and self.live_at is not None
            and self.live_at <= now < self.live_until
        )


def _alerts(count: int, now_ms: int, seed: int) -> list[SimAlert]:
    """Return `count` alerts, newest first, one every ~3 hours going back."""
    alerts = []
    for i in range(count):
        start = now_ms - (i + 1) * 3 * HOUR_MS - seed * 60_000
        kind = "audio" if i % 5 == 4 else "motion"
        alerts.append(
            SimAlert(
                id=start // 1000,
                start_ms=start,
                end_ms=start + 11_000 + (i % 4) * 7000,
                type=kind,
                smx=None if kind == "audio" else f"{(i % 10) + 1:02x}",
                aud=f"{(i % 9) + 1:02x}" if kind == "audio" else None,
            )
        )
    return alerts


ROOM = "329475.56"
"""Room 1: read-only, the first owner's, logger 0."""
GARDEN = "329475.59"
"""Garden: a Hikvision PTZ camera, the first owner's, logger 0."""
KITCHEN = "400123.1"
"""Kitchen: a recorder channel, the second owner's, logger 1."""
HALL = "400123.2"
"""Hall: a phone, the second owner's, logger 1."""


def default_cameras(alerts: int = 60) -> list[SimCamera]:
    """Return the cameras of the demo and the tests: two owners, two loggers."""
    now_ms = int(time.time() * 1000)
    return [
        SimCamera(
            ROOM,
            "Room 1",
            permissions=("r",),
            phoneid="DS-2CD2042WD-I20161005BBWR653544863",
            alerts=_alerts(alerts, now_ms, 1),
        ),
        SimCamera(
            GARDEN,
            "Garden",
            phoneid="DS-2DE2A404IW-DE3W20200101CCWRF12345678",
            alerts=_alerts(alerts, now_ms, 2),
        ),
        SimCamera(
            KITCHEN,
            "Kitchen",
            phoneid="DS-7204HUHI-K10420180126CCWRC04758466WCVU@01",
            logger=1,
            wowza=1,
            alerts=_alerts(alerts, now_ms, 3),
        ),
        SimCamera(
            HALL,
            "Hall",
            phoneid="ANDROID-4F2A",
            device_type=None,
            logger=1,
            wowza=1,
            recording=False,
            status="offline",
            alerts=_alerts(alerts, now_ms, 4),
        ),
    ]


DEFAULT_ALIASES = {"329475": "Customer 1", "400123": "Customer 2"}


@dataclass
class _User:
    password: str
    uid: int
    cameras: set[str]


@dataclass
class _Feed:
    logger: int
    uids: frozenset[str] | None
    token: str
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)


class VideoloftSimulator:
    """A running Videoloft service on loopback: authenticators, loggers, Wowza servers."""

    def __init__(
        self,
        *,
        cameras: list[SimCamera] | None = None,
        aliases: dict[str, str] | None = None,
        loggers: int = 2,
        wowzas: int = 2,
        email: str = "installer@example.com",
        password: str = "s3cret p&ss/word+",
        uid: int = 12345,
        max_age_days: int = 7,
    ) -> None:
        """Set up the simulated login and its cameras."""
        self.cameras = {cam.uidd: cam for cam in (cameras or default_cameras())}
        for cam in self.cameras.values():
            if not cam.images:  # an image from a while ago is on the logger already
                stamp = int(time.time()) - 600
                cam.images.add(stamp)
                cam.lastthumb = cam.laststill = stamp
        self.aliases = dict(DEFAULT_ALIASES if aliases is None else aliases)
        self.logger_count = max(loggers, 1 + max(c.logger for c in self.cameras.values()))
        self.wowza_count = max(wowzas, 1 + max(c.wowza for c in self.cameras.values()))
        self.email, self.password, self.uid = email, password, uid
        self.max_age_days = max_age_days
        self.accept_post = True
        self.token_lifetime = 1200.0
        self.feed_seconds = 300.0
        self.live_delay = 0.2
        self.image_delay = 0.1
        self.draw_snapshots = True
        self.fail: str | None = None
        self.status_delay = 0.0
        self.users: dict[str, _User] = {}
        """Other logins (by email) and the cameras each sees."""
        self._token_users: dict[str, str] = {}
        self.override: dict[str, tuple[int, Any]] = {}
        self.absolute_uris = False
        self._released = asyncio.Event()
        self.requests: Counter[str] = Counter()
        self.tasks: list[tuple[str, str]] = []
        """Every camera task received: (uidd, action)."""
        self.batches: dict[str, list[int]] = {}
        """How many uids each batched request carried, by endpoint."""
        self.logins: list[tuple[str, str]] = []
        """(authenticator role, method) of every login."""
        self._tokens: dict[str, float] = {}
        self._feeds: list[_Feed] = []
        self._handles: list[asyncio.TimerHandle] = []
        self._runner: web.AppRunner | None = None
        self._roles: dict[int, tuple[str, int]] = {}
        self._ports: dict[tuple[str, int], int] = {}
        self._alert_ids = int(time.time())
        self.app = web.Application()
        router = self.app.router
        router.add_route("*", "/login", self._login)
        router.add_get("/devices", self._devices)
        router.add_get("/devices/viewerInfo", self._viewer_info)
        router.add_get("/cameras/status", self._status)
        router.add_get("/cameras/status/", self._status)
        router.add_get("/cameras/realtime/live", self._realtime)
        router.add_get("/sendcameratask", self._task)
        router.add_get("/getthumb/{uidd}/{time}/{token}", self._image)
        router.add_get("/getstill/{uidd}/{time}/{token}", self._image)
        router.add_get("/alert", self._alert)
        router.add_get("/alertthumb/{uidd}/{alert}/{token}", self._alert_thumb)
        router.add_get("/alerturl.m3u8", self._alert_video)
        router.add_get("/alertseg/{uidd}/{alert}/{n}.ts", self._alert_segment)
        router.add_get("/manything/{stream}/playlist.m3u8", self._wowza_playlist)
        router.add_get("/manything/{stream}/segment{n}.ts", self._wowza_segment)

    # -- running -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", base_port: int = 0) -> str:
        """Start every server; return the URL of the global authenticator.

        With `base_port`, the roles take consecutive ports from it (global authenticator,
        regional authenticator, loggers, Wowza servers); otherwise free ones.
        """
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        roles = [("auth", 0), ("auth", 1)]
        roles += [("logger", i) for i in range(self.logger_count)]
        roles += [("wowza", i) for i in range(self.wowza_count)]
        for n, role in enumerate(roles):
            site = web.TCPSite(self._runner, host, base_port + n if base_port else 0)
            await site.start()
            port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
            self._roles[port] = role
            self._ports[role] = port
        self._host = host
        self._released.set()
        return self.auth_url

    async def stop(self) -> None:
        """Stop serving."""
        self.release()
        for handle in self._handles:
            handle.cancel()
        for feed in self._feeds:
            feed.queue.put_nowait(None)
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def auth_url(self) -> str:
        """Return the URL of the global authenticator (what a user configures)."""
        return f"http://{self._host}:{self._ports['auth', 0]}"

    @property
    def regional_url(self) -> str:
        """Return the URL of the user's regional authenticator."""
        return f"http://{self._host}:{self._ports['auth', 1]}"

    def host(self, role: str, index: int) -> str:
        """Return a logger's or Wowza server's host, without scheme (as the API gives it)."""
        return f"{self._host}:{self._ports[role, index]}"

    def hang(self) -> None:
        """Make every API call hang until `release`."""
        self.fail = "timeout"
        self._released.clear()

    def release(self) -> None:
        """End a hang."""
        if self.fail == "timeout":
            self.fail = None
        self._released.set()

    # -- what tests do -------------------------------------------------------------------

    def add_user(self, email: str, password: str, uid: int, cameras: set[str]) -> None:
        """Add another login that sees the given cameras (change the set to change access)."""
        self.users[email] = _User(password, uid, cameras)

    def expire_tokens(self) -> None:
        """End every token now; the realtime feeds that used one are closed."""
        self._tokens.clear()
        for feed in self._feeds:
            feed.queue.put_nowait("")

    def drop_feeds(self, logger: int | None = None) -> None:
        """Cut every realtime connection (of one logger) without ending it properly."""
        for feed in self._feeds:
            if logger is None or feed.logger == logger:
                feed.queue.put_nowait(None)

    @property
    def open_feeds(self) -> int:
        """Return the number of realtime connections open now."""
        return len(self._feeds)

    def move(self, uidd: str, *, logger: int | None = None, wowza: int | None = None) -> None:
        """Move a camera to another logger and/or Wowza server."""
        cam = self.cameras[uidd]
        if logger is not None:
            cam.logger = logger
        if wowza is not None:
            cam.wowza = wowza
            cam.stream += 1

    def set_status(self, uidd: str, status: str) -> None:
        """Change a camera's connection status and push it."""
        self.cameras[uidd].status = status
        self.push_status(uidd)

    def alert(
        self, uidd: str, kind: str = "motion", magnitude: str = "07", *, ended: bool = False
    ) -> SimAlert:
        """Record a new alert and push it; without `ended` it is still going on."""
        cam = self.cameras[uidd]
        self._alert_ids += 1
        now_ms = int(time.time() * 1000)
        alert = SimAlert(
            id=self._alert_ids,
            start_ms=now_ms,
            end_ms=now_ms + 5000 if ended else None,
            type=kind,
            smx=magnitude if kind == "motion" else None,
            aud=magnitude if kind == "audio" else None,
        )
        cam.alerts.insert(0, alert)
        self.push_alert(uidd, alert)
        return alert

    def end_alert(self, uidd: str, alert: SimAlert) -> None:
        """End an alert now and push its end."""
        alert.end_ms = int(time.time() * 1000)
        self.push_alert(uidd, alert)

    def push_alert(self, uidd: str, alert: SimAlert) -> None:
        """Push an alert on the feeds that carry the camera."""
        self._push(uidd, {"type": "alert", "data": alert.row(uidd)})

    def push_status(self, uidd: str) -> None:
        """Push a camera's status on the feeds that carry it."""
        row = self._status_row(self.cameras[uidd])
        row["uidd"] = row.pop("uid")
        self._push(uidd, {"type": "liveSession", "data": row})

    def _push(self, uidd: str, message: dict[str, Any]) -> None:
        cam = self.cameras[uidd]
        text = json.dumps(message)
        for feed in self._feeds:
            if feed.logger == cam.logger and (feed.uids is None or uidd in feed.uids):
                feed.queue.put_nowait(text)

    def _later(self, delay: float, action: Any) -> None:
        self._handles.append(asyncio.get_running_loop().call_later(delay, action))
        self._handles = [h for h in self._handles if not h.cancelled()][-200:]

    # -- plumbing ------------------------------------------------------------------------

    def _role(self, request: web.Request) -> tuple[str, int]:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        return self._roles.get(int(sock[1]) if sock else 0, ("", 0))

    def push_raw(self, text: str) -> None:
        """Write text as it is into every realtime feed."""
        for feed in self._feeds:
            feed.queue.put_nowait(RAW + text)

    async def _fault(self, name: str) -> web.Response | None:
        if name in self.override:
            status, body = self.override[name]
            if isinstance(body, str):
                return web.Response(status=status, text=body)
            return web.json_response(body, status=status)
        if self.fail == "timeout":
            await self._released.wait()
            return web.Response(status=503)
        if self.fail == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.fail == "malformed":
            return web.Response(text='{"result": {"12', content_type="application/json")
        if self.fail == "html":
            return web.Response(
                text="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
            )
        return None

    def _token(self, request: web.Request, value: str | None = None) -> str | None:
        """Return the request's token when it is valid."""
        if value is None:
            header = request.headers.get("Authorization", "")
            if header.startswith("ManythingToken "):
                value = header.removeprefix("ManythingToken ").strip()
            else:
                value = request.query.get("token") or request.query.get("userToken")
        issued = self._tokens.get(value or "")
        if value is None or issued is None or time.monotonic() - issued > self.token_lifetime:
            return None
        return value

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"error": message}, status=status)

    async def _enter(
        self, request: web.Request, name: str, role: str, token: str | None = None
    ) -> tuple[int, web.Response | None]:
        """Count, check the role, the faults and the token."""
        self.requests[name] += 1
        kind, index = self._role(request)
        if kind != role:
            return index, self._error(404, "not found")
        if (fault := await self._fault(name)) is not None:
            return index, fault
        if self._token(request, token) is None:
            return index, self._error(401, "Unauthorized: token invalid or expired")
        return index, None

    def _camera_on(self, index: int, uidd: str | None) -> SimCamera | None:
        cam = self.cameras.get(uidd or "")
        return cam if cam is not None and cam.logger == index else None

    # -- authenticator -------------------------------------------------------------------

    async def _login(self, request: web.Request) -> web.Response:
        self.requests["login"] += 1
        kind, index = self._role(request)
        if kind != "auth":
            return self._error(404, "not found")
        if (fault := await self._fault("login")) is not None:
            return fault
        if request.method == "POST":
            if not self.accept_post:
                return self._error(405, "method not allowed")
            values = dict(await request.post())
        elif request.method == "GET":
            values = dict(request.query)
        else:
            return self._error(405, "method not allowed")
        self.logins.append(("auth1" if index == 0 else "regional", request.method))
        email = values.get("email", "")
        user = self.users.get(email)
        if user is not None and values.get("password") == user.password:
            uid = user.uid
        elif email == self.email and values.get("password") == self.password:
            uid = self.uid
        else:
            return self._error(401, "Incorrect email or password")
        token = f"{secrets.token_urlsafe(24)}*{secrets.token_urlsafe(60)}."
        self._tokens[token] = time.monotonic()
        self._token_users[token] = email
        return web.json_response(
            {
                "result": {
                    "uid": uid,
                    "authToken": token,
                    "authenticator": self.regional_url,
                    "devices": [{"id": 2, "phonename": "ignored, as the document says"}],
                    "accountInfo": {
                        "maxAge": self.max_age_days,
                        "maxDevices": len(self.cameras),
                        "type": "installer",
                        "provider": "installer",
                    },
                    "time": int(time.time() * 1000),
                    "region": "simulated",
                    "email": email,
                }
            }
        )

    def _sees(self, request: web.Request, uidd: str) -> bool:
        """Tell whether the login of the request's token sees a camera."""
        user = self.users.get(self._token_users.get(self._token(request) or "", ""))
        return user is None or uidd in user.cameras

    def _owners(self, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for uidd, row in rows.items():
            owner, device = uidd.split(".")
            block = result.setdefault(owner, {"devices": {}, "alias": self.aliases.get(owner)})
            block["devices"][device] = row
        return result

    async def _devices(self, request: web.Request) -> web.Response:
        _, refused = await self._enter(request, "devices", "auth")
        if refused is not None:
            return refused
        rows = {
            cam.uidd: {"uidd": cam.uidd, "phonename": cam.name, "permissions": [*cam.permissions]}
            for cam in self.cameras.values()
            if self._sees(request, cam.uidd)
        }
        return web.json_response({"result": self._owners(rows)})

    async def _viewer_info(self, request: web.Request) -> web.Response:
        _, refused = await self._enter(request, "viewerInfo", "auth")
        if refused is not None:
            return refused
        uids = request.query.getall("uidd", [])
        self.batches.setdefault("viewerInfo", []).append(len(uids))
        rows = {}
        errors = []
        for uidd in uids:
            cam = self.cameras.get(uidd)
            if cam is None or not self._sees(request, uidd):
                errors.append({uidd: "Unauthorized"})
                continue
            rows[uidd] = {
                "uidd": uidd,
                "phonename": cam.name,
                "permissions": [*cam.permissions],
                "wowza": self.host("wowza", cam.wowza),
                "logger": self.host("logger", cam.logger),
                "cloudRecordingEnabled": 1 if cam.recording else 0,
                "appVersion": "2.24.2",
                "deviceType": cam.device_type,
                "streamname": cam.streamname,
                "language": "en-GB",
                "phoneid": cam.phoneid,
            }
        body: dict[str, Any] = {"result": self._owners(rows)}
        if errors:
            body["errors"] = errors
        return web.json_response(body)

    # -- logger --------------------------------------------------------------------------

    def _status_row(self, cam: SimCamera) -> dict[str, Any]:
        live = cam.live
        return {
            "uid": cam.uidd,
            "permissions": [*cam.permissions],
            "session": 1613158412 if live else None,
            "live": live,
            "startt": 0,
            "lastchunkend": None,
            "endt": None,
            "lastactivity": int(time.time() * 1000),
            "lastthumb": cam.lastthumb or None,
            "laststill": cam.laststill or None,
            "stillmode": "normal",
            "wowza": self.host("wowza", cam.wowza) if live else "wowza1.manything.com",
            "device": True,
            "status": cam.status,
            "lastalert": cam.alerts[0].start_ms // 1000 if cam.alerts else 0,
            "battery": None,
            "power": "unknown",
            "stalepower": 1,
            "facebookStreamId": None,
            "queue_mb": None,
            "queue_sec": None,
        }

    async def _status(self, request: web.Request) -> web.Response:
        index, refused = await self._enter(request, "status", "logger")
        if refused is not None:
            return refused
        asked = request.query.getall("uid", [])
        self.batches.setdefault("status", []).append(len(asked))
        uids = asked or [c.uidd for c in self.cameras.values() if c.logger == index]
        rows = {}
        errors = []
        for uidd in uids:
            cam = self._camera_on(index, uidd)
            if cam is None:
                errors.append({uidd: "Not resident on this logger"})
            else:
                rows[uidd] = self._status_row(cam)
        body: dict[str, Any] = {"result": self._owners(rows)}
        if errors:
            body["errors"] = errors
        if self.status_delay:
            await asyncio.sleep(self.status_delay)
        return web.json_response(body)

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        index, refused = await self._enter(request, "realtime", "logger")
        if refused is not None:
            return refused
        token = self._token(request)
        assert token is not None
        uids = request.query.getall("uidd", [])
        self.batches.setdefault("realtime", []).append(len(uids))
        feed = _Feed(index, frozenset(uids) if uids else None, token)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        self._feeds.append(feed)
        deadline = time.monotonic() + self.feed_seconds
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                transport = request.transport
                if transport is None or transport.is_closing():
                    return response  # the client went away
                try:
                    message = await asyncio.wait_for(feed.queue.get(), min(remaining, 0.25))
                except TimeoutError:
                    continue
                if message is None:
                    transport.abort()
                    return response
                if message == "":
                    break
                if message.startswith(RAW):
                    await response.write(message.removeprefix(RAW).encode())
                    continue
                await response.write(f"data: {message}\n\n".encode())
            await response.write_eof()
        except (ConnectionResetError, RuntimeError):
            pass
        finally:
            self._feeds.remove(feed)
        return response

    async def _task(self, request: web.Request) -> web.Response:
        index, refused = await self._enter(request, "sendcameratask", "logger")
        if refused is not None:
            return refused
        uidd, action = request.query.get("uid"), request.query.get("action", "")
        cam = self._camera_on(index, uidd)
        if cam is None:
            return self._error(404, "camera not resident on this logger")
        self.requests[f"task:{action}"] += 1
        if action not in READ_ONLY_TASKS and "a" not in cam.permissions:
            return self._error(403, "read-only access")
        self.tasks.append((cam.uidd, action))
        now = time.monotonic()
        if action == "livecommand":
            was_live = cam.live
            cam.live_until = now + 60
            if not was_live:
                cam.live_at = now + self.live_delay
                self._later(self.live_delay, lambda: self.push_status(cam.uidd))
        elif action in ("capturethumb", "capturestill"):
            self._later(self.image_delay, lambda: self._captured(cam, action[7:]))
        elif action == "triggerevent":
            if not cam.recording:
                return self._error(400, "cloud recording is not enabled")
            if now >= cam.trigger_until or not cam.alerts or cam.alerts[0].end_ms is not None:
                self.alert(cam.uidd)
            cam.trigger_until = now + 20
        elif not (
            action == "ptzstop"
            or action.removeprefix("ptzstart_").removeprefix("ptz_")
            in ("up", "down", "left", "right", "in", "out")
        ):
            return self._error(400, f"unknown action {action}")
        return web.json_response({"result": "request sent to camera"})

    def _captured(self, cam: SimCamera, kind: str) -> None:
        stamp = max(int(time.time()), cam.lastthumb + 1, cam.laststill + 1)
        cam.images.add(stamp)
        setattr(cam, f"last{kind}", stamp)
        self.push_status(cam.uidd)

    async def _image(self, request: web.Request) -> web.Response:
        kind = request.path.split("/")[1]
        index, refused = await self._enter(request, kind, "logger", request.match_info["token"])
        if refused is not None:
            return refused
        cam = self._camera_on(index, request.match_info["uidd"])
        stamp = request.match_info["time"]
        if cam is None or not stamp.isdigit() or int(stamp) not in cam.images:
            return self._error(404, "no such image")
        return web.Response(
            body=snapshot_jpeg(f"{cam.name} {kind[3:]}", draw=self.draw_snapshots),
            content_type="image/jpeg",
        )

    async def _alert(self, request: web.Request) -> web.Response:
        index, refused = await self._enter(request, "alert", "logger")
        if refused is not None:
            return refused
        query = request.query
        cam = self._camera_on(index, query.get("uid"))
        if cam is None:
            return self._error(404, "camera not resident on this logger")
        try:
            offset = int(query.get("offset") or 0)
            limit = int(query.get("limit") or 20)
            max_age = int(query.get("maxage") or 0)
        except ValueError:
            return self._error(400, "bad parameter")
        oldest = int(time.time() * 1000) - max_age if max_age else 0
        rows = [a.row(cam.uidd) for a in cam.alerts if a.start_ms >= oldest]
        return web.json_response({"result": rows[offset : offset + limit]})

    def _find_alert(self, index: int, uidd: str, alert_id: str) -> tuple[SimCamera, SimAlert]:
        cam = self._camera_on(index, uidd)
        alert = next((a for a in cam.alerts if str(a.id) == alert_id), None) if cam else None
        if cam is None or alert is None:
            raise web.HTTPNotFound
        return cam, alert

    async def _alert_thumb(self, request: web.Request) -> web.Response:
        match = request.match_info
        index, refused = await self._enter(request, "alertthumb", "logger", match["token"])
        if refused is not None:
            return refused
        cam, alert = self._find_alert(index, match["uidd"], match["alert"])
        return web.Response(
            body=snapshot_jpeg(f"{cam.name} {alert.type}", draw=self.draw_snapshots),
            content_type="image/jpeg",
        )

    async def _alert_video(self, request: web.Request) -> web.Response:
        index, refused = await self._enter(request, "alerturl", "logger")
        if refused is not None:
            return refused
        query = request.query
        cam, alert = self._find_alert(index, query.get("uid", ""), query.get("id", ""))
        if not all(query.get(key, "").isdigit() for key in ("startt", "endt", "rom")):
            return self._error(400, "startt, endt and rom are needed")
        if query.get("buildmp4") == "1":
            return ranged(request, mp4_clip(), "video/mp4")
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}"]
        for n in range(3):
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.0,", f"/alertseg/{cam.uidd}/{alert.id}/{n}.ts"]
        lines.append("#EXT-X-ENDLIST")
        return web.Response(
            text="\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl"
        )

    async def _alert_segment(self, request: web.Request) -> web.Response:
        index = self._role(request)[1]
        cam, _ = self._find_alert(index, request.match_info["uidd"], request.match_info["alert"])
        body = await asyncio.get_running_loop().run_in_executor(
            None, ts_segment, int(request.match_info["n"]), cam.uidd
        )
        return web.Response(body=body, content_type="video/mp2t")

    # -- Wowza ---------------------------------------------------------------------------

    def _wowza_camera(self, request: web.Request) -> SimCamera:
        kind, index = self._role(request)
        name = request.match_info["stream"]
        cam = next((c for c in self.cameras.values() if c.streamname == name), None)
        if kind != "wowza" or cam is None or cam.wowza != index or not cam.live:
            raise web.HTTPNotFound
        return cam

    async def _wowza_playlist(self, request: web.Request) -> web.Response:
        self.requests["wowza_playlist"] += 1
        if (fault := await self._fault("wowza_playlist")) is not None:
            return fault
        self._wowza_camera(request)
        if self._token(request) is None:
            return self._error(401, "Unauthorized")
        newest = int(time.time() // SEGMENT_SECONDS) - 1
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
            f"#EXT-X-MEDIA-SEQUENCE:{newest - 2}",
        ]
        prefix = ""
        if self.absolute_uris:  # as some Wowza set-ups write them: full URL, token and all
            prefix = f"http://{request.host}/manything/{request.match_info['stream']}/"
        suffix = f"?userToken={request.query['userToken']}" if self.absolute_uris else ""
        for n in range(newest - 2, newest + 1):
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.0,", f"{prefix}segment{n}.ts{suffix}"]
        return web.Response(
            text="\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl"
        )

    async def _wowza_segment(self, request: web.Request) -> web.Response:
        cam = self._wowza_camera(request)
        self.requests["wowza_segment"] += 1
        if self._token(request) is None:
            return self._error(401, "Unauthorized")
        body = await asyncio.get_running_loop().run_in_executor(
            None, ts_segment, int(request.match_info["n"]), cam.uidd
        )
        return web.Response(body=body, content_type="video/mp2t")
