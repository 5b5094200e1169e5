"""Transform: RawDocument -> canonical Record, driven by a source profile kept as data."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Iterator

from typing import TYPE_CHECKING

from pipeline.errors import (FieldTypeError, MissingFieldError, PipelineError, SchemaError,
                             TransformError)
from pipeline.extract import parse_document
from pipeline.record import ARTICLE, GENERIC, Outcome, RawDocument, Record, Rejection, Warning_
from pipeline.transform.dates import normalise_date
from pipeline.transform.escapes import decode_escapes
from pipeline.transform.html import check, looks_like_html, to_markdown
from pipeline.transform.jsonsafe import json_safe
from pipeline.transform.profile import SCHEMAS_DIR, FieldRule, Profile, load_profile

if TYPE_CHECKING:
    import jsonschema

# jsonschema, fastjsonschema and python-slugify are imported where first needed: a run that the
# compiled core serves may never need them, and importing them cost a third of start-up.

__all__ = ["to_record", "transform", "process_bytes", "validate", "load_profile",
           "is_placeholder_body", "split_list"]

_SCHEMA_FILES = {ARTICLE: "record.schema.json", GENERIC: "generic.schema.json"}
_MISSING = object()


def _schema(shape: str) -> dict[str, Any]:
    """Load the record schema of a shape."""
    return json.loads((SCHEMAS_DIR / _SCHEMA_FILES[shape]).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(shape: str) -> jsonschema.protocols.Validator:
    """The reference validator (jsonschema), compiled once per process; used for messages."""
    import jsonschema

    return jsonschema.Draft202012Validator(_schema(shape))


@lru_cache(maxsize=None)
def _fast_validator(shape: str) -> Callable[[Any], Any]:
    """The same schema compiled to Python code by fastjsonschema, for the per-record check."""
    import fastjsonschema

    return fastjsonschema.compile(_schema(shape))


@lru_cache(maxsize=None)
def _schema_exception() -> type[Exception]:
    """fastjsonschema's error type (imported on first use)."""
    import fastjsonschema

    exception: type[Exception] = fastjsonschema.JsonSchemaException
    return exception


