"""What a municipality can reach: the shared traversal under referral and coverage.

From a municipality the walk collects *anchors*, each at a level:

========== =============================================================
level      anchors
========== =============================================================
municipality the municipality itself
platform   municipal platforms serving it
wide-area  wide-area platforms serving it (with other municipalities)
prefecture its prefecture and the prefectural platforms serving that
national   the nation
========== =============================================================

From each anchor it takes the *providers* attached to it (serves the area, is
the area's window, is located there, is a member or the secretariat of the
platform, or is a member of a body advising the platform), then follows what
providers run, whom programs are entrusted to, and a centre's satellites.
Every reached organisation, window or program becomes a :class:`Reached`
with the shortest path to it. The same rules are written in SPARQL in
``queries/sparql/referral.rq``; a test holds the two to the same answers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["LEVELS", "Hop", "Reached", "reach", "reach_subgraph", "municipality_nodes", "nation_nodes", "constant_nodes"]

LEVELS = ("municipality", "platform", "wide-area", "prefecture", "national")

# Kinds that are routes, not places a person is referred to.
_ROUTE_TYPES = {"Area", "Platform", "ExistingBody", "MunicipalDepartment", "PrefecturalDepartment", "ReviewCommittee"}
# Edges from an anchor to its providers, all walked against their direction.
_PROVIDER_RELATIONS = ("servesArea", "windowOf", "locatedIn", "memberOf")
# Edges from a provider onwards: (relation, walked against the edge?)
_ONWARD = (("runs", False), ("entrustedTo", False), ("satelliteOf", True))


@dataclass(frozen=True)
class Hop:
    id: str
    name: str
    relation: str | None  # how this node was reached from the previous one
    inverse: bool = False  # True when the edge points from this node to the previous

    def as_dict(self):
        return {"id": self.id, "name": self.name, "relation": self.relation, "inverse": self.inverse}


@dataclass(frozen=True)
class Reached:
    node: str
    level: str
    path: tuple  # of Hop, from the municipality to ``node``

    @property
    def hops(self):
        return len(self.path) - 1


def nation_nodes(graph):
    """The nation(s): kept on the graph by the build, found by a scan otherwise."""
    if "nations" in graph.graph:
        return graph.graph["nations"]
    return sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "Nation")


def constant_nodes(graph):
    """Nodes every municipality's referral graph holds: the nation(s) and the support domains."""
    if "constant_nodes" in graph.graph:
        return graph.graph["constant_nodes"]
    return sorted(n for n, d in graph.nodes(data=True) if d.get("kind") in ("Nation", "SupportDomain"))


def municipality_nodes(graph):
    return sorted(n for n, d in graph.nodes(data=True) if "Municipality" in d.get("types", ()))


def _hop(graph, node, relation, inverse=False):
    return Hop(node, graph.nodes[node].get("name", node), relation, inverse)


def _in(graph, node, relation):
    """Sources of ``relation`` edges into ``node`` (sub-relations included)."""
    return sorted({s for s, _, d in graph.in_edges(node, data=True) if relation in d.get("relations", (d.get("relation"),))})


def _out(graph, node, relation):
    return sorted({t for _, t, d in graph.out_edges(node, data=True) if relation in d.get("relations", (d.get("relation"),))})


def _types(graph, node):
    return set(graph.nodes[node].get("types", ()))


def _anchors(graph, municipality):
    start = (_hop(graph, municipality, None),)
    anchors = [(municipality, "municipality", start)]
    for platform in _in(graph, municipality, "servesArea"):
        types = _types(graph, platform)
        if "MunicipalPlatform" in types:
            level = "wide-area" if "WideAreaPlatform" in types else "platform"
            anchors.append((platform, level, start + (_hop(graph, platform, "servesArea", True),)))
    for prefecture in _out(graph, municipality, "partOfPrefecture"):
        pref_path = start + (_hop(graph, prefecture, "partOfPrefecture"),)
        anchors.append((prefecture, "prefecture", pref_path))
        for platform in _in(graph, prefecture, "servesArea"):
            if "PrefecturalPlatform" in _types(graph, platform):
                anchors.append((platform, "prefecture", pref_path + (_hop(graph, platform, "servesArea", True),)))
    for nation in nation_nodes(graph):
        anchors.append((nation, "national", start + (_hop(graph, nation, "withinNation"),)))
    return anchors


