"""The data-team outputs checked with the real tools: frictionless, DuckDB and pandas.

Each tool reads articles.csv / related.csv only through the types datapackage.json declares
(`pipeline.load.sql` for DuckDB, `pipeline.load.csv.read_pandas` for pandas), and must give
back what the JSONL records say, nulls included.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.load import WriteOptions, get_writer
from pipeline.load.csv import read_csv, read_datapackage, read_pandas
from pipeline.load.jsonl import read_jsonl
from pipeline.load.sql import DUCKDB_TYPES, duckdb_statements, duckdb_types, load_duckdb
from pipeline.record import ARTICLE, GENERIC, Record
from pipeline.transform import process_bytes
from pipeline.transform.profile import load_profile
from tests.conftest import input_files, sample_records
from tests.strategies import article_records, generic_records, unique_paths

frictionless = pytest.importorskip("frictionless")
duckdb = pytest.importorskip("duckdb")
pd = pytest.importorskip("pandas")

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

#: What DESCRIBE shows after load_duckdb (the types come from datapackage.json).
EXPECTED_DUCKDB = {
    "articles": [
        ("id", "BIGINT", "NO"), ("slug", "VARCHAR", "NO"), ("url", "VARCHAR", "YES"),
        ("title", "VARCHAR", "YES"), ("question", "VARCHAR", "YES"),
        ("answer", "VARCHAR", "YES"), ("subject", "VARCHAR", "YES"),
        ("author", "VARCHAR", "YES"), ("date", "DATE", "YES"),
        ("date_time", "TIMESTAMP WITH TIME ZONE", "YES"), ("seo_title", "VARCHAR", "YES"),
        ("seo_description", "VARCHAR", "YES"), ("seo_keywords", "JSON", "YES"),
        ("score", "DOUBLE", "YES"), ("body", "VARCHAR", "YES"), ("extra", "JSON", "YES"),
        ("source_path", "VARCHAR", "NO"), ("source_sha256", "VARCHAR", "NO"),
    ],
    "related": [
        ("article_id", "BIGINT", "NO"), ("position", "BIGINT", "NO"),
        ("related_id", "BIGINT", "YES"), ("title", "VARCHAR", "YES"),
        ("subject", "VARCHAR", "YES"), ("url", "VARCHAR", "YES"),
    ],
}


def write(records: list[Record], out: Path, shape: str = ARTICLE, formats: tuple[str, ...] =
          ("jsonl", "csv"), **options: Any) -> None:
    """Write records in each format."""
    for fmt in formats:
        get_writer(fmt)(out, shape, WriteOptions(**options)).write_all(iter(records))


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return sample_records()


@pytest.fixture(scope="module")
def out(records: list[Record], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("datateam")
    write(records, folder)
    return folder


def jsonl_records(out: Path) -> list[dict[str, Any]]:
    return [r.data for r in read_jsonl(out / "articles.jsonl")]


# --- frictionless ---------------------------------------------------------------------------


def frictionless_errors(out: Path) -> tuple[Any, list[Any]]:
    report = frictionless.validate(str(out / "datapackage.json"))
    return report, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("options", [{}, {"spreadsheet_safe": True}, {"html": True}],
                         ids=["default", "spreadsheet-safe", "html"])
def test_frictionless_validates_package_and_rows(records: list[Record], tmp_path: Path,
                                                 options: dict[str, Any]) -> None:
    write(records, tmp_path, **options)
    report, errors = frictionless_errors(tmp_path)
    assert report.valid, errors
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    # Every row was read and checked (types, required, primary and foreign keys).
    assert rows == {"articles": len(records),
                    "related": sum(len(r.data["related"]) for r in records)}
    assert any(r.data["date"] and len(r.data["date"]) > 10 for r in records)  # offsets seen


def test_frictionless_descriptor_has_no_metadata_errors(out: Path) -> None:
    descriptor = str(out / "datapackage.json")
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    package = frictionless.Package(descriptor)
    resource = package.get_resource("related")
    assert resource.schema.foreign_keys == [
        {"fields": ["article_id"], "reference": {"resource": "articles", "fields": ["id"]}}]
    assert package.get_resource("articles").schema.primary_key == ["id"]


@pytest.mark.parametrize("needle, replacement, error", [
    ("\r\n165645,1,", "\r\n999999,1,", "foreign-key"),  # link from an article that is not there
    ("2023-01-24T17:15:00+09:00", "2023-01-24T17:15:00+99:00", "type-error"),  # bad datetime
    ("2025-01-29", "2025-02-30", "type-error"),  # impossible date
])
def test_frictionless_really_checks_rows(out: Path, tmp_path: Path, needle: str,
                                         replacement: str, error: str) -> None:
    # The validation above means something only if a broken row fails it.
    for name in ("articles.csv", "related.csv", "datapackage.json"):
        text = (out / name).read_bytes().decode("utf-8")
        if needle in text and name != "datapackage.json":
            text = text.replace(needle, replacement, 1)
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    report, errors = frictionless_errors(tmp_path)
    assert not report.valid
    assert error in {e[3] for e in errors}, errors


@PROPERTY
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_frictionless_accepts_any_article_record(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write(unique_paths(records), Path(tmp), formats=("csv",))
        report, errors = frictionless_errors(Path(tmp))
        assert report.valid, errors


@PROPERTY
@given(records=st.lists(generic_records(), min_size=1, max_size=4))
def test_frictionless_accepts_any_generic_record(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write(unique_paths(records), Path(tmp), GENERIC, formats=("csv",))
        report, errors = frictionless_errors(Path(tmp))
        assert report.valid, errors


# --- DuckDB ---------------------------------------------------------------------------------


def test_duckdb_type_mapping_is_library_code() -> None:
    fields = [{"name": n, "type": t} for n, t in
              [("a", "integer"), ("b", "number"), ("c", "date"), ("d", "datetime"),
               ("e", "string"), ("f", "array"), ("g", "object")]]
    assert duckdb_types(fields) == {"a": "BIGINT", "b": "DOUBLE", "c": "DATE",
                                    "d": "TIMESTAMPTZ", "e": "VARCHAR", "f": "JSON",
                                    "g": "JSON"}
    assert duckdb_types(fields, json_type="VARCHAR")["f"] == "VARCHAR"
    assert set(DUCKDB_TYPES) >= {"integer", "number", "date", "datetime", "string", "array",
                                 "object"}


def describe(con: Any, table: str) -> list[tuple[str, str, str]]:
    return [(row[0], row[1], row[2]) for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def test_duckdb_loads_typed_tables_and_joins(out: Path) -> None:
    expected = jsonl_records(out)
    con = duckdb.connect()
    assert load_duckdb(con, out) == ["articles", "related"]
    for table in ("articles", "related"):
        columns = describe(con, table)
        print(f"DuckDB {duckdb.__version__} DESCRIBE {table}: {columns}")  # for the note (-s)
        assert columns == EXPECTED_DUCKDB[table]

    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(expected)
    assert con.execute("SELECT count(*) FROM related").fetchone()[0] == \
        sum(len(r["related"]) for r in expected)

    # Links per article through the join equal the record's list, in order, titles included.
    joined = con.execute("""
        SELECT a.id, a.title, count(r.article_id) AS links,
               list(r.title ORDER BY r.position) FILTER (WHERE r.article_id IS NOT NULL),
               list(r.related_id ORDER BY r.position) FILTER (WHERE r.article_id IS NOT NULL)
        FROM articles a LEFT JOIN related r ON r.article_id = a.id
        GROUP BY a.id, a.title ORDER BY a.id""").fetchall()
    by_id = {r["id"]: r for r in expected}
    assert [row[0] for row in joined] == sorted(by_id)
    for article_id, title, links, titles, ids in joined:
        record = by_id[article_id]
        assert title == record["title"]
        assert links == len(record["related"])
        assert (titles or []) == [link["title"] for link in record["related"]]
        assert (ids or []) == [link["id"] for link in record["related"]]

    # Dates: `date` is the calendar date as written, `date_time` the same instant.
    rows = con.execute("SELECT id, date, date_time, json_array_length(seo_keywords), "
                       "extra->>'$._schema', score FROM articles").fetchall()
    for article_id, day, instant, keywords, schema, score in rows:
        record = by_id[article_id]
        assert day == (dt.date.fromisoformat(record["date"][:10]) if record["date"] else None)
        if record["date"] and len(record["date"]) > 10:
            assert instant == dt.datetime.fromisoformat(record["date"])
        else:
            assert instant is None
        assert keywords == len(record["seo"]["keywords"])
        assert schema == record["extra"]["_schema"]
        assert score == record["score"]


def test_duckdb_enforces_the_declared_keys(out: Path, tmp_path: Path) -> None:
    for name in ("articles.csv", "datapackage.json"):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    text = (out / "related.csv").read_bytes().decode("utf-8")
    (tmp_path / "related.csv").write_bytes(
        text.replace("\r\n165645,1,", "\r\n999999,1,", 1).encode("utf-8"))
    with pytest.raises(duckdb.ConstraintException):
        load_duckdb(duckdb.connect(), tmp_path)


def duckdb_rows(out: Path) -> list[dict[str, Any]]:
    """Rebuild record data from the DuckDB tables."""
    con = duckdb.connect()
    load_duckdb(con, out)
    links: dict[int, list[dict[str, Any]]] = {}
    for article_id, related_id, title, subject, url in con.execute(
            "SELECT article_id, related_id, title, subject, url FROM related "
            "ORDER BY article_id, position").fetchall():
        links.setdefault(article_id, []).append(
            {"id": related_id, "title": title, "subject": subject, "url": url})
    cursor = con.execute("SELECT * FROM articles ORDER BY rowid")
    names = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        rows.append({**row, "related": links.get(row["id"], []),
                     "seo_keywords": json.loads(row["seo_keywords"]),
                     "extra": json.loads(row["extra"])})
    return rows


@PROPERTY
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_duckdb_gives_back_every_value(records: list[Record]) -> None:
    records = unique_paths(records)
    with tempfile.TemporaryDirectory() as tmp:
        write(records, Path(tmp), formats=("csv",))
        rows = duckdb_rows(Path(tmp))
    assert len(rows) == len(records)
    for record, row in zip(records, rows, strict=True):
        data = record.data
        for key in ("id", "slug", "url", "title", "question", "answer", "subject", "author",
                    "score", "related", "extra"):
            assert row[key] == data[key], key
        assert row["body"] == (data["body"] or None)  # an empty cell is null
        assert row["seo_keywords"] == data["seo"]["keywords"]
        assert (row["seo_title"], row["seo_description"]) == \
            (data["seo"]["title"], data["seo"]["description"])
        assert row["date"] == (dt.date.fromisoformat(data["date"][:10]) if data["date"] else None)
        timed = data["date"] is not None and len(data["date"]) > 10
        assert row["date_time"] == (dt.datetime.fromisoformat(data["date"]) if timed else None)


def test_duckdb_undoes_spreadsheet_safe_quoting(records: list[Record], tmp_path: Path) -> None:
    record = records[0]
    data = {**record.data, "title": "=SUM(A1)", "author": "'quoted"}
    write([Record(ARTICLE, data)], tmp_path, formats=("csv",), spreadsheet_safe=True)
    row = duckdb_rows(tmp_path)[0]
    assert (row["title"], row["author"]) == ("=SUM(A1)", "'quoted")


def test_duckdb_statements_are_plain_sql(out: Path) -> None:
    statements = duckdb_statements(out)
    assert [s.split("(")[0].split("\n")[0] for s in statements] == [
        'CREATE TABLE "articles" ', 'CREATE TABLE "related" ', 'INSERT INTO "articles"',
        'INSERT INTO "related"']
    assert all("auto_detect = false" in s for s in statements[2:])


# --- pandas ---------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    """A DataFrame cell as a plain Python value; every kind of missing becomes None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        return value.item()  # numpy scalar
    return value


