"""Typed CSV: articles.csv, related.csv and a Frictionless datapackage.json that types them.

The column lists below are the single source of the CSV layout: the writer, the reader,
datapackage.json and the parquet layout are all built from them, so they cannot drift apart.

For data teams, `read_pandas` loads the files into pandas typed as datapackage.json declares
(pandas is an optional dependency, imported only there); `pipeline.load.sql` does the same
for DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pipeline.atomic import BUFFER, AtomicFile
from pipeline.errors import LoadError
from pipeline.load import WriteOptions, Writer, register
from pipeline.load.html import FIELD as HTML_FIELD, EXTENSIONS as HTML_EXTENSIONS
from pipeline.load.html import maybe_answer_html
from pipeline.record import ARTICLE, GENERIC, Record, record_json

if TYPE_CHECKING:
    import pandas as pd

ARTICLES_CSV = "articles.csv"
RELATED_CSV = "related.csv"
DATAPACKAGE = "datapackage.json"


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: name, Table Schema type, how to get it from a record, description."""

    name: str
    type: str
    get: Callable[[dict[str, Any]], Any]
    description: str
    required: bool = False


def _date_part(data: dict[str, Any]) -> Any:
    """The calendar date as the source wrote it (the date part of a timestamp)."""
    value = data["date"]
    return value[:10] if isinstance(value, str) else None


def _time_part(data: dict[str, Any]) -> Any:
    """The full timestamp, only where the source had a time."""
    value = data["date"]
    return value if isinstance(value, str) and len(value) > 10 else None


ARTICLE_COLUMNS: tuple[Column, ...] = (
    Column("id", "integer", lambda d: d["id"], "Legacy article id", required=True),
    Column("slug", "string", lambda d: d["slug"], "URL-safe name", required=True),
    Column("url", "string", lambda d: d["url"], "Legacy URL path"),
    Column("title", "string", lambda d: d["title"], "Title, escapes decoded"),
    Column("question", "string", lambda d: d["question"], "Question text"),
    Column("answer", "string", lambda d: d["answer"], "Answer, Markdown"),
    Column("subject", "string", lambda d: d["subject"], "Subject"),
    Column("author", "string", lambda d: d["author"], "Author"),
    Column("date", "date", _date_part, "Publication date (YYYY-MM-DD), as the source wrote it"),
    Column("date_time", "datetime", _time_part,
           "Publication time with UTC offset; empty where the source had a date only"),
    Column("seo_title", "string", lambda d: d["seo"]["title"], "SEO title"),
    Column("seo_description", "string", lambda d: d["seo"]["description"], "SEO description"),
    Column("seo_keywords", "array", lambda d: d["seo"]["keywords"], "SEO keywords (JSON array)"),
    Column("score", "number", lambda d: d["score"], "Legacy score"),
    Column("body", "string", lambda d: d["body"], "Legacy body; empty when a placeholder"),
    Column("extra", "object", lambda d: d["extra"], "Unmapped legacy keys (JSON object)"),
    Column("source_path", "string", lambda d: d["source"]["path"], "Input file, relative",
           required=True),
    Column("source_sha256", "string", lambda d: d["source"]["sha256"], "SHA-256 of the input",
           required=True),
)

#: The opt-in rendered answer (`WriteOptions.html`), placed right after `answer`.
ANSWER_HTML_COLUMN = Column(
    HTML_FIELD, "string", lambda d: maybe_answer_html(d["answer"]),
    f"Answer rendered as HTML (Python-Markdown, {' + '.join(HTML_EXTENSIONS)}); derived, "
    "not read back")


def article_columns(html: bool = False) -> tuple[Column, ...]:
    """The articles.csv columns, with `answer_html` after `answer` when `html` is set."""
    if not html:
        return ARTICLE_COLUMNS
    at = [c.name for c in ARTICLE_COLUMNS].index("answer") + 1
    return (*ARTICLE_COLUMNS[:at], ANSWER_HTML_COLUMN, *ARTICLE_COLUMNS[at:])


