"""Device registry look-ups for tests, on Home Assistant before and after single-entry devices.

See `custom_components.omnicam.devices`: since 2026.8 a device has one config entry and
identifiers are unique per entry, and the calls of the older model log deprecations.
"""

from __future__ import annotations

from typing import cast

from homeassistant.helpers import device_registry as dr

from custom_components.omnicam.devices import SINGLE_ENTRY_DEVICES


def find_device(registry: dr.DeviceRegistry, identifier: tuple[str, str]) -> dr.DeviceEntry | None:
    """Return the one device with this identifier, whichever entry has it."""
    if not SINGLE_ENTRY_DEVICES:
        return registry.async_get_device(identifiers={identifier})
    lookup = registry.async_get_devices  # type: ignore[attr-defined,unused-ignore]
    devices = cast(list[dr.DeviceEntry], lookup(identifiers={identifier}))
    assert len(devices) <= 1, f"{identifier} names {len(devices)} devices"
    return devices[0] if devices else None


def entry_ids(device: dr.DeviceEntry) -> set[str]:
    """Return the ids of the config entries the device belongs to."""
    if SINGLE_ENTRY_DEVICES:
        return {cast(str, getattr(device, "config_entry_id"))}  # noqa: B009
    return set(device.config_entries)
