"""Videoloft events in the Media browser: paged, newest first, played through the proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.components import media_source
from homeassistant.components.media_player import BrowseError
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.vendors.models import MediaKind
from custom_components.omnicam.views import thumbnail_path
from tests.conftest import assert_no_secret
from tests.simulators.videoloft import GARDEN, VideoloftSimulator


@pytest.fixture(autouse=True)
async def media(hass: HomeAssistant) -> None:
    """Load the media source integration."""
    assert await async_setup_component(hass, "media_source", {})


async def _browse(hass: HomeAssistant, path: str = "") -> media_source.BrowseMediaSource:
    return await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{path}".rstrip("/")
    )


async def test_events_are_paged_newest_first_within_the_plan(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    entry_id = videoloft_loaded.entry_id
    account = await _browse(hass, entry_id)
    assert [child.title for child in account.children] == [
        "Garden (Customer 1)",
        "Hall (Customer 2)",
        "Kitchen (Customer 2)",
        "Room 1 (Customer 1)",
    ]
    camera = await _browse(hass, f"{entry_id}/{GARDEN}")
    assert [child.title for child in camera.children] == ["Events"]
    page = await _browse(hass, camera.children[0].identifier)
    alerts = videoloft.cameras[GARDEN].alerts
    # 20 events, then a folder of older ones.
    assert len(page.children) == 21
    assert page.children[-1].title == "Older events"
    assert not page.children[-1].can_play
    first = page.children[0]
    assert first.can_play
    assert first.thumbnail is not None
    assert first.thumbnail.startswith(f"/api/omnicam/thumbnail/{entry_id}/{GARDEN}/event/")
    # Date and local time of the camera (its tz is +1 h), duration, and the kind in words.
    newest = alerts[0]
    local = datetime.fromtimestamp(newest.start_ms // 1000, UTC) + timedelta(hours=newest.tz)
    assert first.title == f"{local:%Y-%m-%d %H:%M:%S} · 11 s · Motion"
    assert first.identifier.endswith(
        f"/{newest.id}_{newest.start_ms // 1000}_{-(-newest.end_ms // 1000)}_1"
    )
    # Videoloft's "audio" is a sound, in the alert event entity's words.
    assert page.children[4].title.endswith(" · Sound")
    second = await _browse(hass, page.children[-1].identifier)
    assert second.title == "Garden (Customer 1) · Older events"
    third = await _browse(hass, second.children[-1].identifier)
    # Only what the 7-day plan keeps: 55 of the 60 events the logger still has.
    assert len(third.children) == 15
    assert third.children[-1].can_play
    assert videoloft.requests["alert"] == 3


async def test_an_event_arriving_between_two_pages_shows_on_one_page_only(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    """Older events follow the last event shown, so a new one cannot push it onto page 2."""
    page = await _browse(hass, f"{videoloft_loaded.entry_id}/{GARDEN}/event")
    videoloft.alert(GARDEN, ended=True)
    older = await _browse(hass, page.children[-1].identifier)
    first = [child.identifier for child in page.children[:-1]]
    second = [child.identifier for child in older.children if child.can_play]
    assert len(first) == len(second) == 20
    assert not set(first) & set(second)
    alerts = videoloft.cameras[GARDEN].alerts
    # The new event is on top of the list; the older page goes on where the first ended.
    assert f"/{alerts[21].id}_" in second[0]
    newest = await _browse(hass, f"{videoloft_loaded.entry_id}/{GARDEN}/event")
    assert f"/{alerts[0].id}_" in newest.children[0].identifier


@pytest.mark.parametrize("path", ["{entry}/329475.59/event/x", "{entry}/329475.59/recording"])
async def test_event_browse_errors(
    hass: HomeAssistant, videoloft_loaded: MockConfigEntry, path: str
) -> None:
    with pytest.raises(BrowseError):
        await _browse(hass, path.format(entry=videoloft_loaded.entry_id))


async def test_event_list_failure_is_a_browse_error(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    videoloft.fail = "html"
    with pytest.raises(BrowseError):
        await _browse(hass, f"{videoloft_loaded.entry_id}/{GARDEN}/event")
    videoloft.fail = None


async def test_event_plays_and_thumbnail_shows_through_the_proxy(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = await _browse(hass, f"{videoloft_loaded.entry_id}/{GARDEN}/event")
    play = await media_source.async_resolve_media(hass, page.children[0].media_content_id, None)
    assert play.mime_type == "video/mp4"
    assert play.url.startswith(f"/api/omnicam/media/{videoloft_loaded.entry_id}/{GARDEN}/event/")
    for token in videoloft._tokens:
        assert token not in play.url
    client = await hass_client()
    video = await client.get(play.url)
    assert video.status == 200
    body = await video.read()
    assert body[4:8] == b"ftyp"
    ranged = await client.get(play.url, headers={"Range": "bytes=10-19"})
    assert ranged.status == 206
    assert len(await ranged.read()) == 10
    assert videoloft.requests["alerturl"] == 2

    thumb = await client.get(page.children[0].thumbnail)
    assert thumb.status == 200
    assert thumb.headers["Content-Type"] == "image/jpeg"
    assert (await thumb.read()).startswith(b"\xff\xd8")
    item_id = page.children[0].identifier.rsplit("/", 1)[1]
    missing = await client.get(
        thumbnail_path(videoloft_loaded, GARDEN, MediaKind.EVENT, "9" + item_id)
    )
    assert missing.status in (404, 502)
    # The same item with an id the entry did not sign is refused.
    forged = page.children[0].thumbnail.rsplit("/", 1)[0] + "/9" + item_id
    assert (await client.get(forged)).status == 404
    bogus = await client.get(
        thumbnail_path(videoloft_loaded, GARDEN, MediaKind.EVENT, "not-an-event")
    )
    assert bogus.status == 404
    assert_no_secret(caplog, videoloft.password, *videoloft._tokens)
