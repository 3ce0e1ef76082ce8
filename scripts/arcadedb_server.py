#!/usr/bin/env python3
"""Start and stop an ArcadeDB server with its Bolt plugin, on 127.0.0.1, by PID.

ArcadeDB speaks Bolt as a Neo4j 5-compatible server; PyPI's arcadedb-embedded
ships its jars and a Java runtime of its own (the machine's Java 17 is too
old for them). Used by .ci/run and by the test fixture.

    python scripts/arcadedb_server.py start DIR [--bolt-port 27687] [--http-port 24800] [--database tsunagu]
    python scripts/arcadedb_server.py stop DIR

``start`` prints shell ``export`` lines for TSUNAGU_BOLT_URI, _USER,
_PASSWORD and _DATABASE. The password is read from $TSUNAGU_BOLT_PASSWORD,
or made up and written (mode 600) to DIR/password.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

READY_LINE = "ArcadeDB Server started"


def package_dir():
    import arcadedb_embedded

    return Path(arcadedb_embedded.__file__).parent


def start(directory, bolt_port=27687, http_port=24800, database="tsunagu", timeout=90):
    directory = Path(directory).resolve()
    (directory / "root").mkdir(parents=True, exist_ok=True)
    (directory / "databases").mkdir(parents=True, exist_ok=True)
    password_file = directory / "password"
    password = os.environ.get("TSUNAGU_BOLT_PASSWORD") or secrets.token_urlsafe(16)
    password_file.write_text(password)
    password_file.chmod(0o600)
    package = package_dir()
    command = [
        str(package / "jre" / "bin" / "java"), "-Xmx1g", "-cp", str(package / "jars") + "/*",
        f"-Darcadedb.server.rootPath={directory / 'root'}",
        f"-Darcadedb.server.databaseDirectory={directory / 'databases'}",
        f"-Darcadedb.server.rootPassword={password}",
        "-Darcadedb.server.httpIncomingHost=127.0.0.1",
        f"-Darcadedb.server.httpIncomingPort={http_port}",
        "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "-Darcadedb.bolt.host=127.0.0.1",
        f"-Darcadedb.bolt.port={bolt_port}",
        f"-Darcadedb.server.defaultDatabases={database}[root]",
        f"-Darcadedb.bolt.defaultDatabase={database}",
        "com.arcadedb.server.ArcadeDBServer",
    ]
    log = directory / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=directory, start_new_session=True)
    (directory / "server.pid").write_text(str(process.pid))
    # The port opens about 2 s before the database exists: wait for the log line.
    deadline = time.monotonic() + timeout
    while READY_LINE not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(directory)
            sys.exit(f"ArcadeDB did not start; see {log}")
        time.sleep(0.25)
    return {"TSUNAGU_BOLT_URI": f"bolt://127.0.0.1:{bolt_port}", "TSUNAGU_BOLT_USER": "root",
            "TSUNAGU_BOLT_PASSWORD": password, "TSUNAGU_BOLT_DATABASE": database}


def stop(directory, timeout=30):
    pid_file = Path(directory) / "server.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.2)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_file.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("directory")
    parser.add_argument("--bolt-port", type=int, default=27687)
    parser.add_argument("--http-port", type=int, default=24800)
    parser.add_argument("--database", default="tsunagu")
    args = parser.parse_args()
    if args.action == "start":
        for name, value in start(args.directory, args.bolt_port, args.http_port, args.database).items():
            print(f"export {name}={value}")
    else:
        stop(args.directory)


if __name__ == "__main__":
    main()
