"""A vendor is one module: the platforms name no vendor, and a new vendor needs no edit there.

The last test adds a vendor that exists only in this file (a module's worth of client and
declarations, no HTTP) and takes it through the config flow, the entities and a pushed
event, without touching any file of the integration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
import json
from pathlib import Path
import re
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.omnicam.binary_sensor import EVENT_SENSORS
from custom_components.omnicam.const import DOMAIN
from custom_components.omnicam.vendors import VENDORS
from custom_components.omnicam.vendors.base import VendorClient, read_body
from custom_components.omnicam.vendors.errors import AuthError, BadResponse, NotFound, NotSupported
from custom_components.omnicam.vendors.models import (
    Account,
    Camera,
    CameraEvent,
    CameraStatus,
    Capability,
    EventKind,
    FieldType,
    FormField,
    MediaKind,
    PtzDirection,
    RealtimeUpdate,
    RecordMode,
    StreamSource,
    VendorForm,
)
from tests.conftest import wait_for

COMPONENT = Path(__file__).parent.parent / "custom_components" / "omnicam"

NEUTRAL_FILES = (
    "config_flow.py",
    "binary_sensor.py",
    "sensor.py",
    "camera.py",
    "button.py",
    "media_source.py",
    "views.py",
    "event.py",
    "select.py",
    "switch.py",
    "entity.py",
    "diagnostics.py",
    "logs.py",
    "coordinator.py",
    "__init__.py",
    "webrtc.py",
)
"""Files that adding a vendor must not need to touch."""

KNOWN_VENDORS = ("ipcamlive", "videoloft", "manything", "amcrest", "dahua", "aipix", "opencamera")


def _vendor_names() -> set[str]:
    names = set(KNOWN_VENDORS)
    for key, client in VENDORS.items():
        names |= {key.lower(), client.manufacturer.lower()}
    return names


@pytest.mark.parametrize("name", NEUTRAL_FILES)
def test_platform_files_name_no_vendor(name: str) -> None:
    text = (COMPONENT / name).read_text().lower()
    hits = sorted(vendor for vendor in _vendor_names() if vendor in text)
    assert not hits, f"{name} names {hits}: move it behind the vendor vocabulary"


def test_vendor_modules_are_free_of_home_assistant() -> None:
    for path in (COMPONENT / "vendors").glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) (homeassistant|voluptuous)\b", text, re.M), path


def test_every_state_kind_has_one_binary_sensor() -> None:
    assert set(EVENT_SENSORS) == set(EventKind) - {EventKind.RING}
    strings = json.loads((COMPONENT / "strings.json").read_text())
    names = strings["entity"]["binary_sensor"]
    for kind, description in EVENT_SENSORS.items():
        assert description.key == kind.value
        # Named by its translation, or by its device class (Motion, Sound, Tamper).
        assert description.translation_key in names or (
            description.translation_key is None and description.device_class is not None
        )


def test_renamed_event_keys_name_a_kind() -> None:
    """Event sensors keyed by a vendor code ("VideoMotion", "audio") move to their kind."""
    for vendor in ("amcrest", "videoloft"):
        renamed = VENDORS[vendor].legacy_entity_keys
        assert renamed
        assert set(renamed.values()) <= {kind.value for kind in EVENT_SENSORS}, vendor
    assert VENDORS["amcrest"].legacy_entity_keys["VideoMotion"] == "motion"
    assert VENDORS["videoloft"].legacy_entity_keys["audio"] == "sound"


def test_every_vendor_declaration_is_translated() -> None:
    """A vendor's strings: menu option, form step, reauth and reconfigure, options, plans."""
    for path in ("strings.json", "translations/en.json"):
        strings = json.loads((COMPONENT / path).read_text())
        steps = strings["config"]["step"]
        for vendor, client in VENDORS.items():
            keys = [field.key for field in client.form.fields]
            assert vendor in steps["user"]["menu_options"], (path, vendor)
            assert set(keys) <= set(steps[vendor]["data"]), (path, vendor)
            assert set(client.form.secrets) <= set(steps["reauth_confirm"]["data"]), vendor
            assert set(client.form.secrets) <= set(keys), vendor
            assert set(client.form.identity) <= set(keys), vendor
            assert set(keys) <= set(steps["reconfigure"]["data"]), (path, vendor)
            options = strings["options"]["step"]["init"]["data"]
            assert {field.key for field in client.options} <= set(options), vendor
            plans = strings["entity"]["sensor"]["service_level"]["state"]
            assert set(client.service_levels) <= set(plans), vendor


