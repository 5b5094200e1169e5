"""Inspect a corpus before migrating it: which front-matter keys, types, shapes and habits it has.

The work has the same two halves as a migration. `summarise` is a pure function of one file's
bytes and relative path that returns a small `FileSummary` (key paths with type names, a short
example, trait flags). `Inventory.add` folds summaries into per-key-path figures whose size is
bounded by the number of distinct key paths (examples, date formats and other distinct values
are capped), never by the number of files. Over a process pool, each worker folds a run of
consecutive files into a partial inventory and the parent merges them in input order, which
gives the same figures as folding file by file.

Key paths are dotted for mappings (`seo.page_keywords`) and use `[]` for list items
(`hero.actions[].text`). Counts are numbers of files: a key seen twice in one file (in two list
items) counts once.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from pipeline.errors import PipelineError
from pipeline.extract import DEFAULT_MAX_BYTES, decode, parse_document, read_bytes
from pipeline.extract.frontmatter import split
from pipeline.pool import ordered_map
from pipeline.run import resolve_inputs
from pipeline.transform import is_placeholder_body
from pipeline.transform.dates import normalise_date

__all__ = [
    "STANDARD_PLACEHOLDERS",
    "FamilyFact",
    "FileSummary",
    "Inventory",
    "KeyFact",
    "date_shape",
    "guess_text_format",
    "has_escapes",
    "inspect_corpus",
    "is_comma_list",
    "partials",
    "render_text",
    "summarise",
    "summarise_file",
]

#: Distinct example values kept per key path.
MAX_EXAMPLES = 3
#: Characters of an example value kept (the rest is cut, with an ellipsis).
MAX_EXAMPLE_CHARS = 60
#: Distinct values kept for other open-ended figures (date formats, body placeholder forms).
MAX_DISTINCT = 12
#: Unreadable files listed by name (all are counted).
MAX_ERROR_EXAMPLES = 5
#: A string longer than this is prose, never a date or a list of keywords.
_SHORT = 120

#: The placeholder tokens a drafted profile lists (the seed CMS's `&nbsp;` and its relatives).
STANDARD_PLACEHOLDERS = ("&nbsp;", "<br>", "<br/>", "<br />", "<p>&nbsp;</p>", "<p></p>")

# JSON string escapes written out as text by an exporter: `\n`, `\t`, `\"`, `\/`, `\uXXXX`.
_ESCAPE = re.compile(r'\\(?:[nt"/]|u[0-9a-fA-F]{4})')
# A numbered key: `related_article12` -> (`related_article`, `12`).
_NUMBERED = re.compile(r"(.*?)(\d+)")
# A key that names the format of the dates beside it (`date_format`, `time_format`, `format`).
_FORMAT_KEY = re.compile(r"(?i)(?:^|[_.-])format$|^format|date.?format|format.?date")
# A value that looks like moment.js / Day.js date tokens (`MMM DD, YYYY`, `DD/MM/YYYY HH:mm`):
# a year and a month or day token, or an hour and minutes (`Markdown` alone is no format).
_FORMAT_VALUE = re.compile(r"Y{2,4}.*[MD]|[MD].*Y{2,4}|H{1,2}:mm")
_DIGIT = re.compile(r"\d").search
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                           r"(?P<offset>\s*(?:Z|[+-]\d{2}:?\d{2}))?", re.IGNORECASE)
_STYLE_NAMES = {None: "plain", "": "plain", "'": "single", '"': "double", "|": "literal",
                ">": "folded"}


# ---------------------------------------------------------------------------------------------
# Traits of single values
# ---------------------------------------------------------------------------------------------


def has_escapes(text: str) -> bool:
    """Return True when text holds JSON-style escapes written out as a backslash and a letter."""
    return "\\" in text and _ESCAPE.search(text) is not None


def is_comma_list(text: str) -> bool:
    """Return True for a one-line string of at least three short comma-separated items."""
    if text.count(",") < 2 or "\n" in text or len(text) > 2000:
        return False
    items = [item.strip() for item in text.split(",")]
    items = [item for item in items if item]
    # Short items of a few words: keywords and tags, not the clauses of a sentence.
    return len(items) >= 3 and all(len(item) <= 40 and item.count(" ") <= 4 for item in items)


_MONTHS_SHORT = {name.lower() for name in calendar.month_abbr if name}
_MONTHS_LONG = {name.lower() for name in calendar.month_name if name}
_TIME_PART = re.compile(r"(?P<sep>,? |T)(?P<H>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
                        r"(?P<A> ?[AaPp][Mm])?(?P<Z> ?(?:Z|[+-]\d{2}:?\d{2}))?")
_TEXT_DATES = (
    # Jan 29, 2025 / January 29th 2025
    re.compile(r"(?P<MMM>[A-Za-z]{3,9})\.? (?P<D>\d{1,2}(?:st|nd|rd|th)?),? (?P<YYYY>\d{4})"),
    # 29 Jan 2025 / 29th January, 2025
    re.compile(r"(?P<D>\d{1,2}(?:st|nd|rd|th)?) (?P<MMM>[A-Za-z]{3,9})\.?,? (?P<YYYY>\d{4})"),
    # 29/01/2025, 01-29-2025, 29.01.2025 (day or month first: decided below)
    re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<YYYY>\d{4})"),
    # 2025/01/29, 2025.01.29
    re.compile(r"(?P<YYYY>\d{4})(?P<sep>[/.])(?P<MM>\d{1,2})(?P=sep)(?P<DD>\d{1,2})"),
)


def _substitute(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace the given spans of text by tokens, keeping the characters between them."""
    out, pos = [], 0
    for start, end, token in sorted(spans):
        literal = text[pos:start]
        # Letters outside tokens would be read as tokens: moment.js brackets keep them literal.
        out.append(f"[{literal}]" if re.search(r"[A-Za-z]", literal) else literal)
        out.append(token)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def guess_text_format(text: str) -> str | None:
    """Guess the moment.js format of a date written as text (`Jan 29, 2025` -> `MMM D, YYYY`).

    A numeric date whose day and month cannot be told apart (`02/10/2023`) gives both readings
    joined by `|` (`DD/MM/YYYY|MM/DD/YYYY`); a caller decides with evidence from other values.
    """
    text = text.strip()
    for pattern in _TEXT_DATES:
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end():]
        time = _TIME_PART.fullmatch(rest) if rest else None
        if rest and time is None:
            continue
        groups = match.groupdict()
        spans: list[tuple[int, int, str]] = [(*match.span("YYYY"), "YYYY")]
        readings: list[list[tuple[int, int, str]]] = []
        if "MMM" in groups and groups.get("MMM"):
            month = groups["MMM"].lower()
            token = "MMM" if month in _MONTHS_SHORT else "MMMM" if month in _MONTHS_LONG else None
            if token is None:
                continue
            day = "Do" if not groups["D"].isdigit() else "D"
            spans += [(*match.span("MMM"), token), (*match.span("D"), day)]
            readings = [spans]
        elif "a" in groups and groups.get("a"):
            first, second = int(groups["a"]), int(groups["b"])
            day_first = spans + [(*match.span("a"), "DD"), (*match.span("b"), "MM")]
            month_first = spans + [(*match.span("a"), "MM"), (*match.span("b"), "DD")]
            if first > 12 and second <= 12:
                readings = [day_first]
            elif second > 12 and first <= 12:
                readings = [month_first]
            elif first <= 12 and second <= 12:
                readings = [day_first, month_first]
            else:
                continue
        else:
            spans += [(*match.span("MM"), "MM"), (*match.span("DD"), "DD")]
            readings = [spans]
        formats = []
        for reading in readings:
            if time is not None:
                base = match.end()
                hour = "h" if time.group("A") else "HH"
                reading = reading + [(base + time.start("H"), base + time.end("H"), hour),
                                     (base + time.start("m"), base + time.end("m"), "mm")]
                if time.group("s"):
                    reading.append((base + time.start("s"), base + time.end("s"), "ss"))
                if time.group("A"):
                    start = base + time.start("A") + (1 if time.group("A")[0] == " " else 0)
                    reading.append((start, base + time.end("A"), "A"))
                if time.group("Z"):
                    start = base + time.start("Z") + (1 if time.group("Z")[0] == " " else 0)
                    reading.append((start, base + time.end("Z"), "Z"))
            fmt = _substitute(text, reading)
            try:
                normalise_date(text, formats=(fmt,))
            except PipelineError:
                continue  # the guess does not read the value back: not a date after all
            formats.append(fmt)
        if formats:
            return "|".join(formats)
    return None


