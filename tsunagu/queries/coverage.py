"""Coverage for analysts: the age x domain matrix of a municipality.

:func:`coverage_matrix` rebuilds a chart like 三原市's (003): rows by age
band, columns by support function and domain, each cell full, partial,
unknown or none, with what fills it and at which level. The three duties
are in :mod:`tsunagu.queries.duties`.
"""

from __future__ import annotations


from tsunagu.exceptions import TsunaguError
from tsunagu.rules.reach import LEVELS, reach
from tsunagu.rules.judge import age_text

__all__ = [
    "CELL_STATES",
    "coverage_matrix",
    "covering_domains",
    "has_local_data",
]

CELL_STATES = ("full", "partial", "unknown", "none")
_PROVIDER_TYPES = {"Organisation", "ConsultationWindow", "Program"}


def covering_domains(graph, node):
    """(domains, how): stated domains (``"stated"``), else the organisation
    type's typical ones (``"typical"``: a guess from the kind, not a fact)."""
    data = graph.nodes[node]
    if data.get("domains"):
        return data["domains"], "stated"
    if "Program" not in data["types"] and data.get("type_domains"):
        return data["type_domains"], "typical"
    return [], None


def has_local_data(graph, reached):
    """Whether anything curated is known about the municipality's own resources.

    True when a provider reached at the municipality, platform or wide-area
    level rests on a curated source (a seed document), not only on a row of an
    imported national list. Without it an empty cell of the matrix means "no
    data", not "nothing there".
    """
    local = ("municipality", "platform", "wide-area")
    for item in reached:
        if item.level not in local:
            continue
        for hop in item.path[1:]:  # the municipality itself is on every national list
            if any(not source.get("dataset") for source in graph.nodes[hop.id].get("sources") or ()):
                return True
    return False


def _union_covers(intervals, low, high):
    """Whether closed integer intervals (max None = open) cover [low, high]."""
    point = low
    for start, end in sorted(intervals, key=lambda i: i[0]):
        if start > point:
            return False
        if end is None:
            return True
        point = max(point, end + 1)
        if high is not None and point > high:
            return True
    return False


def _overlaps(start, end, low, high):
    return (end is None or end >= low) and (high is None or start <= high)


def _cell_state(contributors, low, high):
    """Full, partial, unknown or none for one band from its contributors' age ranges.

    A stated range counts fully; a range with only a maximum stated (Saposute:
    up to 49) is possible coverage below it; no stated range is unknown.
    """
    known = [(d["age_min"], d["age_max"]) for d in contributors if d["age_stated"] and d["age_min"] is not None]
    possible = known + [(0, d["age_max"]) for d in contributors if d["age_stated"] and d["age_min"] is None]
    known = [i for i in known if _overlaps(*i, low, high)]
    possible = [i for i in possible if _overlaps(*i, low, high)]
    unstated = [d for d in contributors if not d["age_stated"]]
    if known and _union_covers(known, low, high):
        return "full"
    if known or (possible and not _union_covers(possible, low, high)):
        return "partial"
    if possible or unstated:
        return "unknown"
    return "none"


def coverage_matrix(graph, municipality, *, bands="chart", reached=None):
    """The age x domain matrix for one municipality (a node id).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A compiled graph, or the municipality's referral graph; its
        ``graph.graph`` holds the vocabulary (age bands, chart columns, broader domains).
    municipality : str
        The municipality's node id.
    bands : str
        An age-band scheme of the ontology: ``chart`` (the rows of 三原市's
        chart) or ``policy`` (15-39, 40-64).
    reached : list of Reached, optional
        What the walk reaches from ``municipality``; walked here when not given.

    Returns
    -------
    dict
        ``municipality`` (id, name), ``bands``, ``columns`` (domain, name),
        ``cells``: one per (band, domain) with its ``state`` (full, partial,
        unknown, none), the most local ``level`` that fills it and the
        ``providers``; ``local_data``: False when nothing curated is known of
        the municipality's own resources, so that a ``none`` cell means no
        data rather than a gap.

    Raises
    ------
    TsunaguError
        For an unknown band scheme.

    Examples
    --------
    >>> from tsunagu.compile import current_reach_graph
    >>> key, small = current_reach_graph("三原市")
    >>> matrix = coverage_matrix(small, key)
    >>> len(matrix["cells"]), matrix["local_data"]
    (99, True)
    """
    schemes = graph.graph["age_bands"]
    if bands not in schemes:
        raise TsunaguError(f"年齢区分「{bands}」はありません。次のどれか: {', '.join(schemes)} (unknown age-band scheme)")
    columns = graph.graph["chart_columns"]
    broader = graph.graph["domain_broader"]
    if reached is None:
        reached = reach(graph, municipality)
    providers = []
    for reached_node in reached:
        data = graph.nodes[reached_node.node]
        if not set(data["types"]) & _PROVIDER_TYPES:
            continue
        domains, how = covering_domains(graph, reached_node.node)
        if domains:
            providers.append({
                "id": reached_node.node, "name": data.get("name"), "kind": data["kind"], "level": reached_node.level,
                "domains": domains, "how": how, "age": age_text(data), "age_stated": data.get("age_stated", False),
                "age_min": data.get("age_min"), "age_max": data.get("age_max"),
            })
    cells = []
    for band in schemes[bands]:
        for column in columns:
            in_column = [p for p in providers if any(column in broader.get(d, (d,)) for d in p["domains"])]
            state = _cell_state(in_column, band["min"], band["max"])
            contributing = [p for p in in_column
                            if not p["age_stated"] or _overlaps(p["age_min"] or 0, p["age_max"], band["min"], band["max"])]
            levels = sorted({p["level"] for p in contributing}, key=LEVELS.index)
            cells.append({
                "band": band["notation"], "domain": column, "state": state,
                "level": levels[0] if levels and state != "none" else None,
                "providers": [{"id": p["id"], "name": p["name"], "kind": p["kind"], "level": p["level"], "age": p["age"],
                               "how": p["how"]}
                              for p in sorted(contributing, key=lambda p: (LEVELS.index(p["level"]), p["id"]))],
            })
    return {
        "municipality": {"id": municipality, "name": graph.nodes[municipality].get("name")},
        "bands": [b["notation"] for b in schemes[bands]],
        "columns": [{"domain": c, "name": graph.nodes[f"domain:{c}"].get("name")} for c in columns],
        "cells": cells,
        "local_data": has_local_data(graph, reached),
    }
