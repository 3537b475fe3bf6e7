"""AIPIX end to end in Home Assistant, against the simulator over loopback HTTP.

The config flow (every error a person can act on, the session limit), devices and
entities, pushed analytics, buttons, the Media browser (archive, events and marks through
our HLS proxy), re-authentication, maintenance, logout on removal and diagnostics, on the
oldest (23.09) and newest (25.06) releases the simulator knows.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
import io
import logging
import time
from typing import Any

import aiohttp
from homeassistant.components import media_source
from homeassistant.components.camera import async_get_image
from homeassistant.components.diagnostics import REDACTED
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from yarl import URL

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import aipix_entry, assert_no_secret, coordinator_of, wait_for
from tests.playback import async_play, async_serve_api, async_stop, camera_entity
from tests.simulators.aipix import AipixSimulator, default_cameras

FORM_ERRORS = [
    ("GET /api/v1/static/basic", "html200", "wrong_server_aipix"),
    ("POST /api/v1/token", 429, "rate_limited"),
    ("POST /api/v1/token", 409, "client_too_old"),
    ("POST /api/v1/token", 503, "maintenance"),
    ("POST /api/v1/token", 500, "cannot_connect"),
]


async def _setup(hass: HomeAssistant, sim: AipixSimulator, **data: Any) -> MockConfigEntry:
    entry = aipix_entry(sim, **data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _open_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "aipix"}
    )
    assert result["step_id"] == "aipix"
    return str(result["flow_id"])


def _form(sim: AipixSimulator, **changes: Any) -> dict[str, Any]:
    return {"url": sim.url, "username": sim.login, "password": sim.password} | changes


@pytest.mark.parametrize("release", ["23.09", "25.06"])
async def test_flow_adds_the_server_with_one_stable_client_id(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, socket_enabled: None, release: str
) -> None:
    sim = AipixSimulator(release=release)
    await sim.start()
    try:
        flow_id = await _open_form(hass)
        result = await hass.config_entries.flow.async_configure(flow_id, _form(sim))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.unique_id == sim.unique_id
        data = dict(entry.data)
        assert "replace_session" not in data
        uuid = data["client_uuid"]
        # The login of the flow is the entry's session: set-up sends the same X-UUID and
        # keeps its token (one session on the server, not two).
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert {seen.get("X-UUID") for seen in sim.headers_seen} == {uuid}
        assert len(sim.sessions) == 1
        assert entry.data["client_uuid"] == uuid
        assert_no_secret(caplog, sim.password, entry.data["access_token"])
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize(("key", "fault", "error"), FORM_ERRORS)
async def test_flow_errors_in_words(
    hass: HomeAssistant, aipix_sim: AipixSimulator, key: str, fault: int | str, error: str
) -> None:
    flow_id = await _open_form(hass)
    aipix_sim.fail[key] = fault
    result = await hass.config_entries.flow.async_configure(flow_id, _form(aipix_sim))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    del aipix_sim.fail[key]
    result = await hass.config_entries.flow.async_configure(flow_id, _form(aipix_sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_flow_captcha_and_refused_login(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    flow_id = await _open_form(hass)
    aipix_sim.captcha = True
    result = await hass.config_entries.flow.async_configure(flow_id, _form(aipix_sim))
    assert result["errors"] == {"base": "captcha_required"}
    aipix_sim.captcha = False
    # 422 by field: the login is marked, the server's words are shown.
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(aipix_sim, password="wrong")
    )
    assert result["errors"] == {"username": "field_refused", "base": "server_refused"}
    assert "do not match" in result["description_placeholders"]["server_message"]
    result = await hass.config_entries.flow.async_configure(flow_id, _form(aipix_sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_flow_session_limit_ends_the_chosen_session(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{aipix_sim.url}/api/v1/token",
            json={"login": aipix_sim.login, "password": aipix_sim.password},
            headers={"X-UUID": "phone", "User-Agent": "AIPIX phone app"},
        ) as response,
    ):
        assert response.status == 200
    aipix_sim.sessions_limit = 1
    (phone,) = aipix_sim.sessions
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(aipix_sim))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "session_limit"
    schema = result["data_schema"].schema["session"].config["options"]
    assert [option["value"] for option in schema] == [phone["id"]]
    assert "token" not in str(schema).lower()
    result = await hass.config_entries.flow.async_configure(flow_id, {"session": phone["id"]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "replace_session" not in result["data"]
    assert aipix_sim.logins[-1]["session_id"] == phone["id"]
    assert [s["id"] for s in aipix_sim.sessions] != [phone["id"]]
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_entities_buttons_and_pushed_analytics(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    entry = await _setup(hass, aipix_sim)
    # A PTZ camera: steps without a stop button, home position; marks everywhere.
    assert hass.states.get("button.yard_ptz_up") is not None
    assert hass.states.get("button.yard_ptz_stop") is None
    assert hass.states.get("button.entrance_ptz_up") is None
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.yard_home_position"}, blocking=True
    )
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.yard_ptz_left"}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN,
        "ptz_move",
        {ATTR_ENTITY_ID: "camera.yard", "direction": "up", "duration": 5},
        blocking=True,
    )
    moves = [move for _, move in aipix_sim.ptz_moves]
    assert moves[0] == "home"
    assert len(moves) == 3  # ptz_move made one step, whatever the duration
    marks = len(aipix_sim.marks)
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.entrance_mark"}, blocking=True
    )
    assert len(aipix_sim.marks) == marks + 1
    assert hass.states.get("binary_sensor.entrance_archive_recording").state == "on"
    assert hass.states.get("sensor.entrance_archive_start").state != "unknown"

    # Pushed motion: the sensor goes on, the alert fires with its kind.
    await wait_for(lambda: aipix_sim.subscribed() > 0)
    motion = "binary_sensor.entrance_motion"
    assert hass.states.get(motion).state == "off"
    cid = next(c.id for c in aipix_sim.cameras.values() if c.name == "Entrance")
    await aipix_sim.push_analytic(cid, "motion_detect")
    await wait_for(lambda: hass.states.get(motion).state == "on")
    alert = "event.entrance_alert"
    assert hass.states.get(alert).attributes["event_type"] == "motion"
    # Every analytic kind fires the alert as itself (only motion has a binary sensor).
    assert {"motion", "license_plate", "fire", "face", "counting", "other"} <= set(
        hass.states.get(alert).attributes["event_types"]
    )
    await aipix_sim.push_analytic(cid, "license_plate", license_plate="AB123C")
    await wait_for(lambda: hass.states.get(alert).attributes["event_type"] == "license_plate")
    assert hass.states.get(alert).attributes["plate"] == "AB123C"
    await aipix_sim.push_analytic(cid, "container_number_recognition")
    await wait_for(lambda: hass.states.get(alert).attributes["event_type"] == "other")
    assert hass.states.get(alert).attributes["code"] == "container_number_recognition"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_status_polled_every_minute_while_the_socket_is_up(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    """The socket pushes events but never whether a camera is online: a poll every minute."""
    entry = await _setup(hass, aipix_sim)
    coordinator = coordinator_of(entry)
    await wait_for(lambda: all(feed.connected for feed in coordinator.feeds.values()))
    assert coordinator.update_interval == timedelta(seconds=60)
    cam = next(c for c in aipix_sim.cameras.values() if c.name == "Entrance")
    cam.status = "inactive"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await wait_for(lambda: hass.states.get("binary_sensor.entrance_online").state == "off")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_blocked_camera_says_why(hass: HomeAssistant, aipix_sim: AipixSimulator) -> None:
    cam = next(iter(aipix_sim.cameras.values()))
    cam.user_status = "blocked"
    entry = await _setup(hass, aipix_sim)
    online = [
        s for s in hass.states.async_all("binary_sensor") if s.attributes.get("offline_reason")
    ]
    assert [s.state for s in online] == ["off"]
    assert online[0].attributes["offline_reason"] == "blocked"
    # The camera is withheld from this user: its other entities are unavailable.
    assert hass.states.get("camera.entrance").state == "unavailable"
    assert hass.states.get("binary_sensor.entrance_motion").state == "unavailable"
    assert hass.states.get("camera.yard").state != "unavailable"
    # Unblocked: back by itself at the next poll.
    cam.user_status = "active"
    await coordinator_of(entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("camera.entrance").state != "unavailable"
    assert hass.states.get("binary_sensor.entrance_online").state == "on"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_cameras_follow_pushes_without_restart(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    entry = await _setup(hass, aipix_sim)
    await wait_for(lambda: aipix_sim.subscribed() > 0)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 3
    feeds = coordinator_of(entry).feeds
    first = feeds["push"]
    await aipix_sim.attach(name="Garage")
    await wait_for(lambda: hass.states.get("camera.garage") is not None)
    # The socket carries every camera of the account: it stays open (no reconnect), so a
    # push right after the change reaches a camera that was there and the new one.
    entrance = next(c.id for c in aipix_sim.cameras.values() if c.name == "Entrance")
    garage = next(c.id for c in aipix_sim.cameras.values() if c.name == "Garage")
    await aipix_sim.push_analytic(entrance)
    await aipix_sim.push_analytic(garage)
    await wait_for(lambda: hass.states.get("binary_sensor.entrance_motion").state == "on")
    await wait_for(lambda: hass.states.get("binary_sensor.garage_motion").state == "on")
    assert feeds["push"] is first
    assert first.connects == 1
    assert len(first.camera_ids) == 4
    gone = next(c.id for c in aipix_sim.cameras.values() if c.name == "Parking")
    await aipix_sim.detach(gone)

    def removed() -> bool:
        # A second read within the debouncer's cooldown waits for its end.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        return len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == 3

    await wait_for(removed, 10)
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("release", ["23.09", "25.06"])
async def test_archive_plays_through_our_proxy(
    hass: HomeAssistant,
    hass_client: Any,
    hass_client_no_auth: Any,
    caplog: pytest.LogCaptureFixture,
    socket_enabled: None,
    release: str,
) -> None:
    sim = AipixSimulator(release=release)
    # The server sends its playlists in pieces: the proxy reads them whole (a reader that
    # took what had arrived cut the playlist, and its last URI, short).
    sim.slow_media = True
    await sim.start()
    try:
        assert await async_setup_component(hass, "media_source", {})
        entry = await _setup(hass, sim)
        cid = str(next(c.id for c in sim.cameras.values() if c.name == "Entrance"))
        base = f"media-source://{DOMAIN}/{entry.entry_id}/{cid}"
        camera = await media_source.async_browse_media(hass, base)
        assert [child.title for child in camera.children] == ["Archive", "Events", "Marks"]
        archive = await media_source.async_browse_media(hass, f"{base}/archive")
        today = await media_source.async_browse_media(hass, archive.children[0].media_content_id)
        assert today.children, "the archive records now: today has pieces"
        piece = today.children[0]
        play = await media_source.async_resolve_media(hass, piece.media_content_id, None)
        assert play.mime_type == "application/x-mpegURL"
        assert "token" not in play.url
        client = await hass_client()
        response = await client.get(play.url)
        assert response.status == 200
        playlist = await response.text()
        assert playlist.startswith("#EXTM3U")
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST"), "the whole playlist"
        assert "token" not in playlist
        assert sim.url not in playlist
        uris = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert uris
        assert all(uri.startswith("/api/omnicam/hls/") for uri in uris)
        # Nested playlists are rewritten too; segments are real MPEG-TS.
        anonymous = await hass_client_no_auth()
        for _ in range(3):
            response = await anonymous.get(uris[0])
            assert response.status == 200
            body = await response.read()
            if not body.startswith(b"#EXTM3U"):
                break
            assert b"token" not in body
            uris = [x for x in body.decode().splitlines() if x and not x.startswith("#")]
            assert all(uri.startswith("/api/omnicam/hls/") for uri in uris)
        else:
            pytest.fail("no segment under the playlist")
        segment = await anonymous.get(uris[-1])
        assert segment.status == 200
        assert (await segment.read())[:1] == b"\x47"
        # A forged index is refused, signed or not.
        playback = URL(uris[-1]).path.rsplit("/", 2)[-2]
        assert (await client.get(f"/api/omnicam/hls/{playback}/99999")).status == 404
        unsigned = await anonymous.get(URL(uris[-1]).path)
        assert unsigned.status == 401
        assert_no_secret(caplog, *(link for link in sim.tokens))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize("release", ["23.09", "25.06"])
async def test_thumbnails_are_pictures(
    hass: HomeAssistant, hass_client: Any, socket_enabled: None, release: str
) -> None:
    """Before 25.06 a preview is a one-frame MP4: the thumbnail view serves its picture."""
    sim = AipixSimulator(release=release)
    sim.slow_media = True
    await sim.start()
    try:
        assert await async_setup_component(hass, "media_source", {})
        entry = await _setup(hass, sim)
        cam = next(c for c in sim.cameras.values() if c.name == "Entrance")
        sim.add_event(cam.id, "motion_detect", when=time.time() - 600, analytic=True)
        base = f"media-source://{DOMAIN}/{entry.entry_id}/{cam.id}"
        archive = await media_source.async_browse_media(hass, f"{base}/archive")
        today = await media_source.async_browse_media(hass, archive.children[0].media_content_id)
        events = await media_source.async_browse_media(hass, f"{base}/event")
        if events.children[0].can_expand:  # by day
            events = await media_source.async_browse_media(
                hass, events.children[0].media_content_id
            )
        client = await hass_client()
        for item in (today.children[0], events.children[0]):
            assert item.thumbnail is not None
            response = await client.get(item.thumbnail)
            assert response.status == 200
            assert response.content_type == "image/jpeg"
            jpeg = await response.read()
            assert jpeg[:3] == b"\xff\xd8\xff"
            with Image.open(io.BytesIO(jpeg)) as picture:
                assert picture.size[0] > 0
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_thumbnail_without_a_picture_is_a_bad_gateway(
    hass: HomeAssistant, hass_client: Any, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A preview clip that decodes to nothing is a 502 and a log line, not a broken image."""
    sim = AipixSimulator(release="23.09")
    sim.broken_previews = True
    await sim.start()
    try:
        assert await async_setup_component(hass, "media_source", {})
        entry = await _setup(hass, sim)
        cam = next(c for c in sim.cameras.values() if c.name == "Entrance")
        base = f"media-source://{DOMAIN}/{entry.entry_id}/{cam.id}"
        archive = await media_source.async_browse_media(hass, f"{base}/archive")
        today = await media_source.async_browse_media(hass, archive.children[0].media_content_id)
        assert today.children[0].thumbnail is not None
        response = await (await hass_client()).get(today.children[0].thumbnail)
        assert response.status == 502
        assert "holds no picture" in caplog.text
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_days_are_local_days(
    hass: HomeAssistant, hass_client: Any, aipix_sim: AipixSimulator
) -> None:
    """A piece and an event just after local midnight are in that local day's folder."""
    await hass.config.async_set_time_zone("Asia/Tokyo")  # UTC+9: local midnight is 15:00 UTC
    day = dt_util.now().date() - timedelta(days=1)
    midnight = dt_util.start_of_local_day(day)
    just_after = int(midnight.timestamp()) + 300
    cam = next(c for c in aipix_sim.cameras.values() if c.name == "Entrance")
    cam.archive_ranges = [{"from": just_after, "duration": 600}]
    cam.is_archive_recording = False
    event = aipix_sim.add_event(cam.id, "motion_detect", when=just_after + 60, analytic=True)
    assert await async_setup_component(hass, "media_source", {})
    entry = await _setup(hass, aipix_sim)
    base = f"media-source://{DOMAIN}/{entry.entry_id}/{cam.id}"
    for kind in ("archive", "event"):
        local_day = await media_source.async_browse_media(hass, f"{base}/{kind}/{day}")
        starts = [child.title for child in local_day.children]
        assert len(starts) == 1, (kind, starts)
        before = await media_source.async_browse_media(
            hass, f"{base}/{kind}/{day - timedelta(days=1)}"
        )
        assert before.children == [], kind
    assert event["id"]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_live_plays_through_the_relay_and_snapshots_are_cached(
    hass: HomeAssistant,
    hass_client_no_auth: Any,
    aipix_sim: AipixSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant's stream plays the live HLS through our relay; stills are cached."""
    entry = await _setup(hass, aipix_sim)
    await async_serve_api(hass, hass_client_no_auth)  # after set-up: it freezes the router
    cam = next(c for c in aipix_sim.cameras.values() if c.name == "Entrance")
    minted = aipix_sim.links_minted[cam.id]
    stream = await async_play(hass, "camera.entrance")
    segments = stream.outputs()["hls"].get_segments()
    await wait_for(lambda: len(segments) >= 2, 15)
    assert b"avc1" in (segments[0].init or b"")
    assert "token" not in str(stream.source)
    assert aipix_sim.links_minted[cam.id] > minted
    await async_stop(stream)
    # Stills: a real JPEG; a dashboard asking every few seconds does not mint each time.
    minted = aipix_sim.links_minted[cam.id]
    for _ in range(5):
        image = await async_get_image(hass, "camera.entrance")
        assert image.content[:3] == b"\xff\xd8\xff"
    assert aipix_sim.links_minted[cam.id] - minted <= 1
    vendor_tokens = [*aipix_sim.tokens, *aipix_sim.link_tokens(), entry.data["access_token"]]
    for state in hass.states.async_all():
        assert not any(t in str(state.attributes) for t in vendor_tokens), state.entity_id
    assert_no_secret(caplog, *vendor_tokens)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_rtsp_link_token_never_in_the_stream_logs(
    hass: HomeAssistant, aipix_sim: AipixSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant's stream opens the RTSP link itself and logs it when it fails."""
    assert await async_setup_component(hass, "stream", {})
    entry = await _setup(hass, aipix_sim, rtsp=True)
    camera = camera_entity(hass, "camera.entrance")
    source = await camera.stream_source()
    assert source is not None
    assert source.startswith("rtsp://")
    token = URL(source).query["token"]
    stream = await camera.async_create_stream()
    assert stream is not None
    aipix_sim.expire_links()  # the server refuses the link: the worker fails and says where
    stream.add_provider("hls")
    with caplog.at_level(logging.DEBUG):
        await stream.start()
        await wait_for(lambda: "Error from stream worker" in caplog.text, 15)
    await async_stop(stream)
    assert "rtsp://" in caplog.text
    assert_no_secret(caplog, token)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_archive_gone_or_restricted_in_words(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    entry = await _setup(hass, aipix_sim)
    cam = next(c for c in aipix_sim.cameras.values() if c.name == "Entrance")
    base = f"media-source://{DOMAIN}/{entry.entry_id}/{cam.id}"
    archive = await media_source.async_browse_media(hass, f"{base}/archive")
    today = await media_source.async_browse_media(hass, archive.children[0].media_content_id)
    piece = today.children[-1].media_content_id
    cam.is_restricted_archive = True
    with pytest.raises(HomeAssistantError) as refused:
        await media_source.async_resolve_media(hass, piece, None)
    assert refused.value.translation_key == "media_refused"
    cam.is_restricted_archive = False
    cam.archive_ranges.clear()
    cam.is_archive_recording = False
    with pytest.raises(HomeAssistantError) as gone:
        await media_source.async_resolve_media(hass, piece, None)
    assert gone.value.translation_key == "media_gone"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_maintenance_waits_without_asking_for_a_login(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    aipix_sim.fail["GET /api/v1/cameras"] = 503
    entry = aipix_entry(aipix_sim)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_logout_push_logs_in_again_then_asks_for_the_password(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    entry = await _setup(hass, aipix_sim)

    def token_channel_heard() -> bool:
        # The socket listens on the current session's token channel (where `logout` comes):
        # the server lists such a session as online.
        (session,) = aipix_sim.sessions
        return bool(session["online"])

    # The session is deleted on the server: a fresh login, no question asked.
    await wait_for(token_channel_heard)
    logins = len(aipix_sim.logins)
    await aipix_sim.delete_session(aipix_sim.sessions[0]["id"])
    await wait_for(lambda: len(aipix_sim.logins) > logins)
    await hass.async_block_till_done()
    assert not hass.config_entries.flow.async_progress()
    # Deleted again, and the password changed meanwhile: reauth.
    await wait_for(token_channel_heard)
    aipix_sim.password = "new-pass"
    await aipix_sim.delete_session(aipix_sim.sessions[0]["id"])
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()), 10)
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "new-pass"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_and_logout_on_removal(
    hass: HomeAssistant, aipix_sim: AipixSimulator
) -> None:
    entry = await _setup(hass, aipix_sim)
    token = entry.data["access_token"]
    dump = await async_get_config_entry_diagnostics(hass, entry)
    text = str(dump)
    assert token not in text
    assert aipix_sim.password not in text
    assert dump["entry"]["data"]["access_token"] == REDACTED
    assert dump["entry"]["data"]["client_uuid"] == REDACTED
    assert len(aipix_sim.sessions) == 1
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert aipix_sim.sessions == []


async def test_reconfigure_follows_the_server_to_a_new_address(
    hass: HomeAssistant, aipix_sim: AipixSimulator, socket_enabled: None
) -> None:
    """The same server and user at a new URL: the entry moves; another server: refused."""
    entry = await _setup(hass, aipix_sim)
    old_unique_id = entry.unique_id
    entity_ids = sorted(s.entity_id for s in hass.states.async_all() if "entrance" in s.entity_id)
    assert entity_ids
    logins = len(aipix_sim.logins)
    new_url = await aipix_sim.also_listen()

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(aipix_sim, url=new_url)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["url"] == new_url
    assert entry.unique_id != old_unique_id
    assert entry.unique_id.endswith(f":{aipix_sim.user_id}")
    # The kept session went along (same server): no new login, and the entities stay.
    assert len(aipix_sim.logins) == logins
    assert entry.state is ConfigEntryState.LOADED
    assert (
        sorted(s.entity_id for s in hass.states.async_all() if "entrance" in s.entity_id)
        == entity_ids
    )

    # Another server (other cameras): refused, the entry as it was.
    other = AipixSimulator(
        cameras=[dataclasses.replace(cam, id=cam.id + 1000) for cam in default_cameras(2)]
    )
    await other.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], _form(other))
    finally:
        await other.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] in ("wrong_account", "wrong_account_aipix")
    assert entry.data["url"] == new_url
    await hass.config_entries.async_unload(entry.entry_id)
