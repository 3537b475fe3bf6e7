"""The demo's prepared configuration: what a newcomer sees must exist."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from scripts.demo import (
    dashboard,
    ipcamlive_cards,
    lively_alerts,
    prepare_config,
    videoloft_cards,
    videoloft_controls,
)
from tests.conftest import wait_for
from tests.simulators.ipcamlive import IPCamLiveSimulator
from tests.simulators.videoloft import VideoloftSimulator


def test_prepared_config(tmp_path: Path) -> None:
    prepare_config(tmp_path, 8123, [("Front Garden", ["binary_sensor.stream"])])
    configuration = (tmp_path / "configuration.yaml").read_text()
    assert "default_config" not in configuration.replace("# Written by", "").split("\n", 1)[1]
    assert "server_port: 8123" in configuration
    assert (tmp_path / "custom_components" / "omnicam").resolve().joinpath("manifest.json").exists()
    onboarding = json.loads((tmp_path / ".storage" / "onboarding").read_text())
    assert "user" not in onboarding["data"]["done"]
    lovelace = json.loads((tmp_path / ".storage" / "lovelace").read_text())
    assert lovelace["data"]["config"]["views"][0]["cards"][0]["camera_image"] == (
        "camera.front_garden"
    )
    # A second run keeps what Home Assistant wrote since.
    (tmp_path / ".storage" / "lovelace").write_text("{}")
    prepare_config(tmp_path, 8123, [])
    assert (tmp_path / ".storage" / "lovelace").read_text() == "{}"
    # Also once Home Assistant has moved the Overview to its new place.
    (tmp_path / ".storage" / "lovelace").rename(tmp_path / ".storage" / "lovelace.lovelace")
    prepare_config(tmp_path, 8123, [])
    assert not (tmp_path / ".storage" / "lovelace").exists()


async def test_dashboard_names_real_entities(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    cards = dashboard(ipcamlive_cards(ipcamlive))["views"][0]["cards"]
    assert len(cards) == len(ipcamlive.cameras)
    for card in cards:
        for entity_id in [card["camera_image"], *card["entities"]]:
            assert hass.states.get(entity_id) is not None, entity_id


def _entity_ids(cards: list[dict[str, Any]]) -> Iterator[str]:
    """Yield every entity id a list of cards names, stacks included."""
    for card in cards:
        yield from _entity_ids(card.get("cards", []))
        if "camera_image" in card:
            yield card["camera_image"]
        for entity in card.get("entities", []):
            yield entity if isinstance(entity, str) else entity["entity"]


async def test_videoloft_cards_name_real_entities(
    hass: HomeAssistant, videoloft_loaded: MockConfigEntry, videoloft: VideoloftSimulator
) -> None:
    controls = videoloft_controls(videoloft)
    cards = dashboard(videoloft_cards(videoloft), controls)["views"][0]["cards"]
    assert len(cards) == len(videoloft.cameras)
    # The Garden camera moves and records; the read-only Room 1 gets no buttons.
    garden = controls["Garden (Customer 1)"]
    assert {"button.ptz_left", "button.zoom_in", "button.ptz_stop"} <= set(garden)
    assert "button.record_event" in garden
    assert "Room 1 (Customer 1)" not in controls
    ids = list(_entity_ids(cards))
    assert "binary_sensor.garden_customer_1_motion" in ids
    assert "button.garden_customer_1_ptz_up" in ids
    for entity_id in ids:
        assert hass.states.get(entity_id) is not None, entity_id


async def test_lively_alerts_move_motion_sensors(
    hass: HomeAssistant, videoloft_loaded: MockConfigEntry, videoloft: VideoloftSimulator
) -> None:
    motion = [
        f"binary_sensor.{card['camera_image'].split('.')[1]}_motion"
        for card in dashboard(videoloft_cards(videoloft))["views"][0]["cards"]
    ]
    task = asyncio.ensure_future(lively_alerts(videoloft, every=0.05, seconds=0.3))
    try:
        await wait_for(lambda: any(hass.states.get(m).state == STATE_ON for m in motion))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Stopping ends the alert that was going on: motion follows it off.
    await wait_for(lambda: all(hass.states.get(m).state == STATE_OFF for m in motion))
