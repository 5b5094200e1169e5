"""The core's date reader against the reference (pipeline/transform/dates.py).

`pipeline_core._normalise_date(tagged_text, doc_format, formats, naive_tz_minutes)` must return
exactly what `normalise_date(value, doc_format=..., formats=..., naive_tz=...)` returns, or
decline (ValueError "declined: ..."), never differ; where the reference raises (DateError, or
anything else) the core must decline. Inputs: YAML dates and datetimes, random dates rendered
through many moment.js formats and then mutated (case, spaces, junk, impossible days, leap
seconds, odd offsets), ISO 8601 in many shapes, random formats, non-ASCII text, the date values
of pipeline.samples, input/, the Knowbase fixtures and ../shared/corpora. The share the core
handles is printed; on the shapes pipeline.samples produces it must be all of them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import samples
from pipeline.errors import DateError
from pipeline.extract import parse_document
from pipeline.transform.dates import _TOKEN_RE, normalise_date
from pipeline.transform.profile import load_profile
from tests.conftest import FIXTURES, INPUT_DIR, SHARED, SUMMARY_LINES
from tests.core.tagged import tagged_text

pipeline_core = pytest.importorskip("pipeline_core")

# CORE_DATES_SCALE=20 multiplies the generated examples for a longer local run.
SCALE = int(os.environ.get("CORE_DATES_SCALE", "1"))
SETTINGS = settings(max_examples=400 * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

DEFAULT = load_profile("default")
OTHERCMS = load_profile(str(FIXTURES / "othercms.profile.yaml"))


def offset_minutes(tz: dt.tzinfo) -> int:
    """A fixed-offset timezone as minutes."""
    offset = tz.utcoffset(None)
    assert offset is not None
    return int(offset.total_seconds() // 60)


PROFILES = {
    "default": (DEFAULT.date_formats, offset_minutes(DEFAULT.timezone)),
    "othercms": (OTHERCMS.date_formats, offset_minutes(OTHERCMS.timezone)),
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Moment formats: the samples', the profiles', and the other shapes legacy exports use, plus
# a few the core must decline (a token twice, non-ASCII text) or the reference cannot read.
FORMATS = [
    "MMM DD, YYYY", "DD/MM/YYYY", *DEFAULT.date_formats, *OTHERCMS.date_formats,
    "D MMMM YYYY", "Do MMM YYYY", "MMMM Do, YYYY", "hh:mm A", "h:mm a", "[on] DD.MM.YYYY", "YY",
    "M/D/YY", "D.M.YYYY", "MM/DD/YYYY", "D MMM YYYY", "DD-MMM-YY", "YYYY/M/D", "YYYYMMDD",
    "YYYYMMDDHHmmss", "DDMMYYYY", "YYYY-MM-DD", "YYYY-MM-DD HH:mm", "YYYY-MM-DD[T]HH:mm:ssZ",
    "YYYY-MM-DDTHH:mm:ss.SSSZ", "YYYY-MM-DD HH:mm:ss.SSSSSS", "ddd, DD MMM YYYY HH:mm:ss ZZ",
    "dddd, MMMM Do YYYY, h:mm:ss a", "[Day] D [of] MMMM YYYY, HH:mm", "H:m:s", "h A", "HH:mm",
    "[100%] YYYY", "YYYY [%d]", "MMM YYYY", "MMMM", "D", "Do", "X", "Q YYYY", "DD DD YYYY",
    "D MMMM [à] YYYY", "", "YYYY-MM-DD Z", "DD.MM.YYYY HH:mm:ss", "[[]YYYY]", "YYYY [", "hh A",
    "YYYY-MM-DDTHH:mm:ssZZ", "MMM D YYYY h:mm A", "D/M/YYYY H:mm",
]


# --------------------------------------------------------------------------------------------
# The comparison


#: Decline reasons the core gives only where it knows the reference raises.
CLAIMS_RAISE = {"unreadable date", "date is not a date or text"}

STATS: Counter[str] = Counter()
DECLINES: Counter[str] = Counter()
SAMPLES = {"returned": 0, "handled": 0}


def core(value: Any, doc_format: str | None, formats: tuple[str, ...], tz: int
         ) -> tuple[str | None, str | None]:
    """The core's text, or None and the decline reason."""
    try:
        return pipeline_core._normalise_date(tagged_text(value), doc_format, list(formats),
                                             tz), None
    except ValueError as error:
        message = str(error)
        assert message.startswith("declined: "), message
        return None, message.removeprefix("declined: ")


