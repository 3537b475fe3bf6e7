"""Remuxing the containers a browser cannot play (MPEG-TS, raw H.264/H.265) to MP4."""

from __future__ import annotations

from fractions import Fraction
import io
from pathlib import Path

import av
import pytest

from custom_components.omnicam.remux import (
    H264_MIME,
    H265_MIME,
    MP2T_MIME,
    RemuxError,
    needs_remux,
    remux_to_mp4,
)
from tests.simulators.opencamera import synthetic_picture

FPS = 10
FRAMES = 20


def _clip(container_format: str, codec: str, *, b_frames: int = 0) -> bytes:
    """Return FRAMES synthetic pictures at FPS in a container, a key frame every second."""
    out = io.BytesIO()
    with av.open(out, "w", format=container_format) as container:
        options = {"g": str(FPS), "bf": str(b_frames)}
        if codec == "libx265":
            options = {
                "x265-params": f"keyint={FPS}:bframes={b_frames}:pools=none:frame-threads=1"
                ":log-level=error"
            }
        stream = container.add_stream(codec, rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for number in range(FRAMES):
            frame = synthetic_picture(number, 160, 120)
            frame.pts, frame.time_base = number, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


def _read(path: Path) -> tuple[str, list[tuple[int, int]], float]:
    """Return the MP4's video codec, each picture's (dts, pts) and its duration in seconds."""
    with av.open(str(path)) as container:
        assert container.format.name.startswith("mov")
        stream = container.streams.video[0]
        times = [(p.dts, p.pts) for p in container.demux(stream) if p.size]
        duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
        return stream.codec_context.name, times, duration


@pytest.mark.parametrize(
    ("mime", "container_format", "codec", "b_frames", "seconds"),
    [
        (MP2T_MIME, "mpegts", "libx264", 0, FRAMES / FPS),
        (MP2T_MIME, "mpegts", "libx264", 2, FRAMES / FPS),
        # Raw streams carry no times: one picture each 1/25 s (FFmpeg's guess too).
        (H264_MIME, "h264", "libx264", 0, FRAMES / 25),
        (H265_MIME, "hevc", "libx265", 0, FRAMES / 25),
    ],
)
def test_remux_to_mp4(
    tmp_path: Path, mime: str, container_format: str, codec: str, b_frames: int, seconds: float
) -> None:
    """Every picture copied, times from 0 in decode order, B-frames shown after."""
    source, target = tmp_path / "in", tmp_path / "out.mp4"
    source.write_bytes(_clip(container_format, codec, b_frames=b_frames))
    assert needs_remux(mime)
    remux_to_mp4(source, target, mime)
    name, times, duration = _read(target)
    assert name == ("hevc" if codec == "libx265" else "h264")
    assert len(times) == FRAMES
    dts = [d for d, _ in times]
    assert dts[0] == 0
    assert dts == sorted(set(dts))  # strictly increasing
    assert all(pts >= d for d, pts in times)
    if b_frames:
        pts = [p for _, p in times]
        assert pts != sorted(pts)  # shown in another order than decoded: kept
    assert duration == pytest.approx(seconds, abs=2 / FPS)


def test_remux_refuses(tmp_path: Path) -> None:
    """MP4 itself is not remuxed; garbage and an unknown type are RemuxError."""
    assert not needs_remux("video/mp4")
    assert not needs_remux(None)
    source, target = tmp_path / "in", tmp_path / "out.mp4"
    source.write_bytes(b"<html>not a video</html>" * 50)
    with pytest.raises(RemuxError):
        remux_to_mp4(source, target, MP2T_MIME)
    with pytest.raises(RemuxError):
        remux_to_mp4(source, target, "video/webm")
