"""Parquet: articles.parquet and related.parquet with real column types (pyarrow).

The layout is derived from the CSV column specs in `pipeline.load.csv` (same names, same
order), with the Table Schema types made real: integer int64, number float64, string string,
date date32, datetime timestamp[us, UTC], array list<string>, object a JSON string. Two
columns are added to articles.parquet:

- `date_offset` (string, `+HH:MM`) right after `date_time`. A timestamp column holds an
  instant, not the offset the source wrote, and the record's `date` must come back exactly:
  `date` (date32) is the calendar date as written, `date_time` the instant (UTC, so every
  engine sorts and compares it correctly) and `date_offset` the written offset. The reader
  rebuilds `date` as `date_time` shown in `date_offset`, in the form the transform writes
  (`YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`); a record whose text is not in that form is refused
  by the writer rather than read back different.
- `related` (list<struct<id int64, title, subject, url>>) right after `seo_keywords`, so one
  file holds whole records; related.parquet has the same links one row each, for joins.

`extra` (and a generic record's `front_matter`) is a JSON string: its shape differs from one
record to the next, which a Parquet schema cannot express. Strings keep "" apart from null.

Written streaming: records are buffered `BATCH_ROWS` at a time and written as one row group,
into a temporary file that is renamed into place on close. Output bytes depend only on the
records and the pyarrow version (its name is in the file footer).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic import AtomicFile
from pipeline.errors import LoadError
from pipeline.load import WriteOptions, Writer, register
from pipeline.load.csv import GENERIC_COLUMNS, RELATED_COLUMNS, Column, article_columns
from pipeline.load.html import FIELD as HTML_FIELD
from pipeline.record import ARTICLE, GENERIC, Record

ARTICLES_PARQUET = "articles.parquet"
RELATED_PARQUET = "related.parquet"
#: Rows per row group, and the most rows held in memory per file.
BATCH_ROWS = 1000
# zstd: smaller than snappy at similar speed, and read by DuckDB, BigQuery, Spark and pandas.
COMPRESSION = "zstd"

_INT64 = (-(2**63), 2**63 - 1)
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
LINK_TYPE = pa.struct([("id", pa.int64()), ("title", pa.string()), ("subject", pa.string()),
                       ("url", pa.string())])
_ARROW_TYPES: dict[str, pa.DataType] = {
    "integer": pa.int64(), "number": pa.float64(), "string": pa.string(),
    "date": pa.date32(), "datetime": pa.timestamp("us", tz="UTC"),
    "array": pa.list_(pa.string()), "object": pa.string(),
}


@dataclass(frozen=True, slots=True)
class ParquetColumn:
    """One Parquet column: name, Arrow type, how to get its value from a record, description."""

    name: str
    type: pa.DataType
    get: Callable[[dict[str, Any]], Any]
    description: str
    required: bool = False

    def field(self) -> pa.Field:
        """The Arrow field, with the description as field metadata."""
        return pa.field(self.name, self.type, nullable=not self.required,
                        metadata={"description": self.description})


def _json_text(value: Any) -> str | None:
    """A JSON value as text, keys in their order (the CSV cell text)."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


# Descriptions that differ from the CSV column's, because the Parquet value differs.
_DESCRIPTIONS = {
    "date_time": "Publication instant (UTC); null where the source had a date only; the "
                 "offset it was written with is in date_offset",
    "seo_keywords": "SEO keywords",
    "extra": "Unmapped legacy keys (JSON object text)",
    "front_matter": "Front matter as parsed (JSON object text, key order kept)",
}


def _typed(get: Callable[[dict[str, Any]], Any],
           convert: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Any]:
    """Wrap a getter so that its non-null values go through `convert`."""
    def typed(data: dict[str, Any]) -> Any:
        value = get(data)
        return None if value is None else convert(value)
    return typed


# How a CSV column's value becomes the Parquet value, where the two differ.
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "object": _json_text,
}


def _converted(column: Column) -> ParquetColumn:
    """The Parquet column for a CSV column: same name and getter, the value made typed."""
    convert = _CONVERT.get(column.type)
    get = column.get if convert is None else _typed(column.get, convert)
    return ParquetColumn(column.name, _ARROW_TYPES[column.type], get,
                         _DESCRIPTIONS.get(column.name, column.description), column.required)


def _offset(data: dict[str, Any]) -> str | None:
    """The UTC offset the source wrote (`+HH:MM`), where it had a time."""
    value = data["date"]
    return value[-6:] if isinstance(value, str) and len(value) > 10 else None


