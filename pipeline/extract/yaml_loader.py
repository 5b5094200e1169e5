"""A safe YAML loader that reports duplicate keys and line numbers and never crashes on dates."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator, Mapping

import yaml

from pipeline.errors import DuplicateKeyError, FrontMatterError

# The C parser is several times faster than the pure-Python one; the constructors stay Python,
# so both behave the same and the fallback only costs speed.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Upper bound on the number of values once every alias is expanded. Writers (JSON, CSV, YAML)
#: expand shared references, so a "billion laughs" document of a few hundred bytes would cost
#: them exponential time and memory; real front matter has a few hundred values at most.
MAX_EXPANDED_NODES = 100_000
#: Upper bound on nesting depth of collections (deeply nested input exhausts the recursion limit).
MAX_DEPTH = 64


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader plus a duplicate-key check; dates that do not exist stay strings."""

    line_offset = 1  # added to 0-based marks to give 1-based file lines

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that appears twice in it."""
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: SafeConstructor reports it below
                continue
            if first is not None:
                again = key_node.start_mark.line + self.line_offset
                raise DuplicateKeyError(
                    f"duplicate key {key!r} (first on line {first}, again on line {again})",
                    line=again,
                    field=str(key),
                    fix="keep one of the two entries",
                )
            seen[key] = key_node.start_mark.line + self.line_offset
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """Build a date or datetime; a value such as 2025-02-30 stays its string for transform."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)


def _check_graph(root: yaml.Node, line_offset: int) -> None:
    """Refuse recursive aliases, alias bombs and deep nesting before anything is constructed.

    Counts the nodes the document has once every alias is expanded, with one memoised
    post-order walk over the node graph, so the check itself stays linear in the input.
    """
    expanded: dict[int, int] = {}
    on_path: set[int] = set()
    # Each stack entry: (node, depth, children pushed yet?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(expanded[id(child)] for child in children)
            if total > MAX_EXPANDED_NODES:
                raise FrontMatterError(
                    f"front matter expands to more than {MAX_EXPANDED_NODES} values through "
                    "aliases (possible alias bomb)",
                    line=node.start_mark.line + line_offset,
                    fix="write the values out instead of using YAML aliases")
            expanded[key] = total
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise FrontMatterError("recursive YAML alias (a value contains itself)",
                                   line=node.start_mark.line + line_offset,
                                   fix="remove the alias that refers to its own anchor")
        if depth > MAX_DEPTH:
            raise FrontMatterError(f"nesting deeper than {MAX_DEPTH} levels",
                                   line=node.start_mark.line + line_offset,
                                   fix="flatten the front matter")
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in on_path:
                raise FrontMatterError("recursive YAML alias (a value contains itself)",
                                       line=child.start_mark.line + line_offset,
                                       fix="remove the alias that refers to its own anchor")
            if id(child) not in expanded:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    """Return the direct child nodes of a collection node."""
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_yaml(text: str, first_line: int) -> tuple[Any, Mapping[str, int], str]:
    """Parse one YAML document; return its value, the file line of each top-level key, and
    which parser read it (`yaml-rs`, or `pyyaml: <why the fast path was not taken>`).

    `first_line` is the file line on which `text` starts; errors carry file line numbers.
    """
    scan = _Scan()
    reason = _fast_path_refusal(text, scan)
    if reason is None:
        try:
            # Dates come back as text and are typed below by PyYAML's own rules, because
            # yaml-rs would also read a quoted date as a date.
            value = _yaml_rs.loads(text, parse_datetime=False, alias_limits=_FAST_ALIAS_LIMITS,
                                   duplicate_key_policy=_yaml_rs.DuplicateKeyPolicy.Error)
        except Exception:  # noqa: BLE001 - any refusal: PyYAML decides and words the error
            reason = "yaml-rs refused the document"
        else:
            reason = _retype(value, scan)
            if reason is None:
                return value, LazyKeyLines(text, first_line), FAST_PARSER
    value, key_lines = load_yaml_pyyaml(text, first_line)
    return value, key_lines, f"pyyaml: {reason}"