def reference(value: Any, doc_format: str | None, formats: tuple[str, ...], tz: int
              ) -> str | None:
    """The reference's text, or None where it raises (DateError, or anything else)."""
    try:
        return normalise_date(value, doc_format=doc_format, formats=tuple(formats),
                              naive_tz=dt.timezone(dt.timedelta(minutes=tz)))
    except DateError:
        return None
    except Exception:  # e.g. re.error for a format with a token twice
        return None


def check(value: Any, doc_format: str | None = None, formats: tuple[str, ...] = (),
          tz: int = 0) -> bool:
    """Hold the core to the reference; True when the core gave the text."""
    expected = reference(value, doc_format, formats, tz)
    got, reason = core(value, doc_format, formats, tz)
    STATS["examples"] += 1
    if expected is None:
        STATS["reference raised"] += 1
        assert got is None, (value, doc_format, formats, tz, got)
        DECLINES[f"{reason} (reference raised)"] += 1
        return False
    STATS["reference read"] += 1
    if got is None:
        # These reasons claim the reference raises: a core that fails to read what the
        # reference reads must not hide behind them.
        assert reason not in CLAIMS_RAISE, (value, doc_format, formats, tz, reason, expected)
        DECLINES[reason or "?"] += 1
        return False
    assert got == expected, (value, doc_format, formats, tz, got, expected)
    STATS["core read"] += 1
    return True


# --------------------------------------------------------------------------------------------
# Strategies


def offsets(limit: int = 24 * 60 - 1) -> st.SearchStrategy[int]:
    """Offsets in whole minutes (what PyYAML and the profiles produce)."""
    return st.one_of(st.sampled_from([0, 60, -300, 330, 345, -570, 840, -720, limit, -limit]),
                     st.integers(-limit, limit))


timezones = offsets().map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
days = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
usual_days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
times = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31))
profile_names = st.sampled_from(sorted(PROFILES))


def ordinal(day: int) -> str:
    """English ordinal suffix."""
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


@st.composite
def offset_texts(draw: st.DrawFn) -> str:
    """`%z` texts: the usual forms, `Z`, and ones strptime or datetime refuse."""
    minutes = draw(offsets())
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return draw(st.sampled_from([
        f"{sign}{hours:02d}:{mins:02d}", f"{sign}{hours:02d}{mins:02d}", "Z", "z", "-00:00",
        f"{sign}{hours:02d}:{mins:02d}:15", f"{sign}{hours:02d}{mins:02d}30", "+24:00",
        f"{sign}{hours:02d}:{mins:02d}:15.5", f"{sign}{hours:02d}:{mins:02d}15", "+5", "UTC",
        f"{sign}{hours:02d}:{mins + 60:02d}",
    ]))


def number(draw: st.DrawFn, value: int, width: int, wild: range) -> str:
    """A numeric field: padded, unpadded or space-padded, sometimes out of range."""
    if draw(st.integers(0, 9)) == 0:
        value = draw(st.integers(wild.start, wild.stop))
    style = draw(st.sampled_from(["pad", "pad", "bare", "space"]))
    if style == "pad":
        return f"{value:0{width}d}"
    if style == "space":
        return f"{value:>{width}d}"
    return str(value)


