"""Config flow: a menu of vendors, one form per vendor, reauth and reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import CONF_VENDOR, DOMAIN, LOGGER
from .coordinator import device_identifier
from .registry import async_rescope
from .vendors import VENDORS
from .vendors.base import VendorClient
from .vendors.errors import AuthError, CannotConnect, OmniCamError
from .vendors.models import Account, FieldType, FormField

type VendorStep = Callable[[dict[str, Any] | None], Coroutine[Any, Any, ConfigFlowResult]]

_STEP_PREFIX = "async_step_"

_SELECTORS: dict[FieldType, Any] = {
    FieldType.TEXT: TextSelector(),
    FieldType.PASSWORD: TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
    FieldType.URL: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
    FieldType.EMAIL: TextSelector(
        TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
    ),
    FieldType.PORT: vol.All(
        NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)),
        vol.Coerce(int),
    ),
    FieldType.BOOL: BooleanSelector(),
}


def form_schema(fields: Iterable[FormField]) -> vol.Schema:
    """Return the schema of a form declared by a vendor."""
    schema: dict[vol.Marker, Any] = {}
    for field in fields:
        marker = vol.Required if field.required else vol.Optional
        if field.default is None:
            schema[marker(field.key)] = _SELECTORS[field.type]
        else:
            schema[marker(field.key, default=field.default)] = _SELECTORS[field.type]
    return vol.Schema(schema)


def _invalid_urls(fields: Iterable[FormField], data: Mapping[str, Any]) -> dict[str, str]:
    """Return an error for every URL field that is not an http(s) address."""
    return {
        field.key: "invalid_url"
        for field in fields
        if field.type is FieldType.URL
        and (value := data.get(field.key)) is not None
        and not str(value).startswith(("http://", "https://"))
    }


class OmniCamConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a vendor account."""

    VERSION = 1
    MINOR_VERSION = 2
    """1.2: unique ids and device identifiers carry the account (see registry.py)."""

    def __getattr__(self, name: str) -> VendorStep:
        """Route ``async_step_<vendor>`` of every vendor to the one form step they share."""
        vendor = name.removeprefix(_STEP_PREFIX)
        if vendor != name and vendor in VENDORS:
            return partial(self._async_vendor_step, vendor)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick a vendor."""
        return self.async_show_menu(step_id="user", menu_options=list(VENDORS))

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the flow of the options the entry's vendor declares."""
        return OmniCamOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Offer options exactly for vendors that declare some."""
        vendor = VENDORS.get(config_entry.data.get(CONF_VENDOR, ""))
        return vendor is not None and bool(vendor.options)

    async def _async_validate(
        self, data: dict[str, Any]
    ) -> tuple[VendorClient | None, Account | None, dict[str, str]]:
        """Log in with the data; return the client and account, or form errors."""
        vendor = VENDORS[data[CONF_VENDOR]]
        if errors := _invalid_urls(vendor.form.fields, data):
            return None, None, errors
        session = async_get_clientsession(self.hass, data.get("verify_ssl", True))
        client = vendor.from_config(session, data)
        try:
            return client, await client.async_get_account(), {}
        except OmniCamError as err:
            return None, None, {"base": _error_key(client, err)}
        except Exception as err:  # noqa: BLE001 - the form must say something
            # No traceback: its frames could hold the request and so the secret.
            LOGGER.error("Unexpected error while adding an account: %s", client.scrub(repr(err)))
            return None, None, {"base": "unknown"}

    async def _async_vendor_step(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        form = VENDOR_FORMS[vendor]
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_VENDOR: vendor, **user_input}
            self._async_abort_entries_match(
                {key: data[key] for key in form.identity} | {CONF_VENDOR: vendor}
            )
            _, account, errors = await self._async_validate(data)
            if account is not None:
                await self.async_set_unique_id(account.unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=account.title, data=data)
        return self.async_show_form(
            step_id=vendor,
            data_schema=self.add_suggested_values_to_schema(vol.Schema(form.fields), user_input),
            errors=errors,
        )

    async def _async_same_account(self, client: VendorClient, account: Account) -> bool:
        """Tell whether new credentials still reach the entry's account."""
        entry = (
            self._get_reauth_entry()
            if self.source == SOURCE_REAUTH
            else self._get_reconfigure_entry()
        )
        if account.unique_id == entry.unique_id:
            return True
        if VENDORS[entry.data[CONF_VENDOR]].scoped_camera_ids:
            return False  # channel numbers say nothing about which device it is
        registry = dr.async_get(self.hass)
        devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
        if not devices:
            return True
        camera_ids = await client.async_get_camera_ids()
        return any(
            device_identifier(entry, camera_id) in device.identifiers
            for camera_id in camera_ids
            for device in devices
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the vendor refused the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the vendor's secrets again."""
        entry = self._get_reauth_entry()
        form = VENDOR_FORMS[entry.data[CONF_VENDOR]]
        return await self._async_update_entry(
            "reauth_confirm",
            user_input,
            vol.Schema({key: value for key, value in form.fields.items() if key in form.secrets}),
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where and how the account is reached."""
        entry = self._get_reconfigure_entry()
        form = VENDOR_FORMS[entry.data[CONF_VENDOR]]
        suggested = {k: v for k, v in entry.data.items() if k not in form.secrets}
        return await self._async_update_entry(
            "reconfigure",
            user_input,
            self.add_suggested_values_to_schema(vol.Schema(form.fields), user_input or suggested),
        )

    async def _async_update_entry(
        self, step_id: str, user_input: dict[str, Any] | None, schema: vol.Schema
    ) -> ConfigFlowResult:
        """Validate changed data for an existing entry, then save it and reload."""
        entry = (
            self._get_reauth_entry()
            if self.source == SOURCE_REAUTH
            else self._get_reconfigure_entry()
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            client, account, errors = await self._async_validate(data)
            if client is not None and account is not None:
                if not await self._async_same_account(client, account):
                    return self.async_abort(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            errors=errors,
            description_placeholders={"account": entry.title},
        )


class OmniCamOptionsFlow(OptionsFlowWithReload):
    """Amcrest: play the sub stream instead of the main stream (the entry reloads)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the stream choice."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        schema = vol.Schema({vol.Required(CONF_SUBSTREAM, default=False): _BOOL})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )
