"""The compiled graph: build, cache, projection and name look-up.

Names are imported on first use, so that ``tsunagu.graph.names`` or a query
command does not pay for rdflib and the loaders.
"""

from importlib import import_module

__all__ = [
    "Compiled",
    "build",
    "compile_graph",
    "read_inputs",
    "current_graph",
    "current_rdf",
    "current_reach_graph",
    "current_duties_graph",
    "current_entity",
    "current_resolve",
    "current_index",
    "embedded_data_files",
    "fingerprint",
    "describe",
    "normalise_name",
    "resolve",
]

_HOME = {
    "Compiled": "compiler", "build": "compiler", "compile_graph": "compiler", "read_inputs": "compiler",
    "current_graph": "current", "current_rdf": "current", "current_reach_graph": "current",
    "current_duties_graph": "current", "current_entity": "current", "current_resolve": "current",
    "current_index": "current",
    "embedded_data_files": "current", "fingerprint": "current",
    "describe": "names", "normalise_name": "names", "resolve": "names",
}


def __getattr__(name):
    if name in _HOME:
        return getattr(import_module(f"tsunagu.graph.{_HOME[name]}"), name)
    raise AttributeError(f"module 'tsunagu.graph' has no attribute '{name}'")
