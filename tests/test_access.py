"""Who may see what: users, signed media ids, the live relay and redirects."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging
from unittest.mock import MagicMock

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from homeassistant.auth.models import Credentials
from homeassistant.components import media_source
from homeassistant.components.camera import async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockGroup,
    MockUser,
)

from custom_components.omnicam.access import media_signature
from custom_components.omnicam.const import CONF_MEDIA_KEY, DOMAIN, LIVE_KEY_IDLE_SECONDS
from custom_components.omnicam.vendors import amcrest
from custom_components.omnicam.vendors.amcrest import media_item_id
from custom_components.omnicam.vendors.models import MediaKind
from custom_components.omnicam.views import LIVE_RELAYS, LiveRelay, _local_caller, media_path
from tests.conftest import amcrest_entry, videoloft_entry
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.ipcamlive import IPCamLiveSimulator
from tests.simulators.videoloft import VideoloftSimulator

GARDEN = "55c9f405218d1"
PARKING = "55f1d712e8195"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the Amcrest client retry a refused login at once."""
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)


async def _token_of(hass: HomeAssistant, user: MockUser) -> tuple[str, str]:
    """Return an access token of the user and its refresh token's id."""
    credential = Credentials(
        id=f"cred-{user.id}",
        auth_provider_type="homeassistant",
        auth_provider_id=None,
        data={"username": user.id},
        is_new=False,
    )
    user.credentials.append(credential)
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID, credential=credential)
    return hass.auth.async_create_access_token(refresh), refresh.id


def _user_allowed(hass: HomeAssistant, *entity_ids: str) -> MockUser:
    """Return a non-admin user whose group may read only these entities."""
    group = MockGroup(name="Garden only")
    group.policy = {"entities": {"entity_ids": dict.fromkeys(entity_ids, True)}}
    group.add_to_hass(hass)
    return MockUser(name="Neighbour", groups=[group]).add_to_hass(hass)


async def _resolve(ws, content_id: str) -> str:  # type: ignore[no-untyped-def]
    await ws.send_json_auto_id(
        {"type": "media_source/resolve_media", "media_content_id": content_id}
    )
    response = await ws.receive_json()
    assert response["success"], response
    url: str = response["result"]["url"]
    return url


