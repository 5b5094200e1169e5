"""YAML front matter that people can read: block scalars for multi-line text, key order kept.

Hand-written emitter, because PyYAML's dumper costs ~140 µs per record (the largest single cost
of a migration once parsing is fast) while front matter needs only JSON-shaped values. It stays
exact by being conservative: a string is written plain only when PyYAML's own resolver reads it
back as that string, as a literal block only when the block holds it unchanged, and otherwise
double-quoted with every character YAML could fold or reinterpret escaped. Property tests load
the output with PyYAML and compare (tests/load/test_yamlfm.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

_resolver = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"

# Plain scalars: a conservative shape (no indicators at the start, no `:` or `#` at all, no
# trailing space), then PyYAML's resolver must agree it is a string (not a date, bool, number).
_PLAIN = re.compile(r"[A-Za-z0-9_(./$\\][^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff:#]*")
# Characters a double-quoted YAML scalar must not hold raw: JSON escapes C0 controls, quotes
# and backslashes; YAML also treats NEL, LS and PS as line breaks and wants DEL, C1 controls,
# BOM and non-characters escaped.
# The platforms' parsers (Hugo's go-yaml, Jekyll's Psych, Astro's js-yaml) disagree with
# YAML 1.1 (PyYAML): go-yaml and js-yaml read `1e3` and `0o17` as numbers, Psych reads `1,000`
# as an integer and `:x` as a Symbol (which Jekyll's safe loader refuses, failing the build).
# Portable output quotes every string that starts like a number or a symbol, or is a bool/null
# word in any YAML version.
_PORTABLE_RISK = re.compile(r"[-+.~:0-9]")
_TYPED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan",
                          "inf"})
_YAML_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
def _quoted(text: str) -> str:
    """Return a double-quoted scalar holding `text` exactly."""
    body = json.dumps(text, ensure_ascii=False)
    return _YAML_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", body)


def _scalar_text(text: str, portable: bool = False) -> str:
    """Return a one-line scalar for a string: plain when that reads back the same."""
    if portable and (not text or _PORTABLE_RISK.match(text) or text.lower() in _TYPED_WORDS):
        return _quoted(text)
    if len(text) > 64:
        return _scalar_text_uncached(text)
    # Keys and short values (subjects, authors) repeat across records: remember them (a dict,
    # bounded by clearing, is several times cheaper per hit than functools.lru_cache).
    found = _SHORT.get(text)
    if found is None:
        if len(_SHORT) >= 8192:
            _SHORT.clear()
        found = _SHORT[text] = _scalar_text_uncached(text)
    return found


_SHORT: dict[str, str] = {}
# PyYAML picks implicit resolvers by a scalar's first character; text starting with any other
# character is a string without asking it (a Python call per value otherwise).
_IMPLICIT_FIRST = frozenset(k for k in _resolver.yaml_implicit_resolvers if k is not None)
_ANY_FIRST = None in _resolver.yaml_implicit_resolvers


def _scalar_text_uncached(text: str) -> str:
    """Return a one-line scalar for a string: plain when that reads back the same."""
    if text and _PLAIN.fullmatch(text) and not text[-1].isspace() and (
            (text[0] not in _IMPLICIT_FIRST and not _ANY_FIRST)
            or _resolver.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG):
        return text
    return _quoted(text)


def _float_text(value: float) -> str:
    """Return a float the way YAML 1.1 (PyYAML) reads it back as the same float."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")  # `1e+16` alone would read as a string in YAML 1.1
    return text


