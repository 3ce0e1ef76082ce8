"""Time a Bolt ``refer`` against the embedded one over the synthetic directory.

    TSUNAGU_BOLT_URI=... TSUNAGU_BOLT_USER=... TSUNAGU_BOLT_PASSWORD=... TSUNAGU_BOLT_DATABASE=... \\
        python bench/bolt_walk.py --scale 1 --push

``--push`` first writes the synthetic graph (``--replace``) and times it.
Then for the same sampled municipalities and persons it times, per refer:

- embedded: what a cold ``tsunagu refer`` does after resolving the name:
  read the municipality's precomputed reach graph (unpickle its stored row)
  and rank; the rows are made by the build's own ``reach_subgraph``;
- Bolt: on one open connection, resolve the name on the server, fetch the
  municipality's reach subgraph (:meth:`BoltBackend.reach_graph`: one
  statement, then the build's ``reach_subgraph`` over what came) and rank;
  also timed apart, as ``Bolt resolve``, ``Bolt reach graph`` and ``Bolt rank``;
- Bolt connect: opening a connection (driver, marker check, constants).

and checks the two answers are equal. Medians and 90th percentiles in ms.
"""

from __future__ import annotations

import datetime as dt
import argparse
import os
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NEEDS = ["employment", "safe-place", "family-support", "health", "welfare", "consultation"]
AS_OF = dt.date(2026, 4, 1)  # one day for both sides: a cohort scheme's ages move with it


def _summary(samples):
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[int(0.9 * (len(samples) - 1))] * 1000


def main():
    from bench.synthetic import generate
    from tsunagu.bolt import BoltBackend, push_graph
    from tsunagu.compile.precompute import reach_subgraph
    from tsunagu.queries.referral import referral_answer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--push", action="store_true")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--municipalities", default="/work/shared/data/localgovjp/localgovjp-utf8.csv")
    args = parser.parse_args()
    server = dict(user=os.environ["TSUNAGU_BOLT_USER"], password=os.environ["TSUNAGU_BOLT_PASSWORD"],
                  database=os.environ.get("TSUNAGU_BOLT_DATABASE"))
    uri = os.environ["TSUNAGU_BOLT_URI"]
    graph, _, municipalities = generate(args.municipalities, args.scale, seed=args.seed)
    print(f"synthetic {args.scale}x: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges", flush=True)
    if args.push:
        start = time.perf_counter()
        counts = push_graph(graph, uri, replace=True, batch_size=2000, **server)
        print(f"push: {time.perf_counter() - start:.1f} s {counts}", flush=True)
    rng = random.Random(args.seed)
    sample = [(m, rng.randint(0, 80), rng.choice(NEEDS)) for m in rng.sample(municipalities, args.samples)]
    rows = {m: pickle.dumps(reach_subgraph(graph, m), protocol=pickle.HIGHEST_PROTOCOL) for m, _, _ in sample}
    names = {m: m for m, _, _ in sample}  # asked by id: names and codes repeat across the copies
    embedded, bolt, connect, answers = [], [], [], {}
    parts = {"Bolt resolve": [], "Bolt reach graph": [], "Bolt rank": []}
    for m, age, need in sample:
        start = time.perf_counter()
        small, walk = pickle.loads(rows[m])
        answers[m] = referral_answer(small, m, age, [need], as_of=AS_OF, explain=True, walk=walk)
        embedded.append(time.perf_counter() - start)
    with BoltBackend(uri, **server) as backend:
        for m, age, need in sample:
            start = time.perf_counter()
            key = backend.resolve(names[m], types={"Municipality"})
            resolved = time.perf_counter()
            small, walk = backend.reach_graph(key)
            fetched = time.perf_counter()
            answer = referral_answer(small, key, age, [need], as_of=AS_OF, explain=True, walk=walk)
            end = time.perf_counter()
            bolt.append(end - start)
            for part, seconds in zip(parts, (resolved - start, fetched - resolved, end - fetched), strict=True):
                parts[part].append(seconds)
            assert key == m and answer == answers[m], (m, age, need)
    for _ in range(5):
        start = time.perf_counter()
        BoltBackend(uri, **server).close()
        connect.append(time.perf_counter() - start)
    for label, samples in (("embedded refer", embedded), ("Bolt refer", bolt), *parts.items(), ("Bolt connect", connect)):
        median, p90 = _summary(samples)
        print(f"{label:16s} median {median:8.1f} ms   p90 {p90:8.1f} ms   (n={len(samples)})")
    print(f"Bolt/embedded (median): {statistics.median(bolt) / statistics.median(embedded):.1f}x; "
          f"with a new connection per refer: "
          f"{(statistics.median(bolt) + statistics.median(connect)) / statistics.median(embedded):.1f}x")
    # like for like: the embedded timing does not resolve the name either
    fetch_and_rank = [r + k for r, k in zip(parts["Bolt reach graph"], parts["Bolt rank"], strict=True)]
    print(f"Bolt reach graph + rank / embedded (median, resolving the name left out of both): "
          f"{statistics.median(fetch_and_rank) / statistics.median(embedded):.1f}x")


if __name__ == "__main__":
    main()