async def test_user_without_the_camera_gets_403(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_ws_client,  # type: ignore[no-untyped-def]
    hass_client,  # type: ignore[no-untyped-def]
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    hass_read_only_access_token: str,
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    user = _user_allowed(hass, "camera.front_garden")
    token, _ = await _token_of(hass, user)
    garden = media_path(loaded_entry, GARDEN, MediaKind.RECORDING, "141600")
    parking = media_path(loaded_entry, PARKING, MediaKind.RECORDING, "141600")

    # The Media browser hands this user signed links: the allowed camera plays...
    ws = await hass_ws_client(hass, token)
    base = f"media-source://{DOMAIN}/{loaded_entry.entry_id}"
    signature = media_signature(loaded_entry, GARDEN, "recording", "141600")
    signed = await _resolve(ws, f"{base}/{GARDEN}/recording/item/{signature}/141600")
    assert "authSig=" in signed
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(signed)
    assert response.status == 200
    assert (await response.read())[4:8] == b"ftyp"
    # ...another camera's recording does not, signed for this user or not.
    files = ipcamlive.requests["storage_file"]
    signature = media_signature(loaded_entry, PARKING, "recording", "141600")
    signed = await _resolve(ws, f"{base}/{PARKING}/recording/item/{signature}/141600")
    assert (await anonymous.get(signed)).status == 403
    client = await hass_client(token)
    assert (await client.get(parking)).status == 403
    assert (await client.get(parking.replace("/media/", "/thumbnail/"))).status == 403
    assert ipcamlive.requests["storage_file"] == files
    assert (await client.get(garden)).status == 200

    # Nobody logged in: 401. A user who may read everything, and the admin, are served.
    assert (await anonymous.get(parking)).status == 401
    reader = await hass_client(hass_read_only_access_token)
    assert (await reader.get(parking)).status == 200
    admin = await hass_client()
    assert (await admin.get(parking)).status == 200


async def test_camera_without_camera_entity_is_judged_by_its_device(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    registry = er.async_get(hass)
    camera = registry.async_get("camera.parking_gate")
    assert camera is not None
    others = [
        e.entity_id
        for e in er.async_entries_for_device(registry, camera.device_id)
        if e.entity_id != camera.entity_id
    ]
    assert others
    registry.async_remove("camera.parking_gate")
    parking = media_path(loaded_entry, PARKING, MediaKind.RECORDING, "141600")
    allowed = _user_allowed(hass, others[0])
    refused = _user_allowed(hass, "camera.front_garden")
    assert (
        await (await hass_client((await _token_of(hass, allowed))[0])).get(parking)
    ).status == 200
    assert (
        await (await hass_client((await _token_of(hass, refused))[0])).get(parking)
    ).status == 403


async def test_media_key_is_made_once_and_kept(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, loaded_entry: MockConfigEntry
) -> None:
    key = loaded_entry.data[CONF_MEDIA_KEY]
    assert len(key) >= 32
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.data[CONF_MEDIA_KEY] == key


# -- forged media ids --------------------------------------------------------------------


@pytest.fixture
async def nvrs(socket_enabled: None) -> AsyncGenerator[tuple[AmcrestSimulator, AmcrestSimulator]]:
    """Run two simulated recorders."""
    first = AmcrestSimulator(channels=2)
    second = AmcrestSimulator(channels=2, serial="AMC0000SECOND0001")
    await first.start()
    await second.start()
    yield first, second
    await first.stop()
    await second.stop()


async def _setup(hass: HomeAssistant, sim: AmcrestSimulator) -> MockConfigEntry:
    entry = amcrest_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_forged_amcrest_ids_never_reach_the_device(
    hass: HomeAssistant,
    nvrs: tuple[AmcrestSimulator, AmcrestSimulator],
    hass_client,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    nvr, other = nvrs
    entry = await _setup(hass, nvr)
    second = await _setup(hass, other)
    today = dt_util.now().date().isoformat()
    day = await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{entry.entry_id}/2/recording/{today}"
    )
    listed = day.children[0].identifier.split("/")
    signature, item_id = listed[4], listed[5]
    client = await hass_client()
    good = f"/api/omnicam/media/{entry.entry_id}/2/recording/{signature}/{item_id}"
    assert (await client.get(good)).status == 200
    loads = nvr.requests["RPC_Loadfile"], other.requests["RPC_Loadfile"]

    shadow = media_item_id("/etc/shadow")
    forged = [
        # A path of the device's own choosing, with no signature or a made-up one.
        f"{entry.entry_id}/1/recording/{'A' * 24}/{shadow}",
        f"{entry.entry_id}/1/recording/{signature}/{shadow}",
        # Channel 2's file asked for through channel 1 (a user allowed only channel 1).
        f"{entry.entry_id}/1/recording/{signature}/{item_id}",
        # The same file as an event, and through the other recorder's entry.
        f"{entry.entry_id}/2/event/{signature}/{item_id}",
        f"{second.entry_id}/2/recording/{signature}/{item_id}",
    ]
    caplog.clear()
    for path in forged:
        for part in ("media", "thumbnail"):
            response = await client.get(f"/api/omnicam/{part}/{path}")
            assert response.status == 404, path
    assert (nvr.requests["RPC_Loadfile"], other.requests["RPC_Loadfile"]) == loads
    # The refusal is logged, without what the caller wrote.
    ours = [r for r in caplog.records if r.name.startswith("custom_components.omnicam")]
    refusals = [r for r in ours if r.levelno >= logging.WARNING and "did not list" in r.message]
    assert len(refusals) == len(forged) * 2
    for record in ours:
        assert shadow not in record.getMessage()
        assert item_id not in record.getMessage()

    # Nor can a forged Media browser identifier be resolved.
    for ident in (
        f"{entry.entry_id}/1/recording/item/{signature}/{shadow}",
        f"{entry.entry_id}/1/recording/item/{signature}/{item_id}",
    ):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(hass, f"media-source://{DOMAIN}/{ident}", None)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_unload(second.entry_id)


async def test_amcrest_redirect_is_not_followed(
    hass: HomeAssistant,
    nvrs: tuple[AmcrestSimulator, AmcrestSimulator],
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    nvr, other = nvrs
    entry = await _setup(hass, nvr)
    path = "/mnt/dvr/2026-01-01/001/dav/00/00.00.00-00.01.00[R][0@0][0].dav"
    nvr.files[1][0].path = path
    nvr.loadfile_fail = "redirect"
    nvr.loadfile_redirect = f"{other.url}/cgi-bin/RPC_Loadfile{path}"
    client = await hass_client()
    response = await client.get(media_path(entry, "1", MediaKind.RECORDING, media_item_id(path)))
    assert response.status == 502
    assert other.requests["RPC_Loadfile"] == 0
    assert await hass.config_entries.async_unload(entry.entry_id)


# -- redirects -----------------------------------------------------------------------------


@pytest.fixture
async def elsewhere(socket_enabled: None) -> AsyncGenerator[tuple[str, list[str]]]:
    """Run a server that redirects everything to a second one, which counts what reaches it."""
    reached: list[str] = []

    async def collect(request: web.Request) -> web.Response:
        reached.append(request.path_qs)
        return web.Response(body=b"\x47" * 188, content_type="video/mp2t")

    target = web.Application()
    target.router.add_get("/{tail:.*}", collect)
    target_runner = web.AppRunner(target)
    await target_runner.setup()
    target_site = web.TCPSite(target_runner, "127.0.0.1", 0)
    await target_site.start()
    target_port = target_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.1:{target_port}{request.path_qs}")

    app = web.Application()
    app.router.add_get("/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", reached
    await runner.cleanup()
    await target_runner.cleanup()


async def test_vendor_redirect_to_another_host_is_not_followed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
    elsewhere: tuple[str, list[str]],
) -> None:
    redirector, reached = elsewhere
    ipcamlive.storage_base = redirector
    client = await hass_client()
    response = await client.get(media_path(loaded_entry, GARDEN, MediaKind.RECORDING, "141600"))
    assert response.status == 502
    assert reached == []


async def test_relay_follows_no_redirect(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    elsewhere: tuple[str, list[str]],
) -> None:
    redirector, reached = elsewhere
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    relay = hass.data[LIVE_RELAYS][camera._relay_key]
    relay.refresh = None  # pinned to where the test points it
    relay.start_live = None
    relay.upstream = f"{redirector}/manything/x/playlist.m3u8?userToken=t"
    client = await hass_client_no_auth()
    path = "/" + url.split("/", 3)[3]
    assert (await client.get(path)).status == 502
    segment = path.replace("playlist.m3u8", "segment1.ts")
    assert (await client.get(segment + "?userToken=mine&next=http://elsewhere")).status == 502
    assert reached == []


# -- the live relay ------------------------------------------------------------------------


async def test_relay_key_dies_with_its_stream(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    videoloft_loaded: MockConfigEntry,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    stream = await camera.async_create_stream()
    assert stream is not None
    first = stream.source
    key = camera._relay_key
    assert key in first
    client = await hass_client_no_auth()
    path = "/" + first.split("/", 3)[3]
    assert (await client.get(path)).status == 200
    # Read within the idle time, the key lives on.
    relay = hass.data[LIVE_RELAYS][key]
    relay.read_at -= LIVE_KEY_IDLE_SECONDS - 5
    assert (await client.get(path)).status == 200
    # The stream stopped; nobody read the key for the idle time: it is dead for good.
    relay.read_at -= LIVE_KEY_IDLE_SECONDS + 1
    assert (await client.get(path)).status == 404
    assert key not in hass.data[LIVE_RELAYS]
    assert (await client.get(path)).status == 404
    # A new session gets a new key, and Home Assistant's stream is given it.
    assert await camera.async_create_stream() is stream
    assert stream.source != first
    assert camera._relay_key != key
    assert (await client.get("/" + stream.source.split("/", 3)[3])).status == 200
    again = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert again == stream.source
    # The relay URL and its key are never in our logs.
    for record in caplog.records:
        if record.name.startswith("custom_components.omnicam"):
            assert key not in record.getMessage()
            assert camera._relay_key not in record.getMessage()
    await stream.stop()


async def test_relay_key_of_a_stream_that_retried_too_slowly_is_renewed(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "stream", {})
    camera = hass.data["camera"].get_entity("camera.garden_customer_1")
    stream = await camera.async_create_stream()
    assert stream is not None
    stream.add_provider("hls")
    first = stream.source
    hass.data[LIVE_RELAYS][camera._relay_key].read_at -= LIVE_KEY_IDLE_SECONDS + 1
    await camera._async_check_stream()
    assert stream.source != first
    assert hass.data[LIVE_RELAYS][camera._relay_key].alive()
    await stream.stop()


async def test_relay_refuses_callers_from_other_machines(
    hass: HomeAssistant,
    videoloft: VideoloftSimulator,
    hass_client_no_auth,  # type: ignore[no-untyped-def]
) -> None:
    assert await async_setup_component(
        hass,
        "http",
        {"http": {"use_x_forwarded_for": True, "trusted_proxies": ["127.0.0.1"]}},
    )
    entry = videoloft_entry(videoloft)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    url = await async_get_stream_source(hass, "camera.garden_customer_1")
    assert url is not None
    path = "/" + url.split("/", 3)[3]
    client = await hass_client_no_auth()
    # Through a proxy, for a caller on another machine: refused, the vendor not asked.
    tasks = list(videoloft.tasks)
    response = await client.get(path, headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status == 403
    assert videoloft.tasks == tasks
    # Home Assistant's own stream worker and go2rtc call from this machine.
    assert (await client.get(path)).status == 200
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("remote", "host", "local"),
    [
        ("127.0.0.1", None, True),
        ("::1", None, True),
        ("192.168.1.20", "192.168.1.20", True),
        ("fe80::1%eth0", "fe80::1", True),
        ("192.168.1.21", "192.168.1.20", False),
        ("192.168.1.21", None, False),
        ("192.168.1.21", "homeassistant.local", False),
        ("not-an-address", None, False),
        (None, None, False),
    ],
)
def test_relay_callers(remote: str | None, host: str | None, *, local: bool) -> None:
    transport = MagicMock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (remote, 0) if name == "peername" and remote else default
    )
    request = make_mocked_request("GET", "/", transport=transport)
    relay = LiveRelay("http://vendor.example/x/playlist.m3u8", host=host)
    assert _local_caller(request, relay) is local
