"""Writing the projected graph to a Bolt server (Neo4j 5, ArcadeDB).

Every node becomes ``(:Tsunagu {key, ...})`` and every edge
``-[:LINK {relation, relations, inferred}]->``: labels and relationship types
cannot be query parameters, and queries are never built from strings, so the
kind and the relation are properties. Writes are batched ``UNWIND ... MERGE``
in managed write transactions (``execute_write`` retries transient errors),
after a uniqueness constraint on ``key`` so that MERGE is an index look-up.
Pushing twice changes nothing; a push killed half-way and run again ends as
one clean push would; ``replace`` ends with only the new graph, having
touched nothing but ``:Tsunagu``, ``:TsunaguName`` and ``:TsunaguMeta`` nodes.

Each complete graph is a *generation*: its nodes carry ``gen`` and keys
prefixed ``<gen>:`` (so the unique ``key`` index holds two generations side
by side). A ``replace`` push writes the new generation beside the one being
served, switches the completion marker to it in one write, then deletes the
old one: there is no moment at which a half graph is served. A push without
``replace`` adds to the generation being served, and takes the marker away
while it writes.

Each municipality's node also holds, as ``reach``, the keys of the nodes of
its reach subgraph (:func:`reach_keys`): the very node sets the embedded
build precomputes and stores, one per municipality, so that the backend
fetches a municipality's subgraph in one statement instead of walking the
server round by round.

What the backend looks up is indexed: ``key``, ``kind``, and the names of
places (municipalities, prefectures, wards, nations) as ``(:TsunaguName
{name, key, ...})`` rows keyed by the normalised name (a list property's
members are not indexed by ArcadeDB's Cypher). A push first removes the
completion marker ``(:TsunaguMeta {key: "graph"})`` and writes it last, with
the node and edge counts, a fingerprint, the generation and the constant
nodes; the backend refuses a server whose marker is missing or whose node
count differs.
"""

from __future__ import annotations

import hashlib
import json

from tsunagu.bolt.connection import bolt_errors, connect
from tsunagu.compile.precompute import reach_subgraph
from tsunagu.rules.reach import municipality_nodes
from tsunagu.rules.walk import is_constant

__all__ = ["CYPHER", "encode_node", "decode_node", "push_graph", "server_counts", "reach_keys", "LABEL", "FORMAT",
           "PLACE_TYPES", "REACH", "SERVER_ONLY", "graph_marker", "MARKER", "PUSHING"]

LABEL = "Tsunagu"
FORMAT = 4  # what the server's graph looks like; the backend refuses another (4: municipalities hold REACH)
REACH = "reach"  # on a municipality's node: the (prefixed) keys of the nodes of its reach subgraph
# Properties the server keeps beside a node's attributes: its names, its generation, its reach.
SERVER_ONLY = ("names", "gen", REACH)
_JSON_SUFFIX = "__json"
MARKER = "graph"  # key of the completion marker
PUSHING = "pushing"  # key of the marker a replace push leaves while it writes beside
# Nodes whose names the server indexes: what a --backend command is asked about.
PLACE_TYPES = frozenset({"Municipality", "Prefecture", "AdministrativeWard", "Nation"})

# Every statement the backend sends, in one place: parameters only.
CYPHER = {
    "constraint": "CREATE CONSTRAINT tsunagu_key IF NOT EXISTS FOR (n:Tsunagu) REQUIRE n.key IS UNIQUE",
    "kind_index": "CREATE INDEX tsunagu_kind IF NOT EXISTS FOR (n:Tsunagu) ON (n.kind)",
    "name_constraint": "CREATE CONSTRAINT tsunagu_name_id IF NOT EXISTS FOR (n:TsunaguName) REQUIRE n.id IS UNIQUE",
    "name_index": "CREATE INDEX tsunagu_name IF NOT EXISTS FOR (n:TsunaguName) ON (n.name)",
    "marker_constraint": "CREATE CONSTRAINT tsunagu_meta IF NOT EXISTS FOR (n:TsunaguMeta) REQUIRE n.key IS UNIQUE",
    "gen_index": "CREATE INDEX tsunagu_gen IF NOT EXISTS FOR (n:Tsunagu) ON (n.gen)",
    "name_gen_index": "CREATE INDEX tsunagu_name_gen IF NOT EXISTS FOR (n:TsunaguName) ON (n.gen)",
    "merge_names": "UNWIND $rows AS row MERGE (n:TsunaguName {id: row.id}) SET n = row",
    "read_marker": "MATCH (n:TsunaguMeta {key: $key}) RETURN properties(n) AS marker",
    "drop_marker": "MATCH (n:TsunaguMeta {key: $key}) DETACH DELETE n",
    "write_marker": "MERGE (n:TsunaguMeta {key: $key}) SET n = $props",
    # what killed pushes left: neither the generation served nor the one being written
    "delete_leftovers": (
        "MATCH (n:Tsunagu) WHERE n.gen IS NULL OR NOT n.gen IN $keep WITH n LIMIT $limit DETACH DELETE n "
        "RETURN count(*) AS deleted"
    ),
    "delete_leftover_names": (
        "MATCH (n:TsunaguName) WHERE n.gen IS NULL OR NOT n.gen IN $keep WITH n LIMIT $limit DETACH DELETE n "
        "RETURN count(*) AS deleted"
    ),
    "delete_generation": (
        "MATCH (n:Tsunagu {gen: $gen}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
    ),
    "delete_generation_names": (
        "MATCH (n:TsunaguName {gen: $gen}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
    ),
    "merge_nodes": "UNWIND $rows AS row MERGE (n:Tsunagu {key: row.key}) SET n = row.props",
    "merge_edges": (
        "UNWIND $rows AS row "
        "MATCH (a:Tsunagu {key: row.source}) MATCH (b:Tsunagu {key: row.target}) "
        "MERGE (a)-[r:LINK {relation: row.relation}]->(b) SET r = row.props"
    ),
    "count_nodes": "MATCH (n:Tsunagu) RETURN count(n) AS count",
    "count_edges": "MATCH (:Tsunagu)-[r:LINK]->(:Tsunagu) RETURN count(r) AS count",
}


