"""Amcrest / Dahua HTTP CGI simulator (``vendor-docs/amcrest-http-api-excerpt.txt`` and
``amcrest-api-notes.md``): a camera, or an NVR with N channels, on loopback.

Behaves like the real devices the notes describe, and like the client assumes:

- HTTP Digest (MD5, ``qop="auth"``, realm ``Login to <serial>``, ``opaque``, a fresh nonce
  and ``Connection: close`` on every 401). The digest ``uri`` must equal the request-target
  byte for byte. Nonces expire after `nonce_ttl` seconds (or at `expire_nonces`): a
  correct answer on an old nonce gets ``stale=TRUE``. `basic_only` makes it an old
  firmware that challenges with Basic. `spurious_401` answers that many correctly
  authenticated requests with a 401 anyway (sessions running out under load).
- Bodies are ``key=value`` lines with CRLF; errors are ``Error\\r\\nErrorID=N, Detail=…``
  (HTTP 200) or HTTP 400 ``Error\\r\\nBad Request!`` for what the device lacks.
- Live video: a real RTSP server (`rtsp`, tests/simulators/rtsp.py) on the port
  ``getConfig&name=RTSP`` names, serving H.264 on ``cam/realmonitor?channel=N&subtype=M``
  to the device's user with Digest, started and stopped with the device.
- Channels are 1-based for RTSP, snapshots, PTZ and the finder (``snapshot_zero_based``
  and ``finder_zero_based`` make an old single-lens camera that wants 0); event ``index``
  and config ``[i]`` are 0-based. ``channel=0`` snapshots on an NVR are refused with 400.
- ``getConfig&name=Network`` names the host and, per interface in `macs`, its address and
  ``PhysicalAddress`` (the MAC; by default ``9c:8e:cd:`` and three bytes from the serial);
  with `macs` empty it answers 400, as firmware without that config.
- PTZ: channels in `ptz_channels` answer caps ``Pan``/``Tile``/``Zoom`` true, those in
  `fixed_channels` ``Pan=false``, the others 400; `ptz_caps_fail` channels answer 500.
- The event stream is multipart with boundary ``myboundary``, a heartbeat part every
  `heartbeat_seconds` (default: what the client asks for), and the parts `emit` writes.
  (aiohttp sends it chunked, where a device sends it close-delimited: the bytes inside are
  the same.) `split_writes` writes each part in pieces of that many bytes;
  `compact_length` writes ``Content-Length:9`` without the space; `silent` stops the
  heartbeats. `drop_stream` closes every stream, `reboot` drops every connection and
  nonce and, unless asked to keep it, the state of active events.
- Recordings: `files` per channel, searched by ``mediaFileFind`` (create, findFile with
  channel, times and ``Flag[0]=Event``, findNextFile pages of at most ``count`` (≤ 100),
  close, destroy); `finders` keeps every finder with its closed/destroyed flags.
  ``RPC_Loadfile<FilePath>`` serves an MP4 clip (``.mp4``) or a real DAV clip (``.dav``) with
  ``Range``.

Faults for tests: ``fail`` = ``"500"``, ``"html"``, ``"error"`` (an ``Error`` body with HTTP
200), ``"bad_request"`` (400) or ``"timeout"`` (hang until cleared) for every CGI call after
authentication; ``override[(cgi, action)] = (status, body)`` for one action;
``findnext_fail_after`` makes ``findNextFile`` answer 500 after that many pages.
``loadfile_fail`` makes ``RPC_Loadfile`` send a whole file cut off in the middle
(``"truncate"``) or redirect to ``loadfile_redirect`` (``"redirect"``); ``loadfile_gate``
(an event) holds every whole-file answer until it is set.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import json
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from .media import dav_clip, mp4_clip, ranged, snapshot_jpeg
from .rtsp import RtspServer

BOUNDARY = "myboundary"
_AUTH_PAIR = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _kv(values: dict[str, Any]) -> str:
    return "".join(f"{key}={value}\r\n" for key, value in values.items())


@dataclass
class SimFile:
    """One recorded file of a channel."""

    start: datetime
    end: datetime
    path: str
    event: bool
    length: int = 0


@dataclass
class Finder:
    """One mediaFileFind object and what happened to it."""

    id: str
    results: list[tuple[int, SimFile]] = field(default_factory=list)
    cursor: int = 0
    pages: int = 0
    searched: bool = False
    closed: bool = False
    destroyed: bool = False


def default_files(channel: int, now: datetime, *, ext: str, count: int = 150) -> list[SimFile]:
    """Return files every 9 minutes over the last day: motion events and timed ones."""
    files = []
    first = (now - timedelta(hours=23)).replace(second=0, microsecond=0)
    for i in range(count):
        start = first + timedelta(minutes=9 * i)
        end = start + timedelta(minutes=8)
        event = i % 3 == 0
        flag = "M" if event else "R"
        path = (
            f"/mnt/dvr/{start:%Y-%m-%d}/{channel - 1:03d}/dav/{start:%H}/"
            f"{start:%H.%M.%S}-{end:%H.%M.%S}[{flag}][0@0][0]{ext}"
        )
        files.append(SimFile(start, end, path, event, 1000 + i))
    return files


class AmcrestSimulator:
    """A running Amcrest camera or NVR on loopback."""

    def __init__(
        self,
        *,
        channels: int = 4,
        serial: str = "AMC0123456789ABCD",
        username: str = "admin",
        password: str = "s3cret:p@ss/w0rd",
        time_zone: str = "UTC",
    ) -> None:
        """Set up the device; more than one channel makes it an NVR.

        `time_zone` is the device's clock: its files and its current time are local times
        of that zone (a device set up where Home Assistant is has Home Assistant's).
        """
        self.zone = ZoneInfo(time_zone)
        self.serial = serial
        self.username = username
        self.password = password
        self.channels = channels
        nvr = channels > 1
        self.model = "NV4116E-HS" if nvr else "IP4M-1041B"
        self.vendor = "Amcrest"
        self.firmware = "4.001.0000000.1.R,build:2023-04-10"
        self.machine_name = "Recorder" if nvr else "FrontDoorCam"
        self.collect = 2 if nvr else 1
        self.titles = [
            "Front Door",
            "Garage",
            "Back Yard",
            "Driveway",
            *(f"Cam{i}" for i in range(5, channels + 1)),
        ][:channels]
        self.rtsp = RtspServer(
            serial=serial, credentials=lambda: (self.username, self.password), channels=channels
        )
        """Live video of every channel (tests/simulators/rtsp.py), started with the device."""
        self.rtsp_port = 8554
        """The RTSP port the device names (``getConfig&name=RTSP``): the server's, once up."""
        digest = hashlib.md5(serial.encode()).hexdigest()  # a stable, made-up MAC
        self.macs: dict[str, str] = {
            "eth0": "9c:8e:cd:" + ":".join(digest[i : i + 2] for i in range(0, 6, 2))
        }
        """MAC address per interface (``getConfig&name=Network``); empty: 400."""
        self.hostname = serial
        self.ptz_channels: set[int] = {1, 3} if nvr else {1}
        self.fixed_channels: set[int] = {2} if nvr else set()
        self.ptz_caps_fail: set[int] = set()
        self.presets: dict[int, list[tuple[int, str]]] = {1: [(1, "Gate"), (2, "Porch")]}
        self.record_modes: dict[int, int] = {i: 0 for i in range(channels)}
        self.exposure_events: list[str] | None = ["VideoMotion", "VideoLoss", "CrossLineDetection"]
        self.snapshot_zero_based = False
        self.finder_zero_based = False
        self.draw_snapshots = False
        now = datetime.now(self.zone).replace(tzinfo=None)
        self.files: dict[int, list[SimFile]] = {
            ch: default_files(ch, now, ext=".mp4" if ch == 1 else ".dav")
            for ch in range(1, channels + 1)
        }
        self.finders: dict[str, Finder] = {}
        self.findnext_fail_after: int | None = None
        self.loadfile_fail: str | None = None
        self.loadfile_redirect = ""
        self.loadfile_gate: asyncio.Event | None = None
        self.loadfile_whole = 0
        """Whole-file ``RPC_Loadfile`` answers begun (no ``Range``)."""
        # auth
        self.basic_only = False
        self.nonce_ttl: float | None = None
        self.spurious_401 = 0
        self._nonces: dict[str, float] = {}
        self._opaque = secrets.token_hex(8)
        # events
        self.heartbeat_seconds: float | None = None
        self.split_writes: int | None = None
        self.compact_length = True
        self.silent = False
        self.active: set[tuple[str, int]] = set()
        self._streams: list[tuple[asyncio.Queue[bytes | None], web.Request]] = []
        # bookkeeping and faults
        self.log: list[str] = []
        """Every authenticated request, as path and query (raw)."""
        self.requests: Counter[str] = Counter()
        """Every request, authenticated or not, by ``cgi.action``."""
        self.unauthorized = 0
        self.override: dict[tuple[str, str], tuple[int, str]] = {}
        self._fail: str | None = None
        self._released = asyncio.Event()
        self._released.set()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.host = "127.0.0.1"
        self.port = 0
        self.app = web.Application()
        self.app.router.add_get("/cgi-bin/RPC_Loadfile/{tail:.*}", self._loadfile)
        self.app.router.add_get("/cgi-bin/{cgi}", self._cgi)

    async def start(self, host: str = "127.0.0.1", port: int = 0, rtsp_port: int = 0) -> str:
        """Start serving (RTSP on `rtsp_port`, any free one by default); return the base URL."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.host, self.port = host, sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.rtsp_port = await self.rtsp.start(host, rtsp_port)
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        self.fail = None
        self.drop_stream()
        await self.rtsp.stop()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def fail(self) -> str | None:
        """Return the fault every CGI call answers with, if any."""
        return self._fail

    @fail.setter
    def fail(self, fault: str | None) -> None:
        self._fail = fault
        if fault == "timeout":
            self._released.clear()
        else:
            self._released.set()

    @property
    def open_finders(self) -> list[Finder]:
        """Return the finders not yet closed and destroyed."""
        return [f for f in self.finders.values() if not (f.closed and f.destroyed)]

    @property
    def stream_count(self) -> int:
        """Return how many event streams are open."""
        return len(self._streams)

    def ptz_log(self) -> list[str]:
        """Return the PTZ commands (start/stop), as sent."""
        return [
            line
            for line in self.log
            if line.startswith(("/cgi-bin/ptz.cgi?action=start", "/cgi-bin/ptz.cgi?action=stop"))
        ]

    # -- authentication --------------------------------------------------------------

    def expire_nonces(self) -> None:
        """Make every nonce handed out so far stale."""
        self._nonces.clear()

    def _challenge(self, *, stale: bool = False) -> web.Response:
        self.unauthorized += 1
        realm = f"Login to {self.serial}"
        if self.basic_only:
            header = f'Basic realm="{realm}"'
        else:
            nonce = secrets.token_hex(16)
            self._nonces[nonce] = asyncio.get_running_loop().time()
            header = (
                f'Digest realm="{realm}", qop="auth", nonce="{nonce}", '
                f'opaque="{self._opaque}", stale={"TRUE" if stale else "FALSE"}'
            )
        return web.Response(
            status=401,
            text="Error\r\nErrorID=0, Detail=Invalid Authority!\r\n",
            headers={"WWW-Authenticate": header, "Connection": "close"},
        )

    def _authorize(self, request: web.Request) -> web.Response | None:
        """Return a 401 answer, or None when the request is authenticated."""
        header = request.headers.get("Authorization", "")
        scheme, _, rest = header.partition(" ")
        if self.basic_only:
            import base64

            try:
                user, _, password = base64.b64decode(rest).decode().partition(":")
            except ValueError:
                return self._challenge()
            if scheme.lower() != "basic" or (user, password) != (self.username, self.password):
                return self._challenge()
        else:
            if scheme.lower() != "digest":
                return self._challenge()
            pairs = {m.group(1): m.group(2) or m.group(3) or "" for m in _AUTH_PAIR.finditer(rest)}
            if (
                pairs.get("username") != self.username
                or pairs.get("realm") != f"Login to {self.serial}"
                or pairs.get("uri") != request.raw_path
                or pairs.get("qop") != "auth"
                or pairs.get("opaque") != self._opaque
            ):
                return self._challenge()
            ha1 = _md5(f"{self.username}:{pairs['realm']}:{self.password}")
            ha2 = _md5(f"{request.method}:{pairs['uri']}")
            nonce = pairs.get("nonce", "")
            expected = _md5(
                f"{ha1}:{nonce}:{pairs.get('nc', '')}:{pairs.get('cnonce', '')}:auth:{ha2}"
            )
            if pairs.get("response") != expected:
                return self._challenge()
            issued = self._nonces.get(nonce)
            now = asyncio.get_running_loop().time()
            if issued is None or (self.nonce_ttl is not None and now - issued > self.nonce_ttl):
                self._nonces.pop(nonce, None)
                return self._challenge(stale=True)
        if self.spurious_401 > 0:
            self.spurious_401 -= 1
            return self._challenge()
        return None

    # -- CGI ---------------------------------------------------------------------------

    @staticmethod
    def _ok(values: dict[str, Any] | None = None) -> web.Response:
        return web.Response(text=_kv(values) if values else "OK\r\n", content_type="text/plain")

    @staticmethod
    def _error(code: int = 2, detail: str = "Invalid Request!") -> web.Response:
        return web.Response(
            text=f"Error\r\nErrorID={code}, Detail={detail}\r\n", content_type="text/plain"
        )

    @staticmethod
    def _bad_request() -> web.Response:
        return web.Response(status=400, text="Error\r\nBad Request!\r\n", content_type="text/plain")

    async def _cgi(self, request: web.Request) -> web.StreamResponse:
        cgi = request.match_info["cgi"]
        action = request.query.get("action", "")
        self.requests[f"{cgi.removesuffix('.cgi')}.{action}"] += 1
        if (denied := self._authorize(request)) is not None:
            return denied
        self.log.append(request.raw_path)
        if (cgi, action) in self.override:
            status, body = self.override[(cgi, action)]
            return web.Response(status=status, text=body, content_type="text/plain")
        if self.fail == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.fail == "html":
            return web.Response(text="<html><body>Login</body></html>", content_type="text/html")
        if self.fail == "error":
            return self._error(5, "Server internal error!")
        if self.fail == "bad_request":
            return self._bad_request()
        if self.fail == "timeout":
            await self._released.wait()
            return web.Response(status=503)
        handler = getattr(self, "_" + cgi.removesuffix(".cgi").replace(".", "_"), None)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        result: web.StreamResponse = await handler(request, action)
        return result

    async def _magicBox(self, request: web.Request, action: str) -> web.Response:
        answers: dict[str, dict[str, Any]] = {
            "getDeviceType": {"type": self.model},
            "getSerialNo": {"sn": self.serial},
            "getMachineName": {"name": self.machine_name},
            "getSoftwareVersion": {"version": self.firmware},
            "getHardwareVersion": {"version": "1.00"},
            "getVendor": {"vendor": self.vendor},
            "getSystemInfo": {
                "deviceType": self.model,
                "processor": "S3LM",
                "serialNumber": self.serial,
                "updateSerial": self.model,
            },
        }
        if action == "getProductDefinition":
            name = request.query.get("name")
            if name == "MaxRemoteInputChannels" and self.channels > 1:
                return self._ok({"table.MaxRemoteInputChannels": self.channels})
            if name == "MaxExtraStream":
                return self._ok({"table.MaxExtraStream": 2})
            return self._bad_request()
        if action in answers:
            return self._ok(answers[action])
        return self._bad_request()

    async def _devVideoInput(self, request: web.Request, action: str) -> web.Response:
        if action == "getCollect":
            return self._ok({"result": self.collect})
        return self._bad_request()

    async def _global(self, request: web.Request, action: str) -> web.Response:
        if action == "getCurrentTime":
            return self._ok({"result": f"{datetime.now(self.zone):%Y-%-m-%-d %H:%M:%S}"})
        return self._bad_request()

    async def _configManager(self, request: web.Request, action: str) -> web.Response:
        if action == "getConfig":
            name = request.query.get("name")
            if name == "ChannelTitle":
                return self._ok(
                    {f"table.ChannelTitle[{i}].Name": t for i, t in enumerate(self.titles)}
                )
            if name == "RTSP":
                return self._ok({"table.RTSP.Enable": "true", "table.RTSP.Port": self.rtsp_port})
            if name == "Network" and self.macs:
                return self._ok(self._network())
            if name == "RecordMode" and self.record_modes:
                return self._ok(
                    {f"table.RecordMode[{i}].Mode": m for i, m in sorted(self.record_modes.items())}
                )
            return self._bad_request()
        if action == "setConfig":
            changed = False
            for key, value in request.query.items():
                if match := re.fullmatch(r"RecordMode\[(\d+)\]\.Mode", key):
                    index = int(match.group(1))
                    if index not in self.record_modes or value not in {"0", "1", "2"}:
                        return self._error(4, "Request invalid param!")
                    self.record_modes[index] = int(value)
                    changed = True
            return self._ok() if changed else self._error(4, "Request invalid param!")
        return self._bad_request()

    def _network(self) -> dict[str, Any]:
        """Return the ``Network`` config: host name, and per interface address and MAC."""
        values: dict[str, Any] = {
            "table.Network.DefaultInterface": next(iter(self.macs)),
            "table.Network.Domain": "dahua",
            "table.Network.Hostname": self.hostname,
        }
        for interface, mac in self.macs.items():
            values |= {
                f"table.Network.{interface}.DhcpEnable": "true",
                f"table.Network.{interface}.IPAddress": self.host,
                f"table.Network.{interface}.PhysicalAddress": mac,
                f"table.Network.{interface}.SubnetMask": "255.0.0.0",
            }
        return values

    async def _snapshot(self, request: web.Request, action: str) -> web.Response:
        channel = int(request.query.get("channel", "1"))
        valid = range(1) if self.snapshot_zero_based else range(1, self.channels + 1)
        if channel not in valid:
            return self._bad_request()
        label = self.titles[max(channel - 1, 0)]
        return web.Response(
            body=snapshot_jpeg(label, draw=self.draw_snapshots), content_type="image/jpeg"
        )

    async def _ptz(self, request: web.Request, action: str) -> web.Response:
        query = request.query
        try:
            channel = int(query.get("channel", ""))
        except ValueError:
            return self._error(4, "Request invalid param!")
        if action == "getCurrentProtocolCaps":
            if channel in self.ptz_caps_fail:
                return web.Response(status=500, text="Internal Server Error")
            if channel in self.ptz_channels:
                return self._ok(
                    {
                        "caps.Pan": "true",
                        "caps.Tile": "true",
                        "caps.Zoom": "true",
                        "caps.PresetMin": 1,
                        "caps.PresetMax": 80 if channel in self.presets else 0,
                        "caps.PanSpeedMax": 8,
                    }
                )
            if channel in self.fixed_channels:
                return self._ok({"caps.Pan": "false", "caps.Tile": "false", "caps.Zoom": "false"})
            return self._bad_request()
        if channel not in self.ptz_channels:
            return self._bad_request()
        if action == "getPresets":
            values: dict[str, Any] = {}
            for i, (number, name) in enumerate(self.presets.get(channel, [])):
                values[f"presets[{i}].Index"] = number
                values[f"presets[{i}].Name"] = name
                values[f"presets[{i}].Type"] = 0
            return self._ok(values)
        if action in {"start", "stop"}:
            if not query.get("code") or not {"arg1", "arg2", "arg3"} <= set(query):
                return self._error(4, "Request invalid param!")
            return self._ok()
        return self._bad_request()

    # -- events ------------------------------------------------------------------------

    def _part(self, body: bytes, trailer: bytes = b"\r\n") -> bytes:
        sep = b":" if self.compact_length else b": "
        return (
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n".encode()
            + b"Content-Length"
            + sep
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
            + trailer
        )

    def emit(
        self,
        code: str,
        action: str,
        index: int,
        data: dict[str, Any] | None = None,
        *,
        capitalised: bool = False,
    ) -> None:
        """Send an event to every open stream and keep the state of Start/Stop."""
        if action == "Start":
            self.active.add((code, index))
        elif action == "Stop":
            self.active.discard((code, index))
        keys = ("Code", "Action", "Index") if capitalised else ("Code", "action", "index")
        body = f"{keys[0]}={code};{keys[1]}={action};{keys[2]}={index}"
        if data is not None:
            body += ";data=" + json.dumps(data, indent=3) + "\n"
        self.send_raw(self._part(body.encode(), b"\r\n\r\n"))

    def send_raw(self, chunk: bytes) -> None:
        """Write bytes as they are to every open stream."""
        for queue, _ in list(self._streams):
            queue.put_nowait(chunk)

    def drop_stream(self) -> None:
        """Close every event stream's connection."""
        for _, request in list(self._streams):
            if request.transport is not None:
                request.transport.close()
        for queue, _ in list(self._streams):
            queue.put_nowait(None)

    def reboot(self, *, keep_state: bool = False) -> None:
        """Drop every connection and nonce; forget active events unless told to keep them."""
        self.drop_stream()
        self._nonces.clear()
        self._opaque = secrets.token_hex(8)
        if not keep_state:
            self.active.clear()

    async def _eventManager(self, request: web.Request, action: str) -> web.StreamResponse:
        if action == "getExposureEvents":
            if self.exposure_events is None:
                return self._bad_request()
            return self._ok({f"events[{i}]": c for i, c in enumerate(self.exposure_events)})
        if action == "getEventIndexes":
            code = request.query.get("code", "")
            indexes = sorted(index for c, index in self.active if c == code)
            if not indexes:
                return self._error(2, "Invalid Request!")
            return self._ok({f"channels[{i}]": index for i, index in enumerate(indexes)})
        if action != "attach":
            return self._bad_request()
        heartbeat = self.heartbeat_seconds or float(request.query.get("heartbeat", "5"))
        response = web.StreamResponse(
            headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        entry = (queue, request)
        self._streams.append(entry)
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    if self.silent:
                        continue
                    chunk = self._part(b"Heartbeat")
                if chunk is None:
                    break
                step = self.split_writes or len(chunk)
                for i in range(0, len(chunk), step):
                    await response.write(chunk[i : i + step])
                    if self.split_writes:
                        await asyncio.sleep(0.002)
        except (ConnectionError, RuntimeError):
            pass
        finally:
            if entry in self._streams:
                self._streams.remove(entry)
        return response

    # -- recordings ----------------------------------------------------------------------

    async def _mediaFileFind(self, request: web.Request, action: str) -> web.Response:
        query = request.query
        if action == "factory.create":
            finder = Finder(id=f"{8137 + len(self.finders):05d}")
            self.finders[finder.id] = finder
            return self._ok({"result": finder.id})
        finder = self.finders.get(query.get("object", ""))
        if finder is None or finder.destroyed:
            return self._error(4, "Request invalid param!")
        if action == "findFile":
            try:
                channel = int(query["condition.Channel"])
                start = datetime.strptime(query["condition.StartTime"], "%Y-%m-%d %H:%M:%S")
                end = datetime.strptime(query["condition.EndTime"], "%Y-%m-%d %H:%M:%S")
            except (KeyError, ValueError):
                return self._error(4, "Request invalid param!")
            number = channel + 1 if self.finder_zero_based else channel
            events_only = query.get("condition.Flag[0]") == "Event"
            finder.results = [
                (number, f)
                for f in self.files.get(number, [])
                if f.start <= end and f.end >= start and (f.event or not events_only)
            ]
            finder.searched = True
            finder.cursor = 0
            return self._ok() if finder.results else self._error(2, "Invalid Request!")
        if action == "findNextFile":
            if not finder.searched:
                return self._error(2, "Invalid Request!")
            if self.findnext_fail_after is not None and finder.pages >= self.findnext_fail_after:
                return web.Response(status=500, text="Internal Server Error")
            count = min(int(query.get("count", "100")), 100)
            page = finder.results[finder.cursor : finder.cursor + count]
            finder.cursor += len(page)
            finder.pages += 1
            values: dict[str, Any] = {"found": len(page)}
            for i, (number, f) in enumerate(page):
                item = f"items[{i}]"
                values[f"{item}.Channel"] = number - 1
                values[f"{item}.StartTime"] = f"{f.start:%Y-%m-%d %H:%M:%S}"
                values[f"{item}.EndTime"] = f"{f.end:%Y-%m-%d %H:%M:%S}"
                values[f"{item}.Type"] = "dav"
                if f.event:
                    values[f"{item}.Events[0]"] = "VideoMotion"
                    values[f"{item}.Flags[0]"] = "Event"
                else:
                    values[f"{item}.Flags[0]"] = "Timing"
                values[f"{item}.FilePath"] = f.path
                values[f"{item}.Length"] = f.length
            return self._ok(values)
        if action == "close":
            finder.closed = True
            return self._ok()
        if action == "destroy":
            finder.destroyed = True
            return self._ok()
        return self._bad_request()

    def file_by_path(self, path: str) -> SimFile | None:
        """Return the file stored at a FilePath."""
        for files in self.files.values():
            for f in files:
                if f.path == path:
                    return f
        return None

    async def _loadfile(self, request: web.Request) -> web.StreamResponse:
        self.requests["RPC_Loadfile"] += 1
        if (denied := self._authorize(request)) is not None:
            return denied
        self.log.append(request.raw_path)
        path = request.raw_path.removeprefix("/cgi-bin/RPC_Loadfile")
        found = self.file_by_path(path)
        if found is None:
            return web.Response(status=404, text="Not Found")
        body = mp4_clip() if path.endswith(".mp4") else dav_clip()
        if self.loadfile_fail == "redirect":
            raise web.HTTPFound(self.loadfile_redirect)
        if "Range" not in request.headers:
            self.loadfile_whole += 1
            if self.loadfile_gate is not None:
                await self.loadfile_gate.wait()
            if self.loadfile_fail == "truncate":
                response = web.StreamResponse(headers={"Content-Length": str(len(body))})
                await response.prepare(request)
                await response.write(body[: len(body) // 2])
                assert request.transport is not None
                request.transport.close()
                return response
        return ranged(request, body, "Application/octet-stream")
