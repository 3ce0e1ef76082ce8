"""Small graphs as JSON text that reads back equal: the cache's non-executable format.

Unlike pickle, reading this runs no code named by the file: tuples, sets and
the frozen dataclasses of tsunagu's own modules (``Reached``, ``Hop``) are
tagged, and a tagged class is rebuilt only if it is a dataclass defined in a
``tsunagu`` module. What the precomputed referral answers hold (tuples of
hops, dataclasses) comes back as the same types, so answers read from a row
equal answers computed on the whole graph.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import import_module

__all__ = ["graph_json", "graph_from_json", "parts_json", "plain_json", "joined_parts_json", "value_json",
           "value_from_json"]

_TUPLE, _SET, _FROZENSET, _OBJECT, _CLASS, _PAIRS = "__t", "__s", "__fs", "__o", "__c", "__d"
_TAGS = {_TUPLE, _SET, _FROZENSET, _OBJECT, _PAIRS}
_PLAIN = (str, int, float, bool, type(None))
_classes = {}
_fields = {}  # dataclass -> its field names, in order


def _class_name(value):
    cls = type(value)
    name = f"{cls.__module__}:{cls.__qualname__}"
    if not cls.__module__.startswith("tsunagu."):
        raise TypeError(f"cannot store a {name} in the cache")
    return name


def _encoded(value):
    """``value`` with every tuple, set, dataclass and non-text-keyed dict tagged."""
    if isinstance(value, _PLAIN):
        return value
    if type(value) is dict:
        if all(type(k) is str for k in value) and not _TAGS & value.keys():
            return {k: v if isinstance(v, _PLAIN) else _encoded(v) for k, v in value.items()}
        return {_PAIRS: [[_encoded(k), _encoded(v)] for k, v in value.items()]}
    if type(value) is list:
        return [v if isinstance(v, _PLAIN) else _encoded(v) for v in value]
    cls = type(value)
    if cls in _fields or dataclasses.is_dataclass(value) and not isinstance(value, type):
        if cls not in _fields:
            _fields[cls] = [f.name for f in dataclasses.fields(value)]
        # positional: a dataclass's fields come back in the order they were written
        return {_OBJECT: [_encoded(getattr(value, name)) for name in _fields[cls]], _CLASS: _class_name(value)}
    if isinstance(value, tuple):
        if type(value) is not tuple:  # a named tuple: its class is rebuilt like a dataclass
            return {_TUPLE: [_encoded(v) for v in value], _CLASS: _class_name(value)}
        return {_TUPLE: [_encoded(v) for v in value]}
    if isinstance(value, frozenset):
        return {_FROZENSET: [_encoded(v) for v in sorted(value, key=repr)]}
    if isinstance(value, set):
        return {_SET: [_encoded(v) for v in sorted(value, key=repr)]}
    return str(value)  # a date or the like: its text, as RDF gave it


def _plain_default(value):
    """Sets as sorted lists, anything else as its text: what ``plain`` output cannot tag."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


def _tsunagu_class(name):
    if name not in _classes:
        module, _, qualname = name.partition(":")
        if not module.startswith("tsunagu.") or "." in qualname:
            raise ValueError(f"refusing class {name}")
        cls = getattr(import_module(module), qualname, None)
        if cls is None or not (dataclasses.is_dataclass(cls) or issubclass(cls, tuple)):
            raise ValueError(f"refusing class {name}")
        _classes[name] = cls
    return _classes[name]


def _decoded(mapping):
    if _OBJECT in mapping:
        return _tsunagu_class(mapping[_CLASS])(*mapping[_OBJECT])
    if _TUPLE in mapping:
        return _tsunagu_class(mapping[_CLASS])(*mapping[_TUPLE]) if _CLASS in mapping else tuple(mapping[_TUPLE])
    if _PAIRS in mapping:
        return {k: v for k, v in mapping[_PAIRS]}
    if _FROZENSET in mapping:
        return frozenset(mapping[_FROZENSET])
    if _SET in mapping:
        return set(mapping[_SET])
    return mapping


