"""Switches: the PIN lock of a camera's public stream, and recording on demand."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from .const import DOMAIN, LOGGER, RECORDING_KEEPALIVE
from .coordinator import OmniCamConfigEntry
from .entity import OmniCamEntity, async_add_described_entities
from .vendors.errors import OmniCamError
from .vendors.models import Capability, PinCode, RecordMode

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OmniCamSwitchDescription(SwitchEntityDescription):
    """A switch that a camera has when it has the capability."""

    capability: Capability


PIN_LOCK = OmniCamSwitchDescription(
    key="pin_lock",
    translation_key="pin_lock",
    entity_category=EntityCategory.CONFIG,
    capability=Capability.PIN_LOCK,
)
RECORDING = OmniCamSwitchDescription(
    key="recording",
    translation_key="recording",
    capability=Capability.TRIGGER_RECORDING,
)
MANUAL_RECORDING = OmniCamSwitchDescription(
    key="manual_recording",
    translation_key="manual_recording",
    capability=Capability.RECORD_MODE,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the PIN lock and recording switches to cameras that have them."""

    async_add_described_entities(entry, async_add_entities, [PIN_LOCK], PinLockSwitch)
    async_add_described_entities(entry, async_add_entities, [RECORDING], RecordingSwitch)
    async_add_described_entities(
        entry, async_add_entities, [MANUAL_RECORDING], ManualRecordingSwitch
    )


class ManualRecordingSwitch(OmniCamEntity, SwitchEntity):
    """On: the device records all the time (manual mode); off: by its schedule (auto)."""

    @property
    def available(self) -> bool:
        """Return True when the recording mode is known."""
        return super().available and self.status.record_mode is not None

    @property
    def is_on(self) -> bool | None:
        """Return True in manual mode; None when the device records not at all."""
        mode = self.status.record_mode
        return None if mode is None or mode is RecordMode.OFF else mode is RecordMode.MANUAL

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Record all the time."""
        await self._async_set(RecordMode.MANUAL)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Record by the device's schedule and events again."""
        await self._async_set(RecordMode.AUTO)

    async def _async_set(self, mode: RecordMode) -> None:
        client = self.coordinator.client
        await self.async_command(client.async_set_record_mode(self.camera_id, mode))
        self.coordinator.async_update_status(self.camera_id, replace(self.status, record_mode=mode))


class RecordingSwitch(OmniCamEntity, SwitchEntity):
    """While on, the camera records: the trigger is sent again before it runs out.

    Off after a restart: recording is something asked for now, not a setting to keep.
    """

    _attr_is_on = False
    _keepalive: CALLBACK_TYPE | None = None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Trigger recording now and keep triggering it."""
        client = self.coordinator.client
        await self.async_command(client.async_trigger_recording(self.camera_id))
        if self._keepalive is None:
            self._keepalive = async_track_time_interval(
                self.hass, self._async_trigger, RECORDING_KEEPALIVE
            )
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop triggering; the camera stops recording about 20 s later."""
        self._stop()
        self.async_write_ha_state()

    def _stop(self) -> None:
        if self._keepalive is not None:
            self._keepalive()
            self._keepalive = None
        self._attr_is_on = False

    async def _async_trigger(self, now: datetime) -> None:
        try:
            await self.coordinator.client.async_trigger_recording(self.camera_id)
        except OmniCamError as err:
            LOGGER.warning(
                "%s: recording not triggered again: %s",
                self.entity_id,
                self.coordinator.client.scrub(str(err)),
            )

    async def async_will_remove_from_hass(self) -> None:
        """Stop triggering when the entity goes."""
        self._stop()
        await super().async_will_remove_from_hass()


class PinLockSwitch(OmniCamEntity, SwitchEntity):
    """Whether viewers must enter a PIN code; the codes themselves are never shown."""

    @property
    def available(self) -> bool:
        """Return True when the PIN lock settings are known."""
        return super().available and self.status.pin_lock is not None

    @property
    def is_on(self) -> bool | None:
        """Return True when the PIN lock is on."""
        lock = self.status.pin_lock
        return lock.enabled if lock else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return how many codes are set (never the codes)."""
        lock = self.status.pin_lock
        return {"pin_code_count": len(lock.codes) if lock else 0}

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the PIN lock on."""
        await self.async_set_pin_lock(enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the PIN lock off."""
        await self.async_set_pin_lock(enabled=False)

    async def async_set_pin_codes(self, codes: list[str]) -> None:
        """Replace the PIN codes; each is ``1234`` or ``1234:comment``."""
        pins = []
        for value in codes:
            code, _, comment = value.strip().partition(":")
            pins.append(PinCode(code.strip(), comment.strip()))
        await self.async_set_pin_lock(codes=pins)

    async def async_set_pin_lock(
        self, *, enabled: bool | None = None, codes: list[PinCode] | None = None
    ) -> None:
        """Change the lock or its codes, then refresh."""
        client = self.coordinator.client
        try:
            lock = await self.async_command(
                client.async_set_pin_lock(self.camera_id, enabled=enabled, codes=codes)
            )
        except ValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key=str(err)
            ) from err
        self.coordinator.async_update_status(self.camera_id, replace(self.status, pin_lock=lock))
