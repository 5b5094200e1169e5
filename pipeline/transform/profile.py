"""Source profiles: data files in schemas/profiles/, validated on load, looked up by name."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipeline.defaults import SCHEMAS_DIR, available, is_profile_file, profile_path
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    import jsonschema



@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one canonical field is read from the legacy front matter."""

    target: str  # canonical field, dotted for nesting (`seo.description`)
    source: str  # legacy key path, dotted for nesting (`seo.page_description`)
    type: str = "string"
    escaped: bool = False
    required: bool = False
    split: str | None = None
    html: bool | str = False  # True, False or "auto" (pipeline.transform.html)


@dataclass(frozen=True, slots=True)
class Profile:
    """A source profile: the mapping from one legacy format to the canonical record."""

    name: str
    shape: str
    description: str = ""
    fields: tuple[FieldRule, ...] = ()
    date_format_from: str | None = None
    date_formats: tuple[str, ...] = ()
    timezone: dt.tzinfo = dt.timezone.utc
    related_family: str | None = None
    related_fields: tuple[FieldRule, ...] = ()
    slug_from: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    body_html: bool | str = False  # `body.html`: True, False or "auto"
    #: `links.fields`: fields whose Markdown links are checked and rewritten (pipeline.links),
    #: and `links.hosts`: hosts whose absolute URLs are the legacy site's own.
    link_fields: tuple[str, ...] = ()
    link_hosts: tuple[str, ...] = ()
    origin: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False)


