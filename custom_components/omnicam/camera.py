"""Camera entities: live stream and snapshots.

`stream_source()` is also called when Home Assistant merely probes what a camera can do, so
it only looks the URL up (no side effect at the vendor) and keeps it for as long as the
vendor says it stays valid. While a stream plays, the URL is looked up again on that
schedule and Home Assistant's stream follows it when it changed.

A vendor URL that carries a secret (`StreamSource.relay`), and the stream of a camera that
streams only when asked (LIVE_ON_DEMAND), are never handed to whoever plays the stream
(Home Assistant's stream, go2rtc for WebRTC): they open a local relay address under a
random key instead. The relay follows the vendor URL as it changes (a new token needs no
restart of the stream; a new server does) and asks an on-demand camera to stream when a
player first reads the playlist, and again on the vendor's schedule for as long as players
keep reading it: whoever plays the camera, it streams, and stops when nobody does.

A relay key names one stream session: once nobody read it for `LIVE_KEY_IDLE_SECONDS` it
is dead (Home Assistant's stream logs its source URL, so a key must not outlive its use).
The next `stream_source()` mints a new key, and Home Assistant's stream, if it still holds
the old one, is pointed at the new one. Neither key nor relay URL is ever logged here.

A camera whose stream could not be looked up (vendor down, camera off) tries again while
it has none, so that Home Assistant's choice of WebRTC provider follows the vendor's
recovery without a reload.

Live video that cannot start says so at once, and once. Before Home Assistant's stream is
handed to a player (``camera/stream``, ``camera.play_stream``, ``camera.record``), the
camera checks that there is something to play: not offline, a stream source,
and an on-demand camera that agreed to stream. When not, the caller gets a translated
error instead of a player that waits at 0:00, and the log says so at warning level once
(again only after live video worked in between). A stream whose worker fails before it
produced anything is stopped at once: Home Assistant starts its idle timer only when
video arrives, so such a stream would otherwise be retried in the background for as long
as Home Assistant runs, long after the viewer left. A stream that did play is left to
Home Assistant (it retries while someone watches and ends once nobody does).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
import secrets
import time

from homeassistant.components.camera import Camera as CameraEntity, CameraEntityFeature
from homeassistant.components.camera.prefs import get_dynamic_camera_stream_settings
from homeassistant.components.camera.webrtc import (
    WebRTCAnswer,
    WebRTCClientConfiguration,
    WebRTCError,
    WebRTCSendMessage,
)
from homeassistant.components.stream import Stream
from homeassistant.components.web_rtc import async_get_ice_servers
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from webrtc_models import RTCIceCandidateInit, RTCIceServer

from .const import DOMAIN, LOGGER
from .coordinator import OmniCamConfigEntry, OmniCamCoordinator
from .entity import OmniCamEntity, async_add_camera_entities
from .logs import protect_stream_logs
from .vendors.errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    OmniCamError,
    Unavailable,
    VendorError,
)
from .vendors.models import Camera, Capability, PtzDirection, StreamSource
from .views import LIVE_RELAYS, LiveRelay, relay_path
from .webrtc import offer_with_candidates, sdp_has_candidates

PARALLEL_UPDATES = 0


def _base(url: str) -> str:
    """Return a URL without its query: where a stream is, whatever its token."""
    return url.split("?", 1)[0]


STREAM_CHECK_INTERVAL = timedelta(seconds=15)
ATTR_STILL_TIME = "still_time"
CANDIDATE_FIRST_SECONDS = 2.0
"""How long an offer without candidates waits for the browser's first one."""
CANDIDATE_QUIET_SECONDS = 0.4
"""Once candidates arrive: how long a pause ends the wait for more."""
CANDIDATE_MAX_SECONDS = 3.0
"""How long an offer waits for candidates at most."""
SOURCE_RETRY_SECONDS = 60.0
"""How often a camera without a stream source looks it up again (at most)."""


