"""The age x domain matrix, the three duties and their roll-up, on the seeds' examples."""

import json

import pytest

from tsunagu.cli import cli
from tsunagu.queries.coverage import coverage_matrix
from tsunagu.queries.duties import duty_rollup, duty_statuses
from tsunagu.rules.reach import municipality_nodes
from tsunagu.queries.sparql import builtin_query, parse_binding, sparql_rows

# 三原市's chart (003): the columns in which no cell is filled
MIHARA_EMPTY = ["needs-survey", "family-support", "supporter-dispatch", "network", "health", "education"]


def _cells(matrix):
    return {(c["band"], c["domain"]): c for c in matrix["cells"]}


def test_mihara_matrix_has_the_chart_shape(graph):
    matrix = coverage_matrix(graph, "mihara")
    assert matrix["bands"] == ["0-6", "7-14", "15-17", "18-29", "30-39", "40-49", "50-59", "60-64", "65+"]
    assert [c["domain"] for c in matrix["columns"]] == [
        "needs-survey", "family-support", "supporter-dispatch", "network", "safe-place", "consultation",
        "correction", "health", "welfare", "employment", "education"]
    assert len(matrix["cells"]) == 9 * 11


def test_mihara_empty_columns_are_empty(graph):
    cells = _cells(coverage_matrix(graph, "mihara"))
    for domain in MIHARA_EMPTY:
        for band in ("0-6", "15-17", "40-49", "65+"):
            cell = cells[(band, domain)]
            if domain == "network":
                # nothing of the city's own; the prefecture's regional support centre runs a liaison council
                # (its scheme, listed for the centre that runs it) and its satellite serves the city
                assert cell["state"] == "unknown" and cell["level"] == "prefecture"
                assert {p["id"] for p in cell["providers"]} == {"jp-regional-support-centre-scheme",
                                                                 "hiroshima-support-centre-east"}
            else:
                assert cell["state"] == "none" and cell["providers"] == [], (band, domain)


def test_mihara_filled_cells(graph):
    cells = _cells(coverage_matrix(graph, "mihara"))
    # the consultation window takes everyone from age 0
    for band in ("0-6", "40-49", "65+"):
        assert cells[(band, "consultation")]["state"] == "full"
        assert cells[(band, "correction")]["state"] == "full"
        assert cells[(band, "consultation")]["level"] == "municipality"
    # the youth place covers 15-39; above 39 only ちゃんくす, whose ages are not stated
    for band in ("15-17", "18-29", "30-39"):
        assert cells[(band, "safe-place")]["state"] == "full"
    assert cells[("40-49", "safe-place")]["state"] == "unknown"
    assert [p["id"] for p in cells[("40-49", "safe-place")]["providers"]] == ["mihara-chankusu-ibasho"]
    assert "mihara-youth-place" in {p["id"] for p in cells[("30-39", "safe-place")]["providers"]}
    assert cells[("18-29", "employment")]["state"] == "unknown"
    assert cells[("18-29", "welfare")]["providers"][0]["id"] == "mihara-shakyo"


def test_saposute_is_partial_over_the_middle_aged_band(graph):
    cells = _cells(coverage_matrix(graph, "tobishima", bands="policy"))
    employment = cells[("40-64", "employment")]
    assert employment["state"] == "partial"
    assert "jp-saposute" in {p["id"] for p in employment["providers"]}


