"""Stills for cameras that have no snapshot call: one frame of a video, encoded as JPEG.

Some cameras give no still picture at all: their only pictures are videos (a recording, a
one-frame preview clip) or a live WebRTC session. This module turns those into JPEG stills,
with PyAV, which Home Assistant already brings (its ``stream`` integration): FFmpeg demuxes
MP4, MPEG-TS and raw H.264/H.265 (Annex B), decodes a frame, and its ``mjpeg`` encoder
writes the JPEG, so no imaging library is needed.

- ``decode_still`` / ``decode_last_still``: the first picture / the last key frame of a
  video held in memory. Blocking, CPU-bound work: call them in an executor.
- ``capture_webrtc_still``: Home Assistant itself opens a short WebRTC session to the camera
  (receive-only H.264 video), takes the first key frame and encodes it in the executor.
- ``StillCache``: stills per camera with a maximum age, one capture at a time per camera,
  the capture time, and the previous still (or ``placeholder_jpeg``) when a capture fails.

Why aiortc is a runtime requirement (manifest.json): it is the WebRTC peer (ICE, DTLS,
SRTP, RTP depacketising, H.264 decoding through PyAV) that ``capture_webrtc_still`` needs,
and aiortc 1.16.0 fits Home Assistant's package constraints on every release OmniCam
supports: it asks for av >=14,<20 (Home Assistant pins av 16.0.1 on 2026.2.3 and 19.0.0 on
2026.10.4), cryptography >=44 (pinned 46.0.5 / 50.0.1), pyopenssl >=25 (pinned 25.3.0 /
26.4.0), and, through aioice, ifaddr >=0.2.0 (pinned 0.2.0) and dnspython >=2; its other
dependencies (aioice, pylibsrtp, pyee, google-crc32c) are not pinned by Home Assistant and
ship as wheels. Installing it therefore never moves a package Home Assistant pins. It is
imported only when a WebRTC still is taken, in the executor, so other vendors never load it.

Like every vendor module, this one is Home Assistant free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from functools import cache
import io
import logging
import time
from typing import TYPE_CHECKING, Any, Final, cast

from .errors import BadResponse, OmniCamError, Unavailable

if TYPE_CHECKING:
    from aiortc import MediaStreamTrack, RTCPeerConnection
    import av
    import av.container
    from av.video.codeccontext import VideoCodecContext
    import av.video.frame
    import av.video.stream

_LOGGER = logging.getLogger(__name__)

_TV_RANGE: Final = 1
"""FFmpeg's limited ("TV", AVCOL_RANGE_MPEG) colour range: what a video usually holds."""

_JPEG_RANGE: Final = 2
"""FFmpeg's full ("JPEG", AVCOL_RANGE_JPEG) colour range: what a JPEG holds."""

_CLOSE_WAIT: Final = 2.0
"""Seconds to wait for aiortc's own tasks of a closed WebRTC still session to end."""

_JPEG_QUALITY: Final = {"qmin": "2", "qmax": "5"}
"""Quantiser bounds for the ``mjpeg`` encoder: a sharp still, a few hundred kB at most."""


def _open(data: bytes) -> av.container.InputContainer:
    """Open a video held in memory; FFmpeg recognises MP4, MPEG-TS and raw Annex B."""
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor

    if not data:
        raise BadResponse("no video: the body is empty")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, UnicodeDecodeError) as err:
        raise BadResponse(f"not a video we can read ({len(data)} bytes): {err}") from err
    if not container.streams.video:
        container.close()
        raise BadResponse(f"no video track in {container.format.name} ({len(data)} bytes)")
    return container


def encode_jpeg(frame: av.video.frame.VideoFrame) -> bytes:
    """Encode one decoded picture as a JPEG (blocking: run it in an executor)."""
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor
    from av.video.reformatter import VideoReformatter  # noqa: PLC0415

    width = frame.width - frame.width % 2 or 2
    height = frame.height - frame.height % 2 or 2
    try:
        encoder = cast("VideoCodecContext", av.CodecContext.create("mjpeg", "w"))
        encoder.width = width
        encoder.height = height
        encoder.pix_fmt = "yuv420p"
        encoder.color_range = _JPEG_RANGE
        encoder.time_base = Fraction(1, 25)
        encoder.options = dict(_JPEG_QUALITY)
        # A video's pictures are yuv420p in the limited ("TV") range, which a JPEG must
        # not hold as it is. Through RGB, each with a reformatter of its own: PyAV 16
        # returns a picture unconverted when its format and size are already those asked
        # for, whatever range is asked, and a frame's shared reformatter keeps the range
        # of its first use.
        source_range = _JPEG_RANGE if frame.color_range == _JPEG_RANGE else _TV_RANGE
        rgb = VideoReformatter().reformat(frame, format="rgb24", src_color_range=source_range)
        picture = VideoReformatter().reformat(
            rgb,
            width=width,
            height=height,
            format="yuv420p",
            dst_color_range=_JPEG_RANGE,  # no source range: PyAV 16 then keeps TV range
        )
        picture.pts = 0
        packets = [*encoder.encode(picture), *encoder.encode(None)]
    except (av.FFmpegError, ValueError) as err:
        raise BadResponse(f"the picture could not be encoded as JPEG: {err}") from err
    jpeg = b"".join(bytes(packet) for packet in packets)
    if not jpeg.startswith(b"\xff\xd8"):
        raise BadResponse("the JPEG encoder gave no picture")
    return jpeg


