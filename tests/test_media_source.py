"""Media browser: browse → resolve → play through the signed proxy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import media_source
from homeassistant.components.media_player import BrowseError
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam import media_source as media_source_module
from custom_components.omnicam.access import media_signature
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.media_source import item_title
from custom_components.omnicam.vendors.models import (
    EventKind,
    MediaKind,
    RecordedItem,
    RecordingCause,
)
from custom_components.omnicam.views import media_path
from tests.conftest import assert_no_secret
from tests.simulators.ipcamlive import IPCamLiveSimulator

GARDEN = "55c9f405218d1"


@pytest.fixture(autouse=True)
async def media(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Load the media source integration; keep the clock fixed."""
    freezer.move_to("2026-11-21 12:00:00+00:00")
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    assert await async_setup_component(hass, "media_source", {})


async def _browse(hass: HomeAssistant, path: str = "") -> media_source.BrowseMediaSource:
    return await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{path}".rstrip("/")
    )


async def test_browse_tree(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    root = await _browse(hass)
    assert [child.title for child in root.children] == ["IPCamLive"]
    account = await _browse(hass, loaded_entry.entry_id)
    # Only cameras whose plan records are listed.
    assert [child.title for child in account.children] == [
        "Front Garden",
        "Old Barn",
        "Parking & Gate",
    ]
    camera = await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}")
    assert [child.title for child in camera.children] == ["Recordings", "Time-lapse"]
    parking = await _browse(hass, f"{loaded_entry.entry_id}/55f1d712e8195")
    assert [child.title for child in parking.children] == ["Recordings"]

    days = await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}/recording")
    # One date format everywhere: day folders, items and time-lapse days.
    assert [child.title for child in days.children] == ["2026-11-20 (6)"]
    day = await _browse(hass, days.children[0].identifier)
    assert day.title == "Front Garden · 2026-11-20"
    titles = [child.title for child in day.children]
    # Newest first, in local time (Amsterdam, UTC+1), with its date and duration.
    assert titles[0] == "2026-11-20 14:15:00 · 15 min"
    assert titles[-1] == "2026-11-20 13:00:00 · 15 min"
    assert all(child.can_play for child in day.children)

    lapse = await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}/timelapse")
    assert [child.title for child in lapse.children][:2] == ["2026-11-21", "2026-11-20"]
    assert lapse.children[-1].title == "Long-lapse"
    assert len(lapse.children) == 8


@pytest.mark.parametrize(
    "path",
    [
        "missing-entry",
        "{entry}/nope",
        "{entry}/5a0c1b2d3e4f5/recording",
        "{entry}/55f1d712e8195/timelapse",
        "{entry}/" + GARDEN + "/bogus",
        "{entry}/" + GARDEN + "/recording/2026-11-20/extra",
    ],
)
async def test_browse_errors(hass: HomeAssistant, loaded_entry: MockConfigEntry, path: str) -> None:
    with pytest.raises(BrowseError):
        await _browse(hass, path.format(entry=loaded_entry.entry_id))


