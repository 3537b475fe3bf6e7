"""Binary sensors: stream and server state, live video, being online, and what goes on.

What goes on comes from the realtime feed: one binary sensor per event kind the camera
reports (motion, person, vehicle, sound, line crossing, intrusion, video loss, tampering,
alarm input, fire, face, licence plate, counting). Each kind is mapped here once to its
device class and name; vendors map their own event codes to kinds.
"""

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

from .coordinator import OmniCamConfigEntry, OmniCamCoordinator
from .entity import OmniCamEntity, async_add_camera_entities, async_add_described_entities
from .vendors.models import Camera, CameraStatus, Capability, EventKind

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OmniCamBinarySensorDescription(BinarySensorEntityDescription):
    """How a binary sensor reads a camera's status."""

    capability: Capability
    value_fn: Callable[[CameraStatus], bool | None]


def _event(
    kind: EventKind,
    device_class: BinarySensorDeviceClass | None = None,
    translation_key: str | None = None,
) -> OmniCamBinarySensorDescription:
    return OmniCamBinarySensorDescription(
        key=kind.value,
        translation_key=translation_key,
        device_class=device_class,
        capability=Capability.MOTION,
        value_fn=lambda status: None if status.active is None else kind in status.active,
    )


EVENT_SENSORS: dict[EventKind, OmniCamBinarySensorDescription] = {
    EventKind(description.key): description
    for description in (
        _event(EventKind.MOTION, BinarySensorDeviceClass.MOTION),
        _event(EventKind.PERSON, BinarySensorDeviceClass.OCCUPANCY, "person"),
        _event(EventKind.VEHICLE, BinarySensorDeviceClass.MOTION, "vehicle"),
        _event(EventKind.LINE_CROSSING, None, "line_crossing"),
        _event(EventKind.INTRUSION, None, "region_intrusion"),
        _event(EventKind.SOUND, BinarySensorDeviceClass.SOUND),
        _event(EventKind.SOUND_ANOMALY, BinarySensorDeviceClass.SOUND, "sound_anomaly"),
        _event(EventKind.TAMPERING, BinarySensorDeviceClass.TAMPER),
        _event(EventKind.VIDEO_LOSS, BinarySensorDeviceClass.PROBLEM, "video_loss"),
        _event(EventKind.ALARM_INPUT, BinarySensorDeviceClass.SAFETY, "alarm_input"),
        _event(EventKind.FIRE, BinarySensorDeviceClass.SMOKE, "fire"),
        _event(EventKind.FACE, None, "face"),
        _event(EventKind.LICENSE_PLATE, None, "license_plate"),
        _event(EventKind.COUNTING, BinarySensorDeviceClass.OCCUPANCY, "counting"),
    )
}
"""Every kind that is a state, once: a doorbell ring is a moment (the doorbell event
entity fires it), so it has no binary sensor."""


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
        key="archive_recording",
        translation_key="archive_recording",
        device_class=BinarySensorDeviceClass.RUNNING,
        capability=Capability.ARCHIVE_STATE,
        value_fn=lambda status: status.archive_recording,
    ),
    OmniCamBinarySensorDescription(
        key="live",
        translation_key="live",
        capability=Capability.LIVE_STATE,
        value_fn=lambda status: status.live,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors each camera supports."""

    async_add_described_entities(entry, async_add_entities, BINARY_SENSORS, OmniCamBinarySensor)

    def events(coordinator: OmniCamCoordinator, camera: Camera) -> list[OmniCamBinarySensor]:
        if not camera.has(Capability.MOTION):
            return []
        return [
            OmniCamBinarySensor(coordinator, camera, EVENT_SENSORS[kind])
            for kind in camera.event_types
            if kind in EVENT_SENSORS
        ]

    async_add_camera_entities(entry, async_add_entities, events)


class OmniCamBinarySensor(OmniCamEntity, BinarySensorEntity):
    """A binary sensor of a camera."""

    entity_description: OmniCamBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the value from the camera's status."""
        return self.entity_description.value_fn(self.status)

    def _available_when_blocked(self) -> bool:
        """Keep the online sensor: it tells that (and why) a withheld camera is out of reach."""
        return self.entity_description.key == "online"

    @property
    def extra_state_attributes(self) -> dict[str, str] | None:
        """Return why the camera is offline, when it is and the vendor says why."""
        if self.entity_description.key != "online":
            return None
        status = self.status
        if status.online is not False or not status.offline_reason:
            return None
        return {"offline_reason": status.offline_reason}
