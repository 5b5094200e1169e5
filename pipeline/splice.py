"""A rerun where a few inputs changed: the tables rebuilt from byte ranges of the previous ones,
only the changed inputs processed, only their pages written (see pipeline.rerun).

It applies when the last run's state is valid, every output file is as that run left it, the
formats are ones whose bytes are per record (jsonl, csv, and markdown with a target whose
page depends on its record alone), and few inputs changed. It declines (returns None, before
writing anything) whenever the corpus-wide rules could give an input it does not process
another outcome than last time: a changed, added or deleted input whose id, URL or page name
(old or new) another input also has; the run then processes every input, as a first run
would. Either way the outputs are the bytes of a clean run.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline import rerun, scan
from pipeline.atomic import BUFFER, AtomicFile, safe_relative, write_atomic
from pipeline.errors import PipelineError
from pipeline.extract import read_bytes
from pipeline.load import WriteOptions, get_writer
from pipeline.load.markdown import get_target
from pipeline.record import ARTICLE, Record, Rejection, Warning_
from pipeline.report import Report, Tally
from pipeline.rerun import Entry
from pipeline.state import Manifest, PageIndex, config_key, encode_outcome, staging_dir
from pipeline.transform.profile import Profile

#: Formats whose outputs are per-record bytes (spliced) rather than whole-corpus files.
SPLICED = ("jsonl", "csv", "markdown")
#: Beyond this share of the inputs changed, processing everything is as quick.
MAX_SHARE = 8
MIN_LIMIT = 100


@dataclass
class Change:
    """A changed or added input processed again."""

    rel: str
    sha: str
    outcome: Record | Rejection
    prepared: tuple[Any, ...]
    page: tuple[str, bytes, str] | None = None  # (name, bytes, digest)


@dataclass
class Plan:
    """What the splice will do, decided before anything is written."""

    changed: dict[str, Change] = field(default_factory=dict)
    old: dict[str, Entry] = field(default_factory=dict)  # ledger entries of touched inputs
    deleted: set[str] = field(default_factory=set)
    hashed: int = 0
    accepted_ids: set[Any] = field(default_factory=set)


def splice(state: rerun.State, changes: scan.Changes, inputs_file: Path, options: Any,
           profile: Profile, started: float, seen_at: int, key: str,
           echo: Callable[[str], None]) -> Report | None:
    """Bring the outputs up to date by splicing, or None when the run must process every
    input (nothing is written then)."""
    out_dir: Path = options.out_dir
    if any(name not in SPLICED for name in options.formats):
        return None
    target = get_target(options.target) if "markdown" in options.formats else None
    if target is not None and not target.pure:
        return None
    if len(changes.candidates) + len(changes.deleted) > max(MIN_LIMIT,
                                                            changes.count // MAX_SHARE):
        return None
    if not state.tables_as_left(out_dir) or "heads" not in state.data:
        return None
    probe = staging_dir(out_dir) / f"outputs-probe-{os.getpid()}.bin"
    try:
        if rerun.outputs_changed(out_dir, state.file("outputs"), probe):
            return None
    finally:
        probe.unlink(missing_ok=True)
    plan = _plan(state, changes, options, profile, target)
    if plan is None:
        return None
    return _write(state, plan, changes, inputs_file, options, profile, target, started,
                  seen_at, key, echo)


def _page_name(target: Any, preferred: str) -> str:
    """The page name `MarkdownWriter._unique` asks for first."""
    prefix = f"{target.content_dir}/" if target.content_dir else ""
    return prefix + str(safe_relative(preferred))


def _plan(state: rerun.State, changes: scan.Changes, options: Any, profile: Profile,
          target: Any) -> Plan | None:
    """Hash the candidates, process the changed ones, and check that no input left alone
    could get another outcome; None when one could."""
    from pipeline.run import Work, process_file

    plan = Plan(deleted=set(changes.deleted))
    touched = {rel for _, rel in changes.candidates} | plan.deleted
    for raw in rerun.read_raw(state.file("ledger")):
        rel = os.fsdecode(raw[0])
        if rel in touched:
            plan.old[rel] = rerun.decode(raw)
    writers = tuple(get_writer(name) for name in options.formats)
    write_opts = WriteOptions(target=options.target, spreadsheet_safe=options.spreadsheet_safe,
                              html=options.html, out_dir=None, earlier_pages=False)
    work = Work(profile, options.max_bytes, writers, write_opts)
    for path, rel in changes.candidates:
        old = plan.old.get(rel)
        try:
            sha = hashlib.sha256(read_bytes(path, rel, options.max_bytes)).hexdigest()
        except PipelineError:
            sha = ""
        plan.hashed += 1
        if old is not None and old.sha and sha == old.sha:
            continue  # metadata changed, bytes did not
        done = process_file(path, rel, work)
        outcome = done.outcome
        if isinstance(outcome, Rejection):
            if options.on_error == "fail":
                return None  # the run stops there: the full run says so
            plan.changed[rel] = Change(rel, done.sha256 or "", outcome, ())
            continue
        if len(done.prepared) != len(writers) or any(p is None for p in done.prepared):
            return None
        change = Change(rel, done.sha256 or "", outcome, done.prepared)
        if target is not None:
            page = done.prepared[options.formats.index("markdown")]
            try:
                name = _page_name(target, page.preferred)
            except PipelineError:
                return None
            change.page = (name, page.data, page.digest)
        plan.changed[rel] = change
    # The keys whose owner could change: ids, URLs and page names of every touched input.
    ids: set[Any] = set()
    urls: set[Any] = set()
    pages: set[str] = set()

    def claim(kind: set[Any], value: Any) -> bool:
        """Add a touched key; False when another touched input has it too."""
        if value is None or value == "":
            return True
        if value in kind:
            return False
        kind.add(value)
        return True

    for rel in set(plan.changed) | plan.deleted:
        old = plan.old.get(rel)
        processed = plan.changed.get(rel)
        if old is not None and old.status in (rerun.DUPLICATE, rerun.OUTPUT):
            return None
        keys: list[tuple[set[Any], Any]] = []
        if old is not None:
            keys += [(ids, old.doc_id), (urls, old.url)]
            if old.page:
                keys += [(pages, old.page[0].lower()), (pages, old.page[1].lower())]
        if processed is not None and isinstance(processed.outcome, Record):
            if processed.outcome.shape == ARTICLE:
                keys += [(ids, processed.outcome.data["id"]),
                         (urls, processed.outcome.data.get("url"))]
            if processed.page is not None:
                keys.append((pages, processed.page[0].lower()))
        seen: set[tuple[int, Any]] = set()
        for kind, value in keys:
            if (id(kind), value) in seen:
                continue  # the same key before and after the change
            seen.add((id(kind), value))
            if not claim(kind, value):
                return None
    # One pass over the ledger: no input left alone may hold a touched key.
    for raw in rerun.read_raw(state.file("ledger")):
        rel = os.fsdecode(raw[0])
        if rel in plan.changed or rel in plan.deleted:
            continue
        entry = rerun.decode(raw) if (raw[3] or raw[4] or raw[8]) else None
        if entry is None:
            continue
        if entry.doc_id is not None and entry.doc_id in ids or entry.url and entry.url in urls:
            return None
        if entry.page and (entry.page[0].lower() in pages or entry.page[1].lower() in pages):
            return None
        if entry.status in (rerun.ARTICLE, rerun.OUTPUT) and entry.doc_id is not None:
            plan.accepted_ids.add(entry.doc_id)
    for change in plan.changed.values():
        if isinstance(change.outcome, Record) and change.outcome.shape == ARTICLE:
            plan.accepted_ids.add(change.outcome.data["id"])
    return plan


@dataclass
class _Tables:
    """The new table files, written from ranges of the old ones and new bytes."""

    names: list[str]
    old: list[int]  # file descriptors of the previous tables
    new: list[AtomicFile]
    pending: list[list[int]]  # per table: [start, end) of the range waiting to be copied

    def copy(self, table: int, start: int, end: int) -> None:
        """Queue bytes [start, end) of the old table (adjacent ranges merge)."""
        pending = self.pending[table]
        if pending[1] == start:
            pending[1] = end
        else:
            self.flush(table)
            self.pending[table] = [start, end]

    def flush(self, table: int) -> None:
        """Copy the queued range."""
        start, end = self.pending[table]
        if end > start:
            handle = self.new[table]
            handle.write(os.pread(self.old[table], end - start, start))
        self.pending[table] = [0, 0]

    def write(self, table: int, data: bytes) -> None:
        """Append new bytes."""
        self.flush(table)
        self.new[table].write(data)


def _record_bytes(change: Change, formats: tuple[str, ...], shape: str) -> list[bytes]:
    """A changed record's bytes for each table, in the order of the writers' tables (those of
    `Writer.table_files()`: articles.jsonl; articles.csv, and related.csv for articles)."""
    out: list[bytes] = []
    for name, prepared in zip(formats, change.prepared):
        if name == "jsonl":
            out.append(prepared)
        elif name == "csv":
            out.extend(prepared[:2 if shape == ARTICLE else 1])
    return out


def _write(state: rerun.State, plan: Plan, changes: scan.Changes, inputs_file: Path,
           options: Any, profile: Profile, target: Any, started: float, seen_at: int,
           key: str, echo: Callable[[str], None]) -> Report:
    """Write the spliced tables, the changed pages, the report and the new state."""
    out_dir: Path = options.out_dir
    rerun.forget(out_dir)
    names = [name for name, _size, _mtime in state.data["tables"]]
    heads: list[int] = state.data["heads"]
    stamp = f"{seen_at}-{os.getpid()}"
    book = rerun.Book(inputs_file.with_name(f"ledger-{stamp}.bin"))
    olds = [os.open(out_dir / name, os.O_RDONLY) for name in names]
    tables = _Tables(names, olds, [], [[0, 0] for _ in names])
    report = Report()
    tally = Tally()
    try:
        for name in names:
            tables.new.append(AtomicFile(out_dir / name, "wb", buffering=BUFFER,
                                         background=True))
        for t, head in enumerate(heads):
            tables.copy(t, 0, head)
        position = list(heads)  # where the next record's bytes start in each new table
        old_end = list(heads)  # where the next old entry's bytes start in each old table
        for kind, raw, change in _merge(state, inputs_file, plan):
            if raw is not None:
                start = old_end
                ends = [int(x) for x in raw[9].split(b",")] if raw[9] else list(start)
                old_end = ends
                if kind == "gone":
                    continue
            if kind == "keep":
                assert raw is not None
                for t in range(len(names)):
                    tables.copy(t, start[t], ends[t])
                    position[t] += ends[t] - start[t]
                raw = list(raw)
                raw[9] = ",".join(map(str, position)).encode() if raw[9] else b""
                book.write_raw(raw)
                entry = rerun.decode(raw)
            else:
                assert change is not None
                entry = _add_change(book, change, tables, position, options.formats,
                                    profile.shape)
                tally.python += 1
            _account(report, entry, plan.accepted_ids)
        for t in range(len(names)):
            tables.flush(t)
        _pages(plan, out_dir, target)
        _manifest(plan, out_dir, profile, options)
        for handle in tables.new:
            handle.commit()
        book.close()
    except BaseException:
        for handle in tables.new:
            handle.abort()
        book.abort()
        raise
    finally:
        for fd in olds:
            os.close(fd)
    previous = _previous_outputs(out_dir)
    report.inputs = changes.count
    report.outputs = previous
    report.implementations = tally
    report.cached = report.inputs - tally.python
    report.rerun = {"mode": "splice", "unchanged_by_metadata": changes.unchanged,
                    "hashed": plan.hashed, "processed": tally.python}
    report.seconds = time.perf_counter() - started
    report.write(out_dir / rerun.REPORT_NAME)
    rerun.save(out_dir, key, seen_at, inputs_file, book.path, names, report.counts(), heads)
    if not options.quiet:
        echo(report.summary(out_dir) + f"; {changes.unchanged} unchanged by metadata, "
             f"{plan.hashed} hashed, {tally.python} processed, the rest copied")
    return report


def _merge(state: rerun.State, inputs_file: Path,
           plan: Plan) -> Iterator[tuple[str, list[bytes] | None, Change | None]]:
    """The inputs in the new walk order beside the old ledger's entries: ("keep", entry, None)
    for an input left alone, ("new", old entry or None, change) for one processed again, and
    ("gone", entry, None) for an entry whose input is deleted.

    The ledger holds exactly the inputs of the last run's inputs file (rerun.save checks),
    both in walk order, so the old entries that are not deleted come in the new order too."""
    old = rerun.read_raw(state.file("ledger"))
    pending = next(old, None)
    with open(inputs_file, "rb") as handle:
        for _index, rel, _meta in scan.read_meta(handle):
            while pending is not None and os.fsdecode(pending[0]) in plan.deleted:
                yield "gone", pending, None
                pending = next(old, None)
            raw = None
            if pending is not None and os.fsdecode(pending[0]) == rel:
                raw, pending = pending, next(old, None)
            change = plan.changed.get(rel)
            if change is not None:
                yield "new", raw, change
            elif raw is not None:
                yield "keep", raw, None
            else:  # (not reached: an input without an entry is new, so it is processed)
                raise PipelineError("the last run's ledger does not match its inputs",
                                    path=rel, fix="run again with --full")
        while pending is not None:
            yield "gone", pending, None
            pending = next(old, None)


def _entry(change: Change, position: list[int]) -> Entry:
    """The ledger entry of a processed input whose bytes end at `position`."""
    outcome = change.outcome
    if isinstance(outcome, Rejection):
        return Entry(change.rel, change.sha, rerun.REJECTED, None, None, "", [], None,
                     tuple(position), outcome.as_dict(), [])
    data = outcome.data
    article = outcome.shape == ARTICLE
    return Entry(change.rel, change.sha, rerun.ARTICLE if article else rerun.GENERIC,
                 data["id"] if article else None, data.get("url") if article else None,
                 outcome.parser,
                 [link["id"] for link in data["related"] if link["id"] is not None]
                 if article else [], (change.page[0], change.page[0]) if change.page else None,
                 tuple(position), None, [w.as_dict() for w in outcome.warnings])


def _add_change(book: rerun.Book, change: Change, tables: _Tables, position: list[int],
                formats: tuple[str, ...], shape: str) -> Entry:
    """Write a processed input's bytes and ledger entry; return the entry."""
    if isinstance(change.outcome, Record):
        for t, data in enumerate(_record_bytes(change, formats, shape)):
            if data:
                tables.write(t, data)
                position[t] += len(data)
    entry = _entry(change, position)
    book.add_entry(entry)
    return entry


