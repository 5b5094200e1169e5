"""Draft a source profile from a corpus inventory, and update a profile a user has edited.

`draft` turns the figures of `pipeline.inspect` into a profile: which legacy key feeds which
canonical field (name heuristics checked against type evidence), which fields are escaped, which
numbered key family becomes the related list, how dates are written. Every choice carries a
YAML comment saying why, with the counts it rests on. The document is built with ruamel.yaml
so that `update` can load a profile the user edited, keep every key, value and comment in it,
and add only what is missing.

The draft works from the inventory's JSON form (`Inventory.as_dict()`), so it depends on the
figures alone, never on the files.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from pipeline.atomic import AtomicFile
from pipeline.errors import ConfigError
from pipeline.inspect import STANDARD_PLACEHOLDERS
from pipeline.transform.profile import parse_profile

__all__ = ["CANONICAL", "draft", "render", "update", "write_atomic"]

#: Canonical fields in the order the profile lists them (the record's order).
CANONICAL = ("id", "url", "title", "question", "answer", "subject", "author", "date",
             "seo.title", "seo.description", "seo.keywords", "score")
# Fields are claimed in this order: the most distinctive evidence (an integer id, a date) first,
# so that a key is not taken by a weaker claim (`published_on` is a date, not a title).
_CLAIM_ORDER = ("id", "date", "url", "title", "question", "answer", "subject", "author",
                "seo.title", "seo.description", "seo.keywords", "score")
#: The canonical type of each field (the record schema's).
_KIND = {"id": "integer", "score": "number", "date": "date", "seo.keywords": "list"}

# Legacy key names for each canonical field, best first. Matched case-insensitively against the
# whole key path (camelCase and dashes read as snake_case); a pattern without a dot only matches
# a top-level key.
_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "post_id", "article_id", "entry_id", "doc_id", "document_id", "node_id",
           "page_id", "item_id", "content_id", "record_id", "nid", "uid", "*_id"),
    "url": ("url", "permalink", "link", "href", "uri", "canonical_url", "legacy_url", "page_url",
            "path", "*_url"),
    "title": ("title", "headline", "heading", "article_title", "post_title", "page_title",
              "name", "*_title"),
    "question": ("question", "prompt", "query", "ask", "*_question"),
    "answer": ("answer", "body_text", "content", "body", "text", "response", "reply",
               "article_body", "body_html", "*_answer", "*_body", "*_content", "*_text"),
    "subject": ("subject", "category", "topic", "section", "subject_name", "area"),
    "author": ("author", "byline", "author_name", "writer", "created_by", "posted_by", "by"),
    "date": ("date", "published_on", "published", "published_at", "publish_date", "pub_date",
             "pubdate", "date_published", "publication_date", "posted_on", "post_date",
             "created", "created_at", "created_on", "*_date", "*_on", "*_at"),
    "seo.title": ("seo.title", "seo.meta_title", "seo.og_title", "meta.title", "meta.og_title",
                  "metadata.title", "seo_title", "meta_title", "og_title", "*.meta_title",
                  "*.og_title"),
    "seo.description": ("seo.description", "seo.page_description", "seo.meta_description",
                        "meta.description", "meta.summary", "metadata.description",
                        "seo_description", "meta_description", "description", "summary",
                        "excerpt", "*.description", "*.page_description", "*.summary"),
    "seo.keywords": ("seo.keywords", "seo.page_keywords", "meta.keywords", "meta.tags",
                     "metadata.keywords", "keywords", "tags", "seo_keywords", "meta_keywords",
                     "*.keywords", "*.page_keywords", "*.tags"),
    "score": ("score", "rating", "rank", "votes", "*_score", "*_rating"),
}
# Keys of one related link, by the same rules, inside a slot of the numbered family.
_LINK_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "ref", "uid", "post_id", "article_id", "target_id", "*_id"),
    "title": ("title", "label", "headline", "name", "text", "anchor", "*_title"),
    "subject": ("subject", "topic", "category", "section"),
    "url": ("url", "href", "link", "permalink", "uri", "path", "*_url"),
}
_SLUG_KEYS = ("file_name", "filename", "slug")
#: Line width of the profile text (comments are wrapped to it).
_WIDTH = 100
# Evidence thresholds: a type must hold in this share of the files that have a (non-null) value.
_TYPE_SHARE = 0.9
_MOSTLY = 0.5


def _snake(path: str) -> str:
    """`seo.pageKeywords` -> `seo.page_keywords` (dashes too), for name matching."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", path).replace("-", "_").lower()


