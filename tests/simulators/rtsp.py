"""A small RTSP server for the Amcrest / Dahua simulator: real H.264 over RTP, as devices send.

No maintained RTSP server fits a test run: Debian's candidates are GStreamer's (needs the
GObject bindings for the system Python, not our venv) and a Perl relay that serves only
what another program pushes to it, with no Digest; PyPI offers no maintained one. So this
is our own, on asyncio, doing the little that players (FFmpeg, and so Home Assistant's
stream and go2rtc) need of a Dahua device:

- ``OPTIONS`` without login; ``DESCRIBE``, ``SETUP``, ``PLAY``, ``GET_PARAMETER`` and
  ``TEARDOWN`` with HTTP Digest (MD5, realm ``Login to <serial>``, no ``qop``, as Dahua
  firmware answers RTSP) or Basic, checked against the device's current password.
- Paths ``/cam/realmonitor?channel=N&subtype=M`` (N from 1 to the channel count, M 0 for
  the main stream or 1 for the sub stream); anything else is 404.
- One H.264 video track (``a=control:trackID=0``), RTP over the RTSP connection
  (``RTP/AVP/TCP;interleaved=0-1``); a request for UDP is answered 461, and players fall
  back to TCP. NAL units go as single-NAL packets or FU-A fragments (RFC 6184), 90 kHz
  clock, at `FPS` frames a second in real time, a key frame every second.
- The picture is a short clip encoded once with PyAV (libx264), looped with timestamps
  that keep rising.

For tests: `requests` counts requests by method, `sessions` the connections playing now,
`refuse` answers every request after ``OPTIONS`` with that status (503: the device is out
of sessions), and `drop()` cuts every connection.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
import hashlib
import re
import secrets
import struct
import time
from urllib.parse import parse_qs, unquote, urlsplit

FPS = 10
_MTU = 1400
_PAIR = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@lru_cache(maxsize=2)
def h264_loop(width: int = 320, height: int = 180, seconds: int = 2) -> list[list[bytes]]:
    """Return a clip of H.264 frames, each a list of NAL units (without start codes)."""
    import av
    import numpy as np

    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.framerate = FPS  # type: ignore[assignment]
    codec.options = {"tune": "zerolatency", "preset": "ultrafast", "x264-params": "keyint=10"}
    frames: list[list[bytes]] = []
    packets = []
    for i in range(seconds * FPS):
        picture = np.zeros((height, width, 3), dtype=np.uint8)
        picture[:, : (i * width // (seconds * FPS)) + 8] = (200, 120, 40)
        picture[height // 3 : 2 * height // 3, :] //= 2
        packets += codec.encode(av.VideoFrame.from_ndarray(picture, "rgb24"))
    packets += codec.encode(None)
    for packet in packets:
        data = bytes(packet)
        nals = [nal.lstrip(b"\x00") for nal in re.split(b"\x00\x00\x01", data)]
        frames.append([nal for nal in nals if nal])
    return frames


def _parameter_sets(frames: list[list[bytes]]) -> tuple[bytes, bytes]:
    """Return the stream's SPS and PPS."""
    sps = next(nal for frame in frames for nal in frame if nal[0] & 0x1F == 7)
    pps = next(nal for frame in frames for nal in frame if nal[0] & 0x1F == 8)
    return sps, pps


def _rtp_payloads(nal: bytes) -> list[bytes]:
    """Return the RTP payloads of one NAL unit: itself, or FU-A fragments."""
    if len(nal) <= _MTU:
        return [nal]
    header, body = nal[0], nal[1:]
    indicator = (header & 0xE0) | 28
    chunks = [body[i : i + _MTU] for i in range(0, len(body), _MTU)]
    payloads = []
    for index, chunk in enumerate(chunks):
        fu = header & 0x1F
        if index == 0:
            fu |= 0x80
        elif index == len(chunks) - 1:
            fu |= 0x40
        payloads.append(bytes((indicator, fu)) + chunk)
    return payloads


