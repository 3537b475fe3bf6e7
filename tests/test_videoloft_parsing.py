"""Videoloft client: reading what the API sends, however oddly it is shaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import aiohttp
import pytest

from custom_components.omnicam.vendors.errors import NotFound
from custom_components.omnicam.vendors.models import (
    EventKind,
    MediaKind,
    RealtimeUpdate,
    RecordingCause,
)
from custom_components.omnicam.vendors.videoloft import (
    SAFE_URL_LENGTH,
    VideoloftClient,
    _devices_in,
    _host,
    event_item_id,
    parse_event_item_id,
    readable_model,
)


@pytest.fixture
async def client() -> VideoloftClient:
    async with aiohttp.ClientSession() as session:
        return VideoloftClient(session, "a@b.example", "p&ss word/+", "http://127.0.0.1:9")


def test_devices_are_found_in_the_documented_and_the_garbled_shape() -> None:
    result = {
        "329475": {
            "devices": {"56": {"uidd": "329475.56", "phonename": "Room 1"}},
            "59": {"uidd": "329475.59", "phonename": "Garden"},
            "alias": "Customer 1",
        },
        "400123": "not a dict",
        "errors": [{"1.1": "Unauthorized"}],
    }
    found = [(owner, alias, row["uidd"]) for owner, alias, row in _devices_in(result)]
    assert found == [
        ("329475", "Customer 1", "329475.56"),
        ("329475", "Customer 1", "329475.59"),
    ]
    assert list(_devices_in(["not", "a", "dict"])) == []


def test_hosts_with_and_without_scheme() -> None:
    assert _host("logger-1.example.com") == "logger-1.example.com"
    assert _host("https://auth.example.com/") == "auth.example.com"
    assert _host("127.0.0.1:8080/extra") == "127.0.0.1:8080"
    assert _host("") is None
    assert _host(None) is None


def test_event_item_ids_round_trip_and_refuse_anything_else() -> None:
    item_id = event_item_id("1540567030", 1540567026, 1540567037, 1)
    assert parse_event_item_id(item_id) == ("1540567030", 1540567026, 1540567037, 1)
    for bad in ("1_2_3", "a_1_2_3", "1_2_3_4_5", "../etc_1_2_3"):
        with pytest.raises(NotFound):
            parse_event_item_id(bad)


def test_event_rows_become_items_in_the_cameras_time_zone() -> None:
    item = VideoloftClient._event_item(
        {
            "alert": 1540567030,
            "startt": 1540567026000,
            "endt": 1540567037500,
            "tz": 1,
            "type": "audio",
            "rom": 0,
        }
    )
    assert item is not None
    assert item.kind is MediaKind.EVENT
    assert item.start == datetime(2018, 10, 26, 15, 17, 6, tzinfo=UTC)
    assert item.start.utcoffset() == timedelta(hours=1)
    assert item.duration_seconds == 11.5
    # The vendor's "audio" is the shared kind, shown as Sound; the time is the camera's.
    assert item.event is EventKind.SOUND
    assert item.camera_time
    other = VideoloftClient._event_item({"alert": 5, "startt": 1, "type": "doorbell"})
    assert other is not None
    assert other.event is None
    assert other.cause is RecordingCause.EVENT
    assert item.id == "1540567030_1540567026_1540567038_0"
    assert item.has_thumbnail
    # No end yet: a zero-length item; no id or no start: skipped.
    open_item = VideoloftClient._event_item({"alert": 5, "startt": 1540567026000})
    assert open_item is not None
    assert open_item.duration_seconds == 0
    assert VideoloftClient._event_item({"startt": 1540567026000}) is None
    assert VideoloftClient._event_item({"alert": 5}) is None
    assert VideoloftClient._event_item({"alert": "x", "startt": 1}) is None
    assert VideoloftClient._event_item("garbage") is None


def test_alert_magnitudes_and_half_hour_zones() -> None:
    event = VideoloftClient._event(
        "1.2", {"id": 7, "type": "motion", "smx": "0a", "startt": 1613745105000, "tz": 5.5}
    )
    assert event is not None
    assert event.magnitude == 10
    assert event.id == "7"
    assert event.end is None
    assert event.start is not None
    assert event.start.utcoffset() == timedelta(hours=5, minutes=30)
    audio = VideoloftClient._event("1.2", {"id": 8, "type": "audio", "aud": "03", "smx": None})
    assert audio is not None
    assert audio.magnitude == 3
    odd = VideoloftClient._event("1.2", {"id": 9, "smx": "zz", "aud": "04"})
    assert odd is not None
    assert odd.type == "motion"
    assert odd.magnitude == 4


def test_feed_messages_of_every_shape(client: VideoloftClient) -> None:
    got: list[RealtimeUpdate] = []
    wanted = frozenset({"1.2"})
    client._feed_message(
        '{"type": "liveSession", "data": {"uidd": "1.2", "live": true, "status": "live"}}',
        wanted,
        got.append,
    )
    # Wrapped once more in "data", as the document prints it.
    client._feed_message(
        '{"data": {"type": "liveSession", "data": {"uidd": "1.2", "status": "novideo"}}}',
        wanted,
        got.append,
    )
    client._feed_message(
        '{"type": "alert", "data": {"uid": "1.2", "id": 3, "smx": "07"}}', wanted, got.append
    )
    # Not ours, not JSON, no camera, unknown type: skipped without a fuss.
    client._feed_message('{"type": "alert", "data": {"uid": "9.9", "id": 3}}', wanted, got.append)
    client._feed_message("{not json", wanted, got.append)
    client._feed_message('{"type": "liveSession", "data": {}}', wanted, got.append)
    client._feed_message('{"type": "other", "data": {"uidd": "1.2"}}', wanted, got.append)
    assert [(u.status is not None, u.event is not None) for u in got] == [
        (True, False),
        (True, False),
        (False, True),
    ]
    assert got[0].status is not None
    assert got[0].status.live is True
    assert got[0].status.online is True
    assert got[1].status is not None
    assert got[1].status.live is True  # merged with what was known
    assert got[1].status.online is False


def test_long_uid_lists_are_left_out_of_the_url() -> None:
    few = VideoloftClient._uid_params("logger", "uid", ["1.1", "1.2"])
    assert few == [("uid", "1.1"), ("uid", "1.2")]
    many = [f"123456.{n}" for n in range(SAFE_URL_LENGTH // 10)]
    assert VideoloftClient._uid_params("logger", "uid", many) == []


def test_secrets_cover_the_encoded_password(client: VideoloftClient) -> None:
    text = "GET /login?password=p%26ss+word%2F%2B and p%26ss%20word%2F%2B and p&ss word/+"
    scrubbed = client.scrub(text)
    assert "p%26ss" not in scrubbed
    assert "p&ss" not in scrubbed
    assert scrubbed.count("REDACTED") == 3


def test_a_camera_of_another_zone_keeps_its_offset() -> None:
    zone = timezone(timedelta(hours=-7))
    item = VideoloftClient._event_item({"alert": 1, "startt": 1_700_000_000_000, "tz": -7})
    assert item is not None
    assert item.start == datetime.fromtimestamp(1_700_000_000, zone)


@pytest.mark.parametrize(
    ("device_type", "phoneid", "model"),
    [
        ("ipcam201701", "DS-2CD2042WD-I20161005BBWR653544863", "Hikvision DS-2CD2042WD-I"),
        (
            "ipcam201701",
            "DS-7204HUHI-K10420180126CCWRC04758466WCVU@01",
            "Hikvision DS-7204HUHI-K1 channel 1",
        ),
        ("ipcam201701", "ds-2de4a425iw-de", "Hikvision DS-2DE4A425IW-DE"),
        ("ipcam201701", "ABC123@12", "Recorder channel 12"),
        ("ipcam201701", "", "IP camera"),
        (None, "0CD580FE-2F35-4FB3-8A44-8B3B2E2CA5DA", "Phone or tablet"),
        ("doorbell2022", "XYZ", "doorbell2022"),
    ],
)
def test_readable_models(device_type: str | None, phoneid: str, model: str) -> None:
    assert readable_model(device_type, phoneid) == model