def load_yaml_pyyaml(text: str, first_line: int) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document with PyYAML (the reference); errors carry file lines."""
    loader = _Loader(text)
    loader.line_offset = first_line
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _check_graph(node, first_line)
        value = loader.construct_document(node)
    except FrontMatterError:
        raise
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + first_line if mark is not None else first_line
        raise FrontMatterError(f"unsupported YAML tag: {err.problem}", line=line,
                               fix="remove the tag; application tags such as !!python/... are "
                                   "never run") from err
    except yaml.reader.ReaderError as err:
        # Its own str() spans two lines; the position counts UTF-8 bytes in the C reader.
        prefix = text.encode("utf-8")[:err.position] if _BaseLoader is not yaml.SafeLoader \
            else text[:err.position].encode("utf-8")
        character = err.character if isinstance(err.character, int) else ord(err.character)
        raise FrontMatterError(f"YAML error: unacceptable character #x{character:04x}: "
                               f"{err.reason}", line=first_line + prefix.count(b"\n"),
                               fix="remove the character from the front matter") from err
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + first_line if mark is not None else first_line
        problem = err.problem or err.context or "invalid YAML"
        raise FrontMatterError(f"YAML syntax error: {problem}", line=line,
                               fix="fix the YAML or quote the value") from err
    except yaml.YAMLError as err:
        raise FrontMatterError(f"YAML error: {err}", line=first_line) from err
    except RecursionError as err:
        raise FrontMatterError("YAML nesting too deep", line=first_line) from err
    finally:
        loader.dispose()
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_lines.setdefault(str(key_node.value), key_node.start_mark.line + first_line)
    return value, key_lines


# --- The fast path -------------------------------------------------------------------------
# yaml-rs (Rust) parses front matter ~9x faster than PyYAML's C loader with Python constructors.
# It implements YAML 1.2 where PyYAML implements 1.1, so a document goes that way only when
# nothing in it can be typed differently; everything else, and every error, is PyYAML's.
# tests/extract/test_fast_yaml.py compares both on input/, a generated corpus and ../shared.
try:
    import yaml_rs as _yaml_rs
except ImportError:  # pragma: no cover - a platform without the wheel: PyYAML only
    _yaml_rs = None  # type: ignore[assignment]

FAST_PARSER = "yaml-rs"
# Defence in depth: aliases never reach yaml-rs (see _STRUCTURE), but if one slipped through it
# is still bounded like the PyYAML path bounds it.
_FAST_ALIAS_LIMITS = (_yaml_rs.AliasLimits(max_total_replayed_events=MAX_EXPANDED_NODES)
                      if _yaml_rs is not None else None)
# One pass over the line starts finds every place a plain scalar can begin (after the
# indentation, `- ` item marks and a `key: `); only those few spots are looked at in Python.
# Scanning the whole text for risky characters instead cost more than yaml-rs's own parse,
# because long one-line answers are full of `*`, digits and dates.
# (It starts with a literal newline, which the regex engine finds with a fast scan; the text
# gets one in front.)
# (The key is matched greedily and possessively: it cannot hold a `:`, so the first `:` ends
# it either way, and the lazy form cost one regex step per character of every long line.)
# findall hands back (item marks, `key:` or "", rest of the line) for every line at once: a
# Python turn per line on plain tuples costs half what match objects cost.
_LINE = re.compile(r"\n[ \t]*((?:-[ \t]+)*)(?:([^\n:#\[{'\"]*+:)[ \t]+)?([^\s#][^\n]*)")
# Numbers YAML 1.1 and 1.2 read differently: leading-zero and 0o octals, binary, exponents
# (1.1 needs a dot and a signed exponent), underscores; sexagesimal (1:20) is caught as a
# string PyYAML would type, after the parse.
# A signed number that starts with its point (`-.5`) is a float to YAML 1.2 and text to 1.1.
_NUMBER_TOKEN = re.compile(r"[-+]?(?:0[0-9_]+|0[oObB][0-9a-fA-F_]*|[0-9][0-9_]*(?:\.[0-9_]*)?"
                           r"[eE][-+]?[0-9]+|\.[0-9_]+[eE][-+]?[0-9]+|[0-9]*_[0-9_.]*)"
                           r"|[-+]\.[0-9][0-9_]*")
_DATE_START = re.compile(r"[0-9]{4}-[0-9][0-9]?-[0-9]")
_FLOW_ITEM = re.compile(r"[\[{,][ \t]*([^,\[\]{}\s][^,\[\]{}]*)")
_TOKEN_END = re.compile(r"[ \t]*(?:[,\]}#]|:(?:[ \t]|$)|$)")  # (a key's token ends at `: `)
_MERGE = re.compile(r"(?:^|\n)[ \t]*<<[ \t]*:")
# PyYAML's reader refuses these characters (yaml/reader.py NON_PRINTABLE); yaml-rs reads them.
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                            "\U00010000-\U0010ffff]")


class _Scan:
    """Date-looking scalars seen while scanning: which were written plain, which quoted."""

    __slots__ = ("plain", "quoted")

    def __init__(self) -> None:
        self.plain: set[str] = set()
        self.quoted: set[str] = set()


def _risky_scalar(text: str, scan: _Scan) -> str | None:
    """Return why a plain-scalar start (`text` is the rest of its line) needs PyYAML."""
    first = text[0]
    if first in "&*!?":
        return "anchor, alias, tag or complex key"
    if first in "\"'":
        if _DATE_START.match(text, 1):
            close = text.find(first, 1)
            if close < 0 or "\\" in text[1:close]:
                return "quoted date spanning lines or with escapes"
            scan.quoted.add(text[1:close])
        return None
    if first in "[{":
        for item in _FLOW_ITEM.finditer(text):
            reason = _risky_scalar(item.group(1).rstrip(), scan)
            if reason:
                return reason
        return None
    if first not in _NUMBER_START:
        return None
    end = _TOKEN_END.search(text, 0, 80)  # numbers are short; never scan a long text line
    token = text[: end.start()] if end else text[:80]
    if _NUMBER_TOKEN.fullmatch(token):
        return "number written in a YAML 1.1-only form"
    if _DATE_START.match(token):
        scan.plain.add(token)
    return None


def _fast_path_refusal(text: str, scan: _Scan | None = None) -> str | None:
    """Return why yaml-rs must not read this text, or None when it may; note date scalars."""
    scan = scan if scan is not None else _Scan()
    if _yaml_rs is None:
        return "yaml-rs is not installed"
    if "<<" in text and _MERGE.search(text):
        return "merge key"
    if _NON_PRINTABLE.search(text):
        return "character the YAML reader refuses"  # yaml-rs accepts it; PyYAML raises
    for dashes, key, rest in _LINE.findall("\n" + text):
        if rest[0] not in _SPECIAL_START and key[:1] not in _NUMBER_START:
            continue  # the common case: `key: words`, decided without leaving the loop
        if key and _NUMBER_TOKEN.fullmatch(key[:-1].strip()):
            return "number written in a YAML 1.1-only form"
        if not key and not dashes and _DATE_START.match(rest):
            return "quoted or folded date"  # a date opening a continuation line
        reason = _risky_scalar(rest, scan)
        if reason:
            return reason
    return None


# (`_` too: yaml-rs reads `_0` as the number 0, PyYAML as text.)
_SPECIAL_START = frozenset("&*!?\"'[{0123456789+-._")
_NUMBER_START = frozenset("0123456789+-._")


# Strings that PyYAML might resolve to another type if they were written plain: the first
# characters of its implicit resolvers (bool, null, int, float, timestamp, merge, value).
_MAYBE_TYPED = re.compile(r"[-+0-9.~=<]|[yYnNtTfFoO][a-zA-Z]{0,4}$|$")
_TOP_KEY = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^\s#\-?:&*!|>\'"%@`{\[][^:#]*?))'
                      r"[ \t]*:(?:[ \t]|$)")


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _retype(value: Any, scan: _Scan) -> str | None:
    """Type the fast path's result as PyYAML would, in place; or say why PyYAML must parse.

    Dates were read as text: one that was written plain becomes a date or datetime by
    PyYAML's own constructor, one that was quoted stays text. Any other string PyYAML would
    type differently, an ambiguous date, deep nesting or NaN sends the document to PyYAML
    (deep nesting so that one place refuses it, with a line number).
    """
    if not isinstance(value, (dict, list)):
        # Not a mapping: PyYAML reads it, and extract refuses it with a line number.
        return None if value is None else "front matter is not a mapping"
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return "deep nesting"
        # Values are replaced in place while iterating, which dicts and lists allow (no key is
        # added or removed). The checks are inlined: this loop visits every scalar of every
        # document, and a call per value cost as much as yaml-rs's parse.
        for key, child in (item.items() if item.__class__ is dict else enumerate(item)):
            if key.__class__ is str and key not in _SAME_KEYS:
                if _typed_as(key, None) is not _SAME:
                    return f"key {key[:40]!r} is typed differently by YAML 1.1"
                if len(_SAME_KEYS) >= 8192:
                    _SAME_KEYS.clear()
                _SAME_KEYS.add(key)
            kind = child.__class__
            if kind is str:
                if _MAYBE_TYPED.match(child):
                    typed = _typed_as(child, scan)
                    if typed is None:
                        return f"value {child[:40]!r} is typed differently by YAML 1.1"
                    if typed is not _SAME:
                        item[key] = typed
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is float and child != child:
                return "NaN"  # NaN != NaN: keep the reference parser's value
    return None


#: Keys already known to read the same in YAML 1.1 (front matter repeats its keys).
_SAME_KEYS: set[str] = set()
_SAME = object()


def _typed_as(text: str, scan: _Scan | None) -> Any:
    """What PyYAML makes of a string yaml-rs gave: _SAME, a date or datetime, or None when
    they differ in a way this cannot settle."""
    if not _MAYBE_TYPED.match(text):
        return _SAME
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
    if tag == "tag:yaml.org,2002:str":
        return _SAME
    if tag != _TIMESTAMP or scan is None:
        return None
    quoted, plain = text in scan.quoted, text in scan.plain
    if quoted and not plain:
        return _SAME
    if plain and not quoted:
        return _TIMESTAMPS.construct_yaml_timestamp(yaml.ScalarNode(_TIMESTAMP, text))
    return None


class LazyKeyLines(Mapping[str, int]):
    """Top-level key lines, found only when an error message asks for one."""

    def __init__(self, text: str, first_line: int) -> None:
        self._args: tuple[str, int] | None = (text, first_line)
        self._lines: dict[str, int] = {}

    def _found(self) -> dict[str, int]:
        """Scan once, on first use."""
        if self._args is not None:
            self._lines, self._args = _top_level_key_lines(*self._args), None
        return self._lines

    def __getitem__(self, key: str) -> int:
        return self._found()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def _top_level_key_lines(text: str, first_line: int) -> dict[str, int]:
    """Find the line of each top-level key with a line scan (the fast path has no marks)."""
    lines: dict[str, int] = {}
    indent: str | None = None
    for number, line in enumerate(text.split("\n")):
        content = line.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        if indent is None:
            indent = line[: len(line) - len(content)]  # the top-level mapping's indentation
        if len(line) - len(content) != len(indent):
            continue
        match = _TOP_KEY.match(content)
        if not match:
            continue
        double, single, plain = match.groups()
        if double is not None:
            try:
                key = json.loads(f'"{double}"')  # YAML's common escapes are JSON's
            except ValueError:
                continue  # a YAML-only escape: leave this key without a line
        else:
            key = single.replace("''", "'") if single is not None else plain.rstrip()
        lines.setdefault(key, number + first_line)
    return lines


_resolver = yaml.resolver.Resolver()
_TIMESTAMPS = _Loader("")  # its constructor types plain dates exactly as the PyYAML path

