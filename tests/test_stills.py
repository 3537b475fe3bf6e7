"""Stills from cameras without a snapshot call: video frames decoded and encoded as JPEG."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from custom_components.omnicam.vendors.errors import BadResponse
from custom_components.omnicam.vendors.stills import decode_last_still, decode_still

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
        stream.codec_context.options = {"sc_threshold": "0"}  # key frames every gop only
        for colour in colours:
            output.mux(stream.encode(_picture(colour)))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def colour_of(jpeg: bytes) -> tuple[int, int, int]:
    """Decode a JPEG (it must be one) and give its mean colour."""
    assert jpeg.startswith(b"\xff\xd8")
    assert jpeg.rstrip(b"\0").endswith(b"\xff\xd9")
    with av.open(io.BytesIO(jpeg), format="image2pipe") as image:
        assert image.streams.video[0].codec_context.name == "mjpeg"
        frame = next(image.decode(video=0))
    assert (frame.width, frame.height) == (WIDTH, HEIGHT)
    mean = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
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
    jpeg = decode_still(buffer.getvalue())
    with av.open(io.BytesIO(jpeg), format="image2pipe") as image:
        frame = next(image.decode(video=0))
    assert (frame.width, frame.height) == (100, 74)


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
