"""One coordinator per account: the camera list and every camera's status."""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import CAMERA_LIST_INTERVAL, DOMAIN, LOGGER, POLL_INTERVAL
from .vendors.errors import AuthError, OmniCamError
from .vendors.models import Camera, CameraStatus, MediaLocation

if TYPE_CHECKING:
    from .vendors.base import VendorClient


@dataclass(frozen=True, slots=True)
class OmniCamData:
    """What the coordinator knows: cameras by id and their status."""

    cameras: dict[str, Camera]
    status: dict[str, CameraStatus]


@dataclass(slots=True)
class OmniCamRuntimeData:
    """What a loaded config entry holds."""

    client: VendorClient
    coordinator: OmniCamCoordinator
    media_locations: dict[tuple[str, str, str], tuple[float, MediaLocation]] = field(
        default_factory=dict
    )


type OmniCamConfigEntry = ConfigEntry[OmniCamRuntimeData]


def device_identifier(entry: ConfigEntry, camera_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a camera."""
    return (DOMAIN, f"{entry.data['vendor']}:{camera_id}")


class OmniCamCoordinator(DataUpdateCoordinator[OmniCamData]):
    """Polls one account; the camera list less often than the status."""

    config_entry: OmniCamConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: OmniCamConfigEntry, client: VendorClient
    ) -> None:
        """Initialise the coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=POLL_INTERVAL,
        )
        self.client = client
        self._cameras: dict[str, Camera] | None = None
        self._cameras_read_at = dt_util.utcnow()
        self.last_poll_seconds: float | None = None

    @callback
    def async_update_status(self, camera_id: str, status: CameraStatus) -> None:
        """Take a camera's new status after a command, without waiting for a poll."""
        data = self.data
        self.async_set_updated_data(
            OmniCamData(cameras=data.cameras, status={**data.status, camera_id: status})
        )

    async def _async_update_data(self) -> OmniCamData:
        started = time.perf_counter()
        try:
            cameras = await self._async_cameras()
            status = await self.client.async_get_status(list(cameras.values()))
        except AuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except OmniCamError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": self.client.scrub(str(err))},
            ) from err
        self.last_poll_seconds = time.perf_counter() - started
        if status.keys() != cameras.keys():
            # A camera without status may have left the account: look at the list next time.
            self._cameras_read_at = dt_util.utc_from_timestamp(0)
        return OmniCamData(cameras=cameras, status=status)

    async def _async_cameras(self) -> dict[str, Camera]:
        now = dt_util.utcnow()
        if self._cameras is not None and now - self._cameras_read_at < CAMERA_LIST_INTERVAL:
            return self._cameras
        cameras = {camera.id: camera for camera in await self.client.async_get_cameras()}
        previous, self._cameras, self._cameras_read_at = self._cameras, cameras, now
        if previous is not None:
            self._follow_changes(previous, cameras)
        return cameras

    @callback
    def _follow_changes(self, previous: dict[str, Camera], cameras: dict[str, Camera]) -> None:
        """Remove devices of cameras that left; reload when capabilities changed."""
        registry = dr.async_get(self.hass)
        entry = self.config_entry
        for camera_id in previous.keys() - cameras.keys():
            device = registry.async_get_device({device_identifier(entry, camera_id)})
            if device is not None:
                LOGGER.info("Camera %s left the account; removing it", camera_id)
                registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
        if any(
            previous[cid].capabilities != cameras[cid].capabilities
            for cid in previous.keys() & cameras.keys()
        ):
            LOGGER.info("Camera capabilities changed on %s; reloading", entry.title)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
