"""Actions of the integration, registered once for every entry."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, service
import voluptuous as vol

from .const import (
    ATTR_CODES,
    ATTR_DIRECTION,
    ATTR_DURATION,
    DOMAIN,
    SERVICE_PTZ_MOVE,
    SERVICE_SET_PIN_CODES,
)
from .vendors.models import PtzDirection


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions; they act on the entities of loaded entries."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SET_PIN_CODES,
        entity_domain=Platform.SWITCH,
        schema={vol.Required(ATTR_CODES): vol.All(cv.ensure_list, [cv.string])},
        func="async_set_pin_codes",
    )
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_PTZ_MOVE,
        entity_domain=Platform.CAMERA,
        schema={
            vol.Required(ATTR_DIRECTION): vol.In([d.value for d in PtzDirection]),
            vol.Optional(ATTR_DURATION, default=1.0): vol.All(
                vol.Coerce(float), vol.Range(min=0.1, max=30)
            ),
        },
        func="async_ptz_move",
    )
