"""Internal links and local files: found in each record's Markdown, checked against the whole
corpus after the main pass, rewritten on the target's pages, files copied from --assets.

A profile turns this on with `links: {fields: [answer, body], hosts: [...]}`: the record fields
whose Markdown (after any HTML conversion) is scanned, and the hosts whose absolute URLs are the
legacy site's own. A destination is

- external (left alone): another host, `mailto:` and other schemes, a bare `#fragment`;
- a page link: a site path (`/learn/...`, a legacy-host URL, or relative to the document's own
  legacy URL) without a file extension (or `.html`); it resolves when a record of the run has
  that legacy URL (trailing slash, `index.html` and `.html` ignored), else it is listed in
  report.json `broken_links` (path, field, line in the field, url);
- a file: an image (`![..](..)`, `<img src>`) or a path with another extension. With
  `--assets DIR` it is looked up under DIR and copied once into the target's static folder at
  the same URL path; one that is not there, or that would be read from outside DIR (`..`,
  `file:` URLs, a symbolic link leading out), is listed in `missing_assets`.

The main pass (streaming, in input order) stores each record's references in a SQLite index in
the staging folder. After it, `finish` lists the broken ones, copies the files, and re-renders
the pages (Hugo, Jekyll, Astro) whose links must change: a page link becomes the target
page's URL on the new site (its legacy URL on Hugo and Jekyll, unless another page took it;
`/articles/<slug>/` on Astro), a relative or legacy-host reference a site path. JSONL, CSV,
Parquet and generic pages keep the record's text as converted: the record is the canonical
data, and the site pages are where links must work. A re-rendered page keeps the exact answer
under `legacy`, so it still reads back to the same record.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

# -------------------------------------------------------------------------------------------
# Finding links in Markdown.
# -------------------------------------------------------------------------------------------

_DEST = r"(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
_TITLE = r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?"""
_IMAGE = re.compile(r"!\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*" + _DEST + _TITLE + r"\s*\)")
_LINK = re.compile(r"(?<![!\\])\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*" + _DEST + _TITLE + r"\s*\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*" + r"(<[^<>\n]*>|\S+)", re.MULTILINE)
_TAG = re.compile(r"<(a|img)\b[^<>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""",
                   re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)",
                    re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
#: Page extensions: a path ending in another extension is a file.
_PAGE_SUFFIXES = (".html", ".htm", ".php", ".asp", ".aspx")


@dataclass(frozen=True, slots=True)
class Found:
    """One link or image destination in a text: where it is and what it says."""

    start: int
    end: int
    url: str
    image: bool
    line: int


