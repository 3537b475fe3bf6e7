"""Stills from cameras without a snapshot call: video frames decoded and encoded as JPEG.

The WebRTC capture runs against the OpenCamera simulator (a real aiortc peer sending H.264);
the cache against captures that count their calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
import io
import logging
import re
from typing import Any

import aiohttp
import aiortc
import av
import numpy as np
import pytest

from custom_components.omnicam.vendors import stills
from custom_components.omnicam.vendors.errors import (
    BadResponse,
    CannotConnect,
    Unavailable,
    VendorError,
)
from custom_components.omnicam.vendors.stills import (
    StillCache,
    capture_webrtc_still,
    decode_last_still,
    decode_still,
    placeholder_jpeg,
)
from tests.conftest import wait_for
from tests.simulators import opencamera as simulator
from tests.simulators.opencamera import OpenCameraSimulator

WIDTH, HEIGHT = 160, 96
RED = (220, 30, 30)
GREEN = (30, 200, 30)
BLUE = (30, 30, 220)


def _picture(colour: tuple[int, int, int]) -> av.VideoFrame:
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    frame[:, :] = colour
    return av.VideoFrame.from_ndarray(frame, format="rgb24")


def make_clip(
    container: str,
    colours: list[tuple[int, int, int]],
    *,
    gop: int = 10,
    codec: str = "libx264",
) -> bytes:
    """Encode one picture per colour into a real clip (MP4, MPEG-TS or raw Annex B)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = gop
        options = {"sc_threshold": "0"}  # key frames every gop only
        if codec == "libx265":
            # One thread, no lookahead pool: x265's threads now and then hand the MP4 muxer
            # a flushed packet it refuses ("patches welcome"), a flaky test.
            options["x265-params"] = "pools=none:frame-threads=1:log-level=error"
        stream.codec_context.options = options
        for colour in colours:
            output.mux(stream.encode(_picture(colour)))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def picture_of(jpeg: bytes) -> np.ndarray[Any, Any]:
    """Decode a JPEG (it must be one) into RGB pixels."""
    assert jpeg.startswith(b"\xff\xd8")
    assert jpeg.rstrip(b"\0").endswith(b"\xff\xd9")
    with av.open(io.BytesIO(jpeg), format="image2pipe") as image:
        assert image.streams.video[0].codec_context.name == "mjpeg"
        frame = next(image.decode(video=0))
    return frame.to_ndarray(format="rgb24")


def colour_of(jpeg: bytes) -> tuple[int, int, int]:
    """Decode a JPEG (it must be one) of the clips' size and give its mean colour."""
    pixels = picture_of(jpeg)
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    mean = pixels.reshape(-1, 3).mean(axis=0)
    return (round(mean[0]), round(mean[1]), round(mean[2]))


def assert_near(actual: tuple[int, int, int], expected: tuple[int, int, int]) -> None:
    """A lossy round trip keeps a flat colour within a few steps."""
    assert all(abs(a - e) <= 12 for a, e in zip(actual, expected, strict=True)), actual


# First second red, the rest green, the very end blue: the first picture is red, the last
# key frame (every 10th picture) is blue.
COLOURS = [RED] * 10 + [GREEN] * 10 + [BLUE] * 12


@pytest.mark.parametrize("container", ["mp4", "mpegts", "h264"])
def test_first_and_last_picture(container: str) -> None:
    """Each container gives its first picture and its last key frame as a JPEG."""
    clip = make_clip(container, COLOURS)
    assert_near(colour_of(decode_still(clip)), RED)
    assert_near(colour_of(decode_last_still(clip)), BLUE)


def test_last_key_frame_not_the_last_picture() -> None:
    """The last key frame is taken, not the last picture after it."""
    clip = make_clip("mpegts", [RED] * 10 + [GREEN] * 5 + [BLUE] * 5)
    assert_near(colour_of(decode_last_still(clip)), GREEN)


def test_one_frame_mp4() -> None:
    """A one-frame MP4 preview (as AIPIX serves) decodes; H.265 too."""
    assert_near(colour_of(decode_still(make_clip("mp4", [GREEN]))), GREEN)
    hevc = make_clip("mp4", [BLUE], codec="libx265")
    assert_near(colour_of(decode_still(hevc)), BLUE)
    assert_near(colour_of(decode_last_still(hevc)), BLUE)


