"""Crash-safe output: files and folders appear under their final name only when complete."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pipeline.errors import LoadError

# Device names Windows reserves whatever the extension (`con.md` cannot be created there).
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?",
                               re.IGNORECASE)


#: Staging folder, relative to the output folder: temporary files live there, not beside the
#: outputs, so a killed run leaves only complete files under their final names.
STAGING = Path(".pipeline") / "tmp"
#: Buffer of the big output files (JSONL, CSV): tens of thousands of small appends become a
#: few hundred large writes.
BUFFER = 1 << 20
_counter = itertools.count()


class AtomicFile:
    """A text or binary file written under a temporary name and renamed into place on commit.

    The temporary file is in `tmp_dir` (default: `<folder of path>/.pipeline/tmp`), which must
    be on the same file system as `path` for the rename to be atomic.
    """

    def __init__(self, path: Path, mode: str = "w", tmp_dir: Path | None = None,
                 buffering: int = -1) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = tmp_dir if tmp_dir is not None else path.parent / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        self.tmp = staging / f"{path.name}.{os.getpid()}.{next(_counter)}"
        if "b" in mode:
            self.handle: IO[Any] = open(self.tmp, mode, buffering=buffering)
        else:
            # newline="" keeps the LF we write as LF on every platform.
            self.handle = open(self.tmp, mode, buffering=buffering, encoding="utf-8",
                               newline="")

    def write(self, data: Any) -> int:
        """Write to the temporary file."""
        return self.handle.write(data)

    def commit(self, durable: bool = True) -> Path:
        """Flush (to disk when `durable`) and rename over the final path."""
        self.handle.flush()
        if durable:
            os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the temporary file."""
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def stage(tmp_dir: Path, name: str, data: bytes, durable: bool = False) -> Path:
    """Write bytes to a new file in the staging folder (renamed into place later).

    `durable` also syncs the data to disk: the rename alone is atomic against a killed
    process, a sync also protects against power loss but costs a disk flush per file, too
    much for tens of thousands of pages (whose index records their size to detect such a loss).
    """
    temp = tmp_dir / f"{name[-80:]}.{os.getpid()}.{next(_counter)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        # One os-level write: the buffered-file machinery costs more than the data here.
        try:
            fd = os.open(temp, flags, 0o644)
        except FileNotFoundError:
            # The folder is made on first use rather than checked before every file (a
            # mkdir and a stat per page).
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def write_atomic(path: Path, data: bytes, tmp_dir: Path | None = None,
                 durable: bool = True) -> Path:
    """Write bytes to `path` atomically: staged (see stage), then renamed into place."""
    temp = stage(tmp_dir if tmp_dir is not None else path.parent / STAGING, path.name, data,
                 durable)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


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
