"""Round trips: record -> each output format -> record gives the same record."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.atomic import safe_relative
from pipeline.load import WriteOptions, get_writer
from pipeline.load.csv import read_csv
from pipeline.load.jsonl import read_jsonl
from pipeline.load.markdown import read_markdown
from pipeline.record import ARTICLE, GENERIC, Record
from pipeline.transform import validate
from tests.conftest import sample_records
from tests.strategies import article_records, generic_page_sets, unique_paths


def write(records: list[Record], fmt: str, out: Path, shape: str,
          **options: object) -> None:
    get_writer(fmt)(out, shape, WriteOptions(**options)).write_all(iter(records))


def read_back(fmt: str, out: Path, shape: str) -> list[Record]:
    if fmt == "jsonl":
        return list(read_jsonl(out / "articles.jsonl"))
    if fmt == "csv":
        return list(read_csv(out))
    pages = {r.path: r for r in read_markdown(out / "markdown" / "generic", "generic", shape)}
    return list(pages.values())


def same(before: list[Record], after: list[Record], fmt: str, shape: str) -> None:
    if fmt == "markdown":
        # Pages are read in file-name order; a generic page's source is the page itself.
        if shape == GENERIC:
            by_path = {r.data["source"]["path"]: r.data for r in after}
            for record in before:
                # The page sits at the source path made safe (e.g. `NUL` becomes `_NUL`).
                got = by_path[str(safe_relative(record.path))]
                assert got["front_matter"] == record.data["front_matter"]
                assert got["body"] == record.data["body"]
            return
        key = lambda r: r.data["source"]["path"]  # noqa: E731
        before, after = sorted(before, key=key), sorted(after, key=key)
    assert [r.data for r in after] == [r.data for r in before]
    for record in after:
        assert list(record.data) == list(before[0].data)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "markdown"])
def test_every_input_file_round_trips(fmt: str, tmp_path: Path) -> None:
    records = sample_records()
    assert len(records) >= 31
    write(records, fmt, tmp_path, ARTICLE)
    same(records, read_back(fmt, tmp_path, ARTICLE), fmt, ARTICLE)


def test_spreadsheet_safe_csv_round_trips(tmp_path: Path) -> None:
    records = sample_records()
    write(records, "csv", tmp_path, ARTICLE, spreadsheet_safe=True)
    assert (tmp_path / "articles.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    same(records, read_back("csv", tmp_path, ARTICLE), "csv", ARTICLE)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "markdown"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_article_round_trip_property(fmt: str, records: list[Record]) -> None:
    for record in records:
        validate(record)  # the strategy only makes records the schema accepts
    records = unique_paths(records)
    with tempfile.TemporaryDirectory() as tmp:
        write(records, fmt, Path(tmp), ARTICLE)
        same(records, read_back(fmt, Path(tmp), ARTICLE), fmt, ARTICLE)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "markdown"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=generic_page_sets())
def test_generic_round_trip_property(fmt: str, records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write(records, fmt, Path(tmp), GENERIC)
        same(records, read_back(fmt, Path(tmp), GENERIC), fmt, GENERIC)


