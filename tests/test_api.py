"""The library facade, tsunagu.open(): real embedded builds, every promised error, its doctests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tsunagu
from tsunagu.exceptions import AmbiguousName, InvalidAge, NameNotFound, NotAMunicipality, TsunaguError, UnknownNeed

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One embedded build shared by this module's tests (and its doctests)."""
    directory = tmp_path_factory.mktemp("api-home")
    from tsunagu.compile import build

    build((), directory, lists=False)
    return directory


@pytest.fixture(scope="module")
def national_home(tmp_path_factory):
    """The embedded data merged into a small municipality list: two 府中市, towns with no curated data."""
    directory = tmp_path_factory.mktemp("api-national")
    from tsunagu.compile import build

    build((), directory, lists=False, municipalities=FIXTURES / "mic_codes_sample.csv")
    return directory


@pytest.fixture
def t(home):
    return tsunagu.open(home)



def test_import_stays_light():
    code = "import sys, tsunagu; print(sorted(m for m in ('networkx', 'rdflib', 'tsunagu.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert tsunagu.open is not None and "open" in tsunagu.__all__


def test_resolve_by_name_kana_and_code(t):
    for text in ("三原市", "みはらし", "ミハラシ", "342041"):
        place = t.resolve(text)
        assert (place.id, place.name, place.code, place.prefecture) == ("mihara", "三原市", "342041", "広島県")
    assert t.resolve("こうちけん", kind="prefecture").id == "kochi"
    assert t.resolve("高知県", kind="area").id == "kochi"


def test_unknown_municipality_suggests(t):
    with pytest.raises(NameNotFound) as error:
        t.refer("nope", 45, ["employment"])
    assert error.value.suggestions, "no suggestion for an unknown name"
    with pytest.raises(NameNotFound) as error:
        t.refer("三原", 45, ["employment"])
    assert any("三原市" in s for s in error.value.suggestions)


def test_wrong_check_digit_names_the_right_code(t):
    from tsunagu.exceptions import WrongCheckDigit

    with pytest.raises(WrongCheckDigit) as error:
        t.refer("342042", 45, ["employment"])
    assert "342041" in str(error.value) and "三原市" in str(error.value)


def test_prefecture_is_not_a_municipality(t):
    with pytest.raises(NotAMunicipality) as error:
        t.refer("高知県", 45, ["employment"])
    assert error.value.node == "kochi" and error.value.kind == "Prefecture"
    assert "市区町村ではありません" in str(error.value)
    with pytest.raises(NotAMunicipality):
        t.coverage("愛知県")
    with pytest.raises(NameNotFound):  # a municipality where a prefecture is asked for is simply not one
        t.gaps(prefecture="三原市")


def test_unknown_need(t):
    with pytest.raises(UnknownNeed) as error:
        t.refer("いの町", 45, ["employment", "flying"])
    assert error.value.need == "flying" and "employment" in error.value.known
    with pytest.raises(UnknownNeed) as error:
        t.refer("いの町", 45, [])
    assert "1つ以上" in str(error.value)


@pytest.mark.parametrize("age", [-1, 131, "abc", True, 4.5])
def test_invalid_age(t, age):
    with pytest.raises(InvalidAge):
        t.refer("いの町", age, ["employment"])


def _options(answer):
    return [(o.rank, o.organisation.id if o.organisation else None, o.program.id if o.program else None, o.level)
            for o in answer.options]


def test_needs_in_japanese_and_age_as_text(t):
    answer = t.refer("いの町", "45", ["就労"])
    assert answer.person.age == 45 and list(answer.person.needs) == ["employment"]
    assert answer.municipality["name"] == "いの町" and answer.near_misses is None
    assert _options(answer) == _options(t.refer("393860", 45, "employment"))


def test_refer_and_coverage_agree_with_the_whole_graph(t, graph):
    from tsunagu.queries.coverage import coverage_matrix
    from tsunagu.queries.referral import referral_answer

    answer = t.refer("いの町", 45, ["employment", "safe-place"], explain=True)
    direct = referral_answer(graph, "ino", 45, ["employment", "safe-place"], explain=True)
    assert _options(answer) and _options(answer) == _options(direct)
    assert answer.first_contact.place.id == direct.first_contact.place.id
    assert len(answer.near_misses) == len(direct.near_misses)
    matrix = t.coverage("三原市")
    whole = coverage_matrix(graph, "mihara")
    assert [(c.band, c.domain, c.state, c.level, [p.id for p in c.providers]) for c in matrix.cells] == \
        [(c["band"], c["domain"], c["state"], c["level"], [p["id"] for p in c["providers"]]) for c in whole["cells"]]


