"""The tagged JSON form in which the core's differential tests compare values.

Python and Rust values are both turned into this form, so that True, 1 and 1.0, a date and its
ISO text, or a list and a mapping never compare as equal: `{"int": "1"}`, `{"float": "1.0"}`,
`{"bool": true}`, `{"str": "..."}`, `{"date": "2025-01-29"}`, `{"datetime": "..."}`,
`{"seq": [...]}`, `{"map": [[key, value], ...]}`, and null. Floats carry Python's repr.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def tagged(value: Any) -> Any:
    """The tagged form of a Python value (as PyYAML or the transform builds it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, list):
        return {"seq": [tagged(item) for item in value]}
    if isinstance(value, dict):
        return {"map": [[key if isinstance(key, str) else tagged(key), tagged(item)]
                        for key, item in value.items()]}
    raise TypeError(f"no tagged form for {type(value).__name__}")


def tagged_text(value: Any) -> str:
    """The tagged form as JSON text (what the core's test entry points take and return)."""
    return json.dumps(tagged(value), ensure_ascii=False)


def untagged(form: Any) -> Any:
    """Invert `tagged` (dates stay ISO text: the tests compare tagged forms, not these)."""
    if form is None:
        return None
    (kind, inner), = form.items()
    if kind == "bool":
        return inner
    if kind == "int":
        return int(inner)
    if kind == "float":
        return float(inner)
    if kind in ("str", "date", "datetime"):
        return inner
    if kind == "seq":
        return [untagged(item) for item in inner]
    return {key: untagged(item) for key, item in inner}
