"""Differential test: the core's YAML loader gives what PyYAML gives, or declines.

`pipeline_core._load_yaml(text, first_line)` returns the front matter as tagged JSON text
(`tests.core.tagged`) with the top-level key lines, or raises ValueError("declined: ...").
The reference is `load_yaml_pyyaml` (libyaml + PyYAML's safe constructor). Wherever the
reference refuses a document (FrontMatterError, DuplicateKeyError, ...), the core must
decline: it never returns a value the reference would not.
"""

from __future__ import annotations

import codecs
import json
import string
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from pipeline.errors import FrontMatterError
from pipeline.extract.frontmatter import split
from pipeline.extract.yaml_loader import load_yaml_pyyaml
from pipeline.samples import generate
from tests.conftest import FIXTURES, INPUT_DIR, SHARED
from tests.core.tagged import tagged

pipeline_core = pytest.importorskip(
    "pipeline_core", reason="the compiled core (pipeline_core) is not installed")

FIRST_LINE = 2  # front matter starts on the file's second line, after `---`


# --- One comparison -------------------------------------------------------------------------

def reference(text: str) -> tuple[Any, list[tuple[str, int]]] | None:
    """PyYAML's value (tagged) and key lines, or None where the reference refuses the text
    (FrontMatterError, DuplicateKeyError: every refusal counts the same, the core declines)."""
    try:
        value, key_lines = load_yaml_pyyaml(text, FIRST_LINE)
    except FrontMatterError:
        return None
    return tagged(value), list(key_lines.items())


def check(text: str) -> str | None:
    """Hold the core to the reference on one text; return the decline reason, None if handled."""
    try:
        core_text, core_lines = pipeline_core._load_yaml(text, FIRST_LINE)
    except ValueError as err:
        message = str(err)
        assert message.startswith("declined: "), (message, text[:300])
        return message.removeprefix("declined: ")
    expected = reference(text)
    assert expected is not None, f"the reference refuses this text, the core did not:\n{text!r}"
    value = None if core_text is None else json.loads(core_text)
    assert (value, [tuple(pair) for pair in core_lines]) == expected, repr(text[:2000])
    return None


# --- Corpora --------------------------------------------------------------------------------

def yaml_text(data: bytes) -> str | None:
    """The YAML front matter text of a file as the pipeline sees it, if it has one."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                data = data[len(bom):].decode(encoding).encode()
            except UnicodeDecodeError:
                return None
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None
    try:
        found = split(text)
    except Exception:  # noqa: BLE001 - unclosed blocks are extract's business, not the loader's
        return None
    if found is None or found[0].name != "yaml":
        return None
    return found[1].text


def files(folder: Path) -> Iterator[bytes]:
    """The bytes of every file under `folder`, in path order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.read_bytes()


def corpus() -> Iterator[tuple[str, bytes]]:
    """(source, file bytes) for every corpus this test reads."""
    for data in files(INPUT_DIR):
        yield "input", data
    for seed in (0, 5):
        for _, data in generate(1500, seed=seed):
            yield "generated", data
    for data in files(FIXTURES / "hostile"):
        yield "hostile", data
    corpora = SHARED / "corpora"
    if corpora.is_dir():
        for path in sorted(corpora.rglob("*")):
            if path.is_file():
                yield f"shared/{path.relative_to(corpora).parts[0]}", path.read_bytes()


def test_core_matches_pyyaml_on_every_corpus() -> None:
    texts: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for source, data in corpus():
        text = yaml_text(data)
        if text is None:
            continue
        texts[source] += 1
        reason = check(text)
        if reason is None:
            handled[source] += 1
        else:
            reasons[reason] += 1
    print("\ncore YAML loader, share of front matter handled per source:")
    for source, total in texts.items():
        print(f"  {source:28} {handled[source]:5} / {total:5}  {handled[source] / total:7.2%}")
    print(f"  declines by reason: {dict(reasons.most_common())}")
    assert texts["generated"] == 3000
    assert handled["generated"] / texts["generated"] >= 0.999
    assert handled["input"] == texts["input"]
    if not (SHARED / "corpora").is_dir():
        pytest.skip(f"{SHARED / 'corpora'} is absent: checked input/, generated and hostile only")


