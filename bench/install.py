"""From install to first answer: what a user who installs the wheel waits for, and what the build costs.

    python bench/install.py                      # build this tree's wheel, then measure
    python bench/install.py --wheel dist/tsunagu-0.1.0-py3-none-any.whl --repeats 5
    python bench/install.py --before 44476d0     # beside it: that commit's way, a --source build from ../shared

What is timed, each in a fresh virtual environment and a fresh home, from a folder with no ../shared:
- ``pip install`` of the wheel, its dependencies taken from a local wheelhouse made once beforehand (so
  the network is not timed; ``--no-index``);
- the first ``tsunagu refer 那覇市 --age 45 --need employment`` (it unpacks the build the wheel carries);
- each later ``refer`` process (median of ``--calls``), cold and warm, for 那覇市 and four other towns;
- the wheel's size; the default build (``tsunagu build``: the seeds and every carried list) as a process
  with 1 and 2 jobs: wall, CPU and peak memory (the larger of a build's two processes).
With ``--before COMMIT``: that commit's tree (a git worktree) builds the national directory as its README
said, ``tsunagu build --source ...`` from ``../shared/data``, then answers the same refer; both side by side.

Memory is each process's own peak resident set (``ru_maxrss`` from ``wait4``). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REFER = ["refer", "那覇市", "--age", "45", "--need", "employment"]
OTHERS = ["倶知安町", "いの町", "三原市", "飛島村"]


def timed(command, *, env=None, cwd=None, timeout=3600):
    """(wall s, cpu s, peak MB of the process or its largest child, return code, stderr tail)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-400:]
    # a build forks a second process: RUSAGE_CHILDREN of this process would mix runs, so the child's own
    # peak is ru_maxrss (Linux counts a waited-for child's largest descendant there too)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, tail


def _check(result, what):
    if result[3] != 0:
        raise SystemExit(f"{what} failed ({result[3]}): {result[4]}")
    return result


