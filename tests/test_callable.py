"""Issue 22's "Done when", asserted on the shipped data: the session's default build (the seeds and every
national list the package carries), through the library, the CLI's JSON and its text."""

import datetime as dt
import json

import pytest

from tsunagu.cli import cli

AS_OF = dt.date(2026, 11, 25)
CITY_RUN = ("広島市保健所", "呉市保健所", "福山市保健所")


def _answer(graph, town, age, need):
    from tsunagu.queries.referral import referral_answer

    return referral_answer(graph, town, age, [need], as_of=AS_OF)


def _refer(runner, town, age, need, *more):
    args = ["refer", town, "--age", str(age), "--need", need, "--as-of", AS_OF.isoformat(), *more]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def _phone(option):
    return any(p is not None and p.contact.telephone for p in (option.organisation, option.program))


# --- 那覇市, 45, employment ------------------------------------------------------------------------

def test_naha_first_contact_is_offered_for_employment(national_graph):
    answer = _answer(national_graph, "那覇市", 45, "employment")
    first = answer.first_contact
    assert first.place.name == "那覇市就職・生活支援パーソナルサポートセンター"
    offered = {o.organisation.id for o in answer.options if o.organisation}
    assert first.place.id in offered  # a self-reliance agency's work includes 就労支援 (002)
    assert "nothing-local" not in {r.code for r in answer.notes}


