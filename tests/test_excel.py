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
    from tsunagu.compile import build

    home = tmp_path_factory.mktemp("home")
    build(directory=home, lists=False)
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
    assert len(book.sheetnames) >= 2 and "三原市" in book.sheetnames[0]  # the matrix, then the providers
    sheet = book[book.sheetnames[0]]
    headers = [cell.value for cell in sheet[1]]
    assert any("相談" in str(h) for h in headers) and sheet.max_row >= 9  # one row per age band
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 6

    gaps = tmp_path / "gaps.xlsx"
    assert runner.invoke(cli, ["gaps", "--format", "xlsx", "-o", str(gaps)]).exit_code == 0
    sheet = load_workbook(gaps).active
    header = [cell.value for cell in sheet[1]]
    codes = [row[header.index("コード")] for row in sheet.iter_rows(min_row=2, values_only=True)]
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
    stats = json.loads(raw.decode("utf-8"))
    kinds = {row["kind"]: row["count"] for row in stats["nodes"]}
    assert sum(kinds.values()) == stats["total"]["nodes"] > 100 and stats["total"]["edges"] > stats["total"]["nodes"]
    assert kinds["SupportDomain"] >= 10 and "City" in kinds and "Town" in kinds, kinds


def test_encodable_text_never_raises():
    from tsunagu.output import encodable_text

    marks = "●◐?·○×—–✓😀髙﨑①"
    for encoding in ("cp932", "shift_jis", "ascii", "utf-8"):
        encodable_text(marks, encoding).encode(encoding)


# --- in: CSV encodings, dates, survey rows by name -------------------------------------


FIXTURES = ROOT / "tests" / "fixtures"


def _survey_text(rows):
    from tsunagu.loaders.formats.survey import SURVEY_COLUMNS

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SURVEY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" for c in SURVEY_COLUMNS} | row)
    return buffer.getvalue()


