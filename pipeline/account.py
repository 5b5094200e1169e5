"""Account for each outcome of the per-file work, in input order: the manifest, the corpus-wide
rules (first file wins on a duplicate id, same URL twice, related links), the writers and the
report.

Two entry points with one meaning: `one` takes a single outcome (`pipeline.run.Done`), `span`
takes a `pipeline.core.Span` of records the compiled core migrated, with one SQLite statement
and one write per output for the whole span instead of several per record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pipeline.core import PARSER, Span
from pipeline.errors import PipelineError
from pipeline.load import Writer
from pipeline.record import ARTICLE, Outcome, Record, Rejection, Warning_
from pipeline.report import Report
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


def duplicate_id(path: str, doc_id: Any, first: str) -> Rejection:
    """The rejection of a record whose id an earlier file has."""
    return Rejection(path=path, field="id", kind="duplicate-id", line=None,
                     reason=f"id: duplicate id {doc_id}, already used by {first} (give one of "
                            "the two files a new id)")


def same_url(path: str, url: Any, first: str) -> Warning_:
    """The warning for a record whose URL an earlier record has."""
    return Warning_(path, "url", f"same URL {url!r} as {first}; Markdown targets serve this "
                                 "page at another URL")


def _reject(ledger: Ledger, rejection: Rejection) -> bool:
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
    if isinstance(outcome, Record) and outcome.shape == ARTICLE:
        first = ledger.corpus.claim_id(outcome)
        if first is not None:
            outcome = duplicate_id(outcome.path, outcome.data["id"], first)
    if isinstance(outcome, Record):
        outcome = _write(outcome, ledger.writers, done.prepared)
    if isinstance(outcome, Rejection):
        return _reject(ledger, outcome)
    report.migrated += 1
    report.warnings.extend(outcome.warnings)
    if outcome.parser:
        report.parsers[outcome.parser] = report.parsers.get(outcome.parser, 0) + 1
    if outcome.shape == ARTICLE:
        first_url = ledger.corpus.add(outcome)
        if first_url is not None:
            report.warnings.append(same_url(outcome.path, outcome.data["url"], first_url))
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
    # Runs of records are written whole; a record whose id an earlier file has ends a run.
    for stop in [*sorted(taken), n]:
        if stop > start:
            for writer in ledger.writers:
                writer.write_span(span, start, stop)
            accepted.extend(range(start, stop))
        if stop < n and _reject(ledger, duplicate_id(span.rels[stop], span.ids[stop],
                                                     taken[stop])):
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
    if span.warnings or firsts:
        by_record: dict[int, list[Warning_]] = {}
        for i, field, message in span.warnings:
            by_record.setdefault(i, []).append(Warning_(span.rels[i], field, message))
        for i in accepted:
            report.warnings.extend(by_record.get(i, ()))
            if i in firsts:
                report.warnings.append(same_url(span.rels[i], span.urls[i], firsts[i]))
    return stopped
