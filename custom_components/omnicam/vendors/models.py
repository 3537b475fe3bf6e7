"""The small vocabulary every vendor client speaks, free of Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fnmatch import fnmatchcase
import re
from typing import NamedTuple


class Capability(StrEnum):
    """What a camera can do; an entity exists only for capabilities a camera has."""

    LIVE_STREAM = "live_stream"
    SNAPSHOT = "snapshot"
    STREAM_STATE = "stream_state"
    SERVER_STATE = "server_state"
    SERVICE_LEVEL = "service_level"
    STREAM_INFO = "stream_info"
    STORAGE_INFO = "storage_info"
    RECORDINGS = "recordings"
    TIMELAPSE = "timelapse"
    PIN_LOCK = "pin_lock"
    LIVE_STATE = "live_state"
    """The status says whether the camera streams live video right now."""
    ONLINE_STATE = "online_state"
    """The status says whether the camera is reachable."""
    LIVE_ON_DEMAND = "live_on_demand"
    """Live video must be asked for, and kept going while it is watched."""
    MOTION = "motion"
    """Motion (and sound) alerts arrive as events."""
    EVENTS = "events"
    """Recorded events can be listed and played."""
    PTZ = "ptz"
    TRIGGER_RECORDING = "trigger_recording"
    CAPTURE_STILL = "capture_still"
    DOORBELL = "doorbell"
    """A doorbell: its feed reports presses as events of kind `EventKind.RING`."""
    PTZ_PRESETS = "ptz_presets"
    """PTZ presets can be listed and gone to (``async_list_presets``, ``async_goto_preset``)."""
    RECORD_MODE = "record_mode"
    """The recording mode can be read and set (``async_get_record_mode``/``_set_``)."""
    PTZ_STEPS = "ptz_steps"
    """With PTZ: each command moves one step of the camera's own size and there is no stop
    (no stop button; ``async_ptz_step`` makes one step whatever the duration asked)."""
    PTZ_HOME = "ptz_home"
    """The camera can go to its home position (``async_ptz_home``)."""
    MARK = "mark"
    """A mark can be set in the archive at the current time (``async_create_mark``)."""
    ARCHIVE = "archive"
    """The continuous archive is listed by day (`MediaKind.ARCHIVE`), newest first."""
    MARKS = "marks"
    """The marks set in the archive can be listed and played (`MediaKind.MARK`)."""
    ARCHIVE_STATE = "archive_state"
    """The status says whether the archive records (`CameraStatus.archive_recording`) and
    since when it holds video (`CameraStatus.archive_start`)."""
    WEBRTC = "webrtc"
    """Live video only over WebRTC, peer to peer (``async_webrtc_offer``): Home Assistant's
    native WebRTC camera interface, no stream source."""
    SD_CARD = "sd_card"
    """The status tells the memory card's free and total size (`CameraStatus.card`)."""
    BOOT_TIME = "boot_time"
    """The status tells when the camera last started (`CameraStatus.boot_time`)."""
    STREAM_BANDWIDTH = "stream_bandwidth"
    """With STREAM_INFO: the stream info tells the stream's bandwidth
    (`StreamInfo.bandwidth_mbps`); a vendor that never gives it leaves this out, and no
    Bandwidth sensor is made."""


class RecordMode(StrEnum):
    """How a device records: by its own schedule and events, always, or not at all."""

    AUTO = "auto"
    """The device's schedule and event rules decide."""
    MANUAL = "manual"
    """Recording continuously, as started by hand."""
    OFF = "off"


class EventKind(StrEnum):
    """What an event is, whatever the vendor calls it.

    Vendors map their own event codes to these kinds; Home Assistant's side maps each kind
    once to a binary sensor (device class, translation key). An event code without a kind
    only fires the camera's alert event entity.
    """

    MOTION = "motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    LINE_CROSSING = "line_crossing"
    INTRUSION = "intrusion"
    """Something entered or left a region."""
    SOUND = "sound"
    SOUND_ANOMALY = "sound_anomaly"
    TAMPERING = "tampering"
    """The view is blocked or moved."""
    VIDEO_LOSS = "video_loss"
    ALARM_INPUT = "alarm_input"
    """A sensor wired to the device's alarm input."""
    RING = "ring"
    """A doorbell press: a moment, not a state (the doorbell event entity fires it)."""
    FIRE = "fire"
    """Smoke or fire seen."""
    FACE = "face"
    """A face recognised or detected."""
    LICENSE_PLATE = "license_plate"
    """A licence plate read; the plate is in the event's ``data["plate"]``."""
    COUNTING = "counting"
    """People or visitors counted."""


RING = EventKind.RING
"""The kind (and event type) of a doorbell press, whatever the vendor calls it."""


