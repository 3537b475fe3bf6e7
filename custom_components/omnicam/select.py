"""Selects: go to one of a PTZ camera's preset positions."""

from __future__ import annotations

import asyncio

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, LOGGER
from .coordinator import OmniCamConfigEntry, OmniCamCoordinator
from .entity import OmniCamEntity, async_add_camera_entities
from .vendors.errors import OmniCamError
from .vendors.models import Camera, Capability, PtzPreset

PARALLEL_UPDATES = 1
PRESET = SelectEntityDescription(key="ptz_preset", translation_key="ptz_preset")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a preset select to each camera that has presets."""

    def build(coordinator: OmniCamCoordinator, camera: Camera) -> list[PresetSelect]:
        if camera.has(Capability.PTZ_PRESETS):
            return [PresetSelect(coordinator, camera)]
        return []

    async_add_camera_entities(entry, async_add_entities, build)


class PresetSelect(OmniCamEntity, SelectEntity):
    """Choosing a preset moves the camera there; the choice shows the last preset gone to.

    The presets are read when the entity is added, and again when a preset that is not
    known is asked for (so renaming them on the device shows after a reload). While none
    could be read (the device did not answer at start), they are read again after every
    poll until they are.
    """

    _attr_current_option: str | None = None

    def __init__(self, coordinator: OmniCamCoordinator, camera: Camera) -> None:
        """Initialise the select."""
        super().__init__(coordinator, camera, PRESET)
        self._presets: list[PtzPreset] = []
        self._attr_options = []
        self._reading: asyncio.Task[None] | None = None

    async def async_added_to_hass(self) -> None:
        """Read the presets; read them again after polls while there are none."""
        await super().async_added_to_hass()
        await self._async_read_presets()
        self.async_on_remove(self.coordinator.async_add_listener(self._async_polled))

    @callback
    def _async_polled(self) -> None:
        """After a poll: read the presets again if none could be read so far."""
        if self._presets or self._reading is not None or not self.available:
            return
        self._reading = self.coordinator.config_entry.async_create_background_task(
            self.hass, self._async_read_again(), f"{DOMAIN} presets {self.entity_id}"
        )

    async def _async_read_again(self) -> None:
        try:
            await self._async_read_presets()
        finally:
            self._reading = None
        if self._presets:
            self.async_write_ha_state()

    async def _async_read_presets(self) -> None:
        try:
            self._presets = await self.coordinator.client.async_list_presets(self.camera_id)
        except OmniCamError as err:
            LOGGER.debug(
                "%s: presets not read: %s", self.entity_id, self.coordinator.client.scrub(str(err))
            )
            return
        self._attr_options = [self._label(preset) for preset in self._presets]

    @staticmethod
    def _label(preset: PtzPreset) -> str:
        return preset.name or f"Preset {preset.id}"

    async def async_select_option(self, option: str) -> None:
        """Go to the preset."""
        preset = next((p for p in self._presets if self._label(p) == option), None)
        if preset is None:
            await self._async_read_presets()
            preset = next((p for p in self._presets if self._label(p) == option), None)
        if preset is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_preset",
                translation_placeholders={"preset": option},
            )
        await self.async_command(
            self.coordinator.client.async_goto_preset(self.camera_id, preset.id)
        )
        self._attr_current_option = option
        self.async_write_ha_state()
