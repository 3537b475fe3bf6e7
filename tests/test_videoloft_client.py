"""The Videoloft client against the simulator: odd answers, error paths, the feed's text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import logging
import time

import aiohttp
import pytest

from custom_components.omnicam.vendors import videoloft as module
from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    RateLimited,
    Unavailable,
    VendorError,
)
from custom_components.omnicam.vendors.models import (
    MediaKind,
    MediaPage,
    PtzDirection,
    RealtimeUpdate,
)
from custom_components.omnicam.vendors.videoloft import VideoloftClient, _ms_time, _number
from tests.simulators.videoloft import GARDEN, ROOM, VideoloftSimulator


@pytest.fixture
async def client(videoloft: VideoloftSimulator) -> AsyncGenerator[VideoloftClient]:
    async with aiohttp.ClientSession() as session:
        client = VideoloftClient(session, videoloft.email, videoloft.password, videoloft.auth_url)
        await client.async_get_cameras()
        yield client


def test_odd_numbers_and_times() -> None:
    assert _number(True) is None
    assert _number("nan") is None
    assert _ms_time(1e30, 0) is None
    assert _ms_time(-5, 0) is None


async def test_refused_login(videoloft: VideoloftSimulator) -> None:
    async with aiohttp.ClientSession() as session:
        client = VideoloftClient(session, videoloft.email, "wrong", videoloft.auth_url)
        with pytest.raises(AuthError):
            await client.async_get_account()


async def test_regional_authenticator_down_falls_back_to_the_configured_one(
    videoloft: VideoloftSimulator, client: VideoloftClient, closed_port: int
) -> None:
    client._authenticator = f"http://127.0.0.1:{closed_port}"
    await client._fresh_token(force=True)
    assert videoloft.logins[-1] == ("auth1", "POST")
    # Both down: cannot connect.
    client._authenticator = client._configured = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(CannotConnect):
        await client._fresh_token(force=True)


@pytest.mark.parametrize(
    ("endpoint", "answer", "error"),
    [
        ("login", (200, {"result": {"uid": 1}}), BadResponse),
        ("login", (200, "<html>maintenance</html>"), BadResponse),
        ("devices", (429, {"error": "slow down"}), RateLimited),
        ("devices", (404, {"error": "gone"}), NotFound),
        ("devices", (200, {"error": "database busy"}), VendorError),
        ("devices", (200, {"results": {}}), BadResponse),
        ("devices", (401, {"error": "no"}), VendorError),
        ("devices", (503, "busy"), CannotConnect),
    ],
)
async def test_odd_answers_are_typed_errors(
    videoloft: VideoloftSimulator,
    client: VideoloftClient,
    endpoint: str,
    answer: tuple[int, object],
    error: type[Exception],
) -> None:
    videoloft.override[endpoint] = answer
    call = client._fresh_token(force=True) if endpoint == "login" else client.async_get_camera_ids()
    with pytest.raises(error):
        await call


async def test_camera_without_logger_is_left_out(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    rows = {
        "329475": {"devices": {"59": {"uidd": GARDEN, "phonename": "Garden"}}},
        "400123": {"devices": {"1": {"uidd": "400123.1", "logger": "x:1"}}},
    }
    videoloft.override["viewerInfo"] = (200, {"result": rows})
    cameras = await client.async_get_cameras()
    assert [camera.id for camera in cameras] == ["400123.1"]
    with pytest.raises(NotFound):
        await client.async_start_live(GARDEN)


async def test_status_of_some_loggers_only(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    cameras = await client.async_get_cameras()
    videoloft.override["status"] = (500, "down")
    with pytest.raises(CannotConnect):
        await client.async_get_status(cameras)
    del videoloft.override["status"]
    status = await client.async_get_status(cameras)
    assert set(status) == {camera.id for camera in cameras}


async def test_an_offline_camera_never_streams_live(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    """The simulator's Hall was "offline" and yet played live video: states now agree."""
    hall = "400123.2"
    cameras = await client.async_get_cameras()
    videoloft.live_delay = 0
    await client.async_start_live(hall, wait=False)
    assert (hall, "livecommand") in videoloft.tasks
    status = (await client.async_get_status(cameras))[hall]
    assert (status.online, status.live) == (False, False)
    videoloft.set_status(hall, "idle")  # back online: the same command plays
    await client.async_start_live(hall, wait=False)
    status = (await client.async_get_status(cameras))[hall]
    assert (status.online, status.live) == (True, True)
    videoloft.set_status(hall, "novideo")  # cut off from its adapter: live ends with it
    status = (await client.async_get_status(cameras))[hall]
    assert (status.online, status.live) == (False, False)


