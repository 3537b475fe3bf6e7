"""The OpenCamera client against the simulator over loopback: both modes, tokens, live, VOD."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import logging

import aiohttp
from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
import pytest

from custom_components.omnicam.vendors import opencamera
from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    Unavailable,
    VendorError,
    WrongServer,
)
from custom_components.omnicam.vendors.models import Capability, MediaKind
from custom_components.omnicam.vendors.opencamera import (
    CAMERA_ID,
    OpenCameraClient,
    container_mime,
    ice_url,
    media_item_id,
    media_item_range,
    parse_resolution,
)
from tests.conftest import assert_no_secret, wait_for
from tests.peers import close_peer
from tests.simulators.opencamera import OpenCameraSimulator

JPEG = b"\xff\xd8"


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client_of(
    sim: OpenCameraSimulator, session: aiohttp.ClientSession, **kw: str
) -> OpenCameraClient:
    config = {"url": sim.url, "username": sim.username, "password": sim.password} | kw
    return OpenCameraClient.from_config(session, config)


async def make_offer(*, codec: str = "H264") -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp.replace("H264/90000", f"{codec}/90000")


def test_parsing() -> None:
    """Resolutions with x or the multiplication sign; ICE entries get their scheme."""
    assert parse_resolution("1920\u00d71080") == (1920, 1080)
    assert parse_resolution(" 1280x720 ") == (1280, 720)
    assert parse_resolution("full HD") is None
    assert parse_resolution("0x0") is None
    assert parse_resolution(1080) is None
    assert ice_url("stun.l.google.com:19302") == "stun:stun.l.google.com:19302"
    assert ice_url("stun:stun.example.org:3478") == "stun:stun.example.org:3478"
    assert ice_url("turn:turn.example.org:3478?transport=udp").startswith("turn:")
    assert ice_url("stun.example.org") == "stun:stun.example.org"
    assert ice_url("weird:thing") == "stun:weird:thing"
    start = datetime(2026, 12, 4, 10, tzinfo=UTC)
    item = media_item_id(start, start + timedelta(hours=1))
    assert media_item_range(item) == (start, start + timedelta(hours=1))
    for bad in ("x", "20261204T100000Z_20261204T090000Z", "20261204T100000Z_20261204T120000Z"):
        with pytest.raises(NotFound):
            media_item_range(bad)
    assert container_mime(b"\x00\x00\x00\x18ftypisom") == "video/mp4"
    assert container_mime(b"\x47\x40\x00\x10") == "video/mp2t"
    assert container_mime(b"\x00\x00\x00\x01\x67") == "video/h264"
    assert container_mime(b"<html>") is None


def test_address_normalised(session: aiohttp.ClientSession) -> None:
    """No port: 8000 over http (the daemon's), 443 over https; /api/v1 is dropped."""
    assert OpenCameraClient(session, "http://Cam.local", "a", "b")._address == "cam.local:8000"
    client = OpenCameraClient(session, "http://10.0.0.5:8080/api/v1/", "a", "b")
    assert client._origin == "http://10.0.0.5:8080"
    assert OpenCameraClient(session, "https://cam.example", "a", "b")._address == (
        "cam.example:443"
    )
    with pytest.raises(CannotConnect):
        OpenCameraClient(session, "ftp://cam", "a", "b")


async def test_daemon_mode(
    opencamera_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real daemon: no tokens (said at debug), the address as unique id, live only."""
    caplog.set_level(logging.DEBUG)
    client = client_of(opencamera_sim, session)
    account = await client.async_get_account()
    assert account.unique_id == f"127.0.0.1:{opencamera_sim.port}"
    assert "no real authentication" in caplog.text
    [camera] = await client.async_get_cameras()
    assert camera.capabilities == {
        Capability.LIVE_STREAM,
        Capability.WEBRTC,
        Capability.SNAPSHOT,
        Capability.ONLINE_STATE,
    }
    assert camera.model == "OpenCamera"
    before = dict(client.request_count)
    status = (await client.async_get_status([camera]))[CAMERA_ID]
    assert status.online is True
    assert status.card is None
    assert status.boot_time is None
    spent = {k: v - before.get(k, 0) for k, v in client.request_count.items()}
    assert sum(spent.values()) == 1  # one request per poll
    assert await client.async_get_ice_servers(CAMERA_ID) == []
    with pytest.raises(NotSupported):
        await client.async_set_ice_servers(CAMERA_ID, ["stun:stun.example.org:3478"])
    with pytest.raises(NotSupported):
        await client.async_get_stream_source(CAMERA_ID)
    await client.async_close()  # no token to log out
    assert opencamera_sim.requests["logout"] == 0
    assert_no_secret(caplog, opencamera_sim.password)


async def test_offline_and_recovery(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """A camera that stops answering is offline, not an error; it comes back by itself."""
    client = client_of(opencamera_full_sim, session)
    [camera] = await client.async_get_cameras()
    opencamera_full_sim.fail["device"] = "drop"
    opencamera_full_sim.fail["system"] = "drop"
    assert (await client.async_get_status([camera]))[CAMERA_ID].online is False
    opencamera_full_sim.fail.clear()
    status = (await client.async_get_status([camera]))[CAMERA_ID]
    assert status.online is True
    assert await client.async_get_status([]) == {}


async def test_full_mode(
    opencamera_full_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The full API: uuid, firmware, SD card, stream info, boot time; one request a poll."""
    caplog.set_level(logging.DEBUG)
    sim = opencamera_full_sim
    client = client_of(sim, session)
    account = await client.async_get_account()
    assert account.unique_id == sim.uuid
    assert sim.basic_devices == [opencamera.DEVICE]  # the documented user:pass:device form
    [camera] = await client.async_get_cameras()
    assert camera.sw_version == "1.0.1"
    assert {Capability.SD_CARD, Capability.BOOT_TIME, Capability.STREAM_INFO} <= camera.capabilities
    assert Capability.RECORDINGS in camera.capabilities
    statuses = []
    for _ in range(4):
        before = sum(client.request_count.values())
        statuses.append((await client.async_get_status([camera]))[CAMERA_ID])
        assert sum(client.request_count.values()) - before == 1
    status = statuses[-1]
    assert status.card is not None
    assert status.card.free_gb == 23
    assert status.card.total_gb == 32
    assert status.card.used_percent == pytest.approx(28.1)
    assert status.stream_info is not None
    assert status.stream_info.resolution == "1920x1080"
    assert status.stream_info.fps == 15
    assert status.stream_info.video_codec == "H.264"
    assert {s.boot_time for s in statuses} == {statuses[0].boot_time}  # stable
    assert status.boot_time is not None
    assert abs(status.boot_time - sim.boot_time) < timedelta(seconds=2)
    assert await client.async_get_ice_servers(CAMERA_ID) == ["stun:stun.l.google.com:19302"]
    await client.async_set_ice_servers(
        CAMERA_ID, ["stun:stun.home-assistant.io:3478", "turn:t.example:3478"]
    )
    assert sim.live_configs[-1] == ["stun.home-assistant.io:3478"]
    assert await client.async_get_ice_servers(CAMERA_ID) == ["stun:stun.home-assistant.io:3478"]
    sim.fail["live_config"] = 400
    with pytest.raises(VendorError):
        await client.async_set_ice_servers(CAMERA_ID, ["stun:a.example:1"])
    # A reboot: uptime from zero, tokens gone. The next reads get a new token.
    sim.reboot()
    for _ in range(2):
        status = (await client.async_get_status([camera]))[CAMERA_ID]
    assert status.boot_time is not None
    assert status.boot_time > statuses[0].boot_time + timedelta(days=3)
    await client.async_close()
    assert sim.requests["logout"] == 1
    assert sim.tokens == {}
    assert_no_secret(caplog, sim.password)


async def test_uptime_as_boot_epoch_and_garbage_resolution(
    opencamera_full_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An uptime in Unix time is the boot moment; a resolution that is garbage is unknown."""
    sim = opencamera_full_sim
    sim.uptime_form = "boot_epoch"
    sim.resolution = "<b>big</b>"
    client = client_of(sim, session)
    [camera] = await client.async_get_cameras()
    status = (await client.async_get_status([camera]))[CAMERA_ID]
    assert status.boot_time is not None
    assert abs(status.boot_time - sim.boot_time) < timedelta(seconds=2)
    assert status.stream_info is not None
    assert status.stream_info.resolution is None
    assert "not WIDTHxHEIGHT" in caplog.text
    sim.resolution = "640x480"
    for _ in range(2):
        status = (await client.async_get_status([camera]))[CAMERA_ID]
    assert status.stream_info is not None
    assert status.stream_info.resolution == "640x480"


async def test_tokens(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """Plain Basic where the documented form is refused; refresh; a new token after a 401."""
    sim = opencamera_full_sim
    sim.basic_form = "plain"
    client = client_of(sim, session)
    await client.async_get_account()
    assert sim.requests["token"] == 2  # device form refused (400), plain accepted
    await client.async_get_cameras()
    assert sim.requests["token"] == 2  # the token is kept
    # The plain form is remembered: a new token needs one request.
    sim.expire_tokens()
    await client.async_get_cameras()
    assert sim.requests["token"] == 3
    # A short-lived token is kept half its life, then refreshed, not obtained again.
    sim.token_ttl = 30
    sim.expire_tokens()
    await client.async_get_cameras()
    assert sim.requests["refresh"] == 0
    tokens = sim.requests["token"]
    client._valid_until = datetime.now(UTC) + timedelta(seconds=5)
    await client.async_get_cameras()
    assert sim.requests["refresh"] == 1
    assert sim.requests["token"] == tokens
    # A refresh refused: a new token.
    sim.fail["refresh"] = 401
    client._valid_until = datetime.now(UTC) + timedelta(seconds=5)
    await client.async_get_cameras()
    assert sim.requests["refresh"] == 2
    assert sim.requests["token"] == tokens + 1


async def test_odd_answers(
    opencamera_full_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Errors and odd bodies from each call: typed errors, a new token where it helps."""
    sim = opencamera_full_sim
    client = client_of(sim, session)
    sim.fail["token"] = 503
    with pytest.raises(CannotConnect, match="token obtain: HTTP 503"):
        await client.async_get_cameras()
    del sim.fail["token"]
    await client.async_get_cameras()
    for key in ("device", "system"):
        sim.fail[key] = 503
        with pytest.raises(CannotConnect, match=f"{key}: HTTP 503"):
            await client.async_get_cameras()
        del sim.fail[key]
    # A token refused twice in a row: the camera refuses us.
    sim.fail["device"] = 401
    with pytest.raises(AuthError):
        await client.async_get_cameras()
    del sim.fail["device"]
    # A refresh that breaks off, or answers no JSON or no valid_until: a new token instead.
    sim.token_ttl = 30
    sim.expire_tokens()
    await client.async_get_cameras()
    for fault in ("drop", "notjson", 204):
        sim.fail["refresh"] = fault
        tokens = sim.requests["token"]
        client._valid_until = datetime.now(UTC) + timedelta(seconds=5)
        await client.async_get_cameras()
        assert sim.requests["token"] == tokens + 1, fault
    sim.fail.clear()
    # VOD refused or not implemented when a piece is played.
    [item, *_] = await client.async_list_media(CAMERA_ID, MediaKind.RECORDING)
    sim.fail["vod"] = 503
    with pytest.raises(CannotConnect, match="vod: HTTP 503"):
        await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, item.id)
    sim.fail["vod"] = 501
    with pytest.raises(NotSupported):
        await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, item.id)
    # VOD dropping the connection: the probe keeps what it knew, listing and playing fail.
    sim.fail.clear()
    location = await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, item.id)
    sim.fail["vod"] = "drop"
    [camera] = await client.async_get_cameras()
    assert camera.has(Capability.RECORDINGS)
    with pytest.raises(CannotConnect):
        await client.async_list_media(CAMERA_ID, MediaKind.RECORDING)
    with pytest.raises(CannotConnect):
        await client.async_open_media(location, {})
    # A token refused by VOD: a new one, and the probe is sent again.
    sim.fail.clear()
    sim.expire_tokens()
    tokens = sim.requests["token"]
    assert await client.async_list_media(CAMERA_ID, MediaKind.RECORDING)
    assert sim.requests["token"] == tokens + 1
    assert await client.async_get_camera_ids() == [CAMERA_ID]
    # A time zone Home Assistant gave that we do not know: UTC, said once.
    other = client_of(sim, session, time_zone="Mars/Olympus_Mons")
    assert other.media_day_count(CAMERA_ID) == 14
    assert "Unknown time zone" in caplog.text


