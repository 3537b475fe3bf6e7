"""The demo's AIPIX server: what its Overview names exists, and its motion arrives."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
import contextlib
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from scripts.demo import dashboard
from scripts.demo_aipix import (
    SPARE_AIPIX_LOGIN,
    SPARE_AIPIX_PASSWORD,
    aipix_cards,
    aipix_controls,
    aipix_simulator,
    aipix_title,
    lively_analytics,
    spare_aipix,
)
from tests.conftest import aipix_entry, wait_for
from tests.simulators.aipix import AipixSimulator


@pytest.fixture
async def demo_aipix(socket_enabled: None) -> AsyncGenerator[AipixSimulator]:
    """Run the demo's AIPIX server."""
    sim = aipix_simulator()
    await sim.start()
    yield sim
    await sim.stop()


def _entity_ids(cards: list[dict[str, Any]]) -> Iterator[str]:
    """Yield every entity id a list of cards names, stacks included."""
    for card in cards:
        yield from _entity_ids(card.get("cards", []))
        if "camera_image" in card:
            yield card["camera_image"]
        yield from card.get("entities", [])


async def _set_up(hass: HomeAssistant, sim: AipixSimulator) -> MockConfigEntry:
    entry = aipix_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: sim.subscribed() == 1)
    return entry


async def test_aipix_cards_name_real_entities(
    hass: HomeAssistant, demo_aipix: AipixSimulator
) -> None:
    """Every entity the Overview names exists; the PTZ camera has steps and home, no stop."""
    entry = await _set_up(hass, demo_aipix)
    controls = aipix_controls(demo_aipix)
    cards = dashboard(aipix_cards(demo_aipix), controls)["views"][0]["cards"]
    assert len(cards) == len(demo_aipix.cameras)
    names = list(_entity_ids(cards))
    assert "button.courtyard_home_position" in names
    for entity_id in names:
        assert hass.states.get(entity_id) is not None, entity_id
    assert hass.states.get("button.courtyard_ptz_stop") is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_lively_analytics_push_motion(
    hass: HomeAssistant, demo_aipix: AipixSimulator
) -> None:
    """The demo's analytics pushes reach a motion sensor."""
    await _set_up(hass, demo_aipix)
    motion = [
        f"binary_sensor.{cam.name.lower().replace(' ', '_')}_motion"
        for cam in demo_aipix.cameras.values()
    ]
    assert all(hass.states.get(e).state == STATE_OFF for e in motion)  # type: ignore[union-attr]
    said: list[str] = []
    task = hass.async_create_background_task(
        lively_analytics(demo_aipix, every=0.05, log=said.append), "lively"
    )
    try:
        await wait_for(
            lambda: any(hass.states.get(e).state == STATE_ON for e in motion)  # type: ignore[union-attr]
        )
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    assert said
    assert said[0].startswith("AIPIX: ")


async def test_spare_aipix_through_the_flow(hass: HomeAssistant, socket_enabled: None) -> None:
    """The spare server (23.09) is added through the config flow with README's login."""
    sim = spare_aipix()
    await sim.start()
    try:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "aipix"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "url": sim.url,
                "username": SPARE_AIPIX_LOGIN,
                "password": SPARE_AIPIX_PASSWORD,
                "verify_ssl": False,
            },
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == aipix_title(sim)
        await hass.async_block_till_done()
        assert hass.states.get("camera.gatehouse") is not None
        assert sim.requests["POST /api/v1/cameras/video"] == 0
        entry = result["result"]
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
