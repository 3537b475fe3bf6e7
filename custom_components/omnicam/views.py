"""Authenticated proxy for recorded media: the browser never sees a vendor URL or secret.

Paths carry every parameter (HA signs only relative paths without a query string):
``/api/omnicam/media/<entry_id>/<camera_id>/<kind>/<signature>/<item_id>``, and the item's
thumbnail at ``/api/omnicam/thumbnail/…`` (fetched by the Media browser with the user's own
token). A request is served only when the user may read the camera's entity (401/403
otherwise) and the signature proves that this entry listed the item (404 otherwise, before
the vendor is asked anything: see access.py). The proxy fetches only the URL the vendor's
client built, and follows no redirect (a 3xx is a 502).

A recorded item that is an HLS playlist (`MediaLocation.stream`, e.g. an archive link with a
token) is served as that playlist rewritten: every URI in it becomes
``/api/omnicam/hls/<playback>/<index>``, signed by Home Assistant for the user who asked
(expiring), where `index` names an entry of the list of URIs the proxy itself read from
the vendor's playlist and keeps. The browser never sees a vendor URL or token, and a path
names nothing the vendor did not list: an unknown index is a 404. Nested playlists are
rewritten the same way.

The live relay (``/api/omnicam/live/<key>/…``) needs no login, since Home Assistant's stream
worker and go2rtc have none: its key names one stream session, dies when nobody read it
for a while, and is accepted only from the local machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from ipaddress import ip_address
import re
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID, KEY_HASS_USER
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey
from yarl import URL

from .access import media_signature, media_signature_valid, user_may_see_camera
from .const import (
    DOMAIN,
    HLS_LOCATION_CACHE_SECONDS,
    HLS_PLAYBACK_SECONDS,
    HLS_URL,
    LIVE_KEY_IDLE_SECONDS,
    LIVE_URL,
    LOGGER,
    MEDIA_LOCATION_CACHE_SECONDS,
    MEDIA_URL,
    THUMBNAIL_URL,
)
from .remux import Remuxer, RemuxError, needs_remux
from .vendors.base import read_body
from .vendors.errors import NotFound, NotSupported, OmniCamError
from .vendors.models import MediaKind, MediaLocation, StreamKind
from .vendors.stills import decode_still

if TYPE_CHECKING:
    from .coordinator import OmniCamConfigEntry
    from .vendors.base import VendorClient

_PASS_HEADERS = (
    hdrs.CONTENT_TYPE,
    hdrs.CONTENT_LENGTH,
    hdrs.CONTENT_RANGE,
    hdrs.ACCEPT_RANGES,
    hdrs.LAST_MODIFIED,
    hdrs.ETAG,
)
_PROXY_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=15, sock_read=60)
THUMBNAIL_VIDEO_LIMIT = 8 * 1024 * 1024
"""A thumbnail that is a video (decoded to its first picture) is read up to this size."""


def _where(url: str) -> str:
    """Return what a log line may say of a vendor URL: its server.

    Never its path or query: vendors put tokens in both.
    """
    return str(URL(url).origin())


def _vague(content_type: str | None) -> bool:
    """Tell a Content-Type that says nothing about the media."""
    return content_type is None or content_type.split(";")[0].strip().lower() in (
        "",
        "application/octet-stream",
        "binary/octet-stream",
    )


def _signed_path(
    template: str, entry: ConfigEntry, camera_id: str, kind: MediaKind, item_id: str
) -> str:
    return template.format(
        entry_id=entry.entry_id,
        camera_id=quote(camera_id, safe=""),
        kind=kind.value,
        signature=media_signature(entry, camera_id, kind.value, item_id),
        item_id=quote(item_id, safe=""),
    )


def media_path(entry: ConfigEntry, camera_id: str, kind: MediaKind, item_id: str) -> str:
    """Return the proxy path of a recorded item the vendor listed, signed for this entry."""
    return _signed_path(MEDIA_URL, entry, camera_id, kind, item_id)


def thumbnail_path(entry: ConfigEntry, camera_id: str, kind: MediaKind, item_id: str) -> str:
    """Return the proxy path of a listed item's thumbnail, signed for this entry."""
    return _signed_path(THUMBNAIL_URL, entry, camera_id, kind, item_id)


