"""Opt-in answer_html: rendered from the Markdown answer, written after `answer`, never read."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.load import WriteOptions, get_writer
from pipeline.load.csv import read_csv, read_datapackage
from pipeline.load.html import answer_html, maybe_answer_html, with_answer_html
from pipeline.load.jsonl import read_jsonl
from pipeline.load.parquet import read_parquet
from pipeline.record import ARTICLE, GENERIC, Record, Rejection
from pipeline.transform import process_bytes
from pipeline.transform.profile import load_profile
from tests.conftest import SEED, input_files

FORMATS = ("jsonl", "csv", "parquet")


class Tree(HTMLParser):
    """A minimal element tree: (tag, children, text) tuples, enough to check nesting."""

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, Any] = {"tag": None, "children": [], "text": ""}
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = {"tag": tag, "children": [], "text": ""}
        self.stack[-1]["children"].append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1]["tag"] == tag, (self.stack[-1]["tag"], tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1]["text"] += data


def parse(html: str) -> dict[str, Any]:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.stack == [tree.root]  # every element closed
    return tree.root


def text_of(node: dict[str, Any]) -> str:
    return node["text"] + "".join(text_of(c) for c in node["children"])


@pytest.fixture(scope="module")
def seed() -> Record:
    outcome = process_bytes(SEED.read_bytes(), SEED.name, load_profile("default"))
    assert isinstance(outcome, Record), outcome
    return outcome


@pytest.fixture(scope="module")
def records() -> list[Record]:
    profile = load_profile("default")
    out = [process_bytes(p.read_bytes(), p.name, profile) for p in input_files()]
    assert not any(isinstance(r, Rejection) for r in out)
    return out  # type: ignore[return-value]


def test_seed_headings_and_numbered_items(seed: Record) -> None:
    html = answer_html(seed.data["answer"])
    top = parse(html)["children"]
    headings = [text_of(n) for n in top if n["tag"] == "h3"]
    assert headings == ["Client-Server Model", "Peer-to-Peer Networks", "Summary"]
    # Each of the two model headings is followed by a numbered list of five items, the
    # first starting with a bold "Architecture".
    for heading in ("Client-Server Model", "Peer-to-Peer Networks"):
        at = next(i for i, n in enumerate(top) if n["tag"] == "h3" and text_of(n) == heading)
        lst = top[at + 1]
        assert lst["tag"] == "ol"
        items = [c for c in lst["children"] if c["tag"] == "li"]
        assert len(items) == 5
        strong = [n for n in items[0]["children"][0]["children"] if n["tag"] == "strong"]
        assert text_of(strong[0]) == "Architecture"
    assert "<h3>Client-Server Model</h3>\n<ol>\n<li>\n<p><strong>Architecture</strong>:" in html
    assert "<h3>Peer-to-Peer Networks</h3>\n<ol>\n<li>\n<p><strong>Architecture</strong>:" \
        in html
    assert "###" not in html and "**" not in html


def test_rendering_is_deterministic_and_stateless() -> None:
    text = "Term[^1] and *more*.\n\n[^1]: A note.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    first = answer_html(text)
    assert answer_html("Another[^1].\n\n[^1]: Other.") != first
    assert answer_html(text) == first  # no footnote state carried over between answers
    assert "<table>" in first and 'id="fn:1"' in first


def test_null_answer_stays_null() -> None:
    assert maybe_answer_html(None) is None
    assert maybe_answer_html("x") == "<p>x</p>"


def test_answer_html_goes_right_after_answer(seed: Record) -> None:
    data = with_answer_html(seed.data)
    keys = list(data)
    assert keys[keys.index("answer") + 1] == "answer_html"
    assert [k for k in keys if k != "answer_html"] == list(seed.data)


def write(records: list[Record], fmt: str, out: Path, shape: str = ARTICLE,
          html: bool = True) -> None:
    get_writer(fmt)(out, shape, WriteOptions(html=html)).write_all(iter(records))


def read_back(fmt: str, out: Path) -> list[Record]:
    if fmt == "jsonl":
        return list(read_jsonl(out / "articles.jsonl"))
    if fmt == "csv":
        return list(read_csv(out))
    return list(read_parquet(out))


def written_columns(fmt: str, out: Path) -> list[str]:
    if fmt == "jsonl":
        return list(json.loads((out / "articles.jsonl").read_text(encoding="utf-8")
                               .splitlines()[0]))
    if fmt == "csv":
        with open(out / "articles.csv", encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle))
    return pq.read_schema(out / "articles.parquet").names


def written_html(fmt: str, out: Path) -> list[str | None]:
    if fmt == "jsonl":
        return [json.loads(line)["answer_html"]
                for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    if fmt == "csv":
        with open(out / "articles.csv", encoding="utf-8", newline="") as handle:
            return [row["answer_html"] or None for row in csv.DictReader(handle)]
    return pq.read_table(out / "articles.parquet", columns=["answer_html"]).column(0).to_pylist()


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_add_answer_html_and_readers_drop_it(fmt: str, records: list[Record],
                                                     tmp_path: Path) -> None:
    records = [*records, Record(ARTICLE, {**records[0].data, "id": -1, "answer": None,
                                          "source": {"path": "null.md", "sha256": "0" * 64}})]
    write(records, fmt, tmp_path)
    columns = written_columns(fmt, tmp_path)
    assert columns[columns.index("answer") + 1] == "answer_html"
    assert written_html(fmt, tmp_path) == [maybe_answer_html(r.data["answer"]) for r in records]
    assert [r.data for r in read_back(fmt, tmp_path)] == [r.data for r in records]


def test_datapackage_declares_answer_html(records: list[Record], tmp_path: Path) -> None:
    write(records, "csv", tmp_path)
    fields = read_datapackage(tmp_path)["resources"][0]["schema"]["fields"]
    names = [f["name"] for f in fields]
    assert names[names.index("answer") + 1] == "answer_html"
    assert fields[names.index("answer_html")]["type"] == "string"


@pytest.mark.parametrize("fmt", FORMATS)
def test_html_is_off_by_default(fmt: str, records: list[Record], tmp_path: Path) -> None:
    assert WriteOptions().html is False
    write(records, fmt, tmp_path, html=False)
    assert "answer_html" not in written_columns(fmt, tmp_path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_generic_records_get_no_answer_html(fmt: str, tmp_path: Path) -> None:
    # A generic record has no answer; its front matter is kept as it is.
    profile = load_profile("generic")
    records = [process_bytes(p.read_bytes(), p.name, profile) for p in input_files()[:3]]
    write(records, fmt, tmp_path, GENERIC)  # type: ignore[arg-type]
    assert "answer_html" not in written_columns(fmt, tmp_path)
    assert [r.data for r in read_back(fmt, tmp_path)] == [r.data for r in records]  # type: ignore[union-attr]


def test_seed_html_in_every_format_is_the_same(seed: Record, tmp_path: Path) -> None:
    expected = answer_html(seed.data["answer"])
    for fmt in FORMATS:
        write([seed], fmt, tmp_path / fmt)
        assert written_html(fmt, tmp_path / fmt) == [expected]
    assert re.search(r"<h3>Client-Server Model</h3>", expected)
