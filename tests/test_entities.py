"""Every entity's state and registry entry, per camera plan (snapshot tests)."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from tests.conftest import ipcamlive_entry
from tests.simulators.ipcamlive import IPCamLiveSimulator


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Keep the simulator's recording times stable for the snapshots."""
    freezer.move_to("2026-11-21 12:00:00+00:00")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.BINARY_SENSOR, Platform.SENSOR, Platform.SWITCH])
async def test_entities(
    hass: HomeAssistant,
    ipcamlive: IPCamLiveSimulator,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    with patch("custom_components.omnicam.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_plan_decides_which_entities_exist(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    # Professional with storage, time-lapse and PIN lock: everything.
    assert hass.states.get("switch.front_garden_pin_lock") is not None
    assert hass.states.get("sensor.front_garden_storage_used") is not None
    # Standard: storage but no PIN lock.
    assert hass.states.get("sensor.parking_gate_storage_used") is not None
    assert hass.states.get("switch.parking_gate_pin_lock") is None
    # Basic: live view and state only.
    assert hass.states.get("camera.workshop") is not None
    assert hass.states.get("sensor.workshop_bandwidth") is None
    assert hass.states.get("sensor.workshop_storage_used") is None
    assert hass.states.get("switch.workshop_pin_lock") is None
    assert hass.states.get("sensor.workshop_service_plan").state == "basic"


async def test_camera_entities(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    # The access token in a camera's attributes is random: leave it out.
    for entity in er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id):
        if entity.domain != "camera":
            continue
        assert entity == snapshot(
            name=f"{entity.entity_id}-entry", exclude=props("id", "created_at", "modified_at")
        )
        state = hass.states.get(entity.entity_id)
        assert state.attributes["access_token"] not in str(state.attributes.get("friendly_name"))
        assert state == snapshot(
            name=f"{entity.entity_id}-state",
            exclude=props(
                "access_token",
                "entity_picture",
                "last_changed",
                "last_reported",
                "last_updated",
                "context",
            ),
        )
