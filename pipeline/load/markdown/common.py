"""Shared by the `hugo`, `jekyll` and `astro` targets: routes, portable YAML, lossless pages.

Each platform target writes the front matter its platform understands (title, date, description,
tags, related links, the legacy URL) and the answer as the page body. Whatever those fields
cannot carry exactly (the id, the source, a null title shown as the question, an answer that had
to be escaped for the platform, ...) goes under one namespaced key, `legacy`, so that `read`
gives back the same record. The namespace is computed, not hand-listed: `render` maps the record
to platform fields, maps them back with the same function `read` uses, and keeps under `legacy`
exactly the fields that did not come back equal. Lossless by construction, and small in the
common case.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


from pipeline.errors import LoadError
from pipeline.load.markdown import Target
from pipeline.load.markdown.yamlfm import front_matter_document
from pipeline.record import ARTICLE, GENERIC, RawDocument, Record

#: Record keys in contract order.
ARTICLE_KEYS = ("id", "slug", "url", "title", "question", "answer", "subject", "author", "date",
                "seo", "related", "score", "body", "extra", "source")
SEO_KEYS = ("title", "description", "keywords")
RELATED_KEYS = ("id", "title", "subject", "url")
#: Front-matter key holding the record fields the platform fields cannot carry.
NAMESPACE = "legacy"
#: Folder (and route prefix) of pages whose legacy URL cannot be served as it is.
SECTION = "articles"

# ------------------------------------------------------------------------------------------
# Routes: every page gets one URL, the legacy one when it can be served as it is.
# ------------------------------------------------------------------------------------------

# Unreserved URL characters only: `%` would be decoded into file names differently by each
# tool, `:` starts a Jekyll permalink placeholder, and a segment ending in `.` is rewritten by
# Jekyll's URL sanitiser. Legacy URLs outside this set keep their value in the record but the
# page is served at a fallback route.
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}")


def routable(url: Any) -> bool:
    """Return True if `url` is a site-absolute path every target can serve a page at."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        return False
    segments = url.strip("/").split("/")
    return segments != [""] and all(_SEGMENT.fullmatch(s) and not s.endswith(".")
                                     for s in segments)


def route_key(url: str) -> str:
    """Return the key two routes share when they would land on the same built file."""
    # Case-insensitive because macOS and Windows file systems are; `/a`, `/a/`, `/a.html` and
    # `/a/index.html` are one page for at least one of the tools.
    key = url.strip("/").lower()
    for suffix in ("/index.html", "/index", ".html"):
        key = key.removesuffix(suffix)
    return "" if key in ("index.html", "index") else key


def with_suffix(route: str, suffix: str) -> str:
    """Return `route` with `suffix` appended to its last segment, trailing slash kept."""
    if route.endswith("/"):
        return f"{route.rstrip('/')}{suffix}/"
    return f"{route}{suffix}"


class RouteBook:
    """The routes taken so far in one run: the first record to ask for a route gets it."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken: set[str] = {route_key(r) for r in reserved}

    def is_free(self, route: str) -> bool:
        """Return True if no page has `route` yet."""
        return route_key(route) not in self.taken

    def claim(self, route: str, record_id: Any) -> str:
        """Take `route`, or `route-<id>` (then `-<id>-2`, ...) if another page has it."""
        candidate, counter = route, 1
        while not self.is_free(candidate):
            counter += 1
            tail = f"-{record_id}" if counter == 2 else f"-{record_id}-{counter}"
            candidate = with_suffix(route, tail)
        self.taken.add(route_key(candidate))
        return candidate


_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?",
                               re.IGNORECASE)


def file_stem(slug: str) -> str:
    """Return a page file name stem for `slug` that no tool skips or treats specially."""
    # Jekyll skips `_`/`.`/`#` files and `~` backups, Hugo reads `index`/`_index` as bundles,
    # and Windows cannot create device names.
    special = (slug[:1] in ("_", ".", "#") or slug.endswith("~")
               or slug.lower() in ("index", "_index") or _WINDOWS_RESERVED.fullmatch(slug))
    return f"page-{slug}" if special else slug


def route_slug(slug: str) -> str:
    """Return `slug` if it is a clean URL segment, else a slugified form of it."""
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        return file_stem(slug)
    from slugify import slugify  # (imported where needed: most slugs are clean already)

    return file_stem(slugify(slug) or "article")


# ------------------------------------------------------------------------------------------
# Field mappings shared by the targets.
# ------------------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Return True if two JSON values are identical, types and key order included."""
    # `==` would equate 1, 1.0 and True, and 0.0 with -0.0; JSON text tells them apart.
    return json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


def page_body(answer: str | None) -> str:
    """Return the answer as page body text: no NUL (binary to readers), no CR (normalised)."""
    if answer is None:
        return ""
    return answer.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def answer_from(body: str) -> str | None:
    """Invert `page_body` + the final newline a page gets; an empty body is a null answer."""
    return body.removesuffix("\n") or None


