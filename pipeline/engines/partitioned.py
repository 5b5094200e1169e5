"""A partitioned run: inputs in partitions mapped by an engine's workers, decided in order here.

    list inputs ─► partition k ─► map (worker) ─► slim index ─► ordered pass (here) ─► write (worker)

The per-file work of a partition runs on a worker (tasks.map_partition) and stays there; its
slim index comes here, where the corpus-wide rules run in input order (plan.Planner); the
worker that holds the outcomes then writes the partition's table parts and pages
(tasks.write_partition). Partitions are mapped ahead of the ordered pass within a window, so
the workers stay busy while the driver decides, and neither holds the corpus at once.
Tables are ordered part files (`articles/part-00000.jsonl`, ...) whose concatenation in name
order is the local run's file; pages, report.json and the rules' answers are the local run's.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline import storage
from pipeline.engines import Engine
from pipeline.engines.plan import Planner
from pipeline.engines.tasks import (TABLE_FORMATS, Job, Written, index_of, map_partition,
                                    write_partition)
from pipeline.errors import ConfigError
from pipeline.load import WriteOptions
from pipeline.record import ARTICLE
from pipeline.report import Report
from pipeline.run import ON_ERROR, REPORT_NAME

#: Inputs per partition: the unit of work, of retry and of part files. Fixed, so that the
#: same inputs give the same part files whatever the cluster.
PARTITION = 2000


def partitions(items: Iterable[storage.Item], size: int) -> Iterator[list[storage.Item]]:
    """Consecutive runs of `size` inputs."""
    chunk: list[storage.Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def supported(formats: Iterable[str]) -> None:
    """Refuse formats a partitioned run does not write (one line, exit 2)."""
    other = [name for name in formats if name not in (*TABLE_FORMATS, "markdown")]
    if other:
        raise ConfigError(f"format {', '.join(other)} is not written by a partitioned run "
                          "(--engine dask, or a URL for an input or the output)",
                          fix="use --format jsonl,csv,markdown, or --engine local with local "
                              "folders")


def migrate(engine: Engine, inputs: list[str], options: Any,
            echo: Callable[[str], None] | None = None, partition: int = PARTITION,
            threads: int = 1) -> Report:
    """Migrate the inputs into options.out_dir (a folder or URL) on the engine's workers;
    `threads`: the compiled core's threads in each task."""
    from pipeline.transform.profile import load_profile

    started = time.perf_counter()
    echo = echo or (lambda line: print(line, file=sys.stderr))
    supported(options.formats)
    if options.on_error not in ON_ERROR:
        raise ConfigError(f"unknown --on-error {options.on_error!r}",
                          fix=f"use one of: {', '.join(ON_ERROR)}")
    profile = load_profile(options.profile)
    if "markdown" in options.formats:
        from pipeline.load.markdown import get_target

        get_target(options.target)  # an unknown target fails before any work
    out = storage.open_store(options.out_dir)
    # Listing what is there checks the credentials before anything is read or written.
    tables = [t for name in options.formats for t in _table_files(name, profile.shape)]
    before = {t: out.list_files(t.rpartition(".")[0]) for t in tables}
    if "markdown" in options.formats:
        # (Pages an earlier run left: those this run does not write again are removed at
        # the end. Listed now, so that a run into a new folder lists nothing twice.)
        before["markdown"] = out.list_files(f"markdown/{options.target}")
    write_options = WriteOptions(target=options.target,
                                 spreadsheet_safe=options.spreadsheet_safe, html=options.html,
                                 out_dir=None, earlier_pages=False)
    job = Job(profile, tuple(options.formats), out, write_options, options.max_bytes, threads)
    run = uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory(prefix="pipeline-driver-") as scratch:
        planner = Planner(Path(scratch), tuple(options.formats), profile.shape, write_options,
                          echo, stop_on_error=options.on_error == "fail",
                          link_fields=profile.link_fields, link_hosts=profile.link_hosts)
        try:
            written = _run(engine, job, planner, storage.list_inputs(inputs), partition, run)
            report = planner.report
            if not report.stopped:
                _finish(out, options, profile.shape, planner, written, before, report,
                        started, Path(scratch))
            else:
                # As a local run: the outputs stay as they were, report.json says why.
                report.processed_all()
                report.seconds = time.perf_counter() - started
                _write_report(out, report, planner, Path(scratch))
        finally:
            planner.close()
    if not options.quiet:
        echo(report.summary(None if report.stopped else str(options.out_dir)))
    return report


