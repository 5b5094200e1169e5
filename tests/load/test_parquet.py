"""Parquet: typed layout, streaming row groups, atomic commit, and record -> parquet -> record."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import pipeline.load.parquet as parquet_module
from pipeline.errors import LoadError
from pipeline.load import WriteOptions, get_writer, writer_names
from pipeline.load.parquet import (ARTICLES_PARQUET, RELATED_PARQUET, ParquetWriter,
                                   read_parquet)
from pipeline.record import ARTICLE, GENERIC, Record
from pipeline.transform import process_bytes, validate
from pipeline.transform.profile import load_profile
from tests.conftest import input_files, sample_records
from tests.strategies import article_records, generic_records, unique_paths

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARTICLE_SCHEMA = [
    ("id", pa.int64(), False), ("slug", pa.string(), False), ("url", pa.string(), True),
    ("title", pa.string(), True), ("question", pa.string(), True),
    ("answer", pa.string(), True), ("subject", pa.string(), True),
    ("author", pa.string(), True), ("date", pa.date32(), True),
    ("date_time", pa.timestamp("us", tz="UTC"), True), ("date_offset", pa.string(), True),
    ("seo_title", pa.string(), True), ("seo_description", pa.string(), True),
    ("seo_keywords", pa.list_(pa.string()), True),
    ("related", pa.list_(pa.struct([("id", pa.int64()), ("title", pa.string()),
                                    ("subject", pa.string()), ("url", pa.string())])), False),
    ("score", pa.float64(), True), ("body", pa.string(), True), ("extra", pa.string(), True),
    ("source_path", pa.string(), False), ("source_sha256", pa.string(), False),
]
RELATED_SCHEMA = [
    ("article_id", pa.int64(), False), ("position", pa.int64(), False),
    ("related_id", pa.int64(), True), ("title", pa.string(), True),
    ("subject", pa.string(), True), ("url", pa.string(), True),
]


def write(records: list[Record], out: Path, shape: str = ARTICLE, **options: Any) -> list[Path]:
    return get_writer("parquet")(out, shape, WriteOptions(**options)).write_all(iter(records))


def same(before: list[Record], after: list[Record]) -> None:
    assert [r.data for r in after] == [r.data for r in before]
    for record, back in zip(before, after, strict=True):
        assert list(back.data) == list(record.data)  # key order too
        assert back.shape == record.shape


def schema_rows(path: Path) -> list[tuple[str, pa.DataType, bool]]:
    schema = pq.read_schema(path)
    return [(f.name, f.type, f.nullable) for f in schema]


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return sample_records()


def test_parquet_is_registered() -> None:
    assert "parquet" in writer_names()
    assert get_writer("parquet") is ParquetWriter


def test_every_input_file_round_trips(records: list[Record], tmp_path: Path) -> None:
    assert len(records) >= 31
    paths = write(records, tmp_path)
    assert [p.name for p in paths] == [ARTICLES_PARQUET, RELATED_PARQUET]
    same(records, list(read_parquet(tmp_path)))
    # Datetimes with offsets are among them, so date_time + date_offset were exercised.
    assert any(r.data["date"] and len(r.data["date"]) > 10 for r in records)


def test_schema_is_typed(records: list[Record], tmp_path: Path) -> None:
    write(records, tmp_path)
    assert schema_rows(tmp_path / ARTICLES_PARQUET) == ARTICLE_SCHEMA
    assert schema_rows(tmp_path / RELATED_PARQUET) == RELATED_SCHEMA
    print(pq.read_schema(tmp_path / ARTICLES_PARQUET).to_string(show_field_metadata=False))


def test_date_columns_hold_real_values(records: list[Record], tmp_path: Path) -> None:
    write(records, tmp_path)
    table = pq.read_table(tmp_path / ARTICLES_PARQUET, columns=["date", "date_time",
                                                               "date_offset"])
    for record, row in zip(records, table.to_pylist(), strict=True):
        text = record.data["date"]
        assert row["date"].isoformat() == text[:10]
        if len(text) > 10:
            assert row["date_time"] == dt.datetime.fromisoformat(text)
            assert row["date_offset"] == text[-6:]
        else:
            assert row["date_time"] is None and row["date_offset"] is None


def test_related_parquet_has_one_row_per_link(records: list[Record], tmp_path: Path) -> None:
    write(records, tmp_path)
    rows = pq.read_table(tmp_path / RELATED_PARQUET).to_pylist()
    expected = [{"article_id": r.data["id"], "position": i, "related_id": link["id"],
                 "title": link["title"], "subject": link["subject"], "url": link["url"]}
                for r in records for i, link in enumerate(r.data["related"], start=1)]
    assert rows == expected


def test_written_in_row_groups_of_batch_rows(records: list[Record], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet_module, "BATCH_ROWS", 10)
    many = [Record(ARTICLE, {**records[i % len(records)].data, "id": i,
                             "source": {"path": f"{i}.md", "sha256": "0" * 64}})
            for i in range(25)]
    write(many, tmp_path)
    meta = pq.ParquetFile(tmp_path / ARTICLES_PARQUET).metadata
    assert meta.num_rows == 25
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10, 10, 5]
    same(many, list(read_parquet(tmp_path)))


def test_output_is_deterministic(records: list[Record], tmp_path: Path) -> None:
    write(records, tmp_path / "a")
    write(records, tmp_path / "b")
    for name in (ARTICLES_PARQUET, RELATED_PARQUET):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_no_records_gives_empty_files(tmp_path: Path) -> None:
    write([], tmp_path)
    assert pq.read_metadata(tmp_path / ARTICLES_PARQUET).num_rows == 0
    assert list(read_parquet(tmp_path)) == []


def visible_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_a_failing_record_leaves_nothing_behind(records: list[Record], tmp_path: Path) -> None:
    bad = Record(ARTICLE, {**records[0].data, "id": 2**64})
    with pytest.raises(LoadError) as err:
        write([records[1], bad], tmp_path)
    assert (err.value.path, err.value.field) == (bad.path, "id")
    assert visible_files(tmp_path) == []
    staging = tmp_path / ".pipeline" / "tmp"
    assert not staging.exists() or list(staging.iterdir()) == []


def test_earlier_output_stays_until_commit(records: list[Record], tmp_path: Path) -> None:
    write(records[:2], tmp_path)
    before = (tmp_path / ARTICLES_PARQUET).read_bytes()
    writer = ParquetWriter(tmp_path, ARTICLE, WriteOptions())
    for record in records:
        writer.write(record)
    assert (tmp_path / ARTICLES_PARQUET).read_bytes() == before  # still the old file
    writer.abort()
    assert (tmp_path / ARTICLES_PARQUET).read_bytes() == before


def test_a_timestamp_that_cannot_come_back_exactly_is_refused(records: list[Record],
                                                              tmp_path: Path) -> None:
    # Valid by the JSON Schema, but not the transform's form: `.5` would come back `.500000`.
    record = Record(ARTICLE, {**records[0].data, "date": "2025-01-29T10:00:00.5+02:00"})
    with pytest.raises(LoadError) as err:
        write([record], tmp_path)
    assert (err.value.path, err.value.field) == (record.path, "date")
    fine = Record(ARTICLE, {**records[0].data, "date": "2025-01-29T10:00:00.500000-09:30"})
    write([fine], tmp_path)
    same([fine], list(read_parquet(tmp_path)))


def test_reader_errors_are_typed(records: list[Record], tmp_path: Path) -> None:
    with pytest.raises(LoadError) as err:
        list(read_parquet(tmp_path))
    assert err.value.path == str(tmp_path / ARTICLES_PARQUET)
    write(records, tmp_path)
    table = pq.read_table(tmp_path / ARTICLES_PARQUET).drop_columns(["slug"])
    pq.write_table(table, tmp_path / ARTICLES_PARQUET)
    with pytest.raises(LoadError) as err:
        list(read_parquet(tmp_path))
    assert err.value.field == "slug"
    (tmp_path / ARTICLES_PARQUET).write_bytes(b"not parquet")
    with pytest.raises(LoadError):
        list(read_parquet(tmp_path))


def test_generic_records_round_trip(tmp_path: Path) -> None:
    profile = load_profile("generic")
    records = [process_bytes(p.read_bytes(), p.name, profile) for p in input_files()[:10]]
    assert all(isinstance(r, Record) for r in records)
    paths = write(records, tmp_path, GENERIC)  # type: ignore[arg-type]
    assert [p.name for p in paths] == [ARTICLES_PARQUET]
    assert [(f.name, f.type) for f in pq.read_schema(tmp_path / ARTICLES_PARQUET)] == [
        ("source_path", pa.string()), ("source_sha256", pa.string()),
        ("front_matter", pa.string()), ("body", pa.string())]
    same(records, list(read_parquet(tmp_path)))  # type: ignore[arg-type]


def test_duckdb_reads_the_nested_layout(records: list[Record], tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    write(records, tmp_path)
    con = duckdb.connect()
    articles, related = (str(tmp_path / ARTICLES_PARQUET), str(tmp_path / RELATED_PARQUET))
    rows = con.execute(
        "SELECT a.id, len(a.related), count(r.article_id) FROM read_parquet(?) a "
        "LEFT JOIN read_parquet(?) r ON r.article_id = a.id GROUP BY ALL ORDER BY a.id",
        [articles, related]).fetchall()
    assert rows == sorted((r.data["id"], len(r.data["related"]), len(r.data["related"]))
                          for r in records)


@PROPERTY
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_article_round_trip_property(records: list[Record]) -> None:
    for record in records:
        validate(record)  # the strategy only makes records the schema accepts
    records = unique_paths(records)
    with tempfile.TemporaryDirectory() as tmp:
        write(records, Path(tmp))
        same(records, list(read_parquet(Path(tmp))))


@PROPERTY
@given(records=st.lists(generic_records(), min_size=1, max_size=4))
def test_generic_round_trip_property(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write(records, Path(tmp), GENERIC)
        same(records, list(read_parquet(Path(tmp))))
