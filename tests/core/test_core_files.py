"""The core against the reference, one file at a time: Hypothesis writes legacy documents
(every YAML 1.1 scalar type in plain and quoted styles, escapes, dates in several formats and
`date_format`s, related slots with gaps and repeats, unicode, CRLF and BOM) and the core's
result for each must be the Python implementation's, byte for byte, or a decline.

Also a bounded fuzz run: random bytes and random mutations of real documents give a result
or a decline, never an exception, a crash or a hang.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import core
from pipeline.load import WriteOptions
from pipeline.load.csv import CsvWriter
from pipeline.load.markdown.generic import GenericTarget
from pipeline.record import Record, Rejection, record_json
from pipeline.state import encode_outcome
from pipeline.transform import process_bytes
from pipeline.transform.profile import Profile, load_profile
from tests.conftest import INPUT_DIR, SEED

if core._core is None:
    pytest.skip("pipeline_core is not installed (no cargo to build it)", allow_module_level=True)

PARSER = core._core.PARSER


def make_core(profile: Profile, spreadsheet_safe: bool = False, target: str = "generic") -> Any:
    """A core configured to prepare every output, pages returned as bytes."""
    options = {"timezone_minutes": core._timezone_minutes(profile), "jsonl": True, "csv": True,
               "pages": target, "spreadsheet_safe": spreadsheet_safe,
               "max_bytes": 10 * 1024 * 1024, "staging": None,
               "unicode_version": __import__("unicodedata").unidata_version, "threads": 0}
    return core._core.Core(json.dumps(profile.data, default=str), json.dumps(options))


def reference(data: bytes, rel: str, profile: Profile, spreadsheet_safe: bool = False) -> tuple:
    """What the Python implementation makes of one file, in the core's tuple layout."""
    outcome = process_bytes(data, rel, profile)
    if isinstance(outcome, Rejection):
        return ("x", encode_outcome(outcome))
    record = Record(outcome.shape, outcome.data, outcome.warnings, PARSER)
    data_json = record_json(record.data)
    options = WriteOptions(spreadsheet_safe=spreadsheet_safe)
    return ("r", encode_outcome(record, data_json), data_json + b"\n",
            CsvWriter.prepare(record, record.shape, options),
            GenericTarget().render(record).encode("utf-8"),
            tuple((w.field, w.message) for w in record.warnings))


def check(engine: Any, data: bytes, rel: str, profile: Profile,
          spreadsheet_safe: bool = False) -> str:
    """Assert the core equals the reference on one file (or declines); return its kind."""
    result = engine.process_bytes(data, rel)
    kind = result[0]
    if kind == "d":
        return "d:" + result[2]
    expected = reference(data, rel, profile, spreadsheet_safe)
    assert kind == expected[0], (data[:400], result, expected[1][:300])
    if kind == "x":
        assert result[3] == expected[1], data[:400]
        return kind
    _, _, _sha, manifest, jsonl, csv, page, _slim, warnings = result
    assert manifest == expected[1], data[:400]
    assert jsonl == expected[2]
    assert csv == expected[3]
    assert page[1] == expected[4], (page[1][:500], expected[4][:500])
    assert warnings == expected[5]
    return kind


#: One core per configuration, shared by the examples of a test run.
_CORES: dict[str, Any] = {}


# --------------------------------------------------------------------------------------------
# Documents.
# --------------------------------------------------------------------------------------------

_words = st.sampled_from(["alpha", "Beta", "gamma delta", "café", "東京", "naïve", "x", "QuickTakes",
                          "Computer Science", "a: b", "#hash", "with 'quote'", 'say "hi"', "😀",
                          "trailing ", " leading", "", "-dash", "? q", "@at", "%pct", "`tick`"])
_yaml11 = st.sampled_from([
    "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "true", "False", "2025-01-29",
    "2025-02-30", "2025-01-29 10:00:00", "2025-01-29t10:00:00z", "2025-01-29T10:00:00.5+02:00",
    "2019-07-02 11:21:02 -0400", "1:20", "017", "0x1F", "0b101", "1_000", "1e3", "1.5e3",
    "1.5e+3", "-.inf", ".NaN", ".5", "12.", "+12", "-0", "0", "7", "-1.0", "3.25", "_0", "0E0",
    "08", "12345678901234567890"])
_escaped_text = st.lists(st.sampled_from([
    "word", " ", "\\n", "\\n\\n", "\\t", "\\\"", "\\\\", "\\\\n", "\\/", "\\u00e9", "\\u00E9",
    "\\ud83d\\ude00", "\\ud83d", "\\udc00", "\\u0000", "\\r\\n", "\\b", "\\f", "\\q", "\\",
    "**bold**", "### Heading", "1. item", "é", "東京", "😀", "a: b", "#x", "'", '"', "{{< x >}}",
    "{% raw %}", "\\u2028", "x\\u0085y"]), min_size=1, max_size=12).map("".join)
