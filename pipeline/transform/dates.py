"""Read legacy dates in their many shapes and write them as ISO 8601.

Documents name their own format in moment.js / Day.js tokens (`MMM DD, YYYY`). Those tokens are
translated to a `strptime` pattern here because strptime matches the whole string strictly
(arrow's token parser also accepts trailing junk such as `Jan 29, 2025 xyz`, which must be an
error) and needs no extra dependency; the translation table is the only hand-written part.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from pipeline.errors import DateError

# Longest tokens first so `MMMM` is not read as `MM` twice.
_TOKENS = [
    ("YYYY", "%Y"), ("YY", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%m"),
    ("Do", "%d"), ("DD", "%d"), ("D", "%d"), ("dddd", "%A"), ("ddd", "%a"),
    ("HH", "%H"), ("H", "%H"), ("hh", "%I"), ("h", "%I"), ("mm", "%M"), ("m", "%M"),
    ("ss", "%S"), ("s", "%S"), ("SSSSSS", "%f"), ("SSS", "%f"), ("A", "%p"), ("a", "%p"),
    ("ZZ", "%z"), ("Z", "%z"),
]
_TOKEN_RE = re.compile(r"\[[^\]]*\]|" + "|".join(re.escape(t) for t, _ in _TOKENS))
_TOKEN_MAP = dict(_TOKENS)
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S")
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def moment_to_strptime(fmt: str) -> tuple[str, bool, bool]:
    """Translate moment.js tokens to a strptime pattern; return (pattern, has_time, ordinal)."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(fmt):
        out.append(fmt[pos:match.start()].replace("%", "%%"))
        token = match.group(0)
        if token.startswith("["):
            out.append(token[1:-1].replace("%", "%%"))  # [literal] text
        else:
            out.append(_TOKEN_MAP[token])
        pos = match.end()
    out.append(fmt[pos:].replace("%", "%%"))
    pattern = "".join(out)
    return pattern, any(d in pattern for d in _TIME_DIRECTIVES), "Do" in fmt


def parse_timezone(offset: str) -> dt.tzinfo:
    """Return a fixed-offset timezone for `+HH:MM`, `-HHMM`, `Z` or `UTC`."""
    if offset.upper() in ("Z", "UTC"):
        return dt.timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", offset)
    if not match:
        raise ValueError(f"not a UTC offset: {offset!r} (use +HH:MM)")
    sign = -1 if match.group(1) == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def format_datetime(value: dt.datetime, naive_tz: dt.tzinfo) -> str:
    """Return `YYYY-MM-DDTHH:MM:SS±HH:MM`, attaching `naive_tz` to a time without an offset."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_tz)
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def _try_iso(text: str) -> dt.date | dt.datetime | None:
    """Parse ISO 8601 (date, or date-time with optional offset); None if it is not ISO."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
                    text, flags=re.IGNORECASE):
        return dt.datetime.fromisoformat(re.sub(r"\s+(?=[Zz+-]\d*:?\d*$)", "", text))
    return None


def _try_format(text: str, fmt: str) -> dt.date | dt.datetime:
    """Parse `text` with a moment.js format; raise ValueError if it does not match exactly."""
    pattern, has_time, ordinal = moment_to_strptime(fmt)
    if ordinal:
        text = _ORDINAL.sub(r"\1", text)
    parsed = dt.datetime.strptime(text, pattern)
    return parsed if has_time or parsed.tzinfo else parsed.date()


def normalise_date(value: object, *, doc_format: str | None = None,
                   formats: tuple[str, ...] = (), naive_tz: dt.tzinfo = dt.timezone.utc,
                   field: str = "date") -> str:
    """Return a legacy date value as ISO 8601; a date-only value is never moved by a timezone."""
    if isinstance(value, dt.datetime):
        return format_datetime(value, naive_tz)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise DateError(f"cannot read date {value!r}: not a date or text", field=field,
                        fix="write the date as YYYY-MM-DD")
    text = value.strip()
    problems: list[str] = []
    candidates: list[str | None] = [None, doc_format, *formats]
    for fmt in candidates:
        try:
            parsed = _try_iso(text) if fmt is None else _try_format(text, fmt)
        except ValueError as err:
            problems.append(str(err))
            continue
        if parsed is None:
            continue
        if isinstance(parsed, dt.datetime):
            return format_datetime(parsed, naive_tz)
        return parsed.isoformat()
    tried = ", ".join(repr(f) for f in candidates[1:] if f) or "none"
    detail = next((p for p in problems if "out of range" in p or "must be in" in p), None)
    raise DateError(
        f"cannot read date {value!r}" + (f" ({detail})" if detail else "")
        + f"; tried ISO 8601 and formats {tried}",
        field=field, fix="write it as YYYY-MM-DD or set date_format to match it",
    )