class FieldType(StrEnum):
    """What a field of a vendor's form holds; Home Assistant's side picks the selector."""

    TEXT = "text"
    PASSWORD = "password"  # noqa: S105 - a field type, not a secret
    URL = "url"
    """An ``http://`` or ``https://`` address; anything else is refused before a request."""
    EMAIL = "email"
    PORT = "port"
    """A TCP port, 1 to 65535, stored as an int."""
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a vendor's config-flow or options form.

    `key` is the key in the config entry's data (or options) and in the translations of the
    form's step; `default` is None when the field has none.
    """

    key: str
    type: FieldType = FieldType.TEXT
    required: bool = True
    default: str | int | bool | None = None


@dataclass(frozen=True, slots=True)
class VendorForm:
    """The form that adds an account of a vendor.

    `secrets` are asked again on reauth and never suggested on reconfigure; `identity` are
    the fields that tell an account already added, before anything is sent to the vendor.
    `errors` replaces the shared form errors and abort reasons (``cannot_connect``,
    ``bad_response``, ``already_configured``, …) by the vendor's own keys where the shared
    words do not fit its form (a device asked for by host and port has no server URL);
    each key is translated under ``config.error`` or ``config.abort``.
    """

    fields: tuple[FormField, ...]
    secrets: tuple[str, ...]
    identity: tuple[str, ...]
    errors: Mapping[str, str] = field(default_factory=dict)


_MAC_SEPARATORS = re.compile(r"[:\-.\s]")
_MAC_HEX = re.compile(r"[0-9a-f]{12}")


def mac_address(text: str) -> str | None:
    """Return a MAC address as lower-case pairs joined by ``:``; None when it is none.

    Takes the usual spellings: ``AA:BB:CC:DD:EE:FF``, ``aa-bb-cc-dd-ee-ff``,
    ``aabb.ccdd.eeff`` and ``aabbccddeeff``. The all-zero address is none.
    """
    digits = _MAC_SEPARATORS.sub("", text.strip().lower())
    if not _MAC_HEX.fullmatch(digits) or digits == "0" * 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True, slots=True)
class DhcpMatcher:
    """A DHCP packet the vendor's devices send, as a Home Assistant manifest ``dhcp`` matcher.

    Both are shell patterns (``*``, ``?``), as Home Assistant reads them: `macaddress` is
    matched against the MAC in upper-case hex without separators (``"9C8ECD*"`` is an OUI)
    and `hostname` against the host name in lower case. A packet matches when every
    pattern given matches.
    """

    macaddress: str | None = None
    hostname: str | None = None

    def matches(self, macaddress: str, hostname: str) -> bool:
        """Tell whether a packet from this MAC (any spelling) and host name matches."""
        mac = mac_address(macaddress)
        if self.macaddress is not None and (
            mac is None or not fnmatchcase(mac.replace(":", "").upper(), self.macaddress)
        ):
            return False
        return self.hostname is None or fnmatchcase(hostname.lower(), self.hostname)

    def manifest(self) -> dict[str, str]:
        """Return the matcher as written in ``manifest.json``."""
        return {
            key: value
            for key, value in (("hostname", self.hostname), ("macaddress", self.macaddress))
            if value is not None
        }


@dataclass(frozen=True, slots=True)
class LanDiscovery:
    """How a vendor's devices on the local network are found and known again.

    `label`: what the devices are called in a discovered device's title, with its address.
    `dhcp`: the packets its devices send (``manifest.json`` lists every vendor's).
    `host`: the field of the vendor's form the discovered address fills (the form's other
    fields keep their defaults; the user adds the login).
    `macs`: the key of the entry's data under which the client keeps the device's MAC
    addresses (lower case, ``:``-separated), through `VendorClient.stored_config`. A packet
    from one of them is the known device: when its address changed, the entry's `host` is
    changed and the entry reloaded, without asking. A packet from any other MAC is a new
    device, offered to the user, who logs in to it.
    """

    label: str
    dhcp: tuple[DhcpMatcher, ...]
    host: str
    macs: str


class PtzDirection(StrEnum):
    """Directions of a pan, tilt or zoom move."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"


class StreamKind(StrEnum):
    """How a live stream is delivered."""

    HLS = "hls"
    RTSP = "rtsp"


class MediaKind(StrEnum):
    """Kinds of recorded items shown in the Media browser."""

    RECORDING = "recording"
    TIMELAPSE = "timelapse"
    EVENT = "event"
    ARCHIVE = "archive"
    """A piece (at most an hour) of a continuous archive, listed by day."""
    MARK = "mark"
    """A mark set in the archive by a user."""