async def async_media_location(
    entry: OmniCamConfigEntry, camera_id: str, kind: MediaKind, item_id: str, part: str = "media"
) -> MediaLocation:
    """Return where the proxy fetches an item (or its thumbnail), remembered for a while.

    Remembered for the Range requests that follow, and from resolving an item to playing
    it; an HLS link (with a short-lived token) only briefly. Raises what the client raises.
    """
    runtime = entry.runtime_data
    if camera_id not in runtime.coordinator.data.cameras:
        raise NotFound(f"no camera {camera_id}")
    key = (camera_id, f"{part}:{kind.value}", item_id)
    now = time.monotonic()
    cached = runtime.media_locations.get(key)
    if cached is not None and now - cached[0] < _keep_seconds(cached[1]):
        return cached[1]
    client = runtime.client
    if part == "thumbnail":
        location = await client.async_get_thumbnail_location(camera_id, kind, item_id)
    else:
        location = await client.async_get_media_location(camera_id, kind, item_id)
    for old in [
        k for k, (at, loc) in runtime.media_locations.items() if now - at >= _keep_seconds(loc)
    ]:
        del runtime.media_locations[old]
    runtime.media_locations[key] = (now, location)
    return location


def _keep_seconds(location: MediaLocation) -> float:
    if location.stream is StreamKind.HLS:
        return min(HLS_LOCATION_CACHE_SECONDS, MEDIA_LOCATION_CACHE_SECONDS)
    return MEDIA_LOCATION_CACHE_SECONDS


