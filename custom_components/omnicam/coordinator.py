"""One coordinator per account: the camera list, every camera's status, realtime feeds.

Polling reads the camera list (at the vendor's pace) and every camera's status. Where the
vendor has realtime feeds, one background task of the entry per feed keeps it open,
reconnects with backoff, and pushes what it hears into the same data; while every feed is
up, polling slows down to a safety net. A push wakes only the entities of its own camera.

Polls and pushes feed the same status, and the newer fact wins: every pushed field of a
camera is stamped with when it arrived, and a poll that started before that keeps the
pushed value. A poll that fails while realtime feeds are up keeps the cameras those feeds
carry (they are current); it is logged and tried again at the normal pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    DOMAIN,
    FEED_BACKOFF_MAX,
    FEED_BACKOFF_MIN,
    LOGGER,
    POLL_INTERVAL,
    SAFETY_POLL_INTERVAL,
)
from .devices import device_by_identifier, remove_from_entry
from .vendors.errors import (
    AuthError,
    CaptchaRequired,
    ClientTooOld,
    Maintenance,
    OmniCamError,
    RateLimited,
)
from .vendors.models import (
    Camera,
    CameraEvent,
    CameraStatus,
    Capability,
    MediaLocation,
    ParentDevice,
    RealtimeUpdate,
)

if TYPE_CHECKING:
    from .remux import Remuxer
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
    remuxer: Remuxer | None = None
    """MP4 copies of DAV recordings, made when one is first played."""


type OmniCamConfigEntry = ConfigEntry[OmniCamRuntimeData]


def account_prefix(entry: ConfigEntry) -> str:
    """Return what every unique id and device identifier of an entry starts with."""
    return f"{entry.data['vendor']}:{entry.unique_id}:"


def camera_key(entry: ConfigEntry, camera_id: str) -> str:
    """Return what names a camera in Home Assistant: vendor, account and camera id.

    The account is part of it because one camera can be reached by several accounts (an
    installer's login and its customer's), and each entry keeps its own device.
    """
    return f"{account_prefix(entry)}{camera_id}"


def device_identifier(entry: ConfigEntry, camera_id: str) -> tuple[str, str]:
    """Return the device registry identifier of a camera."""
    return (DOMAIN, camera_key(entry, camera_id))


def parent_identifier(entry: ConfigEntry, parent: ParentDevice) -> tuple[str, str]:
    """Return the device registry identifier of a recorder whose channels are cameras."""
    return (DOMAIN, f"{account_prefix(entry)}recorder:{parent.id}")


def event_signal(entry_id: str, camera_id: str) -> str:
    """Return the dispatcher signal that carries a camera's events."""
    return f"{DOMAIN}_{entry_id}_event_{camera_id}"


def _update_failed_key(err: OmniCamError) -> str:
    """Return why a poll failed, as a translation key: a server's pause is no failure of ours.

    Maintenance and rate limits are waited out (Home Assistant retries, never asks for a
    login); a server that refuses this client's version says so.
    """
    if isinstance(err, Maintenance):
        return "maintenance"
    if isinstance(err, RateLimited):
        return "rate_limited"
    if isinstance(err, ClientTooOld):
        return "client_too_old"
    return "update_failed"


