"""Turtle, JSON-LD, N-Triples and RDF/XML inputs, merged as they are.

An input never reaches beyond itself: a JSON-LD context must be inline (a
remote or ``file:`` context, or ``@import``, is refused before rdflib could
fetch it: offices on LGWAN have no internet, and a silent server would hang
the command), and RDF/XML may declare no DOCTYPE (no entity expansion, no
external entities).

Writing the compiled graph out: Turtle and JSON-LD from RDF, GraphML from networkx.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF
from rdflib.util import guess_format

from tsunagu.exceptions import DataError
from tsunagu.loaders.limits import shortened, size_error
from tsunagu.ontology import ID, entity_id

__all__ = [
    "RDF_SUFFIXES",
    "read_rdf",
    "defined_ids",
    "remote_context_error",
    "xml_doctype_error",
    "EXPORT_FORMATS",
    "export_text",
]

RDF_SUFFIXES = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt", ".rdf": "xml", ".xml": "xml"}
_READABLE_FORMATS = {"turtle", "json-ld", "nt", "xml", "n3"}  # not TriX, HTML or others that guess_format knows


def remote_context_error(document):
    """Why a parsed JSON-LD ``document`` would make rdflib read something else, or None.

    Any ``@context`` that is a string (a URL or a ``file:`` path) and any
    ``@import``, at any depth (scoped contexts too), counts.

    Examples
    --------
    >>> remote_context_error({"@context": {"name": "http://schema.org/name"}, "name": "x"}) is None
    True
    >>> remote_context_error({"@context": "http://127.0.0.1:1/ctx.jsonld"})
    "@context 'http://127.0.0.1:1/ctx.jsonld' is not inline: inline the context (inputs are never fetched)"
    """
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@import":
                    return f"@import '{shortened(value)}' is not allowed: inline the context (inputs are never fetched)"
                if key == "@context":
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            return f"@context '{shortened(item)}' is not inline: inline the context (inputs are never fetched)"
                stack.append(value)
    return None


def xml_doctype_error(data):
    """Why the XML ``data`` (bytes) is refused (a DOCTYPE: entities could expand), or None.

    Expat stops at the DOCTYPE's start, before any entity is declared or expanded.

    Examples
    --------
    >>> xml_doctype_error(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa">]><r>&a;</r>')
    'a DOCTYPE is not allowed in RDF/XML input (no entity expansion)'
    >>> xml_doctype_error(b'<r/>') is None
    True
    """
    from xml.parsers import expat

    class _Refused(Exception):
        pass

    def refuse(*_):
        raise _Refused

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except _Refused:
        return "a DOCTYPE is not allowed in RDF/XML input (no entity expansion)"
    except expat.ExpatError:
        return None  # rdflib reports the syntax error with its position
    return None


def _pre_check(path, fmt):
    """Refuse what would make the parser fetch or expand: see the module's docstring."""
    if fmt == "xml":
        problem = xml_doctype_error(path.read_bytes())
        if problem:
            raise DataError(path, problem)
    elif fmt == "json-ld":
        import json

        try:
            document = json.loads(path.read_bytes())
        except RecursionError as error:
            raise DataError(path, "not valid json-ld: nested too deeply") from error
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            line = getattr(error, "lineno", None)
            raise DataError(path, f"not valid json-ld: {shortened(getattr(error, 'msg', error), 200)}", line=line) from error
        problem = remote_context_error(document)
        if problem:
            raise DataError(path, problem)


def read_rdf(path):
    """Parse one RDF file; a syntax error becomes a :class:`DataError`."""
    path = Path(path)
    fmt = RDF_SUFFIXES.get(path.suffix.lower()) or guess_format(str(path))
    if fmt not in _READABLE_FORMATS:
        raise DataError(path, f"unknown file type '{shortened(path.suffix, 20)}'; use .yaml, .ttl, .jsonld, .nt or .rdf")
    too_big = size_error(path)
    if too_big is not None:
        raise too_big
    _pre_check(path, fmt)
    graph = Graph()  # rdflib's default store: JSON-LD's parser needs one that knows contexts
    try:
        graph.parse(source=str(path), format=fmt)
    except Exception as error:  # rdflib raises many unrelated types for bad syntax
        lines = getattr(error, "lines", None)  # newlines before the fault: 0-based
        line = None if lines is None else lines + 1
        # rdflib's Turtle parser keeps the reason in ``_why``; others in the text.
        message = getattr(error, "_why", None) or (str(error).strip().splitlines() or [type(error).__name__])[0]
        message = shortened(message, 200)
        raise DataError(path, f"not valid {fmt}: {message}", line=line) from error
    return graph


def defined_ids(graph):
    """Map each typed entity in the tsunagu id namespace to its (first) class."""
    found = {}
    for subject, cls in graph.subject_objects(RDF.type):
        if str(subject).startswith(str(ID)) and "/" not in entity_id(subject):
            found.setdefault(entity_id(subject), cls)
    return found


# --- writing ---------------------------------------------------------------

EXPORT_FORMATS = ("turtle", "jsonld", "graphml", "nt")


def _graphml_safe(graph):
    """GraphML holds scalars only: lists and dicts become JSON strings."""
    import networkx as nx

    safe = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        safe.add_node(node, **{k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                               for k, v in data.items() if v is not None})
    for source, target, key, data in graph.edges(keys=True, data=True):
        safe.add_edge(source, target, key=key, **{k: json.dumps(v) if isinstance(v, list) else v for k, v in data.items()})
    return safe


def export_text(fmt, rdf=None, graph=None):
    """The graph serialised as ``fmt`` (RDF formats need ``rdf``, graphml ``graph``)."""
    if fmt == "graphml":
        import networkx as nx

        buffer = io.BytesIO()
        nx.write_graphml(_graphml_safe(graph), buffer, encoding="utf-8")
        return buffer.getvalue().decode("utf-8")
    from tsunagu.ontology.namespace import ID, TG, TGA, TGD

    rdf.bind("tg", TG._NS)
    rdf.bind("tgd", TGD._NS)
    rdf.bind("tga", TGA._NS)
    rdf.bind("id", ID)
    return rdf.serialize(format={"jsonld": "json-ld"}.get(fmt, fmt))
