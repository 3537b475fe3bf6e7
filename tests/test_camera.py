"""Camera entity: snapshots and the HLS stream whose URL moves while playing."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

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
    await stream.stop()
