"""The query contract answered from a Bolt server.

``refer``, ``coverage`` and ``gaps`` run the same library functions on both
backends. For a municipality's questions the backend runs the walk of
:mod:`tsunagu.queries.reach` itself, through a :class:`BoltAdjacency` that
loads, round by round, just the edges the walk is about to read (one
parameterised statement a round, starting from the indexed ``key``), and
builds the same reach subgraph the build precomputes. The answer is then
ranked by the very code that ranks the embedded graph's, so the two
backends cannot drift apart in what they reach or how they judge a fit;
only where the graph lives differs.

Every statement starts from an index: ``key`` for nodes and their edges,
``kind`` for nodes of a kind, ``(:TsunaguName {name})`` for names of places.
The completion marker and the constant nodes (the nation, the support
domains) are read once per connection; the marker names the generation
served, and only that generation is read: its keys carry the generation's
prefix, which :meth:`BoltBackend._rows` adds and takes off, and rows of a
generation being written beside it (found by kind or name) are dropped.
"""

from __future__ import annotations

import networkx as nx

from tsunagu.bolt.connection import bolt_errors, connect
from tsunagu.bolt.push import FORMAT, MARKER, PUSHING, decode_node
from tsunagu.exceptions import BoltError, NameNotFound
from tsunagu.graph.names import NameTable, normalise_name, resolve
from tsunagu.graph.vocabulary import graph_vocabulary
from tsunagu.queries.reach import Adjacency, reach_subgraph

__all__ = ["BoltBackend", "BoltAdjacency", "READ_CYPHER"]

# The walk reads only a node's name and types; the full properties of what it keeps come after.
_EDGE = "properties(r) AS edge, b.name AS name, b.types AS types"
# Sub-relations match, as in the walk; other ends of the types in $without are left out.
_OF_RELATIONS = "WHERE any(x IN r.relations WHERE x IN $relations) AND NOT any(t IN b.types WHERE t IN $without) "

READ_CYPHER = {
    "marker": "MATCH (m:TsunaguMeta {key: $key}) RETURN properties(m) AS marker",
    "count_nodes": "MATCH (n:Tsunagu) RETURN count(n) AS count",
    "nodes": "UNWIND $keys AS k MATCH (n:Tsunagu {key: k}) RETURN properties(n) AS node",
    "nodes_of_kind": "UNWIND $kinds AS kind MATCH (n:Tsunagu {kind: kind}) RETURN properties(n) AS node",
    "incident": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]-(b:Tsunagu) WHERE r.relation IN $relations "
        "RETURN startNode(r).key AS source, endNode(r).key AS target, properties(r) AS edge, properties(b) AS node"
    ),
    "outgoing": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]->(b:Tsunagu) " + _OF_RELATIONS
        + "RETURN a.key AS source, b.key AS target, " + _EDGE
    ),
    "incoming": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})<-[r:LINK]-(b:Tsunagu) " + _OF_RELATIONS
        + "RETURN b.key AS source, a.key AS target, " + _EDGE
    ),
    "between": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]->(b:Tsunagu) WHERE b.key IN $keys "
        "RETURN a.key AS source, b.key AS target, properties(r) AS edge"
    ),
    "named": "MATCH (x:TsunaguName {name: $name}) RETURN properties(x) AS name",
    "all_names": "MATCH (x:TsunaguName {gen: $gen}) RETURN properties(x) AS name",  # only to suggest close names
}

_DUTY_RELATIONS = ["ofMunicipality", "servesArea", "windowOf", "partOfPrefecture"]


def _add_edge(graph, source, target, edge):
    graph.add_edge(source, target, key=edge["relation"], relation=edge["relation"],
                   relations=list(edge["relations"]), inferred=bool(edge["inferred"]))


class BoltAdjacency(Adjacency):
    """The walk's view of the server: a local graph filled with what the walk asks to read."""

    def __init__(self, backend, graph):
        super().__init__(graph)
        self.backend = backend
        self.loaded = {}  # (node, relation, inverse) -> the types left out when its edges were loaded
        self.light = set()  # nodes of which only the name and types are here

    def _missing(self, node, relations, inverse, without):
        return any(not self.loaded.get((node, r, inverse), {None}) <= without for r in relations)

    def load(self, nodes, relations, inverse, without=()):
        without = frozenset(without)
        todo = sorted({n for n in nodes if self._missing(n, relations, inverse, without)})
        if not todo:
            return
        for row in self.backend._rows("incoming" if inverse else "outgoing", keys=todo, relations=sorted(relations),
                                      without=sorted(without)):
            other = row["source"] if inverse else row["target"]
            if other not in self.graph:
                self.graph.add_node(other, name=row["name"], types=list(row["types"] or ()))
                self.light.add(other)
            _add_edge(self.graph, row["source"], row["target"], row["edge"])
        self.loaded.update(((n, r, inverse), without) for n in todo for r in relations)

    def load_between(self, nodes):
        for row in self.backend._rows("between", keys=sorted(nodes)):
            _add_edge(self.graph, row["source"], row["target"], row["edge"])
        for row in self.backend._rows("nodes", keys=sorted(self.light & set(nodes))):
            key, data = decode_node(row["node"])
            self.graph.nodes[key].update(data)
            self.light.discard(key)

    # A read the walk did not announce still answers right, one round trip later.
    def into(self, node, *relations, without=()):
        self.load([node], relations, True, without)
        return super().into(node, *relations, without=without)

    def out_of(self, node, *relations, without=()):
        self.load([node], relations, False, without)
        return super().out_of(node, *relations, without=without)


