"""The three duties per municipality, and their counts in the shape of the national survey.

:func:`duty_statuses` lists the duties (a clarified and publicised window, a
needs survey, a platform) per municipality, each known done, known not done
or not known, with its source and date; :func:`duty_rollup` counts them by
prefecture or municipality kind beside the May 2020 survey's figures (002).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tsunagu.exceptions import TsunaguError
from tsunagu.rules.reach import municipality_nodes

Graph = Any  # networkx has no types to name it by
Row = dict[str, Any]  # one municipality's duties: id, name, code, prefecture, kind, each duty's status, date, source

__all__ = ["DUTIES", "KINDS", "EVIDENCE_KINDS", "duty_statuses", "duty_evidence", "duty_rollup", "Count", "RollupRow",
           "count_of"]

DUTIES = ("window-clarified", "window-publicised", "needs-survey", "platform")
# --kind values and the ontology classes they select
KINDS = {"designated": "DesignatedCity", "core": "CoreCity", "city": "City", "ward": "SpecialWard",
         "town": "Town", "village": "Village"}

# What the national directory can show of a municipality (evidence kind -> node type): a
# self-reliance window with a phone (every municipality with a welfare office must have one, and
# it must take hikikomori consultations: 002) and the town hall. Evidence, never a duty.
EVIDENCE_KINDS = {"self-reliance": "SelfRelianceSupportAgency", "town-hall": "MunicipalOffice"}


def _incoming(graph: Graph, municipality: str) -> dict[str, list[str]]:
    """relation -> sources of the edges into ``municipality``: read once for all four duties."""
    incoming: dict[str, list[str]] = {}
    for source, keys in graph.pred[municipality].items():
        for key in keys:
            incoming.setdefault(key, []).append(source)
    return incoming


def _status_for(graph: Graph, incoming: dict[str, list[str]],
                duty: str) -> tuple[str, list[dict[str, Any]], Any, str | None]:
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


def _prefecture_of(graph: Graph, municipality: str) -> str | None:
    return next((target for target, keys in graph.succ[municipality].items() if "partOfPrefecture" in keys), None)


def _kind_key(graph: Graph, node: str) -> str:
    kind = graph.nodes[node]["kind"]
    return next((key for key, cls in KINDS.items() if cls == kind), kind)


def duty_statuses(graph: Graph, *, prefecture: str | None = None, municipality: str | None = None,
                  kind: str | None = None, missing: str | None = None) -> list[Row]:
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
    rows: list[Row] = []
    for node in municipality_nodes(graph):
        pref = _prefecture_of(graph, node)
        if prefecture and pref != prefecture or municipality and node != municipality:
            continue
        if kind and graph.nodes[node]["kind"] != KINDS[kind]:
            continue
        row: Row = {"id": node, "name": graph.nodes[node].get("name"), "code": graph.nodes[node].get("code"),
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


def _first_source(data: dict[str, Any]) -> dict[str, Any]:
    sources: list[dict[str, Any]] = data.get("sources") or [{}]
    listed = [s for s in sources if s.get("dataset")] or sources
    return listed[0]


def duty_evidence(graph: Graph, municipalities: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """What the national directory shows of each municipality, apart from the duties.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph that holds the directory's windows with their ``servesArea``
        edges: the compiled graph (the build's duties graph keeps only platforms).
    municipalities : iterable of str, optional
        Node ids; default every municipality.

    Returns
    -------
    dict
        Municipality id -> list of ``{"kind", "name", "telephone", "source", "as_of"}``,
        one per kind of :data:`EVIDENCE_KINDS` found: a self-reliance window that
        has a phone, the town hall. ``source`` is the list's title.

    Examples
    --------
    >>> from tsunagu.compile.compiler import compile_graph
    >>> duty_evidence(compile_graph(lists=False).graph, ["mihara"])
    {'mihara': []}
    """
    nodes = graph.nodes
    wanted = municipality_nodes(graph) if municipalities is None else [m for m in municipalities if m in graph]
    found: dict[str, list[dict[str, Any]]] = {}
    for municipality in wanted:
        items: list[dict[str, Any]] = []
        for kind, node_type in EVIDENCE_KINDS.items():
            candidates = sorted(source for source, keys in graph.pred[municipality].items()
                                if "servesArea" in keys and node_type in nodes[source].get("types", ())
                                and (kind != "self-reliance" or nodes[source].get("telephone")))
            if candidates:
                data = nodes[candidates[0]]
                source = _first_source(data)
                items.append({"kind": kind, "name": data.get("name"), "telephone": data.get("telephone"),
                              "source": source.get("title") or source.get("document"),
                              "as_of": source.get("as_of") or data.get("lastChecked")})
        found[municipality] = items
    return found


@dataclass(frozen=True)
class Count:
    """How many municipalities of a group did a duty (``yes``), did not (``no``), or are not known."""

    yes: int
    no: int
    unknown: int

    @property
    def total(self) -> int:
        return self.yes + self.no + self.unknown

    @property
    def known(self) -> int:
        return self.yes + self.no


def count_of(rows: Iterable[Row], duty: str) -> Count:
    """The :class:`Count` of ``duty`` over rows of :func:`duty_statuses`."""
    statuses = [row[duty] for row in rows]
    return Count(statuses.count("yes"), statuses.count("no"), statuses.count("unknown"))


@dataclass(frozen=True)
class RollupRow:
    """One group of :func:`duty_rollup`: its municipalities, each duty's :class:`Count` and,
    by kind, the national survey's (May 2020) where the graph holds it."""

    group: str
    municipalities: int
    counts: dict[str, Count] = field(default_factory=dict)  # duty -> Count
    survey: dict[str, Count] = field(default_factory=dict)  # duty -> Count


def duty_rollup(graph: Graph, *, by: str = "kind", prefecture: str | None = None) -> list[RollupRow]:
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
    groups: dict[str, list[Row]] = {}
    for row in statuses:
        groups.setdefault(row["kind"] if by == "kind" else row["prefecture"], []).append(row)
    survey = _survey_figures(graph) if by == "kind" else {}
    result = []
    for group in sorted(groups, key=lambda g: (list(KINDS).index(g) if g in KINDS else 99, str(g))) + ["all"]:
        rows = statuses if group == "all" else groups[group]
        result.append(RollupRow(group, len(rows), {duty: count_of(rows, duty) for duty in DUTIES},
                                {duty: survey[(duty, group)] for duty in DUTIES if (duty, group) in survey}))
    return result


def _survey_figures(graph: Graph) -> dict[tuple[str, str], Count]:
    """(duty, kind key or "all") -> :class:`Count` from the national survey figures."""
    figures: dict[tuple[str, str], Count] = {}
    for _, data in graph.nodes(data=True):
        if data.get("kind") != "SurveyFigure":
            continue
        kind = data.get("municipalityKind")
        key = "all" if kind == "Municipality" else next((k for k, c in KINDS.items() if c == kind), kind)
        figures[(data.get("duty"), key)] = Count(data["value"], data["total"] - data["value"], 0)
    return figures
