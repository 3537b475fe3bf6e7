"""The suite fails when Home Assistant warns of a deprecation in OmniCam."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component

from custom_components.omnicam.const import DOMAIN
from tests.deprecations import DeprecationCatcher, deprecation_lines


async def test_home_assistants_deprecation_line_is_caught(
    hass: HomeAssistant, no_deprecation_warnings: DeprecationCatcher
) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    catcher = no_deprecation_warnings  # the guard every test runs under
    # What the frame helper logs for a custom integration's deprecated call.
    frame.report_usage(
        "calls `something_old`, which is deprecated",
        breaks_in_ha_version="2099.1.0",
        core_behavior=frame.ReportBehavior.LOG,
        custom_integration_behavior=frame.ReportBehavior.LOG,
        integration_domain=DOMAIN,
    )
    # What an entity platform logs in its own words.
    logging.getLogger("homeassistant.components.event").warning(
        "Entity event.door is a doorbell event entity but does not support the 'ring' "
        "event type. This will stop working in Home Assistant 2027.4, please report it "
        "to the author of the '%s' custom integration",
        DOMAIN,
    )
    # Neither a deprecation nor about OmniCam: not caught.
    logging.getLogger("homeassistant.components.stream").warning("Error from stream worker")
    logging.getLogger("other").warning("Detected that custom integration 'x' is deprecated")
    logging.getLogger("other").info("Detected code that calls something deprecated")
    lines = deprecation_lines(catcher.records)
    assert len(lines) == 2
    assert "something_old" in lines[0]
    assert "Home Assistant 2099.1.0" in lines[0]
    assert "'ring'" in lines[1]
    # The guard would fail this test at its end; these lines were made on purpose.
    catcher.records.clear()


def test_a_test_calling_deprecated_code_is_caught() -> None:
    record = logging.LogRecord(
        "homeassistant.helpers.frame",
        logging.WARNING,
        __file__,
        1,
        "Detected code that calls `async_get_device`. This will stop working in Home "
        "Assistant 2027.8.0, please report this issue",
        None,
        None,
    )
    assert deprecation_lines([record]) == [f"homeassistant.helpers.frame: {record.getMessage()}"]
