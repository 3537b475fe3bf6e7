"""PIN lock switch and the set_pin_codes action."""

from __future__ import annotations

from homeassistant.components.switch import (
    DOMAIN as SWITCH_DOMAIN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from tests.conftest import assert_no_secret
from tests.simulators.ipcamlive import IPCamLiveSimulator

LOCK = "switch.front_garden_pin_lock"


async def test_pin_lock_state_hides_codes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    state = hass.states.get(LOCK)
    assert state.state == STATE_ON
    assert state.attributes["pin_code_count"] == 2
    assert "6108" not in str(state.attributes)


async def test_pin_lock_on_and_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: LOCK}, blocking=True
    )
    cam = ipcamlive.cameras["55c9f405218d1"]
    assert cam.pinlock is False
    assert cam.pincodes == "6108:Pin-1;8471:Pin-2"
    assert hass.states.get(LOCK).state == STATE_OFF
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: LOCK}, blocking=True
    )
    assert cam.pinlock is True
    assert hass.states.get(LOCK).state == STATE_ON


async def test_set_pin_codes(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_pin_codes",
        {ATTR_ENTITY_ID: LOCK, "codes": ["73914:Front door", "551234"]},
        blocking=True,
    )
    cam = ipcamlive.cameras["55c9f405218d1"]
    assert cam.pincodes == "73914:Front door;551234"
    assert cam.pinlock is True
    assert hass.states.get(LOCK).attributes["pin_code_count"] == 2
    assert_no_secret(caplog, "73914", "551234", ipcamlive.secret)


@pytest.mark.parametrize(
    ("codes", "key"),
    [
        (["12a4"], "invalid_pin_code"),
        (["123"], "invalid_pin_code"),
        (["1234:a;b"], "invalid_pin_comment"),
        (["1234", "1234:again"], "duplicate_pin_code"),
        ([], "pin_lock_needs_code"),
    ],
)
async def test_set_pin_codes_validation(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    codes: list[str],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_pin_codes", {ATTR_ENTITY_ID: LOCK, "codes": codes}, blocking=True
        )
    assert err.value.translation_key == key
    assert ipcamlive.cameras["55c9f405218d1"].pincodes == "6108:Pin-1;8471:Pin-2"


async def test_remove_all_codes_after_unlocking(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: LOCK}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN, "set_pin_codes", {ATTR_ENTITY_ID: LOCK, "codes": []}, blocking=True
    )
    assert ipcamlive.cameras["55c9f405218d1"].pincodes == ""
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: LOCK}, blocking=True
        )


async def test_pin_lock_vendor_errors(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.fail = "500"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: LOCK}, blocking=True
        )
    assert err.value.translation_key == "command_failed"
    ipcamlive.fail = None
    ipcamlive.secret = "rotated"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: LOCK}, blocking=True
        )
    assert err.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    assert [f["context"]["source"] for f in hass.config_entries.flow.async_progress()] == ["reauth"]
