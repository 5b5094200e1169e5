"""Crash-safe output: files and folders appear under their final name only when complete."""

from __future__ import annotations

import itertools
import os
import queue
import re
import threading
from collections import deque
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


class _Drain(threading.Thread):
    """Writes queued chunks of bytes to a file descriptor, in order, on a thread of its own.

    The write system calls (the kernel copying the data into its page cache) then run beside
    the main process's work instead of inside it; `os.write` does not hold the GIL. At most
    LIMIT bytes wait at once: a writer that outpaces the disk is held up, memory is not.
    """

    LIMIT = 2 << 20

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True, name="pipeline-writer")
        self.fd = fd
        self.chunks: deque[Any] = deque()
        self.waiting = 0  # bytes queued and not written yet
        self.closed = False
        self.error: OSError | None = None
        self.changed = threading.Condition()
        self.start()

    def put(self, chunk: Any) -> None:
        """Queue a chunk (bytes, bytearray or memoryview, not changed afterwards)."""
        size = len(chunk)
        with self.changed:
            while self.waiting > self.LIMIT and self.error is None:
                self.changed.wait()
            self._raise()
            self.chunks.append(chunk)
            self.waiting += size
            self.changed.notify_all()

    def close(self) -> None:
        """Write everything queued, stop, and raise what a write met."""
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        """Take chunks in order and write each whole."""
        while True:
            with self.changed:
                while not self.chunks and not self.closed:
                    self.changed.wait()
                if not self.chunks:
                    return
                chunk = self.chunks.popleft()
            try:
                if self.error is None:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(self.fd, view):]
            except OSError as err:
                self.error = err
            with self.changed:
                self.waiting -= len(chunk)
                self.changed.notify_all()


