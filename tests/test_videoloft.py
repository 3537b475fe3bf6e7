"""Videoloft end to end: real Home Assistant against the simulator over loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.vendors.errors import NotSupported
from custom_components.omnicam.views import LIVE_RELAYS
from tests.conftest import assert_no_secret, coordinator_of, videoloft_entry, wait_for
from tests.playback import async_play, async_serve_api, async_stop
from tests.registry_helpers import find_device
from tests.simulators.videoloft import GARDEN, HALL, KITCHEN, ROOM, SimCamera, VideoloftSimulator


async def _reread_cameras(entry: MockConfigEntry) -> None:
    """Make the next poll read the camera list again (as it does every 10 minutes)."""
    coordinator = coordinator_of(entry)
    coordinator._cameras_read_at = dt_util.utc_from_timestamp(0)
    await coordinator.async_refresh()


async def test_setup_costs_and_devices(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    devices = dr.async_entries_for_config_entry(device_registry, videoloft_loaded.entry_id)
    assert sorted(d.name for d in devices) == [
        "Garden (Customer 1)",
        "Hall (Customer 2)",
        "Kitchen (Customer 2)",
        "Room 1 (Customer 1)",
    ]
    garden = find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:{GARDEN}"))
    assert garden is not None
    assert garden.manufacturer == "Videoloft"
    # Models a person reads: the Hikvision model, a recorder channel, a phone.
    models = {device.name: device.model for device in devices}
    assert models == {
        "Garden (Customer 1)": "Hikvision DS-2DE2A404IW-DE3W",
        "Hall (Customer 2)": "Phone or tablet",
        "Kitchen (Customer 2)": "Hikvision DS-7204HUHI-K1 channel 1",
        "Room 1 (Customer 1)": "Hikvision DS-2CD2042WD-I",
    }
    # 1 login, 1 device list, 1 viewerInfo, 1 status and 1 realtime feed per logger.
    assert videoloft.requests == {
        "login": 1,
        "devices": 1,
        "viewerInfo": 1,
        "status": 2,
        "realtime": 2,
    }
    assert videoloft.batches["status"] == [2, 2]
    assert videoloft.batches["realtime"] == [2, 2]
    # The first login names the regional authenticator; the rest goes there.
    assert videoloft.logins == [("auth1", "POST")]
    assert videoloft.open_feeds == 2
    assert coordinator_of(videoloft_loaded).update_interval == timedelta(minutes=5)


async def test_entities_follow_permissions_and_models(
    hass: HomeAssistant, videoloft_loaded: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    # Admin Hikvision PTZ camera: everything.
    for entity_id in (
        "camera.garden_customer_1",
        "binary_sensor.garden_customer_1_motion",
        "binary_sensor.garden_customer_1_online",
        "binary_sensor.garden_customer_1_live_video",
        "event.garden_customer_1_alert",
        "button.garden_customer_1_ptz_up",
        "button.garden_customer_1_zoom_out",
        "button.garden_customer_1_ptz_stop",
        "button.garden_customer_1_record_event",
        "button.garden_customer_1_capture_still",
        "switch.garden_customer_1_recording",
    ):
        assert hass.states.get(entity_id) is not None, entity_id
    # Read-only: no control at all.
    ids = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, videoloft_loaded.entry_id)
    }
    assert not [i for i in ids if "room_1" in i and i.split(".")[0] in ("button", "switch")]
    assert hass.states.get("camera.room_1_customer_1") is not None
    assert hass.states.get("binary_sensor.room_1_customer_1_motion") is not None
    # A Hikvision recorder channel may or may not do PTZ: created, disabled by default.
    kitchen_up = entity_registry.async_get("button.kitchen_customer_2_ptz_up")
    assert kitchen_up is not None
    assert kitchen_up.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # No Hikvision, no cloud recording: no PTZ, no recording controls.
    assert "button.hall_customer_2_ptz_up" not in ids
    assert "button.hall_customer_2_record_event" not in ids
    assert "switch.hall_customer_2_recording" not in ids
    assert "button.hall_customer_2_capture_still" in ids


async def test_online_and_live_states_are_pushed(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    assert hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_ON
    assert hass.states.get("binary_sensor.hall_customer_2_online").state == STATE_OFF
    assert hass.states.get("binary_sensor.garden_customer_1_live_video").state == STATE_OFF
    before = sum(videoloft.requests.values())
    videoloft.set_status(HALL, "live")
    videoloft.set_status(GARDEN, "novideo")
    await wait_for(
        lambda: hass.states.get("binary_sensor.hall_customer_2_online").state == STATE_ON
    )
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_OFF
    )
    # Pushed, not polled.
    assert sum(videoloft.requests.values()) == before


async def test_motion_from_alerts(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    motion = "binary_sensor.garden_customer_1_motion"
    assert hass.states.get(motion).state == STATE_OFF
    assert hass.states.get("event.garden_customer_1_alert").state == STATE_UNKNOWN
    alert = videoloft.alert(GARDEN, "motion", "0a")
    await wait_for(lambda: hass.states.get(motion).state == STATE_ON)
    event = hass.states.get("event.garden_customer_1_alert")
    assert event.attributes["event_type"] == "motion"
    assert event.attributes["code"] == "motion"
    assert event.attributes["magnitude"] == 10
    assert event.attributes["alert_id"] == str(alert.id)
    fired_at = event.state
    # The same alert heard again (its end): motion goes off, the event does not fire again.
    videoloft.end_alert(GARDEN, alert)
    await wait_for(lambda: hass.states.get(motion).state == STATE_OFF)
    assert hass.states.get("event.garden_customer_1_alert").state == fired_at
    # Sound: an event, no motion.
    videoloft.alert(GARDEN, "audio", "03")
    await wait_for(
        lambda: hass.states.get("event.garden_customer_1_alert").attributes["event_type"] == "sound"
    )
    assert hass.states.get("event.garden_customer_1_alert").attributes["code"] == "audio"
    assert hass.states.get(motion).state == STATE_OFF
    assert hass.states.get("binary_sensor.garden_customer_1_sound").state == STATE_ON
    # Another camera's alert touches only that camera.
    videoloft.alert(KITCHEN)
    await wait_for(
        lambda: hass.states.get("binary_sensor.kitchen_customer_2_motion").state == STATE_ON
    )
    assert hass.states.get(motion).state == STATE_OFF


async def test_motion_without_end_turns_off_after_20_seconds(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    motion = "binary_sensor.garden_customer_1_motion"
    videoloft.alert(GARDEN)
    await wait_for(lambda: hass.states.get(motion).state == STATE_ON)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
    await hass.async_block_till_done()
    assert hass.states.get(motion).state == STATE_ON
    # Another trigger keeps it on.
    videoloft.alert(GARDEN)
    await wait_for(lambda: len(videoloft.cameras[GARDEN].alerts) > 0)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=21))
    await hass.async_block_till_done()
    assert hass.states.get(motion).state == STATE_OFF


async def test_token_expiry_in_the_middle_of_a_session(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    connects = {key: feed.connects for key, feed in coordinator.feeds.items()}
    videoloft.expire_tokens()
    # The feeds are closed; they come back with a fresh login, nobody is asked anything.
    await wait_for(
        lambda: all(
            feed.connected and feed.connects > connects[key]
            for key, feed in coordinator.feeds.items()
        )
    )
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert videoloft.requests["login"] == 2
    assert hass.config_entries.flow.async_progress() == []
    # A poll with an expired token: logged in again, the poll succeeds.
    connects = {key: feed.connects for key, feed in coordinator.feeds.items()}
    videoloft.expire_tokens()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_ON
    await wait_for(
        lambda: all(
            feed.connected and feed.connects > connects[key]
            for key, feed in coordinator.feeds.items()
        )
    )
    alert = videoloft.alert(GARDEN)
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_motion").state == STATE_ON
    )
    assert alert.id
    assert hass.config_entries.flow.async_progress() == []
    assert_no_secret(caplog, videoloft.password, *videoloft._tokens)


async def test_token_renewed_before_it_expires(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    client = videoloft_loaded.runtime_data.client
    client._token_at -= 15 * 60 + 1
    await coordinator_of(videoloft_loaded).async_refresh()
    assert videoloft.requests["login"] == 2
    # The second login went to the user's region.
    assert videoloft.logins[-1] == ("regional", "POST")


async def test_changed_password_starts_reauth(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    videoloft.password = "changed"
    videoloft.expire_tokens()
    await coordinator_of(videoloft_loaded).async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"password": "changed"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert videoloft_loaded.data["password"] == "changed"
    assert videoloft_loaded.state is ConfigEntryState.LOADED


async def test_feed_closed_by_the_server_reconnects(
    hass: HomeAssistant, videoloft: VideoloftSimulator
) -> None:
    videoloft.feed_seconds = 1.2
    entry = videoloft_entry(videoloft)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = coordinator_of(entry)
    await wait_for(lambda: all(feed.connects >= 2 for feed in coordinator.feeds.values()))
    assert all(feed.failures == 0 for feed in coordinator.feeds.values())
    # Still hearing alerts after the reconnect.
    videoloft.feed_seconds = 300
    await wait_for(lambda: all(feed.connects >= 3 for feed in coordinator.feeds.values()))
    await wait_for(lambda: videoloft.open_feeds == 2)
    videoloft.alert(GARDEN)
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_motion").state == STATE_ON
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: videoloft.open_feeds == 0)


async def test_dropped_feed_reconnects_and_polling_takes_over(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    videoloft.fail = "500"
    videoloft.drop_feeds()
    await wait_for(lambda: not any(feed.connected for feed in coordinator.feeds.values()))
    # While a feed is down, polling is back at its normal pace.
    assert coordinator.update_interval == timedelta(seconds=30)
    await wait_for(
        lambda: all("500" in (feed.last_error or "") for feed in coordinator.feeds.values())
    )
    # No feed up, no poll: nothing is known any more.
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_UNAVAILABLE
    videoloft.fail = None
    await wait_for(lambda: all(feed.connected for feed in coordinator.feeds.values()), seconds=10)
    assert coordinator.update_interval == timedelta(minutes=5)


async def test_what_a_broken_feed_hid_is_caught_up(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    videoloft.fail = "500"
    videoloft.drop_feeds()
    await wait_for(lambda: not any(feed.connected for feed in coordinator.feeds.values()))
    alert = videoloft.alert(GARDEN)  # nobody hears these
    videoloft.cameras[HALL].status = "live"
    statuses = videoloft.requests["status"]
    videoloft.fail = None
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_motion").state == STATE_ON,
        seconds=10,
    )
    assert hass.states.get("event.garden_customer_1_alert").attributes["alert_id"] == str(alert.id)
    await wait_for(
        lambda: hass.states.get("binary_sensor.hall_customer_2_online").state == STATE_ON
    )
    # One status request per logger, and the newest alert of the one camera that had one.
    await wait_for(lambda: all(feed.connected for feed in coordinator.feeds.values()))
    assert videoloft.requests["status"] - statuses == 2
    assert videoloft.requests["alert"] == 1
    # The server ending a feed (every 5 minutes) hides nothing: nothing to catch up.
    connects = {key: feed.connects for key, feed in coordinator.feeds.items()}
    videoloft.expire_tokens()
    await wait_for(
        lambda: all(f.connects > connects[k] and f.connected for k, f in coordinator.feeds.items())
    )
    assert videoloft.requests["status"] - statuses == 2


async def test_recovery_from_a_misbehaving_service(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    online = "binary_sensor.garden_customer_1_online"
    # The realtime feeds are up: a failed poll leaves what they push available.
    for fault in ("500", "malformed", "html"):
        videoloft.fail = fault
        await coordinator.async_refresh()
        assert coordinator.last_update_success, fault
        assert hass.states.get(online).state == STATE_ON
        assert coordinator.update_interval == timedelta(seconds=30)
        videoloft.fail = None
        await coordinator.async_refresh()
        assert coordinator.last_update_success
        assert hass.states.get(online).state == STATE_ON
        assert coordinator.update_interval == timedelta(minutes=5)
    assert videoloft_loaded.state is ConfigEntryState.LOADED


async def test_timeouts_are_survived(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aiohttp

    from custom_components.omnicam.vendors import videoloft as module

    monkeypatch.setattr(module, "REQUEST_TIMEOUT", aiohttp.ClientTimeout(total=0.3))
    coordinator = coordinator_of(videoloft_loaded)
    videoloft.hang()
    await coordinator.async_refresh()
    # The realtime feeds are up: the cameras stay as they pushed them.
    assert coordinator.last_update_success
    assert hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_ON
    videoloft.release()
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_one_logger_down_leaves_the_others(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    # Kitchen and Hall move to a logger the viewerInfo names but that has them not yet.
    videoloft.move(KITCHEN, logger=0)
    await coordinator.async_refresh()  # camera list not re-read: the old logger says no
    assert coordinator.last_update_success
    assert hass.states.get("binary_sensor.garden_customer_1_online").state == STATE_ON
    assert hass.states.get("binary_sensor.kitchen_customer_2_online").state == STATE_UNAVAILABLE


async def test_camera_moving_logger_and_wowza_is_followed(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    coordinator = coordinator_of(videoloft_loaded)
    first = await async_get_stream_source(hass, "camera.kitchen_customer_2")
    assert first is not None
    camera = hass.data["camera"].get_entity("camera.kitchen_customer_2")
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    assert videoloft.host("wowza", 1) in relay.upstream
    videoloft.move(KITCHEN, logger=0, wowza=0)
    await _reread_cameras(videoloft_loaded)
    assert coordinator.last_update_success
    # The feeds are regrouped: logger 0 now carries three cameras.
    await wait_for(lambda: all(feed.connected for feed in coordinator.feeds.values()))
    assert sorted(len(feed.camera_ids) for feed in coordinator.feeds.values()) == [1, 3]
    videoloft.set_status(KITCHEN, "offline")
    await wait_for(
        lambda: hass.states.get("binary_sensor.kitchen_customer_2_online").state == STATE_OFF
    )
    camera._source = None
    moved = await async_get_stream_source(hass, "camera.kitchen_customer_2")
    assert moved == first  # the relay's address stays; where it points moved
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    assert videoloft.host("wowza", 0) in relay.upstream
    assert videoloft.cameras[KITCHEN].streamname in relay.upstream


async def test_cameras_appear_and_disappear(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    videoloft.cameras.pop(HALL)
    videoloft.cameras["400123.7"] = SimCamera("400123.7", "Porch", logger=1, wowza=1)
    await _reread_cameras(videoloft_loaded)
    await hass.async_block_till_done()
    assert find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:{HALL}")) is None
    assert find_device(device_registry, (DOMAIN, f"videoloft:{videoloft.uid}:400123.7")) is not None
    assert hass.states.get("camera.porch_customer_2") is not None


async def test_one_owner_means_plain_names(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = VideoloftSimulator(cameras=[SimCamera("12345.1", "Drive")], aliases={})
    await sim.start()
    try:
        entry = videoloft_entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get("camera.drive") is not None
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_live_video_is_asked_for_while_someone_plays(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
) -> None:
    # Probing the stream source sends nothing to the camera.
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    assert "userToken" not in url
    assert url.endswith("/playlist.m3u8")
    assert videoloft.tasks == []
    # A player (Home Assistant's stream, go2rtc, ...) reads the playlist: the camera is
    # asked to stream, and the playlist is served once it does.
    client = await hass_client_no_auth()
    path = "/" + url.split("/", 3)[3]
    first = await client.get(path)
    assert first.status == 200
    assert "#EXTM3U" in await first.text()
    assert videoloft.tasks == [(GARDEN, "livecommand")]
    assert hass.states.get("binary_sensor.garden_customer_1_live_video").state == STATE_ON
    # The player reads again every few seconds: asked again every 30 seconds, not more.
    assert (await client.get(path)).status == 200
    assert videoloft.tasks == [(GARDEN, "livecommand")]
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    relay.asked_at -= 31
    assert (await client.get(path)).status == 200
    assert videoloft.tasks == [(GARDEN, "livecommand")] * 2
    # Segments do not ask; nobody reading asks nothing.
    text = await (await client.get(path)).text()
    segment = next(line for line in text.splitlines() if line.endswith(".ts"))
    assert (await client.get(path.rsplit("/", 1)[0] + "/" + segment)).status == 200
    assert videoloft.tasks == [(GARDEN, "livecommand")] * 2
    # After a lapse the camera may have stopped: the ask waits until it streams again.
    videoloft.cameras[GARDEN].live_until = 0
    videoloft.push_status(GARDEN)
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_live_video").state == STATE_OFF
    )
    relay.asked_at -= 120
    assert (await client.get(path)).status == 200
    assert videoloft.cameras[GARDEN].live
    # A refused ask is logged; the player gets what the vendor has.
    videoloft.override["sendcameratask"] = (500, "down")
    relay.asked_at -= 31
    assert (await client.get(path)).status == 200


async def test_stream_move_restarts_home_assistants_stream(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    stream = await camera.async_create_stream()
    assert stream is not None
    # Not playing: nothing is looked up.
    await camera._async_check_stream()
    stream.add_provider("hls")
    videoloft.move(GARDEN, wowza=1)
    await _reread_cameras(videoloft_loaded)
    camera._source = (camera._source[0] - 61, camera._source[1])
    restarts = stream._diagnostics.as_dict().get("update_source", 0)
    await camera._async_check_stream()
    assert stream._diagnostics.as_dict().get("update_source", 0) == restarts + 1
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    assert videoloft.host("wowza", 1) in relay.upstream
    # The same when it is the relay that first hears of the move, at a playlist read.
    path = "/" + (await camera.stream_source() or "").split("/", 3)[3]
    videoloft.move(GARDEN, wowza=0)
    await _reread_cameras(videoloft_loaded)
    camera._source = (camera._source[0] - 61, camera._source[1])
    client = await hass_client_no_auth()
    await client.get(path)
    assert stream._diagnostics.as_dict().get("update_source", 0) == restarts + 2
    assert videoloft.host("wowza", 0) in relay.upstream
    await async_stop(stream)


@pytest.mark.parametrize("absolute", [False, True])
async def test_live_stream_is_relayed_without_the_token(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    absolute: bool,
) -> None:
    videoloft.absolute_uris = absolute
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    path = "/" + url.split("/", 3)[3]
    client = await hass_client_no_auth()
    playlist = await client.get(path)
    assert playlist.status == 200
    text = await playlist.text()
    assert "#EXTM3U" in text
    for token in videoloft._tokens:
        assert token not in text
    segment = [line for line in text.splitlines() if line.endswith(".ts")][-1]
    assert not segment.startswith("http")
    video = await client.get(path.rsplit("/", 1)[0] + "/" + segment)
    assert video.status == 200
    assert (await video.read())[:1] == b"\x47"
    # Nothing else is reachable through the relay.
    for bad in ("../../media/x", "seg%2F..%2Fx.ts", "a/../b.ts"):
        response = await client.get(path.rsplit("/", 1)[0] + "/" + bad)
        assert response.status in (400, 404), bad
    unknown = await client.get("/api/omnicam/live/not-a-key/playlist.m3u8")
    assert unknown.status == 404
    # The camera stops streaming: the relay says so.
    videoloft.cameras[GARDEN].live_until = 0
    assert (await client.get(path)).status == 404
    assert_no_secret(caplog, videoloft.password, *videoloft._tokens)
    # The entity gone, its relay is gone.
    assert await hass.config_entries.async_unload(videoloft_loaded.entry_id)
    assert (await client.get(path)).status == 404


async def test_relay_when_wowza_is_unreachable(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    relay.refresh = None  # pinned to where the test points it
    relay.upstream = f"http://127.0.0.1:{closed_port}/manything/x/playlist.m3u8?userToken=t"
    client = await hass_client_no_auth()
    path = "/" + url.split("/", 3)[3]
    assert (await client.get(path)).status == 502
    assert (await client.get(path.replace("playlist.m3u8", "segment1.ts"))).status == 502
    assert "userToken=t" not in caplog.text  # logs name the server, never the URL
    videoloft.override["wowza_playlist"] = (500, "down")
    relay.upstream = f"http://{videoloft.host('wowza', 0)}/manything/x/playlist.m3u8"
    assert (await client.get(path)).status == 502


async def test_relay_follows_the_vendor_url_without_home_assistants_stream(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
) -> None:
    # What go2rtc does: it opens the relay; Home Assistant's own stream never runs.
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    client = await hass_client_no_auth()
    path = "/" + url.split("/", 3)[3]
    assert (await client.get(path)).status == 200
    before = relay.upstream
    await videoloft_loaded.runtime_data.client._fresh_token(force=True)
    camera._source = (camera._source[0] - 61, camera._source[1])
    assert (await client.get(path)).status == 200
    assert relay.upstream != before  # the new token, picked up at the next read
    # The vendor URL cannot be looked up now: the relay goes on with the one it has.
    kept = relay.upstream
    videoloft_loaded.runtime_data.client._devices[GARDEN].streamname = None
    camera._source = None
    assert (await client.get(path)).status == 200
    assert relay.upstream == kept


async def test_new_token_needs_no_stream_restart(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    stream = await camera.async_create_stream()
    assert stream is not None
    stream.add_provider("hls")
    source = stream.source
    before = hass.data[LIVE_RELAYS][camera._relay_key].upstream
    await videoloft_loaded.runtime_data.client._fresh_token(force=True)
    camera._source = (camera._source[0] - 61, camera._source[1])
    await camera._async_check_stream()
    assert hass.data[LIVE_RELAYS][camera._relay_key].upstream != before
    assert stream.source == source
    await async_stop(stream)


async def test_snapshot_captures_fetches_and_caches(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    image = await async_get_image(hass, "camera.garden_customer_1")
    assert image.content.startswith(b"\xff\xd8")
    assert videoloft.tasks == [(GARDEN, "capturestill")]
    assert videoloft.requests["getstill"] == 1
    for _ in range(3):
        await async_get_image(hass, "camera.garden_customer_1")
    assert videoloft.requests["getstill"] == 1
    # A small picture is a thumb.
    camera = hass.data["camera"].get_entity("camera.kitchen_customer_2")
    assert await camera.async_camera_image(width=200)
    assert videoloft.tasks[-1] == (KITCHEN, "capturethumb")
    assert videoloft.requests["getthumb"] == 1


async def test_read_only_snapshot_is_the_newest_image(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    image = await async_get_image(hass, "camera.room_1_customer_1")
    assert image.content.startswith(b"\xff\xd8")
    assert videoloft.tasks == []
    # No image at all on the logger: no picture, a clear error.
    videoloft.cameras[ROOM].images.clear()
    camera = hass.data["camera"].get_entity("camera.room_1_customer_1")
    camera._snapshot = None
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, "camera.room_1_customer_1")


async def test_buttons_send_the_right_actions(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    for key in ("ptz_up", "ptz_down", "ptz_left", "ptz_right", "zoom_in", "zoom_out", "ptz_stop"):
        await hass.services.async_call(
            "button", "press", {"entity_id": f"button.garden_customer_1_{key}"}, blocking=True
        )
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.garden_customer_1_record_event"}, blocking=True
    )
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.garden_customer_1_capture_still"}, blocking=True
    )
    assert [action for _, action in videoloft.tasks] == [
        "ptz_up",
        "ptz_down",
        "ptz_left",
        "ptz_right",
        "ptz_in",
        "ptz_out",
        "ptzstop",
        "triggerevent",
        "capturestill",
    ]
    # The recorded event arrives as an alert.
    await wait_for(
        lambda: hass.states.get("binary_sensor.garden_customer_1_motion").state == STATE_ON
    )


async def test_ptz_move_action(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "ptz_move",
        {"entity_id": "camera.garden_customer_1", "direction": "left", "duration": 0.2},
        blocking=True,
    )
    assert videoloft.tasks == [(GARDEN, "ptzstart_left"), (GARDEN, "ptzstop")]
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "ptz_move",
            {"entity_id": "camera.hall_customer_2", "direction": "up"},
            blocking=True,
        )


async def test_refused_command_is_a_clear_error(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    videoloft.cameras[GARDEN].permissions = ("r",)  # taken away since the camera list
    with pytest.raises(HomeAssistantError, match="not allowed"):
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.garden_customer_1_ptz_up"}, blocking=True
        )


async def test_recording_switch_keeps_triggering(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.omnicam import switch as switch_module

    # The 15-second beat, shortened: real time, since requests are in flight.
    monkeypatch.setattr(switch_module, "RECORDING_KEEPALIVE", timedelta(seconds=0.2))
    switch = "switch.garden_customer_1_recording"
    assert hass.states.get(switch).state == STATE_OFF
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_ON
    assert videoloft.tasks == [(GARDEN, "triggerevent")]
    await wait_for(lambda: len(videoloft.tasks) >= 3)
    assert set(videoloft.tasks) == {(GARDEN, "triggerevent")}
    # One alert for the whole recording.
    assert len([a for a in videoloft.cameras[GARDEN].alerts if a.end_ms is None]) == 1
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_OFF
    sent = len(videoloft.tasks)
    await asyncio.sleep(0.5)
    assert len(videoloft.tasks) == sent
    # A failing trigger is logged; the switch stays on and tries again at the next beat.
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    videoloft.fail = "500"
    await asyncio.sleep(0.3)
    videoloft.fail = None
    sent = len(videoloft.tasks)
    await wait_for(lambda: len(videoloft.tasks) > sent)
    assert hass.states.get(switch).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)


async def test_login_falls_back_to_the_documented_get(
    hass: HomeAssistant, videoloft: VideoloftSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    videoloft.accept_post = False
    entry = videoloft_entry(videoloft)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert videoloft.logins == [("auth1", "GET")]
    assert entry.state is ConfigEntryState.LOADED
    assert_no_secret(caplog, videoloft.password, "p%26ss", *videoloft._tokens)


async def test_unreachable_service_retries_setup(
    hass: HomeAssistant, videoloft: VideoloftSimulator, closed_port: int
) -> None:
    entry = videoloft_entry(videoloft, url=f"http://127.0.0.1:{closed_port}")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_config_flow(hass: HomeAssistant, videoloft: VideoloftSimulator) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "videoloft"}
    )
    assert result["step_id"] == "videoloft"
    form = {"email": videoloft.email, "password": "wrong", "url": videoloft.auth_url}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"password": videoloft.password}
    )
    assert result["type"] == "create_entry"
    assert result["title"] == f"Videoloft ({videoloft.email})"
    assert result["result"].unique_id == str(videoloft.uid)
    await hass.async_block_till_done()
    # The same login again: refused before anything is sent.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "videoloft"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"password": videoloft.password}
    )
    assert result["reason"] == "already_configured"


async def test_diagnostics_hold_no_secret(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    from custom_components.omnicam.diagnostics import async_get_config_entry_diagnostics

    await async_get_image(hass, "camera.garden_customer_1")
    dump = await async_get_config_entry_diagnostics(hass, videoloft_loaded)
    text = str(dump)
    for secret in (videoloft.password, videoloft.email, *videoloft._tokens):
        assert secret not in text
    assert dump["requests"]["status"] >= 2
    assert sorted(dump["feeds"]) == sorted(videoloft.host("logger", i) for i in range(2))
    assert all(feed["connected"] for feed in dump["feeds"].values())


async def test_read_only_camera_plays_live(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
) -> None:
    # Read-only access includes live video (the document): the camera is asked to stream.
    assert videoloft.cameras[ROOM].permissions == ("r",)
    client = await async_serve_api(hass, hass_client_no_auth)
    url = await async_get_stream_source(hass, "camera.room_1_customer_1")
    assert url is not None
    path = "/" + url.split("/", 3)[3]
    playlist = await client.get(path)
    assert playlist.status == 200
    segment = next(line for line in (await playlist.text()).splitlines() if line.endswith(".ts"))
    video = await client.get(path.rsplit("/", 1)[0] + "/" + segment)
    assert video.status == 200
    assert (await video.read())[:1] == b"\x47"
    assert videoloft.tasks == [(ROOM, "livecommand")]
    # And through Home Assistant's own stream, as the browser plays it.
    stream = await async_play(hass, "camera.room_1_customer_1")
    assert stream.outputs()["hls"].get_segments()
    await async_stop(stream)
    # Everything else acts on the camera: still refused to a read-only login.
    client_ = videoloft_loaded.runtime_data.client
    with pytest.raises(NotSupported):
        await client_.async_capture_still(ROOM)
    with pytest.raises(NotSupported):
        await client_.async_trigger_recording(ROOM)
