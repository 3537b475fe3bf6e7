"""The Amcrest client against the simulator over loopback: auth, NVR, events, PTZ, media."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import logging
import warnings

import aiohttp
import pytest

from custom_components.omnicam.vendors import amcrest
from custom_components.omnicam.vendors.amcrest import (
    DAV_MIME,
    AmcrestClient,
    media_item_id,
)
from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    VendorError,
)
from custom_components.omnicam.vendors.models import (
    Capability,
    EventKind,
    MediaKind,
    MediaLocation,
    PtzDirection,
    RealtimeUpdate,
    RecordingCause,
    RecordMode,
    StreamKind,
)
from tests.conftest import wait_for
from tests.simulators.amcrest import AmcrestSimulator

PTZ = "/cgi-bin/ptz.cgi?action="


@pytest.fixture
async def nvr(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    sim = AmcrestSimulator(channels=4)
    sim.heartbeat_seconds = 0.05
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def camera(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    sim = AmcrestSimulator(channels=1, serial="AMC0000CAMERA0001")
    sim.heartbeat_seconds = 0.05
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)


def client_for(
    sim: AmcrestSimulator, session: aiohttp.ClientSession, **kwargs: object
) -> AmcrestClient:
    config = {
        "host": sim.host,
        "port": sim.port,
        "username": sim.username,
        "password": sim.password,
        "ssl": False,
        "verify_ssl": True,
    }
    return AmcrestClient.from_config(session, config | kwargs)


class Feed:
    """Runs a realtime feed in the background and keeps what it hands over."""

    def __init__(self, client: AmcrestClient, ids: tuple[str, ...]) -> None:
        self.client = client
        self.ids = ids
        self.updates: list[RealtimeUpdate] = []
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.connected.clear()
        self.task = asyncio.create_task(
            self.client.async_run_realtime(
                "amcrest", self.ids, self.connected.set, self.updates.append
            )
        )

    async def wait(self, count: int, seconds: float = 5.0) -> list[RealtimeUpdate]:
        await wait_for(lambda: len(self.updates) >= count, seconds)
        return self.updates

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with pytest.raises((asyncio.CancelledError, CannotConnect)):
                await self.task


def assert_no_password(caplog: pytest.LogCaptureFixture, sim: AmcrestSimulator) -> None:
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert sim.password not in text
        assert "s3cret%3Ap%40ss" not in text


# -- account, channels, authentication ------------------------------------------------


async def test_nvr_account_and_channels(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nvr.ptz_caps_fail = {4}
    client = client_for(nvr, session)
    account = await client.async_get_account()
    assert account.unique_id == nvr.serial
    assert account.title == f"NV4116E-HS ({nvr.host})"
    assert client.device_manufacturer == "Amcrest"
    cameras = await client.async_get_cameras()
    assert [c.id for c in cameras] == ["1", "2", "3", "4"]
    assert [c.name for c in cameras] == ["Front Door", "Garage", "Back Yard", "Driveway"]
    first = cameras[0]
    assert first.parent is not None
    assert first.parent.id == nvr.serial
    assert first.parent.name == "Recorder"
    assert first.sw_version == "4.001.0000000.1.R"
    assert first.model == "NV4116E-HS"
    assert first.has(Capability.PTZ)
    assert first.has(Capability.PTZ_PRESETS)
    assert first.has(Capability.RECORD_MODE)
    assert first.has(Capability.RECORDINGS)
    assert first.has(Capability.MOTION)
    assert first.event_codes == ("VideoMotion", "VideoLoss", "CrossLineDetection")
    assert first.event_types == (
        EventKind.MOTION,
        EventKind.VIDEO_LOSS,
        EventKind.LINE_CROSSING,
    )
    assert not cameras[1].may(Capability.PTZ)  # caps say Pan=false
    assert cameras[2].has(Capability.PTZ)
    assert not cameras[2].has(Capability.PTZ_PRESETS)  # PresetMax=0
    assert not cameras[3].has(Capability.PTZ)
    assert Capability.PTZ in cameras[3].maybe  # caps could not be read
    assert all(not finder for finder in nvr.open_finders)
    # Probed once: a second listing asks only for the channel titles again.
    before = len(nvr.log)
    await client.async_get_cameras()
    assert nvr.log[before:] == ["/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle"]
    assert await client.async_get_camera_ids() == ["1", "2", "3", "4"]
    assert client.realtime_groups(cameras) == {f"amcrest-{nvr.serial}": ("1", "2", "3", "4")}
    assert_no_password(caplog, nvr)


async def test_single_camera_quirks(
    camera: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    camera.exposure_events = None
    camera.model = "AD410"
    camera.override[("magicBox.cgi", "getDeviceType")] = (200, "type=IP Camera\r\n")
    camera.override[("magicBox.cgi", "getSerialNo")] = (200, "SN=AMC0000CAMERA0001\r\n")
    camera.override[("magicBox.cgi", "getVendor")] = (400, "Error\r\nBad Request!\r\n")
    client = client_for(camera, session)
    assert await client.async_get_camera_ids() == ["1"]
    cameras = await client.async_get_cameras()
    assert len(cameras) == 1
    cam = cameras[0]
    assert cam.parent is None
    assert cam.name == "FrontDoorCam"
    assert cam.model == "AD410"  # from getSystemInfo, getDeviceType said "IP Camera"
    assert cam.manufacturer == "Amcrest"
    assert "_DoTalkAction_" in cam.event_codes
    assert "VideoMotion" in cam.event_codes
    assert EventKind.MOTION in cam.event_types
    assert EventKind.RING not in cam.event_types  # a press is a moment, not a state
    assert client.realtime_groups([]) == {}


async def test_digest_with_stale_nonce(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    await client.async_get_account()
    refused = nvr.unauthorized
    nvr.expire_nonces()
    status = await client.async_get_status([])
    assert status == {}
    assert nvr.unauthorized == refused + 1  # one stale challenge, answered at once
    # A stale answer to every nonce never settles: not a wrong password.
    nvr.nonce_ttl = -1
    with pytest.raises(CannotConnect):
        await client.async_get_status([])


async def test_basic_only_device(camera: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    camera.basic_only = True
    client = client_for(camera, session)
    account = await client.async_get_account()
    assert account.unique_id == camera.serial
    # Newer firmware asks for Digest again: the client follows.
    camera.basic_only = False
    assert (await client.async_get_status([])) == {}
    camera.basic_only = True
    camera.password = "changed"
    with pytest.raises(AuthError):
        await client.async_get_status([])


async def test_basic_only_device_takes_any_password_without_deprecation(
    camera: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    # Basic credentials are sent in UTF-8 as aiohttp encodes them, and without the calls
    # aiohttp 3.14 deprecates (BasicAuth, auth=).
    camera.basic_only = True
    camera.password = "pässwörd€"
    client = client_for(camera, session)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        account = await client.async_get_account()
    assert account.unique_id == camera.serial


async def test_spurious_401_is_not_a_wrong_password(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    await client.async_get_account()
    nvr.spurious_401 = 2  # the middleware's retry is refused too: one refused call
    await client.async_get_status([])
    nvr.spurious_401 = 4
    await client.async_get_status([])
    nvr.spurious_401 = 100
    with pytest.raises(AuthError):
        await client.async_get_status([])


async def test_wrong_password(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    password = nvr.password
    nvr.password = "other"
    client = AmcrestClient(session, nvr.host, nvr.username, password, port=nvr.port)
    with pytest.raises(AuthError) as err:
        await client.async_get_account()
    assert password not in str(err.value)
    # Checking a typed password: one refused login (challenge + answer), no more, since
    # devices lock a user out after a few failures.
    assert nvr.requests["magicBox.getSerialNo"] == 2
    # A running entry is more patient: refusals happen under load.
    with pytest.raises(AuthError):
        await client.async_get_cameras()
    assert nvr.requests["magicBox.getSerialNo"] == 2 + 2 * amcrest.AUTH_ATTEMPTS
    assert_no_password(caplog, nvr)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("500", CannotConnect),
        ("html", BadResponse),
        ("error", VendorError),
        ("bad_request", NotSupported),
    ],
)
async def test_faults_are_typed(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, fault: str, error: type[Exception]
) -> None:
    nvr.fail = fault
    client = client_for(nvr, session)
    with pytest.raises(error) as err:
        await client.async_get_account()
    assert nvr.password not in str(err.value)
    if fault == "error":
        assert isinstance(err.value, VendorError)
        assert err.value.code == 5


async def test_odd_answers(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    nvr.override[("magicBox.cgi", "getSerialNo")] = (200, "nothing=here\r\n")
    with pytest.raises(BadResponse):
        await client.async_get_account()
    nvr.override[("magicBox.cgi", "getSerialNo")] = (403, "Forbidden")
    with pytest.raises(NotSupported):
        await client.async_get_account()
    nvr.override[("magicBox.cgi", "getSerialNo")] = (302, "")
    with pytest.raises(BadResponse):
        await client.async_get_account()
    nvr.override[("magicBox.cgi", "getSerialNo")] = (200, "Error\r\nErrorID=3, Detail=Method!")
    with pytest.raises(NotSupported):
        await client.async_get_account()


async def test_unreachable(closed_port: int, session: aiohttp.ClientSession) -> None:
    client = AmcrestClient(session, "127.0.0.1", "admin", "pa:ss", port=closed_port)
    with pytest.raises(CannotConnect) as err:
        await client.async_get_account()
    assert "pa:ss" not in str(err.value)
    assert client.scrub("x pa:ss pa%3Ass") == "x **REDACTED** **REDACTED**"


# -- live ----------------------------------------------------------------------------------


async def test_stream_source_and_status(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    cameras = await client.async_get_cameras()
    before = len(nvr.log)
    source = await client.async_get_stream_source("3")
    assert len(nvr.log) == before  # no request once probed
    assert source.kind is StreamKind.RTSP
    assert source.url == (
        f"rtsp://admin:s3cret%3Ap%40ss%2Fw0rd@{nvr.host}:{nvr.rtsp_port}"
        "/cam/realmonitor?channel=3&subtype=0"
    )
    assert nvr.password not in repr(source)
    status = await client.async_get_status(cameras)
    assert set(status) == {"1", "2", "3", "4"}
    assert all(s.online for s in status.values())
    assert all(s.record_mode is RecordMode.AUTO for s in status.values())
    # The first status takes the record modes the probe just read; later ones ask.
    assert nvr.log[-1].startswith("/cgi-bin/global.cgi?action=getCurrentTime")
    nvr.record_modes[0] = 1
    status = await client.async_get_status(cameras)
    assert status["1"].record_mode is RecordMode.MANUAL
    assert nvr.log[-2].startswith("/cgi-bin/global.cgi?action=getCurrentTime")
    assert nvr.log[-1].endswith("getConfig&name=RecordMode")
    sub = client_for(nvr, session, substream=True)
    url = (await sub.async_get_stream_source("1")).url
    assert url.endswith("channel=1&subtype=1")
    with pytest.raises(NotFound):
        await client.async_get_stream_source("0")


async def test_snapshots(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    await client.async_get_cameras()
    images = await asyncio.gather(*(client.async_get_snapshot("2") for _ in range(3)))
    assert all(image.startswith(b"\xff\xd8") for image in images)
    snaps = [line for line in nvr.log if line.startswith("/cgi-bin/snapshot.cgi")]
    assert set(snaps) == {"/cgi-bin/snapshot.cgi?channel=2"}
    with pytest.raises(NotSupported):
        await client.async_get_snapshot("9")
    nvr.override[("snapshot.cgi", "")] = (200, "<html>busy</html>")
    with pytest.raises(BadResponse):
        await client.async_get_snapshot("1")
    nvr.override[("snapshot.cgi", "")] = (200, "")
    with pytest.raises(amcrest.Unavailable):
        await client.async_get_snapshot("1")
    nvr.override[("snapshot.cgi", "")] = (503, "busy")
    with pytest.raises(CannotConnect):
        await client.async_get_snapshot("1")
    nvr.override[("snapshot.cgi", "")] = (404, "none")
    with pytest.raises(NotSupported):
        await client.async_get_snapshot("1")


async def test_snapshot_channel_zero_probe(
    camera: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    camera.snapshot_zero_based = True
    client = client_for(camera, session)
    await client.async_get_cameras()
    assert (await client.async_get_snapshot("1")).startswith(b"\xff\xd8")
    assert (await client.async_get_snapshot("1")).startswith(b"\xff\xd8")
    snaps = [line for line in camera.log if line.startswith("/cgi-bin/snapshot.cgi")]
    assert snaps == [
        "/cgi-bin/snapshot.cgi?channel=1",
        "/cgi-bin/snapshot.cgi?channel=0",
        "/cgi-bin/snapshot.cgi?channel=0",
    ]


# -- events ----------------------------------------------------------------------------------


async def test_event_stream(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    cameras = await client.async_get_cameras()
    ids = client.realtime_groups(cameras)[f"amcrest-{nvr.serial}"]
    nvr.split_writes = 7
    feed = Feed(client, ids)
    feed.start()
    await asyncio.wait_for(feed.connected.wait(), 5)
    # On connect every stateful code is read back: nothing active, all reported ended.
    resync = await feed.wait(4 * 2)  # VideoMotion and VideoLoss, 4 channels
    assert all(u.event is not None and u.event.end is not None for u in resync)
    assert all(u.event is not None and u.event.resync for u in resync)
    assert {u.event.kind for u in resync if u.event} == {EventKind.MOTION, EventKind.VIDEO_LOSS}
    feed.updates.clear()
    await asyncio.sleep(0.15)  # a few heartbeats
    assert feed.updates == []
    nvr.emit("VideoMotion", "Start", 0, {"Id": [0], "RegionName": ["Region1"], "Note": "a=b;c"})
    nvr.emit("VideoMotion", "Start", 2)
    nvr.emit("VideoMotion", "Stop", 0)
    nvr.emit("_DoTalkAction_", "Pulse", 1, {"Action": "Invite"}, capitalised=True)
    nvr.emit("VideoMotion", "Start", 9)  # a channel not followed
    nvr.send_raw(b"--myboundary\r\nContent-Length: 9\r\n\r\nno=code\r\n")
    updates = await feed.wait(4)
    first, second, stop, press = (u.event for u in updates[:4])
    assert first is not None
    assert second is not None
    assert stop is not None
    assert press is not None
    assert (first.camera_id, first.type, first.end) == ("1", "VideoMotion", None)
    assert first.kind is EventKind.MOTION  # the code stays the type; the kind says what it is
    assert first.data["RegionName"] == "Region1"
    assert first.data["Note"] == "a=b;c"
    assert first.data["action"] == "Start"
    assert second.camera_id == "3"
    assert stop.camera_id == "1"
    assert stop.end is not None
    assert stop.id == first.id
    assert stop.start == first.start
    assert press.camera_id == "2"
    assert press.type == "_DoTalkAction_"
    assert press.kind is None  # an action, not a state: it only fires the alert entity
    assert press.data["Action"] == "Invite"
    assert press.start == press.end
    await asyncio.sleep(0.1)
    # The press is told once more as what it means: a ring.
    assert len(feed.updates) == 5
    ring = feed.updates[4].event
    assert ring is not None
    assert (ring.camera_id, ring.type, ring.id) == ("2", "ring", press.id)
    assert ring.kind is EventKind.RING
    # The device drops the stream: the feed ends (the caller reconnects).
    nvr.drop_stream()
    assert feed.task is not None
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(feed.task, 5)


async def test_reconnect_resyncs_active_events(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    cameras = await client.async_get_cameras()
    ids = tuple(c.id for c in cameras)
    nvr.emit("VideoMotion", "Start", 1)  # active before we connect
    feed = Feed(client, ids)
    feed.start()
    updates = await feed.wait(8)
    active = [u.event for u in updates if u.event and u.event.end is None]
    assert len(active) == 1
    assert active[0] is not None
    assert (active[0].camera_id, active[0].type) == ("2", "VideoMotion")
    opened = active[0].id
    # The device reboots and forgets: on reconnect the event is ended with its own id.
    nvr.reboot()
    assert feed.task is not None
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(feed.task, 5)
    feed.updates.clear()
    feed.start()
    updates = await feed.wait(8)
    ended = [u.event for u in updates if u.event and u.event.camera_id == "2"]
    motion = next(e for e in ended if e is not None and e.type == "VideoMotion")
    assert motion.id == opened
    assert motion.end is not None
    # A reboot that keeps the state: still active, nothing opened twice.
    nvr.emit("VideoMotion", "Start", 3)
    await feed.wait(9)
    nvr.reboot(keep_state=True)
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(feed.task, 5)
    feed.updates.clear()
    feed.start()
    await feed.wait(7)
    await asyncio.sleep(0.1)
    assert not any(
        u.event and (u.event.camera_id, u.event.type) == ("4", "VideoMotion") for u in feed.updates
    )
    assert len(feed.updates) == 7
    await feed.stop()


async def test_silent_stream_is_dead(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        amcrest, "REALTIME_TIMEOUT", aiohttp.ClientTimeout(total=None, sock_read=0.3)
    )
    client = client_for(nvr, session)
    nvr.silent = True
    with pytest.raises(CannotConnect, match="silent"):
        await client.async_run_realtime("k", ("1",), lambda: None, lambda u: None)


async def test_attach_refused(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    nvr.override[("eventManager.cgi", "attach")] = (400, "Error\r\nBad Request!\r\n")
    with pytest.raises(NotSupported):
        await client.async_run_realtime("k", ("1",), lambda: None, lambda u: None)
    nvr.override[("eventManager.cgi", "attach")] = (200, "OK\r\n")
    with pytest.raises(BadResponse):
        await client.async_run_realtime("k", ("1",), lambda: None, lambda u: None)
    nvr.override[("eventManager.cgi", "attach")] = (502, "gateway")
    with pytest.raises(CannotConnect):
        await client.async_run_realtime("k", ("1",), lambda: None, lambda u: None)
    nvr.override[("eventManager.cgi", "attach")] = (403, "forbidden")
    with pytest.raises(NotSupported):
        await client.async_run_realtime("k", ("1",), lambda: None, lambda u: None)


async def test_stream_that_ends(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    nvr.override[("eventManager.cgi", "getEventIndexes")] = (500, "oops")
    connected: list[bool] = []
    task = asyncio.create_task(
        client.async_run_realtime("k", ("1",), lambda: connected.append(True), lambda u: None)
    )
    await wait_for(lambda: nvr.stream_count > 0)
    for queue, _ in list(nvr._streams):
        queue.put_nowait(None)  # the device ends the stream cleanly
    await asyncio.wait_for(task, 5)
    assert connected == [True]


# -- PTZ and record mode -------------------------------------------------------------------


async def test_ptz_commands(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    await client.async_get_cameras()
    await client.async_ptz_start("3", PtzDirection.UP)
    await client.async_ptz_stop("3")
    await client.async_ptz_start("1", PtzDirection.ZOOM_IN)
    await client.async_ptz_start("1", PtzDirection.LEFT)  # stops the zoom first
    await client.async_ptz_stop("1")
    await client.async_ptz_stop("1")  # nothing moving: nothing sent
    await client.async_ptz_move("1", PtzDirection.ZOOM_OUT, 0.01)
    assert nvr.ptz_log() == [
        f"{PTZ}start&channel=3&code=Up&arg1=0&arg2=5&arg3=0",
        f"{PTZ}stop&channel=3&code=Up&arg1=0&arg2=5&arg3=0",
        f"{PTZ}start&channel=1&code=ZoomTele&arg1=0&arg2=0&arg3=0",
        f"{PTZ}stop&channel=1&code=ZoomTele&arg1=0&arg2=0&arg3=0",
        f"{PTZ}start&channel=1&code=Left&arg1=0&arg2=5&arg3=0",
        f"{PTZ}stop&channel=1&code=Left&arg1=0&arg2=5&arg3=0",
        f"{PTZ}start&channel=1&code=ZoomWide&arg1=0&arg2=0&arg3=0",
        f"{PTZ}stop&channel=1&code=ZoomWide&arg1=0&arg2=0&arg3=0",
    ]
    presets = await client.async_list_presets("1")
    assert presets == [("1", "Gate"), ("2", "Porch")]
    assert presets[0].name == "Gate"
    await client.async_goto_preset("1", "2")
    assert nvr.ptz_log()[-1] == f"{PTZ}start&channel=1&code=GotoPreset&arg1=0&arg2=2&arg3=0"
    with pytest.raises(NotFound):
        await client.async_goto_preset("1", "zero")
    with pytest.raises(NotSupported):
        await client.async_ptz_start("2", PtzDirection.DOWN)


async def test_record_mode(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    client = client_for(nvr, session)
    assert await client.async_get_record_mode("2") is RecordMode.AUTO
    await client.async_set_record_mode("2", RecordMode.MANUAL)
    assert nvr.log[-1] == "/cgi-bin/configManager.cgi?action=setConfig&RecordMode[1].Mode=1"
    assert nvr.record_modes[1] == 1
    assert await client.async_get_record_mode("2") is RecordMode.MANUAL
    await client.async_set_record_mode("2", RecordMode.OFF)
    assert await client.async_get_record_mode("2") is RecordMode.OFF
    with pytest.raises(BadResponse):
        await client.async_get_record_mode("7")
    with pytest.raises(VendorError):
        await client.async_set_record_mode("7", RecordMode.AUTO)


# -- recordings ----------------------------------------------------------------------------


async def test_recordings_across_pages(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    await client.async_get_cameras()
    nvr.finders.clear()
    items = await client.async_list_media("1", MediaKind.RECORDING)
    assert len(items) == 150
    assert items[0].start is not None
    assert items[-1].start is not None
    assert items[0].start > items[-1].start  # newest first
    assert items[0].start.tzinfo is UTC
    assert nvr.open_finders == []
    (finder,) = nvr.finders.values()
    assert finder.pages == 3  # 100, 50, then found=0
    # What the device said (Events[0]=VideoMotion, Flags[0]=Timing), as shared words.
    motion = [item for item in items if item.event is EventKind.MOTION]
    assert len(motion) == 50
    assert {item.cause for item in motion} == {RecordingCause.EVENT}
    scheduled = [item for item in items if item.event is None]
    assert {item.cause for item in scheduled} == {RecordingCause.SCHEDULED}
    assert all(item.camera_time for item in items)
    assert items[0].mime_type == "video/mp4"
    assert items[0].duration_seconds == 480
    events = await client.async_list_media("1", MediaKind.EVENT)
    assert len(events) == 50
    assert all(item.kind is MediaKind.EVENT for item in events)
    dav = await client.async_list_media("2", MediaKind.RECORDING)
    assert dav[0].mime_type == DAV_MIME
    search = next(line for line in nvr.log if "findFile" in line)
    assert "condition.Channel=1&condition.StartTime=" in search
    assert "%20" in search
    assert "condition.Types[0]=dav" in search
    assert nvr.open_finders == []
    with pytest.raises(NotSupported):
        await client.async_list_media("1", MediaKind.TIMELAPSE)


async def test_recording_flags_and_events_become_words_never_codes(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    """Flags and event codes the notes list become a cause or kind; others become nothing."""
    client = client_for(nvr, session)
    base = {
        "FilePath": "/mnt/sd/2026-12-03/001/dav/14/14.00.00-14.05.00[R][0@0][0].dav",
        "StartTime": "2026-12-03 14:00:00",
        "EndTime": "2026-12-03 14:05:00",
    }
    cases: list[tuple[dict[str, str], EventKind | None, RecordingCause | None]] = [
        ({"Flags[0]": "Timing"}, None, RecordingCause.SCHEDULED),
        ({"Flags[0]": "Manual"}, None, RecordingCause.MANUAL),
        ({"Flags[0]": "Marker"}, None, RecordingCause.MARKED),
        (
            {"Flags[0]": "Alarm", "Events[0]": "AlarmLocal"},
            EventKind.ALARM_INPUT,
            RecordingCause.ALARM,
        ),
        ({"Flags[0]": "Mosaic", "Flags[1]": "Event"}, None, RecordingCause.EVENT),
        (
            {"Events[0]": "FaceDetection", "Events[1]": "CrossLineDetection"},
            EventKind.LINE_CROSSING,
            RecordingCause.EVENT,
        ),
        ({"Events[0]": "FaceDetection"}, None, RecordingCause.EVENT),
        ({"Flags[0]": "Cutout"}, None, None),
    ]
    for extra, event, cause in cases:
        item = client._item(base | extra, MediaKind.RECORDING)
        assert item is not None
        assert (item.event, item.cause) == (event, cause), extra
        assert item.title == "Recording"
        assert item.camera_time


async def test_recordings_by_day_and_time_zone(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session, time_zone="Europe/Berlin")
    await client.async_get_cameras()
    day = nvr.files[1][-1].start.date()
    expected = [f for f in nvr.files[1] if f.start.date() == day]  # a file belongs to its first day
    items = await client.async_list_media_day("1", MediaKind.RECORDING, day)
    assert len(items) == len(expected)
    assert items[0].start is not None
    assert items[0].start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert items[0].start.replace(tzinfo=None) == max(f.start for f in expected)
    nothing = await client.async_list_media_day(
        "1", MediaKind.RECORDING, (datetime.now(UTC) - timedelta(days=30)).date()
    )
    assert nothing == []
    assert nvr.open_finders == []
    with pytest.raises(NotSupported):
        await client.async_list_media_day("1", MediaKind.TIMELAPSE, day)


async def test_finder_cleaned_up_on_errors(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    await client.async_get_cameras()
    nvr.findnext_fail_after = 1
    with pytest.raises(CannotConnect):
        await client.async_list_media("1", MediaKind.RECORDING)
    assert nvr.open_finders == []
    nvr.findnext_fail_after = None
    # A device whose close fails: destroy is still sent.
    nvr.override[("mediaFileFind.cgi", "close")] = (500, "oops")
    await client.async_list_media("3", MediaKind.RECORDING)
    newest = list(nvr.finders.values())[-1]
    assert newest.destroyed
    del nvr.override[("mediaFileFind.cgi", "close")]
    nvr.override[("mediaFileFind.cgi", "factory.create")] = (200, "nothing\r\n")
    with pytest.raises(BadResponse):
        await client.async_list_media("1", MediaKind.RECORDING)


async def test_finder_channel_zero_probe(
    camera: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    camera.finder_zero_based = True
    client = client_for(camera, session)
    await client.async_get_cameras()
    assert len(await client.async_list_media("1", MediaKind.RECORDING)) == 150
    assert len(await client.async_list_media("1", MediaKind.EVENT)) == 50
    searches = [line for line in camera.log if "findFile" in line]
    assert [s.split("condition.Channel=")[1][0] for s in searches] == ["1", "0", "0"]
    assert camera.open_finders == []


async def test_media_location_and_download(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession
) -> None:
    client = client_for(nvr, session)
    await client.async_get_cameras()
    items = await client.async_list_media("1", MediaKind.RECORDING)
    location = await client.async_get_media_location("1", MediaKind.RECORDING, items[0].id)
    assert location.mime_type == "video/mp4"
    assert "[M][0@0][0].mp4" in location.url or "[R][0@0][0].mp4" in location.url
    assert nvr.password not in repr(location)
    resp = await client.async_open_media(location, {"Range": "bytes=0-99"})
    try:
        assert resp.status == 206
        body = await resp.read()
    finally:
        resp.release()
    assert len(body) == 100
    assert body[4:8] == b"ftyp"
    resp = await client.async_open_media(location, {})
    try:
        assert resp.status == 200
        assert (await resp.read())[4:8] == b"ftyp"
    finally:
        resp.release()
    dav = (await client.async_list_media("2", MediaKind.RECORDING))[0]
    dav_location = await client.async_get_media_location("2", MediaKind.RECORDING, dav.id)
    assert dav_location.mime_type == DAV_MIME
    with pytest.raises(NotFound):
        await client.async_get_media_location("1", MediaKind.RECORDING, media_item_id("/no/file"))
    with pytest.raises(NotFound):
        await client.async_get_media_location("1", MediaKind.RECORDING, "%%%")
    with pytest.raises(NotSupported):
        await client.async_get_media_location("1", MediaKind.TIMELAPSE, items[0].id)


async def test_base_open_media(nvr: AmcrestSimulator, session: aiohttp.ClientSession) -> None:
    """The default async_open_media is a plain GET with the location's headers."""
    from custom_components.omnicam.vendors.base import VendorClient

    client = client_for(nvr, session)
    location = MediaLocation(url=f"{nvr.url}/cgi-bin/global.cgi?action=getCurrentTime")
    resp = await VendorClient.async_open_media(client, location, {"X-Test": "1"})
    assert resp.status == 401  # no digest: the device refuses
    resp.release()
    resp = await VendorClient.async_open_media(client, location, {}, aiohttp.ClientTimeout(total=5))
    resp.release()


