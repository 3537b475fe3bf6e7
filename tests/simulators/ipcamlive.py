"""IPCamLive JSON API v2 simulator (``vendor-docs/ipcamlive-json-api-v2.txt``).

All eleven functions with the ``result``/``errcode`` envelope and the error codes -1, -2,
-3 and -100; the streaming servers' HLS playlists, snapshots, storage files and time-lapse
clips are served by the same app. Where the document is silent the simulator assumes, like
the client:

- Basic (``B``) cameras answer -3 to stream info, storage, time-lapse and PIN functions.
- Standard (``S``) cameras answer -100 to the PIN functions (not sufficient service type).
- Storage and time-lapse answer -100 on cameras where they are not switched on.
- A disconnected camera answers -100 to ``getstreaminfo``; HLS and snapshot URLs are always
  given (the streaming server answers 404 until the camera sends video).
- An unknown alias is -2, like an invalid secret.

Faults for tests: ``fail`` makes every API call answer with an HTTP 500, a hang, malformed
JSON, an HTML page or a bad envelope until it is cleared; ``storage_fail`` makes the storage
server answer recordings with a 404, a 500, a body cut off in the middle (``"truncate"``), or
an empty body without a Content-Type (``"empty"``).

Odd answers for tests: ``override[function] = (status, body)`` makes that API function
answer with the HTTP status and body (a ``str`` is sent as it is, anything else as JSON)
before the secret and the alias are checked, until the key is removed; a path under
``/api/v2/`` that is no API function can be given an answer this way too.
``storage_base`` replaces the scheme and host of the storage file URLs that
``getcamerastoragefiles`` hands out (e.g. a closed port: the storage server is unreachable).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import time
from typing import Any

from aiohttp import web

from .media import SEGMENT_SECONDS, mp4_clip, ranged, snapshot_jpeg, ts_segment


@dataclass
class SimCamera:
    """One simulated camera."""

    alias: str
    name: str
    servicetype: str = "P"
    enabled: bool = True
    connected: bool = True
    server_online: bool = True
    storage: bool = True
    timelapse: bool = True
    pinlock: bool = False
    pincodes: str = ""
    source_url: str = "rtsp://viewer:camera-password@192.0.2.10:554/live"
    server: int = 21
    files: list[dict[str, str]] = field(default_factory=list)


def _files(count: int, start: datetime) -> list[dict[str, str]]:
    rows = []
    for i in range(count):
        begin = start + timedelta(minutes=15 * i)
        end = begin + timedelta(minutes=14, seconds=55)
        name = f"S{begin:%Y%m%d%H%M%S}_E{end:%Y%m%d%H%M%S}.mp4"
        rows.append(
            {
                "fileid": str(141600 + i),
                "name": name,
                "fromdate": f"{begin:%Y-%m-%d %H:%M:%S}",
                "todate": f"{end:%Y-%m-%d %H:%M:%S}",
                "filesize": str(30 + i),
            }
        )
    return rows


def default_cameras() -> list[SimCamera]:
    """Return the cameras of the demo and the tests."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    return [
        SimCamera(
            "55c9f405218d1",
            "Front Garden",
            "P",
            pinlock=True,
            pincodes="6108:Pin-1;8471:Pin-2",
            files=_files(6, start),
        ),
        SimCamera(
            "55f1d712e8195",
            "<b>Parking &amp; Gate</b>",
            "S",
            files=_files(3, start),
            timelapse=False,
        ),
        SimCamera("5a0c1b2d3e4f5", "Workshop", "B", storage=False, timelapse=False),
        SimCamera("5b9e8d7c6b5a4", "Old Barn", "U", enabled=False, connected=False, storage=False),
    ]


