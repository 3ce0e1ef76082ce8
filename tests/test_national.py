"""The national layer: municipality lists, census join, the survey file, the tally."""

import csv
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LISTS
from tsunagu.cli import cli
from tsunagu.exceptions import DataError, DataErrors
from tsunagu.compile import compile_graph
from tsunagu.loaders.municipalities import read_localgovjp, read_mic_codes, read_population
from tsunagu.loaders.formats.survey import SURVEY_COLUMNS, read_survey
from tsunagu.queries.duties import duty_statuses
from tsunagu.queries.tally import survey_table

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"
LOCALGOV = LISTS / "localgovjp" / "localgovjp-utf8.csv"
POPULATION = LISTS / "population_jp" / "population_jp_2015_detail.csv"


def _need_shared():
    if not LOCALGOV.exists():
        pytest.skip(f"{LOCALGOV} is not here")


@pytest.fixture(scope="module")
def national(national_compiled):
    """The session's one national build (tests/conftest.py), not a second one."""
    return national_compiled


def test_localgovjp_kinds_match_the_survey_denominators():
    _need_shared()
    listing = read_localgovjp(LOCALGOV)
    kinds = Counter(row.kind for row in listing.municipalities)
    # 002: 指定都市 20, 中核市 60, 市・区 735, 町・村 926 = 1,741
    assert len(listing.municipalities) == 1741 and len(listing.prefectures) == 47
    assert kinds["DesignatedCity"] == 20 and kinds["CoreCity"] == 60
    assert kinds["City"] + kinds["SpecialWard"] == 735 and kinds["SpecialWard"] == 23
    assert kinds["Town"] + kinds["Village"] == 926
    assert len(listing.wards) == 175
    sapporo = next(r for r in listing.municipalities if r.code == "011002")
    assert sapporo.kind == "DesignatedCity" and sapporo.wards == 10


def test_mic_code_list_fixture():
    listing = read_mic_codes(FIXTURES / "mic_codes_sample.csv")
    by_code = {r.code: r for r in listing.municipalities}
    assert by_code["011002"].kind == "DesignatedCity" and by_code["011002"].kana == "さっぽろし"
    assert by_code["012025"].kind == "CoreCity"
    assert by_code["131016"].kind == "SpecialWard"
    assert by_code["234273"].kind == "Village" and by_code["234273"].kana == "とびしまむら"
    assert listing.prefectures["010006"][:2] == ("北海道", "ほっかいどう")
    assert [w.name for w in listing.wards] == ["札幌市中央区"]


