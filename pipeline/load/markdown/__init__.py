"""Markdown: one file per record under markdown/<target>/, targets registered by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Iterator

from pipeline.atomic import AtomicDir, safe_relative, write_atomic
from pipeline.errors import ConfigError, LoadError, PipelineError
from pipeline.extract import parse_document
from pipeline.load import WriteOptions, Writer, register
from pipeline.record import ARTICLE, GENERIC, RawDocument, Record


class Target(ABC):
    """A Markdown destination: where each page goes and which front matter it gets."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: Folder inside markdown/<target>/ that holds the pages (a site's content folder).
    content_dir: ClassVar[str] = ""

    @abstractmethod
    def page_path(self, record: Record) -> str:
        """Return the page's preferred path relative to the content folder."""

    @abstractmethod
    def render(self, record: Record) -> str:
        """Return the page text."""

    @abstractmethod
    def read(self, raw: RawDocument, shape: str) -> dict[str, Any]:
        """Map a page written by `render` back to record data (the inverse mapping)."""

    def site_files(self, shape: str) -> dict[str, str]:
        """Return extra files (config, layouts) that make the folder a buildable site."""
        return {}


TARGETS: dict[str, type[Target]] = {}


def register_target(cls: type[Target]) -> type[Target]:
    """Class decorator: add a Markdown target to the registry."""
    TARGETS[cls.name] = cls
    return cls


def _ensure_loaded() -> None:
    """Import the target modules so that they register themselves."""
    from pipeline.load.markdown import generic  # noqa: F401


def target_names() -> list[str]:
    """Return the registered target names."""
    _ensure_loaded()
    return sorted(TARGETS)


def get_target(name: str) -> Target:
    """Return a target by name; an unknown name lists the valid ones."""
    _ensure_loaded()
    try:
        return TARGETS[name]()
    except KeyError:
        raise ConfigError(f"unknown markdown target {name!r}",
                          fix=f"valid targets: {', '.join(sorted(TARGETS))}") from None


@register
class MarkdownWriter(Writer):
    """Write markdown/<target>/: one page per record plus the target's site files."""

    name = "markdown"
    description = "markdown/<target>/: one page per record (--target generic)"

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        self.target = get_target(options.target)
        self.folder = AtomicDir(out_dir / "markdown" / self.target.name)
        self.used: set[str] = set()

    def _unique(self, rel: str, record: Record) -> str:
        """Return `rel`, or a variant with the id or a counter if another page took it."""
        path = safe_relative(rel)
        candidate = str(path)
        suffix = path.suffix
        stem = str(path)[: -len(suffix)] if suffix else str(path)
        counter = 1
        # Case-insensitive, because macOS and Windows file systems are.
        while candidate.lower() in self.used:
            counter += 1
            tag = record.data.get("id") if counter == 2 and record.shape == ARTICLE else counter
            candidate = f"{stem}-{tag}{suffix}"
        self.used.add(candidate.lower())
        return candidate

    def write(self, record: Record) -> None:
        """Render and write one page."""
        try:
            rel = self._unique(self.target.page_path(record), record)
        except PipelineError as err:
            err.path = record.path
            raise
        prefix = f"{self.target.content_dir}/" if self.target.content_dir else ""
        write_atomic(self.folder.file(prefix + rel), self.target.render(record).encode("utf-8"))

    def close(self) -> list[Path]:
        """Write the site files and swap the folder into place."""
        for rel, text in self.target.site_files(self.shape).items():
            write_atomic(self.folder.file(rel), text.encode("utf-8"))
        return [self.folder.commit()]

    def abort(self) -> None:
        """Drop the half-built folder."""
        self.folder.abort()


def read_markdown(folder: Path, target: str, shape: str | None = None) -> Iterator[Record]:
    """Read pages written for `target` back into records, in file-name order.

    `shape` is the shape that was written; without it a page with `slug` and a `source`
    mapping in its front matter is taken for an article.
    """
    tgt = get_target(target)
    content = folder / tgt.content_dir if tgt.content_dir else folder
    for path in sorted(p for p in content.rglob("*") if p.is_file()):
        rel = path.relative_to(content).as_posix()
        raw = parse_document(path.read_bytes(), rel)
        if raw.front_matter is None:
            raise LoadError("page has no front matter", path=str(path))
        fm = raw.front_matter
        kind = shape or (ARTICLE if isinstance(fm.get("source"), dict) and "slug" in fm
                         else GENERIC)
        yield Record(kind, tgt.read(raw, kind))