def _scalar_list(value):
    return isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value)


def encode_node(key, data, names=()):
    """Node attributes as Bolt properties: scalars and lists of scalars as they
    are, anything else (the list of sources) as JSON; None is left out."""
    props = {"key": key, "names": sorted(names)}
    for name, value in data.items():
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)) or _scalar_list(value):
            props[name] = value
        else:
            props[name + _JSON_SUFFIX] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return props


def decode_node(props):
    """The inverse of :func:`encode_node`: (key, attributes)."""
    data = {}
    for name, value in props.items():
        if name == "key" or name in SERVER_ONLY:
            continue
        if name.endswith(_JSON_SUFFIX):
            data[name[: -len(_JSON_SUFFIX)]] = json.loads(value)
        else:
            data[name] = list(value) if isinstance(value, (list, tuple)) else value
    return props["key"], data


def _names_by_node(graph):
    names = {}
    for name, nodes in graph.graph.get("names", {}).items():
        for node in nodes:
            names.setdefault(node, set()).add(name)
    return names


def _name_rows(graph, names, prefix):
    """One row per (normalised name, place): what :meth:`BoltBackend.resolve` looks up, with what the
    embedded name table holds (a ward's prefecture is its city's; ``parent``: a ward's city, a graph id)."""
    from tsunagu.rules.names import name_table

    table = name_table(graph, types=PLACE_TYPES)
    rows = []
    for node in sorted(table.entries):
        label, code, prefecture, types = table.entries[node]
        for name in sorted(names.get(node, ())):
            row = {"id": f"{prefix}{name}\t{node}", "name": name, "key": prefix + node,
                   "label": label or node, "types": sorted(types), "place": True, "gen": prefix[:-1]}
            row.update({k: v for k, v in (("code", code), ("prefecture", prefecture),
                                          ("parent", table.parents.get(node))) if v})
            rows.append(row)
    return rows


def graph_marker(node_rows, edge_rows):
    """The completion marker's properties: counts, a fingerprint of what was written, the constant nodes."""
    digest = hashlib.sha256()
    for row in node_rows:
        digest.update(row["key"].encode() + b"\0")
    for row in edge_rows:
        digest.update(f"{row['source']}\0{row['relation']}\0{row['target']}\n".encode())
    return {"key": MARKER, "format": FORMAT, "nodes": len(node_rows), "edges": len(edge_rows),
            "fingerprint": digest.hexdigest(),
            "nations": sorted(r["key"] for r in node_rows if r["props"].get("kind") == "Nation"),
            "constant_nodes": sorted(r["key"] for r in node_rows if is_constant(r["props"])),
            "municipality_kinds": sorted({r["props"]["kind"] for r in node_rows
                                          if "Municipality" in r["props"].get("types", ())})}


def reach_keys(graph):
    """Each municipality's reach subgraph as the keys of its nodes: what a push writes under :data:`REACH`.

    The very node sets the build stores (one :func:`~tsunagu.compile.precompute.reach_subgraph` per
    municipality), so the backend fetches a municipality's subgraph in one statement.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph.

    Returns
    -------
    dict
        Municipality node id -> sorted list of node ids.

    Examples
    --------
    >>> import networkx as nx
    >>> from tsunagu.compile.vocabulary import graph_vocabulary
    >>> g = nx.MultiDiGraph(nations=[], constant_nodes=[], **graph_vocabulary())
    >>> g.add_node("town", name="町", kind="Town", types=["Area", "Municipality"])
    >>> g.add_node("pf", name="町の支援プラットフォーム", kind="MunicipalPlatform", types=["Platform", "MunicipalPlatform"])
    >>> g.add_node("npo", name="NPO法人", kind="NPO", types=["Organisation", "NPO"])
    >>> g.add_node("elsewhere", name="よそのNPO", kind="NPO", types=["Organisation", "NPO"])
    >>> _ = g.add_edge("pf", "town", key="servesArea", relations=["servesArea"])
    >>> _ = g.add_edge("npo", "pf", key="memberOf", relations=["involvedIn", "memberOf"])
    >>> reach_keys(g)
    {'town': ['npo', 'pf', 'town']}
    """
    return {m: sorted(reach_subgraph(graph, m)[0]) for m in municipality_nodes(graph)}


