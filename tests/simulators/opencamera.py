"""OpenCamera simulator (``vendor-docs/opencamera-api-1.0.0.txt`` and ``opencamera-paths.md``):
one camera on loopback, speaking plain HTTP under ``/api/v1``, with real WebRTC.

Two modes:

- ``"daemon"``: what the real ``opencamd`` does (``opencamera-paths.md``, "What opencamd
  really does"). Only ``POST /api/v1/media/live/session`` works. Every other operation of
  the spec answers **501** with a JSON *string* body ``"operation <tag>.<OperationId> has not
  yet been implemented"``, after the framework's checks. Operation ids (as go-swagger names
  them from the spec; the real spec's ids are not in our documents, these are ours):

  ========  ==============================  ======  =========================
  method    path (under /api/v1)            auth    tag.OperationId
  ========  ==============================  ======  =========================
  GET       /device                         token   device.GetDeviceInfo
  POST      /user                           token   user.CreateUser
  POST      /user/token/obtain              basic   user.TokenObtain
  POST      /user/token/refresh             token   user.TokenRefresh
  GET       /user/logout                    token   user.Logout
  PUT       /user/reset                     token   user.ResetPassword
  PUT       /media/live/config              token   media.UpdateLiveSessionConfig
  POST      /media/live/session             token   media.StartLiveSession
  GET       /media/vod/{start}/{end}        token   media.DownloadRecordedVideo
  GET       /system                         token   system.GetSystemInfo
  POST      /system/upgrade                 token   system.UpgradeSystem
  ========  ==============================  ======  =========================

  Authentication accepts anything: a token route needs a non-empty ``x-token`` header
  (any value), else 401 ``{"code":401,"message":"unauthenticated for invalid credentials"}``;
  ``/user/token/obtain`` needs a Basic header (any credentials; then 501), else the same 401.
- ``"full"``: every path of the table implemented. ``/user/token/obtain`` checks HTTP Basic:
  `basic_form` ``"device"`` accepts only ``username:password:<device>`` (any non-empty
  device name, remembered in `basic_devices`), ``"plain"`` only ``username:password``,
  ``"both"`` either; anything else is 400. It answers ``{access_token, valid_until}``
  (``2026-01-02T03:04:05.000Z``, `token_ttl` seconds ahead). Token routes need a known,
  unexpired ``x-token`` (401 otherwise); ``/user/token/refresh`` extends the same token,
  ``/user/logout`` forgets it. ``/device``: uuid, uptime, resolution, fps, codecs.
  ``/system``: firmwareVersion, sdcard_free/sdcard_total (GB, int) and
  ``live_session_config.ice_servers`` (entries without a scheme, as the spec's example),
  which ``PUT /media/live/config`` replaces. ``GET /media/vod/{start}/{end}`` takes ISO 8601
  times (UTC; ``Z``, ``+00:00`` or no offset) and answers ``video/mp4``: a real H.264 MP4
  (PyAV/libx264; the live picture with a green square, a key frame a second, 10 fps)
  as long as the recorded part of the range, capped at `vod_cap_seconds`
  (`vod_container` "mpegts" or "h264" sends MPEG-TS or raw H.264 Annex B instead, as
  ``video/mp2t`` or ``video/h264``: the documents do not say what a camera sends);
  404 with a JSON error when nothing in `recordings` overlaps the range (`recording_now`
  makes the last recording go on until now); 400 with a JSON
  error on a bad time or an empty range. ``/system/upgrade`` (multipart) is a 200 no-op.

Uptime: the spec says ``uptime`` is an int64 "device uptime in unix time", which could be
the seconds since boot or the unix time of the boot. `uptime_form` chooses what ``/device``
sends: ``"seconds"`` (default: seconds since boot, `uptime`) or ``"boot_epoch"`` (the unix
time of the boot). `reboot` restarts it (and drops every token and live session).

In both modes, as go-swagger does: 404 ``{"code":404,"message":"path … was not found"}`` for
an unknown path, 405 with an ``Allow`` header for a wrong method, 415 when a JSON body comes
with another content type, 400 when a body does not parse. ``GET /swagger.json`` (no
authentication) is the spec (title "OpenCamera", version 1.0.0, basePath /api/v1) and
``/api/v1/docs`` an HTML page. CORS as the daemon: any origin, OPTIONS and POST,
Content-Type and X-Token.

Live session (both modes), as observed on the daemon: the body ``{"type":"offer","sdp":…}``
(``valid_until`` may be left out; only a date ``YYYY-MM-DD`` parses, a date-time is 400).
aiortc answers after gathering its own candidates (no trickle; the answer ends with
``a=end-of-candidates``) with ``{"sdp":…,"type":"answer","valid_until":"0001-01-01"}``, and
sends ONE ``sendonly`` H.264 video track of synthetic frames (a bar sweeping over a moving
gradient, so a decoder sees change; `fps` frames a second, `video_size` pixels); an offered
audio m-line gets no track. An offer without H.264 closes the connection with no HTTP
response (the daemon's handler panics); an empty SDP or a type other than ``offer`` is 500
``{}``. `sessions` keeps every session answered; `frames_sent` counts frames handed to the
encoders. The simulator's ICE agent uses no STUN server and gathers host candidates on
127.0.0.1 too (`allow_loopback_ice`), so sessions on loopback connect in milliseconds.

Faults for tests: ``fail[key]`` for one endpoint, ``key`` one of ``device``, ``system``,
``session``, ``vod``, ``token`` (obtain), ``refresh``, ``logout``, ``live_config``,
``user``, ``reset``, ``upgrade``, ``swagger``, ``docs``; the value is a status (500 answers
``{}`` as the daemon does, any other status ``{"code":N,"message":…}``), ``"drop"`` (close
the connection with no response), ``"timeout"`` (hang until the fault is cleared or the
simulator stops), ``"notjson"`` (200 with an HTML body), ``"notanswer"`` (session: the reply's
type is ``offer``), ``"json"`` (vod: 200 with a JSON error body) or ``"truncate"`` (vod: the
MP4 cut off in the middle). Faults stay until removed. `expire_tokens` makes every token
invalid at once; `answer_delay` delays each answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
import io
import json
import re
import secrets
import time
from typing import Any

from aiohttp import web
import aioice.ice
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
import av
import numpy as np

UNAUTHENTICATED = {"code": 401, "message": "unauthenticated for invalid credentials"}
ZERO_DATE = "0001-01-01"
TIMES = "\u00d7"
"""The multiplication sign of the spec's resolution example (``1920×1080``)."""  # noqa: RUF001


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenCamera spec."""

    method: str
    path: str
    tag: str
    operation_id: str
    security: str  # "token" | "basic"
    key: str  # the name `fail` and `requests` use

    @property
    def pattern(self) -> re.Pattern[str]:
        """Return the regular expression of the path (under /api/v1)."""
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")


OPERATIONS = (
    Operation("GET", "/device", "device", "GetDeviceInfo", "token", "device"),
    Operation("POST", "/user", "user", "CreateUser", "token", "user"),
    Operation("POST", "/user/token/obtain", "user", "TokenObtain", "basic", "token"),
    Operation("POST", "/user/token/refresh", "user", "TokenRefresh", "token", "refresh"),
    Operation("GET", "/user/logout", "user", "Logout", "token", "logout"),
    Operation("PUT", "/user/reset", "user", "ResetPassword", "token", "reset"),
    Operation(
        "PUT", "/media/live/config", "media", "UpdateLiveSessionConfig", "token", "live_config"
    ),
    Operation("POST", "/media/live/session", "media", "StartLiveSession", "token", "session"),
    Operation("GET", "/media/vod/{start}/{end}", "media", "DownloadRecordedVideo", "token", "vod"),
    Operation("GET", "/system", "system", "GetSystemInfo", "token", "system"),
    Operation("POST", "/system/upgrade", "system", "UpgradeSystem", "token", "upgrade"),
)
JSON_BODY = {"user", "reset", "live_config", "session"}
"""Operations whose body is JSON (go-swagger answers 415 to another content type)."""

_LOOPBACK_PATCHED = False


def allow_loopback_ice() -> None:
    """Let aiortc's ICE agent (aioice) gather a host candidate on 127.0.0.1 as well.

    aioice leaves loopback out of its host candidates; on a machine whose only interface
    is loopback a session could then never connect. Patched once, for the whole process
    (tests only): every peer connection made afterwards offers 127.0.0.1 first.
    """
    global _LOOPBACK_PATCHED  # noqa: PLW0603
    if _LOOPBACK_PATCHED:
        return
    original: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses

    def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        found = original(use_ipv4, use_ipv6)
        return (["127.0.0.1"] if use_ipv4 else []) + [a for a in found if a != "127.0.0.1"]

    aioice.ice.get_host_addresses = with_loopback
    _LOOPBACK_PATCHED = True


def _iso(when: datetime) -> str:
    """Format a UTC time as the spec's examples do (``2022-02-02T00:00:00.000Z``)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _parse_time(text: str) -> datetime | None:
    """Parse an ISO 8601 time; no offset means UTC. None when it is not one."""
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def offers_h264(sdp: str) -> bool:
    """Return whether an SDP offers H.264 in a video section."""
    video = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            video = line.startswith("m=video")
        elif video and re.match(r"a=rtpmap:\d+ H264/90000", line, re.IGNORECASE):
            return True
    return False


