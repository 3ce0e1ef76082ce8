"""The Bolt backend against a real server (ArcadeDB speaking Bolt): push, parity, errors."""

import itertools
import json
import os
import subprocess
import sys

import pytest

from tsunagu.bolt import BoltBackend, bolt_errors, connect, push_graph
from tsunagu.bolt.push import FORMAT, MARKER, REACH
from tsunagu.cli import cli
from tsunagu.exceptions import BoltError, NameNotFound
from tsunagu.queries.coverage import coverage_matrix
from tsunagu.queries.duties import duty_rollup, duty_statuses
from tsunagu.rules.reach import municipality_nodes
from conftest import answer_of


@pytest.fixture(scope="module")
def pushed(bolt_server, graph):
    push_graph(graph, bolt_server["uri"], user=bolt_server["user"], password=bolt_server["password"],
               database=bolt_server["database"], replace=True)
    return bolt_server


@pytest.fixture(scope="module")
def backend(pushed):
    with BoltBackend(pushed["uri"], user=pushed["user"], password=pushed["password"], database=pushed["database"]) as b:
        yield b


def _dump(server):
    """Everything tsunagu wrote, as comparable data."""
    driver = connect(server["uri"], server["user"], server["password"], server["database"])
    try:
        with driver.session(database=server["database"]) as session:
            nodes = sorted(json.dumps(r["n"], sort_keys=True, ensure_ascii=False)
                           for r in session.run("MATCH (n:Tsunagu) RETURN properties(n) AS n").data())
            edges = sorted(json.dumps(r, sort_keys=True) for r in session.run(
                "MATCH (a:Tsunagu)-[r:LINK]->(b:Tsunagu) RETURN a.key AS a, properties(r) AS r, b.key AS b").data())
    finally:
        driver.close()
    return nodes, edges


def _env(server):
    return dict(os.environ, TSUNAGU_BOLT_PASSWORD=server["password"], TSUNAGU_BOLT_USER=server["user"])


def _push_args(server, *extra):
    args = ["push", server["uri"]] + list(extra)
    return args + (["--database", server["database"]] if server["database"] else [])


def test_push_is_idempotent(seeds_cache, pushed, graph, runner):
    first = _dump(pushed)
    assert (len(first[0]), len(first[1])) == (graph.number_of_nodes(), graph.number_of_edges())
    result = runner.invoke(cli, _push_args(pushed, "--format", "json"), env=_env(pushed))
    assert result.exit_code == 0, result.output
    assert pushed["password"] not in result.output
    counts = json.loads(result.stdout)[0]
    assert (counts["nodes"], counts["edges"]) == (graph.number_of_nodes(), graph.number_of_edges())
    assert _dump(pushed) == first


def test_each_municipality_holds_the_keys_of_its_stored_reach_subgraph(pushed, compiled):
    with _open(pushed) as server:
        gen, cut = server.gen, len(server.prefix)
    driver = connect(pushed["uri"], pushed["user"], pushed["password"], pushed["database"])
    try:
        with driver.session(database=pushed["database"]) as session:
            rows = session.run(f"MATCH (n:Tsunagu {{gen: $gen}}) WHERE n.{REACH} IS NOT NULL "
                               f"RETURN n.key AS key, n.{REACH} AS reach", gen=gen).data()
    finally:
        driver.close()
    assert {row["key"][cut:]: sorted(key[cut:] for key in row["reach"]) for row in rows} == \
        {municipality: sorted(sub.nodes) for municipality, (sub, _) in compiled.reach_graphs.items()}


def test_backend_refuses_a_graph_pushed_in_another_format(pushed):
    driver = connect(pushed["uri"], pushed["user"], pushed["password"], pushed["database"])
    try:
        with driver.session(database=pushed["database"]) as session:
            def set_format(number):
                session.execute_write(lambda tx: tx.run("MATCH (m:TsunaguMeta {key: $key}) SET m.format = $format",
                                                        key=MARKER, format=number).consume())

            set_format(FORMAT - 1)
            try:
                with pytest.raises(BoltError, match="pushed by another version of tsunagu; run `tsunagu push .* --replace`"):
                    _open(pushed)
            finally:
                set_format(FORMAT)
    finally:
        driver.close()
    with _open(pushed) as server:
        assert server.marker["format"] == FORMAT


