"""Run a migration: discover inputs, map the per-file work, write every format, report."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sized

from pipeline import rerun, scan
from pipeline.defaults import AUTO_POOL_FILES, DEFAULT_FORMATS
from pipeline.errors import ConfigError, PipelineError
from pipeline.extract import DEFAULT_MAX_BYTES, count_files, read_bytes, walk_files
from pipeline.load import WriteOptions, Writer, get_writer
from pipeline.load.markdown import get_target
from pipeline.record import Compact, Outcome, Record, Rejection, record_json
from pipeline.report import Report, Tally
from pipeline.state import (CacheReader, CorpusIndex, Manifest, clear_staging, config_key,
                            decode_outcome, encode_outcome, prune_staging, staging_dir)
from pipeline.transform import process_bytes
from pipeline.transform.profile import Profile, load_profile

ON_ERROR = ("skip", "fail")
REPORT_NAME = "report.json"


@dataclass(frozen=True)
class Options:
    """Everything a run needs besides its inputs."""

    out_dir: Path = Path("output")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    profile: str = "default"
    target: str = "generic"
    workers: int = 0  # 0: automatic (see AUTO_POOL_FILES)
    max_bytes: int = DEFAULT_MAX_BYTES
    spreadsheet_safe: bool = False
    quiet: bool = False
    on_error: str = "skip"
    incremental: bool = True
    html: bool = False
    assets: Path | None = None  # --assets: the legacy site's static folder (pipeline.links)


@dataclass(frozen=True, slots=True)
class Done(Compact):
    """What the per-file work hands back: the outcome, as the manifest stores it too, whether
    it is new, and what each writer prepared for it."""

    rel: str
    sha256: str | None  # None when the file could not be read
    text: bytes  # the outcome, encoded as the manifest stores it
    fresh: bool  # False when the manifest already had this outcome
    outcome: Outcome  # the outcome itself, or its slim form (see `slim`)
    prepared: tuple[Any, ...] = ()  # one entry per writer, in order (records only)
    #: What the manifest keeps, when not `text`: for a record of the compiled core, a marker
    #: (see state.CORE_MARK), since the core recomputes a record faster than SQLite stores it.
    stored: bytes | None = None

    def slim(self) -> "Done":
        """This result with a slim record, for sending from a pool process to the main one:
        the full record is in `text`, and where every writer prepared its bytes the main
        process never needs more than the slim form (decoding it cost a tenth of its time)."""
        if not isinstance(self.outcome, Record):
            return self
        return Done(self.rel, self.sha256, self.text, self.fresh, self.outcome.slim(),
                    self.prepared, self.stored)

    def record(self, writers: int) -> Outcome:
        """The outcome, decoded in full from `text` when a writer has nothing prepared."""
        outcome = self.outcome
        if isinstance(outcome, Record) and writers and (
                len(self.prepared) != writers or any(p is None for p in self.prepared)):
            return decode_outcome(self.text)
        return outcome


@dataclass(frozen=True)
class Work:
    """Everything the per-file work needs; sent once to each pool process."""

    profile: Profile
    max_bytes: int = DEFAULT_MAX_BYTES
    writers: tuple[type[Writer], ...] = ()
    write_options: WriteOptions = WriteOptions()


def process_file(path: str | Path, rel: str, work: Work,
                 lookup: Callable[[str, str], bytes | None] | None = None) -> Done:
    """The per-file work: read one file, map its bytes to a Record or a Rejection, and let
    each writer prepare its bytes for a record.

    With `lookup`, an input whose exact bytes were migrated before under the same
    configuration is not parsed again: its cached outcome is used.
    """
    if not scan.utf8(rel):
        # A file name in another encoding (held with surrogate escapes): no output can carry
        # it as it is. Listed with its undecodable bytes as \xNN.
        shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
        rejection = Rejection(path=shown, field="path", kind="encoding", line=None,
                              reason="file name is not valid UTF-8 (rename the file)")
        return Done(rel, None, encode_outcome(rejection), True, rejection)
    try:
        data = read_bytes(path, rel, work.max_bytes)
    except PipelineError as err:
        rejection = Rejection.from_error(err, rel)
        return Done(rel, None, encode_outcome(rejection), True, rejection)
    sha256 = hashlib.sha256(data).hexdigest()
    cached = lookup(rel, sha256) if lookup is not None else None
    data_json = None
    if cached is not None:
        outcome, text, fresh = decode_outcome(cached), cached, False
    else:
        outcome = process_bytes(data, rel, work.profile, sha256)
        if isinstance(outcome, Record):
            # Serialised once, for both the manifest and the JSONL line.
            data_json = record_json(outcome.data)
        text, fresh = encode_outcome(outcome, data_json), True
    if isinstance(outcome, Rejection) or not work.writers:
        return Done(rel, sha256, text, fresh, outcome)
    try:
        prepared = tuple(cls.prepare(outcome, work.profile.shape, work.write_options,
                                     data_json=data_json) for cls in work.writers)
    except PipelineError:
        prepared = ()  # the writer reports it again, in order, when it writes the record
    return Done(rel, sha256, text, fresh, outcome, prepared)


_WORKER: dict[str, Any] = {}


def _init_worker(work: Work, db_path: Path | None) -> None:
    """Give each pool process the work description and a cache reader once."""
    _WORKER["work"] = work
    _WORKER["cache"] = CacheReader(db_path) if db_path is not None else None


def _work(item: tuple[str, str]) -> Done:
    """Pool entry point for one file."""
    cache = _WORKER["cache"]
    return process_file(Path(item[0]), item[1], _WORKER["work"],
                        cache.lookup if cache is not None else None).slim()


def outcomes(files: Iterable[tuple[str | Path, str]], work: Work, workers: int,
             manifest: Manifest | None = None, tally: Tally | None = None,
             threads: int = 0, spans: bool = True) -> Iterator[Done]:
    """Map the per-file work over the files, in input order: on the compiled core's `threads`
    native threads where it can serve the run (it declines files to this process), else on
    `workers` processes of the Python implementation (0: automatic). `spans=False`: every
    record comes as a `Done` of its own, even from the core (see core.CoreRun)."""
    from pipeline import core  # (the compiled core's interface: a splice does without it)

    tally = tally if tally is not None else Tally()
    if manifest is not None and manifest.empty():
        manifest = None  # a first run into this folder: no look-up can hit
    if core.usable_for(work) is None:
        lookup = manifest.lookup if manifest is not None else None
        outcome_lookup = manifest.outcome if manifest is not None else None
        run = core.CoreRun(work, threads or os.cpu_count() or 1, spans)
        try:
            yield from core.outcomes(files, run, lambda path, rel: process_file(
                path, rel, work, outcome_lookup), lookup, tally)
        finally:
            run.close()
        return
    for done in _python_outcomes(files, work, _workers(workers, files), manifest):
        tally.python += 1
        yield done


def _python_outcomes(files: Iterable[tuple[str | Path, str]], work: Work, workers: int,
                     manifest: Manifest | None) -> Iterator[Done]:
    """The Python implementation on `workers` processes."""
    if workers <= 1:
        # In this process the manifest's own connection answers the cache look-ups.
        lookup = manifest.outcome if manifest is not None else None
        for path, rel in files:
            yield process_file(path, rel, work, lookup)
        return
    if manifest is not None:
        manifest.commit()  # let the pool's readers see everything known so far
    db_path = manifest.path if manifest is not None else None
    from pipeline.pool import ordered_map  # (multiprocessing: only the Python pool needs it)

    yield from ordered_map(_work, ((str(path), rel) for path, rel in files), workers,
                           initializer=_init_worker, initargs=(work, db_path), chunksize=32)


class InputSet:
    """The input files of a run: iterated lazily in a deterministic order, never held whole.

    With several roots, relative paths start with the root folder's name so that they stay
    distinct. `len()` is known after a complete iteration; before it (for a progress bar, or
    a run that stops early) it counts the files with a walk of its own.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = list(roots)
        for root in self.roots:
            if not root.exists():
                raise ConfigError("no such file or folder", path=str(root),
                                  fix="check the INPUT argument")
        self._count: int | None = None

    def __iter__(self) -> Iterator[tuple[str | Path, str]]:
        """Yield (path, relative path) pairs; a complete iteration also counts them."""
        count = 0
        for root in self.roots:
            prefix = f"{root.name}/" if len(self.roots) > 1 and root.is_dir() else ""
            for path, rel in walk_files([root]):
                count += 1
                yield path, prefix + rel
        self._count = count

    def __len__(self) -> int:
        """Count the files (a walk of its own, unsorted)."""
        if self._count is None:
            self._count = count_files(self.roots)
        return self._count


