"""The compiled graph: build, cache, projection and name look-up."""

from tsunagu.graph.build import (
    Compiled,
    build,
    compile_graph,
    current_graph,
    current_rdf,
    embedded_data_files,
    fingerprint,
    read_inputs,
)
from tsunagu.graph.names import describe, normalise_name, resolve

__all__ = [
    "Compiled",
    "build",
    "compile_graph",
    "current_graph",
    "current_rdf",
    "embedded_data_files",
    "fingerprint",
    "read_inputs",
    "describe",
    "normalise_name",
    "resolve",
]
