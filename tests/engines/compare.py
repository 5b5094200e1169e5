"""Compare a partitioned run's outputs with a local run's: the same bytes, in parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Keys of report.json that describe the run rather than its inputs.
RUN_KEYS = ("seconds", "outputs")
#: Table files of a local run -> their part folders in a partitioned one.
TABLES = ("articles.jsonl", "articles.csv", "related.csv")


def joined_parts(out: Path, table: str) -> bytes:
    """The parts of a table concatenated in name order."""
    stem, _, ext = table.rpartition(".")
    return b"".join(p.read_bytes() for p in sorted((out / stem).glob(f"part-*.{ext}")))


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path (the staging folder left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".pipeline" not in p.relative_to(folder).parts}


def report_of(out: Path) -> dict[str, Any]:
    """report.json less the keys that describe the run."""
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for key in RUN_KEYS:
        data.pop(key)
    return data


def assert_same_outputs(local: Path, parted: Path) -> None:
    """The partitioned run wrote what the local run wrote: tables in parts, the same pages,
    the same report (less run-describing keys)."""
    for table in TABLES:
        if (local / table).exists():
            assert joined_parts(parted, table) == (local / table).read_bytes(), table
        else:
            assert not (parted / table.rpartition(".")[0]).exists(), table
    if (local / "markdown").exists():
        mine, theirs = files_under(local / "markdown"), files_under(parted / "markdown")
        assert sorted(mine) == sorted(theirs), set(mine) ^ set(theirs)
        differ = [name for name in mine if mine[name] != theirs[name]]
        assert not differ, differ[:5]
    assert report_of(parted) == report_of(local)
