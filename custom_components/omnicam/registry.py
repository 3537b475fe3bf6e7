"""Registry ids of an entry: migrating the forms of earlier versions, moving to a new account id.

Since config entry version 1.2 every entity unique id and device identifier starts with
``{vendor}:{account unique id}:`` (see `coordinator.account_prefix`). Version 1.1 named
cameras ``{vendor}:{camera id}`` and recorders ``{vendor}:recorder:{id}`` (Amcrest cameras
were already ``{vendor}:{account}:{channel}``), so two logins that see the same camera
shared one device and fought over its entities.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN, LOGGER
from .devices import identifiers_taken, owned_by_entry_alone, remove_from_entry
from .vendors import VENDORS

MINOR_VERSION = 2
"""The config entry minor version whose ids are scoped to the account."""


def _legacy_keys(entry: ConfigEntry) -> dict[str, str]:
    vendor = VENDORS.get(entry.data["vendor"])
    return dict(vendor.legacy_entity_keys) if vendor is not None else {}


@callback
def _async_rewrite_devices(
    hass: HomeAssistant, entry: ConfigEntry, rewrite: Callable[[str], str | None]
) -> dict[str, str]:
    """Give every device of the entry the identifiers `rewrite` returns (None: unchanged).

    A device that other entries share (two logins that saw the same camera) is not
    renamed: the entry gets a device of its own, with what the user set on the shared
    one, and leaves the shared device to the others. Returns old → new device ids.
    """
    registry = dr.async_get(hass)
    moved: dict[str, str] = {}
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        identifiers = {
            (domain, new)
            if domain == DOMAIN and (new := rewrite(value)) is not None
            else (domain, value)
            for domain, value in device.identifiers
        }
        if identifiers == device.identifiers:
            continue
        if identifiers_taken(registry, entry.entry_id, identifiers - device.identifiers):
            LOGGER.warning("Device %s is already known by its new identifiers", device.name)
            continue
        if owned_by_entry_alone(device, entry.entry_id):
            registry.async_update_device(device.id, new_identifiers=identifiers)
            continue
        own = registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers=identifiers,
            name=device.name,
            manufacturer=device.manufacturer,
            model=device.model,
            sw_version=device.sw_version,
        )
        registry.async_update_device(
            own.id,
            name_by_user=device.name_by_user,
            area_id=device.area_id,
            labels=set(device.labels),
            via_device_id=device.via_device_id,
        )
        moved[device.id] = own.id
    for old, new in moved.items():
        for entity in er.async_entries_for_device(
            er.async_get(hass), old, include_disabled_entities=True
        ):
            if entity.config_entry_id == entry.entry_id:
                er.async_get(hass).async_update_entity(entity.entity_id, device_id=new)
        if (shared := registry.async_get(old)) is not None:
            remove_from_entry(registry, shared, entry.entry_id)
    return moved


async def async_migrate_ids(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Rewrite the entry's unique ids and device identifiers of version 1.1 to 1.2's.

    Entity ids, names and device names stay: only what identifies them changes. Entity
    keys the vendor renamed since (`legacy_entity_keys`) are renamed too.
    """
    vendor = entry.data["vendor"]
    scoped = f"{vendor}:{entry.unique_id}:"
    legacy = _legacy_keys(entry)

    def device_id(value: str) -> str | None:
        if value.startswith(scoped) or not value.startswith(f"{vendor}:"):
            return None
        return scoped + value.removeprefix(f"{vendor}:")

    def entity(registry_entry: er.RegistryEntry) -> dict[str, str] | None:
        old = registry_entry.unique_id
        if old.startswith(scoped):
            rest = old.removeprefix(scoped)
        elif old.startswith(f"{vendor}:"):
            rest = old.removeprefix(f"{vendor}:")
        else:
            return None
        camera_id, sep, key = rest.rpartition(":")
        if not sep:
            return None
        new = f"{scoped}{camera_id}:{legacy.get(key, key)}"
        if new == old:
            return None
        if er.async_get(hass).async_get_entity_id(registry_entry.domain, DOMAIN, new):
            LOGGER.warning(
                "%s: unique id %s is taken; left as it was", registry_entry.entity_id, new
            )
            return None
        return {"new_unique_id": new}

    _async_rewrite_devices(hass, entry, device_id)
    await er.async_migrate_entries(hass, entry.entry_id, entity)


async def async_rescope(
    hass: HomeAssistant, entry: ConfigEntry, old_unique_id: str, new_unique_id: str
) -> None:
    """Move the entry's entities and devices from one account unique id to another.

    For a vendor whose account id changes although the account stays the same (IPCamLive
    derives it from the secret): call before the entry's unique id is changed.
    """
    vendor = entry.data["vendor"]
    old, new = f"{vendor}:{old_unique_id}:", f"{vendor}:{new_unique_id}:"
    if old == new:
        return

    def device_id(value: str) -> str | None:
        return new + value.removeprefix(old) if value.startswith(old) else None

    def entity(registry_entry: er.RegistryEntry) -> dict[str, str] | None:
        unique_id = registry_entry.unique_id
        if not unique_id.startswith(old):
            return None
        return {"new_unique_id": new + unique_id.removeprefix(old)}

    _async_rewrite_devices(hass, entry, device_id)
    await er.async_migrate_entries(hass, entry.entry_id, entity)
