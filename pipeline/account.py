"""Account for each outcome of the per-file work, in input order: the manifest, the corpus-wide
rules (first file wins on a duplicate id, same URL twice, related links), the writers and the
report.

Two entry points with one meaning: `one` takes a single outcome (`pipeline.run.Done`), `span`
takes a `pipeline.core.Span` of records the compiled core migrated, with one SQLite statement
and one write per output for the whole span instead of several per record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pipeline.core import PARSER, Span
from pipeline.errors import PipelineError
from pipeline.load import Writer
from pipeline.record import ARTICLE, Outcome, Record, Rejection, Warning_
from pipeline.report import Report
from pipeline.rerun import ARTICLE as BOOK_ARTICLE
from pipeline.rerun import DUPLICATE, GENERIC, OUTPUT, REJECTED, Book
from pipeline.state import CorpusIndex, Manifest


@dataclass
class Ledger:
    """What accounting needs: the report it fills and the run's state and writers."""

    report: Report
    writers: list[Writer]
    corpus: CorpusIndex
    manifest: Manifest | None
    #: False on a first run into a folder (the manifest holds nothing to look up).
    look_up: bool
    echo: Callable[[str], None]
    clear: Callable[[], None]  # clears the progress bar before an error line
    stop_on_error: bool
    #: The ledger of this run, for the next one (pipeline.rerun); None for dry runs.
    book: Book | None = None
    #: The writer that places pages (its `placed` names go into the ledger).
    pager: Any = field(init=False, default=None)
    #: The run's index of internal references (pipeline.links), when the profile checks them.
    links: Any = None

    def __post_init__(self) -> None:
        self.pager = next((w for w in self.writers if hasattr(w, "placed")), None)

    def positions(self) -> tuple[int, ...]:
        """Bytes written so far to each table file of every writer."""
        return tuple(p for writer in self.writers for p in writer.positions())

    def page(self) -> tuple[str, str] | None:
        """(name asked for, name given) of the page the last record got, if any."""
        if self.pager is None or not self.pager.placed:
            return None
        page: tuple[str, str] = self.pager.placed[-1]
        self.pager.placed.clear()
        return page


def duplicate_id(path: str, doc_id: Any, first: str) -> Rejection:
    """The rejection of a record whose id an earlier file has."""
    return Rejection(path=path, field="id", kind="duplicate-id", line=None,
                     reason=f"id: duplicate id {doc_id}, already used by {first} (give one of "
                            "the two files a new id)")


def same_url(path: str, url: Any, first: str) -> Warning_:
    """The warning for a record whose URL an earlier record has."""
    return Warning_(path, "url", f"same URL {url!r} as {first}; Markdown targets serve this "
                                 "page at another URL")


def reject(ledger: Ledger, rejection: Rejection) -> bool:
    """Report a rejected file; True when the run stops here (--on-error fail)."""
    ledger.report.rejected.append(rejection)
    ledger.clear()
    ledger.echo(f"Error: {rejection.one_line()}")
    if ledger.stop_on_error:
        ledger.report.stopped = True
        return True
    return False


def _write(record: Record, writers: list[Writer], prepared: tuple[Any, ...]) -> Outcome:
    """Write one record to every writer; an output error rejects the record."""
    for index, writer in enumerate(writers):
        try:
            writer.write(record, prepared[index] if prepared else None)
        except PipelineError as err:
            err.path = record.path
            return Rejection(path=record.path, reason=f"cannot write {writer.name}: "
                             f"{err.reason()}", field=err.field, kind="output")
    return record


def one(ledger: Ledger, done: Any) -> bool:
    """Account for one outcome; True when the run stops here."""
    report = ledger.report
    outcome = done.record(len(ledger.writers))
    if ledger.manifest is not None and done.sha256 is not None:
        if done.fresh:
            ledger.manifest.store(done.rel, done.sha256,
                                  done.text if done.stored is None else done.stored)
        else:
            report.cached += 1
    status, claimed = REJECTED, None
    if isinstance(outcome, Record) and outcome.shape == ARTICLE:
        claimed = outcome.data["id"]
        first = ledger.corpus.claim_id(outcome)
        if first is not None:
            outcome, status = duplicate_id(outcome.path, claimed, first), DUPLICATE
    if isinstance(outcome, Record) and ledger.links is not None and done.stored is None:
        # (The compiled core declines every record whose link fields may hold a reference.)
        ledger.links.add_outcome(done, outcome)
    if isinstance(outcome, Record):
        outcome = _write(outcome, ledger.writers, done.prepared)
        status = OUTPUT  # (if a writer rejected it after it claimed its id)
    if isinstance(outcome, Rejection):
        if ledger.book is not None:
            ledger.book.add(done.rel, done.sha256, status,
                            None if status == REJECTED else claimed, page=ledger.page(),
                            ends=ledger.positions(), rejection=outcome.as_dict())
        return reject(ledger, outcome)
    report.migrated += 1
    warnings = list(outcome.warnings)
    if outcome.parser:
        report.parsers[outcome.parser] = report.parsers.get(outcome.parser, 0) + 1
    data = outcome.data
    if outcome.shape == ARTICLE:
        first_url = ledger.corpus.add(outcome)
        if first_url is not None:
            warnings.append(same_url(outcome.path, data["url"], first_url))
    report.warnings.extend(warnings)
    if ledger.book is not None:
        article = outcome.shape == ARTICLE
        ledger.book.add(
            done.rel, done.sha256, BOOK_ARTICLE if article else GENERIC,
            data["id"] if article else None, data.get("url") if article else None,
            outcome.parser,
            [link["id"] for link in data["related"] if link["id"] is not None] if article
            else (), ledger.page(), ledger.positions(), None, [w.as_dict() for w in warnings])
    return False


