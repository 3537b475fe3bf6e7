"""Videoloft at installer scale: set-up cost, cost per poll, memory, motion latency.

An installer's login reaching many owners' cameras on several loggers and Wowza servers.
Prints a table; asserts only request counts and state writes (never time).
"""

from __future__ import annotations

import asyncio
from collections import Counter
import math
import os
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import slugify

from benchmarks.common import (
    StateWatch,
    fmt,
    is_state,
    latency_summary,
    print_table,
    rss_mb,
)
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.coordinator import camera_key
from tests.conftest import videoloft_entry, wait_for
from tests.simulators.videoloft import SimAlert, SimCamera, VideoloftSimulator

CAMERAS = int(os.environ.get("BENCH_VL_CAMERAS", "2000"))
OWNERS = 20
LOGGERS = 8
WOWZAS = 3
ALERTS = 240
"""Motion alerts timed, each on a camera whose motion sensor is off."""
MODELS = (
    "DS-2DE2A404IW-DE3W20200101CCWRF{:08d}",  # Hikvision PTZ
    "DS-2CD2042WD-I20161005BBWR{:09d}",  # Hikvision, PTZ unknown
    "ANDROID-{:04X}",  # the Manything app on a phone
)


def _owner(i: int) -> str:
    return str(500_000 + i % OWNERS)


def _cameras() -> list[SimCamera]:
    return [
        SimCamera(
            f"{_owner(i)}.{i // OWNERS + 1}",
            f"Cam {i:04d}",
            permissions=("r",) if i % 4 == 3 else ("a",),
            phoneid=MODELS[i % 3].format(i),
            logger=i % LOGGERS,
            wowza=i % WOWZAS,
            status="offline" if i % 10 == 9 else "live",
            recording=i % 5 != 4,
        )
        for i in range(CAMERAS)
    ]


async def test_bench_videoloft(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = VideoloftSimulator(
        cameras=_cameras(),
        aliases={_owner(i): f"Customer {i + 1}" for i in range(OWNERS)},
        loggers=LOGGERS,
        wowzas=WOWZAS,
    )
    sim.draw_snapshots = False
    sim.feed_seconds = 3600.0  # no feed ends by itself while the bench runs
    await sim.start()
    rows: list[tuple[str, str]] = []
    try:
        entry = videoloft_entry(sim)
        entry.add_to_hass(hass)
        rss = rss_mb()
        await _set_up(hass, sim, entry, rows)
        registry = er.async_get(hass)
        # Unique ids are "<camera key>:<entity key>".
        uidd_of = {camera_key(entry, uidd): uidd for uidd in sim.cameras}
        camera_of = {
            e.entity_id: uidd_of.get(e.unique_id.rsplit(":", 1)[0], e.unique_id)
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        }
        motion_of = {
            uidd: str(
                registry.async_get_entity_id(
                    "binary_sensor", DOMAIN, f"{camera_key(entry, uidd)}:motion"
                )
            )
            for uidd in sim.cameras
        }
        # The device name is "<phonename> (<alias>)" with several owners.
        first = next(iter(sim.cameras.values()))
        assert motion_of[first.uidd] == f"binary_sensor.{slugify(first.name)}_customer_1_motion"
        watch = StateWatch(hass, camera_of)
        await _poll(hass, sim, entry, watch, rows)
        await _one_alert(hass, sim, watch, motion_of, rows)
        await _latency(hass, sim, watch, motion_of, rows)
        watch.stop()
        rows.append(("memory (max RSS growth)", f"{rss_mb() - rss:.0f} MB"))
        await _restart(hass, sim, entry, rows)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()
    print_table("Videoloft benchmark", rows)


async def _set_up(
    hass: HomeAssistant, sim: VideoloftSimulator, entry: ConfigEntry, rows: list[tuple[str, str]]
) -> None:
    """Set the account up; one request per logger, one viewerInfo per 100 cameras."""
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup_seconds = time.perf_counter() - started
    coordinator = entry.runtime_data.coordinator
    await wait_for(
        lambda: (
            bool(coordinator.feeds) and all(feed.connected for feed in coordinator.feeds.values())
        ),
        seconds=60,
    )
    feeds_seconds = time.perf_counter() - started
    setup = Counter(sim.requests)
    feeds = Counter({"realtime": setup.pop("realtime", 0)})
    registered = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    vendor_seconds = coordinator.last_poll_seconds or 0.0
    rows.append(("cameras", f"{CAMERAS:,} ({OWNERS} owners, {LOGGERS} loggers)"))
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
            f"feeds up after {feeds_seconds:.1f} s",
        )
    )
    rows.append(("set-up requests", f"{setup.total()} ({fmt(setup)})"))
    rows.append(("realtime feeds (long-lived)", f"{feeds.total()} opened, {sim.open_feeds} open"))
    assert setup == {
        "login": 1,
        "devices": 1,
        "viewerInfo": math.ceil(CAMERAS / 100),
        "status": LOGGERS,
    }
    assert feeds == {"realtime": LOGGERS}
    assert sim.open_feeds == LOGGERS
    assert sorted(sim.batches["status"]) == sorted(
        sum(1 for c in sim.cameras.values() if c.logger == n) for n in range(LOGGERS)
    )


