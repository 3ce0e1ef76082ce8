"""What the graph says about one entity, and about the graph as a whole."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypedDict

from tsunagu.rules.judge import age_text

__all__ = ["entity_details", "graph_stats", "EntityDetails", "Neighbour", "GraphStats"]

Graph = Any  # a networkx MultiDiGraph, or a stored row's graph (networkx has no type hints)


class Neighbour(TypedDict):
    """One edge of an entity, seen from it: ``->`` it points to ``id``, ``<-`` ``id`` points to it."""

    direction: str
    relation: str
    id: str
    name: str | None
    kind: str | None
    inferred: bool


class EntityDetails(TypedDict):
    """What :func:`entity_details` returns."""

    entity: dict[str, Any]  # the attributes shown, with "id" and the age range as text
    neighbours: list[Neighbour]
    sources: list[dict[str, Any]]  # document, quote and an imported row's provenance


class KindCount(TypedDict):
    kind: str
    count: int


class RelationCount(TypedDict):
    relation: str
    count: int


GraphTotals = TypedDict("GraphTotals", {"nodes": int, "edges": int, "user inputs": str})


class GraphStats(TypedDict):
    """What :func:`graph_stats` returns."""

    nodes: list[KindCount]  # most numerous kind first
    edges: list[RelationCount]
    total: GraphTotals

_HIDDEN = {"types", "sources", "age_stated"}


def entity_details(graph: Graph, node: str) -> EntityDetails:
    """Attributes, neighbours (both directions) and sources of ``node``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The whole graph, or any graph holding ``node`` with its edges and its
        neighbours' names and kinds (the entity's row the build stores).
    node : str
        A node id.

    Returns
    -------
    dict
        ``entity`` (attributes, the age range as text), ``neighbours``
        (direction, relation, id, name, kind, inferred) and ``sources``.

    Examples
    --------
    >>> from tsunagu.compile.current import current_entity
    >>> details = entity_details(current_entity("tobishima"), "tobishima")
    >>> details["entity"]["name"], [n["name"] for n in details["neighbours"] if n["relation"] == "partOfPrefecture"]
    ('飛島村', ['愛知県'])
    """
    data: dict[str, Any] = graph.nodes[node]
    attributes: dict[str, Any] = {"id": node}
    attributes.update({k: v for k, v in data.items() if k not in _HIDDEN and v not in (None, [], "")})
    if set(data.get("types", ())) & {"Program", "Organisation", "ConsultationWindow"}:
        attributes["age"] = age_text(data)
    attributes.pop("age_min", None)
    attributes.pop("age_max", None)
    neighbours: list[Neighbour] = []
    for _, target, key, edge in graph.out_edges(node, keys=True, data=True):
        neighbours.append({"direction": "->", "relation": key, "id": target,
                           "name": graph.nodes[target].get("name"), "kind": graph.nodes[target].get("kind"),
                           "inferred": edge.get("inferred", False)})
    for source, _, key, edge in graph.in_edges(node, keys=True, data=True):
        neighbours.append({"direction": "<-", "relation": key, "id": source,
                           "name": graph.nodes[source].get("name"), "kind": graph.nodes[source].get("kind"),
                           "inferred": edge.get("inferred", False)})
    neighbours.sort(key=lambda n: (n["direction"], n["relation"], n["id"]))
    return {"entity": attributes, "neighbours": neighbours, "sources": list(data.get("sources", []))}


def graph_stats(graph: Graph, inputs: Iterable[str] | None = None) -> GraphStats:
    """Counts of nodes by kind and edges by relation; ``inputs``: the build's user inputs, to list beside them.

    Examples
    --------
    >>> from tsunagu.compile.current import current_graph
    >>> stats = graph_stats(current_graph())
    >>> stats["total"]["user inputs"], stats["nodes"][0]["count"] >= stats["nodes"][-1]["count"]
    ('(embedded data only)', True)
    """
    kinds: Counter[str] = Counter(data.get("kind") for _, data in graph.nodes(data=True))
    relations: Counter[str] = Counter(key for _, _, key in graph.edges(keys=True))
    return {
        "nodes": [{"kind": k, "count": n} for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))],
        "edges": [{"relation": r, "count": n} for r, n in sorted(relations.items(), key=lambda kv: (-kv[1], kv[0]))],
        "total": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                  "user inputs": ", ".join(inputs or []) or "(embedded data only)"},
    }
