"""Amcrest DAV playback: bounded disk, no leftovers, one remux per file, copies held while sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path

from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.remux import Remuxer
from custom_components.omnicam.vendors import amcrest
from tests.conftest import amcrest_entry, wait_for
from tests.simulators import amcrest as simulator
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.media import dav_clip


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the Amcrest client retry a refused login at once."""
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)


@pytest.fixture
async def nvr(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    """Run a simulated recorder."""
    sim = AmcrestSimulator(channels=2)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def loaded(hass: HomeAssistant, nvr: AmcrestSimulator) -> MockConfigEntry:
    """Set up the recorder's entry and the Media browser."""
    assert await async_setup_component(hass, "media_source", {})
    entry = amcrest_entry(nvr)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _dav_urls(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    today = dt_util.now().date().isoformat()
    day = await media_source.async_browse_media(
        hass, f"media-source://{DOMAIN}/{entry.entry_id}/2/recording/{today}"
    )
    urls = []
    for child in day.children:
        play = await media_source.async_resolve_media(hass, child.media_content_id, None)
        urls.append(play.url)
    assert len(urls) >= 3
    return urls


def _key(url: str) -> tuple[str, ...]:
    """Return the remuxer's key of a proxy path: camera, kind, item."""
    parts = url.split("?", maxsplit=1)[0].split("/")
    return (parts[5], parts[6], parts[8])


def _remuxer(entry: MockConfigEntry) -> Remuxer:
    remuxer = entry.runtime_data.remuxer
    assert remuxer is not None
    return remuxer


def _files(remuxer: Remuxer) -> list[Path]:
    assert remuxer._folder is not None
    return sorted(remuxer._folder.iterdir())


async def test_copies_stay_under_the_cap_and_held_ones_stay(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    first, second, third = (await _dav_urls(hass, loaded))[:3]
    client = await hass_client()
    assert (await client.get(first)).status == 200
    remuxer = _remuxer(loaded)
    size = remuxer.disk_bytes()
    assert size > 0
    # Room for one copy (and for the download of one DAV file), not two.
    remuxer.MAX_BYTES = max(size, len(dav_clip())) + size // 2
    assert 2 * size > remuxer.MAX_BYTES
    assert (await client.get(second)).status == 200
    assert [p.suffix for p in _files(remuxer)] == [".mp4"]
    assert remuxer.disk_bytes() <= remuxer.MAX_BYTES
    assert set(remuxer._made) == {_key(second)}

    # A copy a request is sending is never evicted, whatever the cap says.
    async def never() -> None:
        raise AssertionError("the copy is there: nothing to fetch")

    held = await remuxer.async_acquire(_key(second), never)  # type: ignore[arg-type]
    assert (await client.get(third)).status == 200
    assert held.exists()
    assert set(remuxer._made) == {_key(second), _key(third)}
    remuxer.release(_key(second))
    # Let go, it is the oldest: the next copy evicts it.
    assert (await client.get(first)).status == 200
    assert not held.exists()
    assert remuxer.disk_bytes() <= remuxer.MAX_BYTES

    # A recording larger than the cap is not downloaded in full.
    remuxer.MAX_BYTES = len(dav_clip()) // 2
    assert (await client.get(second)).status == 502
    assert [p.suffix for p in _files(remuxer)] == [".mp4"]


async def test_failed_download_or_remux_leaves_nothing(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = (await _dav_urls(hass, loaded))[:2]
    client = await hass_client()
    nvr.loadfile_fail = "truncate"
    assert (await client.get(first)).status == 502
    remuxer = _remuxer(loaded)
    assert _files(remuxer) == []
    assert remuxer._made == {}
    nvr.loadfile_fail = None
    monkeypatch.setattr(simulator, "dav_clip", lambda: b"DHAV" + bytes(300))
    assert (await client.get(second)).status == 502
    assert _files(remuxer) == []
    monkeypatch.undo()
    # The device serves again: the same recording plays.
    assert (await client.get(first)).status == 200
    assert [p.suffix for p in _files(remuxer)] == [".mp4"]


async def test_concurrent_requests_share_one_remux(
    hass: HomeAssistant,
    nvr: AmcrestSimulator,
    loaded: MockConfigEntry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    url = (await _dav_urls(hass, loaded))[0]
    client = await hass_client()
    nvr.loadfile_gate = asyncio.Event()

    async def play() -> bytes:
        response = await client.get(url)
        assert response.status == 200
        return await response.read()

    players = [asyncio.create_task(play()) for _ in range(3)]
    await wait_for(lambda: nvr.loadfile_whole >= 1)
    await asyncio.sleep(0.1)  # the others arrive meanwhile
    nvr.loadfile_gate.set()
    bodies = await asyncio.gather(*players)
    assert bodies[0][4:8] == b"ftyp"
    assert bodies[1] == bodies[0] == bodies[2]
    assert nvr.loadfile_whole == 1
    assert len(_files(_remuxer(loaded))) == 1
