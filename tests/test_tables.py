"""Every text table fits the terminal it is printed on, and says nothing in internal words.

Widths are display columns as a terminal draws them: a wide or full-width character (East Asian
Width W or F: kanji, kana, full-width brackets) takes two. Each table command runs at
COLUMNS=80 and 100 on the seeds-only build and on the default (national) build.
"""

import re
import unicodedata

import pytest

from tsunagu.cli import cli

WIDTHS = (80, 100)
TABLES = [("coverage", "いの町"), ("coverage", "三原市"), ("gaps",), ("gaps", "--by", "kind"), ("tally",)]
# What the tables printed before they were Japanese: English headers and values, duty keys,
# class names and node ids (ids stay in JSON and in --format csv, never on screen)
INTERNAL = ["age", "providers", "level", "how", "unknown", "yes", "window-clarified", "RegionalSupportCentre", "m-0"]


def display_width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.fixture(params=["seeds", "national"])
def data(request, monkeypatch):
    """Each data set in turn: the seeds-only build, then the default build of the whole country."""
    monkeypatch.setenv("TSUNAGU_HOME", str(request.getfixturevalue(f"{request.param}_home")))
    return request.param


def _table(runner, args, width):
    result = runner.invoke(cli, list(args), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", TABLES, ids=" ".join)
def test_every_table_fits_and_speaks_japanese(runner, data, args, width):
    output = _table(runner, args, width)
    wide = [(display_width(line), line) for line in output.splitlines() if display_width(line) > width]
    assert not wide, f"{' '.join(args)} at {width}: {wide[:3]}"
    assert not [word for word in INTERNAL if word in output], output
    # wrapped as Japanese is set: no piece of a cell or a sentence starts with a closing mark
    assert not [line for line in output.splitlines() if line.strip()[:1] in ("）", "」", "、", "。")], output
    # the table is all there, not cut: what each command is for is on screen
    expected = {"coverage": ["40-49", "●", "凡例"], "gaps": ["凡例"], "tally": ["①明確化", "国の調査"]}[args[0]]
    if args == ("gaps",):
        expected += ["342041", "三原市", "実施[", "不明を埋めるには"]
    elif args[0] == "gaps":
        expected += ["種別", "合計", "国の調査"]
    assert all(text in output for text in expected), output


# The other commands that print tables (the referral's own layout, stats, sources, one entity)
OTHER_TABLES = [("refer", "三原市", "--age", "17", "--need", "居場所づくり", "--explain"), ("stats",), ("sources",),
                ("show", "三原市"), ("gaps", "--by", "prefecture")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", OTHER_TABLES, ids=lambda args: " ".join(args[:2]))
def test_the_other_tables_fit_too(runner, data, args, width):
    output = _table(runner, args, width)
    assert max(display_width(line) for line in output.splitlines()) <= width
    assert "三原市" in output or args[0] in ("stats", "sources", "gaps")
    assert not [word for word in INTERNAL if word in output], output


@pytest.mark.parametrize("width", WIDTHS)
def test_the_national_gaps_table_keeps_every_municipality_on_its_own_row(runner, national_home, monkeypatch,
                                                                         width):
    """1,741 rows at 80 columns: each starts with its whole code (a cell may wrap, a row never splits
    into two codes or loses one)."""
    monkeypatch.setenv("TSUNAGU_HOME", str(national_home))
    output = _table(runner, ["gaps"], width)
    codes = [line[:6] for line in output.splitlines() if re.match(r"\d{6}  ", line)]
    assert len(codes) == len(set(codes)) == 1741
    assert "473821" in codes and "011002" in codes  # 与那国町, 札幌市


@pytest.mark.parametrize("args", TABLES, ids=" ".join)
def test_english_tables_fit_too(runner, seeds_home, monkeypatch, args):
    monkeypatch.setenv("TSUNAGU_HOME", str(seeds_home))
    output = _table(runner, list(args) + ["--lang", "en"], 80)
    assert max(display_width(line) for line in output.splitlines()) <= 80
    header = output.splitlines()[1]  # under the first table's title
    assert re.search(r"[a-z]{4}", header) and not re.search(r"[ぁ-んァ-ヶ一-龥]", header), output


def test_a_long_source_passage_becomes_a_numbered_note(runner, seeds_home, monkeypatch):
    """The gaps table cites by number; the passage is under the table, wrapped, never in a column."""
    monkeypatch.setenv("TSUNAGU_HOME", str(seeds_home))
    output = _table(runner, ["gaps"], 80)
    table, notes = output.split("\n出典\n")[:2]
    assert "「ひきこもり支援・草の根" not in table and "実施[2]" in table  # 阪南市's platform, note 2
    note = next(line for line in notes.splitlines() if line.startswith("[2]"))
    assert "2019-11" in note and "会議資料 004" in note
    assert "ひきこもり支援・草の根" in "".join(line.strip() for line in notes.splitlines())


_CELL_CHARACTERS = list("ab 1-東京都市区町村ー（）☎①\n\u3000\r\t") + ["ｱ", "é", "\u0301", "😀", "\x1b", "\u2028", "\x00"]


def _tabulated(headers, body):
    from tabulate import tabulate

    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def test_the_table_writer_writes_what_tabulate_writes():
    """Tables are written without tabulate's per-cell passes; the text is tabulate's, character for character
    (wide and combining characters, multi-line cells and headers, empty cells, escapes and odd line breaks)."""
    from hypothesis import given, settings, strategies as st

    from tsunagu.output import _simple_table

    cell = st.lists(st.sampled_from(_CELL_CHARACTERS), max_size=8).map("".join)
    tables = st.integers(1, 5).flatmap(lambda n: st.tuples(
        st.lists(cell, min_size=n, max_size=n), st.lists(st.lists(cell, min_size=n, max_size=n), min_size=1, max_size=6)))

    @settings(max_examples=1500, deadline=None, database=None)
    @given(tables)
    def holds(table):
        headers, body = table
        assert _simple_table(headers, body) == _tabulated(headers, body)

    holds()


@pytest.mark.parametrize("args", [("gaps",), ("gaps", "--by", "kind"), ("tally",), ("coverage", "三原市")], ids=" ".join)
def test_the_national_tables_read_as_tabulate_wrote_them(runner, national_home, monkeypatch, args):
    """The whole country's tables, wrapped to 80 columns and not, are the text tabulate writes of them."""
    import tsunagu.output

    monkeypatch.setenv("TSUNAGU_HOME", str(national_home))
    for width in ("80", "400"):
        ours = runner.invoke(cli, list(args), env={"COLUMNS": width})
        with monkeypatch.context() as patched:
            patched.setattr(tsunagu.output, "_simple_table", _tabulated)
            theirs = runner.invoke(cli, list(args), env={"COLUMNS": width})
        assert ours.exit_code == theirs.exit_code == 0, ours.output
        assert ours.output == theirs.output
        assert ours.output.count("\n") > 20
