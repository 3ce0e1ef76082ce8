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


# --- in: CSV encodings, dates, survey rows by name -------------------------------------


FIXTURES = ROOT / "tests" / "fixtures"


def _survey_text(rows):
    from tsunagu.loaders.survey import SURVEY_COLUMNS

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SURVEY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" for c in SURVEY_COLUMNS} | row)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_survey_saved_by_excel_loads(tmp_path, encoding):
    """cp932 as Excel saves "CSV", dates as Excel shows them, a code that lost its zero, a row by name only."""
    from tsunagu.graph import compile_graph
    from tsunagu.queries.coverage import duty_statuses

    survey = tmp_path / "survey.csv"
    survey.write_bytes(_survey_text([
        {"code": "342041", "name": "三原市", "window_clarified": "はい", "platform": "yes",
         "platform_since": "令和3年4月1日", "source": "令和3年度 広島県調査", "as_of": "2022/3/31"},
        {"code": "11002", "name": "札幌市", "needs_survey": "○", "source": "北海道調査", "as_of": "令和3年7月1日"},
        {"name": "函館市", "window_clarified": "×", "source": "北海道調査", "as_of": "2021年7月1日"},
    ]).encode(encoding))
    graph = compile_graph(municipalities=FIXTURES / "mic_codes_sample.csv", survey=survey).graph
    rows = {r["code"]: r for r in duty_statuses(graph)}
    assert rows["342041"]["window-clarified"] == "yes" and rows["342041"]["platform as of"] == "2022-03-31"
    assert rows["011002"]["needs-survey"] == "yes" and rows["011002"]["needs-survey as of"] == "2021-07-01"
    assert rows["012025"]["window-clarified"] == "no" and rows["012025"]["window-clarified as of"] == "2021-07-01"


def test_survey_in_no_known_encoding_says_which_failed(tmp_path):
    from tsunagu.exceptions import DataError
    from tsunagu.loaders.survey import read_survey

    survey = tmp_path / "survey.csv"
    survey.write_bytes(_survey_text([]).encode("ascii") + b"342041,\x85\x40\n")
    with pytest.raises(DataError) as caught:
        read_survey(survey, {})
    message = str(caught.value)
    assert "UTF-8" in message and "cp932" in message and "2 行目" in message


def test_survey_name_must_be_unique_and_known(tmp_path):
    from rdflib import URIRef

    from tsunagu.exceptions import DataErrors
    from tsunagu.loaders.survey import read_survey

    fuchu = {"342084": (URIRef("urn:x:fuchu-hiroshima"), "府中市"), "132063": (URIRef("urn:x:fuchu-tokyo"), "府中市")}
    survey = tmp_path / "survey.csv"
    survey.write_text(_survey_text([{"name": "府中市", "platform": "yes", "source": "x", "as_of": "2021"},
                                    {"name": "どこか市", "platform": "yes", "source": "x", "as_of": "2021"}]),
                      encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        read_survey(survey, fuchu)
    first, second = caught.value.errors
    assert (first.line, first.field) == (2, "name") and "132063, 342084" in first.message
    assert (second.line, second.field) == (3, "name") and "どこか市" in second.message


@pytest.mark.parametrize("text, iso", [
    ("2021-07-01", "2021-07-01"), ("2021/7/1", "2021-07-01"), ("2021年7月1日", "2021-07-01"),
    ("令和3年7月1日", "2021-07-01"), ("令和元年5月1日", "2019-05-01"), ("平成31年4月30日", "2019-04-30"),
    ("平成元年1月8日", "1989-01-08"), ("Ｈ３０．１２．１", "2018-12-01"), ("R3/7/1", "2021-07-01"),
    ("2019-11", "2019-11"), ("2019/11", "2019-11"), ("令和2年", "2020"), ("2019", "2019"),
])
def test_iso_date_reads_the_forms_people_type(text, iso):
    from tsunagu.loaders.tabular import iso_date

    assert iso_date(text) == iso


@pytest.mark.parametrize("text", ["2021/2/30", "2021-13", "平成32年1月1日", "令和元年4月30日", "令和0年", "昨日", "7/1"])
def test_iso_date_refuses_impossible_dates(text):
    from tsunagu.loaders.tabular import iso_date

    with pytest.raises(ValueError, match=text):
        iso_date(text)
