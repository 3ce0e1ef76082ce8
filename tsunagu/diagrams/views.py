"""Which nodes and edges a diagram shows: plain data, drawn by :mod:`render`.

A municipality's view is its support platform: the platforms serving it (a
wide-area one with every municipality it serves), their secretariat,
members, the bodies they are built on and the bodies advising them with
their members, the municipality's window and the organisations and programs
serving it, and what those run or entrust. A prefecture's view is its
prefectural platform and members, the bodies serving the prefecture (its
regional support centre and satellites, committees), and its municipalities
with their platforms.
"""

from __future__ import annotations

__all__ = ["View", "municipality_view", "prefecture_view"]

_FACT_KINDS = {"DutyStatus", "AnnualFigure", "SurveyFigure", "SupportDomain"}
_SHOWN_RELATIONS = {"memberOf", "secretariatOf", "advises", "runs", "entrustedTo", "servesArea", "locatedIn",
                    "hostedBy", "satelliteOf", "builtOn", "windowOf", "partOfPrefecture"}


class View:
    """The node ids and the (source, target, relation) edges of one diagram."""

    def __init__(self, graph, title, centre, nodes):
        self.title = title
        self.centre = centre
        self.nodes = sorted(n for n in nodes if graph.nodes[n].get("kind") not in _FACT_KINDS)
        keep = set(self.nodes)
        self.edges = sorted({(s, t, k) for s, t, k in graph.edges(keep, keys=True)
                             if t in keep and k in _SHOWN_RELATIONS})


def _in(graph, node, *relations):
    return {s for s, _, k in graph.in_edges(node, keys=True) if k in relations}


def _out(graph, node, *relations):
    return {t for _, t, k in graph.out_edges(node, keys=True) if k in relations}


def _types(graph, node):
    return set(graph.nodes[node].get("types", ()))


def _platform_circle(graph, platform):
    """A platform with its secretariat, members, bodies, advisers and their members."""
    nodes = {platform}
    nodes |= _in(graph, platform, "memberOf", "secretariatOf")
    nodes |= _out(graph, platform, "builtOn", "servesArea")
    for adviser in _in(graph, platform, "advises"):
        nodes |= {adviser} | _in(graph, adviser, "memberOf", "secretariatOf")
    return nodes


def _with_what_they_run(graph, nodes):
    """Add programs run by the shown organisations, and whom those are entrusted to."""
    frontier = set(nodes)
    while frontier:
        added = set()
        for node in frontier:
            if _types(graph, node) & {"Organisation", "Program", "ConsultationWindow"}:
                added |= _out(graph, node, "runs", "entrustedTo")
            if "RegionalSupportCentre" in _types(graph, node):  # only centres have satellites
                added |= _in(graph, node, "satelliteOf")
        frontier = added - nodes
        nodes |= frontier
    return nodes


def municipality_view(graph, municipality):
    nodes = {municipality}
    for node in _in(graph, municipality, "servesArea", "windowOf", "locatedIn"):
        if "NationalScheme" in _types(graph, node):
            continue
        if "Platform" in _types(graph, node):
            nodes |= _platform_circle(graph, node)
        else:
            nodes.add(node)
    nodes |= _in(graph, municipality, "memberOf")  # the municipality as a member of a platform
    nodes = _with_what_they_run(graph, nodes)
    name = graph.nodes[municipality].get("name", municipality)
    return View(graph, f"{name}のひきこもり支援ネットワーク", municipality, nodes)


def prefecture_view(graph, prefecture):
    nodes = {prefecture}
    for node in _in(graph, prefecture, "servesArea", "locatedIn", "partOfPrefecture"):
        types = _types(graph, node)
        if "NationalScheme" in types:
            continue
        if "PrefecturalPlatform" in types:
            nodes |= _platform_circle(graph, node)
        elif "Municipality" in types:
            nodes.add(node)
            nodes |= {p for p in _in(graph, node, "servesArea") if "MunicipalPlatform" in _types(graph, p)}
        else:
            nodes.add(node)
            if "ReviewCommittee" in types:
                nodes |= _in(graph, node, "memberOf")
    nodes |= _out(graph, prefecture, "runs")
    nodes = _with_what_they_run(graph, nodes)
    name = graph.nodes[prefecture].get("name", prefecture)
    return View(graph, f"{name}のひきこもり支援ネットワーク", prefecture, nodes)