def decode_still(data: bytes) -> bytes:
    """Return the first picture of a video (MP4, MPEG-TS, raw H.264) as a JPEG.

    Blocking: run it in an executor. Raises ``BadResponse`` when the bytes hold no picture
    that decodes (garbage, an HTML page, a clip cut off before its first frame ended).
    """
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor

    container = _open(data)
    try:
        stream = container.streams.video[0]
        frame: av.video.frame.VideoFrame | None = None
        try:
            for packet in container.demux(stream):
                frame = _decode(stream, packet)
                if frame is not None:
                    break
        except av.FFmpegError as err:
            _LOGGER.debug("Video cut off after its first frames: %s", err)
        if frame is None:
            frame = _decode(stream, None)
        if frame is None:
            raise BadResponse(
                f"no picture decodes in this {container.format.name} ({len(data)} bytes)"
            )
        return encode_jpeg(frame)
    finally:
        container.close()


def decode_last_still(data: bytes) -> bytes:
    """Return the last key frame of a video (the end of a recording) as a JPEG.

    Only key frames are decoded (each stands on its own), so a long clip costs little. A key
    frame that does not decode (a recording cut off in its middle) is skipped for the one
    before. Blocking: run it in an executor. Raises ``BadResponse`` when nothing decodes.
    """
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor

    container = _open(data)
    try:
        stream = container.streams.video[0]
        last: av.video.frame.VideoFrame | None = None
        keys = 0
        try:
            for packet in container.demux(stream):
                if not packet.is_keyframe:
                    continue
                keys += 1
                frame = _decode(stream, packet)
                if frame is not None:
                    last = frame
        except av.FFmpegError as err:
            _LOGGER.debug("Video cut off after %s key frames: %s", keys, err)
        frame = _decode(stream, None)
        if frame is not None:
            last = frame
        if last is None:
            raise BadResponse(
                f"no key frame decodes in this {container.format.name} ({len(data)} bytes)"
            )
        return encode_jpeg(last)
    finally:
        container.close()


def _decode(
    stream: av.video.stream.VideoStream, packet: av.Packet | None
) -> av.video.frame.VideoFrame | None:
    """Feed one packet (None: the end) to the decoder; the last picture it gave, if any.

    A packet the decoder refuses (damaged, cut off) gives no picture and no error: the next
    one may decode.
    """
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor

    try:
        frames = stream.codec_context.decode(packet)
    except av.FFmpegError as err:
        _LOGGER.debug("A video packet did not decode: %s", err)
        return None
    return frames[-1] if frames else None


# -- A still from a short WebRTC session ----------------------------------------------------


def _load_webrtc() -> None:
    """Import aiortc (and PyAV with it): file reads that must stay out of the event loop."""
    import aiortc  # noqa: F401, PLC0415 - loaded once, in the executor


