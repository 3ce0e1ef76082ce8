"""The build's second process: what it finds and makes is what one process would."""

import os
import pickle
import random
from pathlib import Path

import pytest

from test_shacl import CASES, _graph
from tsunagu.exceptions import DataErrors, TsunaguError
from tsunagu.compile.processes import Forked, Streamed, build_jobs
from tsunagu.compile.validate import graph_errors
from tsunagu.compile.precompute import reach_subgraph
from tsunagu.rules.reach import municipality_nodes


@pytest.mark.parametrize("case", sorted(CASES))
def test_shape_errors_from_the_second_process_are_the_ones_found_here(case):
    data = _graph(CASES[case][0])
    here = graph_errors(data, {}, default_file="case.ttl")
    there = Forked(graph_errors, data, {}, "case.ttl").result()
    assert here and [(str(e), e.file, e.line, e.record, e.field) for e in there] == \
        [(str(e), e.file, e.line, e.record, e.field) for e in here]


def test_an_error_raised_in_the_second_process_is_raised_here():
    def fail():
        raise DataErrors([])

    with pytest.raises(DataErrors):
        Forked(fail).result()


def test_a_second_process_that_dies_is_a_located_error():
    with pytest.raises(TsunaguError, match="終了コード 3.*TSUNAGU_BUILD_JOBS=1"):
        Forked(os._exit, 3).result()


def _made(count, fail_after=None, size=0):
    import time

    for number in range(count):
        if number == fail_after:
            raise DataErrors([])
        yield number, os.getpid(), time.monotonic(), b"x" * size


def test_items_streamed_from_a_second_process_are_the_ones_made_here():
    there = list(Streamed(_made, 4))
    assert [n for n, *_ in there] == [0, 1, 2, 3] and {pid for _, pid, *_ in there} - {os.getpid()}
    assert [n for n, *_ in Streamed(_made, 4, parallel=False)] == [0, 1, 2, 3]


def test_a_second_process_makes_its_next_items_while_this_one_is_busy():
    """Items bigger than a pipe holds are all made before the first is read (a thread of the child
    writes them): the child is not held up by a parent busy with its own work."""
    import time

    streamed = Streamed(_made, 5, None, 1 << 20)
    time.sleep(1.0)
    read_at = time.monotonic()
    made_at = [at for _, _, at, _ in streamed]
    assert len(made_at) == 5 and max(made_at) < read_at


def test_an_error_met_in_a_streaming_process_is_raised_after_its_items():
    got = []
    with pytest.raises(DataErrors):
        for number, *_ in Streamed(_made, 5, 2):
            got.append(number)
    assert got == [0, 1]
    with pytest.raises(TsunaguError, match="終了コード 4"):
        list(Streamed(lambda: (os._exit(4) for _ in [1])))


def test_a_streaming_process_whose_items_are_not_wanted_is_stopped():
    import itertools

    streamed = Streamed(lambda: ((n, os.getpid()) for n in itertools.count()))
    items = iter(streamed)
    (_, pid), _ = next(items), next(items)
    streamed.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and waited for (not a zombie)


def test_jobs_come_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.setenv("TSUNAGU_BUILD_JOBS", "1")
    assert build_jobs() == 1 and build_jobs(3) == 3
    monkeypatch.setenv("TSUNAGU_BUILD_JOBS", "two")
    with pytest.raises(TsunaguError, match="TSUNAGU_BUILD_JOBS"):
        build_jobs()
    with pytest.raises(TsunaguError):
        build_jobs(0)


def test_national_reach_rows_made_in_two_processes_are_the_walk_here(national_compiled):
    """The session's national build shares its reach graphs between two processes (two cores here and
    in CI): a sample of its rows, from either share, equal the walk done in this one."""
    graph, rows = national_compiled.graph, national_compiled.reach_graphs
    municipalities = municipality_nodes(graph)
    assert list(rows) == municipalities and len(municipalities) == 1741
    for municipality in random.Random(9).sample(municipalities, 12) + municipalities[:2]:
        (stored, stored_walk), (here, walk) = rows[municipality], reach_subgraph(graph, municipality)
        assert sorted(stored.nodes(data=True)) == sorted(here.nodes(data=True))
        assert sorted(stored.edges(keys=True)) == sorted(here.edges(keys=True))
        assert pickle.dumps(stored_walk.reached) == pickle.dumps(walk.reached)
        assert stored_walk == walk


