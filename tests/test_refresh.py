"""tsunagu data update: refreshing the carried lists from a real HTTP server on 127.0.0.1 (--mirror)
or from a folder laid out by hand (--from), with real builds.

One module-scoped story makes the one successful update by HTTP (and its rollback) that the
assertions need; every failure starts from a copy of that updated state, so "nothing changes"
is checked where there is a CURRENT and a cache to break.
"""

import json
import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from conftest import LISTS
from tsunagu.cli import cli

TOWN = "益子町"  # 栃木県: its self-reliance window is in くらし支援ナビ alone, with a phone no other row has
CHANGED, REMOVED = "jp-09342-self-reliance", "jp-09343-self-reliance"  # 益子町's window; 茂木町's (栃木県 too)
OLD_PHONE, NEW_PHONE = "0285-72-8866", "0285-72-9999"
REFER = ["refer", TOWN, "--age", "45", "--need", "employment", "--format", "json"]  # no wrapped names
LIST_FILES = sorted(f"/{folder.name}/{name}" for folder in LISTS.iterdir() if folder.is_dir()
                    for name in json.loads((folder / "SOURCE.json").read_text(encoding="utf-8"))["files"])

# Every socket.connect this process makes while a test watches (an audit hook: nothing is replaced).
_CONNECTS = []
_WATCHING = []
_HOOKED = []


def _audit(event, args):
    if event == "socket.connect" and _WATCHING:
        _CONNECTS.append(args[1])


@contextmanager
def _watched():
    """The addresses connected to inside the block."""
    if not _HOOKED:  # an audit hook stays for the process: added once, on first use
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    _WATCHING.append(True)
    start = len(_CONNECTS)
    seen = []
    try:
        yield seen
    finally:
        _WATCHING.pop()
        seen.extend(_CONNECTS[start:])