def _account(report: Report, entry: Entry, accepted_ids: set[Any]) -> None:
    """Add one input's entry to the report, as the run that made it did."""
    if entry.rejection is not None:
        report.rejected.append(Rejection(**entry.rejection))
        return
    report.migrated += 1
    if entry.parser:
        report.parsers[entry.parser] = report.parsers.get(entry.parser, 0) + 1
    report.warnings.extend(Warning_(**w) for w in entry.warnings)
    for related in entry.links:
        if related not in accepted_ids:
            report.dangling_links.append({"path": entry.rel, "article_id": entry.doc_id,
                                          "related_id": related})
    report.dangling_count = len(report.dangling_links)


def _pages(plan: Plan, out_dir: Path, target: Any) -> None:
    """Write the changed pages, delete those of deleted inputs and the old names of moved
    ones, and bring the page index up to date."""
    if target is None:
        return
    folder = out_dir / "markdown" / target.name
    index = PageIndex(out_dir, target.name)
    try:
        keep = {c.page[0] for c in plan.changed.values() if c.page is not None}
        for rel in set(plan.changed) | plan.deleted:
            old = plan.old.get(rel)
            if old is not None and old.page and old.page[1] not in keep:
                stale = folder.joinpath(*safe_relative(old.page[1]).parts)
                stale.unlink(missing_ok=True)
                index.conn.execute("DELETE FROM pages WHERE name = ?", (old.page[1].lower(),))
                parent = stale.parent
                while parent != folder and parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
        for change in plan.changed.values():
            if change.page is None:
                continue
            name, data, digest = change.page
            target_path = folder.joinpath(*safe_relative(name).parts)
            index.claim(name)
            size = index.unchanged(name, digest)
            if not (size is not None and target_path.is_file()
                    and target_path.stat().st_size == size):
                write_atomic(target_path, data, staging_dir(out_dir), durable=False)
            index.mark(name, digest, len(data))
    finally:
        index.close()


def _manifest(plan: Plan, out_dir: Path, profile: Profile, options: Any) -> None:
    """Remember the processed inputs' outcomes (a later full run takes them from there)."""
    key = config_key(profile.data, max_bytes=options.max_bytes, shape=profile.shape)
    manifest = Manifest(out_dir, key)
    try:
        for change in plan.changed.values():
            if change.sha:
                manifest.store(change.rel, change.sha, encode_outcome(change.outcome))
    finally:
        manifest.close()


def _previous_outputs(out_dir: Path) -> list[str]:
    """The outputs list of the last report (the same files: the same formats wrote them)."""
    import json

    try:
        data = json.loads((out_dir / rerun.REPORT_NAME).read_text(encoding="utf-8"))
        return list(data["outputs"])
    except (OSError, ValueError, KeyError):
        return []

