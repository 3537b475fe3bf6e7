"""State that stays true: pushes against polls, failed polls, what an entry leaves behind.

Real Home Assistant against the vendor simulators over loopback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN, POLL_INTERVAL, SAFETY_POLL_INTERVAL
from custom_components.omnicam.devices import SINGLE_ENTRY_DEVICES
from custom_components.omnicam.vendors import amcrest
from tests.conftest import (
    amcrest_entry,
    assert_no_secret,
    coordinator_of,
    videoloft_entry,
    wait_for,
)
from tests.registry_helpers import entry_ids, find_device
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.videoloft import GARDEN, HALL, KITCHEN, ROOM, VideoloftSimulator


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


# -- a poll never overwrites a newer push ---------------------------------------------


async def test_push_during_a_slow_poll_stands(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    online = "binary_sensor.hall_customer_2_online"
    garden = "binary_sensor.garden_customer_1_online"
    assert _state(hass, online) == STATE_OFF
    videoloft.status_delay = 0.5
    polled = videoloft.requests["status"]
    refresh = hass.async_create_task(coordinator.async_refresh())
    # Both loggers have read their cameras' status (Hall offline) and hold the answer.
    await wait_for(lambda: videoloft.requests["status"] - polled == 2)
    videoloft.set_status(HALL, "live")  # pushed while the poll is on its way
    videoloft.cameras[GARDEN].status = "offline"  # not pushed: the poll is older
    await wait_for(lambda: _state(hass, online) == STATE_ON)
    await refresh
    assert coordinator.last_update_success
    # The poll's older "offline" did not bring Hall back offline.
    assert _state(hass, online) == STATE_ON
    assert coordinator.data.status[HALL].online is True
    assert _state(hass, garden) == STATE_ON
    # The next poll started after the push: it is the newer fact now.
    videoloft.status_delay = 0.0
    videoloft.cameras[HALL].status = "offline"
    await coordinator.async_refresh()
    assert _state(hass, online) == STATE_OFF
    assert _state(hass, garden) == STATE_OFF


# -- one failed poll does not blank an account whose feeds are up ----------------------


async def test_failed_poll_with_feeds_up_keeps_entities_available(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    watched = (
        "binary_sensor.garden_customer_1_online",
        "binary_sensor.kitchen_customer_2_online",
        "binary_sensor.hall_customer_2_online",
        "binary_sensor.garden_customer_1_motion",
        "camera.garden_customer_1",
    )
    before = {entity_id: _state(hass, entity_id) for entity_id in watched}
    assert coordinator.update_interval == SAFETY_POLL_INTERVAL
    caplog.clear()
    videoloft.fail = "500"
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert {entity_id: _state(hass, entity_id) for entity_id in watched} == before
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "Polling" in r.message
    ]
    assert len(warnings) == 1
    assert "500" in warnings[0].getMessage()
    # Tried again at the normal pace, not the safety net's.
    assert coordinator.update_interval == POLL_INTERVAL
    # Pushes still arrive and are shown.
    videoloft.set_status(HALL, "live")
    await wait_for(lambda: _state(hass, "binary_sensor.hall_customer_2_online") == STATE_ON)
    # A second failure is not warned about again.
    await coordinator.async_refresh()
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "Polling" in r.message
    ]
    assert len(warnings) == 1
    # The feed of the second logger breaks too: its cameras are not known any more,
    # those of the first logger still are.
    videoloft.drop_feeds(logger=1)
    second = next(f for f in coordinator.feeds.values() if KITCHEN in f.camera_ids)
    await wait_for(lambda: not second.connected)
    await coordinator.async_refresh()
    assert _state(hass, "binary_sensor.kitchen_customer_2_online") == STATE_UNAVAILABLE
    assert _state(hass, "binary_sensor.garden_customer_1_online") == STATE_ON
    # The vendor is back: everything is polled again, the pace follows the feeds.
    videoloft.fail = None
    await coordinator.async_refresh()
    assert _state(hass, "binary_sensor.kitchen_customer_2_online") == STATE_ON
    await wait_for(lambda: all(f.connected for f in coordinator.feeds.values()), seconds=10)
    assert coordinator.update_interval == SAFETY_POLL_INTERVAL
    assert any("works again" in r.getMessage() for r in caplog.records)
    assert_no_secret(caplog, videoloft.password)


async def test_failed_poll_without_feeds_makes_entities_unavailable(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    videoloft.fail = "500"
    videoloft.drop_feeds()
    await wait_for(lambda: not any(f.connected for f in coordinator.feeds.values()))
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert _state(hass, "binary_sensor.garden_customer_1_online") == STATE_UNAVAILABLE


# -- realtime feeds belong to the entry --------------------------------------------------


def _ours(target: object, depth: int = 0) -> bool:
    """Tell whether a scheduled callback leads to our code (through HA's job wrappers)."""
    module = getattr(getattr(target, "__func__", target), "__module__", None) or ""
    if module.startswith("custom_components.omnicam"):
        return True
    if depth > 4:
        return False
    parts = [getattr(target, name, None) for name in ("__self__", "target", "job", "action")]
    parts += list(getattr(target, "args", ()) or ())
    return any(part is not None and _ours(part, depth + 1) for part in parts)


def _our_timers(hass: HomeAssistant) -> list[str]:
    scheduled: list[asyncio.TimerHandle] = getattr(hass.loop, "_scheduled", [])
    return [
        repr(handle)
        for handle in scheduled
        if not handle.cancelled()
        and (_ours(handle._callback) or any(_ours(arg) for arg in handle._args or ()))
    ]


async def test_unload_leaves_no_task_or_timer(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.omnicam import switch as switch_module

    monkeypatch.setattr(switch_module, "RECORDING_KEEPALIVE", timedelta(seconds=0.2))
    # Motion without an end (a timer turns it off) and recording kept alive (a timer).
    videoloft.alert(GARDEN)
    await wait_for(lambda: _state(hass, "binary_sensor.garden_customer_1_motion") == STATE_ON)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.garden_customer_1_recording"}, blocking=True
    )
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith(f"{DOMAIN} feed")]
    assert _our_timers(hass)
    assert await hass.config_entries.async_unload(videoloft_loaded.entry_id)
    # Right after the unload: every feed task has ended, not just been asked to.
    left = [
        t.get_name() for t in asyncio.all_tasks() if DOMAIN in t.get_name().lower() and not t.done()
    ]
    assert left == []
    assert _our_timers(hass) == []
    tasks = len(videoloft.tasks)
    await asyncio.sleep(0.5)
    assert len(videoloft.tasks) == tasks
    assert videoloft.open_feeds == 0


