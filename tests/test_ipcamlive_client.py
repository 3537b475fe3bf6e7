"""The IPCamLive client against the simulator: error codes and odd answers."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest

from custom_components.omnicam.vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    Unavailable,
    VendorError,
)
from custom_components.omnicam.vendors.ipcamlive import (
    IPCamLiveClient,
    format_pin_codes,
    parse_pin_codes,
    plain_name,
)
from custom_components.omnicam.vendors.models import Capability, MediaKind, PinCode
from tests.simulators.ipcamlive import IPCamLiveSimulator


@pytest.fixture
async def client(ipcamlive: IPCamLiveSimulator) -> AsyncGenerator[IPCamLiveClient]:
    async with aiohttp.ClientSession() as session:
        yield IPCamLiveClient(session, ipcamlive.secret, ipcamlive.url)


def test_plain_names() -> None:
    assert plain_name("<b>Parking &amp; Gate</b>", "x") == "Parking & Gate"
    assert plain_name("<i></i>  ", "55c9") == "55c9"
    assert plain_name("Two\n  lines", "x") == "Two lines"


def test_pin_code_format() -> None:
    assert parse_pin_codes("6108:Pin-1;8471:Pin-2;") == (
        PinCode("6108", "Pin-1"),
        PinCode("8471", "Pin-2"),
    )
    assert parse_pin_codes(None) == ()
    assert format_pin_codes([PinCode("6108", "Pin-1"), PinCode("8471")]) == "6108:Pin-1;8471"
    assert "6108" not in repr(PinCode("6108", "Pin-1"))


async def test_capabilities_follow_the_plan(client: IPCamLiveClient) -> None:
    cameras = {camera.id: camera for camera in await client.async_get_cameras()}
    assert cameras["55c9f405218d1"].has(Capability.PIN_LOCK)
    assert cameras["55c9f405218d1"].has(Capability.TIMELAPSE)
    assert not cameras["55f1d712e8195"].has(Capability.PIN_LOCK)
    assert not cameras["55f1d712e8195"].has(Capability.TIMELAPSE)
    assert cameras["5a0c1b2d3e4f5"].capabilities == frozenset(
        {
            Capability.LIVE_STREAM,
            Capability.SNAPSHOT,
            Capability.STREAM_STATE,
            Capability.SERVER_STATE,
            Capability.SERVICE_LEVEL,
        }
    )
    # Offline camera: stream info cannot be probed now, so it is kept.
    assert cameras["5b9e8d7c6b5a4"].has(Capability.STREAM_INFO)
    assert cameras["5b9e8d7c6b5a4"].enabled is False


async def test_probing_happens_once(client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator) -> None:
    await client.async_get_cameras()
    probes = ipcamlive.requests["getcamerapins"]
    await client.async_get_cameras()
    assert ipcamlive.requests["getcamerapins"] == probes


async def test_status_and_slow_refresh(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    cameras = await client.async_get_cameras()
    status = await client.async_get_status(cameras)
    garden = status["55c9f405218d1"]
    assert garden.stream_connected is True
    assert garden.server_online is True
    assert garden.service_level == "professional"
    assert garden.stream_info is not None
    assert garden.stream_info.resolution == "1280x720"
    assert garden.storage is not None
    assert garden.storage.file_count == 6
    storage_calls = ipcamlive.requests["getcamerastorageinfo"]
    await client.async_get_status(cameras)
    assert ipcamlive.requests["getcamerastorageinfo"] == storage_calls


async def test_status_survives_one_broken_camera(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    cameras = await client.async_get_cameras()
    del ipcamlive.cameras["5a0c1b2d3e4f5"]
    status = await client.async_get_status(cameras)
    assert "5a0c1b2d3e4f5" not in status
    assert "55c9f405218d1" in status


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("500", CannotConnect),
        ("malformed", BadResponse),
        ("html", BadResponse),
        ("envelope", BadResponse),
    ],
)
async def test_faults_are_typed(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator, fault: str, error: type[Exception]
) -> None:
    ipcamlive.fail = fault
    with pytest.raises(error) as err:
        await client.async_get_account()
    assert ipcamlive.secret not in str(err.value)


async def test_error_codes(client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator) -> None:
    with pytest.raises(NotSupported):
        await client.async_get_media_location("5a0c1b2d3e4f5", MediaKind.TIMELAPSE, "longlapse")
    with pytest.raises(NotSupported):
        await client.async_list_media("55c9f405218d1", MediaKind.EVENT)
    with pytest.raises(NotSupported):
        await client.async_get_media_location("55c9f405218d1", MediaKind.EVENT, "1")
    with pytest.raises(NotFound):
        await client.async_get_stream_source("no-such-alias")
    ipcamlive.cameras["55c9f405218d1"].connected = False
    with pytest.raises(Unavailable):
        await client._call("getstreaminfo", alias="55c9f405218d1")
    with pytest.raises(VendorError):
        await client._call("getcamerastate")
    ipcamlive.secret = "rotated"
    with pytest.raises(AuthError):
        await client.async_get_stream_source("55c9f405218d1")


async def test_unknown_error_code(client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator) -> None:
    # Make one function answer with an error code the document does not list.
    original = ipcamlive._fn_getcamerastate
    ipcamlive._fn_getcamerastate = lambda request, cam: ipcamlive._err(-7)  # type: ignore[method-assign]
    try:
        with pytest.raises(VendorError) as err:
            await client._call("getcamerastate", alias="55c9f405218d1")
        assert err.value.code == -7
    finally:
        ipcamlive._fn_getcamerastate = original  # type: ignore[method-assign]


async def test_unreachable(closed_port: int) -> None:
    async with aiohttp.ClientSession() as session:
        client = IPCamLiveClient(session, "secret-value", f"http://127.0.0.1:{closed_port}")
        with pytest.raises(CannotConnect) as err:
            await client.async_get_account()
    assert "secret-value" not in str(err.value)


async def test_account_title_names_its_cameras_or_its_server(
    client: IPCamLiveClient, ipcamlive: IPCamLiveSimulator
) -> None:
    assert (await client.async_get_account()).title == (
        "IPCamLive: Front Garden, Old Barn and 2 more"
    )
    for alias in list(ipcamlive.cameras)[2:]:
        del ipcamlive.cameras[alias]
    assert (await client.async_get_account()).title == "IPCamLive: Front Garden, Parking & Gate"
    ipcamlive.cameras.clear()
    assert (await client.async_get_account()).title == "IPCamLive (127.0.0.1)"
    async with aiohttp.ClientSession() as session:
        default = IPCamLiveClient(session, "secret")
        assert default._title([]) == "IPCamLive"
