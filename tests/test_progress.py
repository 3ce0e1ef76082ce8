"""A build says each step on a terminal and nothing in a pipe; its steps carry their figures."""

import io

from tsunagu.compile import compile_graph
from tsunagu.compile.progress import Steps, terminal_steps


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_build_times_each_step_and_says_it_on_a_terminal():
    shown = _Terminal()
    steps = terminal_steps(shown)
    compiled = compile_graph(lists=False, steps=steps, jobs=1)
    names = [r["name"] for r in steps.records]
    # seeds only: no list, so no directory step; no folder, so the graph is not written
    assert names == ["read", "lists", "check", "closure", "rdf", "projection", "index", "fingerprint", "precompute"]
    for record in steps.records:
        assert record["wall_s"] >= 0 and record["cpu_s"] >= 0
        assert record["peak_mb"] is None or record["peak_mb"] > 10
    lines = shown.getvalue().splitlines()
    assert len(lines) == 2 * len(names)  # a line as each step starts and one as it ends, with its time
    assert lines[0].startswith("読み込み") and lines[-1].endswith("秒")
    assert compiled.graph.number_of_nodes() > 100


def test_nothing_is_said_in_a_pipe():
    piped = io.StringIO()  # not a terminal
    steps = terminal_steps(piped)
    with steps.step("read", "読み込み"):
        pass
    assert piped.getvalue() == ""
    assert [r["name"] for r in steps.records] == ["read"]


def test_steps_without_echo_are_silent():
    steps = Steps()
    with steps.step("x", "x"):
        pass
    assert steps.echo is None and len(steps.records) == 1
