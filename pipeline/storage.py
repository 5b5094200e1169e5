"""Storage: inputs and outputs as local paths or fsspec URLs (`s3://bucket/prefix/`, ...).

Local paths keep the local walk (pipeline.extract), so a folder lists in the same order
whatever the engine. A URL goes through fsspec; S3 through s3fs, with the credentials,
endpoint and region from the usual AWS places (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_ENDPOINT_URL, AWS_REGION, or the AWS config files). Small objects are slow one at a time
(a round trip each), so reads and writes of many go through fsspec's batched, concurrent calls.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.errors import ConfigError, PipelineError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

#: Objects per batched call (fsspec's gather batch): enough to hide the round trips, few
#: enough to keep a partition's bytes in flight bounded.
BATCH = 256


class StorageError(PipelineError):
    """Storage refused a request or could not be reached."""

    kind = "storage"


def is_url(text: str | Path) -> bool:
    """True for `scheme://...` (an fsspec URL), False for a local path."""
    return isinstance(text, str) and bool(_URL.match(text))


def storage_options(protocol: str) -> dict[str, Any]:
    """Options for a protocol's file system, from the environment (never logged)."""
    if protocol not in ("s3", "s3a"):
        return {}
    client: dict[str, Any] = {}
    # (s3fs reads the keys and config files through botocore; the endpoint and region are
    # passed on explicitly, as not every botocore version reads them from the environment.)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        client["endpoint_url"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        client["region_name"] = region
    return {"client_kwargs": client} if client else {}


@dataclass(frozen=True)
class Store:
    """A folder: a local one, or a prefix in an fsspec file system."""

    url: str  # as the user gave it (for messages: never holds a secret)
    protocol: str  # "file" for local folders
    root: str  # the folder in the file system's own terms, without a trailing slash

    @property
    def local(self) -> bool:
        """True for a folder on this machine's file system."""
        return self.protocol == "file"

    @property
    def fs(self) -> Any:
        """The fsspec file system (instances are cached by fsspec, one per options)."""
        import fsspec

        return fsspec.filesystem(self.protocol, **storage_options(self.protocol))

    def path(self, rel: str) -> str:
        """The full path of `rel` inside this folder, in the file system's terms."""
        return f"{self.root}/{rel}" if rel else self.root

    def url_of(self, rel: str) -> str:
        """A URL (or local path) for `rel` inside this folder."""
        if self.local:
            return self.path(rel)
        return f"{self.protocol}://{self.path(rel)}"

    def put_many(self, files: dict[str, bytes]) -> None:
        """Write whole files (relative path -> bytes), each atomically: a local file renamed
        into place, an object in one put; many at once on object storage."""
        if not files:
            return
        items = list(files.items())
        if self.local:
            _put_local(self.root, items)
            return
        for start in range(0, len(items), BATCH):
            batch = {self.path(rel): data for rel, data in items[start:start + BATCH]}
            guard(self, lambda: self.fs.pipe(batch))

    def get(self, rel: str) -> bytes:
        """The bytes of one file of this folder."""
        if self.local:
            return Path(self.path(rel)).read_bytes()
        data: bytes = guard(self, lambda: self.fs.cat_file(self.path(rel)))
        return data

    def remove(self, rels: Iterable[str]) -> None:
        """Delete files of this folder (missing ones are fine)."""
        paths = [self.path(rel) for rel in rels]
        if not paths:
            return
        if self.local:
            for path in paths:
                Path(path).unlink(missing_ok=True)
            return
        fs = self.fs
        try:
            guard(self, lambda: fs.rm(paths))
        except FileNotFoundError:
            for path in paths:  # (some file systems refuse a batch holding a missing file)
                if guard(self, lambda: fs.exists(path)):
                    guard(self, lambda: fs.rm_file(path))

    def list_files(self, rel: str) -> list[str]:
        """The files under a subfolder, relative to this folder, sorted (none if missing)."""
        base = self.path(rel)
        if self.local:
            cut = len(self.root) + 1
            return sorted(os.path.join(folder, name)[cut:]
                          for folder, _, names in os.walk(base) for name in names)
        found = guard(self, lambda: self.fs.find(base))
        return sorted(p[len(self.root) + 1:] for p in found)


def _put_local(root: str, items: list[tuple[str, bytes]]) -> None:
    """Write files under a local folder, each staged and renamed into place (a killed run
    leaves whole files only), each folder made once. (Threads were tried: creating the
    files is the file system's work, and measured no faster.)"""
    from pipeline.atomic import stage

    staging = Path(root, ".pipeline", "tmp")
    made: set[str] = set()
    for rel, data in items:
        target = os.path.join(root, rel)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        os.replace(stage(staging, os.path.basename(rel), data), target)


def open_store(location: str | Path) -> Store:
    """The folder a local path or URL names."""
    text = str(location)
    if not is_url(text):
        return Store(text, "file", os.path.abspath(text))
    import fsspec

    protocol = text.split("://", 1)[0]
    try:
        cls = fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as err:
        raise ConfigError(f"no storage for {protocol}:// ({err})", path=text,
                          fix="install the fsspec implementation for it (s3://: s3fs)") from None
    root = cls._strip_protocol(text).rstrip("/")
    if protocol == "file" or protocol == "local":
        return Store(text, "file", root)
    return Store(text, protocol, root)


