"""Play a camera through Home Assistant's own `stream`, as the frontend's HLS player does."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.camera import Camera
from homeassistant.components.http import ApiConfig
from homeassistant.components.stream import Stream
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component


async def async_serve_api(hass: HomeAssistant, hass_client: Any) -> Any:
    """Serve Home Assistant's HTTP API on a loopback port and say so in its config.

    The live relay's URL names the API's port: Home Assistant's stream worker (another
    thread, through FFmpeg) must reach it there. Returns the test client.

    Once served, the HTTP router is frozen (newer Home Assistant releases refuse to register
    a view after that): the components a playing test registers views for, ``stream`` and
    ``websocket_api``, are set up first.
    """
    for component in ("stream", "websocket_api"):
        assert await async_setup_component(hass, component, {})
    client = await hass_client()
    hass.config.api = ApiConfig("127.0.0.1", "127.0.0.1", client.port, False)
    return client


def camera_entity(hass: HomeAssistant, entity_id: str) -> Camera:
    """Return the camera entity object."""
    camera: Camera | None = hass.data["camera"].get_entity(entity_id)
    assert camera is not None, entity_id
    return camera


async def async_play(hass: HomeAssistant, entity_id: str, seconds: float = 30.0) -> Stream:
    """Open the camera's stream and wait until its HLS output holds a segment.

    What the ``camera/stream`` websocket command does, then what the player's first
    playlist read waits for. The stream is left running: stop it with ``stream.stop()``.
    """
    assert await async_setup_component(hass, "stream", {})
    camera = camera_entity(hass, entity_id)
    stream = await camera.async_create_stream()
    assert stream is not None
    track = stream.add_provider("hls")
    await stream.start()
    async with asyncio.timeout(seconds):
        while not track.get_segments():
            await track.recv()
    return stream


async def async_stop(stream: Stream) -> None:
    """Stop a stream as its last viewer leaving does, its outputs' idle timers with it.

    ``Stream.stop()`` alone drops the outputs without cleaning them up, so the idle timer
    of an output that had video stays scheduled after the test.
    """
    for provider in list(stream.outputs().values()):
        await stream.remove_provider(provider)
    await stream.stop()