def related_front(related: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return related links for templates: title and url first, null values left out."""
    order = ("title", "url", "id", "subject")
    return [{k: link[k] for k in order if link.get(k) is not None} for link in related]


def related_record(value: Any, path: str) -> list[dict[str, Any]]:
    """Map front-matter related links back to record links."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LoadError("related links must be a list of mappings", path=path, field="related")
    return [{k: link.get(k) for k in RELATED_KEYS} for link in value]


def text_list(value: Any, path: str, field: str) -> list[str]:
    """Return a front-matter list of strings (tags), refusing anything else."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LoadError("must be a list of strings", path=path, field=field)
    return list(value)


def date_text(value: Any) -> Any:
    """Return a date read from front matter as the record's ISO string."""
    # Pages this target writes quote their dates; a hand-edited page may not.
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def empty_record() -> dict[str, Any]:
    """Return what a page without any platform field or namespace maps back to."""
    data: dict[str, Any] = {k: None for k in ARTICLE_KEYS}
    data.update(seo={"title": None, "description": None, "keywords": []}, related=[],
                body="", extra={})
    return data


def overlay(data: dict[str, Any], recovered: dict[str, Any]) -> dict[str, Any]:
    """Return the record fields (and `seo` sub-fields) that `recovered` does not reproduce."""
    out: dict[str, Any] = {}
    for key in ARTICLE_KEYS:
        if key == "seo":
            seo = data.get("seo") or {}
            diff = {k: seo.get(k) for k in SEO_KEYS
                    if not same(seo.get(k), recovered["seo"].get(k))}
            if diff:
                out["seo"] = diff
        elif not same(data.get(key), recovered.get(key)):
            out[key] = data.get(key)
    return out


def merge(recovered: dict[str, Any], layer: Any, path: str) -> dict[str, Any]:
    """Return the record: namespace values where present, else the recovered ones."""
    if layer is None:
        layer = {}
    if not isinstance(layer, dict) or not isinstance(layer.get("seo", {}), dict):
        raise LoadError("must be a mapping of record fields", path=path, field=NAMESPACE)
    seo = {k: layer["seo"][k] if k in layer.get("seo", {}) else recovered["seo"][k]
           for k in SEO_KEYS}
    return {k: seo if k == "seo" else (layer[k] if k in layer else recovered[k])
            for k in ARTICLE_KEYS}


# ------------------------------------------------------------------------------------------
# The base class of the platform targets.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one page goes: its file stem (a generic page: its path) and its route."""

    stem: str
    route: str


class PlatformTarget(Target):
    """A site generator's Markdown: platform front matter, `legacy` namespace, answer as body.

    Generic-shape records (profile `generic`) pass through unchanged: front matter as it is,
    body as it is (so Liquid or shortcodes in it run as their author meant), page at the source
    path under `content_dir`.
    """

    #: Routes the site itself uses (home page, section lists, plugin outputs).
    reserved_routes: ClassVar[tuple[str, ...]] = ("/",)

    def __init__(self) -> None:
        self.book = RouteBook(self.reserved_routes)
        # Page files are made unique here rather than left to the writer, so that a file name
        # and the route inside the file are chosen together, once.
        self.files: set[str] = set()
        # page_path and render are called one after the other for the same record.
        self._last: tuple[tuple[str, str, Any], Placement] | None = None

    def unique_path(self, stem: str, suffix: str = "", tag: Any = None) -> str:
        """Return `stem + suffix`, or with `-<tag>` (then a counter) after the stem if taken."""
        candidate, counter = stem + suffix, 1
        # Case-insensitive, because macOS and Windows file systems are.
        while candidate.lower() in self.files:
            counter += 1
            if tag is None:
                tail = f"-{counter}"
            else:
                tail = f"-{tag}" if counter == 2 else f"-{tag}-{counter}"
            candidate = f"{stem}{tail}{suffix}"
        self.files.add(candidate.lower())
        return candidate

    # -- what each platform defines ---------------------------------------------------------

    @abstractmethod
    def front(self, data: dict[str, Any], place: Placement) -> dict[str, Any]:
        """Return the platform front matter for an article (without the namespace)."""

    @abstractmethod
    def recover(self, front: dict[str, Any], body: str, path: str) -> dict[str, Any]:
        """Map platform front matter and page body back to record fields (see empty_record)."""

    def encode_body(self, text: str) -> str:
        """Return body text protected from the platform's own processing."""
        return text

    def article_path(self, place: Placement) -> str:
        """Return an article page's path relative to the content folder."""
        return f"{place.stem}.md"

    def place(self, data: dict[str, Any]) -> Placement:
        """Choose the page's file stem and route: the legacy URL if it is free and servable."""
        if routable(data.get("url")):
            route = self.book.claim(data["url"], data.get("id"))
        else:
            route = self.book.claim(f"/{SECTION}/{route_slug(data['slug'])}/", data.get("id"))
        return Placement(self.unique_path(file_stem(data["slug"]), tag=data.get("id")), route)

    # -- the Target interface ----------------------------------------------------------------

    def placement(self, record: Record) -> Placement:
        """Return the record's placement, choosing it once."""
        key = (record.shape, record.path, record.data.get("id"))
        if self._last is None or self._last[0] != key:
            if record.shape == GENERIC:
                # Input paths differing only in case would overwrite each other's page.
                stem, dot, suffix = record.path.rpartition(".")
                if not dot or "/" in suffix:
                    stem, suffix = record.path, ""
                else:
                    suffix = dot + suffix
                self._last = (key, Placement(self.unique_path(stem, suffix), ""))
            else:
                self._last = (key, self.place(record.data))
        return self._last[1]

    def place_at(self, record: Record, place: Placement) -> None:
        """Give a record the placement an ordered pass chose for it elsewhere (a distributed
        run places pages on its driver and renders them on the workers)."""
        self._last = ((record.shape, record.path, record.data.get("id")), place)

    def page_path(self, record: Record) -> str:
        """Articles by slug (see article_path); generic documents keep their input path."""
        if record.shape == GENERIC:
            return self.placement(record).stem
        _check_shape(record.shape, record.path)
        return self.article_path(self.placement(record))

    def render(self, record: Record) -> str:
        """Platform front matter + namespace + body; generic documents unchanged."""
        data = record.data
        if record.shape == GENERIC:
            return front_matter_document(data["front_matter"], data["body"], portable=True)
        _check_shape(record.shape, record.path)
        return self.render_data(data, self.placement(record), data.get("answer"))

    def render_data(self, data: dict[str, Any], place: Placement, answer: str | None) -> str:
        """An article's page at a placement, with `answer` as its body (pipeline.links gives
        the answer with its links rewritten; the namespace then keeps the record's own)."""
        front = self.front(data, place)
        body = self.encode_body(page_body(answer)) + "\n"
        extra = overlay(data, self.recover(front, body, data["source"]["path"]))
        if extra:
            front[NAMESPACE] = extra
        return front_matter_document(front, body, portable=True)

    def read(self, raw: RawDocument, shape: str) -> dict[str, Any]:
        """Invert `render`: platform fields, then the namespace on top."""
        front = raw.front_matter or {}
        if shape == GENERIC:
            return {"front_matter": front, "body": raw.body,
                    "source": {"path": raw.path, "sha256": raw.sha256}}
        _check_shape(shape, raw.path)
        return merge(self.recover(front, raw.body, raw.path), front.get(NAMESPACE), raw.path)


class SiteTarget(PlatformTarget):
    """Hugo and Jekyll: the same front matter, but for the key that serves the legacy URL."""

    #: Front-matter key whose value is the page's route (Hugo `url`, Jekyll `permalink`).
    route_key: ClassVar[str]

    def route_extras(self, route: str) -> dict[str, Any]:
        """Keys that follow the route key (Jekyll: `redirect_from`)."""
        return {}

    def decode_answer(self, answer: str) -> str:
        """Invert encode_body on the answer read back from a page body."""
        return answer

    def front(self, data: dict[str, Any], place: Placement) -> dict[str, Any]:
        """The platform's own front matter keys, then the layout's `related` list."""
        seo = data.get("seo") or {}
        front: dict[str, Any] = {
            # A page needs a title to be listed and linked; the namespace keeps a null one.
            "title": data.get("title") or data.get("question") or data["slug"],
            "date": data.get("date"),
            "description": seo.get("description"),
            "author": data.get("author"),
            "slug": data["slug"],
            self.route_key: place.route,
            **self.route_extras(place.route),
            "categories": [data["subject"]] if data.get("subject") is not None else None,
            "tags": list(seo.get("keywords") or []),
            "related": related_front(data.get("related") or []),
        }
        return {k: v for k, v in front.items() if v is not None}

    def recover(self, front: dict[str, Any], body: str, path: str) -> dict[str, Any]:
        """Map the platform's front matter and body back to record fields."""
        data = empty_record()
        categories = text_list(front.get("categories"), path, "categories")
        answer = answer_from(body)
        data.update(
            slug=optional_str(front, "slug", path),
            url=optional_str(front, self.route_key, path),
            title=optional_str(front, "title", path),
            answer=self.decode_answer(answer) if answer is not None else None,
            subject=categories[0] if len(categories) == 1 else None,
            author=optional_str(front, "author", path), date=date_text(front.get("date")),
            seo={"title": None, "description": optional_str(front, "description", path),
                 "keywords": text_list(front.get("tags"), path, "tags")},
            related=related_record(front.get("related"), path))
        return data


def _check_shape(shape: str, path: str) -> None:
    """Refuse a record shape this module does not know."""
    if shape not in (ARTICLE, GENERIC):
        raise LoadError(f"unknown record shape {shape!r}", path=path, field="shape")


def optional_str(front: dict[str, Any], key: str, path: str) -> str | None:
    """Return a front-matter string field, None when absent, LoadError for another type."""
    value = front.get(key)
    if value is None or isinstance(value, str):
        return value
    raise LoadError(f"must be a string, not {type(value).__name__}", path=path, field=key)
