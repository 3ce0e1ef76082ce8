"""The whole country out of the box: the default build is the seeds plus every list the package carries.

What a user who installs the package sees: a first command with an empty
cache installs the prebuilt default build (the autouse fixture points
``$TSUNAGU_SNAPSHOT`` at the session's own default build, as a wheel carries
one it made when it was built), and answers for any town with a phone.
"""

import json
import pickle
import sqlite3
from pathlib import Path

import pytest

from tsunagu.cli import cli
from tsunagu.compile.snapshot import install_snapshot, make_snapshot
from tsunagu.store.cache import load_stored


def _answer(runner, *args):
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_naha_is_answered_with_a_phone_after_install(runner):
    answer = json.loads(_answer(runner, "refer", "那覇市", "--age", "45", "--need", "employment", "--format", "json"))
    first = answer["first_contact"]["place"]
    assert first["name"] == "那覇市就職・生活支援パーソナルサポートセンター"
    assert first["contact"]["telephone"] == "098-917-5348"
    assert first["contact"]["checked"].startswith("2026-07")  # the date the directory checked the row
    assert answer["directory"]["as_of"] == "2026-07-28"
    assert {item["source"] for item in answer["directory"]["lists"]} >= {"fukushi_portal", "hokenjo"}


def test_kutchan_opens_with_the_shared_shiribeshi_agency(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    table = _answer(runner, "refer", "倶知安町", "--age", "30", "--need", "consultation")
    first = next(line for line in table.splitlines() if line.startswith("最初"))
    assert "後志管内自立相談支援機関" in first and "☎080-2001-8392" in first
    assert "全国の名簿は2026-07-28時点" in table


def test_sources_prints_each_list_with_its_credit_and_rows(runner):
    table = _answer(runner, "sources")
    assert "くらし支援ナビ（運営: JUNKBRANDING）" in table and "厚生労働省" in table and "CC BY 4.0" in table
    rows = json.loads(_answer(runner, "sources", "--format", "json"))
    portal = rows["くらし支援ナビ 全国の相談窓口データ"]
    assert portal["行数"] == "7,540" and portal["データの時点"] == "2026-07-28" and portal["版"] == "tsunagu に同梱"


def test_directory_counts_the_windows_with_a_phone(runner):
    text = _answer(runner, "directory")
    line = next(line for line in text.splitlines() if "自立相談支援機関（名称・電話あり）" in line)
    have, total = (int(n) for n in line.split(":")[1].split("/"))
    assert total == 1741 and have >= 1640


def test_the_answers_never_read_the_upstream_folder(runner, national_compiled):
    """Every list the default build read is the package's own copy (../shared/data is only the upstream)."""
    package = Path(__file__).resolve().parents[1] / "tsunagu" / "data" / "lists"
    lists = national_compiled.graph.graph["lists"]
    assert [item["source"] for item in lists] == ["municipalities", "population", "fukushi_portal", "hokenjo",
                                                  "mhlw_jiritsu_2023"]
    assert all(item["origin"] == "package" for item in lists)
    assert national_compiled.inputs == [] and national_compiled.build_args == {"paths": [], "sources": {}, "lists": True}
    for report in national_compiled.graph.graph["national_report"]["sources"]:
        assert Path(report["path"]).resolve().is_relative_to(package), report["path"]


def _rows(home):
    """Every stored row of a build (reach rows as their pickled bytes): comparable across two builds."""
    stored = load_stored(home)
    with sqlite3.connect(home / stored.files["reach"]) as connection:
        reach = dict(connection.execute("SELECT municipality, graph FROM reach"))
        names = sorted(connection.execute("SELECT name, node FROM names"))
    with sqlite3.connect(home / stored.files["entity"]) as connection:
        entity = dict(connection.execute("SELECT node, star FROM entity"))
    return stored, reach, entity, names


def _graph_state(graph):
    return (sorted(graph.nodes(data=True), key=lambda item: item[0]),
            sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])),
            {k: v for k, v in graph.graph.items() if k != "input_notices"})


def test_the_snapshot_a_wheel_carries_equals_a_fresh_build(tmp_path, national_home):
    """make_snapshot (what building the wheel runs) compressed, then installed as a first command does,
    gives the same build as the session's fresh default build: fingerprint, every reach graph, every row."""
    folder = tmp_path / "snapshot"
    manifest = make_snapshot(folder, preset=0)  # the wheel uses a higher preset: the same bytes, smaller
    assert sorted(p.name for p in folder.iterdir()) == sorted(["manifest.json"] + [f"{n}.xz" for n in
                                                                                   manifest["files"].values()])
    home = tmp_path / "home"
    installed = install_snapshot(home)
    fresh = load_stored(national_home)
    assert installed is not None and installed.fingerprint == fresh.fingerprint == manifest["fingerprint"]
    _, reach, entity, names = _rows(home)
    _, fresh_reach, fresh_entity, fresh_names = _rows(national_home)
    assert names == fresh_names and entity == fresh_entity
    assert sorted(reach) == sorted(fresh_reach)
    for municipality, row in reach.items():
        if row != fresh_reach[municipality]:  # bytes may differ where the graphs do not: compare those
            assert _graph_state(pickle.loads(row)) == _graph_state(pickle.loads(fresh_reach[municipality])), municipality


def test_a_snapshot_made_from_other_files_is_not_installed(tmp_path, national_home, monkeypatch):
    folder = tmp_path / "other"
    folder.mkdir()
    manifest = json.loads((national_home / "manifest.json").read_text(encoding="utf-8"))
    manifest["fingerprint"] = "0" * 64  # another tsunagu, or other lists, made it
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("TSUNAGU_SNAPSHOT", str(folder))
    assert install_snapshot(tmp_path / "home") is None


def test_a_damaged_snapshot_is_a_message_and_installs_nothing(tmp_path, national_home, monkeypatch, runner):
    folder = tmp_path / "damaged"
    folder.mkdir()
    manifest = json.loads((national_home / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["files"].values():
        (folder / name).write_bytes((national_home / name).read_bytes()[:1000])  # cut short
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("TSUNAGU_SNAPSHOT", str(folder))
    result = runner.invoke(cli, ["refer", "那覇市", "--age", "45", "--need", "employment"])
    assert result.exit_code == 1 and "壊れています" in result.output and "Traceback" not in result.output
    home = Path(__import__("os").environ["TSUNAGU_HOME"])
    assert not (home / "manifest.json").exists() and not list(home.glob("*.tmp"))


@pytest.mark.parametrize("args", [["build", "--help"], ["sources", "--help"]])
def test_build_and_sources_have_help(runner, args):
    assert "--seeds-only" in _answer(runner, *args) or "ライセンス" in _answer(runner, *args)