_KILLER = (
    "import os, signal, sys\n"
    "from tsunagu.compile import current_graph\n"
    "from tsunagu.bolt import push_graph\n"
    "done = [0]\n"
    "def progress(n):\n"
    "    done[0] += 1\n"
    "    if done[0] == 7:\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
    "push_graph(current_graph(), sys.argv[1], user=sys.argv[2], password=os.environ['TSUNAGU_BOLT_PASSWORD'],\n"
    "           database=sys.argv[3] or None, replace=sys.argv[4] == 'replace', batch_size=10, progress=progress)\n"
)


def _killed_push(server, tmp_path, replace):
    """Start a push of the seeds' build (the test's ``seeds_cache``) and kill the pushing process itself
    after a few batches."""
    env = _env(server)
    run = subprocess.run([sys.executable, "-c", _KILLER, server["uri"], server["user"], server["database"] or "",
                          "replace" if replace else "add"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == -9, run.stderr


def test_interrupted_push_run_again_ends_as_one_clean_push(seeds_cache, pushed, graph, tmp_path):
    clean = _dump(pushed)
    # A replace push writes beside the graph served: killed, it leaves that graph whole and served.
    _killed_push(pushed, tmp_path, replace=True)
    half = _dump(pushed)
    assert graph.number_of_nodes() < len(half[0]) < 2 * graph.number_of_nodes() and half[1] == clean[1]
    with _open(pushed) as server:
        small, walk = server.reach_graph("ino")
        assert answer_of(small, "ino", 45, ["employment"], walk) == answer_of(graph, "ino", 45, ["employment"])
    push_graph(graph, pushed["uri"], user=pushed["user"], password=pushed["password"], database=pushed["database"])
    assert _dump(pushed) == clean


def _open(server):
    return BoltBackend(server["uri"], user=server["user"], password=server["password"], database=server["database"])


def test_backend_refuses_a_half_pushed_graph(seeds_cache, pushed, graph, tmp_path, runner):
    # A push into the graph being served takes its completion marker away while it writes.
    _killed_push(pushed, tmp_path, replace=False)
    with pytest.raises(BoltError, match="holds no complete tsunagu graph: a push is running or did not finish"):
        _open(pushed)
    result = runner.invoke(cli, ["gaps", "--backend", pushed["uri"], "--user", pushed["user"]]
                           + (["--database", pushed["database"]] if pushed["database"] else []), env=_env(pushed))
    assert result.exit_code == 1 and "no complete tsunagu graph" in result.output and "Traceback" not in result.output
    push_graph(graph, pushed["uri"], user=pushed["user"], password=pushed["password"], database=pushed["database"])
    with _open(pushed) as server:
        assert server.resolve("いの町", types={"Municipality"}) == "ino"


def test_backend_refuses_a_graph_that_lost_nodes_since_its_push(pushed, graph):
    with _open(pushed) as server:
        stored_key = server.prefix + "ino"
    driver = connect(pushed["uri"], pushed["user"], pushed["password"], pushed["database"])
    try:
        with driver.session(database=pushed["database"]) as session:
            session.execute_write(lambda tx: tx.run("MATCH (n:Tsunagu {key: $key}) DETACH DELETE n",
                                                    key=stored_key).consume())
        with pytest.raises(BoltError, match=f"holds {graph.number_of_nodes() - 1} tsunagu nodes, but its last "
                                            f"complete push wrote {graph.number_of_nodes()}"):
            _open(pushed)
        push_graph(graph, pushed["uri"], driver=driver, database=pushed["database"])
    finally:
        driver.close()
    with _open(pushed) as server:
        assert server.resolve("ino", types={"Municipality"}) == "ino"


def test_replace_deletes_only_what_tsunagu_wrote(pushed, graph):
    driver = connect(pushed["uri"], pushed["user"], pushed["password"], pushed["database"])
    try:
        with driver.session(database=pushed["database"]) as session:
            session.execute_write(lambda tx: tx.run("CREATE (:Foreign {name: 'not ours'})").consume())
            push_graph(graph, pushed["uri"], driver=driver, database=pushed["database"], replace=True)
            foreign = session.run("MATCH (n:Foreign) RETURN count(n) AS c").single()["c"]
            session.execute_write(lambda tx: tx.run("MATCH (n:Foreign) DETACH DELETE n").consume())
    finally:
        driver.close()
    assert foreign == 1
    assert len(_dump(pushed)[0]) == graph.number_of_nodes()


AGES = [3, 20, 45, 55]
NEEDS = [["employment"], ["safe-place"], ["welfare", "health"], ["family-support"], ["consultation"], ["outreach"]]


def test_referral_parity(backend, graph):
    for municipality in municipality_nodes(graph):
        server_graph, walk = backend.reach_graph(municipality)
        for age, needs in itertools.product(AGES, NEEDS):
            assert answer_of(server_graph, municipality, age, needs, walk) == answer_of(graph, municipality, age, needs), \
                (municipality, age, needs)


def test_the_reach_graphs_fetched_last_are_kept(pushed, graph, monkeypatch):
    from tsunagu.store import cache as store

    monkeypatch.setattr(store, "REACH_KEPT", 2)
    first, second, third = municipality_nodes(graph)[:3]
    with _open(pushed) as server:
        kept = server.reach_graph(first)
        assert server.reach_graph(first) is kept
        server.reach_graph(second)
        server.reach_graph(third)  # pushes out the first
        again = server.reach_graph(first)
        assert again is not kept and again[1] == kept[1]


def test_coverage_parity(backend, graph):
    for municipality in municipality_nodes(graph):
        server_graph, walk = backend.reach_graph(municipality)
        for bands in ("chart", "policy"):
            assert coverage_matrix(server_graph, municipality, bands=bands, walk=walk) == \
                coverage_matrix(graph, municipality, bands=bands)


def test_gaps_parity(backend, graph):
    server_graph = backend.duties_graph()
    assert duty_statuses(server_graph) == duty_statuses(graph)
    assert duty_statuses(server_graph, missing="any", kind="town") == duty_statuses(graph, missing="any", kind="town")
    for by in ("kind", "prefecture"):
        assert duty_rollup(server_graph, by=by) == duty_rollup(graph, by=by)


def test_names_on_the_server(backend):
    assert backend.resolve("いのちょう", types={"Municipality"}) == "ino"
    assert backend.resolve("234273") == "tobishima"
    with pytest.raises(NameNotFound) as caught:
        backend.resolve("三原", types={"Municipality"})
    assert caught.value.suggestions == ["三原市 (広島県, 342041, id mihara)"]


def test_cli_backend_answers_match(seeds_cache, pushed, runner):
    server = ["--backend", pushed["uri"], "--user", pushed["user"]] + (
        ["--database", pushed["database"]] if pushed["database"] else [])
    env = _env(pushed)
    for command in (["refer", "飛島村", "--age", "45", "--need", "employment", "--explain"],
                    ["coverage", "--municipality", "三原市"], ["gaps", "--by", "kind"]):
        local = runner.invoke(cli, command + ["--format", "json"], env=env)
        remote = runner.invoke(cli, command + server + ["--format", "json"], env=env)
        assert remote.exit_code == 0, remote.output
        assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_wrong_password(seeds_cache, pushed, runner):
    result = runner.invoke(cli, ["refer", "三原市", "--age", "20", "--need", "safe-place", "--backend", pushed["uri"],
                                 "--user", pushed["user"]], env=_env(pushed) | {"TSUNAGU_BOLT_PASSWORD": "wrong-password"})
    assert result.exit_code == 1
    assert "refused the user name or password" in result.output and "Traceback" not in result.output
    assert "wrong-password" not in result.output


def test_server_down(seeds_cache, runner, pushed):
    from conftest import _free_port

    uri = f"bolt://127.0.0.1:{_free_port()}"
    result = runner.invoke(cli, ["gaps", "--backend", uri], env=_env(pushed))
    assert result.exit_code == 1 and "no Bolt server answers there" in result.output


def test_missing_database(pushed):
    with pytest.raises(BoltError, match="no such database"):
        connect(pushed["uri"], pushed["user"], pushed["password"], "no_such_database_here")


def test_rejected_query(pushed):
    driver = connect(pushed["uri"], pushed["user"], pushed["password"], pushed["database"])
    try:
        with pytest.raises(BoltError, match="rejected the query"):
            with bolt_errors(pushed["uri"]), driver.session(database=pushed["database"]) as session:
                session.run("THIS IS NOT CYPHER").consume()
    finally:
        driver.close()
