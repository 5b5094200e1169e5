"""The core's YAML front-matter writer against the reference (pipeline/load/markdown/yamlfm.py).

`pipeline_core._dump_yaml(tagged_text, portable)` must return exactly the text of
`dump_yaml(mapping, portable)`, or decline (ValueError "declined: ..."), never differ. Inputs:
generated mappings full of text YAML could misread, every record of input/, and the front
matter of every document of ../shared/corpora read with the generic profile. The share the core
handles per source is printed and must be at least 99 % on input/ and the corpora.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.load.markdown.yamlfm import dump_yaml
from pipeline.record import Rejection
from pipeline.transform import process_bytes
from pipeline.transform.profile import load_profile
from tests.conftest import SHARED, SUMMARY_LINES, sample_records
from tests.core.tagged import tagged_text

pipeline_core = pytest.importorskip("pipeline_core")

CORPORA = SHARED / "corpora"
I64 = 2**63


def core_dump(mapping: dict[str, Any], portable: bool) -> tuple[str | None, str | None]:
    """The core's text, or None and the decline reason."""
    try:
        return pipeline_core._dump_yaml(tagged_text(mapping), portable), None
    except ValueError as error:
        message = str(error)
        assert message.startswith("declined: "), message
        return None, message.removeprefix("declined: ")