class _SentFileResponse(web.FileResponse):
    """A file response sent inside the handler (while the copy is held), not again after."""

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Send the file, once."""
        if self.prepared:
            return None
        return await super().prepare(request)


class OmniCamMediaView(HomeAssistantView):
    """Stream a recorded item from the vendor to an authenticated browser."""

    url = MEDIA_URL
    name = "api:omnicam:media"
    requires_auth = True
    part = "media"

    def __init__(self, hass: HomeAssistant) -> None:
        """Keep Home Assistant."""
        self.hass = hass

    async def get(
        self,
        request: web.Request,
        *,
        entry_id: str,
        camera_id: str,
        kind: str,
        signature: str,
        item_id: str,
    ) -> web.StreamResponse:
        """Proxy the item, passing Range requests through."""
        entry: OmniCamConfigEntry | None = self.hass.config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
            or kind not in {member.value for member in MediaKind}
        ):
            raise web.HTTPNotFound
        self._check_user(request, entry, camera_id)
        if not media_signature_valid(entry, camera_id, kind, item_id, signature):
            # Never the ids themselves: they are whatever the caller wrote.
            LOGGER.warning(
                "Refused a %s request for an item that %s did not list", self.part, entry.title
            )
            raise web.HTTPNotFound
        try:
            location = await self._async_location(entry, camera_id, MediaKind(kind), item_id)
        except (NotFound, NotSupported) as err:
            raise web.HTTPNotFound(text=str(err)) from None
        except OmniCamError as err:
            LOGGER.warning(
                "Media %s not found: %s", item_id, entry.runtime_data.client.scrub(str(err))
            )
            raise web.HTTPBadGateway from None
        if self.part == "media" and needs_remux(location.mime_type):
            return await self._async_remuxed(request, entry, (camera_id, kind, item_id), location)
        if self.part == "media" and location.stream is StreamKind.HLS:
            playback = HlsPlayback.start(self.hass, request, entry, camera_id, location)
            return await playback.async_playlist(self.hass, location.url)
        return await self._async_proxy(request, location, entry.runtime_data.client)

    def _check_user(self, request: web.Request, entry: OmniCamConfigEntry, camera_id: str) -> None:
        """Refuse a user who may not read the camera's entity (or its device's)."""
        user = request.get(KEY_HASS_USER)
        if user is None:
            raise web.HTTPUnauthorized
        allowed = user_may_see_camera(self.hass, user, entry, camera_id)
        if allowed is None:
            raise web.HTTPNotFound
        if not allowed:
            raise web.HTTPForbidden

    async def _async_remuxed(
        self,
        request: web.Request,
        entry: OmniCamConfigEntry,
        key: tuple[str, ...],
        location: MediaLocation,
    ) -> web.StreamResponse:
        """Serve a recording as MP4: fetched and remuxed once, then served from disk.

        The copy is held while it is sent, so that no other request evicts it meanwhile.
        """
        runtime = entry.runtime_data
        if runtime.remuxer is None:
            runtime.remuxer = Remuxer(self.hass)
            entry.async_on_unload(runtime.remuxer.async_close)
        remuxer = runtime.remuxer
        client = runtime.client
        try:
            path = await remuxer.async_acquire(
                key,
                lambda: client.async_open_media(location, {}, _PROXY_TIMEOUT),
                location.mime_type or "",
            )
        except (aiohttp.ClientError, TimeoutError, OmniCamError, RemuxError) as err:
            LOGGER.warning(
                "Recording at %s not converted to MP4: %s",
                _where(location.url),
                client.scrub(str(err)) or type(err).__name__,
            )
            raise web.HTTPBadGateway from None
        try:
            response = _SentFileResponse(
                path,
                headers={
                    hdrs.CONTENT_TYPE: "video/mp4",
                    hdrs.CACHE_CONTROL: "private, max-age=300",
                },
            )
            await response.prepare(request)
            return response
        finally:
            remuxer.release(key)

    async def _async_location(
        self, entry: OmniCamConfigEntry, camera_id: str, kind: MediaKind, item_id: str
    ) -> MediaLocation:
        """Resolve the item, remembering it for the Range requests that follow."""
        return await async_media_location(entry, camera_id, kind, item_id, self.part)

    async def _async_proxy(
        self, request: web.Request, location: MediaLocation, client: VendorClient | None = None
    ) -> web.StreamResponse:
        """Stream what the location holds; the vendor's client sends the request if given."""
        headers: dict[str, str] = {}
        if hdrs.RANGE in request.headers:
            headers["Range"] = request.headers[hdrs.RANGE]
        try:
            if client is not None:
                upstream = await client.async_open_media(location, headers, _PROXY_TIMEOUT)
            else:
                upstream = await async_get_clientsession(self.hass).get(
                    location.url,
                    headers=location.headers | headers,
                    timeout=_PROXY_TIMEOUT,
                    allow_redirects=False,
                )
        except (aiohttp.ClientError, TimeoutError, OmniCamError) as err:
            LOGGER.warning(
                "Media at %s not reachable: %s", _where(location.url), type(err).__name__
            )
            raise web.HTTPBadGateway from None
        try:
            if upstream.status not in (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT):
                LOGGER.warning("Media at %s answered %s", _where(location.url), upstream.status)
                if upstream.status in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
                    raise web.HTTPNotFound
                if upstream.status == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE:
                    raise web.HTTPRequestRangeNotSatisfiable(
                        headers={hdrs.CONTENT_RANGE: upstream.headers.get(hdrs.CONTENT_RANGE, "")}
                    )
                raise web.HTTPBadGateway
            if self.part == "thumbnail" and _is_video(
                location.mime_type, upstream.headers.get(hdrs.CONTENT_TYPE)
            ):
                return await self._async_still(location, upstream)
            response = web.StreamResponse(status=upstream.status)
            for header in _PASS_HEADERS:
                if header in upstream.headers:
                    response.headers[header] = upstream.headers[header]
            if _vague(response.headers.get(hdrs.CONTENT_TYPE)):
                # Devices call every file octet-stream: say what it is, or browsers balk.
                response.content_type = location.mime_type
            response.headers[hdrs.CACHE_CONTROL] = "private, max-age=300"
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_chunked(64 * 1024):
                    await response.write(chunk)
            except (aiohttp.ClientError, TimeoutError) as err:
                # The vendor broke off. The length we passed on can no longer be met:
                # close the connection, so the player sees a short answer at once.
                LOGGER.warning(
                    "Media at %s broke off: %s", _where(location.url), type(err).__name__
                )
                response.force_close()
                return response
            await response.write_eof()
            return response
        finally:
            upstream.release()

    async def _async_still(
        self, location: MediaLocation, upstream: aiohttp.ClientResponse
    ) -> web.Response:
        """Answer a thumbnail that is a video (a one-frame clip) with its first picture."""
        try:
            body = await read_body(upstream.content, THUMBNAIL_VIDEO_LIMIT)
        except (aiohttp.ClientError, TimeoutError, OmniCamError) as err:
            LOGGER.warning(
                "Thumbnail at %s not read: %s", _where(location.url), str(err) or type(err).__name__
            )
            raise web.HTTPBadGateway from None
        if (picture := _picture_type(body)) is not None:
            jpeg, content_type = body, picture  # a picture after all, whatever it was called
        else:
            try:
                jpeg = await self.hass.async_add_executor_job(decode_still, body)
            except OmniCamError as err:
                LOGGER.warning("Thumbnail at %s holds no picture: %s", _where(location.url), err)
                raise web.HTTPBadGateway from None
            content_type = "image/jpeg"
        return web.Response(
            body=jpeg,
            content_type=content_type,
            headers={hdrs.CACHE_CONTROL: "private, max-age=300"},
        )