# Documents where libyaml and saphyr part ways, or where the core must decline.
TRICKY = [
    "", "\n", "# only\n", "~\n", "a\n", "- a\n", "a: 1\n...\n", "a: 1\n--- \nb: 2\n",
    "%YAML 1.1\n---\na: 1\n", "a: {b:}\n", "a: [b:]\n", "a: [?x]\n", "a: [a:?]\n", "a: [:x]\n",
    "a: {\"b\":1}\n", "a: {b, c: 1}\n", "a: {? b}\n", "a: [a: 1, b]\n", "a: [a, b, ]\n",
    "a: {a: 1, }\n", "a: [,]\n", "a: {\n  b: 1}\n", "a: [b\n  c]\n", "a: [\"b\n  c\", d]\n",
    "a: [a:b, http://x/y]\n", "a: [-1, -x]\n", "a: -\n", "a: ? x\n", "a: [b]c\n",
    "a: x #c\n  d\n", "? a\n: b\n", "? a\n", "?\n  a\n: b\n", "[a]: b\n", "{a: 1}: b\n",
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !!binary aGk=\n", "<<: {a: 1}\nb: 2\n",
    "a: 1\na: 2\n", "a: 1\n'a': 2\n", "a:\n  b: 1\n  \"b\": 2\n", "1: a\n", "yes: a\n",
    "null: a\n", "~: a\n", ": a\n", "2025-01-29: a\n", "2025-02-30: a\n", "'1': a\n",
    "a: \"\\ud800\"\n", "a: \"\\uDC00\\ud800\"\n", "a: \"\\q\"\n", "a: \"\\/\\N\\L\\P\\_\\e\\0\"\n",
    "a: \"\\x85\\xa0\\U0001F600\"\n", "a: \"x\\\n  y\"\n", "a: 'x\n\n  y'\n",
    "a: x\ty\n", "a:\tx\n", "\ta: x\n", "a: |\n  \tx\n", "a: x\ry\n", "a: x\u0085y\n",
    "a: x\u2028y\n", "a: x\u2029y\n", "a: x\ufeffy\n", "\ufeffa: x\n", "a: x\x7fy\n",
    "a: x\x00y\n", "a: x\x1by\n", "a: x\u0099y\n", "a: x\ufffey\n", "a: \U0001F600\n",
    "a: |\n   \n  x\n", "a: >\n  x\n\n   y\n  z\n", "a: |2-\n   x\n  y\n", "a: >1\n  x\n",
    "a: |+\n\n", "a: >-\n\n  x\n\n\n", "a: |\nb: 1\n", "a: >\n x\n#c\n", "a: >  # c\n  x\n",
    "a:\n- b\n- c\n", "a:\n  - b\n  -\n  - - c\n", "- a: 1\n", "a: b: c\n", "a:\n  b\n  c: d\n",
    "a: 'x' y\n", "a: \"x\" y\n", "a: @x\n", "a: `x\n", "a: %x\n", "a: x%\n", "a: x @y\n",
    "k" * 1100 + ": v\n", "a: " + "[" * 63 + "1" + "]" * 63 + "\n",
    "a: " + "[" * 64 + "1" + "]" * 64 + "\n", "a: 017\nb: 0o17\nc: 0x1F\n", "a: 1e3\n",
    "a: 1.5e+3\n", "a: .5\n", "a: 1.\n", "a: -.5\n", "a: 1_000\n", "a: 1:20\n", "a: .NaN\n",
    "a: 2025-01-29 10:00:00 -5\n", "a: 2025-01-29t10:00:00z\n", "a: 2025-1-2 1:00:00Z\n",
    "a: 2025-01-29 10:00:00 +24\n", "a: 2025-01-29T24:00:00\n", "a: 9999999999999999999\n",
    "a  : 1\n", "'a' : 1\n", "a : b : c\n", "\"a\n b\": 1\n", "a:b: c\n", "a:b\n",
    # The legacy shape and the departures from it that the fast path must leave to saphyr.
    "a: >-\n    x\n  b: 1\n", "a: >-\n    x\n\nb: 1\n", "a: >-\n    x\n     \nb: 1\n",
    "a: >-\n    x  \nb: 1\n", "a: |\n x\nb: 1\n", "a: >-\nx\n", "a: >-\n    x\n    y\n",
    "a: >-\n    x\n  # c\nb: 1\n", "a: >-\n    x\n# c\nb: 1\n", "a: |-\n    # x\n",
    "a:\n# c\nb: 1\n", "a:\n  # c\n  b: 1\n", "a: x\n  # c\nb: 1\n", "a: 'x'\n  y\n",
    "a: x\n\n  y\n", "a: x\n  y\n", "  a: 1\nb: 2\n", "  a: 1\n  b: 2\n", "a:\n  b: 1\n c: 2\n",
    "a:\n    b: 1\n  c: 2\n", "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", "a:\nb:\n", "a:   \n",
    "a: 'it''s'  \n", "a: ''\n", "a: 'x' y\n", "a: \"x\" # c\n", "a: \"x\\\"y\"\n", "a: [] \n",
    "a: {} # c\n", "a: -1.0\n", "a: -\n", "a: x  \n", "a: x #c\n", "a: x#c\n", "a: x:\n",
    "a: <<\n", "a: =\n", "a.b-c_d: 1\n", "a-: 1\n", "a:\n  b: 1\n  b: 2\n", "a: 1\nb: 2\na: 3\n",
    "id: 1\ntitle: >-\n    What?\nseo:\n  title: QuickTakes | CS\n  page_keywords: >-\n    a, b\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents(text: str) -> None:
    check(text)


# --- Generated documents --------------------------------------------------------------------

PLAIN_WORDS = [
    "yes", "No", "on", "OFF", "y", "n", "true", "False", "TRUE", "~", "null", "Null", "NULL",
    "0", "12", "-7", "+12", "-0", "017", "0o17", "08", "0x1F", "0b101", "1_000", "1:20",
    "-1:20:30.5", "190:20:30", "1.5", "1.", ".5", "-.5", "+1.5", "1e3", "1.5e+3", "1.5e3",
    "1.0e-10", ".inf", "-.Inf", "+.INF", ".NaN", "-.nan", "9223372036854775807",
    "9223372036854775808", "3.141592653589793238", "2025-01-29", "2025-02-30", "2024-02-29",
    "2025-1-2", "2025-13-01", "0000-01-01", "2025-01-29 10:00:00", "2025-01-29T10:00:00Z",
    "2025-01-29t10:00:00.123456789+05:30", "2025-01-29 10:00:00 -5", "2025-01-29 7:05:09 +02",
    "2025-01-29T10:00:00.5-09:30", "2025-01-29T24:00:00", "2025-01-29 10:00:00 +24",
    "2019-07-02 11:21:02 -0400", "=", "<<", "_0", "0E0", "plain text", "a#b", "a # comment",
    "http://x.y/z?q=1", "-x", "?x", ":x", "x:y", "x: y", "@x", "`x", "%x", "x%", "é", "日本",
    "😀 emoji", "a, b", "[x", "x]", "{x", "x}", "a\\nb", "C:\\path", "x'y", 'x"y', "!x", "&x",
    "*x", "|x", ">x", "- x", "x -", "---x", "...x",
]
_safe_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
_text = st.text(alphabet=_safe_chars, max_size=12)
_word = st.one_of(st.sampled_from(PLAIN_WORDS), _text)
ESCAPES = ["\\n", "\\t", "\\\\", '\\"', "\\/", "\\x41", "\\x85", "\\u00e9", "\\u2028",
           "\\U0001F600", "\\N", "\\L", "\\P", "\\_", "\\0", "\\a", "\\e", "\\ ", "\\ud800",
           "\\udc00", "\\q", "\\x4", "\\\t"]


@st.composite
def inline_scalar(draw: st.DrawFn) -> str:
    """One scalar written on the rest of a line: plain, single- or double-quoted."""
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    word = draw(_word)
    if style == "plain":
        return word
    if style == "single":
        return "'" + word.replace("'", "''") + "'"
    parts = [word.replace("\\", "\\\\").replace('"', '\\"')]
    parts += draw(st.lists(st.one_of(st.sampled_from(ESCAPES), _text), max_size=3))
    return '"' + "".join(parts) + '"'


@st.composite
def key(draw: st.DrawFn) -> str:
    """A mapping key: mostly plain words, sometimes quoted, unicode or typed words."""
    choice = draw(st.sampled_from(["word"] * 12 + ["typed", "single", "double", "text"]))
    if choice == "word":
        word = draw(st.sampled_from(["id", "title", "date", "seo", "answer", "tags", "k k",
                                     "related_article", "é", "日付", "x-y", "a.b", "_schema"]))
        return word + draw(st.sampled_from(["", "", "1", "2", "3", "4", "5", "6", "7", "_x"]))
    if choice == "typed":
        return draw(st.sampled_from(["1", "yes", "null", "~", "2025-01-29", "2025-02-30", "1.5",
                                     "<<", "=", "0x1F", "-", "?", "a:b", "a#b", "'q'"]))
    if choice == "single":
        return "'" + draw(_text).replace("'", "''") + "'"
    if choice == "double":
        return '"' + draw(_text).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return draw(_text)


@st.composite
def block_scalar(draw: st.DrawFn, indent: int) -> str:
    """`|` or `>` with chomping and an optional indentation indicator, then its lines."""
    header = draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "-", "+"]))
    extra = draw(st.integers(1, 4))
    if draw(st.booleans()):
        header += str(extra) if draw(st.booleans()) else str(draw(st.integers(1, 9)))
    if draw(st.integers(0, 5)) == 0:
        header += draw(st.sampled_from([" # comment", "  ", " x"]))
    pad = " " * (indent + extra)
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "text", "text", "blank", "spaces", "more", "less"]))
        if kind == "text":
            lines.append(pad + draw(st.sampled_from(["x", "two words", "a\\nb \\\"q\\\"", "é 😀",
                                                      "# not a comment", "- item", "k: v",
                                                      "trailing  "])))
        elif kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append(" " * draw(st.integers(1, indent + extra + 3)))
        elif kind == "more":
            lines.append(pad + "  indented more")
        else:
            lines.append(" " * max(0, indent + extra - 1) + "less")
    if draw(st.booleans()):
        lines += [""] * draw(st.integers(1, 2))
    return header + "\n" + "".join(line + "\n" for line in lines)