def build_wheel(work):
    folder = work / "dist"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(folder)],
                   check=True)
    print(f"built the wheel in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return next(folder.glob("tsunagu-*.whl"))


def wheelhouse(wheel, work):
    """The wheel's dependencies as wheels in a local folder (made once, not timed)."""
    folder = work / "wheelhouse"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", f"{wheel}[web]", "-w", str(folder)], check=True)
    return folder


def install_and_answer(wheel, house, work, calls):
    """One fresh venv: pip install, the first refer, later refers."""
    venv = Path(tempfile.mkdtemp(dir=work, prefix="venv-"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = _check(timed([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(house),
                            f"{wheel}[web]"]), "pip install")
    home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
    cwd = Path(tempfile.mkdtemp(dir=work, prefix="cwd-"))  # no ../shared beside it
    env = dict(os.environ, HOME=str(home), TSUNAGU_HOME=str(home / "cache"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("TSUNAGU_SNAPSHOT", None)
    env.pop("TSUNAGU_DATA", None)
    tsunagu = str(venv / "bin" / "tsunagu")
    first = _check(timed([tsunagu, *REFER], env=env, cwd=cwd), "first refer")
    later = [_check(timed([tsunagu, *REFER], env=env, cwd=cwd), "refer")[0] for _ in range(calls)]
    others = [_check(timed([tsunagu, "refer", town, "--age", "45", "--need", "employment"], env=env, cwd=cwd),
                     "refer")[0] for town in OTHERS for _ in range(max(1, calls // 4))]
    memory = _check(timed([tsunagu, *REFER], env=env, cwd=cwd), "refer")[2]
    builds = {}
    for jobs in (1, 2):
        shutil.rmtree(home / f"build-{jobs}", ignore_errors=True)
        builds[jobs] = _check(timed([tsunagu, "build", "--jobs", str(jobs)],
                                    env=dict(env, TSUNAGU_HOME=str(home / f"build-{jobs}")), cwd=cwd), "build")
    return {"install": install[0], "first": first[0], "first_mb": first[2], "later": statistics.median(later),
            "others": statistics.median(others), "refer_mb": memory, "builds": builds}


def before(commit, work):
    """That commit's way: a --source build from ../shared/data, then the same refer (as processes)."""
    tree = work / f"tree-{commit}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), commit], check=True,
                   capture_output=True)
    try:
        home = work / f"home-{commit}"
        env = dict(os.environ, TSUNAGU_HOME=str(home), PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
        sources = [f"--source=municipalities={SHARED / 'localgovjp' / 'localgovjp-utf8.csv'}",
                   f"--source=population={SHARED / 'population_jp' / 'population_jp_2015_detail.csv'}",
                   f"--source=fukushi_portal={SHARED / 'fukushi_portal'}", f"--source=hokenjo={SHARED / 'hokenjo'}",
                   f"--source=mhlw_jiritsu_2023={SHARED / 'mhlw_jiritsu_2023'}"]
        build = _check(timed([sys.executable, "-m", "tsunagu", "build", *sources], env=env, cwd=work), "before: build")
        refers = [_check(timed([sys.executable, "-m", "tsunagu", *REFER], env=env, cwd=work), "before: refer")[0]
                  for _ in range(5)]
        return {"build": build, "refer": statistics.median(refers)}
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="measure this wheel instead of building one from the tree")
    parser.add_argument("--repeats", type=int, default=3, help="fresh installs (median of each figure)")
    parser.add_argument("--calls", type=int, default=8, help="later refer processes per install")
    parser.add_argument("--before", help="a commit to measure beside it (its --source build from ../shared/data)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tsunagu-install-") as folder:
        work = Path(folder)
        wheel = args.wheel.resolve() if args.wheel else build_wheel(work)
        size = wheel.stat().st_size / 1e6
        house = wheelhouse(wheel, work)
        runs = [install_and_answer(wheel, house, work, args.calls) for _ in range(args.repeats)]
        old = before(args.before, work) if args.before else None

    def median(key, sub=None):
        values = [run[key] if sub is None else run["builds"][sub[0]][sub[1]] for run in runs]
        return statistics.median(values)

    install, first = median("install"), median("first")
    print(f"wheel: {wheel.name}, {size:.1f} MB" if args.wheel else f"wheel: {wheel.name} (built from this tree), {size:.1f} MB")
    print(f"median of {args.repeats} fresh installs; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    print()
    print("| measure | this tree |" + (f" {args.before}: --source build |" if old else ""))
    print("|---|---|" + ("---|" if old else ""))
    rows = [
        ("pip install of the wheel (dependencies from a local wheelhouse), wall (s)", f"{install:.2f}", "-"),
        ("first refer 那覇市 (unpacks the carried build), wall (s)", f"{first:.2f}", "-"),
        ("install to first answer, wall (s)", f"{install + first:.2f}",
         f"{old['build'][0] + old['refer']:.2f} (build + refer)" if old else "-"),
        ("first refer, peak memory (MB)", f"{median('first_mb'):.0f}", "-"),
        ("each later refer 那覇市 process, median wall (ms)", f"{median('later') * 1000:.0f}",
         f"{old['refer'] * 1000:.0f}" if old else "-"),
        ("refer process for 4 other towns, median wall (ms)", f"{median('others') * 1000:.0f}", "-"),
        ("refer process, peak memory (MB)", f"{median('refer_mb'):.0f}", "-"),
        ("national build, 1 job, wall (s)", f"{median('builds', (1, 0)):.1f}", "-"),
        ("national build, 1 job, peak memory (MB)", f"{median('builds', (1, 2)):.0f}", "-"),
        ("national build, 2 jobs, wall (s)", f"{median('builds', (2, 0)):.1f}",
         f"{old['build'][0]:.1f}" if old else "-"),
        ("national build, 2 jobs, CPU (s)", f"{median('builds', (2, 1)):.1f}", f"{old['build'][1]:.1f}" if old else "-"),
        ("national build, 2 jobs, peak memory (MB)", f"{median('builds', (2, 2)):.0f}",
         f"{old['build'][2]:.0f}" if old else "-"),
        ("wheel size (MB)", f"{size:.1f}", "-"),
    ]
    for label, now, then in rows:
        print(f"| {label} | {now} |" + (f" {then} |" if old else ""))
    if old:
        print()
        print(f"- install to first answer: {(old['build'][0] + old['refer']) / (install + first):.1f}x faster than "
              f"{args.before}'s --source build and refer; each later refer {old['refer'] / median('later'):.2f}x")


if __name__ == "__main__":
    main()
