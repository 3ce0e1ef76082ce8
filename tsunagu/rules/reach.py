"""What a municipality can reach: the shared traversal under referral and coverage.

The rules (which relations lead from a municipality to its anchors, from an
anchor to its providers, and onwards) are tables in
:mod:`tsunagu.rules.walk`; this module walks them, reading the graph
through an :class:`Adjacency` (the diagrams' views read it the same way).
The build keeps each municipality's :func:`reach_subgraph`; a Bolt server
holds its node keys, and the backend runs this walk over what it fetches.
Every reached organisation, window or program becomes a :class:`Reached`
with the shortest path to it. The same rules are written
in SPARQL in ``queries/sparql/referral.rq``; a test holds the two to the
same answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from tsunagu.rules import walk as rules
from tsunagu.rules.walk import LEVELS

__all__ = ["LEVELS", "Adjacency", "Hop", "Reached", "reach", "walk_nodes", "municipality_nodes",
           "nation_nodes", "constant_nodes", "HopDict"]

Graph = Any  # a networkx MultiDiGraph (networkx has no type hints)


class HopDict(TypedDict):
    """A :class:`Hop` as data (:meth:`Hop.as_dict`): a referral candidate's path."""

    id: str
    name: str
    relation: str | None
    inverse: bool


@dataclass(frozen=True)
class Hop:
    id: str
    name: str
    relation: str | None  # how this node was reached from the previous one
    inverse: bool = False  # True when the edge points from this node to the previous

    def as_dict(self) -> HopDict:
        return {"id": self.id, "name": self.name, "relation": self.relation, "inverse": self.inverse}


@dataclass(frozen=True)
class Reached:
    node: str
    level: str
    path: tuple[Hop, ...]  # of Hop, from the municipality to ``node``

    @property
    def hops(self) -> int:
        return len(self.path) - 1


def nation_nodes(graph: Graph) -> list[str]:
    """The nation(s): kept on the graph by the build, found by a scan otherwise."""
    if "nations" in graph.graph:
        nations: list[str] = graph.graph["nations"]
        return nations
    return sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "Nation")


def constant_nodes(graph: Graph) -> list[str]:
    """Nodes every municipality's referral graph holds (:func:`rules.is_constant`)."""
    if "constant_nodes" in graph.graph:
        constant: list[str] = graph.graph["constant_nodes"]
        return constant
    return sorted(n for n, d in graph.nodes(data=True) if rules.is_constant(d))


def municipality_nodes(graph: Graph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if "Municipality" in d.get("types", ()))


def _by_relation(edges: Iterable[tuple[str, Collection[str]]]) -> dict[str, set[str]]:
    """relation -> the neighbours along an edge that is one (an edge's ``relations`` name its
    relation and the broader ones it implies)."""
    index: dict[str, set[str]] = {}
    for neighbour, relations in edges:
        for relation in relations:
            index.setdefault(relation, set()).add(neighbour)
    return index


_NO_TYPES: frozenset[str] = frozenset()


