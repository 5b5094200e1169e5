"""A rerun where a few inputs changed: the tables rebuilt from byte ranges of the previous ones,
only the changed inputs processed, only their pages written (see pipeline.rerun).

It applies when the last run's state is valid, every output file is as that run left it, the
formats are ones whose bytes are per record (jsonl, csv, and markdown with a target whose
page depends on its record alone), and few inputs changed. It declines (returns None, before
writing anything) whenever the corpus-wide rules could give an input it does not process
another outcome than last time: a changed, added or deleted input whose id, URL or page name
(old or new) another input also has; the run then processes every input, as a first run
would. Either way the outputs are the bytes of a clean run.

The work is per run of consecutive unchanged inputs, not per input: their table bytes are one
copy in the kernel, their ledger entries one slice, their report entries those of the last
report. Only the changed inputs are looked at one by one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline import rerun, scan
from pipeline.atomic import AtomicFile, SplicedFile, safe_relative, write_atomic
from pipeline.errors import PipelineError
from pipeline.extract import read_bytes
from pipeline.load import WriteOptions, get_writer
from pipeline.load.markdown import get_target
from pipeline.record import ARTICLE, Record, Rejection
from pipeline.report import Report, Tally, render_json
from pipeline.rerun import LEDGER_FIELDS as F
from pipeline.rerun import Entry
from pipeline.splice_report import spliced_report
from pipeline.state import Manifest, PageIndex, config_key, staging_dir
from pipeline.transform.profile import Profile

#: Ledger statuses of records whose id is claimed (dangling links are checked against them).
CLAIMED = (rerun.ARTICLE, rerun.OUTPUT)


@dataclass
class Change:
    """A changed or added input processed again."""

    rel: str
    sha: str
    outcome: Record | Rejection
    prepared: tuple[Any, ...]
    stored: bytes  # what the manifest keeps for it (pipeline.run.Done)
    page: tuple[str, bytes, str] | None = None  # (name, bytes, digest)
    core: bool = False  # processed by the compiled core


@dataclass
class Ledger:
    """The last run's ledger, split into its fields at once (a few MB for 20,000 inputs)."""

    fields: list[bytes]
    ends: array  # where each entry's bytes end in each table
    tables: int
    index: dict[bytes, int]  # entry number of each input

    @classmethod
    def read(cls, state: rerun.State) -> "Ledger":
        """Read the ledger and its ends (per entry, one per table and one for the ledger)."""
        fields = state.file("ledger").read_bytes().split(b"\0")
        fields.pop()  # (after the last NUL)
        ends = array("q")
        ends.frombytes(state.file("ends").read_bytes())
        count = len(fields) // F
        tables = len(state.data["tables"])
        if len(fields) % F or len(ends) != count * (tables + 1):
            raise PipelineError("the last run's ledger is damaged", fix="run with --full")
        return cls(fields, ends, tables, {rel: i for i, rel in enumerate(fields[0::F])})

    def entry(self, i: int) -> Entry:
        """Entry i, decoded."""
        return rerun.decode(self.fields[i * F:(i + 1) * F])

    def column(self, k: int) -> list[bytes]:
        """Field k of every entry."""
        return self.fields[k::F]


@dataclass
class Plan:
    """What the splice will do, decided before anything is written."""

    ledger: Ledger
    changed: dict[str, Change] = field(default_factory=dict)
    old: dict[str, int] = field(default_factory=dict)  # entry number of each touched input
    deleted: set[str] = field(default_factory=set)
    hashed: int = 0
    claimed: Any = None  # the ids claimed after the splice (Claimed)
    #: True when the touched inputs claim the same ids as before: the related links of the
    #: others dangle as they did.
    ids_unchanged: bool = False

    def touched(self) -> set[str]:
        """Inputs processed again or deleted."""
        return set(self.changed) | self.deleted


