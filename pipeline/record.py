"""The typed values that flow between the stages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

import orjson

from pipeline.errors import PipelineError

#: Record shapes: `article` is the canonical record of a CMS profile, `generic` keeps front matter.
ARTICLE = "article"
GENERIC = "generic"


class Compact:
    """Mixin for slotted dataclasses sent between processes: pickled as (class, field values).

    The dataclass's own slots pickling calls dataclasses.fields() for every object, which was
    most of the main process's unpickling time for tens of thousands of results.
    """

    __slots__: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as the class and the field values, in field order."""
        return type(self), tuple(getattr(self, name) for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class Warning_(Compact):
    """Something worth telling the user that did not stop a file from migrating."""

    path: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the report form."""
        return {"path": self.path, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class RawDocument:
    """What extract read from one file; nothing interpreted yet."""

    path: str  # relative to the input folder, `/`-separated
    sha256: str
    front_matter: dict[str, Any] | None  # None: the file has no front matter block
    fm_format: str | None  # "yaml" | "toml" | "json" | None
    body: str  # LF line endings
    body_line: int  # 1-based line number where the body starts
    key_lines: Mapping[str, int] = field(default_factory=dict)  # top-level key -> 1-based line
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"  # the file's dominant line ending before normalisation
    parser: str = ""  # which parser read the front matter, and why not the fast one

    def line_of(self, key: str) -> int | None:
        """Return the line of a top-level key (the first segment of a dotted path)."""
        return self.key_lines.get(key.split(".", 1)[0])


@dataclass(frozen=True, slots=True)
class Record(Compact):
    """One canonical record: `data` is JSON-safe and in the contract's key order."""

    shape: str
    data: dict[str, Any]
    warnings: tuple[Warning_, ...] = ()
    parser: str = ""  # from RawDocument.parser; counted in the run report

    @property
    def path(self) -> str:
        """Return the source path relative to the input folder."""
        return str(self.data["source"]["path"])

    def slim(self) -> "Record":
        """The part of the record the main process needs when the pool has serialised it
        already: id, URL, slug and related ids (corpus checks, page places), source, warnings
        and parser."""
        data = self.data
        slim: dict[str, Any] = {"source": data["source"]}
        if self.shape == ARTICLE:
            slim.update(id=data["id"], url=data.get("url"), slug=data.get("slug"),
                        related=[{"id": link.get("id")} for link in data.get("related", ())])
        return Record(self.shape, slim, self.warnings, self.parser)


def record_json(data: Any) -> bytes:
    """A value (a record's data) as compact UTF-8 JSON on one line: its JSONL line, its manifest
    entry, a CSV cell. Non-ASCII text stays readable; keys keep their order."""
    try:
        # orjson: a quarter of json.dumps's time, the largest per-record serialisation cost.
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits (YAML has no limit) and very deep nesting: the standard
        # library writes them, in the same layout. allow_nan=False because NaN is not JSON
        # (transform makes every float finite first; orjson would write null).
        return json.dumps(data, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Rejection(Compact):
    """A file that did not migrate, and why."""

    path: str
    reason: str
    line: int | None = None
    field: str | None = None
    kind: str = "error"

    @classmethod
    def from_error(cls, err: PipelineError, path: str) -> "Rejection":
        """Build a rejection from a typed error."""
        return cls(path=err.path or path, reason=err.reason(), line=err.line, field=err.field,
                   kind=err.kind)

    def as_dict(self) -> dict[str, Any]:
        """Return the report form."""
        return {"path": self.path, "line": self.line, "field": self.field, "kind": self.kind,
                "reason": self.reason}

    def one_line(self) -> str:
        """Return `path:line: reason` for stderr."""
        loc = f"{self.path}:{self.line}" if self.line else self.path
        return f"{loc}: {self.reason}"


Outcome = Union[Record, Rejection]