def date_shape(value: Any) -> tuple[str, str | None] | None:
    """Classify a date-like value: (shape, moment.js format for text dates), or None.

    Shapes: `yaml-date`, `yaml-datetime`, `yaml-datetime-offset` (values the front-matter
    parser typed, TOML's too), `iso-date-string`, `iso-datetime-string`,
    `offset-timestamp-string` (ISO written as text), `text` (any other written form, with the
    format guessed for it).
    """
    if isinstance(value, dt.datetime):
        return ("yaml-datetime-offset" if value.tzinfo else "yaml-datetime"), None
    if isinstance(value, dt.date):
        return "yaml-date", None
    if not isinstance(value, str) or len(value) > 40 or not _DIGIT(value):
        return None
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        return "iso-date-string", None
    iso = _ISO_DATETIME.fullmatch(text)
    if iso:
        return ("offset-timestamp-string" if iso.group("offset") else "iso-datetime-string"), None
    fmt = guess_text_format(text)
    return ("text", fmt) if fmt else None


def _type_name(value: Any) -> str:
    """Name a parsed value's type in the words the inventory uses."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _key_text(key: Any) -> str:
    """Return a mapping key as the text of a key path."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, (dt.date, dt.time)):
        return key.isoformat()
    return str(key)


def _example(value: Any) -> str | None:
    """Return a short, one-line text of a scalar value, or None for collections."""
    if isinstance(value, (dict, list, tuple)):
        return None
    cut = False
    if isinstance(value, str):
        # Whitespace collapsed; a long text is cut before, not after, that scan.
        cut = len(value) > MAX_EXAMPLE_CHARS * 2
        text = " ".join(value[:MAX_EXAMPLE_CHARS * 2].split())
    elif isinstance(value, (bool, type(None))):
        text = json.dumps(value)
    elif isinstance(value, (dt.date, dt.time)):
        text = value.isoformat()
    else:
        text = repr(value)
    if cut or len(text) > MAX_EXAMPLE_CHARS:
        return text[:MAX_EXAMPLE_CHARS - 1] + "…"
    return text