@st.composite
def flow(draw: st.DrawFn, depth: int = 0) -> str:
    """A flow sequence or mapping, sometimes nested, sometimes odd."""
    items = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            items.append(draw(flow(depth + 1)))
            continue
        item = draw(st.one_of(inline_scalar(), st.sampled_from(["a: 1", "b:", "?x", ":x", "a:b"])))
        items.append(item)
    separator = draw(st.sampled_from([", ", ",", " , ", ",\n  "]))
    if draw(st.booleans()):
        body = separator.join(items)
        return "[" + body + draw(st.sampled_from(["", ", "])) + "]"
    pairs = [f"{draw(key())}: {item}" if draw(st.integers(0, 5)) else item for item in items]
    return "{" + separator.join(pairs) + "}"


JUNK = ["- x", "  : y", "? z", "&a x: 1", "*a", "!tag x: 1", "---", "...", "--- x", "%YAML 1.1",
        "\tk: v", "k:\tv", "k: v: w", '"unterminated: x', "'also", "[a, b", "{a: 1", " x",
        "k: [a]b", "k: 'a' b", "#", "   # indented comment", "k: v # comment", "k: v#not",
        "x\ry", "k: \u0085", "k: \u2028", "k:", "k: |", "-", ":", "@k: v", "`k: v"]


