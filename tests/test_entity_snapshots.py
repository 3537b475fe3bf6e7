"""Videoloft and Amcrest entities, state and registry entry (snapshot tests)."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.conftest import amcrest_entry, videoloft_entry
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.videoloft import VideoloftSimulator

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SELECT, Platform.SWITCH]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [p for p in PLATFORMS if p is not Platform.SELECT])
async def test_videoloft_entities(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    entry = videoloft_entry(videoloft)
    entry.add_to_hass(hass)
    with patch("custom_components.omnicam.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_amcrest_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    sim = AmcrestSimulator(channels=4)
    await sim.start()
    try:
        entry = amcrest_entry(sim)
        entry.add_to_hass(hass)
        with patch("custom_components.omnicam.PLATFORMS", [platform]):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
