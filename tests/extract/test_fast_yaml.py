"""Differential test: the yaml-rs fast path gives exactly what PyYAML's safe_load gives."""

from __future__ import annotations

import codecs
import math
from collections import Counter
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from pipeline.extract.frontmatter import split
from pipeline.extract.yaml_loader import FAST_PARSER, load_yaml, load_yaml_pyyaml
from pipeline.load.markdown.yamlfm import dump_yaml
from pipeline.samples import generate
from tests.conftest import INPUT_DIR, SHARED

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def typed(value: Any) -> Any:
    """A form in which True, 1 and 1.0 (and NaNs) compare as different things."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def yaml_blocks(data: bytes) -> Iterator[str]:
    """The YAML front matter text of a file, if it has one."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if data.startswith(bom):
            data = data[len(bom):].decode(enc).encode()
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return
    try:
        found = split(text)
    except Exception:  # noqa: BLE001 - unclosed blocks are not this test's business
        return
    if found is not None and found[0].name == "yaml":
        yield found[1].text


def check(text: str, counts: Counter[str]) -> None:
    """Assert the fast path agrees with safe_load on one front matter text."""
    try:
        reference = yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, ValueError):
        counts["reference-refuses"] += 1
        return
    try:
        value, key_lines, parser = load_yaml(text, 2)
    except Exception:  # noqa: BLE001 - our stricter checks (duplicate keys, bombs) may refuse
        counts["stricter"] += 1
        return
    counts[parser if parser == FAST_PARSER else "fallback"] += 1
    assert typed(value) == typed(reference), text[:300]
    if parser == FAST_PARSER and isinstance(value, dict):
        # Lines are found by a scan of block-style keys: every line it finds is right, and
        # for block mappings it finds them all (flow-style `{...}` front matter has none).
        reference_lines = load_yaml_pyyaml(text, 2)[1]
        assert key_lines.items() <= reference_lines.items(), text[:300]
        if not text.lstrip().startswith("{"):
            assert key_lines == reference_lines, text[:300]


def corpus_texts() -> Iterator[tuple[str, bytes]]:
    for path in sorted(INPUT_DIR.iterdir()):
        if path.is_file():
            yield "input", path.read_bytes()
    for seed in (0, 5):
        for _, data in generate(1500, seed=seed):
            yield "generated", data
    corpora = SHARED / "corpora"
    if corpora.is_dir():
        for path in sorted(corpora.rglob("*")):
            if path.is_file():
                yield path.relative_to(corpora).parts[0], path.read_bytes()


def test_fast_path_agrees_with_pyyaml_everywhere() -> None:
    counts: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for source, data in corpus_texts():
        for text in yaml_blocks(data):
            sources[source] += 1
            check(text, counts)
    print(f"\nfast YAML path: {dict(counts)} over {dict(sources)}")
    assert counts[FAST_PARSER] > 3000  # the fast path is really taken
    if not (SHARED / "corpora").is_dir():
        pytest.skip(f"{SHARED / 'corpora'} absent: checked input/ and generated files only")


_scalars = st.sampled_from([
    "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "true", "False", "2025-01-29",
    "2025-02-30", "2025-01-29 10:00:00", "2025-01-29t10:00:00z", "2025-01-29T10:00:00.5+02:00",
    "2019-07-02 11:21:02 -0400", "1:20", "-1:20:30.5", "0o17", "017", "0x1F", "0b101", "1_000",
    "1e3", "1.5e3", "-.inf", ".NaN", ".5", "-.5", "+.5", "-.5_0", "12.", "+12", "-0", "=", "<<",
    "'quoted'", "a\x07b", "x\x85y", "\ufeffbom", "_0",
    "_1_000", "0E0",
    '"dq \\u00e9"', "plain text", "a: b", "[1, yes, 017]", "{k: on}", "&a x", "*a", "!!str 5",
    "!!binary aGk=", "|\n  block\n", ">-\n  folded\n  text\n", "- x", "'2025-01-29'"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "yes", "1", "2025-01-29", "k k", "_0", "0E0"]),
                          _scalars), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_fast_path_on_tricky_scalars(pairs: list[tuple[str, str]]) -> None:
    lines = []
    for key, value in pairs:
        if value.startswith(("|", ">")):
            head, rest = value.split("\n", 1)
            lines.append(f"{key}: {head}\n{rest}".rstrip("\n"))
        elif value.startswith("- "):
            lines.append(f"{key}:\n  {value}")
        else:
            lines.append(f"{key}: {value}")
    check("\n".join(lines) + "\n", Counter())


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json, min_size=1, max_size=5))
def test_fast_path_on_emitted_front_matter(mapping: dict) -> None:
    check(dump_yaml(mapping), Counter())
