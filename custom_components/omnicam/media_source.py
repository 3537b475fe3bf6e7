"""Media browser: account → camera → recordings, archive, events, marks, time-lapse → item.

Identifiers are ``entry_id[/camera_id[/kind[/day]]]`` for folders (for events the last
part is the vendor's cursor of an older page: events are listed 20 at a time, newest
first, with a folder of older ones at the end), and
``entry_id/camera_id/kind/item/<signature>/<item_id>`` for items: the signature (see
access.py) proves the entry listed that item for that camera, so an identifier cannot name
a file the vendor did not list. Playing resolves to the
integration's proxy path, which Home Assistant signs for the user who asked; thumbnails are
proxied too. Resolving asks the vendor where the item is (remembered for the proxy's
request that follows), so an item that is gone says so in words; an HLS item (an archive
link) resolves as a playlist, which the proxy rewrites (see views.py).

The archive (`MediaKind.ARCHIVE`) is always listed by day: from the day the camera's
archive starts (`CameraStatus.archive_start`) when it is known, else `media_days` days back.
Marks are listed as events are, page by page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote, unquote

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .access import media_signature, media_signature_valid
from .const import DOMAIN
from .coordinator import OmniCamConfigEntry
from .remux import REMUX_DEMUXERS
from .vendors.errors import NotFound, NotSupported, OmniCamError
from .vendors.models import (
    Camera,
    Capability,
    EventKind,
    MediaKind,
    MediaPage,
    RecordedItem,
    RecordingCause,
    StreamKind,
)
from .views import async_media_location, media_path, thumbnail_path

KIND_CAPABILITY = {
    MediaKind.RECORDING: Capability.RECORDINGS,
    MediaKind.ARCHIVE: Capability.ARCHIVE,
    MediaKind.TIMELAPSE: Capability.TIMELAPSE,
    MediaKind.EVENT: Capability.EVENTS,
    MediaKind.MARK: Capability.MARKS,
}
"""Folders of a camera, in this order."""
ITEM = "item"
OLDER_EVENTS = "older_events"
OLDER_MARKS = "older_marks"
NOT_PLAYABLE = "not_playable"
FOLDER_WORDS = {
    MediaKind.RECORDING.value: "Recordings",
    MediaKind.ARCHIVE.value: "Archive",
    MediaKind.TIMELAPSE.value: "Time-lapse",
    MediaKind.EVENT.value: "Events",
    MediaKind.MARK.value: "Marks",
    OLDER_EVENTS: "Older events",
    OLDER_MARKS: "Older marks",
    NOT_PLAYABLE: "not playable in the browser",
}
"""The Media browser's own words in English (translated under ``selector.media_browser``)."""
DAY_KINDS = (MediaKind.RECORDING, MediaKind.EVENT)
"""Listed by day when the vendor says how many days (`media_days`); the archive always is."""
PAGED_KINDS = {MediaKind.EVENT: OLDER_EVENTS, MediaKind.MARK: OLDER_MARKS}
"""Listed page by page otherwise, with a folder of older ones."""
ARCHIVE_DAYS_MAX = 366
HLS_MIME = "application/x-mpegURL"
"""What Home Assistant's frontend plays with its HLS player."""
PLAYABLE = frozenset(
    {"video/mp4", "application/vnd.apple.mpegurl", HLS_MIME, "application/x-mpegurl"}
    | set(REMUX_DEMUXERS)
)
"""What a browser plays (DAV, MPEG-TS and raw H.264/H.265 once the proxy remuxed them to
MP4); others are only listed."""


async def async_get_media_source(hass: HomeAssistant) -> OmniCamMediaSource:
    """Return the OmniCam media source."""
    return OmniCamMediaSource(hass)


def _duration(seconds: float) -> str:
    """Return a duration in 10 characters at most, for the grid view.

    Seconds under 10 minutes, minutes under 10 hours, hours beyond.
    """
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(round(total / 60), 60)
    if not hours:
        return f"{minutes} min"
    if hours >= 10 or not minutes:
        return f"{round(total / 3600)} h"
    return f"{hours} h {minutes} min"


def day_title(day: date) -> str:
    """Return a day as every folder and item of the Media browser writes it (2026-12-03).

    Numeric, largest unit first, whatever the user's language: nobody reads it wrongly,
    and it sorts as it reads.
    """
    return day.isoformat()


def _shown(moment: datetime, item: RecordedItem) -> datetime:
    """Return a moment of an item in the time zone it is shown in."""
    return moment if item.camera_time else dt_util.as_local(moment)


