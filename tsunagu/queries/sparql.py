"""SPARQL over the compiled RDF (with the ontology, so labels and classes are there)."""

from __future__ import annotations

from tsunagu.exceptions import TsunaguError

__all__ = ["sparql_rows", "builtin_queries", "builtin_query", "parse_binding"]


def builtin_queries():
    """Names of the SPARQL files shipped in ``tsunagu/queries/sparql``."""
    from importlib import resources

    return sorted(p.name[:-3] for p in (resources.files(__package__) / "sparql").iterdir() if p.name.endswith(".rq"))


def builtin_query(name):
    from importlib import resources

    if name not in builtin_queries():
        raise TsunaguError(f"no shipped query '{name}'; shipped: {', '.join(builtin_queries())}")
    return (resources.files(__package__) / "sparql" / f"{name}.rq").read_text(encoding="utf-8")


def parse_binding(text):
    """``name=value`` to (name, rdflib term): ``id:ino``, ``tgd:employment`` and
    ``tg:Town`` are IRIs, ``<...>`` a full IRI, digits an integer, else a string."""
    from rdflib import Literal, URIRef

    from tsunagu.ontology import ID, TG, TGA, TGD

    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise TsunaguError(f"a binding is name=value, got '{text}'")
    value = value.strip()
    prefixes = {"id:": ID, "tg:": TG._NS, "tgd:": TGD._NS, "tga:": TGA._NS}
    for prefix, namespace in prefixes.items():
        if value.startswith(prefix):
            return name.strip(), URIRef(str(namespace) + value[len(prefix):])
    if value.startswith("<") and value.endswith(">"):
        return name.strip(), URIRef(value[1:-1])
    if value.lstrip("-").isdigit():
        return name.strip(), Literal(int(value))
    return name.strip(), Literal(value)


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