async def test_browse_errors_are_translated(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(BrowseError) as err:
        await _browse(hass, f"{loaded_entry.entry_id}/5a0c1b2d3e4f5/recording")
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "no_media_kind"
    assert err.value.translation_placeholders == {"camera": "Workshop", "kind": "recording"}


async def test_browse_when_vendor_fails(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.fail = "html"
    with pytest.raises(BrowseError):
        await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}/recording")


async def test_play_through_signed_proxy(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_ws_client,  # type: ignore[no-untyped-def]
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    day = await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}/recording/2026-11-20")
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id(
        {"type": "media_source/resolve_media", "media_content_id": day.children[0].media_content_id}
    )
    response = await ws.receive_json()
    assert response["success"], response
    url = response["result"]["url"]
    assert url.startswith(f"/api/omnicam/media/{loaded_entry.entry_id}/{GARDEN}/recording/")
    assert "authSig=" in url
    assert ipcamlive.secret not in url
    assert response["result"]["mime_type"] == "video/mp4"

    client = await hass_client_no_auth()
    full = await client.get(url)
    assert full.status == 200
    body = await full.read()
    assert body[4:8] == b"ftyp"
    ranged = await client.get(url, headers={"Range": "bytes=0-99"})
    assert ranged.status == 206
    assert ranged.headers["Content-Range"] == f"bytes 0-99/{len(body)}"
    assert len(await ranged.read()) == 100
    # Location looked up once, for all of the browser's range requests.
    assert ipcamlive.requests["getcamerastoragefiles"] == 2

    # Without the signature the proxy refuses.
    unsigned = await client.get(url.split("?")[0])
    assert unsigned.status == 401
    assert_no_secret(caplog, ipcamlive.secret)


async def test_play_timelapse(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    lapse = await _browse(hass, f"{loaded_entry.entry_id}/{GARDEN}/timelapse")
    client = await hass_client()
    for child in (lapse.children[0], lapse.children[-1]):
        play = await media_source.async_resolve_media(hass, child.media_content_id, None)
        response = await client.get(play.url)
        assert response.status == 200
        assert response.headers["Content-Type"] == "video/mp4"
    assert ipcamlive.requests["timelapse_file"] == 2


@pytest.mark.parametrize(
    ("camera", "kind", "item", "status"),
    [
        (GARDEN, "recording", "999999", 404),
        (GARDEN, "timelapse", "yesterday", 404),
        ("nope", "recording", "1", 404),
        (GARDEN, "bogus", "1", 404),
        ("5a0c1b2d3e4f5", "recording", "1", 404),
    ],
)
async def test_proxy_not_found(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
    camera: str,
    kind: str,
    item: str,
    status: int,
) -> None:
    # Signed as if listed: what the vendor then says decides.
    signature = media_signature(loaded_entry, camera, kind, item)
    client = await hass_client()
    path = f"{loaded_entry.entry_id}/{camera}/{kind}/{signature}/{item}"
    response = await client.get(f"/api/omnicam/media/{path}")
    assert response.status == status
    response = await client.get(f"/api/omnicam/media/not-an-entry/{path.split('/', 1)[1]}")
    assert response.status == 404


async def test_proxy_vendor_failures(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await hass_client()
    ipcamlive.fail = "500"
    response = await client.get(media_path(loaded_entry, GARDEN, MediaKind.RECORDING, "141600"))
    assert response.status == 502
    ipcamlive.fail = None


async def test_resolve_errors(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    for identifier in (
        "x",
        f"{loaded_entry.entry_id}/{GARDEN}/recording/item",
        f"{loaded_entry.entry_id}/{GARDEN}/recording/item/1",
        f"{loaded_entry.entry_id}/{GARDEN}/recording/item/forged/141600",
        f"{loaded_entry.entry_id}/nope/recording/item/x/1",
    ):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(
                hass, f"media-source://{DOMAIN}/{identifier}", None
            )


def test_durations_are_short() -> None:
    from custom_components.omnicam.media_source import _duration

    assert _duration(11.4) == "11 s"
    assert _duration(60) == "1 min"
    assert _duration(245) == "4 min 5 s"
    assert _duration(895) == "15 min"
    assert _duration(3600) == "1 h"
    assert _duration(3600 + 15 * 60 + 20) == "1 h 15 min"
    assert _duration(10 * 3600 - 29) == "10 h"
    assert _duration(10 * 3600 - 31) == "9 h 59 min"
    assert _duration(23 * 3600 + 59 * 60) == "24 h"
    assert max(len(_duration(s)) for s in range(0, 48 * 3600, 7)) <= 10


def test_titles_fit_the_grid_and_say_date_time_and_what() -> None:
    """Date and time, duration, then the word: about 30 characters before the word."""
    start = datetime(2026, 12, 3, 23, 59, 58, tzinfo=UTC)
    longest = RecordedItem(
        "1",
        MediaKind.RECORDING,
        "raw",
        start=start,
        end=start + timedelta(hours=9, minutes=59),
        cause=RecordingCause.SCHEDULED,
        camera_time=True,
    )
    title = item_title(longest)
    assert title == "2026-12-03 23:59:58 · 9 h 59 min · Scheduled"
    assert len(title.rsplit(" · ", 1)[0]) <= 32
    # The kind wins over the cause; without a start the vendor's title is all there is.
    event = replace(longest, kind=MediaKind.EVENT, event=EventKind.LINE_CROSSING)
    assert item_title(event).endswith(" · Line crossing")
    assert item_title(replace(longest, start=None)) == "raw"


def test_the_browsers_words_are_all_translated() -> None:
    """Every word of the browser's own is in strings.json, in the same English."""
    strings = json.loads((Path(media_source_module.__file__).parent / "strings.json").read_text())
    options = strings["selector"]["media_browser"]["options"]
    assert options == media_source_module.FOLDER_WORDS
    causes = strings["selector"]["recording_cause"]["options"]
    assert set(causes) == {cause.value for cause in RecordingCause}
    # Without translations at all, the English words are still shown.
    assert media_source_module.ENGLISH.folder("older_events") == "Older events"
    assert media_source_module.ENGLISH.cause(RecordingCause.MARKED) == "Marked"