@st.composite
def rendered(draw: st.DrawFn, fmt: str, when: dt.datetime) -> str:
    """`when` written in the moment format `fmt` (with the variations legacy text has)."""
    out: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(fmt):
        out.append(fmt[pos:match.start()])
        token = match.group(0)
        pos = match.end()
        hour12 = when.hour % 12 or 12
        if token.startswith("["):
            out.append(token[1:-1])
        elif token == "YYYY":
            out.append(number(draw, when.year, 4, range(0, 99999)))
        elif token == "YY":
            # The pivot (68 -> 2068, 69 -> 1969) is drawn often, not left to the calendar.
            year = draw(st.sampled_from([when.year % 100] * 3 + [68, 69, 0, 99]))
            out.append(number(draw, year, 2, range(0, 999)))
        elif token == "MMMM":
            out.append(MONTHS[when.month - 1])
        elif token == "MMM":
            out.append(draw(st.sampled_from([MONTHS[when.month - 1][:3], "Sept", "Mai"])))
        elif token in ("MM", "M"):
            out.append(number(draw, when.month, len(token), range(0, 19)))
        elif token == "Do":
            suffix = draw(st.sampled_from([ordinal(when.day), "th", "ST", "Nd", ""]))
            out.append(number(draw, when.day, 1, range(0, 39)) + suffix)
        elif token in ("DD", "D"):
            out.append(number(draw, when.day, len(token), range(0, 39)))
        elif token in ("dddd", "ddd"):
            name = draw(st.sampled_from([WEEKDAYS[when.weekday()], *WEEKDAYS]))
            out.append(name if token == "dddd" else name[:3])
        elif token in ("HH", "H"):
            out.append(number(draw, when.hour, len(token), range(0, 29)))
        elif token in ("hh", "h"):
            # Noon and midnight (12 PM, 12 AM) are drawn often.
            hour12 = draw(st.sampled_from([hour12] * 3 + [12, 1, 11]))
            out.append(number(draw, hour12, len(token), range(0, 29)))
        elif token in ("mm", "m"):
            out.append(number(draw, when.minute, len(token), range(0, 69)))
        elif token in ("ss", "s"):
            second = draw(st.sampled_from([when.second] * 8 + [60, 61, 62]))
            out.append(number(draw, second, len(token), range(0, 69)))
        elif token in ("SSSSSS", "SSS"):
            digits = f"{when.microsecond:06d}"
            out.append(digits[:draw(st.integers(1, 6))] + draw(st.sampled_from(["", "", "7"])))
        elif token in ("A", "a"):
            marker = "AM" if when.hour < 12 else "PM"
            out.append(draw(st.sampled_from([marker, marker.lower(), "pm", "Am", "A.M."])))
        else:  # ZZ, Z
            out.append(draw(offset_texts()))
    out.append(fmt[pos:])
    return "".join(out)


JUNK = [" ", "x", "Z", "z", "0", "1", " extra", "st", ".", ",", "+02:00", "\t", " 10:00",
        "T", ":00", "\u00a0", "Ｚ", "٣", "K"]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """Text as a hand-edited export might carry it: case, spaces, junk, a character less."""
    kind = draw(st.sampled_from(["same"] * 6 + ["upper", "lower", "swap", "space", "append",
                                                 "prepend", "delete", "replace", "pad"]))
    if kind == "upper":
        return text.upper()
    if kind == "lower":
        return text.lower()
    if kind == "swap":
        return text.swapcase()
    if kind == "space" and " " in text:
        run = draw(st.sampled_from(["  ", "\t", " \n ", "\x1c", "\u00a0", "   "]))
        return text.replace(" ", run, draw(st.integers(1, 3)))
    if kind == "append":
        return text + draw(st.sampled_from(JUNK))
    if kind == "prepend":
        return draw(st.sampled_from(JUNK)) + text
    if kind in ("delete", "replace") and text:
        index = draw(st.integers(0, len(text) - 1))
        middle = "" if kind == "delete" else draw(st.sampled_from("0123456789 :-/.,TZAPMst"))
        return text[:index] + middle + text[index + 1:]
    if kind == "pad":
        return draw(st.sampled_from([" ", "\t", "\n", "\u3000", "\x1f"])) + text + " "
    return text