class RecordingCause(StrEnum):
    """Why a device recorded a file, whatever the vendor calls it.

    The Media browser shows it in words (translated under ``selector.recording_cause``);
    a vendor maps its own flags to these and leaves a flag it cannot place as None.
    """

    SCHEDULED = "scheduled"
    """The recording schedule (continuous or timed recording)."""
    MANUAL = "manual"
    """Started by hand."""
    EVENT = "event"
    """An event rule (motion, a smart detection, …)."""
    ALARM = "alarm"
    """An alarm input or alarm rule."""
    MARKED = "marked"
    """Marked (kept) by a user."""


@dataclass(frozen=True, slots=True)
class Account:
    """The account a config entry stands for. `unique_id` is stable and never a secret."""

    unique_id: str
    title: str


@dataclass(frozen=True, slots=True)
class VendorSession:
    """One of the account's open sessions, when the vendor limits how many there may be.

    `label` is human-readable (client or user agent, address, last seen) and never holds a
    token; `current` is the session of this client; `online` None when the vendor does
    not say.
    """

    id: str
    label: str
    current: bool = False
    online: bool | None = None


class PtzPreset(NamedTuple):
    """A PTZ preset position: ``(id, name)``; the id is what ``async_goto_preset`` takes."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ParentDevice:
    """The physical device a camera is a channel of (an NVR), for Home Assistant's via_device.

    `id` is unique within the account and never a secret (e.g. the NVR's serial number).
    """

    id: str
    name: str
    manufacturer: str
    model: str | None = None
    sw_version: str | None = None
    macs: tuple[str, ...] = ()
    """The recorder's own MAC addresses (as `mac_address` spells them), when it told them."""


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera (or recorder channel) of an account."""

    id: str
    name: str
    manufacturer: str
    model: str | None = None
    enabled: bool = True
    capabilities: frozenset[Capability] = frozenset()
    sw_version: str | None = None
    maybe: frozenset[Capability] = frozenset()
    """Capabilities the camera may have, which the vendor cannot tell: their entities
    are created disabled by default."""
    group: str | None = None
    """Who the camera belongs to, where an account spans several owners."""
    event_types: tuple[EventKind, ...] = ()
    """The kinds of state its realtime feed reports on and off (with MOTION): one binary
    sensor each."""
    event_codes: tuple[str, ...] = ()
    """The vendor's own codes its realtime feed reports (with MOTION): the alert event
    entity fires them as they are."""
    alert_kinds: tuple[EventKind, ...] = ()
    """Kinds its alerts may have beyond `event_types`: moments the alert event entity
    fires (e.g. a licence plate read) without a binary sensor of their own."""
    parent: ParentDevice | None = None
    """The recorder this camera is a channel of; None for a camera that is a device itself."""
    macs: tuple[str, ...] = ()
    """A camera on the LAN that is a device itself: its MAC addresses (as `mac_address`
    spells them), when it told them; Home Assistant lists them as the device's connections,
    and its DHCP watcher reports them when they move."""

    def has(self, capability: Capability) -> bool:
        """Return True when the camera has the capability."""
        return capability in self.capabilities

    def may(self, capability: Capability) -> bool:
        """Return True when the camera has, or may have, the capability."""
        return capability in self.capabilities or capability in self.maybe


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """Properties of a camera's live stream."""

    width: int | None = None
    height: int | None = None
    video_codec: str | None = None
    fps: float | None = None
    audio_codec: str | None = None
    bandwidth_mbps: float | None = None

    @property
    def resolution(self) -> str | None:
        """Return the resolution as WIDTHxHEIGHT."""
        if self.width is None or self.height is None:
            return None
        return f"{self.width}x{self.height}"


@dataclass(frozen=True, slots=True)
class StorageInfo:
    """Summary of a camera's cloud storage."""

    total_size_mb: float | None = None
    file_count: int | None = None
    first_recording: datetime | None = None
    last_recording: datetime | None = None


@dataclass(frozen=True, slots=True)
class PinLock:
    """PIN lock settings. `codes` are secrets: never log or expose them."""

    enabled: bool
    codes: tuple[PinCode, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class PinCode:
    """One PIN code with an optional comment."""

    code: str = field(repr=False)
    comment: str = ""


@dataclass(frozen=True, slots=True)
class CardInfo:
    """A camera's memory card: sizes in gigabytes (10^9 bytes); None where unknown."""

    free_gb: float | None = None
    total_gb: float | None = None

    @property
    def used_percent(self) -> float | None:
        """Return how full the card is, in percent (one decimal); None where unknown."""
        if self.free_gb is None or not self.total_gb or self.total_gb <= 0:
            return None
        used = max(0.0, min(self.total_gb, self.total_gb - self.free_gb))
        return round(100.0 * used / self.total_gb, 1)


@dataclass(frozen=True, slots=True)
class CameraStatus:
    """What is known about a camera right now; None means unknown."""

    stream_connected: bool | None = None
    server_online: bool | None = None
    service_level: str | None = None
    stream_info: StreamInfo | None = None
    storage: StorageInfo | None = None
    pin_lock: PinLock | None = None
    live: bool | None = None
    online: bool | None = None
    record_mode: RecordMode | None = None
    active: frozenset[str] | None = None
    """The event kinds going on now (e.g. ``motion``); set from the realtime feed, never
    by a poll. None for a camera without realtime events."""
    archive_recording: bool | None = None
    """With ARCHIVE_STATE: whether the archive records now."""
    archive_start: datetime | None = None
    """With ARCHIVE_STATE: the oldest moment the archive holds (timezone aware)."""
    offline_reason: str | None = None
    """With ``online=False``: why, as a plain lower-case word (``blocked``, …); Home
    Assistant shows it translated where it knows the word, as it is otherwise."""
    blocked: bool = False
    """The vendor withholds the camera from this account for now (e.g. blocked for the
    user): its entities are unavailable, except its online sensor, which is off and says
    why (`offline_reason`)."""
    card: CardInfo | None = None
    """With SD_CARD: the memory card; None when unknown or no card."""
    boot_time: datetime | None = None
    """With BOOT_TIME: when the camera last started (timezone-aware UTC), stable across
    polls: it moves only when the camera restarted."""


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """Something that happened at a camera, as the realtime feed tells it."""

    camera_id: str
    type: str
    """The vendor's own event code (``motion``, ``audio``, ``VideoMotion``, …), as the
    alert event entity and automations see it."""
    id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    """None while the event goes on."""
    magnitude: int | None = None
    data: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    resync: bool = False
    """Read back after a (re)connect rather than heard as it happened: it corrects what
    is going on, and is passed on as an event only when it changes that."""
    kind: EventKind | None = None
    """What the event is in the shared vocabulary; None for a code without a kind."""


@dataclass(frozen=True, slots=True)
class RealtimeUpdate:
    """One message of a realtime feed: a camera's new status, or an event.

    With `cameras_changed` the account's camera list changed (cameras added, removed,
    permissions changed): it is read again at once; `camera_id` may then be empty.
    """

    camera_id: str
    status: CameraStatus | None = None
    event: CameraEvent | None = None
    cameras_changed: bool = False


@dataclass(frozen=True, slots=True)
class StreamSource:
    """Where a live stream can be opened, and how often it must be looked up again."""

    url: str = field(repr=False)
    kind: StreamKind
    refresh_seconds: float | None = None
    relay: bool = False
    """The URL carries a secret (an HLS token): Home Assistant's stream must not see it,
    so the integration relays the stream under a local address of its own."""


@dataclass(frozen=True, slots=True)
class RecordedItem:
    """A recording, event or time-lapse that can be played.

    `title` is shown only where the Media browser has nothing better: a time-lapse's own
    name, or an item without a start time. Never put a vendor's raw code in it.
    """

    id: str
    kind: MediaKind
    title: str
    start: datetime | None = None
    end: datetime | None = None
    size_bytes: int | None = None
    mime_type: str = "video/mp4"
    event: EventKind | None = None
    """What the recorded event was (the Media browser names it in words); None when the
    vendor's code has no kind."""
    cause: RecordingCause | None = None
    """Why it was recorded, when the vendor says (shown when there is no `event`)."""
    camera_time: bool = False
    """`start` and `end` are in the camera's own time zone, shown as they are (the vendor
    gives local times, and its days are the camera's days); otherwise the Media browser
    shows them in Home Assistant's time zone."""
    has_thumbnail: bool = False

    @property
    def duration_seconds(self) -> float | None:
        """Return the duration in seconds when start and end are known."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class MediaPage:
    """A page of recorded items, newest first, and where the next (older) page starts.

    `next_page` is the vendor's own cursor of the next page (None: this is the last), given
    back to `VendorClient.async_list_media_page` as it is. It marks where the page ended
    (by time or id, not by position), so that items recorded between two page reads show
    on one page only.
    """

    items: list[RecordedItem]
    next_page: str | None = None


@dataclass(frozen=True, slots=True)
class MediaLocation:
    """Where the proxy fetches a recorded item from. Never sent to the browser."""

    url: str = field(repr=False)
    mime_type: str = "video/mp4"
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    stream: StreamKind | None = None
    """None: `url` is a file the proxy streams as it is. `StreamKind.HLS`: `url` is an HLS
    playlist (with a token in it, or in its segments' URIs); Home Assistant's side plays it
    in the browser without ever showing the URL. The client gives a fresh link each call."""
