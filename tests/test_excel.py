"""Excel out and CSV in: -o FILE, --format xlsx, BOM and cp932, tolerant CSV readers, workbooks."""

import csv
import io
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tsunagu.cli import cli

from conftest import ROOT


@pytest.fixture(scope="module")
def built_home(tmp_path_factory):
    """One build of the embedded data that this module's commands answer from."""
    from tsunagu.graph import build

    home = tmp_path_factory.mktemp("home")
    build(directory=home)
    return home


@pytest.fixture
def home(built_home, monkeypatch):
    monkeypatch.setenv("TSUNAGU_HOME", str(built_home))
    return built_home


# --- out: -o, --format xlsx, --encoding -------------------------------------------------


def test_csv_to_file_has_a_bom_and_reads_back(runner, home, tmp_path):
    target = tmp_path / "gaps.csv"
    result = runner.invoke(cli, ["gaps", "-o", str(target)])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel on Japanese Windows needs the BOM to read UTF-8"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    names = {row["name"] for row in rows}
    assert {"三原市", "豊川市", "いの町"} <= names


def test_csv_on_screen_has_no_bom(runner, home):
    result = runner.invoke(cli, ["gaps", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert not result.output.startswith("\ufeff")
    assert result.output.splitlines()[0].startswith("id,")


def test_cp932_file_replaces_marks_it_lacks(runner, home, tmp_path):
    target = tmp_path / "coverage.csv"
    result = runner.invoke(cli, ["coverage", "--municipality", "三原市", "-o", str(target), "--encoding", "cp932"])
    assert result.exit_code == 0, result.output
    text = target.read_bytes().decode("cp932")  # would raise if anything were not cp932
    assert "三原市" in text and "●M" in text
    assert "・" in text and "·" not in text  # the "none" mark has a look-alike


def test_cp932_console_prints_without_traceback(home):
    env = dict(os.environ, PYTHONIOENCODING="cp932", TSUNAGU_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "tsunagu", "coverage", "--municipality", "三原市", "--format", "csv"],
                          capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    text = done.stdout.decode("cp932")
    assert "Traceback" not in done.stderr.decode("cp932", "replace")
    assert "三原市" in text and "・" in text


def test_xlsx_one_sheet_per_section_codes_as_text(runner, home, tmp_path):
    target = tmp_path / "coverage.xlsx"
    result = runner.invoke(cli, ["coverage", "--municipality", "三原市", "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    assert book.sheetnames == ["coverage of 三原市", "providers"]
    sheet = book["coverage of 三原市"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[0] == "age" and "相談" in headers
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 6

    gaps = tmp_path / "gaps.xlsx"
    assert runner.invoke(cli, ["gaps", "--format", "xlsx", "-o", str(gaps)]).exit_code == 0
    sheet = load_workbook(gaps).active
    header = [cell.value for cell in sheet[1]]
    codes = [row[header.index("code")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes and all(isinstance(c, str) and len(c) == 6 for c in codes if c), "codes must stay text with their zeros"


def test_xlsx_keeps_a_leading_zero():
    from tsunagu.output import workbook_bytes

    book = load_workbook(io.BytesIO(workbook_bytes({"市町村": [{"code": "011002", "name": "札幌市", "count": 3}]})))
    sheet = book["市町村"]
    assert [c.value for c in sheet[2]] == ["011002", "札幌市", 3]
    assert sheet["A2"].number_format == "@"


def test_xlsx_needs_a_file(runner, home):
    result = runner.invoke(cli, ["gaps", "--format", "xlsx"])
    assert result.exit_code != 0
    assert "-o" in result.output and "Traceback" not in result.output


def test_unwritable_folder_is_a_clear_error(runner, home, tmp_path):
    result = runner.invoke(cli, ["gaps", "-o", str(tmp_path / "no" / "such" / "gaps.csv")])
    assert result.exit_code != 0
    assert "フォルダがありません" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["gaps", "-o", str(blocker / "gaps.csv")])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_json_to_file_is_plain_utf8(runner, home, tmp_path):
    import json

    target = tmp_path / "stats.json"
    assert runner.invoke(cli, ["stats", "-o", str(target)]).exit_code == 0
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert json.loads(raw.decode("utf-8"))


def test_encodable_text_never_raises():
    from tsunagu.output import encodable_text

    marks = "●◐?·○×—–✓😀髙﨑①"
    for encoding in ("cp932", "shift_jis", "ascii", "utf-8"):
        encodable_text(marks, encoding).encode(encoding)
