"""The hand-written front-matter emitter: PyYAML reads back exactly what was written."""

from __future__ import annotations

import yaml
from hypothesis import given, settings, strategies as st

from pipeline.load.markdown.yamlfm import dump_yaml

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_tricky = st.sampled_from(["yes", "No", "on", "~", "null", "2025-01-29", "1:20", "0o17", "017",
                           "1_000", ".inf", "-", "- x", "a: b", "a #b", "#x", "&a", "*a", "!t",
                           "|", ">", "'", '"', "@x", "`x", "%x", "[a]", "{a}", "a,b", "?", ":",
                           "x\n", "\nx", " x\ny", "x \ny", "a\r\nb", "a\x85b", "a\u2028b",
                           "\ufeffx", "tab\tin\nblock", "end\n\n", "\n", "", " ", "é\n東"])
_scalar = st.one_of(st.none(), st.booleans(), st.integers(),
                    st.floats(allow_nan=False), _text, _tricky)
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(_text, _tricky), inner, max_size=4)), max_leaves=20)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.one_of(_text, _tricky), _value, min_size=1, max_size=6))
def test_pyyaml_reads_back_the_same(mapping: dict) -> None:
    text = dump_yaml(mapping)
    assert yaml.safe_load(text) == mapping
    assert list(yaml.safe_load(text)) == list(mapping)


def test_readable_shapes() -> None:
    text = dump_yaml({"title": "Plain words", "date": "2025-01-29", "answer": "a\nb\n",
                      "tags": ["x", "yes"], "seo": {"k": []}, "related": [{"id": 1, "t": "T"}],
                      "score": -1.0, "n": None})
    assert text == ("title: Plain words\ndate: \"2025-01-29\"\nanswer: |\n  a\n  b\n"
                    "tags:\n- x\n- \"yes\"\nseo:\n  k: []\nrelated:\n- id: 1\n  t: T\n"
                    "score: -1.0\nn: null\n")
