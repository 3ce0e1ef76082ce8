"""Writing the projected graph to a Bolt server (Neo4j 5, ArcadeDB).

Every node becomes ``(:Tsunagu {key, ...})`` and every edge
``-[:LINK {relation, relations, inferred}]->``: labels and relationship types
cannot be query parameters, and queries are never built from strings, so the
kind and the relation are properties. Writes are batched ``UNWIND ... MERGE``
in managed write transactions (``execute_write`` retries transient errors),
after a uniqueness constraint on ``key`` so that MERGE is an index look-up.
Pushing twice changes nothing; a push killed half-way and run again ends as
one clean push would; ``replace`` first deletes what earlier pushes wrote
(``:Tsunagu``, ``:TsunaguName`` and ``:TsunaguMeta`` nodes) and nothing else.

What the backend looks up is indexed: ``key``, ``kind``, and the names of
places (municipalities, prefectures, wards, nations) as ``(:TsunaguName
{name, key, ...})`` rows keyed by the normalised name (a list property's
members are not indexed by ArcadeDB's Cypher). A push first removes the
completion marker ``(:TsunaguMeta {key: "graph"})`` and writes it last, with
the node and edge counts, a fingerprint and the constant nodes; the
backend refuses a server whose marker is missing or whose node count differs.
"""

from __future__ import annotations

import hashlib
import json

from tsunagu.bolt.connection import bolt_errors, connect

__all__ = ["CYPHER", "encode_node", "decode_node", "push_graph", "server_counts", "LABEL", "FORMAT", "PLACE_TYPES",
           "graph_marker"]

LABEL = "Tsunagu"
FORMAT = 2  # what the server's graph looks like; the backend refuses another
_JSON_SUFFIX = "__json"
# Nodes whose names the server indexes: what a --backend command is asked about.
PLACE_TYPES = frozenset({"Municipality", "Prefecture", "AdministrativeWard", "Nation"})

# Every statement the backend sends, in one place: parameters only.
CYPHER = {
    "constraint": "CREATE CONSTRAINT tsunagu_key IF NOT EXISTS FOR (n:Tsunagu) REQUIRE n.key IS UNIQUE",
    "kind_index": "CREATE INDEX tsunagu_kind IF NOT EXISTS FOR (n:Tsunagu) ON (n.kind)",
    "name_constraint": "CREATE CONSTRAINT tsunagu_name_id IF NOT EXISTS FOR (n:TsunaguName) REQUIRE n.id IS UNIQUE",
    "name_index": "CREATE INDEX tsunagu_name IF NOT EXISTS FOR (n:TsunaguName) ON (n.name)",
    "marker_constraint": "CREATE CONSTRAINT tsunagu_meta IF NOT EXISTS FOR (n:TsunaguMeta) REQUIRE n.key IS UNIQUE",
    "merge_names": "UNWIND $rows AS row MERGE (n:TsunaguName {id: row.id}) SET n = row",
    "drop_marker": "MATCH (n:TsunaguMeta) DETACH DELETE n",
    "write_marker": "MERGE (n:TsunaguMeta {key: $key}) SET n = $props",
    "delete_names": "MATCH (n:TsunaguName) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted",
    "merge_nodes": "UNWIND $rows AS row MERGE (n:Tsunagu {key: row.key}) SET n = row.props",
    "merge_edges": (
        "UNWIND $rows AS row "
        "MATCH (a:Tsunagu {key: row.source}) MATCH (b:Tsunagu {key: row.target}) "
        "MERGE (a)-[r:LINK {relation: row.relation}]->(b) SET r = row.props"
    ),
    "delete_batch": "MATCH (n:Tsunagu) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted",
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
        if name in ("key", "names"):
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


def _name_rows(graph, names):
    """One row per (normalised name, place): what :meth:`BoltBackend.resolve` looks up."""
    rows = []
    for node, data in sorted(graph.nodes(data=True)):
        types = data.get("types", ())
        if not PLACE_TYPES.intersection(types):
            continue
        prefecture = next((graph.nodes[t].get("name") for _, t, k in graph.out_edges(node, keys=True)
                           if k == "partOfPrefecture"), None)
        for name in sorted(names.get(node, ())):
            row = {"id": f"{name}\t{node}", "name": name, "key": node, "label": data.get("name") or node,
                   "types": list(types), "place": True}
            row.update({k: v for k, v in (("code", data.get("code")), ("prefecture", prefecture)) if v})
            rows.append(row)
    return rows


def graph_marker(node_rows, edge_rows):
    """The completion marker's properties: counts, a fingerprint of what was written, the constant nodes."""
    digest = hashlib.sha256()
    for row in node_rows:
        digest.update(row["key"].encode() + b"\0")
    for row in edge_rows:
        digest.update(f"{row['source']}\0{row['relation']}\0{row['target']}\n".encode())
    return {"key": "graph", "format": FORMAT, "nodes": len(node_rows), "edges": len(edge_rows),
            "fingerprint": digest.hexdigest(),
            "nations": sorted(r["key"] for r in node_rows if r["props"].get("kind") == "Nation"),
            "constant_nodes": sorted(r["key"] for r in node_rows if r["props"].get("kind") in ("Nation", "SupportDomain")),
            "municipality_kinds": sorted({r["props"]["kind"] for r in node_rows
                                          if "Municipality" in r["props"].get("types", ())})}


def _batches(rows, size):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _write(tx, statement, rows):
    tx.run(statement, rows=rows).consume()


def push_graph(graph, uri, *, user=None, password=None, database=None, replace=False, batch_size=500,
               progress=None, driver=None):
    """Write ``graph`` to the server at ``uri``; returns the server's node and edge counts.

    ``progress`` is called with the number of items written after each batch.
    """
    own_driver = driver is None
    driver = driver or connect(uri, user, password, database)
    names = _names_by_node(graph)
    node_rows = [{"key": node, "props": encode_node(node, data, names.get(node, ()))}
                 for node, data in sorted(graph.nodes(data=True))]
    edge_rows = [{"source": s, "target": t, "relation": k,
                  "props": {"relation": k, "relations": list(d.get("relations", [k])), "inferred": bool(d.get("inferred"))}}
                 for s, t, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])]
    name_rows = _name_rows(graph, names)
    marker = graph_marker(node_rows, edge_rows)
    try:
        with bolt_errors(uri, database), driver.session(database=database) as session:
            for schema in ("constraint", "kind_index", "name_constraint", "name_index", "marker_constraint"):
                session.run(CYPHER[schema]).consume()
            # From here until the marker is written again, --backend refuses the server.
            session.execute_write(lambda tx: tx.run(CYPHER["drop_marker"]).consume())
            if replace:
                for statement in ("delete_batch", "delete_names"):
                    while session.execute_write(
                            lambda tx, s=statement: tx.run(CYPHER[s], limit=batch_size).single()["deleted"]):
                        pass
            for statement, rows in ((CYPHER["merge_nodes"], node_rows), (CYPHER["merge_edges"], edge_rows),
                                    (CYPHER["merge_names"], name_rows)):
                for batch in _batches(rows, batch_size):
                    session.execute_write(_write, statement, batch)
                    if progress:
                        progress(len(batch))
            session.execute_write(lambda tx: tx.run(CYPHER["write_marker"], key="graph", props=marker).consume())
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
