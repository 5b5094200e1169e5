"""Load: writers registered by name, each consuming an iterator of records."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from pipeline.errors import ConfigError

if TYPE_CHECKING:  # (imported by the command line, which a quick rerun keeps light)
    from pipeline.record import Record


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Options shared by the writers; each writer reads the ones it understands."""

    target: str = "generic"  # markdown target
    spreadsheet_safe: bool = False  # csv: neutralise formulas for spreadsheet users
    html: bool = False  # jsonl/csv/parquet: articles get `answer_html` (rendered) after `answer`
    out_dir: str | None = None  # set by a run: lets `prepare` stage files in its staging area
    #: Set by a run: False when no earlier run left pages in out_dir, so `prepare` need not
    #: look any up (a read-only SQLite query per page, 5 % of a fresh run's pool time).
    earlier_pages: bool = True


class Writer(ABC):
    """One output format: open in __init__, `write` each record, `close` to commit."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: True when `write_span` writes a span of records the compiled core prepared.
    takes_spans: ClassVar[bool] = False

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        self.out_dir = out_dir
        self.shape = shape
        self.options = options

    def table_files(self) -> tuple[str, ...]:
        """The files this writer appends each record's bytes to, in order (a rerun copies the
        bytes of unchanged inputs from them; see pipeline.rerun)."""
        return ()

    def positions(self) -> tuple[int, ...]:
        """How many bytes each of `table_files()` holds so far."""
        return ()

    def span_offsets(self, span: Any) -> tuple[list[int], ...]:
        """Each record's offsets in each of `table_files()` for a span of the compiled core."""
        return ()

    def write_span(self, span: Any, start: int, stop: int) -> None:
        """Write records start..stop of a `pipeline.core.Span` (writers with `takes_spans`)."""
        raise NotImplementedError(f"the {self.name} writer takes records one at a time")

    @classmethod
    def prepare(cls, record: Record, shape: str, options: WriteOptions,
                data_json: bytes | None = None) -> Any:
        """Do the pure part of writing one record (serialising it), or return None.

        Runs in the pool processes beside extract and transform, so the main process, which
        every record passes through, only appends bytes; `write` receives the result.
        `data_json`, when given, is record_json(record.data), computed once per record.
        """
        return None

    def prepare_options(self, options: WriteOptions) -> WriteOptions:
        """Return `options` with what this writer knows about the run added, for `prepare`."""
        return options

    @abstractmethod
    def write(self, record: Record, prepared: Any = None) -> None:
        """Write one record (`prepared`: what `prepare` returned for it, if it ran)."""

    @abstractmethod
    def close(self) -> list[Path]:
        """Commit every output file into place; return their paths."""

    @abstractmethod
    def abort(self) -> None:
        """Drop everything written so far; the output folder keeps what it had."""

    def write_all(self, records: Iterable[Record]) -> list[Path]:
        """Consume an iterator of records and commit."""
        try:
            for record in records:
                self.write(record)
        except BaseException:
            self.abort()
            raise
        return self.close()


WRITERS: dict[str, type[Writer]] = {}


def register(cls: type[Writer]) -> type[Writer]:
    """Class decorator: add a writer to the registry under its name."""
    WRITERS[cls.name] = cls
    return cls


#: The module of each format, imported when the format is first asked for: each registers its
#: writer. (Importing all of them up front cost a run 70 ms for pyarrow alone.)
MODULES: dict[str, str] = {
    "csv": "pipeline.load.csv",
    "jsonl": "pipeline.load.jsonl",
    "markdown": "pipeline.load.markdown",
    "parquet": "pipeline.load.parquet",
}


#: The Markdown targets: each module of pipeline.load.markdown registers its target when
#: imported (see pipeline.load.markdown.get_target).
TARGET_MODULES: dict[str, str] = {
    "astro": "pipeline.load.markdown.astro",
    "generic": "pipeline.load.markdown.generic",
    "hugo": "pipeline.load.markdown.hugo",
    "jekyll": "pipeline.load.markdown.jekyll",
}


def target_names() -> list[str]:
    """Return the Markdown target names (without importing the targets)."""
    return sorted(TARGET_MODULES)


def writer_names() -> list[str]:
    """Return the writer names (registered, or registered when first used)."""
    return sorted(set(WRITERS) | set(MODULES))


def get_writer(name: str) -> type[Writer]:
    """Return a writer class by name; an unknown name lists the valid ones."""
    if name not in WRITERS and name in MODULES:
        importlib.import_module(MODULES[name])
    try:
        return WRITERS[name]
    except KeyError:
        raise ConfigError(f"unknown format {name!r}",
                          fix=f"valid formats: {', '.join(writer_names())}") from None
