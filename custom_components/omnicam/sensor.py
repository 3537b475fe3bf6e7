"""Sensors: service plan, live stream properties, cloud storage, memory card and boot time.

The plans a service-level sensor can show are the vendor's (`VendorClient.service_levels`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfDataRate, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OmniCamConfigEntry
from .entity import OmniCamEntity, async_add_described_entities
from .vendors.models import CameraStatus, Capability

PARALLEL_UPDATES = 0

type SensorValue = str | int | float | datetime | None


@dataclass(frozen=True, kw_only=True)
class OmniCamSensorDescription(SensorEntityDescription):
    """How a sensor reads a camera's status."""

    capability: Capability
    value_fn: Callable[[CameraStatus], SensorValue]


def _stream(read: Callable[..., SensorValue]) -> Callable[[CameraStatus], SensorValue]:
    return lambda status: read(status.stream_info) if status.stream_info else None


def _storage(read: Callable[..., SensorValue]) -> Callable[[CameraStatus], SensorValue]:
    return lambda status: read(status.storage) if status.storage else None


def _card(read: Callable[..., SensorValue]) -> Callable[[CameraStatus], SensorValue]:
    return lambda status: read(status.card) if status.card else None


SENSORS: tuple[OmniCamSensorDescription, ...] = (
    OmniCamSensorDescription(
        key="service_level",
        translation_key="service_level",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.SERVICE_LEVEL,
        value_fn=lambda status: status.service_level,
    ),
    OmniCamSensorDescription(
        key="video_resolution",
        translation_key="video_resolution",
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.STREAM_INFO,
        value_fn=_stream(lambda info: info.resolution),
    ),
    OmniCamSensorDescription(
        key="video_fps",
        translation_key="video_fps",
        native_unit_of_measurement="fps",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.STREAM_INFO,
        value_fn=_stream(lambda info: info.fps),
    ),
    OmniCamSensorDescription(
        key="video_codec",
        translation_key="video_codec",
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.STREAM_INFO,
        value_fn=_stream(lambda info: info.video_codec),
    ),
    OmniCamSensorDescription(
        key="audio_codec",
        translation_key="audio_codec",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        capability=Capability.STREAM_INFO,
        value_fn=_stream(lambda info: info.audio_codec),
    ),
    OmniCamSensorDescription(
        key="bandwidth",
        translation_key="bandwidth",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.MEGABITS_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        capability=Capability.STREAM_BANDWIDTH,
        value_fn=_stream(lambda info: info.bandwidth_mbps),
    ),
    OmniCamSensorDescription(
        key="storage_size",
        translation_key="storage_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        state_class=SensorStateClass.MEASUREMENT,
        capability=Capability.STORAGE_INFO,
        value_fn=_storage(lambda info: info.total_size_mb),
    ),
    OmniCamSensorDescription(
        key="storage_files",
        translation_key="storage_files",
        state_class=SensorStateClass.MEASUREMENT,
        capability=Capability.STORAGE_INFO,
        value_fn=_storage(lambda info: info.file_count),
    ),
    OmniCamSensorDescription(
        key="first_recording",
        translation_key="first_recording",
        device_class=SensorDeviceClass.TIMESTAMP,
        capability=Capability.STORAGE_INFO,
        value_fn=_storage(lambda info: info.first_recording),
    ),
    OmniCamSensorDescription(
        key="last_recording",
        translation_key="last_recording",
        device_class=SensorDeviceClass.TIMESTAMP,
        capability=Capability.STORAGE_INFO,
        value_fn=_storage(lambda info: info.last_recording),
    ),
    OmniCamSensorDescription(
        key="sd_card_free",
        translation_key="sd_card_free",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.GIGABYTES,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.SD_CARD,
        value_fn=_card(lambda card: card.free_gb),
    ),
    OmniCamSensorDescription(
        key="sd_card_total",
        translation_key="sd_card_total",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.GIGABYTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.SD_CARD,
        value_fn=_card(lambda card: card.total_gb),
    ),
    OmniCamSensorDescription(
        key="sd_card_used",
        translation_key="sd_card_used",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.SD_CARD,
        value_fn=_card(lambda card: card.used_percent),
    ),
    OmniCamSensorDescription(
        key="boot_time",
        translation_key="boot_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.BOOT_TIME,
        value_fn=lambda status: status.boot_time,
    ),
    OmniCamSensorDescription(
        key="archive_start",
        translation_key="archive_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        capability=Capability.ARCHIVE_STATE,
        value_fn=lambda status: status.archive_start,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors each camera's plan allows."""
    levels = list(entry.runtime_data.client.service_levels)
    descriptions = [
        replace(description, options=levels) if description.key == "service_level" else description
        for description in SENSORS
    ]
    async_add_described_entities(entry, async_add_entities, descriptions, OmniCamSensor)


class OmniCamSensor(OmniCamEntity, SensorEntity):
    """A sensor of a camera."""

    entity_description: OmniCamSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Return the value from the camera's status."""
        return self.entity_description.value_fn(self.status)
