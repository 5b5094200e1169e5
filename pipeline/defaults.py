"""Defaults and locations the command line needs before anything else is imported (a rerun
with nothing to do stops before the stages are loaded: see pipeline.rerun)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pipeline import __version__

#: Formats written when --format is not given.
DEFAULT_FORMATS = ("jsonl", "csv", "markdown")
#: With --workers 0 (the default) a pool of one process per core is used from this many files:
#: below it, starting the pool costs more than it saves.
AUTO_POOL_FILES = 200
#: Input files larger than this are refused unread (--max-bytes).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
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


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the tool version and its source, so any code change invalidates caches."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def reference_digest() -> str:
    """A digest of the Python reference (every module and JSON Schema): the compiled core is
    stamped with it when built (Makefile), and is not used when the reference has changed
    since, because it may then no longer reproduce it."""
    digest = hashlib.sha256(code_digest().encode())
    schemas = Path(__file__).resolve().parents[1] / "schemas"
    for path in sorted(schemas.rglob("*.json")):
        digest.update(path.relative_to(schemas).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
