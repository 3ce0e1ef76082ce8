"""The query contract answered from a Bolt server.

``refer``, ``coverage`` and ``gaps`` run the same library functions on both
backends. What the server holds for a municipality's questions is what the
embedded store holds: the build's reach subgraph of each municipality,
precomputed by :func:`tsunagu.compile.precompute.reach_subgraph`, here as the
keys of its nodes on the municipality's node (written by ``tsunagu push``,
:func:`tsunagu.bolt.push.reach_keys`). :meth:`BoltBackend.reach_graph`
fetches those nodes and the edges among them in one statement, starting
from the indexed ``key``, and runs the same ``reach_subgraph`` over them
locally: the walk and the fit rules stay in :mod:`tsunagu.queries`, written
once, and the answer is ranked by the very code that ranks the embedded
graph's, so the two backends cannot drift apart in what they reach or how
they judge a fit; only where the graph lives differs. (Walking the server
instead took some twenty statements a refer, each a round trip.) The reach
graphs made last are kept in memory, as the embedded store keeps the ones
it read.

Every statement starts from an index: ``key`` for nodes and their edges,
``kind`` for nodes of a kind, ``(:TsunaguName {name})`` for names of places.
The statements of one call run in one session, each in auto-commit (a read
transaction would add round trips for nothing: reads change nothing). Rows
carry only what the graph needs (no reach lists, no names), since decoding
the driver's values is most of a statement's time. The completion marker
and the constant nodes' properties (the nation, the support domains) are
read once per connection; the marker names the generation served, and
only that generation is read: its keys carry the generation's prefix, which
:meth:`BoltBackend._read` adds and takes off, and rows of a generation being
written beside it (found by kind or name) are dropped.
"""

from __future__ import annotations

import contextlib

import networkx as nx

from tsunagu.bolt.connection import bolt_errors, connect
from tsunagu.bolt.push import FORMAT, MARKER, PUSHING, REACH, SERVER_ONLY, decode_node
from tsunagu.exceptions import BoltError, NameNotFound
from tsunagu.resolver import resolve, resolve_municipality
from tsunagu.rules.names import NameTable, normalise_name
from tsunagu.store.cache import RecentGraphs
from tsunagu.compile.vocabulary import graph_vocabulary
from tsunagu.compile.precompute import reach_subgraph

__all__ = ["BoltBackend", "READ_CYPHER"]

# A node's properties but what only the server needs (a municipality's reach list above all): fewer values to decode.
_PROPERTIES = "{.*, " + ", ".join(f"{name}: null" for name in SERVER_ONLY) + "}"

READ_CYPHER = {
    "marker": "MATCH (m:TsunaguMeta {key: $key}) RETURN properties(m) AS marker",
    "count_nodes": "MATCH (n:Tsunagu) RETURN count(n) AS count",
    "nodes": f"UNWIND $keys AS k MATCH (n:Tsunagu {{key: k}}) RETURN n {_PROPERTIES} AS node",
    "nodes_of_kind": f"UNWIND $kinds AS kind MATCH (n:Tsunagu {{kind: kind}}) RETURN n {_PROPERTIES} AS node",
    "incident": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]-(b:Tsunagu) WHERE r.relation IN $relations "
        f"RETURN startNode(r).key AS source, endNode(r).key AS target, properties(r) AS edge, b {_PROPERTIES} AS node"
    ),
    # A municipality's reach subgraph: each of its nodes, with the edges out of it into the subgraph
    # as [target, relation, relations, inferred]; the constant nodes' properties are here already.
    "reach": (
        f"UNWIND $keys AS mk MATCH (m:Tsunagu {{key: mk}}) UNWIND m.{REACH} AS k MATCH (a:Tsunagu {{key: k}}) "
        f"RETURN k AS source, CASE WHEN k IN $constants THEN null ELSE a {_PROPERTIES} END AS node, "
        f"[(a)-[r:LINK]->(b:Tsunagu) WHERE b.key IN m.{REACH} | [b.key, r.relation, r.relations, r.inferred]] AS edges"
    ),
    "city_of_ward": (
        "UNWIND $keys AS k MATCH (a:Tsunagu {key: k})-[r:LINK]->(b:Tsunagu) WHERE r.relation = 'partOfMunicipality' "
        "RETURN b.key AS target"
    ),
    "named": "MATCH (x:TsunaguName {name: $name}) RETURN properties(x) AS name",
    "all_names": "MATCH (x:TsunaguName {gen: $gen}) RETURN properties(x) AS name",  # only to suggest close names
}