def _features(camera: Camera) -> CameraEntityFeature:
    if camera.has(Capability.LIVE_STREAM):
        return CameraEntityFeature.STREAM
    return CameraEntityFeature(0)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OmniCamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a camera entity per camera that has live view or snapshots."""

    def build(coordinator: OmniCamCoordinator, camera: Camera) -> list[OmniCamCamera]:
        if camera.has(Capability.WEBRTC):
            return [OmniCamWebRTCCamera(coordinator, camera)]
        if camera.has(Capability.LIVE_STREAM) or camera.has(Capability.SNAPSHOT):
            return [OmniCamCamera(coordinator, camera)]
        return []

    async_add_camera_entities(entry, async_add_entities, build)


class OmniCamCamera(OmniCamEntity, CameraEntity):
    """A camera of any vendor."""

    _attr_name = None

    def __init__(self, coordinator: OmniCamCoordinator, camera: Camera) -> None:
        """Initialise the camera."""
        OmniCamEntity.__init__(self, coordinator, camera)
        CameraEntity.__init__(self)
        self._attr_supported_features = _features(camera)
        self._source: tuple[float, StreamSource] | None = None
        self._snapshot: tuple[float, int | None, bytes] | None = None
        self._snapshot_lock = asyncio.Lock()
        self._relay_key: str | None = None
        self._source_missing_at: float | None = None
        """When `stream_source()` last found no source (None: it found one, or never ran)."""
        self._live_failing = False
        """Live video failed to start, and said so (the next failure stays quiet)."""
        self._still_time_written: datetime | None = None

    @property
    def is_on(self) -> bool:
        """Return False for a camera switched off on the vendor's side."""
        return self.camera.enabled if self.camera_id in self.coordinator.data.cameras else True

    @property
    def is_streaming(self) -> bool:
        """Return True when the camera is sending video to the vendor."""
        status = self.coordinator.data.status.get(self.camera_id)
        if status is None:
            return False
        return bool(status.live if status.stream_connected is None else status.stream_connected)

    async def async_added_to_hass(self) -> None:
        """Start following stream URL changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._async_check_stream, STREAM_CHECK_INTERVAL)
        )

    async def async_will_remove_from_hass(self) -> None:
        """Close the camera's live relay."""
        if self._relay_key is not None:
            self.hass.data[LIVE_RELAYS].pop(self._relay_key, None)
            self._relay_key = None
        await super().async_will_remove_from_hass()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Follow the camera's capabilities; look a missing stream source up again."""
        self._attr_supported_features = _features(self.camera)
        super()._handle_coordinator_update()
        self._async_retry_source()

    @callback
    def _async_retry_source(self) -> None:
        """Let Home Assistant choose a WebRTC provider again once a source may be there."""
        missing_at = self._source_missing_at
        if (
            missing_at is None
            or not self.camera.enabled
            or not self.available
            or time.monotonic() - missing_at < SOURCE_RETRY_SECONDS
        ):
            return
        self._source_missing_at = time.monotonic()  # one retry at a time
        self.coordinator.config_entry.async_create_background_task(
            self.hass, self.async_refresh_providers(), f"{DOMAIN} {self.entity_id} providers"
        )

    def _live_relay(self) -> LiveRelay | None:
        """Return the camera's relay while its key is alive."""
        if self._relay_key is None:
            return None
        relay = self.hass.data[LIVE_RELAYS].get(self._relay_key)
        return relay if relay is not None and relay.alive() else None

    def _local_url(self, source: StreamSource) -> str:
        """Return what players open: the source, or its relay (a new key once it died)."""
        on_demand = self.camera.has(Capability.LIVE_ON_DEMAND)
        if not source.relay and not on_demand:
            # Home Assistant's stream opens the vendor's URL itself: its logs redact it.
            protect_stream_logs(self.entity_id)
            return source.url
        relays = self.hass.data[LIVE_RELAYS]
        api = self.hass.config.api
        host = "127.0.0.1"
        if api is not None and api.host not in (api.local_ip, "0.0.0.0", "::"):  # noqa: S104
            host = api.host
        relay = self._live_relay()
        moved = renewed = False
        if relay is not None:
            moved = _base(relay.upstream) != _base(source.url)
            relay.upstream = source.url
        else:
            if self._relay_key is not None:
                relays.pop(self._relay_key, None)  # its session is over: never again
                renewed = True
            self._relay_key = key = secrets.token_urlsafe(24)
            client, camera_id = self.coordinator.client, self.camera_id
            relays[key] = LiveRelay(
                source.url,
                refresh=self._async_refresh_relay,
                start_live=partial(client.async_start_live, camera_id) if on_demand else None,
                failed=self._relay_failed,
                keepalive_seconds=client.live_keepalive_seconds,
                host=host,
            )
        scheme = "https" if api is not None and api.use_ssl else "http"
        port = api.port if api is not None else 8123
        netloc = f"[{host}]" if ":" in host else host
        assert self._relay_key is not None
        local = f"{scheme}://{netloc}:{port}{relay_path(self._relay_key, source.url)}"
        stream = self.stream
        if renewed and stream is not None and stream.source != local:
            # Home Assistant's stream still holds the dead key: give it the new one.
            LOGGER.debug("%s: stream given a new relay key", self.entity_id)
            stream.update_source(local)
        elif moved and stream is not None and self._stream_active():
            # The relay's address stays, but the server behind it changed: start over.
            LOGGER.debug("%s: stream moved to another server", self.entity_id)
            stream.update_source(local)
        return local

    async def _async_refresh_relay(self) -> None:
        """Point the relay at where the stream is now (asked at each playlist read)."""
        self._local_url(await self._async_source())

    async def _async_source(self) -> StreamSource:
        """Return the stream source, looked up again once the vendor says it expired."""
        cached = self._source
        if cached is not None and (
            cached[1].refresh_seconds is None
            or time.monotonic() - cached[0] < cached[1].refresh_seconds
        ):
            return cached[1]
        source = await self.coordinator.client.async_get_stream_source(self.camera_id)
        self._source = (time.monotonic(), source)
        return source

    async def stream_source(self) -> str | None:
        """Return the live stream URL (looked up at most once a minute)."""
        if not self.camera.has(Capability.LIVE_STREAM):
            return None
        local: str | None = None
        if self.camera.enabled:
            try:
                local = self._local_url(await self._async_source())
            except AuthError:
                self.coordinator.config_entry.async_start_reauth(self.hass)
            except OmniCamError as err:
                LOGGER.debug(
                    "%s: no stream source: %s",
                    self.entity_id,
                    self.coordinator.client.scrub(str(err)),
                )
        if local is None:
            if self._source_missing_at is None:
                self._source_missing_at = time.monotonic()
        else:
            self._source_missing_at = None
        return local

    async def async_create_stream(self) -> Stream | None:
        """Return Home Assistant's stream once live video can start; else say why.

        A stream that holds a dead relay key gets a new one. Raises `HomeAssistantError`
        (translated) when live video cannot start; at start-up, for a stream Home
        Assistant preloads, returns None instead (nobody waits for it).
        """
        try:
            await self._async_prepare_live()
        except HomeAssistantError:
            if (
                self.stream is None
                and (
                    await get_dynamic_camera_stream_settings(self.hass, self.entity_id)
                ).preload_stream
            ):
                return None
            raise
        if self.stream is not None and self._relay_key is not None and self._live_relay() is None:
            await self.stream_source()
        stream = await super().async_create_stream()
        if stream is not None:
            stream.set_update_callback(self._async_stream_changed)
        return stream

    def _check_online(self) -> None:
        """Raise a translated error when the vendor says the camera is offline."""
        status = self.coordinator.data.status.get(self.camera_id)
        if status is not None and status.online is False:
            self._live_failed("the camera is offline")
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="live_camera_offline",
                translation_placeholders={"entity": self.camera.name},
            )

    async def _async_prepare_live(self) -> None:
        """Check that live video can start now; raise a translated error saying why not."""
        placeholders = {"entity": self.camera.name}
        # A camera switched off at the vendor never gets here: Home Assistant's camera
        # answers "Camera is off" itself.
        self._check_online()
        try:
            self._local_url(await self._async_source())
            relay = self._live_relay()
            if relay is not None:
                await relay.async_keep_live()
        except AuthError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            self._live_failed("the vendor refused the credentials")
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except OmniCamError as err:
            error = self.coordinator.client.scrub(str(err))
            self._live_failed(error)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="live_failed",
                translation_placeholders=placeholders | {"error": error},
            ) from err
        self._live_failing = False

    @callback
    def _live_failed(self, why: str) -> None:
        """Log that live video cannot start: once, until it worked again."""
        if self._live_failing:
            LOGGER.debug("%s: live video still cannot start: %s", self.entity_id, why)
            return
        self._live_failing = True
        LOGGER.warning("%s: live video cannot start: %s", self.entity_id, why)

    @callback
    def _relay_failed(self, err: OmniCamError) -> None:
        """Hear from the relay that a player's live video could not be started."""
        self._live_failed(self.coordinator.client.scrub(str(err)))

    @callback
    def _async_stream_changed(self) -> None:
        """Follow the stream's state; end a stream that failed before it played at all."""
        self.async_write_ha_state()
        stream = self.stream
        if stream is None or stream.available or not stream.outputs():
            return
        if any(output.get_segments() for output in stream.outputs().values()):
            return  # it played: Home Assistant retries while watched, ends when idle
        if stream.dynamic_stream_settings.preload_stream:
            return  # kept alive on purpose (the camera's "preload stream" setting)
        self._live_failed("the stream did not open")
        self.hass.async_create_task(
            self._async_end_stream(stream), f"{DOMAIN} {self.entity_id} end stream"
        )

    async def _async_end_stream(self, stream: Stream) -> None:
        """Stop a stream, answering at once whoever still waits for its first video."""
        outputs = list(stream.outputs().values())
        for output in outputs:
            await stream.remove_provider(output)  # the last one stops the worker
        if not outputs:  # pragma: no cover - a failed stream has its output
            await stream.stop()

    @callback
    def _stream_active(self) -> bool:
        stream = self.stream
        return stream is not None and bool(stream.outputs())

    async def _async_check_stream(self, now: datetime | None = None) -> None:
        """While a stream plays, follow the vendor's URL changes (and a dead relay key)."""
        self._async_retry_source()
        if not self._stream_active() or self._source is None:
            return
        source = self._source[1]
        try:
            fresh = await self._async_source()
        except OmniCamError as err:
            LOGGER.debug(
                "%s: stream URL not refreshed: %s",
                self.entity_id,
                self.coordinator.client.scrub(str(err)),
            )
            return
        if self.stream is None:
            return
        if fresh.url == source.url:
            if self._relay_key is not None and self._live_relay() is None:
                self._local_url(fresh)  # a stream that retried too slowly: a new key
            return
        local = self._local_url(fresh)  # a relay follows, and restarts the stream itself
        if local == fresh.url and _base(fresh.url) != _base(source.url):
            LOGGER.debug("%s: stream moved to another server", self.entity_id)
            self.stream.update_source(local)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return a snapshot; one fetch at a time, cached as long as the vendor asks."""
        if not self.camera.has(Capability.SNAPSHOT) or not self.camera.enabled:
            return None
        client = self.coordinator.client
        async with self._snapshot_lock:
            cached = self._snapshot
            if (
                cached is not None
                and time.monotonic() - cached[0] < client.snapshot_cache_seconds
                and (cached[1] is None or (width is not None and width <= cached[1]))
            ):
                return cached[2]
            try:
                image = await client.async_get_snapshot(self.camera_id, width)
            except (Unavailable, NotFound) as err:
                LOGGER.debug("%s: no snapshot: %s", self.entity_id, err)
                return None
            except OmniCamError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="snapshot_failed",
                    translation_placeholders={"error": self.coordinator.client.scrub(str(err))},
                ) from err
            self._snapshot = (time.monotonic(), width, image)
        if client.still_taken_at(self.camera_id) != self._still_time_written:
            self.async_write_ha_state()  # the still_time attribute moved
        return image

    @property
    def extra_state_attributes(self) -> dict[str, str] | None:
        """Return when the still shown was captured (cameras whose stills are captured)."""
        taken = self.coordinator.client.still_taken_at(self.camera_id)
        self._still_time_written = taken
        return None if taken is None else {ATTR_STILL_TIME: taken.isoformat()}

    async def async_ptz_move(self, direction: str, duration: float) -> None:
        """Move the camera for a number of seconds (the ``omnicam.ptz_move`` action).

        A camera that moves by steps (`Capability.PTZ_STEPS`) makes one step, whatever the
        duration.
        """
        if not self.camera.may(Capability.PTZ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ptz_not_supported",
                translation_placeholders={"entity": self.entity_id},
            )
        client = self.coordinator.client
        if self.camera.has(Capability.PTZ_STEPS):
            # Moves are steps of the camera's own size, with no stop: one step.
            await self.async_command(client.async_ptz_step(self.camera_id, PtzDirection(direction)))
            return
        await self.async_command(
            client.async_ptz_move(self.camera_id, PtzDirection(direction), duration)
        )


class _PendingOffer:
    """A WebRTC session whose offer waits for its candidates, or for the camera's answer."""

    def __init__(self) -> None:
        self.candidates: list[RTCIceCandidateInit] = []
        self.arrived = asyncio.Event()
        self.complete = False
        """The browser said its gathering is complete (an empty candidate)."""
        self.posted = False
        self.closed = False


