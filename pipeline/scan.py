"""What changed since the last run, from file metadata alone (the way make, git's index and
Hugo decide "unchanged"): every input's size, mtime and ctime in nanoseconds and inode, in
walk order, kept in a metadata file of the run's state and compared with the files on disk.

A file whose metadata match is taken as unchanged without being opened, unless it is *racy*
(git's "racy clean"): its mtime is not older than the moment the last run started, less the
file system's timestamp granularity, so an edit within the same clock tick as that run could
hide behind equal metadata. Racy and changed files are hashed by the caller; only a changed
hash is processed again.

The metadata file: per file, its root's index, relative path, size, mtime_ns, inode and
ctime_ns, each field ended by a NUL (a file name never holds one). This module is the
reference; the compiled core (`pipeline_core.compare_inputs`) does the same walk and
comparison about five times faster and writes the same bytes, and declines (None) trees whose
names are not UTF-8.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

#: Timestamp granularity assumed for the racy-clean test. Linux stamps files from its coarse
#: clock (one tick, at most 10 ms behind); file systems with whole-second (or FAT's two-second)
#: times show it as an mtime without nanoseconds.
FINE_MARGIN_NS = 20_000_000
COARSE_MARGIN_NS = 2_000_000_000
_FIELDS = 6


@dataclass
class Changes:
    """The outcome of comparing the inputs with the metadata file of the last run."""

    unchanged: int = 0  # metadata matched (and not racy): not opened
    #: (path, rel) of files to hash: new, changed metadata, racy, or all of them with verify;
    #: none listed on a first run (no old file), when every file is new
    candidates: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # rels of the last run that are gone
    count: int = 0  # input files now
    #: The number of the first entry of the old file that may not stay as it was: the entries
    #: before it are the first ones now too, unchanged. None when every entry stays.
    first_touched: int | None = None
    rels_digest: str = ""  # SHA-256 of the relative paths in walk order, each ended by NUL

    def touch(self, at: int) -> None:
        """Note that old entry `at` (or a file inserted before it) may have changed."""
        self.first_touched = at if self.first_touched is None else min(self.first_touched, at)

    @property
    def none(self) -> bool:
        """True when nothing changed by metadata."""
        return not self.candidates and not self.deleted


def racy(mtime_ns: int, seen_at_ns: int | None) -> bool:
    """True when a file with this mtime may have changed within the same clock tick as a run
    that started at `seen_at_ns` (None: no such run to fear, for files this process wrote)."""
    if seen_at_ns is None:
        return False
    margin = COARSE_MARGIN_NS if mtime_ns % 1_000_000_000 == 0 else FINE_MARGIN_NS
    return mtime_ns >= seen_at_ns - margin


def roots_of(inputs: Iterable[Path]) -> list[tuple[str, str]]:
    """(root path, prefix of its relative paths) per input, as InputSet names its files."""
    roots = list(inputs)
    return [(str(root), f"{root.name}/" if len(roots) > 1 and root.is_dir() else "")
            for root in roots]


def _entries(roots: list[tuple[str, str]],
             skip: str | None = None) -> Iterator[tuple[int, str, str]]:
    """(root index, path, rel) of every input, in walk order; `skip` names a file of the
    first level of the roots that is left out."""
    from pipeline.extract import walk_files

    for index, (root, prefix) in enumerate(roots):
        for path, rel in walk_files([Path(root)]):
            if rel != skip:
                yield index, path, prefix + rel


def _stat(path: str) -> tuple[int, int, int, int]:
    """(size, mtime_ns, inode, ctime_ns) of a file; -1 for each when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _line(index: int, rel: str, meta: tuple[int, int, int, int]) -> bytes:
    """One file's entry in the metadata file."""
    return b"%d\0%s\0%d\0%d\0%d\0%d\0" % (index, os.fsencode(rel), *meta)


def read_blocks(handle: IO[bytes], count: int) -> Iterator[list[bytes]]:
    """The entries of a file of NUL-ended fields, `count` fields each, a list of entries per
    block of the file (a megabyte at a time: memory stays flat)."""
    rest: list[bytes] = []
    tail = b""
    while block := handle.read(1 << 20):
        fields = (tail + block).split(b"\0")
        tail = fields.pop()
        rest.extend(fields)
        whole = len(rest) - len(rest) % count
        yield rest[:whole]
        rest = rest[whole:]


