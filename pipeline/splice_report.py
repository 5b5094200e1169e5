"""The report of a splice (pipeline.splice): the last report's entries of the inputs left
alone, and those of the processed ones, in input order; dangling links checked again only
where the claimed ids changed."""

from __future__ import annotations

import bisect
import json
import os
import re
from typing import TYPE_CHECKING, Any

from pipeline import rerun
from pipeline.record import Rejection, Warning_
from pipeline.report import Report
from pipeline.rerun import LEDGER_FIELDS as F

if TYPE_CHECKING:
    from pipeline.splice import Change, Plan

#: Ledger statuses of accepted records.
ACCEPTED = (rerun.ARTICLE, rerun.GENERIC)

#: A list of integers as JSON: its items are read without a JSON parser.
_INTS = re.compile(rb"\[-?[0-9]+(?:,-?[0-9]+)*\]")


def _value(text: bytes) -> Any:
    """A value from its JSON text (integers, the common case, without a parser)."""
    return int(text) if text.isdigit() else json.loads(text)


def _dangling(fields: list[bytes], claimed: Any) -> list[dict[str, Any]]:
    """The related links of one ledger entry whose target id no record claims."""
    links = fields[6]
    if not links or fields[2] != rerun.ARTICLE:
        return []
    if _INTS.fullmatch(links):
        texts = links[1:-1].split(b",")
    else:
        texts = [rerun.encode_id(value) for value in json.loads(links)]
    return [{"path": os.fsdecode(fields[0]), "article_id": _value(fields[3]),
             "related_id": _value(text)} for text in texts if text not in claimed]


def spliced_report(previous: dict[str, Any], plan: Plan,
                   segments: list[tuple[int, int] | Change],
                   added: list[tuple[int, list[bytes]]]) -> Report:
    """The report of the spliced outputs: the last report's entries of the inputs left alone,
    and those of the processed ones, in input order."""
    ledger = plan.ledger
    # Entries are put in input order by (segment, entry number), which is the new order. The
    # runs of inputs left alone keep their order, so their segments' first entries increase:
    # an input's segment is found by bisection.
    kept = [(segment[0], segment[1], number) for number, segment in enumerate(segments)
            if isinstance(segment, tuple)]
    starts = [a for a, _b, _number in kept]

    last: list[Any] = [None, None]  # (path, place): an input's entries come together

    def place(path: str) -> tuple[int, int] | None:
        """(segment, entry number) of an input left alone; None for one processed again or
        deleted."""
        if last[0] == path:
            found: tuple[int, int] | None = last[1]
            return found
        last[0], last[1] = path, locate(path)
        return last[1]

    def locate(path: str) -> tuple[int, int] | None:
        """`place`, looked up."""
        i = ledger.index.get(os.fsencode(path))
        if i is None:
            return None
        at = bisect.bisect_right(starts, i) - 1
        if at < 0 or i >= kept[at][1]:
            return None
        return (kept[at][2], i)

    keyed: dict[str, list[tuple[tuple[int, int], dict[str, Any]]]] = {
        "rejected": [], "warnings": [], "dangling_links": []}
    redo_dangling = not plan.ids_unchanged
    for name, items in keyed.items():
        if name == "dangling_links" and redo_dangling:
            continue
        for item in previous[name]:
            spot = place(item["path"])
            if spot is not None:
                items.append((spot, item))
    report = Report()
    report.migrated = previous["migrated"]
    report.parsers = dict(previous["parsers"])
    statuses, parsers = ledger.column(2), ledger.column(5)
    for rel in plan.touched():
        i = plan.old.get(rel)
        if i is not None and statuses[i] in ACCEPTED:
            report.migrated -= 1
            parser = parsers[i].decode()
            if parser:
                report.parsers[parser] -= 1
                if not report.parsers[parser]:
                    del report.parsers[parser]
    for number, fields in added:
        at_change = (number, 0)
        if fields[9]:
            keyed["rejected"].append((at_change, json.loads(fields[9])))
            continue
        report.migrated += 1
        if fields[5]:
            parser = fields[5].decode()
            report.parsers[parser] = report.parsers.get(parser, 0) + 1
        keyed["warnings"].extend((at_change, w) for w in json.loads(fields[10] or b"[]"))
        if not redo_dangling:
            keyed["dangling_links"].extend((at_change, d) for d in _dangling(fields, plan.claimed))
    if redo_dangling:
        # Some ids came or went: every article's links are checked again.
        plan.claimed.materialise()
        found: list[tuple[tuple[int, int], dict[str, Any]]] = []
        for number, segment in enumerate(segments):
            if not isinstance(segment, tuple):
                entries = [f for n, f in added if n == number]
            else:
                entries = [ledger.fields[i * F:(i + 1) * F] for i in range(*segment)
                           if ledger.fields[i * F + 6]]
            found.extend(((number, 0), d) for fields in entries
                         for d in _dangling(fields, plan.claimed))
        keyed["dangling_links"] = found
    for items in keyed.values():
        items.sort(key=lambda pair: pair[0])  # (stable: an input's entries keep their order)
    report.rejected = [Rejection(**item) for _, item in keyed["rejected"]]
    report.warnings = [Warning_(**item) for _, item in keyed["warnings"]]
    report.dangling_links = [item for _, item in keyed["dangling_links"]]
    report.dangling_count = len(report.dangling_links)
    report.outputs = list(previous["outputs"])
    report.parsers = dict(sorted(report.parsers.items()))
    return report
