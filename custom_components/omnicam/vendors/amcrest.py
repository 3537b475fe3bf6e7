"""Amcrest / Dahua HTTP CGI API client (a camera, doorbell or NVR on the LAN).

Follows ``vendor-docs/amcrest-http-api-excerpt.txt`` (spec rev 2.10) and, where real devices
differ from it, ``vendor-docs/amcrest-api-notes.md``. Where both are silent we assume, and the
simulator agrees:

- Authentication is HTTP Digest (MD5, ``qop=auth``) through aiohttp's own
  ``DigestAuthMiddleware``, passed per request so the shared session is left alone. The
  middleware answers a challenge and a ``stale=TRUE`` nonce by itself. Basic is used only
  once the device's 401 challenge asks for Basic (old firmware), and Digest again if it
  asks for Digest later. Devices answer 401 intermittently (sessions run out, load), so a
  401 that survives the middleware is retried: `AuthError` is raised only after
  `AUTH_ATTEMPTS` refusals in a row on fresh (not stale) challenges (one when checking a
  password just typed, since devices lock a user out after a few failures); a call that gave up
  on stale nonces raises `CannotConnect`.
- Query strings are written by hand (values percent-encoded except ``[ ] , :``, spaces as
  ``%20``) and sent as they are, so the Digest ``uri`` is the request-target byte for byte.
- Bodies are ``key=value`` lines (CRLF or LF), split on the first ``=``; the prefixes
  ``table.``, ``status.`` and ``caps.`` are dropped. Any body starting with ``Error`` is a
  failure: ``ErrorID=3`` (method not found) and every HTTP 400 mean the device lacks the
  feature (`NotSupported`); other ``ErrorID`` values become `VendorError` with the id and
  detail. Exceptions where ``Error`` means "nothing": ``getEventIndexes`` (no channel
  active) and ``findFile``/``findNextFile`` (no file matches).
- The account is the device: its unique id is the serial number. The model is
  ``getDeviceType``'s ``type`` unless that is odd (digits only, ``IP Camera``), then
  ``getSystemInfo``'s ``deviceType`` or ``updateSerial``. The manufacturer is
  ``getVendor`` (default ``Amcrest``).
- What a device has is probed once (channels, PTZ, record mode, finder, event codes, RTSP
  port); only the channel titles are read again with every camera list, so that renames
  on the device show.
- Channels: the larger of ``getCollect`` and ``MaxRemoteInputChannels``. One channel is a
  single camera; more is an NVR, whose channels are cameras with `Camera.parent` set to
  the recorder. Camera ids are the 1-based channel numbers as strings. Names come from
  ``ChannelTitle`` (0-based ``[i]``); a single camera prefers ``getMachineName``.
- Channel bases: RTSP, snapshot, PTZ and the NVR finder are 1-based; event ``index`` and
  config ``[i]`` are 0-based. A single camera whose snapshot on channel 1 is refused is
  asked for channel 0, and whose finder finds nothing on channel 1 but something on 0 is
  searched on 0 from then on; both are remembered per device.
- Status is one ``getCurrentTime`` per device: every channel is online when it answers;
  with RECORD_MODE, one ``getConfig&name=RecordMode`` more gives every channel's mode (the
  first status takes the probe's answer instead of asking again).
- Live: RTSP ``cam/realmonitor?channel=N&subtype=0`` (``subtype=1`` with `substream`), port
  from ``getConfig&name=RTSP`` read with the camera list (554 when it cannot be read),
  credentials percent-encoded.
- Events: one ``eventManager.cgi?action=attach&codes=[All]&heartbeat=5`` per device, with
  no total timeout and a read timeout of three heartbeats. Parts are read by
  `EventStreamParser`; ``Start`` opens an event (same id on its ``Stop``, which carries
  ``end``), ``Stop`` closes it, every other action (``Pulse``, ``State``, …) is an event
  that starts and ends at once. After each (re)connect the stateful codes the device
  supports are read with ``getEventIndexes`` and reported, active (no end) or not (end set,
  ``resync`` set), so nothing stays stuck on. Supported codes come from
  ``eventManager.cgi?action=getExposureEvents``; when the device lacks it, a fixed list of
  common codes (plus the doorbell codes on ``AD…`` models) is assumed. `EVENT_KINDS` says
  what each stateful code is (``VideoMotion`` is motion, ``VideoBlind`` tampering, …); the
  code itself stays the event's type.
- Doorbells: a press is ``_DoTalkAction_`` with ``data.Action=Invite`` (AD110/AD410), or
  ``PhoneCallDetect``/``BackKeyLight`` starting (Dahua door stations); each press is also
  reported as a `RING` event, and a device whose event codes include them is a `DOORBELL`.
- PTZ: a channel has PTZ when ``getCurrentProtocolCaps`` says ``Pan``, ``Tile`` or ``Zoom``
  true, none when it says all false or answers 400/``Error``, and maybe (disabled entities)
  when it cannot be read now. Moves send ``arg1=0&arg2=<speed>&arg3=0`` for Up/Down/Left/
  Right and ``0/0/0`` for ZoomTele (in) and ZoomWide (out), as the spec's table says;
  ``stop`` repeats the started code and arguments. A stop with no move started sends
  nothing. Presets (``GotoPreset``, ``arg2`` = number) exist where the caps report
  ``PresetMax`` > 0 (or no ``PresetMax``).
- Record mode: ``RecordMode[i].Mode`` 0 auto (schedule), 1 manual, 2 off; the capability
  exists when ``getConfig&name=RecordMode`` has the channel's entry.
- Recordings: ``mediaFileFind`` (create → findFile → findNextFile&count=100 until
  ``found=0`` or ``Error`` → close → destroy; the finder is always closed and destroyed,
  one search at a time per device). Times are device local time: give `time_zone` (default
  UTC). `async_list_media` lists the last `RECENT_HOURS` hours; `async_list_media_day`
  lists one local calendar day. ``RECORDING`` is every ``dav`` file, ``EVENT`` those with
  ``Flag=Event``. Item ids are the FilePath in URL-safe base64 without padding. An item's
  event is the first of its ``Events[n]`` with a kind (`EVENT_KINDS`), its cause the first
  of its ``Flags[n]`` in `RECORDING_CAUSES` (the notes list Timing, Manual, Marker, Event,
  Mosaic, Cutout; ``Alarm`` is assumed for alarm-input recordings); the raw codes are
  never shown. Its times are the device's, and shown as they are (``camera_time``).
- Media: ``RPC_Loadfile<FilePath>`` with ``[ ] @`` literal, fetched with Digest through
  `async_open_media` (static headers cannot carry Digest). Whether a file is MP4 or Dahua
  DAV is read from its first bytes (``ftyp`` at offset 4, or ``DHAV``) when its location is
  asked for. DAV is not remuxed: it is offered as ``video/x-dahua-dav``, which browsers
  cannot play; listings mark ``.dav`` paths the same way.
- Secrets: the password (raw and percent-encoded) and the Basic credentials are scrubbed
  from every error text; RTSP URLs are never logged.
- Discovery: devices are found by Home Assistant's DHCP watcher, matched on the MAC
  prefixes (OUIs) the IEEE registered to Zhejiang Dahua Technology and to Amcrest
  Technologies (`OUIS`). No host name pattern: the documents do not say what name a device
  sends in DHCP (the machine name is the user's), and a guessed one would offer other
  devices. SSDP, zeroconf and ONVIF are not used either: the excerpt documents UPnP only as
  the device's own port mapping (§4.7.9) and ONVIF only as a login setting (§4.6.17, 20),
  not as something Home Assistant could match.
- A device's MAC addresses (every interface's: wired ``eth0``, Wi-Fi ``eth2``) are read once
  with the camera list from ``configManager.cgi?action=getConfig&name=Network``
  (``table.Network.<interface>.PhysicalAddress=3c:ef:8c:01:02:03``; the spec's "Network
  basic config", §4.7.1, outside our excerpt) and kept in the entry (`stored_config`,
  ``macs``) and given to the device (`Camera.macs` of a single camera, `ParentDevice.macs`
  of a recorder), so that Home Assistant reports them whatever their OUI; a device without
  that config keeps none. We assume the MAC a device sends its DHCP requests from is one of
  them; a DHCP packet from one of them is taken to be that device, so the entry moves to the
  packet's address and sends its login there. Anyone who can send DHCP from that MAC on the
  LAN could as well take the device's old address, so this trusts the LAN no more than an
  address typed by hand does. A packet from any other MAC never receives a stored login: it
  is offered as a new device, and the user logs in; when that login reaches a device already
  added (same serial: a device whose MAC changed or was never read), that entry moves to the
  new address.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time as dt_time, timedelta, tzinfo
import json
import logging
import re
from typing import Any, ClassVar, Final, Literal, cast
from urllib.parse import quote, quote_plus

import aiohttp
from aiohttp import hdrs
from aiohttp.payload import Payload
from yarl import URL

from .base import VendorClient, config_time_zone, redact_url
from .errors import (
    AuthError,
    BadResponse,
    CannotConnect,
    NotFound,
    NotSupported,
    OmniCamError,
    Unavailable,
    VendorError,
)
from .models import (
    RING,
    Account,
    Camera,
    CameraEvent,
    CameraStatus,
    Capability,
    DhcpMatcher,
    EventKind,
    FieldType,
    FormField,
    LanDiscovery,
    MediaKind,
    MediaLocation,
    ParentDevice,
    PtzDirection,
    PtzPreset,
    RealtimeUpdate,
    RecordedItem,
    RecordingCause,
    RecordMode,
    StreamKind,
    StreamSource,
    VendorForm,
    mac_address,
)

_LOGGER = logging.getLogger(__name__)

CONF_HOST: Final = "host"
CONF_PORT: Final = "port"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a config key, not a secret
CONF_SSL: Final = "ssl"
CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_SUBSTREAM: Final = "substream"
CONF_MACS: Final = "macs"

DEFAULT_MANUFACTURER: Final = "Amcrest"
DEFAULT_RTSP_PORT: Final = 554
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=20, connect=10)
SNAPSHOT_TIMEOUT: Final = aiohttp.ClientTimeout(total=25, connect=10, sock_read=20)
FIND_TIMEOUT: Final = aiohttp.ClientTimeout(total=40, connect=10, sock_read=30)
MEDIA_TIMEOUT: Final = aiohttp.ClientTimeout(total=None, connect=10, sock_read=60)
HEARTBEAT: Final = 5
REALTIME_TIMEOUT: Final = aiohttp.ClientTimeout(total=None, connect=15, sock_read=3 * HEARTBEAT)
AUTH_ATTEMPTS: Final = 3
"""Refusals in a row, each on a fresh challenge, before the password counts as wrong."""
MAX_TRIES: Final = 6
AUTH_RETRY_DELAY: Final = 0.2
MAX_PARALLEL: Final = 4
PAGE_SIZE: Final = 100
MAX_PAGES: Final = 50
RECENT_HOURS: Final = 24
PTZ_SPEED: Final = 5
DAV_MIME: Final = "video/x-dahua-dav"
"""Dahua's own container; the Home Assistant side remuxes it to MP4 to play it."""
MAX_PART_BYTES: Final = 1 << 20