# -- Videoloft: the authenticator the login named ---------------------------------------


async def test_restart_logs_in_at_the_regional_authenticator(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    # A new entry knows only the global authenticator, which names the regional one.
    assert videoloft.logins == [("auth1", "POST")]
    assert videoloft_loaded.data["authenticator"] == videoloft.regional_url
    assert videoloft_loaded.data["url"] == videoloft.auth_url  # what the person typed
    assert videoloft_loaded.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(videoloft_loaded.entry_id)
    assert await hass.config_entries.async_setup(videoloft_loaded.entry_id)
    await hass.async_block_till_done()
    assert videoloft.logins == [("auth1", "POST"), ("regional", "POST")]
    assert videoloft_loaded.state is ConfigEntryState.LOADED


async def test_unreachable_regional_authenticator_falls_back(
    hass: HomeAssistant, videoloft: VideoloftSimulator, closed_port: int
) -> None:
    entry = videoloft_entry(videoloft, authenticator=f"http://127.0.0.1:{closed_port}")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert videoloft.logins == [("auth1", "POST")]
    assert entry.data["authenticator"] == videoloft.regional_url
    assert await hass.config_entries.async_unload(entry.entry_id)


# -- unique ids scoped to the account ---------------------------------------------------


async def test_a_camera_seen_by_two_logins_has_a_device_per_entry(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    # The installer sees every camera; the owner of Garden and Room 1 sees those two.
    videoloft.add_user("owner@example.com", "owner's pw", 329475, {GARDEN, ROOM})
    installer = videoloft_entry(videoloft)
    owner = MockConfigEntry(
        domain=DOMAIN,
        title="Videoloft (owner@example.com)",
        unique_id="329475",
        data={
            "vendor": "videoloft",
            "email": "owner@example.com",
            "password": "owner's pw",
            "url": videoloft.auth_url,
        },
    )
    for entry in (installer, owner):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    ours = find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:{GARDEN}"))
    theirs = find_device(device_registry, (DOMAIN, f"videoloft:329475:{GARDEN}"))
    assert ours is not None
    assert theirs is not None
    assert ours.id != theirs.id
    assert entry_ids(ours) == {installer.entry_id}
    assert entry_ids(theirs) == {owner.entry_id}
    # Each entry has its own entities of the camera.
    assert _state(hass, "camera.garden_customer_1") != STATE_UNAVAILABLE
    assert _state(hass, "camera.garden") != STATE_UNAVAILABLE
    owned = er.async_entries_for_device(entity_registry, theirs.id)
    assert owned
    assert {e.config_entry_id for e in owned} == {owner.entry_id}
    # The owner's login loses the camera: only the owner's device goes.
    videoloft.users["owner@example.com"].cameras.discard(GARDEN)
    coordinator = coordinator_of(owner)
    coordinator._cameras_read_at = dt_util.utc_from_timestamp(0)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert find_device(device_registry, (DOMAIN, f"videoloft:329475:{GARDEN}")) is None
    ours = find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:{GARDEN}"))
    assert ours is not None
    assert entry_ids(ours) == {installer.entry_id}
    assert _state(hass, "camera.garden_customer_1") != STATE_UNAVAILABLE
    assert _state(hass, "binary_sensor.garden_customer_1_online") == STATE_ON
    for entry in (installer, owner):
        assert await hass.config_entries.async_unload(entry.entry_id)


# -- the PTZ preset select recovers -----------------------------------------------------


@pytest.fixture
async def nvr(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    """Run an Amcrest NVR simulator on loopback."""
    sim = AmcrestSimulator(channels=4)
    sim.heartbeat_seconds = 0.2
    await sim.start()
    yield sim
    await sim.stop()


async def test_preset_select_recovers_when_presets_come_back(
    hass: HomeAssistant, nvr: AmcrestSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)
    nvr.override[("ptz.cgi", "getPresets")] = (500, "Internal Server Error")
    entry = amcrest_entry(nvr)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    select = "select.front_door_ptz_preset"
    assert hass.states.get(select).attributes["options"] == []
    coordinator = coordinator_of(entry)
    # Still failing: tried again after the poll, still nothing to offer.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(select).attributes["options"] == []
    del nvr.override[("ptz.cgi", "getPresets")]
    await coordinator.async_refresh()
    await wait_for(lambda: hass.states.get(select).attributes["options"] == ["Gate", "Porch"])
    assert _state(hass, select) == STATE_UNKNOWN
    await hass.services.async_call(
        "select", "select_option", {"entity_id": select, "option": "Porch"}, blocking=True
    )
    assert _state(hass, select) == "Porch"
    assert any("code=GotoPreset" in line and "arg2=2" in line for line in nvr.log)
    # Known presets are not read again after every poll.
    reads = sum("getPresets" in line for line in nvr.log)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert sum("getPresets" in line for line in nvr.log) == reads
    assert await hass.config_entries.async_unload(entry.entry_id)


# -- migration of version 1.1 ids -------------------------------------------------------


async def test_amcrest_entry_of_version_1_1_is_migrated(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)
    entry = amcrest_entry(nvr)
    entry.add_to_hass(hass)
    recorder = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"amcrest:recorder:{nvr.serial}")},
        name=nvr.model,
    )
    device_registry.async_update_device(recorder.id, name_by_user="My NVR")
    channel = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"amcrest:{nvr.serial}:1")},
        name="Front Door",
    )
    device_registry.async_update_device(channel.id, via_device_id=recorder.id)
    entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"amcrest:{nvr.serial}:1:VideoMotion",  # the event code was the key in 1.1
        config_entry=entry,
        device_id=channel.id,
        suggested_object_id="porch_movement",
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    moved = device_registry.async_get(recorder.id)
    assert moved is not None
    assert moved.identifiers == {(DOMAIN, f"amcrest:{nvr.serial}:recorder:{nvr.serial}")}
    assert moved.name_by_user == "My NVR"
    assert device_registry.async_get(channel.id).via_device_id == recorder.id
    motion = entity_registry.async_get("binary_sensor.porch_movement")
    assert motion is not None
    assert motion.unique_id == f"amcrest:{nvr.serial}:1:motion"
    assert _state(hass, "binary_sensor.porch_movement") != STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.front_door_motion") is None  # no twin
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_device_two_logins_shared_in_version_1_1_is_split(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    videoloft.add_user("owner@example.com", "owner's pw", 329475, {GARDEN, ROOM})
    installer = videoloft_entry(videoloft)
    owner = MockConfigEntry(
        domain=DOMAIN,
        title="Videoloft (owner@example.com)",
        unique_id="329475",
        data={
            "vendor": "videoloft",
            "email": "owner@example.com",
            "password": "owner's pw",
            "url": videoloft.auth_url,
        },
    )
    installer.add_to_hass(hass)
    owner.add_to_hass(hass)
    # 1.1: one device for both entries, the entities of the entry that came first.
    shared = device_registry.async_get_or_create(
        config_entry_id=installer.entry_id,
        identifiers={(DOMAIN, f"videoloft:{GARDEN}")},
        name="Garden (Customer 1)",
    )
    if SINGLE_ENTRY_DEVICES:
        # Home Assistant 2026.8 and newer split a device of two entries into one per entry
        # when it loads the registry, each with the identifiers and what the user set.
        device_registry.async_update_device(shared.id, name_by_user="Back garden")
        split = device_registry.async_get_or_create(
            config_entry_id=owner.entry_id,
            identifiers={(DOMAIN, f"videoloft:{GARDEN}")},
            name="Garden (Customer 1)",
        )
        device_registry.async_update_device(split.id, name_by_user="Back garden")
    else:
        device_registry.async_update_device(
            shared.id, add_config_entry_id=owner.entry_id, name_by_user="Back garden"
        )
    entity_registry.async_get_or_create(
        "camera",
        DOMAIN,
        f"videoloft:{GARDEN}:camera",
        config_entry=installer,
        device_id=shared.id,
        suggested_object_id="installer_garden",
    )
    # Setting up the integration sets up both entries, in the order they were added.
    assert await hass.config_entries.async_setup(installer.entry_id)
    await hass.async_block_till_done()
    assert owner.state is ConfigEntryState.LOADED
    ours = find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:{GARDEN}"))
    theirs = find_device(device_registry, (DOMAIN, f"videoloft:329475:{GARDEN}"))
    assert ours is not None
    assert theirs is not None
    assert ours.id != theirs.id
    if SINGLE_ENTRY_DEVICES:
        assert ours.id == shared.id  # each entry keeps its own device, renamed
        assert theirs.id == split.id
    else:
        assert theirs.id == shared.id  # the entry left alone on it keeps the device
    assert entry_ids(ours) == {installer.entry_id}
    assert entry_ids(theirs) == {owner.entry_id}
    assert ours.name_by_user == theirs.name_by_user == "Back garden"
    camera = entity_registry.async_get("camera.installer_garden")
    assert camera is not None
    assert camera.device_id == ours.id
    assert camera.unique_id == f"videoloft:{videoloft.uid}:{GARDEN}:camera"
    for entry in (installer, owner):
        assert await hass.config_entries.async_unload(entry.entry_id)