def _non_null(stats: dict[str, Any]) -> int:
    """Files where the key holds something other than null."""
    return sum(n for t, n in stats["types"].items() if t != "null")


def _share(stats: dict[str, Any], *types: str) -> float:
    """Share of the non-null files whose value has one of the types."""
    total = _non_null(stats)
    return sum(stats["types"].get(t, 0) for t in types) / total if total else 0.0


def _date_count(stats: dict[str, Any]) -> int:
    """Files where the key holds a date-shaped value."""
    return sum(stats["traits"].get("dates", {}).get("shapes", {}).values())


def _fits(kind: str, stats: dict[str, Any], keys: dict[str, Any], path: str) -> bool:
    """Does the evidence for a key fit a canonical type?"""
    total = _non_null(stats)
    if total == 0:
        return False
    if kind == "any":
        return True
    if kind == "integer":
        return _share(stats, "integer") >= _TYPE_SHARE
    if kind == "number":
        return _share(stats, "integer", "number") >= _TYPE_SHARE
    if kind == "date":
        return _date_count(stats) >= _TYPE_SHARE * total
    if kind == "list":
        if _share(stats, "list") >= _TYPE_SHARE:
            items = keys.get(f"{path}[]")
            return items is None or _share(items, "string", "integer", "number") >= _TYPE_SHARE
        return _share(stats, "string") >= _TYPE_SHARE and \
            stats["traits"].get("comma_list", 0) >= _MOSTLY * total
    # Text: a string in (nearly) every file, and not a date written as text.
    return _share(stats, "string") >= _TYPE_SHARE and _date_count(stats) < _MOSTLY * total


def _find(names: tuple[str, ...], kind: str, keys: dict[str, Any], taken: set[str],
          ) -> tuple[str, str] | None:
    """The best key for a field: first matching name, then most files; returns (key, pattern)."""
    for pattern in names:
        found = [p for p in keys if p not in taken and ("." in pattern) == ("." in p)
                 and fnmatchcase(_snake(p), pattern) and _fits(kind, keys[p], keys, p)]
        if found:
            best = min(found, key=lambda p: (-keys[p]["files"], p))
            return best, pattern
    return None


@dataclass(frozen=True)
class _StyleRule:
    """The scalar style in which the exporter wrote its JSON-escaped text, if it had one."""

    style: str
    keys: tuple[str, ...]  # the keys with escapes that show it


