"""Actions of the integration, registered once for every entry."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, service
import voluptuous as vol

from .const import ATTR_CODES, DOMAIN, SERVICE_SET_PIN_CODES


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
