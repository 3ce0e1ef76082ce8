"""Which nodes and edges a diagram shows: plain data, drawn by :mod:`render`.

A municipality's view is what the referral walk visits from it
(:func:`tsunagu.rules.reach.walk_nodes`: its anchors, every organisation,
window and program it reaches and the routes it passes through), plus, as
context, around each platform anchor who sits on it, what it is built on
and the areas it serves (a wide-area platform with every municipality it
serves), with what those run (:mod:`tsunagu.rules.walk` holds both
sets of relations). A prefecture's view is its prefectural platform and
members, the bodies serving the prefecture (its regional support centre and
satellites, committees), the 保健所 it runs, and its municipalities with their platforms.
"""

from __future__ import annotations

from tsunagu.rules import walk as rules
from tsunagu.rules.reach import Adjacency, walk_nodes

__all__ = ["View", "municipality_view", "prefecture_view", "platform_context"]

_FACT_KINDS = {"DutyStatus", "AnnualFigure", "SurveyFigure", "SupportDomain"}
_SHOWN_RELATIONS = {"memberOf", "secretariatOf", "advises", "runs", "entrustedTo", "servesArea", "locatedIn",
                    "hostedBy", "satelliteOf", "builtOn", "windowOf", "partOfPrefecture", "operatedBy"}


class View:
    """The node ids and the (source, target, relation) edges of one diagram, around ``place`` (its centre's name)."""

    def __init__(self, graph, place, centre, nodes):
        self.place = place
        self.centre = centre
        self.nodes = sorted(n for n in nodes if graph.nodes[n].get("kind") not in _FACT_KINDS)
        keep = set(self.nodes)
        self.edges = sorted({(s, t, k) for s, t, k in graph.edges(keep, keys=True)
                             if t in keep and k in _SHOWN_RELATIONS})

    def title(self, lang=None):
        """The diagram's title in ``lang`` (the process's language when None).

        Examples
        --------
        >>> import networkx as nx
        >>> view = View(nx.MultiDiGraph(), "いの町", "ino", [])
        >>> view.title(), view.title("en")
        ('いの町のひきこもり支援ネットワーク', 'Hikikomori support network of いの町')
        """
        from tsunagu.text import say

        return say(f"{self.place}のひきこもり支援ネットワーク", f"Hikikomori support network of {self.place}", lang)


def _in(graph, node, *relations):
    return {s for s, _, k in graph.in_edges(node, keys=True) if k in relations}


def _out(graph, node, *relations):
    return {t for _, t, k in graph.out_edges(node, keys=True) if k in relations}


def _types(graph, node):
    return set(graph.nodes[node].get("types", ()))


def _is_platform(types):
    return bool(rules.platform_level(types)) or rules.is_prefectural_platform(types)


def _platform_circle(graph, platform):
    """A platform with who sits on it, what it is built on, its areas, and its advisers with their members."""
    adj = Adjacency(graph)
    nodes = {platform} | set(adj.into(platform, *rules.CIRCLE_IN)) | set(adj.out_of(platform, *rules.CIRCLE_OUT))
    for adviser in adj.into(platform, rules.ADVISES):
        nodes |= {adviser} | set(adj.into(adviser, *rules.CIRCLE_IN))
    return nodes


def _with_what_they_run(graph, nodes):
    """Add what the shown nodes lead on to, by the walk's own onward rules."""
    adj = Adjacency(graph)
    frontier = set(nodes)
    while frontier:
        added = set()
        for node in frontier:
            for relation, inverse in rules.onward_steps(adj.types(node)):
                added |= set(adj.into(node, relation) if inverse else adj.out_of(node, relation))
        frontier = added - nodes
        nodes |= frontier
    return nodes


def platform_context(graph, walked):
    """What a municipality's diagram adds to the ``walked`` nodes: the circle of each platform
    the walk visits (its anchors) and what that circle runs."""
    context = set()
    for node in walked:
        if _is_platform(_types(graph, node)):
            context |= _platform_circle(graph, node)
    return _with_what_they_run(graph, context | set(walked)) - set(walked)


def municipality_view(graph, municipality):
    walked = walk_nodes(graph, municipality)
    nodes = walked | platform_context(graph, walked)
    name = graph.nodes[municipality].get("name", municipality)
    return View(graph, name, municipality, nodes)


def prefecture_view(graph, prefecture):
    nodes = {prefecture}
    # operatedBy: the 保健所 the prefecture runs (a city-run one is its city's, drawn with that city)
    for node in _in(graph, prefecture, "servesArea", "locatedIn", "partOfPrefecture", "operatedBy"):
        types = _types(graph, node)
        if "NationalScheme" in types:
            continue
        if "PrefecturalPlatform" in types:
            nodes |= _platform_circle(graph, node)
        elif "Municipality" in types:
            # a prefecture is drawn as its platforms and centres: a municipality only with its platform,
            # not a star of every municipality (愛知県: 54 spokes labelled 所属都道府県)
            platforms = {p for p in _in(graph, node, "servesArea") if "MunicipalPlatform" in _types(graph, p)}
            if platforms:
                nodes.add(node)
                nodes |= platforms
        else:
            nodes.add(node)
            if "ReviewCommittee" in types:
                nodes |= _in(graph, node, "memberOf")
    nodes |= _out(graph, prefecture, "runs")
    nodes = _with_what_they_run(graph, nodes)
    # ... with the bodies housing them (広島県's east satellite centre at 小泉病院) and the municipalities they sit in
    nodes |= {host for node in list(nodes) for host in _out(graph, node, "hostedBy")}
    nodes |= {place for node in list(nodes) for place in _out(graph, node, "locatedIn")
              if "Municipality" in _types(graph, place)}
    name = graph.nodes[prefecture].get("name", prefecture)
    return View(graph, name, prefecture, nodes)