# ---------------------------------------------------------------------------------------------
# The per-file summary
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class KeyFact:
    """What one file shows about one key path."""

    types: set[str] = field(default_factory=set)
    example: str | None = None
    escapes: bool = False
    comma_list: bool = False
    style: str | None = None  # YAML scalar style of its first string: plain, folded, literal...
    length: int = 0  # length of its longest string
    date_shape: str | None = None
    text_format: str | None = None  # moment.js format guessed for a date written as text
    format_beside: tuple[str, str] | None = None  # (key path, value) of a `*format*` sibling
    date_unreadable: bool = False  # neither ISO nor the format beside it reads the date
    html: bool = False  # text that is HTML (pipeline.transform.html.looks_like_html)
    links: bool = False  # text holding Markdown or HTML links or images (pipeline.links)

    def copy(self) -> KeyFact:
        """Return an independent copy."""
        return KeyFact(set(self.types), self.example, self.escapes, self.comma_list, self.style,
                       self.length, self.date_shape, self.text_format, self.format_beside,
                       self.date_unreadable, self.html, self.links)

    def merge(self, other: KeyFact) -> None:
        """Fold another value's fact for the same key path in the same file into this one."""
        self.types |= other.types
        self.example = self.example if self.example is not None else other.example
        self.escapes |= other.escapes
        self.comma_list |= other.comma_list
        self.style = self.style or other.style
        self.length = max(self.length, other.length)
        self.date_shape = self.date_shape or other.date_shape
        self.text_format = self.text_format or other.text_format
        self.format_beside = self.format_beside or other.format_beside
        self.date_unreadable |= other.date_unreadable
        self.html |= other.html
        self.links |= other.links


@dataclass(slots=True)
class FamilyFact:
    """One numbered key family in one file (`related_article1..N` at one level)."""

    name: str  # key path of the prefix: `related_article`, `meta.link_`
    numbers: tuple[int, ...]
    empty: int  # slots whose value is null, `{}` or ""
    duplicates: int  # non-empty slots whose id (or whole value) an earlier slot has
    fields: dict[str, KeyFact]  # key paths inside the slots, relative to the slot


@dataclass(slots=True)
class FileSummary:
    """Everything the inventory needs from one file, small enough to send between processes."""

    path: str
    front_matter: str | None = None  # yaml, toml, json; None when the file has none
    error: tuple[str, str] | None = None  # (kind, reason) when the file cannot be read
    body: str = "empty"  # empty, placeholder or text
    placeholder: str | None = None  # the placeholder body, whitespace collapsed
    keys: dict[str, KeyFact] = field(default_factory=dict)
    families: list[FamilyFact] = field(default_factory=list)


def _yaml_styles(block: str) -> dict[str, str]:
    """Map key paths to the YAML scalar style of their first string value (`folded` for `>-`).

    Styles matter because an exporter writes its fields in habits: the seed's exporter put
    every JSON-escaped text in a folded scalar. The parser's event stream has the styles.
    """
    styles: dict[str, str] = {}
    stack: list[list[Any]] = []  # frames: [is_mapping, path, expecting_key, key]

    def value_path() -> str:
        frame = stack[-1]
        if frame[0]:
            return f"{frame[1]}.{frame[3]}" if frame[1] else str(frame[3])
        return f"{frame[1]}[]"

    def completed() -> None:
        if stack and stack[-1][0]:
            stack[-1][2] = not stack[-1][2]

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    try:
        for event in yaml.parse(block, Loader=loader):
            kind = type(event)
            if kind is scalar or kind is alias:
                if not stack:
                    continue
                frame = stack[-1]
                if frame[0] and frame[2]:
                    frame[3] = getattr(event, "value", "?")
                elif kind is scalar:
                    path = value_path()
                    if path not in styles:
                        styles[path] = _STYLE_NAMES.get(event.style, "plain")
                completed()
            elif kind in starts:
                if stack and stack[-1][0] and stack[-1][2]:
                    stack[-1][3] = "?"  # a collection used as a key: rare, named `?`
                path = value_path() if stack else ""
                stack.append([kind is yaml.MappingStartEvent, path, True, None])
            elif kind in ends:
                stack.pop()
                completed()
    except yaml.YAMLError:
        pass  # the document parsed for extract already; styles are only a hint
    return styles


