"""The run manifest in `<out>/.pipeline/`: cached per-file outcomes and the pages written.

SQLite (standard library) rather than a JSON manifest because it is crash-safe on its own
(journal), answers one lookup at a time without loading the manifest whole (memory stays flat at
any corpus size), and lets pool processes read while the main process writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from pipeline.defaults import code_digest
from pipeline.record import Outcome, Record, Rejection, Warning_, record_json

STATE_DIR = ".pipeline"
#: Bumped whenever a table changes shape: a manifest of another layout is simply not read.
LAYOUT = 3
DB_NAME = f"state-v{LAYOUT}.sqlite"
_COMMIT_EVERY = 2.0  # seconds between commits: a kill loses at most this much finished work
#: Page cache of each database, in KiB. SQLite's default (2 MiB each) fills as the databases
#: grow, so a run over 200,000 files held 6 MiB more than one over 20,000; the operating
#: system's file cache serves the rest as fast.
CACHE_KIB = 512

_MANIFEST_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, outcome TEXT NOT NULL);
"""
# One database per target. A row is kept small, because every page of a run writes one: the
# name is the lower-case page path and `rel` is NULL where the path is lower case already, the
# digest is the 32 bytes of the SHA-256, the run its start in nanoseconds; the table is its own
# index (WITHOUT ROWID).
_PAGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    name TEXT PRIMARY KEY, rel TEXT, digest BLOB NOT NULL, size INTEGER NOT NULL,
    run INTEGER NOT NULL) WITHOUT ROWID;
"""


def state_dir(out_dir: Path) -> Path:
    """The folder that holds the manifest and the staging area."""
    return out_dir / STATE_DIR


def staging_dir(out_dir: Path) -> Path:
    """Where output files are written before being renamed into place."""
    return out_dir / STATE_DIR / "tmp"


def clear_staging(out_dir: Path) -> None:
    """Remove temporary files a killed run left behind."""
    shutil.rmtree(staging_dir(out_dir), ignore_errors=True)


def prune_staging(out_dir: Path) -> None:
    """Remove the pool processes' staging folders that a run left empty."""
    try:
        folders = [entry.path for entry in os.scandir(staging_dir(out_dir)) if entry.is_dir()]
    except OSError:
        return
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            pass  # not empty: a file a later run's clear_staging removes


