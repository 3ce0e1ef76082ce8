"""tsunagu benchmarks: the commands users run, as processes, from input files in the users' formats.

    python bench/run.py                      # this tree: embedded, real national, synthetic 1x and 10x builds
    python bench/run.py --quick              # under 2 minutes: embedded and real national (list + census), 3 runs
    python bench/run.py --before e0ff86b     # the same measures for an older commit, side by side in one run
    python bench/run.py --scales 1,10 --builds-only --no-embedded --build-repeats 1 --before fa31cfb
                                             # builds only: each step at 1x and 10x (wall, CPU, peak), 10x/1x
    python bench/run.py --bolt               # also push and refer --backend against ArcadeDB (scripts/arcadedb_server.py)

What is timed
- ``tsunagu build`` as a process (fresh ``TSUNAGU_HOME`` each run): the embedded data; the real national
  build from ``/work/shared/data`` (municipalities + census population, plus the directory sources when the
  tree's ``build`` has ``--source``); SYNTHETIC directories written as files by ``bench/synthetic_files.py``
  (a localgovjp-style CSV and one curated YAML file per prefecture) at each ``--scales``.
- Every query command cold, as a process over that build: ``refer``, ``coverage``, ``gaps``, ``tally``,
  ``gaps --by prefecture``, ``map``, ``show``, ``diagram --municipality``; and ``diagram --all`` over the
  embedded build.
- The same questions warm, in one process calling the library (``bench/warm.py``; ``rollup`` by prefecture
  and the dot map's points, the page the web app keeps once written), and the rdflib SPARQL
  referral query on the same build's RDF as its own row, in its own process.
- With ``--bolt``: ``tsunagu push`` and ``refer --backend`` (cold process and warm library) over the national
  build and each synthetic scale.

How: each figure is the median of ``--repeats`` runs (builds: ``--build-repeats``); a process's memory is
its own peak resident set (``ru_maxrss`` from ``wait4``, read by a small process that starts it, so that the
bench's own size is not its floor), so no measure's memory includes another's; that is the largest single
process of a command, and a build's row "of its processes together" is the highest the system's anonymous
memory rose above its level at the start, sampled every 50 ms (the bench's own processes hold theirs still). Wall time is what a user
waits; CPU time (user+sys of the child) is shown for builds, because this machine's 2 cores are shared and
wall time carries other people's load. Warm figures are medians over
``--calls`` calls after one untimed call. Nothing here is a test, and the synthetic data are made up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
MUNICIPALITIES = SHARED / "localgovjp" / "localgovjp-utf8.csv"
POPULATION = SHARED / "population_jp" / "population_jp_2015_detail.csv"
SEED = 20201027


# Each measured process is started by this small one, which times it and reads its rusage from ``wait4``:
# Linux starts a process's high-water mark at its parent's size when it execs, and this bench grows (a
# ``python -c pass`` spawned from a process holding 300 MB reported a 311 MB peak, from a small one 11 MB).
# ``wait4``'s peak is that of the largest single process of the command's tree; a build's processes hold
# memory together (its forked children copy the pages they touch), so a thread here also reads the
# system's anonymous memory (``AnonPages``, each page once however many processes share it) every 50 ms:
# its highest level above the level when the command started is what the command's processes held
# together (on a machine doing nothing else: the bench is run so).
_LAUNCHER = """
import json, os, subprocess, sys, threading, time
def anonymous():
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("AnonPages:"):
                return int(line.split()[1]) / 1024
    return 0.0
report, command = sys.argv[1], sys.argv[2:]
floor = highest = anonymous()
done = threading.Event()
def sample():
    global highest
    while not done.wait(0.05):
        highest = max(highest, anonymous())
start = time.perf_counter()
process = subprocess.Popen(command)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
_, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - start
done.set()
sampler.join()
with open(report, "w") as out:
    json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
               "all_mb": highest - floor, "rc": os.waitstatus_to_exitcode(status)}, out)
