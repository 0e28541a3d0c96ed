"""YAML loading that remembers the file and line of every mapping, list and key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem


class Located:
    """Mixin holding where a YAML node was written (file and 1-based line)."""

    source: str = "?"
    line: int = 0
    key_lines: dict[str, int]


class LDict(dict[str, Any], Located):
    """A dict that remembers where it and each of its keys were written."""

    def line_of(self, key: str) -> int:
        """Return the line of ``key`` if known, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LList(list[Any], Located):
    """A list that remembers where it was written."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader building LDict/LList with source lines."""

    source_name = "?"

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:  # yaml API
        result = LDict()
        result.source = self.source_name
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain text", key_node.start_mark
                )
            key = str(key)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: Any, deep: bool = False) -> LList:  # yaml API
        result = LList(self.construct_object(child, deep=True) for child in node.value)
        result.source = self.source_name
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when possible, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# Parsed files by (name in messages, content): the instrument's page files are included by every
# questionnaire, and parsing YAML with line tracking is slow (the app, the analysis and the
# exports each load the instrument); a changed file is parsed again. Callers get a deep copy, so
# nothing they do reaches the cache.
_PARSED: dict[tuple[str, str], tuple[Any, tuple[Problem, ...]]] = {}


def load_yaml(path: Path | str, problems: list[Problem]) -> Any:
    """Parse one YAML file with line tracking; syntax errors become problems, result None."""
    path = Path(path)
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, 0, "file not found"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return None
    except OSError as exc:
        problems.append(Problem(name, 0, f"cannot read file: {exc.strerror}"))
        return None
    key = (name, text)
    if key not in _PARSED:
        if len(_PARSED) > 256:
            _PARSED.clear()
        found: list[Problem] = []
        _PARSED[key] = (_parse(text, name, found), tuple(found))
    data, found_before = _PARSED[key]
    problems.extend(found_before)
    return copy.deepcopy(data)


def _parse(text: str, name: str, problems: list[Problem]) -> Any:
    loader_cls = type("_Loader", (_LineLoader,), {"source_name": name})
    try:
        data = yaml.load(text, Loader=loader_cls)  # SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        message = f"YAML syntax: {exc.problem or exc.context}"
        if (
            exc.context
            and exc.context_mark
            and exc.problem_mark
            and exc.context_mark.line != exc.problem_mark.line
        ):
            message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        if "flow mapping" in (exc.context or "") or "but got '?'" in str(exc.problem):
            message += "; inside {...} put texts containing ? : , or # in quotes"
        problems.append(Problem(name, line, message))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 0, f"YAML syntax: {exc}"))
        return None
    if data is None:
        problems.append(Problem(name, 1, "file is empty"))
    return data
