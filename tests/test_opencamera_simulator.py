"""The OpenCamera simulator itself: the daemon's answers, the full API, real WebRTC."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import io
from typing import Any

import aiohttp
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
import av
import numpy as np
import pytest

from tests.conftest import wait_for
from tests.simulators.opencamera import OPERATIONS, TIMES, OpenCameraSimulator, offers_h264

SESSION = "/api/v1/media/live/session"
TOKEN = {"x-token": "anything"}


@pytest.fixture
async def http() -> AsyncGenerator[aiohttp.ClientSession]:
    """Return a plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


class Viewer:
    """A plain aiortc peer that receives video, as a browser does."""

    def __init__(self, *, audio: bool = True) -> None:
        """Offer to receive video (and audio)."""
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver("video", direction="recvonly")
        if audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.frames: list[av.VideoFrame] = []
        self.kinds: list[str] = []
        self._pulls: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.kinds.append(track.kind)
        if track.kind == "video":
            self._pulls.append(asyncio.ensure_future(self._pull(track)))

    async def _pull(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                self.frames.append(await track.recv())  # type: ignore[arg-type]
        except Exception:  # the track ends when the connection closes
            return

    async def offer(self, *, codec: str = "H264") -> str:
        """Return the offer after gathering (with H.264 renamed to `codec`)."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp.replace("H264/90000", f"{codec}/90000")

    async def accept(self, answer: dict[str, Any]) -> None:
        """Take the camera's answer."""
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def close(self) -> None:
        """Close the peer connection."""
        await self.pc.close()
        for pull in self._pulls:
            pull.cancel()


@pytest.fixture
async def viewer() -> AsyncGenerator[Viewer]:
    """Return a viewer, closed after the test."""
    peer = Viewer()
    yield peer
    await peer.close()


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


async def _post_offer(
    http: aiohttp.ClientSession, sim: OpenCameraSimulator, body: Any, **headers: str
) -> aiohttp.ClientResponse:
    return await http.post(sim.url + SESSION, json=body, headers=TOKEN | headers)


async def test_live_session_sends_real_h264_video(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession, viewer: Viewer
) -> None:
    """An offer gets a complete answer (no trickle) and moving H.264 frames arrive."""
    sim = opencamera_sim
    offer = await viewer.offer()
    response = await _post_offer(http, sim, {"type": "offer", "sdp": offer})
    assert response.status == 200
    answer = await response.json()
    assert answer["type"] == "answer"
    assert answer["valid_until"] == "0001-01-01"
    sdp = answer["sdp"]
    assert "a=end-of-candidates" in sdp
    assert "127.0.0.1" in sdp
    video, audio = sdp.split("m=video", 1)[1].split("m=audio", 1)
    assert "a=sendonly" in video
    assert "H264/90000" in video
    assert "VP8" not in video
    assert "a=inactive" in audio  # no audio source
    await viewer.accept(answer)
    await wait_for(lambda: len(viewer.frames) >= 8, 10)
    assert viewer.kinds.count("video") == 1
    first, last = (
        viewer.frames[0].to_ndarray(format="gray"),
        viewer.frames[-1].to_ndarray(format="gray"),
    )
    assert first.shape == (240, 320)
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 2  # the picture moves
    assert sim.frames_sent >= 8
    assert len(sim.sessions) == 1
    assert sim.sessions[0].offer == offer
    assert sim.sessions[0].frames_sent == sim.frames_sent
    await wait_for(lambda: sim.sessions[0].state == "connected")
    assert sim.requests["session"] == 1


async def test_session_with_a_date_valid_until_and_two_viewers(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession
) -> None:
    """A date-only valid_until parses; two sessions play at once; stop() closes them."""
    sim = opencamera_sim
    viewers = [Viewer(audio=False), Viewer(audio=False)]
    for peer in viewers:
        body = {"type": "offer", "sdp": await peer.offer(), "valid_until": "2030-01-01"}
        response = await _post_offer(http, sim, body)
        assert response.status == 200
        await peer.accept(await response.json())
    await wait_for(lambda: all(len(peer.frames) >= 3 for peer in viewers), 10)
    await sim.stop()
    assert all(session.state == "closed" for session in sim.sessions)
    for peer in viewers:
        await peer.close()


@pytest.mark.parametrize(
    ("body", "status", "reply"),
    [
        ({"type": "offer", "sdp": ""}, 500, {}),
        ({"type": "answer", "sdp": "v=0"}, 500, {}),
        ({"type": "bogus", "sdp": "v=0"}, 500, {}),
        (
            {"type": "offer", "sdp": "not an sdp\r\nm=video 9 X 96\r\na=rtpmap:96 H264/90000"},
            500,
            {},
        ),
    ],
)
async def test_session_errors_are_500_empty(
    opencamera_sim: OpenCameraSimulator,
    http: aiohttp.ClientSession,
    body: dict[str, str],
    status: int,
    reply: dict[str, Any],
) -> None:
    """An empty SDP or a type other than offer gets 500 with the body {} (a bare Go error)."""
    response = await _post_offer(http, opencamera_sim, body)
    assert response.status == status
    assert await response.json() == reply
    assert opencamera_sim.sessions == []


async def test_session_framework_errors(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession, viewer: Viewer
) -> None:
    """A date-time valid_until is 400, a body that is not JSON 400, another type 415."""
    sim = opencamera_sim
    offer = await viewer.offer()
    response = await _post_offer(
        http, sim, {"type": "offer", "sdp": offer, "valid_until": "2022-02-02T00:00:00Z"}
    )
    assert response.status == 400
    error = await response.json()
    assert error["code"] == 400
    assert "2022-02-02T00:00:00Z" in error["message"]
    response = await http.post(
        sim.url + SESSION, data=b"{", headers=TOKEN | {"Content-Type": "application/json"}
    )
    assert response.status == 400
    response = await http.post(sim.url + SESSION, data="x", headers=TOKEN)
    assert response.status == 415
    assert (await response.json())["code"] == 415
    response = await http.get(sim.url + SESSION, headers=TOKEN)
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    response = await http.post(sim.url + SESSION, json={"type": "offer", "sdp": offer})
    assert response.status == 401
    assert await response.json() == {
        "code": 401,
        "message": "unauthenticated for invalid credentials",
    }
    assert sim.sessions == []


async def test_offer_without_h264_drops_the_connection(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession, viewer: Viewer
) -> None:
    """The daemon's handler panics on an offer without H.264: no HTTP response at all."""
    offer = await viewer.offer(codec="VP9")
    assert not offers_h264(offer)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post_offer(http, opencamera_sim, {"type": "offer", "sdp": offer})
    assert opencamera_sim.sessions == []
    # The daemon survives.
    response = await http.get(opencamera_sim.url + "/swagger.json")
    assert response.status == 200


@pytest.mark.parametrize(
    "op", [op for op in OPERATIONS if op.key != "session"], ids=lambda op: op.key
)
async def test_daemon_answers_501_to_every_other_operation(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession, op: Any
) -> None:
    """Every other operation is 501 with a JSON string body, after authentication."""
    path = "/api/v1" + op.path.replace("{start}", "2026-01-01T00:00:00Z").replace(
        "{end}", "2026-01-01T01:00:00Z"
    )
    kwargs: dict[str, Any] = {"json": {}} if op.method in ("POST", "PUT") else {}
    response = await http.request(op.method, opencamera_sim.url + path, **kwargs)
    assert response.status == 401
    if op.security == "basic":
        kwargs["headers"] = {"Authorization": _basic("anyone:anything")}
    else:
        kwargs["headers"] = TOKEN
    response = await http.request(op.method, opencamera_sim.url + path, **kwargs)
    assert response.status == 501
    assert await response.json() == (
        f"operation {op.tag}.{op.operation_id} has not yet been implemented"
    )


async def test_daemon_fingerprint_and_unknown_paths(
    opencamera_sim: OpenCameraSimulator, http: aiohttp.ClientSession
) -> None:
    """swagger.json and the docs need no authentication; unknown paths are 404 JSON."""
    response = await http.get(opencamera_sim.url + "/swagger.json")
    spec = await response.json()
    assert (spec["info"]["title"], spec["info"]["version"], spec["basePath"]) == (
        "OpenCamera",
        "1.0.0",
        "/api/v1",
    )
    assert "/media/live/session" in spec["paths"]
    response = await http.get(opencamera_sim.url + "/api/v1/docs")
    assert response.status == 200
    assert "text/html" in response.headers["Content-Type"]
    for path in ("/api/v1/nothing", "/cgi-bin/snapshot.cgi"):
        response = await http.get(opencamera_sim.url + path, headers=TOKEN)
        assert response.status == 404
        assert (await response.json())["code"] == 404
    response = await http.options(
        opencamera_sim.url + SESSION, headers={"Origin": "http://browser"}
    )
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS, POST"
    # Only x-token, no Basic: the token route refuses.
    response = await http.post(opencamera_sim.url + "/api/v1/user/token/obtain", headers=TOKEN)
    assert response.status == 401


async def _login(
    http: aiohttp.ClientSession, sim: OpenCameraSimulator, credentials: str
) -> aiohttp.ClientResponse:
    headers = {"Authorization": _basic(credentials)}
    return await http.post(sim.url + "/api/v1/user/token/obtain", headers=headers)


async def test_full_token_flow(
    opencamera_full_sim: OpenCameraSimulator, http: aiohttp.ClientSession
) -> None:
    """Basic login in either form, token checked, refreshed, logged out, expired."""
    sim = opencamera_full_sim
    plain = f"{sim.username}:{sim.password}"
    assert (await _login(http, sim, f"{sim.username}:wrong")).status == 400
    sim.basic_form = "device"
    assert (await _login(http, sim, plain)).status == 400
    response = await _login(http, sim, plain + ":homeassistant")
    assert response.status == 200
    assert sim.basic_devices == ["homeassistant"]
    sim.basic_form = "plain"
    assert (await _login(http, sim, plain + ":homeassistant")).status == 400
    response = await _login(http, sim, plain)
    assert response.status == 200
    token = await response.json()
    until = datetime.fromisoformat(token["valid_until"])
    assert token["valid_until"].endswith("Z")
    assert timedelta(minutes=59) < until - datetime.now(UTC) <= timedelta(hours=1)
    headers = {"x-token": token["access_token"]}

    assert (await http.get(sim.url + "/api/v1/device", headers=TOKEN)).status == 401
    device = await (await http.get(sim.url + "/api/v1/device", headers=headers)).json()
    assert device["uuid"] == sim.uuid
    assert device["resolution"] == f"1920{TIMES}1080"
    assert device["fps"] == sim.fps
    assert (device["video_codec"], device["audio_codec"]) == ("H.264", "G.711")
    assert abs(device["uptime"] - sim.uptime) <= 1
    assert device["uptime"] > 3 * 86400

    sim.token_ttl = 0.3
    response = await http.post(sim.url + "/api/v1/user/token/refresh", headers=headers)
    assert response.status == 200
    assert datetime.fromisoformat((await response.json())["valid_until"]) < until
    await asyncio.sleep(0.4)
    assert (await http.get(sim.url + "/api/v1/system", headers=headers)).status == 401

    sim.token_ttl = 3600
    headers = {"x-token": (await (await _login(http, sim, plain)).json())["access_token"]}
    assert (await http.get(sim.url + "/api/v1/user/logout", headers=headers)).status == 200
    assert (await http.get(sim.url + "/api/v1/system", headers=headers)).status == 401
    assert sim.requests["token"] == 6


async def _token(http: aiohttp.ClientSession, sim: OpenCameraSimulator) -> dict[str, str]:
    response = await _login(http, sim, f"{sim.username}:{sim.password}")
    return {"x-token": (await response.json())["access_token"]}


async def test_full_device_system_reboot_and_live_config(
    opencamera_full_sim: OpenCameraSimulator, http: aiohttp.ClientSession
) -> None:
    """/system, PUT /media/live/config, the uptime forms, reboot dropping tokens."""
    sim = opencamera_full_sim
    headers = await _token(http, sim)
    system = await (await http.get(sim.url + "/api/v1/system", headers=headers)).json()
    assert system == {
        "firmwareVersion": sim.firmware,
        "sdcard_free": 23,
        "sdcard_total": 32,
        "live_session_config": {"ice_servers": ["stun.l.google.com:19302"]},
    }
    url = sim.url + "/api/v1/media/live/config"
    response = await http.put(url, json={"ice_servers": "nope"}, headers=headers)
    assert response.status == 400
    response = await http.put(url, json={"ice_servers": ["stun.example.org:3478"]}, headers=headers)
    assert response.status == 200
    system = await (await http.get(sim.url + "/api/v1/system", headers=headers)).json()
    assert system["live_session_config"]["ice_servers"] == ["stun.example.org:3478"]
    assert sim.live_configs == [["stun.example.org:3478"]]

    sim.uptime_form = "boot_epoch"
    device = await (await http.get(sim.url + "/api/v1/device", headers=headers)).json()
    assert device["uptime"] == int(sim.boot_time.timestamp())
    sim.resolution = "garbage"
    sim.reboot()
    assert sim.uptime <= 1
    assert (await http.get(sim.url + "/api/v1/device", headers=headers)).status == 401
    headers = await _token(http, sim)
    sim.uptime_form = "seconds"
    device = await (await http.get(sim.url + "/api/v1/device", headers=headers)).json()
    assert device["uptime"] <= 1
    assert device["resolution"] == "garbage"
    response = await http.put(sim.url + "/api/v1/user/reset", json="n3w-pass", headers=headers)
    assert response.status == 200
    assert sim.password == "n3w-pass"
    assert (await http.post(sim.url + "/api/v1/user", json={"id": 1}, headers=headers)).ok
    form = aiohttp.FormData()
    form.add_field("img_file", b"firmware", filename="fw.img")
    response = await http.post(sim.url + "/api/v1/system/upgrade", data=form, headers=headers)
    assert response.status == 200


async def test_full_vod(
    opencamera_full_sim: OpenCameraSimulator, http: aiohttp.ClientSession
) -> None:
    """VOD: a real MP4 for a recorded range, 404 for nothing, 400 for bad times, faults."""
    sim = opencamera_full_sim
    headers = await _token(http, sim)
    until = sim.recordings[-1][1]
    start = (until - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = until.isoformat()
    response = await http.get(f"{sim.url}/api/v1/media/vod/{start}/{end}", headers=headers)
    assert response.status == 200
    assert response.content_type == "video/mp4"
    body = await response.read()
    with av.open(io.BytesIO(body)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 10 * sim.vod_cap_seconds
    assert sim.vod_requests[-1] == (until - timedelta(minutes=10), until)

    gap = (sim.recordings[0][1] + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    gap_end = (sim.recordings[0][1] + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await http.get(f"{sim.url}/api/v1/media/vod/{gap}/{gap_end}", headers=headers)
    assert response.status == 404
    assert (await response.json())["code"] == 404
    for bad in (f"yesterday/{end}", f"{end}/{start}"):
        response = await http.get(f"{sim.url}/api/v1/media/vod/{bad}", headers=headers)
        assert response.status == 400
        assert (await response.json())["code"] == 400

    now = datetime.now(UTC)
    since = (now - timedelta(seconds=30)).isoformat()
    recent = f"{sim.url}/api/v1/media/vod/{since}/{now:%Y-%m-%dT%H:%M:%SZ}"
    assert (await http.get(recent, headers=headers)).status == 404
    sim.recording_now = True
    response = await http.get(recent, headers=headers)
    assert response.status == 200
    assert b"ftyp" in (await response.read())[:16]

    sim.fail["vod"] = "json"
    response = await http.get(f"{sim.url}/api/v1/media/vod/{start}/{end}", headers=headers)
    assert response.content_type == "application/json"
    sim.fail["vod"] = "truncate"
    response = await http.get(f"{sim.url}/api/v1/media/vod/{start}/{end}", headers=headers)
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


async def test_faults(
    opencamera_full_sim: OpenCameraSimulator, http: aiohttp.ClientSession, viewer: Viewer
) -> None:
    """fail[...] answers 500 {}, another status, not-JSON, an offer, hangs or drops."""
    sim = opencamera_full_sim
    headers = await _token(http, sim)
    offer = {"type": "offer", "sdp": await viewer.offer()}
    sim.fail["session"] = 500
    response = await http.post(sim.url + SESSION, json=offer, headers=headers)
    assert (response.status, await response.json()) == (500, {})
    sim.fail["session"] = 400
    response = await http.post(sim.url + SESSION, json=offer, headers=headers)
    assert (await response.json())["code"] == 400
    sim.fail["session"] = "notanswer"
    response = await http.post(sim.url + SESSION, json=offer, headers=headers)
    assert (await response.json())["type"] == "offer"
    sim.fail["device"] = "notjson"
    response = await http.get(sim.url + "/api/v1/device", headers=headers)
    assert response.content_type == "text/html"
    sim.fail["system"] = "drop"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await http.get(sim.url + "/api/v1/system", headers=headers)
    sim.fail["swagger"] = "timeout"
    with pytest.raises(TimeoutError):
        await http.get(sim.url + "/swagger.json", timeout=aiohttp.ClientTimeout(total=0.2))
    hanging = asyncio.ensure_future(http.get(sim.url + "/swagger.json"))
    await asyncio.sleep(0.1)
    assert not hanging.done()
    del sim.fail["swagger"]
    assert (await hanging).status == 200
    sim.answer_delay = 0.2
    del sim.fail["session"]
    loop = asyncio.get_running_loop()
    began = loop.time()
    response = await http.post(sim.url + SESSION, json=offer, headers=headers)
    assert (await response.json())["type"] == "answer"
    assert loop.time() - began >= 0.2