class IPCamLiveSimulator:
    """A running IPCamLive API on loopback."""

    FEATURES = {
        "getstreaminfo": "stream",
        "gettimelapseurl": "timelapse",
        "getcamerapins": "pins",
        "setcamerapins": "pins",
        "getcamerastorageinfo": "storage",
        "getcamerastoragefiles": "storage",
    }

    def __init__(
        self, secret: str = "sim-secret-0123456789abcdef", cameras: list[SimCamera] | None = None
    ) -> None:
        """Set up the simulated account."""
        self.secret = secret
        self.cameras = {
            cam.alias: cam for cam in (cameras if cameras is not None else default_cameras())
        }
        self.requests: Counter[str] = Counter()
        self._fail: str | None = None
        self._released = asyncio.Event()
        self.draw_snapshots = True
        self.storage_fail: str | None = None
        self.storage_base: str | None = None
        self.override: dict[str, tuple[int, Any]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.app = web.Application()
        self.app.router.add_get("/api/v2/{function}", self._api)
        self.app.router.add_get("/streams/{server}/{alias}/stream.m3u8", self._playlist)
        self.app.router.add_get("/streams/{server}/{alias}/segment{n}.ts", self._segment)
        self.app.router.add_get("/streams/{server}/{alias}/snapshot.jpg", self._snapshot)
        self.app.router.add_get("/storages/{alias}/{name}", self._storage_file)
        self.app.router.add_get("/timelapse/{alias}/{day}.mp4", self._timelapse)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; return the base URL."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        self.fail = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def fail(self) -> str | None:
        """Return the fault every API call answers with, if any."""
        return self._fail

    @fail.setter
    def fail(self, fault: str | None) -> None:
        self._fail = fault
        if fault == "timeout":
            self._released.clear()
        else:
            self._released.set()

    def move_stream(self, alias: str) -> None:
        """Move a camera's stream to another streaming server: its URLs change."""
        self.cameras[alias].server += 1

    # -- API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        function = request.match_info["function"]
        self.requests[function] += 1
        if function in self.override:
            status, body = self.override[function]
            if isinstance(body, str):
                return web.Response(status=status, text=body)
            return web.json_response(body, status=status)
        if self.fail == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.fail == "timeout":
            await self._released.wait()  # hang until the fault is cleared
            return web.Response(status=503)
        if self.fail == "malformed":
            return web.Response(
                text='{"result": "ok", "data": {"cam', content_type="application/json"
            )
        if self.fail == "html":
            return web.Response(
                text="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
            )
        if self.fail == "envelope":
            return web.json_response(["ok"])
        query = request.query
        if query.get("apisecret") != self.secret:
            return self._err(-2)
        handler = getattr(self, f"_fn_{function}", None)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        if function == "getcameras":
            return handler(request)
        alias = query.get("alias")
        if not alias:
            return self._err(-1)
        camera = self.cameras.get(alias)
        if camera is None:
            return self._err(-2)
        feature = self.FEATURES.get(function)
        if feature and camera.servicetype == "B":
            return self._err(-3)
        if feature == "pins" and camera.servicetype == "S":
            return self._err(-100)
        if feature == "storage" and not camera.storage:
            return self._err(-100)
        if feature == "timelapse" and not camera.timelapse:
            return self._err(-100)
        return handler(request, camera)

    @staticmethod
    def _ok(data: Any = None) -> web.Response:
        body: dict[str, Any] = {"result": "ok"}
        if data is not None:
            body["data"] = data
        return web.json_response(body)

    @staticmethod
    def _err(code: int) -> web.Response:
        return web.json_response({"result": "err", "errcode": code})

    def _base(self, request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    def _fn_getcameras(self, request: web.Request) -> web.Response:
        return self._ok(
            {
                "cameras": [
                    {
                        "alias": cam.alias,
                        "name": cam.name,
                        "servicetype": cam.servicetype,
                        "url": cam.source_url,
                        "enabled": "1" if cam.enabled else "0",
                    }
                    for cam in self.cameras.values()
                ]
            }
        )

    def _fn_getcamerastate(self, request: web.Request, cam: SimCamera) -> web.Response:
        return self._ok(
            {"servicetype": cam.servicetype, "streamavailable": "1" if cam.connected else "0"}
        )

    def _fn_getserverstate(self, request: web.Request, cam: SimCamera) -> web.Response:
        return self._ok({"state": "online" if cam.server_online else "offline"})

    def _fn_getstreaminfo(self, request: web.Request, cam: SimCamera) -> web.Response:
        if not cam.connected:
            return self._err(-100)
        return self._ok(
            {
                "video": {
                    "width": "1280",
                    "height": "720",
                    "format": "h264",
                    "fps": "24.87",
                    "keyinterval": "41.80",
                },
                "audio": {"bitrate": "64000", "samplerate": "8000", "format": "PCMU"},
                "bandwidth": {"mbps": "0.81"},
            }
        )

    def _fn_getstreamhlsurl(self, request: web.Request, cam: SimCamera) -> web.Response:
        return self._ok(
            {"url": f"{self._base(request)}/streams/s{cam.server}/{cam.alias}/stream.m3u8"}
        )

    def _fn_getsnapshoturl(self, request: web.Request, cam: SimCamera) -> web.Response:
        return self._ok(
            {"url": f"{self._base(request)}/streams/s{cam.server}/{cam.alias}/snapshot.jpg"}
        )

    def _fn_gettimelapseurl(self, request: web.Request, cam: SimCamera) -> web.Response:
        day = request.query.get("date", "longlapse")
        if day != "longlapse":
            try:
                datetime.strptime(day, "%Y-%m-%d")
            except ValueError:
                return self._err(-1)
        return self._ok({"url": f"{self._base(request)}/timelapse/{cam.alias}/{day}.mp4"})

    def _fn_getcamerapins(self, request: web.Request, cam: SimCamera) -> web.Response:
        return self._ok({"pinlockenabled": "1" if cam.pinlock else "0", "pincodes": cam.pincodes})

    def _fn_setcamerapins(self, request: web.Request, cam: SimCamera) -> web.Response:
        enabled, codes = request.query.get("pinlockenabled"), request.query.get("pincodes")
        if enabled not in ("0", "1") or codes is None:
            return self._err(-1)
        for part in filter(None, codes.split(";")):
            if not part.partition(":")[0].isdigit():
                return self._err(-1)
        cam.pinlock, cam.pincodes = enabled == "1", codes
        return self._ok()

    def _fn_getcamerastorageinfo(self, request: web.Request, cam: SimCamera) -> web.Response:
        files = cam.files
        return self._ok(
            {
                "storageinfo": {
                    "totalsize": str(sum(int(f["filesize"]) for f in files)),
                    "fromdate": files[0]["fromdate"] if files else "",
                    "todate": files[-1]["todate"] if files else "",
                    "filecount": str(len(files)),
                }
            }
        )

    def _fn_getcamerastoragefiles(self, request: web.Request, cam: SimCamera) -> web.Response:
        base = self.storage_base or self._base(request)
        return self._ok(
            {
                "storageinfo": [
                    {
                        "fileid": f["fileid"],
                        "url": f"{base}/storages/{cam.alias}/{f['name']}",
                        "fromdate": f["fromdate"],
                        "todate": f["todate"],
                        "filesize": f["filesize"],
                    }
                    for f in cam.files
                ]
            }
        )

    # -- streaming servers -------------------------------------------------------------

    def _live(self, request: web.Request) -> SimCamera:
        cam = self.cameras.get(request.match_info["alias"])
        if cam is None or request.match_info["server"] != f"s{cam.server}" or not cam.connected:
            raise web.HTTPNotFound
        return cam

    async def _playlist(self, request: web.Request) -> web.Response:
        """A live playlist: a window of the three newest 2-second segments."""
        self._live(request)
        self.requests["hls"] += 1
        newest = int(time.time() // SEGMENT_SECONDS) - 1
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
            f"#EXT-X-MEDIA-SEQUENCE:{newest - 2}",
        ]
        for index in range(newest - 2, newest + 1):
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.0,", f"segment{index}.ts"]
        return web.Response(
            text="\n".join(lines) + "\n", content_type="application/vnd.apple.mpegurl"
        )

    async def _segment(self, request: web.Request) -> web.Response:
        cam = self._live(request)
        index = int(request.match_info["n"])
        body = await asyncio.get_running_loop().run_in_executor(None, ts_segment, index, cam.alias)
        return web.Response(body=body, content_type="video/mp2t")

    async def _snapshot(self, request: web.Request) -> web.Response:
        cam = self._live(request)
        self.requests["snapshot"] += 1
        label = cam.name.replace("<b>", "").replace("</b>", "").replace("&amp;", "&")
        return web.Response(
            body=snapshot_jpeg(label, draw=self.draw_snapshots), content_type="image/jpeg"
        )

    async def _storage_file(self, request: web.Request) -> web.Response:
        cam = self.cameras.get(request.match_info["alias"])
        if cam is None or not any(f["name"] == request.match_info["name"] for f in cam.files):
            raise web.HTTPNotFound
        self.requests["storage_file"] += 1
        if self.storage_fail == "404":
            raise web.HTTPNotFound
        if self.storage_fail == "500":
            raise web.HTTPInternalServerError
        if self.storage_fail == "empty":
            return web.Response(status=200)
        if self.storage_fail == "truncate":
            body = mp4_clip()
            response = web.StreamResponse(
                headers={"Content-Type": "video/mp4", "Content-Length": str(len(body))}
            )
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        return ranged(request, mp4_clip(), "video/mp4")

    async def _timelapse(self, request: web.Request) -> web.Response:
        if request.match_info["alias"] not in self.cameras:
            raise web.HTTPNotFound
        self.requests["timelapse_file"] += 1
        return ranged(request, mp4_clip(), "video/mp4")
