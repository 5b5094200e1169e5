"""The slug fast path gives exactly what python-slugify gives."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from slugify import slugify

from pipeline.transform import SLUG_MAX, _slugify

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
# Slug-like text, and near misses: capitals, doubled or edge dashes, spaces, accents.
_SLUGGISH = st.lists(_WORD, min_size=1, max_size=40).map("-".join)
_NEAR = st.text(alphabet="abcXYZ019-_ é.", max_size=60)


@settings(max_examples=400)
@given(st.one_of(_SLUGGISH, _NEAR))
def test_fast_path_agrees_with_slugify(text: str) -> None:
    """Same result as slugify with the pipeline's options, on either side of the limit."""
    assert _slugify(text) == slugify(text, max_length=SLUG_MAX, word_boundary=True)


def test_long_slug_is_truncated_by_slugify() -> None:
    """A slug over the limit is not passed through: slugify cuts it at a word boundary."""
    text = "-".join(["word"] * 60)
    assert len(text) > SLUG_MAX
    assert _slugify(text) == slugify(text, max_length=SLUG_MAX, word_boundary=True)
    assert len(_slugify(text)) <= SLUG_MAX
