"""The normalisation rules of DESIGN.md, one by one, through the default profile."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import DateError, FieldTypeError, MissingFieldError
from pipeline.extract import parse_document
from pipeline.record import Rejection
from pipeline.transform import (is_placeholder_body, process_bytes, split_list, to_record)
from pipeline.transform.profile import Profile
from tests.conftest import FIXTURES, SEED

DOC = """---
id: 10
date: {date}
date_format: {fmt}
title: >-
    {title}
answer: >-
    {answer}
url: /learn/x/questions/{slug}
file_name: {file_name}
seo:
  title: T
  page_keywords: >-
    {keywords}
{related}---
{body}"""


def make(profile: Profile, *, date: str = "2025-01-29", fmt: str = "MMM DD, YYYY",
         title: str = "A title", answer: str = "An answer", slug: str = "a-title",
         file_name: str = "a-title.md", keywords: str = "a, b", related: str = "",
         body: str = "&nbsp;") -> dict:
    text = DOC.format(date=date, fmt=fmt, title=title, answer=answer, slug=slug,
                      file_name=file_name, keywords=keywords, related=related, body=body)
    return to_record(parse_document(text.encode(), "doc.md"), profile).data


def link(n: int, id_: object, title: str = "T", url: str | None = None) -> str:
    url = url or f"/learn/x/questions/q{id_}"
    return (f"related_article{n}:\n    id: {id_}\n    title: >-\n        {title}\n"
            f"    subject: S\n    url: {url}\n")


def test_golden_seed(default_profile: Profile) -> None:
    """The seed gives exactly the record written out by hand in the fixture."""
    expected = json.loads((FIXTURES / "seed.expected.json").read_text(encoding="utf-8"))
    outcome = process_bytes(SEED.read_bytes(), SEED.name, default_profile)
    assert not isinstance(outcome, Rejection), outcome
    assert outcome.data == expected
    assert list(outcome.data) == list(expected)  # key order too
    assert [link["id"] for link in outcome.data["related"]] == [165644, 165650]
    assert outcome.data["answer"].startswith(
        "The client-server model and peer-to-peer (P2P) networks are two distinct architectures")
    assert "them:\n\n### Client-Server Model\n1. **Architecture**" in outcome.data["answer"]
    assert len(outcome.data["seo"]["keywords"]) == 10


def test_escapes_only_in_declared_fields(default_profile: Profile) -> None:
    data = make(default_profile, answer=r"Line\nTwo \\n \"q\" \/ caf\u00e9",
                title=r"Title\twith tab", related=link(1, 11, title=r"Linked\ntitle"))
    assert data["answer"] == 'Line\nTwo \\n "q" / café'
    assert data["title"] == "Title\twith tab"
    assert data["related"][0]["title"] == "Linked\ntitle"
    # url and file_name are not declared escaped: their backslashes stay.
    raw = make(default_profile, file_name=r"odd\nname.md")
    assert raw["extra"]["file_name"] == r"odd\nname.md"


@pytest.mark.parametrize(("date", "fmt", "expected"), [
    ("2025-01-29", "MMM DD, YYYY", "2025-01-29"),
    ('"2025-03-04"', "MMM DD, YYYY", "2025-03-04"),
    ("Jan 29, 2025", "MMM DD, YYYY", "2025-01-29"),
    ("29/01/2025", "DD/MM/YYYY", "2025-01-29"),
    ("2025-01-29T14:30:00+02:00", "MMM DD, YYYY", "2025-01-29T14:30:00+02:00"),
])
def test_dates_through_the_profile(default_profile: Profile, date: str, fmt: str,
                                   expected: str) -> None:
    assert make(default_profile, date=date, fmt=fmt)["date"] == expected


def test_unreadable_date_is_an_error_with_line_and_raw_value(default_profile: Profile) -> None:
    with pytest.raises(DateError) as err:
        make(default_profile, date="2025-02-30")
    assert err.value.line == 3 and err.value.field == "date"
    assert "'2025-02-30'" in str(err.value) and err.value.path == "doc.md"


def test_related_links_normalised(default_profile: Profile) -> None:
    related = (link(1, 11) + link(2, 12) + "related_article3:\n" + link(4, 11)
               + "related_article5: {}\n" + link(6, 10) + link(9, 13) + link(12, 12))
    data = make(default_profile, related=related)
    # first occurrence wins, duplicates, self-link (10), empty slots dropped; 12 sorts after 9
    assert [item["id"] for item in data["related"]] == [11, 12, 13]
    assert not any(k.startswith("related_article") for k in data["extra"])


def test_keywords_split_trimmed_empties_dropped(default_profile: Profile) -> None:
    assert make(default_profile, keywords=" a ,b,, c ,")["seo"]["keywords"] == ["a", "b", "c"]
    assert split_list("", ",") == []


@pytest.mark.parametrize("body", ["&nbsp;", "", "  \n\n", "<br>", "<p>&nbsp;</p>",
                                  "&nbsp;\n<br/>\n", "<BR>"])
def test_placeholder_bodies_are_empty(default_profile: Profile, body: str) -> None:
    assert make(default_profile, body=body)["body"] == ""
    assert is_placeholder_body(body, default_profile.placeholders)


def test_real_body_is_kept(default_profile: Profile) -> None:
    assert make(default_profile, body="&nbsp;Real text\n")["body"] == "&nbsp;Real text\n"


def test_slug_sources_in_order(default_profile: Profile) -> None:
    assert make(default_profile, file_name="from-file.md")["slug"] == "from-file"
    text = DOC.replace("file_name: {file_name}\n", "")
    raw = parse_document(text.format(date="2025-01-29", fmt="x", title="T", answer="A",
                                     slug="from-url", keywords="", related="", body="").encode(),
                         "d.md")
    assert to_record(raw, default_profile).data["slug"] == "from-url"
    assert make(default_profile, file_name="../../etc/passwd.md")["slug"] == "passwd"


def test_every_legacy_key_is_mapped_or_kept(default_profile: Profile) -> None:
    text = ("---\nid: 5\ntitle: x\nseo:\n  title: t\n  og_image: /i.png\n"
            "custom: {a: [1, 2]}\nwhen: 2024-01-02\n---\n")
    data = to_record(parse_document(text.encode(), "k.md"), default_profile).data
    assert data["extra"] == {"seo": {"og_image": "/i.png"}, "custom": {"a": [1, 2]},
                             "when": "2024-01-02"}


def test_missing_id_is_an_error(default_profile: Profile) -> None:
    with pytest.raises(MissingFieldError) as err:
        to_record(parse_document(b"---\ntitle: x\n---\n", "m.md"), default_profile)
    assert err.value.field == "id"


def test_no_front_matter_is_an_error_under_default(default_profile: Profile) -> None:
    with pytest.raises(MissingFieldError, match="no front matter"):
        to_record(parse_document(b"just text", "t.md"), default_profile)


def test_wrong_type_is_an_error(default_profile: Profile) -> None:
    with pytest.raises(FieldTypeError) as err:
        to_record(parse_document(b"---\nid: 1\nanswer: [a, b]\n---\n", "w.md"), default_profile)
    assert err.value.field == "answer" and err.value.line == 3


def test_generic_profile_keeps_front_matter(generic_profile: Profile) -> None:
    text = b"---\nz: 1\na: 2019-07-02 11:21:02 -0400\nd: 2015-10-01\nt: 2015-10-01 01:00:00\n---\nB"
    data = to_record(parse_document(text, "g.md"), generic_profile).data
    assert list(data) == ["front_matter", "body", "source"]
    assert list(data["front_matter"]) == ["z", "a", "d", "t"]
    assert data["front_matter"] == {"z": 1, "a": "2019-07-02 11:21:02 -0400", "d": "2015-10-01",
                                    "t": "2015-10-01T01:00:00"}
    assert data["body"] == "B"
    none = to_record(parse_document(b"no front matter", "n.md"), generic_profile).data
    assert none["front_matter"] == {} and none["body"] == "no front matter"


def test_fast_and_reference_validators_agree() -> None:
    """fastjsonschema (speed) and jsonschema (reference) accept and refuse the same records."""
    from hypothesis import given, settings, strategies as st

    from pipeline.transform import _fast_validator, _validator
    from tests.strategies import article_records

    def fast_ok(data: dict) -> bool:
        try:
            _fast_validator("article")(data)
            return True
        except Exception:  # noqa: BLE001
            return False

    mutations = st.sampled_from([
        ("slug", ""), ("slug", "a/b"), ("slug", 5), ("date", "2025-13"), ("date", "2025-01-29T"),
        ("id", "7"), ("id", 1.5), ("title", ""), ("seo", {}), ("related", [{"id": 1}]),
        ("score", "high"), ("body", None), ("extra", []), ("source", {"path": "x"}),
        ("unknown", 1), ("answer", 3)])

    @settings(max_examples=300, deadline=None)
    @given(article_records(), st.none() | mutations)
    def check(record, mutation) -> None:
        data = dict(record.data)
        if mutation is not None:
            data[mutation[0]] = mutation[1]
        assert fast_ok(data) == _validator("article").is_valid(data), mutation

    check()


def test_integers_beyond_64_bits_are_rejected(default_profile) -> None:
    """An id SQLite, DuckDB BIGINT and pandas Int64 cannot hold is a field-type error, not a crash
    when the run's corpus index stores it."""
    from pipeline.record import Rejection
    from pipeline.transform import process_bytes

    for text in ("99999999999999999999", '"-9223372036854775809"', "1.0e+19"):
        outcome = process_bytes(f"---\nid: {text}\n---\n".encode(), "big.md", default_profile)
        assert isinstance(outcome, Rejection), text
        assert outcome.kind == "field-type" and outcome.field == "id" and outcome.line == 2
        assert "does not fit in 64 bits" in outcome.reason
    ok = process_bytes(b"---\nid: 9223372036854775807\n---\n", "max.md", default_profile)
    assert not isinstance(ok, Rejection)
