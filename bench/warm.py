"""Warm timings in one process: the library called again and again over one build (a child of bench/run.py).

    python bench/warm.py HOME --places CODE,CODE,... [--calls 200] [--backend URI] [--sparql 20]

Prints one JSON object: per question the median and 95th percentile (ms) over ``--calls`` calls, taken
after one untimed call (so the build's files are open and read once), and the process's peak memory.
The same few places asked again are answered from what the library keeps in memory; ``refer_first``
(``--first N``) asks N other municipalities once each, so each refer reads its graph from the store or
the server.
Uses ``tsunagu.open`` (the library facade) when the tree has it, else the functions the CLI called
before the facade existed, so an older tree can be measured with the same driver.
``--sparql N`` times the rdflib SPARQL baseline instead (the builtin referral query on the build's RDF),
N calls, as a separate process so its memory does not mix with the embedded engine's.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import resource
import statistics
import time

__all__ = ["main"]

AGE, NEED = 45, "employment"


def _stats(samples, cpu):
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
            "cpu_median_ms": statistics.median(cpu) * 1000, "calls": len(ordered)}


def _timed_calls(function, arguments, calls):
    """Wall and CPU time per call: on a shared machine the wall time carries other processes' load, the CPU time not."""
    function(*arguments[0])  # untimed: opens the build's files
    samples, cpu = [], []
    for args in itertools.islice(itertools.cycle(arguments), calls):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(*args)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return _stats(samples, cpu)


def _facade_options(backend):
    return {"backend": backend, "user": os.environ.get("TSUNAGU_BOLT_USER"), "password": os.environ.get("TSUNAGU_BOLT_PASSWORD"),
            "database": os.environ.get("TSUNAGU_BOLT_DATABASE")} if backend else {}


def _first_asks(home, backend, count):
    """``refer`` for ``count`` municipalities asked once each: none is kept in memory from an earlier call,
    so each reads its reach graph from the store (or the server)."""
    import random

    import tsunagu

    library = tsunagu.open(home)
    if not hasattr(library, "places"):  # a tree from before the list of places
        return None
    codes = sorted(p.code for p in library.places() if "Municipality" in p.types and p.code)
    codes = random.Random(3).sample(codes, min(count + 1, len(codes)))
    t = tsunagu.open(home, **_facade_options(backend))
    t.refer(codes[0], AGE, [NEED])  # untimed: opens the build's files, or the connection
    samples, cpu = [], []
    for code in codes[1:]:
        start, start_cpu = time.perf_counter(), time.process_time()
        t.refer(code, AGE, [NEED])
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return _stats(samples, cpu)


def _questions_facade(home, backend):
    import tsunagu

    t = tsunagu.open(home, **_facade_options(backend))
    questions = {
        "refer": lambda m: t.refer(m, AGE, [NEED]),
        "coverage": lambda m: t.coverage(m),
        "gaps": lambda m: t.gaps(),
    }
    if not backend:
        from tsunagu.diagrams.dotmap import dot_map_points

        questions.update({"tally": lambda m: t.tally(), "show": lambda m: t.entity(m),
                          "rollup": lambda m: t.rollup(by="prefecture"),
                          # the national dot map's data; the page itself is kept by the web app once written
                          "map": lambda m: dot_map_points(t.duty_table())})
    return questions


def _questions_before(home):
    """The calls the CLI made before the facade (one graph or reach graph read per question, as the CLI did)."""
    from tsunagu.compile import current_graph, current_reach_graph
    from tsunagu.resolver import resolve
    from tsunagu.queries.coverage import coverage_matrix
    from tsunagu.queries.duties import duty_statuses
    from tsunagu.queries.entities import entity_details
    from tsunagu.queries.referral import referral_answer
    from tsunagu.queries.tally import survey_table

    def refer(m):
        key, graph, walk = current_reach_graph(m, directory=home)
        return referral_answer(graph, key, AGE, [NEED], walk=walk)

    def coverage(m):
        key, graph, walk = current_reach_graph(m, directory=home)
        return coverage_matrix(graph, key, walk=walk)

    graph = current_graph(directory=home)  # what a long-lived process would keep
    return {"refer": refer, "coverage": coverage, "gaps": lambda m: duty_statuses(graph),
            "tally": lambda m: survey_table(graph), "show": lambda m: entity_details(graph, resolve(graph, m))}


def _sparql(home, places, calls):
    from rdflib import Literal

    from tsunagu.compile import current_rdf
    from tsunagu.ontology import TG, load_ontology
    from tsunagu.queries.sparql import builtin_query, sparql_rows

    start = time.perf_counter()
    rdf = current_rdf(directory=home)
    load_s = time.perf_counter() - start
    ontology = load_ontology()
    query = builtin_query("referral")
    iris = [s for place in places for s in itertools.islice(rdf.subjects(TG.code, Literal(place)), 1)]
    if not iris:
        raise SystemExit("no place found in the RDF by code")
    bindings = [({"municipality": iri, "age": Literal(AGE), "need": ontology.domains[NEED]},) for iri in iris]
    try:  # newer trees stop a query after 30 s by default; the baseline is timed to the end
        sparql_rows(rdf, "ASK {}", timeout=3600)
        limits = {"timeout": 3600}
    except TypeError:
        limits = {}
    result = _timed_calls(lambda b: sparql_rows(rdf, query, b, **limits), bindings, calls)
    return {"sparql_refer": result, "rdf_load_s": load_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("home")
    parser.add_argument("--places", required=True, help="comma-separated municipality codes or names")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--backend")
    parser.add_argument("--sparql", type=int, default=0)
    parser.add_argument("--first", type=int, default=100,
                        help="also refer for this many municipalities asked once each (0: not)")
    args = parser.parse_args()
    places = args.places.split(",")
    os.environ["TSUNAGU_HOME"] = args.home
    gc.collect()
    out = {}
    if args.sparql:
        out.update(_sparql(args.home, places, args.sparql))
    else:
        try:
            import tsunagu.api  # noqa: F401  (the facade exists in this tree)
        except ImportError:
            if args.backend:
                raise SystemExit("this tree has no facade; Bolt warm timings need it") from None
            questions = _questions_before(args.home)
            out["driver"] = "functions"
        else:
            questions = _questions_facade(args.home, args.backend)
            out["driver"] = "facade"
        for name, function in questions.items():
            calls = args.calls if name in ("refer", "coverage", "show") else max(10, args.calls // 10)
            out[name] = _timed_calls(function, [(p,) for p in places], calls)
        if out["driver"] == "facade" and args.first:
            out["refer_first"] = _first_asks(args.home, args.backend, args.first)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