def _links(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The related links, keys in the struct's order."""
    return [{"id": link["id"], "title": link["title"], "subject": link["subject"],
             "url": link["url"]} for link in data["related"]]


def parquet_columns(shape: str, html: bool = False) -> tuple[ParquetColumn, ...]:
    """The articles.parquet columns of a shape (the CSV columns plus date_offset, related)."""
    if shape == GENERIC:
        return tuple(_converted(c) for c in GENERIC_COLUMNS)
    out: list[ParquetColumn] = []
    for column in article_columns(html):
        out.append(_converted(column))
        if column.name == "date_time":
            out.append(ParquetColumn("date_offset", pa.string(), _offset,
                                     "UTC offset the source wrote (+HH:MM); null for a date"))
        elif column.name == "seo_keywords":
            out.append(ParquetColumn("related", pa.list_(LINK_TYPE), _links,
                                     "Related links in order (also in related.parquet)",
                                     required=True))
    return tuple(out)


RELATED_PARQUET_COLUMNS: tuple[ParquetColumn, ...] = tuple(_converted(c) for c in RELATED_COLUMNS)


def schema_of(columns: tuple[ParquetColumn, ...]) -> pa.Schema:
    """The Arrow schema of a column list."""
    return pa.schema([c.field() for c in columns])


def _date_text(day: dt.date | None, instant: dt.datetime | None, offset: str | None) -> str | None:
    """Rebuild the record's `date` from the date, timestamp and offset columns."""
    if instant is None:
        return None if day is None else day.isoformat()
    match = _OFFSET.fullmatch(offset or "")
    if match is None:
        raise ValueError(f"date_offset {offset!r} is not +HH:MM")
    sign = -1 if match.group(1) == "-" else 1
    zone = dt.timezone(sign * dt.timedelta(hours=int(match.group(2)),
                                           minutes=int(match.group(3))))
    local = instant.astimezone(zone)
    # The transform's form: seconds, plus microseconds only when there are some.
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


def _check_date(text: Any, source: str) -> None:
    """Refuse a timestamp text that date_time + date_offset would not give back exactly."""
    if not isinstance(text, str) or len(text) <= 10:
        return
    try:
        instant = dt.datetime.fromisoformat(text)
        rebuilt = _date_text(None, instant, text[-6:]) if instant.tzinfo is not None else None
    except ValueError:
        rebuilt = None
    if rebuilt != text:
        # Only the transform's own form can be rebuilt from timestamp + offset.
        raise LoadError(f"date {text!r} is not in the form YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM",
                        path=source, field="date")


class _Table:
    """One Parquet file being written: a column buffer flushed as a row group when full."""

    def __init__(self, path: Path, columns: tuple[ParquetColumn, ...]) -> None:
        self.path = path
        self.columns = columns
        self.schema = schema_of(columns)
        self.file = AtomicFile(path, "wb")
        try:
            # Pinned format options: the defaults change between pyarrow versions, the bytes
            # should not.
            self.writer = pq.ParquetWriter(self.file.handle, self.schema,
                                           compression=COMPRESSION, version="2.6",
                                           use_dictionary=True, write_statistics=True)
        except BaseException:
            self.file.abort()
            raise
        self.buffer: dict[str, list[Any]] = {c.name: [] for c in columns}
        self.rows = 0
        self.int64 = [c.type == pa.int64() for c in columns]

    def add(self, data: dict[str, Any], source: str) -> None:
        """Buffer one row; flush when the buffer holds a row group."""
        values = []
        for column, int64 in zip(self.columns, self.int64, strict=True):
            try:
                value = column.get(data)
            except (ValueError, TypeError) as err:
                raise LoadError(f"cannot convert {column.name}: {err}", path=source,
                                field=column.name) from err
            # Checked here, not at flush, so that the error names the record.
            if int64 and value is not None and not _INT64[0] <= value <= _INT64[1]:
                raise LoadError(f"{column.name} {value} does not fit in int64", path=source,
                                field=column.name)
            values.append(value)
        for column, value in zip(self.columns, values, strict=True):
            self.buffer[column.name].append(value)
        self.rows += 1
        if self.rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one row group."""
        if not self.rows:
            return
        try:
            batch = pa.RecordBatch.from_pydict(self.buffer, schema=self.schema)
            self.writer.write_batch(batch, row_group_size=BATCH_ROWS)
        except (pa.ArrowException, OverflowError, TypeError) as err:
            raise LoadError(f"cannot write a row group: {err}", path=str(self.path)) from err
        self.buffer = {c.name: [] for c in self.columns}
        self.rows = 0

    def commit(self) -> Path:
        """Write what is left, close the Parquet footer and rename the file into place."""
        self.flush()
        self.writer.close()
        return self.file.commit()

    def abort(self) -> None:
        """Drop the temporary file."""
        try:
            self.writer.close()
        except (pa.ArrowException, OSError):
            pass  # the file is deleted next; a footer that cannot be written does not matter
        self.file.abort()


@register
class ParquetWriter(Writer):
    """Write articles.parquet and (article shape) related.parquet."""

    name = "parquet"
    description = "articles.parquet + related.parquet (typed, nested related links)"

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        html = options.html and shape == ARTICLE
        self.tables: list[_Table] = []
        self.articles = self._open(out_dir / ARTICLES_PARQUET, parquet_columns(shape, html))
        self.related = (self._open(out_dir / RELATED_PARQUET, RELATED_PARQUET_COLUMNS)
                        if shape == ARTICLE else None)

    def _open(self, path: Path, columns: tuple[ParquetColumn, ...]) -> _Table:
        """Open one file, dropping those already opened if that fails."""
        try:
            table = _Table(path, columns)
        except BaseException:
            self.abort()
            raise
        self.tables.append(table)
        return table

    def write(self, record: Record, prepared: Any = None) -> None:
        """Buffer one article row and its related rows."""
        data = record.data
        if self.related is not None:
            _check_date(data["date"], record.path)
        self.articles.add(data, record.path)
        if self.related is not None:
            for position, link in enumerate(data["related"], start=1):
                self.related.add({**link, "article_id": data["id"], "position": position},
                                 record.path)

    def close(self) -> list[Path]:
        """Commit the Parquet files."""
        try:
            return [table.commit() for table in self.tables]
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop the temporary files."""
        for table in self.tables:
            table.abort()


def _open_file(path: Path) -> pq.ParquetFile:
    """Open a Parquet file; a missing or broken one is a LoadError."""
    try:
        return pq.ParquetFile(path)
    except FileNotFoundError as err:
        raise LoadError("file not found", path=str(path)) from err
    except (pa.ArrowException, OSError) as err:
        raise LoadError(f"not a readable Parquet file: {err}", path=str(path)) from err


def _rows(path: Path, wanted: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (1-based row number, row) from a Parquet file, one batch in memory at a time."""
    handle = _open_file(path)
    names = set(handle.schema_arrow.names)
    for name in wanted:
        if name not in names:
            raise LoadError(f"column {name!r} missing", path=str(path), field=name)
    number = 0
    for batch in handle.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _json_value(text: str | None, path: Path, row: int, field: str) -> Any:
    """Decode a JSON string column; a bad value names its row and column."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise LoadError(f"row {row}: invalid JSON: {err.msg}", path=str(path),
                        field=field) from err


def read_parquet(out_dir: Path) -> Iterator[Record]:
    """Read records back from articles.parquet (answer_html, if present, is not read)."""
    path = out_dir / ARTICLES_PARQUET
    names = _open_file(path).schema_arrow.names
    if "front_matter" in names:
        wanted = [c.name for c in parquet_columns(GENERIC)]
        for number, row in _rows(path, wanted):
            front_matter = _json_value(row["front_matter"], path, number, "front_matter")
            yield Record(GENERIC, {
                "front_matter": front_matter or {}, "body": row["body"] or "",
                "source": {"path": row["source_path"], "sha256": row["source_sha256"]}})
        return
    wanted = [c.name for c in parquet_columns(ARTICLE) if c.name != HTML_FIELD]
    for number, row in _rows(path, wanted):
        try:
            date = _date_text(row["date"], row["date_time"], row["date_offset"])
        except ValueError as err:
            raise LoadError(f"row {number}: {err}", path=str(path), field="date_offset") from err
        extra = _json_value(row["extra"], path, number, "extra")
        yield Record(ARTICLE, {
            "id": row["id"], "slug": row["slug"], "url": row["url"], "title": row["title"],
            "question": row["question"], "answer": row["answer"], "subject": row["subject"],
            "author": row["author"], "date": date,
            "seo": {"title": row["seo_title"], "description": row["seo_description"],
                    "keywords": row["seo_keywords"] or []},
            "related": [dict(link) for link in row["related"] or []], "score": row["score"],
            "body": row["body"] if row["body"] is not None else "",
            "extra": extra if extra is not None else {},
            "source": {"path": row["source_path"], "sha256": row["source_sha256"]},
        })
