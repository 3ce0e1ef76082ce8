"""The cache: rows that answer without the whole graph, and a cache that says when it is damaged.

One embedded build per module; each test that harms the cache works on its
own copy (in the test's ``$TSUNAGU_HOME``), so the build is paid once.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tsunagu.cli import cli
from tsunagu.exceptions import BuildBusy, CacheOutdated, CacheUnsafe, NameNotFound, TsunaguError
from tsunagu.compile import build
from tsunagu.resolver import resolve
from tsunagu.compile.current import current_duties_graph, current_entity, current_index, current_resolve, fresh_stored
from tsunagu.compile.inputs import fingerprint
from tsunagu.store.cache import SCRATCH_PREFIX, build_lock, load_stored, rebuild_command, save
from tsunagu.queries.duties import duty_rollup, duty_statuses
from tsunagu.queries.entities import entity_details
from tsunagu.queries.tally import survey_table

USER_FILE = Path(__file__).parent / "fixtures" / "store" / "user_office.yaml"
REFER = ["refer", "いの町", "--age", "45", "--need", "employment"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache folder holding one embedded build plus the user's file (never modified)."""
    directory = tmp_path_factory.mktemp("built") / "cache"
    build([USER_FILE], directory, lists=False)
    return directory


@pytest.fixture
def cache(built, tmp_path):
    """A copy of the build in this test's $TSUNAGU_HOME, free to damage."""
    stored = load_stored(built)
    if fingerprint(stored.inputs, known=stored.hashes) != stored.fingerprint:  # the package changed since (an edit during the run)
        build([USER_FILE], built, lists=False)
    directory = Path(os.environ["TSUNAGU_HOME"])
    shutil.copytree(built, directory)
    return directory


def _files(directory):
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["files"]