def test_coverage_tells_a_gap_from_no_data(national_home):
    with tsunagu.open(national_home) as t:
        mihara = t.coverage("三原市")
        hakodate = t.coverage("函館市")
    # 三原市's chart (003) was read: its empty education column is a gap
    assert mihara.local_data and mihara.cell("40-49", "education").state == "none"
    assert all(c.state != "no-data" for c in mihara.cells)
    # nothing curated about 函館市: an empty cell is no data, and the national programs still show
    assert not hakodate.local_data
    assert hakodate.cell("40-49", "education").state == "no-data"
    assert hakodate.cell("18-29", "employment").state != "no-data"
    assert "none" not in {c.state for c in hakodate.cells}


def test_a_ward_answers_for_its_city(national_home):
    t = tsunagu.open(national_home)
    for text in ("札幌市中央区", "札幌市 中央区", "011011"):
        assert t.resolve(text).id == "m-011002", text
    answer = t.refer("札幌市中央区", 30, ["consultation"])
    assert answer.municipality["name"] == "札幌市"


def test_ambiguous_name(national_home):
    t = tsunagu.open(national_home)
    with pytest.raises(AmbiguousName) as error:
        t.refer("府中市", 30, ["employment"])
    assert len(error.value.candidates) == 2
    assert any("東京都" in c for c in error.value.candidates) and any("広島県" in c for c in error.value.candidates)
    assert t.resolve("342084").prefecture == "広島県"


def test_gaps_and_tally_are_typed(t):
    rows = t.gaps(prefecture="愛知県")
    assert [r.name for r in rows] == ["豊川市", "大治町", "蟹江町", "飛島村"]
    tobishima = rows[-1]
    assert tobishima.duties["platform"].status == "yes" and tobishima.duties["platform"].as_of == "2020-03-31"
    assert tobishima.duties["needs-survey"].status == "unknown" and tobishima.duties["needs-survey"].source is None
    tally = {(r.duty, r.source): r for r in t.tally()}
    clarified = tally[("window-clarified", "graph")].counts
    assert clarified["指定都市"].total == 0
    assert clarified["町・村"].known == 0 and clarified["町・村"].unknown == 4
    assert tally[("window-clarified", "survey")].counts["指定都市"].yes == 20
    assert ("platform", "survey") not in tally or tally[("platform", "survey")].as_of == "2020-05"
    assert {r.source for r in t.tally(prefecture="愛知県")} == {"graph"}


def test_first_contact_is_the_one_the_answer_opens_with(t):
    for municipality in ("いの町", "飛島村", "三原市"):
        assert t.first_contact(municipality) == t.refer(municipality, 30, ["consultation"]).first_contact
    with pytest.raises(NotAMunicipality):
        t.first_contact("高知県")


def test_entity_and_stats(t):
    found = t.entity("飛島村")
    assert found.id == "tobishima" and found.attributes["code"] == "234273"
    assert any(n["relation"] == "partOfPrefecture" and n["name"] == "愛知県" for n in found.neighbours)
    assert found.sources and all("document" in s for s in found.sources)
    with pytest.raises(NameNotFound):
        t.entity("存在しない機関")
    stats = t.stats()
    assert stats.total_nodes == sum(stats.nodes.values()) and stats.nodes["Town"] >= 3


def test_unknown_options_are_errors_in_japanese(t):
    for call, word in ((lambda: t.resolve("三原市", kind="planet"), "planet"),
                       (lambda: t.coverage("三原市", bands="decades"), "decades"),
                       (lambda: t.gaps(kind="metropolis"), "metropolis"),
                       (lambda: t.gaps(missing="parade"), "parade"),
                       (lambda: t.rollup(by="colour"), "kind か prefecture")):
        with pytest.raises(TsunaguError) as error:
            call()
        assert word in str(error.value) and "次のどれか" in str(error.value) or "集計" in str(error.value)


