"""AIPIX at city scale: one login seeing 2,000 cameras on a self-hosted server.

Set-up cost and requests by endpoint, requests per poll, links minted only for what is
watched, state writes per pushed analytic event, push latency (the simulator pushes an
analytic event on the Pusher socket → the motion binary sensor turns on), memory. Prints a
table; asserts only request counts, links and state writes (never time).
"""

from __future__ import annotations

import asyncio
from collections import Counter
import math
import os
import time

from homeassistant.components.camera import async_get_stream_source
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from benchmarks.common import StateWatch, fmt, is_state, latency_summary, print_table, rss_mb
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.coordinator import camera_key
from tests.conftest import aipix_entry, wait_for
from tests.simulators.aipix import AipixSimulator, SimCamera, default_ranges

CAMERAS = int(os.environ.get("BENCH_AIPIX_CAMERAS", "2000"))
PUSHES = 240
"""Analytic motion events timed, each on a camera whose motion sensor is off."""
LIST_PAGE = 100
"""The page size the client asks for (the simulator grants up to 100, as `max_per_page`)."""


def _cameras() -> list[SimCamera]:
    ranges = default_ranges(days=3)
    return [
        SimCamera(
            id=10_000 + i,
            name=f"Cam {i:04d}",
            group_id=190 + i % 2,
            address=f"{i} Long Street",
            ptz=i % 10 == 0,
            status="inactive" if i % 10 == 9 else "active",
            user_status="blocked" if i % 100 == 98 else "active",
            archive_ranges=[dict(r) for r in ranges],
            ip=f"10.{i // 250}.{i % 250}.2",
        )
        for i in range(CAMERAS)
    ]


