"""A safe YAML loader that reports duplicate keys and line numbers and never crashes on dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


def load_yaml(text: str, first_line: int) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document; return its value and the 1-based file line of each top-level key.

    `first_line` is the file line on which `text` starts; errors carry file line numbers.
    """
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


def is_date_like(value: Any) -> bool:
    """Return True for the date and time values YAML and TOML produce."""
    return isinstance(value, (dt.date, dt.time))
