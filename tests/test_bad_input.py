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
    result = runner.invoke(cli, ["build", "--seeds-only", str(BROKEN / "unknown_domain.yaml")])
    assert result.exit_code == 1
    cache = Path(os.environ["TSUNAGU_HOME"])
    # the lock file of the build that failed may stay; no manifest and no graph
    assert not cache.exists() or {p.name for p in cache.iterdir()} <= {"build.lock"}


def test_failed_build_keeps_the_previous_build(runner):
    assert runner.invoke(cli, ["build", "--seeds-only"]).exit_code == 0
    before = (Path(os.environ["TSUNAGU_HOME"]) / "manifest.json").read_bytes()
    assert runner.invoke(cli, ["build", "--seeds-only", str(BROKEN / "duplicate_id.yaml")]).exit_code == 1
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


# Issue 14: inputs that tried to reach the network, expand without bound or smuggle
# ids and control characters. Each ends in one short message and exit code 1.
HARDENING = [
    # file, line, field, what the message says
    ("impossible_date.yaml", 7, None, "'2020-02-30' is not a date that exists"),
    ("alias_bomb.yaml", 5, None, "alias '*a' is not allowed"),
    ("deep_nesting.yaml", 1, None, "nested more than 50 levels deep"),
    ("control_character.yaml", 4, "name", r"a control character (\x1b) in '画面消去\x1b[2J事業'"),
    ("control_characters.ttl", None, "name", r"a control character (\x00) in 'ヌル\x00事務所'"),
    ("javascript_id.ttl", None, "id", "id 'javascript:alert(1)' may hold only a-z, 0-9 and '-'"),
    ("outside_namespace.ttl", None, "id", "Organisation <https://example.org/town/yosomachi> is outside the tsunagu id namespace"),
    ("outside_namespace.ttl", None, "id", "id 'kochi/slash-office' may hold only a-z, 0-9 and '-' (like a curated id): with a slash"),
    ("population_over_int64.ttl", None, "population", "9223372036854775808 is over 2^63 - 1"),
    ("entity_bomb.rdf", None, None, "a DOCTYPE is not allowed in RDF/XML input"),
    ("external_entity.rdf", None, None, "a DOCTYPE is not allowed in RDF/XML input"),
]


def _peak_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name, line, field, message", HARDENING, ids=[f"{c[0]}:{c[3][:20]}" for c in HARDENING])
def test_hostile_file_fails_cleanly(runner, name, line, field, message):
    import time

    path = BROKEN / name
    started, peak = time.monotonic(), _peak_mb()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    location = f"{path}:{line}" if line else str(path)
    matching = [text for text in result.output.splitlines() if message in text]
    assert matching, result.output
    assert matching[0].strip().startswith(location + ":")
    if field:
        assert f"field '{field}'" in matching[0]
    assert all(len(text) < 400 for text in result.output.splitlines())
    assert time.monotonic() - started < 20 and _peak_mb() - peak < 200  # no expansion happened


@pytest.mark.parametrize("name", ["alias_bomb.yaml", "entity_bomb.rdf", "javascript_id.ttl"])
def test_hostile_file_builds_nothing(runner, name):
    result = runner.invoke(cli, ["build", "--seeds-only", str(BROKEN / name)])
    assert result.exit_code == 1 and "nothing was built" in result.output
    cache = Path(os.environ["TSUNAGU_HOME"])
    assert not (cache / "manifest.json").exists()


