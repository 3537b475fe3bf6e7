"""Diagnostics: complete enough for a bug report, with every secret removed."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion

from tests.conftest import ipcamlive_entry
from tests.simulators.ipcamlive import IPCamLiveSimulator


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Keep the simulator's recording times stable for the snapshot."""
    freezer.move_to("2026-11-21 12:00:00+00:00")


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client,  # type: ignore[no-untyped-def]
    ipcamlive: IPCamLiveSimulator,
    snapshot: SnapshotAssertion,
) -> None:
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert ipcamlive.secret not in text
    assert "6108" not in text
    assert "camera-password" not in text
    diagnostics["entry"]["data"]["url"] = "<simulator>"
    assert isinstance(diagnostics["coordinator"].pop("last_poll_seconds"), float)
    assert diagnostics == snapshot