PTZ_CODES: Final = {
    PtzDirection.UP: "Up",
    PtzDirection.DOWN: "Down",
    PtzDirection.LEFT: "Left",
    PtzDirection.RIGHT: "Right",
    PtzDirection.ZOOM_IN: "ZoomTele",
    PtzDirection.ZOOM_OUT: "ZoomWide",
}
_ZOOM_CODES: Final = frozenset({"ZoomTele", "ZoomWide"})
RECORD_MODES: Final = {"0": RecordMode.AUTO, "1": RecordMode.MANUAL, "2": RecordMode.OFF}
DEFAULT_EVENT_TYPES: Final = (
    "VideoMotion",
    "SmartMotionHuman",
    "SmartMotionVehicle",
    "VideoLoss",
    "VideoBlind",
    "AlarmLocal",
    "CrossLineDetection",
    "CrossRegionDetection",
    "AudioMutation",
)
DOORBELL_EVENT_TYPES: Final = ("_DoTalkAction_", "CallNoAnswered", "ProfileAlarmTransmit")
PRESS_CODES: Final = frozenset({"PhoneCallDetect", "BackKeyLight"})
"""Codes that are a press on Dahua door stations, besides ``_DoTalkAction_`` Invite."""
STATEFUL_CODES: Final = frozenset(
    {
        "VideoMotion",
        "SmartMotionHuman",
        "SmartMotionVehicle",
        "VideoLoss",
        "VideoBlind",
        "AlarmLocal",
    }
)
"""Codes whose Start/Stop describe a state that can be read back with getEventIndexes."""
EVENT_KINDS: Final[Mapping[str, EventKind]] = {
    "VideoMotion": EventKind.MOTION,
    "SmartMotionHuman": EventKind.PERSON,
    "SmartMotionVehicle": EventKind.VEHICLE,
    "CrossLineDetection": EventKind.LINE_CROSSING,
    "CrossRegionDetection": EventKind.INTRUSION,
    "AudioMutation": EventKind.SOUND,
    "AudioAnomaly": EventKind.SOUND_ANOMALY,
    "VideoLoss": EventKind.VIDEO_LOSS,
    "VideoBlind": EventKind.TAMPERING,
    "AlarmLocal": EventKind.ALARM_INPUT,
}
"""Event codes that describe a state, and what they are; other codes (doorbell actions,
``NTPAdjustTime``, …) only fire the alert event entity."""
RECORDING_CAUSES: Final[Mapping[str, RecordingCause]] = {
    "Timing": RecordingCause.SCHEDULED,
    "Manual": RecordingCause.MANUAL,
    "Event": RecordingCause.EVENT,
    "Alarm": RecordingCause.ALARM,
    "Marker": RecordingCause.MARKED,
}
"""What made the device record a file (``mediaFileFind``'s ``Flags[n]``); ``Mosaic`` and
``Cutout`` say how a file was made, not why, and have no cause."""

OUIS: Final = (
    # Zhejiang Dahua Technology Co., Ltd.
    "08EDED", "14A78B", "24526A", "38AF29", "3CE36B", "3CEF8C", "4C11BF", "5CF51A",
    "64FD29", "6C1C71", "74C929", "8CE9B4", "9002A9", "98F9CC", "9C1463", "A0BD1D",
    "B44C3B", "BC325F", "C0395A", "C4AAC4", "D4430E", "E02EFE", "E0508B", "E4246C",
    "F4B1C2", "F8CE07", "FC5F49", "FCB69D",
    # Amcrest Technologies
    "00651E", "9C8ECD", "A06032",
)  # fmt: skip
"""MAC prefixes the IEEE registered to Dahua and Amcrest (its MA-L registry, 2024)."""
_NETWORK_MAC = re.compile(r"^Network\.([^.]+)\.PhysicalAddress$", re.IGNORECASE)
_PREFIXES: Final = ("table.", "status.", "caps.")
_ERROR_ID = re.compile(r"ErrorID\s*=\s*(-?\d+)", re.IGNORECASE)
_DETAIL = re.compile(r"Detail\s*=\s*(.*)", re.IGNORECASE)
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*\s*:")
_BOUNDARY = re.compile(r'boundary\s*=\s*"?([^";,\s]+)"?', re.IGNORECASE)
_SAFE_VALUE: Final = "[],:"
_SAFE_PATH: Final = "/[]@:-._~"

type Scalar = str | int | float | bool | None


# -- pure parsing -----------------------------------------------------------------------