"""


def run_process(argv, *, tree, home, cwd, timeout=3600):
    """Run ``python -m tsunagu ARGV`` from ``tree``: (wall s, cpu s, peak MB, return code, stderr tail)."""
    import signal

    env = dict(os.environ, TSUNAGU_HOME=str(home), PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, *argv] if argv[0].endswith(".py") else [sys.executable, "-m", "tsunagu", *argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as report:
        launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER, report.name, *command], stdout=out, stderr=err,
                                    cwd=cwd, env=env, start_new_session=True)
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the command it started
            launcher.wait()
        try:
            result = json.loads(Path(report.name).read_text() or "null") or {}
        except ValueError:
            result = {}
        out.seek(0)
        err.seek(0)
        return {"wall_s": result.get("wall_s", float(timeout)), "cpu_s": result.get("cpu_s", 0.0),
                "rss_mb": result.get("rss_mb", 0.0), "all_mb": result.get("all_mb"),
                "rc": result.get("rc", launcher.returncode or -9),
                "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")[-600:]}


def _median_of(runs):
    ok = [r for r in runs if r["rc"] == 0]
    if not ok:
        return {"error": runs[-1]["stderr"].strip().splitlines()[-1:] if runs else ["no run"], "runs": len(runs)}
    return {"wall_s": statistics.median(r["wall_s"] for r in ok), "cpu_s": statistics.median(r["cpu_s"] for r in ok),
            "rss_mb": max(r["rss_mb"] for r in ok), "all_mb": max((r.get("all_mb") or 0.0) for r in ok) or None,
            "runs": len(ok), "failed": len(runs) - len(ok)}


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _has_option(tree, command, option, work):
    result = run_process([command, "--help"], tree=tree, home=work / "help-home", cwd=work)
    return option in result["stdout"]


def national_sources(tree, work):
    """Extra ``build`` arguments for the national directory, when this tree's build reads them."""
    if not _has_option(tree, "build", "--source", work):
        return []
    help_text = run_process(["build", "--help"], tree=tree, home=work / "help-home", cwd=work)["stdout"]
    extra = []
    for name, path in (("fukushi_portal", SHARED / "fukushi_portal"), ("hokenjo", SHARED / "hokenjo"),
                       ("mhlw_jiritsu_2023", SHARED / "mhlw_jiritsu_2023")):
        if path.exists() and name in help_text:
            extra += ["--source", f"{name}={path}"]
    return extra


