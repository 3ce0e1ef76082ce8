"""One resolver: what a user types, the same way in the facade, the CLI, the web app and the queries,
on the national directory the package carries; queries raise named errors, never KeyError."""

import datetime as dt
import json

import pytest

import tsunagu
from tsunagu.cli import cli
from tsunagu.exceptions import (AmbiguousName, InvalidAge, InvalidDate, NameNotFound, NotAMunicipality, UnknownCell,
                                WrongCheckDigit)
from tsunagu.queries.contacts import first_contact
from tsunagu.queries.coverage import coverage_matrix
from tsunagu.queries.referral import referral_answer
from tsunagu.resolver import municipality_id, resolve, resolve_municipality


@pytest.fixture(scope="module")
def library(national_home):
    return tsunagu.open(national_home)


@pytest.mark.parametrize("text, code", [
    ("広島県府中市", "342084"), ("府中市 広島県", "342084"), ("府中市（広島県）", "342084"), ("東京都府中市", "132063"),
    ("三原市", "342041"), ("みはらし", "342041"), ("ミハラシ", "342041"), ("342041", "342041"),
    ("札幌市中央区", "011002"), ("神奈川県横浜市", "141003"), ("那覇市", "472018"),
])
def test_a_town_is_found_however_it_is_typed(library, text, code):
    assert library.resolve(text).code == code


def test_a_shared_name_alone_lists_both_towns(library):
    with pytest.raises(AmbiguousName) as caught:
        library.resolve("府中市")
    assert [c for c in caught.value.candidates if "342084" in c] and [c for c in caught.value.candidates if "132063" in c]


def test_a_prefecture_a_body_a_typo_and_a_check_digit_are_told_apart(library):
    with pytest.raises(NotAMunicipality):
        library.resolve("高知県")
    assert library.resolve("高知県", kind="prefecture").id == "kochi"
    with pytest.raises(WrongCheckDigit) as caught:
        library.resolve("342042")
    assert caught.value.right_code == "342041"
    with pytest.raises(NameNotFound) as caught:
        library.resolve("那覇氏")
    assert any("那覇市" in s for s in caught.value.suggestions)


def test_the_command_line_answers_for_a_town_named_with_its_prefecture(national_cache, runner):
    result = runner.invoke(cli, ["refer", "広島県府中市", "--age", "30", "--need", "consultation", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["municipality"]["code"] == "342084"


def test_queries_take_a_checked_town_and_raise_named_errors(national_graph):
    graph = national_graph
    with pytest.raises(NameNotFound):
        coverage_matrix(graph, "nope")
    with pytest.raises(NotAMunicipality):
        first_contact(graph, "kochi")
    with pytest.raises(NotAMunicipality):
        referral_answer(graph, "kochi", 30, ["consultation"])
    with pytest.raises(InvalidAge):
        referral_answer(graph, "mihara", 131, ["consultation"])
    with pytest.raises(InvalidDate):
        referral_answer(graph, "mihara", 30, ["consultation"], as_of="2026-13-01")
    on_a_day = referral_answer(graph, "mihara", 30, ["consultation"], as_of="2026-01-01")
    assert on_a_day == referral_answer(graph, "mihara", 30, ["consultation"], as_of=dt.date(2026, 1, 1))
    assert municipality_id(graph, "342041") == "mihara"


def test_an_unknown_cell_is_a_named_error(library):
    matrix = library.coverage("三原市")
    assert matrix.cell("40-49", "consultation").state == "full"
    with pytest.raises(UnknownCell, match="年齢帯"):
        matrix.cell("200-300", "consultation")


def test_the_name_table_and_the_graph_resolve_alike(national_graph, library):
    from tsunagu.rules.names import name_table

    table = name_table(national_graph)
    for text in ("広島県府中市", "札幌市中央区", "みはらし", "飛島村"):
        assert resolve_municipality(table, text) == resolve_municipality(national_graph, text) == library.resolve(text).id
    assert resolve(table, "高知県", types={"Prefecture"}) == "kochi"