async def capture_webrtc_still(
    exchange: Callable[[str], Awaitable[str]],
    *,
    timeout: float = 15.0,  # noqa: ASYNC109 - the contract's name; applied with asyncio.timeout
    ice_servers: Sequence[str] = (),
) -> bytes:
    """Open a short WebRTC session, take its first key frame and return it as a JPEG.

    ``exchange`` posts our offer SDP to the camera and returns its answer SDP (the vendor
    client's call; its typed errors pass through unchanged). The offer is made once ICE
    gathering is complete, so it carries all our candidates (cameras that take no trickled
    candidates need that). Only H.264 video is asked for, receive-only. ``ice_servers`` are
    STUN/TURN URLs with their scheme; none by default (a camera on the local network).

    Raises ``Unavailable`` when no picture arrives within ``timeout`` seconds or the
    connection fails, ``BadResponse`` when the answer is not an SDP answer we can use. The
    peer connection is closed in every case, also when the caller is cancelled.
    """
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, _load_webrtc)
    from aiortc import (  # noqa: PLC0415 - loaded above, out of the event loop
        RTCConfiguration,
        RTCIceServer,
        RTCPeerConnection,
        RTCRtpReceiver,
    )

    servers = [RTCIceServer(urls=list(ice_servers))] if ice_servers else []
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    picture: asyncio.Future[av.video.frame.VideoFrame] = loop.create_future()
    readers: list[asyncio.Task[None]] = []

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            readers.append(loop.create_task(_first_key_frame(track, picture)))

    @pc.on("connectionstatechange")
    def _on_state() -> None:
        if pc.connectionState == "failed" and not picture.done():
            picture.set_exception(Unavailable("the WebRTC connection to the camera failed"))

    try:
        async with asyncio.timeout(timeout):
            transceiver = pc.addTransceiver("video", direction="recvonly")
            capabilities = RTCRtpReceiver.getCapabilities("video")
            codecs = capabilities.codecs if capabilities else []
            h264 = [codec for codec in codecs if codec.name == "H264"]
            transceiver.setCodecPreferences(h264)
            await pc.setLocalDescription(await pc.createOffer())
            offer = pc.localDescription.sdp
            _LOGGER.debug("WebRTC still: offer with %s candidates", offer.count("a=candidate:"))
            answer = await exchange(offer)
            await _set_answer(pc, answer)
            frame = await picture
    except TimeoutError as err:
        raise Unavailable(f"no picture from the camera's WebRTC session in {timeout:g} s") from err
    finally:
        if not picture.done():
            picture.cancel()
        elif not picture.cancelled():
            picture.exception()  # seen (a failure raced with another error): no warning
        closing = loop.create_task(_close(pc, readers))
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing  # cancelled again while closing: finish closing all the same
            raise
    _LOGGER.debug("WebRTC still: a %sx%s key frame", frame.width, frame.height)
    return await loop.run_in_executor(None, encode_jpeg, frame)


async def _set_answer(pc: RTCPeerConnection, answer: str) -> None:
    """Apply the camera's answer; an answer aiortc cannot use is a ``BadResponse``."""
    from aiortc import RTCSessionDescription  # noqa: PLC0415 - loaded by the caller

    if not isinstance(answer, str) or not answer.strip():
        raise BadResponse("the camera's WebRTC answer is empty")
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    except Exception as err:  # aiortc raises many kinds on a bad SDP
        raise BadResponse(f"the camera's WebRTC answer is not usable: {err!r}") from err


async def _first_key_frame(
    track: MediaStreamTrack, picture: asyncio.Future[av.video.frame.VideoFrame]
) -> None:
    """Read decoded pictures until a key frame comes; hand it over."""
    from aiortc.mediastreams import MediaStreamError  # noqa: PLC0415 - loaded by the caller
    import av  # noqa: PLC0415 - loaded with aiortc

    try:
        while not picture.done():
            frame = await track.recv()
            if isinstance(frame, av.VideoFrame) and frame.key_frame and not picture.done():
                picture.set_result(frame)
    except MediaStreamError:
        if not picture.done():
            picture.set_exception(Unavailable("the camera ended its video before a picture"))


async def _close(pc: RTCPeerConnection, readers: list[asyncio.Task[None]]) -> None:
    """Close the peer connection and stop reading its track."""
    for reader in readers:
        reader.cancel()
    try:
        await pc.close()
    except Exception:  # best effort: the session is over anyway
        _LOGGER.debug("Closing the WebRTC still session failed", exc_info=True)
    for reader in readers:
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    # aiortc starts the connection in a task of its own that it does not wait for on
    # close; closed, it ends within a few loop turns. Wait for it (briefly) so that no task
    # of this session outlives it.
    leftovers = [task for task in asyncio.all_tasks() if _task_of(task, pc)]
    if leftovers:
        await asyncio.wait(leftovers, timeout=_CLOSE_WAIT)