class BoltBackend:
    """A read connection to a server that ``tsunagu push`` wrote to completely."""

    def __init__(self, uri, *, user=None, password=None, database=None):
        self.uri = uri
        self.database = database
        self.gen, self.prefix = None, ""
        self.driver = connect(uri, user, password, database)
        try:
            self.marker = self._checked_marker()
            self.gen = self.marker["generation"]
            self.prefix = self.gen + ":"
            # Read once per connection: every reach graph holds them.
            self.constants = [decode_node(row["node"]) for row in self._rows(
                "nodes", keys=list(self.marker["constant_nodes"]))]
            self.vocabulary = graph_vocabulary()
        except BaseException:
            self.driver.close()
            raise

    def close(self):
        self.driver.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _rows(self, statement_name, **params):
        """Rows of one statement; keys in and out are the graph's, the generation's prefix is added and taken off here."""
        statement = READ_CYPHER[statement_name]
        if "$without" in statement:
            params.setdefault("without", [])  # leave nothing out unless asked
        if "$gen" in statement:
            params["gen"] = self.gen
        if "keys" in params:
            params["keys"] = [self.prefix + key for key in params["keys"]]

        def read(tx):
            return tx.run(statement, **params).data()

        with bolt_errors(self.uri, self.database), self.driver.session(database=self.database) as session:
            rows = session.execute_read(read)
        # Statements found by kind or name see a generation being written beside this one too:
        # its rows are dropped here (a filter on gen in the statement makes ArcadeDB scan).
        cut, kept = len(self.prefix), []
        for row in rows:
            entity = next((row[f] for f in ("node", "name") if isinstance(row.get(f), dict) and "key" in row[f]), None)
            if entity is not None and not entity["key"].startswith(self.prefix):
                continue
            for field in ("source", "target"):
                if field in row:
                    row[field] = row[field][cut:]
            for field in ("node", "name"):
                if isinstance(row.get(field), dict) and "key" in row[field]:
                    row[field] = dict(row[field], key=row[field]["key"][cut:])
            kept.append(row)
        return kept

    def _checked_marker(self):
        where = self.uri + (f" (database '{self.database}')" if self.database else "")
        rows = self._rows("marker", key=MARKER)
        if not rows:
            raise BoltError(f"{where} holds no complete tsunagu graph: a push is running or did not finish "
                            f"(or none was made); run `tsunagu push {self.uri}` and try again")
        marker = rows[0]["marker"]
        if marker.get("format") != FORMAT:
            raise BoltError(f"{where}: the graph was pushed by another version of tsunagu; "
                            f"run `tsunagu push {self.uri} --replace`")
        count = self._rows("count_nodes")[0]["count"]
        # A replace push writes its generation beside this one: more nodes, while it runs.
        pushing = bool(self._rows("marker", key=PUSHING))
        if count < marker["nodes"] or count != marker["nodes"] and not pushing:
            raise BoltError(f"{where} holds {count} tsunagu nodes, but its last complete push wrote "
                            f"{marker['nodes']}; run `tsunagu push {self.uri} --replace`")
        return marker

    # --- building the subgraph a query needs -------------------------------

    def _new_graph(self):
        graph = nx.MultiDiGraph()
        graph.graph.update(self.vocabulary)
        graph.graph["nations"] = list(self.marker["nations"])
        graph.graph["constant_nodes"] = list(self.marker["constant_nodes"])
        graph.add_nodes_from((key, dict(data)) for key, data in self.constants)
        return graph

    def _add_nodes(self, graph, rows):
        keys = set()
        for row in rows:
            key, data = decode_node(row["node"])
            graph.add_node(key, **data)
            keys.add(key)
        return keys

    def reach_graph(self, municipality):
        """The municipality's reach subgraph, walked on the server: what the build precomputes locally."""
        graph = self._new_graph()
        if not self._add_nodes(graph, self._rows("nodes", keys=[municipality])):
            raise NameNotFound(municipality, [])
        return reach_subgraph(BoltAdjacency(self, graph), municipality)

    def duties_graph(self):
        """Every municipality with its status facts, platforms, window and prefecture; the survey figures."""
        graph = self._new_graph()
        municipalities = self._add_nodes(graph, self._rows("nodes_of_kind", kinds=list(self.marker["municipality_kinds"])))
        for row in self._rows("incident", keys=sorted(municipalities), relations=_DUTY_RELATIONS):
            key, data = decode_node(row["node"])
            if key not in graph:
                graph.add_node(key, **data)
            _add_edge(graph, row["source"], row["target"], row["edge"])
        self._add_nodes(graph, self._rows("nodes_of_kind", kinds=["SurveyFigure"]))
        return graph

    # --- names ---------------------------------------------------------------

    @staticmethod
    def _name_table(rows):
        index, entries = {}, {}
        for row in rows:
            name = row["name"]
            index.setdefault(name["name"], []).append(name["key"])
            entries[name["key"]] = (name.get("label"), name.get("code"), name.get("prefecture"),
                                    frozenset(name.get("types") or ()))
        return NameTable({k: sorted(set(v)) for k, v in index.items()}, entries)

    def resolve(self, text, *, types=None):
        """The place ``text`` names on the server: the rules and errors of :func:`tsunagu.graph.resolve`.

        The server indexes the names of places (municipalities, prefectures,
        wards, nations), which is what ``--backend`` commands are asked about.
        """
        try:
            return resolve(self._name_table(self._rows("named", name=normalise_name(text))), text, types=types)
        except NameNotFound:
            pass
        return resolve(self._name_table(self._rows("all_names")), text, types=types)  # raises, with suggestions