def test_odd_size_picture() -> None:
    """A picture of odd width and height still encodes (cropped by one pixel)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="h264") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 101, 75, "yuv444p"
        picture = np.full((75, 101, 3), 128, np.uint8)
        output.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        output.mux(stream.encode(None))
    assert picture_of(decode_still(buffer.getvalue())).shape == (74, 100, 3)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"code":500,"message":"no recording"}',
        bytes(range(256)) * 40,
        b"\x00\x00\x00\x01" + bytes(2000),
    ],
    ids=["empty", "html", "json", "noise", "annexb-zeros"],
)
def test_garbage(garbage: bytes) -> None:
    """Bytes that hold no picture give BadResponse, from both calls."""
    with pytest.raises(BadResponse):
        decode_still(garbage)
    with pytest.raises(BadResponse):
        decode_last_still(garbage)


def test_damaged_pictures() -> None:
    """A clip whose pictures are all damaged (the container intact) gives BadResponse."""
    damaged = bytearray(make_clip("mpegts", COLOURS))
    for start in range(400, len(damaged), 188):  # TS packets, headers kept, payloads zeroed
        damaged[start + 10 : start + 100] = bytes(90)
    with pytest.raises(BadResponse, match="no picture decodes"):
        decode_still(bytes(damaged))
    with pytest.raises(BadResponse, match="no key frame decodes"):
        decode_last_still(bytes(damaged))


def test_sound_only() -> None:
    """A file with sound and no video gives BadResponse."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mpegts") as output:
        stream = output.add_stream("mp2", rate=48000)
        samples = np.zeros((1, 1152), np.int16)
        for index in range(5):
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = 48000
            frame.pts = index * 1152
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    with pytest.raises(BadResponse, match="no video"):
        decode_still(buffer.getvalue())


