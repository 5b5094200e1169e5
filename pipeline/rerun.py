"""Reruns at the speed of `stat`: what a run leaves in `<out>/.pipeline/` so that the next run
into the same folder touches only what changed.

A complete run leaves, beside the outcome manifest and the page index (pipeline.state):

- the *inputs file*: every input's metadata in walk order (pipeline.scan);
- the *ledger*: what every input contributed, in input order: its outcome (accepted article or
  generic record, rejected, rejected as a duplicate id), id, URL, parser, related ids, page
  names, where its bytes end in each table file, and its report entries;
- the *outputs file*: the metadata of every output file but report.json;
- a small JSON *state* naming those three files with the run's key (code, profile, options,
  inputs), the moment it started and the tables' sizes and mtimes. It is written last and
  removed first by any run that writes outputs, so a killed run leaves none, and the next one
  then processes every input (whose outcomes the manifest still has).

The next run compares metadata first. Nothing changed and every output as left: it says so
and stops (`quick`), having imported little more than this module. Otherwise
pipeline.splice rebuilds the tables from byte ranges of the previous ones and processes only
the changed inputs, or, where the corpus-wide rules could change for inputs it did not touch,
the run processes everything as a first run would.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from pipeline import scan

STATE_DIR = ".pipeline"
#: Bumped with any change to the files below: a state of another layout is not read.
LAYOUT = 4
STATE_NAME = f"rerun-v{LAYOUT}.json"
REPORT_NAME = "report.json"
#: In report.json, the end of the dangling links (one per line, indented by four) and the
#: first key after them (see pipeline.report.write_json).
_AFTER_DANGLING = '\n  ],\n  "seconds": '
#: Fields of a ledger entry, each ended by a NUL (see `Book.add`).
LEDGER_FIELDS = 11
#: Formats whose outputs are per-record bytes (spliced) rather than whole-corpus files.
SPLICED = ("jsonl", "csv", "markdown")
#: Beyond this share of the inputs changed (or at least MIN_LIMIT), processing every input
#: on every core is as quick as a splice, which processes the changed ones in this process.
MAX_SHARE = 8
MIN_LIMIT = 100


def splice_limit(count: int) -> int:
    """How many of `count` inputs may change (or go) for a splice (pipeline.splice)."""
    return max(MIN_LIMIT, count // MAX_SHARE)
#: Ledger statuses: an accepted article or generic record, a rejected file, a record rejected
#: because an earlier file has its id, a record rejected by a writer after claiming its id.
ARTICLE, GENERIC, REJECTED, DUPLICATE, OUTPUT = b"a", b"g", b"r", b"d", b"o"


def encode_id(value: Any) -> bytes:
    """An id as the ledger holds it (empty for none)."""
    return b"" if value is None else _json(value)


def encode_url(value: Any) -> bytes:
    """A URL as the ledger holds it (empty for none)."""
    return _json(value) if value else b""


def state_path(out_dir: Path) -> Path:
    """The state file of an output folder."""
    return out_dir / STATE_DIR / STATE_NAME


def _json(value: Any) -> bytes:
    """Compact JSON, as the ledger keeps values."""
    from pipeline.record import record_json

    return record_json(value)


def profile_source(name_or_path: str) -> bytes:
    """The bytes of the profile a run uses; empty when there is none (the run then fails)."""
    from pipeline.defaults import profile_path

    try:
        return profile_path(name_or_path).read_bytes()
    except OSError:
        return b""


def run_settings(formats: Sequence[str], profile: str, target: str, max_bytes: int,
                 spreadsheet_safe: bool, on_error: str, html: bool) -> dict[str, Any]:
    """The options that change what a run writes, as the state's key holds them."""
    return {"formats": list(formats), "profile": profile, "target": target,
            "max_bytes": max_bytes, "spreadsheet_safe": spreadsheet_safe,
            "on_error": on_error, "html": html}


