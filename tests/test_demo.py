"""The demo's prepared configuration: what a newcomer sees must exist."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
import json
from pathlib import Path
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from scripts.demo import (
    amcrest_cards,
    amcrest_controls,
    amcrest_simulator,
    dashboard,
    ipcamlive_cards,
    lively_alerts,
    lively_motion,
    prepare_config,
    videoloft_cards,
    videoloft_controls,
)
from tests.conftest import amcrest_entry, wait_for
from tests.simulators.amcrest import AmcrestSimulator
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


@pytest.fixture
async def amcrest_nvr(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    """Run the demo's Amcrest recorder on a free loopback port."""
    sim = amcrest_simulator()
    sim.draw_snapshots = False
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def amcrest_loaded(hass: HomeAssistant, amcrest_nvr: AmcrestSimulator) -> MockConfigEntry:
    """Set up an Amcrest entry against the demo's recorder, with its event stream open."""
    entry = amcrest_entry(amcrest_nvr)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    feeds = entry.runtime_data.coordinator.feeds
    await wait_for(lambda: bool(feeds) and all(f.connected for f in feeds.values()))
    await wait_for(lambda: amcrest_nvr.stream_count == 1)
    return entry


async def test_amcrest_cards_name_real_entities(
    hass: HomeAssistant, amcrest_loaded: MockConfigEntry, amcrest_nvr: AmcrestSimulator
) -> None:
    controls = amcrest_controls(amcrest_nvr)
    cards = dashboard(amcrest_cards(amcrest_nvr), controls)["views"][0]["cards"]
    assert len(cards) == amcrest_nvr.channels == 4
    # Front Door moves and has presets, Back Yard moves; Garage is fixed, Driveway says nothing.
    assert set(controls) == {"Front Door", "Back Yard"}
    assert "select.ptz_preset" in controls["Front Door"]
    assert "select.ptz_preset" not in controls["Back Yard"]
    ids = list(_entity_ids(cards))
    for entity_id in (
        "camera.garage",
        "binary_sensor.garage_motion",
        "switch.driveway_continuous_recording",
        "button.front_door_ptz_up",
        "button.back_yard_zoom_in",
        "select.front_door_ptz_preset",
    ):
        assert entity_id in ids
    for entity_id in ids:
        assert hass.states.get(entity_id) is not None, entity_id
    assert hass.states.get("select.front_door_ptz_preset").attributes["options"] == [
        "Gate",
        "Porch",
    ]


async def test_lively_motion_moves_amcrest_motion_sensors(
    hass: HomeAssistant, amcrest_loaded: MockConfigEntry, amcrest_nvr: AmcrestSimulator
) -> None:
    motion = [
        f"binary_sensor.{card['camera_image'].split('.')[1]}_motion"
        for card in dashboard(amcrest_cards(amcrest_nvr))["views"][0]["cards"]
    ]
    assert all(hass.states.get(m).state == STATE_OFF for m in motion)
    task = asyncio.ensure_future(lively_motion(amcrest_nvr, every=0.05, seconds=0.3))
    try:
        await wait_for(lambda: any(hass.states.get(m).state == STATE_ON for m in motion))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Stopping sends the Stop of the motion going on: the sensor follows it off.
    await wait_for(lambda: all(hass.states.get(m).state == STATE_OFF for m in motion))
    assert not amcrest_nvr.active


async def test_spare_accounts_can_be_added_in_the_config_flow(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """README gives a spare account per vendor: each is added through the form, as typed."""
    from homeassistant.data_entry_flow import FlowResultType

    from custom_components.omnicam.const import DOMAIN
    from scripts import demo

    cameras, camera = demo.spare_ipcamlive(), demo.spare_amcrest()
    videoloft = demo.videoloft_simulator()
    for sim in (cameras, camera, videoloft):
        await sim.start()
    try:
        # Every demo camera is online, so every one plays live video.
        assert {cam.status for cam in videoloft.cameras.values()} == {"live"}
        forms = {
            "ipcamlive": {"api_key": demo.SPARE_IPCAMLIVE_SECRET, "url": cameras.url},
            "videoloft": {
                "email": demo.SPARE_VIDEOLOFT_EMAIL,
                "password": demo.SPARE_VIDEOLOFT_PASSWORD,
                "url": videoloft.auth_url,
            },
            "amcrest": {
                "host": camera.host,
                "port": camera.port,
                "username": "admin",
                "password": demo.SPARE_AMCREST_PASSWORD,
            },
        }
        titles = []
        for vendor, form in forms.items():
            result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"next_step_id": vendor}
            )
            result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
            assert result["type"] is FlowResultType.CREATE_ENTRY, result
            titles.append(result["title"])
            await hass.async_block_till_done()
        assert titles == [
            "IPCamLive: Boathouse, Jetty",
            f"Videoloft ({demo.SPARE_VIDEOLOFT_EMAIL})",
            f"IP4M-1041B ({camera.host})",
        ]
        devices = {
            entry.title: len(entry.runtime_data.coordinator.data.cameras)
            for entry in hass.config_entries.async_entries(DOMAIN)
        }
        assert devices[titles[1]] == 2  # Customer 2's own cameras: Kitchen and Hall
        for entry in hass.config_entries.async_entries(DOMAIN):
            assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        for sim in (cameras, camera, videoloft):
            await sim.stop()