@st.composite
def iso_texts(draw: st.DrawFn) -> str:
    """ISO 8601 and near-ISO text: every separator, fraction length and offset form."""
    year = draw(st.sampled_from([2025, 2024, 1900, 1, 9999, 0, 1969]))
    month = draw(st.sampled_from([1, 2, 12, 13, 0, 6]))
    day = draw(st.sampled_from([1, 28, 29, 30, 31, 32, 0, 15]))
    date = draw(st.sampled_from([f"{year:04d}-{month:02d}-{day:02d}", f"{year}-{month}-{day}",
                                 f"{year:04d}{month:02d}{day:02d}"]))
    if draw(st.integers(0, 3)) == 0:
        return date
    sep = draw(st.sampled_from(["T", "t", " ", "  ", "_", "\t"]))
    hour = draw(st.sampled_from([0, 9, 12, 23, 24, 99]))
    minute = draw(st.sampled_from([0, 30, 59, 60]))
    clock = draw(st.sampled_from([f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}",
                                  f"{hour:02d}{minute:02d}"]))
    if draw(st.booleans()):
        second = draw(st.sampled_from([0, 5, 59, 60, 61]))
        clock += f":{second:02d}"
        if draw(st.booleans()):
            clock += draw(st.sampled_from([".", ","])) + draw(st.text("0123456789", min_size=0,
                                                                       max_size=9))
    gap = draw(st.sampled_from(["", "", " ", "\t", "  ", "\x1c"]))
    zone = draw(st.sampled_from(["", "Z", "z", "+02:00", "+0200", "-05:30", "+01:75", "+24:00",
                                 "-23:59", "+2", "+02", "+02:00:00", "-00:00", "UTC", "+9999"]))
    return date + sep + clock + (gap + zone if zone else "")


def random_formats() -> st.SearchStrategy[str]:
    """Formats made of random tokens and separators (a token twice is possible)."""
    pieces = st.sampled_from([
        "YYYY", "YY", "MMMM", "MMM", "MM", "M", "Do", "DD", "D", "dddd", "ddd", "HH", "H", "hh",
        "h", "mm", "m", "ss", "s", "SSSSSS", "SSS", "A", "a", "ZZ", "Z", " ", "  ", "-", "/",
        ".", ",", ":", "T", "[at]", "[%]", "%", "\\", "(", "|", "[", "]", "x", "Y", "S",
    ])
    return st.lists(pieces, min_size=1, max_size=7).map("".join)


def format_args(fmt: str) -> st.SearchStrategy[tuple[str | None, tuple[str, ...], int]]:
    """(doc_format, formats, tz) with `fmt` as the document's or one of the profile's formats."""
    def build(choice: int, profile: str) -> tuple[str | None, tuple[str, ...], int]:
        formats, tz = PROFILES[profile]
        if choice == 0:
            return fmt, formats, tz
        if choice == 1:
            return None, (*formats, fmt), tz
        return "MMM DD, YYYY", (fmt,), tz
    return st.builds(build, st.integers(0, 2), profile_names)


# --------------------------------------------------------------------------------------------
# Tests


@SETTINGS
@given(st.one_of(days, usual_days), st.sampled_from(FORMATS), offsets())
def test_yaml_dates(day: dt.date, fmt: str, tz: int) -> None:
    assert check(day, fmt, DEFAULT.date_formats, tz)


@SETTINGS
@given(st.one_of(times, st.datetimes()), st.one_of(st.none(), timezones), offsets())
def test_yaml_datetimes(when: dt.datetime, tz: dt.tzinfo | None, naive_tz: int) -> None:
    assert check(when.replace(tzinfo=tz), None, (), naive_tz)


@settings(SETTINGS, max_examples=1500 * SCALE)
@given(st.data(), st.sampled_from(FORMATS), times)
def test_rendered_dates(data: st.DataObject, fmt: str, when: dt.datetime) -> None:
    text = data.draw(mutated(data.draw(rendered(fmt, when))))
    doc_format, formats, tz = data.draw(format_args(fmt))
    check(text, doc_format, formats, tz)


@settings(SETTINGS, max_examples=800 * SCALE)
@given(st.data(), random_formats(), times)
def test_random_formats(data: st.DataObject, fmt: str, when: dt.datetime) -> None:
    text = data.draw(mutated(data.draw(rendered(fmt, when))))
    check(text, fmt, (), data.draw(offsets()))