def graph_json(graph, *, shared=None, plain=False):
    """A networkx multigraph (attributes included) as JSON text.

    ``shared``: graph attributes left out because the reader has them
    (the vocabulary every row of a store repeats); pass them back to
    :func:`graph_from_json`. ``plain``: as in :func:`parts_json`.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(labels={"City": ("市", "city")})
    >>> g.add_edge("ino", "kochi", key="partOfPrefecture", relations=["partOfPrefecture"])
    'partOfPrefecture'
    >>> back = graph_from_json(graph_json(g))
    >>> back.graph["labels"]["City"], list(back.edges(keys=True))
    (('市', 'city'), [('ino', 'kochi', 'partOfPrefecture')])
    """
    common = [k for k, v in graph.graph.items() if shared and k in shared and shared[k] == v]
    attributes = {k: v for k, v in graph.graph.items() if k not in common}
    return parts_json(graph.nodes(data=True), graph.edges(keys=True, data=True), attributes, common,
                      directed=graph.is_directed(), plain=plain)


def parts_json(nodes, edges, attributes=None, common=(), *, directed=True, plain=False):
    """The text :func:`graph_json` writes, from (node, data) and (u, v, key, data) pairs:
    a graph written without being built.

    ``plain=True`` skips the walk that tags tuples and sets in node and edge
    data (a tuple would come back a list): several times faster, for data
    known to hold only JSON's own types, as the projection's attributes do.
    """
    if plain:
        value = {"directed": directed, "graph": _encoded(attributes or {}), "shared": list(common),
                 "nodes": [[n, d] for n, d in nodes], "edges": [[u, v, k, d] for u, v, k, d in edges]}
        return plain_json(value)
    value = {"directed": directed, "graph": _encoded(attributes or {}), "shared": list(common),
             "nodes": [[_encoded(n), _encoded(d)] for n, d in nodes],
             "edges": [[_encoded(u), _encoded(v), _encoded(k), _encoded(d)] for u, v, k, d in edges]}
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def plain_json(value):
    """``value`` (JSON's own types; sets as sorted lists, anything else as its text) as the JSON text
    ``parts_json(..., plain=True)`` writes of it.

    >>> plain_json({"a": [1, "い"]})
    '{"a":[1,"い"]}'
    """
    return _PLAIN_ENCODER.encode(value)


_PLAIN_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, default=_plain_default)


def joined_parts_json(node_texts, edge_texts):
    """What ``parts_json(nodes, edges, plain=True)`` writes, from each ``[node, data]`` and
    ``[u, v, key, data]`` already written by :func:`plain_json`: JSON text is made of its parts' texts,
    so a part met in many graphs (a neighbour, a shared attribute dict) is written once.

    >>> nodes, edges = [("a", {"n": 1}), ("b", {})], [("a", "b", "k", {"x": True})]
    >>> joined = joined_parts_json([plain_json([n, d]) for n, d in nodes], [plain_json(list(e)) for e in edges])
    >>> joined == parts_json(nodes, edges, plain=True)
    True
    """
    return f'{{"directed":true,"graph":{{}},"shared":[],"nodes":[{",".join(node_texts)}],"edges":[{",".join(edge_texts)}]}}'


def graph_from_json(text, *, shared=None):
    """The :class:`networkx.MultiDiGraph` that :func:`graph_json` wrote; ``ValueError`` on bad text."""
    import networkx as nx

    value = json.loads(text, object_hook=_decoded)
    graph = nx.MultiDiGraph() if value.get("directed", True) else nx.MultiGraph()
    for key in value.get("shared", ()):
        graph.graph[key] = shared[key]
    graph.graph.update(value["graph"])
    graph.add_nodes_from((n, d) for n, d in value["nodes"])
    graph.add_edges_from((u, v, k, d) for u, v, k, d in value["edges"])
    return graph


def value_json(value):
    """Any value made of dicts, lists, tuples, sets and tsunagu dataclasses as JSON text.

    Examples
    --------
    >>> value_from_json(value_json({"City": ("市", "city")}))
    {'City': ('市', 'city')}
    """
    return json.dumps(_encoded(value), ensure_ascii=False, separators=(",", ":"))


def value_from_json(text):
    """What :func:`value_json` wrote; ``ValueError`` on bad text or a refused class."""
    return json.loads(text, object_hook=_decoded)
