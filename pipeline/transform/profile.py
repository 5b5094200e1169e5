"""Source profiles: data files in schemas/profiles/, validated on load, looked up by name."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.errors import ConfigError

#: Where the JSON Schemas and profiles live: the project's `schemas/` folder.
SCHEMAS_DIR = Path(os.environ.get("PIPELINE_SCHEMAS",
                                  Path(__file__).resolve().parents[2] / "schemas"))
PROFILES_DIR = SCHEMAS_DIR / "profiles"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one canonical field is read from the legacy front matter."""

    target: str  # canonical field, dotted for nesting (`seo.description`)
    source: str  # legacy key path, dotted for nesting (`seo.page_description`)
    type: str = "string"
    escaped: bool = False
    required: bool = False
    split: str | None = None


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
    origin: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False)


def available() -> list[str]:
    """Return the names of the profiles shipped in schemas/profiles/."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


@lru_cache(maxsize=None)
def _profile_validator() -> jsonschema.protocols.Validator:
    """Compile the profile JSON Schema once."""
    schema = json.loads((SCHEMAS_DIR / "profile.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _rules(mapping: dict[str, Any]) -> tuple[FieldRule, ...]:
    """Build field rules from the profile's `fields` mapping."""
    return tuple(
        FieldRule(target=target, source=spec["from"], type=spec.get("type", "string"),
                  escaped=bool(spec.get("escaped", False)),
                  required=bool(spec.get("required", False)), split=spec.get("split"))
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


def parse_profile(text: str, origin: str) -> Profile:
    """Parse and validate a profile's YAML text; errors name the key and line."""
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ConfigError(f"profile is not valid YAML: {err.problem}", path=origin,
                          line=line) from err
    except yaml.YAMLError as err:
        raise ConfigError(f"profile is not valid YAML: {err}", path=origin) from err
    if not isinstance(data, dict):
        raise ConfigError("profile must be a mapping", path=origin, line=1)
    error = jsonschema.exceptions.best_match(_profile_validator().iter_errors(data))
    if error is not None:
        where = list(error.absolute_path)
        raise ConfigError(error.message, path=origin, line=_line_of(text, where),
                          field=".".join(str(p) for p in where) or None,
                          fix="see schemas/profile.schema.json")
    dates = data.get("dates") or {}
    related = data.get("related") or {}
    try:
        timezone = _timezone(dates.get("timezone", "+00:00"))
    except ValueError as err:
        raise ConfigError(str(err), path=origin, field="dates.timezone") from err
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
        origin=origin, data=data,
    )


def _timezone(text: str) -> dt.tzinfo:
    """Parse the profile's timezone offset."""
    from pipeline.transform.dates import parse_timezone

    return parse_timezone(text)


@lru_cache(maxsize=32)
def load_profile(name_or_path: str) -> Profile:
    """Return a shipped profile by name, or a profile file by path (`.yaml`/`.yml`)."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or os.sep in name_or_path or "/" in name_or_path:
        if not candidate.is_file():
            raise ConfigError(f"profile file not found: {name_or_path}",
                              fix=f"use a file path or one of: {', '.join(available())}")
        return parse_profile(candidate.read_text(encoding="utf-8"), str(candidate))
    path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown profile {name_or_path!r}",
                          fix=f"valid profiles: {', '.join(available())}, or a .yaml file path")
    return parse_profile(path.read_text(encoding="utf-8"), name_or_path)
