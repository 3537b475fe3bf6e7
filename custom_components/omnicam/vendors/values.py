"""Reading values out of a vendor's JSON, whatever type the vendor chose to send.

Vendors send numbers as strings, booleans as numbers, and objects where a string was
expected. These read what is there and answer None (or an empty dict) for anything else,
so that a client never crashes on an odd answer.
"""

from __future__ import annotations

import math
from typing import Any


def as_dict(value: Any) -> dict[str, Any]:
    """Return an object as it is, anything else as an empty one."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    """Return a value as stripped text; None for nothing, empty text, objects and booleans."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def as_int(value: Any) -> int | None:
    """Return an integer sent as a number or as digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_flag(value: Any) -> bool | None:
    """Return a boolean sent as a bool, a number or a word; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1", "yes", "on"):
            return True
        if word in ("false", "0", "no", "off", ""):
            return False
    return None