def records_from_pandas(out: Path) -> list[dict[str, Any]]:
    """Rebuild record data from the DataFrames read_pandas returns."""
    frames = read_pandas(out)
    articles, related = frames["articles"], frames["related"]
    for name, kind in (("id", "Int64"), ("score", "float64"), ("title", "string")):
        assert str(articles[name].dtype) == kind, name
    assert str(articles["date"].dtype).startswith("datetime64")
    links: dict[int, list[dict[str, Any]]] = {}
    for row in related.sort_values(["article_id", "position"]).itertuples(index=False):
        links.setdefault(int(row.article_id), []).append({
            "id": _value(row.related_id), "title": _value(row.title),
            "subject": _value(row.subject), "url": _value(row.url)})
    out_records = []
    for raw in articles.to_dict("records"):
        row = {k: _value(v) for k, v in raw.items()}
        if row["date_time"] is not None:
            stamp = row["date_time"]
            date = stamp.isoformat(timespec="microseconds" if stamp.microsecond else "seconds")
        elif row["date"] is not None:
            date = row["date"].date().isoformat()
        else:
            date = None
        out_records.append({
            "id": row["id"], "slug": row["slug"], "url": row["url"], "title": row["title"],
            "question": row["question"], "answer": row["answer"], "subject": row["subject"],
            "author": row["author"], "date": date,
            "seo": {"title": row["seo_title"], "description": row["seo_description"],
                    "keywords": row["seo_keywords"]},
            "related": links.get(row["id"], []), "score": row["score"],
            "body": row["body"] if row["body"] is not None else "", "extra": row["extra"],
            "source": {"path": row["source_path"], "sha256": row["source_sha256"]},
        })
    return out_records


