"""Fixtures: real Home Assistant, real vendor simulators on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
import json
import logging
from pathlib import Path
import socket
from typing import Any
from unittest.mock import PropertyMock, patch

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.data import SnapshotCollections
from syrupy.location import PyTestLocation

from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.coordinator import OmniCamCoordinator
from tests.deprecations import DeprecationCatcher, deprecation_lines
from tests.simulators.aipix import AipixSimulator
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.ipcamlive import IPCamLiveSimulator
from tests.simulators.opencamera import OpenCameraSimulator
from tests.simulators.videoloft import VideoloftSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/omnicam."""


MINIMUM_HA = AwesomeVersion(
    json.loads((Path(__file__).parents[1] / "hacs.json").read_text())["homeassistant"]
)
"""The oldest Home Assistant OmniCam supports (hacs.json)."""
NEWER_HA = AwesomeVersion(HA_VERSION) > MINIMUM_HA
"""Whether the Home Assistant under test is newer than the minimum."""
NEWER_HA_SNAPSHOTS = "ha-newer-than-minimum"
"""The directory, in tests/snapshots, of the snapshots of Home Assistant newer than the minimum."""


class OmniCamSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshots, one set per Home Assistant tested.

    Home Assistant serializes some registry fields differently in newer releases (an
    entity's aliases, for one): the minimum's snapshots are in tests/snapshots, those of
    any newer release in tests/snapshots/ha-newer-than-minimum. Both sets hold every
    assertion; each version is compared with its own.
    """

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Return the snapshot directory of the Home Assistant under test."""
        base = Path(super().dirname(test_location=test_location))
        return str(base / NEWER_HA_SNAPSHOTS) if NEWER_HA else str(base)

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        """Return this version's snapshot files: the other set is neither used nor unused."""
        ours = SnapshotCollections()
        for collection in super().discover_snapshots(
            test_location=test_location, ignore_extensions=ignore_extensions
        ):
            if (NEWER_HA_SNAPSHOTS in Path(collection.location).parts) == NEWER_HA:
                ours.add(collection)
        return ours


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> SnapshotAssertion:
    """Return a snapshot assertion with Home Assistant's serializer, in this version's set.

    Made here, as syrupy's own fixture makes it, rather than from the ``snapshot`` fixture
    of pytest-homeassistant-custom-component: with syrupy 6 syrupy's fixture wins over
    that one (so Home Assistant's extension was not used), and with syrupy 5 its assertion,
    made on the way, would find the other version's set and call it unused.
    """
    options = request.config.option
    extra: dict[str, Any] = {}
    if hasattr(options, "update_new_snapshots_only"):  # syrupy 6
        extra["update_new_snapshots_only"] = options.update_new_snapshots_only
    return SnapshotAssertion(
        update_snapshots=options.update_snapshots,
        extension_class=OmniCamSnapshotExtension,
        test_location=PyTestLocation(request.node),
        session=request.session.config._syrupy,  # type: ignore[attr-defined]
        **extra,
    )


@pytest.fixture(autouse=True)
def no_deprecation_warnings() -> Generator[DeprecationCatcher]:
    """Fail the test when Home Assistant logs a deprecation warning about OmniCam.

    Home Assistant reports each deprecated call site once per process: forget what was
    reported, so every test that reaches one fails, not only the first.
    """
    frame._REPORTED_INTEGRATIONS.clear()
    catcher = DeprecationCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)
    if lines := deprecation_lines(catcher.records):
        pytest.fail("Home Assistant warned of deprecations in OmniCam:\n" + "\n".join(lines))


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture everything at DEBUG, so that secret scans see every line."""
    caplog.set_level(logging.DEBUG)


@pytest.fixture
async def ipcamlive(socket_enabled: None) -> AsyncGenerator[IPCamLiveSimulator]:
    """Run an IPCamLive simulator on loopback (sockets allowed for this test)."""
    sim = IPCamLiveSimulator()
    sim.draw_snapshots = False
    await sim.start()
    yield sim
    await sim.stop()


def ipcamlive_entry(sim: IPCamLiveSimulator, **data: str) -> MockConfigEntry:
    """Return a config entry for the simulated IPCamLive account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="IPCamLive",
        unique_id="ipcamlive-test",
        data={"vendor": "ipcamlive", "api_key": sim.secret, "url": sim.url} | data,
    )


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, ipcamlive: IPCamLiveSimulator) -> MockConfigEntry:
    """Set up an IPCamLive entry against the simulator."""
    entry = ipcamlive_entry(ipcamlive)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def assert_no_secret(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    """Fail when any captured log line holds a secret."""
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        for secret in secrets:
            assert secret not in text, f"secret leaked in log: {record.name}"


@pytest.fixture
def closed_port(socket_enabled: None) -> int:
    """Return a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled, for snapshots."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
async def videoloft(socket_enabled: None) -> AsyncGenerator[VideoloftSimulator]:
    """Run a Videoloft simulator (authenticators, 2 loggers, 2 Wowza) on loopback."""
    sim = VideoloftSimulator()
    sim.draw_snapshots = False
    await sim.start()
    yield sim
    await sim.stop()


def videoloft_entry(sim: VideoloftSimulator, **data: str) -> MockConfigEntry:
    """Return a config entry for the simulated Videoloft login."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Videoloft ({sim.email})",
        unique_id=str(sim.uid),
        data={
            "vendor": "videoloft",
            "email": sim.email,
            "password": sim.password,
            "url": sim.auth_url,
        }
        | data,
    )