def _style_rule(keys: dict[str, Any]) -> _StyleRule | None:
    """Find the one non-plain scalar style that (nearly) every escaped key is written in.

    The seed's exporter wrote every JSON-escaped text as a folded scalar (`>-`), even those
    where no escape happens to occur in a corpus; a field in that style is escaped too.
    """
    escaped = {p: s for p, s in keys.items() if s["traits"].get("escapes")}
    dominant: dict[str, str] = {}
    for path, stats in escaped.items():
        styles = stats["traits"].get("styles")
        if styles:
            dominant[path] = max(styles.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if not dominant:
        return None
    style = max(set(dominant.values()), key=lambda s: (list(dominant.values()).count(s), s))
    agreeing = sorted(p for p, s in dominant.items() if s == style)
    if style == "plain" or len(agreeing) < max(1, 0.8 * len(dominant)):
        return None
    return _StyleRule(style, tuple(agreeing))


def _escaped(stats: dict[str, Any], rule: _StyleRule | None) -> tuple[bool, str]:
    """Decide whether a text field is JSON-escaped; return (escaped, why)."""
    strings = stats["types"].get("string", 0)
    escapes = stats["traits"].get("escapes", 0)
    if escapes:
        return True, f"JSON-style escapes in {escapes}/{strings} files, decoded once"
    styled = stats["traits"].get("styles", {}).get(rule.style, 0) if rule else 0
    if rule and strings and styled >= _MOSTLY * strings:
        shown = ", ".join(rule.keys[:3]) + (", ..." if len(rule.keys) > 3 else "")
        return True, (f"no escapes seen, but {rule.style} scalars in {styled}/{strings} files, "
                      f"the style of the escaped texts ({shown})")
    return False, ""


def _quoted(text: str) -> Any:
    """Double-quote a string that PyYAML (YAML 1.1, which reads profiles) would not read as text.

    ruamel.yaml writes YAML 1.2, where `yes`, `+10:00` or `0o12` are plain strings; PyYAML
    reads them as a boolean, the integer 600, a number.
    """
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    return DoubleQuotedScalarString(text) if tag != "tag:yaml.org,2002:str" else text


def _flow_map(**items: Any) -> CommentedMap:
    """A mapping written on one line: `{from: id, type: integer}`."""
    out = CommentedMap()
    for key, value in items.items():
        out[key] = _quoted(value) if isinstance(value, str) else value
    out.fa.set_flow_style()
    return out


def _flow_seq(items: list[str], quote: bool = True) -> CommentedSeq:
    """A list written on one line, its strings double-quoted (formats, placeholders)."""
    seq = CommentedSeq(DoubleQuotedScalarString(i) if quote else _quoted(i) for i in items)
    seq.fa.set_flow_style()
    return seq


def _comment(cmap: CommentedMap, key: str, text: str, indent: int) -> None:
    """Attach a comment before a key, wrapped to the profile's 100 columns."""
    width = _WIDTH - indent - 2
    lines = [line for paragraph in text.split("\n")
             for line in textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]]
    cmap.yaml_set_comment_before_after_key(key, before="\n".join(lines), indent=indent)


def _field_spec(target: str, source: str, stats: dict[str, Any], rule: _StyleRule | None,
                front_matter_files: int, required_ok: bool) -> tuple[CommentedMap, str]:
    """The profile entry for one field and the reason for it."""
    kind = _KIND.get(target, "string")
    total = _non_null(stats)
    reasons = []
    spec: dict[str, Any] = {"from": source, "type": kind}
    if kind == "integer":
        reasons.append(f"an integer in {stats['types'].get('integer', 0)}/{stats['files']} files")
    elif kind == "number":
        reasons.append(f"a number in {total}/{stats['files']} files")
    elif kind == "date":
        shapes = stats["traits"]["dates"]["shapes"]
        reasons.append(f"date-shaped in {_date_count(stats)}/{stats['files']} files ("
                       + ", ".join(f"{k} {v}" for k, v in shapes.items()) + ")")
    elif kind == "list":
        if _share(stats, "list") >= _TYPE_SHARE:
            reasons.append(f"a list in {stats['types'].get('list', 0)}/{stats['files']} files")
        else:
            spec["split"] = ","
            reasons.append(f"one comma-separated string in "
                           f"{stats['traits'].get('comma_list', 0)}/{stats['files']} files, "
                           "split into a list")
    else:
        mean = stats.get("length", {}).get("mean", 0)
        reasons.append(f"text in {stats['types'].get('string', 0)}/{stats['files']} files"
                       + (f" (mean {mean:.0f} chars)" if mean >= 200 else ""))
    if kind in ("string", "list") and (kind == "string" or "split" in spec):
        escaped, why = _escaped(stats, rule)
        if escaped:
            spec["escaped"] = True
            reasons.append(why)
    if kind == "string" and stats["traits"].get("html"):
        spec["html"] = "auto"
        reasons.append(f"HTML in {stats['traits']['html']}/{stats['files']} files, converted "
                       "to Markdown where the text is HTML")
    if required_ok and stats["files"] == front_matter_files and total == stats["files"]:
        spec["required"] = True
        reasons.append("in every file, so required")
    return _flow_map(**spec), "; ".join(reasons)