def _is_video(expected: str, given: str | None) -> bool:
    """Tell a thumbnail that is a video: by the answer's type, else by what the vendor said."""
    if given is not None and not _vague(given):
        return given.split(";")[0].strip().lower().startswith("video/")
    return expected.lower().startswith("video/")


_PICTURE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
)


def _picture_type(body: bytes) -> str | None:
    """Return the type of a picture by its first bytes; None for anything else."""
    for magic, content_type in _PICTURE_MAGIC:
        if body.startswith(magic):
            return content_type
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return None


class OmniCamThumbnailView(OmniCamMediaView):
    """Serve a recorded item's thumbnail from the vendor to an authenticated browser."""

    url = THUMBNAIL_URL
    name = "api:omnicam:thumbnail"
    part = "thumbnail"


HLS_PLAYBACKS: HassKey[dict[str, HlsPlayback]] = HassKey(f"{DOMAIN}_hls_playbacks")
_HLS_PLAYBACK_LIMIT = 64
"""Playbacks kept at most; the oldest goes first."""
_HLS_URI_LIMIT = 50_000
"""URIs one playback keeps at most (an hour of 2-second segments is 1,800)."""
_HLS_MIME = "application/vnd.apple.mpegurl"


@dataclass(slots=True)
class HlsPlayback:
    """One played HLS item: the URIs the proxy read in its playlists, for one user."""

    entry_id: str
    camera_id: str
    user_id: str
    refresh_token_id: str | None
    headers: dict[str, str] = field(repr=False)
    """The location's own headers (credentials, perhaps): sent only to its origin."""
    origin: str = ""
    """Scheme, host and port of the item's own playlist."""
    uris: list[str] = field(default_factory=list, repr=False)
    """Absolute vendor URLs (tokens and all), in the order first seen: `index` is a place."""
    playlists: set[int] = field(default_factory=set)
    """Indexes of the URIs that are playlists themselves (rewritten in turn)."""
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls,
        hass: HomeAssistant,
        request: web.Request,
        entry: OmniCamConfigEntry,
        camera_id: str,
        location: MediaLocation,
    ) -> HlsPlayback:
        """Begin a playback of a location for the requesting user; forget expired ones."""
        playbacks = hass.data.setdefault(HLS_PLAYBACKS, {})
        now = time.monotonic()
        for key in [k for k, p in playbacks.items() if not p.alive(now)]:
            del playbacks[key]
        while len(playbacks) >= _HLS_PLAYBACK_LIMIT:
            del playbacks[next(iter(playbacks))]
        playback = cls(
            entry_id=entry.entry_id,
            camera_id=camera_id,
            user_id=request[KEY_HASS_USER].id,
            refresh_token_id=request.get(KEY_HASS_REFRESH_TOKEN_ID),
            headers=dict(location.headers),
            origin=str(URL(location.url).origin()),
        )
        playbacks[playback.id] = playback
        return playback

    def alive(self, now: float | None = None) -> bool:
        """Tell whether the playback's paths are still served."""
        now = time.monotonic() if now is None else now
        return now - self.started < HLS_PLAYBACK_SECONDS

    def _path(self, hass: HomeAssistant, uri: str, base: str, playlist: bool) -> str:
        """Return the signed path of ours that stands for a URI of a vendor playlist."""
        target = str(URL(base).join(URL(uri)))
        try:
            index = self.uris.index(target)
        except ValueError:
            if len(self.uris) >= _HLS_URI_LIMIT:
                raise web.HTTPBadGateway from None
            index = len(self.uris)
            self.uris.append(target)
        if playlist or URL(target).path.endswith(".m3u8"):
            self.playlists.add(index)
        path = HLS_URL.format(playback=self.id, index=index)
        return async_sign_path(
            hass,
            path,
            timedelta(seconds=HLS_PLAYBACK_SECONDS),
            refresh_token_id=self.refresh_token_id,
        )

    def _headers(self, url: str) -> dict[str, str]:
        """Return the headers for a URL: the location's own only at the location's origin."""
        return self.headers if str(URL(url).origin()) == self.origin else {}

    def location(self, index: int) -> MediaLocation:
        """Return where a URI the proxy read is fetched from."""
        url = self.uris[index]
        return MediaLocation(url=url, mime_type="video/mp2t", headers=self._headers(url))

    async def async_playlist(self, hass: HomeAssistant, url: str) -> web.Response:
        """Fetch a vendor playlist and answer it with every URI replaced by a path of ours."""
        entry: OmniCamConfigEntry | None = hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            raise web.HTTPNotFound
        client = entry.runtime_data.client
        location = MediaLocation(url=url, mime_type=_HLS_MIME, headers=self._headers(url))
        try:
            upstream = await client.async_open_media(location, {}, _PROXY_TIMEOUT)
        except (aiohttp.ClientError, TimeoutError, OmniCamError) as err:
            LOGGER.warning("Playlist at %s not reachable: %s", _where(url), type(err).__name__)
            raise web.HTTPBadGateway from None
        try:
            if upstream.status != HTTPStatus.OK:
                LOGGER.warning("Playlist at %s answered %s", _where(url), upstream.status)
                if upstream.status in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
                    raise web.HTTPNotFound
                raise web.HTTPBadGateway
            body = await read_body(upstream.content, _PLAYLIST_LIMIT)
        except (aiohttp.ClientError, TimeoutError, OmniCamError) as err:
            LOGGER.warning("Playlist at %s broke off: %s", _where(url), type(err).__name__)
            raise web.HTTPBadGateway from None
        finally:
            upstream.release()
        text = body.decode("utf-8", "replace")
        if not text.lstrip("\ufeff").startswith("#EXTM3U"):
            LOGGER.warning("The item at %s is not an HLS playlist", _where(url))
            raise web.HTTPBadGateway
        return web.Response(
            text=rewrite_playlist(text, lambda uri, nested: self._path(hass, uri, url, nested)),
            content_type=_HLS_MIME,
            headers={hdrs.CACHE_CONTROL: "no-cache"},
        )