def _batches(rows, size):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _write(tx, statement, rows):
    tx.run(statement, rows=rows).consume()


def _next_generation(active):
    number = int(active[1:]) + 1 if active and active[1:].isdigit() else 1
    return f"g{number}"


def _delete_all(session, statement, batch_size, **params):
    while session.execute_write(
            lambda tx: tx.run(CYPHER[statement], limit=batch_size, **params).single()["deleted"]):
        pass


def push_graph(graph, uri, *, user=None, password=None, database=None, replace=False, batch_size=500,
               progress=None, driver=None, reach=None):
    """Write ``graph`` to the server at ``uri``; returns the server's node and edge counts.

    With ``replace`` the graph is written beside the one being served and
    takes its place when complete. ``progress`` is called with the number
    of items written after each batch. Each municipality's node also gets
    the keys of its reach subgraph: ``reach`` (as the build stored them,
    :meth:`tsunagu.api.Tsunagu.reach_nodes`), else :func:`reach_keys`, computed first.
    """
    own_driver = driver is None
    driver = driver or connect(uri, user, password, database)
    names = _names_by_node(graph)
    node_rows = [{"key": node, "props": encode_node(node, data, names.get(node, ()))}
                 for node, data in sorted(graph.nodes(data=True))]
    edge_rows = [{"source": s, "target": t, "relation": k,
                  "props": {"relation": k, "relations": list(d.get("relations", [k])), "inferred": bool(d.get("inferred"))}}
                 for s, t, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])]
    marker = graph_marker(node_rows, edge_rows)
    try:
        if reach is None:  # before writing: a push into the graph served takes it away meanwhile
            reach = reach_keys(graph)
        with bolt_errors(uri, database), driver.session(database=database) as session:
            for schema in ("constraint", "kind_index", "gen_index", "name_constraint", "name_index",
                           "name_gen_index", "marker_constraint"):
                session.run(CYPHER[schema]).consume()
            served = session.run(CYPHER["read_marker"], key=MARKER).data()
            active = served[0]["marker"].get("generation") if served else None
            gen = _next_generation(active) if replace or active is None else active
            if gen == active:  # writing into the graph being served: refuse it meanwhile
                session.execute_write(lambda tx: tx.run(CYPHER["drop_marker"], key=MARKER).consume())
            else:
                session.execute_write(lambda tx: tx.run(CYPHER["write_marker"], key=PUSHING,
                                                        props={"key": PUSHING, "generation": gen}).consume())
            keep = [g for g in (active, gen) if g]
            _delete_all(session, "delete_leftovers", batch_size, keep=keep)
            _delete_all(session, "delete_leftover_names", batch_size, keep=keep)
            prefix = gen + ":"
            for row in node_rows:
                if row["key"] in reach:
                    row["props"][REACH] = [prefix + key for key in reach[row["key"]]]
                row["key"] = row["props"]["key"] = prefix + row["key"]
                row["props"]["gen"] = gen
            for row in edge_rows:
                row["source"], row["target"] = prefix + row["source"], prefix + row["target"]
            for statement, rows in ((CYPHER["merge_nodes"], node_rows), (CYPHER["merge_edges"], edge_rows),
                                    (CYPHER["merge_names"], _name_rows(graph, names, prefix))):
                for batch in _batches(rows, batch_size):
                    session.execute_write(_write, statement, batch)
                    if progress:
                        progress(len(batch))
            marker["generation"] = gen
            # The switch: one write, after which the new generation is the one served.
            session.execute_write(lambda tx: tx.run(CYPHER["write_marker"], key=MARKER, props=marker).consume())
            if active and active != gen:
                _delete_all(session, "delete_generation", batch_size, gen=active)
                _delete_all(session, "delete_generation_names", batch_size, gen=active)
            session.execute_write(lambda tx: tx.run(CYPHER["drop_marker"], key=PUSHING).consume())
        return server_counts(uri, database=database, driver=driver)
    finally:
        if own_driver:
            driver.close()


def server_counts(uri, *, database=None, driver):
    """How many ``:Tsunagu`` nodes and ``:LINK`` edges the server holds."""
    with bolt_errors(uri, database), driver.session(database=database) as session:
        nodes = session.run(CYPHER["count_nodes"]).single()["count"]
        edges = session.run(CYPHER["count_edges"]).single()["count"]
    return {"nodes": nodes, "edges": edges}