class Adjacency:
    """The graph the walk reads: edges into and out of a node by relation, and a node's types.

    Reads go through :meth:`into` and :meth:`out_of` only; a reader that
    drops nodes of some types says so (``without``).
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # (inward, node) -> relation -> neighbours, made the first time a node is read: the build walks
        # every town with one Adjacency, and a prefecture or the nation has thousands of edges into it
        # that would otherwise be scanned again for each town and relation
        self._index: dict[tuple[bool, str], dict[str, set[str]]] = {}
        # what a read returned, and each node's types, kept likewise: the nation's and a prefecture's
        # providers are read, and their types checked, once per town (a third of a 10x precompute)
        self._read: dict[tuple[bool, str, tuple[str, ...], Collection[str]], tuple[str, ...]] = {}
        self._types: dict[str, frozenset[str]] = {}
        # each hop made once: the nation's and a prefecture's providers are reached from every town
        self._hops: dict[tuple[str, str | None, bool], Hop] = {}

    def into(self, node: str, *relations: str, without: Collection[str] = _NO_TYPES) -> tuple[str, ...]:
        """Sources of ``relations`` edges into ``node``, sorted, none of a type in ``without``."""
        return self._neighbours(True, node, relations, without)

    def out_of(self, node: str, *relations: str, without: Collection[str] = _NO_TYPES) -> tuple[str, ...]:
        return self._neighbours(False, node, relations, without)

    def _neighbours(self, inward: bool, node: str, relations: tuple[str, ...],
                    without: Collection[str]) -> tuple[str, ...]:
        key = (inward, node, relations, without if type(without) is frozenset else frozenset(without))
        read = self._read.get(key)
        if read is None:
            read = self._read[key] = tuple(self._kept(self._along(node, relations, inward), without))
        return read  # a tuple: the same one for every reader

    def _along(self, node: str, relations: tuple[str, ...], inward: bool) -> set[str]:
        index = self._index.get((inward, node))
        if index is None:
            if inward:
                edges = ((s, have) for s, _, have in self.graph.in_edges(node, data="relations", default=()))
            else:
                edges = ((t, have) for _, t, have in self.graph.out_edges(node, data="relations", default=()))
            index = self._index[(inward, node)] = _by_relation(edges)
        return set().union(*(index.get(r, ()) for r in relations))

    def _kept(self, nodes: set[str], without: Collection[str]) -> list[str]:
        if without:
            nodes = {n for n in nodes if self.types(n).isdisjoint(without)}
        return sorted(nodes)

    def types(self, node: str) -> frozenset[str]:
        types = self._types.get(node)
        if types is None:
            types = self._types[node] = frozenset(self.graph.nodes[node].get("types", ()))
        return types

    def hop(self, node: str, relation: str | None, inverse: bool = False) -> Hop:
        made = self._hops.get((node, relation, inverse))
        if made is None:
            made = self._hops[node, relation, inverse] = Hop(node, self.graph.nodes[node].get("name", node),
                                                             relation, inverse)
        return made


Anchor = tuple[str, str, tuple[Hop, ...]]  # (node, level, path)


def _anchors(adj: Adjacency, municipality: str) -> list[Anchor]:
    start: tuple[Hop, ...] = (adj.hop(municipality, None),)
    # The municipality's providers too, in the same round trip: it is an anchor as well.
    anchors: list[Anchor] = [(municipality, "municipality", start)]
    for platform in adj.into(municipality, rules.PLATFORM_RELATION):
        level = rules.platform_level(adj.types(platform))
        if level:
            anchors.append((platform, level, start + (adj.hop(platform, rules.PLATFORM_RELATION, True),)))
    prefectures = adj.out_of(municipality, rules.PREFECTURE_RELATION)
    for prefecture in prefectures:
        pref_path = start + (adj.hop(prefecture, rules.PREFECTURE_RELATION),)
        anchors.append((prefecture, "prefecture", pref_path))
        for platform in adj.into(prefecture, rules.PLATFORM_RELATION):
            if rules.is_prefectural_platform(adj.types(platform)):
                anchors.append((platform, "prefecture", pref_path + (adj.hop(platform, rules.PLATFORM_RELATION, True),)))
    for nation in nation_nodes(adj.graph):
        anchors.append((nation, "national", start + (adj.hop(nation, "withinNation"),)))
    return anchors


def _providers(adj: Adjacency, anchors: Iterable[Anchor]) -> Iterator[Anchor]:
    """(node, level, path) for everything attached to the anchors."""
    for anchor, level, path in anchors:
        for relation in rules.PROVIDER_RELATIONS:
            for node in adj.into(anchor, relation, without=rules.NOT_PROVIDER_TYPES):
                operators = set().union(*(adj.types(o) for o in adj.out_of(node, rules.OPERATOR_RELATION))) \
                    if relation == rules.PLATFORM_RELATION else set()
                yield node, rules.operated_level(level, operators), path + (adj.hop(node, relation, True),)
        for node in adj.out_of(anchor, rules.RUNS):
            yield node, level, path + (adj.hop(node, rules.RUNS),)
        for adviser in adj.into(anchor, rules.ADVISES):
            serves_prefecture = any("Prefecture" in adj.types(a) for a in adj.out_of(adviser, rules.ADVISER_AREA))
            adviser_level = "prefecture" if serves_prefecture else level
            adviser_path = path + (adj.hop(adviser, rules.ADVISES, True),)
            yield adviser, adviser_level, adviser_path
            for member in adj.into(adviser, rules.ADVISER_MEMBER):
                yield member, adviser_level, adviser_path + (adj.hop(member, rules.ADVISER_MEMBER, True),)


def _walk(adj: Adjacency, municipality: str) -> tuple[list[Anchor], dict[str, Reached]]:
    """(anchors, {node: Reached}) for every node the walk visits, routes included."""
    best: dict[str, Reached] = {}

    def offer(node: str, level: str, path: tuple[Hop, ...]) -> bool:
        key = (len(path), LEVELS.index(level))
        current = best.get(node)
        if current is None or key < (current.hops + 1, LEVELS.index(current.level)):
            best[node] = Reached(node, level, path)
            return True
        return False

    anchors = _anchors(adj, municipality)
    queue: deque[Anchor] = deque()
    for node, node_level, node_path in _providers(adj, anchors):
        if offer(node, node_level, node_path):
            queue.append((node, node_level, node_path))
    while queue:
        # A round at a time: what a round adds is queued behind it, as a plain FIFO walk would.
        batch = [item for item in queue if best[item[0]].path == item[2]]  # skip routes bettered since
        queue.clear()
        for node, level, path in batch:
            if best[node].path != path:
                continue
            for relation, inverse in rules.onward_steps(adj.types(node)):
                for target in adj.into(node, relation) if inverse else adj.out_of(node, relation):
                    target_path = path + (adj.hop(target, relation, inverse),)
                    if offer(target, level, target_path):
                        queue.append((target, level, target_path))
    return anchors, best


def reach(graph: Graph, municipality: str) -> list[Reached]:
    """Every organisation, window and program reachable from ``municipality``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph, or a municipality's :func:`reach_subgraph`.
    municipality : str
        The municipality's node id.

    Returns
    -------
    list of Reached
        One per node, with the best route: fewest hops, then the most local
        level. The build keeps it for each municipality beside its
        :func:`reach_subgraph`, as a :class:`~tsunagu.rules.judge.TownWalk`'s
        ``reached``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(nations=["japan"])
    >>> g.add_node("japan", name="日本", types=["Area", "Nation"])
    >>> g.add_node("town", name="町", types=["Area", "Municipality"])
    >>> g.add_node("dept", name="町福祉課", types=["MunicipalDepartment"])
    >>> g.add_node("window", name="相談窓口", types=["ConsultationWindow"])
    >>> _ = g.add_edge("dept", "town", key="servesArea", relations=["servesArea"])
    >>> _ = g.add_edge("dept", "window", key="runs", relations=["runs"])
    >>> [(r.node, r.level, r.hops) for r in reach(g, "town")]  # the department is a route, not an answer
    [('window', 'municipality', 2)]
    """
    adj = Adjacency(graph)
    _, best = _walk(adj, municipality)
    return [r for r in best.values() if not rules.is_route(adj.types(r.node))]


def walk_nodes(graph: Graph, municipality: str) -> set[str]:
    """Every node the walk from ``municipality`` visits: its anchors, what it reaches and
    the route nodes it passes through (departments, committees, platforms).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(nations=[])
    >>> g.add_node("town", name="町", types=["Area", "Municipality"])
    >>> g.add_node("pf", name="町の支援プラットフォーム", types=["Platform", "MunicipalPlatform"])
    >>> g.add_node("npo", name="NPO法人", types=["Organisation", "NPO"])
    >>> _ = g.add_edge("pf", "town", key="servesArea", relations=["servesArea"])
    >>> _ = g.add_edge("npo", "pf", key="memberOf", relations=["involvedIn", "memberOf"])
    >>> sorted(walk_nodes(g, "town")), [r.node for r in reach(g, "town")]
    (['npo', 'pf', 'town'], ['npo'])
    """
    anchors, best = _walk(Adjacency(graph), municipality)
    return {anchor for anchor, _, _ in anchors} | set(best)
