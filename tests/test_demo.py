"""The demo's prepared configuration: what a newcomer sees must exist."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from scripts.demo import dashboard, ipcamlive_cards, prepare_config
from tests.simulators.ipcamlive import IPCamLiveSimulator


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


async def test_dashboard_names_real_entities(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    cards = dashboard(ipcamlive_cards(ipcamlive))["views"][0]["cards"]
    assert len(cards) == len(ipcamlive.cameras)
    for card in cards:
        for entity_id in [card["camera_image"], *card["entities"]]:
            assert hass.states.get(entity_id) is not None, entity_id