def _shown_day(item: RecordedItem) -> date | None:
    return None if item.start is None else _shown(item.start, item).date()


_ALERT_STATE = "entity.event.alert.state_attributes.event_type.state"
_CAUSE_OPTION = "selector.recording_cause.options"
_BROWSER_OPTION = "selector.media_browser.options"


@dataclass(frozen=True, slots=True)
class Words:
    """The words the Media browser shows, in Home Assistant's language.

    The event kinds are the alert event entity's words; the causes are under
    ``selector.recording_cause``, the folders' names under ``selector.media_browser``. A
    word missing in the language is the English one (Home Assistant's translations fall
    back to English), and one missing there the value itself, in words.
    """

    strings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    async def async_load(cls, hass: HomeAssistant) -> Words:
        """Load the words for Home Assistant's language."""
        language = hass.config.language
        strings: dict[str, str] = {}
        for category in ("entity", "selector"):
            strings |= await async_get_translations(hass, language, category, [DOMAIN])
        return cls(strings)

    def _word(self, group: str, value: str, english: str | None = None) -> str:
        word = self.strings.get(f"component.{DOMAIN}.{group}.{value}")
        return word or english or value.replace("_", " ").capitalize()

    def folder(self, key: str) -> str:
        """Return one of the browser's own words (`FOLDER_WORDS`), e.g. Recordings."""
        return self._word(_BROWSER_OPTION, key, FOLDER_WORDS[key])

    def event(self, kind: EventKind) -> str:
        """Return what an event is, in words (Motion, Line crossing, …)."""
        return self._word(_ALERT_STATE, kind.value)

    def cause(self, cause: RecordingCause) -> str:
        """Return why a file was recorded, in words (Scheduled, Manual, …)."""
        return self._word(_CAUSE_OPTION, cause.value)


ENGLISH = Words()
"""Words without translations: the values themselves, in English."""


def item_title(item: RecordedItem, words: Words = ENGLISH) -> str:
    """Return an item's title: date and time, duration, and what it is in words.

    E.g. ``2026-12-03 14:15:07 · 15 min · Motion``: 32 characters at most before the word
    (28 for the usual files of minutes), so that the grid view shows it. Times are in Home
    Assistant's time zone, or the camera's where the vendor gives the camera's local time.
    A time-lapse is a day.
    """
    if item.start is None:
        return item.title
    start = _shown(item.start, item)
    if item.kind is MediaKind.TIMELAPSE:
        return day_title(start.date())
    parts = [f"{day_title(start.date())} {start:%H:%M:%S}"]
    if item.duration_seconds is not None:
        parts.append(_duration(item.duration_seconds))
    if item.event is not None:
        parts.append(words.event(item.event))
    elif item.cause is not None:
        parts.append(words.cause(item.cause))
    return " · ".join(parts)


