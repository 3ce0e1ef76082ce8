"""SPARQL over the compiled RDF (with the ontology, so labels and classes are there)."""

from __future__ import annotations

from tsunagu.exceptions import TsunaguError

__all__ = ["sparql_rows"]


def sparql_rows(rdf, query, bindings=None):
    """Run ``query``; SELECT gives one dict per solution, ASK one row, CONSTRUCT triples."""
    from pyparsing import ParseException

    from tsunagu.ontology import ID, TG, TGA, TGD, load_ontology

    graph = rdf + load_ontology().graph
    for prefix, namespace in (("tg", TG._NS), ("tgd", TGD._NS), ("tga", TGA._NS), ("id", ID)):
        graph.bind(prefix, namespace)
    try:
        result = graph.query(query, initBindings=bindings or {})
    except ParseException as error:
        raise TsunaguError(f"SPARQL syntax error at line {error.lineno}, column {error.col}: {error.msg}") from error
    except Exception as error:  # rdflib evaluation errors have no common base class
        raise TsunaguError(f"SPARQL query failed: {error}") from error
    if result.type == "ASK":
        return [{"ask": bool(result.askAnswer)}]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return [{"subject": str(s), "predicate": str(p), "object": str(o)} for s, p, o in result.graph]
    names = [str(v) for v in result.vars]
    return [{name: (None if row[i] is None else row[i].toPython() if hasattr(row[i], "toPython") else str(row[i]))
             for i, name in enumerate(names)} for row in result]
