"""Event entities: every alert a camera's realtime feed reports, and doorbell presses."""

from __future__ import annotations

from homeassistant.components.event import EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OmniCamConfigEntry, OmniCamCoordinator, camera_key, event_signal
from .entity import OmniCamEntity, async_add_camera_entities
from .vendors.models import RING, Camera, CameraEvent, Capability, EventKind

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an event entity to each camera whose feed reports events."""

    def build(coordinator: OmniCamCoordinator, camera: Camera) -> list[OmniCamEntity]:
        entities: list[OmniCamEntity] = []
        if camera.has(Capability.MOTION) and camera.event_codes:
            entities.append(OmniCamEvent(coordinator, camera))
        if camera.has(Capability.DOORBELL):
            entities.append(DoorbellEvent(coordinator, camera))
        return entities

    async_add_camera_entities(entry, async_add_entities, build)


class _FeedEventEntity(OmniCamEntity, EventEntity):
    """An event entity that hears its camera's realtime events."""

    _key: str

    def __init__(self, coordinator: OmniCamCoordinator, camera: Camera) -> None:
        """Initialise the event entity."""
        super().__init__(coordinator, camera)
        self._attr_unique_id = f"{camera_key(coordinator.config_entry, camera.id)}:{self._key}"

    async def async_added_to_hass(self) -> None:
        """Listen to the camera's events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                event_signal(self.coordinator.config_entry.entry_id, self.camera_id),
                self._async_event,
            )
        )

    @callback
    def _async_event(self, event: CameraEvent) -> None:
        raise NotImplementedError


OTHER = "other"
"""The event type of a vendor code that has no kind."""
ALERT_EVENT_TYPES = [*(kind.value for kind in EventKind), OTHER]
"""What the alert entity fires: the shared kinds (translated), ``other`` for the rest."""


class OmniCamEvent(_FeedEventEntity):
    """Fires once per alert and action, with the event's kind as its type (translated).

    The vendor's own code (``VideoMotion``, ``audio``, …) is the ``code`` attribute, for
    automations that want it; the attributes also carry the magnitude, id and data.
    A code without a kind fires as ``other``.
    """

    _attr_device_class = EventDeviceClass.MOTION
    _attr_translation_key = "alert"
    _key = "alert"

    def __init__(self, coordinator: OmniCamCoordinator, camera: Camera) -> None:
        """Initialise the event entity."""
        super().__init__(coordinator, camera)
        self._codes = frozenset(camera.event_codes)
        # The kinds this camera reports, and `other`: an automation editor offers only
        # what can really come.
        kinds = {*camera.event_types, *camera.alert_kinds, OTHER}
        self._attr_event_types = [kind for kind in ALERT_EVENT_TYPES if kind in kinds]
        self._fired: set[tuple[str, str, str]] = set()

    @callback
    def _async_event(self, event: CameraEvent) -> None:
        """Fire for a new alert or action; the same heard again (e.g. its end) does not."""
        if event.type not in self._codes:
            return
        if event.id is not None:
            key = (event.type, event.id, str(event.data.get("action")))
            if key in self._fired:
                return
            self._fired.add(key)
            if len(self._fired) > 200:
                self._fired = {key}
        attributes: dict[str, str | int | float | bool | None] = {
            "code": event.type,
            "alert_id": event.id,
        }
        if event.magnitude is not None:
            attributes["magnitude"] = event.magnitude
        if event.start is not None:
            attributes["started"] = event.start.isoformat()
        attributes.update(event.data)
        kind = OTHER if event.kind is None else event.kind.value
        self._trigger_event(kind if kind in self.event_types else OTHER, attributes)
        self.async_write_ha_state()


class DoorbellEvent(_FeedEventEntity):
    """Fires ``ring`` when someone presses the doorbell."""

    _attr_device_class = EventDeviceClass.DOORBELL
    _attr_translation_key = "doorbell"
    _attr_event_types = [RING]
    _key = "doorbell"

    @callback
    def _async_event(self, event: CameraEvent) -> None:
        if event.kind is EventKind.RING:
            self._trigger_event(RING, dict(event.data))
            self.async_write_ha_state()
