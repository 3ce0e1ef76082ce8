"""Referral page latency of ``tsunagu serve`` under concurrent clients, beside the library call it wraps.

    python bench/web.py [--home DIR] [--requests 400] [--clients 1,10,50]

Without --home it builds the national directory from ../shared/data into a
temporary folder first (the build is not timed here; see bench/run.py).
The load goes to 127.0.0.1 only, in a bounded number of requests, and stops
by itself; the server is started and stopped by PID. One run prints one
table: p50/p95 per client count, the server's resident memory, and the
library's own p50 for the same question measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTIONS = [("いの町", 45, "employment"), ("三原市", 17, "safe-place"), ("那覇市", 45, "employment"),
             ("飛島村", 52, "employment"), ("札幌市", 30, "consultation"), ("倶知安町", 63, "welfare")]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build(home):
    sources = [f"--municipalities={DATA / 'localgovjp' / 'localgovjp-utf8.csv'}",
               f"--population={DATA / 'population_jp' / 'population_jp_2015_detail.csv'}"]
    help_text = subprocess.run([sys.executable, "-m", "tsunagu", "build", "--help"], capture_output=True, text=True).stdout
    if "--source" in help_text:  # the national directory's lists, where this version reads them
        for name, path in (("fukushi_portal", DATA / "fukushi_portal"), ("hokenjo", DATA / "hokenjo"),
                           ("mhlw_jiritsu_2023", DATA / "mhlw_jiritsu_2023")):
            sources.append(f"--source={name}={path}")
    subprocess.run([sys.executable, "-m", "tsunagu", "build", *sources], check=True, capture_output=True,
                   env=dict(os.environ, TSUNAGU_HOME=str(home)))


def _body(question):
    municipality, age, need = question
    return urllib.parse.urlencode([("municipality", municipality), ("age", str(age)), ("need", need)])


def _client(port, count, offset, times, errors, think):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for index in range(count):
        body = _body(QUESTIONS[(offset + index) % len(QUESTIONS)])
        started = time.perf_counter()
        try:
            connection.request("POST", "/refer", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except OSError as error:
            errors.append(str(error))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        times.append(time.perf_counter() - started)
        if think:
            time.sleep(think)  # a caseworker reads the answer before asking again
    connection.close()


def _load(port, clients, total, think=0.0):
    times, errors = [], []
    per_client = max(1, total // clients)
    threads = [threading.Thread(target=_client, args=(port, per_client, i, times, errors, think))
               for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors, time.perf_counter() - started


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                name, value = line.split(":")
                fields[name] = int(value.split()[0]) // 1024
    return fields


def _library_p50(home, rounds):
    import tsunagu

    library = tsunagu.open(home)
    for question in QUESTIONS:  # warm: what the server also has after its first requests
        library.refer(question[0], question[1], [question[2]])
    times = []
    for index in range(rounds):
        municipality, age, need = QUESTIONS[index % len(QUESTIONS)]
        started = time.perf_counter()
        library.refer(municipality, age, [need])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a built TSUNAGU_HOME (default: build the national directory)")
    parser.add_argument("--requests", type=int, default=400, help="requests per client count")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds each client waits between requests in the office-load rows (0: back to back only)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="tsunagu-web-bench-")) / "cache"
    if args.home is None:
        print(f"building the national directory into {home} ...", file=sys.stderr)
        _build(home)
    port = _free_port()
    env = dict(os.environ, TSUNAGU_HOME=str(home))
    server = subprocess.Popen([sys.executable, "-m", "tsunagu", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        _load(port, 1, 30)  # warm-up, not counted
        rows = []
        thinks = (0.0, args.think) if args.think else (0.0,)
        for think in thinks:
            for clients in (int(c) for c in args.clients.split(",")):
                times, errors, elapsed = _load(port, clients, args.requests, think)
                rows.append((clients, think, len(times), _percentile(times, 0.5) * 1000,
                             _percentile(times, 0.95) * 1000, len(times) / elapsed, len(errors)))
        memory = _memory(server.pid)
        library_ms = _library_p50(home, 300) * 1000
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"referral page, national directory, {os.cpu_count()} cores, requests per row: {args.requests}\n")
    print("| clients | wait between requests | requests | p50 ms | p95 ms | requests/s | errors | p50 / library p50 |")
    print("|---|---|---|---|---|---|---|---|")
    for clients, think, count, p50, p95, rate, errors in rows:
        wait = "none (back to back)" if not think else f"{think:g} s"
        print(f"| {clients} | {wait} | {count} | {p50:.1f} | {p95:.1f} | {rate:.0f} | {errors} | {p50 / library_ms:.1f}x |")
    print(f"\nlibrary call (tsunagu.open().refer, warm, same process) p50: {library_ms:.2f} ms; "
          f"the app adds {rows[0][3] - library_ms:.2f} ms at p50 with one client")
    print(f"server memory: {memory.get('VmRSS', 0)} MB resident, {memory.get('VmHWM', 0)} MB peak")


if __name__ == "__main__":
    main()
