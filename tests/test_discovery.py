"""Discovery of devices on the LAN: Home Assistant's DHCP packets fed to the config flow.

A new Amcrest/Dahua device is offered (its login asked, its address filled in); a known
device (one of the MACs its entry keeps) that moved is followed without a prompt and
reloaded; a stored login is never sent anywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
from pathlib import Path

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_IGNORE, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
import pytest_socket

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.vendors import VENDORS, amcrest
from custom_components.omnicam.vendors.amcrest import OUIS, AmcrestClient, network_macs
from custom_components.omnicam.vendors.models import DhcpMatcher, mac_address
from tests.conftest import amcrest_entry, assert_no_secret
from tests.simulators.amcrest import AmcrestSimulator

MANIFEST = Path(__file__).parent.parent / "custom_components" / "omnicam" / "manifest.json"
NOT_OURS = "00:11:22:33:44:55"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amcrest, "AUTH_RETRY_DELAY", 0.0)


@pytest.fixture
def moving_addresses() -> None:
    """Let a device move within the loopback range (127.0.0.2 and .3 besides .1)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "127.0.0.2", "127.0.0.3"])


@pytest.fixture
async def camera(socket_enabled: None) -> AsyncGenerator[AmcrestSimulator]:
    sim = AmcrestSimulator(channels=1)
    await sim.start()
    yield sim
    await sim.stop()


def _packet(ip: str, mac: str, hostname: str = "") -> DhcpServiceInfo:
    """Return what Home Assistant's DHCP watcher hands over: the MAC without colons."""
    return DhcpServiceInfo(ip=ip, hostname=hostname, macaddress=mac.replace(":", ""))


async def _discover(hass: HomeAssistant, info: DhcpServiceInfo):  # type: ignore[no-untyped-def]
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=info
    )


async def _loaded(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


# -- what is matched ---------------------------------------------------------------------


async def test_manifest_lists_exactly_the_vendors_matchers(hass: HomeAssistant) -> None:
    """manifest.json is what the vendor modules declare, and Home Assistant reads it."""
    declared = [
        matcher.manifest()
        for vendor in VENDORS.values()
        if vendor.discovery is not None
        for matcher in vendor.discovery.dhcp
    ]
    # and the devices in the registry with a MAC connection: known devices, whatever their OUI
    expected = [{"registered_devices": True}, *declared]
    assert json.loads(MANIFEST.read_text())["dhcp"] == expected
    assert len(declared) == len(OUIS) == len(set(OUIS))
    loaded = [
        {key: value for key, value in matcher.items() if key != "domain"}
        for matcher in await async_get_dhcp(hass)
        if matcher["domain"] == DOMAIN
    ]
    assert loaded == expected
    for matcher in declared:
        # Home Assistant indexes OUI matchers by their first six characters, upper case.
        assert matcher["macaddress"][:6] == matcher["macaddress"][:6].upper()
        assert matcher["macaddress"][6:] == "*"


def test_only_cloud_vendors_have_no_discovery() -> None:
    assert [key for key, vendor in VENDORS.items() if vendor.discovery] == ["amcrest"]


@pytest.mark.parametrize(
    ("mac", "hostname", "matched"),
    [
        ("3c:ef:8c:01:02:03", "", True),  # Dahua
        ("9C8ECD010203", "anything", True),  # Amcrest, as Home Assistant spells it
        ("a0-60-32-aa-bb-cc", "", True),  # Amcrest, another OUI
        (NOT_OURS, "amc0123456789abcd", False),
        ("40:2c:76:10:00:00", "", False),  # Shanghai Dahua Scale Factory: no camera maker
        ("not a mac", "", False),
    ],
)
def test_dhcp_matchers(mac: str, hostname: str, matched: bool) -> None:
    matchers = AmcrestClient.discovery.dhcp  # type: ignore[union-attr]
    assert any(matcher.matches(mac, hostname) for matcher in matchers) is matched


def test_host_name_patterns_match_lower_case() -> None:
    matcher = DhcpMatcher(hostname="cam-*")
    assert matcher.matches(NOT_OURS, "CAM-Porch")
    assert not matcher.matches(NOT_OURS, "porch-cam")
    assert matcher.manifest() == {"hostname": "cam-*"}
    both = DhcpMatcher(macaddress="9C8ECD*", hostname="cam-*")
    assert both.manifest() == {"hostname": "cam-*", "macaddress": "9C8ECD*"}
    assert not both.matches("9c:8e:cd:00:00:01", "porch")


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("3C:EF:8C:01:02:0A", "3c:ef:8c:01:02:0a"),
        ("3c-ef-8c-01-02-0a", "3c:ef:8c:01:02:0a"),
        ("3cef.8c01.020a", "3c:ef:8c:01:02:0a"),
        (" 3cef8c01020a\r", "3c:ef:8c:01:02:0a"),
        ("00:00:00:00:00:00", None),
        ("3c:ef:8c:01:02", None),
        ("", None),
    ],
)
def test_mac_address_spellings(text: str, mac: str | None) -> None:
    assert mac_address(text) == mac


