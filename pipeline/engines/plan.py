"""The driver's ordered pass of a partitioned run: the corpus-wide rules on slim outcomes.

A local run accounts for each outcome in input order (pipeline.account): the first file
keeps a duplicate id, a second record with a URL gets a warning, pages get unique names
and platform routes. A partitioned run makes the same calls, on the same objects, over the
slim outcomes of each partition in turn (ids, URLs, slugs, related ids: no record bytes),
with writers that decide rather than write: what they decide goes back to the workers.
So the answers are the local run's by construction, not by a second implementation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from pipeline import account
from pipeline.engines.tasks import WRITE, Decision, Page
from pipeline.atomic import _WINDOWS_RESERVED
from pipeline.errors import PipelineError
from pipeline.links import LinkIndex
from pipeline.load import WriteOptions, Writer
from pipeline.load.markdown import MarkdownWriter
from pipeline.load.markdown.common import PlatformTarget
from pipeline.record import ARTICLE, Record
from pipeline.report import Report
from pipeline.state import CorpusIndex


#: A page name segment the writer's cleaning (atomic.safe_relative) leaves as it is, and
#: whose variants (`-<id>`, `-2`) stay so.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._~-]*")


def plain_path(path: str) -> bool:
    """True when every segment of a relative path is plain (see _PLAIN_SEGMENT)."""
    return all(_PLAIN_SEGMENT.fullmatch(part) and not _WINDOWS_RESERVED.fullmatch(part)
               for part in path.split("/"))


class _Decided(Writer):
    """A table writer in the ordered pass: a record it is given is written by a worker."""

    name = "decided"
    description = "(the ordered pass of a partitioned run)"

    def write(self, record: Record, prepared: Any = None) -> None:
        """Nothing to do here: the worker appends the record's rows."""

    def close(self) -> list[Path]:
        """Nothing written here."""
        return []

    def abort(self) -> None:
        """Nothing written here."""


class PagePlan(MarkdownWriter):
    """The Markdown writer's naming, without the writing: each page's unique name (and for
    a platform target its file stem and route), in input order."""

    def __init__(self, folder: Path, shape: str, options: WriteOptions) -> None:
        super().__init__(folder, shape, options)
        self.last: Page | None = None

    def write(self, record: Record, prepared: Any = None) -> None:
        """Name the record's page as MarkdownWriter.write would."""
        try:
            rel = self._unique(self.target.page_path(record), record)
        except PipelineError as err:
            err.path = record.path
            raise
        self.index.mark(rel, "", 0)
        place = self.target.placement(record) \
            if isinstance(self.target, PlatformTarget) else None
        self.last = Page(rel, place.stem if place else None, place.route if place else "")
        self._note(record, self.last)

    def _note(self, record: Record, page: Page) -> None:
        """Tell the run's link index where an article's page went (as MarkdownWriter does)."""
        if self.links is not None and record.shape == ARTICLE and page.stem is not None:
            self.links.add_page(record.path, page.rel, page.route)

    def place_many(self, records: list[Record]) -> list[Page]:
        """Name the pages of consecutive records whose names need no cleaning (see
        Planner._plain): one statement when every name is free, else `write` one by one."""
        prefix = f"{self.target.content_dir}/" if self.target.content_dir else ""
        platform = isinstance(self.target, PlatformTarget)
        places: list[Any] = []
        preferred: list[str] = []
        for record in records:
            if platform:
                places.append(getattr(self.target, "placement")(record))  # in order, once
            preferred.append(self.target.page_path(record))  # (the placement just chosen)
        if not platform:
            places = [None] * len(records)
        names = [prefix + name for name in preferred]
        if not self.index.claim_new([(name, "", 0) for name in names]):
            # A name taken (by this partition or an earlier one): variants, one by one.
            names = []
            for record, name in zip(records, preferred):
                names.append(self._unique(name, record))
                self.index.mark(names[-1], "", 0)
        pages = [Page(name, p.stem if p else None, p.route if p else "")
                 for name, p in zip(names, places)]
        for record, page in zip(records, pages):
            self._note(record, page)
        return pages

    def site_files(self) -> dict[str, str]:
        """The target's site files, as the pages placed so far make them (Astro's redirects)."""
        return self.target.site_files(self.shape)

    def produced(self, rel: str) -> bool:
        """True when this run placed a page of that name (relative to the target folder)."""
        return self.index.placed_now(rel)

    def close(self) -> list[Path]:
        """Close the index (nothing written here)."""
        self.index.close()
        return []

    def abort(self) -> None:
        """Close the index."""
        self.index.close()


