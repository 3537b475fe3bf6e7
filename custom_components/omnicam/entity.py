"""Base entity: one device per camera, availability, and state written only on change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import (
    OmniCamConfigEntry,
    OmniCamCoordinator,
    camera_key,
    device_identifier,
    parent_identifier,
)
from .devices import with_via_device
from .vendors.errors import AuthError, OmniCamError
from .vendors.models import Camera, CameraStatus, Capability


class OmniCamEntity(CoordinatorEntity[OmniCamCoordinator]):
    """An entity of one camera."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: OmniCamCoordinator,
        camera: Camera,
        description: EntityDescription | None = None,
    ) -> None:
        """Initialise the entity for a camera."""
        super().__init__(coordinator)
        self.camera_id = camera.id
        entry = coordinator.config_entry
        key = description.key if description else "camera"
        if description is not None:
            self.entity_description = description
            capability = getattr(description, "capability", None)
            if capability is not None and not camera.has(capability):
                # The vendor cannot tell whether the camera can do it: let the user decide.
                self._attr_entity_registry_enabled_default = False
        self._attr_unique_id = f"{camera_key(entry, camera.id)}:{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={device_identifier(entry, camera.id)},
            name=camera.name,
            manufacturer=camera.manufacturer,
            model=camera.model,
            sw_version=camera.sw_version,
        )
        if camera.macs:
            self._attr_device_info["connections"] = {
                (CONNECTION_NETWORK_MAC, mac) for mac in camera.macs
            }
        if camera.parent is not None:
            self._attr_device_info = with_via_device(
                self._attr_device_info,
                dr.async_get(coordinator.hass),
                entry.entry_id,
                parent_identifier(entry, camera.parent),
            )
        self._written: tuple[Any, ...] | None = None

    @property
    def camera(self) -> Camera:
        """Return the camera as last read."""
        return self.coordinator.data.cameras[self.camera_id]

    @property
    def status(self) -> CameraStatus:
        """Return the camera's status as last read."""
        return self.coordinator.data.status[self.camera_id]

    @property
    def available(self) -> bool:
        """Return True when the camera and its status are known, and it is not withheld."""
        data = self.coordinator.data
        if not (
            super().available and self.camera_id in data.cameras and self.camera_id in data.status
        ):
            return False
        return not data.status[self.camera_id].blocked or self._available_when_blocked()

    def _available_when_blocked(self) -> bool:
        """Tell whether the entity still says something of a camera the vendor withholds."""
        return False

    async def async_command[T](self, command: Awaitable[T]) -> T:
        """Await a vendor command; a failure becomes a translated error for the user."""
        client = self.coordinator.client
        try:
            return await command
        except AuthError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except OmniCamError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"error": client.scrub(str(err))},
            ) from err

    def _state_key(self) -> tuple[Any, ...]:
        data = self.coordinator.data
        return (
            self.coordinator.last_update_success,
            data.cameras.get(self.camera_id),
            data.status.get(self.camera_id),
        )

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write state only when this camera changed."""
        key = self._state_key()
        if key == self._written:
            return
        self._written = key
        super()._handle_coordinator_update()

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from; listen to pushes."""
        await super().async_added_to_hass()
        self._written = self._state_key()
        self.async_on_remove(
            self.coordinator.async_add_camera_listener(
                self.camera_id, self._handle_coordinator_update
            )
        )


def async_add_camera_entities(
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[OmniCamCoordinator, Camera], Iterable[Entity]],
) -> None:
    """Add the entities of every camera now and of every camera that appears later."""
    coordinator = entry.runtime_data.coordinator
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new = [cid for cid in coordinator.data.cameras if cid not in added]
        if not new:
            return
        added.update(new)
        async_add_entities(
            entity for cid in new for entity in build(coordinator, coordinator.data.cameras[cid])
        )

    @callback
    def forget_removed() -> None:
        added.intersection_update(coordinator.data.cameras)
        add_new()

    forget_removed()
    entry.async_on_unload(coordinator.async_add_listener(forget_removed))


class _NeedsCapability(Protocol):
    @property
    def capability(self) -> Capability: ...


def async_add_described_entities[D: _NeedsCapability](
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    entity: Callable[[OmniCamCoordinator, Camera, D], Entity | None],
) -> None:
    """Add an entity per description whose capability a camera has (or may have).

    `entity` may return None: no entity of that description for that camera.
    """
    descriptions = tuple(descriptions)

    def build(coordinator: OmniCamCoordinator, camera: Camera) -> list[Entity]:
        return [
            built
            for description in descriptions
            if camera.may(description.capability)
            and (built := entity(coordinator, camera, description)) is not None
        ]

    async_add_camera_entities(entry, async_add_entities, build)
