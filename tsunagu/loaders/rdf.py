"""Turtle, JSON-LD, N-Triples and RDF/XML inputs, merged as they are."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF
from rdflib.util import guess_format

from tsunagu.exceptions import DataError
from tsunagu.ontology import ID, entity_id

__all__ = ["RDF_SUFFIXES", "read_rdf", "defined_ids"]

RDF_SUFFIXES = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt", ".rdf": "xml", ".xml": "xml"}


def read_rdf(path):
    """Parse one RDF file; a syntax error becomes a :class:`DataError`."""
    path = Path(path)
    fmt = RDF_SUFFIXES.get(path.suffix.lower()) or guess_format(str(path))
    if fmt is None:
        raise DataError(path, f"unknown file type '{path.suffix}'; use .yaml, .ttl, .jsonld, .nt or .rdf")
    graph = Graph()
    try:
        graph.parse(source=str(path), format=fmt)
    except Exception as error:  # rdflib raises many unrelated types for bad syntax
        lines = getattr(error, "lines", None)  # newlines before the fault: 0-based
        line = None if lines is None else lines + 1
        # rdflib's Turtle parser keeps the reason in ``_why``; others in the text.
        message = getattr(error, "_why", None) or str(error).strip().splitlines()[0][:200]
        raise DataError(path, f"not valid {fmt}: {message}", line=line) from error
    return graph


def defined_ids(graph):
    """Map each typed entity in the tsunagu id namespace to its (first) class."""
    found = {}
    for subject, cls in graph.subject_objects(RDF.type):
        if str(subject).startswith(str(ID)) and "/" not in entity_id(subject):
            found.setdefault(entity_id(subject), cls)
    return found