def test_uptime_and_time_parsing(session: aiohttp.ClientSession) -> None:
    """Uptime as digits in a string, garbage, an impossible moment; times odd or naive."""
    client = OpenCameraClient(session, "http://127.0.0.1", "u", "p")
    client._take_uptime("3600")
    boot = client._boot
    assert boot is not None
    assert abs((datetime.now(UTC) - boot).total_seconds() - 3600) <= 2
    for garbage in ("soon", -5, True, 10**30, None):
        client._take_uptime(garbage)
        assert client._boot == boot
    assert opencamera._parse_time("") is None
    assert opencamera._parse_time("yesterday") is None
    assert opencamera._parse_time("0001-01-01T00:00:00Z") is None
    assert opencamera._parse_time("2026-12-04T10:00:00") == datetime(2026, 12, 4, 10, tzinfo=UTC)


async def test_wrong_password(
    opencamera_full_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both Basic forms refused: AuthError, and the password is never logged."""
    client = client_of(opencamera_full_sim, session, password="wrong:secret")
    with pytest.raises(AuthError):
        await client.async_get_account()
    assert_no_secret(caplog, "wrong:secret", opencamera_full_sim.password)
    assert "wrong:secret" in client.secrets()


async def test_recognition(
    opencamera_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    socket_enabled: None,
    closed_port: int,
) -> None:
    """Not an OpenCamera, and nothing listening, are told apart."""

    async def router(request: web.Request) -> web.Response:
        return web.Response(text="<html>router</html>")

    app = web.Application()
    app.router.add_get("/{tail:.*}", router)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        other = OpenCameraClient(session, f"http://127.0.0.1:{port}", "a", "b")
        with pytest.raises(WrongServer):
            await other.async_get_account()
    finally:
        await runner.cleanup()
    with pytest.raises(CannotConnect):
        await OpenCameraClient(
            session, f"http://127.0.0.1:{closed_port}", "a", "b"
        ).async_get_account()
    # Without its spec, the daemon is still recognised by its 501 on /device.
    opencamera_sim.fail["swagger"] = 404
    await client_of(opencamera_sim, session).async_get_account()


@pytest.mark.parametrize("mode", ["daemon", "full"])
async def test_webrtc_offer(
    mode: str, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A real offer gets the camera's answer; valid_until is never sent."""
    sim = OpenCameraSimulator(mode=mode)
    await sim.start()
    pc, offer = await make_offer()
    try:
        client = client_of(sim, session)
        await client.async_get_account()
        answer = await client.async_webrtc_offer(CAMERA_ID, offer)
        assert answer.startswith("v=0")
        assert "a=end-of-candidates" in answer
        assert len(sim.sessions) == 1
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await wait_for(lambda: pc.connectionState == "connected", seconds=15)
        with pytest.raises(NotFound):
            await client.async_webrtc_offer("other", offer)
    finally:
        await close_peer(pc)
        await sim.stop()


async def test_webrtc_offer_errors(
    opencamera_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """500 {}, a dropped connection, a timeout and a reply that is not an answer."""
    sim = opencamera_sim
    client = client_of(sim, session)
    pc, offer = await make_offer()
    try:
        sim.fail["session"] = 500
        with pytest.raises(VendorError, match="500"):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail["session"] = 400
        with pytest.raises(VendorError, match="400"):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail["session"] = "notanswer"
        with pytest.raises(BadResponse, match="not an answer"):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail["session"] = "notjson"
        with pytest.raises(BadResponse):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail["session"] = 418
        with pytest.raises(CannotConnect):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail.clear()
        with pytest.raises(Unavailable, match=r"H\.264"):
            await client.async_webrtc_offer(CAMERA_ID, offer.replace("H264/90000", "VP8/90000"))
        monkeypatch.setattr(opencamera, "OFFER_TIMEOUT", 0.3)
        sim.fail["session"] = "timeout"
        with pytest.raises(Unavailable, match="no answer"):
            await client.async_webrtc_offer(CAMERA_ID, offer)
        sim.fail.clear()
        await sim.stop()
        with pytest.raises(CannotConnect):
            await client.async_webrtc_offer(CAMERA_ID, offer)
    finally:
        await close_peer(pc)


async def test_recordings(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """VOD by day: pieces of at most an hour that hold video, newest first, playable."""
    sim = opencamera_full_sim
    client = client_of(sim, session)
    await client.async_get_cameras()
    today = datetime.now(UTC).date()
    items = await client.async_list_media_day(CAMERA_ID, MediaKind.RECORDING, today)
    assert items
    assert all(item.end - item.start <= timedelta(hours=1) for item in items)  # type: ignore[operator]
    assert [i.start for i in items] == sorted((i.start for i in items), reverse=True)  # type: ignore[type-var]
    # Today's last piece ends now: listed again a second later, it is longer.
    again = await client.async_list_media(CAMERA_ID, MediaKind.RECORDING)
    assert [i.start for i in again] == [i.start for i in items]
    assert [i.id for i in again[1:]] == [i.id for i in items[1:]]
    location = await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, items[0].id)
    assert location.mime_type == "video/mp4"
    assert "x-token" not in location.headers
    resp = await client.async_open_media(location, {})
    try:
        assert resp.status == 200
        body = await resp.read()
    finally:
        resp.release()
    assert body[4:8] == b"ftyp"
    # A token that expired meanwhile: the proxy's request gets a new one.
    sim.expire_tokens()
    resp = await client.async_open_media(location, {})
    assert resp.status == 200
    resp.release()
    # A day with nothing recorded, a piece that is gone, and other kinds.
    sim.recordings = []
    assert await client.async_list_media_day(CAMERA_ID, MediaKind.RECORDING, today) == []
    with pytest.raises(NotFound):
        await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, items[0].id)
    assert (
        await client.async_list_media_day(CAMERA_ID, MediaKind.RECORDING, today + timedelta(1))
        == []
    )
    with pytest.raises(NotSupported):
        await client.async_list_media_day(CAMERA_ID, MediaKind.EVENT, today)
    with pytest.raises(NotSupported):
        await client.async_get_media_location(CAMERA_ID, MediaKind.EVENT, items[0].id)


def _probes(client: opencamera.OpenCameraClient) -> int:
    return client.request_count.get("vod_probe", 0)


async def test_recording_days_from_the_oldest_recording(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """Days offered: from the card's oldest recording to today, found in a few probes."""
    sim = opencamera_full_sim
    now = datetime.now(UTC).replace(microsecond=0)
    sim.recordings = [
        (now - timedelta(days=9, hours=2), now - timedelta(days=9, hours=1)),
        (now - timedelta(hours=1), now - timedelta(minutes=1)),
    ]
    oldest = (now - timedelta(days=9, hours=2)).date()
    client = client_of(sim, session)
    assert client.media_day_count(CAMERA_ID) == client.media_days  # nothing read yet
    before = _probes(client)
    await client.async_get_cameras()
    searched = _probes(client) - before - 1  # one probe tells whether VOD works at all
    assert searched <= 8  # a binary search over 90 days
    assert client.media_day_count(CAMERA_ID) == (now.date() - oldest).days + 1
    # Asking how many days sends nothing; a day before the oldest is empty without a probe.
    before = _probes(client)
    assert client.media_day_count(CAMERA_ID) == (now.date() - oldest).days + 1
    assert (
        await client.async_list_media_day(
            CAMERA_ID, MediaKind.RECORDING, oldest - timedelta(days=1)
        )
        == []
    )
    assert _probes(client) == before
    # A day's listing: one probe of the whole day, one per hour of it at most.
    items = await client.async_list_media_day(CAMERA_ID, MediaKind.RECORDING, oldest)
    assert items
    assert _probes(client) - before <= 25

    # Recorded since before the window: the window's 90 days. Nothing at all: today only.
    sim.recordings = [(now - timedelta(days=200), now - timedelta(minutes=1))]
    await client.async_get_cameras()
    assert client.media_day_count(CAMERA_ID) == opencamera.MEDIA_DAYS_MAX
    sim.recordings = []
    await client.async_get_cameras()
    assert client.media_day_count(CAMERA_ID) == 1
    # The camera refuses the long range, or does not answer: the last finding stays.
    sim.recordings = [(now - timedelta(days=3), now - timedelta(days=2))]
    sim.fail["vod"] = 400
    await client.async_get_cameras()
    assert client.media_day_count(CAMERA_ID) == 1
    sim.fail.clear()
    await client.async_get_cameras()
    assert client.media_day_count(CAMERA_ID) == 4


async def test_recording_days_without_a_card(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """Without /system (no card to go by): the default days, and no search."""
    opencamera_full_sim.fail["system"] = 501
    client = client_of(opencamera_full_sim, session)
    [camera] = await client.async_get_cameras()
    assert camera.has(Capability.RECORDINGS)
    assert not camera.has(Capability.SD_CARD)
    assert _probes(client) == 1
    assert client.media_day_count(CAMERA_ID) == client.media_days == 14


@pytest.mark.parametrize(
    ("container", "mime"),
    [("mp4", "video/mp4"), ("mpegts", "video/mp2t"), ("h264", "video/h264")],
)
async def test_recording_media_type_from_the_body(
    opencamera_full_sim: OpenCameraSimulator,
    session: aiohttp.ClientSession,
    container: str,
    mime: str,
) -> None:
    """What the camera sends is told by the body's first bytes (the proxy remuxes by it)."""
    opencamera_full_sim.vod_container = container
    client = client_of(opencamera_full_sim, session)
    await client.async_get_cameras()
    [item, *_] = await client.async_list_media(CAMERA_ID, MediaKind.RECORDING)
    location = await client.async_get_media_location(CAMERA_ID, MediaKind.RECORDING, item.id)
    assert location.mime_type == mime


def test_container_sniffing() -> None:
    """MP4, MPEG-TS, raw H.264 and raw H.265 (by the first NAL unit); else unknown."""
    assert opencamera.container_mime(b"\x00\x00\x00\x18ftypisom") == "video/mp4"
    assert opencamera.container_mime(b"\x47\x40\x00\x10") == "video/mp2t"
    assert opencamera.container_mime(b"\x00\x00\x00\x01\x67\x64") == "video/h264"
    assert opencamera.container_mime(b"\x00\x00\x01\x09\xf0") == "video/h264"
    assert opencamera.container_mime(b"\x00\x00\x00\x01\x40\x01") == "video/h265"
    assert opencamera.container_mime(b"\x00\x00\x01\x46\x01") == "video/h265"
    assert opencamera.container_mime(b"<html>") is None


async def test_no_recordings_in_daemon_mode(
    opencamera_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """VOD answers 501: no recordings."""
    client = client_of(opencamera_sim, session)
    [camera] = await client.async_get_cameras()
    assert not camera.has(Capability.RECORDINGS)
    with pytest.raises(NotSupported):
        await client.async_list_media_day(CAMERA_ID, MediaKind.RECORDING, datetime.now(UTC).date())


async def test_still_from_webrtc(
    opencamera_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """The daemon: a still is captured over a short WebRTC session, then cached."""
    client = client_of(opencamera_sim, session)
    await client.async_get_cameras()
    assert client.still_taken_at(CAMERA_ID) is None
    image = await client.async_get_snapshot(CAMERA_ID)
    assert image.startswith(JPEG)
    assert len(opencamera_sim.sessions) == 1
    taken = client.still_taken_at(CAMERA_ID)
    assert taken is not None
    assert await client.async_get_snapshot(CAMERA_ID) == image  # cached
    assert len(opencamera_sim.sessions) == 1
    await client.async_close()


@pytest.mark.parametrize("container", ["mp4", "mpegts", "h264"])
async def test_still_from_vod(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession, container: str
) -> None:
    """Full API: the still is the last key frame of the last seconds recorded (MP4, MPEG-TS
    or raw H.264, whatever the camera sends)."""
    opencamera_full_sim.vod_container = container
    client = client_of(opencamera_full_sim, session)
    await client.async_get_cameras()
    vod = len(opencamera_full_sim.vod_requests)
    image = await client.async_get_snapshot(CAMERA_ID)
    assert image.startswith(JPEG)
    assert opencamera_full_sim.sessions == []
    assert len(opencamera_full_sim.vod_requests) == vod + 1
    taken = client.still_taken_at(CAMERA_ID)
    assert taken is not None
    assert datetime.now(UTC) - taken < timedelta(seconds=30)


@pytest.mark.parametrize("fault", ["json", "nothing recorded"])
async def test_still_vod_fails_then_webrtc(
    opencamera_full_sim: OpenCameraSimulator, session: aiohttp.ClientSession, fault: str
) -> None:
    """A VOD body that is not video, or nothing recorded lately: captured live instead."""
    if fault == "json":
        opencamera_full_sim.fail["vod"] = "json"
    else:
        opencamera_full_sim.recordings = [(datetime(2026, 1, 1, tzinfo=UTC),) * 2]
    client = client_of(opencamera_full_sim, session)
    await client.async_get_cameras()
    image = await client.async_get_snapshot(CAMERA_ID)
    assert image.startswith(JPEG)
    assert len(opencamera_full_sim.sessions) == 1
    await client.async_close()


async def test_still_placeholder(
    opencamera_sim: OpenCameraSimulator, session: aiohttp.ClientSession
) -> None:
    """Nothing can be captured: the placeholder, not an error."""
    opencamera_sim.fail["session"] = 500
    client = client_of(opencamera_sim, session)
    await client.async_get_cameras()
    image = await client.async_get_snapshot(CAMERA_ID)
    assert image.startswith(JPEG)
    assert client.still_taken_at(CAMERA_ID) is None