@pytest.mark.parametrize("container", ["mp4", "mpegts", "h264"])
def test_truncated(container: str) -> None:
    """A clip cut off before its first picture ends gives BadResponse; cut later, it decodes."""
    clip = make_clip(container, COLOURS)
    with pytest.raises(BadResponse):
        decode_still(clip[:200])
    with pytest.raises(BadResponse):
        decode_last_still(clip[:200])
    if container != "mp4":  # MP4 keeps its index at the end: cut, it does not open
        # Cut in the last key frame's middle: the key frame before it is taken.
        assert_near(colour_of(decode_still(clip[: len(clip) * 3 // 4])), RED)
        assert colour_of(decode_last_still(clip[: len(clip) * 3 // 4])) != BLUE


# -- WebRTC capture against a real aiortc sender (the OpenCamera simulator) -------------------


class RecordedPeerConnection(aiortc.RTCPeerConnection):
    """aiortc's peer connection, remembered so a test can see it was closed."""

    made: list[RecordedPeerConnection] = []  # reset by the fixture

    def __init__(self, configuration: aiortc.RTCConfiguration | None = None) -> None:
        """Make the peer connection and remember it."""
        super().__init__(configuration)
        self.configuration = configuration
        RecordedPeerConnection.made.append(self)


@pytest.fixture
def peers(monkeypatch: pytest.MonkeyPatch) -> list[RecordedPeerConnection]:
    """Record the peer connections the capture makes."""
    RecordedPeerConnection.made = []
    monkeypatch.setattr(aiortc, "RTCPeerConnection", RecordedPeerConnection)
    return RecordedPeerConnection.made


@pytest.fixture
async def http(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """An HTTP session for posting offers."""
    async with aiohttp.ClientSession() as session:
        yield session


def exchanger(http: aiohttp.ClientSession, sim: OpenCameraSimulator) -> Any:
    """Post an offer to the simulated camera's live session, as a vendor client does."""

    async def exchange(offer: str) -> str:
        try:
            async with http.post(
                f"{sim.url}/api/v1/media/live/session",
                json={"type": "offer", "sdp": offer},
                headers={"x-token": "still"},
            ) as reply:
                if reply.status != 200:
                    raise VendorError(reply.status, "offer refused")
                answer = await reply.json()
        except aiohttp.ClientError as err:
            raise CannotConnect(str(err)) from err
        return str(answer["sdp"])

    return exchange


def assert_closed(peers: list[RecordedPeerConnection]) -> None:
    """Every peer connection the capture made is closed."""
    assert peers
    assert all(pc.connectionState == "closed" for pc in peers), [pc.connectionState for pc in peers]


async def test_webrtc_still(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
) -> None:
    """A short session gives a real picture; the offer was complete; everything is closed."""
    jpeg = await capture_webrtc_still(exchanger(http, opencamera_sim))
    pixels = picture_of(jpeg)
    width, height = opencamera_sim.video_size
    assert pixels.shape == (height, width, 3)
    assert pixels.std() > 10  # the simulator's gradient and bar, not a flat grey
    assert opencamera_sim.frames_sent >= 1
    [session] = opencamera_sim.sessions
    # Gathered before it was sent (the daemon takes no trickled candidates); video only,
    # receive-only, H.264.
    assert "a=candidate:" in session.offer
    assert "m=audio" not in session.offer
    assert "a=recvonly" in session.offer
    assert "H264/90000" in session.offer
    assert "VP8" not in session.offer
    assert len(peers) == 1
    assert peers[0].configuration is not None
    assert peers[0].configuration.iceServers == []
    assert_closed(peers)
    # The camera sees the session end and stops sending.
    await wait_for(lambda: session.state in ("closed", "failed"), 10)


async def test_webrtc_still_ice_servers(
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
) -> None:
    """The ICE servers given reach the peer connection."""

    async def refused(offer: str) -> str:
        raise VendorError(500, "offer refused")

    with pytest.raises(VendorError):
        await capture_webrtc_still(refused, ice_servers=["stun:127.0.0.1:9"], timeout=10)
    assert peers[0].configuration is not None
    [server] = peers[0].configuration.iceServers
    assert server.urls == ["stun:127.0.0.1:9"]
    assert_closed(peers)


async def test_webrtc_still_offer_refused(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
) -> None:
    """The exchange's typed error passes through; the peer connection is closed."""
    opencamera_sim.fail["session"] = 500
    with pytest.raises(VendorError):
        await capture_webrtc_still(exchanger(http, opencamera_sim))
    assert_closed(peers)


@pytest.mark.parametrize(
    "answer", ["", "   ", "not an SDP at all", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\n"]
)
async def test_webrtc_still_bad_answer(
    answer: str, socket_enabled: None, peers: list[RecordedPeerConnection]
) -> None:
    """An answer that is no usable SDP gives BadResponse; the peer connection is closed."""

    async def exchange(offer: str) -> str:
        return answer

    with pytest.raises(BadResponse):
        await capture_webrtc_still(exchange)
    assert_closed(peers)


async def test_webrtc_still_timeout(
    socket_enabled: None, peers: list[RecordedPeerConnection]
) -> None:
    """A camera that does not answer in time: Unavailable, and the peer connection closed."""

    async def exchange(offer: str) -> str:
        await asyncio.sleep(30)
        return ""

    with pytest.raises(Unavailable, match=r"0\.5 s"):
        await capture_webrtc_still(exchange, timeout=0.5)
    assert_closed(peers)


async def test_webrtc_still_no_video(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
) -> None:
    """Peers that cannot reach each other: Unavailable within the timeout."""
    exchange = exchanger(http, opencamera_sim)

    def unreachable(sdp: str) -> str:
        return "\r\n".join(
            line.replace("127.0.0.1", "192.0.2.1") if line.startswith("a=candidate") else line
            for line in sdp.split("\r\n")
        )

    async def blocked(offer: str) -> str:
        # Neither side's candidates lead anywhere: no connection, no picture.
        return unreachable(await exchange(unreachable(offer)))

    with pytest.raises(Unavailable, match="no picture"):
        await capture_webrtc_still(blocked, timeout=2)
    assert_closed(peers)


async def test_webrtc_still_connection_fails(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
) -> None:
    """A connection that fails (the camera's port is closed) gives Unavailable at once."""
    exchange = exchanger(http, opencamera_sim)

    def no_candidates(sdp: str) -> str:
        return "\r\n".join(line for line in sdp.split("\r\n") if not line.startswith("a=cand"))

    def closed_port(sdp: str) -> str:
        # a=candidate:FOUNDATION COMPONENT PROTOCOL PRIORITY ADDRESS PORT typ ...
        return "\r\n".join(
            re.sub(r"^(a=candidate:\S+ \d+ \S+ \d+ \S+) \d+", r"\1 9", line)
            for line in sdp.split("\r\n")
        )

    async def refused(offer: str) -> str:
        return closed_port(await exchange(no_candidates(offer)))

    started = asyncio.get_running_loop().time()
    with pytest.raises(Unavailable, match="connection to the camera failed"):
        await capture_webrtc_still(refused, timeout=30)
    assert asyncio.get_running_loop().time() - started < 10
    assert_closed(peers)


async def _no_pictures(self: object) -> av.VideoFrame:
    """A simulated camera's track that never gives a picture."""
    await asyncio.sleep(3600)
    raise AssertionError


def _connected(sim: OpenCameraSimulator) -> bool:
    """Tell whether the simulated camera's (only) session is connected."""
    return bool(sim.sessions) and sim.sessions[0].state == "connected"


async def test_webrtc_still_camera_hangs_up(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera that ends the session before any picture: Unavailable at once."""

    monkeypatch.setattr(simulator.SyntheticVideo, "recv", _no_pictures)
    task = asyncio.create_task(capture_webrtc_still(exchanger(http, opencamera_sim)))
    await wait_for(lambda: _connected(opencamera_sim), 10)
    await opencamera_sim.close_sessions()
    with pytest.raises(Unavailable, match="ended its video"):
        await asyncio.wait_for(task, 5)
    assert_closed(peers)


async def test_webrtc_still_cancelled(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    peers: list[RecordedPeerConnection],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled mid-session, the capture closes its peer connection and leaves no task."""
    monkeypatch.setattr(simulator.SyntheticVideo, "recv", _no_pictures)
    task = asyncio.create_task(capture_webrtc_still(exchanger(http, opencamera_sim)))
    await wait_for(lambda: _connected(opencamera_sim), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_closed(peers)
    # Nothing of the session is left running (HA's harness also fails lingering tasks).
    assert not [t for t in asyncio.all_tasks() if stills._task_of(t, peers[0])]


# -- The cache ------------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at 1000 s."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the time."""
        return self.now


class Camera:
    """A capture that counts its calls, can be held, and can fail."""

    def __init__(self) -> None:
        """Start with a working camera."""
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.error: Exception | None = None

    async def capture(self) -> bytes:
        """Take a 'still': its number, unless told to fail."""
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return f"still {self.calls}".encode()


async def test_cache_one_capture_for_many_callers() -> None:
    """Ten callers at once get the same still from one capture."""
    cache = StillCache(max_age=60)
    camera = Camera()
    camera.gate = asyncio.Event()
    callers = [asyncio.create_task(cache.get("cam", camera.capture)) for _ in range(10)]
    await asyncio.sleep(0.01)
    camera.gate.set()
    assert await asyncio.gather(*callers) == [b"still 1"] * 10
    assert camera.calls == 1
    # Another camera has its own capture.
    assert await cache.get("other", camera.capture) == b"still 2"


async def test_cache_max_age() -> None:
    """A still is served until it is max_age old, then captured again; its time is kept."""
    clock = Clock()
    cache = StillCache(max_age=60, clock=clock)
    camera = Camera()
    assert cache.taken_at("cam") is None
    assert cache.cached("cam") is None
    before = datetime.now(UTC)
    assert await cache.get("cam", camera.capture) == b"still 1"
    first = cache.taken_at("cam")
    assert first is not None
    assert before <= first <= datetime.now(UTC)
    clock.now += 59
    assert await cache.get("cam", camera.capture) == b"still 1"
    assert camera.calls == 1
    clock.now += 2
    assert await cache.get("cam", camera.capture) == b"still 2"
    second = cache.taken_at("cam")
    assert second is not None
    assert second >= first
    # A fresh picture on request (max_age 0), e.g. a snapshot asked for by hand.
    assert await cache.get("cam", camera.capture, max_age=0) == b"still 3"
    assert cache.cached("cam") == b"still 3"
    cache.forget("cam")
    assert cache.taken_at("cam") is None


async def test_cache_capture_time_from_capture() -> None:
    """A capture that says when its picture was taken (a recording's end) sets taken_at."""
    cache = StillCache()
    shown = datetime(2026, 12, 3, 14, 15, 7, tzinfo=UTC)

    async def capture() -> tuple[bytes, datetime]:
        return b"recorded", shown

    assert await cache.get("cam", capture) == b"recorded"
    assert cache.taken_at("cam") == shown


async def test_cache_failure_placeholder_then_previous(caplog: pytest.LogCaptureFixture) -> None:
    """A failed capture serves the placeholder, later the previous still; retried later."""
    clock = Clock()
    cache = StillCache(max_age=10, retry_after=30, clock=clock)
    camera = Camera()
    camera.error = Unavailable("camera away")
    placeholder = await asyncio.get_running_loop().run_in_executor(None, placeholder_jpeg)
    caplog.set_level(logging.DEBUG, logger=stills.__name__)
    assert await cache.get("cam", camera.capture) == placeholder
    assert cache.taken_at("cam") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["No new still from camera cam: camera away"]
    # Within retry_after: no new attempt (no session every few seconds to a camera away).
    clock.now += 20
    assert await cache.get("cam", camera.capture) == placeholder
    assert camera.calls == 1
    # Later: tried again, still failing, logged at debug level only this time.
    clock.now += 11
    assert await cache.get("cam", camera.capture) == placeholder
    assert camera.calls == 2
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    # A capture asked for by hand is tried at once.
    camera.error = None
    assert await cache.get("cam", camera.capture, max_age=0) == b"still 3"
    assert "Stills from camera cam work again" in caplog.text
    # The camera goes away again: the previous still is served, not the placeholder.
    camera.error = BadResponse("truncated video")
    clock.now += 11
    assert await cache.get("cam", camera.capture) == b"still 3"
    assert cache.taken_at("cam") is not None
    assert camera.calls == 4


async def test_cache_unexpected_error() -> None:
    """An unexpected error in a capture is a failed capture too, not an error for callers."""
    cache = StillCache()
    camera = Camera()
    camera.error = RuntimeError("bug")
    assert await cache.get(
        "cam", camera.capture
    ) == await asyncio.get_running_loop().run_in_executor(None, placeholder_jpeg)


async def test_cache_caller_cancelled() -> None:
    """A caller that goes away does not cancel the capture others wait for."""
    cache = StillCache()
    camera = Camera()
    camera.gate = asyncio.Event()
    first = asyncio.create_task(cache.get("cam", camera.capture))
    second = asyncio.create_task(cache.get("cam", camera.capture))
    await asyncio.sleep(0.01)
    first.cancel()
    camera.gate.set()
    assert await second == b"still 1"
    assert first.cancelled()
    assert camera.calls == 1


async def test_cache_close_cancels_captures() -> None:
    """Closing the cache (the entry unloads) cancels a capture under way."""
    cache = StillCache()
    camera = Camera()
    camera.gate = asyncio.Event()
    caller = asyncio.create_task(cache.get("cam", camera.capture))
    await asyncio.sleep(0.01)
    await cache.async_close()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert cache.cached("cam") is None
    await cache.async_close()  # nothing under way: nothing to do


def test_placeholder() -> None:
    """The placeholder is a real JPEG, drawn (not flat), made once."""
    jpeg = placeholder_jpeg()
    assert placeholder_jpeg() is jpeg
    pixels = picture_of(jpeg)
    assert pixels.shape == (360, 640, 3)
    assert pixels.std() > 5
    # Dark and neutral: a grey picture, no colour.
    assert pixels.mean() < 80
    assert np.abs(pixels[..., 0].astype(int) - pixels[..., 2]).mean() < 12
