"""Extract: file bytes -> RawDocument (front matter, body, encoding facts) or a typed error."""

from __future__ import annotations

import codecs
import hashlib
import heapq
import os
from pathlib import Path
from typing import IO, Iterable, Iterator

from pipeline.defaults import DEFAULT_MAX_BYTES
from pipeline.errors import EncodingError, ExtractError, FileTooLargeError, FrontMatterError
from pipeline.record import RawDocument, Rejection

__all__ = ["HANDLERS", "DEFAULT_MAX_BYTES", "decode", "parse_document", "read_bytes", "read_document",
           "extract", "discover", "walk_files", "count_files"]

#: Files larger than this are refused before being read whole (override with --max-bytes).

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, path: str) -> tuple[str, str, bool]:
    """Decode bytes to text; return (text, encoding, had_bom). Only Unicode is accepted.

    Without a BOM the text must be UTF-8: guessing a legacy code page silently would risk
    mojibake in the output, so such a file is rejected with the byte offset to look at.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding, True
            except UnicodeDecodeError as err:
                raise EncodingError(f"not valid {encoding} after its BOM at byte {err.start}",
                                    path=path, fix="re-save the file as UTF-8") from err
    if b"\x00" in data[:8192]:
        raise EncodingError("binary file (NUL bytes), not text", path=path,
                            fix="remove it from the input or convert it to UTF-8 text")
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise EncodingError(
            f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})",
            path=path, line=line, fix="re-save the file as UTF-8",
        ) from err


def parse_document(data: bytes, path: str, sha256: str | None = None) -> RawDocument:
    """Parse one file's bytes into a RawDocument; a pure function of its arguments.

    `sha256` may be passed when the caller has hashed the bytes already.
    """
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    text, encoding, bom = decode(data, path)
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    if crlf:
        text = text.replace("\r\n", "\n")
    from pipeline.extract.frontmatter import split  # (see __getattr__)

    try:
        found = split(text)
        if found is None:
            return RawDocument(path=path, sha256=sha256, front_matter=None, fm_format=None,
                               body=text, body_line=1, encoding=encoding, bom=bom,
                               newline=newline)
        handler, block = found
        value, key_lines, parser = handler.parse(block.text, block.text_line)
    except ExtractError as err:
        err.path = path
        raise
    if value is None:
        value = {}  # an empty or comment-only block: front matter present but empty
    if not isinstance(value, dict):
        raise FrontMatterError(
            f"front matter is a {_type_name(value)}, not a mapping of keys to values",
            path=path, line=block.text_line, fix="write the front matter as `key: value` lines",
        )
    return RawDocument(path=path, sha256=sha256, front_matter=value, fm_format=handler.name,
                       body=block.body, body_line=block.body_line, key_lines=key_lines,
                       encoding=encoding, bom=bom, newline=newline, parser=parser)


def __getattr__(name: str) -> object:
    """`HANDLERS`, imported on first use: the front-matter parsers (PyYAML, yaml-rs, tomllib)
    are only needed where Python reads a file, which a run the compiled core serves may never
    do."""
    if name == "HANDLERS":
        from pipeline.extract.frontmatter import HANDLERS

        return HANDLERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _type_name(value: object) -> str:
    """Name a parsed value's type the way a YAML user would."""
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def read_bytes(path: str | Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read one file, refusing it before reading if it is larger than `max_bytes`."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size > max_bytes:
                raise FileTooLargeError(f"file is {size} bytes, over the limit of {max_bytes}",
                                        path=rel, fix="raise --max-bytes if the file is genuine")
            # Ask for the size the file has (plus one byte, to notice growth): asking for
            # max_bytes would allocate and free a 10 MiB buffer per file.
            data = os.read(fd, size + 1)
            while len(data) <= size:  # a short read: keep going until EOF
                more = os.read(fd, size + 1 - len(data))
                if not more:
                    break
                data += more
        finally:
            os.close(fd)
    except OSError as err:
        raise ExtractError(f"cannot read file: {err.strerror}", path=rel) from err
    if len(data) > max_bytes:  # the file grew after fstat
        raise FileTooLargeError(f"file is over the limit of {max_bytes} bytes", path=rel)
    return data


def read_document(path: str | Path, rel: str,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read and parse one file."""
    return parse_document(read_bytes(path, rel, max_bytes), rel)


#: A folder listing longer than this is sorted in runs spilled to a temporary file and merged,
#: so that memory stays flat however many files one folder holds (200,000 entries held as
#: tuples of Python strings cost about 50 MB, a third of the run's peak).
LISTING_RUN = 16384


def _sorted_entries(folder: Path) -> Iterator[tuple[str, bool]]:
    """Yield (name, is_dir) of a folder's non-hidden entries in name order, in bounded memory.

    Hand-written external merge sort: a directory cannot be listed in sorted order, and no
    library in the dependencies sorts a stream in bounded memory.
    """
    runs: list[IO[bytes]] = []
    chunk: list[tuple[str, bool]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                chunk.append((entry.name, entry.is_dir(follow_symlinks=False)))
                if len(chunk) >= LISTING_RUN:
                    runs.append(_spill(chunk))
                    chunk = []
        if not runs:
            yield from sorted(chunk)
            return
        if chunk:
            runs.append(_spill(chunk))
            chunk = []
        yield from heapq.merge(*(_read_run(run) for run in runs))
    finally:
        for run in runs:
            run.close()


def _spill(chunk: list[tuple[str, bool]]) -> IO[bytes]:
    """Write one sorted run: `d` or `f`, the name, NUL (a file name never holds a NUL)."""
    import tempfile  # (only folders of more than LISTING_RUN entries need it)

    run = tempfile.TemporaryFile()
    for name, is_dir in sorted(chunk):
        run.write(b"d" if is_dir else b"f")
        run.write(os.fsencode(name))
        run.write(b"\0")
    run.seek(0)
    return run


def _read_run(run: IO[bytes]) -> Iterator[tuple[str, bool]]:
    """Read back a run written by _spill, a buffer at a time."""
    rest = b""
    # A small block: with many runs merged at once their buffers add up (and a run over
    # 200,000 files merges thirteen).
    while block := run.read(8192):
        items = (rest + block).split(b"\0")
        rest = items.pop()
        for item in items:
            yield os.fsdecode(item[1:]), item[:1] == b"d"


def _walk(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
    """Yield the files under `folder` depth-first, entries in name order, hidden ones skipped.
    (Paths are strings: a Path object per file cost more than listing the folder.)"""
    join = os.path.join
    for name, is_dir in _sorted_entries(Path(folder)):
        if is_dir:
            yield from _walk(join(folder, name), f"{prefix}{name}/")
        else:
            yield join(folder, name), f"{prefix}{name}"


def count_files(inputs: Iterable[Path]) -> int:
    """How many files `discover` yields for these inputs (a walk without sorting)."""
    def walk(folder: str) -> int:
        total = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    total += walk(entry.path)
                else:
                    total += 1
        return total

    return sum(1 if root.is_file() else walk(str(root)) if root.is_dir() else 0
               for root in inputs)


def discover(inputs: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """Yield (path, relative path) for every file under the inputs, in a stable order.

    Streaming: one folder listing is held at a time, never the whole tree. Entries are taken
    in name order, folders depth-first, so the order (and so the output) is deterministic.
    Hidden files and folders (name starting with `.`) are skipped. A file given directly is
    relative to its own folder.
    """
    for path, rel in walk_files(inputs):
        yield Path(path), rel


def walk_files(inputs: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """`discover`, with paths as strings (a run lists tens of thousands of files)."""
    for root in inputs:
        if root.is_file():
            yield str(root), root.name
            continue
        if not root.is_dir():
            raise ExtractError("no such file or folder", path=str(root),
                               fix="check the INPUT argument")
        yield from _walk(str(root), "")


def extract(files: Iterable[tuple[str | Path, str]],
            max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawDocument | Rejection]:
    """Stage: (path, relative path) pairs -> RawDocument, or a Rejection for a bad file."""
    for path, rel in files:
        try:
            yield read_document(path, rel, max_bytes)
        except ExtractError as err:
            yield Rejection.from_error(err, rel)