def _basic_authorization(username: str, password: str) -> str:
    """Return the Basic Authorization header, as aiohttp encodes it (UTF-8).

    aiohttp 3.14 deprecates `BasicAuth` and the `auth` argument for `encode_basic_auth`,
    which older releases (Home Assistant 2026.2's) lack.
    """
    encode = getattr(aiohttp, "encode_basic_auth", None)
    if encode is not None:
        return cast(str, encode(username, password))
    return aiohttp.BasicAuth(username, password, encoding="utf-8").encode()


def parse_kv(body: str) -> dict[str, str]:
    """Parse ``key=value`` lines (CRLF or LF) into a dict; prefixes ``table.`` etc. dropped.

    Lines without ``=`` are ignored; a value may itself hold ``=``.
    """
    values: dict[str, str] = {}
    for line in body.splitlines():
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            continue
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
                break
        values[key] = value.strip()
    return values


def kv_get(values: Mapping[str, str], *keys: str) -> str | None:
    """Return the first non-empty value among keys, compared without case."""
    lowered = {key.lower(): value for key, value in values.items()}
    for key in keys:
        value = lowered.get(key.lower())
        if value:
            return value
    return None


def indexed(values: Mapping[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """Group ``prefix[i].Key=value`` entries by i: ``{i: {"Key": value}}``."""
    pattern = re.compile(rf"^{re.escape(prefix)}\[(\d+)\]\.(.+)$")
    groups: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        if match := pattern.match(key):
            groups.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return groups


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _true(value: str | None) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in {"true", "1"}:
        return True
    if text in {"false", "0"}:
        return False
    return None


def error_of(function: str, status: int, body: str) -> OmniCamError | None:
    """Return the typed error an answer stands for, or None when it is a success."""
    text = body.strip()
    if not text.startswith("Error") and status != 400:
        return None
    code_match = _ERROR_ID.search(text)
    detail_match = _DETAIL.search(text)
    detail = (detail_match.group(1).strip() if detail_match else "") or text.removeprefix(
        "Error"
    ).strip()
    if status == 400 or (code_match is None and "bad request" in detail.lower()):
        return NotSupported(f"{function}: not available on this device ({detail[:80]})")
    if code_match is None:
        return VendorError("Error", f"{function}: {detail[:80] or 'error'}")
    code = int(code_match.group(1))
    if code == 3:
        return NotSupported(f"{function}: not available on this device ({detail[:80]})")
    return VendorError(code, f"{function}: {detail[:80]}")


def network_macs(values: Mapping[str, str]) -> tuple[str, ...]:
    """Return the MAC addresses of every interface in a ``Network`` config, sorted.

    Values that are no MAC (empty, all zero) are left out.
    """
    found = {
        mac
        for key, value in values.items()
        if _NETWORK_MAC.match(key) and (mac := mac_address(value)) is not None
    }
    return tuple(sorted(found))


def _is_press(code: str, action: str, data: Mapping[str, Scalar]) -> bool:
    """Tell a doorbell press: ``_DoTalkAction_`` with ``Action=Invite``, or a VTO's call."""
    if code == "_DoTalkAction_":
        return any(k.lower() == "action" and str(v).lower() == "invite" for k, v in data.items())
    return code in PRESS_CODES and action.lower() in ("start", "pulse")


def parse_event(text: str) -> dict[str, Any]:
    """Parse an event body ``Code=…;action=…;index=…;data={json}`` into a dict.

    Keys are kept as sent; ``data`` is JSON-decoded (JSON may hold ``=``, ``;`` and line
    breaks), and kept as the raw string when it is not JSON.
    """
    fields: dict[str, Any] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        eq = text.find("=", pos)
        semi = text.find(";", pos)
        if eq < 0 or (0 <= semi < eq):
            pos = len(text) if semi < 0 else semi + 1
            continue
        key = text[pos:eq].strip()
        if key.lower() == "data":
            rest = text[eq + 1 :].lstrip()
            try:
                value, end = json.JSONDecoder().raw_decode(rest)
            except ValueError:
                fields[key] = rest
                break
            fields[key] = value
            tail = rest[end:]
            next_semi = tail.find(";")
            if next_semi < 0:
                break
            text, pos = tail, next_semi + 1
            continue
        end = len(text) if semi < 0 else semi
        fields[key] = text[eq + 1 : end].strip()
        pos = end + 1
    return fields


def flatten(
    value: Any, prefix: str = "", out: dict[str, Scalar] | None = None
) -> dict[str, Scalar]:
    """Flatten JSON into scalars: ``{"Object": {"Type": "Human"}}`` → ``Object.Type``.

    Lists of one element are unwrapped; longer lists get ``.0``, ``.1``, … keys.
    """
    result: dict[str, Scalar] = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), result)
    elif isinstance(value, list):
        if len(value) == 1:
            flatten(value[0], prefix, result)
        else:
            for i, item in enumerate(value):
                flatten(item, f"{prefix}.{i}" if prefix else str(i), result)
    elif value is None or isinstance(value, bool | int | float):
        result[prefix or "value"] = value
    else:
        result[prefix or "value"] = str(value)[:200]
    return result


class EventStreamParser:
    """Split the bytes of an ``eventManager`` multipart stream into part bodies.

    Robust to what devices send: header lines ending in CRLF or LF, ``Content-Length:``
    with or without a space, a Content-Length that is missing or overstated (the body then
    ends at the next boundary), parts without headers (bare ``Heartbeat``), junk between
    parts, and parts split anywhere across reads.
    """

    def __init__(self, boundary: str = "myboundary") -> None:
        """Start before the first boundary."""
        self._delimiter = b"--" + (boundary.strip().lstrip("-") or "myboundary").encode()
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        """Add bytes; return the bodies of the parts now complete, stripped of whitespace."""
        self._buffer += chunk
        bodies: list[str] = []
        while (body := self._next()) is not None:
            if body:
                bodies.append(body)
        if len(self._buffer) > MAX_PART_BYTES:
            _LOGGER.warning("Amcrest event stream: part too long, dropped")
            self._buffer.clear()
        return bodies

    def _next(self) -> str | None:
        """Take one part off the buffer; None when more bytes are needed."""
        buf = self._buffer
        start = buf.find(self._delimiter)
        if start < 0:
            # Keep a tail that may be the start of a delimiter.
            keep = len(self._delimiter)
            if len(buf) > keep:
                del buf[: len(buf) - keep]
            return None
        line_end = buf.find(b"\n", start)
        if line_end < 0:
            return None
        pos = line_end + 1
        length: int | None = None
        while True:
            eol = buf.find(b"\n", pos)
            if eol < 0:
                return None
            line = bytes(buf[pos:eol]).strip()
            if not line:
                pos = eol + 1
                break
            if not _HEADER.match(line):
                break  # no headers: the body starts here
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = _int(value.decode("ascii", "replace"))
            pos = eol + 1
        rest = buf[pos:]
        next_delim = rest.find(self._delimiter)
        if length is not None and 0 <= length <= len(rest) and not 0 <= next_delim < length:
            body = bytes(rest[:length])
            del buf[: pos + length]
        elif next_delim >= 0:
            body = bytes(rest[:next_delim])
            del buf[: pos + next_delim]
        elif rest.lstrip().startswith(b"Heartbeat") and b"\n" in rest:
            body = b"Heartbeat"
            del buf[: pos + rest.find(b"\n") + 1]
        else:
            return None
        return body.decode("utf-8", "replace").strip()


def media_item_id(path: str) -> str:
    """Return a path-safe item id for a device FilePath."""
    return base64.urlsafe_b64encode(path.encode()).decode().rstrip("=")


