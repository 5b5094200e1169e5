"""The run report: every input accounted for, as report.json and one line on stderr."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.atomic import AtomicFile
from pipeline.record import Rejection, Warning_, record_json

# Where the streamed list goes in report.json: with its unescaped quotes, the text
# `"dangling_links": "@dangling@"` cannot occur inside any JSON string of the report.
_MARK = "@dangling@"


@dataclass
class Tally:
    """Files per implementation and why the core declined the others (for report.json)."""

    core: int = 0
    python: int = 0
    declined: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The report.json form."""
        return {"core": self.core, "python": self.python,
                "core_declined": dict(sorted(self.declined.items()))}


@dataclass
class Report:
    """What happened to every input of one run."""

    inputs: int = 0
    migrated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    dangling_links: list[dict[str, Any]] = field(default_factory=list)  # dry runs only
    dangling_count: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    cached: int = 0  # inputs whose outcome came from the manifest (unchanged since last run)
    parsers: dict[str, int] = field(default_factory=dict)  # parser (and fallback reason) counts
    stopped: bool = False  # --on-error fail stopped the run at the first rejected file
    #: Files handled by the compiled core and by the Python implementation, and why the core
    #: declined the others.
    implementations: Tally = field(default_factory=Tally)
    #: How the run found what changed since the last one (pipeline.rerun): inputs taken as
    #: unchanged from their metadata alone, inputs hashed, inputs processed, and whether the
    #: tables were rewritten from the previous ones rather than from every record.
    rerun: dict[str, Any] = field(default_factory=dict)
    #: Internal links that match no record, and files referenced but not found under
    #: --assets (or refused), when the profile checks links (pipeline.links).
    broken_links: list[dict[str, Any]] = field(default_factory=list)
    missing_assets: list[dict[str, Any]] = field(default_factory=list)
    assets: dict[str, int] = field(default_factory=dict)  # files copied from --assets
    links: dict[str, int] = field(default_factory=dict)  # internal references found

    def as_dict(self) -> dict[str, Any]:
        """Return the report.json form (keys in the contract's order)."""
        return {
            "inputs": self.inputs,
            "migrated": self.migrated,
            "rejected": [r.as_dict() for r in self.rejected],
            "warnings": [w.as_dict() for w in self.warnings],
            # (before the dangling links, which end with what describes this run alone:
            # see pipeline.rerun.quick)
            "broken_links": self.broken_links,
            "missing_assets": self.missing_assets,
            **({"links": self.links} if self.links else {}),
            **({"assets": self.assets} if self.assets else {}),
            "dangling_links": self.dangling_links,
            "seconds": round(self.seconds, 3),
            "cached": self.cached,
            "parsers": dict(sorted(self.parsers.items())),
            "stopped": self.stopped,
            "implementations": self.implementations.as_dict(),
            "rerun": self.rerun,
            "outputs": self.outputs,
        }

    def summary(self, out_dir: Path | str | None = None) -> str:
        """Return the one-line human summary."""
        where = f" -> {out_dir}" if out_dir is not None else ""
        cached = f" ({self.cached} unchanged, from cache)" if self.cached else ""
        stopped = "; stopped at the first rejected file, outputs left as they were" \
            if self.stopped else ""
        engines = self.implementations
        core = f" (compiled core {engines.core}, Python {engines.python})" if engines.core else ""
        links = ""
        if self.links or self.broken_links or self.missing_assets:
            links = (f", {len(self.broken_links)} broken links, {len(self.missing_assets)} "
                     "missing files")
        return (f"{self.inputs} files: {self.migrated} migrated{cached}, "
                f"{len(self.rejected)} rejected, {len(self.warnings)} warnings, "
                f"{self.dangling_count} dangling links{links} in {self.seconds:.2f} s{where}"
                f"{core}{stopped}")

    def write(self, path: Path, dangling: Iterable[dict[str, Any]] | None = None) -> Path:
        """Write report.json atomically; `dangling` streams the dangling links into it."""
        return write_json(path, self.as_dict(), dangling)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Report":
        """A report from its report.json form (the dangling links are counted, not kept)."""
        tally = data.get("implementations", {})
        return cls(inputs=data["inputs"], migrated=data["migrated"],
                   rejected=[Rejection(**item) for item in data["rejected"]],
                   warnings=[Warning_(**item) for item in data["warnings"]],
                   dangling_count=len(data["dangling_links"]), seconds=data["seconds"],
                   outputs=data["outputs"], cached=data["cached"], parsers=data["parsers"],
                   stopped=data["stopped"],
                   implementations=Tally(tally.get("core", 0), tally.get("python", 0),
                                         Counter(tally.get("core_declined", {}))),
                   rerun=data.get("rerun", {}),
                   broken_links=data.get("broken_links", []),
                   missing_assets=data.get("missing_assets", []),
                   assets=data.get("assets", {}), links=data.get("links", {}))

    def processed_all(self) -> None:
        """Set `rerun` for a run that looked at every input (no state of an earlier run)."""
        self.rerun = {"mode": "full", "unchanged_by_metadata": 0, "hashed": self.inputs,
                      "processed": self.inputs - self.cached}

    @property
    def exit_code(self) -> int:
        """0 when every input migrated, 1 when some were rejected."""
        return 1 if self.rejected else 0


def _parts(data: dict[str, Any]) -> tuple[str, str]:
    """The text of a report before and after its dangling links."""
    data = dict(data, dangling_links=_MARK)
    head, _, tail = json.dumps(data, indent=2, ensure_ascii=False).partition(
        f'"dangling_links": "{_MARK}"')
    return head + '"dangling_links": [', "\n  ]" + tail + "\n"


def _line(item: dict[str, Any]) -> str:
    """One dangling link as compact JSON, a line of its own (orjson: tens of thousands of
    them are written, the standard library's encoder was a tenth of a rerun)."""
    return record_json(item).decode("utf-8")


def render_json(data: dict[str, Any], dangling: Iterable[dict[str, Any]]) -> str:
    """A report's JSON form as `write_json` writes it, as one string."""
    head, tail = _parts(data)
    return head + ",".join("\n    " + _line(item) for item in dangling) + tail


def write_json(path: Path, data: dict[str, Any],
               dangling: Iterable[dict[str, Any]] | None = None) -> Path:
    """Write a report's JSON form atomically, one dangling link per line; `dangling` streams
    them (else they are `data["dangling_links"]`)."""
    head, tail = _parts(data)
    if dangling is None:
        dangling = data["dangling_links"]
    handle = AtomicFile(path)
    handle.write(head)
    for index, item in enumerate(dangling):
        handle.write(("," if index else "") + "\n    " + _line(item))
    handle.write(tail)
    return handle.commit()