def test_pandas_gives_back_the_jsonl_records(out: Path) -> None:
    assert records_from_pandas(out) == jsonl_records(out)


def test_pandas_keeps_text_that_looks_missing(records: list[Record], tmp_path: Path) -> None:
    # pandas' default NA list would turn these titles into NaN; only "" is missing here.
    tricky = ["NA", "null", "NaN", "None", "N/A", "#N/A", "nan"]
    batch = [Record(ARTICLE, {**records[0].data, "id": i, "title": title, "score": None,
                              "source": {**records[0].data["source"], "path": f"{i}.md"}})
             for i, title in enumerate(tricky)]
    write(batch, tmp_path)
    assert records_from_pandas(tmp_path) == jsonl_records(tmp_path)


def test_pandas_undoes_spreadsheet_safe_quoting(records: list[Record], tmp_path: Path) -> None:
    write(records, tmp_path, spreadsheet_safe=True)
    assert records_from_pandas(tmp_path) == jsonl_records(tmp_path)


@PROPERTY
@given(records=st.lists(article_records(), min_size=1, max_size=4,
                        unique_by=lambda r: r.data["id"]))
def test_pandas_gives_back_any_article_record(records: list[Record]) -> None:
    records = unique_paths(records)
    with tempfile.TemporaryDirectory() as tmp:
        write(records, Path(tmp))
        assert records_from_pandas(Path(tmp)) == jsonl_records(Path(tmp))


