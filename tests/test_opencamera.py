"""OpenCamera end to end in Home Assistant: config flow, sensors, stills, recordings."""

from __future__ import annotations

import asyncio
import io

import av
from homeassistant.components import media_source
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from tests.conftest import assert_no_secret
from tests.simulators.opencamera import OpenCameraSimulator, vod_clip
from tests.test_webrtc import setup_camera

JPEG = b"\xff\xd8"


async def _form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "opencamera"}
    )
    assert result["step_id"] == "opencamera"
    return str(result["flow_id"])


async def test_config_flow(
    hass: HomeAssistant,
    opencamera_full_sim: OpenCameraSimulator,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each error in the camera's words, then the camera by its uuid."""
    sim = opencamera_full_sim
    flow = await _form(hass)
    form = {"url": sim.url, "username": sim.username, "password": "wrong"}
    result = await hass.config_entries.flow.async_configure(flow, form)
    assert result["errors"] == {"base": "invalid_auth_opencamera"}
    result = await hass.config_entries.flow.async_configure(
        flow, form | {"url": f"http://127.0.0.1:{closed_port}"}
    )
    assert result["errors"] == {"base": "cannot_connect_opencamera"}
    # Something answers there, but not an OpenCamera API (404 for its spec and /device).
    result = await hass.config_entries.flow.async_configure(
        flow, form | {"url": f"{sim.url}/elsewhere"}
    )
    assert result["errors"] == {"base": "wrong_server_opencamera"}
    result = await hass.config_entries.flow.async_configure(flow, form | {"password": sim.password})
    assert result["type"] == "create_entry"
    assert result["result"].unique_id == sim.uuid
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert_no_secret(caplog, sim.password)


async def test_config_flow_daemon_by_address(
    hass: HomeAssistant, opencamera_sim: OpenCameraSimulator
) -> None:
    """The real daemon has no uuid: the address is the unique id; any login works."""
    flow = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow, {"url": opencamera_sim.url, "username": "x", "password": "y"}
    )
    assert result["type"] == "create_entry"
    assert result["result"].unique_id == f"127.0.0.1:{opencamera_sim.port}"


async def test_reconfigure(
    hass: HomeAssistant, opencamera_full_sim: OpenCameraSimulator, socket_enabled: None
) -> None:
    """The same camera at a new address is followed; another camera is refused."""
    entry = await setup_camera(hass, opencamera_full_sim)
    moved = OpenCameraSimulator(mode="full", uuid=opencamera_full_sim.uuid)
    other = OpenCameraSimulator(mode="full", uuid="00000000-0000-4000-8000-000000000001")
    await moved.start()
    await other.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"url": other.url, "username": other.username, "password": other.password},
        )
        assert result["reason"] == "wrong_device"
        assert entry.data["url"] == opencamera_full_sim.url
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"url": moved.url, "username": moved.username, "password": moved.password},
        )
        assert result["reason"] == "reconfigure_successful"
        assert entry.data["url"] == moved.url
        await hass.async_block_till_done()
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await moved.stop()
        await other.stop()


async def test_sensors_and_boot_time(
    hass: HomeAssistant, opencamera_full_sim: OpenCameraSimulator
) -> None:
    """SD card free, total and used; the last boot stays put across polls until a reboot."""
    entry = await setup_camera(hass, opencamera_full_sim)
    coordinator = entry.runtime_data.coordinator
    await coordinator.async_refresh()
    prefix = f"opencamera_127_0_0_1_{opencamera_full_sim.port}"
    states = {state.entity_id: state.state for state in hass.states.async_all("sensor")}
    assert states[f"sensor.{prefix}_sd_card_free"] == "23.0"
    assert states[f"sensor.{prefix}_sd_card_total"] == "32.0"
    assert states[f"sensor.{prefix}_sd_card_used"] == "28.1"
    # What /device tells; no Bandwidth sensor: the API never says it.
    assert states[f"sensor.{prefix}_video_resolution"] == "1920x1080"
    assert states[f"sensor.{prefix}_frame_rate"] == "15.0"
    assert states[f"sensor.{prefix}_video_codec"] == "H.264"
    assert not [entity_id for entity_id in states if "bandwidth" in entity_id]
    boot = hass.states.get(f"sensor.{prefix}_last_boot")
    assert boot is not None
    for _ in range(3):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        again = hass.states.get(f"sensor.{prefix}_last_boot")
        assert again is not None
        assert again.state == boot.state
    assert hass.states.get(f"binary_sensor.{prefix}_online").state == "on"
    opencamera_full_sim.reboot()
    for _ in range(2):
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{prefix}_last_boot").state > boot.state
    # Offline: the online sensor says so; the camera comes back by itself.
    opencamera_full_sim.fail.update({"device": "drop", "system": "drop"})
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{prefix}_online").state == "off"
    opencamera_full_sim.fail.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{prefix}_online").state == "on"