def _members_of(families: dict[str, Any], keys: dict[str, Any]) -> set[str]:
    """Key paths inside the slots of numbered families (they are not candidates for fields)."""
    patterns = [re.compile(re.escape(name) + r"\d+(?:$|[.\[])") for name in families]
    return {k for k in keys if any(p.match(k) for p in patterns)}


def _related(families: dict[str, Any], rule: _StyleRule | None,
             ) -> tuple[CommentedMap, str] | None:
    """The `related` section from the numbered family whose slots look most like links."""
    candidates = []
    for name, family in families.items():
        if "." in name or "[]" in name:
            continue  # the transform reads related slots from the top level only
        linkish = sum(1 for names in _LINK_NAMES.values()
                      if _find(names, "any", _any_fields(family["fields"]), set()))
        if linkish >= 2:  # at least two of id, title, subject, url by name
            candidates.append((linkish, family["files"], name))
    if not candidates:
        return None
    name = max(candidates)[2]
    family = families[name]
    fields = family["fields"]
    section = CommentedMap()
    section["family"] = _quoted(name)
    low, high = family["numbers"]
    why = (f"{name}{low}..{name}{high} in {family['files']} files: {family['slots']} slots, "
           f"{family['empty_slots']} empty, {family['duplicate_rate']:.0%} repeat an earlier "
           "slot; merged into one list (numeric order, first occurrence wins, empty slots, "
           "repeats and self-links dropped)")
    _comment(section, "family", why, 2)
    link_fields = CommentedMap()
    taken: set[str] = set()
    missing = []
    for target in ("id", "title", "subject", "url"):
        kind = "integer" if target == "id" else "string"
        found = _find(_LINK_NAMES[target], kind, fields, taken)
        if found is None:
            missing.append(target)
            continue
        source, _ = found
        taken.add(source)
        stats = fields[source]
        spec: dict[str, Any] = {"from": source, "type": kind}
        reason = (f"an integer in {stats['types'].get('integer', 0)}/{stats['files']} files"
                  if kind == "integer" else
                  f"text in {stats['types'].get('string', 0)}/{stats['files']} files")
        if kind == "string":
            escaped, escaped_why = _escaped(stats, rule)
            if escaped:
                spec["escaped"] = True
                reason += "; " + escaped_why
        link_fields[target] = _flow_map(**spec)
        _comment(link_fields, target, f"{target} <- {source}: {reason}", 4)
    section["fields"] = link_fields
    note = "keys of one link: link field <- key inside each slot"
    if missing:
        note += f"; not found: {', '.join(missing)}"
    others = sorted(set(fields) - taken - {f for f in fields if "." in f or "[]" in f})
    if others:
        # The transform keeps a slot with other keys in `extra`, with a warning.
        note += f"; other keys in the slots: {', '.join(others[:6])}"
    _comment(section, "fields", note, 2)
    return section, why


