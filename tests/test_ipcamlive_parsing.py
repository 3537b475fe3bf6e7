"""The IPCamLive client reads odd answers leniently and types every failure."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    RateLimited,
    Unavailable,
)
from custom_components.omnicam.vendors.ipcamlive import IPCamLiveClient
from custom_components.omnicam.vendors.models import (
    Camera,
    Capability,
    MediaKind,
    PinCode,
    PinLock,
    StorageInfo,
    StreamInfo,
)
from tests.simulators.ipcamlive import IPCamLiveSimulator

GARDEN = "55c9f405218d1"
PARKING = "55f1d712e8195"
MISSING = object()
"""A garbage value that is left out of the answer altogether."""
GARBAGE = pytest.mark.parametrize(
    "garbage", ["", "n/a", None, MISSING], ids=["empty", "n/a", "null", "missing"]
)


@pytest.fixture
async def client(ipcamlive: IPCamLiveSimulator) -> AsyncGenerator[IPCamLiveClient]:
    async with aiohttp.ClientSession() as session:
        yield IPCamLiveClient(session, ipcamlive.secret, ipcamlive.url)


def ok(data: Any = MISSING) -> tuple[int, dict[str, Any]]:
    """Return an override answering ``{"result": "ok", "data": data}``."""
    return 200, {"result": "ok"} | ({} if data is MISSING else {"data": data})


def err(code: int | str) -> tuple[int, dict[str, Any]]:
    """Return an override answering with an error code."""
    return 200, {"result": "err", "errcode": code}


def filled(value: Any, *keys: str) -> dict[str, Any]:
    """Return the keys, each with the value (none of them when the value is MISSING)."""
    return {} if value is MISSING else dict.fromkeys(keys, value)


async def _garden(client: IPCamLiveClient) -> Camera:
    cameras = {camera.id: camera for camera in await client.async_get_cameras()}
    return cameras[GARDEN]


# -- values that cannot be read become unknown ------------------------------------------


@GARBAGE
async def test_garbage_stream_and_storage_info(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, garbage: Any
) -> None:
    # Codecs are free text: for them, only blank is garbage.
    blank = "  " if garbage == "n/a" else garbage
    ipcamlive.override["getstreaminfo"] = ok(
        {
            "video": filled(garbage, "width", "height", "fps") | filled(blank, "format"),
            "audio": filled(blank, "format"),
            "bandwidth": filled(garbage, "mbps"),
        }
    )
    ipcamlive.override["getcamerastorageinfo"] = ok(
        {"storageinfo": filled(garbage, "totalsize", "filecount", "fromdate", "todate")}
    )
    garden = await _garden(client)
    # Odd values do not take the feature away.
    assert garden.has(Capability.STREAM_INFO)
    assert garden.has(Capability.STORAGE_INFO)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_connected is True
    assert status.stream_info == StreamInfo()
    assert status.stream_info.resolution is None
    assert status.storage == StorageInfo()


async def test_sections_of_the_wrong_type(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getstreaminfo"] = ok(
        {"video": ["1280", "720"], "audio": "PCMU", "bandwidth": {"mbps": "0.81"}}
    )
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_info == StreamInfo(bandwidth_mbps=0.81)


@GARBAGE
async def test_garbage_camera_and_server_state(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, garbage: Any
) -> None:
    garden = await _garden(client)
    ipcamlive.override["getcamerastate"] = ok(filled(garbage, "servicetype", "streamavailable"))
    ipcamlive.override["getserverstate"] = ok(filled(garbage, "state"))
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_connected is None
    assert status.server_online is None
    assert status.service_level is None
    # Not known to be connected: no stream properties are shown.
    assert status.stream_info is None
    assert status.storage is not None
    assert status.storage.file_count == 6


@pytest.mark.parametrize("data", [None, "ok", ["online"]])
async def test_state_answers_without_data(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, data: Any
) -> None:
    garden = await _garden(client)
    ipcamlive.override["getcamerastate"] = ok(data)
    ipcamlive.override["getserverstate"] = ok(data)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert (status.stream_connected, status.server_online, status.service_level) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("state", "online"),
    [
        ("online", True),
        ("Online", True),
        (" ONLINE ", True),
        ("offline", False),
        ("OFFLINE", False),
        ("Offline", False),
        ("maintenance", None),
    ],
)
async def test_server_state_ignores_case(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, state: str, online: bool | None
) -> None:
    garden = await _garden(client)
    ipcamlive.override["getserverstate"] = ok({"state": state})
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.server_online is online


@pytest.mark.parametrize(
    ("servicetype", "level"),
    [("p", "professional"), ("u", "ultimate"), ("X", None), (" B ", "basic")],
)
async def test_service_level(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, servicetype: str, level: str | None
) -> None:
    garden = await _garden(client)
    ipcamlive.override["getcamerastate"] = ok({"servicetype": servicetype, "streamavailable": "1"})
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.service_level == level


@pytest.mark.parametrize(
    ("enabled", "expected"),
    [("1", True), ("true", True), ("0", False), ("n/a", False), ("", False), (None, False)],
)
async def test_pin_lock_flag(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, enabled: Any, expected: bool
) -> None:
    ipcamlive.override["getcamerapins"] = ok({"pinlockenabled": enabled, "pincodes": "6108"})
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.pin_lock == PinLock(enabled=expected, codes=(PinCode("6108"),))


@pytest.mark.parametrize("codes", ["", None, MISSING, " ; ;", 0])
async def test_pin_codes_garbage_is_no_codes(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, codes: Any
) -> None:
    ipcamlive.override["getcamerapins"] = ok({"pinlockenabled": "0"} | filled(codes, "pincodes"))
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.pin_lock == PinLock(enabled=False, codes=())


async def test_pin_codes_with_stray_separators(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getcamerapins"] = ok(
        {"pinlockenabled": "1", "pincodes": " 6108 : Pin-1 ;;8471:; "}
    )
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.pin_lock == PinLock(
        enabled=True, codes=(PinCode("6108", "Pin-1"), PinCode("8471"))
    )


# -- answers without the expected structure ----------------------------------------------


async def test_unreadable_sections_keep_the_feature(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getstreaminfo"] = ok("n/a")
    ipcamlive.override["getcamerastorageinfo"] = ok({"storageinfo": ["6 files"]})
    ipcamlive.override["getcamerapins"] = ok(["6108"])
    garden = await _garden(client)
    # Unknown for now is not "absent": the entities stay.
    assert {Capability.STREAM_INFO, Capability.STORAGE_INFO, Capability.PIN_LOCK} <= (
        garden.capabilities
    )
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_info is None
    assert status.storage is None
    assert status.pin_lock is None


async def test_probe_that_cannot_connect_fails_the_camera_list(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    # A server error says nothing about the plan: no capability is decided on it.
    ipcamlive.override["getcamerapins"] = (500, "Internal Server Error")
    with pytest.raises(CannotConnect):
        await client.async_get_cameras()
    del ipcamlive.override["getcamerapins"]
    garden = await _garden(client)
    assert garden.has(Capability.PIN_LOCK)


async def test_slow_parts_that_fail_on_refresh_become_unknown(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.cameras[GARDEN].connected = False
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_connected is False
    assert status.storage is not None
    info_calls = ipcamlive.requests["getstreaminfo"]

    # The camera comes back: its slow parts are read again at once.
    ipcamlive.cameras[GARDEN].connected = True
    ipcamlive.override["getcamerastorageinfo"] = ok({"storageinfo": "n/a"})
    ipcamlive.override["getcamerapins"] = err(-100)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert ipcamlive.requests["getstreaminfo"] == info_calls + 1
    assert status.stream_connected is True
    assert status.stream_info is not None
    assert status.stream_info.resolution == "1280x720"
    assert status.storage is None
    assert status.pin_lock is None


async def test_camera_rows_without_alias_are_skipped(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getcameras"] = ok(
        {
            "cameras": [
                {"alias": GARDEN, "name": "", "servicetype": None, "enabled": "n/a"},
                {"alias": PARKING, "name": "<b> </b>", "servicetype": "s", "enabled": "0"},
                {"name": "No alias", "servicetype": "P"},
                {"alias": "", "name": "Empty alias"},
                {"alias": None, "name": "Null alias"},
                "junk",
                None,
                ["5a0c1b2d3e4f5"],
            ]
        }
    )
    assert await client.async_get_camera_ids() == [GARDEN, PARKING]
    cameras = {camera.id: camera for camera in await client.async_get_cameras()}
    assert set(cameras) == {GARDEN, PARKING}
    # Names fall back to the alias, unknown plans are "unknown", odd flags mean enabled.
    assert cameras[GARDEN].name == GARDEN
    assert cameras[GARDEN].model == "Unknown service"
    assert cameras[GARDEN].enabled is True
    assert cameras[PARKING].name == PARKING
    assert cameras[PARKING].model == "Standard service"
    assert cameras[PARKING].enabled is False


@pytest.mark.parametrize(
    "answer",
    [
        ok({"cameras": "none"}),
        ok({"cameras": {GARDEN: {}}}),
        ok({"camera": []}),
        ok([{"alias": GARDEN}]),
        ok(None),
        ok(),
    ],
    ids=["string", "dict", "other-key", "list-data", "null-data", "no-data"],
)
async def test_camera_list_missing_is_bad_response(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, answer: tuple[int, Any]
) -> None:
    ipcamlive.override["getcameras"] = answer
    with pytest.raises(BadResponse, match="no camera list"):
        await client.async_get_account()
    with pytest.raises(BadResponse):
        await client.async_get_cameras()


async def test_empty_camera_list_is_fine(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getcameras"] = ok({"cameras": []})
    account = await client.async_get_account()
    assert account.unique_id.startswith("ipcamlive-")
    assert await client.async_get_cameras() == []


async def test_storage_file_rows(client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator) -> None:
    base = f"{ipcamlive.url}/storages/{GARDEN}"
    ipcamlive.override["getcamerastoragefiles"] = ok(
        {
            "storageinfo": [
                {
                    "fileid": "1",
                    "url": f"{base}/a.mp4",
                    "fromdate": "2026-11-20 10:00:00",
                    "todate": "2026-11-20 10:14:55",
                    "filesize": "30",
                },
                {"fileid": "2", "url": f"{base}/b.mp4", "fromdate": None, "filesize": "n/a"},
                {
                    "fileid": "3",
                    "url": f"{base}/c.mp4",
                    "fromdate": "2026-11-20 11:00:00",
                    "todate": "later",
                    "filesize": "",
                },
                {"fileid": 4, "url": f"{base}/d.mp4", "fromdate": "20/11/2026 09:00"},
                {"fileid": "5"},
                {"fileid": "6", "url": "ftp://storage.example/f.mp4"},
                {"fileid": "7", "url": 42},
                {"fileid": "", "url": f"{base}/h.mp4"},
                {"fileid": None, "url": f"{base}/i.mp4"},
                {"url": f"{base}/j.mp4"},
                "junk",
                None,
                [f"{base}/k.mp4"],
            ]
        }
    )
    items = await client.async_list_media(GARDEN, MediaKind.RECORDING)
    # Newest first; rows whose date cannot be read come last, in their order.
    assert [item.id for item in items] == ["3", "1", "2", "4"]
    newest, full, undated, odd_date = items
    assert full.start == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert full.duration_seconds == 895
    assert full.size_bytes == 30 * 1_048_576
    assert full.title == "2026-11-20 10:00:00"
    assert newest.end is None
    assert newest.duration_seconds is None
    assert newest.size_bytes is None
    assert (undated.start, undated.end, undated.size_bytes) == (None, None, None)
    assert undated.duration_seconds is None
    assert undated.title == "2"
    assert odd_date.start is None
    assert odd_date.title == "20/11/2026 09:00"

    location = await client.async_get_media_location(GARDEN, MediaKind.RECORDING, "4")
    assert location.url == f"{base}/d.mp4"
    # A row that was skipped cannot be played either.
    for skipped in ("5", "6", "7"):
        with pytest.raises(NotFound):
            await client.async_get_media_location(GARDEN, MediaKind.RECORDING, skipped)


@pytest.mark.parametrize(
    "answer",
    [ok({"storageinfo": {"fileid": "1"}}), ok({"files": []}), ok("none"), ok()],
    ids=["dict", "other-key", "string", "no-data"],
)
async def test_storage_file_list_missing_is_bad_response(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, answer: tuple[int, Any]
) -> None:
    ipcamlive.override["getcamerastoragefiles"] = answer
    with pytest.raises(BadResponse, match="no file list"):
        await client.async_list_media(GARDEN, MediaKind.RECORDING)
    with pytest.raises(BadResponse):
        await client.async_get_media_location(GARDEN, MediaKind.RECORDING, "141600")


@pytest.mark.parametrize("size", ["nan", "inf", "1e999"])
async def test_non_finite_numbers_are_unknown(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, size: str
) -> None:
    ipcamlive.override["getcamerastoragefiles"] = ok(
        {
            "storageinfo": [
                {
                    "fileid": "1",
                    "url": f"{ipcamlive.url}/storages/{GARDEN}/a.mp4",
                    "fromdate": "2026-11-20 10:00:00",
                    "filesize": size,
                }
            ]
        }
    )
    ipcamlive.override["getstreaminfo"] = ok({"video": {"width": size, "height": "720"}})
    ipcamlive.override["getcamerastorageinfo"] = ok({"storageinfo": {"filecount": size}})
    items = await client.async_list_media(GARDEN, MediaKind.RECORDING)
    assert items[0].size_bytes is None
    garden = await _garden(client)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.stream_info is not None
    assert status.stream_info.width is None
    assert status.storage is not None
    assert status.storage.file_count is None


# -- live view -----------------------------------------------------------------------------


async def test_snapshot_that_is_not_a_jpeg(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    playlist = f"{ipcamlive.url}/streams/s21/{GARDEN}/stream.m3u8"
    ipcamlive.override["getsnapshoturl"] = ok({"url": f"{playlist}?token=abc123"})
    with pytest.raises(BadResponse, match="not a JPEG") as raised:
        await client.async_get_snapshot(GARDEN)
    assert "abc123" not in str(raised.value)
    assert ipcamlive.requests["hls"] == 1


async def test_snapshot_before_the_camera_sends_video(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    assert (await client.async_get_snapshot(GARDEN)).startswith(b"\xff\xd8")
    ipcamlive.cameras[GARDEN].connected = False
    with pytest.raises(Unavailable):
        await client.async_get_snapshot(GARDEN)


async def test_snapshot_server_failures(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, closed_port: int
) -> None:
    # The snapshot URL leads to a path of the simulator that is made to fail.
    ipcamlive.override["getsnapshoturl"] = ok({"url": f"{ipcamlive.url}/api/v2/broken-snapshot"})
    ipcamlive.override["broken-snapshot"] = (500, "Internal Server Error")
    with pytest.raises(CannotConnect, match="HTTP 500"):
        await client.async_get_snapshot(GARDEN)
    ipcamlive.override["getsnapshoturl"] = ok(
        {"url": f"http://127.0.0.1:{closed_port}/snapshot.jpg"}
    )
    with pytest.raises(CannotConnect):
        await client.async_get_snapshot(GARDEN)


@pytest.mark.parametrize(
    "data",
    [{}, {"url": ""}, {"url": None}, {"url": "rtsp://192.0.2.10/live"}, {"url": 7}, "http://x"],
)
async def test_url_answers_without_a_url(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, data: Any
) -> None:
    ipcamlive.override["getsnapshoturl"] = ok(data)
    ipcamlive.override["getstreamhlsurl"] = ok(data)
    with pytest.raises(BadResponse, match="no URL"):
        await client.async_get_snapshot(GARDEN)
    with pytest.raises(BadResponse, match="no URL"):
        await client.async_get_stream_source(GARDEN)
    assert ipcamlive.requests["snapshot"] == 0


# -- HTTP status and error codes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, RateLimited),
        (401, AuthError),
        (403, AuthError),
        (418, BadResponse),
        (404, BadResponse),
        (302, BadResponse),
        (503, CannotConnect),
    ],
)
async def test_http_status_is_typed(
    client: IPCamLiveClient,
    ipcamlive: IPCamLiveSimulator,
    status: int,
    error: type[Exception],
) -> None:
    ipcamlive.override["getcameras"] = (status, "nope")
    with pytest.raises(error) as raised:
        await client.async_get_account()
    assert type(raised.value) is error
    assert ipcamlive.secret not in str(raised.value)


async def test_minus_two_on_a_camera_with_a_good_secret_is_not_found(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getstreamhlsurl"] = err(-2)
    with pytest.raises(NotFound, match=GARDEN):
        await client.async_get_stream_source(GARDEN)
    # The secret was checked once to tell the two meanings of -2 apart.
    assert ipcamlive.requests["getcameras"] == 1
    # When the account refuses the secret too, it is the secret.
    ipcamlive.override["getcameras"] = err(-2)
    with pytest.raises(AuthError):
        await client.async_get_stream_source(GARDEN)


@pytest.mark.parametrize(
    ("code", "error"),
    [("-2", AuthError), ("-3", NotSupported), (" -100 ", NotSupported)],
)
async def test_error_codes_as_strings(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, code: str, error: type[Exception]
) -> None:
    ipcamlive.override["getcameras"] = err(code)
    with pytest.raises(error):
        await client.async_get_account()


# -- PIN lock --------------------------------------------------------------------------------


async def test_set_pin_lock_keeps_the_codes(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    garden = ipcamlive.cameras[GARDEN]
    lock = await client.async_set_pin_lock(GARDEN, enabled=False)
    codes = (PinCode("6108", "Pin-1"), PinCode("8471", "Pin-2"))
    assert lock == PinLock(enabled=False, codes=codes)
    assert (garden.pinlock, garden.pincodes) == (False, "6108:Pin-1;8471:Pin-2")
    assert ipcamlive.requests["getcamerapins"] == 1


async def test_set_pin_codes_keeps_the_switch(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    garden = ipcamlive.cameras[GARDEN]
    lock = await client.async_set_pin_lock(GARDEN, codes=[PinCode("123456", "Door")])
    assert lock == PinLock(enabled=True, codes=(PinCode("123456", "Door"),))
    assert (garden.pinlock, garden.pincodes) == (True, "123456:Door")
    assert ipcamlive.requests["getcamerapins"] == 1


async def test_set_pin_lock_in_full_reads_nothing(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    garden = ipcamlive.cameras[GARDEN]
    lock = await client.async_set_pin_lock(GARDEN, enabled=True, codes=[PinCode("2468")])
    assert lock == PinLock(enabled=True, codes=(PinCode("2468"),))
    assert (garden.pinlock, garden.pincodes) == (True, "2468")
    assert ipcamlive.requests["getcamerapins"] == 0
    assert ipcamlive.requests["setcamerapins"] == 1


async def test_set_pin_lock_refuses_a_lock_without_codes(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive.override["getcamerapins"] = ok({"pinlockenabled": "0", "pincodes": ""})
    with pytest.raises(ValueError, match="pin_lock_needs_code"):
        await client.async_set_pin_lock(GARDEN, enabled=True)
    with pytest.raises(ValueError, match="pin_lock_needs_code"):
        await client.async_set_pin_lock(GARDEN, enabled=True, codes=[])
    assert ipcamlive.requests["setcamerapins"] == 0


async def test_set_pin_lock_updates_the_known_status(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    garden = await _garden(client)
    reads = ipcamlive.requests["getcamerapins"]
    await client.async_set_pin_lock(GARDEN, enabled=False)
    status = (await client.async_get_status([garden]))[GARDEN]
    assert status.pin_lock is not None
    assert status.pin_lock.enabled is False
    assert len(status.pin_lock.codes) == 2
    # Read once for the change, not again for the status.
    assert ipcamlive.requests["getcamerapins"] == reads + 1


# -- recorded media ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["yesterday", "2026-02-30", "2026-11-20T00:00", ""])
async def test_timelapse_with_a_bad_date_is_not_found(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, day: str
) -> None:
    with pytest.raises(NotFound):
        await client.async_get_media_location(GARDEN, MediaKind.TIMELAPSE, day)
    assert ipcamlive.requests["gettimelapseurl"] == 0


async def test_timelapse_of_a_day(client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator) -> None:
    location = await client.async_get_media_location(GARDEN, MediaKind.TIMELAPSE, "2026-11-20")
    assert location.url == f"{ipcamlive.url}/timelapse/{GARDEN}/2026-11-20.mp4"


async def test_recording_not_listed_is_not_found(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    with pytest.raises(NotFound, match="999999"):
        await client.async_get_media_location(GARDEN, MediaKind.RECORDING, "999999")
    location = await client.async_get_media_location(GARDEN, MediaKind.RECORDING, "141605")
    assert location.url.startswith(f"{ipcamlive.url}/storages/{GARDEN}/")