@pytest.mark.parametrize("mode", ["daemon", "full"])
async def test_stills(hass: HomeAssistant, mode: str, socket_enabled: None) -> None:
    """A real JPEG (WebRTC capture, or VOD); one capture for many; still_time shown."""
    sim = OpenCameraSimulator(mode=mode)
    await sim.start()
    try:
        await setup_camera(hass, sim)
        [entity_id] = hass.states.async_entity_ids("camera")
        images = await asyncio.gather(*(async_get_image(hass, entity_id) for _ in range(5)))
        assert all(image.content.startswith(JPEG) for image in images)
        if mode == "daemon":
            assert len(sim.sessions) == 1  # one capture for five requests
        else:
            assert sim.sessions == []  # from the recording
        state = hass.states.get(entity_id)
        assert state is not None
        assert "still_time" in state.attributes
    finally:
        await sim.stop()


async def test_still_placeholder_when_the_camera_fails(
    hass: HomeAssistant, opencamera_sim: OpenCameraSimulator
) -> None:
    """No still can be had: a placeholder image, not an error."""
    await setup_camera(hass, opencamera_sim)
    opencamera_sim.fail["session"] = 500
    [entity_id] = hass.states.async_entity_ids("camera")
    image = await async_get_image(hass, entity_id)
    assert image.content.startswith(JPEG)
    state = hass.states.get(entity_id)
    assert state is not None
    assert "still_time" not in state.attributes


async def test_recordings_in_the_media_browser(
    hass: HomeAssistant,
    opencamera_full_sim: OpenCameraSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    """Full API: Recordings by day, played through the proxy; none in daemon mode."""
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_camera(hass, opencamera_full_sim)
    root = f"media-source://{DOMAIN}/{entry.entry_id}/camera"
    camera = await media_source.async_browse_media(hass, root)
    assert [child.title for child in camera.children] == ["Recordings"]
    client = entry.runtime_data.client
    probes = client.request_count["vod_probe"]
    days = await media_source.async_browse_media(hass, camera.children[0].media_content_id)
    # The days the card holds (the simulator's oldest recording began 34 hours ago),
    # found at set-up: opening the folder asks the camera nothing.
    assert client.request_count["vod_probe"] == probes
    oldest = dt_util.as_local(opencamera_full_sim.recordings[0][0]).date()
    assert len(days.children) == (dt_util.now().date() - oldest).days + 1
    today = await media_source.async_browse_media(hass, days.children[0].media_content_id)
    assert today.children
    item = today.children[0]
    assert item.can_play
    resolved = await media_source.async_resolve_media(hass, item.media_content_id, None)
    client = await hass_client()
    resp = await client.get(resolved.url)
    assert resp.status == 200
    body = await resp.read()
    assert body[4:8] == b"ftyp"


@pytest.mark.parametrize("container", ["mp4", "mpegts", "h264"])
async def test_recordings_play_as_mp4_whatever_the_camera_sends(
    hass: HomeAssistant,
    opencamera_full_sim: OpenCameraSimulator,
    hass_client,  # type: ignore[no-untyped-def]
    container: str,
) -> None:
    """MP4 as it is; MPEG-TS and raw H.264 remuxed to MP4 (the same pictures, not re-encoded)."""
    sim = opencamera_full_sim
    sim.vod_container = container
    assert await async_setup_component(hass, "media_source", {})
    entry = await setup_camera(hass, sim)
    root = f"media-source://{DOMAIN}/{entry.entry_id}/camera/recording"
    days = await media_source.async_browse_media(hass, root)
    today = await media_source.async_browse_media(hass, days.children[0].media_content_id)
    item = today.children[0]
    assert item.can_play
    resolved = await media_source.async_resolve_media(hass, item.media_content_id, None)
    assert resolved.mime_type == "video/mp4"
    http = await hass_client()
    resp = await http.get(resolved.url)
    assert resp.status == 200
    assert resp.content_type == "video/mp4"
    body = await resp.read()
    assert body[4:8] == b"ftyp"
    sent = vod_clip(sim.vod_cap_seconds, *sim.video_size, container_format=container)
    assert await hass.async_add_executor_job(_pictures, body) == await hass.async_add_executor_job(
        _pictures, sent
    )


def _pictures(data: bytes) -> list[tuple[str, bool, bytes]]:
    """Return each coded picture of a video: codec, key frame, its last bytes.

    The headers around a picture differ between containers (start codes or lengths,
    parameter sets in the stream or aside); the coded picture itself does not.
    """
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        name = stream.codec_context.name
        return [(name, p.is_keyframe, bytes(p)[-64:]) for p in container.demux(stream) if p.size]


async def test_no_recordings_in_daemon_mode(
    hass: HomeAssistant, opencamera_sim: OpenCameraSimulator
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    entry: MockConfigEntry = await setup_camera(hass, opencamera_sim)
    camera = await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{entry.entry_id}/camera"
    )
    assert camera.children == []


async def test_diagnostics_and_unload(
    hass: HomeAssistant, opencamera_full_sim: OpenCameraSimulator
) -> None:
    """No password in diagnostics; the token is logged out on unload."""
    from custom_components.omnicam.diagnostics import async_get_config_entry_diagnostics

    entry = await setup_camera(hass, opencamera_full_sim)
    dump = str(await async_get_config_entry_diagnostics(hass, entry))
    assert opencamera_full_sim.password not in dump
    for token in opencamera_full_sim.tokens:
        assert token not in dump
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert opencamera_full_sim.requests["logout"] == 1