def splice(state: rerun.State, changes: scan.Changes, inputs_file: Path, options: Any,
           profile: Profile, started: float, seen_at: int, key: str,
           echo: Callable[[str], None], outputs_checked: bool = False,
           prefetch: rerun.Prefetch | None = None) -> Report | None:
    """Bring the outputs up to date by splicing, or None when the run must process every
    input (nothing is written then; the caller aborts `prefetch`). `outputs_checked`: the
    quick check found every output as the last run left it; `prefetch`: the files it began."""
    out_dir: Path = options.out_dir
    if any(name not in rerun.SPLICED for name in options.formats):
        return None
    target = get_target(options.target) if "markdown" in options.formats else None
    if target is not None and not target.pure:
        return None
    if not state.tables_as_left(out_dir) or "heads" not in state.data:
        return None
    if not outputs_checked and not rerun.outputs_as_left(out_dir, state):
        return None
    previous = _previous_report(out_dir)
    if _links_change(previous, options, profile, changes):
        return None
    if not all(key in previous for key in ("outputs", "dangling_links", "rejected",
                                           "warnings", "parsers", "migrated")):
        return None
    try:
        ledger = Ledger.read(state)
    except (OSError, PipelineError):
        return None
    plan = _plan(ledger, changes, options, profile, target)
    if plan is None:
        return None
    if prefetch is not None and plan.old and min(plan.old.values()) < prefetch.entries:
        return None  # (not reached: the prefetched entries are those before any touched one)
    return _write(state, plan, changes, inputs_file, options, profile, target, started,
                  seen_at, key, echo, previous, prefetch)


def _page_name(target: Any, preferred: str) -> str:
    """The page name `MarkdownWriter._unique` asks for first."""
    prefix = f"{target.content_dir}/" if target.content_dir else ""
    return prefix + str(safe_relative(preferred))


def _lower(name: bytes) -> bytes:
    """A page name lower-cased as str.lower does (page names are compared in any case)."""
    return name.lower() if name.isascii() else os.fsencode(os.fsdecode(name).lower())


def _lower_all(names: list[bytes]) -> list[bytes]:
    """`_lower` of many names (one operation where they are all ASCII)."""
    joined = b"\0".join(names)
    return joined.lower().split(b"\0") if joined.isascii() else [_lower(n) for n in names]


def _plan(ledger: Ledger, changes: scan.Changes, options: Any, profile: Profile,
          target: Any) -> Plan | None:
    """Hash the candidates, process the changed ones, and check that no input left alone
    could get another outcome; None when one could."""
    from pipeline.run import Work

    plan = Plan(ledger, deleted=set(changes.deleted))
    for rel in [rel for _, rel in changes.candidates] + list(plan.deleted):
        i = ledger.index.get(os.fsencode(rel))
        if i is not None:
            plan.old[rel] = i
    writers = tuple(get_writer(name) for name in options.formats)
    write_opts = WriteOptions(target=options.target, spreadsheet_safe=options.spreadsheet_safe,
                              html=options.html, out_dir=None, earlier_pages=False)
    work = Work(profile, options.max_bytes, writers, write_opts)
    # Hashing is a fifth of processing: every candidate is hashed (a checkout that touched
    # every file changed no bytes), and beyond a share of changed inputs the run processes
    # them all on every core instead.
    shas = ledger.column(1)
    changed: list[tuple[str, str]] = []
    for path, rel in changes.candidates:
        try:
            sha = hashlib.sha256(read_bytes(path, rel, options.max_bytes)).hexdigest()
        except PipelineError:
            sha = ""
        plan.hashed += 1
        i = plan.old.get(rel)
        if i is None or not shas[i] or sha.encode() != shas[i]:
            changed.append((path, rel))
        else:
            del plan.old[rel]  # the same bytes: left alone
    if len(changed) + len(plan.deleted) > rerun.splice_limit(changes.count):
        return None
    for done, by_core in _process(changed, work):
        rel = done.rel
        outcome = done.outcome
        stored = done.text if done.stored is None else done.stored
        if isinstance(outcome, Rejection):
            if options.on_error == "fail":
                return None  # the run stops there: the full run says so
            plan.changed[rel] = Change(rel, done.sha256 or "", outcome, (), stored,
                                       core=by_core)
            continue
        if len(done.prepared) != len(writers) or any(p is None for p in done.prepared):
            return None
        change = Change(rel, done.sha256 or "", outcome, done.prepared, stored, core=by_core)
        if target is not None:
            page = done.prepared[options.formats.index("markdown")]
            try:
                name = _page_name(target, page.preferred)
            except PipelineError:
                return None
            change.page = (name, page.data, page.digest)
        plan.changed[rel] = change
    return plan  # (whether the keys of the touched inputs are free is checked by _write)


def _process(files: list[tuple[str, str]], work: Any) -> Iterator[tuple[Any, bool]]:
    """The per-file work for the changed inputs, in order, as (pipeline.run.Done, by the
    compiled core): on the core where it serves the run (a few milliseconds, where the Python
    implementation's first file costs tens in imports and caches), one record at a time."""
    from pipeline import core
    from pipeline.run import process_file

    if not files:
        return
    if core.usable_for(work) is not None:
        for path, rel in files:
            yield process_file(path, rel, work), False
        return
    run = core.CoreRun(work, 1, spans=False)
    tally = Tally()
    try:
        python = 0
        for done in core.outcomes(files, run, lambda path, rel: process_file(path, rel, work),
                                  None, tally):
            yield done, tally.python == python  # (a file the core declined went to Python)
            python = tally.python
    finally:
        run.close()


