"""Run the OmniCam demo: simulators, a real Home Assistant, onboarding and accounts.

Started by ``scripts/develop``. The Home Assistant configuration lives in ``.develop/``
and is kept between runs; delete that folder to start from scratch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import random
import signal
import sys
from typing import Any

import aiohttp
from homeassistant.util import slugify

from custom_components.omnicam.vendors.ipcamlive import plain_name
from custom_components.omnicam.vendors.videoloft import PTZ_MODELS
from scripts.demo_aipix import (
    AIPIX_PORT,
    ANALYTIC_EVERY,
    SPARE_AIPIX_PORT,
    aipix_account,
    aipix_cards,
    aipix_controls,
    aipix_simulator,
    aipix_title,
    lively_analytics,
    spare_aipix,
)
from tests.simulators.amcrest import AmcrestSimulator
from tests.simulators.ipcamlive import IPCamLiveSimulator, SimCamera
from tests.simulators.opencamera import OpenCameraSimulator
from tests.simulators.videoloft import VideoloftSimulator

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "http://127.0.0.1:8123/"
USER, PASSWORD = "demo", "demo"
IPCAMLIVE_PORT = 8701
VIDEOLOFT_PORT = 8711
"""The first of the Videoloft simulator's ports: authenticators, loggers, Wowza servers."""
AMCREST_PORT = 8721
AMCREST_RTSP_PORT = 8722
AMCREST_CHANNELS = 4
AMCREST_PASSWORD = "demo-amcrest"
SPARE_IPCAMLIVE_PORT = 8702
SPARE_IPCAMLIVE_SECRET = "demo-ipcamlive-spare-secret"
SPARE_VIDEOLOFT_EMAIL = "owner@customer2.example"
SPARE_VIDEOLOFT_PASSWORD = "demo-owner-password"
SPARE_VIDEOLOFT_UID = 400123
"""Customer 2's own login: it sees that customer's cameras (Kitchen and Hall)."""
SPARE_AMCREST_PORT = 8731
SPARE_AMCREST_RTSP_PORT = 8732
SPARE_AMCREST_PASSWORD = "demo-amcrest-spare"
OPENCAMERA_PORT = 8741
"""The OpenCamera that behaves as the real opencamd daemon (live view only; any login)."""
OPENCAMERA_FULL_PORT = 8742
"""The OpenCamera with the full API (token, device, system, recordings)."""
OPENCAMERA_PASSWORD = "demo-opencamera"
SPARE_OPENCAMERA_PORT = 8743
SPARE_OPENCAMERA_PASSWORD = "demo-opencamera-spare"
ALERT_EVERY = 20.0
ALERT_SECONDS = 6.0
MOTION_EVERY = 15.0
MOTION_SECONDS = 4.0
PTZ_BUTTONS = ("ptz_up", "ptz_down", "ptz_left", "ptz_right", "zoom_in", "zoom_out", "ptz_stop")

CONFIGURATION = """\
# Written by scripts/develop. default_config needs go2rtc, so the demo lists what it uses.
homeassistant:
  name: OmniCam demo
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
config:
history:
logbook:
media_source:
stream:
logger:
  default: warning
  logs:
    custom_components.omnicam: debug
"""


def log(message: str) -> None:
    print(f"[develop] {message}", flush=True)


