"""YAML reading that remembers where each mapping and key came from.

PyYAML throws line numbers away once it builds Python objects; error messages
must name the line, so mappings are built as :class:`LocatedDict`.
"""

from __future__ import annotations

import yaml

from tsunagu.exceptions import DataError

__all__ = ["LocatedDict", "load_yaml"]


class LocatedDict(dict):
    """A dict that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key):
        return self.key_lines.get(key, self.line)


class _LocatingLoader(yaml.SafeLoader):
    pass


def _construct_located_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LocatedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_located_mapping
)


def load_yaml(path):
    """Parse one YAML file; a syntax error becomes a :class:`DataError` with its line."""
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_LocatingLoader)
    except UnicodeDecodeError as error:
        raise DataError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise DataError(path, f"invalid YAML: {problem}", line=line) from error
    except yaml.YAMLError as error:
        raise DataError(path, f"invalid YAML: {error}") from error
