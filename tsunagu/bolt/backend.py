"""The query contract answered from a Bolt server.

``refer``, ``coverage`` and ``gaps`` run the same library functions on both
backends. On Bolt, parameterised Cypher walks the server's graph stage by
stage, as :mod:`tsunagu.queries.reach` does (the municipality; its
platforms, prefecture and nation; their providers and advisers; what those
run and entrust, and a centre's satellites), and returns only the nodes and
edges of that walk. The answer is then ranked by the very code that ranks
the embedded graph's, so the two backends cannot drift apart in how they
judge a fit; only where the graph lives differs.
"""

from __future__ import annotations

import networkx as nx

from tsunagu.bolt.connection import bolt_errors, connect
from tsunagu.bolt.push import decode_node
from tsunagu.exceptions import AmbiguousName
from tsunagu.graph.names import describe, normalise_name, resolve
from tsunagu.graph.vocabulary import graph_vocabulary

__all__ = ["BoltBackend", "READ_CYPHER"]

READ_CYPHER = {
    "nodes": "UNWIND $keys AS k MATCH (n:Tsunagu {key: k}) RETURN properties(n) AS node",
    "nodes_of_kind": "MATCH (n:Tsunagu) WHERE n.kind IN $kinds RETURN properties(n) AS node",
    "nodes_of_type": "MATCH (n:Tsunagu) WHERE $type IN n.types RETURN properties(n) AS node",
    "incident": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]-(b:Tsunagu) WHERE r.relation IN $relations "
        "RETURN startNode(r).key AS source, endNode(r).key AS target, properties(r) AS edge, properties(b) AS node"
    ),
    "outgoing": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]->(b:Tsunagu) WHERE r.relation IN $relations "
        "RETURN a.key AS source, b.key AS target, properties(r) AS edge, properties(b) AS node"
    ),
    "incoming": (
        "UNWIND $keys AS k MATCH (b:Tsunagu)-[r:LINK]->(a:Tsunagu {key: k}) WHERE r.relation IN $relations "
        "RETURN b.key AS source, a.key AS target, properties(r) AS edge, properties(b) AS node"
    ),
    "named": (
        "MATCH (n:Tsunagu) WHERE $name IN n.names "
        "OPTIONAL MATCH (n)-[r:LINK]->(p:Tsunagu) WHERE r.relation = 'partOfPrefecture' "
        "RETURN properties(n) AS node, properties(p) AS prefecture"
    ),
    "name_index": (
        "MATCH (n:Tsunagu) OPTIONAL MATCH (n)-[r:LINK]->(p:Tsunagu) WHERE r.relation = 'partOfPrefecture' "
        "RETURN n.key AS key, n.names AS names, n.types AS types, n.name AS name, n.code AS code, "
        "p.key AS prefecture, p.name AS prefecture_name"
    ),
}

_AREA_RELATIONS = ["servesArea", "windowOf", "locatedIn", "partOfPrefecture", "memberOf", "secretariatOf"]
_ANCHOR_RELATIONS = _AREA_RELATIONS + ["advises", "runs"]
_ADVISER_RELATIONS = ["memberOf", "secretariatOf", "servesArea"]
_ONWARD_RELATIONS = ["runs", "entrustedTo", "servesArea"]  # outgoing; satellites come in, to centres only
_DUTY_RELATIONS = ["ofMunicipality", "servesArea", "windowOf", "partOfPrefecture"]