def config_key(profile_data: dict[str, Any], **options: Any) -> str:
    """The key under which per-file outcomes stay valid: code, profile and record options."""
    blob = json.dumps({"code": code_digest(), "profile": profile_data, "options": options},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _connect(path: Path, readonly: bool = False,
             schema: str = _MANIFEST_SCHEMA) -> sqlite3.Connection:
    """Open a state database (the manifest, or a target's page index with `_PAGES_SCHEMA`)."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        conn.executescript(schema)
    return conn


#: What the manifest keeps for a record the compiled core produced: that these bytes migrated
#: under this configuration. The core recomputes the record faster than SQLite stores and reads
#: it back (about 5 KB per record: storing them cost more than the whole per-file work), so a
#: rerun counts the input as unchanged and takes the core's result again; the Python
#: implementation treats the marker as a miss and recomputes.
CORE_MARK = b'{"core":1}'


def encode_outcome(outcome: Outcome, data_json: bytes | None = None) -> bytes:
    """Serialise a Record or Rejection for the cache, as UTF-8 JSON.

    `data_json` is record_json(outcome.data) when the caller has it already: the record's
    data is then serialised once for both the manifest and the JSONL line.
    """
    if isinstance(outcome, Rejection):
        return record_json({"rejection": outcome.as_dict()})
    head = record_json({"shape": outcome.shape,
                        "warnings": [w.as_dict() for w in outcome.warnings],
                        "parser": outcome.parser})
    data = data_json if data_json is not None else record_json(outcome.data)
    return head[:-1] + b',"data":' + data + b"}"


def decode_outcome(text: bytes | str) -> Outcome:
    """Rebuild a Record or Rejection from the cache."""
    value = json.loads(text)
    if "rejection" in value:
        item = value["rejection"]
        return Rejection(path=item["path"], reason=item["reason"], line=item["line"],
                         field=item["field"], kind=item["kind"])
    return Record(value["shape"], value["data"],
                  tuple(Warning_(**w) for w in value["warnings"]), value.get("parser", ""))


class _Batched:
    """A table of the state database written in batches of rows keyed by name, committed every
    _COMMIT_EVERY seconds, so that a killed run keeps most of its work."""

    #: The statement that writes one row.
    insert: str = ""

    #: The tables of the database.
    schema: str = _MANIFEST_SCHEMA

    def __init__(self, path: Path) -> None:
        self.conn = _connect(path, schema=self.schema)
        self._pending: dict[str, tuple[Any, ...]] = {}  # rows not inserted yet, by key
        self._last_commit = time.monotonic()

    def _add(self, key: str, row: tuple[Any, ...]) -> None:
        """Buffer one row (the last one for a key wins, as INSERT OR REPLACE would)."""
        self._pending[key] = row
        if len(self._pending) >= 256:
            self._flush()
        self.maybe_commit()

    def _add_many(self, rows: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        """Buffer (key, row) pairs, as `_add` does one."""
        self._pending.update(rows)
        if len(self._pending) >= 256:
            self._flush()
        self.maybe_commit()

    def _flush(self) -> None:
        """Insert the buffered rows."""
        if self._pending:
            self.conn.executemany(self.insert, list(self._pending.values()))
            self._pending.clear()

    def maybe_commit(self) -> None:
        """Commit if some time has passed since the last commit."""
        now = time.monotonic()
        if now - self._last_commit >= _COMMIT_EVERY:
            self.commit()
            self._last_commit = now

    def commit(self) -> None:
        """Write everything buffered and commit (readers see only committed rows)."""
        self._flush()
        self.conn.commit()

    def close(self) -> None:
        """Commit and close."""
        self.commit()
        self.conn.close()


class Manifest(_Batched):
    """The writable manifest of one output folder (main process only)."""

    insert = "INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?)"

    def __init__(self, out_dir: Path, key: str) -> None:
        self.path = state_dir(out_dir) / DB_NAME
        super().__init__(self.path)
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        if row is None or row[0] != key:
            # Another profile, option or code version: no cached outcome can be trusted.
            self.conn.execute("DELETE FROM outcomes")
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (key,))
        self.conn.commit()

    def empty(self) -> bool:
        """True when no earlier run left an outcome (nothing to look up)."""
        return self.conn.execute("SELECT 1 FROM outcomes LIMIT 1").fetchone() is None

    def lookup(self, path: str, sha256: str) -> bytes | None:
        """Return the cached outcome of an input with these exact bytes, if any."""
        row = self.conn.execute("SELECT outcome FROM outcomes WHERE path = ? AND sha256 = ?",
                                (path, sha256)).fetchone()
        return row[0] if row else None

    def outcome(self, path: str, sha256: str) -> bytes | None:
        """Return the cached outcome of an input with these exact bytes, if one is stored
        (a compiled-core marker is not an outcome)."""
        found = self.lookup(path, sha256)
        return None if found == CORE_MARK else found

    def store(self, path: str, sha256: str, outcome: bytes) -> None:
        """Remember the outcome of one input (written in batches)."""
        self._add(path, (path, sha256, outcome))

    def store_core(self, paths: Sequence[str], shas: Sequence[str], look_up: bool) -> int:
        """Remember that the compiled core migrated these inputs (`CORE_MARK`); with
        `look_up`, inputs whose bytes the manifest knows already are left as they are.
        Returns how many were known (unchanged since the last run)."""
        known: set[int] = set()
        if look_up:
            found: dict[str, str] = {}
            for start in range(0, len(paths), 500):
                part = paths[start:start + 500]
                found.update(self.conn.execute(
                    f"SELECT path, sha256 FROM outcomes WHERE path IN ({','.join('?' * len(part))})",
                    part).fetchall())
            known = {i for i, (path, sha) in enumerate(zip(paths, shas)) if found.get(path) == sha}
        self._add_many((path, (path, sha, CORE_MARK))
                       for i, (path, sha) in enumerate(zip(paths, shas)) if i not in known)
        return len(known)


class CacheReader:
    """Read-only access to cached outcomes, for pool processes."""

    def __init__(self, db_path: Path) -> None:
        self.conn = _connect(db_path, readonly=True) if db_path.exists() else None

    def lookup(self, path: str, sha256: str) -> bytes | None:
        """Return the cached outcome of an input with these exact bytes, if any (a
        compiled-core marker is not an outcome)."""
        if self.conn is None:
            return None
        try:
            row = self.conn.execute(
                "SELECT outcome FROM outcomes WHERE path = ? AND sha256 = ?",
                (path, sha256)).fetchone()
        except sqlite3.Error:
            return None  # a cache we cannot read only costs speed
        return row[0] if row and row[0] != CORE_MARK else None


def _page_row(rel: str, digest: str, size: int, run: int) -> tuple[Any, ...]:
    """A page index row: (name, rel or NULL, digest bytes, size, run)."""
    name = rel.lower()
    return (name, None if rel == name else rel, bytes.fromhex(digest), size, run)


def _page_fields(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """(run, rel, hex digest, size) of a page index row (name, rel, digest, size, run)."""
    name, rel, digest, size, run = row
    return (run, name if rel is None else rel, digest.hex(), size)


class PageReader:
    """Read-only look-ups in a target's page index, for pool processes."""

    def __init__(self, out_dir: Path, target: str) -> None:
        path = state_dir(out_dir) / f"pages-v{LAYOUT}-{target}.sqlite"
        self.target = target
        self.conn = _connect(path, readonly=True) if path.exists() else None

    def digest(self, rel: str) -> str | None:
        """The digest recorded for a page name, if any."""
        if self.conn is None:
            return None
        try:
            row = self.conn.execute("SELECT digest FROM pages WHERE name = ?",
                                    (rel.lower(),)).fetchone()
        except sqlite3.Error:
            return None  # only costs a staged file the main process then drops
        return row[0].hex() if row else None


class PageIndex(_Batched):
    """Which pages a Markdown target holds, so unchanged pages are not rewritten."""

    insert = "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)"
    schema = _PAGES_SCHEMA
    _COLUMNS = "name, rel, digest, size, run"

    def __init__(self, out_dir: Path, target: str) -> None:
        # A database of its own: the outcome manifest keeps a write transaction open between
        # commits, and SQLite allows one writer per database.
        super().__init__(state_dir(out_dir) / f"pages-v{LAYOUT}-{target}.sqlite")
        self._claimed: tuple[str | None, Any] = (None, None)  # last claim: (name, its row)
        self.target = target
        self.run = time.time_ns()
        #: False on a first run into the folder: no page can be stale then.
        self._earlier = not self.empty()

    def _row(self, name: str) -> tuple[Any, ...] | None:
        """(run, rel, digest, size) of a lower-case name, pending rows included."""
        pending = self._pending.get(name)
        if pending is None:
            pending = self.conn.execute(f"SELECT {self._COLUMNS} FROM pages WHERE name = ?",
                                        (name,)).fetchone()
        return _page_fields(pending) if pending is not None else None

    def claim(self, rel: str) -> bool:
        """Return False if another page of this run already took this name (any case)."""
        row = self._row(rel.lower())
        self._claimed = (rel, row)  # what `unchanged` needs, without a second query
        return row is None or row[0] != self.run

    def unchanged(self, rel: str, digest: str) -> int | None:
        """Return the page's size in bytes when it was written from the same content before."""
        row = self._claimed[1] if self._claimed[0] == rel else self._row(rel.lower())
        return row[3] if row is not None and row[1] == rel and row[2] == digest else None

    def rows(self, names: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """(run, rel, digest, size) of each of these lower-case names the index holds,
        pending rows included."""
        found: dict[str, tuple[Any, ...]] = {}
        missing = [n for n in dict.fromkeys(names) if n not in self._pending]
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            for row in self.conn.execute(
                    f"SELECT {self._COLUMNS} FROM pages WHERE name IN "
                    f"({','.join('?' * len(part))})", part):
                found[row[0]] = _page_fields(row)
        for name in names:
            pending = self._pending.get(name)
            if pending is not None:
                found[name] = _page_fields(pending)
        return found

    def claim_new(self, pages: Sequence[tuple[str, str, int]]) -> bool:
        """Claim and mark (rel, digest, size) pages at once when none of their names (any
        case) is in the index yet, from this run or an earlier one; else change nothing and
        return False. One statement for a span of pages on a first run."""
        self._flush()  # rows of earlier pages of this run must be seen
        rows = [_page_row(rel, digest, size, self.run) for rel, digest, size in pages]
        if len({row[0] for row in rows}) != len(rows):
            return False
        before = self.conn.total_changes
        if not self.conn.in_transaction:
            # (Else the savepoint would open the transaction and its release commit it: a
            # commit per span instead of one every _COMMIT_EVERY seconds.)
            self.conn.execute("BEGIN")
        self.conn.execute("SAVEPOINT claim")
        self.conn.executemany("INSERT OR IGNORE INTO pages VALUES (?, ?, ?, ?, ?)", rows)
        claimed = self.conn.total_changes - before == len(rows)
        self.conn.execute("RELEASE claim" if claimed else "ROLLBACK TO claim")
        if not claimed:
            self.conn.execute("RELEASE claim")
        self.maybe_commit()
        return claimed

    def mark(self, rel: str, digest: str, size: int) -> None:
        """Record that this run produced the page (inserted in batches; `claim` sees the
        batch not yet inserted)."""
        row = _page_row(rel, digest, size, self.run)
        self._add(row[0], row)

    def placed_now(self, rel: str) -> bool:
        """True when this run took the page name (any case)."""
        self._flush()
        row = self._row(rel.lower())
        return row is not None and row[0] == self.run

    def empty(self) -> bool:
        """True when the index holds no page of any run."""
        return self.conn.execute("SELECT 1 FROM pages LIMIT 1").fetchone() is None

    def stale(self) -> list[str]:
        """Pages of earlier runs that this run did not produce."""
        self._flush()
        if not self._earlier:
            return []
        rows = self.conn.execute("SELECT name, rel FROM pages WHERE run != ?",
                                 (self.run,)).fetchall()
        return [name if rel is None else rel for name, rel in rows]

    def forget_stale(self) -> None:
        """Drop the rows of stale pages."""
        self._flush()
        if not self._earlier:
            return
        self.conn.execute("DELETE FROM pages WHERE run != ?", (self.run,))


class CorpusIndex:
    """Corpus-wide facts of one run (ids, URLs, related links) kept on disk, not in memory.

    Duplicate ids, duplicate URLs and dangling links need every record seen so far; an SQLite
    file in the staging folder keeps the main process's memory flat however many files there
    are, and is deleted when the run ends.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"corpus.{time.time_ns()}.sqlite"
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=OFF")  # scratch data: a crash just drops it
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.conn.executescript(
            "CREATE TABLE ids (id INTEGER PRIMARY KEY, path TEXT NOT NULL);"
            "CREATE TABLE urls (url TEXT PRIMARY KEY, path TEXT NOT NULL);"
            # (A link's article is an accepted record, which holds its id in `ids`: the path is
            # found there, not repeated per link.)
            "CREATE TABLE links (article_id INTEGER, related_id INTEGER);")
        self._links: list[tuple[Any, Any]] = []

    def claim_id(self, record: Record) -> str | None:
        """Take the record's id; return the path of an earlier record that has it already."""
        cursor = self.conn.execute("INSERT OR IGNORE INTO ids VALUES (?, ?)",
                                   (record.data["id"], record.path))
        if cursor.rowcount == 1:
            return None
        row = self.conn.execute("SELECT path FROM ids WHERE id = ?",
                                (record.data["id"],)).fetchone()
        return str(row[0])

    def claim_ids_many(self, ids: Sequence[Any], paths: Sequence[str]) -> dict[int, str]:
        """Take the ids of consecutive records in input order (the first file keeps an id);
        return {index: path of the earlier record} for each record whose id was taken."""
        before = self.conn.total_changes
        self.conn.executemany("INSERT OR IGNORE INTO ids VALUES (?, ?)", zip(ids, paths))
        if self.conn.total_changes - before == len(ids):
            return {}  # every id was new: nothing to look up
        owners: dict[Any, str] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            owners.update(self.conn.execute(
                f"SELECT id, path FROM ids WHERE id IN ({','.join('?' * len(part))})",
                part).fetchall())
        return {i: owners[doc_id] for i, (doc_id, path) in enumerate(zip(ids, paths))
                if owners.get(doc_id, path) != path}

    def add_many(self, paths: Sequence[str], ids: Sequence[Any], urls: Sequence[Any],
                 links: Iterable[tuple[int, Any]]) -> dict[int, str]:
        """`add` for consecutive accepted records at once; `links` are (record index, related
        id). Returns {index: path of the earlier record with the same URL}."""
        self._links.extend((ids[i], related) for i, related in links)
        if len(self._links) >= 1024:
            self._flush_links()
        with_url = [(url, paths[i]) for i, url in enumerate(urls) if url]
        if not with_url:
            return {}
        before = self.conn.total_changes
        self.conn.executemany("INSERT OR IGNORE INTO urls VALUES (?, ?)", with_url)
        if self.conn.total_changes - before == len(with_url):
            return {}  # every URL was new: nothing to look up
        owners: dict[Any, str] = {}
        unique = list(dict.fromkeys(url for url, _ in with_url))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            owners.update(self.conn.execute(
                f"SELECT url, path FROM urls WHERE url IN ({','.join('?' * len(part))})",
                part).fetchall())
        return {i: owners[url] for i, url in enumerate(urls)
                if url and owners.get(url, paths[i]) != paths[i]}

    def add(self, record: Record) -> str | None:
        """Remember an accepted article's links and URL; return the path of an earlier
        record with the same URL."""
        data = record.data
        # Links are read only at the end: inserted in batches.
        self._links.extend((data["id"], link["id"]) for link in data["related"]
                           if link["id"] is not None)
        if len(self._links) >= 1024:
            self._flush_links()
        if not data.get("url"):
            return None
        cursor = self.conn.execute("INSERT OR IGNORE INTO urls VALUES (?, ?)",
                                   (data["url"], record.path))
        if cursor.rowcount == 1:
            return None
        row = self.conn.execute("SELECT path FROM urls WHERE url = ?", (data["url"],)).fetchone()
        return str(row[0])

    def _flush_links(self) -> None:
        """Insert the batched links."""
        if self._links:
            self.conn.executemany("INSERT INTO links VALUES (?, ?)", self._links)
            self._links.clear()

    _DANGLING = ("FROM links l LEFT JOIN ids i ON i.id = l.related_id WHERE i.id IS NULL")

    def urls(self) -> Iterator[tuple[str, str]]:
        """(url, path) of every record's URL, in the order records claimed them."""
        yield from self.conn.execute("SELECT url, path FROM urls ORDER BY rowid")

    def dangling(self) -> Iterator[dict[str, Any]]:
        """Related links whose target id is not among the accepted records, in input order."""
        self._flush_links()
        rows = self.conn.execute(
            "SELECT a.path, l.article_id, l.related_id FROM links l "
            "JOIN ids a ON a.id = l.article_id "
            "LEFT JOIN ids i ON i.id = l.related_id WHERE i.id IS NULL ORDER BY l.rowid")
        for path, article, related in rows:
            yield {"path": path, "article_id": article, "related_id": related}

    def dangling_count(self) -> int:
        """How many related links dangle."""
        self._flush_links()
        return int(self.conn.execute(f"SELECT count(*) {self._DANGLING}").fetchone()[0])

    def close(self) -> None:
        """Drop the scratch database."""
        self.conn.close()
        self.path.unlink(missing_ok=True)