@dataclass(slots=True)
class FeedState:
    """What is known about one realtime feed, for diagnostics and the poll pace."""

    camera_ids: tuple[str, ...]
    task: asyncio.Task[None] | None = None
    connected: bool = False
    connects: int = 0
    failures: int = 0
    last_error: str | None = None


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
        self._camera_list_changes = 0
        """How many times a feed said the camera list changed."""
        self._camera_list_interval = timedelta(seconds=client.camera_list_seconds)
        self.last_poll_seconds: float | None = None
        self.feeds: dict[str, FeedState] = {}
        self._active: dict[str, frozenset[str]] = {}
        self._event_off: dict[tuple[str, str], CALLBACK_TYPE] = {}
        self._camera_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._pushed: dict[str, dict[str, float]] = {}
        """When each pushed field of a camera's status arrived (monotonic)."""
        self._poll_failing = False
        self._stopped = False
        entry.async_on_unload(self._async_stop)
        entry.async_on_unload(
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_stop_event)
        )

    @callback
    def _async_stop_event(self, event: Event) -> None:
        self._async_stop()

    @callback
    def _async_stop(self) -> None:
        """Stop the feeds and the event timers; nothing starts again afterwards."""
        self._stopped = True
        for feed in self.feeds.values():
            if feed.task is not None:
                feed.task.cancel()
        self.feeds.clear()
        for cancel in self._event_off.values():
            cancel()
        self._event_off.clear()

    @callback
    def async_add_camera_listener(self, camera_id: str, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Listen to pushed changes of one camera; return the function that stops it."""
        listeners = self._camera_listeners.setdefault(camera_id, [])
        listeners.append(update)

        @callback
        def remove() -> None:
            listeners.remove(update)
            if not listeners:
                self._camera_listeners.pop(camera_id, None)

        return remove

    @callback
    def _async_camera_changed(self, camera_id: str) -> None:
        for update in list(self._camera_listeners.get(camera_id, ())):
            update()

    @callback
    def async_update_status(self, camera_id: str, status: CameraStatus) -> None:
        """Take a camera's new status after a command, without a poll.

        The fields that changed are newer than any poll running now.
        """
        previous = self.data.status.get(camera_id) if self.data is not None else None
        changed = [
            f.name
            for f in fields(status)
            if f.name != "active"
            and (previous is None or getattr(previous, f.name) != getattr(status, f.name))
        ]
        self._async_take_status(camera_id, status, changed)

    @callback
    def _async_take_status(
        self, camera_id: str, status: CameraStatus, pushed: Sequence[str]
    ) -> None:
        """Store a camera's status; the `pushed` fields are stamped as newer than polls."""
        data = self.data
        if data is None or camera_id not in data.cameras:
            return
        if pushed:
            now = time.monotonic()
            stamps = self._pushed.setdefault(camera_id, {})
            for name in pushed:
                stamps[name] = now
        status = replace(status, active=self._active_value(data.cameras[camera_id]))
        if data.status.get(camera_id) == status:
            return
        data.status[camera_id] = status
        self._async_camera_changed(camera_id)

    def _newer_than_poll(
        self, status: dict[str, CameraStatus], poll_started: float
    ) -> dict[str, CameraStatus]:
        """Return the polled status with what was pushed since the poll started."""
        current = self.data.status if self.data is not None else {}
        for camera_id in list(self._pushed):
            stamps = {name: at for name, at in self._pushed[camera_id].items() if at > poll_started}
            if not stamps:
                del self._pushed[camera_id]  # this poll is newer than every push
                continue
            self._pushed[camera_id] = stamps
            polled, known = status.get(camera_id), current.get(camera_id)
            if polled is None or known is None:
                continue
            newer = {name: getattr(known, name) for name in stamps}
            LOGGER.debug("%s: keeping %s pushed during the poll", camera_id, sorted(newer))
            status[camera_id] = replace(polled, **newer)
        return status

    def _active_value(self, camera: Camera) -> frozenset[str] | None:
        if not camera.has(Capability.MOTION):
            return None
        return self._active.get(camera.id, frozenset())

    async def _async_update_data(self) -> OmniCamData:
        started = time.perf_counter()
        poll_started = time.monotonic()
        try:
            cameras = await self._async_cameras()
            status = await self.client.async_get_status(list(cameras.values()))
        except AuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="captcha_required"
                if isinstance(err, CaptchaRequired)
                else "invalid_auth",
            ) from err
        except OmniCamError as err:
            error = self.client.scrub(str(err))
            if (kept := self._fed_data(error)) is not None:
                return kept
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=_update_failed_key(err),
                translation_placeholders={"error": error},
            ) from err
        if self._poll_failing:
            LOGGER.info("Polling %s works again", self.config_entry.title)
            self._poll_failing = False
            self._pace()
        self.last_poll_seconds = time.perf_counter() - started
        self._async_store_client_config()
        if status.keys() != cameras.keys():
            # A camera without status may have left the account: look at the list next time.
            self._cameras_read_at = dt_util.utc_from_timestamp(0)
        status = {
            cid: replace(value, active=self._active_value(cameras[cid]))
            for cid, value in self._newer_than_poll(status, poll_started).items()
            if cid in cameras
        }
        return OmniCamData(cameras=cameras, status=status)

    def _fed_data(self, error: str) -> OmniCamData | None:
        """After a failed poll, keep the cameras whose realtime feed is up, if any.

        Their status is current (pushed); the others become unavailable. Polling goes
        back to the normal pace until a poll works again.
        """
        fed = {
            camera_id
            for feed in self.feeds.values()
            if feed.connected
            for camera_id in feed.camera_ids
        }
        if self.data is None or not fed:
            return None
        if not self._poll_failing:
            LOGGER.warning(
                "Polling %s failed; keeping the %d cameras whose realtime feed is up: %s",
                self.config_entry.title,
                len(fed & self.data.status.keys()),
                error,
            )
        else:
            LOGGER.debug("Polling %s failed again: %s", self.config_entry.title, error)
        self._poll_failing = True
        self._pace()
        return OmniCamData(
            cameras=self.data.cameras,
            status={cid: value for cid, value in self.data.status.items() if cid in fed},
        )

    @callback
    def _async_store_client_config(self) -> None:
        """Keep in the entry what the client learned and wants back after a restart."""
        stored = self.client.stored_config()
        entry = self.config_entry
        if any(entry.data.get(key) != value for key, value in stored.items()):
            LOGGER.debug("Storing %s in %s", sorted(stored), entry.title)
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, **stored})

    async def _async_cameras(self) -> dict[str, Camera]:
        now = dt_util.utcnow()
        if self._cameras is not None and now - self._cameras_read_at < self._camera_list_interval:
            return self._cameras
        changes = self._camera_list_changes
        cameras = {camera.id: camera for camera in await self.client.async_get_cameras()}
        previous, self._cameras = self._cameras, cameras
        if self._camera_list_changes == changes:
            self._cameras_read_at = now
        # else: the list changed again while it was read (a push): read it again next time.
        self._sync_parents(cameras)
        if previous is not None:
            self._follow_changes(previous, cameras)
        self._sync_feeds(list(cameras.values()))
        return cameras

    # -- realtime feeds --------------------------------------------------------------

    @callback
    def _sync_feeds(self, cameras: Sequence[Camera]) -> None:
        """Hold exactly the feeds the vendor asks for; restart those whose cameras changed.

        A feed that carries the whole account whatever its ids is not restarted: it takes
        the new ids (pushes meanwhile are not lost to a reconnect).
        """
        if self._stopped:
            return
        wanted = self.client.realtime_groups(cameras)
        for key in list(self.feeds):
            if wanted.get(key) == self.feeds[key].camera_ids:
                continue
            if self.client.realtime_account_wide and key in wanted:
                self.feeds[key].camera_ids = wanted[key]  # it carries them already
            else:
                task = self.feeds.pop(key).task
                if task is not None:
                    task.cancel()
        for key, camera_ids in wanted.items():
            if key in self.feeds:
                continue
            feed = self.feeds[key] = FeedState(camera_ids=camera_ids)
            # A background task of the entry: unloading cancels it and waits for its end,
            # and Home Assistant cancels it when it stops.
            feed.task = self.config_entry.async_create_background_task(
                self.hass, self._async_hold_feed(key, feed), f"{DOMAIN} feed {key}"
            )
        self._pace()

    @callback
    def _pace(self) -> None:
        """Poll slowly while every feed is up, at the normal pace otherwise.

        While the feeds are up, a vendor whose feed does not carry the status has it read at
        its own pace (`status_poll_seconds`), never faster than the normal one.
        """
        up = bool(self.feeds) and all(feed.connected for feed in self.feeds.values())
        up = up and not self._poll_failing
        if not up:
            self.update_interval = POLL_INTERVAL
        elif (seconds := self.client.status_poll_seconds) is not None:
            self.update_interval = max(POLL_INTERVAL, timedelta(seconds=seconds))
        else:
            self.update_interval = SAFETY_POLL_INTERVAL

    async def _async_hold_feed(self, key: str, feed: FeedState) -> None:
        """Keep one feed open: reconnect at once after a normal end, with backoff after errors."""
        backoff = FEED_BACKOFF_MIN

        @callback
        def connected() -> None:
            feed.connected = True
            feed.connects += 1
            self._pace()

        while True:
            opened_at = time.monotonic()
            connects = feed.connects
            try:
                await self.client.async_run_realtime(
                    key, feed.camera_ids, connected, self._async_realtime
                )
                error: str | None = None
            except AuthError:
                feed.connected = False
                self._pace()
                self.config_entry.async_start_reauth(self.hass)
                return
            except OmniCamError as err:
                error = self.client.scrub(str(err))
            except Exception as err:  # noqa: BLE001 - a feed must outlive surprises
                error = self.client.scrub(repr(err))
                LOGGER.warning("Feed %s failed unexpectedly: %s", key, error)
            feed.connected = False
            self._pace()
            was_up = feed.connects > connects
            if error is None and was_up and time.monotonic() - opened_at >= FEED_BACKOFF_MIN:
                LOGGER.debug("Feed %s ended; reconnecting", key)
                backoff = FEED_BACKOFF_MIN
                continue
            feed.failures += error is not None
            feed.last_error = error
            LOGGER.debug("Feed %s down (%s); retrying in %s s", key, error or "ended", backoff)
            await asyncio.sleep(backoff)
            backoff = FEED_BACKOFF_MIN if was_up else min(backoff * 2, FEED_BACKOFF_MAX)

    @callback
    def _async_realtime(self, update: RealtimeUpdate) -> None:
        """Take one pushed update."""
        data = self.data
        if update.cameras_changed and data is not None and not self._stopped:
            LOGGER.debug("The camera list of %s changed; reading it again", self.config_entry.title)
            self._cameras_read_at = dt_util.utc_from_timestamp(0)
            self._camera_list_changes += 1
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} camera list"
            )
        if data is None or update.camera_id not in data.cameras:
            return
        if update.status is not None:
            previous = data.status.get(update.camera_id) or CameraStatus()
            changes: dict[str, Any] = {
                f.name: value
                for f in fields(update.status)
                if f.name != "active" and (value := getattr(update.status, f.name)) is not None
            }
            self._async_take_status(update.camera_id, replace(previous, **changes), list(changes))
        if update.event is not None:
            self._async_event(data.cameras[update.camera_id], update.event)

    @callback
    def _async_event(self, camera: Camera, event: CameraEvent) -> None:
        """Follow what goes on from an event and hand the event to the event entity.

        An event without an end is on until its end is heard, or for the vendor's hold
        time when the vendor does not always report ends. An event read back after a
        reconnect reaches the event entity only when it changed what goes on.
        """
        changed = False
        kind = event.kind
        if camera.has(Capability.MOTION) and kind is not None and kind in camera.event_types:
            if event.end is None:
                hold = self.client.event_hold_seconds
                changed = self._set_active(camera.id, kind, on=True, off_in=hold)
            else:
                delay = (event.end - dt_util.utcnow()).total_seconds()
                changed = self._set_active(camera.id, kind, on=delay > 0, off_in=delay)
        if event.resync and not changed:
            return
        async_dispatcher_send(self.hass, event_signal(self.config_entry.entry_id, camera.id), event)

    @callback
    def _set_active(
        self, camera_id: str, kind: str, *, on: bool, off_in: float | None = None
    ) -> bool:
        """Set whether an event type goes on; return True when that changed."""
        cancel = self._event_off.pop((camera_id, kind), None)
        if cancel is not None:
            cancel()
        if on and off_in is not None:

            @callback
            def over(now: datetime) -> None:
                self._event_off.pop((camera_id, kind), None)
                self._set_active(camera_id, kind, on=False)

            self._event_off[camera_id, kind] = async_call_later(self.hass, off_in, over)
        active = self._active.get(camera_id, frozenset())
        if (kind in active) == on:
            return False
        self._active[camera_id] = active | {kind} if on else active - {kind}
        status = self.data.status.get(camera_id)
        if status is not None:
            self._async_take_status(camera_id, status, ())
        return True

    @property
    def listener_count(self) -> int:
        """Return how many entities listen to pushes (for benchmarks)."""
        return sum(len(listeners) for listeners in self._camera_listeners.values())

    def feed_summary(self) -> dict[str, dict[str, Any]]:
        """Return the state of every feed, for diagnostics."""
        return {
            key: {
                "cameras": len(feed.camera_ids),
                "connected": feed.connected,
                "connects": feed.connects,
                "failures": feed.failures,
                "last_error": feed.last_error,
            }
            for key, feed in self.feeds.items()
        }

    @callback
    def _sync_parents(self, cameras: dict[str, Camera]) -> None:
        """Keep a device per recorder before its channels name it as their via_device.

        Recorders that no camera is a channel of any more are removed.
        """
        registry = dr.async_get(self.hass)
        entry = self.config_entry
        parents = {
            parent_identifier(entry, camera.parent): camera.parent
            for camera in cameras.values()
            if camera.parent is not None
        }
        for identifier, parent in parents.items():
            registry.async_get_or_create(
                config_entry_id=entry.entry_id,
                identifiers={identifier},
                connections={(dr.CONNECTION_NETWORK_MAC, mac) for mac in parent.macs},
                name=parent.name,
                manufacturer=parent.manufacturer,
                model=parent.model,
                sw_version=parent.sw_version,
            )
        prefix = parent_identifier(entry, ParentDevice(id="", name="", manufacturer=""))[1]
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if any(
                ident[1].startswith(prefix) and ident not in parents for ident in device.identifiers
            ):
                remove_from_entry(registry, device, entry.entry_id)

    @callback
    def _follow_changes(self, previous: dict[str, Camera], cameras: dict[str, Camera]) -> None:
        """Remove devices of cameras that left, rename renamed ones; reload on new capabilities."""
        registry = dr.async_get(self.hass)
        entry = self.config_entry
        for camera_id in previous.keys() - cameras.keys():
            device = device_by_identifier(
                registry, entry.entry_id, device_identifier(entry, camera_id)
            )
            if device is not None:
                LOGGER.info("Camera %s left the account; removing it", camera_id)
                remove_from_entry(registry, device, entry.entry_id)
        for camera_id in previous.keys() & cameras.keys():
            if previous[camera_id].name == cameras[camera_id].name:
                continue
            device = device_by_identifier(
                registry, entry.entry_id, device_identifier(entry, camera_id)
            )
            if device is not None:
                registry.async_update_device(device.id, name=cameras[camera_id].name)
        if any(
            previous[cid].capabilities != cameras[cid].capabilities
            for cid in previous.keys() & cameras.keys()
        ):
            LOGGER.info("Camera capabilities changed on %s; reloading", entry.title)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
