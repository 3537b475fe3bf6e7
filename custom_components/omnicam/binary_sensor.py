"""Binary sensors: stream and server state, live video, being online, and motion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OmniCamConfigEntry
from .entity import OmniCamEntity, async_add_described_entities
from .vendors.models import CameraStatus, Capability

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OmniCamBinarySensorDescription(BinarySensorEntityDescription):
    """How a binary sensor reads a camera's status."""

    capability: Capability
    value_fn: Callable[[CameraStatus], bool | None]


BINARY_SENSORS: tuple[OmniCamBinarySensorDescription, ...] = (
    OmniCamBinarySensorDescription(
        key="stream_connected",
        translation_key="stream_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        capability=Capability.STREAM_STATE,
        value_fn=lambda status: status.stream_connected,
    ),
    OmniCamBinarySensorDescription(
        key="server_online",
        translation_key="server_online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.SERVER_STATE,
        value_fn=lambda status: status.server_online,
    ),
    OmniCamBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        capability=Capability.ONLINE_STATE,
        value_fn=lambda status: status.online,
    ),
    OmniCamBinarySensorDescription(
        key="live",
        translation_key="live",
        capability=Capability.LIVE_STATE,
        value_fn=lambda status: status.live,
    ),
    OmniCamBinarySensorDescription(
        key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        capability=Capability.MOTION,
        value_fn=lambda status: status.motion,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors each camera supports."""

    async_add_described_entities(entry, async_add_entities, BINARY_SENSORS, OmniCamBinarySensor)


class OmniCamBinarySensor(OmniCamEntity, BinarySensorEntity):
    """A binary sensor of a camera."""

    entity_description: OmniCamBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the value from the camera's status."""
        return self.entity_description.value_fn(self.status)