class AtomicFile:
    """A text or binary file written under a temporary name and renamed into place on commit.

    The temporary file is in `tmp_dir` (default: `<folder of path>/.pipeline/tmp`), which must
    be on the same file system as `path` for the rename to be atomic.

    With `background=True` (binary files) writes are gathered into chunks of `buffering`
    bytes and written by a thread of its own (see _Drain).
    """

    def __init__(self, path: Path, mode: str = "w", tmp_dir: Path | None = None,
                 buffering: int = -1, background: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = tmp_dir if tmp_dir is not None else path.parent / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        self.tmp = staging / f"{path.name}.{os.getpid()}.{next(_counter)}"
        self.drain: _Drain | None = None
        #: Bytes (or characters, in text mode) written so far: where the next write starts.
        self.position = 0
        if background and "b" in mode:
            self.handle: IO[Any] = open(self.tmp, mode, buffering=0)
            self.drain = _Drain(self.handle.fileno())
            self.chunk = bytearray()
            self.chunk_size = buffering if buffering > 0 else BUFFER
        elif "b" in mode:
            self.handle = open(self.tmp, mode, buffering=buffering)
        else:
            # newline="" keeps the LF we write as LF on every platform.
            self.handle = open(self.tmp, mode, buffering=buffering, encoding="utf-8",
                               newline="")

    def write(self, data: Any) -> int:
        """Write to the temporary file."""
        size = len(data)
        self.position += size
        if self.drain is None:
            return self.handle.write(data)
        if size >= self.chunk_size:
            self._hand_over()
            self.drain.put(data)  # large: handed over as it is (bytes and views are not copied)
        else:
            self.chunk += data
            if len(self.chunk) >= self.chunk_size:
                self._hand_over()
        return size

    def _hand_over(self) -> None:
        """Give the gathered chunk to the writer thread."""
        if self.drain is not None and self.chunk:
            self.drain.put(self.chunk)
            self.chunk = bytearray()

    def commit(self, durable: bool = True) -> Path:
        """Flush (to disk when `durable`) and rename over the final path."""
        if self.drain is not None:
            self._hand_over()
            self.drain.close()
        self.handle.flush()
        if durable:
            os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the temporary file."""
        if self.drain is not None:
            try:
                self.drain.close()
            except OSError:
                pass  # what failed to be written is dropped anyway
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


class SplicedFile(threading.Thread):
    """A new version of a file made from byte ranges of the old one and new bytes, on a
    thread of its own: the kernel copies the ranges (copy_file_range, no bytes through this
    process) and syncs the file while the caller goes on; `commit` renames it into place.

    `skip`: bytes [0, skip) of the old file were queued already (by whoever started the
    file before the caller knew the rest): `copy` leaves them out."""

    def __init__(self, old: Path, new: Path, staging: Path) -> None:
        super().__init__(name=f"splice-{new.name}", daemon=True)
        self.old = os.open(old, os.O_RDONLY)
        self.new = AtomicFile(new, "wb", staging, buffering=0)  # unbuffered: see flush
        self.ops: queue.SimpleQueue[tuple[str, Any, Any]] = queue.SimpleQueue()
        self.pending = [0, 0]  # [start, end) of the old range waiting to be copied
        self.skip = 0
        self.dirty = False  # bytes queued since the last sync
        self.error: BaseException | None = None
        self.closing = threading.Lock()
        self.start()

    def copy(self, start: int, end: int) -> None:
        """Queue bytes [start, end) of the old file (adjacent ranges merge)."""
        if start < self.skip:
            if end <= self.skip:
                return
            start = self.skip
        if self.pending[1] == start:
            self.pending[1] = end
        else:
            self.flush()
            self.pending = [start, end]

    def flush(self) -> None:
        """Hand the queued range to the thread."""
        if self.pending[1] > self.pending[0]:
            self.ops.put(("copy", self.pending[0], self.pending[1]))
            self.dirty = True
        self.pending = [0, 0]

    def write(self, data: bytes) -> None:
        """Append new bytes."""
        self.flush()
        self.ops.put(("write", data, None))
        self.dirty = True

    def sync(self) -> None:
        """Queue a sync of what is written so far (the final one then has less to write, or
        nothing when nothing was queued since)."""
        self.flush()
        if self.dirty:
            self.ops.put(("sync", None, None))
            self.dirty = False

    def run(self) -> None:
        """Carry out the queued operations until told to sync or stop."""
        fd = self.new.handle.fileno()
        while True:
            op, a, b = self.ops.get()
            if op == "stop":
                return
            if self.error is not None:
                continue  # (the main thread stops at the first error)
            try:
                if op == "copy":
                    start, end = a, b
                    while end > start:
                        done = os.copy_file_range(self.old, fd, end - start, start)
                        if done <= 0:  # a file changed under us: refuse rather than write less
                            raise LoadError("the file changed while it was copied",
                                            path=str(self.new.path), fix="run again")
                        start += done
                elif op == "write":
                    view = memoryview(a)
                    while view:
                        view = view[os.write(fd, view):]
                elif op == "sync":
                    os.fsync(fd)
            except BaseException as err:  # handed to the main thread in `finish`
                self.error = err

    def finish(self) -> None:
        """Wait for every byte to be written and synced; raise what failed."""
        self.sync()
        self.ops.put(("stop", None, None))
        self.join()
        if self.error is not None:
            raise self.error

    def commit(self) -> None:
        """Rename the new file into place (written and synced by `finish`)."""
        self.new.commit(durable=False)

    def abort(self) -> None:
        """Drop the new file (again: nothing more)."""
        if self.is_alive():
            self.ops.put(("stop", None, None))
            self.join()
        if not self.new.handle.closed or self.new.tmp.exists():
            self.new.abort()

    def close_old(self) -> None:
        """Close the old file (freeing its blocks, once replaced, is the kernel's work); once
        only, whichever thread asks (a second close could hit a descriptor opened since)."""
        with self.closing:
            if self.old >= 0:
                os.close(self.old)
                self.old = -1


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