async def test_bench_aipix(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = AipixSimulator(cameras=_cameras())
    sim.ws_path = "/pusher"  # measured without the /ws fallback (one failed handshake)
    await sim.start()
    rows: list[tuple[str, str]] = []
    try:
        entry = aipix_entry(sim)
        entry.add_to_hass(hass)
        rss = rss_mb()
        await _set_up(hass, sim, entry, rows)
        registry = er.async_get(hass)
        id_of = {camera_key(entry, str(cid)): str(cid) for cid in sim.cameras}
        camera_of = {
            e.entity_id: id_of.get(e.unique_id.rsplit(":", 1)[0], e.unique_id)
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        }
        motion_of = {
            cid: str(
                registry.async_get_entity_id(
                    "binary_sensor", DOMAIN, f"{camera_key(entry, str(cid))}:motion"
                )
            )
            for cid in sim.cameras
        }
        watch = StateWatch(hass, camera_of)
        await _poll(hass, sim, entry, watch, rows)
        await _links(hass, sim, rows)
        await _one_push(hass, sim, watch, motion_of, rows)
        await _latency(hass, sim, watch, motion_of, rows)
        watch.stop()
        rows.append(("memory (max RSS growth)", f"{rss_mb() - rss:.0f} MB"))
        await _restart(hass, sim, entry, rows)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()
    print_table("AIPIX benchmark", rows)


def _list_pages() -> int:
    return math.ceil(CAMERAS / LIST_PAGE)


async def _set_up(
    hass: HomeAssistant, sim: AipixSimulator, entry: ConfigEntry, rows: list[tuple[str, str]]
) -> None:
    """Set the account up: ⌈N/page⌉ camera pages plus a constant, the socket subscribed."""
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup_seconds = time.perf_counter() - started
    coordinator = entry.runtime_data.coordinator
    await wait_for(lambda: sim.subscribed() == 1, seconds=60)
    socket_seconds = time.perf_counter() - started
    setup = Counter(sim.requests)
    pages = setup["GET /api/v1/cameras"]
    registered = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    vendor_seconds = coordinator.last_poll_seconds or 0.0
    rows.append(("cameras", f"{CAMERAS:,} (10 % inactive, 1 % blocked, 10 % PTZ)"))
    rows.append(
        (
            "entities",
            f"{len(hass.states.async_all()):,} with a state "
            f"({registered:,} registered, the rest disabled by default)",
        )
    )
    rows.append(
        (
            "set-up time",
            f"{setup_seconds:.1f} s: {vendor_seconds:.2f} s reading the account, "
            f"{setup_seconds - vendor_seconds:.1f} s adding the entities to Home Assistant; "
            f"push socket subscribed after {socket_seconds:.1f} s",
        )
    )
    rows.append(("set-up requests", f"{setup.total()} ({fmt(setup)})"))
    rows.append(("push sockets (long-lived)", f"{sim.pusher.connections} opened"))
    # The camera list is read once: the first status comes from the list just read.
    assert pages <= _list_pages()
    assert setup.total() - pages <= 12, setup
    assert sim.pusher.connections == 1
    assert not sim.links_minted, "no link is minted before someone watches"


async def _poll(
    hass: HomeAssistant,
    sim: AipixSimulator,
    entry: ConfigEntry,
    watch: StateWatch,
    rows: list[tuple[str, str]],
) -> None:
    """Steady state: at most ⌈N/25⌉ + 1 requests, and no state written."""
    sim.requests.clear()
    started = time.perf_counter()
    await entry.runtime_data.coordinator.async_refresh()
    poll_seconds = time.perf_counter() - started
    await hass.async_block_till_done()
    poll = Counter(sim.requests)
    rows.append(("requests per poll", f"{poll.total()} ({fmt(poll)})"))
    rows.append(("poll time", f"{poll_seconds:.2f} s"))
    rows.append(("state writes after an unchanged poll", str(watch.by_group.total())))
    assert poll.total() <= math.ceil(CAMERAS / 25) + 1, poll
    assert watch.by_group.total() == 0
    assert not sim.links_minted


async def _links(hass: HomeAssistant, sim: AipixSimulator, rows: list[tuple[str, str]]) -> None:
    """A live link is minted for the one camera watched, and only for it."""
    watched = next(iter(sim.cameras.values()))
    sim.requests.clear()
    url = await async_get_stream_source(hass, f"camera.{watched.name.lower().replace(' ', '_')}")
    assert url
    minted = dict(sim.links_minted)
    rows.append(
        (
            "links minted when one camera is watched",
            f"{sum(minted.values())} for {len(minted)} camera ({fmt(Counter(sim.requests))})",
        )
    )
    assert set(minted) == {watched.id}


async def _one_push(
    hass: HomeAssistant,
    sim: AipixSimulator,
    watch: StateWatch,
    motion_of: dict[int, str],
    rows: list[tuple[str, str]],
) -> None:
    """One analytic event on one camera: only that camera's entities write state."""
    target = list(sim.cameras)[5]
    watch.clear()
    done = watch.expect_on(motion_of[target])
    await sim.push_analytic(target)
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.5)  # anything else that would write, would have by now
    await hass.async_block_till_done()
    own, others, kinds = watch.writes_of(str(target))
    rows.append(
        (
            "state writes after one pushed event",
            f"{own} by its own camera ({kinds}), {others} by the other cameras",
        )
    )
    assert own >= 1
    assert others == 0


async def _latency(
    hass: HomeAssistant,
    sim: AipixSimulator,
    watch: StateWatch,
    motion_of: dict[int, str],
    rows: list[tuple[str, str]],
) -> None:
    """Push latency: from just before the simulator pushes to the state_changed "on"."""
    order = list(sim.cameras)[10:]
    latencies: list[float] = []
    for k in range(PUSHES):
        cid = order[k % len(order)]
        entity_id = motion_of[cid]
        await wait_for(lambda e=entity_id: is_state(hass, e, STATE_OFF), seconds=30)  # type: ignore[misc]
        done = watch.expect_on(entity_id)
        pushed = time.perf_counter()
        await sim.push_analytic(cid)
        await asyncio.wait_for(done.wait(), 10)
        latencies.append((watch.stamps[entity_id] - pushed) * 1000)
    rows.append((f"push latency, {len(latencies)} analytic events", latency_summary(latencies)))
    assert len(latencies) >= 200


async def _restart(
    hass: HomeAssistant, sim: AipixSimulator, entry: ConfigEntry, rows: list[tuple[str, str]]
) -> None:
    """Set the account up again, as after a restart: the kept token, no login."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    sim.requests.clear()
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    seconds = time.perf_counter() - started
    requests = Counter(sim.requests)
    rows.append(
        (
            "set-up again (as after a restart)",
            f"{seconds:.1f} s, {requests.total()} requests ({fmt(requests)})",
        )
    )
    assert requests["POST /api/v1/token"] == 0, "the kept token is used: no new session"
    assert requests["GET /api/v1/cameras"] <= _list_pages()
