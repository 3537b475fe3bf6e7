"""Config flow: a menu of vendors, the form each vendor declares, reauth and reconfigure.

Nothing here names a vendor. Each vendor module declares its form (`VendorClient.form`)
and its options (`VendorClient.options`) in a small vocabulary of field types; this module
turns them into Home Assistant selectors. The menu lists `VENDORS`, and the step of each
menu option, ``async_step_<vendor>``, is routed to the one step every vendor shares.

Reauth and reconfigure never move an entry to another account: the account the new data
reaches must have the entry's unique id. A vendor whose unique id is derived from data the
person may change (`VendorClient.unique_id_may_change`: a secret, a server's address) gets
a new unique id with such data; it is accepted only when the new data reaches the entry's
cameras, and the entry's devices and entities are moved to it first, so that they keep
their entity ids.

Devices on the local network are discovered by Home Assistant's DHCP watcher, on the
matchers vendors declare (`VendorClient.discovery`; ``manifest.json`` lists them all). A
packet from a MAC an entry keeps (read from the device by its client) is that device: a new
address is written into the entry, which reloads, without asking. Any other packet offers a
new device: the user logs in, and a login that reaches a device already added (its serial,
the entry's unique id) moves that entry instead. A stored login is only ever sent to the
address a known MAC announced.

A vendor that limits how many sessions a login may hold says so with `SessionLimit` and
the open sessions: the flow shows them (step ``session_limit``), and logs in again with
``replace_session`` set to the one the user chose to end. What the client learned at the
login (`VendorClient.stored_config`: a kept session token, a client id) goes into the
entry; ``replace_session`` never does. Reauth logs in afresh: the stored secrets
(`VendorClient.stored_secrets`) of the refused login are not given to the new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from functools import partial
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.util.network import is_ip_address
import voluptuous as vol

from .const import CONF_VENDOR, DOMAIN, LOGGER
from .coordinator import device_identifier
from .registry import async_rescope
from .vendors import VENDORS
from .vendors.base import VendorClient
from .vendors.errors import (
    AuthError,
    CannotConnect,
    CaptchaRequired,
    ClientTooOld,
    FieldErrors,
    Maintenance,
    OmniCamError,
    RateLimited,
    SessionLimit,
    WrongServer,
)
from .vendors.models import Account, FieldType, FormField, LanDiscovery, VendorSession

type VendorStep = Callable[[dict[str, Any] | None], Coroutine[Any, Any, ConfigFlowResult]]
type Resume = Callable[[dict[str, Any]], Awaitable[ConfigFlowResult]]

REPLACE_SESSION = "replace_session"
"""Given to a client with the id of the session its login is to end (never stored)."""
CONF_SESSION = "session"
SESSION_LIMIT = "session_limit"

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


def _discovering_vendor(info: DhcpServiceInfo) -> tuple[str, LanDiscovery] | None:
    """Return the vendor whose DHCP matchers a packet matches, and its discovery."""
    for key, vendor in VENDORS.items():
        if (discovery := vendor.discovery) is not None and any(
            matcher.matches(info.macaddress, info.hostname) for matcher in discovery.dhcp
        ):
            return key, discovery
    return None


class OmniCamConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a vendor account."""

    VERSION = 1
    MINOR_VERSION = 2
    """1.2: unique ids and device identifiers carry the account (see registry.py)."""

    _discovery: LanDiscovery
    _discovered: dict[str, Any]
    """A discovered device: its vendor, address and MAC, as they go into the entry."""
    _sessions: tuple[VendorSession, ...] = ()
    """The sessions a login found open when the vendor's limit was reached."""
    _resume: Resume | None = None
    """Submits the form again with more data (the session to end)."""
    _placeholders: dict[str, str] | None = None
    """What the last form's errors name (the server's own messages)."""

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
        self._placeholders = None
        try:
            return client, await client.async_get_account(), {}
        except SessionLimit as err:
            if not err.sessions:
                LOGGER.warning("The session limit was reached; no session was listed")
                return None, None, {"base": SESSION_LIMIT}
            self._sessions = err.sessions
            return None, None, {"base": SESSION_LIMIT, CONF_SESSION: ""}
        except FieldErrors as err:
            return None, None, self._field_errors(client, vendor.form.fields, err)
        except OmniCamError as err:
            return None, None, {"base": _error_key(client, err)}
        except Exception as err:  # noqa: BLE001 - the form must say something
            # No traceback: its frames could hold the request and so the secret.
            LOGGER.error("Unexpected error while adding an account: %s", client.scrub(repr(err)))
            return None, None, {"base": "unknown"}

    def _field_errors(
        self, client: VendorClient, fields: Iterable[FormField], err: FieldErrors
    ) -> dict[str, str]:
        """Return the form errors of the fields the vendor refused, with its messages.

        The fields the form has are marked; the messages (all of them) are shown at the
        top of the form, where also a field the form does not have is reported.
        """
        keys = {field.key for field in fields}
        LOGGER.info("The vendor refused the form: %s", client.scrub(str(err)))
        self._placeholders = {
            "server_message": client.scrub("; ".join(err.fields.values()) or str(err))
        }
        errors = {key: "field_refused" for key in err.fields if key in keys}
        errors["base"] = "server_refused"
        return errors

    def _needs_session(self, errors: Mapping[str, str], resume: Resume) -> bool:
        """Tell whether a login met the session limit; remember how to go on."""
        if CONF_SESSION not in errors:
            return False
        self._resume = resume
        return True

    async def async_step_session_limit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user end one of the login's sessions, then log in in its place."""
        if user_input is not None and self._resume is not None:
            chosen = user_input[CONF_SESSION]
            if any(session.id == chosen for session in self._sessions):
                return await self._resume({REPLACE_SESSION: chosen})
        options = [
            SelectOptionDict(value=session.id, label=session.label) for session in self._sessions
        ]
        return self.async_show_form(
            step_id=SESSION_LIMIT,
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SESSION): SelectSelector(
                        SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
                    )
                }
            ),
        )

    def _form(
        self,
        step_id: str,
        data_schema: vol.Schema,
        errors: dict[str, str],
        description_placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show a form again, with the server's messages its errors name."""
        placeholders = (description_placeholders or {}) | (self._placeholders or {})
        return self.async_show_form(
            step_id=step_id,
            data_schema=data_schema,
            errors=errors,
            description_placeholders=placeholders or None,
        )

    async def _async_vendor_step(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show a vendor's form; add the account it reaches."""
        form = VENDORS[vendor].form
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_VENDOR: vendor, **user_input}
            try:
                self._async_abort_entries_match(
                    {key: data.get(key) for key in form.identity} | {CONF_VENDOR: vendor}
                )
                client, account, errors = await self._async_validate(data)
                if client is not None and account is not None:
                    await self.async_set_unique_id(account.unique_id)
                    self._abort_if_unique_id_configured()
                    return self.async_create_entry(
                        title=self._new_title(account.title), data=_entry_data(data, client)
                    )
            except AbortFlow as err:  # in the vendor's words
                raise AbortFlow(form.errors.get(err.reason, err.reason)) from None
            entered = {k: v for k, v in user_input.items() if k != REPLACE_SESSION}
            if self._needs_session(
                errors, lambda extra: self._async_vendor_step(vendor, entered | extra)
            ):
                return await self.async_step_session_limit()
            user_input = entered
        return self._form(
            vendor,
            self.add_suggested_values_to_schema(form_schema(form.fields), user_input),
            _shown(errors),
        )

    def _new_title(self, title: str) -> str:
        """Return the title, with an ordinal when another account has it already."""
        taken = {entry.title for entry in self._async_current_entries(include_ignore=False)}
        ordinal = 2
        candidate = title
        while candidate in taken:
            candidate = f"{title} ({ordinal})"
            ordinal += 1
        return candidate

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Follow a known device to its new address; offer a new one.

        A known device is recognised by its MAC whatever the matchers say: Home Assistant
        also reports the MACs of devices in its registry (``registered_devices``).
        """
        mac, address = dr.format_mac(discovery_info.macaddress), discovery_info.ip
        for entry in self._async_current_entries(include_ignore=False):
            known = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
            if (
                known is not None
                and known.discovery is not None
                and mac in entry.data.get(known.discovery.macs, ())
            ):
                return self._async_follow_device(entry, known, address)
        if (found := _discovering_vendor(discovery_info)) is None:
            return self.async_abort(reason="not_supported")
        vendor, discovery = found
        try:
            # Until a login names the device (its serial), its MAC keeps an ignored discovery
            # ignored and a second packet out of a flow in progress.
            await self.async_set_unique_id(mac)
            self._abort_if_unique_id_configured()
            self._async_abort_entries_match({CONF_VENDOR: vendor, discovery.host: address})
        except AbortFlow as err:  # in the vendor's words
            raise AbortFlow(VENDORS[vendor].form.errors.get(err.reason, err.reason)) from None
        self._discovery = discovery
        self._discovered = {CONF_VENDOR: vendor, discovery.host: address, discovery.macs: [mac]}
        self.context["title_placeholders"] = {
            "name": f"{discovery.label} ({discovery_info.hostname or address})"
        }
        return await self.async_step_discovery_confirm()

    def _async_follow_device(
        self, entry: ConfigEntry, vendor: type[VendorClient], address: str
    ) -> ConfigFlowResult:
        """Move a known device's entry to the address its DHCP packet came from; reload it.

        Nothing changes when the address is the same, or when the entry names the device
        by a host name (which follows the device by itself).
        """
        assert vendor.discovery is not None
        key = vendor.discovery.host
        reason = vendor.form.errors.get("already_configured", "already_configured")
        known = str(entry.data.get(key, ""))
        if known == address or not is_ip_address(known):
            return self.async_abort(reason=reason)
        LOGGER.info("%s moved from %s to %s; following it", entry.title, known, address)
        title = entry.title.replace(f"({known})", f"({address})")
        return self.async_update_reload_and_abort(
            entry, title=title, data_updates={key: address}, reason=reason
        )

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the login of a discovered device; its address is filled in."""
        discovered, host = self._discovered, self._discovery.host
        form = VENDORS[discovered[CONF_VENDOR]].form
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**discovered, **user_input}
            if data[host] != discovered[host]:
                del data[self._discovery.macs]  # another address: not the device seen
            client, account, errors = await self._async_validate(data)
            entered = {k: v for k, v in user_input.items() if k != REPLACE_SESSION}
            if self._needs_session(
                errors, lambda extra: self.async_step_discovery_confirm(entered | extra)
            ):
                return await self.async_step_session_limit()
            user_input = entered
            if client is not None and account is not None:
                data = _entry_data(data, client)
                await self.async_set_unique_id(account.unique_id, raise_on_progress=False)
                try:
                    # A device already added (its MAC was not known): it moves here.
                    self._abort_if_unique_id_configured(
                        updates={key: data[key] for key in form.identity if key in data}
                    )
                except AbortFlow as err:  # in the vendor's words
                    raise AbortFlow(form.errors.get(err.reason, err.reason)) from None
                return self.async_create_entry(title=self._new_title(account.title), data=data)
        return self._form(
            "discovery_confirm",
            self.add_suggested_values_to_schema(
                form_schema(form.fields), user_input or {host: discovered[host]}
            ),
            _shown(errors),
            {"name": self.context["title_placeholders"]["name"], "host": discovered[host]},
        )

    def _entry(self) -> ConfigEntry:
        """Return the entry being reauthenticated or reconfigured."""
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry()
        return self._get_reconfigure_entry()

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the vendor refused the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the vendor's secrets again."""
        form = VENDORS[self._get_reauth_entry().data[CONF_VENDOR]].form
        secrets = [field for field in form.fields if field.key in form.secrets]
        return await self._async_update_entry("reauth_confirm", user_input, form_schema(secrets))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where and how the account is reached."""
        entry = self._get_reconfigure_entry()
        form = VENDORS[entry.data[CONF_VENDOR]].form
        suggested = {k: v for k, v in entry.data.items() if k not in form.secrets}
        return await self._async_update_entry(
            "reconfigure",
            user_input,
            self.add_suggested_values_to_schema(form_schema(form.fields), user_input or suggested),
        )

    async def _async_update_entry(
        self, step_id: str, user_input: dict[str, Any] | None, schema: vol.Schema
    ) -> ConfigFlowResult:
        """Validate changed data for an existing entry of the same account; save and reload."""
        entry = self._entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            vendor = VENDORS[entry.data[CONF_VENDOR]]
            kept: Mapping[str, Any] = entry.data
            if self.source == SOURCE_REAUTH:
                # The login was refused: log in afresh, not with its session.
                kept = {k: v for k, v in kept.items() if k not in vendor.stored_secrets}
            data = {**kept, **user_input}
            client, account, errors = await self._async_validate(data)
            entered = {k: v for k, v in user_input.items() if k != REPLACE_SESSION}
            if self._needs_session(
                errors,
                lambda extra: self._async_update_entry(step_id, entered | extra, schema),
            ):
                return await self.async_step_session_limit()
            if client is not None and account is not None:
                data = _entry_data(data, client)
                await self.async_set_unique_id(account.unique_id, raise_on_progress=False)
                if not vendor.unique_id_may_change or account.unique_id == entry.unique_id:
                    self._abort_if_unique_id_mismatch(
                        reason=vendor.form.errors.get("wrong_account", "wrong_account")
                    )
                    return self.async_update_reload_and_abort(entry, data=data)
                try:
                    return await self._async_move_to_unique_id(entry, client, account, data)
                except OmniCamError as err:
                    errors = {"base": _error_key(client, err)}
        return self._form(step_id, schema, _shown(errors), {"account": entry.title})

    async def _async_move_to_unique_id(
        self,
        entry: ConfigEntry,
        client: VendorClient,
        account: Account,
        data: dict[str, Any],
    ) -> ConfigFlowResult:
        """Give the entry the unique id of new data that reaches the same cameras."""
        self._abort_if_unique_id_configured()  # another entry holds that account already
        if not await self._async_reaches_entry_cameras(entry, client):
            return self.async_abort(reason="wrong_account")
        LOGGER.info("%s: the new data reaches the same cameras; new unique id", entry.title)
        await async_rescope(self.hass, entry, entry.unique_id or "", account.unique_id)
        return self.async_update_reload_and_abort(entry, unique_id=account.unique_id, data=data)

    async def _async_reaches_entry_cameras(self, entry: ConfigEntry, client: VendorClient) -> bool:
        """Tell whether a client reaches at least one of the entry's cameras.

        An entry without a camera device proves nothing, so it is refused.
        """
        registry = dr.async_get(self.hass)
        known = {
            identifier
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            for identifier in device.identifiers
        }
        if not known:
            return False
        return any(
            device_identifier(entry, camera_id) in known
            for camera_id in await client.async_get_camera_ids()
        )


def _error_key(client: VendorClient, err: OmniCamError) -> str:
    """Return the form error of a vendor error, in the words of the vendor's form."""
    key = _shared_error_key(client, err)
    return client.form.errors.get(key, key)