@settings(SETTINGS, max_examples=800 * SCALE)
@given(st.data(), iso_texts())
def test_iso_shapes(data: st.DataObject, text: str) -> None:
    text = data.draw(mutated(text))
    formats, tz = PROFILES[data.draw(profile_names)]
    check(text, data.draw(st.sampled_from([None, "MMM DD, YYYY", "YYYYMMDD"])), formats, tz)


@SETTINGS
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
       | st.text("0123456789-:/., TtZz+APMJanFebSepDecst\t", max_size=30),
       st.sampled_from([None, *FORMATS]), st.sampled_from(FORMATS))
def test_arbitrary_text(text: str, doc_format: str | None, fmt: str) -> None:
    check(text, doc_format, (fmt,), 60)


def test_values_that_are_not_dates() -> None:
    for value in [None, True, False, 0, 20250129, 1.5, [], ["2025-01-29"], {"a": 1}, "", " ",
                  "\u3000"]:
        assert not check(value, "MMM DD, YYYY", DEFAULT.date_formats, 0)


def test_reference_cases() -> None:
    """tests/transform/test_dates.py's shapes, and more the core must read."""
    utc = 0
    minus5 = dt.timezone(dt.timedelta(hours=-5))
    cases: list[tuple[Any, str | None, tuple[str, ...], int]] = [
        (dt.date(2025, 1, 29), None, (), utc),
        ("2025-01-29", None, (), utc),
        ("Jan 29, 2025", "MMM DD, YYYY", (), utc),
        ("29/01/2025", "DD/MM/YYYY", (), utc),
        ("01/02/2025", "MM/DD/YYYY", (), utc),
        ("January 3rd, 2024", "MMMM Do, YYYY", (), utc),
        ("2025-01-29T14:30:00+02:00", None, (), utc),
        ("2025-01-29T14:30:00Z", None, (), utc),
        ("2019-07-02 11:21:02 -0400", None, (), utc),
        ("29.01.2025 14:30", "DD.MM.YYYY HH:mm", (), utc),
        (dt.datetime(2025, 1, 29, 8, 15, tzinfo=minus5), None, (), utc),
        (dt.datetime(2025, 1, 29, 8, 15), None, (), utc),
        ("2025-01-01", None, (), 14 * 60),
        ("Jan 29, 2025", "DD/MM/YYYY", ("MMM D, YYYY",), utc),
        ("2025-01-29 10:00:00 +0100", None, DEFAULT.date_formats, utc),
        ("2025-01-29 10:00 +01:00", "MMM DD, YYYY", DEFAULT.date_formats, utc),
        ("January 5, 2025", "DD/MM/YYYY", DEFAULT.date_formats, utc),
        ("25.10.2024 09:45", None, OTHERCMS.date_formats, 60),
        ("02.08.2024", None, OTHERCMS.date_formats, 60),
        ("12:05 AM", "hh:mm A", (), utc),
        ("12:30 PM", "hh:mm A", (), utc),
        ("12:30 pm", "h:mm a", (), utc),
        ("12:30", "hh:mm", (), utc),
        ("11:59 pm", "hh:mm a", (), utc),
        ("01/ 5/2025", "MM/DD/YYYY", (), utc),
        ("Monday, 29 Jan 2025", "dddd, D MMM YYYY", (), utc),
        ("2025-01-01T10:00:00.1234567+01:75", None, (), utc),
        ("01/02/68", "DD/MM/YY", (), utc),
        ("01/02/69", "DD/MM/YY", (), utc),
        ("1 2 00", "D M YY", (), utc),
        ("Jan 5 99", "MMM D YY", (), utc),
    ]
    for value, fmt, formats, tz in cases:
        assert check(value, fmt, formats, tz), (value, fmt, formats)
    for value, fmt in [("2025-02-30", "MMM DD, YYYY"), ("Feb 30, 2025", "MMM DD, YYYY"),
                       ("soon", None), ("Jan 29, 2025 and more", "MMM DD, YYYY"),
                       ("01 01 2025", "DD DD YYYY"), ("2025-01-01 10:00:60", None)]:
        assert not check(value, fmt, DEFAULT.date_formats, utc)


