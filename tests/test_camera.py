"""Camera entity: snapshots and the HLS stream whose URL moves while playing."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import (
    Camera,
    CameraWebRTCProvider,
    RTCIceCandidateInit,
    StreamType,
    WebRTCSendMessage,
    async_get_image,
    async_get_stream_source,
    async_register_webrtc_provider,
    get_camera_from_entity_id,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from tests.conftest import ipcamlive_entry
from tests.playback import async_stop
from tests.simulators.ipcamlive import IPCamLiveSimulator


async def test_snapshot_is_fetched_and_cached(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    image = await async_get_image(hass, "camera.front_garden")
    assert image.content_type == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8")
    await async_get_image(hass, "camera.front_garden")
    assert ipcamlive.requests["snapshot"] == 1
    assert ipcamlive.requests["getsnapshoturl"] == 1


async def test_snapshot_of_offline_or_disabled_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.cameras["5a0c1b2d3e4f5"].connected = False
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.workshop")
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.old_barn")
    with pytest.raises(HomeAssistantError, match="Camera is off"):
        await async_get_stream_source(hass, "camera.old_barn")


async def test_snapshot_failure_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.fail = "html"
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.front_garden")


async def test_stream_source_is_cached_and_cheap(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    url = await async_get_stream_source(hass, "camera.front_garden")
    assert url == f"{ipcamlive.url}/streams/s21/55c9f405218d1/stream.m3u8"
    assert await async_get_stream_source(hass, "camera.front_garden") == url
    assert ipcamlive.requests["getstreamhlsurl"] == 1


async def test_stream_source_errors_give_none(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.fail = "500"
    assert await async_get_stream_source(hass, "camera.front_garden") is None
    ipcamlive.fail = None
    ipcamlive.secret = "rotated"
    assert await async_get_stream_source(hass, "camera.front_garden") is None
    await hass.async_block_till_done()
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress()] == ["reauth"]


async def test_stream_url_followed_while_playing(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = hass.data["camera"].get_entity("camera.front_garden")
    stream = await camera.async_create_stream()
    assert stream is not None
    first = stream.source
    # Not playing: the URL is not asked for again.
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == 1
    # Playing (an HLS output exists): the URL is asked for every minute and followed.
    stream.add_provider("hls")
    ipcamlive.move_stream("55c9f405218d1")
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == 2
    assert stream.source != first
    assert stream.source.endswith("/streams/s22/55c9f405218d1/stream.m3u8")
    # Unchanged URL: nothing to do.
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == 3
    ipcamlive.fail = "500"
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stream.source.endswith("/streams/s22/55c9f405218d1/stream.m3u8")
    ipcamlive.fail = None
    await async_stop(stream)


class _WebRTCProvider(CameraWebRTCProvider):
    """A WebRTC provider like go2rtc's: it takes any HLS source it is given."""

    @property
    def domain(self) -> str:
        return "test"

    @callback
    def async_is_supported(self, stream_source: str) -> bool:
        return stream_source.startswith("http")

    async def async_handle_async_webrtc_offer(
        self,
        camera: Camera,
        offer_sdp: str,
        session_id: str,
        send_message: WebRTCSendMessage,
    ) -> None:
        raise NotImplementedError

    async def async_on_webrtc_candidate(
        self, session_id: str, candidate: RTCIceCandidateInit
    ) -> None:
        raise NotImplementedError


async def test_camera_without_stream_at_start_gets_webrtc_when_the_vendor_returns(
    hass: HomeAssistant,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "camera", {})
    async_register_webrtc_provider(hass, _WebRTCProvider())
    ipcamlive.override["getstreamhlsurl"] = (500, "down")
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    camera = get_camera_from_entity_id(hass, "camera.front_garden")
    assert camera.camera_capabilities.frontend_stream_types == {StreamType.HLS}
    asked = ipcamlive.requests["getstreamhlsurl"]
    # Still down: each camera asks again at most once a minute.
    freezer.tick(timedelta(seconds=20))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == asked
    freezer.tick(timedelta(seconds=45))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == asked + 3  # once for each of 3 cameras
    assert StreamType.WEB_RTC not in camera.camera_capabilities.frontend_stream_types
    # The vendor is back: without a reload, the camera offers WebRTC.
    del ipcamlive.override["getstreamhlsurl"]
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.camera_capabilities.frontend_stream_types == {
        StreamType.HLS,
        StreamType.WEB_RTC,
    }
    # Found, it is not looked for again.
    asked = ipcamlive.requests["getstreamhlsurl"]
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ipcamlive.requests["getstreamhlsurl"] == asked
    assert await hass.config_entries.async_unload(entry.entry_id)
