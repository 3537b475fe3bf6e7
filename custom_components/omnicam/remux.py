"""Remux Dahua DAV recordings to MP4, without re-encoding, so that browsers can play them.

DAV holds H.264 or H.265 (and sometimes G.711 or AAC sound) in Dahua's own frames; FFmpeg's
``dhav`` demuxer reads it, through PyAV, which Home Assistant's ``stream`` integration
brings. The pictures are copied as they are into an MP4 (``faststart``, so it plays while
it loads); sound that MP4 cannot carry (G.711, PCM) is left out. This is blocking work on
files: run it in the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from fractions import Fraction
from functools import partial
from http import HTTPStatus
from pathlib import Path
import shutil
from tempfile import mkdtemp
import time

import aiohttp
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant

DAV_MIME = "video/x-dahua-dav"
_MP4_AUDIO = frozenset({"aac", "mp3"})
_MP4_VIDEO = frozenset({"h264", "hevc", "mpeg4", "mjpeg"})


class RemuxError(Exception):
    """The file could not be read as DAV or written as MP4."""


def remux_dav_to_mp4(source: Path, target: Path) -> None:
    """Copy the video (and MP4-compatible sound) of a DAV file into an MP4 file."""
    try:
        import av  # noqa: PLC0415 - heavy, and only needed here, in the executor
    except ImportError as err:  # pragma: no cover - Home Assistant's stream brings PyAV
        raise RemuxError("PyAV is not installed (Home Assistant's stream brings it)") from err

    try:
        with (
            av.open(str(source), format="dhav") as dav,
            av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as mp4,
        ):
            streams = {
                stream.index: mp4.add_stream_from_template(stream)
                for stream in dav.streams
                if (stream.type == "video" and stream.codec_context.name in _MP4_VIDEO)
                or (stream.type == "audio" and stream.codec_context.name in _MP4_AUDIO)
            }
            if not any(stream.type == "video" for stream in streams.values()):
                raise RemuxError("no video that MP4 can carry")
            # DAV times are the recorder's clock: the copy starts at 0 instead.
            first: Fraction | None = None
            last: dict[int, int] = {}
            for packet in dav.demux(*(dav.streams[i] for i in streams)):
                if packet.size == 0 or packet.pts is None or packet.time_base is None:
                    continue
                index = packet.stream.index
                if first is None:
                    first = packet.pts * packet.time_base
                pts = packet.pts - round(first / packet.time_base)
                if pts < 0 or pts <= last.get(index, -1):
                    continue  # a timestamp that went back (clock change): drop the frame
                last[index] = pts
                # DAV has no B-frames: decode order is time order.
                packet.pts = packet.dts = pts
                packet.stream = streams[index]
                mp4.mux(packet)
    except av.FFmpegError as err:
        raise RemuxError(str(err)) from err


class Remuxer:
    """MP4 copies of one entry's DAV recordings, made on first play and kept for a while.

    The browser asks for a recording many times (ranges as it seeks), so each copy is kept
    for `KEEP_SECONDS` and at most `KEEP_FILES` are on disk at once, in a folder of the
    system's temporary files that goes when the entry is unloaded.
    """

    KEEP_SECONDS = 600.0
    KEEP_FILES = 4

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing on disk."""
        self._hass = hass
        self._folder: Path | None = None
        self._made: dict[tuple[str, ...], tuple[float, Path]] = {}
        self._locks: dict[tuple[str, ...], asyncio.Lock] = {}
        self._serial = 0
        self._unlisten: CALLBACK_TYPE | None = None

    async def async_mp4(
        self,
        key: tuple[str, ...],
        open_source: Callable[[], Awaitable[aiohttp.ClientResponse]],
    ) -> Path:
        """Return the MP4 copy of a recording, fetching and remuxing it if needed."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            made = self._made.get(key)
            if made is not None and time.monotonic() - made[0] < self.KEEP_SECONDS:
                return made[1]
            path = await self._async_make(open_source)
            self._made[key] = (time.monotonic(), path)
        await self._async_evict()
        return path

    async def _async_make(
        self, open_source: Callable[[], Awaitable[aiohttp.ClientResponse]]
    ) -> Path:
        hass = self._hass
        if self._folder is None:
            self._folder = Path(await hass.async_add_executor_job(mkdtemp, None, "omnicam-"))
            self._unlisten = hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_STOP, self._async_stopping
            )
        self._serial += 1
        source = self._folder / f"{self._serial}.dav"
        target = self._folder / f"{self._serial}.mp4"
        response = await open_source()
        try:
            if response.status != HTTPStatus.OK:
                raise RemuxError(f"the recording was not served (HTTP {response.status})")
            file = await hass.async_add_executor_job(source.open, "wb")
            try:
                async for chunk in response.content.iter_chunked(1 << 20):
                    await hass.async_add_executor_job(file.write, chunk)
            finally:
                await hass.async_add_executor_job(file.close)
        finally:
            response.release()
        try:
            await hass.async_add_executor_job(remux_dav_to_mp4, source, target)
        finally:
            await hass.async_add_executor_job(partial(source.unlink, missing_ok=True))
        return target

    async def _async_evict(self) -> None:
        now = time.monotonic()
        newest = sorted(self._made, key=lambda k: self._made[k][0], reverse=True)
        old = [
            key
            for n, key in enumerate(newest)
            if n >= self.KEEP_FILES or now - self._made[key][0] >= self.KEEP_SECONDS
        ]
        for key in old:
            _, path = self._made.pop(key)
            self._locks.pop(key, None)
            await self._hass.async_add_executor_job(partial(path.unlink, missing_ok=True))

    async def _async_stopping(self, event: Event) -> None:
        self._unlisten = None
        await self.async_close()

    async def async_close(self) -> None:
        """Remove every copy and the folder."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._made.clear()
        if self._folder is not None:
            await self._hass.async_add_executor_job(
                partial(shutil.rmtree, self._folder, ignore_errors=True)
            )
            self._folder = None
