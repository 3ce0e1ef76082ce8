"""SPARQL over the compiled RDF (with the ontology, so labels and classes are there)."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast, overload

from tsunagu.exceptions import QueryLimitReached, QueryRefused, TsunaguError
from tsunagu.loaders.limits import shortened

__all__ = ["sparql_rows", "builtin_queries", "builtin_query", "parse_binding", "refusal",
           "DEFAULT_TIMEOUT", "DEFAULT_LIMIT"]

if TYPE_CHECKING:
    from pyparsing import ParseException, ParseResults
    from rdflib import Graph, Literal, URIRef
    from rdflib.graph import (_TripleOrTriplePathType, _TriplePathPatternType, _TriplePathType, _TriplePatternType,
                              _TripleSelectorType, _TripleType)
    from rdflib.term import Variable
    from rdflib.term import Identifier


def builtin_queries() -> list[str]:
    """Names of the SPARQL files shipped in ``tsunagu/queries/sparql``."""
    from importlib import resources

    return sorted(p.name[:-3] for p in (resources.files(__package__) / "sparql").iterdir() if p.name.endswith(".rq"))


def builtin_query(name: str) -> str:
    from importlib import resources

    if name not in builtin_queries():
        raise TsunaguError(f"no shipped query '{name}'; shipped: {', '.join(builtin_queries())}")
    return (resources.files(__package__) / "sparql" / f"{name}.rq").read_text(encoding="utf-8")


def parse_binding(text: str) -> tuple[str, URIRef | Literal]:
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


DEFAULT_TIMEOUT = 30.0  # seconds; --timeout raises it
DEFAULT_LIMIT = 10_000  # rows; --limit raises it
MEMORY_BUDGET_MB = 1024  # growth of the process while a query runs; no option: past this the machine suffers
_REFUSED = {
    "ServiceGraphPattern": "SERVICE is not allowed: tsunagu sparql reads only the compiled graph (no network)",
    "DatasetClause": "FROM and FROM NAMED are not allowed: tsunagu sparql reads only the compiled graph",
}


def refusal(query: str) -> str | None:
    """Why tsunagu will not run ``query`` (an update, SERVICE, FROM), or None; syntax errors raise.

    Examples
    --------
    >>> refusal("SELECT ?s WHERE { ?s ?p ?o }") is None
    True
    >>> refusal("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    'SERVICE is not allowed: tsunagu sparql reads only the compiled graph (no network)'
    >>> refusal("DELETE WHERE { ?s ?p ?o }")
    'updates are not allowed: tsunagu sparql only reads'
    """
    return _checked(query)[1]


def _checked(query: str) -> tuple[ParseResults | None, str | None]:
    """(parse tree or None, why it is refused or None)."""
    from pyparsing import ParseException, ParseResults
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(query)
    except ParseException as error:
        try:
            parseUpdate(query)
        except Exception:  # not an update either: report the query's own syntax error
            raise _syntax_error(error) from error
        return None, "updates are not allowed: tsunagu sparql only reads"
    stack: list[object] = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name in _REFUSED:
                return parsed, _REFUSED[node.name]
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return parsed, None


def _syntax_error(error: ParseException) -> TsunaguError:
    return TsunaguError(f"SPARQL syntax error at line {error.lineno}, column {error.col}: {shortened(error.msg, 200)}")


class _Budget:
    """Stops a query past its deadline or memory budget; checked as rdflib reads triples and as rows arrive."""

    def __init__(self, timeout: float) -> None:
        import time

        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.memory_ceiling = _peak_memory_kb()
        if self.memory_ceiling is not None:
            self.memory_ceiling += MEMORY_BUDGET_MB * 1024

    def check(self) -> None:
        import time

        if time.monotonic() > self.deadline:
            raise QueryLimitReached(f"SPARQL query stopped after {self.timeout:g} s "
                                    "(--timeout SECONDS to allow more, or narrow the query)")
        # a ceiling is set only where resource measures memory: the peak is then never None
        if self.memory_ceiling is not None and (_peak_memory_kb() or 0) > self.memory_ceiling:
            raise QueryLimitReached(f"SPARQL query stopped: it needed over {MEMORY_BUDGET_MB} MB of memory "
                                    "(narrow the query)")


def _peak_memory_kb() -> int | None:
    try:
        import resource
    except ImportError:  # Windows: the time budget still holds
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def _budgeted_graph(budget: _Budget) -> Graph:
    from rdflib import Graph

    class BudgetedGraph(Graph):
        """Every pattern rdflib evaluates reads triples here: the budget is checked every 1,000."""

        # rdflib's overloads, repeated: the triples are rdflib's own, the budget only looks on
        @overload
        def triples(self, triple: _TriplePatternType) -> Generator[_TripleType, None, None]: ...

        @overload
        def triples(self, triple: _TriplePathPatternType) -> Generator[_TriplePathType, None, None]: ...

        @overload
        def triples(self, triple: _TripleSelectorType) -> Generator[_TripleOrTriplePathType, None, None]: ...

        def triples(self, triple: _TripleSelectorType) -> Generator[_TripleOrTriplePathType, None, None]:
            for count, found in enumerate(super().triples(triple)):
                if not count % 1000:
                    budget.check()
                yield found

    from tsunagu.store.rdf import DataStore

    return BudgetedGraph(store=DataStore())


def sparql_rows(rdf: Graph, query: str, bindings: Mapping[str, Identifier] | None = None, *,
                timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Run ``query``; SELECT gives one dict per solution, ASK one row, CONSTRUCT triples.

    Only reading queries over ``rdf`` and the ontology run: updates, SERVICE
    and FROM raise :class:`QueryRefused` before anything is evaluated. A query
    running past ``timeout`` seconds, giving more than ``limit`` rows or
    growing the process by over 1 GB raises :class:`QueryLimitReached`.

    Examples
    --------
    >>> from rdflib import Graph, Literal
    >>> from tsunagu.ontology import ID, TG
    >>> g = Graph().add((ID.ino, TG.code, Literal("393860")))
    >>> sparql_rows(g, "SELECT ?code WHERE { ?x tg:code ?code }")
    [{'code': '393860'}]
    >>> sparql_rows(g, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", limit=5)
    Traceback (most recent call last):
    ...
    tsunagu.exceptions.QueryLimitReached: more than 5 rows (--limit ROWS to allow more, or add LIMIT to the query)
    """
    from rdflib.plugins.sparql.algebra import translateQuery

    from tsunagu.ontology import ID, TG, TGA, TGD, load_ontology

    parsed, refused = _checked(query)
    if refused:
        raise QueryRefused(refused)
    budget = _Budget(timeout)
    graph = _budgeted_graph(budget)
    graph += rdf
    graph += load_ontology().graph
    for prefix, namespace in (("tg", TG._NS), ("tgd", TGD._NS), ("tga", TGA._NS), ("id", ID)):
        graph.bind(prefix, namespace)

    def too_many() -> QueryLimitReached:
        return QueryLimitReached(f"more than {limit} rows (--limit ROWS to allow more, or add LIMIT to the query)")

    try:
        parsed = cast("ParseResults", parsed)  # only an update parses to None, and it was refused above
        result = graph.query(translateQuery(parsed, initNs=dict(graph.namespaces())), initBindings=bindings or {})
        if result.type == "ASK":
            return [{"ask": bool(result.askAnswer)}]
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            constructed = cast("Graph", result.graph)  # rdflib gives these two their graph
            if len(constructed) > limit:
                raise too_many()
            return [{"subject": str(s), "predicate": str(p), "object": str(o)} for s, p, o in constructed]
        names = [str(v) for v in cast("list[Variable]", result.vars)]  # a SELECT names its variables
        rows: list[dict[str, Any]] = []
        # a SELECT's solutions: one term per variable, None where it is unbound
        for row in cast("Iterable[tuple[Any, ...]]", result):
            if len(rows) == limit:
                raise too_many()
            budget.check()
            rows.append({name: (None if row[i] is None else row[i].toPython() if hasattr(row[i], "toPython") else str(row[i]))
                         for i, name in enumerate(names)})
        return rows
    except TsunaguError:
        raise
    except MemoryError as error:
        raise QueryLimitReached("SPARQL query stopped: out of memory (narrow the query)") from error
    except Exception as error:  # rdflib evaluation errors have no common base class
        raise TsunaguError(f"SPARQL query failed: {shortened(error, 200)}") from error
