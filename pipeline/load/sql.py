"""SQL for data teams: load the CSV output into DuckDB typed as datapackage.json declares.

`duckdb` is not a dependency of the pipeline: nothing here imports it. `duckdb_statements`
returns plain SQL text (run it in the DuckDB CLI or any client) and `load_duckdb` executes it
on a connection the caller opened.

Mapping (Table Schema -> DuckDB): integer BIGINT, number DOUBLE, date DATE, datetime
TIMESTAMPTZ (the instant; DuckDB keeps no per-value offset, the written offset is in the CSV
text and the JSONL record), string VARCHAR, array/object JSON, boolean BOOLEAN. Required
fields become NOT NULL and the declared primary and foreign keys become constraints, so a
load that breaks the contract fails instead of producing a quietly wrong table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pipeline.errors import LoadError
from pipeline.load.csv import read_datapackage

DUCKDB_TYPES: dict[str, str] = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "string": "VARCHAR",
    "array": "JSON",
    "object": "JSON",
    "boolean": "BOOLEAN",
}

# Larger than the default --max-bytes (10 MiB), so one record of the largest accepted input
# fits in a CSV line; DuckDB's own default is 2 MB.
MAX_LINE_SIZE = 32 * 1024 * 1024


class Connection(Protocol):
    """The part of a DuckDB connection that `load_duckdb` uses."""

    def execute(self, query: str) -> Any:
        """Run one SQL statement."""


def quote_identifier(name: str) -> str:
    """Quote an SQL identifier (a column or table name)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def duckdb_types(fields: list[dict[str, Any]], json_type: str = "JSON") -> dict[str, str]:
    """Map Table Schema fields to DuckDB column types, in column order.

    `json_type="VARCHAR"` keeps array/object cells as text where the JSON extension is absent.
    """
    types: dict[str, str] = {}
    for field in fields:
        kind = field["type"]
        if kind not in DUCKDB_TYPES:
            raise LoadError(f"Table Schema type {kind!r} has no DuckDB mapping",
                            field=field["name"])
        types[field["name"]] = json_type if kind in ("array", "object") else DUCKDB_TYPES[kind]
    return types


def _create_table(resource: dict[str, Any], types: dict[str, str]) -> str:
    """CREATE TABLE for one resource, with NOT NULL, primary and foreign keys."""
    schema = resource["schema"]
    lines = []
    for field in schema["fields"]:
        required = field.get("constraints", {}).get("required", False)
        lines.append(f"{quote_identifier(field['name'])} {types[field['name']]}"
                     + (" NOT NULL" if required else ""))
    if schema.get("primaryKey"):
        keys = schema["primaryKey"]
        keys = [keys] if isinstance(keys, str) else keys
        lines.append(f"PRIMARY KEY ({', '.join(quote_identifier(k) for k in keys)})")
    for foreign in schema.get("foreignKeys", []):
        fields = foreign["fields"]
        fields = [fields] if isinstance(fields, str) else fields
        ref = foreign["reference"]
        ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        lines.append(f"FOREIGN KEY ({', '.join(quote_identifier(f) for f in fields)}) "
                     f"REFERENCES {quote_identifier(ref['resource'])} "
                     f"({', '.join(quote_identifier(f) for f in ref_fields)})")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote_identifier(resource['name'])} (\n  {body}\n)"


def _read_csv(paths: list[Path], header: bool, columns: str, nulls: str) -> str:
    """read_csv over files of one layout, every column typed explicitly."""
    files = ", ".join(quote_literal(str(p)) for p in paths)
    # auto_detect off: the types come from datapackage.json, never from DuckDB's sniffer.
    return (f"read_csv([{files}], auto_detect = false, header = {str(header).lower()}, "
            f"delim = ',', quote = '\"', escape = '\"', new_line = '\\r\\n', "
            f"nullstr = [{nulls}], max_line_size = {MAX_LINE_SIZE}, columns = {{{columns}}})")


def _insert(resource: dict[str, Any], paths: list[Path], types: dict[str, str],
            unquote: bool) -> str:
    """INSERT ... SELECT FROM read_csv for one resource, every column typed explicitly.

    A resource in parts (a partitioned run) has its header in the first part only: the
    parts concatenated are the one file a local run writes.
    """
    columns = ", ".join(f"{quote_literal(name)}: {quote_literal(kind)}"
                        for name, kind in types.items())
    missing = resource["schema"].get("missingValues", [""])
    nulls = ", ".join(quote_literal(m) for m in missing)
    select = []
    for name, kind in types.items():
        column = quote_identifier(name)
        if unquote and kind == "VARCHAR":
            # Spreadsheet-safe files put one apostrophe before formula-like text; drop it.
            column = (f"CASE WHEN starts_with({column}, '''') THEN {column}[2:] "
                      f"ELSE {column} END AS {column}")
        select.append(column)
    source = _read_csv(paths[:1], True, columns, nulls)
    if len(paths) > 1:
        source = (f"(SELECT * FROM {source} UNION ALL "
                  f"SELECT * FROM {_read_csv(paths[1:], False, columns, nulls)})")
    return (f"INSERT INTO {quote_identifier(resource['name'])}\n"
            f"SELECT {', '.join(select)}\n"
            f"FROM {source}")


def duckdb_statements(out_dir: Path, json_type: str = "JSON") -> list[str]:
    """The SQL that creates and fills one DuckDB table per resource of datapackage.json."""
    package = read_datapackage(out_dir)
    unquote = bool(package.get("x-spreadsheet-safe"))
    creates: list[str] = []
    inserts: list[str] = []
    # Resources are listed with referenced tables first (articles before related), which is
    # the order foreign keys need.
    for resource in package["resources"]:
        try:
            types = duckdb_types(resource["schema"]["fields"], json_type)
        except LoadError as err:
            err.path = str(out_dir / "datapackage.json")
            raise
        creates.append(_create_table(resource, types))
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        inserts.append(_insert(resource, [out_dir / p for p in paths], types, unquote))
    return [*creates, *inserts]


def load_duckdb(connection: Connection, out_dir: Path, json_type: str = "JSON") -> list[str]:
    """Create and fill the tables on a DuckDB connection; return the table names."""
    for statement in duckdb_statements(out_dir, json_type):
        connection.execute(statement)
    return [r["name"] for r in read_datapackage(out_dir)["resources"]]
