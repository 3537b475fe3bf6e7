"""Stills for cameras that have no snapshot call: one frame of a video, encoded as JPEG.

Some cameras give no still picture at all: their only pictures are videos (a recording, a
one-frame preview clip) or a live WebRTC session. This module turns those into JPEG stills,
with PyAV, which Home Assistant already brings (its ``stream`` integration): FFmpeg demuxes
MP4, MPEG-TS and raw H.264/H.265 (Annex B), decodes a frame, and its ``mjpeg`` encoder
writes the JPEG, so no imaging library is needed.

Decoding and encoding are blocking, CPU-bound work: call ``decode_still`` and
``decode_last_still`` in an executor, never in the event loop.

Like every vendor module, this one is Home Assistant free.
"""

from __future__ import annotations

from fractions import Fraction
import io
import logging
from typing import TYPE_CHECKING, Final, cast

from .errors import BadResponse

if TYPE_CHECKING:
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
