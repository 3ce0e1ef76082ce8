"""Hold every municipality's coverage chart to the referral answer, age by age (issue 21's agreement check).

    python scripts/check_agreement.py              # the default build in $TSUNAGU_HOME (or a fresh one)
    python scripts/check_agreement.py --sample 50  # a random sample of towns

For each town and each cell (age band x domain), the chart's providers must
be exactly the referral's options for that domain at the ages inside the band
where an offer can change (every candidate's age bounds, the working age,
the bands' edges and every age a cohort can start or end at), and a full
cell must have an offer at each of them. The suite runs the same check on
the seeds' seven towns at every age and on a sample of the country
(tests/test_one_rule.py); this script runs it on the whole country.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, help="check only this many towns, chosen at random")
    args = parser.parse_args()
    from test_one_rule import _check_town, _critical_ages

    from tsunagu.compile.current import fresh_stored

    stored = fresh_stored()
    towns = sorted(stored.reach_nodes())
    if args.sample:
        towns = random.Random(20201027).sample(towns, args.sample)
    started, cells = time.perf_counter(), 0
    for number, town in enumerate(towns, start=1):
        graph, walk = stored.reach_graph(town)
        critical = _critical_ages(graph, town, walk)
        cells += _check_town(graph, town, ages=lambda cell, critical=critical: critical, walk=walk)
        if number % 200 == 0:
            print(f"{number} towns, {cells} cells agree ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(f"all {len(towns)} towns: {cells} cells, each equal to the referral's options at every age where an "
          f"offer can change ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