def test_every_form_error_is_translated() -> None:
    strings = json.loads((COMPONENT / "strings.json").read_text())
    source = (COMPONENT / "config_flow.py").read_text()
    errors = set(re.findall(r'(?:"base": |return |: )"([a-z_]+)"', source))
    assert {"invalid_auth", "cannot_connect", "bad_response", "unknown", "invalid_url"} <= errors
    assert errors <= set(strings["config"]["error"])
    reasons = set(re.findall(r'reason="([a-z_]+)"', source))
    assert reasons <= set(strings["config"]["abort"])


# -- a vendor that lives only here -------------------------------------------------------

CONF_TOKEN = "token"
CONF_SITE = "site"


class LakesideClient(VendorClient):
    """A made-up cloud whose whole integration is this class: no edit anywhere else."""

    vendor = "lakeside"
    manufacturer = "Lakeside"
    form = VendorForm(
        fields=(
            FormField(CONF_SITE, FieldType.TEXT),
            FormField(CONF_TOKEN, FieldType.PASSWORD),
            FormField("port", FieldType.PORT, default=8443),
            FormField("url", FieldType.URL, required=False, default="https://lakeside.invalid"),
        ),
        secrets=(CONF_TOKEN,),
        identity=(CONF_SITE,),
    )
    service_levels = ("free", "pro")
    event_hold_seconds = None
    feed: asyncio.Queue[RealtimeUpdate] | None = None

    def __init__(self, session: aiohttp.ClientSession, site: str, token: str) -> None:
        """Keep the site and its token."""
        super().__init__(session)
        self._site, self._token = site, token

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any]
    ) -> LakesideClient:
        """Build the client from the entry's data."""
        return cls(session, config[CONF_SITE], config[CONF_TOKEN])

    def secrets(self) -> Sequence[str]:
        """Return the token."""
        return (self._token,)

    async def async_get_account(self) -> Account:
        """Accept one token."""
        if self._token != "good-token":
            raise AuthError("token refused")
        return Account(unique_id=f"lakeside-{self._site}", title=f"Lakeside {self._site}")

    async def async_get_cameras(self) -> list[Camera]:
        """Return one camera that reports people, wind (no kind) and its plan."""
        return [
            Camera(
                id="pier",
                name="Pier",
                manufacturer=self.manufacturer,
                capabilities=frozenset(
                    {Capability.MOTION, Capability.SERVICE_LEVEL, Capability.ONLINE_STATE}
                ),
                event_types=(EventKind.PERSON,),
                event_codes=("human", "wind"),
            )
        ]

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """Every camera is online on the pro plan."""
        return {camera.id: CameraStatus(online=True, service_level="pro") for camera in cameras}

    async def async_get_stream_source(self, camera_id: str) -> StreamSource:
        """Never called: the camera has no live stream."""
        raise NotImplementedError

    async def async_get_snapshot(self, camera_id: str, width: int | None = None) -> bytes:
        """Never called: the camera has no snapshot."""
        raise NotImplementedError

    def realtime_groups(self, cameras: Sequence[Camera]) -> dict[str, tuple[str, ...]]:
        """One feed for the site."""
        return {self._site: tuple(camera.id for camera in cameras)}

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hand over what the test puts in the class's queue."""
        queue = LakesideClient.feed = asyncio.Queue()
        on_connect()
        while True:
            on_update(await queue.get())


@pytest.fixture
def lakeside(monkeypatch: pytest.MonkeyPatch) -> type[LakesideClient]:
    """Register the made-up vendor, as its module's line in `vendors/__init__.py` would."""
    monkeypatch.setitem(VENDORS, LakesideClient.vendor, LakesideClient)
    return LakesideClient


