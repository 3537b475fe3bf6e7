"""OmniCam: cameras of several vendor platforms in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .access import async_ensure_media_key
from .const import CONF_TIME_ZONE, CONF_VENDOR, DOMAIN, LOGGER
from .coordinator import (
    OmniCamConfigEntry,
    OmniCamCoordinator,
    OmniCamRuntimeData,
    device_identifier,
)
from .registry import MINOR_VERSION, async_migrate_ids
from .services import async_setup_services
from .vendors import VENDORS
from .views import (
    LIVE_RELAYS,
    OmniCamHlsView,
    OmniCamLiveView,
    OmniCamMediaView,
    OmniCamThumbnailView,
)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register what every entry shares: the media proxy and the actions."""
    hass.http.register_view(OmniCamMediaView(hass))
    hass.http.register_view(OmniCamThumbnailView(hass))
    hass.http.register_view(OmniCamLiveView(hass))
    hass.http.register_view(OmniCamHlsView(hass))
    hass.data[LIVE_RELAYS] = {}
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OmniCamConfigEntry) -> bool:
    """Connect to the account and set up its cameras."""
    async_ensure_media_key(hass, entry)
    vendor = VENDORS.get(entry.data[CONF_VENDOR])
    if vendor is None:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="unknown_vendor",
            translation_placeholders={"vendor": str(entry.data[CONF_VENDOR])},
        )
    # Options (e.g. a sub stream) and Home Assistant's time zone (local devices
    # report local times) are handed over with the entry's data.
    client = vendor.from_config(
        async_get_clientsession(hass, verify_ssl=entry.data.get("verify_ssl", True)),
        {CONF_TIME_ZONE: hass.config.time_zone, **entry.data, **entry.options},
    )
    coordinator = OmniCamCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = OmniCamRuntimeData(client=client, coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date; refuse one of a later version."""
    if entry.version > 1:
        return False
    if entry.minor_version < MINOR_VERSION:
        # 1.2: unique ids and device identifiers carry the account's unique id.
        await async_migrate_ids(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=MINOR_VERSION)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: OmniCamConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops with the entry; the client closes."""
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    await entry.runtime_data.client.async_close()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: OmniCamConfigEntry) -> None:
    """End the vendor session of a removed entry (kept across restarts, so ended only now).

    The entry is unloaded already: a client is built from its data for the logout. A
    failure is logged, never raised: the entry goes anyway.
    """
    vendor = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
    if vendor is None:
        return
    client = vendor.from_config(
        async_get_clientsession(hass, verify_ssl=entry.data.get("verify_ssl", True)),
        {CONF_TIME_ZONE: hass.config.time_zone, **entry.data, **entry.options},
    )
    try:
        await client.async_logout()
    except Exception as err:  # noqa: BLE001 - removing the entry must not fail
        LOGGER.warning(
            "%s: the vendor session was not ended: %s", entry.title, client.scrub(repr(err))
        )


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OmniCamConfigEntry, device: DeviceEntry
) -> bool:
    """Allow removing a device only when its camera is no longer on the account."""
    cameras = entry.runtime_data.coordinator.data.cameras
    return not any(device_identifier(entry, cid) in device.identifiers for cid in cameras)