def _one_line_failure(result, *expected):
    """The command failed with one line of message naming ``expected``, and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


# --- rows that answer without the whole graph ----------------------------------


def test_duties_graph_answers_gaps_and_tally_like_the_whole_graph(cache):
    graph = load_stored(cache).graph
    duties = current_duties_graph()
    assert duties.number_of_nodes() < graph.number_of_nodes()
    assert duty_statuses(duties) == duty_statuses(graph)
    for by in ("kind", "prefecture"):
        assert duty_rollup(duties, by=by) == duty_rollup(graph, by=by)
    assert survey_table(duties) == survey_table(graph)
    kochi = resolve(duties, "高知県", types={"Prefecture"})
    assert survey_table(duties, prefecture=kochi) == survey_table(graph, prefecture=kochi)
    assert duty_statuses(duties, prefecture=kochi, missing="any") == duty_statuses(graph, prefecture=kochi, missing="any")


def test_entity_rows_show_what_the_whole_graph_shows(cache):
    graph = load_stored(cache).graph
    for node in graph:
        assert entity_details(current_entity(node), node) == entity_details(graph, node), node
    assert "store-test-office" in graph  # the user's file is part of the build
    with pytest.raises(NameNotFound):
        current_entity("no-such-entity")


def test_every_national_star_row_is_the_star_of_the_whole_graph(national_graph):
    from tsunagu.store.cache import _star_writer, entity_star
    from tsunagu.store.graphjson import graph_from_json

    star = _star_writer(national_graph)
    hubs = 0
    for node in national_graph:
        written, made = graph_from_json(star(node)), entity_star(national_graph, node)
        assert list(written.nodes(data=True)) == list(made.nodes(data=True)), node
        edges = sorted(written.edges(keys=True, data=True), key=repr)
        assert edges == sorted(made.edges(keys=True, data=True), key=repr), node
        hubs += len(edges) > 100
    assert hubs  # prefectures and support domains: stars of thousands of edges, their parts written once


def test_names_resolve_from_rows_as_on_the_whole_graph(cache):
    graph = load_stored(cache).graph
    names = sorted(graph.graph["names"])
    texts = names[:: max(1, len(names) // 15)] + ["いのちょ", "高知", "府中市", "nope", "障害者就業・生活支援センター"]
    for text in texts:
        for types in (None, {"Municipality"}):
            try:
                expected = resolve(graph, text, types=types)
            except TsunaguError as error:
                expected = str(error)
            try:
                got = current_resolve(text, types=types)
            except TsunaguError as error:
                got = str(error)
            assert got == expected, (text, types)


def test_index_lists_every_municipality_and_prefecture_in_code_order(cache):
    graph = load_stored(cache).graph
    index = current_index()
    wanted = {n for n, d in graph.nodes(data=True) if {"Municipality", "Prefecture", "AdministrativeWard"} & set(d["types"])}
    assert {row["id"] for row in index} == wanted
    assert [row["code"] for row in index] == sorted(row["code"] for row in index)
    ino = next(row for row in index if row["id"] == "ino")
    assert (ino["name"], ino["code"], ino["prefecture"], ino["kind"]) == ("いの町", "393860", "高知県", "Town")


# --- one builder at a time -------------------------------------------------------


def test_a_second_build_refuses_while_the_folder_is_locked(cache, runner):
    import fcntl

    before = _files(cache)
    with open(cache / "build.lock", "a") as held:  # another process's lock: a separate open file
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _one_line_failure(runner.invoke(cli, ["build", "--seeds-only"]), "別のビルドが実行中", "another build is running", str(cache))
    assert _files(cache) == before
    assert all((cache / name).exists() for name in before.values())
    assert runner.invoke(cli, REFER).exit_code == 0


def test_a_question_asked_while_another_process_rebuilds_is_answered_from_the_last_build(tmp_path, runner,
                                                                                       monkeypatch):
    import fcntl

    home = tmp_path / "home"
    mine = tmp_path / "user_office.yaml"
    mine.write_text(USER_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    build([mine], home, lists=False)
    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    mine.write_text(mine.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")  # the next question rebuilds
    with open(home / "build.lock", "a") as held:  # another process's rebuild holds the folder
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = runner.invoke(cli, REFER)
    assert result.exit_code == 0, result.output
    assert "回答対象: いの町" in result.output and "別のビルドが実行中です。終わるまで前回のビルドから答えます。" in result.output
    again = runner.invoke(cli, REFER)  # the folder free again: the edit is built, no notice
    assert again.exit_code == 0 and "別のビルド" not in again.output


def test_two_overlapping_builds_leave_the_first_intact(cache, tmp_path, runner):
    """Build A is held just before its manifest rename; build B runs then, and refuses."""
    release = tmp_path / "release"
    env = dict(os.environ, TSUNAGU_HOME=str(cache), TSUNAGU_TEST_PAUSE_BEFORE_MANIFEST=str(release))
    first = subprocess.Popen([sys.executable, "-m", "tsunagu", "build", "--seeds-only", str(USER_FILE)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not Path(str(release) + ".waiting").exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _one_line_failure(runner.invoke(cli, ["build", "--seeds-only"]), "another build is running")
        release.touch()
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    files = _files(cache)
    assert all((cache / name).exists() for name in files.values())
    assert "store-test-office" in load_stored(cache).graph
    assert runner.invoke(cli, REFER).exit_code == 0


def test_a_build_killed_before_its_manifest_leaves_the_previous_build_and_no_lock(cache, tmp_path, runner):
    """kill -9 just before the manifest rename: the lock dies with the process; the next build
    runs, and removes the files the dead build wrote but never named."""
    import signal

    before = _files(cache)
    release = tmp_path / "never"
    env = dict(os.environ, TSUNAGU_HOME=str(cache), TSUNAGU_TEST_PAUSE_BEFORE_MANIFEST=str(release))
    dead = subprocess.Popen([sys.executable, "-m", "tsunagu", "build", "--seeds-only"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not Path(str(release) + ".waiting").exists():
            assert dead.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
    orphans = {p.name for p in cache.iterdir()} - set(before.values()) - {"manifest.json", "build.lock"}
    assert orphans  # the dead build's complete files, named by no manifest
    assert _files(cache) == before and runner.invoke(cli, REFER).exit_code == 0
    result = runner.invoke(cli, ["build", "--seeds-only", str(USER_FILE)])
    assert result.exit_code == 0, result.output
    assert not orphans & {p.name for p in cache.iterdir()}
    assert any(name.startswith(SCRATCH_PREFIX) for name in orphans)  # the dead build's reach rows, removed
    assert not list(cache.glob(SCRATCH_PREFIX + "*"))  # and this build's own, once saved and let go


def _other_process_takes_the_lock(directory):
    """Whether another process can take the build lock of ``directory`` right now."""
    code = ("import sys\nfrom tsunagu.store.cache import build_lock\nfrom tsunagu.exceptions import BuildBusy\n"
            "try:\n    with build_lock(sys.argv[1]):\n        print('taken')\n"
            "except BuildBusy:\n    print('busy')\n")
    done = subprocess.run([sys.executable, "-c", code, str(directory)], capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout.strip() == "taken"


def test_the_lock_shuts_out_another_build_is_re_entrant_and_released(tmp_path):
    assert _other_process_takes_the_lock(tmp_path)
    with build_lock(tmp_path):
        assert not _other_process_takes_the_lock(tmp_path)  # a second build in the same folder is refused
        with build_lock(tmp_path):  # the same process, again: no deadlock
            assert not _other_process_takes_the_lock(tmp_path)
        assert not _other_process_takes_the_lock(tmp_path)  # the inner exit did not release the outer hold
    assert _other_process_takes_the_lock(tmp_path)  # released


def test_the_manifest_records_each_files_size_and_sha256_as_on_disk(cache):
    import hashlib

    manifest = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["checks"]) == sorted(manifest["files"].values())
    for name, check in manifest["checks"].items():  # two are hashed as written, the SQLite file read back
        data = (cache / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (check["size"], check["sha256"]), name


def test_the_files_a_build_writes_before_its_rows_are_the_ones_it_saves(tmp_path):
    """The N-Triples and the pickled graph are written into the cache folder during the build and renamed
    into place by the save: the same bytes a save of the finished build writes, and nothing else left."""
    compiled = build([USER_FILE], tmp_path / "cache", lists=False)
    assert compiled.graph_file is not None and compiled.nt_file is not None
    save(compiled, tmp_path / "again")  # another folder: written there from the finished build
    from tsunagu.store.cache import graph_unpickled

    graphs = []
    for folder in ("cache", "again"):
        with open(next((tmp_path / folder).glob("graph-*.pickle")), "rb") as stream:
            graphs.append(graph_unpickled(stream))
            assert stream.read() == b""  # the graph and its name index, nothing else
    for saved in graphs:  # (the bytes differ: a graph pickles the views it has cached)
        assert saved.graph == compiled.graph.graph
        assert list(saved.nodes(data=True)) == list(compiled.graph.nodes(data=True))
        assert list(saved.edges(keys=True, data=True)) == list(compiled.graph.edges(keys=True, data=True))
    [first], [second] = (tmp_path / "cache").glob("rdf-*.nt"), (tmp_path / "again").glob("rdf-*.nt")
    assert first.read_bytes() == second.read_bytes()
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_cleanup_keeps_what_the_manifest_names_and_removes_old_temporaries(cache):
    stored = load_stored(cache)
    old_tmp = cache / "graph-dead.pickle12345.tmp"
    old_tmp.write_bytes(b"left by a killed build")
    os.utime(old_tmp, (time.time() - 3600, time.time() - 3600))
    stale = cache / "graph-0000000000000000.pickle"
    stale.write_bytes(b"an older build")
    from rdflib import Graph

    from tsunagu.compile.compiler import Compiled

    with build_lock(cache):
        fresh_tmp = cache / "rdf-busy.nt999.tmp"  # being written by this build's holder: newer than the lock
        fresh_tmp.write_bytes(b"")
        compiled = Compiled(Graph(), stored.graph, [], "f" * 64, {"paths": []},
                            names=stored.names(), reach_graphs={})
        save(compiled, cache)
    assert not old_tmp.exists() and not stale.exists()
    assert fresh_tmp.exists()
    assert all((cache / name).exists() for name in _files(cache).values())


def test_cleanup_never_deletes_files_a_newer_manifest_names(cache):
    from tsunagu.store.cache import _cleanup

    newer = _files(cache)
    _cleanup(cache, ["graph-other.pickle"], started=time.time())
    assert all((cache / name).exists() for name in newer.values())


# --- damaged, outdated, unwritable, unsafe ---------------------------------------


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _garble_header(path):
    """Same size, first bytes overwritten: SQLite no longer knows the file."""
    data = bytearray(path.read_bytes())
    data[:16] = b"not a database!!"
    path.write_bytes(bytes(data))


def _garble_row(path):
    """One municipality's row replaced by text that is not a graph (file size unchanged)."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE reach SET graph = '{\"graph\": {' WHERE municipality = 'ino'")
    connection.close()


