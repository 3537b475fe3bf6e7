"""A small client of the Pusher Channels WebSocket protocol (version 7), over aiohttp.

Vendor neutral and free of Home Assistant: it opens one socket, subscribes channels (a
private channel's ``auth`` comes from the caller, who asks its own server), answers the
server's pings, pings a quiet server itself and hands over the channel events. It never
reconnects by itself: every failure is raised as a typed error (`vendors.errors`) and the
caller (Home Assistant's coordinator) reconnects with its own backoff.

Why not a Pusher package: the one maintained async client found (``asyncpusher``) runs its
own reconnect loop in a background task, swallows connection errors into its log, and ships
no type information; the integration needs the opposite (errors raised to the coordinator
that owns reconnects and backoff, strict typing), and the protocol part it needs is small.

The protocol, as Pusher documents it: the server's first message is
``pusher:connection_established`` with ``{"socket_id", "activity_timeout"}`` (as a JSON
string in ``data``); ``pusher:subscribe`` ``{"channel", "auth"}`` is answered by
``pusher_internal:subscription_succeeded`` (or ``pusher:subscription_error``);
``pusher:ping``/``pusher:pong`` keep the socket alive; ``pusher:error`` ``{"code",
"message"}`` reports a failure (4000 to 4099: do not reconnect as is; 4100 to 4299: reconnect).
Channel events carry ``channel``, ``event`` and ``data`` (usually a JSON string).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
import json
import logging
import time
from typing import Any, Final

import aiohttp

from .errors import BadResponse, CannotConnect, OmniCamError

_LOGGER = logging.getLogger(__name__)

PROTOCOL: Final = 7
CONNECT_TIMEOUT: Final = 15.0
PING_SECONDS: Final = 25.0
"""Ping a server that said nothing for this long (the vendors' mobile apps use 25 s)."""
PONG_TIMEOUT: Final = 12.5
"""A ping not answered within this is a dead socket."""


class PusherError(CannotConnect):
    """The Pusher server reported an error, or the socket broke."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message if code is None else f"{message} (code {code})")
        self.code = code


class SubscriptionRefused(PusherError):
    """The server refused to subscribe a channel (its auth was not accepted)."""


@dataclass(frozen=True, slots=True)
class PusherEvent:
    """One event of a subscribed channel; `data` is decoded when it was a JSON string."""

    channel: str
    event: str
    data: Any


def socket_url(base: str, app_key: str, *, client: str = "omnicam", version: str = "1") -> str:
    """Return the socket address of an app under a Pusher base (``wss://host:port/path``)."""
    return f"{base.rstrip('/')}/app/{app_key}?protocol={PROTOCOL}&client={client}&version={version}"


def _decode(data: Any) -> Any:
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data


class PusherSocket:
    """One open Pusher socket."""

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        socket_id: str,
        *,
        ping_seconds: float = PING_SECONDS,
        pong_timeout: float = PONG_TIMEOUT,
    ) -> None:
        """Keep an established socket (use `connect`)."""
        self._ws = ws
        self.socket_id = socket_id
        self._ping_seconds = ping_seconds
        self._pong_timeout = pong_timeout
        self.subscribed: set[str] = set()

    @classmethod
    async def connect(
        cls,
        session: aiohttp.ClientSession,
        url: str,
        *,
        connect_seconds: float = CONNECT_TIMEOUT,
        ping_seconds: float | None = None,
        pong_timeout: float | None = None,
    ) -> PusherSocket:
        """Open the socket and wait for the server's ``connection_established``.

        Raises `CannotConnect` when the server cannot be reached or refuses the WebSocket
        handshake, `PusherError` when it reports an error, `BadResponse` when it does not
        speak the protocol. Pings follow `PING_SECONDS` and `PONG_TIMEOUT` unless given
        (a server's shorter ``activity_timeout`` wins).
        """
        ping_seconds = PING_SECONDS if ping_seconds is None else ping_seconds
        pong_timeout = PONG_TIMEOUT if pong_timeout is None else pong_timeout
        try:
            async with asyncio.timeout(connect_seconds):
                ws = await session.ws_connect(url, autoping=True)
        except aiohttp.WSServerHandshakeError as err:
            raise CannotConnect(f"socket refused: HTTP {err.status}") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnect(f"socket unreachable: {type(err).__name__}") from err
        try:
            async with asyncio.timeout(connect_seconds):
                message = await cls._receive(ws)
            if message.get("event") == "pusher:error":
                raise _error(message)
            data = _decode(message.get("data"))
            if message.get("event") != "pusher:connection_established" or not isinstance(
                data, dict
            ):
                raise BadResponse(f"not a Pusher server: first event {message.get('event')!r}")
            socket_id = data.get("socket_id")
            if not isinstance(socket_id, str) or not socket_id:
                raise BadResponse("Pusher connection without a socket id")
            activity = data.get("activity_timeout")
            if (
                isinstance(activity, int | float)
                and not isinstance(activity, bool)
                and activity > 0
            ):
                ping_seconds = min(ping_seconds, float(activity))
        except TimeoutError as err:
            await ws.close()
            raise CannotConnect("Pusher server did not greet in time") from err
        except BaseException:
            await ws.close()
            raise
        return cls(ws, socket_id, ping_seconds=ping_seconds, pong_timeout=pong_timeout)

    @staticmethod
    async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        """Return the next protocol message; raise when the socket closed or broke."""
        while True:
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                try:
                    message = json.loads(msg.data)
                except ValueError as err:
                    raise BadResponse("Pusher message is not JSON") from err
                if not isinstance(message, dict):
                    raise BadResponse("Pusher message is not an object")
                return message
            if msg.type in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG):
                continue  # pragma: no cover - aiohttp answers these itself
            if msg.type is aiohttp.WSMsgType.BINARY:
                raise BadResponse("Pusher sent a binary message")
            if msg.type is aiohttp.WSMsgType.ERROR:
                raise CannotConnect(f"socket error: {type(ws.exception()).__name__}")
            raise PusherError(f"socket closed by the server ({ws.close_code})")

    async def _send(self, event: str, data: Any) -> None:
        try:
            await self._ws.send_str(json.dumps({"event": event, "data": data}))
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as err:
            raise CannotConnect(f"socket send failed: {type(err).__name__}") from err

    async def subscribe(self, channel: str, auth: str | None = None) -> None:
        """Ask for a channel; `events` confirms it (or raises `SubscriptionRefused`)."""
        data: dict[str, str] = {"channel": channel}
        if auth is not None:
            data["auth"] = auth
        await self._send("pusher:subscribe", data)

    async def events(self) -> AsyncIterator[PusherEvent]:
        """Yield channel events until the socket closes (raises) or the caller stops.

        Subscription confirmations are recorded in `subscribed` and yielded as
        ``pusher_internal:subscription_succeeded`` events, so the caller knows when it is
        listening everywhere.
        """
        ping_sent: float | None = None
        while True:
            wait = (
                self._ping_seconds
                if ping_sent is None
                else max(0.0, ping_sent + self._pong_timeout - time.monotonic())
            )
            try:
                async with asyncio.timeout(wait):
                    message = await self._receive(self._ws)
            except TimeoutError:
                if ping_sent is not None:
                    raise CannotConnect("Pusher server did not answer a ping") from None
                await self._send("pusher:ping", {})
                ping_sent = time.monotonic()
                continue
            ping_sent = None  # any message proves the socket is alive
            event = message.get("event")
            if not isinstance(event, str):
                _LOGGER.debug("Pusher message without an event skipped")
                continue
            if event == "pusher:ping":
                await self._send("pusher:pong", {})
                continue
            if event == "pusher:pong":
                continue
            if event == "pusher:error":
                raise _error(message)
            channel = message.get("channel")
            if event == "pusher:subscription_error":
                data = _decode(message.get("data"))
                status = data.get("status") if isinstance(data, dict) else None
                raise SubscriptionRefused(
                    f"channel {channel!r} refused",
                    status if isinstance(status, int) else None,
                )
            if not isinstance(channel, str):
                _LOGGER.debug("Pusher event %s without a channel skipped", event)
                continue
            if event == "pusher_internal:subscription_succeeded":
                self.subscribed.add(channel)
            yield PusherEvent(channel, event, _decode(message.get("data")))

    async def close(self) -> None:
        """Close the socket."""
        await self._ws.close()


def _error(message: dict[str, Any]) -> OmniCamError:
    data = _decode(message.get("data"))
    data = data if isinstance(data, dict) else {}
    code = data.get("code")
    text = data.get("message")
    text = text if isinstance(text, str) and text else "Pusher error"
    return PusherError(text[:200], code if isinstance(code, int) else None)
