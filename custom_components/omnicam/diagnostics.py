"""Diagnostics: the account and its cameras, with every secret removed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant

from .const import CONF_MEDIA_KEY
from .coordinator import OmniCamConfigEntry
from .vendors.base import REDACTED

TO_REDACT = {
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
    CONF_EMAIL,
    CONF_MEDIA_KEY,
    CONF_ACCESS_TOKEN,
    "client_uuid",
    "codes",
    "macs",
}
"""Keys never shown. Besides secrets: the login's name (the title may show it), the MACs,
and the client id a server knows this installation by (``client_uuid``): not a secret,
but it names this Home Assistant to the server."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OmniCamConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    data = coordinator.data
    client = runtime.client
    to_redact = TO_REDACT | set(client.stored_secrets)
    dump = {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), to_redact),
        },
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "update_interval_seconds": coordinator.update_interval.total_seconds()
            if coordinator.update_interval
            else None,
            "last_poll_seconds": coordinator.last_poll_seconds,
        },
        "feeds": coordinator.feed_summary(),
        "cameras": {
            camera_id: {
                "camera": async_redact_data(asdict(camera), to_redact)
                | {
                    "capabilities": sorted(camera.capabilities),
                    "maybe": sorted(camera.maybe),
                },
                "status": async_redact_data(asdict(data.status[camera_id]), to_redact)
                if camera_id in data.status
                else None,
            }
            for camera_id, camera in data.cameras.items()
        },
        "requests": dict(sorted(client.request_count.items())),
    }
    # Belt and braces: nothing the client holds as a secret leaves, wherever it hides,
    # and neither does the login's email or user name (the title may show it).
    identities = [
        str(entry.data[key]) for key in (CONF_EMAIL, CONF_USERNAME) if entry.data.get(key)
    ]

    def scrub(text: str) -> str:
        for identity in identities:
            text = text.replace(identity, REDACTED)
        return client.scrub(text)

    scrubbed: dict[str, Any] = _scrub(dump, scrub)
    return scrubbed


def _scrub(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {key: _scrub(item, scrub) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, scrub) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(_scrub(item, scrub) for item in value)
    if isinstance(value, str):
        return scrub(value)
    return value