def dashboard(
    cameras: list[tuple[str, list[str]]], controls: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Return the Overview: a live snapshot card per camera with its main entities.

    A camera named in `controls` gets its buttons in an entities card under the snapshot.
    """
    cards: list[dict[str, Any]] = []
    for name, keys in cameras:
        slug = slugify(name)
        card: dict[str, Any] = {
            "type": "picture-glance",
            "title": name,
            "camera_image": f"camera.{slug}",
            "camera_view": "auto",
            "entities": [_entity_id(slug, key) for key in keys],
        }
        buttons = (controls or {}).get(name)
        if buttons:
            card = {
                "type": "vertical-stack",
                "cards": [
                    card,
                    {
                        "type": "entities",
                        "title": f"{name} controls",
                        "entities": [_entity_id(slug, key) for key in buttons],
                    },
                ],
            }
        cards.append(card)
    return {"views": [{"title": "Cameras", "path": "cameras", "cards": cards}]}


def _entity_id(slug: str, key: str) -> str:
    """Return the entity id of a camera's entity: ``binary_sensor.motion`` → its id."""
    domain, suffix = key.split(".")
    return f"{domain}.{slug}_{suffix}"


def ipcamlive_cards(sim: IPCamLiveSimulator) -> list[tuple[str, list[str]]]:
    """Return each simulated camera's name and the entities its plan gives it."""
    return [
        (
            plain_name(camera.name, camera.alias),
            ["binary_sensor.stream"]
            + (["sensor.bandwidth"] if camera.servicetype != "B" else [])
            + (["switch.pin_lock"] if camera.servicetype in "PU" else []),
        )
        for camera in sim.cameras.values()
    ]


def videoloft_name(sim: VideoloftSimulator, uidd: str) -> str:
    """Return a camera's device name as the integration makes it."""
    camera = sim.cameras[uidd]
    if len({cam.owner for cam in sim.cameras.values()}) == 1:
        return camera.name
    return f"{camera.name} ({sim.aliases.get(camera.owner) or camera.owner})"


def videoloft_cards(sim: VideoloftSimulator) -> list[tuple[str, list[str]]]:
    """Return each simulated camera's name and its status sensors."""
    return [
        (
            videoloft_name(sim, uidd),
            ["binary_sensor.live_video", "binary_sensor.online", "binary_sensor.motion"],
        )
        for uidd in sim.cameras
    ]


def videoloft_controls(sim: VideoloftSimulator) -> dict[str, list[str]]:
    """Return the buttons of the cameras that may be controlled: PTZ models and recording."""
    controls: dict[str, list[str]] = {}
    for uidd, camera in sim.cameras.items():
        if "a" not in camera.permissions:
            continue
        buttons = []
        if camera.phoneid.upper().startswith(PTZ_MODELS):
            buttons += [f"button.{key}" for key in PTZ_BUTTONS]
        if camera.recording:
            buttons.append("button.record_event")
        if buttons:
            controls[videoloft_name(sim, uidd)] = buttons
    return controls


async def lively_alerts(
    sim: VideoloftSimulator, every: float = ALERT_EVERY, seconds: float = ALERT_SECONDS
) -> None:
    """Push a motion alert on a random camera now and then, and end it a little later."""
    while True:
        await asyncio.sleep(every * random.uniform(0.75, 1.25))
        uidd = random.choice(list(sim.cameras))
        alert = sim.alert(uidd, magnitude=f"{random.randint(3, 15):02x}")
        log(f"Videoloft: motion on {sim.cameras[uidd].name}")
        try:
            await asyncio.sleep(seconds)
        finally:
            sim.end_alert(uidd, alert)


def videoloft_simulator() -> VideoloftSimulator:
    """Return the demo's Videoloft service: every camera online, and a spare login.

    (The tests' Hall camera is offline; in the demo every camera plays live video.)
    """
    sim = VideoloftSimulator()
    for camera in sim.cameras.values():
        camera.status = "live"
    sim.add_user(
        SPARE_VIDEOLOFT_EMAIL,
        SPARE_VIDEOLOFT_PASSWORD,
        SPARE_VIDEOLOFT_UID,
        {uidd for uidd in sim.cameras if uidd.startswith(f"{SPARE_VIDEOLOFT_UID}.")},
    )
    return sim


def spare_ipcamlive() -> IPCamLiveSimulator:
    """Return a second IPCamLive account, not added: a newcomer adds it in the config flow."""
    return IPCamLiveSimulator(
        secret=SPARE_IPCAMLIVE_SECRET,
        cameras=[
            SimCamera("6d1e2f3a4b5c6", "Boathouse", "S", timelapse=False),
            SimCamera("6d1e2f3a4b5c7", "Jetty", "B", storage=False, timelapse=False),
        ],
    )


def spare_amcrest() -> AmcrestSimulator:
    """Return a single Amcrest camera on the network, not added: a newcomer adds it."""
    sim = AmcrestSimulator(channels=1, serial="AMC0SPARE00000001", password=SPARE_AMCREST_PASSWORD)
    sim.draw_snapshots = True
    return sim


async def start_spares() -> tuple[IPCamLiveSimulator, AmcrestSimulator, OpenCameraSimulator]:
    """Start the spare IPCamLive account, Amcrest camera and OpenCamera (Videoloft's is a login)."""
    cameras, camera, opencamera = spare_ipcamlive(), spare_amcrest(), spare_opencamera()
    await cameras.start(port=SPARE_IPCAMLIVE_PORT)
    await camera.start(port=SPARE_AMCREST_PORT, rtsp_port=SPARE_AMCREST_RTSP_PORT)
    await opencamera.start(port=SPARE_OPENCAMERA_PORT)
    log(
        f"Spare accounts, not added: IPCamLive {cameras.url}, Amcrest camera {camera.url}, "
        f"OpenCamera {opencamera.url}"
    )
    return cameras, camera, opencamera


def opencamera_simulators() -> tuple[OpenCameraSimulator, OpenCameraSimulator]:
    """Return the demo's OpenCameras: one as the real daemon, one with the full API."""
    daemon = OpenCameraSimulator(mode="daemon", uuid="6f1c2a3e-0000-4e5f-9a7b-0c1d2e3f4a01")
    full = OpenCameraSimulator(
        mode="full", password=OPENCAMERA_PASSWORD, uuid="6f1c2a3e-0000-4e5f-9a7b-0c1d2e3f4a02"
    )
    full.recording_now = True  # recorded up to now: stills come from the recording
    for sim in (daemon, full):
        sim.video_size = (640, 360)
    return daemon, full


def spare_opencamera() -> OpenCameraSimulator:
    """Return an OpenCamera with the full API, not added: a newcomer adds it."""
    sim = OpenCameraSimulator(
        mode="full", password=SPARE_OPENCAMERA_PASSWORD, uuid="6f1c2a3e-0000-4e5f-9a7b-0c1d2e3f4a03"
    )
    sim.video_size = (640, 360)
    return sim


def opencamera_title(sim: OpenCameraSimulator) -> str:
    """Return the name OmniCam gives the camera (and its entry): its address."""
    return f"OpenCamera {sim.host}:{sim.port}"


def opencamera_cards(
    daemon: OpenCameraSimulator, full: OpenCameraSimulator
) -> list[tuple[str, list[str]]]:
    """Return the OpenCameras' names and status entities (SD card where the API has it)."""
    return [
        (opencamera_title(daemon), ["binary_sensor.online"]),
        (opencamera_title(full), ["binary_sensor.online", "sensor.sd_card_used"]),
    ]


def amcrest_simulator() -> AmcrestSimulator:
    """Return the demo's recorder: 4 channels, PTZ on 1 (with presets) and 3, recordings."""
    sim = AmcrestSimulator(channels=AMCREST_CHANNELS, password=AMCREST_PASSWORD)
    sim.draw_snapshots = True
    return sim


def amcrest_cards(sim: AmcrestSimulator) -> list[tuple[str, list[str]]]:
    """Return each recorder channel's name (its device name) and its status entities."""
    return [
        (title, ["binary_sensor.motion", "binary_sensor.online", "switch.continuous_recording"])
        for title in sim.titles
    ]


def amcrest_controls(sim: AmcrestSimulator) -> dict[str, list[str]]:
    """Return the PTZ buttons and the preset select of the channels that move."""
    controls: dict[str, list[str]] = {}
    for channel, title in enumerate(sim.titles, start=1):
        if channel not in sim.ptz_channels:
            continue
        controls[title] = [f"button.{key}" for key in PTZ_BUTTONS]
        if sim.presets.get(channel):
            controls[title].append("select.ptz_preset")
    return controls


async def lively_motion(
    sim: AmcrestSimulator, every: float = MOTION_EVERY, seconds: float = MOTION_SECONDS
) -> None:
    """Start motion on a random channel now and then, and stop it a few seconds later."""
    while True:
        await asyncio.sleep(every * random.uniform(0.75, 1.25))
        index = random.randrange(sim.channels)
        sim.emit("VideoMotion", "Start", index, {"RegionName": ["Region1"]})
        log(f"Amcrest: motion on {sim.titles[index]}")
        try:
            await asyncio.sleep(seconds)
        finally:
            sim.emit("VideoMotion", "Stop", index, {"RegionName": ["Region1"]})


def prepare_config(
    config: Path,
    port: int,
    cameras: list[tuple[str, list[str]]],
    controls: dict[str, list[str]] | None = None,
) -> None:
    """Write the configuration and link the integration into it."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "omnicam"
    if not link.is_symlink():
        link.symlink_to(ROOT / "custom_components" / "omnicam")
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    lovelace = storage / "lovelace"
    # Home Assistant moves the Overview to lovelace.lovelace on its first start.
    if not lovelace.exists() and not (storage / "lovelace.lovelace").exists():
        lovelace.write_text(
            json.dumps(
                {
                    "version": 1,
                    "minor_version": 1,
                    "key": "lovelace",
                    "data": {"config": dashboard(cameras, controls)},
                }
            )
        )
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        # Every step but the user is done up front; the user is made through the API.
        # (The core_config step would start flows for integrations the demo has not.)
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics", "integration"]},
                }
            )
        )


async def wait_for_http(
    session: aiohttp.ClientSession, url: str, hass: asyncio.subprocess.Process
) -> None:
    """Wait until Home Assistant answers (the first start installs the frontend)."""
    for _ in range(900):
        if hass.returncode is not None:
            raise SystemExit(
                f"Home Assistant stopped (exit code {hass.returncode}); see the log above"
            )
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(
                f"{url}/api/onboarding", timeout=aiohttp.ClientTimeout(total=2)
            ) as resp:
                if resp.status in (200, 401, 404):
                    return
        await asyncio.sleep(1)
    raise SystemExit("Home Assistant did not start within 15 minutes")


async def onboard(session: aiohttp.ClientSession, url: str) -> None:
    """Create the demo user and finish onboarding, once."""
    async with session.get(f"{url}/api/onboarding") as resp:
        steps = (
            {step["step"]: step["done"] for step in await resp.json()} if resp.status == 200 else {}
        )
    if steps.get("user") is False:
        async with session.post(
            f"{url}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USER,
                "password": PASSWORD,
                "language": "en",
            },
        ) as resp:
            resp.raise_for_status()
        log("created user demo / demo")


async def login(session: aiohttp.ClientSession, url: str) -> str:
    """Log in as the demo user through the normal login flow; return an access token."""
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        },
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": CLIENT_ID, "username": USER, "password": PASSWORD},
    ) as resp:
        result = await resp.json()
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": CLIENT_ID},
    ) as resp:
        resp.raise_for_status()
        return str((await resp.json())["access_token"])


async def keep_http_config(session: aiohttp.ClientSession, url: str, token: str) -> None:
    """Confirm the demo's HTTP settings, which newer releases take from YAML on trial.

    Home Assistant 2026.8 and newer move `http:` from configuration.yaml into storage and
    ask a person to confirm it, or go back after five minutes. Older releases have no
    such command: then there is nothing to confirm.
    """
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        await ws.receive_json()  # auth_ok
        await ws.send_json({"id": 1, "type": "http/config/promote"})
        result = await ws.receive_json()
    if result.get("success"):
        log("confirmed the HTTP settings (listen on 127.0.0.1 only)")


async def add_account(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    vendor: str,
    data: dict[str, Any],
    *,
    title: str | None = None,
) -> None:
    """Add a vendor account through the config flow, as a person would.

    Nothing is done when an entry whose title starts with `title` (by default the
    vendor's name) exists already.
    """
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{url}/api/config/config_entries"
    async with session.get(f"{api}/entry", params={"domain": "omnicam"}, headers=headers) as resp:
        entries = await resp.json()
    if any(entry.get("title", "").startswith(title or vendor_title(vendor)) for entry in entries):
        return
    async with session.post(f"{api}/flow", json={"handler": "omnicam"}, headers=headers) as resp:
        flow = await resp.json()
    async with session.post(
        f"{api}/flow/{flow['flow_id']}", json={"next_step_id": vendor}, headers=headers
    ) as resp:
        flow = await resp.json()
    async with session.post(f"{api}/flow/{flow['flow_id']}", json=data, headers=headers) as resp:
        result = await resp.json()
    if result.get("type") == "abort" and result.get("reason") == "already_configured":
        return
    if result.get("type") != "create_entry":
        raise SystemExit(f"adding the {vendor} account failed: {result}")
    log(f"added the {vendor} account: {result['title']}")


def vendor_title(vendor: str) -> str:
    return {"ipcamlive": "IPCamLive", "videoloft": "Videoloft", "amcrest": "Amcrest"}[vendor]


async def add_accounts(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    *,
    ipcamlive: IPCamLiveSimulator,
    videoloft: VideoloftSimulator,
    amcrest: AmcrestSimulator,
    opencameras: tuple[OpenCameraSimulator, ...],
) -> None:
    """Add an account for every simulator, through the config flow."""
    await add_account(
        session, url, token, "ipcamlive", {"api_key": ipcamlive.secret, "url": ipcamlive.url}
    )
    await add_account(
        session,
        url,
        token,
        "videoloft",
        {"email": videoloft.email, "password": videoloft.password, "url": videoloft.auth_url},
    )
    await add_account(
        session,
        url,
        token,
        "amcrest",
        {
            "host": amcrest.host,
            "port": amcrest.port,
            "username": amcrest.username,
            "password": amcrest.password,
            "ssl": False,
            "verify_ssl": True,
        },
        title=f"{amcrest.model} ({amcrest.host})",
    )
    for camera in opencameras:
        await add_account(
            session,
            url,
            token,
            "opencamera",
            {"url": camera.url, "username": camera.username, "password": camera.password},
            title=opencamera_title(camera),
        )


def log_ready(url: str) -> None:
    log("")
    log(f"Ready: open {url} and log in as demo / demo.")
    log("  Overview: the simulated cameras with live snapshots, sensors and the PIN lock;")
    log(f"  Every ~{ALERT_EVERY:.0f} s a Videoloft camera sees motion (pushed, not polled).")
    log(f"  Every ~{MOTION_EVERY:.0f} s an Amcrest recorder channel sees motion (pushed).")
    log("  Amcrest live view plays from the simulator's RTSP server (H.264, Digest login).")
    log(f"  OpenCamera live view is WebRTC, peer to peer: the daemon on {OPENCAMERA_PORT},")
    log(f"  the full API (SD card, recordings) on {OPENCAMERA_FULL_PORT}.")
    log(f"  Every ~{ANALYTIC_EVERY:.0f} s an AIPIX camera pushes an event (motion mostly).")
    log("  AIPIX Courtyard has PTZ steps and Home position, every AIPIX camera a Mark button.")
    log("  Media > OmniCam: recordings by day, time-lapses, Videoloft events, Amcrest files.")
    log("  Settings > Devices & services > OmniCam: the accounts and their devices.")
    log("  Spare accounts to add yourself (Add entry): see README, Development.")
    log("Press Ctrl-C to stop.")


async def main() -> None:  # noqa: PLR0915 - the demo's steps, in order
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--config", type=Path, default=ROOT / ".develop" / "config")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"

    ipcamlive = IPCamLiveSimulator(secret="demo-ipcamlive-secret")
    await ipcamlive.start(port=IPCAMLIVE_PORT)
    log(f"IPCamLive simulator on {ipcamlive.url} ({len(ipcamlive.cameras)} cameras)")
    videoloft = videoloft_simulator()
    await videoloft.start(base_port=VIDEOLOFT_PORT)
    log(f"Videoloft simulator on {videoloft.auth_url} ({len(videoloft.cameras)} cameras)")
    amcrest = amcrest_simulator()
    await amcrest.start(port=AMCREST_PORT, rtsp_port=AMCREST_RTSP_PORT)
    log(f"Amcrest simulator on {amcrest.url} (an NVR of {amcrest.channels} channels)")
    log(f"Amcrest live video on rtsp://{amcrest.host}:{amcrest.rtsp_port}/cam/realmonitor")
    opencameras = opencamera_simulators()
    await opencameras[0].start(port=OPENCAMERA_PORT)
    await opencameras[1].start(port=OPENCAMERA_FULL_PORT)
    log(f"OpenCamera simulators: {opencameras[0].url} (daemon), {opencameras[1].url} (full API)")
    spares = await start_spares()
    aipix, aipix_spare = aipix_simulator(), spare_aipix()
    await aipix.start(port=AIPIX_PORT)
    await aipix_spare.start(port=SPARE_AIPIX_PORT)
    log(f"AIPIX simulator on {aipix.url} ({len(aipix.cameras)} cameras, release 25.06)")
    log(f"Spare AIPIX server, not added: {aipix_spare.url} (release 23.09)")

    cards = (
        ipcamlive_cards(ipcamlive)
        + videoloft_cards(videoloft)
        + amcrest_cards(amcrest)
        + opencamera_cards(*opencameras)
    )
    controls = videoloft_controls(videoloft) | amcrest_controls(amcrest)
    cards += aipix_cards(aipix)
    controls |= aipix_controls(aipix)
    prepare_config(args.config, args.port, cards, controls)
    log(f"starting Home Assistant with {args.config} (the first start installs the frontend)")
    hass = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "hass"), "-c", str(args.config), env=os.environ.copy()
    )
    alerts = asyncio.ensure_future(lively_alerts(videoloft))
    motion = asyncio.ensure_future(lively_motion(amcrest))
    analytics = asyncio.ensure_future(lively_analytics(aipix, log=log))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_for_http(session, url, hass)
            await onboard(session, url)
            token = await login(session, url)
            await keep_http_config(session, url, token)
            await add_accounts(
                session,
                url,
                token,
                ipcamlive=ipcamlive,
                videoloft=videoloft,
                amcrest=amcrest,
                opencameras=opencameras,
            )
            await add_account(
                session, url, token, "aipix", aipix_account(aipix), title=aipix_title(aipix)
            )
        log_ready(url)
        waiter = asyncio.ensure_future(hass.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        alerts.cancel()
        motion.cancel()
        analytics.cancel()
        if hass.returncode is None:
            log("stopping Home Assistant")
            hass.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(hass.wait(), 60)
            except TimeoutError:
                hass.kill()
        await ipcamlive.stop()
        await videoloft.stop()
        await amcrest.stop()
        await aipix.stop()
        await aipix_spare.stop()
        await asyncio.gather(*(camera.stop() for camera in opencameras))
        await asyncio.gather(*(spare.stop() for spare in spares))
        log("stopped")


if __name__ == "__main__":
    asyncio.run(main())
