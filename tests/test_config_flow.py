"""Config flow: menu, vendor forms, errors, duplicates, reauth, reconfigure, options.

Reauth and reconfigure never move an entry to another account, for any vendor.
"""

from __future__ import annotations

import hashlib

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.config_flow import OmniCamConfigFlow
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.vendors import VENDORS
from tests.conftest import amcrest_entry, assert_no_secret, ipcamlive_entry
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.ipcamlive import IPCamLiveSimulator, SimCamera
from tests.simulators.videoloft import VideoloftSimulator


def _ipcamlive_unique_id(url: str, secret: str) -> str:
    """Return the unique id IPCamLive derives from the server and the secret."""
    return "ipcamlive-" + hashlib.sha256(f"{url}\n{secret}".encode()).hexdigest()[:20]


def _entities(registry: er.EntityRegistry, entry: MockConfigEntry) -> dict[str, str]:
    """Return entity id → unique id of an entry's entities."""
    return {
        entity.entity_id: entity.unique_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def _open_ipcamlive_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["ipcamlive", "videoloft", "amcrest", "aipix", "opencamera"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ipcamlive"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ipcamlive"
    return result["flow_id"]


async def test_user_flow_creates_entry(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # IPCamLive names no account: its title names its first cameras.
    assert result["title"] == "IPCamLive: Front Garden, Old Barn and 2 more"
    assert result["data"] == {
        "vendor": "ipcamlive",
        "api_key": ipcamlive.secret,
        "url": ipcamlive.url,
    }
    entry = result["result"]
    assert entry.unique_id.startswith("ipcamlive-")
    assert ipcamlive.secret not in entry.unique_id
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert_no_secret(caplog, ipcamlive.secret)


async def test_two_accounts_of_one_vendor_get_titles_that_tell_them_apart(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    """Every IPCamLive account was "IPCamLive (<server>)": titles now tell accounts apart."""
    other = IPCamLiveSimulator(
        secret="second-account-secret-42", cameras=[SimCamera("6c1d2e3f4a5b6", "<i>Boat</i>")]
    )
    same = IPCamLiveSimulator(secret="third-account-secret-77")
    await other.start()
    await same.start()
    try:
        titles = []
        for sim in (ipcamlive, other, same):
            flow_id = await _open_ipcamlive_form(hass)
            result = await hass.config_entries.flow.async_configure(
                flow_id, {"api_key": sim.secret, "url": sim.url}
            )
            assert result["type"] is FlowResultType.CREATE_ENTRY
            titles.append(result["title"])
            await hass.async_block_till_done()
        # By the cameras a person knows; an ordinal where two accounts look the same.
        assert titles == [
            "IPCamLive: Front Garden, Old Barn and 2 more",
            "IPCamLive: Boat",
            "IPCamLive: Front Garden, Old Barn and 2 more (2)",
        ]
        for entry in hass.config_entries.async_entries(DOMAIN):
            assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await other.stop()
        await same.stop()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("wrong_secret", "invalid_auth"),
        ("html", "bad_response"),
        ("500", "cannot_connect"),
        ("malformed", "bad_response"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, fault: str, error: str
) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    secret = "not-the-secret" if fault == "wrong_secret" else ipcamlive.secret
    ipcamlive.fail = None if fault == "wrong_secret" else fault
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    ipcamlive.fail = None
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_user_flow_cannot_connect(hass: HomeAssistant, closed_port: int) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": "x", "url": f"http://127.0.0.1:{closed_port}"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_invalid_url(hass: HomeAssistant) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": "x", "url": "ipcamlive.com"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"url": "invalid_url"}


async def test_user_flow_unbuildable_url(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    # A URL aiohttp cannot even build a request for: the form says so, nothing crashes.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": "http://[::1"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert_no_secret(caplog, ipcamlive.secret)


async def test_user_flow_already_configured(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    ipcamlive_entry(ipcamlive).add_to_hass(hass)
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_same_account_twice_by_unique_id(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    await hass.async_block_till_done()
    entry = result["result"]
    # The secret is stored, so an identical one aborts before any request; a stored
    # entry with other data but the same account id aborts on the unique id.
    hass.config_entries.async_update_entry(entry, data={**entry.data, "api_key": "changed"})
    flow_id = await _open_ipcamlive_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth_with_new_secret(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    ipcamlive: IPCamLiveSimulator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A new secret that reaches the same cameras moves the entry to its unique id."""
    before = _entities(entity_registry, loaded_entry)
    devices = {
        d.id for d in dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    }
    assert before
    ipcamlive.secret = "rotated-secret-9876543210"
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": ipcamlive.secret}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.data["api_key"] == ipcamlive.secret
    new_id = _ipcamlive_unique_id(ipcamlive.url, ipcamlive.secret)
    assert loaded_entry.unique_id == new_id
    assert loaded_entry.state is ConfigEntryState.LOADED
    # The entities keep their entity ids (and so their history); the devices stay.
    after = _entities(entity_registry, loaded_entry)
    assert after.keys() == before.keys()
    assert all(
        new_id in unique_id and "ipcamlive-test" not in unique_id for unique_id in after.values()
    )
    assert {
        d.id for d in dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    } == devices
    assert hass.states.get("binary_sensor.front_garden_stream").state == "on"
    await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_reauth_new_secret_without_cameras_to_compare_is_refused(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator
) -> None:
    """An entry that never had a camera cannot tell its account: a new secret is refused."""
    entry = ipcamlive_entry(ipcamlive, api_key="old-secret")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": ipcamlive.secret}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.unique_id == "ipcamlive-test"
    assert entry.data["api_key"] == "old-secret"


async def test_reauth_with_the_secret_of_another_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    """A new secret whose account is already another entry never makes a second one."""
    other = MockConfigEntry(
        domain=DOMAIN,
        title="IPCamLive (again)",
        unique_id=_ipcamlive_unique_id(ipcamlive.url, "rotated-secret-9876543210"),
        data={"vendor": "ipcamlive", "api_key": "rotated-secret-9876543210", "url": "x"},
    )
    other.add_to_hass(hass)
    ipcamlive.secret = "rotated-secret-9876543210"
    result = await loaded_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": ipcamlive.secret}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert loaded_entry.unique_id == "ipcamlive-test"
    await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_reauth_refuses_another_account(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    other = IPCamLiveSimulator(
        secret="other-account-secret", cameras=[SimCamera("99aa", "Elsewhere")]
    )
    await other.start()
    try:
        hass.config_entries.async_update_entry(
            loaded_entry, data={**loaded_entry.data, "url": other.url}
        )
        result = await loaded_entry.start_reauth_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"api_key": other.secret}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "wrong_account"
        assert loaded_entry.unique_id == "ipcamlive-test"
        assert loaded_entry.data["api_key"] != other.secret
    finally:
        await hass.config_entries.async_unload(loaded_entry.entry_id)
        await other.stop()


async def test_reconfigure_to_another_server(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    mirror = IPCamLiveSimulator(secret=ipcamlive.secret)
    await mirror.start()
    try:
        result = await loaded_entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"api_key": ipcamlive.secret, "url": mirror.url}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert loaded_entry.data["url"] == mirror.url
        assert loaded_entry.state is ConfigEntryState.LOADED
        assert mirror.requests["getcameras"] >= 1
        # The server is part of IPCamLive's unique id; the same cameras let it move.
        assert loaded_entry.unique_id == _ipcamlive_unique_id(mirror.url, ipcamlive.secret)
    finally:
        await hass.config_entries.async_unload(loaded_entry.entry_id)
        await mirror.stop()


async def test_reconfigure_errors(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    ipcamlive.fail = "500"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    ipcamlive.fail = None
    await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_reconfigure_to_another_account_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
    other = IPCamLiveSimulator(secret="other-account-secret", cameras=[SimCamera("77bb", "Shed")])
    await other.start()
    try:
        result = await loaded_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"api_key": other.secret, "url": other.url}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "wrong_account"
        assert loaded_entry.data["url"] == ipcamlive.url
        assert loaded_entry.unique_id == "ipcamlive-test"
    finally:
        await hass.config_entries.async_unload(loaded_entry.entry_id)
        await other.stop()


async def test_videoloft_reauth_reaching_another_account_aborts(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    """The login now names another account (uid): reauth refuses to move the entry."""
    videoloft.password = "changed"
    videoloft.uid = 67890
    result = await videoloft_loaded.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "changed"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert videoloft_loaded.unique_id == "12345"
    assert videoloft_loaded.data["password"] != "changed"
    await hass.config_entries.async_unload(videoloft_loaded.entry_id)


async def test_videoloft_reconfigure_to_an_owner_login_that_sees_the_cameras_aborts(
    hass: HomeAssistant, videoloft: VideoloftSimulator, videoloft_loaded: MockConfigEntry
) -> None:
    """An owner's login sees the installer's cameras, yet it is another account."""
    videoloft.add_user("owner@example.com", "owner-pass", 329475, set(videoloft.cameras))
    result = await videoloft_loaded.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"email": "owner@example.com", "password": "owner-pass", "url": videoloft.auth_url},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert videoloft_loaded.data["email"] == videoloft.email
    assert videoloft_loaded.unique_id == "12345"
    await hass.config_entries.async_unload(videoloft_loaded.entry_id)


async def test_amcrest_reauth_at_an_address_now_holding_another_device_aborts(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """The entry's address now answers with another device (serial): reauth refuses."""
    first = AmcrestSimulator(channels=1)
    other = AmcrestSimulator(channels=1, serial="AMC0000OTHER00001")
    await first.start()
    await other.start()
    try:
        entry = amcrest_entry(first, host=other.host, port=other.port, password="old")
        entry.add_to_hass(hass)
        result = await entry.start_reauth_flow(hass)
        assert result["step_id"] == "reauth_confirm"
        assert list(result["data_schema"].schema) == ["password"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"password": other.password}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "wrong_account"
        assert entry.unique_id == first.serial
        assert entry.data["password"] == "old"
    finally:
        await first.stop()
        await other.stop()


async def test_options_only_for_vendors_that_declare_them(
    hass: HomeAssistant, ipcamlive: IPCamLiveSimulator, socket_enabled: None
) -> None:
    nvr = AmcrestSimulator(channels=1)
    assert not OmniCamConfigFlow.async_supports_options_flow(ipcamlive_entry(ipcamlive))
    assert OmniCamConfigFlow.async_supports_options_flow(amcrest_entry(nvr))
    assert not OmniCamConfigFlow.async_supports_options_flow(
        MockConfigEntry(domain=DOMAIN, data={"vendor": "gone"})
    )
    entry = amcrest_entry(nvr)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert list(result["data_schema"].schema) == ["substream"]


async def test_a_step_of_no_vendor_does_not_exist(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    assert hasattr(flow, "async_step_videoloft")
    assert not hasattr(flow, "async_step_nobody")
    assert not hasattr(flow, "something_else")
    hass.config_entries.flow.async_abort(result["flow_id"])


@pytest.mark.usefixtures("socket_enabled")
async def test_every_vendor_form_is_the_declared_one(hass: HomeAssistant) -> None:
    """The menu lists every vendor; each form holds the fields its module declares."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"] == list(VENDORS)
    for vendor, client in VENDORS.items():
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": vendor}
        )
        assert result["step_id"] == vendor
        assert [str(key) for key in result["data_schema"].schema] == [
            field.key for field in client.form.fields
        ]
        hass.config_entries.flow.async_abort(result["flow_id"])
