"""One build as the CLI runs it, in this process, with each step's wall, CPU and peak memory, as JSON.

    python bench/steps.py HOME [BUILD ARGUMENTS...]      # e.g. --municipalities m.csv curated/*.yaml

Run by ``bench/run.py`` as a child process per build, so each build's peak memory is its own. The arguments
are those of ``tsunagu build`` (``--municipalities``, ``--population``, ``--source NAME=PATH``, paths). The
last line printed is a JSON object: ``steps`` (one per build step, see
:class:`tsunagu.compile.progress.Steps`), ``wall_s``, ``cpu_s``, ``peak_mb``, ``triples``, ``nodes``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("home")
    parser.add_argument("--municipalities")
    parser.add_argument("--population")
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--show", action="store_true", help="say each step on stderr (as a terminal would)")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_intermixed_args(argv)
    import atexit
    import gc

    atexit.register(gc.freeze)  # the process ends as ``tsunagu`` does (tsunagu.cli.main)
    started, times = time.perf_counter(), os.times()
    from tsunagu.compile import build
    from tsunagu.compile.progress import Steps

    steps = Steps((lambda text: print(text, file=sys.stderr, flush=True)) if args.show else None)
    sources = dict(item.split("=", 1) for item in args.source)
    compiled = build(args.paths, args.home, steps=steps, municipalities=args.municipalities,
                     population=args.population, sources=sources, jobs=args.jobs)
    after = os.times()
    print(json.dumps({
        "steps": steps.records, "wall_s": time.perf_counter() - started, "cpu_s": sum(after[:4]) - sum(times[:4]),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "triples": compiled.triples, "nodes": compiled.graph.number_of_nodes(),
    }))


if __name__ == "__main__":
    main()
