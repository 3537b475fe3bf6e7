"""Remux recordings a browser cannot play to MP4, without re-encoding.

Which are remuxed goes by the media type the vendor client gave the recording
(`MediaLocation.mime_type`, from the vendor's word or the body's first bytes), each read by
its FFmpeg demuxer (`REMUX_DEMUXERS`), through PyAV, which Home Assistant's ``stream``
integration brings:

- Dahua DAV (``dhav``): H.264 or H.265, and sometimes G.711 or AAC sound, in Dahua's own
  frames;
- MPEG-TS (``mpegts``);
- raw H.264 or H.265 (Annex B: ``h264``, ``hevc``), which carries no timestamps: each
  packet is one picture, timed at the rate the stream declares (its VUI timing), else at
  FFmpeg's guess (25 per second).

The pictures are copied as they are into an MP4 (``faststart``, so it plays while it
loads), their times made to start at 0 (decode and display times both, so B-frames keep
their order); sound that MP4 cannot carry (G.711, PCM, MPEG-TS's AC-3) is left out. This is
blocking work on files: run it in the executor.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from http import HTTPStatus
from pathlib import Path
import shutil
from tempfile import mkdtemp
import time

import aiohttp
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback

DAV_MIME = "video/x-dahua-dav"
MP2T_MIME = "video/mp2t"
H264_MIME = "video/h264"
H265_MIME = "video/h265"
REMUX_DEMUXERS = {DAV_MIME: "dhav", MP2T_MIME: "mpegts", H264_MIME: "h264", H265_MIME: "hevc"}
"""The media types the proxy remuxes to MP4, and the FFmpeg demuxer of each."""
_RAW_RATE = 25
"""Pictures per second of a raw stream that declares none (FFmpeg's guess too)."""
_MP4_AUDIO = frozenset({"aac", "mp3"})
_MP4_VIDEO = frozenset({"h264", "hevc", "mpeg4", "mjpeg"})


class RemuxError(Exception):
    """The file could not be read in its format or written as MP4."""


def needs_remux(mime_type: str | None) -> bool:
    """Return True for a recording the proxy serves as an MP4 copy."""
    return mime_type in REMUX_DEMUXERS


def remux_dav_to_mp4(source: Path, target: Path) -> None:
    """Copy the video (and MP4-compatible sound) of a DAV file into an MP4 file."""
    remux_to_mp4(source, target, DAV_MIME)


def remux_to_mp4(source: Path, target: Path, mime_type: str) -> None:
    """Copy the video (and MP4-compatible sound) of a recording into an MP4 file."""
    demuxer = REMUX_DEMUXERS.get(mime_type)
    if demuxer is None:
        raise RemuxError(f"no remux for {mime_type}")
    try:
        import av  # noqa: PLC0415 - heavy, and only needed here, in the executor
    except ImportError as err:  # pragma: no cover - Home Assistant's stream brings PyAV
        raise RemuxError("PyAV is not installed (Home Assistant's stream brings it)") from err

    try:
        with (
            av.open(str(source), format=demuxer) as recording,
            av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as mp4,
        ):
            streams = {
                stream.index: mp4.add_stream_from_template(stream)
                for stream in recording.streams
                if (stream.type == "video" and stream.codec_context.name in _MP4_VIDEO)
                or (stream.type == "audio" and stream.codec_context.name in _MP4_AUDIO)
            }
            if not any(stream.type == "video" for stream in streams.values()):
                raise RemuxError("no video that MP4 can carry")
            # Recorded times are the recorder's clock: the copy starts at 0 instead.
            first: Fraction | None = None
            last: dict[int, int] = {}
            counted: Counter[int] = Counter()
            for packet in recording.demux(*(recording.streams[i] for i in streams)):
                if packet.size == 0 or packet.time_base is None:
                    continue
                index = packet.stream.index
                dts = packet.dts if packet.dts is not None else packet.pts
                pts = packet.pts if packet.pts is not None else dts
                if dts is None or pts is None:  # a raw stream: one picture a packet
                    rate = packet.stream.average_rate or packet.stream.guessed_rate or _RAW_RATE
                    dts = pts = round(counted[index] / rate / packet.time_base)
                    counted[index] += 1
                if first is None:
                    first = dts * packet.time_base
                offset = round(first / packet.time_base)
                dts, pts = dts - offset, pts - offset
                if dts < 0 or dts <= last.get(index, -1):
                    continue  # a timestamp that went back (clock change): drop the frame
                last[index] = dts
                packet.dts, packet.pts = dts, max(pts, dts)
                packet.stream = streams[index]
                mp4.mux(packet)
    except av.FFmpegError as err:
        raise RemuxError(str(err)) from err


@dataclass(slots=True)
class _Copy:
    path: Path
    size: int
    made_at: float


class Remuxer:
    """MP4 copies of one entry's recordings, made on first play and kept for a while.

    The browser asks for a recording many times (ranges as it seeks), so each copy is kept
    for `KEEP_SECONDS`, in a folder of the system's temporary files that goes when the
    entry is unloaded. The disk they take is bounded: a download larger than `MAX_BYTES`
    is given up, and copies beyond `MAX_BYTES` together go, oldest first, but never one
    that a request is sending. Requests for one recording share one download and remux;
    what a failed one left on disk is removed.
    """

    KEEP_SECONDS = 600.0
    MAX_BYTES = 1 << 30

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing on disk."""
        self._hass = hass
        self._folder: Path | None = None
        self._made: dict[tuple[str, ...], _Copy] = {}
        self._making: dict[tuple[str, ...], asyncio.Task[None]] = {}
        self._users: Counter[tuple[str, ...]] = Counter()
        self._serial = 0
        self._unlisten: CALLBACK_TYPE | None = None

    async def async_acquire(
        self,
        key: tuple[str, ...],
        open_source: Callable[[], Awaitable[aiohttp.ClientResponse]],
        mime_type: str = DAV_MIME,
    ) -> Path:
        """Return the MP4 copy of a recording, fetching and remuxing it if needed.

        `mime_type` says what the recording is (one of `REMUX_DEMUXERS`).

        The copy is held (never evicted) until `release` is called with the same key.
        """
        copy = self._made.get(key)
        if copy is None or (
            time.monotonic() - copy.made_at >= self.KEEP_SECONDS and not self._users[key]
        ):
            task = self._making.get(key)
            if task is None:
                task = self._hass.async_create_background_task(
                    self._async_produce(key, open_source, mime_type), "omnicam remux"
                )
                self._making[key] = task
            # Shielded: one request that goes away does not stop the others' copy.
            await asyncio.shield(task)
            if (copy := self._made.get(key)) is None:  # pragma: no cover - closed meanwhile
                raise RemuxError("the copy was removed")
        self._users[key] += 1
        await self._async_evict()
        return copy.path

    @callback
    def release(self, key: tuple[str, ...]) -> None:
        """Let a copy go that a request no longer sends."""
        self._users[key] -= 1
        if self._users[key] <= 0:
            del self._users[key]

    def disk_bytes(self) -> int:
        """Return the bytes the copies take."""
        return sum(copy.size for copy in self._made.values())

    async def _async_produce(
        self,
        key: tuple[str, ...],
        open_source: Callable[[], Awaitable[aiohttp.ClientResponse]],
        mime_type: str,
    ) -> None:
        try:
            old = self._made.pop(key, None)
            if old is not None:
                await self._async_unlink(old.path)
            path, size = await self._async_make(open_source, mime_type)
            self._made[key] = _Copy(path, size, time.monotonic())
        finally:
            self._making.pop(key, None)
        await self._async_evict(keep=key)

    async def _async_make(
        self, open_source: Callable[[], Awaitable[aiohttp.ClientResponse]], mime_type: str
    ) -> tuple[Path, int]:
        hass = self._hass
        if self._folder is None:
            self._folder = Path(await hass.async_add_executor_job(mkdtemp, None, "omnicam-"))
            self._unlisten = hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_STOP, self._async_stopping
            )
        self._serial += 1
        source = self._folder / f"{self._serial}.src"
        target = self._folder / f"{self._serial}.mp4"
        try:
            await self._async_download(open_source, source)
            await hass.async_add_executor_job(remux_to_mp4, source, target, mime_type)
            size = (await hass.async_add_executor_job(target.stat)).st_size
        except BaseException:
            await asyncio.shield(self._async_unlink(target))
            raise
        finally:
            await asyncio.shield(self._async_unlink(source))
        return target, size

    async def _async_download(
        self, open_source: Callable[[], Awaitable[aiohttp.ClientResponse]], source: Path
    ) -> None:
        hass = self._hass
        response = await open_source()
        try:
            if response.status != HTTPStatus.OK:
                raise RemuxError(f"the recording was not served (HTTP {response.status})")
            file = await hass.async_add_executor_job(source.open, "wb")
            written = 0
            try:
                async for chunk in response.content.iter_chunked(1 << 20):
                    written += len(chunk)
                    if written > self.MAX_BYTES:
                        raise RemuxError(
                            f"the recording is larger than the {self.MAX_BYTES >> 20} MB "
                            "kept for playback"
                        )
                    await hass.async_add_executor_job(file.write, chunk)
            finally:
                await hass.async_add_executor_job(file.close)
        finally:
            response.release()

    async def _async_unlink(self, path: Path) -> None:
        await self._hass.async_add_executor_job(partial(path.unlink, missing_ok=True))

    async def _async_evict(self, keep: tuple[str, ...] | None = None) -> None:
        """Remove expired copies, then the oldest until the rest fit `MAX_BYTES`.

        A copy a request is sending stays; so does `keep` (just made for its requests).
        """
        now = time.monotonic()
        total = self.disk_bytes()
        for key in sorted(self._made, key=lambda k: self._made[k].made_at):
            copy = self._made[key]
            expired = now - copy.made_at >= self.KEEP_SECONDS
            if (not expired and total <= self.MAX_BYTES) or key == keep or self._users[key]:
                continue
            del self._made[key]
            total -= copy.size
            await self._async_unlink(copy.path)

    async def _async_stopping(self, event: Event) -> None:
        self._unlisten = None
        await self.async_close()

    async def async_close(self) -> None:
        """Stop every copy being made; remove every copy and the folder."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for task in list(self._making.values()):
            task.cancel()
        self._made.clear()
        self._users.clear()
        if self._folder is not None:
            await self._hass.async_add_executor_job(
                partial(shutil.rmtree, self._folder, ignore_errors=True)
            )
            self._folder = None
