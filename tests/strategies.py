"""Hypothesis strategies for canonical records that satisfy the JSON Schema."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from pipeline.record import ARTICLE, GENERIC, Record

# Text as legacy documents hold it: any Unicode but surrogates; CR is excluded outside `answer`
# because every reader normalises CRLF in page bodies (the answer carries it explicitly).
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
                max_size=60)
_opt_text = st.one_of(st.none(), _text.filter(lambda s: s.strip() != ""))
_answer = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                                       max_size=200).filter(lambda s: s.strip() != ""))
_slug = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=30)
_ids = st.integers(min_value=-(2**53), max_value=2**53)
_offsets = st.sampled_from(["+00:00", "+02:00", "-05:00", "+05:30", "-09:30"])


@st.composite
def _dates(draw: st.DrawFn) -> str | None:
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
    kind = draw(st.sampled_from(["none", "date", "datetime"]))
    if kind == "none":
        return None
    if kind == "date":
        return day.isoformat()
    time = draw(st.times()).replace(microsecond=0)
    return f"{day.isoformat()}T{time.isoformat()}{draw(_offsets)}"


_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**53),
                                                                 max_value=2**53),
                         st.floats(allow_nan=False, allow_infinity=False), _text)
_json = st.recursive(_json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)), max_leaves=12)
_source = st.fixed_dictionaries({
    "path": st.text(alphabet=string.ascii_letters + string.digits + "_-./ ", min_size=1,
                    max_size=40).filter(lambda s: s.strip() != ""),
    "sha256": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)})


@st.composite
def article_records(draw: st.DrawFn) -> Record:
    """A canonical article record."""
    links = draw(st.lists(st.fixed_dictionaries({
        "id": st.one_of(st.none(), _ids), "title": _opt_text, "subject": _opt_text,
        "url": _opt_text}), max_size=5))
    data = {
        "id": draw(_ids), "slug": draw(_slug), "url": draw(_opt_text), "title": draw(_opt_text),
        "question": draw(_opt_text), "answer": draw(_answer), "subject": draw(_opt_text),
        "author": draw(_opt_text), "date": draw(_dates()),
        "seo": {"title": draw(_opt_text), "description": draw(_opt_text),
                "keywords": draw(st.lists(_text.filter(lambda s: s.strip() != ""), max_size=5))},
        "related": links,
        "score": draw(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))),
        "body": draw(_text),
        "extra": draw(st.dictionaries(_text, _json, max_size=4)),
        "source": draw(_source),
    }
    return Record(ARTICLE, data)


@st.composite
def generic_records(draw: st.DrawFn) -> Record:
    """A generic record: any JSON-safe front matter and a body."""
    return Record(GENERIC, {"front_matter": draw(st.dictionaries(_text, _json, max_size=6)),
                            "body": draw(_text), "source": draw(_source)})


def unique_paths(records: list[Record]) -> list[Record]:
    """Drop records whose source path another record has (case-insensitively)."""
    seen: set[str] = set()
    out = []
    for record in records:
        if record.path.lower() not in seen:
            seen.add(record.path.lower())
            out.append(record)
    return out


def page_safe(path: str) -> bool:
    """Paths a generic page can be written at unchanged (no `..`, no empty segments)."""
    parts = path.split("/")
    return all(p not in ("", ".", "..") and p.strip() == p for p in parts)


def generic_page_sets(max_size: int = 4) -> st.SearchStrategy[list[Record]]:
    """Non-empty lists of generic records whose paths are distinct and writable as pages."""
    return (st.lists(generic_records(), min_size=1, max_size=max_size)
            .map(lambda records: [r for r in unique_paths(records) if page_safe(r.path)])
            .filter(bool))
