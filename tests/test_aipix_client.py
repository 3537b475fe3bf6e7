"""The AIPIX client against the simulator over loopback, on the oldest and newest release."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import json
import logging
import time
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
import pytest

from custom_components.omnicam.vendors.aipix import (
    AipixClient,
    LoginRefused,
    _flag,
    _int,
    _kind_code,
    _plate,
    _ranges,
    _retry_after,
    _sessions,
    _strip_bearer,
    _text,
    format_time,
    parse_time,
    release_of,
)
from custom_components.omnicam.vendors.base import config_time_zone
from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    CaptchaRequired,
    ClientTooOld,
    FieldErrors,
    Maintenance,
    NotFound,
    NotSupported,
    RateLimited,
    SessionLimit,
    Unavailable,
    VendorError,
    WrongServer,
)
from custom_components.omnicam.vendors.models import (
    Camera,
    Capability,
    EventKind,
    MediaKind,
    PtzDirection,
    RealtimeUpdate,
    StreamKind,
)
from custom_components.omnicam.vendors.pusher import (
    PusherError,
    PusherEvent,
    PusherSocket,
    SubscriptionRefused,
    socket_url,
)
from tests.conftest import assert_no_secret
from tests.simulators.aipix import AipixSimulator

RELEASES = ["23.09", "25.06"]


@pytest.fixture(params=RELEASES)
async def sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncGenerator[AipixSimulator]:
    """Run the simulator of one release."""
    server = AipixSimulator(release=request.param)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def make(sim: AipixSimulator, session: aiohttp.ClientSession, **config: Any) -> AipixClient:
    return AipixClient.from_config(
        session,
        {"url": sim.url, "username": sim.login, "password": sim.password, "verify_ssl": False}
        | config,
    )


async def ready(
    sim: AipixSimulator, session: aiohttp.ClientSession, **config: Any
) -> tuple[AipixClient, list[Camera]]:
    client = make(sim, session, **config)
    await client.async_get_account()
    return client, await client.async_get_cameras()


# -- parsing -------------------------------------------------------------------------


def test_parsing_helpers() -> None:
    assert parse_time("2022-04-05 12:34:38") == datetime(2022, 4, 5, 12, 34, 38, tzinfo=UTC)
    assert parse_time("2023-04-18T14:14:49.000000Z") == datetime(
        2023, 4, 18, 14, 14, 49, tzinfo=UTC
    )
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_time("soon") is None
    assert parse_time(None) is None
    assert parse_time(10**20) is None
    assert format_time(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000000Z"
    assert release_of("25.06.1.0") == (25, 6)
    assert release_of("v23.09") == (23, 9)
    assert release_of("dev") is None
    assert _strip_bearer("Bearer abc") == "abc"
    assert _strip_bearer("  ") is None
    assert _kind_code("analytic_case_smoke_fire_event_created") == "smoke_fire"
    assert _kind_code("camera_offline") is None
    assert _plate({"license_plate": {"number": "AB123"}}) == "AB123"
    assert _plate({"data": {"plate": "X1"}}) == "X1"
    assert _plate({}) is None
    assert _ranges(
        {
            "archive_ranges": [
                {"from": 100, "duration": 50},
                {"from": 10, "end": 20},
                {"from": "x"},
                {"from": 5},
            ]
        }
    ) == [(10, 20), (100, 150)]
    assert _retry_after("7") == 7
    assert _retry_after(None) == 10
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert _retry_after("whenever") == 10
    bare = _sessions(
        [
            {
                "id": 5,
                "client": "web",
                "ip": "1.2.3.4",
                "last": "now",
                "is_current": True,
                "online": "true",
            },
            {"x": 1},
        ]
    )
    assert len(bare) == 1
    assert bare[0].id == "5"
    assert bare[0].current
    assert bare[0].online
    assert "1.2.3.4" in bare[0].label


# -- account and login ---------------------------------------------------------------


async def test_account_and_headers(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    client = make(sim, session)
    account = await client.async_get_account()
    assert account.unique_id in (f"{sim.host}:{sim.user_id}", sim.unique_id)
    stored = client.stored_config()
    assert stored["server_version"].startswith(sim.release)
    assert stored["access_token"] in sim.tokens
    headers = sim.headers_seen[-1]
    assert headers.get("X-Client") == "web"
    assert headers.get("X-UUID") == stored["client_uuid"]
    assert headers.get("Accept") == "application/json"
    # The token is kept: a new client with the stored config does not log in again.
    logins = sim.requests["POST /api/v1/token"]
    again = make(sim, session, **stored)
    await again.async_get_account()
    await again.async_get_cameras()
    assert sim.requests["POST /api/v1/token"] == logins
    assert again.stored_config()["client_uuid"] == stored["client_uuid"]


async def test_bearer_prefixed_token_is_stripped(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    aipix_sim.bearer_prefix = True
    client = make(aipix_sim, session)
    await client.async_get_account()
    assert not client.stored_config()["access_token"].startswith("Bearer")


async def test_token_revoked_logs_in_once(
    sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client, cameras = await ready(sim, session)
    sim.revoke_tokens()
    logins = sim.requests["POST /api/v1/token"]
    await client.async_get_status(cameras)
    assert sim.requests["POST /api/v1/token"] == logins + 1


async def test_wrong_password(
    sim: AipixSimulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make(sim, session, password="wrong-secret-pw")
    with pytest.raises(AuthError) as err:
        await client.async_get_account()
    assert isinstance(err.value, LoginRefused)
    assert "username" in err.value.fields
    assert_no_secret(caplog, "wrong-secret-pw", sim.password)


async def test_login_refusals(aipix_sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    sim = aipix_sim
    sim.captcha = True
    with pytest.raises(CaptchaRequired):
        await make(sim, session).async_get_account()
    sim.captcha = False
    for status, error in (
        (401, AuthError),
        (409, ClientTooOld),
        (503, Maintenance),
        (500, CannotConnect),
        ("html", CannotConnect),
        ("html200", BadResponse),
        ("badjson", BadResponse),
        ("truncated", BadResponse),
    ):
        sim.fail["POST /api/v1/token"] = status
        with pytest.raises(error):
            await make(sim, session).async_get_account()
    sim.fail["POST /api/v1/token"] = 429
    client = make(sim, session)
    with pytest.raises(RateLimited):
        await client.async_get_account()
    del sim.fail["POST /api/v1/token"]
    sent = sim.requests["POST /api/v1/token"]
    with pytest.raises(RateLimited):  # backs off: nothing sent before Retry-After
        await client.async_get_account()
    assert sim.requests["POST /api/v1/token"] == sent


async def test_field_errors_other_than_credentials(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client = make(aipix_sim, session, replace_session="no-such-session")
    with pytest.raises(FieldErrors) as err:
        await client.async_get_account()
    assert not isinstance(err.value, AuthError)
    assert "base" in err.value.fields


async def test_session_limit_and_replacing_one(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    sim = aipix_sim
    first = make(sim, session)
    await first.async_get_account()
    sim.sessions_limit = 1
    # The same entry (same X-UUID) logs in again over its own session...
    await make(sim, session).async_get_account()
    # ...another one meets the limit.
    with pytest.raises(SessionLimit) as err:
        await make(sim, session, client_uuid="another-device").async_get_account()
    sessions = err.value.sessions
    assert len(sessions) == 1
    assert first.stored_config()["access_token"] not in sessions[0].label
    client = make(sim, session, client_uuid="another-device", replace_session=sessions[0].id)
    await client.async_get_account()
    assert sim.logins[-1]["session_id"] == sessions[0].id
    assert "replace_session" not in client.stored_config()


@pytest.mark.parametrize("fault", [404, "html200", "badjson"])
async def test_not_an_aipix_server(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession, fault: int | str
) -> None:
    aipix_sim.fail["GET /api/v1/static/basic"] = fault
    with pytest.raises(WrongServer):
        await make(aipix_sim, session).async_get_account()


async def test_unreachable(closed_port: int, session: aiohttp.ClientSession) -> None:
    client = AipixClient(session, f"http://127.0.0.1:{closed_port}", "u", "p")
    with pytest.raises(CannotConnect):
        await client.async_get_account()


async def test_logout(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    client = make(sim, session)
    await client.async_get_account()
    token = client.stored_config()["access_token"]
    await client.async_logout()
    assert token not in sim.tokens
    assert "access_token" not in client.stored_config()
    await client.async_logout()  # nothing to end


# -- cameras and status ---------------------------------------------------------------


async def test_cameras_paged_and_capabilities(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    sim = AipixSimulator(cameras=60, per_page=25)
    sim.max_per_page = 25
    await sim.start()
    try:
        client, cameras = await ready(sim, session)
        assert len(cameras) == 60
        assert sim.requests["GET /api/v1/cameras"] == 3
        camera = cameras[0]
        assert camera.manufacturer == "AIPIX"
        assert camera.model == "media_server_v2"
        assert camera.group == "Home"
        for cap in (
            Capability.LIVE_STREAM,
            Capability.SNAPSHOT,
            Capability.ONLINE_STATE,
            Capability.ARCHIVE_STATE,
            Capability.MARK,
            Capability.MARKS,
            Capability.ARCHIVE,
            Capability.EVENTS,
            Capability.MOTION,
        ):
            assert camera.has(cap), cap
        assert camera.event_types == (EventKind.MOTION,)
        # The first status comes from the list just read: no request for it.
        before = sim.requests.total()
        status = await client.async_get_status(cameras)
        assert len(status) == 60
        assert sim.requests.total() - before == sim.requests["GET /api/v1/events"]
        assert sim.requests["GET /api/v1/cameras/shows"] == 0
        # Then: 25 ids a call when the server pages by 25.
        before = sim.requests["GET /api/v1/cameras/shows"]
        status = await client.async_get_status(cameras)
        assert len(status) == 60
        assert sim.requests["GET /api/v1/cameras/shows"] - before == 3
    finally:
        await sim.stop()


async def test_status_from_list_pages_when_cheaper(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    sim = AipixSimulator(cameras=60, per_page=25)
    await sim.start()
    try:
        client, cameras = await ready(sim, session)
        assert sim.requests["GET /api/v1/cameras"] == 1  # per_page=100 honoured
        await client.async_get_status(cameras)  # the first: from the list just read
        assert sim.requests["GET /api/v1/cameras"] == 1
        before = sim.requests["GET /api/v1/cameras"]
        status = await client.async_get_status(cameras)
        assert len(status) == 60
        assert sim.requests["GET /api/v1/cameras"] - before == 1
        assert sim.requests["GET /api/v1/cameras/shows"] == 0
        assert sim.requests["GET /api/v1/events"] == 2
    finally:
        await sim.stop()


async def test_status_words(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    ids = sorted(sim.cameras)
    sim.cameras[ids[0]].status = "partial"
    sim.cameras[ids[1]].status = "initial"
    sim.cameras[ids[2]].user_status = "blocked"
    client, cameras = await ready(sim, session)
    status = await client.async_get_status(cameras)
    assert status[str(ids[0])].online is True
    assert status[str(ids[1])].online is None
    blocked = status[str(ids[2])]
    assert blocked.online is False
    assert blocked.offline_reason == "blocked"
    assert status[str(ids[0])].archive_recording is True
    assert isinstance(status[str(ids[0])].archive_start, datetime)
    sim.cameras[ids[0]].status = "empty"
    assert (await client.async_get_status(cameras))[str(ids[0])].online is False


async def test_status_errors(aipix_sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    client, cameras = await ready(aipix_sim, session)
    await client.async_get_status(cameras)  # the first: from the list just read
    aipix_sim.fail["GET /api/v1/cameras"] = "truncated"
    with pytest.raises(BadResponse):
        await client.async_get_status(cameras)
    aipix_sim.fail["GET /api/v1/cameras"] = 503
    with pytest.raises(Maintenance):
        await client.async_get_status(cameras)


async def test_ptz_permissions(aipix_sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    cam_id = min(aipix_sim.cameras)
    aipix_sim.cameras[cam_id].ptz = True
    _, cameras = await ready(aipix_sim, session)
    ptz = next(c for c in cameras if c.id == str(cam_id))
    assert {Capability.PTZ, Capability.PTZ_STEPS, Capability.PTZ_HOME} <= ptz.capabilities
    aipix_sim.permissions.discard("ptz")
    aipix_sim.permissions.discard("marks-store")
    _, cameras = await ready(aipix_sim, session)
    ptz = next(c for c in cameras if c.id == str(cam_id))
    assert not ptz.has(Capability.PTZ)
    assert not ptz.has(Capability.MARK)


# -- live, snapshot, PTZ, marks --------------------------------------------------------


async def test_stream_source(
    sim: AipixSimulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, cameras = await ready(sim, session)
    source = await client.async_get_stream_source(cameras[0].id)
    assert source.kind is StreamKind.HLS
    assert source.relay
    assert source.refresh_seconds is not None
    assert 0 < source.refresh_seconds < 3600
    async with session.get(source.url) as resp:
        assert resp.status == 200
        assert (await resp.text()).startswith("#EXTM3U")
    low = make(sim, session, rtsp=True, substream=True, **client.stored_config())
    await low.async_get_cameras()
    rtsp = await low.async_get_stream_source(cameras[0].id)
    assert rtsp.kind is StreamKind.RTSP
    assert not rtsp.relay
    assert rtsp.url.startswith("rtsp")
    assert_no_secret(caplog, *client.secrets())


async def test_stream_fallback_and_no_stream(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    for cam in aipix_sim.cameras.values():
        cam.uuid = ""  # the client API path (its fallback_url)
    client, cameras = await ready(aipix_sim, session)
    aipix_sim.dead_servers.add("main")
    source = await client.async_get_stream_source(cameras[0].id)
    async with session.get(source.url) as resp:
        assert resp.status == 200
    aipix_sim.cameras[int(cameras[1].id)].streams = ()
    with pytest.raises(Unavailable):
        await client.async_get_stream_source(cameras[1].id)
    with pytest.raises(NotFound):
        await client.async_get_stream_source("999999")


async def test_a_camera_without_a_stream_keeps_the_uuid_endpoint(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    """25.06: 404 from ``POST /cameras/video`` for a camera without a stream is about it.

    The endpoint is still there for every other camera (its links with ``expired_at``),
    whether the stream-less camera is asked first or after the endpoint answered.
    """
    video = "POST /api/v1/cameras/video"
    client, cameras = await ready(aipix_sim, session)
    first, second, third = (aipix_sim.cameras[int(camera.id)] for camera in cameras)
    first.streams = ()
    for _ in range(2):
        with pytest.raises(Unavailable):
            await client.async_get_stream_source(cameras[0].id)
    sent = aipix_sim.requests[video]
    await client.async_get_stream_source(cameras[1].id)
    assert aipix_sim.requests[video] == sent + 1  # the uuid endpoint, not the client API
    second.streams = ()
    with pytest.raises(Unavailable):
        await client.async_get_stream_source(cameras[1].id)
    sent = aipix_sim.requests[video]
    await client.async_get_stream_source(cameras[2].id)
    assert aipix_sim.requests[video] == sent + 1
    assert third.streams


async def test_preview_refused_or_missing_is_unavailable(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    """The client API's preview: 404 (no preview) and 403 (refused) are no snapshot now."""
    for cam in aipix_sim.cameras.values():
        cam.uuid = ""  # the client API path (as before 25.06)
    client, cameras = await ready(aipix_sim, session)
    key = "GET /api/v1/cameras/{id}/preview"
    for status, words in ((404, "has no preview"), (403, "preview refused")):
        aipix_sim.fail[key] = status
        with pytest.raises(Unavailable, match=words):
            await client.async_get_snapshot(cameras[0].id)
    del aipix_sim.fail[key]
    assert (await client.async_get_snapshot(cameras[0].id)).startswith(b"\xff\xd8")