class OmniCamHlsView(OmniCamMediaView):
    """Serve the playlists and segments of a played HLS item, by their index."""

    url = HLS_URL
    name = "api:omnicam:hls"
    part = "hls"

    async def get(  # type: ignore[override]
        self, request: web.Request, playback: str, index: str
    ) -> web.StreamResponse:
        """Pass a nested playlist (rewritten) or a segment (streamed) the vendor listed."""
        played = self.hass.data.get(HLS_PLAYBACKS, {}).get(playback)
        if played is None or not played.alive() or not index.isdigit():
            raise web.HTTPNotFound
        number = int(index)
        if number >= len(played.uris):
            # Never the index itself: it is whatever the caller wrote.
            LOGGER.warning("Refused an HLS request for a part the playlist did not list")
            raise web.HTTPNotFound
        user = request.get(KEY_HASS_USER)
        if user is None:  # pragma: no cover - Home Assistant's auth comes first
            raise web.HTTPUnauthorized
        if user.id != played.user_id:
            raise web.HTTPForbidden
        entry: OmniCamConfigEntry | None = self.hass.config_entries.async_get_entry(played.entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            raise web.HTTPNotFound
        self._check_user(request, entry, played.camera_id)
        if number in played.playlists:
            return await played.async_playlist(self.hass, played.uris[number])
        return await self._async_proxy(request, played.location(number), entry.runtime_data.client)


@dataclass(slots=True)
class LiveRelay:
    """Where one camera's live HLS really is; the key that names it is the only secret."""

    upstream: str
    """The vendor's playlist URL, with its secret query (never sent to the stream)."""
    refresh: Callable[[], Awaitable[None]] | None = None
    """Point `upstream` at the vendor's playlist URL now (tokens expire, streams move):
    called at each playlist read, so that players the integration does not run stay in
    step."""
    start_live: Callable[..., Awaitable[None]] | None = None
    """For a camera that streams only when asked: ask it (``wait=`` until it does)."""
    failed: Callable[[OmniCamError], None] | None = None
    """Told when live video could not be started for a player (the camera says why)."""
    keepalive_seconds: float = 30.0
    asked_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    host: str | None = None
    """The host the relay URL names (besides loopback, the only caller accepted)."""
    read_at: float = field(default_factory=time.monotonic)
    """When the key was made or last read: it dies `LIVE_KEY_IDLE_SECONDS` after."""

    def alive(self, now: float | None = None) -> bool:
        """Tell whether the key still opens the stream (read recently enough)."""
        now = time.monotonic() if now is None else now
        return now - self.read_at < LIVE_KEY_IDLE_SECONDS

    async def async_keep_live(self) -> None:
        """Ask an on-demand camera to stream: at the first read, then on its schedule.

        Players read the playlist every few seconds while they play, so this stops by
        itself when nobody watches. The first ask (and one after a lapse, when the camera
        may have stopped) waits until the camera streams, and raises when the camera
        refuses or does not follow: there is nothing to play. A later ask that fails is
        only logged, since the camera still streams for a while.
        """
        if self.start_live is None:
            return
        async with self.lock:
            now = time.monotonic()
            asked = self.asked_at
            if asked is not None and now - asked < self.keepalive_seconds - 1:
                return
            self.asked_at = now
            wait = asked is None or now - asked > LIVE_LAPSE_SECONDS
            try:
                await self.start_live(wait=wait)
            except OmniCamError as err:
                if wait:
                    self.asked_at = None  # nothing plays: the next player asks again
                    raise
                LOGGER.debug("Live video not asked for again: %s", err)


LIVE_RELAYS: HassKey[dict[str, LiveRelay]] = HassKey(f"{DOMAIN}_live_relays")
_RELAY_PATH = re.compile(r"(?:[A-Za-z0-9_.~-]+/)*[A-Za-z0-9_.~-]+")
_PLAYLIST_LIMIT = 1 << 20
LIVE_LAPSE_SECONDS = 55.0
"""An on-demand camera not asked again for this long may have stopped streaming."""
_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')


_NESTED_TAGS = ("#EXT-X-STREAM-INF", "#EXT-X-MEDIA:", "#EXT-X-I-FRAME-STREAM-INF")
"""Tags whose URI (attribute, or the next line) is a playlist of its own."""


def rewrite_playlist(text: str, replace_uri: Callable[[str, bool], str]) -> str:
    """Return an HLS playlist with every URI replaced: ``replace_uri(uri, is_playlist)``.

    URIs are the lines that are not tags, and the ``URI="…"`` attributes of tags (keys,
    maps, alternative renditions); `is_playlist` tells those that are playlists themselves
    (variant streams and renditions of a master playlist).
    """
    lines: list[str] = []
    nested = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            tag_nested = stripped.startswith(_NESTED_TAGS)

            def attribute(match: re.Match[str], tag_nested: bool = tag_nested) -> str:
                return f'URI="{replace_uri(match.group(1), tag_nested)}"'

            lines.append(_URI_ATTRIBUTE.sub(attribute, line))
            nested = stripped.startswith("#EXT-X-STREAM-INF")
        elif stripped:
            lines.append(replace_uri(stripped, nested))
            nested = False
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _local_caller(request: web.Request, relay: LiveRelay) -> bool:
    """Tell a caller on this machine: loopback, or the address the relay URL names."""
    remote = request.remote
    if not remote:
        return False
    try:
        address = ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if address.is_loopback:
        return True
    if relay.host is None:
        return False
    try:
        return address == ip_address(relay.host.strip("[]"))
    except ValueError:
        return False


def relay_path(key: str, upstream: str) -> str:
    """Return the local path of a relayed stream: the playlist's own name under the key."""
    name = URL(upstream).name or "playlist.m3u8"
    return LIVE_URL.replace("{path:.+}", name).format(key=key)


class OmniCamLiveView(OmniCamMediaView):
    """Relay a live HLS stream whose vendor URL carries a secret.

    Home Assistant's stream opens ``/api/omnicam/live/<key>/<playlist>``; the relay adds the
    vendor's secret query to every request, and takes it out of the playlists it passes on,
    so neither the stream's logs nor its URLs ever hold it. Relative URIs in a playlist
    resolve against the relay by themselves; absolute ones into the stream's folder are
    made relative.
    """

    url = LIVE_URL
    name = "api:omnicam:live"
    requires_auth = False  # the stream worker has no login: the random key is the secret
    part = "live"

    async def get(  # type: ignore[override]
        self, request: web.Request, key: str, path: str
    ) -> web.StreamResponse:
        """Pass a playlist (cleaned) or a segment (streamed) from the vendor."""
        relays = self.hass.data.get(LIVE_RELAYS, {})
        relay = relays.get(key)
        now = time.monotonic()
        if relay is not None and not relay.alive(now):
            del relays[key]  # its stream session is over: the key is dead for good
            relay = None
        if relay is None or not _RELAY_PATH.fullmatch(path) or ".." in path.split("/"):
            raise web.HTTPNotFound
        if not _local_caller(request, relay):
            # Never the key or the path: this line must not open the stream to its reader.
            LOGGER.debug("Live relay refused a caller from another machine")
            raise web.HTTPForbidden
        relay.read_at = now
        playlist = path.endswith(".m3u8")
        if playlist and relay.refresh is not None:
            try:
                await relay.refresh()
            except OmniCamError as err:
                LOGGER.debug("Live stream URL not looked up again: %s", err)
        upstream = URL(relay.upstream)
        target = upstream.join(URL(path)).with_query(
            {**request.query, **upstream.query} if request.query else upstream.query
        )
        if target.origin() != upstream.origin():  # pragma: no cover - the path pattern
            raise web.HTTPNotFound  # keeps it there; this is the belt to those braces
        location = MediaLocation(url=str(target), mime_type="application/octet-stream")
        if not playlist:
            return await self._async_proxy(request, location)
        try:
            await relay.async_keep_live()
        except OmniCamError as err:
            # Nothing will play: tell the player at once, rather than a playlist that
            # never comes (the camera logs why, once).
            if relay.failed is not None:
                relay.failed(err)
            raise web.HTTPBadGateway from None
        return await self._async_playlist(location, upstream)

    async def _async_playlist(self, location: MediaLocation, upstream: URL) -> web.Response:
        session = async_get_clientsession(self.hass)
        try:
            async with session.get(
                location.url, timeout=_PROXY_TIMEOUT, allow_redirects=False
            ) as resp:
                if resp.status != HTTPStatus.OK:
                    raise web.HTTPNotFound if resp.status == 404 else web.HTTPBadGateway
                body = await read_body(resp.content, _PLAYLIST_LIMIT)
        except (aiohttp.ClientError, TimeoutError, OmniCamError) as err:
            LOGGER.debug(
                "Live playlist at %s not read: %s", _where(location.url), type(err).__name__
            )
            raise web.HTTPBadGateway from None
        text = body.decode("utf-8", "replace")
        folder = upstream.with_query(None).join(URL("."))
        secret_keys = set(upstream.query)

        def clean(uri: str) -> str:
            target = URL(uri)
            if target.is_absolute():
                if target.origin() != folder.origin() or not target.path.startswith(folder.path):
                    return uri
                target = URL(target.path.removeprefix(folder.path)).with_query(target.query)
            return str(target.without_query_params(*secret_keys))

        return web.Response(
            text=rewrite_playlist(text, lambda uri, _: clean(uri)),
            content_type="application/vnd.apple.mpegurl",
            headers={hdrs.CACHE_CONTROL: "no-cache"},
        )