def _keys_are_free(plan: Plan) -> bool:
    """True when no id, URL or page name (old or new) of a touched input belongs to another
    input, touched or not; also notes the claimed ids."""
    ledger = plan.ledger
    ids: set[bytes] = set()
    urls: set[bytes] = set()
    pages: set[bytes] = set()
    before: list[bytes] = []
    after: list[bytes] = []
    for rel in plan.touched():
        keys: set[tuple[int, bytes]] = set()
        i = plan.old.get(rel)
        if i is not None:
            old = ledger.entry(i)
            if old.status in (rerun.DUPLICATE, rerun.OUTPUT):
                return False
            keys |= {(0, rerun.encode_id(old.doc_id)), (1, rerun.encode_url(old.url))}
            if old.page:
                keys |= {(2, _lower(os.fsencode(name))) for name in old.page}
            if old.status in CLAIMED and old.doc_id is not None:
                before.append(rerun.encode_id(old.doc_id))
        new = plan.changed.get(rel)
        if new is not None and isinstance(new.outcome, Record):
            if new.outcome.shape == ARTICLE:
                doc_id = rerun.encode_id(new.outcome.data["id"])
                keys |= {(0, doc_id), (1, rerun.encode_url(new.outcome.data.get("url")))}
                after.append(doc_id)
            if new.page is not None:
                keys.add((2, _lower(os.fsencode(new.page[0]))))
        for kind, value in keys:
            taken = (ids, urls, pages)[kind]
            if value in taken:
                return False
            if value:
                taken.add(value)
    touched = set(plan.old.values())
    # A key is another input's when the column holds it more often than the touched inputs
    # do (list.count: a scan in C, where a loop here over 20,000 entries cost 10 ms a column).
    for column, wanted in ((ledger.column(3), ids), (ledger.column(4), urls)):
        if any(column.count(value) > sum(column[i] == value for i in touched)
               for value in wanted):
            return False
    if pages:
        for k in (7, 8):
            column = _lower_all(ledger.column(k))
            if any(column.count(value) > sum(column[i] == value for i in touched)
                   for value in pages):
                return False
    plan.claimed = Claimed(ledger.column(3), ledger.column(2), touched, set(after))
    plan.ids_unchanged = sorted(before) == sorted(after)
    return True


class Claimed:
    """The ids claimed by records after the splice, as the ledger holds them: those of the
    inputs left alone (looked up in the ledger's column, by a scan in C, as the few changed
    records' links need) and those of the processed ones (`extra`)."""

    def __init__(self, ids: list[bytes], statuses: list[bytes], touched: set[int],
                 extra: set[bytes]) -> None:
        self.ids, self.statuses, self.touched, self.extra = ids, statuses, touched, extra
        self.known: dict[bytes, bool] = {}
        self.everything: set[bytes] | None = None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, bytes) or not value:
            return False
        if value in self.extra:
            return True
        if self.everything is not None:
            return value in self.everything
        if value not in self.known:
            found, start = False, 0
            while not found:
                try:
                    i = self.ids.index(value, start)
                except ValueError:
                    break
                found = self.statuses[i] in CLAIMED and i not in self.touched
                start = i + 1
            self.known[value] = found
        return self.known[value]

    def materialise(self) -> None:
        """Hold every claimed id at once (every article's links are about to be checked)."""
        self.everything = {value for i, value in enumerate(self.ids)
                           if value and self.statuses[i] in CLAIMED and i not in self.touched}


def _report_paths_known(previous: dict[str, Any], ledger: Ledger, plan: Plan) -> bool:
    """True when every entry of the last report names an input of the last run (the report
    is spliced by input)."""
    return all(os.fsencode(item["path"]) in ledger.index
               for key in ("rejected", "warnings", "dangling_links")
               for item in previous[key])


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


