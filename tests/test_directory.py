"""The national directory: sources by name, merged windows, provenance, conflicts, bad rows, coverage."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import LISTS, SEEDS, need_shared
from tsunagu.cli import cli
from tsunagu.exceptions import AmbiguousName, DataError, TsunaguError, WrongCheckDigit
from tsunagu.compile import compile_graph
from tsunagu.resolver import resolve
from tsunagu.rules.names import name_table
from tsunagu.loaders.sources import parse_source_option, source_loader, source_names
from tsunagu.queries.directory import conflict_rows, directory_coverage

FIXTURES = Path(__file__).parent / "fixtures"
DIRECTORY = FIXTURES / "directory"
MIC = FIXTURES / "mic_codes_sample.csv"
SOURCES = {
    "fukushi_portal": DIRECTORY / "fukushi_portal",
    "hokenjo": DIRECTORY / "hokenjo.csv",
    "mhlw_jiritsu_2023": DIRECTORY / "mhlw_jiritsu_2023.json",
}


@pytest.fixture(scope="module")
def small():
    """The ministry sample list plus a small copy of each directory list, one problem per row."""
    return compile_graph(municipalities=MIC, sources=SOURCES, lists=False)


def _report(compiled, name):
    return next(s for s in compiled.graph.graph["national_report"]["sources"] if s["name"] == name)


def test_registry_names_each_source_once_in_load_order():
    assert source_names()[:3] == ["municipalities", "population", "survey"]
    assert {"fukushi_portal", "hokenjo", "mhlw_jiritsu_2023"} <= set(source_names())
    assert source_loader("fukushi_portal").__module__ == "tsunagu.loaders.sources.fukushi_portal"
    with pytest.raises(TsunaguError, match="未知の入力ソース 'nope'"):
        parse_source_option("nope=x.csv")
    with pytest.raises(TsunaguError, match="NAME=PATH"):
        parse_source_option("hokenjo")


def test_window_carries_contacts_and_the_provenance_of_each_row(small):
    node = small.graph.nodes["fp-hiroshima-mihara-self-reliance"]
    # full-width digits and a line break inside the cell, as in the real file
    assert node["telephone"] == "0848-67-6059" and node["address"] == "三原市港町 三丁目5-1"
    assert node["email"] == "soudan@example.jp" and node["accessMethods"] == ["来所", "電話"]
    assert node["openingHours"] == "月曜日～金曜日 8:30～17:15" and node["closedDays"] == "土日祝日"
    assert node["eligibility"] == "市内に住む人" and node["lastChecked"] == "2026-07-27"
    portal, ministry = sorted(node["sources"], key=lambda s: s["dataset"])
    assert portal == {
        "document": "fukushi_portal/offices.csv", "file": "fukushi_portal/offices.csv", "row": 1,
        "dataset": "fukushi_portal", "quote": "三原市: 三原市生活支援相談センター",
        "url": "https://www.pref.hiroshima.lg.jp/list.html", "as_of": "2026-07-27", "licence": "CC BY 4.0",
        "credit": "くらし支援ナビ（運営: JUNKBRANDING）", "title": "くらし支援ナビ 全国の相談窓口データ"}
    assert ministry["credit"] == "出典：厚生労働省" and ministry["as_of"] == "2023-04-01" and ministry["row"] == 1


def test_two_sources_one_window_keep_both_phones_newest_first(small):
    node = small.graph.nodes["fp-hiroshima-mihara-self-reliance"]
    assert node["conflicts"] == [{"field": "telephone", "values": [
        {"value": "0848-67-6059", "source": "fukushi_portal", "as_of": "2026-07-27"},
        {"value": "0848-67-0000", "source": "mhlw_jiritsu_2023", "as_of": "2023-04-01"}]}]
    rows = conflict_rows(small.graph)
    assert ("fp-hokkaido-hakodate-self-reliance", "函館市生活支援センター", "name",
            [("函館市生活支援センター", "fukushi_portal", "2026-07-26"),
             ("函館市くらし相談", "mhlw_jiritsu_2023", "2023-04-01")]) in rows
    # the other list's phone is not lent to a window it may not belong to
    assert "telephone" not in small.graph.nodes["fp-hokkaido-hakodate-self-reliance"]


def test_shared_agency_is_one_entity_serving_each_town(small):
    graph = small.graph
    served = sorted(t for _, t, k in graph.out_edges("fp-hiroshima-mihara-shared", keys=True) if k == "servesArea")
    # 府中市's row in municipalities.csv has a wrong check digit (342080): joined on its 5 digits
    assert served == ["m-342084", "mihara"]
    assert graph.nodes["fp-hiroshima-mihara-shared"]["telephone"] == "0847-11-2233"  # ‐ (U+2010) folded
    assert not any(n.startswith("fp-hiroshima-fuchu-shared") for n in graph)


def test_review_required_rows_load_flagged_unverified(small):
    node = small.graph.nodes["fp-hokkaido-hakodate-self-reliance"]
    assert node["unverified"] is True
    assert "unverified" not in small.graph.nodes["fp-hiroshima-mihara-self-reliance"]


def test_town_hall_and_welfare_window(small):
    graph = small.graph
    hall = graph.nodes["townhall-342041"]
    assert hall["kind"] == "MunicipalOffice" and hall["telephone"] == "0848-67-2111"
    assert ("townhall-342041", "mihara") in {(s, t) for s, t, k in graph.edges(keys=True) if k == "servesArea"}
    welfare = graph.nodes["fp-hiroshima-mihara-housing-benefit"]
    assert welfare["kind"] == "WelfareWindow" and welfare["domains"] == ["welfare"]


def test_older_source_fills_a_town_without_a_window_and_splits_multi_town_rows(small):
    graph = small.graph
    window = graph.nodes["mhlw2023-23-2"]
    assert window["name"] == "飛島村 福祉課" and window["older_source"] is True
    assert window["email"] == "fukushi@example.jp"  # full-width ＠
    assert [t for _, t, k in graph.out_edges("mhlw2023-23-2", keys=True) if k == "servesArea"] == ["tobishima"]
    notes = _report(small, "mhlw_jiritsu_2023")["notes"]
    assert any("消えた町" in note for note in notes)
    # a county-level office of the prefecture serves the prefecture
    assert ("mhlw2023-39-5", "kochi") in {(s, t) for s, t, k in graph.edges(keys=True) if k == "servesArea"}


def test_every_bad_row_is_reported_with_file_row_field_and_why(small):
    portal = _report(small, "fukushi_portal")
    skipped = {(s["file"], s["row"], s["field"]): s["why"] for s in portal["skipped"]}
    assert portal["loaded"] == 8 and len(skipped) == 2  # a prefecture-wide row (9) is a body of its prefecture
    assert "市区町村一覧にない" in skipped[("fukushi_portal/offices.csv", 8, "municipalityId")]
    assert skipped[("fukushi_portal/offices.csv", 10, "name")] == "窓口名が空"
    dropped = portal["fields_dropped"]
    assert dropped == [{"file": "fukushi_portal/offices.csv", "row": 4, "field": "email",
                        "why": "'http://example.jp/contact' はメールアドレスではない"}]
    ministry = _report(small, "mhlw_jiritsu_2023")
    assert ministry["loaded"] == 5 and [(s["row"], s["field"]) for s in ministry["skipped"]] == [(4, "窓口名")]
    health = _report(small, "hokenjo")
    assert health["loaded"] == 8 and [(s["row"], s["field"]) for s in health["skipped"]] == [(3, "muni_code")]


def test_health_office_of_a_ward_serves_the_ward_and_its_city(small):
    graph = small.graph
    office = next(n for n, d in graph.nodes(data=True) if d.get("name") == "札幌市保健所")
    assert sorted(t for _, t, k in graph.out_edges(office, keys=True) if k == "servesArea") == ["m-011002", "ward-011011"]
    assert next(n for n, d in graph.nodes(data=True) if d.get("name") == "東部保健所")  # 「東　部」 folded


def test_each_prefecture_and_designated_city_has_a_regional_centre(small):
    graph = small.graph
    placeholder = graph.nodes["rsc-010006"]
    assert placeholder["placeholder"] is True and placeholder["name"] == "北海道ひきこもり地域支援センター（名称・連絡先は未収録）"
    assert placeholder["sources"][0]["document"] == "002_551d311390b905b2.txt"
    assert graph.nodes["rsc-011002"]["name"].startswith("札幌市ひきこもり地域支援センター")  # a designated city
    # 広島県 and 高知県 have their named centre in the curated data: no placeholder
    assert "rsc-340006" not in graph and "rsc-390003" not in graph


def test_ward_resolves_by_full_name_spaced_name_and_code(small):
    graph = small.graph
    for text in ("札幌市中央区", "札幌市 中央区", "011011"):
        assert resolve(graph, text) == "ward-011011"
        assert resolve(name_table(graph), text, types={"Municipality"}) == "m-011002"  # a ward answers for its city
    assert graph.nodes["ward-011011"]["kind"] == "AdministrativeWard"


def test_wrong_check_digit_names_the_right_code(small):
    with pytest.raises(WrongCheckDigit, match="三原市 のコードは 342041"):
        resolve(name_table(small.graph), "342042", types={"Municipality"})


def test_coverage_of_the_small_directory(small):
    coverage = directory_coverage(small.graph)
    assert coverage["municipalities"] == len([n for n, d in small.graph.nodes(data=True) if "Municipality" in d["types"]])
    assert coverage["town_hall"] == 2 and coverage["health_office"] == 8
    reasons = {name: reason for rows in coverage["missing"].values() for name, _, reason in rows}
    assert reasons["函館市"] == "窓口はあるが電話番号が一覧にない"
    assert reasons["いの町"].startswith("県の自立相談支援機関（郡部の事務所）")
    assert "三原市" not in reasons and "飛島村" not in reasons


def test_a_broken_source_leaves_the_previous_build(runner, tmp_path):
    from wcwidth import wcswidth

    args = ["build", "--seeds-only", "--municipalities", str(MIC)] + [f"--source={n}={p}" for n, p in SOURCES.items()]
    result = runner.invoke(cli, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "fukushi_portal: 読み込み 8 行、読み飛ばし 2 行、除いた項目 1" in result.output
    # each list's notes fit an 80-column terminal, cut under their own indent (file and row first)
    assert max(wcswidth(line) for line in result.output.splitlines()) == 80
    assert "  mhlw_jiritsu_2023/mhlw_jiritsu_2023.json 行 4 [窓口名]: 窓口名が空（PDF 変換で\n    行が分かれた？" in result.output
    assert "自立相談支援機関（名称・電話あり）:" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    result = runner.invoke(cli, ["build", "--seeds-only", "--municipalities", str(MIC), f"--source=mhlw_jiritsu_2023={broken}"])
    assert result.exit_code != 0 and "JSON として読めません" in result.output
    result = runner.invoke(cli, ["conflicts"])
    assert result.exit_code == 0 and "0848-67-0000  [自立相談支援機関 相談窓口一覧（令和5年4月1日現在）, 2023-04-01]" in result.output
    result = runner.invoke(cli, ["directory", "--skipped"])
    assert result.exit_code == 0 and "函館市 (012025): 窓口はあるが電話番号が一覧にない" in result.output
    assert "fukushi_portal/offices.csv 行 8 [municipalityId]: 消えた町 (999990) が市区町村一覧にない" in result.output


def test_missing_column_is_one_clear_error(tmp_path):
    folder = tmp_path / "fukushi_portal"
    shutil.copytree(DIRECTORY / "fukushi_portal", folder)
    text = (folder / "offices.csv").read_text(encoding="utf-8").replace("contactType", "kind", 1)
    (folder / "offices.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="列がありません: contactType"):
        compile_graph(municipalities=MIC, sources={"fukushi_portal": folder}, lists=False)


def test_curated_contact_fields(tmp_path):
    path = tmp_path / "contacts.yaml"
    path.write_text("""