def test_long_values_are_cut_in_messages(runner, tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(
        "sources:\n  s: {document: x.txt, quote: y}\nrecords:\n"
        f"  - {{id: long-prog, type: Program, name: 長い, domains: [{'z' * 5000}], sources: [s]}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4: record 'long-prog': field 'domains'" in result.output
    assert "(5000 characters)" in result.output and "z" * 100 not in result.output


def test_an_input_over_the_size_limit_is_not_read(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("TSUNAGU_MAX_INPUT_MB", "0.2")  # above every embedded file
    path = tmp_path / "big.ttl"
    path.write_text("# padding\n" * 30_000, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"  {path}: file is 0.3 MB, over the 0.2 MB limit for an input (set TSUNAGU_MAX_INPUT_MB to allow more)"]
    national = runner.invoke(cli, ["build", "--seeds-only", "--municipalities", str(path)])
    assert national.exit_code == 1 and "over the 0.2 MB limit" in national.output


def test_control_characters_from_a_national_list_are_refused(runner, tmp_path):
    from conftest import ROOT

    sample = (ROOT / "tests" / "fixtures" / "mic_codes_sample.csv").read_text(encoding="utf-8")
    assert ",千代田区," in sample  # a ward no curated file names, so only the check of the merged graph sees it
    evil = tmp_path / "codes.csv"
    evil.write_text(sample.replace(",千代田区,", ",千代\x1b[2J田区,"), encoding="utf-8")
    result = runner.invoke(cli, ["build", "--seeds-only", "--municipalities", str(evil)])
    assert result.exit_code == 1, result.output
    assert r"a control character (\x1b)" in result.output and "Traceback" not in result.output
    assert "\x1b" not in result.output  # shown escaped, never sent to the terminal


def test_a_missing_national_source_is_one_message(tmp_path):
    from click.testing import CliRunner

    from tsunagu.cli import cli

    for args in (["--municipalities", str(tmp_path / "none.csv")], ["--source", f"fukushi_portal={tmp_path / 'none'}"]):
        result = CliRunner().invoke(cli, ["build", "--seeds-only", *args])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "none" in result.output and "no such file or folder" in result.output


CONFLICTING_DUTIES = """
sources:
  s:
    document: test
    quote: two statuses that disagree
records:
  - id: mihara-platform-yes
    type: DutyStatus
    municipality: mihara
    duty: platform
    fulfilled: true
    as_of: 2021-03-31
    sources: [s]
  - id: mihara-platform-no
    type: DutyStatus
    municipality: mihara
    duty: platform
    fulfilled: false
    as_of: 2021-03-31
    sources: [s]
"""


def test_two_statuses_of_one_duty_on_one_date_are_both_named(tmp_path):
    from tsunagu.exceptions import DataErrors
    from tsunagu.compile import compile_graph

    path = tmp_path / "duties.yaml"
    path.write_text(CONFLICTING_DUTIES, encoding="utf-8")
    with pytest.raises(DataErrors) as raised:
        compile_graph([path], lists=False)
    text = str(raised.value)
    assert "状況が食い違う" in text and "mihara-platform-yes" in text and "mihara-platform-no" in text


def test_a_survey_row_against_curated_data_is_reported_not_preferred(tmp_path):
    from tsunagu.exceptions import DataErrors
    from tsunagu.compile import compile_graph

    survey = tmp_path / "survey.csv"
    survey.write_text("code,name,window_clarified,window_publicised,needs_survey,platform,source,as_of\n"
                      "342041,三原市,no,,,,県の調査,2021-07-01\n", encoding="utf-8")
    with pytest.raises(DataErrors) as raised:  # the seeds' undated chart says 三原市 has a clarified window
        compile_graph(municipalities=Path(__file__).parent / "fixtures" / "mic_codes_sample.csv", survey=survey, lists=False)
    text = str(raised.value)
    assert "mihara-window-clarified" in text and "survey.csv line 2" in text


def test_a_repeated_ward_row_is_reported_not_counted(tmp_path):
    from conftest import LOCALGOV, need_shared
    from tsunagu.exceptions import DataErrors
    from tsunagu.compile import compile_graph

    need_shared()
    lines = LOCALGOV.read_text(encoding="utf-8").splitlines(keepends=True)
    ward = next(line for line in lines if "広島市 中区" in line)
    doubled = tmp_path / "localgov.csv"
    doubled.write_text("".join(lines + [ward]), encoding="utf-8")
    with pytest.raises(DataErrors) as raised:
        compile_graph(municipalities=doubled, lists=False)
    assert "ward code 341011 again" in str(raised.value)


def test_a_bolt_address_that_is_not_bolt_is_one_message(monkeypatch):
    from tsunagu.bolt.connection import connect
    from tsunagu.exceptions import BoltError

    with pytest.raises(BoltError, match="not a Bolt address"):
        connect("http://127.0.0.1:9", password="x")
