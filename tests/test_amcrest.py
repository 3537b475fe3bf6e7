"""Amcrest / Dahua end to end: real Home Assistant against the simulated NVR over loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
import json
from pathlib import Path
import re

import av
from homeassistant.components import media_source
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.components.media_player import BrowseError
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam import media_source as media_source_module
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.coordinator import OmniCamCoordinator
from custom_components.omnicam.vendors import amcrest
from tests.conftest import amcrest_entry, setup_amcrest, wait_for
from tests.registry_helpers import find_device
from tests.simulators import amcrest as simulator
from tests.simulators.amcrest import AmcrestSimulator

SERIAL = "AMC0123456789ABCD"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)


@pytest.fixture
async def nvr(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    # The device keeps Home Assistant's time zone, as a device set up in the same house does:
    # its newest files are on Home Assistant's today at any hour.
    sim = AmcrestSimulator(channels=4, time_zone=hass.config.time_zone)
    sim.heartbeat_seconds = 0.2
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def loaded(hass: HomeAssistant, nvr: AmcrestSimulator) -> MockConfigEntry:
    return await setup_amcrest(hass, nvr)


def _coordinator(entry: MockConfigEntry) -> OmniCamCoordinator:
    coordinator: OmniCamCoordinator = entry.runtime_data.coordinator
    return coordinator


async def test_nvr_is_a_device_with_a_child_per_channel(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    devices = dr.async_entries_for_config_entry(device_registry, loaded.entry_id)
    recorder = find_device(device_registry, (DOMAIN, f"amcrest:{SERIAL}:recorder:{SERIAL}"))
    assert recorder is not None
    assert recorder.model == nvr.model
    assert recorder.sw_version == nvr.firmware.split(",")[0]
    channels = sorted((d for d in devices if d.id != recorder.id), key=lambda d: d.name or "")
    assert [d.name for d in channels] == ["Back Yard", "Driveway", "Front Door", "Garage"]
    assert all(d.via_device_id == recorder.id for d in channels)
    front = find_device(device_registry, (DOMAIN, f"amcrest:{SERIAL}:1"))
    assert front is not None
    assert front.manufacturer == "Amcrest"
    # One event connection for the whole device.
    assert nvr.stream_count == 1
    assert len(_coordinator(loaded).feeds) == 1


async def test_renamed_channel_is_followed(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    nvr.titles[1] = "Carport"
    coordinator = _coordinator(loaded)
    coordinator._cameras_read_at = dt_util.utc_from_timestamp(0)
    await coordinator.async_refresh()
    device = find_device(device_registry, (DOMAIN, f"amcrest:{SERIAL}:2"))
    assert device is not None
    assert device.name == "Carport"
    assert loaded.state is ConfigEntryState.LOADED


async def test_entities_per_channel(
    hass: HomeAssistant, loaded: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    for entity_id in (
        "camera.front_door",
        "binary_sensor.front_door_motion",
        "binary_sensor.front_door_video_loss",
        "binary_sensor.front_door_line_crossing",
        "event.front_door_alert",
        "button.front_door_ptz_up",
        "button.front_door_zoom_in",
        "select.front_door_ptz_preset",
        "switch.front_door_continuous_recording",
        "binary_sensor.front_door_online",
    ):
        assert hass.states.get(entity_id) is not None, entity_id
    assert hass.states.get("binary_sensor.front_door_motion").state == STATE_OFF
    assert hass.states.get("switch.front_door_continuous_recording").state == STATE_OFF
    # A fixed channel has no PTZ; one whose caps cannot be read has it disabled.
    ids = {e.entity_id for e in er.async_entries_for_config_entry(entity_registry, loaded.entry_id)}
    assert "button.garage_ptz_up" not in ids
    assert "button.back_yard_ptz_up" in ids
    unique = entity_registry.async_get("binary_sensor.front_door_motion")
    assert unique is not None
    assert unique.unique_id == f"amcrest:{SERIAL}:1:motion"  # keyed by kind, not event code


async def test_event_sensors_keyed_by_code_migrate_to_kinds(
    hass: HomeAssistant, nvr: AmcrestSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Sensors of 0.2 (keyed "VideoMotion") become the kind's ("motion"), entity ids kept."""
    entry = amcrest_entry(nvr)
    entry.add_to_hass(hass)
    for code, object_id in (("VideoMotion", "porch_movement"), ("VideoLoss", "porch_signal")):
        entity_registry.async_get_or_create(
            "binary_sensor",
            DOMAIN,
            f"amcrest:{SERIAL}:1:{code}",
            config_entry=entry,
            suggested_object_id=object_id,
        )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    motion = entity_registry.async_get("binary_sensor.porch_movement")
    assert motion is not None
    assert motion.unique_id == f"amcrest:{SERIAL}:1:motion"
    loss = entity_registry.async_get("binary_sensor.porch_signal")
    assert loss is not None
    assert loss.unique_id == f"amcrest:{SERIAL}:1:video_loss"
    assert hass.states.get("binary_sensor.front_door_motion") is None  # no twin
    await wait_for(lambda: all(f.connected for f in _coordinator(entry).feeds.values()))
    nvr.emit("VideoMotion", "Start", 0)
    await wait_for(lambda: hass.states.get("binary_sensor.porch_movement").state == STATE_ON)
    nvr.emit("VideoMotion", "Stop", 0)
    await wait_for(lambda: hass.states.get("binary_sensor.porch_movement").state == STATE_OFF)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_events_follow_the_stream(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    front, back = "binary_sensor.front_door_motion", "binary_sensor.back_yard_motion"
    nvr.emit("VideoMotion", "Start", 0, {"RegionName": ["Region1"], "Id": [0]})
    nvr.emit("VideoMotion", "Start", 2)
    await wait_for(lambda: hass.states.get(front).state == STATE_ON)
    await wait_for(lambda: hass.states.get(back).state == STATE_ON)
    event = hass.states.get("event.front_door_alert")
    # Shown as its kind, translated ("Motion"); the device's code is kept for automations.
    assert event.attributes["event_type"] == "motion"
    assert event.attributes["code"] == "VideoMotion"
    assert event.attributes["action"] == "Start"
    nvr.emit("VideoMotion", "Stop", 0)
    await wait_for(lambda: hass.states.get(front).state == STATE_OFF)
    assert hass.states.get(back).state == STATE_ON
    nvr.emit("CrossLineDetection", "Start", 1)
    await wait_for(lambda: hass.states.get("binary_sensor.garage_line_crossing").state == STATE_ON)
    assert hass.states.get("binary_sensor.garage_motion").state == STATE_OFF


async def test_dropped_stream_reconnects_and_nothing_stays_on(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    front = "binary_sensor.front_door_motion"
    coordinator = _coordinator(loaded)
    feed = next(iter(coordinator.feeds.values()))
    nvr.emit("VideoMotion", "Start", 0)
    await wait_for(lambda: hass.states.get(front).state == STATE_ON)
    connects = feed.connects
    nvr.drop_stream()
    nvr.active.discard(("VideoMotion", 0))  # it stopped while nobody listened
    await wait_for(lambda: feed.connects > connects and feed.connected, seconds=10)
    await wait_for(lambda: hass.states.get(front).state == STATE_OFF)
    assert nvr.stream_count == 1


async def test_reconnect_fires_no_event_when_nothing_happened(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    feed = next(iter(_coordinator(loaded).feeds.values()))
    await hass.async_block_till_done()
    before = {cid: hass.states.get(f"event.{cid}_alert").state for cid in ("front_door", "garage")}
    connects = feed.connects
    nvr.drop_stream()
    await wait_for(lambda: feed.connects > connects and feed.connected, seconds=10)
    await hass.async_block_till_done()
    after = {cid: hass.states.get(f"event.{cid}_alert").state for cid in ("front_door", "garage")}
    assert after == before
    # What did change while nobody listened does fire, once.
    nvr.active.add(("VideoMotion", 1))
    connects = feed.connects
    nvr.drop_stream()
    await wait_for(lambda: feed.connects > connects and feed.connected, seconds=10)
    await wait_for(lambda: hass.states.get("binary_sensor.garage_motion").state == STATE_ON)
    garage = hass.states.get("event.garage_alert")
    assert garage.state != before["garage"]
    assert garage.attributes["action"] == "Start"
    assert hass.states.get("event.front_door_alert").state == before["front_door"]


async def test_nvr_reboot_resumes_events(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    coordinator = _coordinator(loaded)
    feed = next(iter(coordinator.feeds.values()))
    connects = feed.connects
    nvr.active.add(("VideoMotion", 3))  # going on when the recorder comes back
    nvr.reboot(keep_state=True)
    await wait_for(lambda: feed.connects > connects and feed.connected, seconds=10)
    await wait_for(lambda: hass.states.get("binary_sensor.driveway_motion").state == STATE_ON)
    nvr.emit("VideoMotion", "Stop", 3)
    await wait_for(lambda: hass.states.get("binary_sensor.driveway_motion").state == STATE_OFF)


async def test_ptz_buttons_presets_and_move(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.front_door_ptz_left"}, blocking=True
    )
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.front_door_zoom_in"}, blocking=True
    )
    log = nvr.ptz_log()
    assert log[0].startswith("/cgi-bin/ptz.cgi?action=start&channel=1&code=Left&arg1=0&arg2=")
    assert log[1].startswith("/cgi-bin/ptz.cgi?action=stop&channel=1&code=Left")
    assert log[2].startswith("/cgi-bin/ptz.cgi?action=start&channel=1&code=ZoomTele")
    assert log[3].startswith("/cgi-bin/ptz.cgi?action=stop&channel=1&code=ZoomTele")
    await hass.services.async_call(
        DOMAIN,
        "ptz_move",
        {"entity_id": "camera.front_door", "direction": "down", "duration": 0.2},
        blocking=True,
    )
    assert [line.split("&")[2] for line in nvr.ptz_log()[4:]] == ["code=Down", "code=Down"]
    select = "select.front_door_ptz_preset"
    assert hass.states.get(select).attributes["options"] == ["Gate", "Porch"]
    assert hass.states.get(select).state == STATE_UNKNOWN
    await hass.services.async_call(
        "select", "select_option", {"entity_id": select, "option": "Porch"}, blocking=True
    )
    assert hass.states.get(select).state == "Porch"
    assert any("code=GotoPreset" in line and "arg2=2" in line for line in nvr.log)
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "select", "select_option", {"entity_id": select, "option": "Roof"}, blocking=True
        )


async def test_continuous_recording_switch(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    switch = "switch.driveway_continuous_recording"
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_ON
    assert nvr.record_modes[3] == 1
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert nvr.record_modes[3] == 0
    # Changed on the device: the next poll shows it.
    nvr.record_modes[3] = 1
    await _coordinator(loaded).async_refresh()
    assert hass.states.get(switch).state == STATE_ON
    nvr.record_modes[3] = 2
    await _coordinator(loaded).async_refresh()
    assert hass.states.get(switch).state == STATE_UNKNOWN


async def test_live_view_and_snapshot(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    url = await async_get_stream_source(hass, "camera.garage")
    assert url == (
        f"rtsp://admin:s3cret%3Ap%40ss%2Fw0rd@{nvr.host}:{nvr.rtsp_port}"
        "/cam/realmonitor?channel=2&subtype=0"
    )
    image = await async_get_image(hass, "camera.garage")
    assert image.content.startswith(b"\xff\xd8")


async def test_sub_stream_option(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"substream": True}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    url = await async_get_stream_source(hass, "camera.garage")
    assert url is not None
    assert url.endswith("channel=2&subtype=1")


async def test_unreachable_device_recovers(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    coordinator = _coordinator(loaded)
    nvr.fail = "500"
    # The event stream is up: the cameras it pushes stay available through a failed poll.
    await coordinator.async_refresh()
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON
    # The stream goes too: nothing is known any more.
    nvr.drop_stream()
    await wait_for(lambda: not any(feed.connected for feed in coordinator.feeds.values()))
    await coordinator.async_refresh()
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_UNAVAILABLE
    nvr.fail = None
    await coordinator.async_refresh()
    assert hass.states.get("binary_sensor.front_door_online").state == STATE_ON


async def test_changed_password_starts_reauth(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    nvr.password = "changed-on-the-device"
    await _coordinator(loaded).async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"password": nvr.password}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded.state is ConfigEntryState.LOADED


async def test_a_spurious_401_is_no_reauth(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    nvr.spurious_401 = 1
    await _coordinator(loaded).async_refresh()
    assert _coordinator(loaded).last_update_success
    assert hass.config_entries.flow.async_progress() == []


async def test_config_flow(hass: HomeAssistant, nvr: AmcrestSimulator, closed_port: int) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "amcrest"}
    )
    assert result["step_id"] == "amcrest"
    form = {
        "host": nvr.host,
        "port": nvr.port,
        "username": "admin",
        "password": "wrong",
        "ssl": False,
        "verify_ssl": True,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"port": closed_port, "password": nvr.password}
    )
    # The form asks for a host and a port: its errors speak of them, not of a server URL.
    assert result["errors"] == {"base": "cannot_connect_device"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"password": nvr.password}
    )
    assert result["type"] == "create_entry"
    assert result["result"].unique_id == SERIAL
    assert result["title"] == f"{nvr.model} ({nvr.host})"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    # Added again: a device, not an account, is already set up.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "amcrest"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"password": nvr.password}
    )
    assert result["type"] == "abort"
    assert result["reason"] == "already_configured_device"


async def test_config_flow_words_fit_the_device_form(hass: HomeAssistant) -> None:
    """A device form speaks of host and port; certificates are not checked by default."""
    strings = json.loads((Path(amcrest.__file__).parent.parent / "strings.json").read_text())
    config = strings["config"]
    for key in amcrest.AmcrestClient.form.errors.values():
        words = config["error"].get(key) or config["abort"][key]
        assert "URL" not in words
        assert "account" not in words
    assert "host" in config["error"]["cannot_connect_device"]
    assert "device" in config["abort"]["already_configured_device"]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "amcrest"}
    )
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    # The hint says most devices need it off: so it starts off.
    assert defaults["verify_ssl"] is False
    assert "Off for the self-signed" in config["step"]["amcrest"]["data_description"]["verify_ssl"]


