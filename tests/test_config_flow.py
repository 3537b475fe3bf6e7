"""Config flow: menu, IPCamLive form, errors, duplicates, reauth, reconfigure."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.const import DOMAIN
from tests.conftest import assert_no_secret, ipcamlive_entry
from tests.simulators.ipcamlive import IPCamLiveSimulator, SimCamera


async def _open_ipcamlive_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["ipcamlive", "videoloft", "amcrest"]
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
    assert result["title"] == "IPCamLive (127.0.0.1)"
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
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ipcamlive: IPCamLiveSimulator
) -> None:
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
    assert loaded_entry.unique_id == "ipcamlive-test"
    assert loaded_entry.state is ConfigEntryState.LOADED


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