async def test_live_that_does_not_come(
    videoloft: VideoloftSimulator,
    client: VideoloftClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(module, "LIVE_WAIT", 0.3)
    monkeypatch.setattr(module, "STATUS_RECHECK", 0.1)
    videoloft.live_delay = 60
    # A camera that takes the command but does not stream in time: nothing to play.
    with pytest.raises(Unavailable, match="did not start streaming"):
        await client.async_start_live(GARDEN)
    # No feed: the status was read again while waiting.
    assert videoloft.requests["status"] >= 2
    videoloft.override["status"] = (500, "down")
    with pytest.raises(Unavailable):
        await client.async_start_live(GARDEN)
    # Not waiting (a keep-alive ask): sent, nothing awaited.
    await client.async_start_live(GARDEN, wait=False)


async def test_stream_source_needs_a_wowza_and_a_stream(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    client._devices[GARDEN].streamname = None
    with pytest.raises(Unavailable):
        await client.async_get_stream_source(GARDEN)


async def test_snapshot_when_capture_is_refused(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    await client.async_get_status(await client.async_get_cameras())
    videoloft.override["sendcameratask"] = (500, "down")
    image = await client.async_get_snapshot(GARDEN)
    assert image.startswith(b"\xff\xd8")
    del videoloft.override["sendcameratask"]
    videoloft.override["getstill"] = (500, "down")
    with pytest.raises(CannotConnect):
        await client.async_get_snapshot(ROOM)


async def test_commands_and_kinds(videoloft: VideoloftSimulator, client: VideoloftClient) -> None:
    await client.async_ptz_start(GARDEN, PtzDirection.ZOOM_IN)
    await client.async_ptz_stop(GARDEN)
    await client.async_trigger_recording(GARDEN)
    assert [a for _, a in videoloft.tasks] == ["ptzstart_in", "ptzstop", "triggerevent"]
    with pytest.raises(VendorError):
        await client.async_trigger_recording("400123.2")  # cloud recording off
    with pytest.raises(NotSupported):
        await client.async_ptz_stop(ROOM)  # read-only
    items = await client.async_list_media(GARDEN, MediaKind.EVENT)
    assert len(items) == 20
    for call in (
        client.async_list_media_page(GARDEN, MediaKind.RECORDING),
        client.async_get_media_location(GARDEN, MediaKind.RECORDING, "1_1_1_1"),
        client.async_get_thumbnail_location(GARDEN, MediaKind.TIMELAPSE, "1_1_1_1"),
    ):
        with pytest.raises(NotSupported):
            await call
    # No plan age known: every event the logger has.
    client._max_age_days = None
    pages = [await client.async_list_media_page(GARDEN, MediaKind.EVENT)]
    while pages[-1].next_page is not None:
        pages.append(
            await client.async_list_media_page(GARDEN, MediaKind.EVENT, pages[-1].next_page)
        )
    alerts = videoloft.cameras[GARDEN].alerts
    assert [len(page.items) for page in pages] == [20, 20, 20, len(alerts) - 60]
    assert len({item.id for page in pages for item in page.items}) == len(alerts)


async def test_event_pages_never_overlap_or_skip(
    client: VideoloftClient, videoloft: VideoloftSimulator
) -> None:
    """Pages follow the last event shown, not a position that new events move."""
    await client.async_get_cameras()
    client._max_age_days = None
    alerts = videoloft.cameras[GARDEN].alerts
    ids = [str(alert.id) for alert in alerts]

    def shown(page: MediaPage) -> list[str]:
        return [item.id.split("_")[0] for item in page.items]

    first = await client.async_list_media_page(GARDEN, MediaKind.EVENT)
    assert shown(first) == ids[:20]
    # Three new events arrive before the next page is read: it still starts after the
    # 20th (its first read falls short, and a second read fills it).
    for _ in range(3):
        videoloft.alert(GARDEN, ended=True)
    reads = videoloft.requests["alert"]
    second = await client.async_list_media_page(GARDEN, MediaKind.EVENT, first.next_page)
    assert shown(second) == ids[20:40]
    assert videoloft.requests["alert"] == reads + 2
    # Two events shown on the first pages are deleted: the next page does not skip.
    del alerts[3:5]
    third = await client.async_list_media_page(GARDEN, MediaKind.EVENT, second.next_page)
    assert shown(third) == ids[40:60]
    assert third.next_page is None
    # Many arrivals: the page reads on (at most a few reads), then points further on.
    for _ in range(100):
        videoloft.alert(GARDEN, ended=True)
    late = await client.async_list_media_page(GARDEN, MediaKind.EVENT, first.next_page)
    assert late.items == []
    assert late.next_page is not None
    later = await client.async_list_media_page(GARDEN, MediaKind.EVENT, late.next_page)
    assert shown(later)[0] == ids[20]
    for bad in ("20", "x.1.2", "1.2.3.4", "-1.2.3"):
        with pytest.raises(NotFound):
            await client.async_list_media_page(GARDEN, MediaKind.EVENT, bad)


class _Feed:
    def __init__(self) -> None:
        self.updates: list[RealtimeUpdate] = []
        self.connected = asyncio.Event()

    def on_connect(self) -> None:
        self.connected.set()


async def _open_feed(
    client: VideoloftClient, videoloft: VideoloftSimulator
) -> tuple[_Feed, asyncio.Task[None]]:
    feed = _Feed()
    logger = videoloft.host("logger", 0)
    task = asyncio.create_task(
        client.async_run_realtime(logger, [GARDEN, ROOM], feed.on_connect, feed.updates.append)
    )
    await asyncio.wait_for(feed.connected.wait(), 5)
    await asyncio.sleep(0.05)
    return feed, task


async def test_feed_text_of_every_shape(
    videoloft: VideoloftSimulator, client: VideoloftClient
) -> None:
    feed, task = await _open_feed(client, videoloft)
    assert client.feeds_up == {videoloft.host("logger", 0)}
    videoloft.push_raw(": a comment\nevent: update\nid: 7\n")
    videoloft.push_raw('data: {"type": "liveSession",\ndata: "data": {"uidd": "' + GARDEN)
    videoloft.push_raw('", "live": false, "status": "idle"}}\n\n')
    videoloft.push_raw('{"type": "alert", "data": {"uid": "' + GARDEN + '", "id": 5}}\n\n')
    videoloft.push_raw('data: {"type": "alert", "data": {"uid": "' + ROOM + '", "id": 6}}')
    videoloft.expire_tokens()  # the server ends the feed: the last message has no blank line
    await asyncio.wait_for(task, 5)
    assert [(u.camera_id, u.status is not None) for u in feed.updates] == [
        (GARDEN, True),
        (GARDEN, False),
        (ROOM, False),
    ]
    assert client.feeds_up == frozenset()


async def test_feed_errors(
    videoloft: VideoloftSimulator, client: VideoloftClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    logger = videoloft.host("logger", 0)
    videoloft.override["realtime"] = (500, "down")
    with pytest.raises(CannotConnect):
        await client.async_run_realtime(logger, [GARDEN], lambda: None, lambda u: None)
    # A page that is no feed: nothing in it is read as an update.
    updates: list[RealtimeUpdate] = []
    videoloft.override["realtime"] = (200, "<html>proxy page</html>\n\n{broken\n\n")
    await client.async_run_realtime(logger, [GARDEN], lambda: None, updates.append)
    assert updates == []
    videoloft.override["realtime"] = (302, "elsewhere")
    with pytest.raises(BadResponse):
        await client.async_run_realtime(logger, [GARDEN], lambda: None, lambda u: None)
    del videoloft.override["realtime"]
    # A feed that goes silent for longer than the server ever would: it hangs.
    monkeypatch.setattr(
        module, "REALTIME_TIMEOUT", aiohttp.ClientTimeout(total=None, sock_read=0.3)
    )
    with pytest.raises(CannotConnect, match="no data"):
        await client.async_run_realtime(logger, [GARDEN], lambda: None, lambda u: None)


async def test_feed_with_a_stale_token_logs_in_again(
    videoloft: VideoloftSimulator, client: VideoloftClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    videoloft.expire_tokens()
    feed, task = await _open_feed(client, videoloft)
    assert videoloft.requests["login"] == 2
    videoloft.drop_feeds()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(task, 5)
    assert feed.updates == []


async def test_catch_up_survives_a_logger_that_says_nothing(
    videoloft: VideoloftSimulator, client: VideoloftClient, caplog: pytest.LogCaptureFixture
) -> None:
    logger = videoloft.host("logger", 0)
    client._gaps[logger] = time.time() - 10
    videoloft.override["status"] = (500, "down")
    feed, task = await _open_feed(client, videoloft)
    assert "nothing caught up" in caplog.text
    assert feed.updates == []
    videoloft.expire_tokens()
    await asyncio.wait_for(task, 5)
    # A camera whose last alert is new, but the logger lists no alert: no event.
    del videoloft.override["status"]
    videoloft.override["alert"] = (200, {"result": []})
    videoloft.cameras[GARDEN].alerts[0].start_ms = int(time.time() * 1000)
    client._gaps[logger] = time.time() - 10
    feed, task = await _open_feed(client, videoloft)
    assert [u.event for u in feed.updates] == [None, None]
    videoloft.expire_tokens()
    await asyncio.wait_for(task, 5)