async def test_reconfigure_to_another_device_is_refused(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry, socket_enabled: None
) -> None:
    other = AmcrestSimulator(channels=1, serial="AMC0000OTHER00001")
    await other.start()
    try:
        result = await loaded.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "host": other.host,
                "port": other.port,
                "username": other.username,
                "password": other.password,
                "ssl": False,
                "verify_ssl": True,
            },
        )
        assert result["reason"] == "wrong_account"
    finally:
        await other.stop()


@pytest.fixture
async def media(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "media_source", {})


def _newest_day(sim: AmcrestSimulator, channel: int) -> str:
    """Return the day of a channel's newest file (today, unless just after midnight)."""
    return max(file.start for file in sim.files[channel]).date().isoformat()


async def _browse(hass: HomeAssistant, path: str) -> media_source.BrowseMediaSource:
    return await media_source.async_browse_media(hass, f"media-source://{DOMAIN}/{path}")


@pytest.mark.usefixtures("media")
async def test_recordings_by_day_play_through_the_proxy(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    camera = await _browse(hass, f"{loaded.entry_id}/1")
    assert [child.title for child in camera.children] == ["Recordings", "Events"]
    days = await _browse(hass, camera.children[0].identifier)
    assert len(days.children) == 7
    today = dt_util.now().date()
    assert days.children[0].identifier.endswith(today.isoformat())
    # Day folders and items write the date one way.
    assert days.children[0].title == today.isoformat()
    listing = [await _browse(hass, d.identifier) for d in days.children[:2]]
    assert listing[0].title.endswith(f" · {today.isoformat()}")
    items = [item for day in listing for item in day.children]
    assert len(items) == len(nvr.files[1])
    assert all(item.can_play for item in items)
    # Date and start, duration, and what made the device record, in words, never the
    # device's codes (Timing, VideoMotion).
    for day, folder in zip(days.children, listing, strict=False):
        for item in folder.children:
            when = item.title.split(" · ")[0]
            assert when.startswith(f"{day.title} "), item.title
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", when)
            assert len(item.title.rsplit(" · ", 1)[0]) <= 30
    assert {item.title.split(" · ")[-1] for item in items} == {"Scheduled", "Motion"}
    # Newest first; the finders were all closed and destroyed.
    assert items[0].title > items[1].title or len(listing[0].children) <= 1
    assert nvr.open_finders == []
    # Just after midnight today may have no file yet: the newest day with files then.
    newest = 0 if listing[0].children else 1
    day = (today - timedelta(days=newest)).isoformat()
    events = await _browse(hass, f"{loaded.entry_id}/1/event/{day}")
    assert 0 < len(events.children) < len(listing[newest].children)

    play = await media_source.async_resolve_media(hass, items[0].media_content_id, None)
    client = await hass_client()
    video = await client.get(play.url)
    assert video.status == 200
    assert video.headers["Content-Type"] == "video/mp4"
    assert (await video.read())[4:8] == b"ftyp"
    part = await client.get(play.url, headers={"Range": "bytes=0-99"})
    assert part.status == 206
    assert len(await part.read()) == 100


@pytest.mark.usefixtures("media")
async def test_media_words_are_in_home_assistants_language(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kinds and causes come from the translations of HA's language, English when missing."""
    today = _newest_day(nvr, 1)
    fetched: list[tuple[str, str]] = []

    async def dutch(
        hass: HomeAssistant, language: str, category: str, integrations: list[str]
    ) -> dict[str, str]:
        fetched.append((language, category))
        strings = await async_get_translations(hass, language, category, integrations)
        if language != "nl":
            return strings
        return strings | {
            f"component.{DOMAIN}.entity.event.alert.state_attributes.event_type.state.motion": (
                "Beweging"
            ),
            f"component.{DOMAIN}.selector.recording_cause.options.scheduled": "Gepland",
            f"component.{DOMAIN}.selector.media_browser.options.recording": "Opnamen",
        }

    monkeypatch.setattr(media_source_module, "async_get_translations", dutch)
    hass.config.language = "nl"
    camera = await _browse(hass, f"{loaded.entry_id}/1")
    assert [child.title for child in camera.children] == ["Opnamen", "Events"]
    day = await _browse(hass, f"{loaded.entry_id}/1/recording/{today}")
    assert {item.title.split(" · ")[-1] for item in day.children} == {"Gepland", "Beweging"}
    assert ("nl", "entity") in fetched
    assert ("nl", "selector") in fetched
    # A language OmniCam has no words in shows the English ones.
    hass.config.language = "de"
    day = await _browse(hass, f"{loaded.entry_id}/1/recording/{today}")
    assert {item.title.split(" · ")[-1] for item in day.children} == {"Scheduled", "Motion"}


@pytest.mark.usefixtures("media")
async def test_dav_recordings_play_as_mp4(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    today = _newest_day(nvr, 2)
    day = await _browse(hass, f"{loaded.entry_id}/2/recording/{today}")
    assert day.children
    assert all(item.can_play for item in day.children)
    play = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)
    assert play.mime_type == "video/mp4"
    client = await hass_client()
    video = await client.get(play.url)
    assert video.status == 200
    assert video.headers["Content-Type"] == "video/mp4"
    body = await video.read()
    assert body[4:8] == b"ftyp"
    # The pictures were copied, not re-encoded: every frame of the DAV file is there.
    (tmp_path / "out.mp4").write_bytes(body)
    with av.open(str(tmp_path / "out.mp4")) as mp4:
        assert mp4.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in mp4.decode(video=0)) == 20
        # It starts at 0, not at the recorder's clock time: a player shows 0:00 to 0:02.
        assert mp4.start_time == 0
        assert mp4.duration is not None
        assert 1.5 < mp4.duration / 1_000_000 < 2.5
    # Seeking asks for ranges: served from the copy, the device is not asked again.
    loads = sum(1 for line in nvr.log if "RPC_Loadfile" in line)
    part = await client.get(play.url, headers={"Range": "bytes=0-99"})
    assert part.status == 206
    assert len(await part.read()) == 100
    assert sum(1 for line in nvr.log if "RPC_Loadfile" in line) == loads
    # Unloading removes the copies.
    folder = loaded.runtime_data.remuxer._folder
    assert folder is not None
    assert folder.exists()
    assert await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done()
    assert not folder.exists()
    with pytest.raises(BrowseError):
        await _browse(hass, f"{loaded.entry_id}/2/recording/not-a-day")


@pytest.mark.usefixtures("media")
async def test_broken_dav_is_a_clear_error(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = _newest_day(nvr, 2)
    day = await _browse(hass, f"{loaded.entry_id}/2/recording/{today}")
    play = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)
    monkeypatch.setattr(simulator, "dav_clip", lambda: b"DHAV" + bytes(300))
    client = await hass_client()
    assert (await client.get(play.url)).status == 502
    play = await media_source.async_resolve_media(hass, day.children[1].media_content_id, None)
    nvr.fail = "500"
    assert (await client.get(play.url)).status == 502
    nvr.fail = None


@pytest.mark.usefixtures("media")
async def test_recording_search_failure_is_a_browse_error(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    nvr.findnext_fail_after = 0
    with pytest.raises(BrowseError):
        await _browse(hass, f"{loaded.entry_id}/1/recording/{_newest_day(nvr, 1)}")
    assert nvr.open_finders == []


async def test_diagnostics_hold_no_password(
    hass: HomeAssistant, nvr: AmcrestSimulator, loaded: MockConfigEntry
) -> None:
    from custom_components.omnicam.diagnostics import async_get_config_entry_diagnostics

    await async_get_stream_source(hass, "camera.front_door")
    dump = await async_get_config_entry_diagnostics(hass, loaded)
    text = str(dump)
    assert nvr.password not in text
    assert "s3cret%3Ap%40ss" not in text
    assert dump["feeds"]


async def test_single_camera_has_no_recorder(
    hass: HomeAssistant, socket_enabled: None, device_registry: dr.DeviceRegistry
) -> None:
    sim = AmcrestSimulator(channels=1, serial="AMC0000CAMERA0001")
    await sim.start()
    try:
        entry = amcrest_entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        assert [d.name for d in devices] == ["FrontDoorCam"]
        assert devices[0].via_device_id is None
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_doorbell_press_rings(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = AmcrestSimulator(channels=1, serial="AMC0000DOORBELL01")
    sim.model = "AD410"
    sim.exposure_events = ["VideoMotion", "_DoTalkAction_", "CallNoAnswered"]
    sim.heartbeat_seconds = 0.2
    await sim.start()
    try:
        entry = amcrest_entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await wait_for(lambda: all(f.connected for f in _coordinator(entry).feeds.values()))
        doorbell = "event.frontdoorcam_doorbell"
        assert hass.states.get(doorbell).state == STATE_UNKNOWN
        # Talk actions that are no press do not ring.
        sim.emit("_DoTalkAction_", "Pulse", 0, {"Action": "Hangup"}, capitalised=True)
        sim.emit("VideoMotion", "Start", 0)
        await wait_for(lambda: hass.states.get("binary_sensor.frontdoorcam_motion").state == "on")
        assert hass.states.get(doorbell).state == STATE_UNKNOWN
        sim.emit(
            "_DoTalkAction_", "Pulse", 0, {"Action": "Invite", "CallID": "7"}, capitalised=True
        )
        await wait_for(lambda: hass.states.get(doorbell).state != STATE_UNKNOWN)
        assert hass.states.get(doorbell).attributes["event_type"] == "ring"
        # Every event, Start and Stop alike, reaches the alert entity.
        sim.emit("VideoMotion", "Stop", 0)
        await wait_for(
            lambda: hass.states.get("event.frontdoorcam_alert").attributes["action"] == "Stop"
        )
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