def measure_builds(label, tree, argv, repeats, work, keep_home):
    """The build as a process, ``repeats`` times; where the tree has ``bench/steps.py`` it runs the build
    (the library call the CLI makes) and the median run's steps are kept: wall, CPU, peak memory per step."""
    runs = []
    steps = tree / "bench" / "steps.py"
    for index in range(repeats):
        home = work / f"home-{label}-{index}"
        _log(f"  build {label} ({index + 1}/{repeats}) ...")
        if steps.exists():
            runs.append(run_process([str(steps), str(home), *argv], tree=tree, home=home, cwd=work))
            if runs[-1]["rc"] == 0:
                runs[-1]["steps"] = json.loads(runs[-1]["stdout"].strip().splitlines()[-1])["steps"]
        else:
            runs.append(run_process(["build", *argv], tree=tree, home=home, cwd=work))
        if runs[-1]["rc"]:
            _log("    failed: " + runs[-1]["stderr"].strip()[-300:])
        if index < repeats - 1 or runs[-1]["rc"]:
            shutil.rmtree(home, ignore_errors=True)
    if runs[-1]["rc"] == 0:
        shutil.move(str(work / f"home-{label}-{repeats - 1}"), str(keep_home))
    result = _median_of(runs)
    ok = sorted((r for r in runs if r["rc"] == 0 and "steps" in r), key=lambda r: r["wall_s"])
    if ok:
        result["steps"] = ok[len(ok) // 2]["steps"]
    return result


_COMMAND_SHOWN = {"rollup": "gaps --by prefecture"}  # a cold command's row names what the user types
_QUESTION_SHOWN = {"rollup": "rollup by prefecture", "map": "dot map points"}


def cold_commands(tree, home, places, repeats, work):
    """Each query command as a fresh process, ``repeats`` times (a different municipality each time)."""
    commands = {
        "refer": lambda p: ["refer", p, "--age", "45", "--need", "employment"],
        "coverage": lambda p: ["coverage", "--municipality", p],
        "gaps": lambda p: ["gaps"],
        "tally": lambda p: ["tally"],
        "rollup": lambda p: ["gaps", "--by", "prefecture"],
        "map": lambda p: ["map", "-o", str(work / "map.html")],
        "show": lambda p: ["show", p],
        "diagram": lambda p: ["diagram", "--municipality", p, "-o", str(work / "diagram.html")],
    }
    out = {}
    for name, argv in commands.items():
        runs = [run_process(argv(places[i % len(places)]), tree=tree, home=home, cwd=work) for i in range(repeats)]
        out[name] = _median_of(runs)
        if "error" in out[name]:
            _log(f"    cold {name} failed: {out[name]['error']}")
    return out


def diagram_all(tree, home, repeats, work):
    runs, sizes = [], []
    for index in range(repeats):
        target = work / f"diagrams-{index}"
        runs.append(run_process(["diagram", "--all", str(target)], tree=tree, home=home, cwd=work))
        if target.exists():
            files = [p for p in target.rglob("*") if p.is_file()]
            sizes.append((len(files), sum(p.stat().st_size for p in files) / 2**20))
        shutil.rmtree(target, ignore_errors=True)
    result = _median_of(runs)
    if sizes:
        result["files"], result["size_mb"] = sizes[-1]
    return result


def warm(tree, home, places, calls, work, *, backend=None, sparql=0):
    argv = [str(ROOT / "bench" / "warm.py"), str(home), "--places", ",".join(places), "--calls", str(calls)]
    argv += ["--backend", backend] if backend else []
    argv += ["--sparql", str(sparql)] if sparql else []
    result = run_process(argv, tree=tree, home=home, cwd=work)
    if result["rc"]:
        _log("    warm failed: " + result["stderr"].strip()[-300:])
        return {"error": result["stderr"].strip().splitlines()[-1:]}
    data = json.loads(result["stdout"].strip().splitlines()[-1])
    data["process_rss_mb"] = result["rss_mb"]
    return data


def sample_codes(csv_path, count, seed=SEED):
    import csv

    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if " " not in row["city"]]
    return [row["lgcode"].zfill(6) for row in random.Random(seed).sample(rows, count)]


class Bolt:
    """The ArcadeDB server of scripts/arcadedb_server.py (or the one $TSUNAGU_BOLT_URI names)."""

    def __init__(self, work):
        self.directory = None
        if not os.environ.get("TSUNAGU_BOLT_URI"):
            import importlib.util
            import socket

            spec = importlib.util.spec_from_file_location("arcadedb_server", ROOT / "scripts" / "arcadedb_server.py")
            self.server = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.server)
            ports = []
            for _ in range(2):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    ports.append(s.getsockname()[1])
            self.directory = work / "arcadedb"
            env = self.server.start(self.directory, bolt_port=ports[0], http_port=ports[1])
            os.environ.update(env)
        self.uri = os.environ["TSUNAGU_BOLT_URI"]
        self.options = ["--user", os.environ.get("TSUNAGU_BOLT_USER", "neo4j")]
        if os.environ.get("TSUNAGU_BOLT_DATABASE"):
            self.options += ["--database", os.environ["TSUNAGU_BOLT_DATABASE"]]

    def stop(self):
        if self.directory:
            self.server.stop(self.directory)