def _entry_data(data: Mapping[str, Any], client: VendorClient) -> dict[str, Any]:
    """Return what goes into the entry: the form's data and what the login taught the client."""
    stored = {k: v for k, v in data.items() if k != REPLACE_SESSION}
    return stored | client.stored_config()


def _shown(errors: dict[str, str]) -> dict[str, str]:
    """Return the errors a form shows (not the marker of a session limit to choose from)."""
    return {key: value for key, value in errors.items() if key != CONF_SESSION}


def _shared_error_key(client: VendorClient, err: OmniCamError) -> str:
    """Return the form error every vendor shares for a vendor error."""
    if isinstance(err, CaptchaRequired):
        return "captcha_required"
    if isinstance(err, AuthError):
        return "invalid_auth"
    if isinstance(err, Maintenance):
        return "maintenance"
    if isinstance(err, RateLimited):
        return "rate_limited"
    if isinstance(err, CannotConnect):
        return "cannot_connect"
    if isinstance(err, ClientTooOld):
        return "client_too_old"
    if isinstance(err, WrongServer):
        LOGGER.warning("Not the vendor's server: %s", client.scrub(str(err)))
        return "wrong_server"
    LOGGER.warning("Unexpected answer while adding an account: %s", client.scrub(str(err)))
    return "bad_response"


class OmniCamOptionsFlow(OptionsFlowWithReload):
    """The options the entry's vendor declares (the entry reloads when they change)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the vendor's options."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = VENDORS[self.config_entry.data[CONF_VENDOR]].options
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                form_schema(options), self.config_entry.options
            ),
        )