class BoltBackend:
    """A read connection to a server that ``tsunagu push`` wrote to."""

    def __init__(self, uri, *, user=None, password=None, database=None):
        self.uri = uri
        self.database = database
        self.driver = connect(uri, user, password, database)

    def close(self):
        self.driver.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _rows(self, statement_name, **params):
        statement = READ_CYPHER[statement_name]

        def read(tx):
            return tx.run(statement, **params).data()

        with bolt_errors(self.uri, self.database), self.driver.session(database=self.database) as session:
            return session.execute_read(read)

    # --- building the subgraph a query needs -------------------------------

    def _new_graph(self):
        graph = nx.MultiDiGraph()
        graph.graph.update(graph_vocabulary())
        for row in self._rows("nodes_of_kind", kinds=["SupportDomain", "Nation"]):
            key, data = decode_node(row["node"])
            graph.add_node(key, **data)
        return graph

    def _add_nodes(self, graph, keys):
        for row in self._rows("nodes", keys=sorted(keys)):
            key, data = decode_node(row["node"])
            graph.add_node(key, **data)

    def _expand(self, graph, keys, relations, direction="incident"):
        """Add the edges of ``relations`` touching ``keys`` (``incident``, ``outgoing`` or
        ``incoming``), and their other ends."""
        if not keys:
            return set()
        found = set()
        for row in self._rows(direction, keys=sorted(keys), relations=relations):
            key, data = decode_node(row["node"])
            if key not in graph:
                graph.add_node(key, **data)
            found.add(key)
            edge = row["edge"]
            graph.add_edge(row["source"], row["target"], key=edge["relation"], relation=edge["relation"],
                           relations=list(edge["relations"]), inferred=bool(edge["inferred"]))
        return found

    @staticmethod
    def _sources_into(graph, node, relations):
        return {s for s, _, k in graph.in_edges(node, keys=True) if k in relations}

    def reach_graph(self, municipality):
        """The part of the server's graph that the walk from ``municipality`` touches."""
        graph = self._new_graph()
        self._add_nodes(graph, {municipality})
        self._expand(graph, {municipality}, _AREA_RELATIONS)
        nations = {n for n, d in graph.nodes(data=True) if d.get("kind") == "Nation"}
        prefectures = {t for _, t, k in graph.out_edges(municipality, keys=True) if k == "partOfPrefecture"}
        platforms = {p for p in self._sources_into(graph, municipality, {"servesArea"})
                     if "MunicipalPlatform" in graph.nodes[p].get("types", ())}
        anchors = platforms | prefectures | nations
        self._expand(graph, anchors, _ANCHOR_RELATIONS)
        prefectural = {p for pref in prefectures for p in self._sources_into(graph, pref, {"servesArea"})
                       if "PrefecturalPlatform" in graph.nodes[p].get("types", ())}
        self._expand(graph, prefectural - anchors, _ANCHOR_RELATIONS)
        anchors |= prefectural | {municipality}
        advisers = {a for anchor in anchors for a in self._sources_into(graph, anchor, {"advises"})}
        self._expand(graph, advisers, _ADVISER_RELATIONS)
        areas = {n for n, d in graph.nodes(data=True) if "Area" in d.get("types", ())}
        frontier = set(graph.nodes) - areas - set(n for n in graph if n.startswith("domain:"))
        seen = set()
        while frontier:
            seen |= frontier
            self._expand(graph, frontier, _ONWARD_RELATIONS, "outgoing")
            centres = {n for n in frontier if "RegionalSupportCentre" in graph.nodes[n].get("types", ())}
            self._expand(graph, centres, ["satelliteOf"], "incoming")
            onward = set()
            for node in frontier:
                onward |= {t for _, t, k in graph.out_edges(node, keys=True) if k in ("runs", "entrustedTo")}
                onward |= self._sources_into(graph, node, {"satelliteOf"})
            frontier = onward - seen
        return graph

    def duties_graph(self):
        """Every municipality with its status facts, platforms, window and prefecture; the survey figures."""
        graph = self._new_graph()
        municipalities = set()
        for row in self._rows("nodes_of_type", type="Municipality"):
            key, data = decode_node(row["node"])
            graph.add_node(key, **data)
            municipalities.add(key)
        self._expand(graph, municipalities, _DUTY_RELATIONS)
        for row in self._rows("nodes_of_kind", kinds=["SurveyFigure"]):
            key, data = decode_node(row["node"])
            graph.add_node(key, **data)
        return graph

    # --- names ---------------------------------------------------------------

    def resolve(self, text, *, types=None):
        """The key ``text`` names on the server: the same rules and errors as :func:`tsunagu.graph.resolve`."""
        wanted = set(types or ())
        rows = self._rows("named", name=normalise_name(text))
        light = nx.MultiDiGraph()
        candidates = []
        for row in rows:
            key, data = decode_node(row["node"])
            if wanted and not wanted & set(data.get("types", ())):
                continue
            light.add_node(key, **data)
            candidates.append(key)
            if row["prefecture"]:
                pref_key, pref = decode_node(row["prefecture"])
                light.add_node(pref_key, **pref)
                light.add_edge(key, pref_key, key="partOfPrefecture")
        candidates = sorted(set(candidates))
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            candidates.sort(key=lambda n: (light.nodes[n].get("code") or "", n))
            raise AmbiguousName(text, [describe(light, n) for n in candidates])
        index_graph = nx.MultiDiGraph()
        index = {}
        for row in self._rows("name_index"):
            index_graph.add_node(row["key"], name=row["name"], code=row["code"], types=list(row["types"] or []))
            if row["prefecture"]:
                index_graph.add_node(row["prefecture"], name=row["prefecture_name"])
                index_graph.add_edge(row["key"], row["prefecture"], key="partOfPrefecture")
            for name in row["names"] or []:
                index.setdefault(name, []).append(row["key"])
        index_graph.graph["names"] = index
        return resolve(index_graph, text, types=types)  # raises NameNotFound with suggestions
