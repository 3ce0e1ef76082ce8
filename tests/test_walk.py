"""One walk: the diagram shows what the walk visits, and a walk that loads its graph as it goes
(as the Bolt backend's does) reads only what it announced and ends with the same subgraph."""

import doctest
import importlib

import networkx as nx
import pytest

from tsunagu.diagrams import municipality_view
from tsunagu.queries.reach import Adjacency, municipality_nodes, reach, reach_subgraph, walk_nodes

_FACT_KINDS = {"DutyStatus", "AnnualFigure", "SurveyFigure", "SupportDomain"}


def _context_allowed(graph, walked):
    """The documented context of a municipality diagram, written out here independently:
    around each platform the walk visits, its members and secretariat, what it is built on,
    the areas it serves, its advisers and their members; then what all of those run or
    entrust, and a regional centre's satellites."""
    def into(node, *relations):
        return {s for s, _, k in graph.in_edges(node, keys=True) if k in relations}

    def out(node, *relations):
        return {t for _, t, k in graph.out_edges(node, keys=True) if k in relations}

    allowed = set()
    for node in walked:
        if {"Platform"} & set(graph.nodes[node]["types"]):
            allowed |= into(node, "memberOf", "secretariatOf") | out(node, "builtOn", "servesArea")
            for adviser in into(node, "advises"):
                allowed |= {adviser} | into(adviser, "memberOf", "secretariatOf")
    frontier = set(allowed)
    while frontier:
        more = set()
        for node in frontier:
            more |= out(node, "runs", "entrustedTo")
            if "RegionalSupportCentre" in graph.nodes[node]["types"]:
                more |= into(node, "satelliteOf")
        frontier = more - allowed
        allowed |= frontier
    return allowed


def test_every_municipality_diagram_holds_the_walk_and_only_documented_context(graph):
    municipalities = municipality_nodes(graph)
    assert len(municipalities) >= 7
    for municipality in municipalities:
        reached = reach(graph, municipality)
        on_paths = {hop.id for item in reached for hop in item.path}
        walked = walk_nodes(graph, municipality)
        view = set(municipality_view(graph, municipality).nodes)
        assert {item.node for item in reached} | on_paths <= walked, municipality
        shown = {n for n in walked if graph.nodes[n].get("kind") not in _FACT_KINDS}
        assert shown <= view, (municipality, sorted(shown - view))
        extra = view - walked
        assert extra <= _context_allowed(graph, walked), (municipality, sorted(extra - _context_allowed(graph, walked)))


def test_wide_area_context_is_the_platforms_towns(graph):
    walked = walk_nodes(graph, "tobishima")
    view = set(municipality_view(graph, "tobishima").nodes)
    assert {"oharu", "kanie"} <= view - walked  # the other towns of the wide-area platform: context, not reach


class _Lazy(Adjacency):
    """Starts empty and copies from ``whole`` only what the walk announces; any other read fails."""

    def __init__(self, whole):
        graph = nx.MultiDiGraph()
        graph.graph.update(whole.graph)
        super().__init__(graph)
        self.whole = whole
        self.loaded = {}  # (node, relation, inverse) -> types left out
        self.rounds = 0

    def _node(self, node):
        if node not in self.graph:
            self.graph.add_node(node, **self.whole.nodes[node])

    def load(self, nodes, relations, inverse, without=()):
        without = set(without)
        nodes = [n for n in nodes if any(not self.loaded.get((n, r, inverse), {None}) <= without for r in relations)]
        if not nodes:
            return
        self.rounds += 1
        for node in nodes:
            self._node(node)
            for relation in relations:
                self.loaded[(node, relation, inverse)] = without
                for edge in (self.whole.in_edges(node, keys=True, data=True) if inverse
                             else self.whole.out_edges(node, keys=True, data=True)):
                    other = edge[0] if inverse else edge[1]
                    if relation in edge[3]["relations"] and not without & set(self.whole.nodes[other]["types"]):
                        self._node(other)
                        self.graph.add_edge(edge[0], edge[1], key=edge[2], **edge[3])

    def load_between(self, nodes):
        self.rounds += 1
        for node in nodes:
            for source, target, key, data in self.whole.out_edges(node, keys=True, data=True):
                if target in nodes:
                    self.graph.add_edge(source, target, key=key, **data)

    def _check(self, node, relations, inverse, without):
        assert all(self.loaded.get((node, r, inverse), {None}) <= set(without) for r in relations), \
            ("unannounced read", node, relations, inverse)

    def into(self, node, *relations, without=()):
        self._check(node, relations, True, without)
        return super().into(node, *relations, without=without)

    def out_of(self, node, *relations, without=()):
        self._check(node, relations, False, without)
        return super().out_of(node, *relations, without=without)


@pytest.mark.parametrize("municipality", ["ino", "tobishima", "mihara", "hannan"])
def test_a_loading_walk_reads_only_what_it_announced(graph, municipality):
    bare = graph.copy()
    bare.graph = {k: v for k, v in graph.graph.items() if k not in ("reach_cache", "candidate_cache")}
    lazy = _Lazy(bare)
    lazy.graph.add_node(municipality, **bare.nodes[municipality])
    for node in bare.graph["constant_nodes"]:
        lazy.graph.add_node(node, **bare.nodes[node])
    small = reach_subgraph(lazy, municipality)
    expected = reach_subgraph(bare, municipality)
    assert sorted(small.nodes) == sorted(expected.nodes)
    assert sorted(small.edges(keys=True)) == sorted(expected.edges(keys=True))
    assert small.graph["candidate_cache"] == expected.graph["candidate_cache"]
    assert lazy.rounds <= 25  # a round trip per round of the walk, not per node


@pytest.mark.parametrize("module", ["tsunagu.queries.rules", "tsunagu.queries.reach"])
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_reach_subgraph_keeps_what_the_answers_name(graph):
    tobishima = reach_subgraph(graph, "tobishima")
    # the wide-area platform's secretariat, with the edge that says so
    assert ("aichi-ama-welfare-centre", "ama-platform", "secretariatOf") in set(tobishima.edges(keys=True))
    ino = reach_subgraph(graph, "ino")
    # a route type serving the town (いの町ほけん福祉課) stays, with its edges
    assert {("ino-hoken-fukushi", "ino", "servesArea"), ("ino-hoken-fukushi", "ino-platform", "secretariatOf")} <= \
        set(ino.edges(keys=True))
    mihara = reach_subgraph(graph, "mihara")
    centres = {n for n in mihara if "RegionalSupportCentre" in mihara.nodes[n]["types"]}
    assert centres == {"hiroshima-support-centre", "hiroshima-support-centre-east"}
    for municipality in municipality_nodes(graph):
        small = reach_subgraph(graph, municipality)
        serving = {s for s, _, k in graph.in_edges(municipality, keys=True) if k in ("servesArea", "windowOf", "locatedIn")}
        assert serving <= set(small), municipality
