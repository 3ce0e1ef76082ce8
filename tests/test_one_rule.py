"""One rule: the coverage chart and the referral answer ask the same judge, so they cannot disagree.

For every cell of the chart (an age band x a support domain), the providers
are exactly what a referral offers for that domain at some age inside the
band, and a cell is full only where every age of the band gets an offer;
checked age by age against :func:`referral_answer`, the answer users get.
"""

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.queries.coverage import coverage_matrix
from tsunagu.queries.referral import referral_answer
from tsunagu.rules.judge import MAX_AGE, judge, offered, referral_candidates, serves
from tsunagu.rules.reach import municipality_nodes

AS_OF = dt.date(2026, 11, 25)


def _offer_ids(answer):
    return {(o.program or o.organisation).id for o in answer.options}


def _check_town(graph, town, ages=None, walk=None):
    """Every cell of ``town``'s chart against the referral's options at the ages inside its band
    (``walk``: the town's precomputed walk, given to both)."""
    matrix = coverage_matrix(graph, town, as_of=AS_OF, walk=walk)
    bands = {b["notation"]: b for b in graph.graph["age_bands"]["chart"]}
    cache = {}

    def offers(age, need):
        if (age, need) not in cache:
            cache[(age, need)] = _offer_ids(referral_answer(graph, town, age, [need], as_of=AS_OF, walk=walk))
        return cache[(age, need)]

    for cell in matrix["cells"]:
        band = bands[cell["band"]]
        high = MAX_AGE if band["max"] is None else band["max"]
        inside = range(band["min"], high + 1) if ages is None else sorted(a for a in ages(cell) if band["min"] <= a <= high)
        each = [offers(age, cell["domain"]) for age in inside]
        union = set().union(*each)
        assert {p["id"] for p in cell["providers"]} == union, (town, cell["band"], cell["domain"])
        if cell["state"] == "full":
            assert all(each), (town, cell["band"], cell["domain"], "full, but some age gets nothing")
        if cell["state"] == "none":
            assert not union, (town, cell["band"], cell["domain"])
        else:
            assert union, (town, cell["band"], cell["domain"], cell["state"])
    return len(matrix["cells"])


def test_every_seed_cell_agrees_with_the_referral_at_every_age(compiled):
    towns = [m for m in municipality_nodes(compiled.graph)]
    assert len(towns) == 7
    cells = 0
    for town in towns:
        graph, walk = compiled.reach_graphs[town]
        cells += _check_town(graph, town, walk=walk)
    assert cells == 693


def test_no_employment_below_working_age_in_the_chart(compiled):
    graph, walk = compiled.reach_graphs["ino"]
    matrix = coverage_matrix(graph, "ino", as_of=AS_OF, walk=walk)
    cell = next(c for c in matrix["cells"] if c["band"] == "7-14" and c["domain"] == "employment")
    assert cell["state"] == "none" and cell["providers"] == []
    young = next(c for c in matrix["cells"] if c["band"] == "18-29" and c["domain"] == "employment")
    names = {p["name"] for p in young["providers"]}
    assert "ハローワーク" in names and not any("氷河期" in n for n in names)  # a cohort now in its 40s and 50s
    assert not {"商工会", "高知労働局"} & names  # coordinating bodies are never offered
    graph, walk = compiled.reach_graphs["tobishima"]
    sixty = next(c for c in coverage_matrix(graph, "tobishima", as_of=AS_OF, walk=walk)["cells"]
                 if c["band"] == "60-64" and c["domain"] == "employment")
    assert not any("サポステ" in (p["name"] or "") or "サポートステーション" in (p["name"] or "")
                   for p in sixty["providers"])  # サポステ: up to 49


def _critical_ages(graph, town, walk=None):
    """Ages where the offers can change: every candidate's age bounds, 15 and the bands' edges."""
    ages = {0, 15, MAX_AGE}
    for candidate in referral_candidates(graph, town, walk=walk):
        for bound in (candidate.get("age_min"), candidate.get("age_max")):
            if bound is not None:
                ages.update((bound, bound + 1, max(bound - 1, 0)))
    for band in graph.graph["age_bands"]["chart"]:
        ages.update((band["min"], band["max"] if band["max"] is not None else MAX_AGE))
    ages.update(range(34, 60))  # a cohort's window moves with the year: every age it can start or end at
    return ages


