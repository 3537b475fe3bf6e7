"""The demo's AIPIX server: a handful of cameras, one PTZ, archive, marks and pushed motion.

Used by ``scripts/demo.py``: the AIPIX account the demo adds itself (release 25.06) and a
spare server of the oldest release (23.09) for a newcomer to add in the config flow.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

from tests.simulators.aipix import AipixSimulator, SimCamera, default_ranges

AIPIX_PORT = 8751
SPARE_AIPIX_PORT = 8752
SPARE_AIPIX_LOGIN = "installer"
SPARE_AIPIX_PASSWORD = "demo-aipix-spare"
ANALYTIC_EVERY = 25.0
"""About how often (seconds) an AIPIX camera's analytics push an event."""
PTZ_KEYS = (
    "ptz_up",
    "ptz_down",
    "ptz_left",
    "ptz_right",
    "zoom_in",
    "zoom_out",
    "home_position",
)
"""The entity suffixes of an AIPIX PTZ camera's buttons: steps and home, no stop."""
NAMES = ("Main Entrance", "Courtyard", "Bike Shed", "Playground", "Underground Garage")
PLATES = ("AB123C", "XK-42-PL", "M 7701 OK")

_LOGGER = logging.getLogger(__name__)


def _cameras(names: tuple[str, ...], first_id: int) -> list[SimCamera]:
    return [
        SimCamera(
            id=first_id + n,
            name=name,
            group_id=190 if n < 3 else 191,
            address=f"{12 + n} Harbour Street",
            ptz=n == 1,
            type="media_server_v2" if n != 1 else "onvif_ptz",
            archive_ranges=default_ranges(days=3, seed=n),
            ip=f"10.20.0.{11 + n}",
        )
        for n, name in enumerate(names)
    ]


def aipix_simulator() -> AipixSimulator:
    """Return the demo's AIPIX server (25.06): five cameras, Courtyard PTZ, a history."""
    sim = AipixSimulator(cameras=_cameras(NAMES, 1201))
    sim.groups = {190: "Building A", 191: "Grounds"}
    sim.user_name = "Demo Resident"
    now = time.time()
    for n, cam in enumerate(sim.cameras.values()):
        for hours in range(2, 60, 7):
            kind = ("motion_detect", "line_intersection", "loud_sound")[(hours + n) % 3]
            sim.add_event(cam.id, kind, when=now - hours * 3600 - n * 97, analytic=True)
        sim.add_mark(cam.id, "Delivery", now - (5 + n) * 3600)
        sim.add_mark(cam.id, "Checked by the caretaker", now - (29 + n) * 3600)
    return sim


def spare_aipix() -> AipixSimulator:
    """Return a second AIPIX server, of the oldest release, not added: a newcomer adds it."""
    sim = AipixSimulator(release="23.09", cameras=_cameras(("Gatehouse", "Loading Bay"), 3101))
    sim.login, sim.password = SPARE_AIPIX_LOGIN, SPARE_AIPIX_PASSWORD
    sim.user_id, sim.user_name = 31, "Site Installer"
    sim.groups = {190: "Depot", 191: "Depot"}
    return sim


def aipix_title(sim: AipixSimulator) -> str:
    """Return the title OmniCam gives the account: the user's name at the server."""
    return f"{sim.user_name} @ {sim.host}"


def aipix_cards(sim: AipixSimulator) -> list[tuple[str, list[str]]]:
    """Return each camera's name and its status entities."""
    return [
        (
            cam.name,
            ["binary_sensor.online", "binary_sensor.motion", "binary_sensor.archive_recording"],
        )
        for cam in sim.cameras.values()
    ]


def aipix_controls(sim: AipixSimulator) -> dict[str, list[str]]:
    """Return the buttons: PTZ steps and home on the PTZ camera, Mark on every camera."""
    return {
        cam.name: [f"button.{key}" for key in PTZ_KEYS if cam.ptz] + ["button.mark"]
        for cam in sim.cameras.values()
    }


def aipix_account(sim: AipixSimulator) -> dict[str, Any]:
    """Return what a person types in the config flow for the server."""
    return {"url": sim.url, "username": sim.login, "password": sim.password, "verify_ssl": False}


async def lively_analytics(
    sim: AipixSimulator, every: float = ANALYTIC_EVERY, log: Any = _LOGGER.info
) -> None:
    """Push an analytic event on a random camera now and then: mostly motion."""
    while True:
        await asyncio.sleep(every * random.uniform(0.75, 1.25))
        cam = random.choice(list(sim.cameras.values()))
        kind = random.choice(("motion_detect",) * 4 + ("line_intersection", "license_plate"))
        extra = {"license_plate": random.choice(PLATES)} if kind == "license_plate" else {}
        await sim.push_analytic(cam.id, kind, **extra)
        log(f"AIPIX: {kind.replace('_', ' ')} on {cam.name}")
