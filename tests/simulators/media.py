"""Small media the simulators serve: JPEG snapshots and MP4 clips."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
import io

from aiohttp import web

# A valid 1x1 JPEG, used when Pillow is not at hand.
_TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c"
    "140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27"
    "393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000"
    "000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300"
    "041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475"
    "767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9ba"
    "c2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda"
    "0008010100003f00fbd3ffd9"
)


def snapshot_jpeg(label: str, *, draw: bool = True, at: datetime | None = None) -> bytes:
    """Return a JPEG showing the label and the time (now, or `at`), or a tiny JPEG."""
    if not draw:
        return _TINY_JPEG
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with Home Assistant
        return _TINY_JPEG
    image = Image.new("RGB", (640, 360), (30, 60, 90))
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 300, 640, 360), fill=(10, 20, 30))
    big, small = ImageFont.load_default(size=40), ImageFont.load_default(size=24)
    pen.text((20, 20), label, fill=(255, 255, 255), font=big)
    stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    pen.text((20, 316), stamp, fill=(255, 220, 0), font=small)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


@lru_cache(maxsize=4)
def mp4_clip(seconds: int = 2) -> bytes:
    """Return a playable H.264 MP4 clip when PyAV can encode one, else a stub MP4."""
    try:
        import av
        import numpy as np

        out = io.BytesIO()
        with av.open(out, "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
            for i in range(seconds * 10):
                frame = np.zeros((180, 320, 3), dtype=np.uint8)
                frame[:, : (i * 16) % 320] = (40, 120, 200)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, "rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return out.getvalue()
    except Exception:
        # ftyp + free boxes: enough for a proxy test, not for a player.
        return (
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
            + b"\x00\x00\x10\x08free"
            + bytes(range(256)) * 16
        )


def ranged(request: web.Request, body: bytes, content_type: str) -> web.Response:
    """Answer with body, honouring a single ``Range: bytes=a-b`` request."""
    header = request.headers.get("Range", "")
    total = len(body)
    if header.startswith("bytes="):
        first, _, last = header[6:].split(",")[0].partition("-")
        try:
            if first:
                start, end = int(first), int(last) if last else total - 1
            else:
                start, end = max(0, total - int(last)), total - 1
        except ValueError:
            start, end = -1, -1
        if not 0 <= start <= end or start >= total:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{total}"})
        end = min(end, total - 1)
        return web.Response(
            status=206,
            body=body[start : end + 1],
            content_type=content_type,
            headers={"Content-Range": f"bytes {start}-{end}/{total}", "Accept-Ranges": "bytes"},
        )
    return web.Response(body=body, content_type=content_type, headers={"Accept-Ranges": "bytes"})


SEGMENT_SECONDS = 2
_FPS = 10


@lru_cache(maxsize=32)
def ts_segment(index: int, label: str = "") -> bytes:
    """Return live segment number ``index``: 2 s of H.264 in MPEG-TS, timestamps continuing.

    A bar sweeps across the picture, so a viewer sees the stream is live. Without PyAV
    (which Home Assistant's stream integration brings) a single empty TS packet is returned.
    """
    try:
        from fractions import Fraction

        import av
        import numpy as np
    except ImportError:  # pragma: no cover - PyAV comes with the test requirements
        return b"\x47" + bytes(187)
    frames = SEGMENT_SECONDS * _FPS
    out = io.BytesIO()
    with av.open(out, "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=_FPS, options={"bf": "0", "g": str(frames)})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        shade = (hash(label) % 120) + 40
        for i in range(frames):
            number = index * frames + i
            picture = np.full((180, 320, 3), (20, 40, shade), dtype=np.uint8)
            x = (number * 8) % 320
            picture[60:120, x : x + 24] = (250, 200, 40)
            frame = av.VideoFrame.from_ndarray(picture, "rgb24")
            frame.pts, frame.time_base = number, Fraction(1, _FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _dhav_date(when: datetime) -> int:
    """Pack a time the way DHAV frame headers carry it."""
    return (
        (when.year - 2000) << 26
        | when.month << 22
        | when.day << 17
        | when.hour << 12
        | when.minute << 6
        | when.second
    )


@lru_cache(maxsize=2)
def dav_clip(seconds: int = 2) -> bytes:
    """Return a Dahua DAV file: H.264 (Annex B) frames, each in a DHAV frame.

    A DHAV frame is a 24-byte header (``DHAV``, type ``0xfd`` key frame / ``0xfc`` other
    frame, channel, frame number, total length, packed date, millisecond counter, the
    length of the extensions that follow), the extensions (``0x80`` picture size in units
    of 8, ``0x81`` codec 2 = H.264 and frame rate), the payload, and a trailer ``dhav`` plus
    the total length again. Without PyAV the frames carry no picture.
    """
    import struct

    start = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    width, height, fps = 320, 180, _FPS
    try:
        import av
        import numpy as np

        payloads: list[tuple[bool, bytes]] = []
        encoder = av.CodecContext.create("libx264", "w")
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
        encoder.framerate = fps
        encoder.options = {"bf": "0", "g": str(fps)}
        for i in range(seconds * fps):
            picture = np.zeros((height, width, 3), dtype=np.uint8)
            picture[:, : (i * 16) % width] = (200, 120, 40)
            frame = av.VideoFrame.from_ndarray(picture, "rgb24").reformat(format="yuv420p")
            frame.pts = i
            payloads += [(p.is_keyframe, bytes(p)) for p in encoder.encode(frame)]
        payloads += [(p.is_keyframe, bytes(p)) for p in encoder.encode(None)]
    except Exception:  # pragma: no cover - PyAV comes with the test requirements
        payloads = [(True, b"\x00\x00\x00\x01\x09\x10")]
    out = bytearray()
    for number, (key, payload) in enumerate(payloads):
        ms = number * 1000 // fps
        when = start.replace(second=ms // 1000)
        ext = bytes((0x80, 0, width // 8, height // 8, 0x81, 0, 2, fps))
        length = 24 + len(ext) + len(payload) + 8
        out += b"DHAV" + struct.pack(
            "<BBBBIIIHBB",
            0xFD if key else 0xFC,
            0,
            0,
            0,
            number,
            length,
            _dhav_date(when),
            ms % 65536,
            len(ext),
            0,
        )
        out += ext + payload + b"dhav" + struct.pack("<I", length)
    return bytes(out)