def resolve_inputs(inputs: Iterable[Path]) -> InputSet:
    """The input files of a run (see InputSet)."""
    return InputSet(inputs)


class _NoProgress:
    """What the run calls on a progress bar, when none is shown."""

    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *_: Any) -> None:
        return None

    def update(self, n: int = 1) -> None:
        """Nothing to show."""

    def clear(self) -> None:
        """Nothing to clear."""


def _progress(files: Sized, quiet: bool) -> Any:
    """A tqdm bar on stderr when it is a terminal; else nothing (tqdm is then not imported,
    which saves a tenth of start-up, and the files are not counted ahead)."""
    if quiet or not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=len(files), unit="file", file=sys.stderr, leave=False)


def _workers(requested: int, files: Iterable[Any]) -> int:
    """The number of processes to use: as requested, or automatic for 0 (which counts the
    files, so only the Python implementation asks)."""
    if requested > 0:
        return requested
    count = len(files) if isinstance(files, Sized) else 0
    return (os.cpu_count() or 1) if count >= AUTO_POOL_FILES else 1


def _temp_dir() -> str:
    """The system's temporary folder (tempfile imported only for dry runs)."""
    import tempfile

    return tempfile.gettempdir()


def settings(options: Options) -> dict[str, Any]:
    """The options that change what a run writes (part of the rerun state's key)."""
    found = rerun.run_settings(options.formats, options.profile, options.target,
                               options.max_bytes, options.spreadsheet_safe, options.on_error,
                               options.html)
    if options.assets is not None:
        found["assets"] = str(options.assets.resolve())
    return found