def representable(value: Any) -> bool:
    """True when the core's value type holds it (ints are 64-bit: the core's loader declines
    bigger ones, so its writer never sees them)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return True
    if isinstance(value, int):
        return -I64 <= value < I64
    if isinstance(value, list):
        return all(representable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and representable(v) for k, v in value.items())
    return False


def check(mapping: dict[str, Any], declines: Counter[str]) -> bool:
    """Hold the core to the reference in both modes; True when it wrote both."""
    handled = True
    for portable in (False, True):
        expected = dump_yaml(mapping, portable)
        got, reason = core_dump(mapping, portable)
        if got is None:
            declines[reason or "?"] += 1
            handled = False
            continue
        assert got == expected, (portable, mapping, got, expected)
    return handled


# Pieces of text YAML 1.1 (PyYAML), the platforms' parsers or the quoting rules treat specially.
_FRAGMENTS = [
    "yes", "No", "ON", "off", "y", "N", "~", "null", "NULL", "nan", ".NaN", "inf", ".inf",
    "-.Inf", "true", "False", "0", "1", "-1", "+1", "017", "08", "0o17", "0x1F", "0b101",
    "1_000", "1:20", "190:20:30.15", "1.5", "1.", "._", "._5", ".5", ".5_", "1e3", "1.5e+3",
    "1.0e-05", "2025-01-29", "2025-1-2", "2025-01-29 10:00:00", "2025-01-29T10:00:00Z",
    "2001-12-14t21:59:43.10-05:00", "2019-07-02 11:21:02 -0400", "<<", "=", " ", "  ", "\t",
    ":", ": ", "#", " #", "-", "- ", "--- ", "...", "?", "? ", "&a", "*a", "!t", "!!str", "|",
    ">", "'", '"', "\\", "\\n", "@", "`", "%", "[", "]", "{", "}", ",", "\n", "\n\n", "\r",
    "\r\n", "\x00", "\x07", "\x08", "\x0c", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9f",
    "\xa0", "\xad", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\u200b", "\u3000",
    "\u1680", "é", "東京", "😀", "👩\u200d💻", "İ", "İnf", "\u212a", "\U000e0001", "\U0010ffff",
    "x", "abc", "_", "(", ".", "/", "$", "a b", "\u0378", "\u0600",
]
_any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_pieces = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), _any_text), max_size=6).map("".join)
# Number-, date- and word-shaped text, so that every branch of the implicit resolvers is asked.
_numberish = st.from_regex(r"[-+.0-9][-+._:0-9eE]{0,10}", fullmatch=True)
_stamp = st.from_regex(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(|[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?"
    r"([ \t]*(Z|z|[-+][0-9]{1,3}(:?[0-9]{2})?))?", fullmatch=True)
_words = st.sampled_from(["yes", "no", "on", "off", "true", "false", "null", "y", "n", "nan",
                          "inf", "~", "yess", "nulls"]).flatmap(
    lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
        lambda up: "".join(c.upper() if u else c for c, u in zip(w, up))))
_long = st.one_of(
    st.just("word " * 400 + "end"), st.just("line\n" * 300), st.just("x" * 70),
    st.just("東" * 65), st.text(min_size=60, max_size=300),
    st.lists(st.text(alphabet="ab \t\n", max_size=20), min_size=2, max_size=30).map("\n".join))
# Multi-line text that may or may not fit a literal block.
_lines = st.lists(st.one_of(_pieces, st.sampled_from(["", " ", "a", "\t"])), min_size=2,
                  max_size=6).map("\n".join).flatmap(
    lambda text: st.sampled_from(["", "\n", "\n\n", "\n\n\n", " ", "\t"]).map(
        lambda end: text + end))
_text = st.one_of(_pieces, _numberish, _stamp, _words, _lines, _long, _any_text,
                  st.sampled_from(_FRAGMENTS))
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-I64, max_value=I64 - 1),
    st.sampled_from([0, -1, 2**53, -I64, I64 - 1]),
    st.floats(), st.sampled_from([-1.0, 0.0, -0.0, 1e16, 1.5e16, 1e-5, 5e-324, 1e300, 0.1]),
    _text)
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)), max_leaves=12)
_mapping = st.dictionaries(_text, _value, min_size=0, max_size=6)

_GENERATED: Counter[str] = Counter()


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mapping)
def test_core_writes_generated_mappings_like_the_reference(mapping: dict[str, Any]) -> None:
    declines: Counter[str] = Counter()
    _GENERATED["examples"] += 1
    if check(mapping, declines):
        _GENERATED["handled"] += 1
    # Nothing generated here is a date or nests deeper than the core writes: no decline.
    assert not declines, declines


@settings(max_examples=1500, deadline=None)
@given(st.lists(_text, min_size=1, max_size=8))
def test_core_quotes_text_like_the_reference(texts: list[str]) -> None:
    # Each text as a key, as a value, as a sequence item and inside a nested mapping.
    mapping: dict[str, Any] = {text: text for text in texts}
    mapping["items"] = texts
    mapping["nested"] = [{"k": text, "l": [text]} for text in texts]
    assert check(mapping, Counter())


def test_core_edge_shapes() -> None:
    deep: Any = "x\ny"
    for level in range(40):
        deep = {"k": deep} if level % 2 else [deep]
    cases: list[dict[str, Any]] = [
        {}, {"": ""}, {"a": {}}, {"a": []}, {"a": [[], {}, [[]], [{}]]},
        {"a": [[["x"]], [{"b": [{"c": "d\ne\n\n"}]}]]},
        {"a": [1, True, None, 1.5, "", "x\n", "\nx", "x\r\ny"]},
        {"yes": {"no": {"on": ["off"]}}},
        {"deep": deep},
        {"n": float("nan"), "i": float("inf"), "-i": float("-inf")},
    ]
    for mapping in cases:
        assert check(mapping, Counter()), mapping


def test_core_declines_dates() -> None:
    # Records never hold dates; the reference raises TypeError, the core declines.
    text = json.dumps({"map": [["d", {"date": "2025-01-29"}]]})
    with pytest.raises(ValueError, match="^declined: "):
        pipeline_core._dump_yaml(text, False)


def _share(source: str, mappings: list[dict[str, Any]]) -> None:
    """Compare every mapping, print the share handled, require 99 %."""
    counts: Counter[str] = Counter()
    declines: Counter[str] = Counter()
    for mapping in mappings:
        if not representable(mapping):
            counts["not representable"] += 1  # the core's loader declines these files
            continue
        counts["compared"] += 1
        if check(mapping, declines):
            counts["handled"] += 1
    share = counts["handled"] / max(counts["compared"], 1)
    line = (f"core yamlfm {source}: {counts['handled']}/{counts['compared']} front matters "
            f"written by the core ({share:.2%}), {counts['not representable']} not "
            f"representable, declines {dict(declines)}")
    SUMMARY_LINES.append(line)
    print(line)
    assert counts["compared"], source
    assert share >= 0.99, line


def test_core_writes_input_records_like_the_reference() -> None:
    mappings = []
    for record in sample_records():
        data = record.data
        # What the generic target writes (the record less its answer), and the whole record.
        mappings.append({k: v for k, v in data.items() if k != "answer"})
        mappings.append(dict(data))
    _share("input/", mappings)


def test_core_writes_corpora_front_matter_like_the_reference() -> None:
    if not CORPORA.is_dir():
        pytest.skip(f"{CORPORA} is absent (../shared is not laid beside the project)")
    profile = load_profile("generic")
    mappings = []
    for root in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name == "SOURCE.txt":
                continue
            rel = Path(path.relative_to(root)).as_posix()
            outcome = process_bytes(path.read_bytes(), rel, profile)
            if isinstance(outcome, Rejection):
                continue
            mappings.append(outcome.data["front_matter"])
    _share("corpora", mappings)


def test_generated_share_line() -> None:
    """Report how many generated mappings the core wrote (after the generated test ran)."""
    if _GENERATED["examples"]:
        SUMMARY_LINES.append(f"core yamlfm generated: {_GENERATED['handled']}/"
                             f"{_GENERATED['examples']} mappings written by the core")
