"""The graph holds what the seeds say, and every quoted passage is really there."""

import re
import unicodedata

import pytest
import yaml

from conftest import LISTS, SEEDS
from tsunagu.compile import embedded_data_files


def _members(graph, platform):
    return {graph.nodes[s]["name"] for s, _, k in graph.in_edges(platform, keys=True) if k in ("memberOf", "secretariatOf")}


def _out(graph, node, relation):
    return sorted(t for _, t, k in graph.out_edges(node, keys=True) if k == relation)


def _in(graph, node, relation):
    return sorted(s for s, _, k in graph.in_edges(node, keys=True) if k == relation)


def test_ino_platform_has_every_member_the_seed_lists(graph):
    # 004: the いの町 chart, member boxes read left to right.
    expected = {
        "社会福祉協議会", "学校", "消防", "警察", "法律事務所", "障害福祉サービス事業者", "高齢福祉サービス事業者",
        "ハローワーク", "商工会", "医療機関", "町の関係部署", "県精神保健福祉センター", "県ひきこもり地域支援センター",
        "保健所", "保健センター", "県福祉保健所", "KHJひきこもり家族会「やいろ鳥の会」", "いの町ほけん福祉課",
    }
    assert _members(graph, "ino-platform") == expected
    assert _out(graph, "ino-hoken-fukushi", "secretariatOf") == ["ino-platform"]
    assert {graph.nodes[b]["name"] for b in _out(graph, "ino-platform", "builtOn")} == {
        "地域自立支援協議会（ひきこもり支援部会）", "いの町自殺対策機関ネットワーク"}


def test_ino_is_backed_by_the_prefectural_review_committee(graph):
    committee = _in(graph, "ino-platform", "advises")
    assert committee == ["kochi-review-committee"]
    assert graph.nodes["kochi-review-committee"]["name"] == "高知県ひきこもりの人等に対する支援のあり方に関する検討委員会"
    members = {graph.nodes[m]["name"] for m in _in(graph, "kochi-review-committee", "memberOf")}
    assert {"臨床心理士会", "精神保健福祉士協会", "介護支援専門員連絡協議会", "県精神保健福祉センター",
            "高知労働局", "若者サポートステーション"} <= members
    assert graph.nodes["ino"]["population"] == 22092


def test_tobishima_platform_is_the_ama_wide_area_one(graph):
    platforms = [p for p in _in(graph, "tobishima", "servesArea") if "MunicipalPlatform" in graph.nodes[p]["types"]]
    assert len(platforms) == 1
    platform = platforms[0]
    assert graph.nodes[platform]["kind"] == "WideAreaPlatform"
    assert set(_out(graph, platform, "servesArea")) == {"oharu", "kanie", "tobishima"}
    secretariat = _in(graph, platform, "secretariatOf")
    assert [graph.nodes[s]["name"] for s in secretariat] == ["海部福祉相談センター"]
    assert graph.nodes[secretariat[0]]["kind"] == "PrefecturalWelfareConsultationCentre"
    assert _out(graph, secretariat[0], "locatedIn") == ["aichi"]
    assert {"oharu", "kanie", "tobishima"} <= set(_in(graph, platform, "memberOf"))
    assert [graph.nodes[b]["name"] for b in _out(graph, platform, "builtOn")] == ["支援調整会議"]


def test_mihara_youth_program(graph):
    program = graph.nodes["mihara-youth-place"]
    assert (program["age_min"], program["age_max"]) == (15, 39)
    assert program["domains"] == ["safe-place"]
    assert [graph.nodes[e]["name"] for e in _out(graph, "mihara-youth-place", "entrustedTo")] == ["ちゃんくす"]
    assert _in(graph, "mihara-youth-place", "runs") == ["mihara-shogai-gakushu"]
    assert program["schedule"] == "毎月第2・4金曜日 午後"
    figures = {(graph.nodes[f]["fiscalYear"], graph.nodes[f]["measure"]): graph.nodes[f]["value"]
               for f in _in(graph, "mihara-youth-place", "ofProgram")}
    assert figures[(2020, "延べ相談件数")] == 208
    assert figures[(2018, "延べ参加者数")] == 70
    assert len(figures) == 12