def span(ledger: Ledger, span: Span) -> bool:
    """Account for a span of records the core migrated, as `one` would record by record;
    True when the run stops in it."""
    report = ledger.report
    n = len(span)
    article = span.shape == ARTICLE
    taken = ledger.corpus.claim_ids_many(span.ids, span.rels) if article else {}
    accepted: list[int] = []
    stopped = False
    start = 0
    book = ledger.book
    ends: list[tuple[int, ...]] = [()] * n
    offsets = [o for writer in ledger.writers for o in writer.span_offsets(span)] \
        if book is not None else []
    # Runs of records are written whole; a record whose id an earlier file has ends a run.
    for stop in [*sorted(taken), n]:
        if stop > start:
            base = ledger.positions() if book is not None else ()
            for writer in ledger.writers:
                writer.write_span(span, start, stop)
            accepted.extend(range(start, stop))
            for i in range(start, stop) if book is not None else ():
                ends[i] = tuple(b + o[i + 1] - o[start] for b, o in zip(base, offsets))
        if stop < n:
            if book is not None:
                ends[stop] = ledger.positions()
            if reject(ledger, duplicate_id(span.rels[stop], span.ids[stop], taken[stop])):
                stopped = True
                break
        start = stop + 1
    if ledger.manifest is not None:
        # (Up to the record the run stopped at, as `one` stores them.)
        done = stop + 1 if stopped else n
        report.cached += ledger.manifest.store_core(span.rels[:done], span.shas[:done],
                                                    ledger.look_up)
    report.migrated += len(accepted)
    if accepted:
        report.parsers[PARSER] = report.parsers.get(PARSER, 0) + len(accepted)
    firsts: dict[int, str] = {}
    if article and accepted:
        keep = set(accepted) if len(accepted) < n else None
        links = span.links if keep is None else [(i, r) for i, r in span.links if i in keep]
        urls = span.urls if keep is None else [u if i in keep else None
                                               for i, u in enumerate(span.urls)]
        firsts = ledger.corpus.add_many(span.rels, span.ids, urls, links)
    by_record: dict[int, list[Warning_]] = {}
    if span.warnings or firsts:
        for i, name, message in span.warnings:
            by_record.setdefault(i, []).append(Warning_(span.rels[i], name, message))
        for i in accepted:
            if i in firsts:
                by_record.setdefault(i, []).append(
                    same_url(span.rels[i], span.urls[i], firsts[i]))
            report.warnings.extend(by_record.get(i, ()))
    if book is not None:
        _book_span(ledger, book, span, taken, ends, by_record, stop + 1 if stopped else n)
    return stopped


def _book_span(ledger: Ledger, book: Book, span: Span, taken: dict[int, str],
               ends: list[tuple[int, ...]], warnings: dict[int, list[Warning_]],
               count: int) -> None:
    """Add the ledger entries of the first `count` records of a span: runs of accepted
    records at once, records rejected as duplicates one by one."""
    article = span.shape == ARTICLE
    links: dict[int, list[Any]] = {}
    if article:
        for i, related in span.links:
            links.setdefault(i, []).append(related)
    pager = ledger.pager
    placed = pager.placed if pager is not None else []
    pages = iter(placed)
    start = 0
    for stop in [*sorted(i for i in taken if i < count), count]:
        if stop > start:
            book.add_records(
                span.rels[start:stop], span.shas[start:stop],
                BOOK_ARTICLE if article else GENERIC,
                span.ids[start:stop] if article else [None] * (stop - start),
                span.urls[start:stop] if article else [None] * (stop - start), PARSER,
                {i - start: v for i, v in links.items() if start <= i < stop},
                [next(pages, None) for _ in range(start, stop)], ends[start:stop],
                {i - start: [w.as_dict() for w in v] for i, v in warnings.items()
                 if start <= i < stop})
        if stop < count:
            rel = span.rels[stop]
            book.add(rel, span.shas[stop], DUPLICATE, span.ids[stop], ends=ends[stop],
                     rejection=duplicate_id(rel, span.ids[stop], taken[stop]).as_dict())
        start = stop + 1
    if pager is not None:
        pager.placed.clear()