def _any_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Family fields with a permissive type check, to count link-like keys by name alone."""
    return {k: v for k, v in fields.items() if "." not in k and "[]" not in k}


def _resolve_formats(text_formats: dict[str, int], beside: dict[str, dict[str, int]],
                     ) -> list[tuple[str, int, str]]:
    """Turn guessed text formats into profile formats: (format, count, note), most seen first.

    A numeric date such as `02/10/2023` reads either way; it follows the unambiguous values of
    the corpus, else the documents' own formats, else day-first (noted, for a human to check).
    """
    counts: dict[str, int] = {}
    notes: dict[str, str] = {}
    # Evidence is the order of day and month, whatever time follows: `14.03.2024 09:30` says
    # that `02.08.2024` is day first too.
    plain = {_date_part(f) for f in text_formats if "|" not in f and f != "(other)"}
    own = {_date_part(v) for values in beside.values() for v in values}
    for fmt, count in text_formats.items():
        if fmt == "(other)":
            continue
        choice = fmt
        if "|" in fmt:
            day_first, month_first = fmt.split("|", 1)
            if _date_part(day_first) in plain or _date_part(day_first) in own:
                choice = day_first
            elif _date_part(month_first) in plain or _date_part(month_first) in own:
                choice = month_first
            else:
                choice = day_first
                notes[choice] = "day and month could not be told apart: day first assumed"
        counts[choice] = counts.get(choice, 0) + count
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(fmt, count, notes.get(fmt, "")) for fmt, count in ordered]


def _date_part(fmt: str) -> str:
    """The date tokens of a moment.js format, without the time: `DD.MM.YYYY HH:mm` -> `DD.MM.YYYY`."""
    return re.split(r"[ T,]+(?=[Hh])", fmt, maxsplit=1)[0].strip()


def _dates(stats: dict[str, Any], source: str) -> CommentedMap:
    """The `dates` section from the figures of the key mapped to `date`."""
    dates = stats["traits"]["dates"]
    section = CommentedMap()
    beside = dates.get("formats_beside", {})
    if beside:
        key = max(beside, key=lambda k: (sum(beside[k].values()), k))
        seen = ", ".join(f"{v} {n}" for v, n in beside[key].items())
        section["format_from"] = _quoted(key)
        _comment(section, "format_from",
                 f"`{key}` beside `{source}` in {sum(beside[key].values())}/{stats['files']} "
                 f"files ({seen}): each document's date is read with its own format first", 2)
    formats = _resolve_formats(dates.get("text_formats", {}), beside)
    section["formats"] = _flow_seq([f for f, _, _ in formats])
    if formats:
        seen = "; ".join(f"{fmt} {n}" + (f" ({note})" if note else "") for fmt, n, note in formats)
        unreadable = dates.get("unreadable", 0)
        how = (f"{unreadable} of them readable only with these" if unreadable else
               "all of them also readable with ISO 8601 and their document's own format")
        text = f"dates written as text: {seen}; {how}. Tried after ISO 8601"
        if beside:
            text += " and the document's own format"
    else:
        text = "no dates written as text, only ISO 8601 and YAML dates; add moment.js formats " \
               "here if new files need them"
    _comment(section, "formats", text, 2)
    section["timezone"] = DoubleQuotedScalarString("+00:00")
    shapes = dates["shapes"]
    naive = shapes.get("yaml-datetime", 0) + shapes.get("iso-datetime-string", 0) + sum(
        n for f, n, _ in formats if re.search(r"[Hh]", f) and "Z" not in f)
    _comment(section, "timezone",
             (f"{naive} date-times without an offset: they get this one (check it)" if naive
              else "every date-time seen carries its own offset") + "; a date alone is never "
             "shifted", 2)
    return section


def _slug_from(keys: dict[str, Any], fields: dict[str, str]) -> tuple[list[str], str]:
    """The slug sources: a file-name or slug key, then the URL's last segment, then the title."""
    sources = [k for k in _SLUG_KEYS if k in keys and _share(keys[k], "string") >= _TYPE_SHARE]
    for target in ("url", "title"):
        if target in fields and fields[target] not in sources:
            sources.append(fields[target])
    parts = [f"{k} in {keys[k]['files']} files" for k in sources if k in keys]
    return sources, "the slug comes from the first of these that gives one (" \
        + ", ".join(parts) + "; file names lose their extension, URLs give their last segment)"