async def test_a_new_vendor_is_one_module(
    hass: HomeAssistant, lakeside: type[LakesideClient]
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "lakeside" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "lakeside"}
    )
    assert result["step_id"] == "lakeside"
    assert [str(key) for key in result["data_schema"].schema] == ["site", "token", "port", "url"]
    form = {"site": "north", "token": "bad", "port": "8443", "url": "lakeside.invalid"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"url": "invalid_url"}
    form["url"] = "https://lakeside.invalid"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form | {"token": "good-token"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["port"] == 8443  # the port selector's value is stored as an int
    entry = result["result"]
    assert entry.unique_id == "lakeside-north"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # No options declared: no options flow.
    assert not hass.config_entries.async_get_entry(entry.entry_id).supports_options

    # Entities from the vocabulary: the plan sensor offers the vendor's plans, the kind
    # has its binary sensor, the codes fire the alert entity.
    plan = hass.states.get("sensor.pier_service_plan")
    assert plan.state == "pro"
    assert plan.attributes["options"] == ["free", "pro"]
    person = "binary_sensor.pier_person"
    assert hass.states.get(person).state == "off"
    alert = hass.states.get("event.pier_alert")
    # Only what this camera can report: its kinds, and `other` for codes without one.
    assert alert.attributes["event_types"] == ["person", "other"]
    await wait_for(lambda: lakeside.feed is not None)
    assert lakeside.feed is not None
    lakeside.feed.put_nowait(
        RealtimeUpdate("pier", event=CameraEvent("pier", "human", "1", kind=EventKind.PERSON))
    )
    await wait_for(lambda: hass.states.get(person).state == "on")
    alert = hass.states.get("event.pier_alert")
    assert alert.attributes["event_type"] == "person"
    assert alert.attributes["code"] == "human"
    lakeside.feed.put_nowait(RealtimeUpdate("pier", event=CameraEvent("pier", "wind", "2")))
    await wait_for(lambda: hass.states.get("event.pier_alert").attributes["code"] == "wind")
    assert hass.states.get("event.pier_alert").attributes["event_type"] == "other"
    assert hass.states.get(person).state == "on"  # a code without a kind is no state
    await hass.config_entries.async_unload(entry.entry_id)


# -- the AIPIX vocabulary, through a made-up vendor ----------------------------------------

STEPS = frozenset({Capability.PTZ, Capability.PTZ_STEPS, Capability.PTZ_HOME, Capability.MARK})
ARCHIVE_START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


class HarbourClient(LakesideClient):
    """A made-up server whose PTZ moves by steps, with marks, archive state and alerts.

    Its feed carries the whole account (`realtime_account_wide`); what it was asked to do
    is written in `calls`, and the cameras it lists are `cameras` (tests add to them).
    """

    vendor = "harbour"
    manufacturer = "Harbour"
    realtime_account_wide = True
    calls: ClassVar[list[tuple[str, ...]]] = []
    cameras: ClassVar[list[Camera]] = []
    connects: ClassVar[list[tuple[str, ...]]] = []

    async def async_get_account(self) -> Account:
        """Accept any token."""
        return Account(unique_id=f"harbour-{self._site}", title=f"Harbour {self._site}")

    async def async_get_cameras(self) -> list[Camera]:
        """Return the cameras the test put there."""
        return list(HarbourClient.cameras)

    async def async_get_status(self, cameras: Sequence[Camera]) -> dict[str, CameraStatus]:
        """The quay is blocked (offline with a reason); the others record their archive."""
        return {
            camera.id: CameraStatus(online=False, offline_reason="blocked")
            if camera.id == "quay"
            else CameraStatus(online=True, archive_recording=True, archive_start=ARCHIVE_START)
            for camera in cameras
        }

    async def async_ptz_step(self, camera_id: str, direction: PtzDirection) -> None:
        """Make one step (this vendor has no start and stop)."""
        HarbourClient.calls.append(("step", camera_id, direction.value))

    async def async_ptz_start(self, camera_id: str, direction: PtzDirection) -> None:
        """Start moving (the quay's old-style PTZ)."""
        HarbourClient.calls.append(("start", camera_id, direction.value))

    async def async_ptz_stop(self, camera_id: str) -> None:
        """Stop moving."""
        HarbourClient.calls.append(("stop", camera_id))

    async def async_ptz_home(self, camera_id: str) -> None:
        """Go home."""
        HarbourClient.calls.append(("home", camera_id))

    async def async_create_mark(self, camera_id: str) -> None:
        """Set a mark now."""
        HarbourClient.calls.append(("mark", camera_id))

    async def async_run_realtime(
        self,
        key: str,
        camera_ids: Sequence[str],
        on_connect: Callable[[], None],
        on_update: Callable[[RealtimeUpdate], None],
    ) -> None:
        """Hand over what the test puts in the class's queue; remember each connect."""
        HarbourClient.connects.append(tuple(camera_ids))
        await super().async_run_realtime(key, camera_ids, on_connect, on_update)


def _harbour_camera(camera_id: str, capabilities: frozenset[Capability]) -> Camera:
    return Camera(
        id=camera_id,
        name=camera_id.title(),
        manufacturer=HarbourClient.manufacturer,
        capabilities=capabilities
        | {
            Capability.ONLINE_STATE,
            Capability.MOTION,
            Capability.ARCHIVE_STATE,
            Capability.SNAPSHOT,
        },
        event_types=(EventKind.MOTION, EventKind.FIRE),
        event_codes=("motion_detect", "smoke_fire", "license_plate"),
        alert_kinds=(EventKind.LICENSE_PLATE,),
    )


async def test_steps_home_mark_archive_state_and_an_account_wide_feed(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vocabulary AIPIX brought, for any vendor: nothing here names one.

    A step-moving camera has no PTZ stop button and `ptz_move` makes one step; Home
    position and Mark buttons; archive recording and start; an offline reason; alert kinds
    without a binary sensor; a camera-list change on an account-wide feed adds the camera
    without reconnecting the feed.
    """
    monkeypatch.setitem(VENDORS, HarbourClient.vendor, HarbourClient)
    monkeypatch.setattr(HarbourClient, "calls", [])
    monkeypatch.setattr(HarbourClient, "connects", [])
    monkeypatch.setattr(
        HarbourClient,
        "cameras",
        [
            _harbour_camera("pier", STEPS),
            _harbour_camera("quay", frozenset({Capability.PTZ})),
        ],
    )
    monkeypatch.setattr(LakesideClient, "feed", None)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="harbour-north",
        data={"vendor": "harbour", CONF_SITE: "north", CONF_TOKEN: "t", "port": 8443},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    # PTZ by steps: direction, home and mark buttons, no stop; the quay moves and stops.
    assert hass.states.get("button.pier_ptz_up") is not None
    assert hass.states.get("button.pier_ptz_stop") is None
    assert hass.states.get("button.quay_ptz_stop") is not None
    assert hass.states.get("button.quay_home_position") is None
    for button in ("pier_home_position", "pier_mark", "pier_ptz_left", "quay_ptz_stop"):
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: f"button.{button}"}, blocking=True
        )
    for camera in ("pier", "quay"):
        await hass.services.async_call(
            DOMAIN,
            "ptz_move",
            {ATTR_ENTITY_ID: f"camera.{camera}", "direction": "up", "duration": 0.1},
            blocking=True,
        )
    assert HarbourClient.calls == [
        ("home", "pier"),
        ("mark", "pier"),
        ("step", "pier", "left"),
        ("stop", "quay"),
        ("step", "pier", "up"),  # one step, whatever the duration
        ("start", "quay", "up"),
        ("stop", "quay"),
    ]

    # Archive state; the offline reason is an attribute of the online sensor.
    assert hass.states.get("binary_sensor.pier_archive_recording").state == "on"
    start = hass.states.get("sensor.pier_archive_start")
    assert datetime.fromisoformat(start.state) == ARCHIVE_START
    online = hass.states.get("binary_sensor.quay_online")
    assert online.state == "off"
    assert online.attributes["offline_reason"] == "blocked"
    assert "offline_reason" not in hass.states.get("binary_sensor.pier_online").attributes

    # Fire has a binary sensor, a licence plate only fires the alert (with its data).
    assert hass.states.get("binary_sensor.pier_fire").state == "off"
    assert hass.states.get("binary_sensor.pier_license_plate") is None
    alert = hass.states.get("event.pier_alert")
    assert alert.attributes["event_types"] == ["motion", "fire", "license_plate", "other"]
    await wait_for(lambda: LakesideClient.feed is not None)
    feed = LakesideClient.feed
    assert feed is not None
    plate = CameraEvent(
        "pier", "license_plate", "p1", kind=EventKind.LICENSE_PLATE, data={"plate": "AB123"}
    )
    feed.put_nowait(RealtimeUpdate("pier", event=plate))
    await wait_for(
        lambda: hass.states.get("event.pier_alert").attributes.get("event_type") == "license_plate"
    )
    assert hass.states.get("event.pier_alert").attributes["plate"] == "AB123"

    # A camera appears: the same feed (no reconnect) carries its pushes.
    HarbourClient.cameras.append(_harbour_camera("jetty", STEPS))
    feed.put_nowait(RealtimeUpdate("", cameras_changed=True))
    await wait_for(lambda: hass.states.get("binary_sensor.jetty_motion") is not None)
    feed.put_nowait(
        RealtimeUpdate("jetty", event=CameraEvent("jetty", "smoke_fire", "f1", kind=EventKind.FIRE))
    )
    await wait_for(lambda: hass.states.get("binary_sensor.jetty_fire").state == "on")
    assert HarbourClient.connects == [("pier", "quay")]
    assert LakesideClient.feed is feed
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_vendor_has_only_what_it_implements(socket_enabled: None) -> None:
    """What a vendor does not implement answers `NotSupported` (never a crash or a guess).

    The Lakeside client implements only the abstract methods: every optional call of the
    base answers so, and the few with a harmless default give it.
    """
    async with aiohttp.ClientSession() as session:
        client = LakesideClient(session, "north", "good-token")
        kind, day = MediaKind.RECORDING, date(2026, 11, 1)
        calls = [
            client.async_start_live("pier"),
            client.async_list_media("pier", kind),
            client.async_list_media_page("pier", kind),
            client.async_get_thumbnail_location("pier", kind, "1"),
            client.async_get_media_location("pier", kind, "1"),
            client.async_list_media_day("pier", kind, day),
            client.async_set_pin_lock("pier", enabled=True),
            client.async_ptz_step("pier", PtzDirection.UP),
            client.async_ptz_stop("pier"),
            client.async_ptz_home("pier"),
            client.async_create_mark("pier"),
            client.async_list_presets("pier"),
            client.async_goto_preset("pier", "1"),
            client.async_get_record_mode("pier"),
            client.async_set_record_mode("pier", RecordMode.AUTO),
            client.async_trigger_recording("pier"),
            client.async_capture_still("pier"),
            client.async_webrtc_offer("pier", "v=0"),
            client.async_set_ice_servers("pier", ["stun:stun.invalid"]),
            VendorClient.async_run_realtime(client, "north", ["pier"], print, print),
        ]
        for call in calls:
            with pytest.raises(NotSupported):
                await call
        # A page token this client never gave (it arrives from a browser) is not found.
        with pytest.raises(NotFound):
            await client.async_list_media_page("pier", kind, "page-2")
        assert await client.async_get_ice_servers("pier") == []
        assert await client.async_get_camera_ids() == ["pier"]
        assert client.still_taken_at("pier") is None
        assert client.media_day_count("pier") == 0
        await client.async_logout()
        await client.async_close()
        # Secrets are scrubbed from text; an empty one is no secret.
        assert client.scrub("token good-token here") == "token **REDACTED** here"
        assert LakesideClient(session, "north", "").scrub("nothing secret") == "nothing secret"


async def test_read_body_reads_all_or_refuses_a_longer_answer(socket_enabled: None) -> None:
    """A body arriving in pieces is read whole; one longer than the limit is a bad answer."""

    async def pieces(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"x" * 1000)
            await asyncio.sleep(0.01)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/body", pieces)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/body") as resp:
                assert await read_body(resp.content, 4000) == b"x" * 4000
            async with session.get(f"http://127.0.0.1:{port}/body") as resp:
                with pytest.raises(BadResponse, match="longer than 3999 bytes"):
                    await read_body(resp.content, 3999)
    finally:
        await runner.cleanup()
