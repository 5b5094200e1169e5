"""Front-matter handlers, registered by name: each finds its block and parses it.

Hand-written rather than python-frontmatter because that library drops `...` closers, BOMs,
line numbers and duplicate-key checks, and raises untyped errors (see shared/corpora/README.md).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

from pipeline.errors import DuplicateKeyError, FrontMatterError
from pipeline.extract.yaml_loader import load_yaml


@dataclass(frozen=True, slots=True)
class Split:
    """A located front matter block: its text, the file line it starts on, and the body."""

    text: str
    text_line: int  # 1-based file line of the first line of `text`
    body: str
    body_line: int


@dataclass(frozen=True, slots=True)
class Handler:
    """One front matter format: how to recognise, split and parse it."""

    name: str
    opener: re.Pattern[str]
    closer: re.Pattern[str] | None  # None: the parser finds the end itself (JSON)
    parse: Callable[[str, int], tuple[Any, Mapping[str, int], str]]
    closer_text: str = ""  # the closing line, for messages


def _parse_toml(text: str, first_line: int) -> tuple[Any, dict[str, int], str]:
    """Parse TOML front matter with the standard library."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        line = int(match.group(1)) + first_line - 1 if match else first_line
        raise FrontMatterError(f"TOML syntax error: {err}", line=line,
                               fix="fix the TOML front matter") from err
    key_lines: dict[str, int] = {}
    for offset, raw in enumerate(text.split("\n")):
        stripped = raw.strip()
        if stripped.startswith("["):
            break  # keys after the first table header belong to that table
        match = re.match(r'\s*("([^"]+)"|\'([^\']+)\'|[A-Za-z0-9_-]+)\s*=', raw)
        if match:
            key = match.group(2) or match.group(3) or match.group(1)
            key_lines.setdefault(key, first_line + offset)
    return value, key_lines, "tomllib"


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing duplicate keys as the YAML path does."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"duplicate key {key!r}", field=key,
                                    fix="keep one of the two entries")
        result[key] = value
    return result


_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                             r"|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _parse_json(text: str, first_line: int) -> tuple[Any, dict[str, int], str]:
    """Parse a JSON front matter object."""
    try:
        value = json.loads(text, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as err:
        raise FrontMatterError(f"JSON syntax error: {err.msg}", line=err.lineno + first_line - 1,
                               fix="fix the JSON front matter") from err
    except DuplicateKeyError as err:
        err.line = first_line
        raise
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        # JSON can escape half of a UTF-16 surrogate pair (`\ud800`); no UTF-8 output can
        # hold it, so the file is refused here rather than failing when a writer encodes it.
        lone = _LONE_SURROGATE.search(text)
        line = first_line + text.count("\n", 0, lone.start()) if lone else first_line
        raise FrontMatterError("JSON string holds a lone surrogate escape (half of a UTF-16 "
                               "pair), which UTF-8 cannot store", line=line,
                               fix="write the character itself, or both halves of the pair"
                               ) from err
    key_lines: dict[str, int] = {}
    for offset, raw in enumerate(text.split("\n")):
        match = re.match(r'\s*"((?:[^"\\]|\\.)*)"\s*:', raw)
        if match:
            key_lines.setdefault(match.group(1), first_line + offset)
    return value, key_lines, "json"


# Three or more dashes, as python-frontmatter accepts (`----` occurs in real files).
YAML = Handler("yaml", re.compile(r"-{3,}[ \t]*(?:yaml)?[ \t]*"),
               re.compile(r"(?:-{3,}|\.\.\.)[ \t]*"),
               load_yaml, "---")
TOML = Handler("toml", re.compile(r"\+\+\+[ \t]*(?:toml)?[ \t]*"), re.compile(r"\+\+\+[ \t]*"),
               _parse_toml, "+++")
JSON = Handler("json", re.compile(r"\{.*"), None, _parse_json)

#: Handlers keyed by name, tried in this order on the first line of a file.
HANDLERS: dict[str, Handler] = {h.name: h for h in (YAML, TOML, JSON)}


def _end_of_json(text: str) -> int:
    """Return the index just past the JSON object at the start of `text`, or -1."""
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return -1
    return end


@lru_cache(maxsize=None)
def _closing_line(closer: re.Pattern[str]) -> re.Pattern[str]:
    """The closer as a pattern that finds a whole closing line, with the newline before it.

    (Led by a literal newline, which the regex engine scans for quickly; `^` in multiline
    mode made it try every position.)
    """
    return re.compile(f"\n(?:{closer.pattern})(?=\n|\\Z)")


def split(text: str) -> tuple[Handler, Split] | None:
    """Find the front matter block at the start of `text` (LF newlines, no BOM)."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    for handler in HANDLERS.values():
        if not handler.opener.fullmatch(first):
            continue
        if handler.closer is None:
            end = _end_of_json(text)
            if end < 0:
                # Let the parser report where the JSON breaks.
                return handler, Split(text, 1, "", 1)
            rest = text[end:]
            newline = rest.find("\n")
            # Whatever follows the closing brace on its line is dropped only if blank.
            if newline >= 0 and not rest[:newline].strip():
                rest = rest[newline + 1:]
            fm_lines = text[:end].count("\n")
            return handler, Split(text[:end], 1, rest, fm_lines + 2)
        # One regex search for the closing line, not a match per line (48 per document).
        close = _closing_line(handler.closer).search(text, first_end) if first_end >= 0 else None
        if close is not None:
            # Every front matter line ends with a newline; keep the last one too, which
            # a `|+` block scalar at the end counts as content.
            fm_text = text[first_end + 1:close.start() + 1]
            body = text[close.end() + 1:]
            return handler, Split(fm_text, 2, body, text.count("\n", 0, close.start() + 1) + 2)
        raise FrontMatterError(
            f"front matter opened with {first.strip()!r} on line 1 is never closed",
            line=1, fix=f"add a closing {handler.closer_text!r} line after the front matter",
        )
    return None
