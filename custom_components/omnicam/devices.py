"""Device registry calls that work before and after devices became single-entry.

Home Assistant up to 2026.7 let one device belong to several config entries and kept
identifiers unique across all of them. Since 2026.8 a device belongs to exactly one config
entry, identifiers are unique per config entry only, and the calls of the old model
(`async_get_device`, `add_config_entry_id`/`remove_config_entry_id`, `via_device`,
`DeviceEntry.config_entries`) are deprecated. OmniCam supports both: every registry call that
differs between them goes through this module, which uses the new calls when the registry
has them and the old ones otherwise, so neither version logs a deprecation for OmniCam.
"""

from __future__ import annotations

from typing import Final, cast

from homeassistant.helpers import device_registry as dr

SINGLE_ENTRY_DEVICES: Final = hasattr(dr.DeviceRegistry, "async_get_device_by_identifier")
"""True when a device belongs to a single config entry (Home Assistant 2026.8 and newer)."""


def device_by_identifier(
    registry: dr.DeviceRegistry, entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the entry's device with this identifier, if any."""
    if SINGLE_ENTRY_DEVICES:
        lookup = registry.async_get_device_by_identifier  # type: ignore[attr-defined,unused-ignore]
        return cast(dr.DeviceEntry | None, lookup(identifier, entry_id))
    device = registry.async_get_device(identifiers={identifier})
    if device is None or entry_id not in device.config_entries:
        return None
    return device


def identifiers_taken(
    registry: dr.DeviceRegistry, entry_id: str, identifiers: set[tuple[str, str]]
) -> bool:
    """Tell whether a device the entry could not take over already has one of the identifiers.

    With single-entry devices only the entry's own devices count (others may share
    identifiers); before, identifiers were unique across every entry.
    """
    if not identifiers:
        return False
    if SINGLE_ENTRY_DEVICES:
        lookup = registry.async_get_devices  # type: ignore[attr-defined,unused-ignore]
        return bool(lookup(identifiers=identifiers, config_entry_id=entry_id))
    return registry.async_get_device(identifiers=identifiers) is not None


def owned_by_entry_alone(device: dr.DeviceEntry, entry_id: str) -> bool:
    """Tell whether the entry is the only config entry of the device."""
    if SINGLE_ENTRY_DEVICES:
        return cast(str, getattr(device, "config_entry_id")) == entry_id  # noqa: B009
    return device.config_entries == {entry_id}


def remove_from_entry(registry: dr.DeviceRegistry, device: dr.DeviceEntry, entry_id: str) -> None:
    """Take the device away from the entry (and from the registry when no entry is left)."""
    if SINGLE_ENTRY_DEVICES:
        registry.async_remove_device(device.id)
        return
    registry.async_update_device(device.id, remove_config_entry_id=entry_id)


def with_via_device(
    info: dr.DeviceInfo,
    registry: dr.DeviceRegistry,
    entry_id: str,
    parent: tuple[str, str],
) -> dr.DeviceInfo:
    """Return the device info linked to its parent device (a recorder of channels).

    Since 2026.8 the link names the parent's device id (`via_device_id`), so the parent must
    be registered first; before, it named the parent's identifier (`via_device`).
    """
    if not SINGLE_ENTRY_DEVICES:
        return cast(dr.DeviceInfo, {**info, "via_device": parent})
    device = device_by_identifier(registry, entry_id, parent)
    if device is None:
        return info
    return cast(dr.DeviceInfo, {**info, "via_device_id": device.id})
