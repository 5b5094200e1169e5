"""Make parsed front-matter values JSON-safe without losing them."""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any, Callable


def json_safe(value: Any, warn: Callable[[str, str], None], where: str = "") -> Any:
    """Return `value` with dates as ISO strings and every key a string; `warn(field, msg)`.

    Dates and times keep what the source wrote (a naive time stays naive): the generic path
    renames and reinterprets nothing.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        warn(where, f"{value!r} is not a JSON number; kept as the string {str(value)!r}")
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else _key_text(key)
            if not isinstance(key, str):
                warn(f"{where}.{name}" if where else name,
                     f"key {key!r} is not a string; written as {name!r}")
            out[name] = json_safe(item, warn, f"{where}.{name}" if where else name)
        return out
    if isinstance(value, (list, tuple)):
        return [json_safe(item, warn, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item, warn, where) for item in value), key=repr)
    if isinstance(value, bytes):
        warn(where, "binary value written as base64 text")
        return base64.b64encode(value).decode("ascii")
    warn(where, f"value of type {type(value).__name__} written as text")
    return str(value)


def _key_text(key: Any) -> str:
    """Render a non-string mapping key as text (YAML allows numbers, dates, null as keys)."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (dt.date, dt.time)):
        return key.isoformat()
    return str(key)
