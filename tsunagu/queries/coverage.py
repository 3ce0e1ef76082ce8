"""Coverage for analysts: the age x domain matrix of a municipality.

:func:`coverage_matrix` rebuilds a chart like 三原市's (003): rows by age
band, columns by support function and domain, each cell full, partial,
unknown or none, with what fills it and at which level. The three duties
are in :mod:`tsunagu.queries.duties`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any, TypedDict

from tsunagu.resolver import checked_date, municipality_id
from tsunagu.exceptions import TsunaguError
from tsunagu.rules.judge import MAX_AGE, AgeWindow, Candidate, TownWalk, age_window, offered, referral_candidates
from tsunagu.rules.reach import LEVELS, Reached, reach

__all__ = [
    "CELL_STATES",
    "coverage_matrix",
    "has_local_data",
    "AgeBand",
    "CoverageCell",
    "CoverageProvider",
]

Graph = Any  # a networkx MultiDiGraph, or a municipality's reach subgraph (networkx has no type hints)


class AgeBand(TypedDict):
    """One row of an age-band scheme, as the graph's vocabulary holds it (``graph.graph["age_bands"]``)."""

    notation: str
    name: str | None
    min: int
    max: int | None  # None: no upper bound


class CoverageProvider(TypedDict):
    """One provider of a cell: what a referral offers for the domain at some age of the band."""

    id: str
    name: str | None
    kind: str | None
    level: str
    age: str  # "15-39", "15-" (no maximum) or "not stated"
    how: str  # stated, scheme or typical


class CoverageCell(TypedDict):
    """One (band, domain) cell of :func:`coverage_matrix`."""

    band: str
    domain: str
    state: str  # one of CELL_STATES
    level: str | None  # the most local level filling it
    providers: list[CoverageProvider]


class _BandCell(TypedDict):
    state: str
    providers: list[Candidate]  # most local first
    windows: dict[int, AgeWindow]  # id(candidate) -> its window for the domain, for those it has one

CELL_STATES = ("full", "partial", "unknown", "none")


def has_local_data(graph: Graph, reached: Iterable[Reached]) -> bool:
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


def _segments(windows: Iterable[AgeWindow], bands: Iterable[AgeBand]) -> list[tuple[int, int]]:
    """The ages where what is offered can change: every window's edges and every band's, from 0 to past
    :data:`MAX_AGE`. Between two of them every candidate is either offered at every age or at none."""
    edges = {0, MAX_AGE + 1}
    for window in windows:
        edges.update((window.low, window.high + 1))
    for band in bands:
        edges.add(band["min"])
        edges.add((MAX_AGE if band["max"] is None else band["max"]) + 1)
    return list(pairwise(sorted(e for e in edges if 0 <= e <= MAX_AGE + 1)))


def _band_cells(candidates: Sequence[Candidate], column: str, rows: Sequence[AgeBand],
                as_of: dt.date) -> dict[str, _BandCell]:
    """band notation -> ``{"state", "providers", "windows"}`` for one domain ``column``: the candidates
    offered at some age of the band (most local first) and the state, from one judgement per segment
    of ages over which nothing offered changes."""
    every = {id(c): age_window(c, column, as_of) for c in candidates}
    windows = {key: w for key, w in every.items() if w is not None}  # every candidate offered at some age has one
    offers = [(start, end, offered(candidates, start, [column], as_of))
              for start, end in _segments(list(windows.values()), rows)]
    cells: dict[str, _BandCell] = {}
    for band in rows:
        low, high = band["min"], MAX_AGE if band["max"] is None else band["max"]
        inside = [kept for start, end, kept in offers if start <= high and end - 1 >= low]
        providers: dict[str, Candidate] = {}
        for kept in inside:
            for candidate in kept:
                providers.setdefault(_provider_id(candidate), candidate)
        known = [any(windows[id(c)].basis != "unstated" for c in kept) for kept in inside]
        if not providers:
            state = "none"
        elif all(known):
            state = "full"
        elif any(known) or not all(inside):
            state = "partial"
        else:
            state = "unknown"
        ordered = sorted(providers.values(), key=lambda c: (LEVELS.index(c["level"]), _provider_id(c)))
        cells[band["notation"]] = {"state": state, "providers": ordered, "windows": windows}
    return cells