def read_meta(handle: IO[bytes]) -> Iterator[tuple[int, str, tuple[int, int, int, int]]]:
    """(root index, rel, (size, mtime_ns, inode, ctime_ns)) of each entry of a metadata file,
    read a block at a time."""
    for fields in read_blocks(handle, _FIELDS):
        for i in range(0, len(fields), _FIELDS):
            f = fields[i:i + _FIELDS]
            yield (int(f[0]), os.fsdecode(f[1]),
                   (int(f[2]), int(f[3]), int(f[4]), int(f[5])))


def update(base: Path, old: Path, new: Path, changed: Iterable[str]) -> None:
    """Write to `new` the metadata file `old` with the entries of `changed` files (relative
    to `base`, in the first root) stat'ed again, or dropped where they are gone: for an
    output folder where a run rewrote a few files (the check of `unchanged` stats by name, in
    any order)."""
    redo = sorted({os.fsencode(rel) for rel in changed})
    data = old.read_bytes()
    cuts: list[tuple[int, int]] = []
    for rel in redo:
        # An entry of the first root is `0 NUL rel NUL` and four numbers, after the previous
        # entry's last NUL; a path with a character other than a digit cannot be a number.
        if rel.isdigit():
            return _update_slowly(base, data, new, redo)
        at = 0 if data.startswith(b"0\0" + rel + b"\0") else \
            data.find(b"\x000\x00" + rel + b"\x00") + 1
        if at == 0 and not data.startswith(b"0\0" + rel + b"\0"):
            continue  # (not recorded: a new file)
        end = at
        for _ in range(_FIELDS):
            end = data.index(b"\0", end) + 1
        cuts.append((at, end))
    kept: list[bytes] = []
    start = 0
    for at, end in sorted(cuts):
        kept.append(data[start:at])
        start = end
    kept.append(data[start:])
    _append_stats(base, kept, redo)
    with open(new, "wb") as out:
        out.write(b"".join(kept))


def _update_slowly(base: Path, data: bytes, new: Path, redo: list[bytes]) -> None:
    """`update`, entry by entry."""
    fields = data.split(b"\0")
    fields.pop()
    drop = set(redo)
    kept = [b"\0".join(fields[i:i + _FIELDS]) + b"\0" for i in range(0, len(fields), _FIELDS)
            if fields[i + 1] not in drop]
    _append_stats(base, kept, redo)
    with open(new, "wb") as out:
        out.write(b"".join(kept))


def _append_stats(base: Path, kept: list[bytes], redo: list[bytes]) -> None:
    """The entries of the files that exist among `redo`, stat'ed now."""
    for rel in redo:
        meta = _stat(os.path.join(base, os.fsdecode(rel)))
        if meta[0] >= 0:
            kept.append(_line(0, os.fsdecode(rel), meta))


def read_rels(path: Path) -> Iterator[bytes]:
    """The relative paths of a metadata file, as bytes, read a block at a time."""
    with open(path, "rb") as handle:
        for fields in read_blocks(handle, _FIELDS):
            yield from fields[1::_FIELDS]


def walk_key(index: int, rel: str) -> tuple[int, list[str]]:
    """The position of an input in walk order: its root, then its path's components (a
    folder's files come before a sibling named like the folder plus a suffix)."""
    return (index, rel.split("/"))


def utf8(text: str) -> bool:
    """True when a str is valid UTF-8 text (a file name read with surrogate escapes for
    undecodable bytes is not)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def core_disabled() -> bool:
    """True when PIPELINE_CORE asks for the Python implementation alone."""
    return os.environ.get("PIPELINE_CORE", "1").strip().lower() in ("0", "false", "no", "off")


def load_core() -> Any:
    """The compiled core's module, or None where it is not installed."""
    # The core's allocator (mimalloc) keeps freed memory for 10 ms by default; with batches of
    # pages coming and going, that made the peak memory of a run swing by 40 MB from one run
    # to the next. Returned after 1 ms: the same speed, a steady peak. (Read once, when the
    # core loads.)
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "1")
    try:  # the core is its own distribution: a machine without Rust runs without it
        import pipeline_core
    except ImportError:  # pragma: no cover - exercised by the PIPELINE_CORE=0 runs instead
        return None
    return pipeline_core