def test_network_config_gives_every_interface_mac() -> None:
    body = (
        "table.Network.DefaultInterface=eth0\r\n"
        "table.Network.Hostname=IPC\r\n"
        "table.Network.eth0.IPAddress=192.0.2.8\r\n"
        "table.Network.eth0.PhysicalAddress=9C:8E:CD:0A:0B:0C\r\n"
        "table.Network.eth2.PhysicalAddress=9c:8e:cd:0a:0b:0d\r\n"
        "table.Network.eth3.PhysicalAddress=00:00:00:00:00:00\r\n"
        "table.Network.eth4.PhysicalAddress=\r\n"
        "table.Network.eth2.physicaladdress=9c:8e:cd:0a:0b:0d\r\n"
    )
    assert network_macs(amcrest.parse_kv(body)) == ("9c:8e:cd:0a:0b:0c", "9c:8e:cd:0a:0b:0d")
    assert network_macs({}) == ()


async def test_a_mac_that_is_not_ours_is_not_offered(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    result = await _discover(hass, _packet(camera.host, NOT_OURS, "amc0123456789abcd"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"
    assert not hass.config_entries.flow.async_progress()
    assert sum(camera.requests.values()) == 0


# -- a new device ------------------------------------------------------------------------


async def test_new_device_is_offered_and_added_with_the_login_typed(
    hass: HomeAssistant, camera: AmcrestSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    mac = camera.macs["eth0"]
    result = await _discover(hass, _packet(camera.host, mac, "amc0123456789abcd"))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {
        "name": "Amcrest/Dahua (amc0123456789abcd)",
        "host": camera.host,
    }
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["title_placeholders"] == {"name": "Amcrest/Dahua (amc0123456789abcd)"}
    assert flow["context"]["unique_id"] == mac
    schema = result["data_schema"].schema
    suggested = {str(key): (key.description or {}).get("suggested_value") for key in schema}
    assert suggested["host"] == camera.host
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults["port"] == 80
    assert sum(camera.requests.values()) == 0  # nothing is sent before the user logs in

    login = {"host": camera.host, "port": camera.port, "username": camera.username}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], login | {"password": "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], login | {"password": camera.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"{camera.model} ({camera.host})"
    assert result["result"].unique_id == camera.serial
    assert result["data"] == {
        "vendor": "amcrest",
        "host": camera.host,
        "port": camera.port,
        "username": camera.username,
        "password": camera.password,
        "ssl": False,
        "verify_ssl": False,
        "macs": [mac],
    }
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert_no_secret(caplog, camera.password)
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_a_host_typed_over_the_discovered_one_keeps_no_mac(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    """The user points the form elsewhere: the packet's MAC says nothing of that device."""
    camera.macs = {}  # and the device does not tell its own
    result = await _discover(hass, _packet("127.0.0.3", "9c:8e:cd:77:77:77"))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": camera.host,
            "port": camera.port,
            "username": camera.username,
            "password": camera.password,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "macs" not in result["data"]
    await hass.async_block_till_done()
    assert "macs" not in result["result"].data
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_a_second_packet_while_offered_starts_no_second_flow(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    first = await _discover(hass, _packet(camera.host, camera.macs["eth0"]))
    assert first["type"] is FlowResultType.FORM
    again = await _discover(hass, _packet(camera.host, camera.macs["eth0"]))
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_in_progress"


async def test_an_ignored_discovery_stays_ignored(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    mac = camera.macs["eth0"]
    result = await _discover(hass, _packet(camera.host, mac))
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE},
        data={"unique_id": mac, "title": "Amcrest/Dahua"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not hass.config_entries.flow.async_progress()
    for address in (camera.host, "127.0.0.2"):  # seen again, even at another address
        result = await _discover(hass, _packet(address, mac))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured_device"  # the device's words
    assert not hass.config_entries.flow.async_progress()
    assert sum(camera.requests.values()) == 0


# -- a known device ----------------------------------------------------------------------


async def test_the_device_mac_is_kept_in_the_entry_and_the_device_registry(
    hass: HomeAssistant,
    camera: AmcrestSimulator,
    device_registry: dr.DeviceRegistry,
    hass_client,  # type: ignore[no-untyped-def]
) -> None:
    camera.macs["eth2"] = "9c:8e:cd:aa:bb:cc"  # its Wi-Fi
    entry = await _loaded(hass, amcrest_entry(camera))
    assert entry.data["macs"] == sorted(camera.macs.values())
    assert camera.requests["configManager.getConfig"] >= 1
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.connections == {(dr.CONNECTION_NETWORK_MAC, mac) for mac in camera.macs.values()}
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert all(mac not in text for mac in camera.macs.values())
    await hass.config_entries.async_unload(entry.entry_id)


async def test_known_device_at_a_new_address_is_followed_and_reloaded(
    hass: HomeAssistant, camera: AmcrestSimulator, moving_addresses: None
) -> None:
    entry = await _loaded(hass, amcrest_entry(camera))
    mac = entry.data["macs"][0]
    assert entry.title == f"{camera.model} (127.0.0.1)"
    # The router gives the device another address: the same device answers there.
    moved = AmcrestSimulator(channels=1, serial=camera.serial)
    await camera.stop()
    await moved.start(host="127.0.0.2", port=camera.port)
    try:
        result = await _discover(hass, _packet("127.0.0.2", mac, "amc0123456789abcd"))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured_device"
        await hass.async_block_till_done()
        assert entry.data["host"] == "127.0.0.2"
        assert entry.data["port"] == camera.port
        assert entry.data["password"] == camera.password
        assert entry.title == f"{camera.model} (127.0.0.2)"
        assert entry.state is ConfigEntryState.LOADED
        assert moved.requests["magicBox.getSerialNo"] >= 1  # reloaded: set up at the new address
        assert not hass.config_entries.flow.async_progress()
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await moved.stop()


async def test_a_recorder_device_carries_the_mac_not_its_channels(
    hass: HomeAssistant, socket_enabled: None, device_registry: dr.DeviceRegistry
) -> None:
    nvr = AmcrestSimulator(channels=2)
    await nvr.start()
    try:
        entry = await _loaded(hass, amcrest_entry(nvr))
        devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        with_mac = [device for device in devices if device.connections]
        assert len(devices) == 3
        assert [device.name for device in with_mac] == [nvr.machine_name]
        assert with_mac[0].connections == {(dr.CONNECTION_NETWORK_MAC, nvr.macs["eth0"])}
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await nvr.stop()


async def test_a_known_mac_outside_the_ouis_is_followed(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    """A device sold under another brand, added by hand: Home Assistant reports its MAC
    because the registry has it (``registered_devices``), and the entry follows it."""
    entry = amcrest_entry(camera, macs=[NOT_OURS])
    entry.add_to_hass(hass)
    result = await _discover(hass, _packet("127.0.0.2", NOT_OURS))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured_device"
    await hass.async_block_till_done()
    assert entry.data["host"] == "127.0.0.2"


async def test_known_device_at_the_same_address_changes_nothing(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    entry = await _loaded(hass, amcrest_entry(camera))
    before, title = dict(entry.data), entry.title
    serials = camera.requests["magicBox.getSerialNo"]
    result = await _discover(hass, _packet(camera.host, entry.data["macs"][0]))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured_device"
    await hass.async_block_till_done()
    assert dict(entry.data) == before
    assert entry.title == title
    assert camera.requests["magicBox.getSerialNo"] == serials  # not reloaded
    await hass.config_entries.async_unload(entry.entry_id)


async def test_an_entry_that_names_its_device_by_host_name_is_left_alone(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    """A host name follows the device by itself: no address is written over it."""
    entry = amcrest_entry(camera, host="frontdoor.lan", macs=[camera.macs["eth0"]])
    entry.add_to_hass(hass)
    result = await _discover(hass, _packet("127.0.0.2", camera.macs["eth0"]))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured_device"
    await hass.async_block_till_done()
    assert entry.data["host"] == "frontdoor.lan"
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_an_unknown_mac_at_an_entry_address_is_not_offered(
    hass: HomeAssistant, camera: AmcrestSimulator
) -> None:
    """An entry from before its MAC was read: a packet from its address is that device."""
    entry = amcrest_entry(camera)
    entry.add_to_hass(hass)
    result = await _discover(hass, _packet(camera.host, "9c:8e:cd:12:34:56"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured_device"
    assert sum(camera.requests.values()) == 0


async def test_a_login_that_reaches_a_device_already_added_moves_its_entry(
    hass: HomeAssistant,
    camera: AmcrestSimulator,
    caplog: pytest.LogCaptureFixture,
    moving_addresses: None,
) -> None:
    """No MAC known (old firmware): the device is offered; the login typed names its serial."""
    camera.macs = {}
    entry = await _loaded(hass, amcrest_entry(camera))
    assert "macs" not in entry.data
    other = AmcrestSimulator(channels=1, serial="AMC0000ELSEWHERE1")
    moved = AmcrestSimulator(channels=1, serial=camera.serial)
    moved.macs = {}
    await camera.stop()
    await moved.start(host="127.0.0.2", port=camera.port)
    await other.start(host="127.0.0.3", port=camera.port)
    try:
        # A stranger of ours at another address: offered, and never sent the stored login.
        result = await _discover(hass, _packet("127.0.0.3", "9c:8e:cd:00:00:03"))
        assert result["step_id"] == "discovery_confirm"
        assert other.unauthorized == 0
        assert sum(other.requests.values()) == 0
        hass.config_entries.flow.async_abort(result["flow_id"])

        result = await _discover(hass, _packet("127.0.0.2", "9c:8e:cd:00:00:02"))
        assert result["step_id"] == "discovery_confirm"
        assert sum(moved.requests.values()) == 0
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "host": "127.0.0.2",
                "port": camera.port,
                "username": camera.username,
                "password": camera.password,
            },
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured_device"
        await hass.async_block_till_done()
        assert entry.data["host"] == "127.0.0.2"
        assert entry.state is ConfigEntryState.LOADED
        assert len(hass.config_entries.async_entries(DOMAIN)) == 1
        assert_no_secret(caplog, camera.password)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await moved.stop()
        await other.stop()