_DUTY_RELATIONS = ["ofMunicipality", "servesArea", "windowOf", "partOfPrefecture"]


def _add_edge(graph, source, target, edge):
    graph.add_edge(source, target, key=edge["relation"], relation=edge["relation"],
                   relations=list(edge["relations"]), inferred=bool(edge["inferred"]))


class BoltBackend:
    """A read connection to a server that ``tsunagu push`` wrote to completely.

    The server holds the compiled graph and, on each municipality's node, the
    node keys of its reach subgraph: the same precomputed reach sets the
    embedded store holds, so a municipality's question costs one statement.

    Parameters
    ----------
    uri : str
        The server's Bolt address (``bolt://`` or ``neo4j://``, and their ``+s``/``+ssc`` forms).
    user, password : str, optional
        As for :func:`tsunagu.bolt.connect`: the password from ``$TSUNAGU_BOLT_PASSWORD`` when None.
    database : str, optional
        The database on the server; the server's default when None.

    Raises
    ------
    BoltError
        No server answers, it refuses the credentials, or it holds no complete graph of
        this version of tsunagu (then: push again, with ``--replace`` for an old one).

    Notes
    -----
    Each call runs its statements in a session of its own, taken from the
    driver's connection pool, so threads may share one instance (a driver's
    sessions are not thread-safe; its pool is; the reach graphs kept are
    behind a lock, and nothing else here changes after the connection is
    opened).
    """

    def __init__(self, uri, *, user=None, password=None, database=None):
        self.uri = uri
        self.database = database
        self.gen, self.prefix = None, ""
        self._reach = RecentGraphs()  # the reach graphs fetched last, as the embedded store keeps those it read
        self._places = {}  # place key -> its name row, from the look-ups of names made so far
        self.driver = connect(uri, user, password, database)
        try:
            with self._session() as session:
                self.marker = self._checked_marker(session)
                self.gen = self.marker["generation"]
                self.prefix = self.gen + ":"
                # Read once per connection: every reach graph holds them.
                self.constants = [decode_node(row["node"]) for row in self._read(
                    session, "nodes", keys=list(self.marker["constant_nodes"]))]
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

    @contextlib.contextmanager
    def _session(self):
        """One session for the statements of one call, its errors as :class:`BoltError`."""
        from neo4j import READ_ACCESS

        # fetch_size=-1: every row in one round trip (the driver's default pulls 1000 at a time)
        with bolt_errors(self.uri, self.database), self.driver.session(
                database=self.database, default_access_mode=READ_ACCESS, fetch_size=-1) as session:
            yield session

    def _rows(self, statement_name, **params):
        """Rows of one statement, in a session of its own; see :meth:`_read`."""
        with self._session() as session:
            return self._read(session, statement_name, **params)

    def _read(self, session, statement_name, **params):
        """Rows of one statement, auto-commit in ``session``; keys in and out are the graph's,
        the generation's prefix is added and taken off here."""
        statement = READ_CYPHER[statement_name]
        if "$gen" in statement:
            params["gen"] = self.gen
        for name in ("keys", "constants"):
            if name in params:
                params[name] = [self.prefix + key for key in params[name]]
        rows = [dict(record) for record in session.run(statement, params)]  # maps and lists: no .data() needed
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
            if "edges" in row:
                row["edges"] = [(target[cut:], {"relation": relation, "relations": relations, "inferred": inferred})
                                for target, relation, relations, inferred in row["edges"]]
            kept.append(row)
        return kept

    def _checked_marker(self, session):
        where = self.uri + (f" (database '{self.database}')" if self.database else "")
        rows = self._read(session, "marker", key=MARKER)
        if not rows:
            raise BoltError(f"{where} holds no complete tsunagu graph: a push is running or did not finish "
                            f"(or none was made); run `tsunagu push {self.uri}` and try again")
        marker = rows[0]["marker"]
        if marker.get("format") != FORMAT:
            raise BoltError(f"{where}: the graph was pushed by another version of tsunagu; "
                            f"run `tsunagu push {self.uri} --replace`")
        count = self._read(session, "count_nodes")[0]["count"]
        # A replace push writes its generation beside this one: more nodes, while it runs.
        pushing = bool(self._read(session, "marker", key=PUSHING))
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
        """The municipality's reach subgraph and walk: what the embedded store holds for it.

        One statement fetches the nodes the push recorded for ``municipality``
        and the edges among them; :func:`~tsunagu.compile.precompute.reach_subgraph`
        then runs over them here, so the walk's result and the fit rules'
        candidates are computed by the same code as the build's. The last
        :data:`~tsunagu.store.cache.REACH_KEPT` made are kept in memory, as the
        embedded store keeps those it read, and shared by the callers, which
        only read them.

        Parameters
        ----------
        municipality : str
            The municipality's node id (as :meth:`resolve` answers).

        Returns
        -------
        tuple
            ``(graph, walk)``: the reach graph and its
            :class:`~tsunagu.rules.judge.TownWalk`, equal (nodes, edges, the
            walk's answers) to the build's ``reach_subgraph``.

        Raises
        ------
        NameNotFound
            ``municipality`` is not a municipality of the graph served.
        """
        return self._reach.get(municipality, self._fetched_reach_graph)

    def _fetched_reach_graph(self, municipality):
        graph = self._new_graph()
        with self._session() as session:
            rows = self._read(session, "reach", keys=[municipality], constants=self.marker["constant_nodes"])
        if not rows:
            raise NameNotFound(municipality, [])
        self._add_nodes(graph, [row for row in rows if row["node"] is not None])
        for row in rows:
            for target, edge in row["edges"]:
                _add_edge(graph, row["source"], target, edge)
        return reach_subgraph(graph, municipality)

    def duties_graph(self):
        """Every municipality with its status facts, platforms, window and prefecture; the survey figures."""
        graph = self._new_graph()
        with self._session() as session:
            kinds = list(self.marker["municipality_kinds"])
            municipalities = self._add_nodes(graph, self._read(session, "nodes_of_kind", kinds=kinds))
            for row in self._read(session, "incident", keys=sorted(municipalities), relations=_DUTY_RELATIONS):
                key, data = decode_node(row["node"])
                if key not in graph:
                    graph.add_node(key, **data)
                _add_edge(graph, row["source"], row["target"], row["edge"])
            self._add_nodes(graph, self._read(session, "nodes_of_kind", kinds=["SurveyFigure"]))
        return graph

    # --- names ---------------------------------------------------------------

    @staticmethod
    def _name_table(rows):
        index, entries, parents = {}, {}, {}
        for row in rows:
            name = row["name"]
            index.setdefault(name["name"], []).append(name["key"])
            entries[name["key"]] = (name.get("label"), name.get("code"), name.get("prefecture"),
                                    frozenset(name.get("types") or ()))
            if name.get("parent"):  # a ward: its city answers where a municipality is asked for
                parents[name["key"]] = name["parent"]
        return NameTable({k: sorted(set(v)) for k, v in index.items()}, entries, parents)

    def resolve(self, text, *, types=None):
        """The place ``text`` names on the server: the rules and errors of :func:`tsunagu.compile.resolve`.

        The server indexes the names of places (municipalities, prefectures,
        wards, nations), which is what ``--backend`` commands are asked about.
        """
        with self._session() as session:
            try:
                return resolve(self._name_table(self._named(session, normalise_name(text))), text, types=types)
            except NameNotFound:
                pass
            return resolve(self._name_table(self._read(session, "all_names")), text, types=types)  # raises, with suggestions

    def resolve_municipality(self, text):
        """The municipality ``text`` names on the server: :func:`tsunagu.resolver.resolve_municipality`
        on the name rows of ``text``, else on every name (a name with its prefecture, suggestions)."""
        with self._session() as session:
            try:
                return resolve_municipality(self._name_table(self._named(session, normalise_name(text))), text)
            except NameNotFound:
                pass
            return resolve_municipality(self._name_table(self._read(session, "all_names")), text)

    def _named(self, session, name):
        """The name rows of ``name``; each place's row is kept, so that :meth:`place` needs no round trip."""
        rows = self._read(session, "named", name=name)
        for row in rows:
            self._places[row["name"]["key"]] = row["name"]  # as many as the graph has places, at most
        return rows

    def place(self, key):
        """``(name, code, prefecture, types)`` of the place (or other entity) ``key``.

        A place :meth:`resolve` answered is known from the name row it read;
        another is looked up by its id, which the server indexes as a name too.
        """
        row = self._places.get(key)
        if row is None:
            with self._session() as session:
                self._named(session, normalise_name(key))
                row = self._places.get(key)
                if row is None:
                    nodes = self._read(session, "nodes", keys=[key])
                    data = decode_node(nodes[0]["node"])[1] if nodes else {}
                    return data.get("name"), data.get("code"), None, frozenset(data.get("types", ()))
        return row.get("label"), row.get("code"), row.get("prefecture"), frozenset(row.get("types") or ())

    def city_of_ward(self, ward):
        """The designated city whose ward ``ward`` is, or None."""
        rows = self._rows("city_of_ward", keys=[ward])
        return rows[0]["target"] if rows else None