def _segments(inputs_file: Path, plan: Plan, count: int) -> list[tuple[int, int] | Change]:
    """The new order of the inputs: runs [a, b) of the last ledger's entries left alone, and
    the processed inputs between them (`count`: the inputs now)."""
    ledger = plan.ledger
    entries = len(ledger.index)
    if not plan.deleted and count == entries and all(rel in plan.old for rel in plan.changed):
        # The same inputs as last time, some of them changed: each keeps its place, and the
        # inputs file need not be read.
        segments: list[tuple[int, int] | Change] = []
        a = 0
        for i, name in sorted((plan.old[rel], rel) for rel in plan.changed):
            if i > a:
                segments.append((a, i))
            segments.append(plan.changed[name])
            a = i + 1
        if a < entries:
            segments.append((a, entries))
        return segments
    changed = {os.fsencode(rel): change for rel, change in plan.changed.items()}
    segments = []
    a = b = -1
    for encoded in scan.read_rels(inputs_file):
        change = changed.get(encoded)
        if change is None:
            number = ledger.index.get(encoded)
            if number is None:  # (not reached: an input without an entry is new: processed)
                raise PipelineError("the last run's ledger does not match its inputs",
                                    path=os.fsdecode(encoded), fix="run again with --full")
            i = number
            if i == b:
                b += 1
                continue
            if b > a:
                segments.append((a, b))
            a, b = i, i + 1
            continue
        if b > a:
            segments.append((a, b))
        a = b = -1
        segments.append(change)
    if b > a:
        segments.append((a, b))
    return segments


def _write(state: rerun.State, plan: Plan, changes: scan.Changes, inputs_file: Path,
           options: Any, profile: Profile, target: Any, started: float, seen_at: int,
           key: str, echo: Callable[[str], None], previous: dict[str, Any],
           prefetch: rerun.Prefetch | None) -> Report | None:
    """Write the spliced tables and ledger, the changed pages, the report and the new state
    (`previous`: the last report; `prefetch`: the files begun already); None when the
    touched inputs' keys turn out not to be free (checked while the kernel copies)."""
    out_dir: Path = options.out_dir
    ledger = plan.ledger
    segments = _segments(inputs_file, plan, changes.count)
    names = [name for name, _size, _mtime in state.data["tables"]]
    heads: list[int] = [*state.data["heads"], 0]  # (the ledger has no header)
    columns = len(heads)
    ledger_path = rerun.ledger_path(out_dir, seen_at)
    ends_path = rerun.ends_path(ledger_path)
    files: list[SplicedFile] = []  # each table, then the ledger
    added: list[tuple[int, list[bytes]]] = []  # (segment, fields) of processed inputs
    new_ends = array("q")
    try:
        if prefetch is not None:
            files.extend(prefetch.files)
        else:
            staging = staging_dir(out_dir)
            files.extend(SplicedFile(out_dir / name, out_dir / name, staging)
                         for name in names)
            files.append(SplicedFile(state.file("ledger"), ledger_path, staging))
        for table, head in zip(files, heads):
            table.copy(0, head)  # the header
        position = list(heads)  # where the next bytes go in each new file
        old = ledger.ends
        for number, segment in enumerate(segments):
            if isinstance(segment, Change):
                fields = _add_change(segment, files, position, options.formats, profile.shape)
                added.append((number, fields))
                new_ends.extend(position)
                continue
            a, b = segment
            start = heads if a == 0 else old[(a - 1) * columns:a * columns]
            ends = old[a * columns:b * columns]
            last = (b - a - 1) * columns
            for t, table in enumerate(files):
                table.copy(start[t], ends[last + t])
            shift = [position[t] - start[t] for t in range(columns)]
            if any(shift):
                for t in range(columns):
                    ends[t::columns] = array("q", (e + shift[t] for e in ends[t::columns]))
            position = list(ends[last:last + columns])
            new_ends.extend(ends)
        # Checked while the kernel copies: only temporary files are written so far.
        if not _keys_are_free(plan) or not _report_paths_known(previous, ledger, plan):
            for table in files:
                table.abort()
                table.close_old()
            return None
        rerun.forget(out_dir)  # the outputs change from here on
        # (Pages before the tables' syncs: creating a file waited for them.)
        _pages(plan, out_dir, target)
        for table in files:
            table.sync()  # (the threads sync while the rest is done here)
        _manifest(plan, out_dir, profile, options)
        # The report is made while the kernel copies the tables.
        report = spliced_report(previous, plan, segments, added)
        report.inputs = changes.count
        by_core = sum(change.core for change in plan.changed.values())
        report.implementations = Tally(core=by_core, python=len(plan.changed) - by_core)
        report.cached = report.inputs - len(plan.changed)
        report.rerun = {"mode": "splice", "unchanged_by_metadata": changes.unchanged,
                        "hashed": plan.hashed, "processed": len(plan.changed)}
        report.seconds = time.perf_counter() - started
        text = render_json(report.as_dict(), report.dangling_links)
        for table in files:
            table.finish()
        for table in files:
            table.commit()
        with open(ends_path, "wb") as out:
            new_ends.tofile(out)
    except BaseException:
        for table in files:
            table.abort()
            table.close_old()
        ends_path.unlink(missing_ok=True)
        raise
    # (In the background: closing a replaced table frees its blocks, tens of ms.)
    threading.Thread(target=_close_old, args=(files,)).start()
    handle = AtomicFile(out_dir / rerun.REPORT_NAME)
    handle.write(text)
    handle.commit()
    rerun.save(out_dir, key, seen_at, inputs_file, ledger_path, names, heads[:-1],
               (state.file("outputs"), [*names, *_rewritten_pages(plan, target)]))
    if not options.quiet:
        echo(report.summary(out_dir) + f"; {changes.unchanged} unchanged by metadata, "
             f"{plan.hashed} hashed, {len(plan.changed)} processed, the rest copied")
    return report