def guard(store: Store, call: Any) -> Any:
    """Run a storage call; refused credentials and unreachable servers become one line."""
    try:
        return call()
    except (PipelineError, FileNotFoundError):
        raise
    except Exception as err:  # noqa: BLE001 - botocore, aiohttp and fsspec have many kinds
        raise translate(store, err) from None


def translate(store: Store, err: Exception) -> Exception:
    """A storage error as the pipeline's: a refused credential (one line, exit 2) or an
    unreachable server; any other as it is."""
    name = type(err).__name__
    if isinstance(err, PermissionError) or "Credentials" in name or name == "ClientError":
        return ConfigError(f"storage refused the request: {_reason(err)}", path=store.url,
                           fix=_CREDENTIALS_FIX)
    if isinstance(err, OSError) or "Connect" in name or "Endpoint" in name:
        return StorageError(f"storage unreachable: {_reason(err)}", path=store.url,
                            fix="check AWS_ENDPOINT_URL and the network")
    return err


_CREDENTIALS_FIX = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for "
                    "an S3-compatible server), or the AWS config files")


def _reason(err: BaseException) -> str:
    """A storage error's message on one line, without request ids or signatures."""
    text = " ".join(str(err).split()) or type(err).__name__
    # botocore quotes the operation and the server's code; keep that, drop the rest.
    match = re.search(r"\(([A-Za-z]+)\) when calling the (\w+) operation", text)
    if match:
        return f"{match.group(1)} ({match.group(2)})"
    return text[:200]


@dataclass(frozen=True, slots=True)
class Item:
    """One input: where to read it, its path relative to its input, its size if known."""

    source: str
    rel: str
    size: int = -1


def list_inputs(inputs: Iterable[str | Path]) -> Iterator[Item]:
    """The input files, in the order of a local run (pipeline.run.InputSet): each input in
    turn, a folder depth-first with entries in name order, hidden ones skipped; with several
    inputs each folder's files start with the folder's name."""
    roots = [str(i) for i in inputs]
    several = len(roots) > 1
    for root in roots:
        if not is_url(root):
            from pipeline.extract import walk_files

            # Absolute: the workers of a cluster do not share this process's folder.
            path = Path(os.path.abspath(root))
            if not path.exists():
                raise ConfigError("no such file or folder", path=root,
                                  fix="check the INPUT argument")
            prefix = f"{path.name}/" if several and path.is_dir() else ""
            for source, rel in walk_files([path]):
                yield Item(source, prefix + rel)
            continue
        yield from _list_remote(open_store(root), several)


def _list_remote(store: Store, several: bool) -> Iterator[Item]:
    """The objects under a URL, sorted as the local walk sorts a folder."""
    fs = store.fs
    info = guard(store, lambda: _info(fs, store.root))
    if info is not None and info.get("type") == "file":
        yield Item(store.url_of(""), store.root.rsplit("/", 1)[-1], int(info.get("size") or 0))
        return
    # (s3fs lists a prefix a page of 1,000 keys at a time; `find` follows every page.)
    found = guard(store, lambda: fs.find(store.root, detail=True))
    if not found and info is None:
        raise ConfigError("no such file or folder", path=store.url,
                          fix="check the INPUT argument (bucket and prefix)")
    name = store.root.rsplit("/", 1)[-1]
    prefix = f"{name}/" if several else ""
    cut = len(store.root) + 1
    entries = []
    for path, meta in found.items():
        if meta.get("type", "file") != "file":
            continue
        rel = path[cut:]
        parts = rel.split("/")
        if any(part.startswith(".") for part in parts) or not rel:
            continue
        entries.append((parts, rel, int(meta.get("size") or 0)))
    # Segment by segment: the local walk visits a folder's entries in name order, so `a/x`
    # comes before `a-b/x` although `-` sorts before `/` in the keys' flat order.
    entries.sort(key=lambda entry: entry[0])
    for _, rel, size in entries:
        yield Item(f"{store.protocol}://{store.root}/{rel}", prefix + rel, size)


def _info(fs: Any, path: str) -> dict[str, Any] | None:
    """A path's info, or None when nothing is there."""
    try:
        info: dict[str, Any] = fs.info(path)
        return info
    except FileNotFoundError:
        return None


def fetch(items: list[Item], folder: str, max_bytes: int) -> list[tuple[str, str]]:
    """Make every input a local file (a copy in `folder` for a remote one); (path, rel) pairs
    in order. An object over `max_bytes` is not downloaded: a sparse file of its size stands
    in, which the per-file work refuses as a local run does. One that cannot be read is
    left out of the folder, and the per-file work reports it unreadable."""
    out: list[tuple[str, str]] = []
    wanted: dict[str, str] = {}
    for index, item in enumerate(items):
        if not is_url(item.source):
            out.append((item.source, item.rel))
            continue
        local = os.path.join(folder, f"{index:06d}")
        out.append((local, item.rel))
        if item.size > max_bytes:
            with open(local, "wb") as handle:
                handle.truncate(item.size)
            continue
        wanted[item.source] = local
    if wanted:
        store = open_store(next(iter(wanted)))
        fs = store.fs
        sources = list(wanted)
        for start in range(0, len(sources), BATCH):
            batch = [fs._strip_protocol(s) for s in sources[start:start + BATCH]]
            found = guard(store, lambda: fs.cat(batch, on_error="return"))
            for source, path in zip(sources[start:start + BATCH], batch):
                data = found.get(path)
                if isinstance(data, bytes):
                    with open(wanted[source], "wb") as handle:
                        handle.write(data)
                elif isinstance(data, PermissionError):
                    raise translate(store, data) from None
    return out
