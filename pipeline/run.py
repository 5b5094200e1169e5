"""Run a migration: discover inputs, map the per-file work, write every format, report."""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

from pipeline.errors import ConfigError, ExtractError, PipelineError
from pipeline.extract import DEFAULT_MAX_BYTES, discover, read_bytes
from pipeline.load import WriteOptions, Writer, get_writer
from pipeline.load.markdown import get_target
from pipeline.record import ARTICLE, Outcome, Record, Rejection
from pipeline.report import Report
from pipeline.transform import process_bytes
from pipeline.transform.profile import Profile, load_profile

DEFAULT_FORMATS = ("jsonl", "csv", "markdown")
REPORT_NAME = "report.json"


@dataclass(frozen=True)
class Options:
    """Everything a run needs besides its inputs."""

    out_dir: Path = Path("output")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    profile: str = "default"
    target: str = "generic"
    workers: int = 1
    max_bytes: int = DEFAULT_MAX_BYTES
    spreadsheet_safe: bool = False
    quiet: bool = False


def process_file(path: Path, rel: str, profile: Profile, max_bytes: int) -> Outcome:
    """The per-file work: read one file and map its bytes to a Record or a Rejection."""
    try:
        data = read_bytes(path, rel, max_bytes)
    except PipelineError as err:
        return Rejection.from_error(err, rel)
    return process_bytes(data, rel, profile)


_WORKER_PROFILE: Profile | None = None
_WORKER_MAX_BYTES = DEFAULT_MAX_BYTES


def _init_worker(profile: Profile, max_bytes: int) -> None:
    """Give each pool process the profile once instead of with every file."""
    global _WORKER_PROFILE, _WORKER_MAX_BYTES
    _WORKER_PROFILE, _WORKER_MAX_BYTES = profile, max_bytes


def _work(item: tuple[str, str]) -> Outcome:
    """Pool entry point for one file."""
    assert _WORKER_PROFILE is not None
    return process_file(Path(item[0]), item[1], _WORKER_PROFILE, _WORKER_MAX_BYTES)


def outcomes(files: list[tuple[Path, str]], profile: Profile, workers: int,
             max_bytes: int) -> Iterator[Outcome]:
    """Map the per-file work over the files, in input order, on `workers` processes."""
    if workers <= 1 or len(files) < 2:
        for path, rel in files:
            yield process_file(path, rel, profile, max_bytes)
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    chunk = max(1, min(64, len(files) // (workers * 8) or 1))
    with context.Pool(workers, initializer=_init_worker, initargs=(profile, max_bytes)) as pool:
        # imap keeps input order, so output bytes do not depend on scheduling.
        yield from pool.imap(_work, ((str(p), r) for p, r in files), chunksize=chunk)


def resolve_inputs(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """List every input file with its relative path; several roots are told apart by name."""
    roots = list(inputs)
    files: list[tuple[Path, str]] = []
    for root in roots:
        try:
            found = list(discover([root]))
        except ExtractError as err:
            raise ConfigError(err.message, path=err.path, fix=err.fix) from err
        if len(roots) > 1 and root.is_dir():
            found = [(p, f"{root.name}/{rel}") for p, rel in found]
        files.extend(found)
    return files


def _check_unique_id(record: Record, ids: dict[int, str]) -> Outcome:
    """Reject a record whose id an earlier file already has (the first file keeps it)."""
    first = ids.get(record.data["id"])
    if first is None:
        return record
    return Rejection(path=record.path, field="id", kind="duplicate-id",
                     line=None, reason=f"id: duplicate id {record.data['id']}, already used by "
                                       f"{first} (give one of the two files a new id)")


def _dangling(links: list[tuple[str, int, int]], ids: dict[int, str]) -> list[dict[str, object]]:
    """Related links whose target id is not among the migrated records."""
    return [{"path": path, "article_id": article, "related_id": target}
            for path, article, target in links if target not in ids]


def migrate(inputs: Iterable[Path], options: Options,
            echo: Callable[[str], None] | None = None, dry_run: bool = False) -> Report:
    """Migrate every input file into options.out_dir in every requested format.

    With `dry_run` nothing is written: every file is still extracted, transformed and
    validated, and the report says what a real run would do.
    """
    started = time.perf_counter()
    echo = echo or (lambda line: print(line, file=sys.stderr))
    profile = load_profile(options.profile)
    writer_classes = [] if dry_run else [get_writer(name) for name in options.formats]
    if "markdown" in options.formats:
        get_target(options.target)  # fail on an unknown target before any work
    files = resolve_inputs(inputs)
    report = Report(inputs=len(files))
    write_opts = WriteOptions(target=options.target, spreadsheet_safe=options.spreadsheet_safe)
    writers: list[Writer] = []
    ids: dict[int, str] = {}
    links: list[tuple[str, int, int]] = []
    try:
        if writer_classes:
            options.out_dir.mkdir(parents=True, exist_ok=True)
        writers = [cls(options.out_dir, profile.shape, write_opts) for cls in writer_classes]
        progress = tqdm(total=len(files), unit="file", file=sys.stderr, leave=False,
                        disable=True if options.quiet else None)
        with progress:
            for outcome in outcomes(files, profile, options.workers, options.max_bytes):
                progress.update()
                if isinstance(outcome, Record) and outcome.shape == ARTICLE:
                    outcome = _check_unique_id(outcome, ids)
                if isinstance(outcome, Rejection):
                    report.rejected.append(outcome)
                    progress.clear()
                    echo(f"Error: {outcome.one_line()}")
                    continue
                for writer in writers:
                    writer.write(outcome)
                report.migrated += 1
                report.warnings.extend(outcome.warnings)
                if outcome.shape == ARTICLE:
                    ids[outcome.data["id"]] = outcome.path
                    links.extend((outcome.path, outcome.data["id"], link["id"])
                                 for link in outcome.data["related"] if link["id"] is not None)
        paths = [p for writer in writers for p in writer.close()]
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    report.dangling_links = _dangling(links, ids)
    report.seconds = time.perf_counter() - started
    if not dry_run:
        report.outputs = sorted(p.relative_to(options.out_dir).as_posix() for p in paths)
        report.outputs.append(REPORT_NAME)
        report.write(options.out_dir / REPORT_NAME)
    if not options.quiet:
        echo(report.summary(None if dry_run else options.out_dir))
    return report
