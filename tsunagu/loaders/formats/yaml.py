"""YAML reading that remembers where each mapping and key came from.

PyYAML throws line numbers away once it builds Python objects; error messages
must name the line, so mappings are built as :class:`LocatedDict`.

Inputs are bounded: aliases are refused (a 1 KB file of nested aliases
expands to gigabytes), nesting stops at :data:`MAX_DEPTH` levels, a date
that does not exist (2020-02-30) is an error on its line, and a file over
the input size limit is not read.
"""

from __future__ import annotations

import yaml

from tsunagu.exceptions import DataError
from tsunagu.loaders.limits import shortened, size_error

__all__ = ["LocatedDict", "load_yaml", "MAX_DEPTH"]

MAX_DEPTH = 50  # curated files nest four levels; Python's recursion limit is far above this


class LocatedDict(dict):
    """A dict that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key):
        return self.key_lines.get(key, self.line)


class _LocatingLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"alias '*{shortened(event.anchor, 40)}' is not allowed: write the value out", event.start_mark
            )
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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


def _construct_checked_timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as error:  # 2020-02-30 matches the pattern, then datetime refuses it
        raise yaml.constructor.ConstructorError(
            None, None, f"'{shortened(node.value)}' is not a date that exists ({error})", node.start_mark
        ) from error


_LocatingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_checked_timestamp)


# libyaml's parser and composer (C) with the same constructors: several times faster than the pure-Python
# composer on the curated files. It has no hook per node, so the composed tree is checked after the fact;
# any problem sends the file back through _LocatingLoader, whose messages are the contract.
_CLoader = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:
    class _LocatingCLoader(_CLoader):  # type: ignore[misc,valid-type]
        pass

    _LocatingCLoader.yaml_constructors = _LocatingLoader.yaml_constructors


def _plain_tree(root):
    """Whether a composed tree has no alias (a node met twice) and nests at most MAX_DEPTH levels."""
    seen = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > MAX_DEPTH:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return True


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Scalars built by their constructor as PyYAML would; a string is the node's text itself.
_SCALARS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "timestamp"))


class _Unusual(Exception):
    """A composed tree :func:`_built` leaves to PyYAML's constructors (merge keys, sets, binary, a
    repeated key, an alias, nesting too deep)."""


def _built(loader, node, depth=1, seen=None):
    """The value of a composed tree of plain mappings, sequences and scalars, built directly: PyYAML's
    generic construction (a generator per mapping, a look-up per node) was 40% of reading a curated
    file. The same values and lines as :func:`_construct_located_mapping` (the fuzz tests compare them)."""
    if depth > MAX_DEPTH or id(node) in seen:
        raise _Unusual  # an alias is a node met twice
    seen.add(id(node))
    tag = node.tag
    if tag == _STR and type(node) is yaml.ScalarNode:
        return node.value
    if tag == _MAP and type(node) is yaml.MappingNode:
        mapping = LocatedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = lines = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in _PLAIN_KEYS:
                raise _Unusual  # a merge key, a '=' key, a collection as key: flatten_mapping's and the errors' work
            key = _built(loader, key_node, depth + 1, seen)
            if key in mapping:
                raise _Unusual
            mapping[key] = _built(loader, value_node, depth + 1, seen)
            lines[key] = key_node.start_mark.line + 1
        return mapping
    if tag == _SEQ and type(node) is yaml.SequenceNode:
        return [_built(loader, item, depth + 1, seen) for item in node.value]
    if tag in _SCALARS and type(node) is yaml.ScalarNode:
        return loader.yaml_constructors[tag](loader, node)
    raise _Unusual


_PLAIN_KEYS = _SCALARS | {_STR}


def _load_fast(handle):
    """The document by libyaml, or ``_SLOW`` when it needs the checking loader's word."""
    loader = _LocatingCLoader(handle)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _built(loader, node, seen=set())
        except _Unusual:
            pass
        if not _plain_tree(node):
            return _SLOW
        return loader.construct_document(node)
    except yaml.YAMLError:
        return _SLOW
    finally:
        loader.dispose()


_SLOW = object()


def load_yaml(path):
    """Parse one YAML file; a syntax error becomes a :class:`DataError` with its line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.yaml"
    >>> _ = path.write_text("since: 2020-02-30\\n", encoding="utf-8")
    >>> try:
    ...     load_yaml(path)
    ... except DataError as error:
    ...     print(error.line, error.message)
    1 invalid YAML: '2020-02-30' is not a date that exists (day is out of range for month)
    """
    too_big = size_error(path)
    if too_big is not None:
        raise too_big
    try:
        with open(path, encoding="utf-8") as handle:
            if _CLoader is not None:
                data = _load_fast(handle)
                if data is not _SLOW:
                    return data
                handle.seek(0)
            return yaml.load(handle, Loader=_LocatingLoader)
    except UnicodeDecodeError as error:
        raise DataError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise DataError(path, f"invalid YAML: {shortened(problem, 200)}", line=line) from error
    except yaml.YAMLError as error:
        raise DataError(path, f"invalid YAML: {shortened(error, 200)}") from error
    except RecursionError as error:  # not expected below MAX_DEPTH; still a message, not a traceback
        raise DataError(path, "invalid YAML: nested too deeply") from error