def bench_tree(label, tree, args, work, inputs, bolt):
    results = {"tree": str(tree)}
    work = work / label
    work.mkdir(parents=True, exist_ok=True)
    homes = {}
    _log(f"[{label}] {tree}")
    if not args.no_embedded:
        homes["embedded"] = work / "home-embedded"
        results["embedded"] = {"build": measure_builds("embedded", tree, [], args.build_repeats, work, homes["embedded"])}
        if not args.builds_only:
            results["embedded"]["diagram_all"] = diagram_all(tree, homes["embedded"], args.repeats, work)
    datasets = []
    if not args.no_national:
        # the same inputs in every tree (list + census), then the national directory where the tree reads it
        argv = ["--municipalities", str(MUNICIPALITIES), "--population", str(POPULATION)]
        places = sample_codes(MUNICIPALITIES, max(args.repeats, 5))
        results["national"] = {"argv": argv}
        datasets.append(("national", argv, places))
        extra = national_sources(tree, work)
        if extra and not args.quick:
            results["directory"] = {"argv": argv + extra}
            datasets.append(("directory", argv + extra, places))
    for scale in args.scale_list:
        csv_path, yaml_paths = inputs[scale]
        datasets.append((f"{scale}x", ["--municipalities", str(csv_path), *map(str, yaml_paths)],
                         sample_codes(csv_path, max(args.repeats, 5))))
    for name, argv, places in datasets:
        home = homes[name] = work / f"home-{name}"
        repeats = args.build_repeats if name in ("national", "directory", "1x") else args.large_build_repeats
        entry = results.setdefault(name, {})
        entry["build"] = measure_builds(name, tree, argv, repeats, work, home)
        if "error" in entry["build"] or args.builds_only:
            shutil.rmtree(home, ignore_errors=True)
            continue
        _log(f"  cold commands over {name} ...")
        entry["cold"] = cold_commands(tree, home, places, args.repeats, work)
        _log(f"  warm library over {name} ...")
        entry["warm"] = warm(tree, home, places, args.calls, work)
        if args.sparql and name in ("national", "directory", "1x"):
            _log(f"  rdflib SPARQL over {name} ...")
            entry["sparql"] = warm(tree, home, places, args.calls, work, sparql=args.sparql)
        if bolt and name != "directory" and _has_option(tree, "refer", "--backend", work):
            _log(f"  Bolt push and refer --backend over {name} ...")
            push = run_process(["push", bolt.uri, *bolt.options, "--replace", "--batch-size", "2000"], tree=tree, home=home,
                               cwd=work)
            entry["bolt_push"] = _median_of([push])
            entry["bolt_refer_cold"] = _median_of([run_process(["refer", places[i % len(places)], "--age", "45", "--need",
                                                                "employment", "--backend", bolt.uri, *bolt.options],
                                                               tree=tree, home=home, cwd=work) for i in range(args.repeats)])
            entry["bolt_warm"] = warm(tree, home, places, max(20, args.calls // 5), work, backend=bolt.uri)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    return results


# ---------------------------------------------------------------- the table

def _get(result, *path):
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def rows(results, datasets):
    """(label, [value per tree], format) for every measure some tree has."""
    out = []

    def row(label, path, fmt, scale=1.0):
        values = [_get(r, *path) for r in results.values()]
        values = [v * scale if isinstance(v, (int, float)) else v for v in values]
        if any(v is not None for v in values):
            out.append((label, values, fmt))

    row("embedded: build, wall (s)", ("embedded", "build", "wall_s"), "{:.2f}")
    row("embedded: build, CPU (s)", ("embedded", "build", "cpu_s"), "{:.2f}")
    row("embedded: build, peak memory (MB)", ("embedded", "build", "rss_mb"), "{:.0f}")
    row("embedded: diagram --all, wall (s)", ("embedded", "diagram_all", "wall_s"), "{:.2f}")
    row("embedded: diagram --all, files", ("embedded", "diagram_all", "files"), "{:.0f}")
    row("embedded: diagram --all, size (MB)", ("embedded", "diagram_all", "size_mb"), "{:.1f}")
    for name in datasets:
        title = {"national": "real national (list + census)",
                 "directory": "real national directory (list + census + --source lists)"}.get(name, f"synthetic {name}")
        row(f"{title}: build, wall (s)", (name, "build", "wall_s"), "{:.1f}")
        row(f"{title}: build, CPU (s)", (name, "build", "cpu_s"), "{:.1f}")
        row(f"{title}: build, peak memory (MB)", (name, "build", "rss_mb"), "{:.0f}")
        row(f"{title}: build, peak memory of its processes together (MB)", (name, "build", "all_mb"), "{:.0f}")
        row(f"{title}: build runs", (name, "build", "runs"), "{:.0f}")
        for what, key, form, scale in (("wall (ms)", "wall_s", "{:.0f}", 1000), ("CPU (ms)", "cpu_s", "{:.0f}", 1000),
                                       ("peak memory (MB)", "rss_mb", "{:.0f}", 1)):
            for command in ("refer", "coverage", "gaps", "tally", "rollup", "map", "show", "diagram"):
                row(f"{title}: cold `{_COMMAND_SHOWN.get(command, command)}` process, {what}",
                    (name, "cold", command, key), form, scale)
        for what, key in (("median wall (ms)", "median_ms"), ("median CPU (ms)", "cpu_median_ms")):
            for question in ("refer", "coverage", "gaps", "tally", "rollup", "map", "show"):
                row(f"{title}: warm {_QUESTION_SHOWN.get(question, question)}, {what}", (name, "warm", question, key),
                    "{:.3f}")
        row(f"{title}: warm refer, p95 (ms)", (name, "warm", "refer", "p95_ms"), "{:.3f}")
        row(f"{title}: refer, each municipality asked once, median (ms)", (name, "warm", "refer_first", "median_ms"), "{:.3f}")
        row(f"{title}: refer, each municipality asked once, p95 (ms)", (name, "warm", "refer_first", "p95_ms"), "{:.3f}")
        row(f"{title}: warm library process, peak memory (MB)", (name, "warm", "process_rss_mb"), "{:.0f}")
        row(f"{title}: rdflib SPARQL refer, median wall (ms)", (name, "sparql", "sparql_refer", "median_ms"), "{:.1f}")
        row(f"{title}: rdflib SPARQL refer, median CPU (ms)", (name, "sparql", "sparql_refer", "cpu_median_ms"), "{:.1f}")
        row(f"{title}: rdflib SPARQL, load RDF (s)", (name, "sparql", "rdf_load_s"), "{:.2f}")
        row(f"{title}: rdflib SPARQL process, peak memory (MB)", (name, "sparql", "process_rss_mb"), "{:.0f}")
        row(f"{title}: Bolt push (s)", (name, "bolt_push", "wall_s"), "{:.1f}")
        row(f"{title}: Bolt cold `refer --backend` process (ms)", (name, "bolt_refer_cold", "wall_s"), "{:.0f}", 1000)
        row(f"{title}: Bolt warm refer, median (ms)", (name, "bolt_warm", "refer", "median_ms"), "{:.2f}")
        row(f"{title}: Bolt warm coverage, median (ms)", (name, "bolt_warm", "coverage", "median_ms"), "{:.2f}")
        row(f"{title}: Bolt refer, each municipality asked once, median (ms)",
            (name, "bolt_warm", "refer_first", "median_ms"), "{:.2f}")
    return out


def _cell(value, fmt):
    if value is None:
        return "-"
    if isinstance(value, (int, float)):
        return fmt.format(value)
    return "failed"


def print_table(results, datasets, args):
    labels = list(results)
    header = "| measure | " + " | ".join(labels) + (f" | {labels[-1]} / {labels[0]} |" if len(labels) > 1 else " |")
    print(header)
    print("|" + "---|" * (len(labels) + 1 + (len(labels) > 1)))
    for label, values, fmt in rows(results, datasets):
        cells = [_cell(v, fmt) for v in values]
        if len(labels) > 1:
            first, last = values[0], values[-1]
            ratio = f"{last / first:.2f}x" if isinstance(first, (int, float)) and isinstance(last, (int, float)) and first else "-"
            cells.append(ratio)
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("Ratios within each tree, from this run:")
    for label, result in results.items():
        parts = []
        for name in datasets:
            embedded = _get(result, name, "warm", "refer", "median_ms")
            sparql = _get(result, name, "sparql", "sparql_refer", "median_ms")
            bolt = _get(result, name, "bolt_warm", "refer", "median_ms")
            if embedded and sparql:
                parts.append(f"{name}: rdflib SPARQL refer / warm embedded refer = {sparql / embedded:,.0f}x (wall)")
            cpu_embedded = _get(result, name, "warm", "refer", "cpu_median_ms")
            cpu_sparql = _get(result, name, "sparql", "sparql_refer", "cpu_median_ms")
            if cpu_embedded and cpu_sparql:
                parts.append(f"{name}: rdflib SPARQL refer / warm embedded refer = {cpu_sparql / cpu_embedded:,.0f}x (CPU)")
            if embedded and bolt:
                parts.append(f"{name}: Bolt warm refer / warm embedded refer = {bolt / embedded:,.1f}x "
                             f"(the same places asked again: both answer from memory)")
            embedded_first = _get(result, name, "warm", "refer_first", "median_ms")
            bolt_first = _get(result, name, "bolt_warm", "refer_first", "median_ms")
            if embedded_first and bolt_first:
                parts.append(f"{name}: Bolt refer / embedded refer, each municipality asked once = "
                             f"{bolt_first / embedded_first:,.1f}x")
        scales = [n for n in datasets if n.endswith("x")]
        for later in scales[1:]:
            for what, path in (("build wall", ("build", "wall_s")), ("build memory", ("build", "rss_mb")),
                               ("build memory of its processes together", ("build", "all_mb")),
                               ("cold refer", ("cold", "refer", "wall_s")), ("cold gaps", ("cold", "gaps", "wall_s")),
                               ("warm refer", ("warm", "refer", "median_ms"))):
                a, b = _get(result, scales[0], *path), _get(result, later, *path)
                if a and b:
                    parts.append(f"{what} {later} / {scales[0]} = {b / a:.1f}x")
        print(f"- {label}: " + ("; ".join(parts) if parts else "(none)"))
    print()
    print(f"Medians of {args.repeats} cold runs and of {args.calls} warm calls (gaps, tally: {max(10, args.calls // 10)}); builds: "
          f"embedded, national and 1x {args.build_repeats} runs, larger scales {args.large_build_repeats} run{'s' if args.large_build_repeats > 1 else ''}. {os.cpu_count()} cores, load average "
          f"{args.load_before} before and {' '.join(f'{x:.1f}' for x in os.getloadavg())} after; Python {sys.version.split()[0]}. "
          "Synthetic data are made up (bench/synthetic_files.py); the national build reads /work/shared/data.")


def print_steps(results, datasets):
    """Each tree's build steps side by side over the datasets, with the growth of the last over the first."""
    for label, result in results.items():
        names = [n for n in datasets if _get(result, n, "build", "steps")]
        if not names:
            continue
        steps = {n: {s["name"]: s for s in _get(result, n, "build", "steps")} for n in names}
        order = list(dict.fromkeys(s for n in names for s in steps[n]))
        print()
        print(f"Build steps, {label} (one build each; CPU counts the forked children a step waited for; "
              "peak is the process's high-water mark by the step's end, its children's in brackets):")
        head = [f"{n} {what}" for n in names for what in ("wall s", "CPU s", "peak MB")]
        scales = [n for n in names if n.endswith("x")]
        growth = len(scales) > 1
        if growth:
            head += [f"{scales[-1]}/{scales[0]} {what}" for what in ("wall", "CPU")]
        print("| step | " + " | ".join(head) + " |")
        print("|---|" + "---|" * len(head))
        totals = {n: [0.0, 0.0] for n in names}
        for step in order + ["total"]:
            cells = []
            for n in names:
                if step == "total":
                    record = {"wall_s": totals[n][0], "cpu_s": totals[n][1], "peak_mb": _get(result, n, "build", "rss_mb")}
                else:
                    record = steps[n].get(step)
                    if record:
                        totals[n][0] += record["wall_s"]
                        totals[n][1] += record["cpu_s"]
                if not record:
                    cells += ["-"] * 3
                    continue
                child = record.get("child_peak_mb")
                cells += [f"{record['wall_s']:.2f}", f"{record['cpu_s']:.2f}",
                          f"{record['peak_mb']:.0f}" + (f" ({child:.0f})" if child else "")]
            if growth:
                first = totals[scales[0]] if step == "total" else [steps[scales[0]].get(step, {}).get(k) for k in ("wall_s", "cpu_s")]
                last = totals[scales[-1]] if step == "total" else [steps[scales[-1]].get(step, {}).get(k) for k in ("wall_s", "cpu_s")]
                cells += [f"{b / a:.1f}x" if a and b else "-" for a, b in zip(first, last, strict=True)]
            print(f"| {step} | " + " | ".join(cells) + " |")
        if growth:
            a, b = _get(result, scales[0], "build", "rss_mb"), _get(result, scales[-1], "build", "rss_mb")
            if a and b:
                print(f"(build process peak memory {scales[-1]}/{scales[0]} = {b / a:.1f}x; total row: peak of the process)")
        together = [f"{n} {_get(result, n, 'build', 'all_mb'):.0f} MB" for n in names if _get(result, n, "build", "all_mb")]
        if together:
            print("(the build's processes together, at their highest: " + ", ".join(together) + ")")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="embedded and real national (list + census) only, 3 runs (under 2 minutes)")
    parser.add_argument("--scales", default="1,10", help="synthetic scales to build from files (default 1,10; '' for none)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each cold command (median)")
    parser.add_argument("--build-repeats", type=int, default=3, help="runs of the embedded, national and 1x builds (median)")
    parser.add_argument("--large-build-repeats", type=int, default=1, metavar="N",
                        help="runs of the builds at larger scales (median; a 10x build is a minute)")
    parser.add_argument("--calls", type=int, default=200, help="warm calls per question (median)")
    parser.add_argument("--sparql", type=int, default=20, help="rdflib SPARQL referral calls (0: none)")
    parser.add_argument("--before", metavar="COMMIT", help="also measure this commit (git archive into a temporary folder)")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH", help="measure another source tree too")
    parser.add_argument("--no-national", action="store_true", help="skip the real national build")
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded build and diagram --all")
    parser.add_argument("--builds-only", action="store_true", help="time the builds (and their steps) only, no queries")
    parser.add_argument("--working-tree", action="store_true", help="measure the working tree as it is (default: a snapshot of HEAD)")
    parser.add_argument("--bolt", action="store_true", help="push and refer --backend against ArcadeDB (national and each synthetic scale)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the built homes (in the temporary folder)")
    args = parser.parse_args()
    if args.quick:
        args.scales, args.repeats, args.build_repeats, args.calls, args.sparql = "", 3, 1, 50, 3
    args.scale_list = [int(s) for s in args.scales.split(",") if s.strip()]
    args.load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    trees = []
    if args.before:
        before = work / "before-tree"
        before.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        trees.append((f"before ({args.before[:8]})", before))
    for spec in args.tree:
        label, _, path = spec.partition("=")
        trees.append((label, Path(path).resolve()))
    if not args.working_tree:
        # a snapshot of HEAD: edits made in the working tree during the run would change the build's fingerprint
        # and make later commands rebuild (timing a build where a query was meant)
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        snapshot = work / "head-tree"
        snapshot.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
        trees.append((f"HEAD ({head})", snapshot))
    else:
        trees.append(("working tree", ROOT))
    inputs = {}
    from bench.synthetic_files import write_inputs

    for scale in args.scale_list:
        _log(f"writing synthetic inputs at {scale}x ...")
        csv_path, yaml_paths, counts = write_inputs(work / f"inputs-{scale}x", scale, SEED, MUNICIPALITIES)
        inputs[scale] = (csv_path, yaml_paths)
        _log(f"  {counts}")
    bolt = Bolt(work) if args.bolt else None
    results = {}
    try:
        for label, tree in trees:
            results[label] = bench_tree(label.split(" ")[0], tree, args, work, inputs, bolt)
    finally:
        if bolt:
            bolt.stop()
    datasets = (["national", "directory"] if not args.no_national else []) + [f"{s}x" for s in args.scale_list]
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(results, datasets, args)
    print_steps(results, datasets)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        _log(f"kept {work}")


if __name__ == "__main__":
    main()