class OmniCamMediaSource(MediaSource):
    """Recorded media of every OmniCam account."""

    name = "OmniCam"

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialise the media source."""
        super().__init__(DOMAIN)
        self.hass = hass

    def _entry(self, entry_id: str) -> OmniCamConfigEntry:
        entry: OmniCamConfigEntry | None = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="no_account",
                translation_placeholders={"id": entry_id},
            )
        return entry

    def _camera(self, entry: OmniCamConfigEntry, camera_id: str) -> Camera:
        camera = entry.runtime_data.coordinator.data.cameras.get(camera_id)
        if camera is None:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="no_camera",
                translation_placeholders={"id": camera_id},
            )
        return camera

    @staticmethod
    def _kind(camera: Camera, value: str) -> MediaKind:
        try:
            kind = MediaKind(value)
        except ValueError:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="no_folder",
                translation_placeholders={"id": value},
            ) from None
        if kind not in KIND_CAPABILITY or not camera.has(KIND_CAPABILITY[kind]):
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="no_media_kind",
                translation_placeholders={"camera": camera.name, "kind": value},
            )
        return kind

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Resolve an item to the signed-on-delivery proxy path."""
        parts = [unquote(part) for part in (item.identifier or "").split("/")]
        unresolvable = Unresolvable(
            translation_domain=DOMAIN,
            translation_key="not_playable",
            translation_placeholders={"id": item.identifier or ""},
        )
        if len(parts) != 6 or parts[3] != ITEM:
            raise unresolvable
        entry_id, camera_id, kind_value, _, signature, item_id = parts
        try:
            entry = self._entry(entry_id)
            kind = self._kind(self._camera(entry, camera_id), kind_value)
        except BrowseError as err:
            raise unresolvable from err
        if not media_signature_valid(entry, camera_id, kind.value, item_id, signature):
            raise unresolvable
        client = entry.runtime_data.client
        try:
            location = await async_media_location(entry, camera_id, kind, item_id)
        except NotFound as err:
            raise Unresolvable(translation_domain=DOMAIN, translation_key="media_gone") from err
        except NotSupported as err:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="media_refused",
                translation_placeholders={"error": client.scrub(str(err))},
            ) from err
        except OmniCamError as err:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="media_failed",
                translation_placeholders={"error": client.scrub(str(err))},
            ) from err
        mime = HLS_MIME if location.stream is StreamKind.HLS else "video/mp4"
        return PlayMedia(media_path(entry, camera_id, kind, item_id), mime)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Browse accounts, cameras, kinds, days and items."""
        parts = [unquote(part) for part in item.identifier.split("/")] if item.identifier else []
        if not parts:
            return self._root()
        entry = self._entry(parts[0])
        if len(parts) == 1:
            return self._account(entry)
        camera = self._camera(entry, parts[1])
        words = await Words.async_load(self.hass)
        if len(parts) == 2:
            return self._camera_folder(entry, camera, words)
        kind = self._kind(camera, parts[2])
        if kind is MediaKind.ARCHIVE or (
            entry.runtime_data.client.media_days and kind in DAY_KINDS
        ):
            return await self._by_day(entry, camera, kind, parts, words)
        if kind in PAGED_KINDS and len(parts) <= 4:
            return await self._page(entry, camera, kind, parts, words)
        try:
            items = await entry.runtime_data.client.async_list_media(camera.id, kind)
        except OmniCamError as err:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="list_failed",
                translation_placeholders={
                    "camera": camera.name,
                    "error": entry.runtime_data.client.scrub(str(err)),
                },
            ) from err
        if len(parts) == 3:
            if kind is MediaKind.RECORDING:
                return self._days(entry, camera, kind, items, words)
            return self._items(
                entry, camera, kind, items, words, title=words.folder(kind), parts=parts
            )
        if len(parts) == 4:
            day = parts[3]
            chosen = [i for i in items if (d := _shown_day(i)) and d.isoformat() == day]
            return self._items(entry, camera, kind, chosen, words, title=day, parts=parts)
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="no_folder",
            translation_placeholders={"id": item.identifier},
        )

    async def _by_day(
        self,
        entry: OmniCamConfigEntry,
        camera: Camera,
        kind: MediaKind,
        parts: list[str],
        words: Words,
    ) -> BrowseMediaSource:
        """Offer the last days as folders; list a day's items when it is opened."""
        client = entry.runtime_data.client
        if len(parts) == 3:
            today = dt_util.now().date()
            days = [today - timedelta(days=n) for n in range(self._day_count(entry, camera, kind))]
            children = [
                self._folder(
                    self._ident(entry.entry_id, camera.id, kind.value, day.isoformat()),
                    day_title(day),
                )
                for day in days
            ]
            return self._folder(
                self._ident(*parts), f"{camera.name} · {words.folder(kind)}", children
            )
        try:
            day = date.fromisoformat(parts[3])
        except ValueError:
            day = None
        if len(parts) != 4 or day is None:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="no_folder",
                translation_placeholders={"id": "/".join(parts)},
            )
        try:
            items = await client.async_list_media_day(camera.id, kind, day)
        except OmniCamError as err:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="list_failed",
                translation_placeholders={"camera": camera.name, "error": client.scrub(str(err))},
            ) from err
        return self._items(entry, camera, kind, items, words, title=day_title(day), parts=parts)

    @staticmethod
    def _day_count(entry: OmniCamConfigEntry, camera: Camera, kind: MediaKind) -> int:
        """Return how many days back a kind listed by day is offered, today included."""
        days = entry.runtime_data.client.media_day_count(camera.id)
        status = entry.runtime_data.coordinator.data.status.get(camera.id)
        if kind is MediaKind.ARCHIVE and status is not None and status.archive_start is not None:
            start = dt_util.as_local(status.archive_start).date()
            days = (dt_util.now().date() - start).days + 1
        return max(1, min(days, ARCHIVE_DAYS_MAX))

    async def _page(
        self,
        entry: OmniCamConfigEntry,
        camera: Camera,
        kind: MediaKind,
        parts: list[str],
        words: Words,
    ) -> BrowseMediaSource:
        """Return a page of events or marks, with a folder of older ones when there are more."""
        cursor = parts[3] if len(parts) == 4 else None
        client = entry.runtime_data.client
        try:
            page: MediaPage = await client.async_list_media_page(camera.id, kind, cursor)
        except OmniCamError as err:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="list_failed",
                translation_placeholders={"camera": camera.name, "error": client.scrub(str(err))},
            ) from err
        title = words.folder(kind if cursor is None else PAGED_KINDS[kind])
        older = (
            [
                self._folder(
                    self._ident(entry.entry_id, camera.id, kind.value, page.next_page),
                    words.folder(PAGED_KINDS[kind]),
                )
            ]
            if page.next_page is not None
            else []
        )
        return self._items(
            entry, camera, kind, page.items, words, title=title, parts=parts, extra=older
        )

    @staticmethod
    def _ident(*parts: str) -> str:
        return "/".join(quote(part, safe="") for part in parts)

    def _folder(
        self, identifier: str, title: str, children: list[BrowseMediaSource] | None = None
    ) -> BrowseMediaSource:
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=title,
            can_play=False,
            can_expand=True,
            children=children,
            children_media_class=MediaClass.VIDEO,
        )

    def _root(self) -> BrowseMediaSource:
        entries = [
            entry
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if entry.state is ConfigEntryState.LOADED
        ]
        children = [self._folder(self._ident(entry.entry_id), entry.title) for entry in entries]
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=None,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=self.name,
            can_play=False,
            can_expand=True,
            children=children,
            children_media_class=MediaClass.DIRECTORY,
        )

    def _has_media(self, camera: Camera) -> bool:
        return any(camera.has(cap) for cap in KIND_CAPABILITY.values())

    def _account(self, entry: OmniCamConfigEntry) -> BrowseMediaSource:
        cameras = sorted(
            (c for c in entry.runtime_data.coordinator.data.cameras.values() if self._has_media(c)),
            key=lambda c: c.name.lower(),
        )
        children = [self._folder(self._ident(entry.entry_id, c.id), c.name) for c in cameras]
        return self._folder(self._ident(entry.entry_id), entry.title, children)

    def _camera_folder(
        self, entry: OmniCamConfigEntry, camera: Camera, words: Words
    ) -> BrowseMediaSource:
        children = [
            self._folder(self._ident(entry.entry_id, camera.id, kind.value), words.folder(kind))
            for kind, cap in KIND_CAPABILITY.items()
            if camera.has(cap)
        ]
        return self._folder(self._ident(entry.entry_id, camera.id), camera.name, children)

    def _days(
        self,
        entry: OmniCamConfigEntry,
        camera: Camera,
        kind: MediaKind,
        items: list[RecordedItem],
        words: Words,
    ) -> BrowseMediaSource:
        days: dict[date, int] = defaultdict(int)
        for item in items:
            if (day := _shown_day(item)) is not None:
                days[day] += 1
        children = [
            self._folder(
                self._ident(entry.entry_id, camera.id, kind.value, day.isoformat()),
                f"{day_title(day)} ({count})",
            )
            for day, count in sorted(days.items(), reverse=True)
        ]
        return self._folder(
            self._ident(entry.entry_id, camera.id, kind.value),
            f"{camera.name} · {words.folder(kind)}",
            children,
        )

    def _items(
        self,
        entry: OmniCamConfigEntry,
        camera: Camera,
        kind: MediaKind,
        items: list[RecordedItem],
        words: Words,
        *,
        title: str,
        parts: list[str],
        extra: list[BrowseMediaSource] | None = None,
    ) -> BrowseMediaSource:
        children = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=self._ident(
                    entry.entry_id,
                    camera.id,
                    kind.value,
                    ITEM,
                    media_signature(entry, camera.id, kind.value, item.id),
                    item.id,
                ),
                media_class=MediaClass.VIDEO,
                media_content_type=item.mime_type,
                title=item_title(item, words)
                + ("" if item.mime_type in PLAYABLE else f" · {words.folder(NOT_PLAYABLE)}"),
                can_play=item.mime_type in PLAYABLE,
                can_expand=False,
                thumbnail=thumbnail_path(entry, camera.id, kind, item.id)
                if item.has_thumbnail
                else None,
            )
            for item in items
        ] + (extra or [])
        return self._folder(self._ident(*parts), f"{camera.name} · {title}", children)
