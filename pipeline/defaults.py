"""Defaults and locations the command line needs before anything else is imported (a rerun
with nothing to do stops before the stages are loaded: see pipeline.rerun)."""

from __future__ import annotations

import os
from pathlib import Path

#: Formats written when --format is not given.
DEFAULT_FORMATS = ("jsonl", "csv", "markdown")
#: With --workers 0 (the default) a pool of one process per core is used from this many files:
#: below it, starting the pool costs more than it saves.
AUTO_POOL_FILES = 200
#: Where the JSON Schemas and profiles live: the project's `schemas/` folder.
SCHEMAS_DIR = Path(os.environ.get("PIPELINE_SCHEMAS",
                                  Path(__file__).resolve().parents[1] / "schemas"))
PROFILES_DIR = SCHEMAS_DIR / "profiles"


def available() -> list[str]:
    """Return the names of the profiles shipped in schemas/profiles/."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def is_profile_file(name_or_path: str) -> bool:
    """True when --profile names a file rather than a shipped profile."""
    return Path(name_or_path).suffix in (".yaml", ".yml") or os.sep in name_or_path \
        or "/" in name_or_path


def profile_path(name_or_path: str) -> Path:
    """The file of a profile given by name (shipped) or path."""
    return Path(name_or_path) if is_profile_file(name_or_path) \
        else PROFILES_DIR / f"{name_or_path}.yaml"