class _Walker:
    """Collects the key facts of one front-matter mapping."""

    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles
        self.keys: dict[str, KeyFact] = {}
        self.families: list[tuple[str, list[tuple[int, str]], int, int]] = []

    def fact(self, path: str) -> KeyFact:
        """Return the fact of a key path, created on first use."""
        found = self.keys.get(path)
        if found is None:
            found = self.keys[path] = KeyFact()
        return found

    def walk(self, value: Any, path: str, beside: tuple[str, str] | None) -> None:
        """Record one value at a key path, then everything below it."""
        if isinstance(value, dict):
            self.fact(path).types.add("mapping")
            self.mapping(value, path)
            return
        if isinstance(value, (list, tuple)):
            self.fact(path).types.add("list")
            for item in value:
                self.walk(item, f"{path}[]", None)
            return
        fact = self.fact(path)
        fact.types.add(_type_name(value))
        if fact.example is None:
            fact.example = _example(value)
        if isinstance(value, str):
            if fact.style is None and path in self.styles:
                fact.style = self.styles[path]
            fact.length = max(fact.length, len(value))
            if has_escapes(value):
                fact.escapes = True
            if "<" in value or "](" in value or "]:" in value:
                from pipeline.links import find_links
                from pipeline.transform.html import looks_like_html

                fact.html |= looks_like_html(value)
                fact.links |= bool(find_links(value))
            if len(value) <= _SHORT * 4 and is_comma_list(value):
                fact.comma_list = True
        shape = date_shape(value)
        if shape is not None and fact.date_shape is None:
            fact.date_shape, fact.text_format = shape
            fact.format_beside = beside
            if isinstance(value, str):
                try:
                    normalise_date(value, doc_format=beside[1] if beside else None)
                except PipelineError:
                    fact.date_unreadable = True

    def mapping(self, value: dict[Any, Any], path: str) -> None:
        """Record the keys of a mapping, the date format beside its dates, its key families."""
        beside: tuple[str, str] | None = None
        for key, item in value.items():
            name = _key_text(key)
            if "ormat" in name and (beside is None or "date" in name.lower()) \
                    and isinstance(item, str) and _FORMAT_KEY.search(name) \
                    and _FORMAT_VALUE.search(item):
                beside = (f"{path}.{name}" if path else name, item)
        groups: dict[str, list[tuple[int, str]]] = {}
        for key, item in value.items():
            name = _key_text(key)
            self.walk(item, f"{path}.{name}" if path else name, beside)
            if name[-1:].isdigit():
                numbered = _NUMBERED.fullmatch(name)
                if numbered and numbered.group(1):
                    groups.setdefault(numbered.group(1), []).append(
                        (int(numbered.group(2)), name))
        for prefix, members in groups.items():
            values = [value.get(m) for _, m in members]
            if not any(isinstance(v, dict) and v for v in values):
                continue
            if not all(isinstance(v, dict) or _is_empty(v) for v in values):
                continue
            members.sort()
            seen: set[str] = set()
            empty = duplicates = 0
            for _, member in members:
                slot = value.get(member)
                if not isinstance(slot, dict) or not slot:
                    empty += 1  # only maps and empty values get here: this one is empty
                    continue
                identity = json.dumps(slot.get("id") if "id" in slot else slot, sort_keys=True,
                                      default=str)
                if identity in seen:
                    duplicates += 1
                seen.add(identity)
            name = f"{path}.{prefix}" if path else prefix
            self.families.append((name, members, empty, duplicates))

    def family_facts(self) -> list[FamilyFact]:
        """Build the families found, with the facts of the keys inside their slots."""
        if not self.families:
            return []
        ordered = sorted(self.keys)
        out: dict[str, FamilyFact] = {}
        for name, members, empty, duplicates in self.families:
            parent = name.rsplit(".", 1)[0] + "." if "." in name else ""
            fields: dict[str, KeyFact] = {}
            for _, member in members:
                prefix = f"{parent}{member}."
                start = bisect.bisect_left(ordered, prefix)
                for full in ordered[start:]:
                    if not full.startswith(prefix):
                        break
                    rel = full[len(prefix):]
                    fact = self.keys[full]
                    if rel in fields:
                        fields[rel].merge(fact)
                    else:
                        fields[rel] = fact.copy()
            found = out.get(name)
            if found is None:
                out[name] = FamilyFact(name, tuple(n for n, _ in members), empty, duplicates,
                                       fields)
            else:  # the same family in several items of a list, in one file
                found.numbers += tuple(n for n, _ in members)
                found.empty += empty
                found.duplicates += duplicates
                for rel, fact in fields.items():
                    if rel in found.fields:
                        found.fields[rel].merge(fact)
                    else:
                        found.fields[rel] = fact
        return list(out.values())


def _is_empty(value: Any) -> bool:
    """An empty slot: null, `{}` or an empty string."""
    return value is None or value == {} or value == ""


def _front_matter_text(data: bytes, path: str) -> str | None:
    """Return the YAML front-matter block of a file as text (for its scalar styles)."""
    try:
        text = decode(data, path)[0].replace("\r\n", "\n")
        found = split(text)
    except PipelineError:
        return None
    return found[1].text if found is not None and found[0].name == "yaml" else None


