"""AIPIX live video in Home Assistant: the fallback link, and a camera without a stream.

Real Home Assistant (camera, stream and its FFmpeg worker, the ``camera/stream`` websocket
command) against the AIPIX simulator over loopback HTTP.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from tests.conftest import aipix_entry, assert_no_secret, coordinator_of, wait_for
from tests.playback import async_play, async_serve_api, async_stop, camera_entity
from tests.simulators.aipix import AipixSimulator

STREAMS = "GET /api/v1/cameras/{id}/streams"
VIDEO = "POST /api/v1/cameras/video"
LIVE_PLAYLIST = "GET /media/{server}/live/{camera}/{stream}/index.m3u8"


async def _setup(hass: HomeAssistant, sim: AipixSimulator, **data: Any) -> MockConfigEntry:
    entry = aipix_entry(sim, **data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _live_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return what the integration logged at warning level or above about live video."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.omnicam")
        and r.levelno >= logging.WARNING
        and "live" in r.getMessage()
    ]


async def test_live_plays_from_the_fallback_when_the_main_server_is_down(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The link's ``url`` answers 502: Home Assistant's stream plays ``fallback_url``.

    Release 23.09 has no uuid endpoints: its live links come from ``/cameras/{id}/streams``,
    the answer that carries a ``fallback_url``.
    """
    sim = AipixSimulator(release="23.09")
    await sim.start()
    try:
        entry = await _setup(hass, sim)
        await async_serve_api(hass, hass_client_no_auth)  # after set-up: it freezes the router
        sim.dead_servers.add("main")
        played = sim.requests[LIVE_PLAYLIST]
        stream = await async_play(hass, "camera.entrance")
        segments = stream.outputs()["hls"].get_segments()
        await wait_for(lambda: len(segments) >= 2, 15)
        assert b"avc1" in (segments[0].init or b"")
        assert "token" not in str(stream.source)
        # The main link was tried (502) and the fallback's playlist read since.
        assert sim.requests[LIVE_PLAYLIST] >= played + 2
        relay = camera_entity(hass, "camera.entrance")._live_relay()
        assert relay is not None
        assert "/media/fallback/" in relay.upstream
        await async_stop(stream)
        vendor_tokens = [*sim.tokens, *sim.link_tokens(), entry.data["access_token"]]
        assert_no_secret(caplog, *vendor_tokens)
        assert not _live_warnings(caplog), _live_warnings(caplog)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize("api", ["client", "uuid"])
async def test_camera_without_a_stream_is_a_clear_error_said_once(
    hass: HomeAssistant,
    aipix_sim: AipixSimulator,
    hass_ws_client: Any,
    caplog: pytest.LogCaptureFixture,
    api: str,
) -> None:
    """404 on ``/streams``: each viewer gets the reason at once, the log says it once.

    At most one request per attempt to watch (and per API: 25.06's uuid endpoint answers
    404 too), none while nobody watches, no stream left running.
    """
    assert await async_setup_component(hass, "stream", {})
    cam = next(c for c in aipix_sim.cameras.values() if c.name == "Entrance")
    if api == "client":
        cam.uuid = ""  # the client API (as on a server older than 25.06)
    cam.streams = ()
    entry = await _setup(hass, aipix_sim)
    ws = await hass_ws_client(hass)
    asked, minted = aipix_sim.requests[STREAMS], aipix_sim.requests[VIDEO]
    for _ in range(3):
        await ws.send_json_auto_id({"type": "camera/stream", "entity_id": "camera.entrance"})
        answer = await ws.receive_json()
        assert not answer["success"]
        assert answer["error"]["code"] == "start_stream_failed"
        message = answer["error"]["message"]
        assert message.startswith("Live video of Entrance could not start")
        assert "has no stream" in message
    attempts = aipix_sim.requests[STREAMS] - asked
    assert 1 <= attempts <= 3
    assert aipix_sim.requests[VIDEO] - minted <= (3 if api == "uuid" else 0)
    warnings = _live_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "camera.entrance: live video cannot start" in warnings[0]
    assert "has no stream" in warnings[0]
    camera = camera_entity(hass, "camera.entrance")
    assert camera.stream is None
    # Nobody watches: time passes, polls run, the server is not asked for a stream again
    # and again (at most the slow retry of a missing source).
    asked = aipix_sim.requests[STREAMS]
    for minutes in range(1, 6):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=minutes))
        await hass.async_block_till_done()
    assert aipix_sim.requests[STREAMS] - asked <= 5
    assert len(_live_warnings(caplog)) == 1
    # The camera itself stays available, and online: only its live video is missing.
    await coordinator_of(entry).async_refresh()
    assert hass.states.get("camera.entrance").state != "unavailable"
    assert hass.states.get("binary_sensor.entrance_online").state == "on"
    await hass.config_entries.async_unload(entry.entry_id)