def _compiled(name: str) -> Any:
    """The compiled core's function `name`, when the core is installed and not disabled.
    (Loaded here rather than through pipeline.core, whose imports a rerun with nothing to do
    should not pay for; the scan does not depend on the reference the core was built from.)"""
    if core_disabled():
        return None
    return getattr(load_core(), name, None)


def unchanged(base: Path, meta: Path) -> bool:
    """True when every file listed in a metadata file (written by `compare` for an output
    folder) still has its recorded size, times and inode: each stat'ed by name, no listing
    (files added since do not matter). On the compiled core where it can, else here."""
    fast = _compiled("outputs_unchanged")
    if fast is not None:
        found = fast(str(base), str(meta))
        if found is not None:
            return bool(found)
    try:
        with open(meta, "rb") as handle:
            return all(recorded[0] >= 0 and _stat(os.path.join(base, rel)) == recorded
                       for _index, rel, recorded in read_meta(handle))
    except OSError:
        return False


def compare(roots: list[tuple[str, str]], old: Path | None, new: Path, seen_at_ns: int | None,
            verify: bool = False, skip: str | None = None) -> Changes:
    """Walk the inputs, write their metadata to `new`, and compare them with `old` (the last
    run's file; None on a first run, when every file is a candidate): on the compiled core
    where it can, else here."""
    fast = _compiled("compare_inputs")
    if fast is not None:
        found = fast([(root, prefix) for root, prefix in roots],
                     None if old is None else str(old), str(new), seen_at_ns, verify, skip)
        if found is not None:
            unchanged, candidates, deleted, count, first, rels = found
            return Changes(unchanged, candidates, deleted, count, first, rels)
    return compare_python(roots, old, new, seen_at_ns, verify, skip)


def compare_python(roots: list[tuple[str, str]], old: Path | None, new: Path,
                   seen_at_ns: int | None, verify: bool = False,
                   skip: str | None = None) -> Changes:
    """`compare`, the reference: a streaming merge of the walk with the old metadata file,
    both in walk order."""
    changes = Changes()
    rels = hashlib.sha256()
    new.parent.mkdir(parents=True, exist_ok=True)
    with open(new, "wb") as out, \
            (open(old, "rb") if old is not None and old.exists() else open(os.devnull, "rb")) \
            as before:
        previous = enumerate(read_meta(before))
        last = next(previous, None)
        read = 0 if last is None else 1  # old entries read so far
        buffer: list[bytes] = []
        for index, path, rel in _entries(roots, skip):
            meta = _stat(path)
            buffer.append(_line(index, rel, meta))
            if len(buffer) >= 4096:
                out.write(b"".join(buffer))
                buffer.clear()
            changes.count += 1
            rels.update(os.fsencode(rel) + b"\0")
            key = walk_key(index, rel)
            # Entries of the old file before this one are files that are gone.
            while last is not None and walk_key(last[1][0], last[1][1]) < key:
                changes.deleted.append(last[1][1])
                changes.touch(last[0])
                last = next(previous, None)
                read += last is not None
            # The old entry this file is, or is inserted before (past the end: their count).
            at = last[0] if last is not None else read
            if last is not None and (last[1][0], last[1][1]) == (index, rel):
                same = last[1][2] == meta and meta[0] >= 0
                last = next(previous, None)
                read += last is not None
                if same and not verify and not racy(meta[1], seen_at_ns):
                    changes.unchanged += 1
                    continue
            changes.touch(at)
            if old is not None:
                changes.candidates.append((path, rel))
        while last is not None:
            changes.deleted.append(last[1][1])
            changes.touch(last[0])
            last = next(previous, None)
        out.write(b"".join(buffer))
    changes.rels_digest = rels.hexdigest()
    return changes
