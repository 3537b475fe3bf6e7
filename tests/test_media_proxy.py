"""The media proxy view: what the browser gets when the storage server misbehaves."""

from __future__ import annotations

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam import views
from custom_components.omnicam.vendors.models import MediaKind
from tests.conftest import assert_no_secret
from tests.simulators.ipcamlive import IPCamLiveSimulator
from tests.simulators.media import mp4_clip

GARDEN = "55c9f405218d1"


def _path(entry: MockConfigEntry, file_id: str = "141600", camera: str = GARDEN) -> str:
    return views.media_path(entry, camera, MediaKind.RECORDING, file_id)


async def test_full_clip_and_headers(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 200
    assert await response.read() == mp4_clip()
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert ipcamlive.requests["storage_file"] == 1


async def test_storage_404_is_404(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    ipcamlive.storage_fail = "404"
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 404
    assert ipcamlive.requests["storage_file"] == 1


async def test_storage_500_is_bad_gateway(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    ipcamlive.storage_fail = "500"
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 502
    assert ipcamlive.requests["storage_file"] == 1
    # Once the storage server recovers, the same (cached) location plays.
    ipcamlive.storage_fail = None
    response = await client.get(_path(loaded_entry))
    assert response.status == 200
    assert await response.read() == mp4_clip()


@pytest.mark.timeout(10)  # a proxy that kept the connection open would hang the player
async def test_truncated_body_gives_short_answer(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    ipcamlive.storage_fail = "truncate"
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 200
    try:
        body = await response.read()
    except aiohttp.ClientPayloadError:
        pass
    else:
        assert len(body) < len(mp4_clip())
    assert "broke off" in caplog.text
    # The proxy survived: the next request is served in full.
    ipcamlive.storage_fail = None
    response = await client.get(_path(loaded_entry))
    assert response.status == 200
    assert await response.read() == mp4_clip()


async def test_range_beyond_end_is_416(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    total = len(mp4_clip())
    client = await hass_client()
    response = await client.get(_path(loaded_entry), headers={"Range": f"bytes={total + 10}-"})
    assert response.status == 416
    assert response.headers["Content-Range"] == f"bytes */{total}"
    # A satisfiable range of the same item is passed through.
    response = await client.get(_path(loaded_entry), headers={"Range": f"bytes={total - 10}-"})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes {total - 10}-{total - 1}/{total}"
    assert await response.read() == mp4_clip()[-10:]


async def test_storage_unreachable_is_bad_gateway(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ipcamlive.storage_base = f"http://127.0.0.1:{closed_port}"
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 502
    assert "not reachable" in caplog.text
    assert ipcamlive.requests["storage_file"] == 0
    assert_no_secret(caplog, ipcamlive.secret)


async def test_unloaded_entry_is_404(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await hass_client()
    assert (await client.get(_path(loaded_entry))).status == 200
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    listed = ipcamlive.requests["getcamerastoragefiles"]
    response = await client.get(_path(loaded_entry))
    assert response.status == 404
    # Refused before asking the vendor or the storage server anything.
    assert ipcamlive.requests["getcamerastoragefiles"] == listed
    assert ipcamlive.requests["storage_file"] == 1


async def test_location_is_cached(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await hass_client()
    listed = ipcamlive.requests["getcamerastoragefiles"]
    for _ in range(2):
        assert (await client.get(_path(loaded_entry))).status == 200
    assert ipcamlive.requests["getcamerastoragefiles"] == listed + 1
    assert ipcamlive.requests["storage_file"] == 2


async def test_location_cache_expires(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = await hass_client()
    listed = ipcamlive.requests["getcamerastoragefiles"]
    for file_id in ("141600", "141601"):
        assert (await client.get(_path(loaded_entry, file_id))).status == 200
    assert ipcamlive.requests["getcamerastoragefiles"] == listed + 2
    cache = loaded_entry.runtime_data.media_locations
    assert set(cache) == {
        (GARDEN, "media:recording", "141600"),
        (GARDEN, "media:recording", "141601"),
    }

    # The storage server moves a file: while remembered, its old place is asked for.
    ipcamlive.cameras[GARDEN].files[1]["name"] = "moved.mp4"
    assert (await client.get(_path(loaded_entry, "141601"))).status == 404
    assert ipcamlive.requests["getcamerastoragefiles"] == listed + 2

    # Once every remembered location is out of date, it is looked up again.
    monkeypatch.setattr(views, "MEDIA_LOCATION_CACHE_SECONDS", 0)
    response = await client.get(_path(loaded_entry, "141601"))
    assert response.status == 200
    assert await response.read() == mp4_clip()
    assert ipcamlive.requests["getcamerastoragefiles"] == listed + 3
    # Stale entries are dropped, so the cache does not grow without end.
    assert set(cache) == {(GARDEN, "media:recording", "141601")}
    assert cache[GARDEN, "media:recording", "141601"][1].url.endswith("/moved.mp4")


async def test_untyped_answer_gets_the_item_type(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    ipcamlive.storage_fail = "empty"
    client = await hass_client()
    response = await client.get(_path(loaded_entry))
    assert response.status == 200
    # The storage server named no type: the proxy names the recording's.
    assert response.headers["Content-Type"] == "video/mp4"
    assert await response.read() == b""