_EXCEL_SURVEY = [
    {"code": "342041", "name": "三原市", "window_clarified": "はい", "platform": "yes",
     "platform_since": "令和3年4月1日", "source": "令和3年度 広島県調査", "as_of": "2022/3/31"},
    {"code": "11002", "name": "札幌市", "needs_survey": "○", "source": "北海道調査", "as_of": "令和3年7月1日"},
    {"name": "函館市", "window_clarified": "×", "source": "北海道調査", "as_of": "2021年7月1日"},
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_survey_in_utf8_with_or_without_bom(tmp_path, encoding):
    from rdflib import URIRef

    from tsunagu.loaders.formats.survey import read_survey
    from tsunagu.ontology import TG

    survey = tmp_path / "survey.csv"
    survey.write_bytes(_survey_text(_EXCEL_SURVEY).encode(encoding))
    codes = {"342041": (URIRef("urn:x:mihara"), "三原市"), "011002": (URIRef("urn:x:sapporo"), "札幌市"),
             "012025": (URIRef("urn:x:hakodate"), "函館市")}
    facts = read_survey(survey, codes)
    subjects = {str(o) for o in facts.objects(None, TG.ofMunicipality)}
    assert subjects == {"urn:x:mihara", "urn:x:sapporo", "urn:x:hakodate"}


def test_survey_saved_by_excel_loads(tmp_path):
    """cp932 as Excel saves "CSV", dates as Excel shows them, a code that lost its zero, a row by name only."""
    from tsunagu.compile import compile_graph
    from tsunagu.queries.duties import duty_statuses

    survey = tmp_path / "survey.csv"
    survey.write_bytes(_survey_text(_EXCEL_SURVEY).encode("cp932"))
    graph = compile_graph(municipalities=FIXTURES / "mic_codes_sample.csv", survey=survey, lists=False).graph
    rows = {r["code"]: r for r in duty_statuses(graph)}
    assert rows["342041"]["window-clarified"] == "yes" and rows["342041"]["platform as of"] == "2022-03-31"
    assert rows["011002"]["needs-survey"] == "yes" and rows["011002"]["needs-survey as of"] == "2021-07-01"
    assert rows["012025"]["window-clarified"] == "no" and rows["012025"]["window-clarified as of"] == "2021-07-01"


def test_survey_in_no_known_encoding_says_which_failed(tmp_path):
    from tsunagu.exceptions import DataError
    from tsunagu.loaders.formats.survey import read_survey

    survey = tmp_path / "survey.csv"
    survey.write_bytes(_survey_text([]).encode("ascii") + b"342041,\x85\x40\n")
    with pytest.raises(DataError) as caught:
        read_survey(survey, {})
    message = str(caught.value)
    assert "UTF-8" in message and "cp932" in message and "2 行目" in message


def test_survey_name_must_be_unique_and_known(tmp_path):
    from rdflib import URIRef

    from tsunagu.exceptions import DataErrors
    from tsunagu.loaders.formats.survey import read_survey

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
    from tsunagu.loaders.formats.tabular import iso_date

    assert iso_date(text) == iso


@pytest.mark.parametrize("text", ["2021/2/30", "2021-13", "平成32年1月1日", "令和元年4月30日", "令和0年", "昨日", "7/1"])
def test_iso_date_refuses_impossible_dates(text):
    from tsunagu.loaders.formats.tabular import iso_date

    with pytest.raises(ValueError, match=text):
        iso_date(text)


# --- workbooks: template out, build in, round trip --------------------------------------


@pytest.fixture(scope="module")
def mihara_book(tmp_path_factory):
    from tsunagu.compile import compile_graph
    from tsunagu.loaders.formats.workbook import template_workbook_bytes

    path = tmp_path_factory.mktemp("book") / "mihara.xlsx"
    path.write_bytes(template_workbook_bytes(compile_graph(lists=False).graph, ["mihara"]))
    return path


def test_template_workbook_sheets_headers_dropdowns(mihara_book):
    from tsunagu.loaders.formats.workbook import SHEETS

    book = load_workbook(mihara_book)
    assert book.sheetnames[:6] == ["相談窓口", "プラットフォーム", "構成団体", "事業", "取組状況", "出典"]
    assert book["選択肢"].sheet_state == "hidden"
    for spec in SHEETS:
        sheet = book[spec.title]
        assert [c.value for c in sheet[1]] == [c.header for c in spec.columns]
        assert sheet.data_validations.dataValidation, f"{spec.title} has no dropdown"
    windows = book["相談窓口"]
    row = {h.value: c.value for h, c in zip(windows[1], windows[3], strict=True)}
    assert row["ID"] == "mihara-window" and row["市区町村"] == "342041 三原市"
    assert row["種別"].endswith("（ConsultationWindow）")
    assert windows.cell(row=3, column=4).number_format == "@"
    duties = {h.value: c.value for h, c in zip(book["取組状況"][1], book["取組状況"][3], strict=True)}
    assert duties["実施"] == "はい" and duties["取組"].endswith("（window-clarified）")
    choices = [c.value for c in book["選択肢"]["A"]]
    assert any(v and v.endswith("（SocialWelfareCouncil）") for v in choices)


def test_template_workbook_command(runner, home, tmp_path):
    target = tmp_path / "kochi.xlsx"
    result = runner.invoke(cli, ["template", "workbook", "--prefecture", "高知県", "-o", str(target)])
    assert result.exit_code == 0, result.output
    members = [r[0] for r in load_workbook(target)["構成団体"].iter_rows(min_row=3, values_only=True)]
    assert "ino-shakyo" in members and "kochi-regional-support-centre" in members
    result = runner.invoke(cli, ["template", "workbook", "--municipality", "三原市", "-o", str(tmp_path / "no" / "m.xlsx")])
    assert result.exit_code != 0 and "フォルダがありません" in result.output


def _view(graph, municipality):
    from tsunagu.compile.precompute import reach_subgraph

    sub, _ = reach_subgraph(graph, municipality)
    nodes = {}
    for node in sub:
        data = dict(graph.nodes[node])
        data["sources"] = sorted((s["document"], s["quote"]) for s in data.get("sources", ()))
        nodes[node] = data
    return nodes, sorted((s, t, k) for s, t, k in graph.edges(keys=True) if s in sub or t in sub)


def test_round_trip_every_embedded_municipality(compiled, tmp_path):
    """Export every embedded municipality to one workbook, build from it: each municipality's graph is unchanged."""
    from tsunagu.compile import compile_graph
    from tsunagu.rules.reach import municipality_nodes
    from tsunagu.loaders.formats.workbook import template_workbook_bytes

    graph = compiled.graph
    municipalities = sorted(municipality_nodes(graph))
    assert {"mihara", "ino", "toyokawa", "hannan", "kanie"} <= set(municipalities)
    path = tmp_path / "all.xlsx"
    path.write_bytes(template_workbook_bytes(graph, municipalities))
    rebuilt = compile_graph([path], lists=False).graph
    for municipality in municipalities:
        assert _view(rebuilt, municipality) == _view(graph, municipality), municipality


def _edited(source, tmp_path, change, name="edited.xlsx"):
    book = load_workbook(source)
    change(book)
    path = tmp_path / name
    book.save(path)
    return path


def _problems(path, with_embedded=True):
    from tsunagu.exceptions import DataErrors
    from tsunagu.compile import embedded_data_files, read_inputs
    from tsunagu.loaders.formats.workbook import read_workbook

    with pytest.raises(DataErrors) as caught:
        read_inputs(embedded_data_files() + [path]) if with_embedded else read_workbook(path)
    return caught.value.errors


def test_workbook_edits_replace_the_shipped_records(mihara_book, tmp_path):
    from tsunagu.compile import compile_graph

    def change(book):
        sheet = book["相談窓口"]
        headers = [c.value for c in sheet[1]]
        sheet.cell(row=3, column=headers.index("対象年齢") + 1, value="15歳〜39歳")
        sheet.cell(row=3, column=headers.index("備考") + 1, value="窓口の確認: 令和6年4月")

    graph = compile_graph([_edited(mihara_book, tmp_path, change)], lists=False).graph
    window = graph.nodes["mihara-window"]
    assert (window["age_min"], window["age_max"]) == (15, 39) and window["note"] == "窓口の確認: 令和6年4月"
    assert window["name"] == "こころの健康相談・ひきこもり相談"
    assert ("mihara-window", "mihara", "windowOf") in graph.edges(keys=True)


@pytest.mark.parametrize("case", ["missing sheet", "renamed header", "merged cells", "formula", "date text",
                                  "bad domain", "unknown reference", "unknown source key"])
def test_bad_workbooks_name_sheet_row_column(mihara_book, tmp_path, case):
    from tsunagu.exceptions import WorkbookError

    def column(sheet, header):
        return [c.value for c in sheet[1]].index(header) + 1

    def change(book):
        members = book["構成団体"]
        if case == "missing sheet":
            del book["事業"]
        elif case == "renamed header":
            members.cell(row=1, column=column(members, "電話番号"), value="電話")
        elif case == "merged cells":
            members.merge_cells(start_row=3, start_column=3, end_row=4, end_column=3)
        elif case == "formula":
            members.cell(row=3, column=column(members, "電話番号"), value="=A1&B1")
        elif case == "date text":
            members.cell(row=3, column=column(members, "確認日"), value="先月")
        elif case == "bad domain":
            members.cell(row=3, column=column(members, "支援分野"), value="福祉、宇宙開発")
        elif case == "unknown reference":
            members.cell(row=3, column=column(members, "所属先ID"), value="no-such-platform")
        elif case == "unknown source key":
            members.cell(row=3, column=column(members, "出典キー"), value="s999")

    # only a reference needs the other files: the rest is found in the workbook alone
    errors = _problems(_edited(mihara_book, tmp_path, change), with_embedded=case == "unknown reference")
    assert errors and all(isinstance(e, WorkbookError) for e in errors), [str(e) for e in errors]
    text = str(errors[0])
    assert text.startswith("ブック edited.xlsx") and "シート「" in text
    expected = {
        "missing sheet": ("事業", None, None), "renamed header": ("構成団体", 1, "電話番号"),
        "merged cells": ("構成団体", 3, None), "formula": ("構成団体", 3, "電話番号"),
        "date text": ("構成団体", 3, "確認日"), "bad domain": ("構成団体", 3, "支援分野"),
        "unknown reference": ("構成団体", 3, "所属先ID"), "unknown source key": ("構成団体", 3, "出典キー"),
    }[case]
    assert (errors[0].sheet, errors[0].line, errors[0].header) == expected, text


def test_code_typed_as_a_number_is_restored_with_a_notice(mihara_book, tmp_path):
    from tsunagu.compile import compile_graph, read_inputs, embedded_data_files

    def change(book):
        sheet = book["相談窓口"]
        sheet.cell(row=3, column=[c.value for c in sheet[1]].index("対象地域") + 1, value=10006)  # 北海道 010006

    path = _edited(mihara_book, tmp_path, change)
    notices = []
    read_inputs(embedded_data_files() + [path], notices=notices)
    assert len(notices) == 1 and "010006" in notices[0] and "相談窓口" in notices[0]
    graph = compile_graph([path], lists=False).graph
    assert ("mihara-window", "hokkaido", "servesArea") in graph.edges(keys=True)


def test_validate_command_reads_a_workbook(runner, mihara_book, tmp_path):
    result = runner.invoke(cli, ["validate", str(mihara_book)])
    assert result.exit_code == 0, result.output
    broken = _edited(mihara_book, tmp_path, lambda book: book["取組状況"].cell(row=3, column=4, value="たぶん"))
    result = runner.invoke(cli, ["validate", str(broken)])
    assert result.exit_code != 0
    assert "シート「取組状況」 3行目 D列「実施」" in result.output


def test_workbook_names_a_national_municipality_by_code(mihara_book, tmp_path):
    """高知市 is only in the national layer: a row names it by code, and the build takes it as that layer's id."""
    from tsunagu.compile import embedded_data_files, read_inputs
    from tsunagu.loaders.formats.workbook import national_references, read_workbook
    from tsunagu.ontology import TG, entity_iri

    def change(book):
        sheet = book["取組状況"]
        sheet.cell(row=4, column=2, value="392014 高知市")
        sheet.cell(row=4, column=3, value="相談窓口の明確化（window-clarified）")
        sheet.cell(row=4, column=4, value="はい")
        sheet.cell(row=4, column=5, value="令和5年4月1日")
        sheet.cell(row=4, column=9, value="s1")

    path = _edited(mihara_book, tmp_path, change)
    assert national_references([read_workbook(path)]) == {"m-392014": TG.Municipality}
    asserted, _, _ = read_inputs(embedded_data_files() + [path], validate=False)
    assert (None, TG.ofMunicipality, entity_iri("m-392014")) in asserted
    errors = _problems(path)  # without --municipalities nobody defines 高知市
    assert any("m-392014" in str(e) and "取組状況" in str(e) for e in errors), [str(e) for e in errors]


def test_workbook_without_its_note_row_loses_no_data(mihara_book, tmp_path):
    from tsunagu.loaders.formats.workbook import read_workbook

    def change(book):
        for title in ("相談窓口", "プラットフォーム", "構成団体", "事業", "取組状況", "出典"):
            book[title].delete_rows(2)

    ids = {r.id for r in read_workbook(_edited(mihara_book, tmp_path, change)).records}
    assert {"mihara-window", "mihara-youth-place", "mihara-shakyo", "mihara-window-clarified"} <= ids
    assert len(ids) == len(read_workbook(mihara_book).records)


def test_encoding_on_screen_writes_those_bytes(runner, home):
    result = runner.invoke(cli, ["coverage", "--municipality", "三原市", "--format", "csv", "--encoding", "cp932"])
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("cp932")
    assert "三原市" in text and "・" in text


def test_dates_and_formulas_are_read_as_before_in_streaming_mode(mihara_book, tmp_path):
    """Read-only mode keeps what normal mode gave: a real date in a date column, a formula refused."""
    import datetime as dt

    from tsunagu.exceptions import DataErrors
    from tsunagu.loaders.formats.workbook import read_workbook

    def column(sheet, header):
        return [c.value for c in sheet[1]].index(header) + 1

    def dated(book):
        members = book["構成団体"]
        members.cell(row=3, column=column(members, "確認日"), value=dt.datetime(2024, 4, 1))

    first = load_workbook(mihara_book)["構成団体"]["A3"].value
    records = {r.id: r for r in read_workbook(_edited(mihara_book, tmp_path, dated)).records}
    assert records[first].fields["last_checked"] == "2024-04-01"

    def date_in_text(book):
        members = book["構成団体"]
        members.cell(row=3, column=column(members, "電話番号"), value=dt.datetime(2024, 4, 1))
        members.cell(row=3, column=column(members, "FAX"), value="=1+1")

    with pytest.raises(DataErrors) as caught:
        read_workbook(_edited(mihara_book, tmp_path, change=date_in_text, name="bad.xlsx"))
    messages = [str(e) for e in caught.value.errors]
    assert any("3行目 M列「電話番号」: 日付ではなく文字で入力してください" in m for m in messages), messages
    assert any("3行目 N列「FAX」: 数式ではなく値を入力してください" in m for m in messages), messages


def test_a_workbook_with_shared_strings_reads_as_its_inline_twin(mihara_book, tmp_path):
    """Excel keeps text in a shared string table (openpyxl writes it inline): both read the same."""
    import re
    import zipfile

    from test_hardening import _rebuilt
    from tsunagu.loaders.formats.workbook import read_workbook

    strings, index = [], {}
    inline = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)

    def shared(match):
        index.setdefault(match.group(3), len(index))
        if len(strings) < len(index):
            strings.append(match.group(3))
        return b"<c " + match.group(1) + b't="s"' + match.group(2) + b"><v>%d</v></c>" % index[match.group(3)]

    with zipfile.ZipFile(mihara_book) as book:
        parts = {name: inline.sub(shared, book.read(name)) for name in book.namelist()
                 if name.startswith("xl/worksheets/")}
    parts["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                     + b"".join(b'<si><t xml:space="preserve">' + t + b"</t></si>" for t in strings)
                                     + b"</sst>")
    twin = _rebuilt(mihara_book, tmp_path / "shared.xlsx", parts)
    assert strings and b"inlineStr><is>" not in zipfile.ZipFile(twin).read("xl/worksheets/sheet1.xml")
    expected = [(r.id, r.fields) for r in read_workbook(mihara_book).records]
    assert [(r.id, r.fields) for r in read_workbook(twin).records] == expected