_dates = st.sampled_from([
    ("2025-01-29", None), ('"2025-01-29"', None), ("'2025-01-29'", None),
    ("Jan 29, 2025", "MMM DD, YYYY"), ("29/01/2025", "DD/MM/YYYY"),
    ("2025-01-29T10:15:00+02:00", None), ("2025-01-29T10:15:00-05:00", None),
    ("2025-01-29 10:15:00", None), ("2025-01-29 10:15:00.123456789 Z", None),
    ("January 5, 2025", None), ("5 Jan 2025", "D MMM YYYY"), ("2025-02-30", None),
    ("not a date", None), ("", None), ("20250129", None), ("Feb 29, 2024", "MMM DD, YYYY"),
    ("Feb 29, 2025", "MMM DD, YYYY"), ("2024-02-29 23:59:59 +0530", "YYYY-MM-DD HH:mm:ss Z"),
    ("29.01.2025 14:30", "DD.MM.YYYY HH:mm"), ("03/04/25", "MM/DD/YY")])


def _scalar(draw: st.DrawFn) -> str:
    """A scalar written in one of YAML's one-line styles."""
    style = draw(st.sampled_from(["plain11", "plain", "single", "double", "escaped"]))
    if style == "plain11":
        return draw(_yaml11)
    if style == "plain":
        return draw(_words).strip() or "word"
    if style == "single":
        return "'" + draw(_words).replace("'", "''") + "'"
    if style == "double":
        return json.dumps(draw(_words), ensure_ascii=draw(st.booleans()))
    return ">-\n    " + draw(_escaped_text)


@st.composite
def _related(draw: st.DrawFn, own_id: int) -> list[str]:
    lines: list[str] = []
    numbers = draw(st.lists(st.integers(min_value=0, max_value=12), max_size=6))
    for number in numbers:
        key = f"related_article{number}"
        kind = draw(st.sampled_from(["link", "link", "link", "empty", "map0", "self", "text",
                                     "unknown"]))
        if kind == "empty":
            lines.append(f"{key}:")
            continue
        if kind == "map0":
            lines.append(f"{key}: {{}}")
            continue
        if kind == "text":
            lines.append(f"{key}: {_scalar(draw)}")
            continue
        link_id = own_id if kind == "self" else draw(st.sampled_from([1, 2, 3, 165644, None]))
        lines.append(f"{key}:")
        if link_id is not None:
            lines.append(f"    id: {draw(st.sampled_from([str(link_id), repr(str(link_id))]))}")
        lines.append("    title: >-")
        lines.append("        " + draw(_escaped_text))
        if draw(st.booleans()):
            lines.append(f"    subject: {draw(_words).strip() or 'S'}")
        lines.append(f"    url: /learn/x/questions/q{draw(st.integers(0, 5))}")
        if kind == "unknown":
            lines.append("    weight: 3")
    return lines


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A legacy document in the seed's shape, with random variations."""
    own_id = draw(st.sampled_from([165645, 1, 2]))
    date, date_format = draw(_dates)
    fields: list[list[str]] = [
        ["_schema: default"],
        [f"id: {draw(st.sampled_from([str(own_id), repr(str(own_id)), f'{own_id}.0', 'x']))}"],
        [f"date: {date}".rstrip()],
        ["title: >-", "    " + draw(_escaped_text)],
        [f"date_format: {date_format or draw(st.sampled_from(['MMM DD, YYYY', 'DD/MM/YYYY']))}"],
        ["post_on_text: Posted on"],
        ["seo:", f"  title: {_scalar(draw)}".replace("\n", "\n  "),
         "  page_description: >-", "    " + draw(_escaped_text),
         "  page_keywords: >-", "    " + ", ".join(draw(st.lists(_words, max_size=5)))],
        ["author: " + _scalar(draw)],
        ["question: >-", "    " + draw(_escaped_text)],
        ["answer: >-", "    " + draw(_escaped_text)],
        ["subject: " + _scalar(draw)],
        ["file_name: " + draw(st.sampled_from(["a-slug.md", "Not Slug.md", "x/y/z.md", "''",
                                                "plain"]))],
        ["url: " + draw(st.sampled_from(["/learn/x/questions/q1", "/a/b/", "''", "/x?y#z"]))],
        [f"score: {draw(st.sampled_from(['-1.0', '2.5', '3', '1e3', '.inf', 'abc', '~']))}"],
    ]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(["extra_a", "published", "tags", "legacy", "k k", "ünï"]))
        fields.append([f"{key}: {_scalar(draw)}"])
    fields = draw(st.permutations(fields))
    lines = ["---", *[line for field in fields for line in field], *draw(_related(own_id))]
    # Drop a few lines (missing fields), keep keys unique (duplicates are rejected; tested
    # elsewhere).
    seen: set[str] = set()
    unique: list[str] = []
    for line in lines:
        key = line.split(":", 1)[0] if not line.startswith(" ") else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        unique.append(line)
    lines = unique + ["---", ""]
    lines.append(draw(st.sampled_from(["&nbsp;", "", "<br>", "Real body", "<p>&nbsp;</p>\n",
                                        "  \n", "ſ"])))
    newline = "\r\n" if draw(st.booleans()) else "\n"
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if draw(st.booleans()) else data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(documents())
def test_documents_core_equals_reference(data: bytes) -> None:
    profile = load_profile("default")
    check(_CORES.setdefault("default", make_core(profile)), data, "doc.txt", profile)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_documents_generic_profile_and_spreadsheet_safe(data: bytes) -> None:
    generic = load_profile("generic")
    check(_CORES.setdefault("generic", make_core(generic)), data, "dir/doc.md", generic)
    default = load_profile("default")
    check(_CORES.setdefault("safe", make_core(default, True)), data, "doc.md", default, True)