@pytest.mark.parametrize("role, harm, command", [
    ("graph", _truncate, ["stats"]),
    ("graph", _flip, ["stats"]),
    ("reach", _truncate, REFER),
    ("reach", _garble_header, REFER),
    ("reach", _garble_row, REFER),
    ("reach", _truncate, ["refer", "いのちょ", "--age", "45", "--need", "employment"]),
    ("rdf", _truncate, ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"]),
    ("entity", _truncate, ["show", "ino"]),
    ("entity", _garble_header, ["show", "ino"]),
    ("graph", Path.unlink, ["stats"]),
])
def test_a_damaged_file_says_run_build_with_the_same_inputs(cache, runner, role, harm, command):
    harm(cache / _files(cache)[role])
    line = _one_line_failure(runner.invoke(cli, command), "前回のビルドが壊れています", "the last build is damaged")
    assert f"tsunagu build {USER_FILE.resolve()}" in line


@pytest.mark.parametrize("text", ["", "{\"format\": FORMAT, \"files\"", "[]", "\x00\x01garbage", "{\"format\": FORMAT}"])
def test_a_damaged_manifest_says_run_build(cache, runner, text):
    text = text.replace("FORMAT", str(json.loads((cache / "manifest.json").read_text(encoding="utf-8"))["format"]))
    (cache / "manifest.json").write_text(text, encoding="utf-8")
    _one_line_failure(runner.invoke(cli, REFER), "前回のビルドが壊れています", "tsunagu build")


def test_an_older_format_is_rebuilt_from_its_own_inputs(cache, runner):
    manifest = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 4
    del manifest["checks"]
    (cache / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(cli, ["show", "store-test-office"])
    assert result.exit_code == 0, result.output
    assert "キャッシュ試験用相談室" in result.output  # the user's file was built again, not dropped
    assert load_stored(cache).build_args["paths"] == [str(USER_FILE.resolve())]


def test_an_older_format_without_its_inputs_names_the_command(cache, runner):
    (cache / "manifest.json").write_text(json.dumps({"format": 2, "inputs": []}), encoding="utf-8")
    with pytest.raises(CacheOutdated):
        fresh_stored()
    _one_line_failure(runner.invoke(cli, REFER), "古い形式", "tsunagu build")
    assert json.loads((cache / "manifest.json").read_text(encoding="utf-8"))["format"] == 2  # not replaced


def test_rebuild_command_quotes_paths():
    assert rebuild_command({"paths": ["/a b/x.yaml"], "survey": "/s.csv"}) == "tsunagu build '/a b/x.yaml' --survey /s.csv"


def test_an_unwritable_cache_folder_is_a_message(tmp_path, monkeypatch, runner):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TSUNAGU_HOME", str(blocker / "cache"))
    _one_line_failure(runner.invoke(cli, ["build", "--seeds-only"]), "書き込めません", "まだビルドはありません")


def test_a_full_disk_during_a_build_leaves_the_previous_build(cache, runner):
    """A file size limit (RLIMIT_FSIZE) makes every large write fail as a full disk would."""
    before = _files(cache)
    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)); "
              "from tsunagu.cli import main; sys.argv = ['tsunagu', 'build', '--seeds-only']; main()")
    done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, TSUNAGU_HOME=str(cache)),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "書き込めません" in lines[0] and "前回のビルドはそのまま残っています" in lines[0], done.stderr
    assert _files(cache) == before
    assert not list(cache.glob("*.tmp"))
    assert runner.invoke(cli, REFER).exit_code == 0
    assert "store-test-office" in load_stored(cache).graph


