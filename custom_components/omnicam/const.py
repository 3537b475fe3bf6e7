"""Constants of the OmniCam integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "omnicam"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"
CONF_SUBSTREAM: Final = "substream"
CONF_TIME_ZONE: Final = "time_zone"
CONF_MEDIA_KEY: Final = "media_key"
"""Random key of an entry's media ids (see access.py): made once, never shown."""

POLL_INTERVAL: Final = timedelta(seconds=30)
SAFETY_POLL_INTERVAL: Final = timedelta(minutes=5)
"""Polling pace while every realtime feed is up."""
FEED_BACKOFF_MIN: Final = 1.0
FEED_BACKOFF_MAX: Final = 60.0
SNAPSHOT_CACHE_SECONDS: Final = 5.0
MEDIA_LOCATION_CACHE_SECONDS: Final = 300.0

ATTR_CODES: Final = "codes"
SERVICE_SET_PIN_CODES: Final = "set_pin_codes"
SERVICE_PTZ_MOVE: Final = "ptz_move"
ATTR_DIRECTION: Final = "direction"
ATTR_DURATION: Final = "duration"
RECORDING_KEEPALIVE: Final = timedelta(seconds=15)

MEDIA_URL: Final = "/api/omnicam/media/{entry_id}/{camera_id}/{kind}/{signature}/{item_id}"
"""Proxy of a recorded item; `signature` proves the entry listed it (see access.py)."""
LIVE_URL: Final = "/api/omnicam/live/{key}/{path:.+}"
"""Relay of live HLS streams whose vendor URL carries a secret; `key` is the secret of one
stream session, dead once nobody read it for `LIVE_KEY_IDLE_SECONDS`."""
LIVE_KEY_IDLE_SECONDS: Final = 120.0
THUMBNAIL_URL: Final = "/api/omnicam/thumbnail/{entry_id}/{camera_id}/{kind}/{signature}/{item_id}"
HLS_URL: Final = "/api/omnicam/hls/{playback}/{index}"
"""A playlist or segment of a recorded HLS item: `playback` names the playlist the proxy
fetched for one user, `index` one of the URIs in it; every such path is signed."""
HLS_PLAYBACK_SECONDS: Final = 4 * 3600.0
"""How long a played HLS item's paths stay valid after the playlist was served."""
HLS_LOCATION_CACHE_SECONDS: Final = 30.0
"""How long a link to an HLS item (with its short-lived token) is used again."""
