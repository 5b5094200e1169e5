"""JSONL: one record per line, UTF-8, keys in the contract's order.

With `WriteOptions.html` an article line also carries `answer_html` right after `answer`;
`read_jsonl` drops it again, so the records read back are the canonical ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from pipeline.atomic import BUFFER, AtomicFile
from pipeline.errors import LoadError
from pipeline.load import WriteOptions, Writer, register
from pipeline.load.html import FIELD as HTML_FIELD, with_answer_html
from pipeline.record import ARTICLE, GENERIC, Record, record_json

FILE_NAME = "articles.jsonl"


def shape_of(data: dict[str, object]) -> str:
    """Tell an article record from a generic one by its keys."""
    return GENERIC if "front_matter" in data else ARTICLE


@register
class JsonlWriter(Writer):
    """Write `articles.jsonl`."""

    name = "jsonl"
    description = "articles.jsonl: one JSON record per line"
    takes_spans = True

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        self.file = AtomicFile(self.out_dir / FILE_NAME, "wb", buffering=BUFFER,
                               background=True)

    @classmethod
    def prepare(cls, record: Record, shape: str, options: WriteOptions,
                data_json: bytes | None = None) -> bytes:
        """Return the record's line as UTF-8 bytes."""
        # Only articles have an answer; a generic record's front matter is kept as it is.
        if options.html and shape == ARTICLE and record.shape == ARTICLE:
            return record_json(with_answer_html(record.data)) + b"\n"
        return (data_json if data_json is not None else record_json(record.data)) + b"\n"

    def write(self, record: Record, prepared: bytes | None = None) -> None:
        """Append one line."""
        self.file.write(prepared if prepared is not None
                        else self.prepare(record, self.shape, self.options))

    def table_files(self) -> tuple[str, ...]:
        """articles.jsonl."""
        return (FILE_NAME,)

    def positions(self) -> tuple[int, ...]:
        """Bytes written so far."""
        return (self.file.position,)

    def span_offsets(self, span: Any) -> tuple[list[int], ...]:
        """The lines' offsets."""
        return (span.jsonl[1],)

    def write_span(self, span: Any, start: int, stop: int) -> None:
        """Append the lines of records start..stop of a span (one write)."""
        data, offsets = span.jsonl
        self.file.write(memoryview(data)[offsets[start]:offsets[stop]])

    def close(self) -> list[Path]:
        """Commit the file."""
        return [self.file.commit()]

    def abort(self) -> None:
        """Drop the temporary file."""
        self.file.abort()


def read_jsonl(path: Path) -> Iterator[Record]:
    """Read records back from a JSONL file; errors carry the line number."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise LoadError(f"invalid JSON: {err.msg} at column {err.colno}",
                                path=str(path), line=number) from err
            if not isinstance(data, dict):
                raise LoadError("a line is not a JSON object", path=str(path), line=number)
            shape = shape_of(data)
            if shape == ARTICLE:
                # Derived from `answer` by the writer's html option; not part of the record.
                data.pop(HTML_FIELD, None)
            yield Record(shape, data)