def summarise(data: bytes, path: str) -> FileSummary:
    """The per-file work of `inspect`: bytes and relative path -> FileSummary; pure."""
    try:
        raw = parse_document(data, path)
    except PipelineError as err:
        return FileSummary(path, error=(err.kind, err.reason()))
    except RecursionError:
        return FileSummary(path, error=("extract", "structure nested too deeply"))
    summary = FileSummary(path, front_matter=raw.fm_format)
    body = raw.body
    if body.strip():
        # The transform's own test, with the tokens a drafted profile will list.
        if len(body) <= 400 and is_placeholder_body(body, STANDARD_PLACEHOLDERS):
            summary.body, summary.placeholder = "placeholder", " ".join(body.split())
        else:
            summary.body = "text"
    if raw.front_matter:
        block = _front_matter_text(data, path) if raw.fm_format == "yaml" else None
        walker = _Walker(_yaml_styles(block) if block else {})
        walker.mapping(raw.front_matter, "")
        summary.keys = walker.keys
        summary.families = walker.family_facts()
    return summary


# ---------------------------------------------------------------------------------------------
# The streaming aggregate
# ---------------------------------------------------------------------------------------------


def _bump(counter: Counter[str], key: str, cap: int | None, count: int = 1) -> None:
    """Count a value, keeping at most `cap` distinct ones (the rest are counted as `(other)`).

    Admission depends only on the order in which values are first seen, so folding partial
    counts (uncapped, in input order) gives exactly what counting file by file gives.
    """
    if cap is None or key in counter or len(counter) < cap:
        counter[key] += count
    else:
        counter["(other)"] += count


def _add_examples(examples: list[str], new: Iterable[str]) -> None:
    """Append distinct examples up to MAX_EXAMPLES, first seen first."""
    for example in new:
        if len(examples) >= MAX_EXAMPLES:
            return
        if example not in examples:
            examples.append(example)


class KeyStats:
    """Figures for one key path across the files, of bounded size."""

    __slots__ = (
        "comma_lists",
        "date_shapes",
        "date_unreadable",
        "escapes",
        "examples",
        "files",
        "formats_beside",
        "html",
        "length_max",
        "links",
        "length_total",
        "strings",
        "styles",
        "text_formats",
        "types",
    )

    def __init__(self) -> None:
        self.files = 0
        self.types: Counter[str] = Counter()
        self.examples: list[str] = []
        self.escapes = 0
        self.comma_lists = 0
        self.styles: Counter[str] = Counter()
        self.strings = 0  # files where it holds a string
        self.length_total = 0
        self.length_max = 0
        self.date_shapes: Counter[str] = Counter()
        self.text_formats: Counter[str] = Counter()
        self.formats_beside: dict[str, Counter[str]] = {}
        self.date_unreadable = 0
        self.html = 0
        self.links = 0

    def add(self, fact: KeyFact, cap: int | None) -> None:
        """Count one file's fact."""
        self.files += 1
        for name in fact.types:
            self.types[name] += 1
        if fact.example is not None:
            _add_examples(self.examples, (fact.example,))
        self.escapes += fact.escapes
        self.comma_lists += fact.comma_list
        self.html += fact.html
        self.links += fact.links
        if fact.style:
            self.styles[fact.style] += 1
        if "string" in fact.types:
            self.strings += 1
            self.length_total += fact.length
            self.length_max = max(self.length_max, fact.length)
        if fact.date_shape:
            self.date_shapes[fact.date_shape] += 1
            if fact.text_format:
                _bump(self.text_formats, fact.text_format, cap)
            if fact.format_beside:
                self._beside(*fact.format_beside, 1, cap)
            self.date_unreadable += fact.date_unreadable

    def _beside(self, key: str, value: str, count: int, cap: int | None) -> None:
        """Count a `*format*` value seen beside this key's dates."""
        values = self.formats_beside.get(key)
        if values is None:
            if cap is not None and len(self.formats_beside) >= cap:
                return  # a format key past the cap: not listed
            values = self.formats_beside[key] = Counter()
        _bump(values, value, cap, count)

    def merge(self, other: KeyStats, cap: int | None) -> None:
        """Fold the figures of later files (a partial inventory) into these."""
        self.files += other.files
        self.types.update(other.types)
        _add_examples(self.examples, other.examples)
        self.escapes += other.escapes
        self.comma_lists += other.comma_lists
        self.html += other.html
        self.links += other.links
        self.styles.update(other.styles)
        self.strings += other.strings
        self.length_total += other.length_total
        self.length_max = max(self.length_max, other.length_max)
        self.date_shapes.update(other.date_shapes)
        for fmt, count in other.text_formats.items():
            _bump(self.text_formats, fmt, cap, count)
        for key, values in other.formats_beside.items():
            for value, count in values.items():
                self._beside(key, value, count, cap)
        self.date_unreadable += other.date_unreadable

    def type_varies(self) -> bool:
        """True when files hold different (non-null) types under this key path."""
        return len([t for t in self.types if t != "null"]) > 1

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (only the traits that were seen)."""
        out: dict[str, Any] = {"files": self.files, "types": _sorted_counts(self.types),
                               "examples": list(self.examples)}
        if self.strings:
            out["length"] = {"max": self.length_max,
                             "mean": round(self.length_total / self.strings, 1)}
        traits: dict[str, Any] = {}
        if self.escapes:
            traits["escapes"] = self.escapes
        if self.comma_lists:
            traits["comma_list"] = self.comma_lists
        if self.html:
            traits["html"] = self.html
        if self.links:
            traits["links"] = self.links
        if self.styles:
            traits["styles"] = _sorted_counts(self.styles)
        if self.date_shapes:
            dates: dict[str, Any] = {"shapes": _sorted_counts(self.date_shapes)}
            if self.text_formats:
                dates["text_formats"] = _sorted_counts(self.text_formats)
            if self.formats_beside:
                dates["formats_beside"] = {k: _sorted_counts(v)
                                           for k, v in sorted(self.formats_beside.items())}
            if self.date_unreadable:
                dates["unreadable"] = self.date_unreadable
            traits["dates"] = dates
        if self.type_varies():
            traits["type_varies"] = True
        out["traits"] = traits
        return out


def _sorted_counts(counter: Counter[str]) -> dict[str, int]:
    """Counts as a dict, most common first, ties by name: stable JSON."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


