"""Amcrest / Dahua live video really plays: RTSP with Digest, through Home Assistant's stream.

The simulator's RTSP server (tests/simulators/rtsp.py) sends real H.264 over RTP, as the
devices do; Home Assistant's stream worker (FFmpeg) opens the URL the camera gives, meets
the Digest challenge, and cuts the video into HLS segments for the browser.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import logging
import time
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import assert_no_secret, setup_amcrest, wait_for
from tests.playback import async_play, async_stop, camera_entity
from tests.simulators.amcrest import AmcrestSimulator


@pytest.fixture
async def nvr(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    sim = AmcrestSimulator(channels=4)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def loaded(hass: HomeAssistant, nvr: AmcrestSimulator) -> MockConfigEntry:
    return await setup_amcrest(hass, nvr)


async def test_live_video_plays_through_home_assistants_stream(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = await async_play(hass, "camera.garage")
    segments = stream.outputs()["hls"].get_segments()
    await wait_for(lambda: len(segments) >= 2, 15)  # one whole segment, and the next begun
    segment = segments[0]
    assert segment.duration >= 1
    assert b"avc1" in (segment.init or b"")  # H.264, as the device sends it
    assert nvr.rtsp.unauthorized >= 1  # the Digest challenge was met
    assert nvr.rtsp.requests["PLAY"] == 1
    assert nvr.rtsp.sessions == 1
    await async_stop(stream)
    await wait_for(lambda: nvr.rtsp.sessions == 0)
    assert_no_secret(caplog, nvr.password, "s3cret%3Ap%40ss%2Fw0rd")


async def test_sub_stream_plays(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], {"substream": True})
    await hass.async_block_till_done()
    stream = await async_play(hass, "camera.front_door")
    assert stream.source.endswith("channel=1&subtype=1")
    await async_stop(stream)


async def test_refusing_rtsp_server_ends_the_stream_at_once(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_ws_client,  # type: ignore[no-untyped-def]
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    nvr.rtsp.refuse = 503  # out of sessions
    ws = await hass_ws_client(hass)
    client = await hass_client_no_auth()
    with patch("homeassistant.components.stream.STREAM_RESTART_INCREMENT", 0.1):
        await ws.send_json_auto_id({"type": "camera/stream", "entity_id": "camera.garage"})
        answer = await ws.receive_json()
        assert answer["success"]
        started = time.monotonic()
        url = answer["result"]["url"].replace("playlist", "master_playlist")
        assert (await client.get(url)).status == 404
        assert time.monotonic() - started < 10
        camera = camera_entity(hass, "camera.garage")
        await wait_for(lambda: camera.stream is not None and camera.stream._thread is None)
        tries = nvr.rtsp.requests["DESCRIBE"]
        assert tries >= 1
        await asyncio.sleep(1.0)
        assert nvr.rtsp.requests["DESCRIBE"] == tries  # nobody left retrying
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.omnicam") and r.levelno == logging.WARNING
    ]
    assert warnings == ["camera.garage: live video cannot start: the stream did not open"]
    # The device serves again: the next viewer plays.
    nvr.rtsp.refuse = None
    stream = await async_play(hass, "camera.garage")
    await async_stop(stream)
