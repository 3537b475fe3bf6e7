"""Who may see what: media ids only this entry can mint, and the user's read permission.

A recorded item reaches the browser as a proxy path that names the entry, the camera, the
kind and the vendor's own item id. Without more, anyone could write such a path for any
file the device holds (an Amcrest item id is a file path). So every media id carries a
signature: an HMAC-SHA256 over those four parts, keyed with a random secret that each
entry keeps in its data (made once, at the first set-up). The Media browser and the proxy
paths hand out only ids of items the vendor listed; the views refuse any other before a
request reaches the vendor.

Whoever asks must also be allowed to read the camera's entity (or, for a camera without
one, an entity of its device), as Home Assistant's own permissions say.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_READ
from homeassistant.components.camera.const import DOMAIN as CAMERA_DOMAIN
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import CONF_MEDIA_KEY, DOMAIN
from .coordinator import camera_key, device_identifier
from .devices import device_by_identifier

_SIGNATURE_BYTES = 18
"""144 bits of the HMAC: 24 URL-safe characters."""


def new_media_key() -> str:
    """Return a fresh random key for an entry's media ids."""
    return secrets.token_urlsafe(32)


@callback
def async_ensure_media_key(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Give the entry its media key, once (kept in its data: ids survive a restart)."""
    if not entry.data.get(CONF_MEDIA_KEY):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_MEDIA_KEY: new_media_key()}
        )


def media_signature(entry: ConfigEntry, camera_id: str, kind: str, item_id: str) -> str:
    """Return the signature of one item of one camera of the entry."""
    key = str(entry.data.get(CONF_MEDIA_KEY) or "")
    if not key:
        raise ValueError("the entry has no media key")
    message = json.dumps([entry.entry_id, camera_id, kind, item_id]).encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


def media_signature_valid(
    entry: ConfigEntry, camera_id: str, kind: str, item_id: str, signature: str
) -> bool:
    """Tell whether a signature is the one this entry gave that item (constant time)."""
    if not entry.data.get(CONF_MEDIA_KEY):
        return False
    expected = media_signature(entry, camera_id, kind, item_id)
    return hmac.compare_digest(expected.encode(), signature.encode())


@callback
def camera_entity_ids(hass: HomeAssistant, entry: ConfigEntry, camera_id: str) -> list[str]:
    """Return the entity that stands for a camera: its camera entity, else its device's."""
    entities = er.async_get(hass)
    key = camera_key(entry, camera_id)
    if entity_id := entities.async_get_entity_id(CAMERA_DOMAIN, DOMAIN, f"{key}:camera"):
        return [entity_id]
    device = device_by_identifier(
        dr.async_get(hass), entry.entry_id, device_identifier(entry, camera_id)
    )
    if device is None:
        return []
    return [
        registered.entity_id
        for registered in er.async_entries_for_device(
            entities, device.id, include_disabled_entities=True
        )
        if registered.config_entry_id == entry.entry_id
    ]


@callback
def user_may_see_camera(
    hass: HomeAssistant, user: User, entry: ConfigEntry, camera_id: str
) -> bool | None:
    """Tell whether a user may read the camera; None when the camera has no entity at all."""
    entity_ids = camera_entity_ids(hass, entry, camera_id)
    if not entity_ids:
        return None
    return any(user.permissions.check_entity(eid, POLICY_READ) for eid in entity_ids)