class FamilyStats:
    """Figures for one numbered key family across the files."""

    __slots__ = ("duplicates", "empty", "fields", "files", "high", "low", "most", "slots")

    def __init__(self) -> None:
        self.files = 0
        self.low: int | None = None
        self.high: int | None = None
        self.most = 0  # most slots in one file
        self.slots = 0
        self.empty = 0
        self.duplicates = 0
        self.fields: dict[str, KeyStats] = {}

    def add(self, fact: FamilyFact, cap: int | None) -> None:
        """Count one file's family."""
        self.files += 1
        self._span(min(fact.numbers), max(fact.numbers))
        self.most = max(self.most, len(fact.numbers))
        self.slots += len(fact.numbers)
        self.empty += fact.empty
        self.duplicates += fact.duplicates
        for rel, key_fact in fact.fields.items():
            stats = self.fields.get(rel)
            if stats is None:
                stats = self.fields[rel] = KeyStats()
            stats.add(key_fact, cap)

    def _span(self, low: int | None, high: int | None) -> None:
        """Widen the range of slot numbers seen."""
        if low is not None:
            self.low = low if self.low is None else min(self.low, low)
        if high is not None:
            self.high = high if self.high is None else max(self.high, high)

    def merge(self, other: FamilyStats, cap: int | None) -> None:
        """Fold the figures of later files into these."""
        self.files += other.files
        self._span(other.low, other.high)
        self.most = max(self.most, other.most)
        self.slots += other.slots
        self.empty += other.empty
        self.duplicates += other.duplicates
        for rel, stats in other.fields.items():
            mine = self.fields.get(rel)
            if mine is None:
                mine = self.fields[rel] = KeyStats()
            mine.merge(stats, cap)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        filled = self.slots - self.empty
        return {"files": self.files, "numbers": [self.low, self.high], "most_in_a_file": self.most,
                "slots": self.slots, "empty_slots": self.empty, "duplicates": self.duplicates,
                "duplicate_rate": round(self.duplicates / filled, 3) if filled else 0.0,
                "fields": {k: v.as_dict() for k, v in sorted(self.fields.items())}}