def test_coverage_command(seeds_cache, runner):
    result = runner.invoke(cli, ["coverage", "三原市"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["coverage", "--municipality", "三原市"]).output == result.output  # the older way
    lines = result.output.splitlines()
    # two tables, as 三原市's own chart: the support project's functions, then the five domains
    headers = [line for line in lines if line.startswith("年齢 ")]
    assert len(headers) == 2 and "居場所づくり" in headers[0] and "教育" in headers[1]
    rows = [line for line in lines if line.startswith("40-49")]
    assert "●M" in rows[0] and "?M" in rows[1]  # 相談 filled by the town; 福祉 by it, ages not stated
    english = runner.invoke(cli, ["coverage", "三原市", "--lang", "en"]).output
    header = next(line for line in english.splitlines() if line.startswith("ages "))
    assert "safe place" in header and "年齢" not in english
    as_json = json.loads(runner.invoke(cli, ["coverage", "--municipality", "いの町", "--format", "json"]).output)
    assert as_json["municipality"]["name"] == "いの町" and len(as_json["cells"]) == 99


@pytest.mark.parametrize("municipality", ["mihara", "ino", "tobishima", "hannan", "toyokawa"])
def test_sparql_coverage_holds_what_the_chart_shows(graph, compiled, municipality):
    # coverage.rq restates the walk and the plain fit (stated or typical domains); the judge adds what a
    # scheme or purpose implies and collapses a centre into its nearest satellite. So: every body the
    # chart shows is one the query reaches, and every stated or typical fit the chart shows the query has.
    matrix = coverage_matrix(graph, municipality)
    rows = sparql_rows(compiled.rdf, builtin_query("coverage"), {"municipality": parse_binding(f"m=id:{municipality}")[1]})
    columns = {c["domain"] for c in matrix["columns"]}
    broader = graph.graph["domain_broader"]
    reached = {r["provider"].rsplit("/", 1)[-1] for r in rows}
    sparql = {(r["provider"].rsplit("/", 1)[-1], column) for r in rows for column in columns
              if column in broader.get(r["domain"], [r["domain"]])}
    shown = [(p["id"], cell["domain"], p["how"]) for cell in matrix["cells"] for p in cell["providers"]]
    assert shown
    assert {node for node, _, _ in shown} <= reached
    assert {(node, domain) for node, domain, how in shown if how in ("stated", "typical")} <= sparql


def test_duties_per_municipality(graph):
    rows = {row["id"]: row for row in duty_statuses(graph)}
    assert set(rows) == set(municipality_nodes(graph))
    assert rows["mihara"]["window-clarified"] == "yes" and rows["mihara"]["platform"] == "unknown"
    assert rows["tobishima"]["platform"] == "yes" and rows["tobishima"]["platform as of"] == "2020-03-31"
    assert rows["tobishima"]["platform source"].startswith("002_551d311390b905b2.txt")
    assert rows["hannan"]["platform as of"] == "2019-11"
    assert all(row["needs-survey"] == "unknown" for row in rows.values())


def test_duty_filters(graph):
    assert [r["id"] for r in duty_statuses(graph, missing="platform")] == ["mihara"]
    assert {r["id"] for r in duty_statuses(graph, prefecture="aichi")} == {"toyokawa", "oharu", "kanie", "tobishima"}
    assert [r["id"] for r in duty_statuses(graph, kind="village")] == ["tobishima"]
    assert len(duty_statuses(graph, missing="any")) == 7


def test_rollup_by_kind_sits_beside_the_national_survey(graph):
    from tsunagu.queries.duties import Count

    rows = {row.group: row for row in duty_rollup(graph, by="kind")}
    assert rows["all"].municipalities == 7
    assert rows["all"].counts["platform"] == Count(6, 0, 1)  # 三原市's platform is not known: unknown, not "no"
    assert rows["all"].survey["window-clarified"] == Count(974, 767, 0)
    assert rows["town"].survey["window-clarified"] == Count(459, 467, 0)
    by_pref = {row.group: row for row in duty_rollup(graph, by="prefecture")}
    assert by_pref["愛知県"].counts["platform"] == Count(4, 0, 0)
    assert by_pref["愛知県"].survey == {}


def test_gaps_command(seeds_cache, runner):
    result = runner.invoke(cli, ["gaps", "--prefecture", "愛知県", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("id,name,code,prefecture,kind,window-clarified")
    assert len(result.output.splitlines()) == 5
    rollup = runner.invoke(cli, ["gaps", "--by", "kind", "--format", "csv"])
    assert rollup.exit_code == 0 and "974/1741 (55.9%)" in rollup.output
    everyone = next(line for line in rollup.output.splitlines() if line.startswith("all,"))
    assert "6/7 (不明 1)" in everyone and "不明 (7)" in everyone  # platform; needs survey: nothing known


def test_sparql_gaps_agrees_with_the_status_facts(graph, compiled):
    rows = sparql_rows(compiled.rdf, builtin_query("gaps"))
    facts = {(r["municipality"].rsplit("/", 1)[-1], r["duty"]): ("yes" if r["fulfilled"] else "no") for r in rows}
    statuses = {row["id"]: row for row in duty_statuses(graph)}
    for (municipality, duty), status in facts.items():
        assert statuses[municipality][duty] == status
    assert ("tobishima", "platform") in facts