RELATED_COLUMNS: tuple[Column, ...] = (
    Column("article_id", "integer", lambda d: d["article_id"], "Id of the linking article",
           required=True),
    Column("position", "integer", lambda d: d["position"], "1-based order of the link",
           required=True),
    Column("related_id", "integer", lambda d: d["id"], "Id of the linked article"),
    Column("title", "string", lambda d: d["title"], "Linked title"),
    Column("subject", "string", lambda d: d["subject"], "Linked subject"),
    Column("url", "string", lambda d: d["url"], "Linked URL"),
)

GENERIC_COLUMNS: tuple[Column, ...] = (
    Column("source_path", "string", lambda d: d["source"]["path"], "Input file, relative",
           required=True),
    Column("source_sha256", "string", lambda d: d["source"]["sha256"], "SHA-256 of the input",
           required=True),
    Column("front_matter", "object", lambda d: d["front_matter"],
           "Front matter as parsed (JSON object, key order kept)"),
    Column("body", "string", lambda d: d["body"], "Body, untouched"),
)

# A cell is quoted when it holds the delimiter, the quote or a line break (csv.QUOTE_MINIMAL).
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _rows_text(rows: list[list[str]]) -> bytes:
    """CSV text of rows, as UTF-8 bytes: exactly what csv.writer(lineterminator="\r\n")
    writes, in a third of the time.

    Hand-written because the csv module copies each character through its own buffer, which
    made one article row (a few KB of answer) cost 30 us, more than rendering its page;
    tests/load/test_csv_rows.py holds it to csv.writer's output on arbitrary text.
    RFC 4180 ends records with CRLF. With LF instead, a cell holding a lone CR would be left
    unquoted by the csv module and every reader would split the row there.
    """
    lines = []
    for row in rows:
        if len(row) == 1 and row[0] == "":
            lines.append('""')  # csv.writer quotes a lone empty cell, or the row would vanish
            continue
        lines.append(",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(c)
                              else c for c in row))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8") if lines else b""


# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection guidance).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any, kind: str, spreadsheet_safe: bool = False) -> str:
    """Render one value as CSV cell text: null is empty, lists and objects are JSON."""
    if value is None:
        return ""
    if kind in ("array", "object"):
        text = record_json(value).decode("utf-8")
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    if spreadsheet_safe and kind == "string" and text.startswith((*_FORMULA_START, "'")):
        # A leading apostrophe makes spreadsheets show the cell as text; text that already
        # starts with one gets another, so that read_csv can undo it without ambiguity.
        text = "'" + text
    return text


def _field_schema(column: Column) -> dict[str, Any]:
    """The Table Schema field descriptor of a column."""
    field: dict[str, Any] = {"name": column.name, "type": column.type,
                             "description": column.description}
    if column.required:
        field["constraints"] = {"required": True}
    return field


def _resource(name: str, columns: tuple[Column, ...], **schema: Any) -> dict[str, Any]:
    """A tabular data resource descriptor for one CSV file."""
    return {
        "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"',
                    "doubleQuote": True, "header": True},
        "schema": {"fields": [_field_schema(c) for c in columns], "missingValues": [""],
                   **schema},
    }


def datapackage(shape: str, spreadsheet_safe: bool = False,
                html: bool = False) -> dict[str, Any]:
    """The Frictionless Data Package describing the CSV files of a shape."""
    if shape == GENERIC:
        resources = [_resource("articles", GENERIC_COLUMNS, primaryKey=["source_path"])]
    else:
        # The keys are declared so that frictionless checks them and databases can index
        # them: ids are unique per run (a duplicate id rejects the second file) and each
        # article numbers its links 1..n.
        resources = [
            _resource("articles", article_columns(html), primaryKey=["id"]),
            _resource("related", RELATED_COLUMNS, primaryKey=["article_id", "position"],
                      foreignKeys=[
                {"fields": ["article_id"], "reference": {"resource": "articles",
                                                          "fields": ["id"]}}]),
        ]
    package: dict[str, Any] = {"profile": "tabular-data-package", "name": "migrated-articles",
                               "resources": resources}
    if spreadsheet_safe:
        # Text cells that start like a formula carry a leading apostrophe; tools reading the
        # files for analysis should strip it (read_csv does).
        package["x-spreadsheet-safe"] = True
    return package