def _providers(graph, anchor, level, path):
    """(node, level, path) for everything attached to one anchor."""
    for relation in _PROVIDER_RELATIONS:
        for node in _in(graph, anchor, relation):
            # A national scheme is a funding menu, not a service: it is reached
            # only through an organisation that runs it.
            if not _types(graph, node) & {"Area", "Platform", "NationalScheme"}:
                yield node, level, path + (_hop(graph, node, relation, True),)
    for node in _out(graph, anchor, "runs"):
        yield node, level, path + (_hop(graph, node, "runs"),)
    for adviser in _in(graph, anchor, "advises"):
        serves_prefecture = any("Prefecture" in _types(graph, a) for a in _out(graph, adviser, "servesArea"))
        adviser_level = "prefecture" if serves_prefecture else level
        adviser_path = path + (_hop(graph, adviser, "advises", True),)
        yield adviser, adviser_level, adviser_path
        for member in _in(graph, adviser, "memberOf"):
            yield member, adviser_level, adviser_path + (_hop(graph, member, "memberOf", True),)


def reach(graph, municipality):
    """Every organisation, window and program reachable from ``municipality``.

    Returns a list of :class:`Reached`, one per node, with the best route:
    fewest hops, then the most local level. A graph made by
    :func:`reach_subgraph` carries the answer, computed at build time.
    """
    cached = graph.graph.get("reach_cache", {}).get(municipality)
    if cached is not None:
        return list(cached)
    best = {}

    def offer(node, level, path):
        key = (len(path), LEVELS.index(level))
        current = best.get(node)
        if current is None or key < (current.hops + 1, LEVELS.index(current.level)):
            best[node] = Reached(node, level, path)
            return True
        return False

    queue = deque()
    for anchor, level, path in _anchors(graph, municipality):
        for node, node_level, node_path in _providers(graph, anchor, level, path):
            if offer(node, node_level, node_path):
                queue.append((node, node_level, node_path))
    while queue:
        node, level, path = queue.popleft()
        if best[node].path != path:  # a better route was found since
            continue
        for relation, inverse in _ONWARD:
            if inverse and "RegionalSupportCentre" not in _types(graph, node):
                continue  # only a centre has satellites; a national program's in-edges run to every office
            targets = _in(graph, node, relation) if inverse else _out(graph, node, relation)
            for target in targets:
                target_path = path + (_hop(graph, target, relation, inverse),)
                if offer(target, level, target_path):
                    queue.append((target, level, target_path))
    return [r for r in best.values() if not _types(graph, r.node) & _ROUTE_TYPES]


def reach_subgraph(graph, municipality):
    """The small graph that answers referral and coverage questions for ``municipality``.

    It holds the walk's result (``graph.graph["reach_cache"]``), every node on
    the walk's paths, and what judging a fit reads beside them: the areas a
    candidate serves, whom a program is entrusted to and, for a program
    reached without an organisation on its path, who runs it; the nation,
    the municipality's prefecture and the support domains. Built once per
    municipality at build time, so a query reads one small graph instead of
    the national one.
    """
    reached = reach(graph, municipality)
    keep = {municipality} | set(constant_nodes(graph))
    keep |= set(_out(graph, municipality, "partOfPrefecture"))
    for item in reached:
        keep.update(hop.id for hop in item.path)
        keep.update(_out(graph, item.node, "servesArea"))
        if "Program" in _types(graph, item.node):
            keep.update(_out(graph, item.node, "entrustedTo"))
            if not any("Organisation" in _types(graph, hop.id) for hop in item.path[:-1]):
                keep.update(_in(graph, item.node, "runs"))
    # Copied by hand: graph.subgraph(keep).copy() walks the whole adjacency of
    # the support-domain nodes, which every provider in the country points at.
    sub = type(graph)()
    sub.add_nodes_from((node, graph.nodes[node]) for node in keep)
    sub.add_edges_from((node, target, key, data) for node in keep
                       for _, target, key, data in graph.out_edges(node, keys=True, data=True) if target in keep)
    sub.graph = {k: v for k, v in graph.graph.items()
                 if k not in ("names", "reach_cache", "candidate_cache", "national_report", "constant_nodes")}
    sub.graph["reach_cache"] = {municipality: tuple(reached)}
    from tsunagu.queries.referral import referral_candidates  # the fit rules read what the walk found

    sub.graph["candidate_cache"] = {municipality: referral_candidates(sub, municipality)}
    return sub
