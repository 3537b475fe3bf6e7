"""Media browser: account → camera → recordings by day / time-lapse / events → item.

Identifiers are ``entry_id[/camera_id[/kind[/day]]]`` for folders (for events the last
part is the vendor's cursor of an older page: events are listed 20 at a time, newest
first, with a folder of older ones at the end), and
``entry_id/camera_id/kind/item/<signature>/<item_id>`` for items: the signature (see
access.py) proves the entry listed that item for that camera, so an identifier cannot name
a file the vendor did not list. Playing resolves to the
integration's proxy path, which Home Assistant signs for the user who asked; thumbnails are
proxied too.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
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
from homeassistant.util import dt as dt_util

from .access import media_signature, media_signature_valid
from .const import DOMAIN
from .coordinator import OmniCamConfigEntry
from .remux import DAV_MIME
from .vendors.errors import OmniCamError
from .vendors.models import Camera, Capability, MediaKind, MediaPage, RecordedItem
from .views import media_path, thumbnail_path

KIND_CAPABILITY = {
    MediaKind.RECORDING: Capability.RECORDINGS,
    MediaKind.TIMELAPSE: Capability.TIMELAPSE,
    MediaKind.EVENT: Capability.EVENTS,
}
KIND_TITLE = {
    MediaKind.RECORDING: "Recordings",
    MediaKind.TIMELAPSE: "Time-lapse",
    MediaKind.EVENT: "Events",
}
ITEM = "item"
OLDER_EVENTS = "Older events"
DAY_KINDS = (MediaKind.RECORDING, MediaKind.EVENT)
PLAYABLE = frozenset({"video/mp4", "application/vnd.apple.mpegurl", DAV_MIME})
"""What a browser plays (DAV once the proxy remuxed it to MP4); others are only listed."""


async def async_get_media_source(hass: HomeAssistant) -> OmniCamMediaSource:
    """Return the OmniCam media source."""
    return OmniCamMediaSource(hass)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _size(size: int) -> str:
    megabytes = size / 1_048_576
    if megabytes >= 10:
        return f"{megabytes:.0f} MB"
    if megabytes >= 1:
        return f"{megabytes:.1f} MB"
    return f"{max(size / 1024, 1):.0f} kB"


def item_title(item: RecordedItem) -> str:
    """Return a title with local start time, duration and size (events: and type).

    An event's time is shown in the camera's own time zone, as the vendor gives it.
    """
    if item.kind is MediaKind.TIMELAPSE:
        return item.title
    parts = []
    if item.start is not None and item.kind is MediaKind.EVENT:
        parts.append(item.start.strftime("%a %d %b %H:%M:%S"))
    elif item.start is not None:
        start = dt_util.as_local(item.start)
        parts.append(start.strftime("%H:%M:%S"))
    if item.duration_seconds is not None:
        parts.append(_duration(item.duration_seconds))
    if item.size_bytes is not None:
        parts.append(_size(item.size_bytes))
    if item.kind is MediaKind.EVENT:
        parts.append(item.title)
    elif item.label:
        parts.append(item.label)
    return " · ".join(parts) or item.title


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
        return PlayMedia(media_path(entry, camera_id, kind, item_id), "video/mp4")

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Browse accounts, cameras, kinds, days and items."""
        parts = [unquote(part) for part in item.identifier.split("/")] if item.identifier else []
        if not parts:
            return self._root()
        entry = self._entry(parts[0])
        if len(parts) == 1:
            return self._account(entry)
        camera = self._camera(entry, parts[1])
        if len(parts) == 2:
            return self._camera_folder(entry, camera)
        kind = self._kind(camera, parts[2])
        if entry.runtime_data.client.media_days and kind in DAY_KINDS:
            return await self._by_day(entry, camera, kind, parts)
        if kind is MediaKind.EVENT and len(parts) <= 4:
            return await self._event_page(entry, camera, parts)
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
                return self._days(entry, camera, kind, items)
            return self._items(entry, camera, kind, items, title=KIND_TITLE[kind], parts=parts)
        if len(parts) == 4:
            day = parts[3]
            chosen = [
                i for i in items if i.start and dt_util.as_local(i.start).date().isoformat() == day
            ]
            return self._items(entry, camera, kind, chosen, title=day, parts=parts)
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="no_folder",
            translation_placeholders={"id": item.identifier},
        )

    async def _by_day(
        self, entry: OmniCamConfigEntry, camera: Camera, kind: MediaKind, parts: list[str]
    ) -> BrowseMediaSource:
        """Offer the last days as folders; list a day's items when it is opened."""
        client = entry.runtime_data.client
        if len(parts) == 3:
            today = dt_util.now().date()
            days = [today - timedelta(days=n) for n in range(client.media_days)]
            children = [
                self._folder(
                    self._ident(entry.entry_id, camera.id, kind.value, day.isoformat()),
                    f"{day:%A %d %B %Y}",
                )
                for day in days
            ]
            return self._folder(
                self._ident(*parts), f"{camera.name} · {KIND_TITLE[kind]}", children
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
        return self._items(entry, camera, kind, items, title=f"{day:%A %d %B %Y}", parts=parts)

    async def _event_page(
        self, entry: OmniCamConfigEntry, camera: Camera, parts: list[str]
    ) -> BrowseMediaSource:
        """Return a page of events, with a folder of older ones when there are more."""
        cursor = parts[3] if len(parts) == 4 else None
        client = entry.runtime_data.client
        try:
            page: MediaPage = await client.async_list_media_page(camera.id, MediaKind.EVENT, cursor)
        except OmniCamError as err:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="list_failed",
                translation_placeholders={"camera": camera.name, "error": client.scrub(str(err))},
            ) from err
        title = KIND_TITLE[MediaKind.EVENT] if cursor is None else OLDER_EVENTS
        older = (
            [
                self._folder(
                    self._ident(entry.entry_id, camera.id, MediaKind.EVENT.value, page.next_page),
                    OLDER_EVENTS,
                )
            ]
            if page.next_page is not None
            else []
        )
        return self._items(
            entry, camera, MediaKind.EVENT, page.items, title=title, parts=parts, extra=older
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

    def _camera_folder(self, entry: OmniCamConfigEntry, camera: Camera) -> BrowseMediaSource:
        children = [
            self._folder(self._ident(entry.entry_id, camera.id, kind.value), KIND_TITLE[kind])
            for kind, cap in KIND_CAPABILITY.items()
            if camera.has(cap)
        ]
        return self._folder(self._ident(entry.entry_id, camera.id), camera.name, children)

    def _days(
        self, entry: OmniCamConfigEntry, camera: Camera, kind: MediaKind, items: list[RecordedItem]
    ) -> BrowseMediaSource:
        days: dict[date, int] = defaultdict(int)
        for item in items:
            if item.start is not None:
                days[dt_util.as_local(item.start).date()] += 1
        children = [
            self._folder(
                self._ident(entry.entry_id, camera.id, kind.value, day.isoformat()),
                f"{day:%A %d %B %Y} ({count})",
            )
            for day, count in sorted(days.items(), reverse=True)
        ]
        return self._folder(
            self._ident(entry.entry_id, camera.id, kind.value),
            f"{camera.name} · {KIND_TITLE[kind]}",
            children,
        )

    def _items(
        self,
        entry: OmniCamConfigEntry,
        camera: Camera,
        kind: MediaKind,
        items: list[RecordedItem],
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
                title=item_title(item)
                + ("" if item.mime_type in PLAYABLE else " · not playable in the browser"),
                can_play=item.mime_type in PLAYABLE,
                can_expand=False,
                thumbnail=thumbnail_path(entry, camera.id, kind, item.id)
                if item.has_thumbnail
                else None,
            )
            for item in items
        ] + (extra or [])
        return self._folder(self._ident(*parts), f"{camera.name} · {title}", children)