@pytest.mark.parametrize("harm", ["world-writable folder", "group-writable file", "foreign file"])
def test_a_cache_others_can_write_is_refused(cache, runner, harm):
    if harm == "world-writable folder":
        cache.chmod(0o777)
    elif harm == "group-writable file":  # by a group with other members (not the user's private group)
        if os.getuid() != 0:
            pytest.skip("only root can give a file to another group")
        os.chown(cache / _files(cache)["reach"], 0, 4321)
        (cache / _files(cache)["reach"]).chmod(0o664)
    else:
        if os.getuid() != 0:
            pytest.skip("only root can give a file to another user")
        os.chown(cache / _files(cache)["reach"], 4321, 4321)
    with pytest.raises(CacheUnsafe):
        fresh_stored().reach_graph("ino")
    _one_line_failure(runner.invoke(cli, REFER), "他のユーザー")


def test_build_busy_names_the_folder(tmp_path):
    assert str(tmp_path) in str(BuildBusy(tmp_path))


def test_rows_are_data_not_code():
    """A row naming a class outside tsunagu is refused, not called."""
    import networkx as nx

    from tsunagu.store.graphjson import graph_from_json, graph_json
    from tsunagu.rules.reach import Hop

    graph = nx.MultiDiGraph(path=(Hop("ino", "いの町", None),), seen={"a"})
    back = graph_from_json(graph_json(graph))
    assert back.graph == graph.graph and isinstance(back.graph["path"][0], Hop)
    for evil in ('{"__o": {"command": "touch pwned"}, "__c": "os:system"}',
                 '{"__t": ["touch pwned"], "__c": "builtins:eval"}',
                 '{"__t": ["x"], "__c": "tsunagu.store.cache:os.system"}'):
        text = '{"graph": {"x": %s}, "nodes": [], "edges": []}' % evil
        with pytest.raises(ValueError):
            graph_from_json(text)