def validate(record: Record) -> Record:
    """Check a record against its JSON Schema; raise SchemaError naming the field."""
    try:
        _fast_validator(record.shape)(record.data)
        return record
    except _schema_exception():
        pass  # the reference validator decides, and words the error
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator(record.shape).iter_errors(record.data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or None
        raise SchemaError(f"record does not match the schema: {error.message}",
                          path=record.path, field=where,
                          fix=f"see schemas/{_SCHEMA_FILES[record.shape]}")
    return record


def _get(mapping: dict[str, Any], dotted: str) -> Any:
    """Return the value at a dotted key path, or _MISSING."""
    current: Any = mapping
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return _MISSING
        current = current[part]
    return current


def _remove(mapping: dict[str, Any], dotted: str) -> None:
    """Delete a dotted key path, then drop mappings that this left empty.

    Copy-on-write: each nested mapping on the path is replaced by a shallow copy before it is
    changed, so `mapping` may start as a shallow copy of the front matter (a deep copy of every
    document cost a third of the transform).
    """
    parts = dotted.split(".")
    trail: list[tuple[dict[str, Any], str]] = []
    current: Any = mapping
    for part in parts[:-1]:
        if not isinstance(current, dict) or not isinstance(current.get(part), dict):
            return
        current[part] = dict(current[part])
        trail.append((current, part))
        current = current[part]
    if isinstance(current, dict) and parts[-1] in current:
        del current[parts[-1]]
        for parent, key in reversed(trail):
            if parent[key] == {}:
                del parent[key]


def split_list(text: str, separator: str) -> list[str]:
    """Split a separated string into trimmed, non-empty items."""
    return [item.strip() for item in text.split(separator) if item.strip()]


_PLACEHOLDER_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def is_placeholder_body(body: str, placeholders: tuple[str, ...]) -> bool:
    """Return True when the body holds only whitespace and placeholder tokens."""
    pattern = _PLACEHOLDER_CACHE.get(placeholders)
    if pattern is None:
        alternatives = "|".join(re.escape(p) for p in sorted(placeholders, key=len, reverse=True))
        pattern = re.compile(rf"(?:\s|{alternatives})*" if alternatives else r"\s*",
                             re.IGNORECASE)
        _PLACEHOLDER_CACHE[placeholders] = pattern
    return pattern.fullmatch(body) is not None


class _Context:
    """Per-document state: the raw document, the profile and the warnings collected."""

    def __init__(self, raw: RawDocument, profile: Profile) -> None:
        self.raw = raw
        self.profile = profile
        self.warnings: list[Warning_] = []

    def warn(self, field: str, message: str) -> None:
        """Record a warning for this document."""
        self.warnings.append(Warning_(self.raw.path, field, message))

    def error(self, cls: type[TransformError], message: str, source: str,
              fix: str | None = None) -> TransformError:
        """Build a typed error with this document's path and the field's line."""
        return cls(message, path=self.raw.path, line=self.raw.line_of(source), field=source,
                   fix=fix)

    def html(self, text: str, mode: bool | str, source: str) -> str:
        """Convert an HTML field to Markdown (`auto`: when it holds a tag), checking that the
        Markdown renders to the same text, links and images; a warning names what differs."""
        if mode == "auto" and not looks_like_html(text):
            return text
        converted = to_markdown(text)
        for problem in check(text, converted):
            self.warn(source, f"HTML converted to Markdown: {problem}")
        return converted

    def int64(self, value: int, source: str) -> int:
        """Return an integer field's value, refusing one beyond 64 bits (no id column, the run's
        corpus index or a typed CSV reader can hold it)."""
        if _int64_ok(value):
            return value
        raise self.error(FieldTypeError, f"integer {value} does not fit in 64 bits", source,
                         fix="write a whole number between -9223372036854775808 and "
                             "9223372036854775807")

    def coerce(self, rule: FieldRule, value: Any, source: str) -> Any:
        """Convert one legacy value to the canonical type its rule names."""
        if value is _MISSING or value is None:
            return [] if rule.type == "list" else None
        kind = rule.type
        if kind == "string":
            if isinstance(value, (dict, list)):
                raise self.error(FieldTypeError, f"expected text, found a {type(value).__name__}",
                                 source)
            if not isinstance(value, str):
                text = json_safe(value, self.warn, source)
                self.warn(source, f"{value!r} is not text; written as {str(text)!r}")
                value = str(text)
            if rule.escaped:
                value = decode_escapes(value)
            if rule.html:
                value = self.html(value, rule.html, source)
            return value if value.strip() else None
        if kind == "integer":
            if isinstance(value, bool):
                raise self.error(FieldTypeError, f"expected an integer, found {value!r}", source)
            if isinstance(value, int):
                return self.int64(value, source)
            if isinstance(value, float) and value.is_integer():
                return self.int64(int(value), source)
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
                self.warn(source, f"integer written as text {value!r}")
                return self.int64(int(value), source)
            raise self.error(FieldTypeError, f"expected an integer, found {value!r}", source,
                             fix="write a whole number")
        if kind == "number":
            number: float | None = None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                number = float(value)
            elif isinstance(value, str):
                try:
                    number = float(value)
                    self.warn(source, f"number written as text {value!r}")
                except ValueError:
                    number = None
            if number is None or not math.isfinite(number):
                raise self.error(FieldTypeError, f"expected a finite number, found {value!r}",
                                 source)
            return number
        if kind == "date":
            doc_format = None
            if self.profile.date_format_from:
                found = _get(self.raw.front_matter or {}, self.profile.date_format_from)
                doc_format = found if isinstance(found, str) and found.strip() else None
            try:
                return normalise_date(value, doc_format=doc_format,
                                      formats=self.profile.date_formats,
                                      naive_tz=self.profile.timezone, field=source)
            except PipelineError as err:
                err.path, err.line = self.raw.path, self.raw.line_of(source)
                raise
        if kind == "list":
            if isinstance(value, str):
                text = decode_escapes(value) if rule.escaped else value
                return split_list(text, rule.split or ",")
            if isinstance(value, list):
                items = [str(json_safe(item, self.warn, source)) for item in value
                         if item is not None]
                return [i.strip() for i in items if i.strip()]
            raise self.error(FieldTypeError, f"expected a list or text, found {value!r}", source)
        raise self.error(FieldTypeError, f"unknown field type {kind!r} in the profile", source)


def _int64_ok(value: int) -> bool:
    """True when an integer fits the signed 64 bits of SQLite, DuckDB BIGINT and pandas Int64."""
    return -(2**63) <= value < 2**63


def _slug(ctx: _Context, front_matter: dict[str, Any], doc_id: Any) -> str:
    """Derive the slug from the profile's slug sources, falling back to the id."""
    for source in ctx.profile.slug_from:
        value = _get(front_matter, source)
        if not isinstance(value, str) or not value.strip():
            continue
        text = value.strip()
        leaf = source.split(".")[-1].lower()
        if leaf in ("file_name", "filename", "file", "path"):
            # The base name without its extension, whatever folders the value names.
            text = PurePosixPath(text.replace("\\", "/")).name
            text = text.rsplit(".", 1)[0] if "." in text.strip(".") else text
        elif leaf == "url" or text.startswith(("/", "http")):
            # The last non-empty segment of a URL path.
            segments = [s for s in re.split(r"[/\\?#]", text) if s]
            text = segments[-1] if segments else ""
        slug = _slugify(text)
        if slug:
            return slug
    from slugify import slugify

    return slugify(str(doc_id)) or "untitled"


SLUG_MAX = 200
# Text that is a slug already (legacy file names nearly always are) is its own slugify result:
# checked by one regex instead of slugify's dozen passes (a quarter of the transform's time).
# tests/transform/test_slug.py holds both to the same results.
_ALREADY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _slugify(text: str) -> str:
    """slugify(text, max_length=SLUG_MAX, word_boundary=True), faster for slugs."""
    if len(text) <= SLUG_MAX and _ALREADY_SLUG.fullmatch(text):
        return text
    from slugify import slugify

    return slugify(text, max_length=SLUG_MAX, word_boundary=True)


def _related(ctx: _Context, front_matter: dict[str, Any], doc_id: Any, doc_url: Any,
             extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Collect the numbered related-link family into one ordered, de-duplicated list."""
    family = ctx.profile.related_family
    if not family:
        return []
    pattern, known = _related_plan(ctx.profile)
    slots = sorted(((int(m.group(1)), key) for key in front_matter
                    if isinstance(key, str) and key.startswith(family)
                    and (m := pattern.fullmatch(key))))
    links: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for _, key in slots:
        slot = front_matter[key]
        extra.pop(key, None)
        if slot is None or slot == {} or slot == "":
            continue  # an empty slot
        if not isinstance(slot, dict):
            ctx.warn(key, f"related slot is a {type(slot).__name__}, not a mapping; kept in extra")
            extra[key] = json_safe(slot, ctx.warn, key)
            continue
        if not known.issuperset(slot):
            unknown = [k for k in slot if k not in known]
            ctx.warn(key, f"keys {unknown} are not part of a related link; slot kept in extra")
            extra[key] = json_safe(slot, ctx.warn, key)
        link: dict[str, Any] = dict.fromkeys(_LINK_KEYS)
        for rule in ctx.profile.related_fields:
            value = ctx.coerce(rule, slot.get(rule.source, _MISSING), f"{key}.{rule.source}")
            if rule.target in link:
                link[rule.target] = value
        link_id, link_url = link["id"], link["url"]
        if link_id is None and link_url is None and link["title"] is None \
                and link["subject"] is None:
            continue
        if (link_id is not None and link_id == doc_id) or (
                link_id is None and link_url is not None and link_url == doc_url):
            continue  # a link to the document itself
        identity = ("id", link_id) if link_id is not None else ("url", link_url)
        if identity in seen:
            continue  # first occurrence wins
        seen.add(identity)
        links.append(link)
    return links


_LINK_KEYS = ("id", "title", "subject", "url")


def _related_plan(profile: Profile) -> tuple[re.Pattern[str], frozenset[str]]:
    """A profile's related-slot key pattern and the keys a slot may hold, built once."""
    # Keyed by identity: hashing a Profile hashes every rule, which cost more than the plan.
    entry = _PLANS.get(id(profile))
    if entry is None or entry[0] is not profile:
        family = profile.related_family or ""
        plan = (re.compile(re.escape(family) + r"(\d+)"),
                frozenset(rule.source for rule in profile.related_fields))
        if len(_PLANS) >= 64:
            _PLANS.clear()
        entry = _PLANS[id(profile)] = (profile, plan)
    return entry[1]


_PLANS: dict[int, tuple[Profile, tuple[re.Pattern[str], frozenset[str]]]] = {}


def to_article(raw: RawDocument, profile: Profile) -> Record:
    """Map a raw document to the canonical article record of a CMS profile."""
    ctx = _Context(raw, profile)
    if raw.front_matter is None and not raw.body.strip():
        raise MissingFieldError("empty file", path=raw.path, fix="remove it from the input")
    if raw.front_matter is None:
        raise MissingFieldError("no front matter block", path=raw.path, line=1,
                                fix="the file must start with a `---` front matter block, "
                                    "or migrate it with --profile generic")
    front_matter = raw.front_matter
    extra: dict[str, Any] = dict(front_matter)  # nested levels are copied on write (_remove)
    values: dict[str, Any] = {}
    for rule in profile.fields:
        source = rule.source
        # Most sources are top-level keys: a plain look-up, without the dotted-path walk.
        top = "." not in source
        value = front_matter.get(source, _MISSING) if top else _get(front_matter, source)
        if rule.required and (value is _MISSING or value is None or value == ""):
            raise ctx.error(MissingFieldError, "required field is missing or empty",
                            source, fix=f"add `{source}:` to the front matter")
        values[rule.target] = ctx.coerce(rule, value, source)
        if top:
            extra.pop(source, None)
        else:
            _remove(extra, source)
    doc_id = values.get("id")
    related = _related(ctx, front_matter, doc_id, values.get("url"), extra)
    body = raw.body
    if is_placeholder_body(body, profile.placeholders):
        body = ""
    elif profile.body_html:
        body = ctx.html(body, profile.body_html, "body")
    data: dict[str, Any] = {
        "id": doc_id,
        "slug": _slug(ctx, front_matter, doc_id),
        "url": values.get("url"),
        "title": values.get("title"),
        "question": values.get("question"),
        "answer": values.get("answer"),
        "subject": values.get("subject"),
        "author": values.get("author"),
        "date": values.get("date"),
        "seo": {"title": values.get("seo.title"), "description": values.get("seo.description"),
                "keywords": values.get("seo.keywords") or []},
        "related": related,
        "score": values.get("score"),
        "body": body,
        "extra": json_safe(extra, ctx.warn),
        "source": {"path": raw.path, "sha256": raw.sha256},
    }
    return Record(ARTICLE, data, tuple(ctx.warnings), raw.parser)


def to_generic(raw: RawDocument, profile: Profile) -> Record:
    """Keep the front matter as parsed (JSON-safe) beside the untouched body."""
    ctx = _Context(raw, profile)
    body = ctx.html(raw.body, profile.body_html, "body") if profile.body_html and \
        raw.body.strip() else raw.body
    data = {
        "front_matter": json_safe(raw.front_matter or {}, ctx.warn),
        "body": body,
        "source": {"path": raw.path, "sha256": raw.sha256},
    }
    return Record(GENERIC, data, tuple(ctx.warnings), raw.parser)


_SHAPES = {ARTICLE: to_article, GENERIC: to_generic}


def to_record(raw: RawDocument, profile: Profile) -> Record:
    """Transform one raw document with a profile and validate the result."""
    return validate(_SHAPES[profile.shape](raw, profile))


def process_bytes(data: bytes, path: str, profile: Profile,
                  sha256: str | None = None) -> Outcome:
    """The per-file work: bytes -> Record or Rejection; pure, so any engine can map it."""
    try:
        return to_record(parse_document(data, path, sha256), profile)
    except PipelineError as err:
        return Rejection.from_error(err, path)
    except RecursionError:
        return Rejection(path=path, reason="structure nested too deeply", kind="extract")


def transform(items: Iterable[RawDocument | Rejection], profile: Profile) -> Iterator[Outcome]:
    """Stage: raw documents -> records; rejections pass through, errors become rejections."""
    for item in items:
        if isinstance(item, Rejection):
            yield item
            continue
        try:
            yield to_record(item, profile)
        except PipelineError as err:
            yield Rejection.from_error(err, item.path)