def draft(inventory: dict[str, Any], name: str, origin: str = "") -> CommentedMap:
    """Build a draft profile, every choice commented, from an inventory's JSON form."""
    keys: dict[str, Any] = inventory["keys"]
    families = inventory["families"]
    fm_files = inventory["front_matter"]["files"]
    members = _members_of(families, keys)
    candidates = {p: s for p, s in keys.items() if p not in members and "[]" not in p}
    all_stats = {**keys, **{f"{fam}N.{k}": v for fam, f in families.items()
                            for k, v in f["fields"].items()}}
    rule = _style_rule({p: s for p, s in all_stats.items() if p not in members})

    doc = CommentedMap()
    doc["name"] = _quoted(name)
    doc["description"] = f"Drafted by `pipeline init-profile` from {inventory['files']} files" \
        + (f" ({origin})" if origin else "") + "."
    doc.yaml_set_start_comment(
        f"Source profile drafted by `python -m pipeline init-profile` from {inventory['files']} "
        "files.\nEach choice says why, with the counts it rests on: check them, edit freely.\n"
        "`init-profile INPUT... --update THIS_FILE` adds what new files show, keeping your\n"
        "edits and comments. Keys not mapped below are kept verbatim under the record's "
        "`extra`.")

    chosen: dict[str, str] = {}
    specs: dict[str, tuple[CommentedMap, str]] = {}
    taken: set[str] = set()
    for target in _CLAIM_ORDER:
        found = _find(_NAMES[target], _KIND.get(target, "string"), candidates, taken)
        if found is None and target == "answer":
            found = _longest_text(candidates, taken)
        if found is None:
            continue
        source, pattern = found
        taken.add(source)
        chosen[target] = source
        spec, why = _field_spec(target, source, candidates[source], rule, fm_files,
                                required_ok=target == "id")
        if pattern == "(longest)":
            why = "the longest text, no key with an answer-like name; " + why
        specs[target] = (spec, why)

    doc["shape"] = "article" if "id" in chosen else "generic"
    _comment(doc, "shape",
             "article: the canonical record (id, slug, url, title, ... related, extra)"
             if "id" in chosen else
             "generic keeps the front matter as it is: no integer id key was found, and an "
             "article record needs one. Map `id` below, then switch to article", 0)
    fields = CommentedMap()
    for target in CANONICAL:
        if target in specs:
            fields[target] = specs[target][0]
            _comment(fields, target, f"{target} <- {chosen[target]}: {specs[target][1]}", 2)
    doc["fields"] = fields
    missing = [t for t in CANONICAL if t not in chosen]
    _comment(doc, "fields", "canonical field <- legacy key path (dots for nesting): why"
             + (f". Not found: {', '.join(missing)}" if missing else ""), 0)

    if "date" in chosen:
        doc["dates"] = _dates(candidates[chosen["date"]], chosen["date"])
        _comment(doc, "dates", f"how `{chosen['date']}` is written", 0)

    related = _related(families, rule)
    if related is not None:
        doc["related"] = related[0]
        _comment(doc, "related", "the numbered key family that becomes the related list", 0)

    slug_sources, slug_why = _slug_from(keys, chosen)
    if slug_sources:
        doc["slug_from"] = _flow_seq(slug_sources, quote=False)
        _comment(doc, "slug_from", slug_why, 0)

    bodies = inventory["bodies"]
    body = CommentedMap()
    if bodies["placeholder"]:
        body["placeholders"] = _flow_seq(list(STANDARD_PLACEHOLDERS))
        forms = ", ".join(f"{k!r} {v}" for k, v in bodies["placeholder_forms"].items())
        _comment(body, "placeholders",
                 f"{bodies['placeholder']} bodies are only a placeholder ({forms}): a body made "
                 "only of these and whitespace is empty", 2)
    else:
        body["placeholders"] = _flow_seq([])
        _comment(body, "placeholders", f"no placeholder bodies seen ({bodies['text']} bodies "
                 f"with text, {bodies['empty']} empty)", 2)
    html_fields = [t for t in chosen if candidates[chosen[t]]["traits"].get("html")]
    if html_fields:
        body["html"] = "auto"
        _comment(body, "html", f"{', '.join(html_fields)} hold{'s' if len(html_fields) == 1 else ''}"
                 " HTML: a body that is HTML is converted to Markdown too", 2)
    doc["body"] = body
    _comment(doc, "body", "what the body holds", 0)
    linking = [t for t in ("answer", "question") if t in chosen
               and candidates[chosen[t]]["traits"].get("links")]
    if linking:
        links = CommentedMap()
        links["fields"] = _flow_seq(["answer", "body"], quote=False)
        _comment(links, "fields", f"{', '.join(linking)} hold{'s' if len(linking) == 1 else ''} "
                 "links or images in "
                 + ", ".join(f"{candidates[chosen[t]]['traits']['links']} files" for t in linking)
                 + ": checked against the run's URLs, rewritten on site pages", 2)
        links["hosts"] = _flow_seq([], quote=False)
        _comment(links, "hosts", "add the legacy site's host names: absolute links to them "
                 "are internal", 2)
        doc["links"] = links
        _comment(doc, "links", "internal links and files (pipeline/links.py)", 0)
    return doc