def test_a_reader_follows_a_newer_build_that_removed_its_files(cache):
    """A long-lived reader (the web app) keeps answering after a rebuild in its folder."""
    reader = load_stored(cache)
    assert reader.reach_graph("ino") is not None
    build((), cache, lists=False)  # embedded only: another fingerprint, the reader's files are cleaned up
    assert not (cache / reader.files["reach"]).exists() or reader.fingerprint == load_stored(cache).fingerprint
    assert reader.reach_graph("ino") is not None
    assert reader.fingerprint == load_stored(cache).fingerprint
    assert "store-test-office" not in reader.graph


def test_no_build_into_a_folder_others_can_write(tmp_path, monkeypatch, runner):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("TSUNAGU_HOME", str(shared))
    _one_line_failure(runner.invoke(cli, ["build", "--seeds-only"]), "他のユーザー", str(shared))
    assert not list(shared.iterdir())


def test_a_group_writable_folder_of_the_users_private_group_is_accepted(cache, runner):
    """Debian/Ubuntu give each user a private group and umask 002: that folder is still private."""
    from tsunagu.store.cache import _private_group

    if not _private_group(os.getgid()):
        pytest.skip("this user's group is shared")
    cache.chmod(0o770)
    assert runner.invoke(cli, REFER).exit_code == 0


def test_recent_reach_graphs_stay_in_memory_and_the_oldest_is_freed_at_once(built, monkeypatch):
    """A server asks about the same towns again and again: their graphs are read once. One pushed out
    of memory is freed by reference counting (a full collection would pause the server)."""
    import gc
    import weakref

    from tsunagu.store import cache as store
    from conftest import answer_of
    from tsunagu.rules.reach import municipality_nodes

    monkeypatch.setattr(store, "REACH_KEPT", 2)
    stored = load_stored(built)
    towns = municipality_nodes(stored.duties_graph())
    assert len(towns) >= 3
    first, walk = stored.reach_graph(towns[0])
    answer = answer_of(first, towns[0], 45, ["employment"], walk)
    assert stored.reach_graph(towns[0])[0] is first
    for town in towns[1:3]:
        stored.reach_graph(town)
    again, walk_again = stored.reach_graph(towns[0])
    assert again is not first and answer_of(again, towns[0], 45, ["employment"], walk_again) == answer
    gone = weakref.ref(first)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del first
        assert gone() is None
    finally:
        if enabled:
            gc.enable()


