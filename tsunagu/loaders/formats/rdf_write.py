"""Writing the compiled graph out: Turtle and JSON-LD from RDF, GraphML from networkx."""

from __future__ import annotations

import io
import json

__all__ = ["EXPORT_FORMATS", "export_text"]

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