async def _restart(
    hass: HomeAssistant, sim: VideoloftSimulator, entry: ConfigEntry, rows: list[tuple[str, str]]
) -> None:
    """Set the account up again, as after a restart: the registries know every entity."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    sim.requests.clear()
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    seconds = time.perf_counter() - started
    requests = Counter(sim.requests)
    requests.pop("realtime", None)
    rows.append(("set-up time again (as after a restart)", f"{seconds:.1f} s"))
    assert requests.total() == 2 + math.ceil(CAMERAS / 100) + LOGGERS


async def _poll(
    hass: HomeAssistant,
    sim: VideoloftSimulator,
    entry: ConfigEntry,
    watch: StateWatch,
    rows: list[tuple[str, str]],
) -> None:
    """Steady state: one status request per logger, nothing else, and no state written."""
    sim.requests.clear()
    started = time.perf_counter()
    await entry.runtime_data.coordinator.async_refresh()
    poll_seconds = time.perf_counter() - started
    await hass.async_block_till_done()
    poll = Counter(sim.requests)
    rows.append(("requests per poll", f"{poll.total()} ({fmt(poll)})"))
    rows.append(("poll time", f"{poll_seconds:.2f} s"))
    rows.append(("state writes after an unchanged poll", str(watch.by_group.total())))
    assert poll == {"status": LOGGERS}
    assert watch.by_group.total() == 0


async def _one_alert(
    hass: HomeAssistant,
    sim: VideoloftSimulator,
    watch: StateWatch,
    motion_of: dict[str, str],
    rows: list[tuple[str, str]],
) -> None:
    """One alert on one camera: only that camera's entities write state."""
    target = list(sim.cameras)[5]
    done = watch.expect_on(motion_of[target])
    alert = sim.alert(target)
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.5)  # anything else that would write, would have by now
    await hass.async_block_till_done()
    own, others, kinds = watch.writes_of(target)
    rows.append(
        (
            "state writes after one alert",
            f"{own} by its own camera ({kinds}), {others} by the other cameras",
        )
    )
    assert own >= 1
    assert others == 0
    sim.end_alert(target, alert)
    await wait_for(lambda: is_state(hass, motion_of[target], STATE_OFF))


async def _latency(
    hass: HomeAssistant,
    sim: VideoloftSimulator,
    watch: StateWatch,
    motion_of: dict[str, str],
    rows: list[tuple[str, str]],
) -> None:
    """Motion latency: from just before the simulator pushes to the state_changed "on"."""
    # Owners, and so loggers, interleaved.
    order = sorted(sim.cameras, key=lambda u: (int(u.split(".")[1]), u))
    active: dict[str, SimAlert] = {}
    latencies: list[float] = []
    for k in range(ALERTS):
        uidd = order[k % len(order)]
        entity_id = motion_of[uidd]
        if uidd in active:  # a small account: end the alert before reusing the camera
            sim.end_alert(uidd, active.pop(uidd))
            await wait_for(lambda e=entity_id: is_state(hass, e, STATE_OFF))  # type: ignore[misc]
        assert is_state(hass, entity_id, STATE_OFF)
        done = watch.expect_on(entity_id)
        pushed = time.perf_counter()
        active[uidd] = sim.alert(uidd)
        await asyncio.wait_for(done.wait(), 10)
        latencies.append((watch.stamps[entity_id] - pushed) * 1000)
    loggers = {sim.cameras[order[k % len(order)]].logger for k in range(ALERTS)}
    rows.append(
        (
            f"motion latency, {len(latencies)} alerts on {len(loggers)} loggers",
            latency_summary(latencies),
        )
    )
    assert len(latencies) >= 200
    for uidd, alert in active.items():
        sim.end_alert(uidd, alert)
