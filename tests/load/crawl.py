"""A link checker for built sites: every href and src on every built page, resolved to a file.

What htmltest or lychee do offline after a migration, small enough to read: each `*.html` file
of the build is parsed, and each internal reference (a site path, or a path relative to the
page) must name a built file (`/a/b` as `a/b`, `a/b/index.html` or `a/b.html`: how Hugo,
Jekyll and static hosts serve pages). External URLs, `mailto:`, in-page `#fragments` and the
like are not checked.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class _Refs(HTMLParser):
    """Collect the href and src values of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note every href and src attribute."""
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append(value)


def page_url(site: Path, page: Path) -> str:
    """The URL a built file is served at (`a/b/index.html` at `/a/b/`)."""
    rel = page.relative_to(site).as_posix()
    if rel == "index.html" or rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def resolves(site: Path, path: str) -> bool:
    """True when a site path names a built file."""
    parts = [p for p in unquote(path).split("/") if p]
    if any(p == ".." for p in parts):
        return False
    base = site.joinpath(*parts)
    return base.is_file() or (base / "index.html").is_file() or \
        base.with_name(base.name + ".html").is_file()


def internal_path(href: str, url: str) -> str | None:
    """The site path an href on the page at `url` refers to, or None when it is external or
    in-page."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        return None
    if href.startswith("/"):
        return parts.path
    folder = url if url.endswith("/") else posixpath.dirname(url) + "/"
    return posixpath.normpath(posixpath.join(folder, parts.path)) if parts.path else None


def crawl(site: Path) -> tuple[int, int, Counter[str]]:
    """(pages, internal references checked, unresolved hrefs as written, counted)."""
    pages = checked = 0
    broken: Counter[str] = Counter()
    for page in sorted(site.rglob("*.html")):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        pages += 1
        url = page_url(site, page)
        for href in parser.refs:
            path = internal_path(href, url)
            if path is None:
                continue
            checked += 1
            if not resolves(site, path):
                broken[href] += 1
    return pages, checked, broken


def expected(report: dict[str, Any], records: list[dict[str, Any]]) -> Counter[str]:
    """The hrefs a crawl may find unresolved, as the report lists them: broken links, missing
    files (site paths: a `file:` URL is not the site's) and dangling related links (by id in
    the report; their URL, which the page's related list shows, from the record)."""
    out: Counter[str] = Counter()
    for item in report["broken_links"] + report["missing_assets"]:
        if internal_path(item["url"], "/") is not None:
            out[item["url"]] += 1
    related = {(r["source"]["path"], link["id"]): link["url"] for r in records
               for link in r.get("related", ()) if link.get("url")}
    for item in report["dangling_links"]:
        url = related.get((item["path"], item["related_id"]))
        if url is not None:
            out[url] += 1
    return out