class Inventory:
    """The streaming aggregate of file summaries: memory grows with key paths, not files.

    `cap` bounds the distinct values kept per open-ended figure; a partial inventory of a
    chunk of files is built uncapped (`cap=None`, bounded by the chunk) and folded, in input
    order, into the capped whole with `merge`: the result is the same as adding file by file.
    """

    def __init__(self, cap: int | None = MAX_DISTINCT) -> None:
        self.cap = cap
        self.files = 0
        self.formats: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.error_examples: list[dict[str, str]] = []
        self.bodies: Counter[str] = Counter()
        self.placeholders: Counter[str] = Counter()
        self.keys: dict[str, KeyStats] = {}
        self.families: dict[str, FamilyStats] = {}

    def add(self, summary: FileSummary) -> None:
        """Fold one file's summary into the figures."""
        self.files += 1
        if summary.error is not None:
            kind, reason = summary.error
            self.errors[kind] += 1
            if len(self.error_examples) < MAX_ERROR_EXAMPLES:
                self.error_examples.append({"path": summary.path, "reason": reason})
            return
        self.formats[summary.front_matter or "none"] += 1
        self.bodies[summary.body] += 1
        if summary.placeholder is not None:
            _bump(self.placeholders, summary.placeholder, self.cap)
        for path, fact in summary.keys.items():
            stats = self.keys.get(path)
            if stats is None:
                stats = self.keys[path] = KeyStats()
            stats.add(fact, self.cap)
        for family in summary.families:
            stats_f = self.families.get(family.name)
            if stats_f is None:
                stats_f = self.families[family.name] = FamilyStats()
            stats_f.add(family, self.cap)

    def merge(self, other: Inventory) -> None:
        """Fold a partial inventory of the files that follow into this one."""
        self.files += other.files
        self.formats.update(other.formats)
        self.errors.update(other.errors)
        room = MAX_ERROR_EXAMPLES - len(self.error_examples)
        self.error_examples.extend(other.error_examples[:max(0, room)])
        self.bodies.update(other.bodies)
        for form, count in other.placeholders.items():
            _bump(self.placeholders, form, self.cap, count)
        for path, stats in other.keys.items():
            mine = self.keys.get(path)
            if mine is None:
                mine = self.keys[path] = KeyStats()
            mine.merge(stats, self.cap)
        for name, family in other.families.items():
            mine_f = self.families.get(name)
            if mine_f is None:
                mine_f = self.families[name] = FamilyStats()
            mine_f.merge(family, self.cap)

    def as_dict(self) -> dict[str, Any]:
        """Return the inventory as JSON-ready data; same input, same data (keys sorted)."""
        readable = self.files - sum(self.errors.values())
        families = {name: stats.as_dict() for name, stats in sorted(self.families.items())
                    if stats.most >= 2}  # one numbered key alone is not a family
        return {
            "files": self.files,
            "front_matter": {"files": readable - self.formats.get("none", 0),
                             "formats": _sorted_counts(self.formats)},
            "unreadable": {"files": sum(self.errors.values()),
                           "kinds": _sorted_counts(self.errors),
                           "examples": list(self.error_examples)},
            "bodies": {**{k: self.bodies.get(k, 0) for k in ("empty", "placeholder", "text")},
                       "placeholder_forms": _sorted_counts(self.placeholders)},
            "keys": {path: stats.as_dict() for path, stats in sorted(self.keys.items())},
            "families": families,
            "type_varies": sorted(p for p, s in self.keys.items() if s.type_varies()),
        }


# ---------------------------------------------------------------------------------------------
# Mapping the per-file work over a corpus
# ---------------------------------------------------------------------------------------------


def summarise_file(path: str | Path, rel: str,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> FileSummary:
    """Read one file (refusing it unread when over `max_bytes`) and summarise it."""
    try:
        data = read_bytes(path, rel, max_bytes)
    except PipelineError as err:
        return FileSummary(rel, error=(err.kind, err.reason()))
    return summarise(data, rel)


def _inventory_of(chunk: tuple[list[tuple[str, str]], int]) -> Inventory:
    """Pool entry point: the partial inventory of a run of consecutive files.

    Folding in the worker sends one small inventory per chunk back to the parent instead of
    one summary per file: unpickling thousands of summaries would keep the parent busier than
    the workers.
    """
    files, max_bytes = chunk
    partial = Inventory(cap=None)
    for path, rel in files:
        partial.add(summarise_file(Path(path), rel, max_bytes))
    return partial


#: Files per partial inventory: small enough for a smooth progress bar, large enough that the
#: parent merges a few hundred partial inventories, not one summary per file.
CHUNK = 32


def _chunks(files: Iterable[tuple[str | Path, str]], max_bytes: int,
            ) -> Iterator[tuple[list[tuple[str, str]], int]]:
    """Cut the (lazily listed) files into runs of CHUNK consecutive files."""
    iterator = iter(files)
    while chunk := [(str(path), rel) for path, rel in itertools.islice(iterator, CHUNK)]:
        yield chunk, max_bytes


def partials(files: Iterable[tuple[str | Path, str]], workers: int,
             max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Inventory]:
    """Map the per-file work over the files on `workers` processes; yield partial inventories
    of consecutive runs of files, in input order (so the figures, first examples and capped
    value lists, do not depend on scheduling)."""
    yield from ordered_map(_inventory_of, _chunks(files, max_bytes), workers)


def inspect_corpus(inputs: Iterable[Path], workers: int = 1,
                   max_bytes: int = DEFAULT_MAX_BYTES, quiet: bool = True) -> Inventory:
    """Read every input file and return the inventory (a progress bar on stderr unless quiet)."""
    files = resolve_inputs(inputs)
    inventory = Inventory()
    # The total only when the bar shows: counting the files is a walk of its own.
    total = None if quiet else len(files)
    progress = tqdm(total=total, unit="file", file=sys.stderr, leave=False,
                    disable=True if quiet else None)
    with progress:
        for partial in partials(files, workers, max_bytes):
            inventory.merge(partial)
            progress.update(partial.files)
    return inventory


# ---------------------------------------------------------------------------------------------
# The terminal table
# ---------------------------------------------------------------------------------------------


def _counts_text(counts: dict[str, int], limit: int = 4) -> str:
    """`a 3, b 2` for the first `limit` counts, then `+N more`."""
    items = [f"{k} {v}" for k, v in counts.items()]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f", +{more} more" if more > 0 else "")


