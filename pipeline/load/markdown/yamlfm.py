"""YAML front matter that people can read: block scalars for multi-line text, key order kept."""

from __future__ import annotations

from typing import Any

import yaml

_BaseDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """SafeDumper that writes multi-line strings as `|` block scalars."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Represent a string, as a literal block when it spans lines."""
    # PyYAML itself falls back to a quoted style where a block cannot hold the text exactly
    # (trailing spaces on a line, control characters), so this never changes the value.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(mapping: dict[str, Any]) -> str:
    """Return `mapping` as block-style YAML text, keys in their order, Unicode kept."""
    if not mapping:
        return ""
    text = yaml.dump(mapping, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 16)
    # PyYAML ends a document whose last scalar keeps trailing newlines (`|+`) with a `...`
    # marker; inside front matter that line would read as the closing delimiter.
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text


def front_matter_document(mapping: dict[str, Any], body: str) -> str:
    """Return a Markdown document: `---` YAML front matter `---`, then the body."""
    return f"---\n{dump_yaml(mapping)}---\n{body}"