def test_national_towns_agree_at_every_age_where_an_offer_can_change(national_compiled):
    rows = national_compiled.reach_graphs
    towns = sorted(rows)
    # a sample here; the whole country: python scripts/check_agreement.py
    sample = random.Random(20201027).sample(towns, 20) + ["m-472018", "ino", "mihara"]
    for town in sample:
        graph, walk = rows[town]
        critical = _critical_ages(graph, town, walk)
        _check_town(graph, town, ages=lambda cell, critical=critical: critical, walk=walk)


def test_the_judge_keeps_exactly_what_serves_says(compiled):
    for town in municipality_nodes(compiled.graph):
        graph, walk = compiled.reach_graphs[town]
        for candidate in referral_candidates(graph, town, walk=walk):
            for age in (0, 7, 14, 15, 17, 18, 30, 39, 40, 49, 50, 55, 56, 64, 65, 100, MAX_AGE):
                for needs in (["employment"], ["welfare"], ["employment", "welfare"], ["consultation"], ["network"]):
                    kept = not judge(graph, candidate, age, needs, AS_OF)[4]
                    assert kept == serves(candidate, age, needs, AS_OF), (town, candidate["node"], age, needs)


# --- generated candidates: the chart's segments against the judge, age by age -----------------------

_NEEDS = ["employment", "welfare", "consultation"]


@st.composite
def _candidates(draw):
    count = draw(st.integers(0, 6))
    found = []
    for index in range(count):
        stated = draw(st.booleans())
        low = draw(st.one_of(st.none(), st.integers(0, 80)))
        high = draw(st.one_of(st.none(), st.integers(0, 120)))
        if low is not None and high is not None and low > high:
            low, high = high, low
        covers = frozenset(draw(st.sets(st.sampled_from(_NEEDS), max_size=3)))
        program = draw(st.booleans())
        organisation = {"id": f"org-{draw(st.integers(0, 3))}", "name": "o", "kind": "NPO"}
        found.append({
            "node": f"c-{index}", "organisation": organisation,
            "program": {"id": f"prog-{index}", "name": "p"} if program else None,
            "role": draw(st.sampled_from(["direct", "coordinating"])), "level": "municipality",
            "stated_covers": covers if stated else frozenset(), "scheme_covers": frozenset(),
            "covers": covers, "defining": [], "cohort": draw(st.sampled_from([None, None, "ice-age"])),
            "age_stated": low is not None or high is not None, "age_min": low, "age_max": high,
            "area_excluded": draw(st.sampled_from([None, None, None, "elsewhere"])),
        })
    return found


@settings(max_examples=200, deadline=None)
@given(_candidates(), st.sampled_from(_NEEDS), st.integers(0, MAX_AGE), st.integers(0, MAX_AGE))
def test_a_band_holds_what_is_offered_at_some_age_inside_it(candidates, need, low, high):
    from tsunagu.queries.coverage import _band_cells

    low, high = min(low, high), max(low, high)
    band = {"notation": "b", "min": low, "max": None if high == MAX_AGE else high}
    cell = _band_cells(candidates, need, [band], AS_OF)["b"]
    each = [{(c["program"] or c["organisation"])["id"] for c in offered(candidates, age, [need], AS_OF)}
            for age in range(low, high + 1)]
    assert {(c["program"] or c["organisation"])["id"] for c in cell["providers"]} == set().union(*each)
    assert (cell["state"] == "none") == (not any(each))
    if cell["state"] == "full":
        assert all(each)


@pytest.mark.parametrize("town, expected", [("ino", "none")])
def test_the_facade_says_no_data_only_for_a_town_without_local_records(town, expected, national_cache):
    import tsunagu

    with tsunagu.open() as t:
        assert t.coverage("いの町").cell("7-14", "employment").state == expected
        assert t.coverage("那覇市").cell("7-14", "employment").state in ("none", "no-data")
