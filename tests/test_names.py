"""Names in kanji, kana (hiragana or katakana) and codes; ambiguity is an error with candidates."""

import pytest

from tsunagu.cli import cli
from tsunagu.exceptions import AmbiguousName, NameNotFound
from tsunagu.compile import compile_graph
from tsunagu.resolver import resolve

TWO_FUCHU = """\
sources:
  tokyo: {document: localgovjp-utf8.csv, quote: '13,東京都,13206,府中市,ふちゅうし'}
  hiroshima: {document: localgovjp-utf8.csv, quote: '34,広島県,34208,府中市,ふちゅうし'}
  tokyo-pref: {document: prefjp-utf8.csv, quote: '13,東京都,とうきょうと'}
records:
  - {id: tokyo, type: Prefecture, name: 東京都, kana: とうきょうと, code: '130001', sources: [tokyo-pref]}
  - {id: fuchu-tokyo, type: City, name: 府中市, kana: ふちゅうし, code: '132063', prefecture: tokyo, sources: [tokyo]}
  - {id: fuchu-hiroshima, type: City, name: 府中市, kana: ふちゅうし, code: '342084', prefecture: hiroshima, sources: [hiroshima]}
"""


@pytest.mark.parametrize("text", ["いの町", "いのちょう", "イノチョウ", "393860", "ino", " いの町 "])
def test_every_way_of_naming_ino(graph, text):
    assert resolve(graph, text) == "ino"


def test_unknown_name_suggests_close_ones(graph):
    with pytest.raises(NameNotFound) as caught:
        resolve(graph, "とびしま村", types={"Municipality"})
    assert any("飛島村" in s for s in caught.value.suggestions)


@pytest.fixture
def two_fuchu(tmp_path):
    path = tmp_path / "fuchu.yaml"
    path.write_text(TWO_FUCHU, encoding="utf-8")
    return path


def test_ambiguous_name_lists_candidates_with_prefecture(two_fuchu):
    graph = compile_graph([two_fuchu], lists=False).graph
    with pytest.raises(AmbiguousName) as caught:
        resolve(graph, "府中市")
    assert caught.value.candidates == ["府中市 (東京都, 132063, id fuchu-tokyo)", "府中市 (広島県, 342084, id fuchu-hiroshima)"]
    assert resolve(graph, "342084") == "fuchu-hiroshima"


def test_ambiguous_name_on_the_command_line(runner, two_fuchu):
    assert runner.invoke(cli, ["build", "--seeds-only", str(two_fuchu)]).exit_code == 0
    result = runner.invoke(cli, ["show", "ふちゅうし"])
    assert result.exit_code == 1
    assert "「ふちゅうし」に当たるものが複数あります" in result.output
    assert "府中市 (東京都, 132063)" in result.output and "府中市 (広島県, 342084)" in result.output
    assert "id fuchu" not in result.output  # the code names each one; ids are for JSON
    english = runner.invoke(cli, ["show", "ふちゅうし", "--lang", "en"])
    assert english.exit_code == 1 and "ambiguous" in english.output and "広島県, 342084" in english.output
    for named in ("132063", "東京都府中市"):  # the two ways the message offers
        ok = runner.invoke(cli, ["show", named, "--format", "json"])
        assert ok.exit_code == 0 and '"fuchu-tokyo"' in ok.output, ok.output