class Planner:
    """The ordered pass: feed it each partition's slim outcomes in input order."""

    def __init__(self, folder: Path, formats: tuple[str, ...], shape: str,
                 options: WriteOptions, echo: Callable[[str], None], stop_on_error: bool,
                 link_fields: tuple[str, ...] = (), link_hosts: tuple[str, ...] = ()) -> None:
        self.report = Report()
        self.shape = shape
        self.corpus = CorpusIndex(folder)
        self.pages: PagePlan | None = None
        writers: list[Writer] = []
        for name in formats:
            if name == "markdown":
                self.pages = PagePlan(folder, shape, options)
                writers.append(self.pages)
            else:
                writers.append(_Decided(folder, shape, options))
        self.links: _Links | None = None
        if link_fields:
            self.links = _Links(folder, link_fields, link_hosts)
            if self.pages is not None:
                self.pages.links = self.links
        self.ledger = account.Ledger(self.report, writers, self.corpus, None, look_up=False,
                                     echo=echo, clear=lambda: None,
                                     stop_on_error=stop_on_error, links=self.links)

    def plan(self, dones: list[Any], refs: dict[str, list[Any]] | None = None
             ) -> list[Decision]:
        """Account for a partition's outcomes; what each input gets (None: nothing). Stops
        at the first rejected input with --on-error fail (report.stopped). `refs`: the
        records' internal references, by input (pipeline.links)."""
        if self.links is not None:
            self.links.pending = refs or {}
        if self._plain(dones):
            return self._plan_plain(dones)
        return self._plan_each(dones)

    def _plain(self, dones: list[Any]) -> bool:
        """True when the partition can be decided in bulk with the same answers: the run
        does not stop at a rejection, and no page name needs the writer's cleaning (which
        may refuse a name, after its record took its id)."""
        if self.ledger.stop_on_error:
            return False
        pages = self.pages
        for done in dones:
            outcome = done.outcome
            if not isinstance(outcome, Record):
                continue
            if outcome.shape != self.shape:
                return False
            if pages is None:
                continue
            if outcome.shape == ARTICLE:
                name = outcome.data.get("slug")
                if not isinstance(name, str) or not _PLAIN_SEGMENT.fullmatch(name) or \
                        _WINDOWS_RESERVED.fullmatch(name):
                    return False
            elif not plain_path(outcome.path):
                return False
        return True

    def _plan_plain(self, dones: list[Any]) -> list[Decision]:
        """`_plan_each` in bulk: ids, URLs and page names claimed a partition at a time."""
        report, corpus, ledger = self.report, self.corpus, self.ledger
        article = self.shape == ARTICLE
        records = [(i, d.outcome) for i, d in enumerate(dones) if isinstance(d.outcome, Record)]
        taken: dict[int, str] = {}
        if article and records:
            lost = corpus.claim_ids_many([r.data["id"] for _, r in records],
                                         [r.path for _, r in records])
            taken = {records[j][0]: first for j, first in lost.items()}
        accepted = [(i, r) for i, r in records if i not in taken]
        if self.links is not None:
            for i, record in accepted:
                if dones[i].stored is None:  # (as pipeline.account.one: see there)
                    self.links.add_outcome(dones[i], record)
        pages = self.pages.place_many([r for _, r in accepted]) if self.pages else None
        decisions: list[Decision] = [None] * len(dones)
        for j, (i, _) in enumerate(accepted):
            decisions[i] = pages[j] if pages is not None else WRITE
        firsts: dict[int, str] = {}
        if article and accepted:
            firsts = corpus.add_many(
                [r.path for _, r in accepted], [r.data["id"] for _, r in accepted],
                [r.data.get("url") for _, r in accepted],
                [(j, link["id"]) for j, (_, r) in enumerate(accepted)
                 for link in r.data["related"] if link["id"] is not None])
        order = {i: j for j, (i, _) in enumerate(accepted)}
        for i, done in enumerate(dones):
            outcome = done.outcome
            if i in taken:
                outcome = account.duplicate_id(outcome.path, outcome.data["id"], taken[i])
            if not isinstance(outcome, Record):
                account.reject(ledger, outcome)
                continue
            report.migrated += 1
            if outcome.parser:
                report.parsers[outcome.parser] = report.parsers.get(outcome.parser, 0) + 1
            report.warnings.extend(outcome.warnings)
            j = order[i]
            if j in firsts:
                report.warnings.append(account.same_url(outcome.path, outcome.data["url"],
                                                        firsts[j]))
        report.inputs += len(dones)
        return decisions

    def _plan_each(self, dones: list[Any]) -> list[Decision]:
        """Account for each outcome as a local run does (pipeline.account.one)."""
        decisions: list[Decision] = []
        report = self.report
        for done in dones:
            if report.stopped:
                decisions.append(None)
                continue
            rejected = len(report.rejected)
            if self.pages is not None:
                self.pages.last = None
            account.one(self.ledger, done)
            if len(report.rejected) > rejected:
                decisions.append(None)
            else:
                decisions.append(self.pages.last if self.pages is not None else WRITE)
        report.inputs += len(dones)
        return decisions

    def lose(self, rels: list[str], reason: str) -> None:
        """Inputs that could not be processed or written: listed as rejected, never as
        migrated (a run that cannot finish says which inputs are missing)."""
        from pipeline.record import Rejection

        for rel in rels:
            rejection = Rejection(path=rel, reason=reason, kind="engine")
            self.report.rejected.append(rejection)
            self.ledger.echo(f"Error: {rejection.one_line()}")

    def close(self) -> None:
        """Drop the scratch databases."""
        for writer in self.ledger.writers:
            writer.abort()
        self.corpus.close()
        if self.links is not None:
            self.links.close()


class _Links(LinkIndex):
    """The run's link index on the driver: each record's references come from its worker."""

    def __init__(self, folder: Path, fields: tuple[str, ...], hosts: tuple[str, ...]) -> None:
        super().__init__(folder, fields, hosts)
        #: The references of the partition being decided, by input.
        self.pending: dict[str, list[Any]] = {}

    def add_outcome(self, done: Any, record: Any) -> None:
        """Note the references the worker found in this record."""
        self.add_rows(record.path, self.pending.get(done.rel, []))
