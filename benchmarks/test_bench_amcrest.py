"""Amcrest / Dahua: one NVR of 16 channels, set up in Home Assistant.

Set-up cost, cost per poll, one event connection for all channels, event latency (device
push → motion sensor on), state writes per event, memory. Prints a table; asserts only
request and connection counts and state writes (never time).
"""

from __future__ import annotations

import asyncio
from collections import Counter
import os
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

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
from custom_components.omnicam.vendors.amcrest import STATEFUL_CODES
from tests.conftest import amcrest_entry, wait_for
from tests.simulators.amcrest import AmcrestSimulator

CHANNELS = int(os.environ.get("BENCH_AMCREST_CHANNELS", "16"))
EVENTS = 240
"""Motion events timed (Start, then Stop), each on a channel whose motion sensor is off."""
PTZ_CHANNELS = {1, 3, 9}
FIXED_CHANNELS = {2}


def _simulator() -> AmcrestSimulator:
    sim = AmcrestSimulator(channels=CHANNELS, serial="AMCBENCH16CHANNEL")
    sim.ptz_channels = set(PTZ_CHANNELS)
    sim.fixed_channels = set(FIXED_CHANNELS)
    sim.draw_snapshots = False
    return sim


async def test_bench_amcrest(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = _simulator()
    await sim.start()
    rows: list[tuple[str, str]] = []
    try:
        entry = amcrest_entry(sim)
        entry.add_to_hass(hass)
        rss = rss_mb()
        await _set_up(hass, sim, entry, rows)
        registry = er.async_get(hass)
        channel_of = {
            e.entity_id: e.unique_id.rsplit(":", 1)[0].rsplit(":", 1)[1]
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        }
        motion_of = {
            str(ch): str(
                registry.async_get_entity_id(
                    "binary_sensor", DOMAIN, f"{camera_key(entry, str(ch))}:motion"
                )
            )
            for ch in range(1, CHANNELS + 1)
        }
        assert motion_of["1"] == "binary_sensor.front_door_motion"
        watch = StateWatch(hass, channel_of)
        await _poll(hass, sim, entry, watch, rows)
        await _one_event(hass, sim, watch, motion_of, rows)
        await _latency(hass, sim, watch, motion_of, rows)
        watch.stop()
        rows.append(("memory (max RSS growth)", f"{rss_mb() - rss:.0f} MB"))
        # Still one event connection after all of it.
        assert sim.stream_count == 1
        assert sum("action=attach" in line for line in sim.log) == 1
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await wait_for(lambda: sim.stream_count == 0)
    finally:
        await sim.stop()
    print_table(f"Amcrest/Dahua benchmark ({CHANNELS}-channel NVR)", rows)


async def _set_up(
    hass: HomeAssistant, sim: AmcrestSimulator, entry: ConfigEntry, rows: list[tuple[str, str]]
) -> None:
    """Set the NVR up; count its requests; wait for its one event connection."""
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup_seconds = time.perf_counter() - started
    coordinator = entry.runtime_data.coordinator
    await wait_for(
        lambda: (
            bool(coordinator.feeds)
            and all(feed.connected for feed in coordinator.feeds.values())
            and sim.stream_count == 1
        ),
        seconds=30,
    )
    # The resync after connecting reads every stateful code the device reports.
    resync = [code for code in sim.exposure_events or () if code in STATEFUL_CODES]
    await wait_for(lambda: sim.requests["eventManager.getEventIndexes"] >= len(resync))
    await hass.async_block_till_done()
    feeds_seconds = time.perf_counter() - started
    setup = Counter(sim.requests)
    challenged = sim.unauthorized
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    with_state = [e.entity_id for e in entities if hass.states.get(e.entity_id) is not None]
    domains = Counter(entity_id.split(".")[0] for entity_id in with_state)
    rows.append(
        (
            "channels",
            f"{CHANNELS} (PTZ on {len(PTZ_CHANNELS)}, presets on 1; "
            f"event codes {', '.join(sim.exposure_events or ())})",
        )
    )
    rows.append(
        (
            "entities",
            f"{len(with_state)} with a state, {len(entities)} registered ({fmt(domains)})",
        )
    )
    rows.append(
        (
            "set-up time",
            f"{setup_seconds:.2f} s; event connection up and resynced after {feeds_seconds:.2f} s",
        )
    )
    rows.append(
        (
            "set-up requests",
            f"{setup.total()}, {challenged} of them answered 401 by the Digest challenge "
            f"({fmt(setup)})",
        )
    )
    # Device facts once, a PTZ probe per channel, presets of the one channel that has
    # them, a finder probe, then the first poll; the event connection and its resync.
    # Only the first request meets the Digest challenge: the nonce is reused after it.
    assert challenged == 1
    assert setup == {
        "magicBox.getSerialNo": 1 + challenged,
        "magicBox.getDeviceType": 1,
        "magicBox.getSoftwareVersion": 1,
        "magicBox.getVendor": 1,
        "magicBox.getMachineName": 1,
        "magicBox.getProductDefinition": 1,
        "devVideoInput.getCollect": 1,
        # ChannelTitle, RecordMode (kept for the poll), RTSP, Network (the MACs discovery knows)
        "configManager.getConfig": 4,
        "ptz.getCurrentProtocolCaps": CHANNELS,
        "ptz.getPresets": len(PTZ_CHANNELS & set(sim.presets)),
        "mediaFileFind.factory.create": 1,
        "mediaFileFind.close": 1,
        "mediaFileFind.destroy": 1,
        "eventManager.getExposureEvents": 1,
        "global.getCurrentTime": 1,
        "eventManager.attach": 1,
        "eventManager.getEventIndexes": len(resync),
    }
    # One event connection for the whole device, carrying every channel.
    assert len(coordinator.feeds) == 1
    assert next(iter(coordinator.feeds.values())).camera_ids == tuple(
        str(ch) for ch in range(1, CHANNELS + 1)
    )
    assert sim.stream_count == 1
    attach_lines = [line for line in sim.log if "action=attach" in line]
    assert len(attach_lines) == 1
    rows.append(
        (
            "event connections (eventManager attach)",
            f"{len(attach_lines)} for all {CHANNELS} channels; {sim.stream_count} open",
        )
    )


async def _poll(
    hass: HomeAssistant,
    sim: AmcrestSimulator,
    entry: ConfigEntry,
    watch: StateWatch,
    rows: list[tuple[str, str]],
) -> None:
    """Steady state: one request for the device, one for every channel's record mode."""
    sim.requests.clear()
    challenged = sim.unauthorized
    started = time.perf_counter()
    await entry.runtime_data.coordinator.async_refresh()
    poll_seconds = time.perf_counter() - started
    await hass.async_block_till_done()
    poll = Counter(sim.requests)
    rows.append(("requests per poll", f"{poll.total()} ({fmt(poll)})"))
    rows.append(("poll time", f"{poll_seconds * 1000:.1f} ms"))
    rows.append(("state writes after an unchanged poll", str(watch.by_group.total())))
    assert poll == {"global.getCurrentTime": 1, "configManager.getConfig": 1}
    assert sim.unauthorized == challenged
    assert watch.by_group.total() == 0


async def _one_event(
    hass: HomeAssistant,
    sim: AmcrestSimulator,
    watch: StateWatch,
    motion_of: dict[str, str],
    rows: list[tuple[str, str]],
) -> None:
    """One motion Start on one channel: only that channel's entities write state."""
    watch.clear()
    target = "6"
    done = watch.expect_on(motion_of[target])
    sim.emit("VideoMotion", "Start", int(target) - 1)
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.5)  # anything else that would write, would have by now
    await hass.async_block_till_done()
    own, others, kinds = watch.writes_of(target)
    rows.append(
        (
            "state writes after one motion Start",
            f"{own} by its own channel ({kinds}), {others} by the {CHANNELS - 1} other channels",
        )
    )
    assert own >= 1
    assert others == 0
    sim.emit("VideoMotion", "Stop", int(target) - 1)
    await wait_for(lambda: is_state(hass, motion_of[target], STATE_OFF))