class OmniCamWebRTCCamera(OmniCamCamera):
    """A camera whose live video is WebRTC only: browser and camera, peer to peer.

    Home Assistant's native WebRTC interface: the frontend's offer goes to the camera
    (`VendorClient.async_webrtc_offer`) and its answer back; no stream source, no HLS, no
    relay. The camera takes no trickled candidates, so they must be in the offer: the
    frontend sends its offer before its candidates (each through
    ``camera/webrtc/candidate`` with the session id it was given), so an offer without any
    waits up to `CANDIDATE_MAX_SECONDS` for them (until a pause of
    `CANDIDATE_QUIET_SECONDS`, or the end of gathering) and carries them in its m-sections.
    Candidates after that are accepted and dropped. An offer that has candidates already
    (or none arrive) is sent at once; with none at all, only peer-reflexive candidates can
    connect (the camera learns the browser's address from its connectivity checks).

    The frontend's ICE servers are the camera's (the STUN servers it uses itself) and Home
    Assistant's; at start the camera is given Home Assistant's STUN servers where it can
    take them.
    """

    def __init__(self, coordinator: OmniCamCoordinator, camera: Camera) -> None:
        """Initialise the camera."""
        super().__init__(coordinator, camera)
        self._pending: dict[str, _PendingOffer] = {}
        self._camera_ice: list[str] = []

    async def async_added_to_hass(self) -> None:
        """Read the camera's ICE servers; give it Home Assistant's."""
        await super().async_added_to_hass()
        self.coordinator.config_entry.async_create_background_task(
            self.hass, self._async_sync_ice_servers(), f"{DOMAIN} {self.entity_id} ICE servers"
        )

    def _ha_stun_urls(self) -> list[str]:
        """Return Home Assistant's STUN servers (TURN needs credentials the camera cannot take)."""
        urls: list[str] = []
        for server in async_get_ice_servers(self.hass):
            if server.username or server.credential:
                continue
            for url in [server.urls] if isinstance(server.urls, str) else server.urls:
                if url.lower().startswith("stun:") and url not in urls:
                    urls.append(url)
        return urls

    async def _async_sync_ice_servers(self) -> None:
        """Keep the camera's ICE servers in step with Home Assistant's, where it takes them."""
        client = self.coordinator.client
        try:
            self._camera_ice = await client.async_get_ice_servers(self.camera_id)
            wanted = self._ha_stun_urls()
            if not wanted or sorted(wanted) == sorted(self._camera_ice):
                return
            await client.async_set_ice_servers(self.camera_id, wanted)
            self._camera_ice = await client.async_get_ice_servers(self.camera_id)
            LOGGER.debug("%s: ICE servers given to the camera: %s", self.entity_id, wanted)
        except NotSupported as err:
            LOGGER.debug("%s: the camera keeps its own ICE servers: %s", self.entity_id, err)
        except OmniCamError as err:
            LOGGER.info(
                "%s: the camera's ICE servers could not be set: %s",
                self.entity_id,
                client.scrub(str(err)),
            )

    async def stream_source(self) -> str | None:
        """Return None: live video is WebRTC only, there is no stream to open here."""
        return None

    @callback
    def _async_get_webrtc_client_configuration(self) -> WebRTCClientConfiguration:
        """Return the camera's ICE servers (Home Assistant adds its own after them)."""
        config = WebRTCClientConfiguration()
        known = {
            url
            for server in async_get_ice_servers(self.hass)
            for url in ([server.urls] if isinstance(server.urls, str) else server.urls)
        }
        if urls := [url for url in self._camera_ice if url not in known]:
            config.configuration.ice_servers.append(RTCIceServer(urls=urls))
        return config

    async def async_handle_async_webrtc_offer(
        self, offer_sdp: str, session_id: str, send_message: WebRTCSendMessage
    ) -> None:
        """Send the browser's offer (with its candidates) to the camera; answer or fail."""
        pending = self._pending[session_id] = _PendingOffer()
        try:
            answer = await self._async_answer(offer_sdp, pending)
        except HomeAssistantError as err:
            code = err.translation_key or "webrtc_offer_failed"
            if not pending.closed:
                send_message(WebRTCError(code, str(err)))
            return
        finally:
            pending.posted = True
        if pending.closed:
            LOGGER.debug("%s: the viewer left before the camera answered", self.entity_id)
            return
        self._live_failing = False
        send_message(WebRTCAnswer(answer))

    async def _async_answer(self, offer_sdp: str, pending: _PendingOffer) -> str:
        """Return the camera's answer; raise a translated error saying why not."""
        placeholders = {"entity": self.camera.name}
        self._check_online()
        if not sdp_has_candidates(offer_sdp):
            await self._async_wait_candidates(pending)
            if pending.closed:
                raise HomeAssistantError("the viewer left")
            offer_sdp = offer_with_candidates(offer_sdp, pending.candidates)
            LOGGER.debug(
                "%s: offer sent with %d candidates of the browser",
                self.entity_id,
                len(pending.candidates),
            )
        pending.posted = True
        client = self.coordinator.client
        try:
            answer = await client.async_webrtc_offer(self.camera_id, offer_sdp)
        except AuthError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            self._live_failed("the vendor refused the credentials")
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except OmniCamError as err:
            error = client.scrub(str(err))
            self._live_failed(error)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=_webrtc_error_key(err),
                translation_placeholders=placeholders | {"error": error},
            ) from err
        self._camera_ice = await client.async_get_ice_servers(self.camera_id)
        return answer

    async def _async_wait_candidates(self, pending: _PendingOffer) -> None:
        """Wait for the browser's candidates: the first, then until a pause or the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANDIDATE_MAX_SECONDS
        wait = CANDIDATE_FIRST_SECONDS
        while not pending.complete and not pending.closed:
            pending.arrived.clear()
            try:
                async with asyncio.timeout(max(0.0, min(wait, deadline - loop.time()))):
                    await pending.arrived.wait()
            except TimeoutError:
                return
            wait = CANDIDATE_QUIET_SECONDS

    async def async_on_webrtc_candidate(
        self, session_id: str, candidate: RTCIceCandidateInit
    ) -> None:
        """Add a candidate to an offer still waiting; drop it otherwise (no trickle)."""
        pending = self._pending.get(session_id)
        if pending is None or pending.posted:
            LOGGER.debug("%s: candidate after the offer dropped (no trickle)", self.entity_id)
            return
        if candidate.candidate.strip():
            pending.candidates.append(candidate)
        else:
            pending.complete = True
        pending.arrived.set()

    @callback
    def close_webrtc_session(self, session_id: str) -> None:
        """Forget a session (the camera has no teardown: it ends its side by itself)."""
        pending = self._pending.pop(session_id, None)
        if pending is not None:
            pending.closed = True
            pending.arrived.set()


def _webrtc_error_key(err: OmniCamError) -> str:
    """Return the translated error of a failed offer."""
    if isinstance(err, Unavailable | CannotConnect):
        return "webrtc_camera_unavailable"
    if isinstance(err, VendorError):
        return "webrtc_refused"
    if isinstance(err, BadResponse):
        return "webrtc_bad_answer"
    return "webrtc_offer_failed"
