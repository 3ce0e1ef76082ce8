"""Coverage for analysts: the age x domain matrix of a municipality, and its duties.

:func:`coverage_matrix` rebuilds a chart like 三原市's (003): rows by age
band, columns by support function and domain, each cell full, partial,
unknown or none, with what fills it and at which level. :func:`duty_statuses`
lists the three duties per municipality; :func:`duty_rollup` counts them by
prefecture or municipality kind in the shape of the national survey table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu.exceptions import TsunaguError
from tsunagu.rules.reach import LEVELS, municipality_nodes, reach
from tsunagu.rules.judge import age_text

__all__ = [
    "CELL_STATES",
    "DUTIES",
    "KINDS",
    "coverage_matrix",
    "duty_statuses",
    "duty_rollup",
    "Count",
    "RollupRow",
    "count_of",
    "covering_domains",
    "has_local_data",
]

CELL_STATES = ("full", "partial", "unknown", "none")
DUTIES = ("window-clarified", "window-publicised", "needs-survey", "platform")
# --kind values and the ontology classes they select
KINDS = {"designated": "DesignatedCity", "core": "CoreCity", "city": "City", "ward": "SpecialWard",
         "town": "Town", "village": "Village"}
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


def _incoming(graph, municipality):
    """relation -> sources of the edges into ``municipality``: read once for all four duties."""
    incoming = {}
    for source, keys in graph.pred[municipality].items():
        for key in keys:
            incoming.setdefault(key, []).append(source)
    return incoming


def _status_for(graph, incoming, duty):
    """(status, source, as_of, via) for one duty: a status fact first, else a fact in the graph."""
    nodes = graph.nodes
    facts = [s for s in incoming.get("ofMunicipality", ())
             if nodes[s].get("kind") == "DutyStatus" and nodes[s].get("duty") == duty]
    if facts:
        fact = max(facts)
        data = nodes[fact]
        status = "yes" if data.get("fulfilled") else "no"
        return status, data["sources"], data.get("asOf") or data.get("since"), fact
    if duty == "platform":
        for platform in incoming.get("servesArea", ()):
            if "MunicipalPlatform" in nodes[platform]["types"]:
                return "yes", nodes[platform]["sources"], nodes[platform].get("since"), platform
    if duty == "window-clarified":
        for window in incoming.get("windowOf", ()):
            return "yes", nodes[window]["sources"], None, window
    return "unknown", [], None, None


def _prefecture_of(graph, municipality):
    return next((target for target, keys in graph.succ[municipality].items() if "partOfPrefecture" in keys), None)


def _kind_key(graph, node):
    kind = graph.nodes[node]["kind"]
    return next((key for key, cls in KINDS.items() if cls == kind), kind)


def duty_statuses(graph, *, prefecture=None, municipality=None, kind=None, missing=None):
    """One row per municipality: each duty yes / no / unknown, with source and as-of date.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph or the build's duties graph (municipalities with
        their duty facts, platforms, windows and prefectures).
    prefecture, municipality : str, optional
        Node ids: only this prefecture's municipalities, or only this one.
    kind : str, optional
        A key of :data:`KINDS`.
    missing : str, optional
        Keep rows where this duty (or ``"any"``) is not yes.

    Returns
    -------
    list of dict
        In code order: id, name, code, prefecture, kind, and per duty its
        status, ``<duty> as of`` and ``<duty> source``.

    Raises
    ------
    TsunaguError
        For an unknown kind or duty.

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> rows = duty_statuses(current_duties_graph(), kind="village")
    >>> [(r["name"], r["platform"], r["platform as of"], r["needs-survey"]) for r in rows]
    [('飛島村', 'yes', '2020-03-31', 'unknown')]
    """
    if kind is not None and kind not in KINDS:
        raise TsunaguError(f"種別「{kind}」はありません。次のどれか: {', '.join(KINDS)} (unknown kind)")
    if missing is not None and missing not in DUTIES + ("any",):
        raise TsunaguError(f"取組「{missing}」はありません。次のどれか: any, {', '.join(DUTIES)} (unknown duty)")
    rows = []
    for node in municipality_nodes(graph):
        pref = _prefecture_of(graph, node)
        if prefecture and pref != prefecture or municipality and node != municipality:
            continue
        if kind and graph.nodes[node]["kind"] != KINDS[kind]:
            continue
        row = {"id": node, "name": graph.nodes[node].get("name"), "code": graph.nodes[node].get("code"),
               "prefecture": graph.nodes[pref].get("name") if pref else None, "kind": _kind_key(graph, node)}
        incoming = _incoming(graph, node)
        for duty in DUTIES:
            status, sources, as_of, _ = _status_for(graph, incoming, duty)
            row[duty] = status
            row[f"{duty} as of"] = as_of
            row[f"{duty} source"] = "; ".join(f"{s['document']}: {s['quote']}" for s in sources[:1])
        wanted = DUTIES if missing == "any" else (missing,) if missing else ()
        if wanted and all(row[d] == "yes" for d in wanted):
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r["code"] or "", r["id"]))
    return rows


@dataclass(frozen=True)
class Count:
    """How many municipalities of a group did a duty (``yes``), did not (``no``), or are not known."""

    yes: int
    no: int
    unknown: int

    @property
    def total(self):
        return self.yes + self.no + self.unknown

    @property
    def known(self):
        return self.yes + self.no


def count_of(rows, duty):
    """The :class:`Count` of ``duty`` over rows of :func:`duty_statuses`."""
    statuses = [row[duty] for row in rows]
    return Count(statuses.count("yes"), statuses.count("no"), statuses.count("unknown"))


@dataclass(frozen=True)
class RollupRow:
    """One group of :func:`duty_rollup`: its municipalities, each duty's :class:`Count` and,
    by kind, the national survey's (May 2020) where the graph holds it."""

    group: str
    municipalities: int
    counts: dict = field(default_factory=dict)  # duty -> Count
    survey: dict = field(default_factory=dict)  # duty -> Count