def _table_files(fmt: str, shape: str) -> tuple[str, ...]:
    """The table files a format writes for a shape (as the local writers name them)."""
    from pipeline.load.csv import ARTICLES_CSV, RELATED_CSV
    from pipeline.load.jsonl import FILE_NAME

    if fmt == "jsonl":
        return (FILE_NAME,)
    if fmt == "csv":
        return (ARTICLES_CSV, RELATED_CSV) if shape == ARTICLE else (ARTICLES_CSV,)
    return ()


def _run(engine: Engine, job: Job, planner: Planner, items: Iterable[storage.Item],
         size: int, run: str) -> list[Written]:
    """Map, decide and write every partition; the Written of each partition written."""
    window = max(2, 2 * engine.slots())
    source = enumerate(partitions(items, size))
    mapped: deque[tuple[int, list[storage.Item], Any, Any]] = deque()
    writing: deque[tuple[int, Any, list[Any], list[Any]]] = deque()
    held: list[tuple[int, Any, list[Any], list[Any]]] = []  # --on-error fail: written at the end
    written: list[Written] = []

    def top_up() -> None:
        while len(mapped) < window:
            nxt = next(source, None)
            if nxt is None:
                return
            index, chunk = nxt
            handle = engine.submit(map_partition, job, index, chunk, key=f"map-{run}-{index}")
            mapped.append((index, chunk, handle,
                           engine.submit(index_of, job, handle, key=f"index-{run}-{index}")))

    def settle(limit: int) -> None:
        # Writes are awaited in order once more than `limit` are under way (bounded memory).
        while len(writing) > limit:
            index, handle, dones, decisions = writing.popleft()
            try:
                written.append(engine.result(handle))
            except Exception as err:  # noqa: BLE001 - a task that failed for good
                _lost_writes(planner, dones, decisions, f"not written: {_why(err)}")

    top_up()
    while mapped:
        index, chunk, handle, indexed = mapped.popleft()
        try:
            dones, tally, refs = engine.result(indexed)
        except Exception as err:  # noqa: BLE001 - a task that failed for good
            engine.release(handle)
            planner.report.inputs += len(chunk)
            planner.lose([item.rel for item in chunk], f"not processed: {_why(err)}")
            top_up()
            continue
        engine.release(indexed)
        _add_tally(planner.report, tally)
        decisions = planner.plan(dones, refs)
        entry = (index, handle, dones, decisions)
        if planner.report.stopped:
            # --on-error fail met a rejected input: nothing of this run is written, and what
            # is left is counted, not processed (as a local run stops).
            for _, task, _, _ in [*held, entry]:
                engine.release(task)
            for _, _, task, index_task in mapped:
                engine.release(task)
                engine.release(index_task)
            planner.report.inputs += sum(len(chunk) for _, chunk, _, _ in mapped) + \
                sum(len(chunk) for _, chunk in source)
            return []
        if planner.ledger.stop_on_error:
            held.append(entry)  # (written once every partition is decided)
        else:
            _submit_write(engine, job, entry, writing, run)
            settle(window)
        top_up()
    for entry in held:
        _submit_write(engine, job, entry, writing, run)
    settle(0)
    return sorted(written, key=lambda w: w.index)


def _submit_write(engine: Engine, job: Job, entry: tuple[int, Any, list[Any], list[Any]],
                  writing: deque[tuple[int, Any, list[Any], list[Any]]], run: str) -> None:
    """Hand a decided partition to the worker that holds its outcomes."""
    index, mapped, dones, decisions = entry
    handle = engine.submit(write_partition, job, mapped, decisions, key=f"write-{run}-{index}")
    engine.release(mapped)  # (the write holds it as long as it needs it)
    writing.append((index, handle, dones, decisions))


def _lost_writes(planner: Planner, dones: list[Any], decisions: list[Any], reason: str) -> None:
    """A partition decided but not written: its migrated inputs are listed as not written."""
    accepted = [done.rel for done, decision in zip(dones, decisions) if decision is not None]
    planner.report.migrated -= len(accepted)
    planner.lose(accepted, reason)


def _add_tally(report: Report, tally: Any) -> None:
    """Add a partition's count of files per implementation to the report's."""
    mine = report.implementations
    mine.core += tally.core
    mine.python += tally.python
    mine.declined.update(tally.declined)