def _close_old(tables: list[SplicedFile]) -> None:
    """Close the old tables."""
    for table in tables:
        table.close_old()


def _add_change(change: Change, files: list[SplicedFile], position: list[int],
                formats: tuple[str, ...], shape: str) -> list[bytes]:
    """Write a processed input's bytes and ledger entry (the last of `files`); return the
    entry's fields."""
    outcome = change.outcome
    if isinstance(outcome, Rejection):
        fields = rerun.fields_of(change.rel, change.sha, rerun.REJECTED,
                                 rejection=outcome.as_dict())
    else:
        for t, chunk in enumerate(_record_bytes(change, formats, shape)):
            if chunk:
                files[t].write(chunk)
                position[t] += len(chunk)
        data = outcome.data
        article = outcome.shape == ARTICLE
        fields = rerun.fields_of(
            change.rel, change.sha, rerun.ARTICLE if article else rerun.GENERIC,
            data["id"] if article else None, data.get("url") if article else None,
            outcome.parser,
            [link["id"] for link in data["related"] if link["id"] is not None]
            if article else (),
            (change.page[0], change.page[0]) if change.page else None, None,
            [w.as_dict() for w in outcome.warnings])
    entry = rerun.entry_bytes(fields)
    files[-1].write(entry)
    position[-1] += len(entry)
    return fields


def _page_rel(target: Any, name: str) -> str:
    """A page's path relative to the output folder."""
    return "/".join(("markdown", target.name, *safe_relative(name).parts))


def _rewritten_pages(plan: Plan, target: Any) -> list[str]:
    """The page files a splice wrote or deleted, relative to the output folder."""
    if target is None:
        return []
    names = {c.page[0] for c in plan.changed.values() if c.page is not None}
    for rel in plan.touched():
        i = plan.old.get(rel)
        if i is not None and plan.ledger.fields[i * F + 8]:
            names.add(os.fsdecode(plan.ledger.fields[i * F + 8]))
    return [_page_rel(target, name) for name in names]


def _pages(plan: Plan, out_dir: Path, target: Any) -> None:
    """Write the changed pages, delete those of deleted inputs and the old names of moved
    ones, and bring the page index up to date."""
    if target is None:
        return
    folder = out_dir / "markdown" / target.name
    index = PageIndex(out_dir, target.name)
    try:
        keep = {c.page[0] for c in plan.changed.values() if c.page is not None}
        for rel in plan.touched():
            i = plan.old.get(rel)
            placed = os.fsdecode(plan.ledger.fields[i * F + 8]) if i is not None else ""
            if placed and placed not in keep:
                stale = folder.joinpath(*safe_relative(placed).parts)
                stale.unlink(missing_ok=True)
                index.conn.execute("DELETE FROM pages WHERE name = ?", (placed.lower(),))
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
                manifest.store(change.rel, change.sha, change.stored)
    finally:
        manifest.close()


def _previous_report(out_dir: Path) -> dict[str, Any]:
    """The last report (its outputs are this run's: the same formats wrote them)."""
    try:
        data = json.loads((out_dir / rerun.REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _links_change(previous: dict[str, Any], options: Any, profile: Profile,
                  changes: scan.Changes) -> bool:
    """True when link checking (pipeline.links) could give another answer than the last run
    for an input this splice does not process: files copied from --assets, internal references
    in the last run, or one in a changed input (each is transformed here to see: a few files)."""
    if getattr(options, "assets", None) is not None:
        return True
    if not profile.link_fields:
        return False
    if previous.get("links"):
        return True
    from pipeline.links import LinkIndex
    from pipeline.transform import process_bytes

    for path, rel in changes.candidates:
        try:
            outcome = process_bytes(Path(path).read_bytes(), rel, profile)
        except OSError:
            return True
        if isinstance(outcome, Record) and any(
                True for _ in LinkIndex.refs_in(outcome.data, profile.link_fields,
                                                profile.link_hosts)):
            return True
    return False