def test_csv_reader_still_reads_its_own_output(out: Path) -> None:
    # The descriptor gained keys (primaryKey); the layout read_csv depends on is unchanged.
    assert [r.data for r in read_csv(out)] == jsonl_records(out)
    package = read_datapackage(out)
    assert [r["name"] for r in package["resources"]] == ["articles", "related"]


def test_generic_shape_loads_into_duckdb_and_pandas(tmp_path: Path) -> None:
    profile = load_profile("generic")
    records = [process_bytes(p.read_bytes(), p.name, profile) for p in input_files()[:5]]
    write(records, tmp_path, GENERIC)  # type: ignore[arg-type]
    con = duckdb.connect()
    assert load_duckdb(con, tmp_path) == ["articles"]
    assert describe(con, "articles") == [
        ("source_path", "VARCHAR", "NO"), ("source_sha256", "VARCHAR", "NO"),
        ("front_matter", "JSON", "YES"), ("body", "VARCHAR", "YES")]
    rows = con.execute("SELECT source_path, front_matter FROM articles ORDER BY rowid").fetchall()
    assert [(p, json.loads(f)) for p, f in rows] == \
        [(r.path, r.data["front_matter"]) for r in records]  # type: ignore[union-attr]
    frame = read_pandas(tmp_path)["articles"]
    assert frame["front_matter"].tolist() == \
        [r.data["front_matter"] for r in records]  # type: ignore[union-attr]