@lru_cache(maxsize=None)
def _profile_schema() -> dict[str, Any]:
    """The profile JSON Schema."""
    schema: dict[str, Any] = json.loads(
        (SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=None)
def _profile_check() -> Any:
    """The profile schema compiled by fastjsonschema: the check every run makes. (jsonschema,
    which words the errors, takes a third of a run's start-up to import: it is imported only
    for a profile this check refuses, as records are validated.)"""
    import fastjsonschema

    return fastjsonschema.compile(_profile_schema())


@lru_cache(maxsize=None)
def _profile_validator() -> jsonschema.protocols.Validator:
    """The reference validator, for the error of a profile the fast check refuses."""
    import jsonschema

    return jsonschema.Draft202012Validator(_profile_schema())


def _schema_error(data: Any) -> jsonschema.ValidationError | None:
    """The schema error of a profile's data, or None when it is valid."""
    try:
        _profile_check()(data)
        return None
    except Exception:  # noqa: BLE001 - fastjsonschema's error: the reference words it
        import jsonschema

        error: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(
            _profile_validator().iter_errors(data))
        return error


def _rules(mapping: dict[str, Any]) -> tuple[FieldRule, ...]:
    """Build field rules from the profile's `fields` mapping."""
    return tuple(
        FieldRule(target=target, source=spec["from"], type=spec.get("type", "string"),
                  escaped=bool(spec.get("escaped", False)),
                  required=bool(spec.get("required", False)), split=spec.get("split"),
                  html=spec.get("html", False))
        for target, spec in mapping.items()
    )


def _line_of(text: str, path: list[Any]) -> int | None:
    """Return the 1-based line of a key path in a YAML text, where it can be found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _key_path_at(text: str, line: int) -> str | None:
    """The dotted key path of a line of block YAML, found by its indentation (for an error in
    a file that does not parse, where no parser can say it)."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    key_line = re.compile(r"^(\s*)(?:- )?([^\s#:'\"{}\[\]][^:#]*?|'[^']*'|\"[^\"]*\"):(?:\s|$)")
    found = key_line.match(lines[line - 1].replace("\t", " "))
    if not found:
        return None
    path, indent = [found.group(2).strip("'\"")], len(found.group(1))
    for above in reversed(lines[:line - 1]):
        parent = key_line.match(above.replace("\t", " "))
        if parent and len(parent.group(1)) < indent:
            if above.split(":", 1)[1].split("#", 1)[0].strip():
                break  # a key with a value on its line holds no nested keys
            path.insert(0, parent.group(2).strip("'\""))
            indent = len(parent.group(1))
            if indent == 0:
                break
    return ".".join(path)


def _offending_key(error: jsonschema.ValidationError) -> list[Any]:
    """The key a mapping-level error is about, so the error names that key and its line.

    An unknown field name (`propertyNames`) or an unexpected key (`additionalProperties`) is
    reported by jsonschema at the mapping that holds it; the key itself is more use to a user.
    """
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        return [error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) \
            else set()
        extra = sorted((k for k in error.instance if k not in allowed), key=str)
        return extra[:1]
    return []


def parse_profile(text: str, origin: str, validated: bool = False) -> Profile:
    """Parse and validate a profile's YAML text; errors name the key and line. `validated`:
    these exact bytes passed the schema before (the check is skipped)."""
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        # An unclosed `{`, `[` or quote is reported where the parser gave up, often the next
        # key's line; the line that opened it is where the mistake is.
        mark = err.context_mark if err.context_mark is not None and err.context and any(
            word in err.context for word in ("flow", "quoted")) else err.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"{err.context}: {err.problem}" if err.context else err.problem
        raise ConfigError(f"profile is not valid YAML: {problem}", path=origin, line=line,
                          field=_key_path_at(text, line) if line else None) from err
    except yaml.YAMLError as err:
        raise ConfigError(f"profile is not valid YAML: {err}", path=origin) from err
    if not isinstance(data, dict):
        raise ConfigError("profile must be a mapping", path=origin, line=1)
    error = None if validated else _schema_error(data)
    if error is not None:
        where = list(error.absolute_path) + _offending_key(error)
        raise ConfigError(error.message, path=origin, line=_line_of(text, where),
                          field=".".join(str(p) for p in where) or None,
                          fix="see schemas/profile.schema.json")
    dates = data.get("dates") or {}
    related = data.get("related") or {}
    try:
        timezone = _timezone(dates.get("timezone", "+00:00"))
    except ValueError as err:
        raise ConfigError(f"not a UTC offset: {dates.get('timezone')!r}", path=origin,
                          line=_line_of(text, ["dates", "timezone"]), field="dates.timezone",
                          fix="use +HH:MM between -23:59 and +23:59, Z or UTC") from err
    return Profile(
        name=data["name"], shape=data["shape"], description=data.get("description", ""),
        fields=_rules(data.get("fields") or {}),
        date_format_from=dates.get("format_from"),
        date_formats=tuple(dates.get("formats") or ()),
        timezone=timezone,
        related_family=related.get("family"),
        related_fields=_rules(related.get("fields") or {}),
        slug_from=tuple(data.get("slug_from") or ()),
        placeholders=tuple((data.get("body") or {}).get("placeholders") or ()),
        body_html=(data.get("body") or {}).get("html", False),
        link_fields=tuple((data.get("links") or {}).get("fields") or ()),
        link_hosts=tuple((data.get("links") or {}).get("hosts") or ()),
        origin=origin, data=data,
    )


def _timezone(text: str) -> dt.tzinfo:
    """Parse the profile's timezone offset."""
    from pipeline.transform.dates import parse_timezone

    return parse_timezone(text)


@lru_cache(maxsize=32)
def load_profile(name_or_path: str, validated: bool = False) -> Profile:
    """Return a shipped profile by name, or a profile file by path (`.yaml`/`.yml`).
    `validated`: its bytes passed the schema in an earlier run (a rerun whose state key,
    which holds the profile's digest and the schemas', matched); the check is skipped."""
    candidate = Path(name_or_path)
    if is_profile_file(name_or_path):
        if not candidate.is_file():
            raise ConfigError(f"profile file not found: {name_or_path}",
                              fix=f"use a file path or one of: {', '.join(available())}")
        return parse_profile(candidate.read_text(encoding="utf-8"), str(candidate), validated)
    path = profile_path(name_or_path)
    if not path.is_file():
        raise ConfigError(f"unknown profile {name_or_path!r}",
                          fix=f"valid profiles: {', '.join(available())}, or a .yaml file path")
    return parse_profile(path.read_text(encoding="utf-8"), name_or_path, validated)
