"""What the analysts' sweeps read: the three duties of every municipality, computed once by the build.

A municipality's duties (a clarified and publicised window, a needs survey,
a platform) are each known done, known not done or not known, with the
source and date of what is known: a duty-status fact first, else a fact of
the graph (a platform serving the town, a window of it). :func:`duty_table`
reads them for every municipality at once, with what the national directory
shows apart from the duties (:func:`duty_evidence`) and the national
survey's figures, so that ``gaps``, ``tally``, ``rollup`` and the analyst
page filter and count rows instead of walking a graph.
:mod:`tsunagu.queries.duties` filters and counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tsunagu.rules.reach import municipality_nodes

Graph = Any  # networkx has no types to name it by
Row = dict[str, Any]  # one municipality's duties: id, name, code, prefecture, kind, each duty's status, date, source

__all__ = ["DUTIES", "KINDS", "EVIDENCE_KINDS", "Count", "count_of", "DutyTable", "duty_table", "duty_row",
           "duty_evidence"]

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


def duty_row(graph: Graph, municipality: str) -> Row:
    """One municipality's duties: id, name, code, prefecture, kind, and per duty its status,
    ``<duty> as of`` and ``<duty> source``.

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> row = duty_row(current_duties_graph(), "tobishima")
    >>> row["name"], row["platform"], row["platform as of"], row["needs-survey"]
    ('飛島村', 'yes', '2020-03-31', 'unknown')
    """
    nodes = graph.nodes
    pref = _prefecture_of(graph, municipality)
    row: Row = {"id": municipality, "name": nodes[municipality].get("name"), "code": nodes[municipality].get("code"),
                "prefecture": nodes[pref].get("name") if pref else None, "kind": _kind_key(graph, municipality)}
    incoming = _incoming(graph, municipality)
    for duty in DUTIES:
        status, sources, as_of, _ = _status_for(graph, incoming, duty)
        row[duty] = status
        row[f"{duty} as of"] = as_of
        row[f"{duty} source"] = "; ".join(f"{s['document']}: {s['quote']}" for s in sources[:1])
    return row


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
    """The :class:`Count` of ``duty`` over duty rows."""
    statuses = [row[duty] for row in rows]
    return Count(statuses.count("yes"), statuses.count("no"), statuses.count("unknown"))


@dataclass(frozen=True)
class DutyTable:
    """Every municipality's duty row (code order) with its prefecture's id, what the directory
    shows of it apart from the duties, the national survey's figures and where each town hall
    is: what the build saves for the sweeps and the map.

    ``figures`` holds each survey figure as (duty, municipality class, done, all).
    """

    rows: tuple[Row, ...]
    prefectures: tuple[str | None, ...]  # the prefecture id of each row
    evidence: Mapping[str, list[dict[str, Any]]]
    figures: tuple[tuple[str, str, int, int], ...]
    coordinates: Mapping[str, tuple[float, float]]  # municipality -> its town hall's (latitude, longitude), where known


def duty_table(graph: Graph) -> DutyTable:
    """The :class:`DutyTable` of ``graph`` (the compiled graph, or a duties graph without the
    directory's windows, whose evidence is then empty).

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> table = duty_table(current_duties_graph())
    >>> len(table.rows), table.rows[0]["name"], table.prefectures[0]
    (7, '豊川市', 'aichi')
    """
    municipalities = sorted(municipality_nodes(graph), key=lambda m: (graph.nodes[m].get("code") or "", m))
    figures = tuple(sorted((data["duty"], data.get("municipalityKind"), data["value"], data["total"])
                           for _, data in graph.nodes(data=True) if data.get("kind") == "SurveyFigure"))
    nodes = graph.nodes
    coordinates = {m: (float(nodes[m]["latitude"]), float(nodes[m]["longitude"])) for m in municipalities
                   if nodes[m].get("latitude") is not None and nodes[m].get("longitude") is not None}
    return DutyTable(tuple(duty_row(graph, m) for m in municipalities),
                     tuple(_prefecture_of(graph, m) for m in municipalities),
                     duty_evidence(graph, municipalities), figures, coordinates)