sources:
  s1: {document: 003_751a8db948000d3d.txt, quote: '実施場所 ちゃんくす(港町一丁目2番26号)'}
records:
  - id: test-contact-org
    type: NPO
    name: 連絡先テスト
    telephone: 0848-00-0000
    email: info@example.jp
    access_methods: [電話, 来所]
    languages: 日本語
    last_checked: 2026-07-01
    sources: [s1]
""", encoding="utf-8")
    node = compile_graph([path], lists=False).graph.nodes["test-contact-org"]
    assert node["telephone"] == "0848-00-0000" and node["accessMethods"] == ["来所", "電話"]
    assert node["availableLanguage"] == "日本語" and node["lastChecked"] == "2026-07-01"


# --- the real lists -----------------------------------------------------------------------------

DATA = LISTS


def test_real_directory_must_show(national_graph):
    need_shared(DATA / "fukushi_portal" / "offices.csv")
    graph = national_graph
    coverage = directory_coverage(graph)
    assert coverage["municipalities"] == 1741
    assert coverage["window_with_phone"] >= 1640
    assert coverage["town_hall"] == 1741 and coverage["health_office"] == 1741
    missing = sum(len(rows) for rows in coverage["missing"].values())
    assert missing == 1741 - coverage["window_with_phone"]
    table = name_table(graph)
    naha = resolve(table, "那覇市", types={"Municipality"})
    windows = [s for s, _, k in graph.in_edges(naha, keys=True)
               if k == "servesArea" and graph.nodes[s]["kind"] == "SelfRelianceSupportAgency"]
    assert any(graph.nodes[w].get("telephone") for w in windows)
    kutchan = resolve(table, "倶知安町", types={"Municipality"})
    assert "後志管内自立相談支援機関" in {graph.nodes[s]["name"] for s, _, k in graph.in_edges(kutchan, keys=True)
                                   if k == "servesArea"}
    with pytest.raises(AmbiguousName) as caught:
        resolve(table, "中央区", types={"Municipality"})
    assert len(caught.value.args[0]) > 0 and "札幌市中央区" in str(caught.value) and "東京都" in str(caught.value)
    assert resolve(table, "札幌市 中央区", types={"Municipality"}) == resolve(table, "札幌市", types={"Municipality"})
    centres = [n for n, d in graph.nodes(data=True) if d["kind"] == "RegionalSupportCentre"]
    assert len(centres) >= 47 + 20 - 1  # every prefecture and designated city; 広島県, 高知県 named in the seeds


def test_real_mhlw_rows_split_and_match(national_graph):
    need_shared(DATA / "mhlw_jiritsu_2023" / "jiritsushien_2023_b.json")
    rows = json.loads((DATA / "mhlw_jiritsu_2023" / "jiritsushien_2023_b.json").read_text(encoding="utf-8"))
    hagi = next(r for r in rows if r["自治体名"] == "萩市、阿武町")
    assert hagi
    table = name_table(national_graph)
    for town in ("萩市", "阿武町"):
        node = resolve(table, town, types={"Municipality"})
        assert any(national_graph.nodes[s]["kind"] == "SelfRelianceSupportAgency"
                   for s, _, k in national_graph.in_edges(node, keys=True) if k == "servesArea")


def _windows_of(graph, area):
    """(name, telephone, the 2023 list's rows cited) of each window serving ``area``."""
    return {(graph.nodes[s]["name"], graph.nodes[s].get("telephone"),
             tuple(sorted(c["row"] for c in graph.nodes[s]["sources"] if c["dataset"] == "mhlw_jiritsu_2023")))
            for s, _, k in graph.in_edges(area, keys=True)
            if k == "servesArea" and graph.nodes[s]["kind"] == "SelfRelianceSupportAgency"}


def test_real_mhlw_rows_name_wards_bracketed_towns_and_broken_names(national_graph):
    graph = national_graph
    report = next(s for s in graph.graph["national_report"]["sources"] if s["name"] == "mhlw_jiritsu_2023")
    # 「港区」 under 大阪府 is 大阪市港区 (its address says so), never 東京都港区; 「北区」 is not 堺市北区
    assert ("くらしのサポートコーナー", "06-6576-9897", (817,)) in _windows_of(graph, "ward-271071")
    assert ("よりそいサポートきた", "06-6809-2814", (811,)) in _windows_of(graph, "ward-271276")
    assert not any(w[0] == "よりそいサポートきた" for w in _windows_of(graph, "ward-271462"))
    # the newer list gives 大阪市's 24 ward windows to the city: the 2023 row is that same window, now the ward's
    # too (one entity, not a copy), and its misprinted 016- number stays an older disagreement
    kita = [s for s, _, k in graph.in_edges("ward-271276", keys=True)
            if k == "servesArea" and graph.nodes[s]["kind"] == "SelfRelianceSupportAgency"]
    assert [graph.nodes[s]["name"] for s in kita] == ["よりそいサポートきた"] and graph.has_edge(kita[0], "m-271004")
    assert ("くらし相談窓口", "06-6953-2380", (826,)) in _windows_of(graph, "ward-271179")
    for tokyo_ward in ("m-131024", "m-131032", "m-131172"):  # 中央区, 港区, 北区 of 東京都
        windows = _windows_of(graph, tokyo_ward)
        assert windows and not any(row in (811, 815, 817) for *_, rows in windows for row in rows)
        assert not any("06-" in str(c) for s, _, k in graph.in_edges(tokyo_ward, keys=True) if k == "servesArea"
                       for c in graph.nodes[s].get("conflicts", ()))
    # 「神奈川県（中井町、…、 真鶴町、湯河原町）」: every town in the brackets, across the PDF's line break
    assert any(472 in rows for *_, rows in _windows_of(graph, "m-143618"))
    # 「長生 村」, 「大 口町」: one town each, not 「長生」 and 「村」
    assert any(366 in rows for *_, rows in _windows_of(graph, "m-124231"))
    assert not any("長生、村" in note or "都島区" in note or "（葉山町" in note for note in report["notes"])
    assert not any(skipped["row"] in range(811, 835) for skipped in report["skipped"])
    # the PDF's misread names: the one town a character away that the row's address names, said in a note
    assert any(1380 in rows for *_, rows in _windows_of(graph, "m-472018"))  # 「那霸市」, 那覇市泉崎…
    assert any(1372 in rows for *_, rows in _windows_of(graph, "m-464040"))  # 「長島村」, not 三島村: 出水郡長島町…
    assert not any(1372 in rows for *_, rows in _windows_of(graph, "m-463035"))
    assert any("「那霸市」を那覇市として読んだ" in note for note in report["notes"])
    assert any("「美浜市」という市区町村がない" in note for note in report["notes"])  # its address is 敦賀市


def test_placeholder_centres_quote_the_seed_verbatim():
    from tsunagu.loaders.sources.regional_centres import SEED_DOCUMENT, SEED_QUOTE

    need_shared(SEEDS / SEED_DOCUMENT)
    assert SEED_QUOTE in (SEEDS / SEED_DOCUMENT).read_text(encoding="utf-8")


def test_support_role_of_the_class_is_projected(graph):
    from tsunagu.ontology import TG, load_ontology

    ontology = load_ontology()
    roles = {str(c).rsplit("#", 1)[-1] for c, r in ontology.graph.subject_objects(TG.supportRole) if r == TG.Coordinating}
    assert "EconomicOrganisation" in roles
    for node, data in graph.nodes(data=True):
        if data.get("kind") in ("ChamberOfCommerce", "EconomicOrganisation"):
            assert data["role"] == "coordinating", node
        if data.get("kind") == "SelfRelianceSupportAgency":
            assert data["role"] == "direct", node


def test_the_directory_triples_conform_to_the_shapes(small):
    """The build skips the shapes over the directory's triples (they follow them by construction); this holds it to that."""
    from rdflib.namespace import RDF

    from tsunagu.compile.validate import shacl_errors
    from tsunagu.ontology import TG

    assert set(small.rdf.subjects(RDF.type, TG.SelfRelianceSupportAgency))  # the fixture's windows are in the build
    assert shacl_errors(small.rdf, {}) == []


def test_a_diagram_tooltip_names_the_data_set_not_its_file(small):
    from tsunagu.diagrams.render import _tooltip

    graph = small.graph
    node = next(n for n, d in graph.nodes(data=True) if any(s.get("title") for s in d.get("sources", ())))
    text = _tooltip(graph, node)
    assert "出典: くらし支援ナビ" in text and "offices.csv" not in text
