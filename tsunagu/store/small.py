"""A small read-only multigraph: what each municipality's stored referral graph is.

A ``refer`` process reads one municipality's referral graph from the store.
Were it a pickled :class:`networkx.MultiDiGraph`, unpickling it would import
networkx, some 80 ms of a command that should answer in a fraction of a
second. :class:`SmallGraph` holds the same three dicts networkx keeps (node
attributes, successors and predecessors by edge key) and answers the part
of networkx's reading interface the queries use, with the same results; it
imports nothing. :meth:`SmallGraph.to_networkx` gives a networkx graph to
code that needs one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

__all__ = ["SmallGraph"]


class _NodeView(Mapping):
    """``graph.nodes``: ``nodes[n]`` is n's attribute dict; ``nodes(data=True)`` yields (n, dict)."""

    __slots__ = ("_node",)

    def __init__(self, node: dict) -> None:
        self._node = node

    def __getitem__(self, node: Hashable) -> dict:
        return self._node[node]

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def __call__(self, data: bool | str = False, default: Any = None) -> Iterable:
        if data is False:
            return iter(self._node)
        if data is True:
            return iter(self._node.items())
        return ((n, d.get(data, default)) for n, d in self._node.items())


class SmallGraph:
    """A directed multigraph with networkx's reading interface, built once and then only read.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(name="example")
    >>> g.add_node("town", name="町")
    >>> _ = g.add_edge("office", "town", key="servesArea", relations=["servesArea"])
    >>> small = SmallGraph.from_networkx(g)
    >>> small.nodes["town"]["name"], "office" in small, small.number_of_edges()
    ('町', True, 1)
    >>> list(small.in_edges("town", data="relations", default=()))
    [('office', 'town', ['servesArea'])]
    >>> sorted(small.edges(keys=True)) == sorted(g.edges(keys=True))
    True
    """

    __slots__ = ("graph", "_node", "_succ", "_pred", "__weakref__")

    def __init__(self, node: dict | None = None, succ: dict | None = None, pred: dict | None = None,
                 graph: dict | None = None) -> None:
        self._node = node or {}
        self._succ = succ or {n: {} for n in self._node}
        self._pred = pred or {n: {} for n in self._node}
        self.graph = graph or {}

    @classmethod
    def from_networkx(cls, graph: Any) -> SmallGraph:
        """A copy of a networkx (multi)digraph's nodes, edges and graph attributes."""
        node = {n: dict(d) for n, d in graph.nodes(data=True)}
        succ: dict = {n: {} for n in node}
        pred: dict = {n: {} for n in node}
        for source, target, key, data in graph.edges(keys=True, data=True):
            data = dict(data)
            succ[source].setdefault(target, {})[key] = data
            pred[target].setdefault(source, {})[key] = data
        return cls(node, succ, pred, dict(graph.graph))

    def copy(self) -> SmallGraph:
        """A copy whose node and edge attribute dicts are new (as networkx's ``copy``)."""
        node = {n: dict(d) for n, d in self._node.items()}
        succ: dict = {n: {} for n in node}
        pred: dict = {n: {} for n in node}
        for source, targets in self._succ.items():
            for target, keyed in targets.items():
                for key, data in keyed.items():
                    data = dict(data)
                    succ[source].setdefault(target, {})[key] = data
                    pred[target].setdefault(source, {})[key] = data
        return SmallGraph(node, succ, pred, dict(self.graph))

    def to_networkx(self) -> Any:
        """The same graph as a :class:`networkx.MultiDiGraph`."""
        import networkx as nx

        graph = nx.MultiDiGraph(**self.graph)
        graph.add_nodes_from(self._node.items())
        graph.add_edges_from(self.edges(keys=True, data=True))
        return graph

    # --- pickling: the three dicts and the graph attributes, nothing of a class's internals ---------
    def __getstate__(self) -> tuple:
        # predecessors are the successors turned round: not stored, remade when read
        return (self.graph, self._node, self._succ)

    def __setstate__(self, state: tuple) -> None:
        self.graph, self._node, self._succ = state
        pred: dict = {n: {} for n in self._node}
        for source, targets in self._succ.items():
            for target, keyed in targets.items():
                pred[target][source] = keyed
        self._pred = pred

    # --- nodes ----------------------------------------------------------------------------------
    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self._node)

    def __contains__(self, node: object) -> bool:
        try:
            return node in self._node
        except TypeError:  # an unhashable value is no node, as in networkx
            return False

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def has_node(self, node: Hashable) -> bool:
        return node in self

    def number_of_nodes(self) -> int:
        return len(self._node)

    @property
    def succ(self) -> dict:
        """node -> {successor: {key: edge data}} (read it, do not change it)."""
        return self._succ

    @property
    def pred(self) -> dict:
        """node -> {predecessor: {key: edge data}} (read it, do not change it)."""
        return self._pred

    adj = succ

    def successors(self, node: Hashable) -> Iterator:
        return iter(self._succ[node])

    def predecessors(self, node: Hashable) -> Iterator:
        return iter(self._pred[node])

    # --- edges ----------------------------------------------------------------------------------
    def _bunch(self, nbunch: Any) -> Iterable:
        if nbunch is None:
            return self._node
        if nbunch in self:
            return (nbunch,)
        return [n for n in nbunch if n in self._node]

    @staticmethod
    def _edge(source: Hashable, target: Hashable, key: Hashable, data: dict, keys: bool, want: Any,
              default: Any) -> tuple:
        if want is True:
            value: Any = data
        elif want is False:
            return (source, target, key) if keys else (source, target)
        else:
            value = data.get(want, default)
        return (source, target, key, value) if keys else (source, target, value)

    def out_edges(self, nbunch: Any = None, data: bool | str = False, keys: bool = False,
                  default: Any = None) -> Iterator[tuple]:
        """Edges out of ``nbunch`` (a node, nodes, or all), as networkx's ``out_edges`` yields them."""
        for source in self._bunch(nbunch):
            for target, keyed in self._succ[source].items():
                for key, attributes in keyed.items():
                    yield self._edge(source, target, key, attributes, keys, data, default)

    edges = out_edges

    def in_edges(self, nbunch: Any = None, data: bool | str = False, keys: bool = False,
                 default: Any = None) -> Iterator[tuple]:
        """Edges into ``nbunch``, as networkx's ``in_edges`` yields them."""
        for target in self._bunch(nbunch):
            for source, keyed in self._pred[target].items():
                for key, attributes in keyed.items():
                    yield self._edge(source, target, key, attributes, keys, data, default)

    def has_edge(self, source: Hashable, target: Hashable, key: Hashable | None = None) -> bool:
        keyed = self._succ.get(source, {}).get(target)
        return bool(keyed) if key is None else bool(keyed) and key in keyed

    def number_of_edges(self) -> int:
        return sum(len(keyed) for targets in self._succ.values() for keyed in targets.values())

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"SmallGraph with {self.number_of_nodes()} nodes and {self.number_of_edges()} edges"
