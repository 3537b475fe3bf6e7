"""Videoloft, Amcrest, OpenCamera and AIPIX entities, state and registry entry (snapshot tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion
from syrupy.types import PropertyPath
from yarl import URL

from tests.conftest import aipix_entry, amcrest_entry, opencamera_entry, videoloft_entry
from tests.simulators.aipix import AipixSimulator
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.opencamera import OpenCameraSimulator
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


OPENCAMERA_PLATFORMS = {
    "daemon": [Platform.BINARY_SENSOR],
    "full": [Platform.BINARY_SENSOR, Platform.SENSOR],
}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("mode", "platform"),
    [(mode, platform) for mode, kinds in OPENCAMERA_PLATFORMS.items() for platform in kinds],
)
async def test_opencamera_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mode: str,
    platform: Platform,
) -> None:
    """The real daemon: Online only; the full API: SD card, stream and Last boot too.

    The camera's name is its address, whose port the system picks: the snapshots say PORT.
    """
    sim = OpenCameraSimulator(mode=mode)
    sim.uptime_form = "boot_epoch"  # a fixed boot moment, whenever the test runs
    sim.boot_time = datetime(2026, 11, 18, 6, 30, tzinfo=UTC)
    await sim.start()
    try:
        entry = opencamera_entry(sim)
        entry.add_to_hass(hass)
        with patch("custom_components.omnicam.PLATFORMS", [platform]):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        assert entries
        assert {entity.domain for entity in entries} == {platform}
        without_port = _without_port(sim.port)
        for entity in entries:
            name = without_port(data=entity.entity_id, path=())
            assert entity.disabled_by is None
            assert entity == snapshot(name=f"{name}-entry", matcher=without_port)
            assert hass.states.get(entity.entity_id) == snapshot(
                name=f"{name}-state", matcher=without_port
            )
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_opencamera_daemon_has_no_sensors(
    hass: HomeAssistant, opencamera_sim: OpenCameraSimulator, entity_registry: er.EntityRegistry
) -> None:
    """The real daemon answers 501 to /device and /system: no sensor at all."""
    entry = opencamera_entry(opencamera_sim)
    entry.add_to_hass(hass)
    with patch("custom_components.omnicam.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert er.async_entries_for_config_entry(entity_registry, entry.entry_id) == []


AIPIX_PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR, Platform.EVENT]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", AIPIX_PLATFORMS)
async def test_aipix_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Three cameras: Entrance online, Yard PTZ (steps, home, no stop), Parking blocked.

    Online, Motion, Archive recording; Home position and Mark buttons; Archive start (a
    fixed first archive range); the alert entity with AIPIX's analytic kinds. The account's
    unique id holds the simulator's port, which the system picks: the snapshots say PORT.
    """
    sim = AipixSimulator()
    start = int(datetime(2026, 11, 15, 2, 0, tzinfo=UTC).timestamp())
    for n, cam in enumerate(sim.cameras.values()):
        cam.uuid = f"00000000-0000-4000-8000-{cam.id:012d}"
        cam.archive_ranges = [{"from": start + n * 60, "duration": 3600}]
    parking = next(cam for cam in sim.cameras.values() if cam.name == "Parking")
    parking.user_status = "blocked"
    await sim.start()
    try:
        entry = aipix_entry(sim)
        entry.add_to_hass(hass)
        with patch("custom_components.omnicam.PLATFORMS", [platform]):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        assert entries
        assert {entity.domain for entity in entries} == {platform}
        without_port = _without_port(URL(sim.url).port or 0)
        for entity in entries:
            assert entity.disabled_by is None
            name = entity.entity_id
            assert entity == snapshot(name=f"{name}-entry", matcher=without_port)
            assert hass.states.get(entity.entity_id) == snapshot(
                name=f"{name}-state", matcher=without_port
            )
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


def _without_port(port: int) -> Any:
    """Return a snapshot matcher that writes the simulator's port as PORT."""

    def match(*, data: Any, path: PropertyPath) -> Any:
        if isinstance(data, str):
            return data.replace(f":{port}", ":PORT").replace(f"_{port}", "_PORT")
        return data

    return match