def run_key(roots: Sequence[tuple[str, str]], settings: dict[str, Any]) -> str:
    """The key under which a run's state is valid: code and schemas, the profile's bytes,
    every option that changes an output, and the inputs (as absolute paths, in order)."""
    from pipeline.defaults import reference_digest

    blob = json.dumps({"code": reference_digest(),
                       "profile": hashlib.sha256(profile_source(settings["profile"])).hexdigest(),
                       "settings": settings,
                       "roots": [[os.path.abspath(root), prefix] for root, prefix in roots]},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class State:
    """The state file of the last complete run."""

    folder: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, out_dir: Path, key: str) -> "State | None":
        """The state of the last run, when it ran with this key and its files are there."""
        try:
            data = json.loads(state_path(out_dir).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        folder = out_dir / STATE_DIR
        if not isinstance(data, dict) or data.get("key") != key or not all(
                (folder / str(data.get(name))).is_file()
                for name in ("inputs", "ledger", "ends", "outputs")):
            return None
        return cls(folder, data)

    def file(self, name: str) -> Path:
        """One of the state's files: `inputs`, `ledger`, `ends` or `outputs`."""
        return self.folder / str(self.data[name])

    def tables_as_left(self, out_dir: Path) -> bool:
        """True when every table file has the size and mtime the last run left."""
        for name, size, mtime in self.data.get("tables", []):
            try:
                st = os.stat(out_dir / name)
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return False
        return True


def forget(out_dir: Path) -> None:
    """Remove the state file: the outputs are about to change (a run that writes)."""
    try:
        os.unlink(state_path(out_dir))
    except FileNotFoundError:
        pass


def record_outputs(out_dir: Path, new: Path) -> None:
    """Record the metadata of every output file but report.json in `new`."""
    scan.compare([(str(out_dir), "")], None, new, None, skip=REPORT_NAME)


def outputs_as_left(out_dir: Path, state: "State") -> bool:
    """True when every output file the last run recorded is as it left it."""
    return scan.unchanged(out_dir, state.file("outputs"))


def save(out_dir: Path, key: str, seen_at_ns: int, inputs: Path, ledger: Path,
         tables: Sequence[str], heads: Sequence[int],
         rewritten: tuple[Path, Sequence[str]] | None = None,
         same_inputs: bool = True) -> None:
    """Write the state of a complete run (its inputs file and ledger are written already):
    the outputs' metadata, then the state file naming them, then drop older state files.
    `heads` are the tables' header sizes. Nothing is saved when the inputs changed while the
    run walked them (`same_inputs` False: the ledger's inputs are not the inputs file's): the
    next run then processes every input.

    `rewritten`: (the last outputs file, the output files this run changed), from a run that
    found every other output as the last one left it; else every output is stat'ed."""
    folder = out_dir / STATE_DIR
    if not same_inputs:
        return
    stamp = f"{seen_at_ns}-{os.getpid()}"
    outputs = folder / f"outputs-{stamp}.bin"
    if rewritten is None:
        record_outputs(out_dir, outputs)
    else:
        scan.update(out_dir, rewritten[0], outputs, rewritten[1])
    table_stats = []
    for name in tables:
        st = os.stat(out_dir / name)
        table_stats.append([name, st.st_size, st.st_mtime_ns])
    ends = ends_path(ledger)
    data = {"layout": LAYOUT, "key": key, "seen_at": seen_at_ns, "inputs": inputs.name,
            "ledger": ledger.name, "ends": ends.name, "outputs": outputs.name,
            "tables": table_stats,
            "heads": list(heads)}
    temp = folder / f"{STATE_NAME}.{stamp}.tmp"
    temp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temp, state_path(out_dir))
    keep = {inputs.name, ledger.name, ends.name, outputs.name, STATE_NAME}
    for entry in os.scandir(folder):
        if entry.is_file() and entry.name.split("-")[0] in ("inputs", "ledger", "ends",
                                                             "outputs", "probe", "report") \
                and entry.name not in keep:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