def _front_matter_dates(paths: list[tuple[Path, str]], keys: tuple[str, ...]
                        ) -> list[tuple[Any, str | None]]:
    """(date value, document date_format) of each file that has one of `keys`."""
    found = []
    for path, rel in paths:
        try:
            raw = parse_document(path.read_bytes(), rel)
        except Exception:  # a rejected file has no date to compare
            continue
        front = raw.front_matter if isinstance(raw.front_matter, dict) else {}
        fmt = front.get("date_format")
        fmt = fmt if isinstance(fmt, str) and fmt.strip() else None
        for key in keys:
            if key in front:
                found.append((front[key], fmt))
    return found


def _share(source: str, values: list[tuple[Any, str | None]], profile: str,
           require: float) -> None:
    formats, tz = PROFILES[profile]
    handled = 0
    declines: Counter[str] = Counter()
    read = 0
    for value, fmt in values:
        expected = reference(value, fmt, formats, tz)
        got, reason = core(value, fmt, formats, tz)
        if expected is None:
            assert got is None, (value, fmt, got)
            continue
        read += 1
        if got is None:
            assert reason not in CLAIMS_RAISE, (value, fmt, reason, expected)
            declines[reason or "?"] += 1
            continue
        assert got == expected, (value, fmt, got, expected)
        handled += 1
    line = (f"core dates {source}: {handled}/{read} dates the reference reads were read by the "
            f"core ({handled / max(read, 1):.2%}), {len(values) - read} unreadable (declined), "
            f"declines {dict(declines)}")
    SUMMARY_LINES.append(line)
    print(line)
    assert handled >= require * read, line


def test_sample_dates_are_all_handled(tmp_path: Path) -> None:
    paths = []
    for name, data in samples.generate(300):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append((path, name))
    values = _front_matter_dates(paths, ("date",))
    assert len(values) == 300
    shapes = Counter(type(v).__name__ for v, _ in values)
    assert {"date", "str", "datetime"} <= set(shapes), shapes
    _share("pipeline.samples(300)", values, "default", 1.0)
    # The typical shapes, spelled out.
    for value, fmt in [("2025-01-29", "MMM DD, YYYY"), ("Jan 29, 2025", "MMM DD, YYYY"),
                       ("29/01/2025", "DD/MM/YYYY"), ("2024-03-05T07:45:00+05:30", None),
                       ("2023-11-30T23:00:00-08:00", "MMM DD, YYYY"),
                       (dt.date(2024, 2, 29), "MMM DD, YYYY"),
                       (dt.datetime(2024, 2, 29, 7, 45, tzinfo=dt.timezone.utc), None)]:
        assert check(value, fmt, DEFAULT.date_formats, 0), value


def test_input_and_fixture_dates() -> None:
    inputs = [(p, p.name) for p in sorted(INPUT_DIR.iterdir()) if p.is_file()]
    _share("input/", _front_matter_dates(inputs, ("date",)), "default", 1.0)
    knowbase = FIXTURES / "othercms"
    files = [(p, p.name) for p in sorted(knowbase.iterdir()) if p.is_file()]
    _share("othercms fixtures", _front_matter_dates(files, ("published_on",)), "othercms", 1.0)


def test_corpora_dates() -> None:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent (../shared is not laid beside the project)")
    paths = [(p, p.relative_to(corpora).as_posix()) for p in sorted(corpora.rglob("*"))
             if p.is_file() and p.name != "SOURCE.txt"]
    values = _front_matter_dates(paths, ("date", "lastmod", "publishDate", "pubDate",
                                         "updated"))
    _share("corpora", values, "default", 0.95)


def test_zz_share_line() -> None:
    """Report the generated examples (after the generated tests ran)."""
    if not STATS["examples"]:
        pytest.skip("no generated examples ran")
    read, handled = STATS["reference read"], STATS["core read"]
    line = (f"core dates generated: {STATS['examples']} examples, the reference read {read} "
            f"and raised on {STATS['reference raised']} (all declined); the core read "
            f"{handled} ({handled / max(read, 1):.2%} of what the reference reads); "
            f"declines {dict(DECLINES.most_common())}")
    SUMMARY_LINES.append(line)
    print(line)