class RtspServer:
    """An RTSP server on loopback for the channels of one simulated device."""

    def __init__(
        self, *, serial: str, credentials: Callable[[], tuple[str, str]], channels: int
    ) -> None:
        """Serve `channels` channels to the device's current user name and password."""
        self.realm = f"Login to {serial}"
        self._credentials = credentials
        self.channels = channels
        self.host = "127.0.0.1"
        self.port = 0
        self.requests: Counter[str] = Counter()
        self.unauthorized = 0
        self.sessions = 0
        self.refuse: int | None = None
        self._nonce = secrets.token_hex(16)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening; return the port."""
        self._server = await asyncio.start_server(self._serve, host, port)
        self.host, self.port = host, self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and cut every connection."""
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def drop(self) -> None:
        """Cut every connection."""
        for writer in list(self._writers):
            writer.close()

    def url(self, channel: int = 1, subtype: int = 0) -> str:
        """Return the stream URL of a channel, without credentials."""
        return f"rtsp://{self.host}:{self.port}/cam/realmonitor?channel={channel}&subtype={subtype}"

    # -- protocol --------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        session = secrets.token_hex(8)
        player: asyncio.Task[None] | None = None
        try:
            while True:
                first = await reader.read(1)
                if not first:
                    break
                if first == b"$":  # interleaved RTCP from the player: skip it
                    _, length = struct.unpack("!BH", await reader.readexactly(3))
                    await reader.readexactly(length)
                    continue
                head = first + await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("utf-8", "replace").split("\r\n")
                method, target, _ = [*lines[0].split(" "), "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                if length := int(headers.get("content-length", "0") or 0):
                    await reader.readexactly(length)
                self.requests[method] += 1
                status, extra, body = self._answer(method, target, headers, session)
                reply = [f"RTSP/1.0 {status}", f"CSeq: {headers.get('cseq', '0')}"]
                reply += [f"{key}: {value}" for key, value in extra.items()]
                if body:
                    reply.append(f"Content-Length: {len(body)}")
                writer.write(("\r\n".join(reply) + "\r\n\r\n").encode() + body)
                await writer.drain()
                if method == "PLAY" and status.startswith("200") and player is None:
                    player = asyncio.create_task(self._play(writer))
                elif method == "TEARDOWN":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            if player is not None:
                player.cancel()
            self._writers.discard(writer)
            writer.close()

    def _answer(
        self, method: str, target: str, headers: dict[str, str], session: str
    ) -> tuple[str, dict[str, str], bytes]:
        """Return status line, headers and body for one request."""
        if method == "OPTIONS":
            methods = "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN"
            return "200 OK", {"Public": methods}, b""
        if self.refuse is not None:
            return f"{self.refuse} Refused", {}, b""
        if not self._authorized(method, headers.get("authorization", "")):
            self.unauthorized += 1
            challenge = f'Digest realm="{self.realm}", nonce="{self._nonce}"'
            return "401 Unauthorized", {"WWW-Authenticate": challenge}, b""
        # A track's URL is the Content-Base and its control, after the query as on the
        # devices: ``…/cam/realmonitor?channel=1&subtype=0/trackID=0`` (and the base with
        # a slash after the query).
        url = urlsplit(target.split("/trackID=", maxsplit=1)[0].rstrip("/"))
        base = url.path
        query = parse_qs(url.query)
        channel = query.get("channel", [""])[0]
        subtype = query.get("subtype", ["0"])[0]
        if (
            base != "/cam/realmonitor"
            or not channel.isdigit()
            or not 1 <= int(channel) <= self.channels
            or subtype not in ("0", "1")
        ):
            return "404 Not Found", {}, b""
        if method == "DESCRIBE":
            sps, pps = _parameter_sets(h264_loop())
            sets = ",".join(base64.b64encode(nal).decode() for nal in (sps, pps))
            sdp = (
                "v=0\r\n"
                f"o=- {session} 1 IN IP4 {self.host}\r\n"
                "s=Media Server\r\n"
                "c=IN IP4 0.0.0.0\r\n"
                "t=0 0\r\n"
                "m=video 0 RTP/AVP 96\r\n"
                "a=rtpmap:96 H264/90000\r\n"
                f"a=fmtp:96 packetization-mode=1;profile-level-id={sps[1:4].hex()};"
                f"sprop-parameter-sets={sets}\r\n"
                "a=control:trackID=0\r\n"
            ).encode()
            return (
                "200 OK",
                {"Content-Type": "application/sdp", "Content-Base": f"{target.rstrip('/')}/"},
                sdp,
            )
        if method == "SETUP":
            transport = headers.get("transport", "")
            if "RTP/AVP/TCP" not in transport:
                return "461 Unsupported Transport", {}, b""
            return (
                "200 OK",
                {
                    "Transport": "RTP/AVP/TCP;unicast;interleaved=0-1",
                    "Session": f"{session};timeout=60",
                },
                b"",
            )
        if method == "PLAY":
            return "200 OK", {"Session": session, "Range": "npt=0.000-"}, b""
        if method in ("GET_PARAMETER", "TEARDOWN"):
            return "200 OK", {"Session": session}, b""
        return "405 Method Not Allowed", {}, b""

    def _authorized(self, method: str, header: str) -> bool:
        scheme, _, rest = header.partition(" ")
        username, password = self._credentials()
        if scheme.lower() == "basic":
            try:
                user, _, given = base64.b64decode(rest).decode().partition(":")
            except ValueError:
                return False
            return (user, given) == (username, password)
        if scheme.lower() != "digest":
            return False
        pairs = {m.group(1): m.group(2) or m.group(3) for m in _PAIR.finditer(rest)}
        if unquote(pairs.get("username", "")) != username or pairs.get("nonce") != self._nonce:
            return False
        ha1 = _md5(f"{username}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{pairs.get('uri', '')}")
        return secrets.compare_digest(pairs.get("response", ""), _md5(f"{ha1}:{self._nonce}:{ha2}"))

    async def _play(self, writer: asyncio.StreamWriter) -> None:
        """Send the clip, looped, in real time, as interleaved RTP on channel 0."""
        frames = await asyncio.get_running_loop().run_in_executor(None, h264_loop)
        ssrc = secrets.randbits(32)
        sequence = secrets.randbits(16)
        stamp0 = secrets.randbits(31)
        started = time.monotonic()
        self.sessions += 1
        try:
            index = 0
            while True:
                frame = frames[index % len(frames)]
                stamp = (stamp0 + index * 90_000 // FPS) & 0xFFFFFFFF
                payloads = [p for nal in frame for p in _rtp_payloads(nal)]
                for number, payload in enumerate(payloads):
                    marker = 0x80 if number == len(payloads) - 1 else 0
                    header = struct.pack("!BBHII", 0x80, marker | 96, sequence, stamp, ssrc)
                    sequence = (sequence + 1) & 0xFFFF
                    packet = header + payload
                    writer.write(b"$\x00" + struct.pack("!H", len(packet)) + packet)
                await writer.drain()
                index += 1
                await asyncio.sleep(max(0.0, started + index / FPS - time.monotonic()))
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.sessions -= 1