class Book:
    """Writes the ledger of one run: per input, in input order, what it contributed; and
    beside it, where each input's bytes end in each table and then in the ledger itself
    (`ends`: 64-bit integers, one per table per input and one more, so that a splice reads
    them at once and copies runs of entries like runs of table rows)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.ends_path = ends_path(path)
        self.handle: IO[bytes] = open(path, "wb", buffering=1 << 20)
        self.ends_handle: IO[bytes] = open(self.ends_path, "wb", buffering=1 << 16)
        self.ends = array("q")  # (written out every few thousand inputs: memory stays flat)
        self.position = 0  # bytes of the ledger so far
        #: A digest of the inputs' relative paths in order, to hold against the inputs file's
        #: (scan.Changes.rels_digest) when the run ends.
        self.rels = hashlib.sha256()

    def add(self, rel: str, sha: str | None, status: bytes, doc_id: Any = None,
            url: Any = None, parser: str = "", links: Sequence[Any] = (),
            page: tuple[str, str] | None = None, ends: Sequence[int] = (),
            rejection: dict[str, Any] | None = None,
            warnings: Sequence[dict[str, Any]] = ()) -> list[bytes]:
        """Add one input's entry (its fields each ended by a NUL) and its table ends. Returns
        the fields."""
        fields = fields_of(rel, sha, status, doc_id, url, parser, links, page, rejection,
                           warnings)
        data = entry_bytes(fields)
        self.handle.write(data)
        self.rels.update(fields[0] + b"\0")
        self.position += len(data)
        self.ends.extend(ends)
        self.ends.append(self.position)
        if len(self.ends) >= 8192:
            self._flush_ends()
        return fields

    def add_records(self, rels: Sequence[str], shas: Sequence[str], status: bytes,
                    ids: Sequence[Any], urls: Sequence[Any], parser: str,
                    links: dict[int, list[Any]], pages: Sequence[tuple[str, str] | None],
                    ends: Sequence[Sequence[int]],
                    warnings: dict[int, list[dict[str, Any]]]) -> None:
        """`add` for consecutive accepted records (a span of the compiled core's), built at
        once: this runs in the main process for every record, beside the core's threads."""
        enc = os.fsencode
        rel_b = [enc(rel) for rel in rels]
        if all(type(x) is int for x in ids):  # (the common case, without a JSON encoder)
            id_b = [b"%d" % x for x in ids]
        else:
            id_b = [encode_id(x) for x in ids]
        url_b = [encode_url(url) for url in urls]
        page_b = [enc(page[0]) + b"\0" + enc(page[1]) if page else b"\0" for page in pages]
        head = b"\0" + status + b"\0"
        middle = b"\0" + parser.encode() + b"\0"
        entries = [b"".join((rel_b[i], b"\0", shas[i].encode(), head, id_b[i], b"\0", url_b[i],
                             middle, _json(links[i]) if i in links else b"", b"\0",
                             page_b[i], b"\0\0",
                             _json(warnings[i]) if i in warnings else b"", b"\0"))
                   for i in range(len(rels))]
        self.handle.write(b"".join(entries))
        self.rels.update(b"\0".join(rel_b) + b"\0")
        for entry, row in zip(entries, ends):
            self.position += len(entry)
            self.ends.extend(row)
            self.ends.append(self.position)
        if len(self.ends) >= 8192:
            self._flush_ends()

    def _flush_ends(self) -> None:
        """Write the ends gathered so far."""
        self.ends.tofile(self.ends_handle)
        del self.ends[:]

    def close(self) -> None:
        """Write the ends and close (the state file names both once the run is complete)."""
        self.handle.close()
        self._flush_ends()
        self.ends_handle.close()

    def abort(self) -> None:
        """Close and delete: an incomplete ledger is never read."""
        self.handle.close()
        self.ends_handle.close()
        self.path.unlink(missing_ok=True)
        self.ends_path.unlink(missing_ok=True)


def entry_bytes(fields: Sequence[bytes]) -> bytes:
    """A ledger entry as the file holds it: its fields, each ended by a NUL."""
    return b"\0".join(fields) + b"\0"


def fields_of(rel: str, sha: str | None, status: bytes, doc_id: Any = None, url: Any = None,
              parser: str = "", links: Sequence[Any] = (), page: tuple[str, str] | None = None,
              rejection: dict[str, Any] | None = None,
              warnings: Sequence[dict[str, Any]] = ()) -> list[bytes]:
    """The fields of one input's ledger entry."""
    return [os.fsencode(rel), (sha or "").encode(), status, encode_id(doc_id), encode_url(url),
            parser.encode(), _json(list(links)) if links else b"",
            os.fsencode(page[0]) if page else b"", os.fsencode(page[1]) if page else b"",
            _json(rejection) if rejection else b"", _json(list(warnings)) if warnings else b""]


@dataclass(frozen=True, slots=True)
class Entry:
    """One input's ledger entry, decoded."""

    rel: str
    sha: str
    status: bytes
    doc_id: Any
    url: Any
    parser: str
    links: list[Any]
    page: tuple[str, str] | None
    rejection: dict[str, Any] | None
    warnings: list[dict[str, Any]]


def decode(f: Sequence[bytes]) -> Entry:
    """An entry from its fields."""
    return Entry(os.fsdecode(f[0]), f[1].decode(), f[2], json.loads(f[3]) if f[3] else None,
                 json.loads(f[4]) if f[4] else None, f[5].decode(),
                 json.loads(f[6]) if f[6] else [],
                 (os.fsdecode(f[7]), os.fsdecode(f[8])) if f[8] else None,
                 json.loads(f[9]) if f[9] else None, json.loads(f[10]) if f[10] else [])


@dataclass
class Checked:
    """What `quick` found when there is work to do, for the run to go on from."""

    state: State
    changes: scan.Changes
    inputs_file: Path  # the inputs' metadata as found (the run's new inputs file)
    seen_at: int  # when the check began (see pipeline.scan.racy)
    outputs_ok: bool  # every output file was as the last run left it


def quick(inputs: Sequence[Path], out_dir: Path, settings: dict[str, Any], verify: bool,
          quiet: bool, started: float,
          echo: Callable[[str], None] | None = None) -> dict[str, Any] | Checked | None:
    """The run when nothing changed: every input's metadata as the last run recorded them
    (none racy), every output file as it left them. Rewrites report.json with this run's
    counts, says so on stderr and returns the report's data. When something changed, returns
    what it found for the run to use (`Checked`); None without a valid state.

    Imports little: a rerun with nothing to do costs a walk of the inputs and outputs."""
    seen_at = time.time_ns()
    if verify or not all(path.exists() for path in inputs):
        return None  # (a missing input is the full run's error to report)
    roots = scan.roots_of(inputs)
    state = State.load(out_dir, run_key(roots, settings))
    if state is None:
        return None
    probe = out_dir / STATE_DIR / f"probe-{seen_at}-{os.getpid()}.bin"
    # The outputs are checked on a thread of their own while the inputs are walked (both
    # mostly wait on stat system calls, without the GIL on the compiled core).
    outputs: list[bool] = []
    check = threading.Thread(target=lambda: outputs.append(outputs_as_left(out_dir, state)))
    check.start()
    try:
        changes = scan.compare(roots, state.file("inputs"), probe, state.data["seen_at"])
    except BaseException:
        probe.unlink(missing_ok=True)
        raise
    finally:
        check.join()
    if not changes.none or outputs != [True]:
        return Checked(state, changes, probe, seen_at, outputs == [True])
    probe.unlink(missing_ok=True)
    report = out_dir / REPORT_NAME
    try:
        text = report.read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
    except (OSError, ValueError):
        return None  # no report to bring up to date: let the run write one
    # Everything up to the dangling links stays as it is (they can be tens of thousands of
    # lines); what follows them describes the run and is written again.
    end = text.find(_AFTER_DANGLING)
    if end < 0:
        return None
    seconds = time.perf_counter() - started
    data.update({"seconds": round(seconds, 3), "cached": 0,
                 "implementations": {"core": 0, "python": 0, "core_declined": {}},
                 "rerun": {"mode": "none", "unchanged_by_metadata": changes.unchanged,
                           "hashed": 0, "processed": 0}})
    keys = list(data)
    tail = json.dumps({k: data[k] for k in keys[keys.index("dangling_links") + 1:]},
                      indent=2, ensure_ascii=False)
    temp = probe.with_name(f"report-{os.getpid()}.tmp")
    temp.write_text(text[:end + 4] + ",\n" + tail[2:] + "\n", encoding="utf-8")
    os.replace(temp, report)
    if not quiet:
        (echo or (lambda line: print(line, file=sys.stderr)))(
            f"{changes.count} files: nothing changed since the last run ({changes.unchanged} "
            f"unchanged by metadata, none read); {data['migrated']} migrated, "
            f"{len(data['rejected'])} rejected, {len(data['warnings'])} warnings, "
            f"{len(data['dangling_links'])} dangling links; outputs left as they were, in "
            f"{seconds:.2f} s -> {out_dir}")
    return data


class Prefetch:
    """The start of a splice (pipeline.splice), begun as soon as the quick check has found
    what changed by metadata: the part of each table and of the ledger before the first input
    that may have changed is the same in the new files, so the kernel copies and syncs it
    while the run imports the stages and processes the changed inputs."""

    def __init__(self, files: list[Any], entries: int) -> None:
        self.files = files  # SplicedFile per table, then the ledger
        self.entries = entries  # ledger entries copied (those before the first touched)

    @classmethod
    def start(cls, checked: Checked, out_dir: Path, formats: Sequence[str]) -> "Prefetch | None":
        """Start copying, when a splice is likely; None when it is not."""
        from pipeline.atomic import SplicedFile

        state, changes = checked.state, checked.changes
        first = changes.first_touched
        limit = splice_limit(changes.count)
        if not checked.outputs_ok or not first or "heads" not in state.data \
                or any(name not in SPLICED for name in formats) \
                or len(changes.candidates) + len(changes.deleted) > limit \
                or not state.tables_as_left(out_dir):
            return None
        names = [name for name, _size, _mtime in state.data["tables"]]
        columns = len(names) + 1
        with open(state.file("ends"), "rb") as handle:
            row = array("q")
            row.frombytes(os.pread(handle.fileno(), 8 * columns, 8 * columns * (first - 1)))
        if len(row) != columns:
            return None
        from pipeline.state import clear_staging, staging_dir

        clear_staging(out_dir)  # (what a killed run left; the run itself then does not)
        staging = staging_dir(out_dir)
        files = []
        try:
            for name in names:
                files.append(SplicedFile(out_dir / name, out_dir / name, staging))
            files.append(SplicedFile(state.file("ledger"), ledger_path(out_dir, checked.seen_at),
                                     staging))
            for spliced, end in zip(files, row):
                spliced.copy(0, end)
                spliced.sync()
                spliced.skip = end
        except BaseException:
            for spliced in files:
                spliced.abort()
            raise
        return cls(files, first)

    def abort(self) -> None:
        """Drop what was copied: the run does not splice after all."""
        for spliced in self.files:
            spliced.abort()
            spliced.close_old()


def ledger_path(out_dir: Path, seen_at: int) -> Path:
    """The ledger a run that started at `seen_at` writes."""
    return out_dir / STATE_DIR / f"ledger-{seen_at}-{os.getpid()}.bin"


def ends_path(ledger: Path) -> Path:
    """The file of table ends beside a ledger (see Book)."""
    return ledger.with_name(ledger.name.replace("ledger-", "ends-", 1))