def _masked(text: str) -> str:
    """The text with code blocks and code spans blanked out (same length: offsets hold)."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return _CODE_SPAN.sub(blank, _FENCE.sub(blank, text))


def find_links(text: str) -> list[Found]:
    """Every link and image destination of a Markdown text (inline HTML `<a href>` and
    `<img src>` included, code left out), in text order."""
    if "](" not in text and "]:" not in text and "<" not in text:
        return []
    scan = _masked(text)
    spans: dict[int, Found] = {}

    def add(start: int, end: int, image: bool) -> None:
        url = text[start:end]
        if url.startswith("<") and url.endswith(">"):
            start, end, url = start + 1, end - 1, url[1:-1]
        if start not in spans:
            spans[start] = Found(start, end, url, image, text.count("\n", 0, start) + 1)

    for match in _IMAGE.finditer(scan):
        add(match.start(2), match.end(2), True)
    for match in _LINK.finditer(scan):
        add(match.start(2), match.end(2), False)
        # An image inside the link text (`[![alt](src)](href)`) is found by the image pass.
    for match in _DEFINITION.finditer(scan):
        add(match.start(1), match.end(1), False)
    for tag in _TAG.finditer(scan):
        image = tag.group(1).lower() == "img"
        for attr in _ATTR.finditer(tag.group(0)):
            if attr.group(1).lower() != ("src" if image else "href"):
                continue
            group = next(i for i in (2, 3, 4) if attr.group(i) is not None)
            add(tag.start() + attr.start(group), tag.start() + attr.end(group), image)
    return [spans[k] for k in sorted(spans)]


# -------------------------------------------------------------------------------------------
# What a destination points at.
# -------------------------------------------------------------------------------------------

PAGE, FILE, REFUSED = "page", "file", "refused"


@dataclass(frozen=True, slots=True)
class Ref:
    """An internal reference: a page or a file at a site path, or a refused file reference."""

    kind: str  # PAGE, FILE or REFUSED
    path: str  # the site path (`/a/b`), decoded; the reason for REFUSED
    suffix: str  # `?query#fragment` as written, kept on a rewritten link


def classify(url: str, base: str | None, hosts: tuple[str, ...], image: bool) -> Ref | None:
    """What a destination refers to, or None for an external or in-page one."""
    url = url.strip()
    if not url or url.startswith("#"):
        return None
    if url.lower().startswith("file:"):
        return Ref(REFUSED, "file: URL refused", "")
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        if parts.scheme not in ("http", "https", "") or parts.hostname is None or \
                parts.hostname.lower() not in hosts:
            return None
        path = parts.path or "/"
    elif url.startswith("/"):
        path = parts.path
    else:
        # Relative: resolved against the document's legacy URL, as the legacy site did.
        folder = posixpath.dirname(base) if base and base.startswith("/") else "/"
        path = posixpath.join(folder, parts.path) if parts.path else (base or "/")
    suffix = url[len(url.split("?", 1)[0].split("#", 1)[0]):]
    decoded = unquote(path)
    if "\x00" in decoded or "\\" in decoded:
        return Ref(REFUSED, "not a plain path", "")
    if any(s == ".." for s in decoded.split("/")):
        normal = posixpath.normpath(decoded)
        if not normal.startswith("/") or normal.startswith("//"):
            return Ref(REFUSED, "outside the site root", "")
        if image or _is_file(normal):
            return Ref(REFUSED, "`..` in a file path", "")
        decoded = normal
    else:
        decoded = posixpath.normpath(decoded) + ("/" if decoded.endswith("/") and
                                                  decoded != "/" else "")
    if image or _is_file(decoded):
        return Ref(FILE, decoded, suffix)
    return Ref(PAGE, decoded, suffix)


def _is_file(path: str) -> bool:
    """True when a site path names a file rather than a page (it has another extension)."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." in last.strip(".") and not last.lower().endswith(_PAGE_SUFFIXES) \
        and not path.endswith("/")


def page_key(path: str) -> str:
    """The key two spellings of one page share: no trailing slash, `index.html` or `.html`."""
    key = path.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for suffix in ("/index.html", "/index.htm", ".html", ".htm"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key or "/"


def rewrite(text: str, new_url: Callable[[Found], str | None]) -> str:
    """The text with each destination for which `new_url` gives a URL replaced by it."""
    out: list[str] = []
    at = 0
    for found in find_links(text):
        new = new_url(found)
        if new is None or new == found.url:
            continue
        out.append(text[at:found.start])
        out.append(new.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
                   .replace("<", "%3C").replace(">", "%3E"))
        at = found.end
    if not out:
        return text
    out.append(text[at:])
    return "".join(out)


# -------------------------------------------------------------------------------------------
# The run's index of references.
# -------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE refs (seq INTEGER, path TEXT, field TEXT, line INTEGER, url TEXT, kind TEXT,
                   target TEXT);
