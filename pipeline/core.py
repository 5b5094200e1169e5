"""The compiled core (`pipeline_core`, built from core/): the per-file work in Rust.

The Python implementation is the reference. The core takes batches of files and maps the
per-file work (read, split, YAML, transform, each writer's bytes) over native threads without
the GIL; for a file it does not reproduce exactly it *declines*, and `process_file` takes that
file here. A differential test suite holds the two to byte-identical outputs.

`PIPELINE_CORE=0` forces the Python implementation; `status()` says which one a run uses.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from pipeline.load.markdown import PlacedPage, Prepared
from pipeline.record import ARTICLE, Record, Rejection, Warning_
from pipeline.report import Tally
from pipeline.scan import core_disabled, load_core, utf8
from pipeline.defaults import reference_digest
from pipeline.state import CORE_MARK, staging_dir

_core = load_core()

#: The version of the interface between this module and the core (`pipeline_core.API`):
#: the tuples and options they exchange. A core built for another one is not used.
API = 1
#: The name the core's records carry as their parser (report.json `parsers`).
PARSER: str = getattr(_core, "PARSER", "pipeline-core")
#: Files per batch handed to the core, and batches in flight at once (bounded memory).
BATCH = 256
IN_FLIGHT = 2
#: Floats whose text orjson and Python's repr must give exactly as the core does.
_FLOAT_PROBES = (1e16, 1e15, 1e-7, 1e-5, 2.5e-5, -0.0, 0.1, 5e-324, 1.7976931348623157e308,
                 123456789012345680.0, -1.0, 3.25, 562949953421312.2)


def status() -> tuple[bool, str]:
    """(usable, description): whether the core can run here, and why not when it cannot.
    (`PIPELINE_CORE` is read on every call, so tests can switch between the two.)"""
    if core_disabled():
        return False, "disabled by PIPELINE_CORE=0"
    return _probe()


@lru_cache(maxsize=1)
def _probe() -> tuple[bool, str]:
    """Whether the installed core can run here (checked once per process)."""
    if _core is None:
        return False, "not installed (build it with `make install`; needs cargo)"
    if getattr(_core, "API", None) != API:
        return False, ("built for another version of the pipeline: rebuild it with "
                       "`make install`")
    stamp = _core.REFERENCE_DIGEST
    if stamp and stamp != reference_digest():
        return False, ("built against another state of the Python reference, which it may not "
                       "reproduce: rebuild it with `make install`")
    for value in _FLOAT_PROBES:
        python_repr, orjson_text = _core._float_texts(value)
        if python_repr != repr(value) or orjson_text != orjson.dumps(value).decode():
            return False, (f"installed orjson {orjson.__version__} formats floats differently "
                           "from the core")
    return True, f"pipeline-core {_core.__version__}"


def version_line() -> str:
    """What `--version` says about the implementation in use."""
    usable, description = status()
    return f"core: {description}" if usable else f"core: not in use ({description})"


def _timezone_minutes(profile: Any) -> int | None:
    """The profile's timezone as whole minutes east of UTC (None: not whole minutes)."""
    offset = profile.timezone.utcoffset(None)
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return seconds // 60 if seconds % 60 == 0 else None


class CoreRun:
    """The core configured for one run: which outputs it prepares, and its worker threads."""

    def __init__(self, work: Any, threads: int, spans: bool = True) -> None:
        """Configure the core from the run's Work (profile, writers, write options);
        `spans=False`: every record comes on its own, with its page's bytes."""
        names = [cls.name for cls in work.writers]
        options = work.write_options
        out_dir = options.out_dir
        markdown = "markdown" in names
        #: Records come in spans (columns, one operation per batch) when every writer takes them
        #: (Markdown: the generic target; a platform's pages are placed record by record).
        self.spans = spans and all(getattr(cls, "takes_spans", False)
                                   for cls in work.writers) and (
            not markdown or options.target == "generic")
        staging = (str(staging_dir(Path(out_dir)) / f"core{os.getpid()}")
                   if out_dir is not None else None)
        config = {
            "timezone_minutes": _timezone_minutes(work.profile),
            "jsonl": "jsonl" in names, "csv": "csv" in names,
            "pages": options.target if markdown else None,
            "spreadsheet_safe": options.spreadsheet_safe, "max_bytes": work.max_bytes,
            "staging": staging, "unicode_version": unicodedata.unidata_version,
            "threads": threads, "spans": self.spans,
        }
        self.names = names
        self.core = _core.Core(json.dumps(work.profile.data, default=str), json.dumps(config))

    def close(self) -> None:
        """Stop the worker threads (placed pages are written first)."""
        self.core.close()

    def prepared(self, jsonl: bytes | None, csv: Any, page: Any,
                 entry: bytes) -> tuple[Any, ...]:
        """Each writer's prepared bytes, in the order of the run's writers."""
        out: list[Any] = []
        for name in self.names:
            if name == "jsonl":
                out.append(jsonl)
            elif name == "csv":
                out.append(csv)
            elif name == "markdown" and page is not None and len(page) == 7:
                preferred, data, _, digest, size, stem, route = page
                out.append(PlacedPage(preferred, data, digest, size, stem, route, entry))
            elif name == "markdown" and page is not None:
                out.append(Prepared(*page))
            else:
                out.append(None)  # parquet: it takes whole records
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Span:
    """Consecutive records the core migrated, in columns: accounted for and written with one
    operation per batch (see pipeline/batch.py) rather than one per record."""

    rels: list[str]
    shas: list[str]
    ids: list[Any]
    urls: list[Any]
    links: list[tuple[int, Any]]  # (record index, related id) for links that have an id
    warnings: list[tuple[int, str, str]]  # (record index, field, message)
    jsonl: tuple[bytes, list[int]]  # all the lines, and each record's offsets (n + 1)
    csv_articles: tuple[bytes, list[int]]
    csv_related: tuple[bytes, list[int]]
    pages: list[tuple[str, str, int, int]]  # (preferred path, digest, size, token)
    shape: str
    run: CoreRun

    def __len__(self) -> int:
        """The number of records."""
        return len(self.rels)


