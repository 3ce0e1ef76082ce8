"""Referral page latency of ``tsunagu serve`` under concurrent clients, beside the library call it wraps.

    python bench/web.py [--home DIR] [--requests 400] [--clients 1,10,50]

Without --home it builds the national directory from ../shared/data into a
temporary folder first (the build is not timed here; see bench/run.py).
The load goes to 127.0.0.1 only, in a bounded number of requests, and stops
by itself; the server is started and stopped by PID. One run prints one
table: p50/p95 per client count, back to back and with each client pausing
a random time between requests (as caseworkers do; clients in lockstep
would be bursts no office makes), the same with every request for another
municipality (none kept in the server's memory), the server's resident
memory, and the library's own p50 for the same questions in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
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


def _client(port, questions, count, offset, times, errors, think, seed):
    """One caseworker: ``count`` referrals; with ``think``, a random pause (mean ``think`` s) before each,
    so that clients arrive independently, as people do, rather than in lockstep bursts."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for index in range(count):
        if think:
            time.sleep(rng.expovariate(1 / think))  # reading the last answer, talking with the family
        body = _body(questions[(offset + index) % len(questions)])
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                connection.request("POST", "/refer", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(response.status)
                times.append(time.perf_counter() - started)
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                # The server closes a connection idle past its keep-alive (5 s); a browser then
                # sends the request again on a new one, and so does this client, on the same clock.
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                if attempt == 2:
                    errors.append(str(error))
            except OSError as error:
                errors.append(str(error))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                break
    connection.close()


def _load(port, clients, total, think=0.0, questions=QUESTIONS):
    times, errors = [], []
    per_client = max(1, total // clients)
    threads = [threading.Thread(target=_client, args=(port, questions, per_client, i * per_client, times, errors, think, i))
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


def _library_p50(home, rounds, spread):
    """The library's p50 for the bench's questions asked again (their reach graphs kept in memory,
    as in the server) and for municipalities asked for the first time (read from the store)."""
    import tsunagu

    library = tsunagu.open(home)
    for question in QUESTIONS:  # warm: what the server also has after its first requests
        library.refer(question[0], question[1], [question[2]])
    again = []
    for index in range(rounds):
        municipality, age, need = QUESTIONS[index % len(QUESTIONS)]
        started = time.perf_counter()
        library.refer(municipality, age, [need])
        again.append(time.perf_counter() - started)
    first = []
    for municipality, age, need in spread[:rounds]:
        started = time.perf_counter()
        library.refer(municipality, age, [need])
        first.append(time.perf_counter() - started)
    return statistics.median(again), statistics.median(first)


def _spread(home, count):
    """``count`` municipalities drawn across the country (more than the server keeps in memory)."""
    import tsunagu

    places = [p for p in tsunagu.open(home).places() if "Municipality" in p.types]
    return [(p.code, 45, "employment") for p in random.Random(1).sample(places, count)]


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
    spread = _spread(home, min(args.requests, 600))
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
                if think and clients == 1:
                    continue  # one client with a pause is the back-to-back row, slower to run
                times, errors, elapsed = _load(port, clients, args.requests, think)
                rows.append((clients, think, "6", len(times), _percentile(times, 0.5) * 1000,
                             _percentile(times, 0.95) * 1000, len(times) / elapsed, len(errors)))
        clients = max(int(c) for c in args.clients.split(","))
        times, errors, elapsed = _load(port, clients, args.requests, args.think, spread)
        rows.append((clients, args.think, f"{len(spread)}, each once", len(times), _percentile(times, 0.5) * 1000,
                     _percentile(times, 0.95) * 1000, len(times) / elapsed, len(errors)))
        memory = _memory(server.pid)
        again, first = (value * 1000 for value in _library_p50(home, 300, spread[::-1]))
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"referral page, national directory, {os.cpu_count()} cores, requests per row: {args.requests}; "
          f"with a wait, each client pauses a random time (exponential, mean {args.think:g} s) before each request\n")
    print("| clients | wait between requests | municipalities asked | requests | p50 ms | p95 ms | requests/s | errors "
          "| p50 / library p50 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for clients, think, asked, count, p50, p95, rate, errors in rows:
        wait = "none (back to back)" if not think else f"mean {think:g} s"
        library = first if asked != "6" else again
        print(f"| {clients} | {wait} | {asked} | {count} | {p50:.1f} | {p95:.1f} | {rate:.0f} | {errors} "
              f"| {p50 / library:.1f}x |")
    print(f"\nlibrary call (tsunagu.open().refer, same process) p50: {again:.2f} ms for the 6 questions asked again "
          f"(their reach graphs kept in memory, as in the server), {first:.2f} ms for a municipality asked the "
          f"first time; the app adds {rows[0][4] - again:.2f} ms at p50 with one client")
    print(f"server memory: {memory.get('VmRSS', 0)} MB resident, {memory.get('VmHWM', 0)} MB peak")


if __name__ == "__main__":
    main()