def test_beside_other_threads_the_work_stays_in_this_process():
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert Forked(os.getpid).result() == os.getpid()
    finally:
        release.set()
        other.join()
    assert Forked(os.getpid).result() != os.getpid()


def test_inputs_read_in_two_processes_are_the_ones_read_here(monkeypatch, tmp_path):
    """Curated files parsed half in a second process, the first files' triples written meanwhile, give the
    same graph (triple for triple, in order), records and errors; a workbook that replaces records of
    the files written first has them written again, as in one process."""
    from tsunagu.compile import compiler, processes
    from tsunagu.compile.inputs import embedded_data_files

    forks = []

    class Counted(processes.Streamed):
        def __init__(self, *args, **kwargs):
            forks.append(args[0].__name__)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(compiler, "Streamed", Counted)
    monkeypatch.setattr(compiler, "_SHARED_READING", 0)  # the seeds are a few hundred kilobytes
    seeds = embedded_data_files()
    assert len([p for p in seeds if p.suffix == ".yaml"]) > 8
    (two, located, _), (one, here, _) = (compiler.read_inputs(seeds, validate=False, jobs=jobs) for jobs in (2, 1))
    assert forks == ["_read_each"]
    assert two.serialize(format="nt").splitlines() == one.serialize(format="nt").splitlines()
    assert {k: (v.file, v.line) for k, v in located.items()} == {k: (v.file, v.line) for k, v in here.items()}
    from tsunagu.loaders import curated
    from tsunagu.loaders.formats.workbook import template_workbook_bytes

    book = tmp_path / "mihara.xlsx"  # re-exports the records of mihara.yaml, the first file (written first)
    book.write_bytes(template_workbook_bytes(compiler.compile_graph(lists=False).graph, ["mihara"]))
    inputs = sorted(seeds, key=lambda p: p.name != "mihara.yaml") + [book]
    conversions = []

    class Counted(curated.Conversion):
        def __init__(self):
            conversions.append(self)
            super().__init__()

    monkeypatch.setattr(compiler, "Conversion", Counted)
    monkeypatch.setattr(curated, "Conversion", Counted)
    graphs = []
    for jobs in (2, 1):
        conversions.clear()
        graphs.append(compiler.read_inputs(inputs, validate=False, jobs=jobs)[0].serialize(format="nt").splitlines())
        assert len(conversions) == jobs  # in two processes, the files written first are written again
    assert graphs[0] == graphs[1]
    broken = tmp_path / "broken.yaml"
    broken.write_text((Path(seeds[0]).read_text(encoding="utf-8") + "\n  bad: [\n"), encoding="utf-8")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(Path(seeds[1]).read_text(encoding="utf-8").replace("type: ", "type: NoSuch", 1), encoding="utf-8")
    duplicate = tmp_path / "duplicate.yaml"
    duplicate.write_text(Path(seeds[2]).read_text(encoding="utf-8"), encoding="utf-8")
    for inputs in ([broken, *seeds, unknown], [*seeds, duplicate]):
        messages = []
        for jobs in (2, 1):
            with pytest.raises(DataErrors) as raised:
                compiler.read_inputs(inputs, validate=False, jobs=jobs)
            messages.append([str(e) for e in raised.value.errors])
        assert messages[0] == messages[1]
        assert all(any(str(path) in m for m in messages[0]) for path in inputs if path.parent == tmp_path), messages


def test_the_entity_table_written_beside_a_save_is_the_one_written_in_turn(national_compiled, tmp_path):
    """A save makes most of ``show``'s rows in a second process and adds the rest to its file: the table one
    process writes, row for row in the same order."""
    import sqlite3

    from tsunagu.store.cache import save

    tables = []
    for beside in (Forked, None):
        folder = tmp_path / str(beside is None)
        save(national_compiled, folder, beside=beside)
        [entities] = folder.glob("entity-*.sqlite")
        with sqlite3.connect(entities) as connection:
            tables.append(connection.execute("SELECT rowid, * FROM entity ORDER BY rowid").fetchall())
        assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == [
            "build.lock", "entity", "graph", "manifest.json", "rdf", "reach"]
    assert tables[0] == tables[1] and len(tables[0]) == national_compiled.graph.number_of_nodes()


