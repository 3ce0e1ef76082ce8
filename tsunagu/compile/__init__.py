"""Compiling the inputs into the graph: load, check, close, project, precompute; the last build, kept fresh.

Names are imported on first use, so that a query command does not pay for
rdflib and the loaders.
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
]

_HOME = {
    "Compiled": "compiler", "build": "compiler", "compile_graph": "compiler", "read_inputs": "compiler",
    "current_graph": "current", "current_rdf": "current", "current_reach_graph": "current",
    "current_duties_graph": "current", "current_entity": "current", "current_resolve": "current",
    "current_index": "current",
    "embedded_data_files": "inputs", "fingerprint": "inputs",
}


def __getattr__(name):
    if name in _HOME:
        return getattr(import_module(f"tsunagu.compile.{_HOME[name]}"), name)
    raise AttributeError(f"module 'tsunagu.compile' has no attribute '{name}'")
