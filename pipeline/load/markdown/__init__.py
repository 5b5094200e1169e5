"""Markdown: one file per record under markdown/<target>/, targets registered by name."""

from __future__ import annotations

import hashlib
import importlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Iterator

from pipeline.atomic import safe_relative, stage, write_atomic
from pipeline.errors import ConfigError, LoadError, PipelineError
from pipeline.extract import parse_document
from pipeline.load import TARGET_MODULES, WriteOptions, Writer, register
from pipeline.record import ARTICLE, GENERIC, Compact, RawDocument, Record
from pipeline.state import PageIndex, PageReader, decode_outcome, staging_dir


class Target(ABC):
    """A Markdown destination: where each page goes and which front matter it gets."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: Folder inside markdown/<target>/ that holds the pages (a site's content folder).
    content_dir: ClassVar[str] = ""
    #: True when a page depends on its record alone, so it can be rendered in a pool process.
    pure: ClassVar[bool] = False

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
    for module in TARGET_MODULES.values():
        importlib.import_module(module)


def target_names() -> list[str]:
    """Return the registered target names."""
    _ensure_loaded()
    return sorted(TARGETS)


def get_target(name: str) -> Target:
    """Return a target by name; an unknown name lists the valid ones."""
    if name in TARGET_MODULES:
        importlib.import_module(TARGET_MODULES[name])  # (that one alone: a tenth of start-up)
    else:
        _ensure_loaded()
    try:
        return TARGETS[name]()
    except KeyError:
        raise ConfigError(f"unknown markdown target {name!r}",
                          fix=f"valid targets: {', '.join(sorted(TARGETS))}") from None


@register
class MarkdownWriter(Writer):
    """Write markdown/<target>/: one page per record plus the target's site files.

    Incremental: a page whose record and target are unchanged since the last run into the same
    folder is not rewritten, pages no record produces any more are deleted at the end, and each
    page is written atomically, so a killed run leaves complete pages only.
    """

    name = "markdown"
    description = "markdown/<target>/: one page per record (--target generic, ...)"
    #: (Spans carry pages of the `generic` target only; pipeline.core checks the target.)
    takes_spans = True

    def __init__(self, out_dir: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(out_dir, shape, options)
        self.target = get_target(options.target)
        self.folder = out_dir / "markdown" / self.target.name
        self._folder = str(self.folder)
        self.tmp_dir = staging_dir(out_dir)
        self.index = PageIndex(out_dir, self.target.name)
        self._asked = ""  # the first name `_unique` tried for the last page
        self._made: set[str] = set()
        #: Compiled-core runs that hold pages this writer placed (flushed on close).
        self._cores: list[Any] = []
        #: (name asked for, name given) of the pages written since the caller last took them
        #: (pipeline.account keeps them for reruns: see pipeline.rerun).
        self.placed: list[tuple[str, str]] = []
        #: Set by a run that checks links (pipeline.links.LinkIndex): told each article's page
        #: and route, for the pages re-rendered after the main pass.
        self.links: Any = None

    def prepare_options(self, options: WriteOptions) -> WriteOptions:
        """Tell `prepare` whether an earlier run left pages whose digests are worth a look."""
        return replace(options, earlier_pages=not self.index.empty())

    def _unique(self, rel: str, record: Record) -> str:
        """Return `rel` (inside the content folder), or a variant with the id or a counter if
        another page of this run took it."""
        path = safe_relative(rel)
        prefix = f"{self.target.content_dir}/" if self.target.content_dir else ""
        candidate = prefix + str(path)
        suffix = path.suffix
        stem = candidate[: -len(suffix)] if suffix else candidate
        counter = 1
        first = candidate
        # Case-insensitive, because macOS and Windows file systems are.
        while not self.index.claim(candidate):
            counter += 1
            tag = record.data.get("id") if counter == 2 and record.shape == ARTICLE else counter
            candidate = f"{stem}-{tag}{suffix}"
        self._asked = first
        return candidate

    def _make_parent(self, target: str) -> None:
        """Create a page's folder once per run, not once per page (a mkdir and a stat)."""
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            if len(self._made) >= 4096:  # bounded: inputs may spread over many folders
                self._made.clear()
            self._made.add(parent)

    def _file(self, rel: str) -> Path:
        """Return the final location of a file inside the target folder."""
        return self.folder.joinpath(*safe_relative(rel).parts)

    @classmethod
    def prepare(cls, record: Record, shape: str, options: WriteOptions,
                data_json: bytes | None = None) -> Prepared | None:
        """Render the page of a pure target in a pool process, and stage its file there.

        Creating a file is the most expensive step of writing a page (the file system's
        inode allocation), so it happens in the pool, in parallel; the main process only
        renames. A page the index already holds with the same bytes is not staged.
        """
        target = _pure_target(options.target)
        if target is None:
            return None
        data = target.render(record).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        preferred = target.page_path(record)
        staged = None
        if options.out_dir is not None:
            prefix = f"{target.content_dir}/" if target.content_dir else ""
            if not options.earlier_pages or _known_digest(
                    Path(options.out_dir), target.name, prefix + preferred) != digest:
                staged = str(stage(_own_staging(options.out_dir),
                                   preferred.rsplit("/", 1)[-1], data))
        return Prepared(preferred, data if staged is None else None, staged, digest, len(data))

    def _placed(self, record: Record, page: PlacedPage) -> Prepared:
        """Place a record whose page the compiled core rendered: its bytes where the record
        gets the placement they were rendered for, else the page rendered here."""
        preferred = self.target.page_path(record)  # places the record, in input order
        place = getattr(self.target, "placement")(record)
        if (place.stem, place.route) == (page.stem, page.route):
            return Prepared(preferred, page.data, None, page.digest, page.size)
        outcome = decode_outcome(page.entry)
        if not isinstance(outcome, Record):
            raise LoadError("a page without its record", path=record.path)
        data = self.target.render(outcome).encode("utf-8")
        return Prepared(preferred, data, None, hashlib.sha256(data).hexdigest(), len(data))

    def write(self, record: Record, prepared: Prepared | PlacedPage | None = None) -> None:
        """Write one page, unless the same bytes are already there."""
        if isinstance(prepared, PlacedPage):
            prepared = self._placed(record, prepared)
        try:
            preferred = prepared.preferred if prepared else self.target.page_path(record)
            rel = self._unique(preferred, record)
        except PipelineError as err:
            err.path = record.path
            raise
        if prepared:
            digest, length = prepared.digest, prepared.size
        else:
            # Rendered here, in order: a target may make a page depend on earlier records
            # (the first of two records with one URL keeps it). Compared by content.
            data = self.target.render(record).encode("utf-8")
            digest, length = hashlib.sha256(data).hexdigest(), len(data)
        # `rel` is safe already (from _unique); plain string joins, as this runs once per page
        # in the main process, which every record passes through.
        target = os.path.join(self._folder, rel)
        size = self.index.unchanged(rel, digest)
        # The size check also catches a page that a power loss left empty or cut short.
        if size is not None and _size(target) == size:
            if prepared and prepared.staged:
                Path(prepared.staged).unlink(missing_ok=True)
        elif prepared and prepared.staged:
            self._make_parent(target)
            os.replace(prepared.staged, target)
        else:
            if prepared:
                data = prepared.data if prepared.data is not None else \
                    self.target.render(record).encode("utf-8")
            write_atomic(Path(target), data, self.tmp_dir, durable=False)
        self.index.mark(rel, digest, length)
        self.placed.append((self._asked, rel))
        if self.links is not None and record.shape == ARTICLE and hasattr(self.target,
                                                                           "placement"):
            self.links.add_page(record.path, rel, self.target.placement(record).route)

    def write_span(self, span: Any, start: int, stop: int) -> None:
        """Name the pages of records start..stop of a span (the core rendered them and writes
        them on its threads): the same names, and the same unchanged pages left alone, as
        `write` would give them one by one."""
        prefix = f"{self.target.content_dir}/" if self.target.content_dir else ""
        pages = span.pages
        names = [prefix + pages[i][0] for i in range(start, stop)]
        if span.run not in self._cores:
            self._cores.append(span.run)
        if self.index.claim_new([(rel, pages[i][1], pages[i][2])
                                 for i, rel in zip(range(start, stop), names)]):
            # The common case, a first run: every name was free and no page is there yet.
            folder = self._folder
            span.run.core.place([(pages[i][3], os.path.join(folder, rel))
                                 for i, rel in zip(range(start, stop), names)])
            self.placed.extend(zip(names, names))
            return
        rows = self.index.rows([name.lower() for name in names])
        taken_here: set[str] = set()
        placements: list[tuple[int, str | None]] = []
        for i, rel in zip(range(start, stop), names):
            _, digest, size, token = pages[i]
            lower = rel.lower()
            row = rows.get(lower)  # (run, rel, digest, size)
            if lower in taken_here or (row is not None and row[0] == self.index.run):
                # Another page of this run has the name: the slow path picks a variant.
                record = Record(span.shape, {"id": span.ids[i],
                                             "source": {"path": span.rels[i]}})
                rel = self._unique(pages[i][0], record)
                known = self.index.unchanged(rel, digest)
                self.placed.append((self._asked, rel))
            else:
                known = row[3] if row is not None and row[1] == rel and row[2] == digest \
                    else None
                self.placed.append((rel, rel))
            target = os.path.join(self._folder, rel)
            # (The size check also catches a page that a power loss left empty or cut short.)
            placements.append((token, None if known is not None and _size(target) == known
                               else target))
            self.index.mark(rel, digest, size)
            taken_here.add(rel.lower())
        span.run.core.place(placements)

    def _flush_cores(self) -> list[str]:
        """Wait for the pages the core is writing; return what failed."""
        errors = [error for run in self._cores for error in run.core.flush()]
        self._cores.clear()
        return errors

    def close(self) -> list[Path]:
        """Write the site files, delete pages no record produced, and commit the index."""
        errors = self._flush_cores()
        if errors:
            raise LoadError(f"{len(errors)} pages could not be written: {errors[0]}",
                            path=str(self.folder))
        for rel, text in self.target.site_files(self.shape).items():
            data = text.encode("utf-8")
            target = self._file(rel)
            if not (target.is_file() and target.read_bytes() == data):
                write_atomic(target, data, self.tmp_dir)
        for rel in self.index.stale():
            stale = self._file(rel)
            stale.unlink(missing_ok=True)
            # Remove folders that the deletion left empty, up to the target folder.
            parent = stale.parent
            while parent != self.folder and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        self.index.forget_stale()
        self.index.close()
        _close_reader(self.out_dir, self.target.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        return [self.folder]

    def abort(self) -> None:
        """Keep the pages written so far (each is complete) and what the index knows of them."""
        self._flush_cores()
        self.index.close()
        _close_reader(self.out_dir, self.target.name)


@dataclass(frozen=True, slots=True)
class Prepared(Compact):
    """A page rendered in a pool process: where it wants to go and where its bytes are."""

    preferred: str  # page path before the main process makes it unique
    data: bytes | None  # the bytes, when not staged
    staged: str | None  # a file in the staging folder holding the bytes
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class PlacedPage(Compact):
    """A platform page the compiled core rendered for the placement (file stem and route) a
    record gets when nothing it asks for is taken; `entry` holds the whole record, for the
    page to be rendered here when the record is placed elsewhere."""

    preferred: str
    data: bytes
    digest: str
    size: int
    stem: str
    route: str
    entry: bytes


@lru_cache(maxsize=8)
def _pure_target(name: str) -> Target | None:
    """The target of that name if its pages depend on their record alone."""
    target = get_target(name)
    return target if target.pure else None


_STAGING: dict[tuple[str, int], Path] = {}


def _own_staging(out_dir: str) -> Path:
    """This process's staging folder: one shared folder made every file creation wait for the
    other processes' creations and renames in it."""
    key = (out_dir, os.getpid())
    folder = _STAGING.get(key)
    if folder is None:
        folder = _STAGING[key] = staging_dir(Path(out_dir)) / f"p{os.getpid()}"
    return folder


_PAGE_READERS: dict[tuple[str, str], Any] = {}


def _known_digest(out_dir: Path, target: str, rel: str) -> str | None:
    """The digest the page index of an earlier run holds for a page (read-only)."""
    key = (str(out_dir), target)
    reader = _PAGE_READERS.get(key)
    if reader is None:
        reader = _PAGE_READERS[key] = PageReader(out_dir, target)
    return reader.digest(rel)


def _close_reader(out_dir: Path, target: str) -> None:
    """Close this process's reader of a page index (no SQLite connection may outlive a run:
    a later run forks its pool, and a connection must not cross a fork)."""
    reader = _PAGE_READERS.pop((str(out_dir), target), None)
    if reader is not None and reader.conn is not None:
        reader.conn.close()


def _size(path: str) -> int | None:
    """Return a file's size, or None if it does not exist."""
    try:
        return os.stat(path).st_size
    except OSError:
        return None


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