async def test_odd_finder_rows_and_caps(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(amcrest, "MAX_PAGES", 3)
    nvr.override[("ptz.cgi", "getCurrentProtocolCaps")] = (200, "caps.PresetMax=1\r\n")
    client = client_for(nvr, session, time_zone="No/Such_Zone")
    cameras = await client.async_get_cameras()
    assert all(Capability.PTZ in c.maybe for c in cameras)
    nvr.override[("mediaFileFind.cgi", "findNextFile")] = (
        200,
        "found=2\r\nitems[0].FilePath=relative\r\nitems[1].FilePath=/a.jpg\r\n"
        "items[1].StartTime=yesterday\r\n",
    )
    items = await client.async_list_media("1", MediaKind.RECORDING)
    assert len(items) == 3
    assert all(i.start is None and i.mime_type == "image/jpeg" for i in items)
    assert items[0].title == "Recording"
    assert nvr.open_finders == []


async def test_timeouts_and_raw_data(
    nvr: AmcrestSimulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(nvr, session)
    await client.async_get_account()
    monkeypatch.setattr(amcrest, "REQUEST_TIMEOUT", aiohttp.ClientTimeout(total=0.3))
    nvr.fail = "timeout"
    with pytest.raises(CannotConnect, match="timed out"):
        await client.async_get_status([])
    nvr.fail = None
    updates: list[RealtimeUpdate] = []
    task = asyncio.create_task(client.async_run_realtime("k", ("1",), lambda: None, updates.append))
    # Without a camera list: the six default stateful codes are read back.
    await wait_for(lambda: len(updates) >= 6)
    nvr.send_raw(
        b"--myboundary\r\nContent-Length: 35\r\n\r\nCode=X;action=Pulse;index=0;data=no\r\n"
    )
    await wait_for(lambda: any(u.event and u.event.type == "X" for u in updates))
    event = next(u.event for u in updates if u.event and u.event.type == "X")
    assert event is not None
    assert event.data["data"] == "no"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
