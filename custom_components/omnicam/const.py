"""Constants of the OmniCam integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "omnicam"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"

POLL_INTERVAL: Final = timedelta(seconds=30)
CAMERA_LIST_INTERVAL: Final = timedelta(minutes=5)
SNAPSHOT_CACHE_SECONDS: Final = 5.0
MEDIA_LOCATION_CACHE_SECONDS: Final = 300.0

ATTR_CODES: Final = "codes"
SERVICE_SET_PIN_CODES: Final = "set_pin_codes"

MEDIA_URL: Final = "/api/omnicam/media/{entry_id}/{camera_id}/{kind}/{item_id}"
