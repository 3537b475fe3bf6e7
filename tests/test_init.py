"""Set-up, unload, cameras coming and going, and recovery from a misbehaving vendor."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.omnicam.const import DOMAIN, POLL_INTERVAL
from custom_components.omnicam.devices import SINGLE_ENTRY_DEVICES
from custom_components.omnicam.registry import async_rescope
from custom_components.omnicam.vendors import ipcamlive as ipcamlive_module
from tests.conftest import assert_no_secret, ipcamlive_entry
from tests.registry_helpers import find_device
from tests.simulators.ipcamlive import IPCamLiveSimulator, SimCamera

CAMERA_LIST_INTERVAL = timedelta(seconds=ipcamlive_module.IPCamLiveClient.camera_list_seconds)


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta = POLL_INTERVAL
) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_creates_a_device_per_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    devices = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    names = sorted(device.name for device in devices)
    assert names == ["Front Garden", "Old Barn", "Parking & Gate", "Workshop"]
    garden = find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-test:55c9f405218d1"))
    assert garden is not None
    assert garden.manufacturer == "IPCamLive"
    assert garden.model == "Professional service"


async def test_unload_leaves_nothing_behind(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert all(
        state.state == STATE_UNAVAILABLE
        for state in hass.states.async_all()
        if state.entity_id.startswith(("camera.", "sensor.", "binary_sensor.", "switch."))
    )
    before = sum(ipcamlive.requests.values())
    await _tick(hass, freezer)
    assert sum(ipcamlive.requests.values()) == before
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.async_all() == []


async def test_disabled_camera_is_shown_as_such(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    state = hass.states.get("camera.old_barn")
    assert state is not None
    # A camera entity has no Off state: Idle, as README says, and its Stream sensor is off.
    assert state.state == "idle"
    assert hass.states.get("binary_sensor.old_barn_stream").state == STATE_OFF


async def test_cameras_appear_and_disappear(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    ipcamlive.cameras["6c1d2e3f4a5b6"] = SimCamera("6c1d2e3f4a5b6", "New Porch", "P", storage=False)
    del ipcamlive.cameras["5a0c1b2d3e4f5"]
    await _tick(hass, freezer, CAMERA_LIST_INTERVAL)
    assert hass.states.get("camera.new_porch") is not None
    assert hass.states.get("binary_sensor.new_porch_stream").state == STATE_ON
    assert find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-test:5a0c1b2d3e4f5")) is None
    assert hass.states.get("camera.workshop") is None
    # A camera that comes back is added again.
    ipcamlive.cameras["5a0c1b2d3e4f5"] = SimCamera(
        "5a0c1b2d3e4f5", "Workshop", "B", storage=False, timelapse=False
    )
    await _tick(hass, freezer, CAMERA_LIST_INTERVAL)
    assert hass.states.get("camera.workshop") is not None


async def test_deleted_camera_leaves_at_the_next_polls(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    del ipcamlive.cameras["5a0c1b2d3e4f5"]
    await _tick(hass, freezer)
    # Its status could not be read: unavailable, and the camera list is read again.
    assert hass.states.get("binary_sensor.workshop_stream").state == STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_ON
    await _tick(hass, freezer)
    assert find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-test:5a0c1b2d3e4f5")) is None
    assert hass.states.get("binary_sensor.workshop_stream") is None
    # Set-up, one per refused camera call (to tell a deleted camera from a refused
    # secret), then the list read again.
    assert ipcamlive.requests["getcameras"] == 4


async def test_plan_upgrade_reloads_with_new_entities(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert hass.states.get("sensor.workshop_bandwidth") is None
    ipcamlive.cameras["5a0c1b2d3e4f5"].servicetype = "P"
    await _tick(hass, freezer, CAMERA_LIST_INTERVAL)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.workshop_bandwidth") is not None


def _remove_device_command(entry: MockConfigEntry, device: dr.DeviceEntry) -> dict[str, str]:
    """Return the websocket command the frontend sends to delete a device.

    Since single-entry devices (2026.8) it names the device only; the older command that
    names the entry too is deprecated there.
    """
    if SINGLE_ENTRY_DEVICES:
        return {"type": "config/device_registry/remove", "device_id": device.id}
    return {
        "type": "config/device_registry/remove_config_entry",
        "config_entry_id": entry.entry_id,
        "device_id": device.id,
    }


async def test_remove_device_only_when_camera_gone(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client,  # type: ignore[no-untyped-def]
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    device = find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-test:55c9f405218d1"))
    await client.send_json_auto_id(_remove_device_command(loaded_entry, device))
    response = await client.receive_json()
    assert not response["success"]
    stale = device_registry.async_get_or_create(
        config_entry_id=loaded_entry.entry_id,
        identifiers={(DOMAIN, "ipcamlive:ipcamlive-test:gone")},
    )
    await client.send_json_auto_id(_remove_device_command(loaded_entry, stale))
    response = await client.receive_json()
    assert response["success"]


@pytest.mark.parametrize("fault", ["500", "malformed", "html", "envelope"])
async def test_setup_retries_when_vendor_misbehaves(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, fault: str, freezer: FrozenDateTimeFactory
) -> None:
    ipcamlive.fail = fault
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    ipcamlive.fail = None
    await _tick(hass, freezer, timedelta(minutes=2))
    assert entry.state is ConfigEntryState.LOADED


async def test_setup_with_refused_secret_starts_reauth(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    entry = ipcamlive_entry(ipcamlive, api_key="wrong")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize("fault", ["500", "malformed", "html"])
async def test_entities_recover_after_vendor_faults(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_ON
    ipcamlive.fail = fault
    await _tick(hass, freezer)
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_UNAVAILABLE
    ipcamlive.fail = None
    await _tick(hass, freezer)
    await _tick(hass, freezer)
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_ON
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert_no_secret(caplog, ipcamlive.secret)


async def test_entities_recover_after_timeouts(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short client timeout, so that the hanging simulator is given up on quickly
    # (real time: no frozen clock here, timeouts run on the event loop's clock).
    # Set up with the normal timeout first: a cold first request can be slow.
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    monkeypatch.setattr(ipcamlive_module, "REQUEST_TIMEOUT", aiohttp.ClientTimeout(total=1.0))
    coordinator = entry.runtime_data.coordinator
    ipcamlive.fail = "timeout"
    await coordinator.async_refresh()
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_UNAVAILABLE
    ipcamlive.fail = None
    await coordinator.async_refresh()
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_ON
    await hass.config_entries.async_unload(entry.entry_id)


async def test_secret_refused_later_starts_reauth(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    ipcamlive.secret = "rotated"
    await _tick(hass, freezer)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_state_written_only_when_camera_changed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    garden = hass.states.get("binary_sensor.front_garden_stream")
    workshop = hass.states.get("binary_sensor.workshop_stream")
    ipcamlive.cameras["5a0c1b2d3e4f5"].connected = False
    await _tick(hass, freezer)
    assert hass.states.get("binary_sensor.workshop_stream").state == STATE_OFF
    # The garden did not change: its state object was not written again.
    assert (
        hass.states.get("binary_sensor.front_garden_stream").last_reported == garden.last_reported
    )
    assert hass.states.get("binary_sensor.workshop_stream").last_changed != workshop.last_changed


async def test_entity_registry_ids_are_stable(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    entry = entity_registry.async_get("binary_sensor.front_garden_stream")
    assert entry is not None
    assert entry.unique_id == "ipcamlive:ipcamlive-test:55c9f405218d1:stream_connected"


async def test_entry_of_version_1_1_is_migrated(
    hass: HomeAssistant,
    ipcamlive: IPCamLiveSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An entity key renamed since: the vendor says so once, the migration follows it.
    monkeypatch.setattr(
        ipcamlive_module.IPCamLiveClient, "legacy_entity_keys", {"connected": "stream_connected"}
    )
    entry = ipcamlive_entry(ipcamlive)
    assert (entry.version, entry.minor_version) == (1, 1)
    entry.add_to_hass(hass)
    # What version 1.1 registered: ids without the account.
    device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "ipcamlive:55c9f405218d1")},
        name="Front Garden",
    )
    device_registry.async_update_device(device.id, name_by_user="My garden")
    for domain, key, object_id in (
        ("binary_sensor", "connected", "garden_feed"),
        ("camera", "camera", "garden_cam"),
    ):
        entity_registry.async_get_or_create(
            domain,
            DOMAIN,
            f"ipcamlive:55c9f405218d1:{key}",
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=object_id,
        )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (entry.version, entry.minor_version) == (1, 2)
    feed = entity_registry.async_get("binary_sensor.garden_feed")
    assert feed is not None
    assert feed.unique_id == "ipcamlive:ipcamlive-test:55c9f405218d1:stream_connected"
    assert feed.device_id == device.id
    assert hass.states.get("binary_sensor.garden_feed").state == STATE_ON
    assert hass.states.get("binary_sensor.front_garden_stream") is None  # no twin
    cam = entity_registry.async_get("camera.garden_cam")
    assert cam is not None
    assert cam.unique_id == "ipcamlive:ipcamlive-test:55c9f405218d1:camera"
    assert hass.states.get("camera.garden_cam").state != STATE_UNAVAILABLE
    migrated = device_registry.async_get(device.id)
    assert migrated is not None
    assert migrated.identifiers == {(DOMAIN, "ipcamlive:ipcamlive-test:55c9f405218d1")}
    assert migrated.name_by_user == "My garden"


async def test_entry_of_a_later_version_is_refused(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="IPCamLive",
        unique_id="ipcamlive-test",
        version=2,
        data={"vendor": "ipcamlive", "api_key": ipcamlive.secret, "url": ipcamlive.url},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_rescope_moves_entities_and_devices_to_a_new_account_id(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    before = {
        e.entity_id: e.device_id
        for e in er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id)
    }
    garden = find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-test:55c9f405218d1"))
    assert garden is not None
    await async_rescope(hass, loaded_entry, "ipcamlive-test", "ipcamlive-new")
    hass.config_entries.async_update_entry(loaded_entry, unique_id="ipcamlive-new")
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    after = er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id)
    assert {e.entity_id: e.device_id for e in after} == before
    assert all(e.unique_id.startswith("ipcamlive:ipcamlive-new:") for e in after)
    moved = find_device(device_registry, (DOMAIN, "ipcamlive:ipcamlive-new:55c9f405218d1"))
    assert moved is not None
    assert moved.id == garden.id
    assert hass.states.get("binary_sensor.front_garden_stream").state == STATE_ON
    # Nothing to do when the id stays.
    await async_rescope(hass, loaded_entry, "ipcamlive-new", "ipcamlive-new")


async def test_migration_leaves_what_it_cannot_move(
    hass: HomeAssistant,
    ipcamlive: IPCamLiveSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    # A device and an entity each of whose new ids is taken already, and ids of no
    # known form: all left as they are.
    for identifier in ("ipcamlive:5a0c1b2d3e4f5", "ipcamlive:ipcamlive-test:5a0c1b2d3e4f5"):
        device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(DOMAIN, identifier)}
        )
    for unique_id, object_id in (
        ("ipcamlive:5a0c1b2d3e4f5:stream_connected", "old_twin"),
        ("ipcamlive:ipcamlive-test:5a0c1b2d3e4f5:stream_connected", "new_twin"),
        ("elsewhere:5a0c1b2d3e4f5:x", "foreign"),
        ("ipcamlive:lonely", "lonely"),
    ):
        entity_registry.async_get_or_create(
            "binary_sensor",
            DOMAIN,
            unique_id,
            config_entry=entry,
            suggested_object_id=object_id,
        )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert find_device(device_registry, (DOMAIN, "ipcamlive:5a0c1b2d3e4f5")) is not None
    old_twin = entity_registry.async_get("binary_sensor.old_twin")
    assert old_twin is not None
    assert old_twin.unique_id == "ipcamlive:5a0c1b2d3e4f5:stream_connected"
    assert entity_registry.async_get("binary_sensor.foreign").unique_id.startswith("elsewhere")
    assert entity_registry.async_get("binary_sensor.lonely").unique_id == "ipcamlive:lonely"
    assert "is taken" in caplog.text
    assert "already known" in caplog.text