def test_a_refer_process_parses_no_ontology_and_builds_no_graph(national_cache):
    """A caseworker's ``tsunagu refer`` reads one town's row and judges it with the vocabulary the build
    stored beside the rows: neither rdflib (the ontology) nor networkx is imported."""
    import os
    import subprocess
    import sys

    code = ("import sys; from tsunagu.cli import cli\n"
            "try:\n    cli(['refer', '那覇市', '--age', '45', '--need', 'employment'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('networkx', 'rdflib', 'tsunagu.ontology') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ))
    assert "最初" in done.stdout and "098-917-5348" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_naha_every_option_has_a_phone_or_a_place_to_look_and_says_unknown_once(national_graph, national_cache, runner):
    from tsunagu.queries.answers import answer_dict, option_contact_text

    answer = _answer(national_graph, "那覇市", 45, "employment")
    everything = answer.options + answer.fallback
    assert everything
    for option in everything:
        assert _phone(option) or option.where, option
        assert option_contact_text(option).count("未収録") <= 1
    for option in answer_dict(answer)["options"] + answer_dict(answer)["fallback"]:
        assert json.dumps(option, ensure_ascii=False).count("未収録") <= 1
    data = json.loads(_refer(runner, "那覇市", 45, "employment", "--format", "json"))
    for option in data["options"] + data["fallback"]:
        text = json.dumps(option, ensure_ascii=False)
        assert text.count("未収録") <= 1
        places = [p for p in (option["organisation"], option["program"]) if p]
        assert any(p["contact"]["telephone"] for p in places) or option["where"]
    text = _refer(runner, "那覇市", 45, "employment")
    assert "合う支援がデータにありません" not in text and "PF" not in text.split("補足")[-1]
    assert "098-917-5348" in text


# --- いの町, 12 -------------------------------------------------------------------------------------

def test_ino_12_education_names_kochis_child_guidance_centre_with_its_phone(national_graph, national_cache, runner):
    answer = _answer(national_graph, "いの町", 12, "education")
    centres = [o for o in answer.options + answer.fallback
               if o.organisation and o.organisation.kind == "ChildGuidanceCentre"]
    assert [(o.organisation.name, o.organisation.contact.telephone, o.level) for o in centres] == \
        [("高知県中央児童相談所", "088-821-6700", "prefecture")]
    assert centres[0].age["max"] == 17  # 児童: under 18, from the ontology
    text = _refer(runner, "いの町", 12, "education")
    assert "高知県中央児童相談所" in text and "088-821-6700" in text
    # not offered to an adult
    adult = _answer(national_graph, "いの町", 45, "education")
    assert not [o for o in adult.options + adult.fallback if o.organisation and o.organisation.kind == "ChildGuidanceCentre"]


def test_ino_12_employment_offers_a_callable_window_for_the_next_step(national_graph, national_cache, runner):
    answer = _answer(national_graph, "いの町", 12, "employment")
    step = next(r for r in answer.next_steps if r.code == "next-under-working-age")
    assert step.params["name"] and step.params["telephone"]
    windows = [o for o in answer.fallback if o.organisation and o.organisation.name == step.params["name"]]
    assert windows and windows[0].organisation.contact.telephone == step.params["telephone"]
    assert "employment" not in windows[0].needs  # offered for education or consultation, not work
    text = _refer(runner, "いの町", 12, "employment")
    assert step.params["name"] in text and step.params["telephone"] in text


# --- 三原市, 45, health -----------------------------------------------------------------------------

def test_mihara_health_is_the_prefectures_east_centre_and_no_other_citys(national_graph, national_cache, runner, tmp_path):
    from tsunagu.queries.coverage import coverage_matrix

    answer = _answer(national_graph, "三原市", 45, "health")
    east = [o for o in answer.options if o.organisation and o.organisation.name == "東部保健所"]
    assert [o.level for o in east] == ["prefecture"]
    named = json.dumps(_refer(runner, "三原市", 45, "health", "--format", "json", "--explain"), ensure_ascii=False)
    assert "東部保健所" in named and not any(name in named for name in CITY_RUN)
    coverage = coverage_matrix(national_graph, "三原市", as_of=AS_OF)
    providers = {(p["name"], p["level"]) for cell in coverage["cells"] for p in cell["providers"]}
    assert ("東部保健所", "prefecture") in providers
    assert not {name for name, _ in providers} & set(CITY_RUN)
    result = runner.invoke(cli, ["coverage", "--municipality", "三原市", "--format", "json"])
    assert result.exit_code == 0 and not any(name in result.output for name in CITY_RUN)
    diagram = tmp_path / "mihara.html"
    result = runner.invoke(cli, ["diagram", "--municipality", "三原市", "-o", str(diagram)])
    assert result.exit_code == 0, result.output
    html = diagram.read_text(encoding="utf-8")
    assert "東部保健所" in html and not any(name in html for name in CITY_RUN)


def test_a_city_run_health_centre_is_its_citys(national_graph):
    hiroshima = next(n for n, d in national_graph.nodes(data=True) if d.get("name") == "広島市保健所")
    operators = [t for _, t, k in national_graph.out_edges(hiroshima, keys=True) if k == "operatedBy"]
    assert [national_graph.nodes[t]["name"] for t in operators] == ["広島市"]
    answer = _answer(national_graph, "広島市", 45, "health")
    assert [o.level for o in answer.options if o.organisation and o.organisation.name == "広島市保健所"] == ["municipality"]
    assert not [o for o in answer.options if o.organisation and o.organisation.name == "東部保健所"]


# --- every first contact can be called ----------------------------------------------------------------

def test_the_first_contact_of_every_municipality_has_a_phone(national_graph):
    from tsunagu.queries.contacts import first_contact
    from tsunagu.rules.reach import municipality_nodes

    towns = municipality_nodes(national_graph)
    assert len(towns) == 1741
    whose = {}
    for town in towns:
        first = first_contact(national_graph, town)
        assert first is not None and first.call is not None and first.call.telephone, town
        assert first.call.whose == "own" or first.call.place.id != first.place.id  # marked: whose number it is
        assert first.call.hours or first.hours_note is not None  # hours, or 「受付時間は未収録」
        whose[first.call.whose] = whose.get(first.call.whose, 0) + 1
    assert sum(whose.values()) == 1741 and whose["own"] > 1500


def test_mihara_first_contact_leads_with_a_number_and_names_the_next_window(national_graph, national_cache, runner):
    from tsunagu.queries.contacts import first_contact

    first = first_contact(national_graph, "三原市")
    assert first.place.name == "こころの健康相談・ひきこもり相談"
    assert (first.call.whose, first.call.place.name) == ("town-hall", "三原市役所")
    assert first.next_window is not None and first.next_window.contact.telephone
    data = json.loads(_refer(runner, "三原市", 45, "health", "--format", "json"))
    call = data["first_contact"]["call"]
    assert (call["whose"], call["telephone"], call["place"]["name"]) == ("town-hall", first.call.telephone, "三原市役所")
    assert data["first_contact"]["next_window"]["name"] == first.next_window.name
    text = _refer(runner, "三原市", 45, "health")  # a table: cells wrap, so look for what fits one line
    assert first.call.telephone in text and first.next_window.contact.telephone in text
    assert first.next_window.name[:8] in text


# --- the sheet -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("town", ["那覇市", "飛島村"])
def test_the_sheet_cites_documents_by_title_and_speaks_plainly(town, national_cache, runner, tmp_path):
    path = tmp_path / "sheet.html"
    result = runner.invoke(cli, ["refer", town, "--age", "45", "--need", "employment", "--sheet", "-o", str(path),
                                 "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    html = path.read_text(encoding="utf-8")
    assert ".txt" not in html and "PF" not in html
    assert "相談の相談" not in html


def test_the_sheets_of_naha_and_tobishima_print_on_one_a4_page(national_cache, runner, tmp_path):
    import base64
    import re

    from selenium.webdriver.common.print_page_options import PrintOptions

    from tests.browser import open_page

    paths = []
    for town in ("那覇市", "飛島村"):
        path = tmp_path / f"{town}.html"
        result = runner.invoke(cli, ["refer", town, "--age", "45", "--need", "employment", "--sheet", "-o", str(path),
                                     "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 0, result.output
        paths.append(path)
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    page, close = open_page(paths[0], wait_for_ready=False)
    try:
        pdfs = [base64.b64decode(page.driver.print_page(options))]
        page.driver.get(paths[1].resolve().as_uri())
        pdfs.append(base64.b64decode(page.driver.print_page(options)))
    finally:
        close()
    assert [len(re.findall(rb"/Type\s*/Page[^s]", pdf)) for pdf in pdfs] == [1, 1]
