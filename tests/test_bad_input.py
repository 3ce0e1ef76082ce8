"""Each kind of bad input exits non-zero with one message naming file, line and field,
and leaves no build behind."""

import os
from pathlib import Path

import pytest

from conftest import BROKEN
from tsunagu.cli import cli

CASES = [
    # file, line, field, what the message says
    ("malformed.yaml", 7, None, "invalid YAML"),
    ("unknown_reference.yaml", 8, "secretariat", "unknown reference 'no-such-department'"),
    ("duplicate_id.yaml", 4, "id", "duplicate id 'ino'"),
    ("bad_check_digit.yaml", 7, "code", "wrong check digit (expected 132063)"),
    ("age_min_above_max.yaml", 7, "age", "age min 39 is above its max 15"),
    ("unknown_domain.yaml", 8, "domains", "unknown domain 'astrology'"),
    ("shacl_wide_area_one_town.ttl", None, "serves", "two or more municipalities"),
]


@pytest.mark.parametrize("name, line, field, message", CASES)
@pytest.mark.parametrize("command", ["build", "validate"])
def test_bad_file_fails_cleanly(runner, name, line, field, message, command):
    path = BROKEN / name
    result = runner.invoke(cli, [command, str(path)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    location = f"{path}:{line}" if line else str(path)
    assert location in result.output
    if field:
        assert f"field '{field}'" in result.output
    assert message in result.output


def test_failed_build_keeps_no_cache(runner):
    result = runner.invoke(cli, ["build", str(BROKEN / "unknown_domain.yaml")])
    assert result.exit_code == 1
    cache = Path(os.environ["TSUNAGU_HOME"])
    # the lock file of the build that failed may stay; no manifest and no graph
    assert not cache.exists() or {p.name for p in cache.iterdir()} <= {"build.lock"}


def test_failed_build_keeps_the_previous_build(runner):
    assert runner.invoke(cli, ["build"]).exit_code == 0
    before = (Path(os.environ["TSUNAGU_HOME"]) / "manifest.json").read_bytes()
    assert runner.invoke(cli, ["build", str(BROKEN / "duplicate_id.yaml")]).exit_code == 1
    assert (Path(os.environ["TSUNAGU_HOME"]) / "manifest.json").read_bytes() == before


def test_missing_file_is_named(runner, tmp_path):
    result = runner.invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}: no such file" in result.output


def test_every_problem_in_a_file_is_reported_at_once(runner, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(
        "sources:\n  s: {document: x.txt, quote: y}\nrecords:\n"
        "  - {id: a-prog, type: Program, name: A, age: 40-30, sources: [s]}\n"
        "  - {id: b-prog, type: Program, name: B, domains: [nope], sources: [s]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output
    assert f"{path}:4: record 'a-prog': field 'age'" in result.output
    assert f"{path}:5: record 'b-prog': field 'domains'" in result.output