def _traits_text(stats: dict[str, Any]) -> str:
    """The traits of one key path in a few words."""
    traits = stats["traits"]
    parts = []
    if "escapes" in traits:
        parts.append(f"escapes {traits['escapes']}")
    if "comma_list" in traits:
        parts.append(f"comma-list {traits['comma_list']}")
    if "html" in traits:
        parts.append(f"html {traits['html']}")
    if "links" in traits:
        parts.append(f"links {traits['links']}")
    # Block scalars are an exporter's habit worth seeing; quoting styles are in the JSON.
    styles = {k: v for k, v in traits.get("styles", {}).items() if k in ("folded", "literal")}
    if styles:
        parts.append(_counts_text(styles, 2))
    if "dates" in traits:
        dates = traits["dates"]
        parts.append(f"dates {sum(dates['shapes'].values())}")
        if "unreadable" in dates:
            parts.append(f"unreadable dates {dates['unreadable']}")
    if traits.get("type_varies"):
        parts.append("type varies")
    return "; ".join(parts)


def _table(headers: list[str], rows: list[list[str]], caps: list[int]) -> list[str]:
    """Left-aligned columns as wide as their content up to a cap; the last column gets what
    the terminal has left."""
    def cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[:max(0, width - 1)] + "…"

    widths = [min(cap, max(len(r[i]) for r in [headers, *rows])) for i, cap in enumerate(caps)]
    room = max(20, shutil.get_terminal_size((160, 24)).columns - sum(widths) - 2 * len(widths))
    lines = []
    for row in [headers, *rows]:
        cells = [cut(c, w).ljust(w) for c, w in zip(row[:-1], widths)] + [cut(row[-1], room)]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_text(inventory: dict[str, Any]) -> str:
    """Render an inventory (the `as_dict` form) as readable tables for a terminal."""
    files = inventory["files"]
    fm = inventory["front_matter"]
    unreadable = inventory["unreadable"]
    bodies = inventory["bodies"]
    lines = [(f"{files} files: {fm['files']} with front matter "
             f"({_counts_text({k: v for k, v in fm['formats'].items() if k != 'none'}) or '-'}), "
             f"{fm['formats'].get('none', 0)} without, {unreadable['files']} unreadable")]
    for example in unreadable["examples"]:
        lines.append(f"  unreadable: {example['path']}: {example['reason'][:100]}")
    forms = bodies["placeholder_forms"]
    lines.append(f"bodies: {bodies['text']} text, {bodies['empty']} empty, "
                 f"{bodies['placeholder']} placeholder"
                 + (f" ({_counts_text(forms, 3)})" if forms else ""))
    families = inventory["families"]
    # Family members are shown once per family field (`related_article{1..8}.url`), not per N.
    member = [re.compile(re.escape(name) + r"\d+(?:$|[.\[])") for name in families]
    members = {key for key in inventory["keys"] if any(m.match(key) for m in member)}
    rows = []
    for path, stats in inventory["keys"].items():
        if path in members:
            continue
        rows.append([path, str(stats["files"]), _counts_text(stats["types"], 3),
                     _traits_text(stats), " | ".join(stats["examples"])])
    for name, family in families.items():
        low, high = family["numbers"]
        for rel, stats in family["fields"].items():
            rows.append([f"{name}{{{low}..{high}}}.{rel}", str(stats["files"]),
                         _counts_text(stats["types"], 3), _traits_text(stats),
                         " | ".join(stats["examples"])])
    lines.append("")
    lines += _table(["KEY PATH", "FILES", "TYPES", "TRAITS", "EXAMPLES"], rows,
                    [40, 5, 30, 40])
    if families:
        lines.append("")
        rows = [[f"{name}N", str(f["files"]), f"{f['numbers'][0]}..{f['numbers'][1]}",
                 str(f["slots"]), str(f["empty_slots"]), f"{f['duplicate_rate']:.0%}",
                 ", ".join(f["fields"])] for name, f in families.items()]
        lines += _table(["NUMBERED FAMILY", "FILES", "N", "SLOTS", "EMPTY", "DUPLICATES",
                         "FIELDS"], rows, [40, 5, 8, 6, 6, 10])
    dated = [(path, s["traits"]["dates"]) for path, s in inventory["keys"].items()
             if "dates" in s["traits"] and path not in members]
    if dated:
        lines.append("")
        rows = []
        for path, dates in dated:
            beside = "; ".join(f"{key}: {_counts_text(values, 3)}"
                               for key, values in dates.get("formats_beside", {}).items())
            rows.append([path, _counts_text(dates["shapes"], 4), beside or "-",
                         str(dates.get("unreadable", 0)),
                         _counts_text(dates.get("text_formats", {}), 3) or "-"])
        lines += _table(["DATE KEY", "SHAPES", "FORMATS BESIDE", "UNREADABLE", "TEXT FORMATS"],
                        rows, [40, 70, 50, 10])
    varies = [p for p in inventory["type_varies"] if p not in members]
    if varies:
        lines.append("")
        lines.append("type varies between files: " + ", ".join(
            f"{p} ({_counts_text(inventory['keys'][p]['types'], 3)})" for p in varies[:12])
            + (f", +{len(varies) - 12} more" if len(varies) > 12 else ""))
    return "\n".join(lines) + "\n"
