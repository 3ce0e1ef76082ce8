import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TSUNAGU_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
BROKEN = Path(__file__).parent / "broken"
sys.path.insert(0, str(ROOT))  # bench/ is importable from the tests


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch, _national):
    """Every test gets its own cache directory: no test sees another's build. A first command there
    installs the session's default build as a wheel's first command installs the one it carries."""
    monkeypatch.setenv("TSUNAGU_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TSUNAGU_SNAPSHOT", str(_national[0]))
    monkeypatch.setenv("COLUMNS", "100")  # tables are as wide as this says; a test that wants another width sets it
    monkeypatch.delenv("TSUNAGU_DATA", raising=False)


@pytest.fixture(scope="session")
def compiled():
    """The seeds' records alone (no national lists): the small graph most rule tests read."""
    from tsunagu.compile import compile_graph

    return compile_graph(lists=False)


@pytest.fixture(scope="session")
def graph(compiled):
    return compiled.graph


# The national lists the package carries: what the tests read (../shared/data is only their upstream).
LISTS = ROOT / "tsunagu" / "data" / "lists"
LOCALGOV = LISTS / "localgovjp" / "localgovjp-utf8.csv"
POPULATION = LISTS / "population_jp" / "population_jp_2015_detail.csv"
# The one national build the suite makes is the default build (the seeds and every carried list):
# keyword arguments of tsunagu.compile.compiler.build.
NATIONAL_ARGS = {"lists": True}


def need_shared(path=SEEDS):
    """Skip without the shared data (outside CI); in CI its absence is a failure."""
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is not here: CI must have ../shared beside the repo")
        pytest.skip(f"{path} is not here (../shared is beside the repo in CI)")


@pytest.fixture(scope="session")
def _national(tmp_path_factory):
    from tsunagu.compile.compiler import build

    home = tmp_path_factory.mktemp("national") / "cache"
    return home, build(directory=home, **NATIONAL_ARGS)


@pytest.fixture(scope="session")
def national_home(_national):
    """The cache folder of the session's one default build (seeds and the whole country). Read it,
    never build into it: use ``national_cache`` to point the CLI at it."""
    return _national[0]


@pytest.fixture(scope="session")
def national_compiled(_national):
    """The session's default build (the seeds and every carried national list) as :class:`Compiled`."""
    return _national[1]


@pytest.fixture(scope="session")
def national_graph(national_compiled):
    """The networkx graph of the session's national build."""
    return national_compiled.graph


@pytest.fixture(scope="session")
def seeds_home(tmp_path_factory):
    """The cache folder of a session build of the seeds' records alone (``tsunagu build --seeds-only``).
    Read it, never build into it: use ``seeds_cache`` to point the CLI at it."""
    from tsunagu.compile.compiler import build

    home = tmp_path_factory.mktemp("seeds") / "cache"
    build(directory=home, lists=False)
    return home


@pytest.fixture
def seeds_cache(seeds_home, monkeypatch):
    """Query commands in this test answer from the session's seeds-only build (do not run ``build``)."""
    monkeypatch.setenv("TSUNAGU_HOME", str(seeds_home))
    return seeds_home


@pytest.fixture
def national_cache(national_home, monkeypatch):
    """Query commands in this test answer from the session's national build (do not run ``build``)."""
    monkeypatch.setenv("TSUNAGU_HOME", str(national_home))
    return national_home


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


def answer_of(graph, municipality, age, needs, walk=None):
    """The referral answer users get, as JSON-ready data (on a fixed day: a cohort's ages move with it);
    ``walk``: the municipality's precomputed walk, as the facade passes it beside its reach graph."""
    import datetime as dt

    from tsunagu.queries.answers import answer_dict
    from tsunagu.queries.referral import referral_answer

    answer = referral_answer(graph, municipality, age, list(needs), as_of=dt.date(2026, 11, 25), explain=True, walk=walk)
    return answer_dict(answer)


def answer_key(graph, municipality, age, needs, walk=None):
    """What an answer offers, without its contacts and sources: first contact, each option and near miss
    (organisation, program, tier, level and why), comparable across two graphs that cite different rows."""
    data = answer_of(graph, municipality, age, needs, walk)

    def option(o):
        return ((o["organisation"] or {}).get("id"), (o["program"] or {}).get("id"), o["tier"], o["level"],
                tuple(r["code"] for r in o["reasons"]), tuple(r["code"] for r in o["excluded"]))

    first = data["first_contact"]
    return ((first or {}).get("place", {}).get("id"), [option(o) for o in data["options"] + data["fallback"]],
            [option(o) for o in data["near_misses"] or []], [r["code"] for r in data["notes"] + data["next_steps"]])


def seed_text(name):
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed {path} is not here (../shared is beside the repo in CI)")
    return path.read_text(encoding="utf-8")


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory):
    """A Bolt server: yours ($TSUNAGU_BOLT_URI) when the tests run in one process, else an ArcadeDB
    this fixture starts and stops by PID, one per pytest-xdist worker (two workers replacing one
    server's graph at once would read each other's); with CI=true it never skips."""
    if os.environ.get("TSUNAGU_BOLT_URI") and int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) <= 1:
        yield {
            "uri": os.environ["TSUNAGU_BOLT_URI"],
            "user": os.environ.get("TSUNAGU_BOLT_USER", "neo4j"),
            "password": os.environ["TSUNAGU_BOLT_PASSWORD"],
            "database": os.environ.get("TSUNAGU_BOLT_DATABASE"),
        }
        return
    import importlib.util

    if importlib.util.find_spec("arcadedb_embedded") is None:  # the package ships the server jars
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the Bolt tests: set TSUNAGU_BOLT_URI or install arcadedb-embedded")
        pytest.skip("no Bolt server: set TSUNAGU_BOLT_URI/_USER/_PASSWORD, or pip install arcadedb-embedded")
    spec = importlib.util.spec_from_file_location("arcadedb_server", ROOT / "scripts" / "arcadedb_server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    directory = tmp_path_factory.mktemp("arcadedb")
    env = server.start(directory, bolt_port=_free_port(), http_port=_free_port())
    try:
        yield {"uri": env["TSUNAGU_BOLT_URI"], "user": env["TSUNAGU_BOLT_USER"],
               "password": env["TSUNAGU_BOLT_PASSWORD"], "database": env["TSUNAGU_BOLT_DATABASE"]}
    finally:
        server.stop(directory)


@pytest.fixture(scope="module")
def driver():
    """A headless Chromium for the web app's pages (tests/browser.py), one per module."""
    from browser import web_driver

    driver, close = web_driver()
    yield driver
    close()


@pytest.fixture
def http_server():
    """A local HTTP server on 127.0.0.1 that serves a JSON-LD context and records every request.
    Tests of inputs that must never reach the network assert its ``requests`` stays empty."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            requests.append(self.path)
            body = b'{"@context": {"name": "http://www.w3.org/2000/01/rdf-schema#label"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.requests = requests
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_server():
    """A TCP port on 127.0.0.1 that accepts connections and never answers: a fetch from it would hang."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()
