"""IPCamLive at account scale: set-up cost, cost per poll, memory, snapshot caching.

Prints a table; asserts only request counts (never time).
"""

from __future__ import annotations

from collections import Counter
import os
import time

from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks.common import fmt, print_table, rss_mb
from custom_components.omnicam.const import DOMAIN
from tests.simulators.ipcamlive import IPCamLiveSimulator, SimCamera

CAMERAS = int(os.environ.get("BENCH_CAMERAS", "200"))
PLANS = "BSPU"


async def test_bench_ipcamlive(hass: HomeAssistant, socket_enabled: None) -> None:
    sim = IPCamLiveSimulator(
        cameras=[
            SimCamera(
                f"cam{i:05d}", f"Camera {i}", PLANS[i % 4], storage=i % 3 != 0, pinlock=i % 2 == 0
            )
            for i in range(CAMERAS)
        ]
    )
    sim.draw_snapshots = False
    await sim.start()
    rows: list[tuple[str, str]] = []
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="bench",
            data={"vendor": "ipcamlive", "api_key": sim.secret, "url": sim.url},
        )
        entry.add_to_hass(hass)
        rss = rss_mb()
        started = time.perf_counter()
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        setup_seconds = time.perf_counter() - started
        setup_requests = Counter(sim.requests)
        rows.append(("cameras", str(CAMERAS)))
        rows.append(("entities", str(len(hass.states.async_all()))))
        rows.append(("set-up time", f"{setup_seconds:.2f} s"))
        rows.append(("set-up requests", f"{sum(setup_requests.values())} ({fmt(setup_requests)})"))
        # One camera list, four plan probes per camera (their answers are kept as the first
        # status), then the first poll's two requests per camera.
        assert sum(setup_requests.values()) == 1 + 6 * CAMERAS

        coordinator = entry.runtime_data.coordinator
        sim.requests.clear()
        started = time.perf_counter()
        await coordinator.async_refresh()
        poll_seconds = time.perf_counter() - started
        poll = Counter(sim.requests)
        rows.append(("requests per 30 s poll", f"{sum(poll.values())} ({fmt(poll)})"))
        rows.append(("poll time", f"{poll_seconds:.2f} s"))
        # The vendor has no batch call: two requests per camera is the floor.
        assert sum(poll.values()) == 2 * CAMERAS

        sim.requests.clear()
        for _ in range(10):
            await async_get_image(hass, "camera.camera_1")
        rows.append(
            (
                "10 dashboard refreshes of one snapshot",
                f"{sim.requests['snapshot']} image fetch(es)",
            )
        )
        assert sim.requests["snapshot"] == 1
        rows.append(("memory (max RSS growth)", f"{rss_mb() - rss:.0f} MB"))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
    print_table("IPCamLive benchmark", rows)
