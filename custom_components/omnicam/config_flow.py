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

from .const import CONF_SUBSTREAM, CONF_VENDOR, DOMAIN, LOGGER
from .coordinator import device_identifier
from .vendors import VENDORS
from .vendors.base import VendorClient
from .vendors.errors import AuthError, CannotConnect, OmniCamError
from .vendors.ipcamlive import DEFAULT_URL as IPCAMLIVE_URL
from .vendors.models import Account
from .vendors.videoloft import DEFAULT_URL as VIDEOLOFT_URL

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))
_BOOL = BooleanSelector()
_EMAIL = TextSelector(TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username"))


@dataclass(frozen=True, slots=True)
class VendorForm:
    """A vendor's form.

    Its fields, the secrets asked again on reauth, and the fields that identify an
    account already added (checked before anything is sent).
    """

    fields: dict[Any, Any]
    secrets: tuple[str, ...]
    identity: tuple[str, ...]


VENDOR_FORMS: dict[str, VendorForm] = {
    "ipcamlive": VendorForm(
        fields={
            vol.Required(CONF_API_KEY): _PASSWORD,
            vol.Optional(CONF_URL, default=IPCAMLIVE_URL): _URL,
        },
        secrets=(CONF_API_KEY,),
        identity=(CONF_API_KEY,),
    ),
    "videoloft": VendorForm(
        fields={
            vol.Required(CONF_EMAIL): _EMAIL,
            vol.Required(CONF_PASSWORD): _PASSWORD,
            vol.Optional(CONF_URL, default=VIDEOLOFT_URL): _URL,
        },
        secrets=(CONF_PASSWORD,),
        identity=(CONF_EMAIL,),
    ),
    "amcrest": VendorForm(
        fields={
            vol.Required(CONF_HOST): _TEXT,
            vol.Required(CONF_PORT, default=80): vol.All(_PORT, vol.Coerce(int)),
            vol.Required(CONF_USERNAME, default="admin"): _TEXT,
            vol.Required(CONF_PASSWORD): _PASSWORD,
            vol.Required(CONF_SSL, default=False): _BOOL,
            vol.Required(CONF_VERIFY_SSL, default=True): _BOOL,
        },
        secrets=(CONF_PASSWORD,),
        identity=(CONF_HOST, CONF_PORT),
    ),
}


class OmniCamConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a vendor account."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick a vendor."""
        return self.async_show_menu(
            step_id="user", menu_options=[v for v in VENDOR_FORMS if v in VENDORS]
        )

    async def async_step_ipcamlive(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for an IPCamLive API secret."""
        return await self._async_vendor_step("ipcamlive", user_input)

    async def async_step_videoloft(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a Videoloft login."""
        return await self._async_vendor_step("videoloft", user_input)

    async def async_step_amcrest(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where an Amcrest or Dahua camera or recorder is, and its login."""
        return await self._async_vendor_step("amcrest", user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options exist for vendors whose streams can be chosen."""
        return OmniCamOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Only Amcrest has options: which stream live view plays."""
        return config_entry.data.get(CONF_VENDOR) == "amcrest"

    async def _async_validate(
        self, data: dict[str, Any]
    ) -> tuple[VendorClient | None, Account | None, dict[str, str]]:
        """Log in with the data; return the client and account, or form errors."""
        url = data.get(CONF_URL)
        if url is not None and not str(url).startswith(("http://", "https://")):
            return None, None, {CONF_URL: "invalid_url"}
        session = async_get_clientsession(self.hass, data.get("verify_ssl", True))
        client = VENDORS[data[CONF_VENDOR]].from_config(session, data)
        try:
            return client, await client.async_get_account(), {}
        except AuthError:
            return None, None, {"base": "invalid_auth"}
        except CannotConnect:
            return None, None, {"base": "cannot_connect"}
        except OmniCamError as err:
            LOGGER.warning("Unexpected answer while adding an account: %s", client.scrub(str(err)))
            return None, None, {"base": "bad_response"}
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
