"""Load a build's N-Triples into the build's rdflib store and into pyoxigraph, side by side.

    python bench/rdf_stores.py FILE.nt          # e.g. the rdf-*.nt of a synthetic 10x build's home
    python bench/rdf_stores.py FILE.nt --python /path/to/venv-with-pyoxigraph/bin/python

This measures a change of stack before anyone makes one (issue 24). Each store loads the file in its
own process, so one's memory is not counted in the other's. The figures are CPU seconds to load, CPU
seconds to read every triple back into Python once (what each whole-graph step of the build does),
and the process's peak memory.

- ``rdflib``: the store a build holds (:mod:`tsunagu.store.rdf`, rdflib's ``SimpleMemory``).
- ``pyoxigraph``: an in-memory ``Store`` loaded by ``bulk_load``. It is not a dependency of tsunagu: it
  is run by ``--python``, an interpreter that has it, and is left out when none does.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent

_RDFLIB = """
import gc, json, resource, sys, time
gc.disable()
from tsunagu.store.rdf import data_graph, triples_of
t = time.process_time()
graph = data_graph()
graph.parse(sys.argv[1], format="nt")
load = time.process_time() - t
t = time.process_time()
count = sum(1 for _ in triples_of(graph))
print(json.dumps({"load_s": load, "scan_s": time.process_time() - t, "triples": count,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_OXIGRAPH = """
import json, resource, sys, time
import pyoxigraph
t = time.process_time()
store = pyoxigraph.Store()
store.bulk_load(path=sys.argv[1], format=pyoxigraph.RdfFormat.N_TRIPLES)
load = time.process_time() - t
t = time.process_time()
count = sum(1 for _ in store.quads_for_pattern(None, None, None))
print(json.dumps({"load_s": load, "scan_s": time.process_time() - t, "triples": count,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "version": pyoxigraph.__version__}))
"""


def _run(python, code, path):
    done = subprocess.run([python, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="an N-Triples file (a build's rdf-*.nt)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that has pyoxigraph")
    args = parser.parse_args(argv)
    rows = [("rdflib (tsunagu.store.rdf)", _run(sys.executable, _RDFLIB, args.path)),
            ("pyoxigraph", _run(args.python, _OXIGRAPH, args.path))]
    print(f"{args.path.name}: {args.path.stat().st_size / 1e6:,.0f} MB of N-Triples")
    print("| store | triples | load, CPU s | every triple read once, CPU s | peak MB |")
    print("|---|---|---|---|---|")
    measured = {}
    for name, (figures, error) in rows:
        if figures is None:
            print(f"| {name} | not measured: {error} | | | |")
            continue
        measured[name] = figures
        label = f"{name} {figures['version']}" if "version" in figures else name
        print(f"| {label} | {figures['triples']:,} | {figures['load_s']:.1f} | {figures['scan_s']:.1f} "
              f"| {figures['peak_mb']:,.0f} |")
    if len(measured) == 2:
        a, b = measured.values()
        print(f"pyoxigraph / rdflib: load {b['load_s'] / a['load_s']:.2f}x, read {b['scan_s'] / a['scan_s']:.2f}x, "
              f"peak {b['peak_mb'] / a['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