def test_bad_code_list_names_file_line_and_field(tmp_path):
    bad = tmp_path / "codes.csv"
    bad.write_text((FIXTURES / "mic_codes_sample.csv").read_text(encoding="utf-8").replace("342041", "342042"),
                   encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        read_mic_codes(bad)
    assert str(caught.value.errors[0]) == f"{bad}:12: field '団体コード': '342042' has a wrong check digit (expected 342041)"


def test_population_join_reports_what_did_not_join(national):
    report = national.graph.graph["national_report"]
    assert report["population_joined"] == 1739
    assert sorted(report["population_missing"]) == [
        "富谷市（042161）: 2015年国勢調査の表に地域コード 04216 の行がない（調査後にコードが変わった？）",
        "那珂川市（402311）: 2015年国勢調査の表に地域コード 40231 の行がない（調査後にコードが変わった？）"]
    assert read_population(POPULATION)["34204"][0] == 96194


def test_national_build_merges_the_embedded_examples_by_code(national):
    graph = national.graph
    municipalities = [n for n, d in graph.nodes(data=True) if "Municipality" in d["types"]]
    prefectures = [n for n, d in graph.nodes(data=True) if d["kind"] == "Prefecture"]
    assert len(municipalities) == 1741 and len(prefectures) == 47
    ino = graph.nodes["ino"]
    assert ino["censusPopulation"] == 22767 and ino["population"] == 22092
    assert ino["latitude"] and ino["homepage"] == "https://www.town.ino.kochi.jp/"
    assert [n for n, d in graph.nodes(data=True) if d.get("code") == "393860"] == ["ino"]
    assert graph.nodes["m-011002"]["kind"] == "DesignatedCity" and graph.nodes["m-011002"]["wardCount"] == 10
    # the 175 designated-city wards are areas inside their city, not municipalities
    wards = [n for n, d in graph.nodes(data=True) if d["kind"] == "AdministrativeWard"]
    assert len(wards) == 175 and graph.nodes["ward-011011"]["name"] == "札幌市中央区"
    assert [t for _, t, k in graph.out_edges("ward-011011", keys=True) if k == "partOfMunicipality"] == ["m-011002"]


def _write_survey(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SURVEY_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" for c in SURVEY_COLUMNS} | row)


def test_survey_file_loads_as_status_facts(tmp_path):
    survey = tmp_path / "survey.csv"
    _write_survey(survey, [
        {"code": "342041", "name": "三原市", "window_clarified": "yes", "window_publicised": "はい",
         "publicity_methods": "広報紙, HP", "needs_survey": "no", "platform": "yes", "platform_since": "2021-04",
         "source": "令和3年度 広島県調査", "as_of": "2022-03-31"},
        {"code": "393860", "window_clarified": "○", "needs_survey": "×", "source": "高知県調査", "as_of": "2021-03"},
    ])
    graph = compile_graph(municipalities=FIXTURES / "mic_codes_sample.csv", survey=survey, lists=False).graph
    rows = {r["id"]: r for r in duty_statuses(graph)}
    assert rows["mihara"]["window-publicised"] == "yes" and rows["mihara"]["needs-survey"] == "no"
    assert rows["mihara"]["platform"] == "yes" and rows["mihara"]["platform as of"] == "2022-03-31"
    assert rows["mihara"]["window-clarified source"].startswith("令和3年度 広島県調査: survey.csv line 2:")
    assert rows["ino"]["needs-survey"] == "no" and rows["ino"]["window-clarified as of"] == "2021-03"
    table = {(r["duty"], r["source"]): r for r in survey_table(graph)}
    assert table[("window-publicised", "graph")]["合計"] == "1/2 (不明 1)"  # tally shows unknown as unknown


@pytest.mark.parametrize("row, line_field_message", [
    ({"code": "999999"}, (2, "code", "no municipality with code '999999'")),
    ({"code": "342041", "name": "府中市"}, (2, "name", "code 342041 is 三原市, not 府中市")),
    ({"code": "342041", "window_clarified": "maybe", "source": "x", "as_of": "2021"}, (2, "window_clarified", "'maybe' is not yes, no or empty")),
    ({"code": "342041", "platform": "yes"}, (2, "source", "required when the row answers any duty")),
    ({"code": "342041", "platform": "yes", "source": "x", "as_of": "2021-13"}, (2, "as_of", "not a valid date")),
    ({"code": "342041", "window_clarified": "no", "window_publicised": "yes", "source": "x", "as_of": "2021"},
     (2, "window_publicised", "publicised, but the window is not clarified")),
    ({"code": "342041", "platform": "yes", "wide_area_platform": "ino-platform", "source": "x", "as_of": "2021"},
     (2, "wide_area_platform", "'ino-platform' is not a wide-area platform")),
])
def test_bad_survey_rows(tmp_path, row, line_field_message):
    survey = tmp_path / "survey.csv"
    _write_survey(survey, [row])
    line, field, message = line_field_message
    with pytest.raises(DataErrors) as caught:
        compile_graph(survey=survey, municipalities=FIXTURES / "mic_codes_sample.csv", lists=False)
    error = caught.value.errors[0]
    assert (error.file, error.line, error.field) == (str(survey), line, field)
    assert message in error.message


def test_survey_with_wrong_columns(tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text("code,name,platform\n342041,三原市,yes\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_survey(survey, {})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=8), min_size=len(SURVEY_COLUMNS),
                      max_size=len(SURVEY_COLUMNS)))
def test_survey_fuzz_loads_or_fails_cleanly(tmp_path, cells):
    survey = tmp_path / "fuzz.csv"
    _write_survey(survey, [dict(zip(SURVEY_COLUMNS, cells, strict=False))])
    codes = {"342041": ("https://w3id.org/tsunagu/id/mihara", "三原市")}
    try:
        read_survey(survey, {k: (__import__("rdflib").URIRef(v[0]), v[1]) for k, v in codes.items()})
    except DataErrors as errors:
        assert all(e.file == str(survey) for e in errors.errors)
    except DataError as error:
        assert error.file == str(survey)


def test_tally_and_template_commands(runner, tmp_path, national_cache):
    result = runner.invoke(cli, ["tally", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "window-clarified,survey 2020-05 (002),20/20 (100.0%),47/60 (78.3%),448/735 (61.0%),459/926 (49.6%),974/1741 (55.9%)" in result.output
    # the graph knows one 相談窓口の明確化 (三原市); the rest is unknown, shown as unknown
    assert "window-clarified,graph,不明 (20),不明 (60),1/735 (不明 734),不明 (926),1/1741 (不明 1740)" in result.output
    out = tmp_path / "kochi.csv"
    result = runner.invoke(cli, ["template", "survey", "--prefecture", "高知県", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel on Japanese Windows reads UTF-8
    rows = list(csv.DictReader(open(out, encoding="utf-8-sig")))
    assert len(rows) == 34 and rows[0]["code"] == "392014" and tuple(rows[0]) == SURVEY_COLUMNS


def test_gaps_shows_what_the_directory_holds_beside_the_duties_never_as_one(runner, national_cache, national):
    """The national picture says what it knows: 1,642 towns have a self-reliance window with a phone
    in the carried lists. That is shown in a column of its own and never turns a duty into 実施."""
    import json

    from tsunagu.queries.duties import duty_evidence

    evidence = duty_evidence(national.graph)
    assert sum(any(i["kind"] == "self-reliance" and i["telephone"] for i in items) for items in evidence.values()) == 1642
    result = runner.invoke(cli, ["gaps", "那覇市", "--format", "json"])
    assert result.exit_code == 0, result.output
    naha = json.loads(result.output)[0]
    shown = {item["kind"]: item for item in naha["evidence"]}
    assert shown["self-reliance"]["telephone"] == "098-917-5348" and shown["town-hall"]["telephone"]
    assert shown["self-reliance"]["source"] and shown["self-reliance"]["as_of"]
    assert {fact["status"] for fact in naha["duties"].values()} == {"unknown"}  # evidence, not a duty done
    table = runner.invoke(cli, ["gaps", "--prefecture", "沖縄県"], env={"COLUMNS": "100"}).output
    row = next(line for line in table.splitlines() if line.startswith("472018"))
    assert "自立☎ 役場☎" in row and "実施" not in row
    assert "一覧の窓口 = 全国の一覧にある窓口（参考）。3つの取組の実施には数えません。" in table
    # how the prefecture fills in 不明: the workbook or survey it downloads, fills in and builds from
    assert "tsunagu template workbook --prefecture 沖縄県 -o 沖縄県.xlsx" in table
    assert "tsunagu template survey --prefecture 沖縄県 -o 沖縄県.csv" in table
    as_csv = runner.invoke(cli, ["gaps", "那覇市", "--format", "csv"]).output
    header, values = list(csv.reader(as_csv.splitlines()))[:2]
    assert dict(zip(header, values, strict=True))["evidence self-reliance telephone"] == "098-917-5348"


def test_dot_map_in_chromium(national, tmp_path):
    from browser import open_page
    from tsunagu.diagrams.dotmap import dot_map_html

    path = tmp_path / "map.html"
    path.write_text(dot_map_html(national.graph), encoding="utf-8")
    page, close = open_page(path)
    try:
        assert page.console_errors() == []
        assert all(u.startswith(("file://", "data:")) for u in page.requested_urls())
        assert page.script("return document.querySelectorAll('circle').length") == 1741
        green = "return Array.from(document.querySelectorAll('circle')).filter(" \
                "c => getComputedStyle(c).fill === 'rgb(46, 125, 50)').length"
        assert page.script(green) == 6  # platforms known to be set up: the seeds' examples
        page.script("var s = document.getElementById('duty'); s.value = 'window-clarified';"
                    "s.dispatchEvent(new Event('change'));")
        assert page.script(green) == 1  # 三原市's window
        page.driver.save_screenshot(str(tmp_path / "map.png"))
    finally:
        close()


def test_map_command_needs_coordinates(seeds_cache, runner, tmp_path):
    result = runner.invoke(cli, ["map", "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 1 and "--seeds-only を付けずに" in result.output


def test_the_sweeps_read_the_builds_table_which_equals_the_graphs(national_home, national):
    """gaps, tally, rollup and the map answer from the duty table the build saved, never from a graph; the
    table must be the one the whole graph gives (else an analyst's count and a page could differ)."""
    import tsunagu
    from tsunagu.queries.duties import duty_statuses
    from tsunagu.rules.duties import duty_table

    library = tsunagu.open(national_home)
    saved = library._stored_build().duty_table()
    assert saved == duty_table(national.graph)
    assert len(saved.rows) == 1741 and saved.figures
    assert [row.id for row in library.gaps(prefecture="沖縄県")] == [
        row["id"] for row in duty_statuses(national.graph, prefecture="pref-470007")]
    assert library.evidence(["m-472018"])["m-472018"] == saved.evidence["m-472018"]
    library.tally(), library.rollup(by="prefecture")
    from tsunagu.diagrams.dotmap import dot_map_points

    points = dot_map_points(library.duty_table(), "pref-470007")
    assert len(points) == 41 and points == dot_map_points(national.graph, "pref-470007")
    assert not hasattr(library._stored_build(), "_graph")  # no sweep nor the map unpickled the whole graph
