"""What every benchmark uses: memory, state-write counting, latency stamps, the table."""

from __future__ import annotations

import asyncio
from collections import Counter
import math
import resource
import statistics
import time

from homeassistant.const import EVENT_STATE_CHANGED, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback


def rss_mb() -> float:
    """Return the process's highest resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StateWatch:
    """Counts state writes by group (camera, channel) and stamps when an entity turns on."""

    def __init__(self, hass: HomeAssistant, group_of: dict[str, str]) -> None:
        self.group_of = group_of
        self.by_group: Counter[str] = Counter()
        self.by_entity: Counter[str] = Counter()
        self.waiting: dict[str, asyncio.Event] = {}
        self.stamps: dict[str, float] = {}
        self.stop = hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        self.by_group[self.group_of.get(entity_id, entity_id)] += 1
        self.by_entity[entity_id] += 1
        new = event.data["new_state"]
        if new is not None and new.state == STATE_ON and entity_id in self.waiting:
            self.stamps[entity_id] = time.perf_counter()
            self.waiting.pop(entity_id).set()

    def expect_on(self, entity_id: str) -> asyncio.Event:
        """Return an event set when the entity's state changes to on."""
        done = self.waiting[entity_id] = asyncio.Event()
        return done

    def writes_of(self, group: str) -> tuple[int, int, str]:
        """Return the writes of a group, those of all others, and its entities' domains."""
        own = self.by_group[group]
        kinds = ", ".join(
            sorted(e.split(".")[0] for e in self.by_entity if self.group_of.get(e) == group)
        )
        return own, self.by_group.total() - own, kinds

    def clear(self) -> None:
        """Forget the writes counted so far."""
        self.by_group.clear()
        self.by_entity.clear()


def fmt(counter: Counter[str]) -> str:
    """Return counts as ``name count, …``, sorted by name."""
    return ", ".join(f"{name} {count}" for name, count in sorted(counter.items()))


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    """Print the measures as a Markdown table."""
    width = max(len(name) for name, _ in rows)
    print(f"\n\n{title}")
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def latency_summary(latencies_ms: list[float]) -> str:
    """Return ``p50 …, p99 …, max …`` of latencies in milliseconds."""
    ordered = sorted(latencies_ms)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


def is_state(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return True when the entity is in that state now."""
    current = hass.states.get(entity_id)
    return current is not None and current.state == state