def test_input_files_are_handled_by_the_core(default_profile: Profile) -> None:
    engine = make_core(default_profile)
    files = [path for path in sorted(INPUT_DIR.iterdir()) if path.is_file()]
    kinds = [check(engine, path.read_bytes(), path.name, default_profile) for path in files]
    # The site samples' HTML answers and links are the reference's: the core declines them.
    assert [k[:1] for k in kinds] == ["d" if p.name.startswith("w") else "r" for p in files], \
        kinds
    assert {k for k in kinds if k != "r"} <= {"d:HTML field", "d:text with links"}


PLATFORMS = ("hugo", "jekyll", "astro")


def check_platform_page(engine: Any, data: bytes, rel: str, profile: Profile, target: str) -> str:
    """The core's page for a platform target equals the reference's page for a record placed
    first (nothing taken yet), with the same placement and path."""
    from pipeline.load.markdown import get_target

    result = engine.process_bytes(data, rel)
    if result[0] != "r":
        return result[0]
    outcome = process_bytes(data, rel, profile)
    assert isinstance(outcome, Record)
    page = get_target(target)
    path = page.page_path(outcome)
    place = page.placement(outcome)
    preferred, page_bytes, _, digest, size, stem, route = result[6]
    assert (preferred, stem, route) == (path, place.stem, place.route)
    assert page_bytes == page.render(outcome).encode("utf-8"), page_bytes[:600]
    return "r"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(documents(), st.sampled_from(PLATFORMS), st.sampled_from(["default", "generic"]))
def test_platform_pages_equal_reference(data: bytes, target: str, name: str) -> None:
    profile = load_profile(name)
    engine = _CORES.setdefault(f"{name}-{target}", make_core(profile, target=target))
    check_platform_page(engine, data, "dir/doc.txt", profile, target)


@pytest.mark.parametrize("target", PLATFORMS)
def test_platform_pages_of_input(target: str, default_profile: Profile) -> None:
    engine = make_core(default_profile, target=target)
    files = [path for path in sorted(INPUT_DIR.iterdir()) if path.is_file()]
    kinds = [check_platform_page(engine, path.read_bytes(), path.name, default_profile, target)
             for path in files]
    assert [k[:1] for k in kinds] == ["d" if p.name.startswith("w") else "r" for p in files]


# --------------------------------------------------------------------------------------------
# Fuzzing: results or declines only.
# --------------------------------------------------------------------------------------------


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(4)
        at = rng.randrange(len(out) + 1)
        if op == 0 and out:
            del out[at:at + rng.randrange(1, 20)]
        elif op == 1:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op == 2:
            out[at:at] = rng.choice([b"---\n", b"\n  ", b": ", b"- ", b"'", b'"', b"\\u", b"&a ",
                                     b"*a", b"!!", b"{", b"[", b"\t", b"\r", b"#", b"|", b">-\n"])
        elif out:
            out[at % len(out)] = rng.randrange(256)
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600) | st.integers(0, 2**32).map(
    lambda seed: _mutate(SEED.read_bytes(), random.Random(seed))))
def test_fuzz_results_or_declines(data: bytes) -> None:
    profile = load_profile("default")
    check(_CORES.setdefault("default", make_core(profile)), data, "fuzz.txt", profile)