def media_item_path(item_id: str) -> str:
    """Return the FilePath of an item id; raises NotFound when it is none."""
    try:
        path = base64.urlsafe_b64decode(item_id + "=" * (-len(item_id) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise NotFound(f"no recording {item_id}") from None
    if not path.startswith("/") or ".." in path.split("/") or any(ch in path for ch in "\r\n\0?#"):
        raise NotFound(f"no recording {item_id}")
    return path


def container_of(head: bytes) -> str | None:
    """Return ``mp4`` or ``dav`` from a file's first bytes, None when neither."""
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"DHAV"):
        return "dav"
    return None


def _mime_of_path(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".mp4"):
        return "video/mp4"
    if lower.endswith(".jpg"):
        return "image/jpeg"
    return DAV_MIME


def _query(params: Sequence[tuple[str, str | int]]) -> str:
    return "&".join(f"{key}={quote(str(value), safe=_SAFE_VALUE)}" for key, value in params)


class _DigestAuth(aiohttp.DigestAuthMiddleware):
    """aiohttp's Digest middleware, made to sign the request-target exactly as it is sent.

    Some aiohttp releases sign the decoded path and query (``%20`` as a space); devices
    compare ``uri`` byte for byte and refuse that. Whether the installed aiohttp does is
    found out once; if it does, it is handed a URL whose decoded form is the raw one.
    """

    _signs_raw: ClassVar[bool | None] = None

    async def _encode(self, method: str, url: URL, body: Payload | Literal[b""]) -> str:
        if url.raw_path_qs != url.path_qs:
            if _DigestAuth._signs_raw is None:
                probe = aiohttp.DigestAuthMiddleware("probe", "probe")
                probe._challenge = {"realm": "r", "nonce": "n"}
                header = await probe._encode("GET", URL("http://h/a%20b", encoded=True), b"")
                _DigestAuth._signs_raw = 'uri="/a%20b"' in header
            if not _DigestAuth._signs_raw:
                url = URL.build(
                    path=url.raw_path.replace("%", "%25"),
                    query_string=url.raw_query_string.replace("%", "%25"),
                    encoded=True,
                )
        return await super()._encode(method, url, body)


@dataclass(slots=True)
class _Device:
    """What the device told about itself, read once."""

    serial: str
    model: str | None
    vendor: str
    firmware: str | None
    machine_name: str | None


@dataclass(slots=True)
class _Probe:
    """What the camera list found per device, read once."""

    channels: int
    titles: dict[int, str] = field(default_factory=dict)
    ptz: dict[int, tuple[frozenset[Capability], frozenset[Capability]]] = field(
        default_factory=dict
    )
    record_modes: frozenset[int] = frozenset()
    recordings: bool = False
    event_types: tuple[str, ...] = ()


class AmcrestClient(VendorClient):
    """Client of one Amcrest or Dahua device: a camera, a doorbell or an NVR."""

    vendor = "amcrest"
    manufacturer = DEFAULT_MANUFACTURER
    camera_list_seconds = 900.0
    snapshot_cache_seconds = 5.0
    ptz_step_seconds = 0.5
    event_hold_seconds = None
    """Start is always followed by Stop; a gap in the stream is closed by the resync."""
    media_days = 7
    form = VendorForm(
        fields=(
            FormField(CONF_HOST),
            FormField(CONF_PORT, FieldType.PORT, default=80),
            FormField(CONF_USERNAME, default="admin"),
            FormField(CONF_PASSWORD, FieldType.PASSWORD),
            FormField(CONF_SSL, FieldType.BOOL, default=False),
            # Most devices have a self-signed certificate (the field's hint says so).
            FormField(CONF_VERIFY_SSL, FieldType.BOOL, default=False),
        ),
        secrets=(CONF_PASSWORD,),
        identity=(CONF_HOST, CONF_PORT),
        errors={
            "cannot_connect": "cannot_connect_device",
            "bad_response": "bad_response_device",
            "already_configured": "already_configured_device",
        },
    )
    discovery = LanDiscovery(
        label="Amcrest/Dahua",
        dhcp=tuple(DhcpMatcher(macaddress=f"{oui}*") for oui in OUIS),
        host=CONF_HOST,
        macs=CONF_MACS,
    )
    options = (FormField(CONF_SUBSTREAM, FieldType.BOOL, default=False),)
    """Live view may play the sub stream, smaller than the main stream."""
    legacy_entity_keys = {code: kind.value for code, kind in EVENT_KINDS.items()}
    """Event binary sensors were keyed by the device's event code before they were keyed
    by kind ("VideoMotion" is now "motion")."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        username: str,
        password: str,
        *,
        port: int | None = None,
        ssl: bool = False,
        verify_ssl: bool = True,
        substream: bool = False,
        time_zone: tzinfo = UTC,
        ptz_speed: int = PTZ_SPEED,
    ) -> None:
        """Initialise the client; `time_zone` is the device's local time zone."""
        super().__init__(session)
        self._host = host.strip()
        self._username = username
        self._password = password
        scheme = "https" if ssl else "http"
        self._port = port or (443 if ssl else 80)
        self._base = f"{scheme}://{self._netloc(self._port)}"
        self._ssl: bool = verify_ssl if ssl else True
        self._substream = substream
        self._tz = time_zone
        self._ptz_speed = max(1, min(8, ptz_speed))
        self._digest = _DigestAuth(username, password)
        self._refusals_allowed = AUTH_ATTEMPTS
        self._seed_modes: dict[str, str] | None = None
        self._basic: str | None = None  # the Authorization header once Basic is asked for
        self._parallel = asyncio.Semaphore(MAX_PARALLEL)
        self._device: _Device | None = None
        self._probe: _Probe | None = None
        self._rtsp_port: int | None = None
        self._snapshot_base: int | None = None
        self._finder_base: int | None = None
        self._snapshot_locks: dict[str, asyncio.Lock] = {}
        self._finder_lock = asyncio.Lock()
        self._ptz_moving: dict[str, str] = {}
        self._active: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._macs: tuple[str, ...] = ()

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any]
    ) -> AmcrestClient:
        """Build the client from config entry data (Home Assistant's standard keys)."""
        port = config.get(CONF_PORT)
        return cls(
            session,
            config[CONF_HOST],
            config[CONF_USERNAME],
            config[CONF_PASSWORD],
            port=int(port) if port else None,
            ssl=bool(config.get(CONF_SSL, False)),
            verify_ssl=bool(config.get(CONF_VERIFY_SSL, True)),
            substream=bool(config.get(CONF_SUBSTREAM, False)),
            time_zone=config_time_zone(config),
        )

    def stored_config(self) -> dict[str, Any]:
        """Return the device's MAC addresses, once read: they tell it in a DHCP packet."""
        return {CONF_MACS: list(self._macs)} if self._macs else {}

    def secrets(self) -> Sequence[str]:
        """Return the password as typed and encoded, and the Basic credentials."""
        basic = base64.b64encode(f"{self._username}:{self._password}".encode()).decode()
        return (
            self._password,
            quote(self._password, safe=""),
            quote_plus(self._password),
            basic,
        )

    def _netloc(self, port: int) -> str:
        host = (
            f"[{self._host}]"
            if ":" in self._host and not self._host.startswith("[")
            else self._host
        )
        return f"{host}:{port}"

    @property
    def device_manufacturer(self) -> str:
        """Return the manufacturer the device names (after the first account read)."""
        return self._device.vendor if self._device else self.manufacturer

    # -- transport -------------------------------------------------------------------

    async def _send(
        self,
        name: str,
        url: URL,
        *,
        client_timeout: aiohttp.ClientTimeout = REQUEST_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> aiohttp.ClientResponse:
        """Send a GET with Digest (or Basic) auth; return the first answer that is no 401.

        The caller releases the response.
        """
        refusals = 0
        for attempt in range(MAX_TRIES):
            self.count(name)
            try:
                if self._basic is not None:
                    resp = await self._session.get(
                        url,
                        timeout=client_timeout,
                        headers={**(headers or {}), hdrs.AUTHORIZATION: self._basic},
                        ssl=self._ssl,
                        middlewares=(),
                        allow_redirects=allow_redirects,
                    )
                else:
                    resp = await self._session.get(
                        url,
                        timeout=client_timeout,
                        headers=headers,
                        ssl=self._ssl,
                        middlewares=(self._digest,),
                        allow_redirects=allow_redirects,
                    )
            except TimeoutError:
                raise CannotConnect(f"{name}: timed out") from None
            except aiohttp.ClientError as err:
                raise CannotConnect(
                    f"{name}: {type(err).__name__}: {self.scrub(redact_url(str(err)))}"
                ) from None
            if resp.status != 401:
                return resp
            challenge = resp.headers.get("WWW-Authenticate", "")
            resp.release()
            scheme = challenge.partition(" ")[0].lower()
            if scheme == "basic" and self._basic is None:
                _LOGGER.debug("Amcrest %s asks for Basic authentication", self._host)
                self._basic = _basic_authorization(self._username, self._password)
                continue
            if scheme == "digest" and self._basic is not None:
                _LOGGER.debug("Amcrest %s asks for Digest authentication again", self._host)
                self._basic = None
                continue
            if re.search(r"stale\s*=\s*\"?true", challenge, re.IGNORECASE) is None:
                refusals += 1
            if refusals >= self._refusals_allowed:
                raise AuthError(f"{name}: username or password refused")
            _LOGGER.debug("Amcrest %s: %s answered 401 (try %d)", self._host, name, attempt + 1)
            await asyncio.sleep(AUTH_RETRY_DELAY * (attempt + 1))
        raise CannotConnect(f"{name}: authentication did not settle")

    def _url(self, cgi: str, params: Sequence[tuple[str, str | int]]) -> URL:
        target = f"/cgi-bin/{cgi}"
        if params:
            target += "?" + _query(params)
        return URL(self._base + target, encoded=True)

    @asynccontextmanager
    async def _open(
        self,
        name: str,
        url: URL,
        *,
        client_timeout: aiohttp.ClientTimeout = REQUEST_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        resp = await self._send(
            name,
            url,
            client_timeout=client_timeout,
            headers=headers,
            allow_redirects=allow_redirects,
        )
        try:
            yield resp
        finally:
            resp.release()

    async def _call(
        self,
        cgi: str,
        action: str | None,
        *params: tuple[str, str | int],
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> str:
        """Call a CGI action; return the body text; raise a typed error."""
        name = f"{cgi.removesuffix('.cgi')}.{action}" if action else cgi.removesuffix(".cgi")
        query = ([("action", action)] if action else []) + list(params)
        async with self._parallel:
            try:
                async with self._open(
                    name, self._url(cgi, query), client_timeout=client_timeout or REQUEST_TIMEOUT
                ) as resp:
                    status = resp.status
                    raw = await resp.read()
            except TimeoutError:
                raise CannotConnect(f"{name}: timed out") from None
            except aiohttp.ClientError as err:
                raise CannotConnect(f"{name}: {type(err).__name__}") from None
        body = raw.decode("utf-8", "replace")
        if (error := error_of(name, status, body)) is not None:
            raise error
        if status >= 500:
            raise CannotConnect(f"{name}: server error {status}")
        if status in (403, 404):
            raise NotSupported(f"{name}: not available (HTTP {status})")
        if status != 200:
            raise BadResponse(f"{name}: unexpected HTTP {status}")
        if body.lstrip().startswith("<"):
            raise BadResponse(f"{name}: answer is a web page, not key=value lines")
        return body

    async def _values(
        self, cgi: str, action: str | None, *params: tuple[str, str | int]
    ) -> dict[str, str]:
        return parse_kv(await self._call(cgi, action, *params))

    async def _optional_values(
        self, cgi: str, action: str | None, *params: tuple[str, str | int]
    ) -> dict[str, str] | None:
        """Read values a device may lack: None when it does not have them."""
        try:
            return await self._values(cgi, action, *params)
        except (NotSupported, VendorError, BadResponse) as err:
            _LOGGER.debug("Amcrest %s: %s", self._host, err)
            return None

    # -- device and channels ----------------------------------------------------------

    async def _device_info(self) -> _Device:
        if self._device is not None:
            return self._device
        serial_values = await self._values("magicBox.cgi", "getSerialNo")
        serial = kv_get(serial_values, "sn", "serialNumber")
        if serial is None:
            raise BadResponse("getSerialNo: no serial number in the answer")
        model = kv_get(await self._optional_values("magicBox.cgi", "getDeviceType") or {}, "type")
        if model is None or model.isdigit() or model.lower() == "ip camera":
            system = await self._optional_values("magicBox.cgi", "getSystemInfo") or {}
            for candidate in (kv_get(system, "deviceType"), kv_get(system, "updateSerial")):
                if candidate and not candidate.isdigit() and candidate.lower() != "ip camera":
                    model = candidate
                    break
        software = await self._optional_values("magicBox.cgi", "getSoftwareVersion") or {}
        firmware = kv_get(software, "version")
        if firmware:
            firmware = firmware.split(",")[0].strip() or None
        vendor = kv_get(await self._optional_values("magicBox.cgi", "getVendor") or {}, "vendor")
        machine = kv_get(
            await self._optional_values("magicBox.cgi", "getMachineName") or {}, "name"
        )
        self._device = _Device(
            serial=serial,
            model=model,
            vendor=vendor or DEFAULT_MANUFACTURER,
            firmware=firmware,
            machine_name=machine,
        )
        return self._device

    async def async_get_account(self) -> Account:
        """Check the credentials and return the device as the account (by serial).

        Gives up after one refusal: this is what checks a password the user just typed, and
        Dahua firmware locks a user out after a few failed logins.
        """
        self._refusals_allowed = 1
        try:
            device = await self._device_info()
        finally:
            self._refusals_allowed = AUTH_ATTEMPTS
        return Account(
            unique_id=device.serial, title=f"{device.model or device.vendor} ({self._host})"
        )

    async def _channel_count(self) -> int:
        collect = _int(
            kv_get(await self._optional_values("devVideoInput.cgi", "getCollect") or {}, "result")
        )
        remote = _int(
            kv_get(
                await self._optional_values(
                    "magicBox.cgi", "getProductDefinition", ("name", "MaxRemoteInputChannels")
                )
                or {},
                "MaxRemoteInputChannels",
            )
        )
        return max(collect or 0, remote or 0, 1)

    async def _probe_device(self) -> _Probe:
        if self._probe is not None:
            return self._probe
        device = await self._device_info()
        probe = _Probe(channels=await self._channel_count())
        await self._read_titles(probe)
        for channel in range(1, probe.channels + 1):
            probe.ptz[channel] = await self._probe_ptz(channel)
        modes = await self._optional_values(
            "configManager.cgi", "getConfig", ("name", "RecordMode")
        )
        probe.record_modes = frozenset(i + 1 for i in indexed(modes or {}, "RecordMode"))
        self._seed_modes = modes  # the first status takes them instead of asking again
        probe.recordings = await self._probe_finder()
        probe.event_types = await self._probe_event_types(device)
        rtsp = await self._optional_values("configManager.cgi", "getConfig", ("name", "RTSP"))
        self._rtsp_port = _int(kv_get(rtsp or {}, "RTSP.Port")) or DEFAULT_RTSP_PORT
        network = await self._optional_values("configManager.cgi", "getConfig", ("name", "Network"))
        self._macs = network_macs(network or {})
        self._probe = probe
        return probe

    async def _read_titles(self, probe: _Probe) -> None:
        titles = await self._optional_values(
            "configManager.cgi", "getConfig", ("name", "ChannelTitle")
        )
        if titles is None:
            return
        probe.titles = {
            index + 1: name
            for index, entry in indexed(titles, "ChannelTitle").items()
            if (name := (entry.get("Name") or "").strip())
        }

    async def _probe_ptz(self, channel: int) -> tuple[frozenset[Capability], frozenset[Capability]]:
        """Return (capabilities, maybe) of a channel's PTZ."""
        try:
            caps = await self._values("ptz.cgi", "getCurrentProtocolCaps", ("channel", channel))
        except (NotSupported, VendorError):
            return frozenset(), frozenset()
        except (CannotConnect, BadResponse) as err:
            _LOGGER.debug("Amcrest %s channel %d: PTZ unknown: %s", self._host, channel, err)
            return frozenset(), frozenset({Capability.PTZ})
        moves = [_true(kv_get(caps, key)) for key in ("Pan", "Tile", "Tilt", "Zoom")]
        if any(moves):
            presets = _int(kv_get(caps, "PresetMax"))
            if presets is None or presets > 0:
                return frozenset({Capability.PTZ, Capability.PTZ_PRESETS}), frozenset()
            return frozenset({Capability.PTZ}), frozenset()
        if any(value is False for value in moves):
            return frozenset(), frozenset()
        return frozenset(), frozenset({Capability.PTZ})  # the caps say nothing either way

    async def _probe_finder(self) -> bool:
        try:
            obj = await self._finder_create()
        except (NotSupported, VendorError, BadResponse):
            return False
        await self._finder_cleanup(obj)
        return True

    async def _probe_event_types(self, device: _Device) -> tuple[str, ...]:
        values = await self._optional_values("eventManager.cgi", "getExposureEvents")
        found = [
            value for key, value in (values or {}).items() if key.lower().startswith("events[")
        ]
        if found:
            return tuple(dict.fromkeys(found))
        types: tuple[str, ...] = DEFAULT_EVENT_TYPES
        if (device.model or "").upper().startswith("AD"):
            types += DOORBELL_EVENT_TYPES
        return types

    async def async_get_camera_ids(self) -> list[str]:
        """Return the channel numbers."""
        probe = self._probe
        count = probe.channels if probe else await self._channel_count()
        return [str(channel) for channel in range(1, count + 1)]

    async def async_get_cameras(self) -> list[Camera]:
        """Return one camera, or one per NVR channel."""
        device = await self._device_info()
        fresh = self._probe is None
        probe = await self._probe_device()
        if not fresh:
            # Read again every time: names are what users change on the device.
            await self._read_titles(probe)
        parent = None
        if probe.channels > 1:
            parent = ParentDevice(
                id=device.serial,
                name=device.machine_name or device.model or device.vendor,
                manufacturer=device.vendor,
                model=device.model,
                sw_version=device.firmware,
                macs=self._macs,
            )
        cameras = []
        for channel in range(1, probe.channels + 1):
            caps = {Capability.LIVE_STREAM, Capability.SNAPSHOT, Capability.ONLINE_STATE}
            if probe.event_types:
                caps.add(Capability.MOTION)
            if PRESS_CODES.union(("_DoTalkAction_",)).intersection(probe.event_types):
                caps.add(Capability.DOORBELL)
            ptz, maybe = probe.ptz.get(channel, (frozenset(), frozenset()))
            caps.update(ptz)
            if channel in probe.record_modes:
                caps.add(Capability.RECORD_MODE)
            if probe.recordings:
                caps.update((Capability.RECORDINGS, Capability.EVENTS))
            if parent is None:
                name = device.machine_name or probe.titles.get(channel) or device.model or "Camera"
            else:
                name = probe.titles.get(channel) or f"Channel {channel}"
            cameras.append(
                Camera(
                    id=str(channel),
                    name=name,
                    manufacturer=device.vendor,
                    model=device.model,
                    capabilities=frozenset(caps),
                    sw_version=device.firmware,
                    maybe=maybe,
                    event_types=tuple(
                        dict.fromkeys(
                            EVENT_KINDS[code] for code in probe.event_types if code in EVENT_KINDS
                        )
                    ),
                    event_codes=probe.event_types,
                    parent=parent,
                    macs=self._macs if parent is None else (),
                )
            )
        return cameras

    @staticmethod
    def _channel(camera_id: str) -> int:
        if not camera_id.isdigit() or int(camera_id) < 1:
            raise NotFound(f"no channel {camera_id}")
        return int(camera_id)

    # -- status and live ----------------------------------------------------------------

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """One cheap request for the whole device: every channel is online when it answers."""
        await self._call("global.cgi", "getCurrentTime")
        modes: dict[int, dict[str, str]] = {}
        seed, self._seed_modes = self._seed_modes, None
        if any(camera.has(Capability.RECORD_MODE) for camera in cameras):
            values = seed or await self._optional_values(
                "configManager.cgi", "getConfig", ("name", "RecordMode")
            )
            modes = indexed(values or {}, "RecordMode")
        status = {}
        for camera in cameras:
            mode = modes.get(int(camera.id) - 1, {}).get("Mode") if camera.id.isdigit() else None
            status[camera.id] = CameraStatus(
                online=True, record_mode=RECORD_MODES.get((mode or "").strip())
            )
        return status

    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Return the RTSP URL of the main (or sub) stream; no request once probed."""
        channel = self._channel(camera_id)
        if self._rtsp_port is None:
            rtsp = await self._optional_values("configManager.cgi", "getConfig", ("name", "RTSP"))
            self._rtsp_port = _int(kv_get(rtsp or {}, "RTSP.Port")) or DEFAULT_RTSP_PORT
        user = quote(self._username, safe="")
        password = quote(self._password, safe="")
        subtype = 1 if self._substream else 0
        url = (
            f"rtsp://{user}:{password}@{self._netloc(self._rtsp_port)}"
            f"/cam/realmonitor?channel={channel}&subtype={subtype}"
        )
        return StreamSource(url=url, kind=StreamKind.RTSP)

    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Return a JPEG; one request at a time per channel."""
        channel = self._channel(camera_id)
        lock = self._snapshot_locks.setdefault(camera_id, asyncio.Lock())
        async with lock:
            probe = self._probe
            single = probe is not None and probe.channels == 1
            if self._snapshot_base == 0 and single:
                return await self._snapshot(0)
            try:
                image = await self._snapshot(channel)
            except NotSupported:
                if not single or channel != 1 or self._snapshot_base is not None:
                    raise
                image = await self._snapshot(0)
                _LOGGER.debug("Amcrest %s takes snapshots on channel 0", self._host)
                self._snapshot_base = 0
                return image
            self._snapshot_base = 1
            return image

    async def _snapshot(self, channel: int) -> bytes:
        url = self._url("snapshot.cgi", [("channel", channel)])
        try:
            async with self._open("snapshot", url, client_timeout=SNAPSHOT_TIMEOUT) as resp:
                status = resp.status
                image = await resp.read()
        except TimeoutError:
            raise CannotConnect("snapshot: timed out") from None
        except aiohttp.ClientError as err:
            raise CannotConnect(f"snapshot: {type(err).__name__}") from None
        if image.startswith(b"\xff\xd8") and status == 200:
            return image
        if (
            error := error_of("snapshot", status, image[:200].decode("utf-8", "replace"))
        ) is not None:
            raise error
        if status >= 500:
            raise CannotConnect(f"snapshot: server error {status}")
        if status == 404:
            raise NotSupported("snapshot: not available (HTTP 404)")
        if status == 200 and not image:
            raise Unavailable("snapshot: empty image")
        raise BadResponse(f"snapshot: not a JPEG image (HTTP {status})")

    # -- realtime ------------------------------------------------------------------------

    def realtime_groups(self, cameras: Sequence[Camera]) -> dict[str, tuple[str, ...]]:
        """Return one feed for the whole device, carrying every channel."""
        ids = tuple(camera.id for camera in cameras if camera.has(Capability.MOTION))
        if not ids:
            return {}
        key = self._device.serial if self._device else self._host
        return {f"amcrest-{key}": ids}

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hold the device's event stream open; return when the device ends it."""
        url = self._url(
            "eventManager.cgi", [("action", "attach"), ("codes", "[All]"), ("heartbeat", HEARTBEAT)]
        )
        wanted = frozenset(camera_ids)
        try:
            async with self._open(
                "eventManager.attach", url, client_timeout=REALTIME_TIMEOUT
            ) as resp:
                content_type = resp.headers.get("Content-Type", "")
                if resp.status != 200 or not content_type.lower().startswith("multipart"):
                    body = (await resp.content.read(200)).decode("utf-8", "replace")
                    if (error := error_of("eventManager.attach", resp.status, body)) is not None:
                        raise error
                    if resp.status >= 500:
                        raise CannotConnect(f"eventManager.attach: server error {resp.status}")
                    if resp.status in (403, 404):
                        raise NotSupported(
                            f"eventManager.attach: not available (HTTP {resp.status})"
                        )
                    raise BadResponse(
                        f"eventManager.attach: not an event stream (HTTP {resp.status})"
                    )
                match = _BOUNDARY.search(content_type)
                parser = EventStreamParser(match.group(1) if match else "myboundary")
                on_connect()
                await self._resync(wanted, on_update)
                async for chunk in resp.content.iter_any():
                    for body in parser.feed(chunk):
                        self._dispatch(body, wanted, on_update)
        except TimeoutError:
            raise CannotConnect(
                "eventManager.attach: no heartbeat, the device went silent"
            ) from None
        except aiohttp.ClientError as err:
            raise CannotConnect(f"eventManager.attach: {type(err).__name__}") from None
        _LOGGER.debug("Amcrest %s ended the event stream", self._host)

    async def _resync(
        self, wanted: frozenset[str], on_update: Callable[[RealtimeUpdate], None]
    ) -> None:
        """Report the state of the stateful events, so nothing stays stuck after a gap."""
        types = self._probe.event_types if self._probe else DEFAULT_EVENT_TYPES
        for code in (code for code in types if code in STATEFUL_CODES):
            try:
                values = await self._values("eventManager.cgi", "getEventIndexes", ("code", code))
            except (VendorError, NotSupported):
                values = {}  # "Error" here means no channel is active
            except (CannotConnect, BadResponse) as err:
                _LOGGER.debug("Amcrest %s: %s not read back: %s", self._host, code, err)
                continue
            active = {
                str(index + 1)
                for key, value in values.items()
                if key.lower().startswith("channels[") and (index := _int(value)) is not None
            }
            now = datetime.now(UTC)
            for camera_id in sorted(wanted):
                if camera_id in active:
                    if (camera_id, code) in self._active:
                        continue
                    event_id = f"{code}-{camera_id}-{int(now.timestamp() * 1000)}"
                    self._active[(camera_id, code)] = (event_id, now)
                    event = CameraEvent(
                        camera_id,
                        code,
                        event_id,
                        now,
                        None,
                        data={"action": "Start"},
                        resync=True,
                        kind=EVENT_KINDS.get(code),
                    )
                else:
                    stopped, start = self._pop_active(camera_id, code)
                    event = CameraEvent(
                        camera_id,
                        code,
                        stopped,
                        start,
                        now,
                        data={"action": "Stop"},
                        resync=True,
                        kind=EVENT_KINDS.get(code),
                    )
                on_update(RealtimeUpdate(camera_id=camera_id, event=event))

    def _pop_active(self, camera_id: str, code: str) -> tuple[str | None, datetime | None]:
        """Forget an open event; return its id and start (None when it was not open)."""
        if (known := self._active.pop((camera_id, code), None)) is None:
            return None, None
        return known

    def _dispatch(
        self, body: str, wanted: frozenset[str], on_update: Callable[[RealtimeUpdate], None]
    ) -> None:
        if body.lower().startswith("heartbeat"):
            return
        fields = parse_event(body)
        lowered = {key.lower(): value for key, value in fields.items()}
        code = str(lowered.get("code") or "").strip()
        if not code:
            _LOGGER.debug("Amcrest %s: event part without a code skipped", self._host)
            return
        index = _int(str(lowered.get("index", "0")))
        camera_id = str((index or 0) + 1)
        if camera_id not in wanted:
            _LOGGER.debug("Amcrest %s: event for channel %s not followed", self._host, camera_id)
            return
        action = str(lowered.get("action") or "").strip()
        data: dict[str, Scalar] = {"action": action or None, "index": index}
        raw = lowered.get("data")
        if isinstance(raw, dict | list):
            for name, value in list(flatten(raw).items())[:50]:
                data.setdefault(name, value)
        elif raw is not None:
            data["data"] = str(raw)[:200]
        now = datetime.now(UTC)
        key = (camera_id, code)
        kind = EVENT_KINDS.get(code)
        if action.lower() == "start":
            event_id = f"{code}-{camera_id}-{int(now.timestamp() * 1000)}"
            self._active[key] = (event_id, now)
            event = CameraEvent(camera_id, code, event_id, now, None, data=data, kind=kind)
        elif action.lower() == "stop":
            stopped, start = self._pop_active(camera_id, code)
            event = CameraEvent(camera_id, code, stopped, start, now, data=data, kind=kind)
        else:
            event_id = f"{code}-{camera_id}-{int(now.timestamp() * 1000)}"
            event = CameraEvent(camera_id, code, event_id, now, now, data=data, kind=kind)
        on_update(RealtimeUpdate(camera_id=camera_id, event=event))
        if _is_press(code, action, data):
            ring = CameraEvent(
                camera_id, RING, event.id, now, now, data={"code": code}, kind=EventKind.RING
            )
            on_update(RealtimeUpdate(camera_id=camera_id, event=ring))

    # -- PTZ ---------------------------------------------------------------------------

    async def _ptz(self, action: str, channel: int, code: str, args: tuple[int, int, int]) -> None:
        arg1, arg2, arg3 = args
        await self._call(
            "ptz.cgi",
            action,
            ("channel", channel),
            ("code", code),
            ("arg1", arg1),
            ("arg2", arg2),
            ("arg3", arg3),
        )

    def _ptz_args(self, code: str) -> tuple[int, int, int]:
        return (0, 0, 0) if code in _ZOOM_CODES else (0, self._ptz_speed, 0)

    async def async_ptz_start(self, camera_id: str, direction: PtzDirection) -> None:
        """Start moving; it goes on until `async_ptz_stop`."""
        channel = self._channel(camera_id)
        code = PTZ_CODES[direction]
        previous = self._ptz_moving.get(camera_id)
        if previous is not None and previous != code:
            await self._ptz("stop", channel, previous, self._ptz_args(previous))
        self._ptz_moving[camera_id] = code
        await self._ptz("start", channel, code, self._ptz_args(code))

    async def async_ptz_stop(self, camera_id: str) -> None:
        """Stop the move started last, with the same code (the API wants it)."""
        channel = self._channel(camera_id)
        code = self._ptz_moving.pop(camera_id, None)
        if code is None:
            _LOGGER.debug("Amcrest %s channel %s: no move to stop", self._host, camera_id)
            return
        await self._ptz("stop", channel, code, self._ptz_args(code))

    async def async_list_presets(self, camera_id: str) -> list[PtzPreset]:
        """Return the channel's presets, by number."""
        channel = self._channel(camera_id)
        values = await self._values("ptz.cgi", "getPresets", ("channel", channel))
        presets = []
        for _, entry in sorted(indexed(values, "presets").items()):
            number = _int(entry.get("Index"))
            if number is None:
                continue
            presets.append(
                PtzPreset(str(number), (entry.get("Name") or "").strip() or f"Preset {number}")
            )
        return presets

    async def async_goto_preset(self, camera_id: str, preset: str) -> None:
        """Move to a preset (its number, from 1)."""
        channel = self._channel(camera_id)
        if not preset.strip().isdigit() or int(preset) < 1:
            raise NotFound(f"no preset {preset}")
        await self._ptz("start", channel, "GotoPreset", (0, int(preset), 0))

    # -- record mode -----------------------------------------------------------------------

    async def async_get_record_mode(self, camera_id: str) -> RecordMode:
        """Return the channel's RecordMode."""
        channel = self._channel(camera_id)
        values = await self._values("configManager.cgi", "getConfig", ("name", "RecordMode"))
        mode = indexed(values, "RecordMode").get(channel - 1, {}).get("Mode")
        if mode is None or mode.strip() not in RECORD_MODES:
            raise BadResponse(f"getConfig RecordMode: no mode for channel {channel}")
        return RECORD_MODES[mode.strip()]

    async def async_set_record_mode(self, camera_id: str, mode: RecordMode) -> None:
        """Set the channel's RecordMode."""
        channel = self._channel(camera_id)
        number = next(key for key, value in RECORD_MODES.items() if value is mode)
        await self._call(
            "configManager.cgi", "setConfig", (f"RecordMode[{channel - 1}].Mode", number)
        )

    # -- recordings ----------------------------------------------------------------------

    async def async_list_media(self, camera_id: str, kind: MediaKind) -> list[RecordedItem]:
        """Return the recordings (or recorded events) of the last `RECENT_HOURS` hours."""
        if kind not in (MediaKind.RECORDING, MediaKind.EVENT):
            return await super().async_list_media(camera_id, kind)
        end = datetime.now(self._tz).replace(microsecond=0, tzinfo=None)
        return await self._search(camera_id, kind, end - timedelta(hours=RECENT_HOURS), end)

    async def async_list_media_day(
        self, camera_id: str, kind: MediaKind, day: date
    ) -> list[RecordedItem]:
        """Return the recordings (or recorded events) of one day in the device's time zone."""
        if kind not in (MediaKind.RECORDING, MediaKind.EVENT):
            return await super().async_list_media_day(camera_id, kind, day)
        start = datetime.combine(day, dt_time.min)
        items = await self._search(camera_id, kind, start, start + timedelta(days=1, seconds=-1))
        # A file that runs past midnight is found on both days: it belongs to its first.
        return [item for item in items if item.start is None or item.start.date() == day]

    async def _search(
        self, camera_id: str, kind: MediaKind, start: datetime, end: datetime
    ) -> list[RecordedItem]:
        channel = self._channel(camera_id)
        single = self._probe is not None and self._probe.channels == 1
        async with self._finder_lock:
            if self._finder_base is None and single and channel == 1:
                rows = await self._find(1, kind, start, end)
                if rows is not None:
                    self._finder_base = 1
                else:
                    rows = await self._find(0, kind, start, end)
                    if rows is not None:
                        _LOGGER.debug("Amcrest %s: finder channels start at 0", self._host)
                        self._finder_base = 0
            else:
                base = 0 if single and self._finder_base == 0 else 1
                rows = await self._find(channel - 1 + base, kind, start, end)
        items = [item for row in rows or [] if (item := self._item(row, kind)) is not None]
        items.sort(key=lambda item: item.start or datetime.min.replace(tzinfo=UTC), reverse=True)
        return items

    async def _finder_create(self) -> str:
        values = await self._values("mediaFileFind.cgi", "factory.create")
        obj = kv_get(values, "result")
        if obj is None:
            raise BadResponse("mediaFileFind factory.create: no finder id")
        return obj

    async def _finder_cleanup(self, obj: str) -> None:
        for action in ("close", "destroy"):
            try:
                await self._call("mediaFileFind.cgi", action, ("object", obj))
            except OmniCamError as err:
                _LOGGER.debug("Amcrest %s: finder %s not %s: %s", self._host, obj, action, err)

    async def _find(
        self, channel: int, kind: MediaKind, start: datetime, end: datetime
    ) -> list[dict[str, str]] | None:
        """Run one search; None when the device found nothing (``findFile`` said Error)."""
        obj = await self._finder_create()
        try:
            condition: list[tuple[str, str | int]] = [
                ("object", obj),
                ("condition.Channel", channel),
                ("condition.StartTime", f"{start:%Y-%m-%d %H:%M:%S}"),
                ("condition.EndTime", f"{end:%Y-%m-%d %H:%M:%S}"),
                ("condition.Types[0]", "dav"),
            ]
            if kind is MediaKind.EVENT:
                condition.append(("condition.Flag[0]", "Event"))
            try:
                await self._call(
                    "mediaFileFind.cgi", "findFile", *condition, client_timeout=FIND_TIMEOUT
                )
            except (VendorError, NotSupported):
                return None
            rows: list[dict[str, str]] = []
            for _ in range(MAX_PAGES):
                try:
                    values = await self._values(
                        "mediaFileFind.cgi", "findNextFile", ("object", obj), ("count", PAGE_SIZE)
                    )
                except (VendorError, NotSupported):
                    break
                found = _int(kv_get(values, "found")) or 0
                page = indexed(values, "items")
                rows.extend(page[i] for i in sorted(page))
                if found <= 0 or not page:
                    break
            return rows
        finally:
            await asyncio.shield(self._finder_cleanup(obj))

    def _local(self, value: str | None) -> datetime | None:
        if not value:
            return None
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self._tz)
        except ValueError:
            return None

    def _item(self, row: Mapping[str, str], kind: MediaKind) -> RecordedItem | None:
        path = (row.get("FilePath") or "").strip()
        if not path.startswith("/"):
            return None
        start, end = self._local(row.get("StartTime")), self._local(row.get("EndTime"))
        events = [value.strip() for key, value in sorted(row.items()) if key.startswith("Events[")]
        flags = [value.strip() for key, value in sorted(row.items()) if key.startswith("Flags[")]
        event = next((EVENT_KINDS[code] for code in events if code in EVENT_KINDS), None)
        cause = next((RECORDING_CAUSES[flag] for flag in flags if flag in RECORDING_CAUSES), None)
        if cause is None and events:
            cause = RecordingCause.EVENT
        return RecordedItem(
            id=media_item_id(path),
            kind=kind,
            title="Event" if kind is MediaKind.EVENT else "Recording",
            start=start,
            end=end,
            size_bytes=_int(row.get("Length")),
            mime_type=_mime_of_path(path),
            event=event,
            cause=cause,
            camera_time=True,
        )

    def _loadfile_url(self, path: str) -> URL:
        return URL(f"{self._base}/cgi-bin/RPC_Loadfile{quote(path, safe=_SAFE_PATH)}", encoded=True)

    async def async_get_media_location(
        self, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Return the RPC_Loadfile URL; MP4 or DAV is told by the file's first bytes."""
        if kind not in (MediaKind.RECORDING, MediaKind.EVENT):
            return await super().async_get_media_location(camera_id, kind, item_id)
        self._channel(camera_id)
        path = media_item_path(item_id)
        url = self._loadfile_url(path)
        try:
            async with self._open(
                "RPC_Loadfile",
                url,
                client_timeout=MEDIA_TIMEOUT,
                headers={"Range": "bytes=0-15"},
                allow_redirects=False,
            ) as resp:
                if resp.status == 404:
                    raise NotFound(f"recording {item_id} is not stored any more")
                if resp.status not in (200, 206):
                    raise CannotConnect(f"RPC_Loadfile: HTTP {resp.status}")
                head = await resp.content.read(16)
        except TimeoutError:
            raise CannotConnect("RPC_Loadfile: timed out") from None
        except aiohttp.ClientError as err:
            raise CannotConnect(f"RPC_Loadfile: {type(err).__name__}") from None
        container = container_of(head)
        if container == "mp4":
            mime = "video/mp4"
        elif container == "dav":
            mime = DAV_MIME
        else:
            mime = _mime_of_path(path)
        return MediaLocation(url=str(url), mime_type=mime)

    async def async_open_media(
        self,
        location: MediaLocation,
        headers: Mapping[str, str],
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> aiohttp.ClientResponse:
        """Open a recording with Digest auth (and the caller's Range); the caller releases it."""
        merged = dict(location.headers) | dict(headers)
        return await self._send(
            "RPC_Loadfile",
            URL(location.url, encoded=True),
            client_timeout=client_timeout or MEDIA_TIMEOUT,
            headers=merged,
            allow_redirects=False,  # only the file the client named, never another host
        )