def test_mihara_chart_items_without_stated_ages_stay_unknown(graph):
    for node in ("mihara-chankusu-ibasho", "hiroshima-support-centre-east"):
        assert graph.nodes[node]["age_stated"] is False
    assert graph.nodes["hiroshima-support-centre-east"]["domains"] == ["welfare"]
    assert _out(graph, "hiroshima-support-centre-east", "satelliteOf") == ["hiroshima-support-centre"]
    assert graph.nodes[_out(graph, "hiroshima-support-centre-east", "hostedBy")[0]]["name"] == "小泉病院"


def test_toyokawa_and_hannan(graph):
    (toyokawa_pf,) = [p for p in _in(graph, "toyokawa", "servesArea") if "MunicipalPlatform" in graph.nodes[p]["types"]]
    assert _members(graph, toyokawa_pf) == {
        "生活困窮者自立支援制度担当課", "自立相談支援機関", "就労準備支援機関", "地域若者サポートステーション",
        "ハローワーク", "ひきこもり家族会", "障害者就業・生活支援センター", "社会福祉協議会", "保健所"}
    (hannan_pf,) = [p for p in _in(graph, "hannan", "servesArea") if "MunicipalPlatform" in graph.nodes[p]["types"]]
    assert graph.nodes[hannan_pf]["name"] == "ひきこもり支援・草の根ネットワーク"
    assert graph.nodes[hannan_pf]["since"] == "2019-11"
    assert [graph.nodes[s]["name"] for s in _in(graph, hannan_pf, "secretariatOf")] == ["市民福祉課（くらし丸ごと相談室）"]


def test_saposute_age_is_up_to_49_with_no_stated_minimum(graph):
    saposute = graph.nodes["jp-saposute"]
    assert (saposute["age_min"], saposute["age_max"]) == (None, 49)
    # every Saposute office delivers the national program, by inference
    runners = {s for s, _, d in graph.in_edges("jp-saposute", data=True) if d["relation"] == "runs"}
    saposute_offices = {n for n, d in graph.nodes(data=True) if d["kind"] == "YouthSupportStation"}
    assert runners == saposute_offices and len(runners) == 4


def test_codes_and_prefectures(graph):
    codes = {n: d["code"] for n, d in graph.nodes(data=True) if "code" in d}
    assert codes["mihara"] == "342041" and codes["ino"] == "393860" and codes["tobishima"] == "234273"
    for node, code in codes.items():
        if "Municipality" in graph.nodes[node]["types"]:
            (prefecture,) = _out(graph, node, "partOfPrefecture")
            assert graph.nodes[prefecture]["code"][:2] == code[:2]


def test_national_survey_figures(graph):
    figures = {n: d for n, d in graph.nodes(data=True) if d["kind"] == "SurveyFigure"}
    clarified = figures["survey-2020-window-clarified-all"]
    assert (clarified["value"], clarified["total"], clarified["duty"]) == (974, 1741, "window-clarified")
    assert (figures["survey-2020-needs-survey-prefecture"]["value"], figures["survey-2020-needs-survey-prefecture"]["total"]) == (26, 47)


def test_every_entity_cites_a_source(graph):
    unsourced = [n for n, d in graph.nodes(data=True) if d["kind"] != "SupportDomain" and not d["sources"]]
    assert unsourced == []


def _squash(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def test_every_quote_is_verbatim_in_its_document():
    documents = {p.name: p for p in SEEDS.glob("*.txt")}
    documents.update({p.name: p for p in (LISTS / "localgovjp").glob("*.csv")})
    if not documents:
        pytest.skip("../shared is not beside the repository")
    checked = 0
    for path in embedded_data_files():
        for key, source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"].items():
            assert source["document"] in documents, f"{path.name}: {key}: unknown document {source['document']}"
            text = _squash(documents[source["document"]].read_text(encoding="utf-8-sig"))
            assert _squash(source["quote"]) in text, f"{path.name}: {key}: quote not in {source['document']}"
            checked += 1
    assert checked > 100