def _why(err: BaseException) -> str:
    """A failed task's reason on one line."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}"[:300] if text else type(err).__name__


def _finish(out: storage.Store, options: Any, shape: str, planner: Planner,
            written: list[Written], before: dict[str, list[str]], report: Report,
            started: float, scratch: Path) -> None:
    """Write what describes the parts (datapackage.json), the site files, remove what an
    earlier run left that this one did not write, and write report.json last."""
    parts = sorted(p for w in written for p in w.parts)
    files: dict[str, bytes] = {}
    outputs: list[str] = []
    for fmt in options.formats:
        for table in _table_files(fmt, shape):
            outputs.append(table.rpartition(".")[0])
    if "csv" in options.formats:
        from pipeline.load.csv import datapackage

        package = datapackage(shape, options.spreadsheet_safe, options.html)
        for resource in package["resources"]:
            folder = resource["path"].rpartition(".")[0]
            resource["path"] = [p for p in parts
                                if p.startswith(f"{folder}/") and p.endswith(".csv")]
            # The header is in the first part only (the parts concatenated are the local
            # file): read as one headless stream whose first row is skipped, which is how
            # frictionless joins parts (it would drop the first row of every later part).
            resource["dialect"] = {**resource["dialect"], "header": False, "commentRows": [1]}
        files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False)
                                     + "\n").encode("utf-8")
        outputs.append("datapackage.json")
    pages = planner.pages
    site: dict[str, bytes] = {}
    if pages is not None:
        prefix = f"markdown/{pages.target.name}"
        site = {f"{prefix}/{rel}": text.encode("utf-8")
                for rel, text in pages.site_files().items()}
        outputs.append(prefix)
        stale = [rel for rel in before.pop("markdown", [])
                 if rel not in site and not pages.produced(rel[len(prefix) + 1:])]
        out.remove(stale)
    out.put_many({**files, **site})
    # Parts of an earlier run beyond this run's last one, and the single-file tables of a
    # local run: the folder then holds exactly what the datapackage and report describe.
    out.remove([p for names in before.values() for p in names if p not in parts])
    out.remove([t for fmt in options.formats for t in _table_files(fmt, shape)])
    if out.local:
        from pipeline import rerun

        rerun.forget(Path(out.root))  # no rerun state describes a partitioned run's outputs
    if planner.links is not None:
        _links(out, planner)
    report.dangling_count = planner.corpus.dangling_count()
    report.outputs = sorted(outputs) + [REPORT_NAME]
    report.processed_all()
    report.seconds = time.perf_counter() - started
    _write_report(out, report, planner, scratch)


def _write_report(out: storage.Store, report: Report, planner: Planner, scratch: Path) -> None:
    """Write report.json into the output folder, its dangling links streamed from the index."""
    local = scratch / REPORT_NAME
    report.write(local, dangling=planner.corpus.dangling())
    out.put_many({REPORT_NAME: local.read_bytes()})
    os.unlink(local)


def _links(out: storage.Store, planner: Planner) -> None:
    """What a local run's pipeline.links.finish does, less --assets: broken links and refused
    files into the report, then the site pages whose links the new site serves elsewhere
    re-rendered (read from and written to the output, a batch at a time)."""
    from pipeline.links import REFUSED, rewrite_pages, static_folder

    links, report = planner.links, planner.report
    assert links is not None
    links.load_urls(planner.corpus.urls())
    report.broken_links = links.broken()
    report.missing_assets = [{"path": path, "field": field, "line": line, "url": url,
                              "reason": target}
                             for kind, target, path, line, field, url in links.files()
                             if kind == REFUSED]
    references = links.conn.execute("SELECT count(*) FROM refs").fetchone()[0]
    if references:
        report.links = {"references": references, "records": links.linking}
    pages = planner.pages
    if pages is None or static_folder(pages.target, Path(".")) is None or not links.linking:
        return
    prefix = f"markdown/{pages.target.name}"
    batch: dict[str, bytes] = {}

    def write(page: str, data: bytes) -> None:
        batch[f"{prefix}/{page}"] = data
        if len(batch) >= storage.BATCH:
            out.put_many(batch)
            batch.clear()

    rewrite_pages(links, pages.target, lambda page: out.get(f"{prefix}/{page}"), write, None)
    out.put_many(batch)
