"""Typed CSV: articles.csv, related.csv and a Frictionless datapackage.json that types them.

The column lists below are the single source of the CSV layout: the writer, the reader and
datapackage.json are all built from them, so they cannot drift apart.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.atomic import AtomicFile
from pipeline.errors import LoadError
from pipeline.load import WriteOptions, Writer, register
from pipeline.record import ARTICLE, GENERIC, Record

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

# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection guidance).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any, kind: str, spreadsheet_safe: bool = False) -> str:
    """Render one value as CSV cell text: null is empty, lists and objects are JSON."""
    if value is None:
        return ""
    if kind in ("array", "object"):
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
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


def datapackage(shape: str, spreadsheet_safe: bool = False) -> dict[str, Any]:
    """The Frictionless Data Package describing the CSV files of a shape."""
    if shape == GENERIC:
        resources = [_resource("articles", GENERIC_COLUMNS, primaryKey=["source_path"])]
    else:
        resources = [
            _resource("articles", ARTICLE_COLUMNS),
            _resource("related", RELATED_COLUMNS, foreignKeys=[
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

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        self.columns = GENERIC_COLUMNS if shape == GENERIC else ARTICLE_COLUMNS
        self.files: list[AtomicFile] = []
        self.articles = self._open(ARTICLES_CSV, self.columns)
        self.related = self._open(RELATED_CSV, RELATED_COLUMNS) if shape == ARTICLE else None

    def _open(self, name: str, columns: tuple[Column, ...]) -> Any:
        """Open one CSV file and write its header."""
        handle = AtomicFile(self.out_dir / name)
        self.files.append(handle)
        # A BOM lets spreadsheet programs detect UTF-8; analytics tools are better without.
        if self.options.spreadsheet_safe:
            handle.write("\ufeff")
        # RFC 4180 ends records with CRLF. With LF instead, Python's csv module would leave a
        # cell holding a lone CR unquoted and every reader would split the row there.
        writer = csv.writer(handle.handle, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        return writer

    def write(self, record: Record) -> None:
        """Write one article row and its related rows."""
        safe = self.options.spreadsheet_safe
        data = record.data
        self.articles.writerow([cell(c.get(data), c.type, safe) for c in self.columns])
        if self.related is not None:
            for position, link in enumerate(data["related"], start=1):
                row = {**link, "article_id": data["id"], "position": position}
                self.related.writerow([cell(c.get(row), c.type, safe) for c in RELATED_COLUMNS])

    def close(self) -> list[Path]:
        """Commit the CSV files and write datapackage.json."""
        paths = [f.commit() for f in self.files]
        package = AtomicFile(self.out_dir / DATAPACKAGE)
        package.write(json.dumps(datapackage(self.shape, self.options.spreadsheet_safe), indent=2, ensure_ascii=False) + "\n")
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


def _rows(path: Path, fields: list[dict[str, Any]],
          unquote: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, typed row) from a CSV file described by Table Schema fields."""
    casters = {f["name"]: _caster(f["type"]) for f in fields}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            typed: dict[str, Any] = {}
            for name, caster in casters.items():
                text = row.get(name)
                if text is None:
                    raise LoadError(f"column {name!r} missing", path=str(path),
                                    line=reader.line_num, field=name)
                if unquote and text[:1] == "'" and casters[name] is str:
                    text = text[1:]  # undo spreadsheet-safe quoting
                try:
                    typed[name] = None if text == "" else caster(text)
                except ValueError as err:
                    raise LoadError(f"bad {name} value {text!r}: {err}", path=str(path),
                                    line=reader.line_num, field=name) from err
            yield reader.line_num, typed


def read_csv(out_dir: Path) -> Iterator[Record]:
    """Read records back from the CSV files, typed through datapackage.json."""
    package = json.loads((out_dir / DATAPACKAGE).read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    unquote = bool(package.get("x-spreadsheet-safe"))
    articles = _rows(out_dir / resources["articles"]["path"],
                     resources["articles"]["schema"]["fields"], unquote)
    if "related" not in resources:
        for _, row in articles:
            yield Record(GENERIC, {
                "front_matter": row["front_matter"] or {}, "body": row["body"] or "",
                "source": {"path": row["source_path"], "sha256": row["source_sha256"]}})
        return
    related = _rows(out_dir / resources["related"]["path"],
                    resources["related"]["schema"]["fields"], unquote)
    pending = next(related, None)
    for _, row in articles:
        links = []
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
