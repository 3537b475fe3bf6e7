"""Everything a user reads is in strings.json, and the English translation matches it."""

from __future__ import annotations

import json
from pathlib import Path
import re

COMPONENT = Path(__file__).parent.parent / "custom_components" / "omnicam"


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((COMPONENT / name).read_text())


def test_english_translation_is_strings_json() -> None:
    assert _load("translations/en.json") == _load("strings.json")


def test_every_exception_key_is_translated() -> None:
    strings = _load("strings.json")
    used = set()
    for source in COMPONENT.glob("*.py"):
        used |= set(re.findall(r'translation_key="([a-z_]+)"', source.read_text()))
    # Switch errors come from the vendor's ValueError text, which names the key.
    used |= set(
        re.findall(
            r'raise ValueError\("([a-z_]+)"\)', (COMPONENT / "vendors" / "ipcamlive.py").read_text()
        )
    )
    entity_keys = {key for platform in strings["entity"].values() for key in platform}
    missing = used - set(strings["exceptions"]) - entity_keys
    assert not missing


def test_every_form_error_is_translated() -> None:
    strings = _load("strings.json")
    source = (COMPONENT / "config_flow.py").read_text()
    errors = set(re.findall(r'\{"(?:base|url)": "([a-z_]+)"\}', source))
    assert errors
    assert errors <= set(strings["config"]["error"])


def test_every_alert_event_type_is_translated() -> None:
    """The alert entity shows kinds in words, never a vendor's raw code."""
    from custom_components.omnicam.event import ALERT_EVENT_TYPES

    states = _load("strings.json")["entity"]["event"]["alert"]["state_attributes"]
    assert set(states["event_type"]["state"]) == set(ALERT_EVENT_TYPES)