def migrate(inputs: Iterable[Path], options: Options,
            echo: Callable[[str], None] | None = None, dry_run: bool = False,
            verify: bool = False, quick: bool = True, checked: rerun.Checked | None = None,
            started: float | None = None, prefetch: rerun.Prefetch | None = None) -> Report:
    """Migrate every input file into options.out_dir in every requested format.

    With `dry_run` nothing is written: every file is still extracted, transformed and
    validated, and the report says what a real run would do. A rerun into the same folder
    touches only what changed (pipeline.rerun); `verify` hashes every input even when its
    metadata match, and `quick=False` skips the check for a rerun with nothing to do (the
    caller made it already: `checked` is what it found, `started` when it began, `prefetch`
    the splice it began).
    """
    started = time.perf_counter() if started is None else started
    seen_at = time.time_ns()  # before any input is looked at (see pipeline.scan.racy)
    echo = echo or (lambda line: print(line, file=sys.stderr))
    if options.on_error not in ON_ERROR:
        raise ConfigError(f"unknown --on-error {options.on_error!r}",
                          fix=f"use one of: {', '.join(ON_ERROR)}")
    inputs = list(inputs)
    if quick and not dry_run and options.incremental and not verify and options.assets is None:
        found = rerun.quick(inputs, options.out_dir, settings(options), verify, options.quiet,
                            started, echo)
        if isinstance(found, dict):
            return Report.from_data(found)
        checked = found
        if checked is not None:
            prefetch = rerun.Prefetch.start(checked, options.out_dir, options.formats)
    # (A rerun whose state key matched uses a profile of bytes that passed the schema then.)
    profile = load_profile(options.profile, validated=checked is not None and not dry_run)
    writer_classes = [] if dry_run else [get_writer(name) for name in options.formats]
    if "markdown" in options.formats:
        get_target(options.target)  # fail on an unknown target before any work
    files = resolve_inputs(inputs)
    report = Report()
    write_opts = WriteOptions(target=options.target, spreadsheet_safe=options.spreadsheet_safe,
                              html=options.html,
                              out_dir=None if dry_run else str(options.out_dir))
    writers: list[Writer] = []
    manifest: Manifest | None = None
    corpus: CorpusIndex | None = None
    links: Any = None  # pipeline.links.LinkIndex, when the profile checks links
    book: rerun.Book | None = None
    state: rerun.State | None = None
    roots = scan.roots_of(inputs)
    state_key = rerun.run_key(roots, settings(options)) if not dry_run else ""
    stamp = f"{seen_at}-{os.getpid()}"
    inputs_file = rerun.state_path(options.out_dir).parent / f"inputs-{stamp}.bin"
    try:
        if not dry_run:
            options.out_dir.mkdir(parents=True, exist_ok=True)
            if prefetch is None:  # (else it cleared the staging area before it began)
                clear_staging(options.out_dir)
            if checked is not None and options.incremental and not verify:
                # The quick check compared every input already: its findings are this run's.
                state, changes, seen_at = checked.state, checked.changes, checked.seen_at
                stamp = f"{seen_at}-{os.getpid()}"
                inputs_file = inputs_file.with_name(f"inputs-{stamp}.bin")
                os.replace(checked.inputs_file, inputs_file)
            else:
                state = rerun.State.load(options.out_dir, state_key) \
                    if options.incremental else None
                changes = scan.compare(roots, state.file("inputs") if state else None,
                                       inputs_file, state.data["seen_at"] if state else None,
                                       verify)
            if state is not None:
                from pipeline.splice import splice

                spliced = splice(state, changes, inputs_file, options, profile, started,
                                 seen_at, state_key, echo,
                                 outputs_checked=checked is not None and checked.outputs_ok,
                                 prefetch=prefetch)
                if spliced is not None:
                    prefetch = None  # (committed)
                    return spliced
            if prefetch is not None:  # (a splice it was not, after all)
                prefetch.abort()
                prefetch = None
            # Every input is processed: the outputs change, and until this run is complete
            # no state describes them.
            rerun.forget(options.out_dir)
            book = rerun.Book(rerun.ledger_path(options.out_dir, seen_at))
            key = config_key(profile.data, max_bytes=options.max_bytes, shape=profile.shape)
            manifest = Manifest(options.out_dir, key) if options.incremental else None
        from pipeline import account, core  # (a splice or a quick check does without them)

        writers = [cls(options.out_dir, profile.shape, write_opts) for cls in writer_classes]
        corpus = CorpusIndex(staging_dir(options.out_dir) if not dry_run
                             else Path(_temp_dir()))
        if profile.link_fields:
            from pipeline.links import LinkIndex

            links = LinkIndex(corpus.path.parent, profile.link_fields, profile.link_hosts)
            for writer in writers:
                if hasattr(writer, "links"):
                    writer.links = links
        progress = _progress(files, options.quiet)
        with progress:
            for writer in writers:
                write_opts = writer.prepare_options(write_opts)
            work = Work(profile, options.max_bytes, tuple(writer_classes), write_opts)
            ledger = account.Ledger(report, writers, corpus, manifest,
                            look_up=manifest is not None and not manifest.empty(), echo=echo,
                            clear=progress.clear, stop_on_error=options.on_error == "fail",
                            book=book, links=links)
            heads = ledger.positions()  # the tables' headers, before any record
            for item in outcomes(files, work, options.workers, manifest,
                                 report.implementations, options.workers):
                if isinstance(item, core.Span):
                    progress.update(len(item))
                    stop = account.span(ledger, item)
                else:
                    progress.update()
                    stop = account.one(ledger, item)
                if stop:
                    break
        # A complete run counted its inputs while walking them; a stopped one counts the rest.
        report.inputs = len(files)
        if links is not None and not report.stopped:
            from pipeline.links import finish

            pager = next((w for w in writers if getattr(w, "links", None) is not None), None)
            finish(links, corpus.urls(), report, pager, options.assets)
        if report.stopped:
            # Nothing of this run replaces the previous outputs (pages already written are
            # complete files; the next run brings the folder to a consistent state).
            for writer in writers:
                writer.abort()
            paths = []
        else:
            paths = [p for writer in writers for p in writer.close()]
        report.dangling_count = corpus.dangling_count()
        report.seconds = time.perf_counter() - started
        if dry_run:
            report.dangling_links = list(corpus.dangling())
        else:
            report.outputs = sorted(p.relative_to(options.out_dir).as_posix() for p in paths)
            report.outputs.append(REPORT_NAME)
            report.processed_all()
            # Dangling links go from the corpus index straight into report.json: a large
            # corpus can have tens of thousands, and memory must not grow with the corpus.
            report.write(options.out_dir / REPORT_NAME, dangling=corpus.dangling())
            if book is not None and not report.stopped:
                book.close()
                rerun.save(options.out_dir, state_key, seen_at, inputs_file, book.path,
                           [t for writer in writers for t in writer.table_files()],
                           heads, same_inputs=book.rels.hexdigest() == changes.rels_digest)
                book = None
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    finally:
        if prefetch is not None:
            prefetch.abort()
        if book is not None:
            book.abort()
            inputs_file.unlink(missing_ok=True)
        if manifest is not None:
            manifest.close()
        if corpus is not None:
            corpus.close()
        if links is not None:
            links.close()
        if not dry_run:
            prune_staging(options.out_dir)
    if not options.quiet:
        echo(report.summary(None if dry_run else options.out_dir))
    return report