def _longest_text(keys: dict[str, Any], taken: set[str]) -> tuple[str, str] | None:
    """The answer when no key has an answer-like name: the longest escaped (or any) text."""
    texts = [(p, s) for p, s in keys.items() if p not in taken and "." not in p
             and _fits("string", s, keys, p) and s.get("length", {}).get("mean", 0) >= 200]
    if not texts:
        return None
    best = max(texts, key=lambda ps: (bool(ps[1]["traits"].get("escapes")),
                                      ps[1]["length"]["mean"], ps[0]))
    return best[0], "(longest)"


# ---------------------------------------------------------------------------------------------
# Writing and updating
# ---------------------------------------------------------------------------------------------


def _yaml() -> YAML:
    """The round-trip YAML instance: quotes kept, 100 columns, two-space indents."""
    handler = YAML(typ="rt")
    handler.preserve_quotes = True  # `"+10:00"` must stay a string for PyYAML
    handler.width = _WIDTH
    handler.indent(mapping=2, sequence=4, offset=2)
    # ruamel.yaml writes a null as nothing after the colon; `format_from: null` stays as is.
    handler.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return handler


def render(doc: CommentedMap) -> str:
    """Return a profile document as YAML text."""
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


# Sections whose missing keys `update` adds one by one; anywhere else a key the user has is
# kept whole (a field the user mapped is the user's choice, down to its last option).
_MERGED = {("fields",), ("dates",), ("related",), ("related", "fields"), ("body",)}
# Lists `update` extends with new items (a date format seen in new files), keeping the user's.
_EXTENDED = {("dates", "formats")}


def _last_entry(node: Any) -> tuple[Any, Any]:
    """The deepest last (collection, key or index) of a block collection, where ruamel.yaml
    keeps the comments that follow it."""
    if isinstance(node, CommentedMap) and node and not node.fa.flow_style():
        key = list(node)[-1]
        if isinstance(node[key], (CommentedMap, CommentedSeq)) and node[key] \
                and not node[key].fa.flow_style():
            return _last_entry(node[key])
        return node, key
    if isinstance(node, CommentedSeq) and node and not node.fa.flow_style():
        return node, len(node) - 1
    return None, None


def _split_trailing(cmap: CommentedMap, key: Any) -> list[str]:
    """Detach the whole-line comments that ruamel.yaml stored after a key's end-of-line comment.

    Comment lines that follow an end-of-line comment are stored with it, on the entry before
    them, so a key inserted after that entry would land between those lines and the key they
    describe. They are cut off here, to be put back before the key they describe.
    """
    owner, last = _last_entry(cmap[key])
    if owner is None:
        owner, last = cmap, key
    entry = owner.ca.items.get(last)
    token = entry[2] if entry and len(entry) > 2 else None
    if not isinstance(token, CommentToken) or "\n" not in token.value.rstrip("\n"):
        return []
    first, _, rest = token.value.partition("\n")
    if not first.lstrip().startswith("#"):
        return []  # no end-of-line comment: the lines are stored in their right place already
    token.value = first + "\n"
    return [line.strip() for line in rest.splitlines() if line.strip()]


def _prepend_comment(cmap: CommentedMap, key: Any, lines: list[str], indent: int) -> None:
    """Put whole-line comments (with their `#`) before a key, ahead of the ones it has."""
    entry = cmap.ca.items.setdefault(key, [None, [], None, None])
    tokens = [CommentToken(line + "\n", CommentMark(indent)) for line in lines]
    entry[1] = tokens + (entry[1] or [])