def _task_of(task: asyncio.Task[Any], pc: RTCPeerConnection) -> bool:
    """Tell whether a task runs a coroutine of this peer connection (aiortc's own tasks)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and frame.f_locals.get("self") is pc


# -- Placeholder ----------------------------------------------------------------------------


@cache
def placeholder_jpeg() -> bytes:
    """Return a neutral "no picture yet" image: a grey camera outline on a dark ground.

    Drawn with numpy and encoded once (blocking the first time: call it in an executor).
    """
    import av  # noqa: PLC0415 - heavy, and only needed here, in the executor
    import numpy as np  # noqa: PLC0415 - comes with PyAV's users (Home Assistant's stream)

    height, width = 360, 640
    rows, cols = np.mgrid[0:height, 0:width]
    image = np.empty((height, width, 3), np.uint8)
    image[:] = (38, 41, 46)
    ink = (120, 126, 134)
    # The camera's body, a rectangle with a frame 8 pixels wide.
    top, bottom, left, right = 120, 250, 230, 410
    body = (rows >= top) & (rows < bottom) & (cols >= left) & (cols < right)
    inner = (rows >= top + 8) & (rows < bottom - 8) & (cols >= left + 8) & (cols < right - 8)
    image[body & ~inner] = ink
    # The viewfinder bump on top.
    image[(rows >= top - 22) & (rows < top) & (cols >= 270) & (cols < 330)] = ink
    # The lens: a ring in the middle of the body.
    distance = np.hypot(rows - (top + bottom) / 2, cols - (left + right) / 2)
    image[(distance >= 34) & (distance < 44)] = ink
    # A slash across: no picture.
    slash = np.abs((rows - 185) - (cols - 320) * -0.55) < 5
    image[slash & (cols >= 200) & (cols < 440)] = (170, 176, 184)
    return encode_jpeg(av.VideoFrame.from_ndarray(image, format="rgb24"))


# -- Cache ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Still:
    jpeg: bytes
    taken_at: datetime
    stored: float


StillCapture = Callable[[], Awaitable[bytes | tuple[bytes, datetime]]]
"""Takes one still: its JPEG, or its JPEG and the time the picture shows."""


class StillCache:
    """Stills per camera: kept for a while, one capture at a time, a picture always.

    ``get`` returns the cached still while it is younger than ``max_age`` seconds;
    otherwise it captures a new one, and callers that come meanwhile wait for that same
    capture. A capture that fails leaves the previous still (or the placeholder) in place
    and is not tried again for ``retry_after`` seconds, so a dashboard that asks every few
    seconds does not open a session each time to a camera that is away.
    """

    def __init__(
        self,
        *,
        max_age: float = 60.0,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Keep stills ``max_age`` seconds; wait ``retry_after`` seconds after a failure."""
        self.max_age = max_age
        self.retry_after = retry_after
        self._clock = clock
        self._stills: dict[str, _Still] = {}
        self._failed: dict[str, float] = {}
        self._captures: dict[str, asyncio.Task[_Still | None]] = {}

    def taken_at(self, camera_id: str) -> datetime | None:
        """Return when the camera's cached still was taken; None while there is none."""
        still = self._stills.get(camera_id)
        return still.taken_at if still else None

    def cached(self, camera_id: str) -> bytes | None:
        """Return the camera's cached still, however old; None while there is none."""
        still = self._stills.get(camera_id)
        return still.jpeg if still else None

    async def get(
        self, camera_id: str, capture: StillCapture, *, max_age: float | None = None
    ) -> bytes:
        """Return a still of the camera: cached, newly captured, previous, or placeholder.

        ``max_age`` overrides the cache's own for this call (0: a new picture, e.g. for a
        snapshot asked for by hand; a capture under way is still shared).
        """
        limit = self.max_age if max_age is None else max_age
        now = self._clock()
        still = self._stills.get(camera_id)
        if still is not None and now - still.stored < limit:
            return still.jpeg
        task = self._captures.get(camera_id)
        if task is None:
            failed = self._failed.get(camera_id)
            if failed is not None and now - failed < self.retry_after and max_age != 0:
                return await self._fallback(camera_id)
            task = asyncio.get_running_loop().create_task(
                self._capture(camera_id, capture), name=f"omnicam still {camera_id}"
            )
            self._captures[camera_id] = task
            task.add_done_callback(lambda _: self._captures.pop(camera_id, None))
        # Shielded: a caller that goes away does not cancel the capture the others wait for.
        taken = await asyncio.shield(task)
        return taken.jpeg if taken else await self._fallback(camera_id)

    async def _capture(self, camera_id: str, capture: StillCapture) -> _Still | None:
        """Take one still; None (logged) when it fails."""
        # A failure is logged as a warning once, then at debug level until a capture works.
        level = logging.DEBUG if camera_id in self._failed else logging.WARNING
        try:
            result = await capture()
        except OmniCamError as err:
            self._failed[camera_id] = self._clock()
            _LOGGER.log(level, "No new still from camera %s: %s", camera_id, err)
            return None
        except Exception:
            self._failed[camera_id] = self._clock()
            _LOGGER.log(level, "No new still from camera %s", camera_id, exc_info=True)
            return None
        jpeg, taken_at = result if isinstance(result, tuple) else (result, datetime.now(UTC))
        still = _Still(jpeg, taken_at, self._clock())
        self._stills[camera_id] = still
        if self._failed.pop(camera_id, None) is not None:
            _LOGGER.info("Stills from camera %s work again", camera_id)
        return still

    async def _fallback(self, camera_id: str) -> bytes:
        """Return the previous still, or the placeholder when there never was one."""
        still = self._stills.get(camera_id)
        if still is not None:
            return still.jpeg
        return await asyncio.get_running_loop().run_in_executor(None, placeholder_jpeg)

    def forget(self, camera_id: str) -> None:
        """Drop the camera's still (the camera was removed)."""
        self._stills.pop(camera_id, None)
        self._failed.pop(camera_id, None)

    async def async_close(self) -> None:
        """Cancel the captures under way and wait for them (the entry is unloading)."""
        tasks = list(self._captures.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