def coverage_matrix(graph: Graph, municipality: str, *, bands: str = "chart", reached: list[Reached] | None = None,
                    as_of: dt.date | str | None = None, walk: TownWalk | None = None) -> dict[str, Any]:
    """The age x domain matrix for one municipality (a node id), as the referral judges it.

    A cell's providers are exactly what a referral offers for that domain at
    some age inside the band (:func:`tsunagu.rules.judge.offered`, the very
    rule :func:`tsunagu.queries.referral.referral_answer` keeps and collapses
    by); a test holds the two together, age by age.

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
        What the walk reaches from ``municipality``; ``walk``'s, else walked here, when not given.
    as_of : datetime.date, optional
        The day asked (default today): a cohort's ages move with it.
    walk : TownWalk, optional
        The municipality's walk and candidates as the build made them
        (beside its reach graph); walked and judged here when not given.

    Returns
    -------
    dict
        ``municipality`` (id, name), ``bands``, ``columns`` (domain, name),
        ``cells``: one per (band, domain) with its ``state``, the most local
        ``level`` that fills it and the ``providers``; ``local_data``: False
        when nothing curated is known of the municipality's own resources,
        so that a ``none`` cell means no data rather than a gap. A cell is
        ``full`` when every age of the band gets an offer whose ages are
        known, ``partial`` when some ages do, ``unknown`` when every age
        gets an offer but only with its ages unstated, ``none`` when no age
        gets one.

    Raises
    ------
    TsunaguError
        For an unknown band scheme.
    NameNotFound, AmbiguousName, NotAMunicipality, InvalidDate
        For a town that is not one, a day that is not a date.
    ValueError
        For a ``walk`` of another municipality.

    Examples
    --------
    >>> from tsunagu.compile.current import current_reach_graph
    >>> key, small, walk = current_reach_graph("三原市")
    >>> matrix = coverage_matrix(small, key, walk=walk)
    >>> len(matrix["cells"]), matrix["local_data"]
    (99, True)
    """
    schemes: dict[str, list[AgeBand]] = graph.graph["age_bands"]
    if bands not in schemes:
        raise TsunaguError(f"年齢区分「{bands}」はありません。次のどれか: {', '.join(schemes)} (unknown age-band scheme)")
    municipality = municipality_id(graph, municipality)
    as_of = checked_date(as_of)
    columns: list[str] = graph.graph["chart_columns"]
    candidates = referral_candidates(graph, municipality, walk=walk)
    if reached is None:
        reached = list(walk.reached) if walk is not None else reach(graph, municipality)
    rows = schemes[bands]
    cells_by: dict[tuple[str, str], CoverageCell] = {}
    for column in columns:
        for notation, cell in _band_cells(candidates, column, rows, as_of).items():
            ordered = cell["providers"]
            cells_by[(notation, column)] = {
                "band": notation, "domain": column, "state": cell["state"],
                "level": ordered[0]["level"] if ordered else None,
                "providers": [_provider(c, cell["windows"][id(c)], graph) for c in ordered],
            }
    return {
        "municipality": {"id": municipality, "name": graph.nodes[municipality].get("name")},
        "bands": [b["notation"] for b in rows],
        "columns": [{"domain": c, "name": graph.nodes[f"domain:{c}"].get("name")} for c in columns],
        "cells": [cells_by[(band["notation"], column)] for band in rows for column in columns],
        "local_data": has_local_data(graph, reached),
    }


def _provider_id(candidate: Candidate) -> str:
    """What a referral option names: the program, else the organisation."""
    program = candidate["program"]
    if program:
        return program["id"]
    organisation = candidate["organisation"]
    assert organisation is not None  # a candidate that is no program is an organisation's own row
    return organisation["id"]


def _provider(candidate: Candidate, window: AgeWindow, graph: Graph) -> CoverageProvider:
    node = _provider_id(candidate)
    data = graph.nodes[node]
    age = "not stated" if window.basis == "unstated" else f"{window.low}-{'' if window.high == MAX_AGE else window.high}"
    return {"id": node, "name": data.get("name"), "kind": data.get("kind"), "level": candidate["level"], "age": age,
            "how": window.how}