def _following(user: CommentedMap, index: int, chain: list[tuple[CommentedMap, Any]],
               indent: int) -> tuple[CommentedMap, Any, int] | None:
    """The key printed after position `index` of a mapping: in it, or in a mapping above."""
    keys = list(user)
    if index < len(keys):
        return user, keys[index], indent
    for parent, key in reversed(chain):
        indent -= 2
        keys = list(parent)
        at = keys.index(key)
        if at + 1 < len(keys):
            return parent, keys[at + 1], indent
    return None


def _merge(user: CommentedMap, new: CommentedMap, comments: dict[tuple[str, ...], str],
           where: tuple[str, ...], chain: list[tuple[CommentedMap, Any]],
           added: list[str]) -> None:
    """Add to `user` the keys of `new` it lacks, with their comments; recurse into sections."""
    indent = 2 * len(where)
    order = list(new)
    for position, key in enumerate(order):
        path = (*where, str(key))
        if key in user:
            if path in _MERGED and isinstance(user[key], CommentedMap) \
                    and isinstance(new[key], CommentedMap):
                _merge(user[key], new[key], comments, path, chain + [(user, key)], added)
            elif path in _EXTENDED and isinstance(user[key], list):
                for item in new[key]:
                    if item not in user[key]:
                        user[key].append(item)
                        added.append(f"{'.'.join(path)}: {item}")
            continue
        # After the nearest key that precedes it in the draft; never first, where ruamel.yaml
        # keeps the comments of the mapping's first key.
        before = [k for k in order[:position] if k in user]
        index = list(user).index(before[-1]) + 1 if before else min(1, len(user))
        if index > 0:
            target = _following(user, index, chain, indent)
            if target is not None:
                moved = _split_trailing(user, list(user)[index - 1])
                if moved:
                    _prepend_comment(*target[:2], moved, target[2])
        user.insert(index, key, new[key])
        text = comments.get(path)
        if text:
            _comment(user, key, text, indent)
        added.append(".".join(path))


def _comments_of(doc: CommentedMap, where: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """The before-key comments of a draft, by key path (to re-attach them to inserted keys)."""
    out: dict[tuple[str, ...], str] = {}
    for key, value in doc.items():
        entry = doc.ca.items.get(key)
        tokens = entry[1] if entry and len(entry) > 1 and entry[1] else []
        if tokens:
            out[(*where, str(key))] = "\n".join(t.value.strip().lstrip("#").strip()
                                                for t in tokens)
        if isinstance(value, CommentedMap) and not value.fa.flow_style():
            out.update(_comments_of(value, (*where, str(key))))
    return out


def update(existing: str, new: CommentedMap, origin: str) -> tuple[str, list[str]]:
    """Merge a fresh draft into a profile the user edited; return (text, what was added).

    Every key, value and comment the user has stays; missing keys and fields are added with
    their comments, and date formats seen for the first time join `dates.formats`.
    """
    handler = _yaml()
    try:
        user = handler.load(existing)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ConfigError(f"profile is not valid YAML: {getattr(err, 'problem', err)}",
                          path=origin, line=mark.line + 1 if mark else None) from err
    if not isinstance(user, CommentedMap):
        raise ConfigError("profile must be a mapping", path=origin, line=1)
    added: list[str] = []
    _merge(user, new, _comments_of(new), (), [], added)
    out = io.StringIO()
    handler.dump(user, out)
    text = out.getvalue()
    parse_profile(text, origin)  # never write a profile that migrate would refuse
    return text, added


def write_atomic(path: Path, text: str) -> None:
    """Replace a file by new text: written beside it under a temporary name, then renamed."""
    handle = AtomicFile(path, "w", tmp_dir=path.parent)
    try:
        handle.write(text)
    except BaseException:
        handle.abort()
        raise
    handle.commit()
