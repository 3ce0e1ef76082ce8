"""The Bolt backend: the graph on a Neo4j-compatible server (Neo4j 5, ArcadeDB)."""

from tsunagu.bolt.backend import READ_CYPHER, BoltBackend
from tsunagu.bolt.connection import PASSWORD_VARIABLE, USER_VARIABLE, bolt_errors, connect
from tsunagu.bolt.push import CYPHER, decode_node, encode_node, push_graph, reach_keys, server_counts

__all__ = [
    "BoltBackend",
    "READ_CYPHER",
    "CYPHER",
    "PASSWORD_VARIABLE",
    "USER_VARIABLE",
    "bolt_errors",
    "connect",
    "decode_node",
    "encode_node",
    "push_graph",
    "reach_keys",
    "server_counts",
]
