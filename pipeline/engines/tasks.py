"""The tasks of a partitioned run, as the workers run them (Dask's, or this process's).

A partition is a run of consecutive inputs. `map_partition` does the per-file work for it
(pipeline.run.outcomes: the compiled core, or the Python reference for what the core
declines) and keeps the outcomes where it ran; `index_of` hands the driver the slim part of
them; `write_partition`, once the driver has decided what the corpus-wide rules leave of the
partition, writes its table parts and its pages. Every task is idempotent: a retried one
writes the same bytes to the same names, each file in one put (or renamed into place).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import storage
from pipeline.load import WriteOptions, get_writer
from pipeline.load.markdown import PlacedPage, Prepared, get_target
from pipeline.load.markdown.common import Placement, PlatformTarget
from pipeline.record import Outcome, Record
from pipeline.report import Tally
from pipeline.state import decode_outcome
from pipeline.transform.profile import Profile

#: Digits of a part file's number: `articles/part-00000.jsonl`.
PART = "part-{:05d}"


@dataclass(frozen=True)
class Job:
    """What every task of one run needs (sent with each task; small)."""

    profile: Profile
    formats: tuple[str, ...]
    out: storage.Store
    options: WriteOptions
    max_bytes: int
    threads: int = 1  # the core's threads per task

    def work(self) -> Any:
        """The per-file work's description (pipeline.run.Work) for this job."""
        from pipeline.run import Work

        return Work(self.profile, self.max_bytes,
                    tuple(get_writer(name) for name in self.formats), self.options)


@dataclass(frozen=True)
class Page:
    """Where the driver put a record's page: its path in the content folder, and for a
    platform target the file stem and route it chose (see PlatformTarget.place_at)."""

    rel: str
    stem: str | None = None
    route: str = ""


#: A decision for one input: None (not written: rejected by a corpus-wide rule), WRITE (its
#: rows, no page), or the Page it gets.
WRITE = ""
Decision = Page | str | None


@dataclass
class Partition:
    """The outcomes of one partition's inputs, kept on the worker that computed them."""

    index: int
    dones: list[Any]  # pipeline.run.Done, in input order
    tally: Tally = field(default_factory=Tally)


def map_partition(job: Job, index: int, items: list[storage.Item]) -> Partition:
    """Do the per-file work for one partition's inputs (remote ones fetched concurrently)."""
    from pipeline.run import outcomes

    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="pipeline-part-") as folder:
        files = storage.fetch(items, folder, job.max_bytes)
        # One Done per input (spans=False): the driver decides input by input.
        dones = list(outcomes(files, job.work(), 1, None, tally, job.threads, spans=False))
    return Partition(index, dones, tally)


def index_of(job: Job, part: Partition) -> tuple[list[Any], Tally, dict[str, list[Any]]]:
    """The slim outcomes the driver's ordered pass needs (no record bytes), the tally, and
    where the profile checks links, each record's internal references (pipeline.links)."""
    from pipeline.run import Done

    slim = []
    refs: dict[str, list[Any]] = {}
    fields, hosts = job.profile.link_fields, job.profile.link_hosts
    if fields:
        from pipeline.links import rows_of
    for done in part.dones:
        outcome = done.outcome
        if isinstance(outcome, Record):
            if fields and done.stored is None:  # (the core declines text with references)
                full = outcome if "body" in outcome.data else decode_outcome(done.text)
                found = rows_of(full.data, fields, hosts) if isinstance(full, Record) else []
                if found:
                    refs[done.rel] = found
            outcome = outcome.slim()
        # Placeholders where the bytes were: the driver's writers only name and count.
        slim.append(Done(done.rel, done.sha256, b"", done.fresh, outcome,
                         (WRITE,) * len(job.formats), done.stored))
    return slim, part.tally, refs


@dataclass(frozen=True)
class Written:
    """What a partition's write put where."""

    index: int
    parts: tuple[str, ...]
    pages: int


def write_partition(job: Job, part: Partition, decisions: list[Decision]) -> Written:
    """Write a partition's table parts and pages, as the driver decided them."""
    work = job.work()
    shape = job.profile.shape
    slots = {name: slot for slot, name in enumerate(job.formats)}
    target = get_target(job.options.target) if "markdown" in slots else None
    files: dict[str, bytes] = {}
    pages: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="pipeline-write-") as folder:
        options = WriteOptions(target=job.options.target,
                               spreadsheet_safe=job.options.spreadsheet_safe,
                               html=job.options.html)
        tables = [(slots[name], get_writer(name)(Path(folder), shape, options))
                  for name in job.formats if name in TABLE_FORMATS]
        heads = [writer.positions() for _, writer in tables]
        for done, decision in zip(part.dones, decisions):
            if decision is None:
                continue
            record = done.record(len(work.writers))
            for slot, writer in tables:
                writer.write(record, done.prepared[slot] if done.prepared else None)
            if target is not None and isinstance(decision, Page):
                md = done.prepared[slots["markdown"]] if done.prepared else None
                pages[f"markdown/{target.name}/{decision.rel}"] = \
                    page_bytes(target, done, md, decision)
        for (_, writer), head in zip(tables, heads):
            writer.close()
            for name, skip in zip(writer.table_files(), head):
                data = Path(folder, name).read_bytes()
                # Part 0 keeps the header: the parts concatenated are the local file.
                files[part_name(name, part.index)] = data[skip:] if part.index else data
    job.out.put_many(files)
    job.out.put_many(pages)
    return Written(part.index, tuple(sorted(files)), len(pages))


#: Formats written as tables (part files); markdown writes pages, others are not supported.
TABLE_FORMATS = ("jsonl", "csv")


def part_name(table: str, index: int) -> str:
    """`articles.jsonl`, 3 -> `articles/part-00003.jsonl`."""
    stem, _, ext = table.rpartition(".")
    return f"{stem}/{PART.format(index)}.{ext}"


def page_bytes(target: Any, done: Any, prepared: Any, page: Page) -> bytes:
    """A page's bytes: as the worker rendered them where the driver's placement is the one
    they were rendered for, else rendered again from the whole record at that placement."""
    if isinstance(prepared, Prepared) and prepared.data is not None:
        return prepared.data  # a pure target's page depends on its record alone
    if isinstance(prepared, PlacedPage) and (prepared.stem, prepared.route) == \
            (page.stem, page.route):
        return prepared.data
    record: Outcome = decode_outcome(done.text)
    if not isinstance(record, Record):
        raise TypeError(f"{done.rel}: a page without its record")
    if isinstance(target, PlatformTarget) and page.stem is not None:
        target.place_at(record, Placement(page.stem, page.route))
    data: bytes = target.render(record).encode("utf-8")
    return data