@pytest.fixture
async def videoloft_loaded(hass: HomeAssistant, videoloft: VideoloftSimulator) -> MockConfigEntry:
    """Set up a Videoloft entry against the simulator, with its feeds connected."""
    entry = videoloft_entry(videoloft)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(lambda: all(f.connected for f in entry.runtime_data.coordinator.feeds.values()))
    return entry


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (real time) until a condition holds; fail when it does not in time."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def amcrest_entry(sim: AmcrestSimulator, **data: object) -> MockConfigEntry:
    """Return a config entry for the simulated Amcrest device."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{sim.model} ({sim.host})",
        unique_id=sim.serial,
        data={
            "vendor": "amcrest",
            "host": sim.host,
            "port": sim.port,
            "username": sim.username,
            "password": sim.password,
            "ssl": False,
            "verify_ssl": True,
        }
        | data,
    )


def coordinator_of(entry: MockConfigEntry) -> OmniCamCoordinator:
    """Return the coordinator of a loaded entry."""
    coordinator: OmniCamCoordinator = entry.runtime_data.coordinator
    return coordinator


async def setup_amcrest(hass: HomeAssistant, sim: AmcrestSimulator) -> MockConfigEntry:
    """Set up an entry for the simulated device and wait until its event stream is up."""
    entry = amcrest_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = coordinator_of(entry)
    await wait_for(lambda: all(feed.connected for feed in coordinator.feeds.values()))
    return entry


@pytest.fixture
async def opencamera_sim(socket_enabled: None) -> AsyncGenerator[OpenCameraSimulator]:
    """Run an OpenCamera simulator as the real opencamd daemon: only live sessions work."""
    sim = OpenCameraSimulator(mode="daemon")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def opencamera_full_sim(socket_enabled: None) -> AsyncGenerator[OpenCameraSimulator]:
    """Run an OpenCamera simulator with the full API (token, device, system, VOD)."""
    sim = OpenCameraSimulator(mode="full")
    await sim.start()
    yield sim
    await sim.stop()


def opencamera_entry(sim: OpenCameraSimulator, **data: object) -> MockConfigEntry:
    """Return a config entry for the simulated OpenCamera (unique id: uuid, else host:port)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"OpenCamera {sim.host}:{sim.port}",
        unique_id=sim.uuid if sim.mode == "full" else f"{sim.host}:{sim.port}",
        data={
            "vendor": "opencamera",
            "url": sim.url,
            "username": sim.username,
            "password": sim.password,
        }
        | data,
    )


@pytest.fixture
async def aipix_sim(socket_enabled: None) -> AsyncGenerator[AipixSimulator]:
    """Run an AIPIX server simulator (release 25.06, 3 cameras) on loopback."""
    sim = AipixSimulator()
    await sim.start()
    yield sim
    await sim.stop()


def aipix_entry(sim: AipixSimulator, **data: object) -> MockConfigEntry:
    """Return a config entry for the simulated AIPIX server and user."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"AIPIX ({sim.login})",
        unique_id=sim.unique_id,
        data={
            "vendor": "aipix",
            "url": sim.url,
            "username": sim.login,
            "password": sim.password,
            "verify_ssl": False,
        }
        | data,
    )
