"""The つなぎシート: one printable A4 page, offline, with the first contact and the options; printed in headless Chromium."""

import base64
import re

import pytest

from tests.browser import open_page
from tsunagu.cli import cli


@pytest.fixture(scope="module")
def sheet(tmp_path_factory, seeds_home):
    from click.testing import CliRunner

    home = seeds_home
    path = tmp_path_factory.mktemp("sheet") / "sheet.html"
    result = CliRunner().invoke(cli, ["refer", "三原市", "--age", "17", "--need", "safe-place", "--need", "employment",
                                      "--sheet", "-o", str(path), "--as-of", "2026-11-25"],
                                env={"TSUNAGU_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert "17歳" not in result.output  # the person's age stays in the sheet
    return path


def test_sheet_is_self_contained_and_scriptless(sheet):
    html = sheet.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "@page" in html and "A4" in html
    assert "最初の相談先" in html and "こころの健康相談・ひきこもり相談" in html
    assert "三原市若者居場所づくり事業" in html and "毎月第2・4金曜日 午後" in html and "港町一丁目2番26号" in html
    assert "17歳" in html  # the one place the person's age is written, because it was asked for
    # documents by title and date, never by file name; no system shorthand
    assert "出典" in html and "三原市「ひきこもり支援の枠組み」" in html
    assert ".txt" not in html and "PF" not in html


def test_sheet_prints_on_one_a4_page(sheet, graph, tmp_path):
    import datetime as dt

    from tsunagu.queries.referral import referral_answer
    from tsunagu.sheet import sheet_html

    # a fuller one too: five options and a wide-area platform's secretariat
    dense = tmp_path / "dense.html"
    answer = referral_answer(graph, "tobishima", 45, ["employment", "consultation", "welfare"], as_of=dt.date(2026, 11, 25))
    assert len(answer.options) >= 5
    dense.write_text(sheet_html(answer), encoding="utf-8")
    page, close = open_page(sheet, wait_for_ready=False)
    try:
        text = page.driver.find_element("tag name", "body").text
        assert "つなぎシート" in text and "こころの健康相談・ひきこもり相談" in text
        assert not page.console_errors()
        pdfs = [base64.b64decode(page.driver.print_page(_a4()))]
        page.driver.get(dense.resolve().as_uri())
        assert "海部福祉相談センター" in page.driver.find_element("tag name", "body").text
        pdfs.append(base64.b64decode(page.driver.print_page(_a4())))
        assert all(url.startswith("file:") for url in page.requested_urls())
    finally:
        close()
    assert [len(re.findall(rb"/Type\s*/Page[^s]", pdf)) for pdf in pdfs] == [1, 1]


def _a4():
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width = 21.0
    options.page_height = 29.7
    return options


def test_sheet_needs_an_html_file(seeds_cache, runner, tmp_path):
    result = runner.invoke(cli, ["refer", "三原市", "--age", "17", "--need", "safe-place", "--sheet"])
    assert result.exit_code == 2 and "-o FILE.html" in result.output
    result = runner.invoke(cli, ["refer", "三原市", "--age", "17", "--need", "safe-place", "--sheet",
                                 "-o", str(tmp_path / "sheet.csv")])
    assert result.exit_code == 2 and not (tmp_path / "sheet.csv").exists()
