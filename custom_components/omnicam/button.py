"""Buttons: PTZ moves, PTZ stop and home, recording an event, a mark, and capturing a still.

A camera whose PTZ moves are steps of its own size (`Capability.PTZ_STEPS`) has no stop
to send: it gets no stop button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OmniCamConfigEntry, OmniCamCoordinator
from .entity import OmniCamEntity, async_add_described_entities
from .vendors.base import VendorClient
from .vendors.models import Camera, Capability, PtzDirection

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OmniCamButtonDescription(ButtonEntityDescription):
    """A button and what pressing it asks of the vendor."""

    capability: Capability
    press_fn: Callable[[VendorClient, str], Awaitable[None]]
    unless: Capability | None = None
    """No button for a camera that has this capability."""


def _ptz(direction: PtzDirection) -> OmniCamButtonDescription:
    return OmniCamButtonDescription(
        key=f"ptz_{direction.value}",
        translation_key=f"ptz_{direction.value}",
        capability=Capability.PTZ,
        press_fn=lambda client, cid: client.async_ptz_step(cid, direction),
    )


BUTTONS: tuple[OmniCamButtonDescription, ...] = (
    *(_ptz(direction) for direction in PtzDirection),
    OmniCamButtonDescription(
        key="ptz_stop",
        translation_key="ptz_stop",
        capability=Capability.PTZ,
        press_fn=lambda client, cid: client.async_ptz_stop(cid),
        unless=Capability.PTZ_STEPS,
    ),
    OmniCamButtonDescription(
        key="ptz_home",
        translation_key="ptz_home",
        capability=Capability.PTZ_HOME,
        press_fn=lambda client, cid: client.async_ptz_home(cid),
    ),
    OmniCamButtonDescription(
        key="mark",
        translation_key="mark",
        capability=Capability.MARK,
        press_fn=lambda client, cid: client.async_create_mark(cid),
    ),
    OmniCamButtonDescription(
        key="record_event",
        translation_key="record_event",
        capability=Capability.TRIGGER_RECORDING,
        press_fn=lambda client, cid: client.async_trigger_recording(cid),
    ),
    OmniCamButtonDescription(
        key="capture_still",
        translation_key="capture_still",
        capability=Capability.CAPTURE_STILL,
        press_fn=lambda client, cid: client.async_capture_still(cid),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons each camera supports."""

    def button(
        coordinator: OmniCamCoordinator, camera: Camera, description: OmniCamButtonDescription
    ) -> Entity | None:
        if description.unless is not None and camera.has(description.unless):
            return None
        return OmniCamButton(coordinator, camera, description)

    async_add_described_entities(entry, async_add_entities, BUTTONS, button)


class OmniCamButton(OmniCamEntity, ButtonEntity):
    """A button of a camera."""

    entity_description: OmniCamButtonDescription

    async def async_press(self) -> None:
        """Send the command."""
        await self.async_command(
            self.entity_description.press_fn(self.coordinator.client, self.camera_id)
        )
