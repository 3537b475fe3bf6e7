"""Closing test WebRTC peers (aiortc) so that nothing of them outlives a test.

``RTCPeerConnection.close`` stops the senders, receivers and transports but does not wait
for the tasks it started without keeping them: its connecting task (ICE, DTLS, then the
media), which unwinds a few loop turns after close, and each DTLS transport's reader, which
it only cancels. Home Assistant's test harness fails a test that leaves a task behind, and
it checks after only a few loop turns of its own: under load that made tests flaky.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiortc import RTCPeerConnection

CLOSE_SECONDS = 5.0
"""How long `close_peer` waits for the tasks of a closed connection (they end in a few
loop turns; this bounds a bug, it is not a delay)."""


async def close_peer(pc: RTCPeerConnection, pulls: Iterable[asyncio.Task[Any]] = ()) -> None:
    """Close a peer connection and wait until every task of it (and `pulls`) has ended.

    `pulls` are the test's own tasks reading the connection's tracks: cancelled, awaited.
    """
    owners: set[int] = {id(pc)}
    for transceiver in pc.getTransceivers():
        for dtls in (transceiver.sender.transport, transceiver.receiver.transport):
            if dtls is not None:
                owners |= {id(dtls), id(dtls.transport)}
    await pc.close()
    pulls = list(pulls)
    for pull in pulls:
        pull.cancel()
    current = asyncio.current_task()
    left = [
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and id(_owner(task)) in owners
    ]
    if waiting := [*pulls, *left]:
        await asyncio.wait(waiting, timeout=CLOSE_SECONDS)


def _owner(task: asyncio.Task[Any]) -> object:
    """Return the object whose method the task runs (its coroutine's ``self``), or None."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame.f_locals.get("self") if frame is not None else None