# --- a mirror on loopback ----------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the stdlib's name)
        server = self.server
        server.requests.append(self.path)
        if self.path in server.redirects:
            self.send_response(302)
            self.send_header("Location", server.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = (server.root / unquote(self.path.lstrip("/"))).resolve()
        if server.root not in path.parents or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:  # a connection that drops halfway: the length promised, half of it sent
            self.wfile.write(body[:len(body) // 2] if self.path in server.cut else body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a file over the cap): what it should do

    def log_message(self, *args):
        pass


@contextmanager
def _serving(root):
    """A ThreadingHTTPServer on 127.0.0.1 serving ``root``; records each path asked for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.root, server.requests, server.redirects, server.cut = Path(root).resolve(), [], {}, set()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.handle_error = lambda request, address: None  # not printed into the command's captured stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _lists_copy(target):
    shutil.copytree(LISTS, target)
    return target


def _edit_rows(path, edit):
    """Rewrite the lines of ``path`` (a CSV whose edited rows are one line each) through ``edit(line)``:
    a line, or None to drop it. The rest of the file stays byte for byte."""
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(e for e in map(edit, lines) if e is not None), encoding="utf-8")


def _changed_offices(line):
    if line.startswith(REMOVED + ","):
        return None
    if line.startswith(CHANGED + ","):
        assert line.count(OLD_PHONE) == 1
        return line.replace(OLD_PHONE, NEW_PHONE)
    return line


def _no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _home_state(home):
    """Every file and folder of a TSUNAGU_HOME (cache and lists): a file's size, time and, for CURRENT,
    contents (a folder's own time changes as a staging folder comes and goes beside it)."""
    state = {}
    for path in sorted(Path(home).rglob("*")):
        if path.name == "build.lock":
            continue
        if path.is_dir():
            state[str(path.relative_to(home))] = "folder"
            continue
        status = path.stat()
        state[str(path.relative_to(home))] = (status.st_size, status.st_mtime_ns,
                                              path.read_bytes() if path.name == "CURRENT" else None)
    return state


def _copy_home(source, target):
    """A home like ``source``: the cache's files hard-linked (a build replaces them, never writes into
    them), the lists copied."""
    def link(src, dst):
        if Path(src).name == "build.lock":
            return
        if Path(src).parent == Path(source):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)
    shutil.copytree(source, target, copy_function=link)
    return target


# --- the story: one update by HTTP, its rollback ----------------------------------------

@pytest.fixture(scope="module")
def story(tmp_path_factory, national_home):
    """The package's lists served on loopback with 益子町's phone changed and 茂木町's window gone;
    ``tsunagu data update --mirror`` into a fresh home, then ``--rollback``; what each said and answered."""
    served = _lists_copy(tmp_path_factory.mktemp("mirror") / "lists")
    _edit_rows(served / "fukushi_portal" / "offices.csv", _changed_offices)
    home = tmp_path_factory.mktemp("updated") / "home"
    template = tmp_path_factory.mktemp("updated-copy") / "home"
    found = {}
    with pytest.MonkeyPatch.context() as patch, _serving(served) as server:
        patch.setenv("TSUNAGU_HOME", str(home))
        patch.setenv("TSUNAGU_SNAPSHOT", str(national_home))  # the first command unpacks the session's build
        patch.delenv("TSUNAGU_DATA", raising=False)
        _no_proxy(patch)
        runner = CliRunner()
        found["before"] = runner.invoke(cli, REFER).output
        with _watched() as connects:
            started = time.monotonic()
            found["update"] = runner.invoke(cli, ["data", "update", "--mirror", server.url, "--timeout", "10"])
            found["seconds"] = time.monotonic() - started
        found["connects"], found["requests"], found["url"] = connects, list(server.requests), server.url
        manifest = home / "manifest.json"
        found["manifest"] = manifest.stat().st_mtime_ns
        # the update's working files (rows, N-Triples, graph) were in the cache folder: saved or removed
        found["left behind"] = sorted(p.name for p in home.iterdir() if p.suffix == ".tmp" or p.name.startswith("reach-shares-"))
        found["saved"] = sorted(p.suffix for p in home.iterdir() if p.name.startswith(("graph-", "rdf-", "reach-")))
        found["hashed"] = [k for k in json.loads(manifest.read_text(encoding="utf-8"))["hashes"] if str(home) in k]
        found["after"] = runner.invoke(cli, REFER).output
        found["manifest after refer"] = manifest.stat().st_mtime_ns
        found["sources"] = runner.invoke(cli, ["sources"]).output
        found["current"] = json.loads((home / "data" / "lists" / "CURRENT").read_text(encoding="utf-8"))
        found["versions"] = sorted(p.name for p in (home / "data" / "lists").iterdir() if p.is_dir())
        _copy_home(home, template)
        found["rollback"] = runner.invoke(cli, ["data", "update", "--rollback"])
        found["rolled back"] = runner.invoke(cli, REFER).output
        found["after rollback"] = sorted(p.name for p in (home / "data" / "lists").iterdir())
        found["rollback again"] = runner.invoke(cli, ["data", "update", "--rollback"])
    found["template"] = template
    return found


def test_an_update_puts_the_new_phone_in_use_and_says_what_changed(story):
    update = story["update"]
    assert update.exit_code == 0, update.output
    assert OLD_PHONE in story["before"] and NEW_PHONE not in story["before"]
    assert NEW_PHONE in story["after"] and OLD_PHONE not in story["after"]
    lines = update.stdout.splitlines()
    total = next(i for i, line in enumerate(lines) if "くらし支援ナビ" in line)
    assert "削除 1" in lines[total] and "電話番号の変更 1" in lines[total] and "7,539 行" in lines[total]
    assert lines[total + 1].strip() == "栃木県: 削除 1、電話番号の変更 1"  # the one prefecture that changed
    assert sum(line.startswith("    ") for line in lines) == 1  # no other prefecture line
    assert any("全国の地方公共団体一覧" in line and "変更なし" in line for line in lines)
    assert story["current"] == {"version": story["versions"][0], "previous": "package"}
    assert story["seconds"] < 120


def test_the_next_query_answers_from_the_build_the_update_saved(story):
    assert story["manifest after refer"] == story["manifest"]  # the refer did not rebuild
    assert story["left behind"] == [] and story["saved"] == [".nt", ".pickle", ".sqlite"]
    # the build records the lists where they are in use (not the staging folder): a query only stats them
    version = f"{os.sep}{story['versions'][0]}{os.sep}"
    assert len(story["hashed"]) == len(LIST_FILES) and all(version in path for path in story["hashed"])


def test_piped_an_update_prints_its_report_and_nothing_else(story):
    assert story["update"].stderr == ""  # progress lines are for a terminal
    assert story["update"].stdout.startswith("一覧を更新しました: 版 ")


def test_sources_says_the_lists_were_updated_and_when(story):
    version = story["template"] / "data" / "lists" / story["versions"][0]
    meta = json.loads((version / "fukushi_portal" / "SOURCE.json").read_text(encoding="utf-8"))
    assert datetime.fromisoformat(meta["fetched"]).tzinfo is not None  # ISO date-time with its zone
    assert meta["fetched_from"]["offices.csv"] == story["url"] + "/fukushi_portal/offices.csv"
    assert meta["as_of"] == "2026-07-28"  # the newest lastVerifiedAt of its windows
    assert f"tsunagu data update で更新（{meta['fetched']}）" in story["sources"]
    assert "tsunagu に同梱" not in story["sources"]
    census = json.loads((version / "population_jp" / "SOURCE.json").read_text(encoding="utf-8"))
    assert census["as_of"] == "2015-10-01"  # a census is of its own day, whenever fetched


def test_an_update_asks_the_mirror_alone_for_each_file_once(story):
    port = int(story["url"].rsplit(":", 1)[1])
    assert sorted(story["requests"]) == LIST_FILES
    assert story["connects"] and all(address == ("127.0.0.1", port) for address in story["connects"])


def test_rollback_brings_back_the_old_phone(story):
    rollback = story["rollback"]
    assert rollback.exit_code == 0, rollback.output
    assert "同梱の一覧に戻しました" in rollback.output and story["versions"][0] in rollback.output
    assert OLD_PHONE in story["rolled back"] and NEW_PHONE not in story["rolled back"]
    assert "CURRENT" not in story["after rollback"] and story["versions"][0] not in story["after rollback"]
    again = story["rollback again"]
    assert again.exit_code == 1 and "戻す前の版はありません" in again.output and "Traceback" not in again.output


# --- failures: one message, exit 1, nothing changed ------------------------------------

def _break_truncated(served, server):
    path = served / "fukushi_portal" / "offices.csv"
    text = path.read_text(encoding="utf-8")
    start = text.index("\n" + CHANGED + ",") + 1
    path.write_text(text[:start + 60], encoding="utf-8")  # cut in the middle of 益子町's row
    return ["くらし支援ナビ", "offices.csv", "行目", "途中で切れていないか"]


def _break_column(served, server):
    import csv

    path = served / "fukushi_portal" / "offices.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index("phone")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(row[:index] + row[index + 1:] for row in rows)
    return ["くらし支援ナビ", "offices.csv", "列 phone がありません"]


def _break_encoding(served, server):
    path = served / "hokenjo" / "hokenjo_muni_crosswalk.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    return ["保健所", "hokenjo_muni_crosswalk.csv", "UTF-8 ではありません", "2 行目"]


def _break_value(served, server):
    """A file the quick checks pass and the loader refuses: the build names the row and field."""
    _edit_rows(served / "localgovjp" / "localgovjp-utf8.csv", lambda line: line.replace(",011011", ",01101X"))
    return ["localgovjp", "localgovjp/localgovjp-utf8.csv:3", "field 'lgcode'", "01101X"]


def _break_missing(served, server):
    shutil.rmtree(served / "mhlw_jiritsu_2023")
    return ["自立相談支援機関", "jiritsushien_2023_b.json", "404"]


def _break_cut(served, server):
    server.cut.add("/hokenjo/hokenjo_muni_crosswalk.csv")
    return ["hokenjo_muni_crosswalk.csv", "途中で切れました"]


def _break_redirect(served, server):
    server.redirects["/localgovjp/prefjp-utf8.csv"] = "file:///etc/passwd"
    return ["prefjp-utf8.csv", "file:///etc/passwd", "従いませんでした"]


def _break_size(served, server):
    os.environ["TSUNAGU_MAX_INPUT_MB"] = "1"  # undone by the test's monkeypatch
    return ["offices.csv", "上限 1 MB を超えます", "TSUNAGU_MAX_INPUT_MB"]


@pytest.mark.parametrize("breaking", [_break_truncated, _break_column, _break_encoding, _break_value, _break_missing,
                                      _break_cut, _break_redirect, _break_size], ids=lambda f: f.__name__[7:])
def test_a_broken_list_is_one_message_and_changes_nothing(breaking, story, tmp_path, runner, monkeypatch):
    home = _copy_home(story["template"], tmp_path / "home")
    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    monkeypatch.setenv("TSUNAGU_MAX_INPUT_MB", "50")
    _no_proxy(monkeypatch)
    served = _lists_copy(tmp_path / "served")
    before = runner.invoke(cli, REFER).output
    state = _home_state(home)
    with _serving(served) as server:
        expected = breaking(served, server)
        result = runner.invoke(cli, ["data", "update", "--mirror", server.url, "--timeout", "10"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.output.count("エラー:") == 1
    assert "何も変えていません" in result.output
    for text in expected:
        assert text in result.output
    assert _home_state(home) == state  # CURRENT, the lists, the cache: as they were; no staging folder left
    assert runner.invoke(cli, REFER).output == before
    assert NEW_PHONE in before


def test_a_server_that_never_answers_times_out_and_changes_nothing(silent_server, story, tmp_path, runner,
                                                                   monkeypatch):
    home = _copy_home(story["template"], tmp_path / "home")
    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    _no_proxy(monkeypatch)
    before = runner.invoke(cli, REFER).output
    state = _home_state(home)
    started = time.monotonic()
    with _watched() as connects:
        result = runner.invoke(cli, ["data", "update", "--mirror", silent_server, "--timeout", "2"])
    assert time.monotonic() - started < 15
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "2 秒以内に応答しません" in result.output and "localgovjp-utf8.csv" in result.output
    assert all(address[0] == "127.0.0.1" for address in connects)
    assert _home_state(home) == state
    assert runner.invoke(cli, REFER).output == before


def test_a_failure_from_the_package_copy_leaves_no_current(tmp_path, runner, monkeypatch):
    _no_proxy(monkeypatch)
    served = _lists_copy(tmp_path / "served")
    (served / "population_jp" / "population_jp_2015_detail.csv").write_bytes(b"\x93\x8c\x8b\x9e,1\n")
    before = runner.invoke(cli, REFER).output
    with _serving(served) as server:
        result = runner.invoke(cli, ["data", "update", "--mirror", server.url])
    assert result.exit_code == 1 and "population_jp_2015_detail.csv は UTF-8 ではありません" in result.output
    lists = Path(os.environ["TSUNAGU_HOME"]) / "data" / "lists"
    assert not (lists / "CURRENT").exists() and not [p for p in lists.iterdir() if p.is_dir()]
    assert runner.invoke(cli, REFER).output == before


def test_options_that_cannot_work_are_one_message(tmp_path, runner):
    cases = [(["--from", str(tmp_path), "--mirror", "http://127.0.0.1:1"], "同時に指定できません"),
             (["--mirror", "file:///etc"], "http か https のアドレスではありません"),
             (["--list", "nope", "--from", str(tmp_path)], "一覧「nope」はありません"),
             (["--from", str(tmp_path / "none")], "がありません"),
             (["--from", str(tmp_path)], "一覧のファイルがありません"),
             (["--rollback", "--list", "hokenjo"], "一緒に使えません")]
    for arguments, message in cases:
        result = runner.invoke(cli, ["data", "update", *arguments])
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output, arguments


# --- --from: files received by hand ------------------------------------------------------

def test_from_a_folder_laid_out_by_hand(tmp_path, runner, monkeypatch):
    """くらし支援ナビ in its own folder (one window renamed), the 保健所 list flat beside it, the other
    lists absent: those keep the copy in use, and the report says so."""
    from tsunagu.cli import _update_lines
    from tsunagu.compile.refresh import update_lists

    given = tmp_path / "received"
    shutil.copytree(LISTS / "fukushi_portal", given / "fukushi_portal")
    _edit_rows(given / "fukushi_portal" / "offices.csv",
               lambda line: line.replace(",益子町健康福祉課,生活", ",益子町くらし相談窓口,生活", 1)
               if line.startswith(CHANGED + ",") else line)
    shutil.copyfile(LISTS / "hokenjo" / "hokenjo_muni_crosswalk.csv", given / "hokenjo_muni_crosswalk.csv")
    assert "益子町健康福祉課" in runner.invoke(cli, REFER).output
    with _watched() as connects:
        report = update_lists(from_dir=given)
    assert connects == []  # nothing reached for
    status = {change.folder: change for change in report.lists}
    assert report.switched and report.previous == "package"
    assert {f: c.status for f, c in status.items()} == {
        "localgovjp": "missing", "population_jp": "missing", "fukushi_portal": "updated", "hokenjo": "unchanged",
        "mhlw_jiritsu_2023": "missing"}
    fukushi = status["fukushi_portal"]
    assert (fukushi.names, fukushi.phones, fukushi.added, fukushi.removed) == (1, 0, 0, 0)
    assert [(p.prefecture, p.names) for p in fukushi.prefectures] == [("栃木県", 1)]
    assert fukushi.fetched_from["offices.csv"] == str(given / "fukushi_portal" / "offices.csv")
    assert status["hokenjo"].fetched_from["hokenjo_muni_crosswalk.csv"] == str(given / "hokenjo_muni_crosswalk.csv")
    text = "\n".join(_update_lines(report))
    assert text.count("フォルダにありません: 使用中の版のまま") == 3 and "名称の変更 1" in text
    answer = runner.invoke(cli, REFER).output
    assert "益子町くらし相談窓口" in answer and OLD_PHONE in answer
    # a list kept from the package says so in its SOURCE.json, so it does not pass for a fetched one
    version = Path(os.environ["TSUNAGU_HOME"]) / "data" / "lists" / report.version
    kept = json.loads((version / "localgovjp" / "SOURCE.json").read_text(encoding="utf-8"))
    assert kept.get("carried_from") == "package" and "fetched" not in kept


def test_the_same_files_again_change_nothing(tmp_path, runner):
    """Files identical to the copy in use: no version is made (the one to roll back to stays), no build."""
    from tsunagu.compile.refresh import update_lists

    given = tmp_path / "received"
    shutil.copytree(LISTS / "hokenjo", given)
    report = update_lists(from_dir=given, lists=["hokenjo"])
    assert not report.switched and report.version == "package" and report.seconds < 10
    assert [c.status for c in report.lists if c.folder == "hokenjo"] == ["unchanged"]
    assert not (Path(os.environ["TSUNAGU_HOME"]) / "data" / "lists" / "CURRENT").exists()

