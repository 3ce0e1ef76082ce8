"""tsunagu benchmarks on a synthetic directory at 1x, 10x, 100x the country.

    python bench/run.py --municipalities ../shared/data/localgovjp/localgovjp-utf8.csv --scales 1,10

Each scale runs in a child process (so peak memory is its own) and prints
one JSON line; the parent prints every measure side by side with the ratios:
the embedded engine against its floor (a dict of precomputed answers) and
against rdflib SPARQL on the same data, and the growth from 1x to 10x and 100x.
The data are made up (bench/synthetic.py); no timing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NEEDS = ["employment", "safe-place", "family-support", "health", "welfare", "education", "consultation", "outreach"]


def _percentiles(samples):
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _to_rdf(graph):
    """The synthetic projection as the closed RDF the SPARQL files read."""
    from rdflib import BNode, Graph, Literal
    from rdflib.namespace import RDF, RDFS

    from tsunagu.ontology import ID, TG, load_ontology

    ontology = load_ontology()
    rdf = Graph()

    def iri(node):
        if node.startswith("domain:"):
            return ontology.domains[node[7:]]
        return ID[node]

    for node, data in graph.nodes(data=True):
        if node.startswith("domain:"):
            continue
        subject = iri(node)
        for cls in data.get("types", ()):
            rdf.add((subject, RDF.type, TG[cls]))
        if data.get("name"):
            rdf.add((subject, RDFS.label, Literal(data["name"], lang="ja")))
        if data.get("code"):
            rdf.add((subject, TG.code, Literal(data["code"])))
        if data.get("age_stated"):
            age = BNode()
            rdf.add((subject, TG.targetsAge, age))
            if data.get("age_min") is not None:
                rdf.add((age, TG.minAge, Literal(data["age_min"])))
            if data.get("age_max") is not None:
                rdf.add((age, TG.maxAge, Literal(data["age_max"])))
        if data.get("kind") == "DutyStatus":
            rdf.add((subject, TG.duty, ontology.duties[data["duty"]]))
            rdf.add((subject, TG.fulfilled, Literal(data["fulfilled"])))
    for source, target, key, data in graph.edges(keys=True, data=True):
        for relation in data.get("relations", [key]):
            rdf.add((iri(source), TG[relation], iri(target) if not target.startswith("domain:") else iri(target)))
    return rdf


def child(scale, municipalities, seed, bolt, sparql_sample, diagrams_all):
    from bench.synthetic import generate
    from tsunagu.diagrams import write_municipality_diagram
    from tsunagu.graph.compiler import Compiled
    from tsunagu.graph.store import load_stored, save
    from tsunagu.queries.coverage import coverage_matrix, duty_statuses
    from tsunagu.queries.reach import reach_subgraph
    from tsunagu.queries.referral import referral_candidates, referrals

    out = {"scale": scale}
    (graph, names, municipalities_), out["generate_s"] = _timed(generate, municipalities, scale, seed)
    out["nodes"], out["edges"], out["municipalities"] = graph.number_of_nodes(), graph.number_of_edges(), len(municipalities_)

    # build: what the compiler does after projection (precompute, index, write)
    from rdflib import Graph

    start = time.perf_counter()
    streamed = ((m, reach_subgraph(graph, m)) for m in municipalities_)  # written as computed: memory stays flat
    cache = Path(tempfile.mkdtemp(prefix=f"tsunagu-bench-{scale}x-"))
    save(Compiled(Graph(), graph, [], f"synthetic{scale}x{seed}".ljust(64, "0"), {}, names=names, reach_graphs=streamed), cache)
    out["build_s"] = time.perf_counter() - start
    out["cache_mb"] = sum(p.stat().st_size for p in cache.iterdir()) / 2**20

    stored = load_stored(cache)
    _, out["load_full_graph_s"] = _timed(lambda: stored.graph)
    rng = random.Random(seed)
    sample = [rng.choice(municipalities_) for _ in range(100)]
    start = time.perf_counter()
    for m in sample:
        stored.named(m)  # what a cold refer reads: one name look-up and one row
        stored.reach_graph(m)
    out["load_one_municipality_ms"] = (time.perf_counter() - start) / len(sample) * 1000

    # referral: 1,000 random (municipality, age, need), warm
    triples = [(rng.choice(municipalities_), rng.randint(0, 80), rng.choice(NEEDS)) for _ in range(1000)]
    reach_graphs = {m: stored.reach_graph(m) for m in {t[0] for t in triples} | set(sample)}
    floor = {t: referrals(reach_graphs[t[0]], t[0], t[1], [t[2]]) for t in triples}
    embedded, lookups = [], []
    for t in triples:
        start = time.perf_counter()
        referrals(reach_graphs[t[0]], t[0], t[1], [t[2]])
        embedded.append(time.perf_counter() - start)
        start = time.perf_counter()
        floor[t]  # noqa: B018  (the floor: the answer already there)
        lookups.append(time.perf_counter() - start)
    out["referral_p50_ms"], out["referral_p99_ms"] = (x * 1000 for x in _percentiles(embedded))
    out["referral_floor_p50_ms"], out["referral_floor_p99_ms"] = (x * 1000 for x in _percentiles(lookups))
    uncached = []
    for m, age, need in triples[:100]:
        start = time.perf_counter()
        graph.graph.pop("candidate_cache", None)
        referral_candidates(graph, m)  # the walk on the whole graph, no precomputation
        uncached.append(time.perf_counter() - start)
    out["referral_bfs_p50_ms"] = _percentiles(uncached)[0] * 1000

    _, out["gap_sweep_s"] = _timed(duty_statuses, graph)
    start = time.perf_counter()
    for m in sample[:50]:
        coverage_matrix(reach_graphs[m], m)
    out["coverage_ms"] = (time.perf_counter() - start) / 50 * 1000

    # diagrams: all of them at 1x; a sample, extrapolated, above
    directory = Path(tempfile.mkdtemp(prefix="tsunagu-bench-diagrams-"))
    chosen = municipalities_ if (scale == 1 or diagrams_all) else sample[:100]
    start = time.perf_counter()
    for m in chosen:
        write_municipality_diagram(graph, m, directory / f"{m}.html")
    per = (time.perf_counter() - start) / len(chosen)
    out["diagrams_s"] = per * len(municipalities_)
    out["diagrams_extrapolated"] = len(chosen) != len(municipalities_)

    if sparql_sample:
        from tsunagu.ontology import load_ontology
        from tsunagu.queries.sparql import builtin_query, sparql_rows

        rdf, out["rdf_convert_s"] = _timed(_to_rdf, graph)
        rdf += load_ontology().graph  # so the timing does not include copying the ontology in
        ontology = load_ontology()
        times = []
        for m, age, need in triples[:sparql_sample]:
            start = time.perf_counter()
            sparql_rows(rdf, builtin_query("referral"), {"municipality": _iri(m), "age": _lit(age),
                                                        "need": ontology.domains[need]})
            times.append(time.perf_counter() - start)
        out["sparql_referral_p50_ms"] = _percentiles(times)[0] * 1000
        times = []
        for m in sample[:10]:
            start = time.perf_counter()
            sparql_rows(rdf, builtin_query("coverage"), {"municipality": _iri(m)})
            times.append(time.perf_counter() - start)
        out["sparql_coverage_ms"] = statistics.mean(times) * 1000
        _, out["sparql_gap_sweep_s"] = _timed(sparql_rows, rdf, builtin_query("gaps"))

    if bolt:
        from tsunagu.bolt import push_graph

        _, out["bolt_push_s"] = _timed(push_graph, graph, os.environ["TSUNAGU_BOLT_URI"],
                                       user=os.environ.get("TSUNAGU_BOLT_USER"), password=os.environ["TSUNAGU_BOLT_PASSWORD"],
                                       database=os.environ.get("TSUNAGU_BOLT_DATABASE"), replace=True, batch_size=2000)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _iri(node):
    from tsunagu.ontology import ID

    return ID[node]


def _lit(value):
    from rdflib import Literal

    return Literal(value)


ROWS = [
    ("nodes", "graph nodes", "{:,.0f}"), ("edges", "graph edges", "{:,.0f}"),
    ("generate_s", "synthetic generation (s)", "{:.2f}"), ("build_s", "build: precompute + write (s)", "{:.2f}"),
    ("cache_mb", "compiled size on disk (MB)", "{:.1f}"), ("load_full_graph_s", "load whole compiled graph (s)", "{:.3f}"),
    ("load_one_municipality_ms", "look up a name + load one municipality (ms)", "{:.2f}"),
    ("peak_rss_mb", "peak memory (MB)", "{:.0f}"),
    ("referral_p50_ms", "referral p50, embedded (ms)", "{:.4f}"), ("referral_p99_ms", "referral p99, embedded (ms)", "{:.4f}"),
    ("referral_floor_p50_ms", "referral p50, floor: dict look-up (ms)", "{:.4f}"),
    ("referral_bfs_p50_ms", "referral walk on the whole graph, uncached, p50 (ms)", "{:.3f}"),
    ("sparql_referral_p50_ms", "referral p50, rdflib SPARQL (ms)", "{:.1f}"),
    ("coverage_ms", "coverage matrix, embedded (ms)", "{:.3f}"), ("sparql_coverage_ms", "coverage rows, rdflib SPARQL (ms)", "{:.1f}"),
    ("gap_sweep_s", "national gap sweep, embedded (s)", "{:.3f}"), ("sparql_gap_sweep_s", "gap facts, rdflib SPARQL (s)", "{:.3f}"),
    ("diagrams_s", "every municipal diagram (s)", "{:.1f}"), ("bolt_push_s", "Bolt push (s)", "{:.1f}"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", default=str(ROOT.parent / "shared" / "data" / "localgovjp" / "localgovjp-utf8.csv"))
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--seed", type=int, default=20201027)
    parser.add_argument("--sparql-sample", type=int, default=50, help="SPARQL referral queries at 1x (0: none)")
    parser.add_argument("--bolt", action="store_true", help="also time a push to $TSUNAGU_BOLT_URI (1x only)")
    parser.add_argument("--diagrams-all", action="store_true", help="draw every diagram at every scale (slow)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.municipalities, args.seed, args.bolt and args.child == 1,
              args.sparql_sample if args.child == 1 else 0, args.diagrams_all)
        return
    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        command = [sys.executable, __file__, "--child", str(scale), "--municipalities", args.municipalities,
                   "--seed", str(args.seed), "--sparql-sample", str(args.sparql_sample)]
        command += ["--bolt"] if args.bolt else []
        command += ["--diagrams-all"] if args.diagrams_all else []
        print(f"running {scale}x ...", file=sys.stderr, flush=True)
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results.append(json.loads(line))
    print(f"SYNTHETIC directory over {results[0]['municipalities']:,} real municipalities, seed {args.seed}; "
          f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    header = f"{'measure':<52}" + "".join(f"{str(r['scale']) + 'x':>14}" for r in results)
    print(header)
    print("-" * len(header))
    for key, label, fmt in ROWS:
        if any(key in r for r in results):
            cells = "".join(f"{(fmt.format(r[key]) + ('*' if key == 'diagrams_s' and r.get('diagrams_extrapolated') else '')) if key in r else '-':>14}"
                            for r in results)
            print(f"{label:<52}{cells}")
    if any(r.get("diagrams_extrapolated") for r in results):
        print("* extrapolated from 100 diagrams")
    first = results[0]
    print("\nratios")
    print(f"  referral p50, embedded / floor:          {first['referral_p50_ms'] / max(first['referral_floor_p50_ms'], 1e-9):8.1f}x")
    print(f"  referral p50, uncached walk / embedded:  {first['referral_bfs_p50_ms'] / first['referral_p50_ms']:8.1f}x")
    if "sparql_referral_p50_ms" in first:
        print(f"  referral p50, rdflib SPARQL / embedded:  {first['sparql_referral_p50_ms'] / first['referral_p50_ms']:8.0f}x")
        print(f"  coverage, rdflib SPARQL / embedded:      {first['sparql_coverage_ms'] / first['coverage_ms']:8.0f}x")
        print(f"  gap sweep, rdflib SPARQL / embedded:     {first['sparql_gap_sweep_s'] / first['gap_sweep_s']:8.1f}x")
    for later in results[1:]:
        factor = later["scale"] / first["scale"]
        print(f"  growth {first['scale']}x -> {later['scale']}x (data x{factor:.0f}): "
              + ", ".join(f"{name} x{later[key] / first[key]:.1f}" for key, name in
                          (("build_s", "build"), ("load_full_graph_s", "full load"), ("peak_rss_mb", "memory"),
                           ("referral_p50_ms", "referral p50"), ("load_one_municipality_ms", "cold-path load"),
                           ("gap_sweep_s", "gap sweep"), ("diagrams_s", "diagrams"))))


if __name__ == "__main__":
    main()