def usable_for(work: Any) -> str | None:
    """Why the core cannot serve this run (None: it can)."""
    usable, description = status()
    if not usable:
        return description
    if work.write_options.html:
        return "--html renders answers with Python-Markdown"
    if _timezone_minutes(work.profile) is None:
        return "profile timezone is not whole minutes"
    return None


def outcomes(files: Iterable[tuple[str | Path, str]], run: CoreRun,
             fallback: Callable[[str | Path, str], Any],
             lookup: Callable[[str, str], bytes | None] | None,
             tally: Tally) -> Iterator[Any]:
    """Map the per-file work over the files with the core, in input order; `fallback` takes
    each file the core declines. Yields `pipeline.run.Done` objects and `Span`s."""
    from pipeline.run import Done  # (run imports this module)

    parser = PARSER
    source = iter(files)
    pending: list[tuple[Any, dict[str, str | Path]]] = []

    def submit() -> bool:
        batch = []
        paths: dict[str, str | Path] = {}
        odd = None
        for path, rel in source:
            text = str(path)
            if not (utf8(text) and utf8(rel)):
                # A name that is not UTF-8 (held with surrogate escapes) cannot cross to the
                # core: the Python implementation takes the file, in its place.
                odd = (path, rel)
                break
            batch.append((text, rel))
            paths[rel] = path
            if len(batch) >= BATCH:
                break
        if batch:
            pending.append((run.core.submit(batch), paths))
        if odd is not None:
            pending.append((None, {odd[1]: odd[0]}))
        return bool(batch) or odd is not None

    for _ in range(IN_FLIGHT):
        if not submit():
            break
    while pending:
        handle, paths = pending.pop(0)
        if handle is None:
            ((rel, path),) = paths.items()
            tally.python += 1
            tally.declined["file name that is not UTF-8"] += 1
            yield fallback(path, rel)
            submit()
            continue
        units = handle.wait()
        submit()  # keeps the threads busy while the results are handled here
        for item in units:
            kind, rel = item[0], item[1]
            if kind == "s":
                _, rels, shas, ids, urls, links, warnings, jsonl, articles, related, pages, \
                    shape = item
                tally.core += len(rels)
                yield Span(rels, shas, ids, urls, links, warnings, jsonl, articles, related,
                           pages, shape, run)
                continue
            if kind == "d":
                tally.python += 1
                tally.declined[item[2]] += 1
                yield fallback(paths[rel], rel)
                continue
            tally.core += 1
            sha = item[2]
            # A hit means these bytes migrated before under this configuration (unchanged);
            # the core's result is the cached one by contract, so it is used as it is.
            fresh = lookup is None or sha is None or lookup(rel, sha) is None
            if kind == "x":
                _, _, _, entry, (reason, line, field_, kind_) = item
                yield Done(rel, sha, entry, fresh, Rejection(
                    path=rel, reason=reason, line=line, field=field_, kind=kind_))
                continue
            _, _, _, entry, jsonl, csv, page, slim, warnings = item
            shape, doc_id, url, related, slug = slim
            data: dict[str, Any] = {"source": {"path": rel, "sha256": sha}}
            if shape == ARTICLE:
                data.update(id=doc_id, url=url, slug=slug, related=[{"id": i} for i in related])
            record = Record(shape, data,
                            tuple(Warning_(rel, f, m) for f, m in warnings), parser)
            yield Done(rel, sha, entry, fresh, record, run.prepared(jsonl, csv, page, entry),
                       CORE_MARK)