def test_the_build_stores_each_reach_graphs_node_ids_for_push(built):
    """What ``tsunagu push`` writes to a server comes from the build, not from walking again."""
    from tsunagu.bolt.push import reach_keys

    stored = load_stored(built)
    nodes = stored.reach_nodes()
    assert nodes == reach_keys(stored.graph)
    assert all(nodes[m] == sorted(stored.reach_graph(m)[0]) for m in nodes)


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A build of the seeds and a user's file, then a broken edit of that file: (home, file)."""
    home = tmp_path / "edited-home"
    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    user = tmp_path / "office.yaml"
    user.write_text(USER_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    build([user], home, lists=False)
    user.write_text(user.read_text(encoding="utf-8").replace("serves: [ino]", "serves: [ino]\n    domains: [flying]"),
                    encoding="utf-8")
    return home, user


def test_a_broken_edit_after_a_build_leaves_refer_answering_with_one_warning(edited, runner):
    home, user = edited
    manifest = (home / "manifest.json").read_bytes()
    result = runner.invoke(cli, REFER + ["--format", "json"])
    assert result.exit_code == 0, result.output
    warning, _, answer = result.output.partition("\n{")
    assert "入力の変更を読み込めませんでした。前回のビルドから答えます" in warning
    assert "office.yaml" in warning and "flying" in warning and "Traceback" not in result.output
    assert json.loads("{" + answer)["municipality"]["name"] == "いの町"
    assert (home / "manifest.json").read_bytes() == manifest  # the last good build, untouched
    failed = home / "failed.json"
    stamp = failed.stat().st_mtime_ns
    again = runner.invoke(cli, REFER)
    assert again.exit_code == 0 and again.output.count("入力の変更を読み込めませんでした") == 1
    assert failed.stat().st_mtime_ns == stamp, "the same broken input was built again"
    assert "store-test-office" in load_stored(home).graph  # the user's office of the last good build answers
    user.write_text(USER_FILE.read_text(encoding="utf-8"), encoding="utf-8")  # mended: as built, no warning
    mended = runner.invoke(cli, REFER)
    assert mended.exit_code == 0 and "読み込めませんでした" not in mended.output


def test_a_vanished_input_leaves_the_last_build_answering(edited, runner):
    home, user = edited
    user.unlink()
    result = runner.invoke(cli, REFER)
    assert result.exit_code == 0, result.output
    assert "office.yaml は前回のビルドの入力でしたが、見つかりません" in result.output and "回答対象: いの町" in result.output


def test_a_named_pipe_is_refused_before_the_lock(tmp_path, runner):
    fifo = tmp_path / "municipalities.csv"
    os.mkfifo(fifo)
    home = Path(os.environ["TSUNAGU_HOME"])
    done = subprocess.run([sys.executable, "-m", "tsunagu", "build", "--seeds-only", "--municipalities", str(fifo)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "通常のファイルでもフォルダでもありません" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not home.exists(), "the build took the lock (made the cache folder) before checking its inputs"
    for args in (["build", "--seeds-only", str(fifo)], ["validate", str(fifo)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("args", [REFER, ["gaps"], ["tally"], ["show", "三原市"], ["sources"], ["coverage", "--municipality",
                                                                                              "三原市"]])
def test_a_home_that_is_a_file_is_one_japanese_message(tmp_path, monkeypatch, runner, args):
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    result = runner.invoke(cli, args)
    if args == ["sources"]:  # the lists' catalogue needs no build
        assert result.exit_code == 0, result.output
        return
    _one_line_failure(result, "フォルダとして使えません", str(home))


def test_serve_refuses_to_start_on_a_home_that_is_a_file(tmp_path):
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    done = subprocess.run([sys.executable, "-m", "tsunagu", "serve", "--port", port], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, TSUNAGU_HOME=str(home)))
    assert done.returncode == 1 and "フォルダとして使えません" in done.stderr and "Traceback" not in done.stderr