def duty_rollup(graph, *, by="kind", prefecture=None):
    """Counts of municipalities with each duty done, not done and not known, grouped ``by`` kind or prefecture.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph or the duties graph of the last build.
    by : {"kind", "prefecture"}
    prefecture : str, optional
        A prefecture's node id: only its municipalities.

    Returns
    -------
    list of RollupRow
        One per group in the survey's order, then ``all``. With ``by="kind"``
        the survey's figures sit beside the graph's, so the two can be held
        side by side.

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> rows = duty_rollup(current_duties_graph())
    >>> rows[-1].group, rows[-1].counts["platform"], rows[-1].survey["window-clarified"]
    ('all', Count(yes=6, no=0, unknown=1), Count(yes=974, no=767, unknown=0))
    """
    if by not in ("kind", "prefecture"):
        raise TsunaguError("集計は kind か prefecture ごとです (group by 'kind' or 'prefecture')")
    statuses = duty_statuses(graph, prefecture=prefecture)
    groups = {}
    for row in statuses:
        groups.setdefault(row["kind"] if by == "kind" else row["prefecture"], []).append(row)
    survey = _survey_figures(graph) if by == "kind" else {}
    result = []
    for group in sorted(groups, key=lambda g: (list(KINDS).index(g) if g in KINDS else 99, str(g))) + ["all"]:
        rows = statuses if group == "all" else groups[group]
        result.append(RollupRow(group, len(rows), {duty: count_of(rows, duty) for duty in DUTIES},
                                {duty: survey[(duty, group)] for duty in DUTIES if (duty, group) in survey}))
    return result


def _survey_figures(graph):
    """(duty, kind key or "all") -> :class:`Count` from the national survey figures."""
    figures = {}
    for _, data in graph.nodes(data=True):
        if data.get("kind") != "SurveyFigure":
            continue
        kind = data.get("municipalityKind")
        key = "all" if kind == "Municipality" else next((k for k, c in KINDS.items() if c == kind), kind)
        figures[(data.get("duty"), key)] = Count(data["value"], data["total"] - data["value"], 0)
    return figures
