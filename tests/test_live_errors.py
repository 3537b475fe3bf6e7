"""Live video that cannot start says so quickly, once, and leaves nothing running behind.

Real Home Assistant (camera, stream and its FFmpeg worker) against the Videoloft
simulator: what a browser gets from ``camera/stream``, what the log says, and what keeps
reaching the relay and the vendor after the viewer left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import wait_for
from tests.playback import async_serve_api, camera_entity
from tests.simulators.videoloft import VideoloftSimulator

CAMERA = "camera.garden_customer_1"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.omnicam") and r.levelno == logging.WARNING
    ]


async def _ask_stream(ws) -> dict:  # type: ignore[no-untyped-def]
    """Ask for the camera's stream as the frontend does; return the answer and its time."""
    await ws.send_json_auto_id({"type": "camera/stream", "entity_id": CAMERA})
    return await ws.receive_json()  # type: ignore[no-any-return]


async def test_refused_live_start_is_a_quick_clear_error_logged_once(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_ws_client,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    videoloft.override["sendcameratask"] = (403, {"error": "no live video for you"})
    ws = await hass_ws_client(hass)
    for _ in range(3):
        started = time.monotonic()
        answer = await _ask_stream(ws)
        assert time.monotonic() - started < 3
        assert not answer["success"]
        assert answer["error"]["code"] == "start_stream_failed"
        message = answer["error"]["message"]
        assert message.startswith("Live video of Garden (Customer 1) could not start")
        assert "not allowed (no live video for you)" in message
    assert len(_warnings(caplog)) == 1, _warnings(caplog)
    assert "live video cannot start" in _warnings(caplog)[0]
    # No stream was started: nothing runs in the background.
    camera = camera_entity(hass, CAMERA)
    assert camera.stream is None
    # It works again: the next failure is worth a warning again.
    del videoloft.override["sendcameratask"]
    answer = await _ask_stream(ws)
    assert answer["success"]
    await camera.stream.stop()
    videoloft.override["sendcameratask"] = (403, {"error": "no live video for you"})
    camera_entity(hass, CAMERA)._live_relay().asked_at = None  # a new viewer, a new ask
    assert not (await _ask_stream(ws))["success"]
    assert len(_warnings(caplog)) == 2


async def test_camera_off_or_offline_is_said_at_once(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_ws_client,  # type: ignore[no-untyped-def]
) -> None:
    assert await async_setup_component(hass, "stream", {})
    ws = await hass_ws_client(hass)
    # The Hall camera's adapter is offline: not asked at all.
    await ws.send_json_auto_id({"type": "camera/stream", "entity_id": "camera.hall_customer_2"})
    answer = await ws.receive_json()
    assert not answer["success"]
    assert answer["error"]["message"] == (
        "Hall (Customer 2) is offline: live video plays once it is back online"
    )
    assert videoloft.tasks == []
    # Switched off at the vendor.
    camera = camera_entity(hass, CAMERA)
    with patch.object(type(camera.camera), "enabled", False, create=True):
        answer = await _ask_stream(ws)
    assert not answer["success"]
    assert answer["error"]["message"] == "Camera is off"  # Home Assistant's own words


async def test_camera_that_does_not_go_live_is_an_error(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_ws_client,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.omnicam.vendors import videoloft as videoloft_module

    assert await async_setup_component(hass, "stream", {})
    monkeypatch.setattr(videoloft_module, "LIVE_WAIT", 0.3)
    videoloft.live_delay = 30  # the camera takes the command but never streams in time
    ws = await hass_ws_client(hass)
    answer = await _ask_stream(ws)
    assert not answer["success"]
    assert "did not start streaming" in answer["error"]["message"]


async def test_failed_stream_is_not_retried_after_the_viewer_left(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_ws_client,  # type: ignore[no-untyped-def]
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    client = await async_serve_api(hass, hass_client_no_auth)
    ws = await hass_ws_client(hass)
    # The camera agrees to stream, but its Wowza server has no playlist for it.
    videoloft.override["wowza_playlist"] = (404, {"error": "no such stream"})
    # Home Assistant's stream retries a failed worker after 10 s, 20 s, ...: here after
    # a fraction of a second, so that a stream left running shows at once.
    with patch("homeassistant.components.stream.STREAM_RESTART_INCREMENT", 0.1):
        answer = await _ask_stream(ws)
        assert answer["success"]
        # The player reads the playlist: it gets an answer quickly, not a wait without end.
        started = time.monotonic()
        response = await client.get(answer["result"]["url"].replace("playlist", "master_playlist"))
        assert response.status == 404
        assert time.monotonic() - started < 10
        camera = camera_entity(hass, CAMERA)
        await wait_for(lambda: camera.stream is not None and camera.stream._thread is None)
        # The viewer has left: nothing reaches the relay or the vendor any more.
        reads = videoloft.requests["wowza_playlist"]
        tasks = len(videoloft.tasks)
        assert reads >= 1
        await asyncio.sleep(1.5)
        assert videoloft.requests["wowza_playlist"] == reads
        assert len(videoloft.tasks) == tasks
    warnings = _warnings(caplog)
    assert warnings == [f"{CAMERA}: live video cannot start: the stream did not open"]


async def test_relay_answers_a_refused_start_at_once(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What go2rtc (or any player of the relay) meets: an error at once, said once.
    camera = camera_entity(hass, CAMERA)
    url = await camera.stream_source()
    assert url is not None
    client = await hass_client_no_auth()
    path = "/" + url.split("/", 3)[3]
    videoloft.override["sendcameratask"] = (403, {"error": "no live video for you"})
    for _ in range(2):
        started = time.monotonic()
        assert (await client.get(path)).status == 502
        assert time.monotonic() - started < 3
    assert videoloft.requests["wowza_playlist"] == 0  # nothing asked where nothing plays
    assert len(_warnings(caplog)) == 1
    del videoloft.override["sendcameratask"]
    assert (await client.get(path)).status == 200


async def test_preloaded_stream_that_cannot_start_is_no_error_at_start_up(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from homeassistant.components.camera.const import DATA_CAMERA_PREFS

    # Home Assistant preloads such a stream at start-up, camera after camera: an error
    # there would leave the cameras after it without theirs. Nobody waits: no stream.
    assert await async_setup_component(hass, "stream", {})
    await hass.data[DATA_CAMERA_PREFS].async_update(CAMERA, preload_stream=True)
    videoloft.override["sendcameratask"] = (403, {"error": "no live video for you"})
    camera = camera_entity(hass, CAMERA)
    assert await camera.async_create_stream() is None
    assert len(_warnings(caplog)) == 1