def _atom(value: Any, portable: bool = False) -> str | None:
    """Return the one-line form of a scalar, or None for collections and multi-line text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        if "\n" in value and _blockable(value):
            return None
        return _scalar_text(value, portable)
    if isinstance(value, (dict, list)):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        return None
    raise TypeError(f"cannot write {type(value).__name__} as front matter")


def _blockable(text: str) -> bool:
    """Return True when a literal block scalar holds `text` unchanged."""
    if text.startswith((" ", "\t", "\n")) or text.endswith((" ", "\t")) \
            or " \n" in text or "\t\n" in text:
        return False
    # str.isprintable (one C loop) refuses every control, format and line-separator character
    # YAML could fold or drop; it also refuses a few harmless ones (no-break space), which
    # then just get the quoted style.
    return text.replace("\n", "").replace("\t", "").isprintable()


def _block(text: str, indent: str) -> list[str]:
    """Return a literal block scalar: the indicator, then the indented lines."""
    stripped = text.rstrip("\n")
    trailing = len(text) - len(stripped)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = [f"|{chomp}"]
    lines.extend(f"{indent}{line}" if line else "" for line in stripped.split("\n"))
    lines.extend("" for _ in range(trailing - 1))
    return lines


def _emit_mapping(mapping: dict[str, Any], indent: str, out: list[str], portable: bool) -> None:
    """Append the lines of a block mapping."""
    for key, value in mapping.items():
        # The same keys at the same depth recur in every record: their line heads are cached.
        head = _HEADS.get((indent, key, portable)) if key.__class__ is str else None
        if head is None:
            head = f"{indent}{_scalar_text(str(key), portable)}:"
            if key.__class__ is str and len(key) <= 64:
                if len(_HEADS) >= 4096:
                    _HEADS.clear()
                _HEADS[(indent, key, portable)] = head
        kind = value.__class__
        if kind is str and "\n" not in value:
            out.append(f"{head} {_scalar_text(value, portable)}")  # most values: one line
        elif kind is int:
            out.append(f"{head} {value}")
        else:
            _emit_value(head, value, indent, out, portable)


_HEADS: dict[tuple[str, str, bool], str] = {}


def _emit_value(head: str, value: Any, indent: str, out: list[str], portable: bool) -> None:
    """Append `head` followed by a value, inline or as a nested block."""
    atom = _atom(value, portable)
    if atom is not None:
        out.append(f"{head} {atom}")
    elif isinstance(value, str):
        block = _block(value, indent + "  ")
        out.append(f"{head} {block[0]}")
        out.extend(block[1:])
    elif isinstance(value, dict):
        out.append(head)
        _emit_mapping(value, indent + "  ", out, portable)
    else:
        out.append(head)
        _emit_sequence(value, indent, out, portable)


def _emit_sequence(items: list[Any], indent: str, out: list[str], portable: bool) -> None:
    """Append the lines of a block sequence (items at the parent's indentation)."""
    for item in items:
        if isinstance(item, (dict, list)) and item:
            start = len(out)
            if isinstance(item, dict):
                _emit_mapping(item, indent + "  ", out, portable)
            else:
                _emit_sequence(item, indent + "  ", out, portable)
            # The first line of a nested collection shares the line with the dash.
            out[start] = f"{indent}- {out[start][len(indent) + 2:]}"
        elif item.__class__ is str and "\n" not in item:
            out.append(f"{indent}- {_scalar_text(item, portable)}")  # keywords, tags
        else:
            _emit_value(f"{indent}-", item, indent, out, portable)


def dump_yaml(mapping: dict[str, Any], portable: bool = False) -> str:
    """Return `mapping` as block-style YAML text, keys in their order, Unicode kept.

    `portable` also quotes every string that Hugo's, Jekyll's or Astro's YAML parser could read
    as something other than a string (see _PORTABLE_RISK).
    """
    if not mapping:
        return ""
    out: list[str] = []
    _emit_mapping(mapping, "", out, portable)
    return "\n".join(out) + "\n"


def front_matter_document(mapping: dict[str, Any], body: str, portable: bool = False) -> str:
    """Return a Markdown document: `---` YAML front matter `---`, then the body."""
    return f"---\n{dump_yaml(mapping, portable)}---\n{body}"