def test_tally_command_shows_unknown_as_unknown(runner, home, monkeypatch):
    from tsunagu.cli import cli

    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    result = runner.invoke(cli, ["tally", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    graph_row = next(line for line in lines if line.startswith("window-clarified,graph"))
    # no town's window is known: unknown, not 0/4 (0.0%)
    assert graph_row.split(",")[5] == "不明 (4)" and "0.0%" not in graph_row
    assert "window-clarified,survey 2020-05 (002),20/20 (100.0%)" in result.output
    english = runner.invoke(cli, ["tally", "--lang", "en", "--format", "csv"]).output
    assert "unknown (4)" in english


def test_coverage_command_has_a_legend(runner, national_home, monkeypatch):
    from tsunagu.cli import cli

    monkeypatch.setenv("TSUNAGU_HOME", str(national_home))
    result = runner.invoke(cli, ["coverage", "--municipality", "函館市"])
    assert result.exit_code == 0, result.output
    assert "凡例" in result.output and "データなし" in result.output
    table = result.output.split("凡例")[0]
    row = next(line for line in table.splitlines() if line.startswith("40-49"))
    assert "－" in row and "·" not in row
    gap = runner.invoke(cli, ["coverage", "--municipality", "三原市", "--lang", "en"]).output
    assert "legend" in gap and "·" in next(line for line in gap.splitlines() if line.startswith("40-49"))


def test_cli_errors_are_one_message(runner, home, monkeypatch):
    from tsunagu.cli import cli

    monkeypatch.setenv("TSUNAGU_HOME", str(home))
    for args, text in ((["refer", "高知県", "--age", "45", "--need", "employment"], "都道府県の名前です"),
                       (["refer", "いの町", "--age", "45", "--need", "flying"], "flying"),
                       (["coverage", "--municipality", "高知県"], "都道府県の名前です")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1 and text in result.output and "Traceback" not in result.output
    assert os.environ["TSUNAGU_HOME"] == str(home)


@pytest.fixture(scope="module")
def on_bolt(bolt_server, home):
    """The same embedded build pushed to a Bolt server, opened through the facade."""
    from tsunagu.bolt import push_graph

    push_graph(tsunagu.open(home).graph(), bolt_server["uri"], user=bolt_server["user"],
               password=bolt_server["password"], database=bolt_server["database"], replace=True)
    with tsunagu.open(backend=bolt_server["uri"], user=bolt_server["user"], password=bolt_server["password"],
                      database=bolt_server["database"]) as server:
        yield server


def test_bolt_backend_answers_and_raises_as_embedded(on_bolt, t):
    assert on_bolt.resolve("みはらし") == t.resolve("みはらし")
    assert on_bolt.resolve("高知県", kind="prefecture") == t.resolve("高知県", kind="prefecture")
    assert on_bolt.coverage("三原市") == t.coverage("三原市")
    assert on_bolt.gaps(prefecture="愛知県") == t.gaps(prefecture="愛知県")
    assert on_bolt.tally() == t.tally() and on_bolt.rollup(by="prefecture") == t.rollup(by="prefecture")
    assert _options(on_bolt.refer("飛島村", 45, ["employment"])) == _options(t.refer("飛島村", 45, ["employment"]))
    with pytest.raises(NotAMunicipality):
        on_bolt.refer("高知県", 45, ["employment"])
    with pytest.raises(NameNotFound) as error:
        on_bolt.refer("三原", 45, ["employment"])
    assert any("三原市" in s for s in error.value.suggestions)
    with pytest.raises(UnknownNeed):
        on_bolt.refer("いの町", 45, ["flying"])
    with pytest.raises(TsunaguError):  # the whole graph is the last build's, not the server's
        on_bolt.graph()


def test_a_ward_answers_for_its_city_on_a_bolt_server(bolt_server, national_home):
    """Last in this module: it replaces the graph the ``on_bolt`` tests read."""
    from tsunagu.bolt import push_graph

    push_graph(tsunagu.open(national_home).graph(), bolt_server["uri"], user=bolt_server["user"],
               password=bolt_server["password"], database=bolt_server["database"], replace=True)
    with tsunagu.open(backend=bolt_server["uri"], user=bolt_server["user"], password=bolt_server["password"],
                      database=bolt_server["database"]) as server:
        embedded = tsunagu.open(national_home)
        for text in ("札幌市中央区", "011011", "札幌市"):
            assert server.resolve(text) == embedded.resolve(text), text
        assert server.refer("札幌市中央区", 30, ["consultation"]).municipality["name"] == "札幌市"