@st.composite
def entries(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    """The lines of a block mapping at `indent` (sometimes a block sequence item list)."""
    lines: list[str] = []
    pad = " " * indent
    for _ in range(draw(st.integers(1 if depth else 0, 5))):
        kind = draw(st.sampled_from(
            ["scalar"] * 12 + ["block"] * 4 + ["map", "map", "seq", "seq", "flow", "flow", "multi",
                                               "multi", "comment", "blank", "junk"]))
        k = draw(key())
        space = draw(st.sampled_from([" ", " ", "  "]))
        trailing = draw(st.sampled_from(["", "", "", " ", "  # c"]))
        if kind == "scalar":
            lines.append(f"{pad}{k}:{space}{draw(inline_scalar())}{trailing}")
        elif kind == "block":
            lines.append(f"{pad}{k}: " + draw(block_scalar(indent)).rstrip("\n"))
        elif kind == "map" and depth < 3:
            lines.append(f"{pad}{k}:{trailing}")
            lines += draw(entries(indent + draw(st.sampled_from([1, 2, 4])), depth + 1))
        elif kind == "seq" and depth < 3:
            lines.append(f"{pad}{k}:")
            item_pad = pad + draw(st.sampled_from(["", "  "]))
            for _ in range(draw(st.integers(0, 3))):
                if draw(st.integers(0, 3)) == 0:
                    nested = draw(entries(len(item_pad) + 2, depth + 1))
                    if nested:
                        lines.append(item_pad + "- " + nested[0].lstrip(" "))
                        lines += nested[1:]
                        continue
                lines.append(f"{item_pad}- {draw(inline_scalar())}{trailing}")
        elif kind == "flow":
            lines.append(f"{pad}{k}: {draw(flow())}{trailing}")
        elif kind == "multi":
            words = draw(st.lists(st.sampled_from(["word", "two words", "x:y", "a#b", "", "é"]),
                                  min_size=1, max_size=4))
            more = " " * (indent + draw(st.integers(1, 3)))
            lines.append(f"{pad}{k}: plain start")
            lines += [more + w if w else "" for w in words]
        elif kind == "comment":
            lines.append(pad + "# " + draw(_text))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        elif kind == "junk":
            lines.append(draw(st.one_of(st.sampled_from(JUNK), _text)))
        else:
            lines.append(f"{pad}{k}: {draw(inline_scalar())}")
    return lines


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A front matter text, as the caller hands it over: CRLF replaced by LF (a lone CR from a
    junk line stays), ending with a line break."""
    lines = draw(entries(0, 0))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "".join(line + newline for line in lines).replace("\r\n", "\n")
    if draw(st.sampled_from([False] * 29 + [True])):
        text = text.rstrip("\n")  # the pipeline always passes a final newline; others may not
    return text


# The shape of nearly every legacy document (`key: value`, one-line `>-` scalars, nested
# mappings), with the small departures from it that change how a line is read.
SIMPLE_VALUES = [
    "default", "165645", "-1.0", "2025-01-29", "2025-02-30", "2023-01-24T17:15:00+09:00",
    "MMM DD, YYYY", "QuickTakes | Biology", "/learn/x/questions/y", "a-b.md", "yes", "~", "null",
    "017", "1e3", "1.5e+3", ".5", "1:20", "-x", "it's", "C:\\dir", "\\n\\n### x", "日本 😀",
    "a#b", "a:b", "'q'", "'it''s'", "''", '"2024-05-19"', '"a\\nb"', "[]", "{}", "[a]",
    "x  ", "http://x.y/z?q=1", "0.5", "true", "Null", "2025-01-29 10:00:00",
]
ODD_VALUES = ["a #b", "a: b", "x:", "- x", "-", '"x" y', "'x' # c", "{a: 1}", "@x", "&a x",
              "!t x", "'open", '"open', "? x", ": x", "|x", ">x", "%x", "*a"]
SIMPLE_KEYS = ["id", "title", "date", "seo", "answer", "url", "score", "a.b", "x-y", "_k",
               "related_article"]


@st.composite
def simple_entries(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    """Lines of a block mapping in the legacy documents' shape, with departures."""
    lines: list[str] = []
    pad = " " * indent
    for number in range(draw(st.integers(1, 6))):
        key = draw(st.sampled_from(SIMPLE_KEYS)) + str(number)
        if draw(st.sampled_from([False] * 15 + [True])):
            key = draw(st.sampled_from(["yes", "1", "k k", "é", "'q'", "id0", "~"]))
        kind = draw(st.sampled_from(["value"] * 20 + ["block"] * 10 + ["map"] * 4 + ["odd"]))
        if kind == "value":
            colon = draw(st.sampled_from([": "] * 30 + [":  "] * 3 + [":"]))
            values = draw(st.sampled_from([SIMPLE_VALUES] * 20 + [ODD_VALUES]))
            lines.append(f"{pad}{key}{colon}{draw(st.sampled_from(values))}")
        elif kind == "block":
            header = draw(st.sampled_from([">-"] * 12 + [">", "|", "|-"] * 2 + [">+", "|2", ">- # c"]))
            lines.append(f"{pad}{key}: {header}")
            content_pad = " " * (indent + draw(st.sampled_from([4] * 20 + [2, 1, 0])))
            text = draw(st.sampled_from(["text", "a\\nb \\\"q\\\"", "# x", "- x", "k: v",
                                         "trailing  ", "é 😀", "---", "[a]"]))
            lines.append(content_pad + text)
            after = draw(st.sampled_from([None] * 30 + ["", "   ", pad + "  more",
                                                        content_pad + "second"]))
            if after is not None:
                lines.append(after)
        elif kind == "map" and depth < 3:
            lines.append(f"{pad}{key}:")
            lines += draw(simple_entries(indent + draw(st.sampled_from([2, 4] * 4 + [1])), depth + 1))
        else:
            lines.append(draw(st.sampled_from(
                ["", "  ", "# c", pad + "# c", pad + "  # c", pad + "   more", "x"])))
    return lines


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(simple_entries(0, 0))
def test_core_matches_pyyaml_on_legacy_shaped_documents(lines: list[str]) -> None:
    reason = check("".join(line + "\n" for line in lines))
    event("handled" if reason is None else f"declined: {reason}")


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_core_matches_pyyaml_on_generated_documents(text: str) -> None:
    reason = check(text)
    event("handled" if reason is None else f"declined: {reason}")


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=string.printable + "é😀\u0085\u2028\ufeff", max_size=80))
def test_core_matches_pyyaml_on_random_text(text: str) -> None:
    reason = check(text.replace("\r\n", "\n") + "\n")
    event("handled" if reason is None else f"declined: {reason}")