@register
class CsvWriter(Writer):
    """Write articles.csv, related.csv (article shape) and datapackage.json."""

    name = "csv"
    description = "articles.csv + related.csv + datapackage.json (Frictionless types)"
    takes_spans = True

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        self.columns = GENERIC_COLUMNS if shape == GENERIC else article_columns(options.html)
        self.files: list[AtomicFile] = []
        self.articles = self._open(ARTICLES_CSV, self.columns)
        self.related = self._open(RELATED_CSV, RELATED_COLUMNS) if shape == ARTICLE else None

    def _open(self, name: str, columns: tuple[Column, ...]) -> AtomicFile:
        """Open one CSV file and write its header."""
        handle = AtomicFile(self.out_dir / name, "wb", buffering=BUFFER, background=True)
        self.files.append(handle)
        # A BOM lets spreadsheet programs detect UTF-8; analytics tools are better without.
        if self.options.spreadsheet_safe:
            handle.write("\ufeff".encode("utf-8"))
        handle.write(_rows_text([[c.name for c in columns]]))
        return handle

    @classmethod
    def prepare(cls, record: Record, shape: str, options: WriteOptions,
                data_json: bytes | None = None) -> tuple[bytes, bytes]:
        """Return the UTF-8 CSV text of the article row and of its related rows."""
        safe = options.spreadsheet_safe
        data = record.data
        columns = GENERIC_COLUMNS if shape == GENERIC else article_columns(options.html)
        article = _rows_text([[cell(c.get(data), c.type, safe) for c in columns]])
        if shape != ARTICLE:
            return article, b""
        related = [[cell(c.get({**link, "article_id": data["id"], "position": position}),
                         c.type, safe) for c in RELATED_COLUMNS]
                   for position, link in enumerate(data["related"], start=1)]
        return article, _rows_text(related) if related else b""

    def write(self, record: Record, prepared: tuple[bytes, bytes] | None = None) -> None:
        """Write one article row and its related rows."""
        article, related = prepared or self.prepare(record, self.shape, self.options)
        self.articles.write(article)
        if related and self.related is not None:
            self.related.write(related)

    def table_files(self) -> tuple[str, ...]:
        """articles.csv, and related.csv for articles."""
        return (ARTICLES_CSV, RELATED_CSV)[:len(self.files)]

    def positions(self) -> tuple[int, ...]:
        """Bytes written so far to each file."""
        return tuple(handle.position for handle in self.files)

    def span_offsets(self, span: Any) -> tuple[list[int], ...]:
        """The rows' offsets in each file."""
        return (span.csv_articles[1], span.csv_related[1])[:len(self.files)]

    def write_span(self, span: Any, start: int, stop: int) -> None:
        """Append the rows of records start..stop of a span (one write per file)."""
        data, offsets = span.csv_articles
        self.articles.write(memoryview(data)[offsets[start]:offsets[stop]])
        data, offsets = span.csv_related
        if self.related is not None and offsets[stop] > offsets[start]:
            self.related.write(memoryview(data)[offsets[start]:offsets[stop]])

    def close(self) -> list[Path]:
        """Commit the CSV files and write datapackage.json."""
        paths = [f.commit() for f in self.files]
        package = AtomicFile(self.out_dir / DATAPACKAGE)
        descriptor = datapackage(self.shape, self.options.spreadsheet_safe, self.options.html)
        package.write(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
        return [*paths, package.commit()]

    def abort(self) -> None:
        """Drop the temporary files."""
        for handle in self.files:
            handle.abort()


def _caster(kind: str) -> Callable[[str], Any]:
    """Return the function that turns cell text of a Table Schema type into a value."""
    if kind == "integer":
        return int
    if kind == "number":
        return float
    if kind in ("array", "object"):
        return json.loads
    return str


def _lines(paths: list[Path]) -> Iterator[str]:
    """The lines of files read one after the other (a resource in parts: the header is in
    the first part only, so the parts read in order are the one file of a local run)."""
    for index, path in enumerate(paths):
        with open(path, encoding="utf-8" if index else "utf-8-sig", newline="") as handle:
            yield from handle


def _paths(out_dir: Path, resource: dict[str, Any]) -> list[Path]:
    """The files of a resource: its path, or its parts in order."""
    path = resource["path"]
    return [out_dir / p for p in path] if isinstance(path, list) else [out_dir / path]


def _rows(paths: list[Path], fields: list[dict[str, Any]],
          unquote: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, typed row) from CSV files described by Table Schema fields."""
    casters = {f["name"]: _caster(f["type"]) for f in fields}
    path = paths[0] if len(paths) == 1 else paths[0].parent
    reader = csv.DictReader(_lines(paths))
    for row in reader:
        typed: dict[str, Any] = {}
        for name, caster in casters.items():
            text = row.get(name)
            if text is None:
                raise LoadError(f"column {name!r} missing", path=str(path),
                                line=reader.line_num, field=name)
            if unquote and text[:1] == "'" and caster is str:
                text = text[1:]  # undo spreadsheet-safe quoting
            try:
                typed[name] = None if text == "" else caster(text)
            except ValueError as err:
                raise LoadError(f"bad {name} value {text!r}: {err}", path=str(path),
                                line=reader.line_num, field=name) from err
        yield reader.line_num, typed


def read_datapackage(out_dir: Path) -> dict[str, Any]:
    """Read an output folder's datapackage.json; a missing or broken one is a LoadError."""
    path = out_dir / DATAPACKAGE
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise LoadError("datapackage.json not found", path=str(path),
                        fix="write the csv format into this folder first") from err
    except (OSError, UnicodeDecodeError) as err:
        raise LoadError(f"cannot read datapackage.json: {err}", path=str(path)) from err
    except json.JSONDecodeError as err:
        raise LoadError(f"invalid JSON: {err.msg}", path=str(path), line=err.lineno) from err
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise LoadError("not a data package (no resources list)", path=str(path),
                        field="resources")
    return package


def read_csv(out_dir: Path) -> Iterator[Record]:
    """Read records back from the CSV files, typed through datapackage.json."""
    package = read_datapackage(out_dir)
    resources = {r["name"]: r for r in package["resources"]}
    unquote = bool(package.get("x-spreadsheet-safe"))
    articles = _rows(_paths(out_dir, resources["articles"]),
                     resources["articles"]["schema"]["fields"], unquote)
    if "related" not in resources:
        for _, row in articles:
            yield Record(GENERIC, {
                "front_matter": row["front_matter"] or {}, "body": row["body"] or "",
                "source": {"path": row["source_path"], "sha256": row["source_sha256"]}})
        return
    related = _rows(_paths(out_dir, resources["related"]),
                    resources["related"]["schema"]["fields"], unquote)
    pending = next(related, None)
    for _, row in articles:
        links: list[dict[str, Any]] = []
        # related.csv is written in article order with positions 1..n per article, so the two
        # files merge in one pass without holding either in memory.
        while pending is not None and pending[1]["article_id"] == row["id"] \
                and pending[1]["position"] == len(links) + 1:
            link = pending[1]
            links.append({"id": link["related_id"], "title": link["title"],
                          "subject": link["subject"], "url": link["url"]})
            pending = next(related, None)
        yield Record(ARTICLE, {
            "id": row["id"], "slug": row["slug"], "url": row["url"], "title": row["title"],
            "question": row["question"], "answer": row["answer"], "subject": row["subject"],
            "author": row["author"], "date": row["date_time"] or row["date"],
            "seo": {"title": row["seo_title"], "description": row["seo_description"],
                    "keywords": row["seo_keywords"] or []},
            "related": links, "score": row["score"], "body": row["body"] or "",
            "extra": row["extra"] or {},
            "source": {"path": row["source_path"], "sha256": row["source_sha256"]},
        })
    if pending is not None:
        raise LoadError("related row does not follow its article", path=str(out_dir / RELATED_CSV),
                        line=pending[0], field="article_id")


# --- pandas -------------------------------------------------------------------------------


def _json_cell(text: str, missing: frozenset[str]) -> Any:
    """pandas converter for an `array`/`object` cell: JSON text, or None when missing."""
    return None if text in missing else json.loads(text)


def _datetime_cell(text: str, missing: frozenset[str]) -> dt.datetime | None:
    """pandas converter for a `datetime` cell: an aware datetime keeping the cell's offset."""
    return None if text in missing else dt.datetime.fromisoformat(text)


def pandas_read_options(resource: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `pandas.read_csv` that type a resource as its Table Schema says.

    integer -> nullable Int64, number -> float64 (NaN is null: the records hold no NaN),
    string -> nullable string, date -> datetime64 (parse_dates, `%Y-%m-%d`), datetime ->
    Python datetimes with their own UTC offset (object column: pandas cannot hold mixed
    offsets in one typed column without converting to UTC and losing the written offset; use
    `pd.to_datetime(column, utc=True)` for a datetime64[UTC] column), array/object -> lists and
    dicts decoded from the JSON cell. Only the declared missing values are null: pandas'
    default list would read a title "NA" or "null" as missing.
    """
    schema = resource["schema"]
    missing = list(schema.get("missingValues", [""]))
    frozen = frozenset(missing)
    dtype: dict[str, str] = {}
    parse_dates: list[str] = []
    date_format: dict[str, str] = {}
    converters: dict[str, Callable[[str], Any]] = {}
    for field in schema["fields"]:
        name, kind = field["name"], field["type"]
        if kind == "integer":
            dtype[name] = "Int64"
        elif kind == "number":
            dtype[name] = "float64"
        elif kind == "string":
            dtype[name] = "string"
        elif kind == "date":
            parse_dates.append(name)
            date_format[name] = "%Y-%m-%d"
        elif kind == "datetime":
            converters[name] = partial(_datetime_cell, missing=frozen)
        elif kind in ("array", "object"):
            converters[name] = partial(_json_cell, missing=frozen)
        else:
            raise LoadError(f"Table Schema type {kind!r} has no pandas mapping",
                            path=resource.get("path"), field=name)
    return {"dtype": dtype, "parse_dates": parse_dates, "date_format": date_format,
            "converters": converters, "keep_default_na": False, "na_values": missing,
            # utf-8-sig: spreadsheet-safe files start with a BOM, which would join the first
            # column name otherwise.
            "encoding": "utf-8-sig"}


def read_pandas(out_dir: Path) -> dict[str, "pd.DataFrame"]:
    """Load every CSV resource of datapackage.json into a typed DataFrame, keyed by name."""
    import pandas as pd  # optional: only data-team helpers need it (the `test` extra has it)

    package = read_datapackage(out_dir)
    unquote = bool(package.get("x-spreadsheet-safe"))
    extra: dict[str, Any] = {}
    if int(pd.__version__.split(".")[0]) < 3:
        # pandas 2's default float parser can be 1 ulp off; 3 parses exactly (and deprecates
        # the option).
        extra["float_precision"] = "round_trip"
    frames: dict[str, pd.DataFrame] = {}
    for resource in package["resources"]:
        path = out_dir / resource["path"]
        try:
            frame = pd.read_csv(path, **pandas_read_options(resource), **extra)
        except (OSError, ValueError) as err:
            raise LoadError(f"pandas cannot read it as declared: {err}", path=str(path)) from err
        for field in resource["schema"]["fields"]:
            name = field["name"]
            if name not in frame.columns:
                raise LoadError(f"column {name!r} missing", path=str(path), field=name)
            if unquote and field["type"] == "string":
                frame[name] = frame[name].str.removeprefix("'")  # undo spreadsheet-safe quoting
        frames[resource["name"]] = frame
    return frames