CREATE TABLE pages (path TEXT PRIMARY KEY, seq INTEGER, page TEXT, route TEXT);
CREATE TABLE keys (key TEXT PRIMARY KEY, path TEXT);
"""


def rows_of(data: dict[str, Any], fields: tuple[str, ...],
            hosts: tuple[str, ...]) -> list[tuple[str, int, str, str, str]]:
    """(field, line, url, kind, target) of every internal reference in a record's link fields
    (what LinkIndex keeps of it; a partitioned run's workers send them to the driver)."""
    return [(name, found.line, found.url, ref.kind, ref.path)
            for name, found, ref in LinkIndex.refs_in(data, fields, hosts)]


class LinkIndex:
    """The references of a run's records, in a scratch SQLite file (memory stays flat)."""

    def __init__(self, folder: Path, fields: tuple[str, ...], hosts: tuple[str, ...]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"links-{os.getpid()}.sqlite"
        self.path.unlink(missing_ok=True)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.executescript(_SCHEMA)
        self.fields = fields
        self.hosts = tuple(h.lower() for h in hosts)
        self.seq = 0
        self.pages = 0
        #: Records whose fields hold internal references (their pages may be re-rendered).
        self.linking = 0

    def close(self) -> None:
        """Drop the index."""
        self.conn.close()
        self.path.unlink(missing_ok=True)

    def refs_of(self, data: dict[str, Any]) -> Iterator[tuple[str, Found, Ref]]:
        """(field, found, ref) of every internal reference in a record's link fields."""
        return self.refs_in(data, self.fields, self.hosts)

    @staticmethod
    def refs_in(data: dict[str, Any], fields: tuple[str, ...],
                hosts: tuple[str, ...]) -> Iterator[tuple[str, Found, Ref]]:
        """(field, found, ref) of every internal reference in these fields of a record."""
        hosts = tuple(h.lower() for h in hosts)
        base = data.get("url") if isinstance(data.get("url"), str) else None
        for name in fields:
            text = data.get(name)
            if not isinstance(text, str):
                continue
            for found in find_links(text):
                ref = classify(found.url, base, hosts, found.image)
                if ref is not None:
                    yield name, found, ref

    def add(self, data: dict[str, Any]) -> None:
        """Note the internal references of one migrated record (input order)."""
        self.add_rows(data["source"]["path"], rows_of(data, self.fields, self.hosts))

    def add_outcome(self, done: Any, record: Any) -> None:
        """`add` for an accounted outcome (pipeline.account): its record, whole (a pool
        process sends a slim record and the whole one encoded)."""
        from pipeline.state import decode_outcome

        full = record if "body" in record.data else decode_outcome(done.text)
        if hasattr(full, "data"):
            self.add(full.data)

    def add_rows(self, path: str, rows: list[tuple[str, int, str, str, str]]) -> None:
        """Note one migrated record's references, as `rows_of` lists them (input order)."""
        self.seq += 1
        if rows:
            self.linking += 1
            self.conn.executemany("INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  [(self.seq, path, *row) for row in rows])

    def add_page(self, path: str, page: str, route: str) -> None:
        """Note where a record's page went and the URL it is served at."""
        self.pages += 1
        self.conn.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
                          (path, self.pages, page, route))

    def load_urls(self, rows: Iterator[tuple[str, str]]) -> None:
        """The run's legacy URLs, (url, path) in the order records claimed them."""
        self.conn.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)",
                              ((page_key(url), path) for url, path in rows
                               if isinstance(url, str) and url.startswith("/")))

    def broken(self) -> list[dict[str, Any]]:
        """Page links that match no record of the run, in input order."""
        rows = self.conn.execute(
            "SELECT path, field, line, url, target FROM refs WHERE kind = ? ORDER BY rowid",
            (PAGE,))
        out = []
        for path, field, line, url, target in rows:
            found = self.conn.execute("SELECT 1 FROM keys WHERE key = ?",
                                      (page_key(target),)).fetchone()
            if found is None:
                out.append({"path": path, "field": field, "line": line, "url": url})
        return out

    def route_of(self, key: str) -> str | None:
        """The new-site URL of the page whose legacy URL has this key."""
        row = self.conn.execute("SELECT pages.route FROM keys JOIN pages USING (path) "
                                "WHERE keys.key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def files(self) -> Iterator[tuple[str, str, str, int, str, str]]:
        """(kind, site path or reason, path, line, field, url) of every file reference."""
        yield from self.conn.execute(
            "SELECT kind, target, path, line, field, url FROM refs WHERE kind IN (?, ?) "
            "ORDER BY rowid", (FILE, REFUSED))

    def linking_pages(self) -> Iterator[tuple[str, str, str]]:
        """(path, page, route) of the pages whose records hold internal references."""
        yield from self.conn.execute(
            "SELECT pages.path, pages.page, pages.route FROM pages WHERE pages.path IN "
            "(SELECT path FROM refs WHERE kind IN (?, ?)) ORDER BY pages.seq", (PAGE, FILE))


# -------------------------------------------------------------------------------------------
# Files from --assets.
# -------------------------------------------------------------------------------------------


def asset_source(root: Path, site_path: str) -> tuple[Path | None, str]:
    """The file under `root` a site path names, or (None, why not). Nothing outside `root`
    is ever opened: `..` segments are refused before, and a symbolic link leading out after,
    resolving the path."""
    parts = [p for p in site_path.split("/") if p]
    if not parts or any(p in ("..", ".") or p.startswith("~") for p in parts):
        return None, "outside the assets folder"
    candidate = root.joinpath(*parts)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, "not found under --assets"
    if not real.is_relative_to(root.resolve()):
        return None, "outside the assets folder"
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None, "not a file"
    except OSError:
        return None, "not found under --assets"
    return real, ""


def _digest(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


class Assets:
    """Copies files from --assets into a static folder, each once; identical files once."""

    def __init__(self, root: Path, static: Path | None, site_root: bool = False) -> None:
        self.root = root
        self.static = static
        #: The static folder is the site's own root (Jekyll): `_` and `.` paths there are the
        #: site's files, which Jekyll does not serve as files; none is written there.
        self.site_root = site_root
        self.done: dict[str, str] = {}  # site path -> "" (copied) or why it is missing
        self.by_digest: dict[str, Path] = {}
        self.copied = 0
        self.linked = 0  # same content as a file copied already: hard-linked (or copied)

    def place(self, site_path: str) -> str:
        """Copy the file a site path names (once); return "" or why it is missing."""
        if site_path in self.done:
            return self.done[site_path]
        source, why = asset_source(self.root, site_path)
        if source is not None and self.site_root and any(
                p.startswith(("_", ".")) for p in site_path.split("/") if p):
            source, why = None, "a `_` or `.` path, which Jekyll does not serve"
        if source is not None and self.static is not None:
            target = self.static.joinpath(*[p for p in site_path.split("/") if p])
            digest = _digest(source)
            first = self.by_digest.get(digest)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file() and _digest(target) == digest:
                pass  # as a previous run left it
            else:
                temp = target.with_name(f".{target.name}.tmp")
                temp.unlink(missing_ok=True)
                if first is not None:
                    try:
                        os.link(first, temp)
                    except OSError:
                        shutil.copyfile(first, temp)
                else:
                    shutil.copyfile(source, temp)
                os.replace(temp, target)
            if first is None:
                self.by_digest[digest] = target
                self.copied += 1
            else:
                self.linked += 1
        self.done[site_path] = why
        return why


def static_folder(target: Any, site: Path) -> Path | None:
    """The folder a target's site serves files from (Hugo static/, Jekyll the site root,
    Astro public/), or None for a target that is not a site."""
    folder = getattr(target, "static_dir", None)
    return None if folder is None else (site / folder if folder else site)


# -------------------------------------------------------------------------------------------
# After the main pass.
# -------------------------------------------------------------------------------------------


def finish(index: LinkIndex, urls: Iterator[tuple[str, str]], report: Any,
           pager: Any | None, assets_dir: Path | None) -> None:
    """List the broken links and missing files in the report, copy the files from
    `assets_dir` and re-render the pages of `pager` (the Markdown writer of a site target)
    whose references change."""
    index.load_urls(urls)
    report.broken_links = index.broken()
    static = static_folder(pager.target, pager.folder) if pager is not None else None
    assets = Assets(assets_dir, static, static is not None and pager is not None and
                    static == pager.folder) if assets_dir is not None else None
    missing = []
    for kind, target, path, line, field, url in index.files():
        why = target if kind == REFUSED else assets.place(target) if assets is not None else ""
        if why:
            missing.append({"path": path, "field": field, "line": line, "url": url,
                            "reason": why})
    report.missing_assets = missing
    if pager is not None:
        _forget_stale(pager, static, assets)
    references = index.conn.execute("SELECT count(*) FROM refs").fetchone()[0]
    if references:
        report.links = {"references": references, "records": index.linking}
    if assets is not None:
        report.assets = {"copied": assets.copied, "same_content": assets.linked,
                         "missing": len(missing)}
    if pager is not None and static is not None and index.linking:
        _rewrite_pages(index, pager, assets)


def _forget_stale(pager: Any, static: Path | None, assets: Assets | None) -> None:
    """Delete the files a previous run copied into the static folder that this run does not
    reference, and note this run's (DIR/.pipeline/assets-<target>.txt)."""
    listing = pager.out_dir / ".pipeline" / f"assets-{pager.target.name}.txt"
    now = sorted(p for p, why in (assets.done.items() if assets is not None else ()) if not why)
    try:
        before = listing.read_text(encoding="utf-8").splitlines()
    except OSError:
        before = []
    if static is not None:
        for site_path in sorted(set(before) - set(now)):
            stale = static.joinpath(*[p for p in site_path.split("/") if p])
            stale.unlink(missing_ok=True)
            parent = stale.parent
            while parent != static and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    if now or before:
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_text("".join(f"{p}\n" for p in now), encoding="utf-8")


def _rewrite_pages(index: LinkIndex, pager: Any, assets: Assets | None) -> None:
    """Re-render each page whose record holds references the new site serves elsewhere."""
    from pipeline.atomic import write_atomic

    def write(page: str, data: bytes) -> None:
        write_atomic(pager.folder / page, data, pager.tmp_dir, durable=False)
        pager.index.mark(page, hashlib.sha256(data).hexdigest(), len(data))

    rewrite_pages(index, pager.target, lambda page: (pager.folder / page).read_bytes(), write,
                  assets)


def rewrite_pages(index: LinkIndex, target: Any, read: Callable[[str], bytes],
                  write: Callable[[str, bytes], None], assets: Assets | None) -> None:
    """Re-render each page (read and written by its path in the target folder) whose record
    holds references the new site serves elsewhere."""
    from pipeline.extract import parse_document
    from pipeline.load.markdown.common import Placement
    from pipeline.record import ARTICLE

    for path, page, route in index.linking_pages():
        raw = parse_document(read(page), path)
        data = target.read(raw, ARTICLE)
        base = data.get("url") if isinstance(data.get("url"), str) else None

        def new_url(found: Found) -> str | None:
            ref = classify(found.url, base, index.hosts, found.image)
            if ref is None or ref.kind == REFUSED:
                return None
            if ref.kind == PAGE:
                route_ = index.route_of(page_key(ref.path))
                return None if route_ is None else route_ + ref.suffix
            if assets is None or assets.done.get(ref.path) != "":
                return None
            return ref.path + ref.suffix

        answer = data.get("answer")
        if not isinstance(answer, str):
            continue
        rewritten = rewrite(answer, new_url)
        if rewritten == answer:
            continue
        stem = page.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        text = target.render_data(data, Placement(stem, route), rewritten)
        write(page, text.encode("utf-8"))
