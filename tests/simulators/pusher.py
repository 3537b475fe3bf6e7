"""A Pusher-protocol (version 7) WebSocket server for the simulators.

What a Pusher client meets on the wire, after the protocol's public description:

- On connect the server sends ``pusher:connection_established`` whose ``data`` is a JSON
  *string* ``{"socket_id": "123.456", "activity_timeout": 40}``. An unknown application
  key gets ``pusher:error`` (code 4001) and the socket is closed with that code.
- ``pusher:subscribe`` ``{"channel", "auth"}``: a ``private-`` channel needs ``auth`` =
  ``"<app key>:<HMAC-SHA256 hex of 'socket_id:channel' keyed with the app secret>"`` (what
  the application's auth endpoint signs). A good one is answered
  ``pusher_internal:subscription_succeeded`` (``data`` the string ``"{}"``); a bad one
  ``pusher:error`` ``{"code": null, "message": "Invalid signature: …"}``.
- ``pusher:ping`` is answered ``pusher:pong`` (``data`` ``{}``), unless `answer_pings` is off.
- Events go out as ``{"event", "channel", "data"}`` with ``data`` a string.

Knobs for tests: `answer_pings`; `drop_all()` cuts every socket without a close frame;
`close_all(code)` closes them properly with a Pusher close code (4200 = reconnect).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

_LOGGER = logging.getLogger(__name__)


@dataclass
class PusherSocket:
    """One connected client."""

    ws: web.WebSocketResponse
    socket_id: str
    transport: asyncio.BaseTransport | None = None
    channels: set[str] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)


class PusherServer:
    """The Pusher protocol on aiohttp WebSockets; mount `handle` on a route."""

    def __init__(self, app_key: str, secret: str, *, activity_timeout: int = 40) -> None:
        """Serve one application: its key, its signing secret."""
        self.app_key = app_key
        self.secret = secret
        self.activity_timeout = activity_timeout
        self.answer_pings = True
        self.sockets: list[PusherSocket] = []
        self.connections = 0
        """Connections accepted so far (reconnects count)."""

    def sign(self, socket_id: str, channel: str) -> str:
        """Return the ``auth`` a private channel subscription must carry."""
        digest = hmac.new(
            self.secret.encode(), f"{socket_id}:{channel}".encode(), hashlib.sha256
        ).hexdigest()
        return f"{self.app_key}:{digest}"

    def subscribed(self, channel: str) -> int:
        """Return how many sockets are subscribed to a channel."""
        return sum(channel in sock.channels for sock in self.sockets)

    async def trigger(self, channel: str, event: str, data: str) -> int:
        """Send an event to every socket subscribed to the channel; return how many got it."""
        frame = json.dumps({"event": event, "channel": channel, "data": data})
        sent = 0
        for sock in list(self.sockets):
            if channel in sock.channels and not sock.ws.closed:
                try:
                    await sock.ws.send_str(frame)
                    sent += 1
                except ConnectionError:  # pragma: no cover - a socket closing meanwhile
                    pass
        return sent

    def drop_all(self) -> None:
        """Cut every socket at once, without a close frame (a network failure)."""
        for sock in self.sockets:
            if isinstance(sock.transport, asyncio.Transport):
                sock.transport.abort()

    async def close_all(self, code: int = 4200, message: str = "Please reconnect") -> None:
        """Close every socket properly with a Pusher close code."""
        for sock in list(self.sockets):
            await sock.ws.close(code=code, message=message.encode())

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one Pusher connection (the route must have an ``app_key`` part)."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if request.match_info.get("app_key") != self.app_key:
            await self._send(ws, "pusher:error", {"code": 4001, "message": "App key not found"})
            await ws.close(code=4001, message=b"App key not found")
            return ws
        self.connections += 1
        socket_id = f"{secrets.randbelow(10**9)}.{secrets.randbelow(10**9)}"
        sock = PusherSocket(ws, socket_id, request.transport)
        self.sockets.append(sock)
        try:
            await self._send(
                ws,
                "pusher:connection_established",
                json.dumps(
                    {"socket_id": sock.socket_id, "activity_timeout": self.activity_timeout}
                ),
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._message(sock, msg.data)
        finally:
            self.sockets.remove(sock)
        return ws

    async def _message(self, sock: PusherSocket, text: str) -> None:
        try:
            message = json.loads(text)
            event = message["event"]
            data = message.get("data") or {}
            if isinstance(data, str):
                data = json.loads(data) if data else {}
        except (ValueError, KeyError, TypeError):
            await self._send(sock.ws, "pusher:error", {"code": None, "message": "Bad message"})
            return
        sock.received.append(message)
        if event == "pusher:ping":
            if self.answer_pings:
                await self._send(sock.ws, "pusher:pong", {})
        elif event == "pusher:subscribe":
            await self._subscribe(sock, data)
        elif event == "pusher:unsubscribe":
            sock.channels.discard(str(data.get("channel", "")))

    async def _subscribe(self, sock: PusherSocket, data: dict[str, Any]) -> None:
        channel = str(data.get("channel", ""))
        if channel.startswith(("private-", "presence-")):
            expected = self.sign(sock.socket_id, channel)
            if not hmac.compare_digest(str(data.get("auth", "")), expected):
                await self._send(
                    sock.ws,
                    "pusher:error",
                    {
                        "code": None,
                        "message": "Invalid signature: Expected HMAC SHA256 hex digest of "
                        f"{sock.socket_id}:{channel}",
                    },
                )
                return
        sock.channels.add(channel)
        await self._send(sock.ws, "pusher_internal:subscription_succeeded", "{}", channel=channel)

    @staticmethod
    async def _send(
        ws: web.WebSocketResponse, event: str, data: Any, *, channel: str | None = None
    ) -> None:
        frame: dict[str, Any] = {"event": event, "data": data}
        if channel is not None:
            frame["channel"] = channel
        if not ws.closed:
            await ws.send_str(json.dumps(frame))
