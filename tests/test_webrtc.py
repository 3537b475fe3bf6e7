"""Native WebRTC end to end: Home Assistant's camera WebRTC websocket API, a real aiortc peer
as the browser, and the OpenCamera simulator answering with real H.264 video."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
import av
from homeassistant.components.camera import StreamType, async_get_stream_source
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.webrtc import offer_with_candidates, sdp_has_candidates
from tests.conftest import wait_for
from tests.peers import close_peer
from tests.simulators.opencamera import OpenCameraSimulator

ENTITY = "camera.opencamera_127_0_0_1"


class Browser:
    """A WebRTC peer that receives video, as the frontend's player does."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.frames: list[av.VideoFrame] = []
        self._pulls: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._pulls.append(asyncio.ensure_future(self._pull(track)))

    async def _pull(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                self.frames.append(await track.recv())  # type: ignore[arg-type]
        except Exception:
            return

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def close(self) -> None:
        await close_peer(self.pc, self._pulls)


@pytest.fixture
async def browser() -> AsyncGenerator[Browser]:
    peer = Browser()
    yield peer
    await peer.close()


async def setup_camera(hass: HomeAssistant, sim: OpenCameraSimulator) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain="omnicam",
        title="OpenCamera",
        unique_id=sim.uuid if sim.mode == "full" else f"127.0.0.1:{sim.port}",
        data={
            "vendor": "opencamera",
            "url": sim.url,
            "username": sim.username,
            "password": sim.password,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _entity(hass: HomeAssistant) -> str:
    [entity_id] = hass.states.async_entity_ids("camera")
    return entity_id


async def _offer(ws: Any, entity_id: str, sdp: str) -> tuple[str, dict[str, Any]]:
    """Send an offer; return the session id and the next message after it."""
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": entity_id, "offer": sdp}
    )
    result = await ws.receive_json()
    assert result["success"], result
    session = await ws.receive_json()
    assert session["event"]["type"] == "session"
    return session["event"]["session_id"], session


@pytest.mark.parametrize("mode", ["daemon", "full"])
async def test_live_video_over_webrtc(
    hass: HomeAssistant,
    hass_ws_client,  # type: ignore[no-untyped-def]
    browser: Browser,
    mode: str,
    socket_enabled: None,
) -> None:
    """The frontend's offer reaches the camera; its answer comes back; video plays."""
    sim = OpenCameraSimulator(mode=mode)
    await sim.start()
    try:
        await setup_camera(hass, sim)
        entity_id = _entity(hass)
        camera = hass.data["camera"].get_entity(entity_id)
        assert camera.camera_capabilities.frontend_stream_types == {StreamType.WEB_RTC}
        assert await async_get_stream_source(hass, entity_id) is None  # no HLS
        ws = await hass_ws_client(hass)
        await ws.send_json_auto_id(
            {"type": "camera/webrtc/get_client_config", "entity_id": entity_id}
        )
        config = await ws.receive_json()
        assert config["success"]
        urls = [
            url
            for server in config["result"]["configuration"]["iceServers"]
            for url in ([server["urls"]] if isinstance(server["urls"], str) else server["urls"])
        ]
        assert all(":" in url and url.split(":", 1)[0] in ("stun", "turn") for url in urls)
        if mode == "full":
            # The camera was given Home Assistant's STUN servers (without the scheme).
            await wait_for(lambda: bool(sim.live_configs))
            assert all(not s.startswith("stun:") for s in sim.live_configs[-1])
        _, _ = await _offer(ws, entity_id, await browser.offer())
        answer = await ws.receive_json()
        assert answer["event"]["type"] == "answer", answer
        await browser.pc.setRemoteDescription(
            RTCSessionDescription(answer["event"]["answer"], "answer")
        )
        await wait_for(lambda: len(browser.frames) >= 3, seconds=15)
        assert len(sim.sessions) == 1
    finally:
        await sim.stop()


async def test_offer_without_candidates_gets_the_browsers(
    hass: HomeAssistant,
    hass_ws_client,  # type: ignore[no-untyped-def]
    browser: Browser,
    opencamera_sim: OpenCameraSimulator,
) -> None:
    """An offer sent before gathering ends waits for the candidates, which go in the offer."""
    await setup_camera(hass, opencamera_sim)
    entity_id = _entity(hass)
    full = await browser.offer()
    lines = full.splitlines()
    candidates = [line[2:] for line in lines if line.startswith("a=candidate:")]
    assert candidates
    bare = (
        "\r\n".join(
            line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates"))
        )
        + "\r\n"
    )
    assert not sdp_has_candidates(bare)
    ws = await hass_ws_client(hass)
    session_id, _ = await _offer(ws, entity_id, bare)
    for candidate in candidates:
        await ws.send_json_auto_id(
            {
                "type": "camera/webrtc/candidate",
                "entity_id": entity_id,
                "session_id": session_id,
                "candidate": {"candidate": candidate, "sdpMLineIndex": 0},
            }
        )
        assert (await ws.receive_json())["success"]
    answer = await ws.receive_json()
    assert answer["event"]["type"] == "answer", answer
    sent = opencamera_sim.sessions[-1].offer
    assert all(f"a={candidate}" in sent for candidate in candidates)
    await browser.pc.setRemoteDescription(
        RTCSessionDescription(answer["event"]["answer"], "answer")
    )
    await wait_for(lambda: len(browser.frames) >= 2, seconds=15)
    # A late candidate is accepted and dropped.
    await ws.send_json_auto_id(
        {
            "type": "camera/webrtc/candidate",
            "entity_id": entity_id,
            "session_id": session_id,
            "candidate": {"candidate": candidates[0], "sdpMid": "0"},
        }
    )
    assert (await ws.receive_json())["success"]


def test_offer_with_candidates() -> None:
    """Candidates go to the section their mid or index names; the first one otherwise."""
    from webrtc_models import RTCIceCandidateInit

    sdp = "v=0\r\nm=video 9 X 96\r\na=mid:v\r\nm=audio 9 X 0\r\na=mid:a\r\n"
    merged = offer_with_candidates(
        sdp,
        [
            RTCIceCandidateInit("candidate:1 1 udp 1 10.0.0.1 5000 typ host", sdp_mid="a"),
            RTCIceCandidateInit("candidate:2 1 udp 1 10.0.0.1 5001 typ host", sdp_m_line_index=0),
            RTCIceCandidateInit("a=candidate:3 1 udp 1 10.0.0.1 5002 typ host"),
            RTCIceCandidateInit("junk"),
        ],
    )
    video, audio = merged.split("m=audio")
    assert "candidate:2" in video
    assert "candidate:3" in video
    assert "candidate:1" in audio
    assert "junk" not in merged
    assert offer_with_candidates(sdp, []) == sdp
    assert offer_with_candidates("v=0\r\n", [RTCIceCandidateInit("candidate:1")]) == "v=0\r\n"
    assert sdp_has_candidates(merged)


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (500, "webrtc_refused", "refused the live video request"),
        ("drop", "webrtc_camera_unavailable", "H.264"),
        ("notanswer", "webrtc_bad_answer", "not a WebRTC answer"),
    ],
)
async def test_offer_errors_reach_the_frontend(
    hass: HomeAssistant,
    hass_ws_client,  # type: ignore[no-untyped-def]
    browser: Browser,
    opencamera_sim: OpenCameraSimulator,
    fault: int | str,
    code: str,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused offer, a dropped connection, a reply that is no answer: WebRTC errors."""
    await setup_camera(hass, opencamera_sim)
    entity_id = _entity(hass)
    opencamera_sim.fail["session"] = fault
    ws = await hass_ws_client(hass)
    await _offer(ws, entity_id, await browser.offer())
    error = await ws.receive_json()
    assert error["event"]["type"] == "error"
    assert error["event"]["code"] == code
    assert words in error["event"]["message"]
    assert "live video cannot start" in caplog.text
    # The camera answers again: the next offer plays.
    opencamera_sim.fail.clear()
    await _offer(ws, entity_id, await browser.offer())
    answer = await ws.receive_json()
    assert answer["event"]["type"] == "answer"
    await browser.pc.setRemoteDescription(
        RTCSessionDescription(answer["event"]["answer"], "answer")
    )
    await wait_for(lambda: len(browser.frames) >= 1, seconds=15)


async def test_offline_camera_says_so(
    hass: HomeAssistant,
    hass_ws_client,  # type: ignore[no-untyped-def]
    browser: Browser,
    opencamera_full_sim: OpenCameraSimulator,
) -> None:
    """An offline camera: a WebRTC error at once, no request to the camera."""
    entry = await setup_camera(hass, opencamera_full_sim)
    entity_id = _entity(hass)
    opencamera_full_sim.fail["device"] = "drop"
    opencamera_full_sim.fail["system"] = "drop"
    await entry.runtime_data.coordinator.async_refresh()
    sessions = opencamera_full_sim.requests["session"]
    ws = await hass_ws_client(hass)
    await _offer(ws, entity_id, await browser.offer())
    error = await ws.receive_json()
    assert error["event"]["code"] == "live_camera_offline"
    assert opencamera_full_sim.requests["session"] == sessions


async def test_token_expiry_during_a_live_session(
    hass: HomeAssistant,
    hass_ws_client,  # type: ignore[no-untyped-def]
    browser: Browser,
    opencamera_full_sim: OpenCameraSimulator,
) -> None:
    """Tokens that expire while video plays: the next offer gets a new token and plays."""
    await setup_camera(hass, opencamera_full_sim)
    entity_id = _entity(hass)
    ws = await hass_ws_client(hass)
    await _offer(ws, entity_id, await browser.offer())
    answer = await ws.receive_json()
    await browser.pc.setRemoteDescription(
        RTCSessionDescription(answer["event"]["answer"], "answer")
    )
    await wait_for(lambda: len(browser.frames) >= 2, seconds=15)
    tokens = opencamera_full_sim.requests["token"]
    opencamera_full_sim.expire_tokens()
    frames = len(browser.frames)
    await wait_for(lambda: len(browser.frames) > frames + 2, seconds=15)  # peer to peer
    second = Browser()
    try:
        await _offer(ws, entity_id, await second.offer())
        answer = await ws.receive_json()
        assert answer["event"]["type"] == "answer"
        await second.pc.setRemoteDescription(
            RTCSessionDescription(answer["event"]["answer"], "answer")
        )
        await wait_for(lambda: len(second.frames) >= 1, seconds=15)
    finally:
        await second.close()
    assert opencamera_full_sim.requests["token"] == tokens + 1