def test_reach_rows_are_files_in_a_folder_of_their_own_until_let_go(graph, tmp_path):
    """The rows a build makes are written as made, in a folder inside the one given (the cache's, in a
    build), read back as the walk done here, and removed with the object that holds them."""
    from tsunagu.compile.precompute import reach_rows
    from tsunagu.store.cache import SCRATCH_PREFIX

    rows = reach_rows(graph, 2, folder=tmp_path)
    folder = rows.files[0].parent
    assert folder.parent == tmp_path and folder.name.startswith(SCRATCH_PREFIX)
    assert list(rows) == municipality_nodes(graph)
    for municipality in ("ino", "mihara", "tobishima"):
        (stored, stored_walk), (here, walk) = rows[municipality], reach_subgraph(graph, municipality)
        assert sorted(stored.nodes(data=True)) == sorted(here.nodes(data=True)) and stored_walk == walk
    del rows
    assert not folder.exists()


def test_a_graph_checked_in_a_second_process_is_refused_as_when_checked_here(tmp_path):
    """With two processes the checks of a graph this small run beside the projection: the same
    located errors, raised before anything is built on them (no index, no precompute), and the
    N-Triples already written in the build's folder are removed."""
    import gc

    from conftest import BROKEN
    from tsunagu.compile import compile_graph
    from tsunagu.compile.progress import Steps

    refused = {}
    for jobs in (1, 2):
        steps = Steps()
        with pytest.raises(DataErrors) as caught:
            compile_graph([BROKEN / "shacl_wide_area_one_town.ttl"], lists=False, jobs=jobs, steps=steps,
                          scratch=tmp_path)
        refused[jobs] = ([str(e) for e in caught.value.errors], [r["name"] for r in steps.records])
        del caught
        gc.collect()
        assert not list(tmp_path.iterdir())
    assert refused[1][0] == refused[2][0] and refused[1][0]
    assert refused[1][1][-1] == "lists" and "index" not in refused[2][1]  # a failed step is not recorded
    if Forked(os.getpid).result() != os.getpid():  # where the system forks (it does here and in CI)
        assert refused[2][1][-1] == "projection"  # checked beside it


def test_a_graph_projected_in_a_second_process_is_the_one_projected_here(tmp_path):
    """The reading, checks and projection run in a child of their own: its graph comes back whole, the
    lines its steps say are said here as they go, and its N-Triples file is this process's to keep or
    remove (the child's exit does not remove it; letting the build go here does)."""
    import gc

    from tsunagu.compile import compile_graph
    from tsunagu.compile.progress import Steps

    made = {}
    for jobs in (1, 2):
        lines = []
        steps = Steps(lines.append)
        (tmp_path / str(jobs)).mkdir()
        compiled = compile_graph(lists=False, jobs=jobs, steps=steps, scratch=tmp_path / str(jobs))
        graph = compiled.graph
        made[jobs] = (sorted(graph.nodes(data=True)), sorted(graph.edges(keys=True, data=True)))
        names = [r["name"] for r in steps.records]
        assert names[:1] == ["read"] and names.index("projection") < names.index("index") < names.index("precompute")
        assert any(line.startswith("読み込み: ") for line in lines) and any(line.startswith("グラフ: ") for line in lines)
        nt = compiled.nt_file.path
        assert nt.exists() and nt.read_bytes().count(b"\n") == compiled.triples
        del compiled, graph
        gc.collect()
        assert not nt.exists()
    assert made[1] == made[2] and made[1][0]


def _counted(n, steps):
    with steps.step("one", "一"):
        pass
    if n == 1:
        raise TsunaguError("二で止まる")
    if n == 2:
        os._exit(3)
    return list(range(n))


def test_a_child_of_steps_says_its_lines_here_and_its_error_or_end_is_raised_here():
    from tsunagu.compile.processes import stepped_apart
    from tsunagu.compile.progress import Steps

    lines = []
    steps = Steps(lines.append)
    assert stepped_apart(steps, _counted, 100_000) == list(range(100_000))
    assert [line.split(":")[0] for line in lines] == ["一…", "一"] and [r["name"] for r in steps.records] == ["one"]
    steps = Steps()
    with pytest.raises(TsunaguError, match="二で止まる"):
        stepped_apart(steps, _counted, 1)
    assert [r["name"] for r in steps.records] == ["one"]  # the steps done before it
    if Forked(os.getpid).result() != os.getpid():  # where the system forks
        with pytest.raises(TsunaguError, match="終了コード 3"):
            stepped_apart(Steps(), _counted, 2)