async def _latency(
    hass: HomeAssistant,
    sim: AmcrestSimulator,
    watch: StateWatch,
    motion_of: dict[str, str],
    rows: list[tuple[str, str]],
) -> None:
    """Event latency: from just before the simulator emits to the state_changed "on"."""
    active: set[str] = set()
    latencies: list[float] = []
    watch.clear()
    for k in range(EVENTS):
        channel = str(k * 5 % CHANNELS + 1)  # 5 and 16 are coprime: every channel in turn
        entity_id = motion_of[channel]
        if channel in active:  # end the event before reusing the channel
            sim.emit("VideoMotion", "Stop", int(channel) - 1)
            active.discard(channel)
            await wait_for(lambda e=entity_id: is_state(hass, e, STATE_OFF))  # type: ignore[misc]
        assert is_state(hass, entity_id, STATE_OFF)
        done = watch.expect_on(entity_id)
        pushed = time.perf_counter()
        sim.emit("VideoMotion", "Start", int(channel) - 1)
        active.add(channel)
        await asyncio.wait_for(done.wait(), 10)
        latencies.append((watch.stamps[entity_id] - pushed) * 1000)
    for channel in active:
        sim.emit("VideoMotion", "Stop", int(channel) - 1)
    await wait_for(lambda: all(is_state(hass, e, STATE_OFF) for e in motion_of.values()))
    await hass.async_block_till_done()
    channels = {str(k * 5 % CHANNELS + 1) for k in range(EVENTS)}
    rows.append(
        (
            f"event latency, {len(latencies)} motion Starts on {len(channels)} channels",
            latency_summary(latencies),
        )
    )
    # Each Start and each Stop writes its own channel's motion sensor and event entity.
    motion = set(motion_of.values())
    by_domain = Counter(e.split(".")[0] for e in watch.by_entity.elements())
    rows.append(
        (
            f"state writes during the {EVENTS} Start/Stop pairs",
            f"{watch.by_entity.total()} ({fmt(by_domain)}), each by the channel of its event",
        )
    )
    assert len(latencies) >= 200
    assert all(e in motion or e.startswith("event.") for e in watch.by_entity)
    per_channel = Counter(str(k * 5 % CHANNELS + 1) for k in range(EVENTS))
    assert watch.by_group == Counter({ch: 4 * n for ch, n in per_channel.items()})