def synthetic_picture(
    number: int, width: int, height: int, *, recorded: bool = False
) -> av.VideoFrame:
    """Return picture `number` of the camera's synthetic video (yuv420p).

    A gradient drifting to the right, a white bar sweeping across the middle, a square
    bobbing up and down on the left: warm red live, green in recordings, so a viewer can
    tell a live picture from a recorded one and sees that it moves.
    """
    w, h = width, height
    ramp = np.arange(w, dtype=np.int32)
    luma = np.tile((((ramp + number * 3) % w) * 150 // w + 30).astype(np.uint8), (h, 1))
    x = (number * 6) % w
    luma[h // 3 : 2 * h // 3, x : x + w // 12] = 235
    # Chroma planes are half size each way.
    u = np.full((h // 2, w // 2), 150, dtype=np.uint8)
    v = np.full((h // 2, w // 2), 100, dtype=np.uint8)
    top = (number * 2) % (h // 2 - h // 8)
    square = (slice(top, top + h // 8), slice(w // 16, w // 16 + h // 8))
    u[square], v[square] = (60, 60) if recorded else (80, 200)
    bar = (slice(h // 6, h // 3), slice(x // 2, (x + w // 12) // 2))
    u[bar], v[bar] = 128, 128
    planes = np.vstack([luma, u.reshape(h // 4, w), v.reshape(h // 4, w)])
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


VOD_CONTAINERS = {"mp4": "video/mp4", "mpegts": "video/mp2t", "h264": "video/h264"}
"""What VOD can send (FFmpeg's muxer name) and its media type."""


@lru_cache(maxsize=8)
def vod_clip(
    seconds: int, width: int, height: int, fps: int = 10, container_format: str = "mp4"
) -> bytes:
    """Return a recording: `seconds` of the synthetic video as H.264 in MP4 (or MPEG-TS, or
    raw Annex B), a key frame every second (so the last seconds hold a key frame, as a
    camera's recording does)."""
    out = io.BytesIO()
    with av.open(out, "w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=fps, options={"g": str(fps), "bf": "0"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for number in range(seconds * fps):
            frame = synthetic_picture(number * 2, width, height, recorded=True)
            frame.pts, frame.time_base = number, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


class SyntheticVideo(VideoStreamTrack):
    """Synthetic frames: a bar sweeping over a gradient that drifts, with a frame counter."""

    def __init__(self, sim: OpenCameraSimulator, session: LiveSession) -> None:
        """Make a track that counts its frames on the simulator and the session."""
        super().__init__()
        self._sim = sim
        self._session = session
        self._start: float | None = None
        self._number = 0
        self._width, self._height = sim.video_size

    async def recv(self) -> av.VideoFrame:
        """Return the next frame, paced at the simulator's frame rate."""
        fps = max(1, self._sim.fps)
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        else:
            wait = self._start + self._number / fps - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        number = self._number
        self._number += 1
        frame = synthetic_picture(number, self._width, self._height)
        frame.pts, frame.time_base = number * (90000 // fps), Fraction(1, 90000)
        self._sim.frames_sent += 1
        self._session.frames_sent += 1
        return frame


@dataclass
class LiveSession:
    """One live session the camera answered."""

    offer: str
    answer: str = ""
    frames_sent: int = 0
    pc: RTCPeerConnection | None = field(default=None, repr=False)

    @property
    def state(self) -> str:
        """Return the peer connection's state."""
        return self.pc.connectionState if self.pc else "closed"


def default_recordings(now: datetime) -> list[tuple[datetime, datetime]]:
    """Return what the SD card holds: three spans over the last day and a half."""
    now = now.replace(second=0, microsecond=0)
    return [
        (now - timedelta(hours=34), now - timedelta(hours=31, minutes=30)),
        (now - timedelta(hours=20, minutes=10), now - timedelta(hours=12)),
        (now - timedelta(hours=2, minutes=45), now - timedelta(minutes=1)),
    ]


class OpenCameraSimulator:
    """A running OpenCamera (opencamd, or a camera with the full API) on loopback."""

    def __init__(
        self,
        *,
        mode: str = "daemon",
        username: str = "admin",
        password: str = "open:cam/p@ss",
        uuid: str = "6f1c2a3e-8d4b-4e5f-9a7b-0c1d2e3f4a5b",
    ) -> None:
        """Set up the camera; `mode` is "daemon" (the real opencamd) or "full"."""
        if mode not in ("daemon", "full"):
            raise ValueError(mode)
        self.mode = mode
        self.username = username
        self.password = password
        self.basic_form = "both"
        self.basic_devices: list[str] = []
        self.uuid = uuid
        self.boot_time = datetime.now(UTC) - timedelta(days=3, hours=4, minutes=5)
        self.uptime_form = "seconds"
        self.resolution = f"1920{TIMES}1080"
        self.fps = 15
        self.video_size = (320, 240)
        self.video_codec = "H.264"
        self.audio_codec = "G.711"
        self.firmware = "1.0.1"
        self.sdcard_free = 23
        self.sdcard_total = 32
        self.ice_servers = ["stun.l.google.com:19302"]
        self.live_configs: list[list[str]] = []
        self.recordings = default_recordings(datetime.now(UTC))
        self.recording_now = False
        self.vod_requests: list[tuple[datetime, datetime]] = []
        self.vod_cap_seconds = 3
        self.vod_container = "mp4"
        self.requests: Counter[str] = Counter()
        self.fail: dict[str, int | str] = {}
        self.token_ttl = 3600.0
        self.tokens: dict[str, float] = {}
        self.answer_delay = 0.0
        self.sessions: list[LiveSession] = []
        self.frames_sent = 0
        self._stopping = False
        self._closing: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.url = ""
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving (any free port by default); return the base URL."""
        allow_loopback_ice()
        self._stopping = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.host, self.port = host, sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        return self.url

    async def stop(self) -> None:
        """Close every live session and stop serving."""
        self._stopping = True
        if self._closing:
            await asyncio.wait(self._closing)
        await self.close_sessions()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def close_sessions(self) -> None:
        """Close every peer connection (the viewers see the camera go away).

        aiortc's connecting task of a peer connection unwinds a few loop turns after
        close() (its DTLS start fails then): wait for it, so that no task outlives stop().
        """
        pcs = [session.pc for session in self.sessions if session.pc is not None]
        for pc in pcs:
            await pc.close()
        if tasks := _tasks_of(pcs):
            await asyncio.wait(tasks, timeout=2)

    @property
    def uptime(self) -> int:
        """Return the seconds since boot."""
        return int((datetime.now(UTC) - self.boot_time).total_seconds())

    @uptime.setter
    def uptime(self, seconds: int) -> None:
        self.boot_time = datetime.now(UTC) - timedelta(seconds=seconds)

    def recorded(self) -> list[tuple[datetime, datetime]]:
        """Return what VOD can serve: `recordings`, the last one going on to now when
        `recording_now` is set (a camera that records all the time)."""
        spans = sorted(self.recordings)
        if self.recording_now and spans:
            spans[-1] = (spans[-1][0], max(spans[-1][1], datetime.now(UTC)))
        return spans

    def reboot(self) -> None:
        """Restart: uptime from zero, tokens dropped, live sessions closed."""
        self.boot_time = datetime.now(UTC)
        self.tokens.clear()
        self._closing.add(asyncio.get_running_loop().create_task(self.close_sessions()))

    def expire_tokens(self) -> None:
        """Make every token handed out so far invalid."""
        self.tokens.clear()

    # -- HTTP framework (go-swagger's behaviour) --------------------------------------

    @staticmethod
    def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response(
            {"code": status, "message": message}, status=status, headers=headers
        )

    def _cors(self, response: web.StreamResponse, request: web.Request) -> None:
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        if path == "/swagger.json" and request.method == "GET":
            return await self._faulted("swagger", request) or web.json_response(swagger_spec())
        if path in ("/api/v1/docs", "/api/v1/docs/") and request.method == "GET":
            return await self._faulted("docs", request) or web.Response(
                text=DOCS_HTML, content_type="text/html"
            )
        if not path.startswith("/api/v1/"):
            self.requests["unknown"] += 1
            return self._error(404, f"path {path} was not found")
        sub = path[len("/api/v1") :]
        if request.method == "OPTIONS":
            return web.Response(
                headers={
                    "Access-Control-Allow-Origin": request.headers.get("Origin", "*"),
                    "Access-Control-Allow-Methods": "OPTIONS, POST",
                    "Access-Control-Allow-Headers": "Content-Type, X-Token",
                }
            )
        matches = [(op, m) for op in OPERATIONS if (m := op.pattern.match(sub))]
        if not matches:
            self.requests["unknown"] += 1
            return self._error(404, f"path {path} was not found")
        found = [(op, m) for op, m in matches if op.method == request.method]
        if not found:
            self.requests["unknown"] += 1
            allowed = sorted({op.method for op, _ in matches})
            return self._error(
                405,
                f"method {request.method} is not allowed, but [{','.join(allowed)}] are",
                {"Allow": ",".join(allowed)},
            )
        op, match = found[0]
        self.requests[op.key] += 1
        if denied := self._authenticate(op, request):
            return denied
        if op.key in JSON_BODY and request.content_type != "application/json":
            return self._error(
                415,
                f'unsupported media type "{request.content_type}", '
                "only [application/json] are allowed",
            )
        if faulted := await self._faulted(op.key, request):
            return faulted
        if self.mode == "daemon" and op.key != "session":
            return web.json_response(
                f"operation {op.tag}.{op.operation_id} has not yet been implemented", status=501
            )
        handler = getattr(self, f"_op_{op.key}")
        response: web.StreamResponse = await handler(request, **match.groupdict())
        self._cors(response, request)
        return response

    def _authenticate(self, op: Operation, request: web.Request) -> web.Response | None:
        """Return the 401 (or 400) an unauthenticated request gets, or None."""
        if op.security == "basic":
            decoded = _basic(request.headers.get("Authorization", ""))
            if decoded is None:
                return web.json_response(UNAUTHENTICATED, status=401)
            if self.mode == "full" and not self._credentials_ok(decoded):
                return self._error(400, "invalid username/password supplied")
            return None
        token = request.headers.get("x-token", "")
        if not token:
            return web.json_response(UNAUTHENTICATED, status=401)
        if self.mode == "full":
            until = self.tokens.get(token)
            if until is None or until <= time.time():
                self.tokens.pop(token, None)
                return web.json_response(UNAUTHENTICATED, status=401)
        return None

    def _credentials_ok(self, decoded: str) -> bool:
        plain = f"{self.username}:{self.password}"
        if self.basic_form in ("plain", "both") and decoded == plain:
            return True
        if self.basic_form in ("device", "both") and decoded.startswith(plain + ":"):
            device = decoded[len(plain) + 1 :]
            if device and ":" not in device:
                self.basic_devices.append(device)
                return True
        return False

    async def _faulted(self, key: str, request: web.Request) -> web.StreamResponse | None:
        """Answer with the fault set for this endpoint, if any ("timeout" waits first)."""
        fault = self.fail.get(key)
        if fault is None:
            return None
        if fault == "timeout":
            # Tests clear `fail` directly (a plain dict): look again every 20 ms.
            while self.fail.get(key) == "timeout" and not self._stopping:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            return None if self.fail.get(key) is None else await self._faulted(key, request)
        if fault == "drop":
            return _drop(request)
        if fault == "notjson":
            return web.Response(
                text="<html><body>Bad Gateway</body></html>", content_type="text/html"
            )
        if isinstance(fault, int):
            if fault == 500:
                return web.json_response({}, status=500)
            return self._error(fault, "simulated failure")
        return None  # handled by the operation itself ("notanswer", "json", "truncate")

    # -- operations (full mode, and the session in both) ------------------------------

    async def _op_token(self, request: web.Request) -> web.Response:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.token_ttl
        return web.json_response({"access_token": token, "valid_until": self._until(token)})

    def _until(self, token: str) -> str:
        return _iso(datetime.fromtimestamp(self.tokens[token], UTC))

    async def _op_refresh(self, request: web.Request) -> web.Response:
        token = request.headers["x-token"]
        self.tokens[token] = time.time() + self.token_ttl
        return web.json_response({"valid_until": self._until(token)})

    async def _op_logout(self, request: web.Request) -> web.Response:
        self.tokens.pop(request.headers["x-token"], None)
        return web.json_response({})

    async def _op_user(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            return self._error(400, 'parsing body body from "" failed')
        return web.json_response({})

    async def _op_reset(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if not isinstance(body, str | int) or not str(body):
            return self._error(400, 'parsing body body from "" failed')
        self.password = str(body)
        return web.json_response({})

    async def _op_device(self, request: web.Request) -> web.Response:
        uptime = (
            int(self.boot_time.timestamp()) if self.uptime_form == "boot_epoch" else self.uptime
        )
        return web.json_response(
            {
                "uuid": self.uuid,
                "uptime": uptime,
                "resolution": self.resolution,
                "fps": self.fps,
                "video_codec": self.video_codec,
                "audio_codec": self.audio_codec,
            }
        )

    async def _op_system(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "firmwareVersion": self.firmware,
                "sdcard_free": self.sdcard_free,
                "sdcard_total": self.sdcard_total,
                "live_session_config": {"ice_servers": list(self.ice_servers)},
            }
        )

    async def _op_upgrade(self, request: web.Request) -> web.Response:
        if not request.content_type.startswith("multipart/"):
            return self._error(
                415,
                f'unsupported media type "{request.content_type}", '
                "only [multipart/form-data] are allowed",
            )
        await request.read()
        return web.json_response({})

    async def _op_live_config(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        servers = body.get("ice_servers") if isinstance(body, dict) else None
        if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
            return self._error(400, "ice_servers in body must be of type array of strings")
        self.ice_servers = list(servers)
        self.live_configs.append(list(servers))
        return web.json_response({})

    async def _op_vod(self, request: web.Request, start: str, end: str) -> web.StreamResponse:
        first, last = _parse_time(start), _parse_time(end)
        if first is None or last is None:
            bad = start if first is None else end
            return self._error(400, f"{bad!r} is not an ISO 8601 time")
        if last <= first:
            return self._error(400, "end must be after start")
        self.vod_requests.append((first, last))
        recorded = sum(
            (min(last, to) - max(first, since)).total_seconds()
            for since, to in self.recorded()
            if since < last and to > first
        )
        if recorded <= 0:
            return self._error(404, "nothing recorded between these times")
        if self.fail.get("vod") == "json":
            return web.json_response({"code": 500, "message": "storage error"})
        seconds = max(1, min(self.vod_cap_seconds, round(recorded)))
        body = vod_clip(seconds, *self.video_size, container_format=self.vod_container)
        mime = VOD_CONTAINERS[self.vod_container]
        if self.fail.get("vod") == "truncate":
            response = web.StreamResponse(
                headers={"Content-Type": mime, "Content-Length": str(len(body))}
            )
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        return web.Response(body=body, content_type=mime)

    async def _op_session(self, request: web.Request) -> web.StreamResponse:
        try:
            body = json.loads(await request.text())
        except ValueError as err:
            return self._error(400, f'parsing body body from "" failed, because {err}')
        if not isinstance(body, dict):
            return self._error(400, 'parsing body body from "" failed, because not an object')
        until = body.get("valid_until")
        if until is not None and not (
            isinstance(until, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", until)
        ):
            return self._error(
                400,
                f'parsing body body from "" failed, because parsing time "{until}" as '
                '"2006-01-02": cannot parse',
            )
        sdp, kind = body.get("sdp"), body.get("type")
        if kind != "offer" or not isinstance(sdp, str) or not sdp.strip():
            return web.json_response({}, status=500)
        if not offers_h264(sdp):
            return _drop(request)  # the daemon panics: "codec is not supported by remote"
        session = LiveSession(offer=sdp)
        try:
            answer = await self._answer(session)
        except Exception:  # the daemon turns any error into 500 {}
            if session.pc is not None:
                await session.pc.close()
            return web.json_response({}, status=500)
        self.sessions.append(session)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        kind = "offer" if self.fail.get("session") == "notanswer" else "answer"
        return web.json_response({"sdp": answer, "type": kind, "valid_until": ZERO_DATE})

    async def _answer(self, session: LiveSession) -> str:
        """Answer an offer with one sendonly H.264 track, after gathering candidates."""
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        session.pc = pc
        # Made before the offer is applied, so that the offer's first video section takes
        # it and negotiates H.264 only.
        video = pc.addTransceiver(SyntheticVideo(self, session), direction="sendonly")
        video.setCodecPreferences(
            [c for c in RTCRtpSender.getCapabilities("video").codecs if c.name == "H264"]
        )
        await pc.setRemoteDescription(RTCSessionDescription(sdp=session.offer, type="offer"))
        for transceiver in pc.getTransceivers():
            if transceiver is not video:
                transceiver.direction = "inactive"  # no audio: the daemon has no source
        await pc.setLocalDescription(await pc.createAnswer())
        session.answer = pc.localDescription.sdp
        return session.answer


def _tasks_of(pcs: list[RTCPeerConnection]) -> list[asyncio.Task[Any]]:
    """Return the pending tasks running a method of one of these peer connections."""
    found = []
    for task in asyncio.all_tasks():
        frame = getattr(task.get_coro(), "cr_frame", None)
        if frame is not None and any(frame.f_locals.get("self") is pc for pc in pcs):
            found.append(task)
    return found


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _basic(header: str) -> str | None:
    """Return the decoded ``user:password…`` of a Basic header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if ":" in decoded else None


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError:
        return None


def swagger_spec() -> dict[str, Any]:
    """Return the Swagger 2.0 document the camera serves (the spec of the documents)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "tags": [op.tag],
            "operationId": op.operation_id,
            "security": [{"basicAuth": []}] if op.security == "basic" else [{"key": []}],
            "responses": {"200": {"description": "successful operation"}},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "type": "string"}
            for name in re.findall(r"\{(\w+)\}", op.path)
        ]
        if op.key in JSON_BODY:
            parameters.append({"name": "body", "in": "body", "required": True, "schema": {}})
        if parameters:
            entry["parameters"] = parameters
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "swagger": "2.0",
        "info": {
            "title": "OpenCamera",
            "description": "Open Camera APIs to provide a secure / open security camera solution.",
            "version": "1.0.0",
        },
        "basePath": "/api/v1",
        "schemes": ["http"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "basicAuth": {"type": "basic"},
            "key": {"type": "apiKey", "in": "header", "name": "x-token"},
        },
        "paths": paths,
    }


DOCS_HTML = (
    "<!DOCTYPE html><html><head><title>OpenCamera API documentation</title></head>"
    '<body><div id="swagger-ui"></div><script>/* Swagger UI for /swagger.json */</script>'
    "</body></html>"
)