async def test_snapshot(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    sim.slow_media = True  # the clip comes in pieces: it is read whole before decoding
    client, cameras = await ready(sim, session)
    jpeg = await client.async_get_snapshot(cameras[0].id)
    assert jpeg.startswith(b"\xff\xd8")
    sim.preview_need_token = True
    for cam in sim.cameras.values():
        cam.uuid = ""
    await client.async_get_cameras()
    assert (await client.async_get_snapshot(cameras[0].id)).startswith(b"\xff\xd8")


async def test_ptz_and_marks(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    cam_id = min(sim.cameras)
    sim.cameras[cam_id].ptz = True
    client, _ = await ready(sim, session)
    await client.async_ptz_step(str(cam_id), PtzDirection.ZOOM_IN)
    await client.async_ptz_move(str(cam_id), PtzDirection.LEFT, 5.0)
    await client.async_ptz_home(str(cam_id))
    assert sim.ptz_moves == [
        (cam_id, {"zoom-in": True}),
        (cam_id, {"left": True}),
        (cam_id, "home"),
    ]
    await client.async_create_mark(str(cam_id))
    assert sim.marks[-1]["camera_id"] == cam_id
    assert parse_time(sim.marks[-1]["from"]) is not None
    sim.add_mark(cam_id, "Gate", time.time() - 3600)
    items = await client.async_list_media(str(cam_id), MediaKind.MARK)
    assert [i.title for i in items] == ["Home Assistant", "Gate"]
    assert items[0].kind is MediaKind.MARK
    location = await client.async_get_media_location(str(cam_id), MediaKind.MARK, items[1].id)
    assert location.stream is StreamKind.HLS
    thumb = await client.async_get_thumbnail_location(str(cam_id), MediaKind.MARK, items[0].id)
    assert thumb.mime_type in ("image/jpeg", "video/mp4")


# -- media -----------------------------------------------------------------------------


async def test_archive_pieces_and_links(
    sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client, cameras = await ready(sim, session)
    camera = cameras[0]
    today = datetime.now(UTC).date()
    pieces = await client.async_list_media_day(camera.id, MediaKind.ARCHIVE, today)
    assert pieces
    starts = [p.start for p in pieces]
    assert starts == sorted(starts, reverse=True)
    assert all(p.duration_seconds is not None and 0 < p.duration_seconds <= 3600 for p in pieces)
    old = pieces[-1]
    location = await client.async_get_media_location(camera.id, MediaKind.ARCHIVE, old.id)
    assert location.stream is StreamKind.HLS
    async with session.get(location.url) as resp:
        assert resp.status == 200
        assert (await resp.text()).startswith("#EXTM3U")
    thumb = await client.async_get_thumbnail_location(camera.id, MediaKind.ARCHIVE, old.id)
    async with session.get(thumb.url, headers=thumb.headers) as resp:
        assert resp.status == 200
    for forged in (
        "1:2",
        "x",
        f"{int(time.time()) + 10**6}:{int(time.time()) + 10**6 + 60}",
        "5:1:9",
    ):
        with pytest.raises(NotFound):
            await client.async_get_media_location(camera.id, MediaKind.ARCHIVE, forged)
    with pytest.raises(NotSupported):
        await client.async_get_media_location(camera.id, MediaKind.RECORDING, old.id)


async def test_archive_gone_and_restricted(
    sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client, cameras = await ready(sim, session)
    camera = cameras[0]
    pieces = await client.async_list_media_day(
        camera.id, MediaKind.ARCHIVE, datetime.now(UTC).date()
    )
    piece = pieces[len(pieces) // 2]
    assert piece.start is not None
    sim_cam = sim.cameras[int(camera.id)]
    sim_cam.is_archive_recording = False
    sim_cam.archive_ranges = [{"from": int(piece.start.timestamp()) - 7200, "duration": 60}]
    with pytest.raises(NotFound):  # no longer in the archive (422)
        await client.async_get_media_location(camera.id, MediaKind.ARCHIVE, piece.id)
    sim_cam.is_archive_recording = True
    sim_cam.uuid = ""  # the client API says 400 for a restricted archive
    sim_cam.is_restricted_archive = True
    await client.async_get_cameras()
    piece = f"{int(time.time()) - 60}:{int(time.time()) - 40}"
    with pytest.raises(NotSupported):
        await client.async_get_media_location(camera.id, MediaKind.ARCHIVE, piece)


async def test_events_listing(sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    client, cameras = await ready(sim, session)
    cam = int(cameras[0].id)
    now = time.time()
    for n in range(60):
        sim.add_event(cam, "motion_detect", when=now - 3600 - n * 60)
    page = await client.async_list_media_page(cameras[0].id, MediaKind.EVENT)
    assert len(page.items) == 50
    assert page.next_page is not None
    assert page.items[0].event is EventKind.MOTION
    older = await client.async_list_media_page(cameras[0].id, MediaKind.EVENT, page.next_page)
    assert older.items
    assert older.items[0].start < page.items[-1].start
    assert not {i.id for i in older.items} & {i.id for i in page.items}
    with pytest.raises(NotFound):
        await client.async_list_media_page(cameras[0].id, MediaKind.EVENT, "bogus")
    day = await client.async_list_media_day(
        cameras[0].id, MediaKind.EVENT, datetime.fromtimestamp(now - 3600, UTC).date()
    )
    assert day
    location = await client.async_get_media_location(
        cameras[0].id, MediaKind.EVENT, page.items[0].id
    )
    assert location.stream is StreamKind.HLS
    with pytest.raises(NotSupported):
        await client.async_list_media_page(cameras[0].id, MediaKind.RECORDING)


# -- push and events ---------------------------------------------------------------------


class Feed:
    """Runs the client's realtime feed and collects what it hands over."""

    def __init__(self, client: AipixClient, cameras: list[Camera]) -> None:
        self.client = client
        self.cameras = cameras
        self.updates: list[RealtimeUpdate] = []
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        ((key, ids),) = self.client.realtime_groups(self.cameras).items()
        self.task = asyncio.create_task(
            self.client.async_run_realtime(key, ids, self.connected.set, self.updates.append)
        )

    async def wait_for(self, check: Any) -> RealtimeUpdate:
        async with asyncio.timeout(5):
            while True:
                for update in self.updates:
                    if check(update):
                        return update
                if self.task is not None and self.task.done():
                    self.task.result()
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def feed(sim: AipixSimulator, session: aiohttp.ClientSession) -> AsyncGenerator[Feed]:
    client, cameras = await ready(sim, session)
    running = Feed(client, cameras)
    running.start()
    async with asyncio.timeout(5):
        await running.connected.wait()
    yield running
    await running.stop()


async def test_push_analytic_event(
    sim: AipixSimulator, feed: Feed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert sim.subscribed() == 1
    assert sim.requests["POST /api/v1/broadcasting/auth"] == 2
    cam = int(feed.cameras[0].id)
    await sim.push_analytic(cam, "motion_detect")
    update = await feed.wait_for(lambda u: u.event is not None)
    assert update.camera_id == str(cam)
    assert update.event is not None
    assert update.event.kind is EventKind.MOTION
    assert update.event.end is None
    await sim.push_analytic(cam, "license_plate", license_plate="AB123C")
    plate = await feed.wait_for(lambda u: u.event is not None and u.event.type == "license_plate")
    assert plate.event is not None
    assert plate.event.data["plate"] == "AB123C"
    assert plate.event.kind is EventKind.LICENSE_PLATE
    await sim.attach()
    await feed.wait_for(lambda u: u.cameras_changed)
    # Pushed events are not handed over again by the poll.
    before = len(feed.updates)
    await feed.client.async_get_status(feed.cameras)
    await feed.client.async_get_status(feed.cameras)
    assert len(feed.updates) == before
    assert_no_secret(caplog, sim.password, *sim.tokens)


async def test_polled_events_fill_in(sim: AipixSimulator, feed: Feed) -> None:
    await feed.client.async_get_status(feed.cameras)  # learns the newest id
    cam = int(feed.cameras[1].id)
    sim.add_event(cam, "smoke_fire", analytic=True)
    sim.add_event(cam, "camera_offline")  # not an analytic event: not handed over
    await feed.client.async_get_status(feed.cameras)
    update = await feed.wait_for(lambda u: u.event is not None)
    assert update.event is not None
    assert update.event.kind is EventKind.FIRE
    assert update.event.end is not None
    assert len([u for u in feed.updates if u.event]) == 1


async def test_logout_push_logs_in_again(sim: AipixSimulator, feed: Feed) -> None:
    token = feed.client.stored_config()["access_token"]
    session_id = next(s["id"] for s in sim.sessions)
    logins = sim.requests["POST /api/v1/token"]
    await sim.delete_session(session_id)
    assert feed.task is not None
    async with asyncio.timeout(5):
        await feed.task  # ends normally: the core reconnects on the new token's channel
    assert sim.requests["POST /api/v1/token"] == logins + 1
    assert feed.client.stored_config()["access_token"] != token


async def test_logout_push_then_refused_login(sim: AipixSimulator, feed: Feed) -> None:
    session_id = next(s["id"] for s in sim.sessions)
    sim.password = "changed"
    await sim.delete_session(session_id)
    assert feed.task is not None
    with pytest.raises(AuthError):
        async with asyncio.timeout(5):
            await feed.task


async def test_socket_drop_raises(sim: AipixSimulator, feed: Feed) -> None:
    sim.drop_sockets()
    assert feed.task is not None
    with pytest.raises(CannotConnect):
        async with asyncio.timeout(5):
            await feed.task


async def test_socket_auth_refused(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    aipix_sim.refuse_auth = True
    client, cameras = await ready(aipix_sim, session)
    running = Feed(client, cameras)
    running.start()
    assert running.task is not None
    with pytest.raises(VendorError) as err:  # the coordinator retries with backoff
        async with asyncio.timeout(5):
            await running.task
    assert not isinstance(err.value, AuthError)  # a refused channel is not a refused password
    assert not running.connected.is_set()


async def test_ws_path_falls_back_to_pusher(aipix_sim: AipixSimulator, feed: Feed) -> None:
    assert aipix_sim.ws_path == "/ws"
    assert feed.client._ws_path is not None
    assert feed.client._ws_path.endswith("/pusher")


async def test_ping_without_pong(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.omnicam.vendors import pusher

    monkeypatch.setattr(pusher, "PING_SECONDS", 0.2)
    monkeypatch.setattr(pusher, "PONG_TIMEOUT", 0.2)
    aipix_sim.answer_pings = False
    client, cameras = await ready(aipix_sim, session)
    running = Feed(client, cameras)
    running.start()
    assert running.task is not None
    with pytest.raises(CannotConnect):
        async with asyncio.timeout(5):
            await running.task
    assert running.connected.is_set()


async def test_encrypted_as_string(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    aipix_sim.is_encrypted_as_string = True
    client, cameras = await ready(aipix_sim, session)
    running = Feed(client, cameras)
    running.start()
    try:
        async with asyncio.timeout(5):
            await running.connected.wait()
    finally:
        await running.stop()


async def test_events_queued_while_feed_down(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client, cameras = await ready(aipix_sim, session)
    await client.async_get_status(cameras)
    aipix_sim.add_event(int(cameras[0].id), "motion_detect", analytic=True, when=time.time())
    await client.async_get_status(cameras)
    running = Feed(client, cameras)
    running.start()
    try:
        update = await running.wait_for(lambda u: u.event is not None)
        assert update.event is not None
        assert update.event.kind is EventKind.MOTION
        assert update.event.start is not None
        assert update.event.end is not None
        assert update.event.end - update.event.start == timedelta(
            seconds=client.event_hold_seconds or 0
        )
    finally:
        await running.stop()


# -- the Pusher protocol client against a scripted server ----------------------------------


async def _scripted(script: list[Any]) -> tuple[web.AppRunner, str, list[str]]:
    """Serve a WebSocket that sends the script (str: text, bytes: binary, None: close)."""
    received: list[str] = []

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for step in script:
            if step is None:
                await ws.close()
                return ws
            if isinstance(step, bytes):
                await ws.send_bytes(step)
            elif isinstance(step, float):
                await asyncio.sleep(step)
            else:
                await ws.send_str(step)
        async for msg in ws:
            received.append(msg.data)
            if '"pusher:ping"' in msg.data:
                await ws.send_str(json.dumps({"event": "pusher:pong", "data": {}}))
        return ws

    app = web.Application()
    app.router.add_get("/app/key", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"ws://127.0.0.1:{port}", received


HELLO = json.dumps(
    {
        "event": "pusher:connection_established",
        "data": json.dumps({"socket_id": "1.2", "activity_timeout": 30}),
    }
)


@pytest.mark.parametrize(
    ("script", "error"),
    [
        (
            [json.dumps({"event": "pusher:error", "data": {"code": 4001, "message": "no app"}})],
            PusherError,
        ),
        ([json.dumps({"event": "hello"})], BadResponse),
        ([json.dumps({"event": "pusher:connection_established", "data": "{}"})], BadResponse),
        (["not json"], BadResponse),
        (["[1]"], BadResponse),
        ([b"\x00"], BadResponse),
        ([None], PusherError),
    ],
)
async def test_pusher_greeting_errors(
    socket_enabled: None, session: aiohttp.ClientSession, script: list[Any], error: type[Exception]
) -> None:
    runner, base, _ = await _scripted(script)
    try:
        with pytest.raises(error):
            await PusherSocket.connect(session, socket_url(base, "key"))
    finally:
        await runner.cleanup()


async def test_pusher_no_greeting_in_time(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    runner, base, _ = await _scripted([])
    try:
        with pytest.raises(CannotConnect):
            await PusherSocket.connect(session, socket_url(base, "key"), connect_seconds=0.2)
    finally:
        await runner.cleanup()


async def test_pusher_events(socket_enabled: None, session: aiohttp.ClientSession) -> None:
    script = [
        HELLO,
        json.dumps({"event": "pusher:ping", "data": {}}),
        json.dumps({"data": "no event"}),
        json.dumps({"event": "Thing", "data": "{}"}),  # no channel: skipped
        json.dumps({"event": "Thing", "channel": "c", "data": "plain text"}),
        json.dumps({"event": "pusher:pong", "data": {}}),
        json.dumps({"event": "pusher:subscription_error", "channel": "c", "data": {"status": 403}}),
    ]
    runner, base, received = await _scripted(script)
    try:
        sock = await PusherSocket.connect(session, socket_url(base, "key"))
        assert sock.socket_id == "1.2"
        await sock.subscribe("public")
        seen: list[PusherEvent] = []

        async def read() -> None:
            async for event in sock.events():
                seen.append(event)

        with pytest.raises(SubscriptionRefused) as err:
            await read()
        assert err.value.code == 403
        assert [e.data for e in seen] == ["plain text"]
        await sock.close()
        assert any('"pusher:pong"' in text for text in received)
        assert any('"channel": "public"' in text for text in received)
    finally:
        await runner.cleanup()


async def test_pusher_error_mid_stream(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    runner, base, _ = await _scripted([HELLO, json.dumps({"event": "pusher:error", "data": "x"})])
    try:
        sock = await PusherSocket.connect(session, socket_url(base, "key"))
        with pytest.raises(PusherError):
            async for _ in sock.events():
                pass
        await sock.close()
    finally:
        await runner.cleanup()


async def test_pusher_unreachable(closed_port: int, session: aiohttp.ClientSession) -> None:
    with pytest.raises(CannotConnect):
        await PusherSocket.connect(session, socket_url(f"ws://127.0.0.1:{closed_port}", "key"))


# -- odd answers ----------------------------------------------------------------------------


def test_flags_and_numbers() -> None:
    assert _flag("yes") is True
    assert _flag("off") is False
    assert _flag(1) is True
    assert _flag("maybe") is None
    assert _flag(None) is None
    assert _int(2.7) == 2
    assert _int("12") == 12
    assert _int(True) is None
    assert _int("x") is None
    assert _text({"a": 1}) is None
    assert parse_time("2024-01-01T10:00:00+02:00") == datetime(2024, 1, 1, 8, tzinfo=UTC)


async def test_odd_answers(aipix_sim: AipixSimulator, session: aiohttp.ClientSession) -> None:
    client, cameras = await ready(aipix_sim, session)
    aipix_sim.fail["GET /api/v1/users/self"] = "html200"
    with pytest.raises(BadResponse):
        await client.async_get_cameras()
    aipix_sim.fail["GET /api/v1/users/self"] = 403
    with pytest.raises(VendorError):
        await client.async_get_cameras()
    del aipix_sim.fail["GET /api/v1/users/self"]
    aipix_sim.fail["GET /api/v1/events"] = 500
    status = await client.async_get_status(cameras)  # the event poll is a safety net only
    assert status
    aipix_sim.fail["GET /api/v1/cameras/{id}/preview"] = 403
    aipix_sim.fail["POST /api/v1/cameras/preview"] = 403
    with pytest.raises((Unavailable, VendorError)):
        await client.async_get_snapshot(cameras[0].id)


async def test_forbidden_camera_keeps_the_others(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    ids = sorted(aipix_sim.cameras)
    aipix_sim.cameras[ids[0]].forbidden = True
    for cam in aipix_sim.cameras.values():
        cam.uuid = ""
    client, cameras = await ready(aipix_sim, session)
    with pytest.raises(Unavailable):
        await client.async_get_stream_source(str(ids[0]))
    with pytest.raises(Unavailable):
        await client.async_get_snapshot(str(ids[0]))
    assert (await client.async_get_stream_source(str(ids[1]))).url
    assert len(await client.async_get_status(cameras)) == len(ids)


async def test_expired_link_is_minted_again(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> None:
    client, cameras = await ready(aipix_sim, session)
    first = await client.async_get_stream_source(cameras[0].id)
    aipix_sim.expire_links()
    async with session.get(first.url) as resp:
        assert resp.status in (401, 403)
    second = await client.async_get_stream_source(cameras[0].id)
    assert second.url != first.url
    async with session.get(second.url) as resp:
        assert resp.status == 200


async def test_uuid_endpoints_absent_or_odd(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    sim = AipixSimulator(release="25.06")
    await sim.start()
    try:
        client, cameras = await ready(sim, session)
        # Both video endpoints missing (404/405): remembered, the client API is used.
        sim.fail["POST /api/v1/cameras/video"] = 404
        sim.fail["POST /api/v1/billing/cameras/video"] = 405
        source = await client.async_get_stream_source(cameras[0].id)
        assert "/media/" in source.url
        sent = sim.requests["POST /api/v1/cameras/video"]
        await client.async_get_stream_source(cameras[0].id)
        assert sim.requests["POST /api/v1/cameras/video"] == sent
        # A preview link answer without a url is a bad answer; a refusal stays an error.
        sim.fail["POST /api/v1/cameras/preview"] = 422
        with pytest.raises(VendorError):
            await client.async_get_snapshot(cameras[0].id)
        # The media server down, a link refused, an HTML page instead of a picture.
        del sim.fail["POST /api/v1/cameras/preview"]
        sim.dead_servers.add("main")
        with pytest.raises(CannotConnect):
            await client.async_get_snapshot(cameras[0].id)
    finally:
        await sim.stop()


async def test_odd_pushes(aipix_sim: AipixSimulator, feed_25: Feed) -> None:
    sim = aipix_sim
    await sim.push("mark_created", {"id": 1, "camera_id": min(sim.cameras)})
    await sim.push("camera.store_favorite", {"camera_id": min(sim.cameras)})
    await sim.push("analytic_case_face_event_created", {"id": 9})  # no camera: skipped
    await sim.pusher.trigger(f"private-user.{sim.user_id}", "App\\Events\\UserPush", "{}")
    await sim.push("analytic_case_face_event_created", {"id": 10, "camera_id": 424242})
    await sim.push_analytic(min(sim.cameras), "container_number_recognition")
    # A camera not (yet) listed is handed over all the same: the socket carries the whole
    # account, and the coordinator keeps what belongs to the cameras it knows.
    unknown = await feed_25.wait_for(lambda u: u.event is not None)
    assert unknown.camera_id == "424242"
    update = await feed_25.wait_for(lambda u: u.event is not None and u.camera_id != "424242")
    assert update.event is not None
    assert update.event.kind is None
    assert update.event.type == "container_number_recognition"


@pytest.fixture
async def feed_25(
    aipix_sim: AipixSimulator, session: aiohttp.ClientSession
) -> AsyncGenerator[Feed]:
    client, cameras = await ready(aipix_sim, session)
    running = Feed(client, cameras)
    running.start()
    async with asyncio.timeout(5):
        await running.connected.wait()
    yield running
    await running.stop()


def test_days_are_cut_in_the_configured_time_zone(caplog: pytest.LogCaptureFixture) -> None:
    """Home Assistant's zone comes in the config; none or an unknown one is UTC."""
    assert config_time_zone({}) is UTC
    assert config_time_zone({"time_zone": "Asia/Tokyo"}) == ZoneInfo("Asia/Tokyo")
    assert config_time_zone({"time_zone": "Mars/Olympus_Mons"}) is UTC
    assert "Unknown time zone Mars/Olympus_Mons" in caplog.text
