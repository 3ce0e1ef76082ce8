"""Referral paths on the seeds' real examples, and the SPARQL file that says the same."""

import itertools
import json

import pytest

from tsunagu.cli import cli
from tsunagu.exceptions import NameNotFound, UnknownNeed
from tsunagu.ontology import load_ontology
from tsunagu.rules.reach import municipality_nodes
from tsunagu.queries.referral import referrals, resolve_municipality, resolve_needs
from tsunagu.queries.sparql import builtin_query, parse_binding, sparql_rows


def _rows(graph, municipality, age, *needs, **options):
    return referrals(graph, municipality, age, resolve_needs(graph, needs), **options)


def _find(rows, program=None, organisation=None):
    for row in rows:
        if (program is None or (row["program"] or {}).get("id") == program) and (
                organisation is None or row["organisation"]["id"] == organisation):
            return row
    return None


def _path(row):
    return [(hop["id"], hop["relation"]) for hop in row["path"]]


def test_tobishima_employment_goes_through_the_ama_wide_area_platform(graph):
    rows = _rows(graph, "tobishima", 45, "employment")["matches"]
    hello = _find(rows, program="jp-hello-work-ice-age-window")
    assert hello["organisation"]["name"] == "ハローワーク"
    assert hello["level"] == "wide-area"
    assert _path(hello) == [("tobishima", None), ("ama-platform", "servesArea"), ("ama-hello-work", "memberOf"),
                            ("jp-hello-work-ice-age-window", "runs")]
    assert [h["inverse"] for h in hello["path"]] == [False, True, True, False]
    saposute = _find(rows, program="jp-saposute")
    assert saposute["organisation"]["id"] == "ama-saposute"
    assert saposute["age"] == "-49" and saposute["flags"] == ["lower age bound not stated"]
    assert "age 45 within up to 49 (lower bound not stated)" in saposute["reasons"]


def test_ino_45_employment(graph):
    rows = _rows(graph, "ino", 45, "employment")["matches"]
    by_org = {row["organisation"]["id"]: row for row in rows}
    assert by_org["ino-hello-work"]["level"] == "platform"
    assert by_org["kochi-saposute"]["level"] == "prefecture"
    assert "kochi-labour-bureau" not in by_org and "ino-shokokai" not in by_org  # coordinating members
    assert all(row["flags"] for row in rows if row["age"] == "not stated")
    # closer first
    keys = [(row["hops"], ["municipality", "platform", "wide-area", "prefecture", "national"].index(row["level"])) for row in rows]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))


def test_ino_50_is_too_old_for_saposute(graph):
    result = _rows(graph, "ino", 50, "employment", explain=True)
    assert _find(result["matches"], program="jp-saposute") is None
    miss = _find(result["near_misses"], program="jp-saposute")
    assert miss["excluded_because"] == ["age 50 outside -49"]


def test_mihara_45_safe_place_is_not_offered_the_youth_program(graph):
    result = _rows(graph, "mihara", 45, "safe-place", explain=True)
    assert _find(result["matches"], program="mihara-youth-place") is None
    miss = _find(result["near_misses"], program="mihara-youth-place")
    assert miss["excluded_because"] == ["age 45 outside 15-39"]
    assert miss["rank"] == 1
    chankusu = _find(result["matches"], program="mihara-chankusu-ibasho")
    assert chankusu["flags"] == ["age range not stated"]
    assert _path(chankusu) == [("mihara", None), ("mihara-youth-place", "servesArea"), ("mihara-chankusu", "entrustedTo"),
                               ("mihara-chankusu-ibasho", "runs")]


def test_mihara_20_safe_place_gets_the_youth_program_first(graph):
    rows = _rows(graph, "mihara", 20, "居場所")["matches"]
    first = rows[0]
    assert first["program"]["id"] == "mihara-youth-place"
    assert first["organisation"]["name"] == "ちゃんくす"  # entrusted to
    assert first["level"] == "municipality" and first["hops"] == 1
    assert "age 20 within 15-39" in first["reasons"]


def test_outreach_need_is_met_by_narrower_supporter_dispatch(graph):
    assert resolve_needs(graph, ["訪問支援", "home visits and outreach", "outreach"]) == ["outreach"]
    broader = graph.graph["domain_broader"]
    assert "outreach" in broader["supporter-dispatch"]


def test_unknown_need_and_municipality(graph):
    with pytest.raises(UnknownNeed, match="astrology"):
        resolve_needs(graph, ["astrology"])
    with pytest.raises(NameNotFound) as caught:
        resolve_municipality(graph, "三原")
    assert caught.value.suggestions and "三原市" in caught.value.suggestions[0]


def test_refer_command_table_and_explain(seeds_cache, runner):
    result = runner.invoke(cli, ["refer", "342041", "--age", "45", "--need", "safe-place", "--explain"])
    assert result.exit_code == 0, result.output
    assert "対象外（理由）" in result.output and "45歳は対象外（15〜39歳）" in result.output
    result = runner.invoke(cli, ["refer", "342041", "--age", "45", "--need", "safe-place", "--explain", "--format", "json"])
    miss = [m for m in json.loads(result.output)["near_misses"] if (m["program"] or {}).get("id") == "mihara-youth-place"][0]
    assert [(hop["name"], hop["relation"]) for hop in miss["path"]] == [
        ("三原市", None), ("三原市若者居場所づくり事業", "servesArea")]
    assert miss["organisation"]["name"] == "ちゃんくす"  # entrusted to


def test_refer_command_errors(seeds_cache, runner):
    result = runner.invoke(cli, ["refer", "みはら", "--age", "45", "--need", "employment"])
    assert result.exit_code == 1 and "Did you mean" in result.output and "三原市" in result.output
    result = runner.invoke(cli, ["refer", "三原市", "--age", "200", "--need", "employment"])
    assert result.exit_code == 2


NEEDS = ["employment", "safe-place", "family-support", "health", "welfare", "education", "consultation", "outreach", "correction"]


@pytest.mark.parametrize("age", [20, 55])
def test_sparql_referral_agrees_with_the_traversal(graph, compiled, age):
    query = builtin_query("referral")
    for municipality, need in itertools.product(municipality_nodes(graph), NEEDS):
        traversal = {((row["program"] or row["organisation"])["id"], row["level"])
                     for row in referrals(graph, municipality, age, [need], collapse=False)["matches"]}
        concept = load_ontology().domains[need]
        bindings = dict(parse_binding(b) for b in (f"municipality=id:{municipality}", f"age={age}", f"need=<{concept}>"))
        sparql = {}
        for row in sparql_rows(compiled.rdf, query, bindings):
            sparql.setdefault(row["candidate"].rsplit("/", 1)[-1], set()).add(row["level"])
        assert {node for node, _ in traversal} == set(sparql), (municipality, need)
        for node, level in traversal:  # the traversal keeps the best route's level
            assert level in sparql[node], (municipality, need, node)
