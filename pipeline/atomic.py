"""Crash-safe output: files and folders appear under their final name only when complete."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pipeline.errors import LoadError

# Device names Windows reserves whatever the extension (`con.md` cannot be created there).
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?",
                               re.IGNORECASE)
_TMP_PREFIX = ".tmp-"


class AtomicFile:
    """A text or binary file written under a temporary name and renamed into place on commit."""

    def __init__(self, path: Path, mode: str = "w") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = path.with_name(f"{_TMP_PREFIX}{path.name}.{os.getpid()}")
        if "b" in mode:
            self.handle: IO[Any] = open(self.tmp, mode)
        else:
            # newline="" keeps the LF we write as LF on every platform.
            self.handle = open(self.tmp, mode, encoding="utf-8", newline="")

    def write(self, data: Any) -> int:
        """Write to the temporary file."""
        return self.handle.write(data)

    def commit(self) -> Path:
        """Flush to disk and rename over the final path."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the temporary file."""
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes to `path` atomically."""
    handle = AtomicFile(path, "wb")
    try:
        handle.write(data)
    except BaseException:
        handle.abort()
        raise
    return handle.commit()


def safe_relative(rel: str) -> PurePosixPath:
    """Return `rel` as a relative path that cannot leave its folder, or raise LoadError.

    Refused: absolute paths, drive letters, `..`, NUL; backslashes count as separators and
    Windows device names get a `_` prefix so the output can be copied to any platform.
    """
    if "\x00" in rel:
        raise LoadError("output path contains a NUL byte", field="path")
    text = rel.replace("\\", "/")
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        raise LoadError(f"output path {rel!r} is absolute", field="path")
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise LoadError(f"output path {rel!r} leaves the output folder", field="path")
        if _WINDOWS_RESERVED.fullmatch(part):
            part = "_" + part
        parts.append(part)
    if not parts:
        raise LoadError(f"output path {rel!r} is empty", field="path")
    return PurePosixPath(*parts)


class AtomicDir:
    """A folder built under a temporary name and swapped into place on commit.

    Replacing the whole folder (not file by file) means files of an earlier run that this run
    no longer produces disappear too, and a crash never leaves a half-built folder visible.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"{_TMP_PREFIX}{path.name}.*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a crashed run
        self.tmp = path.with_name(f"{_TMP_PREFIX}{path.name}.{os.getpid()}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()

    def file(self, rel: str) -> Path:
        """Return the temporary location of a file inside the folder, refusing escapes."""
        target = self.tmp.joinpath(*safe_relative(rel).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> Path:
        """Swap the finished folder into place."""
        old = self.path.with_name(f"{_TMP_PREFIX}{self.path.name}.old.{os.getpid()}")
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(self.tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)
        return self.path

    def abort(self) -> None:
        """Drop the temporary folder."""
        shutil.rmtree(self.tmp, ignore_errors=True)
