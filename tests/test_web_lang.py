"""The web app in Japanese (the default) or in English on request, through a real server (``tsunagu serve``) on
the national build: ``?lang=en`` / ``?lang=ja`` on any page sets a ``lang`` cookie that the pages after it follow;
every word of the pages' own is in the reader's language (the data, such as organisation names, stays as the
sources write it); the link to the other language never carries what a caseworker typed.
"""

import re
import urllib.parse
from html import unescape
from http.cookies import SimpleCookie

import pytest

from test_phone import _axe
from test_web import _fetch, _refer, national_server_fixture

Q = urllib.parse.quote
# Each page (the referral's answer is a POST: see _open) and a heading it shows in Japanese and in English
PAGES = {
    "/": ("相談（つなぎ先を探す）", "Referral (where to connect)"),
    "/m/" + Q("那覇市"): ("最初の相談先", "First contact"),
    "/analyst": ("市区町村ごとの取組", "Duties by municipality"),
    "/sources": ("出典表示", "Credit"),
    "refer": ("つなぎ先の選択肢", "Where to connect"),
}
REFERRAL = [("municipality", "那覇市"), ("age", "45"), ("need", "employment")]
# The pages' own words (headings, labels, buttons, statuses, legends, notes): each is on a Japanese page, none on
# an English one
CHROME = ("本文へ移動", "出典の一覧", "都道府県・全国", "最初の相談先", "つなぎ先の選択肢", "補足・次の一手",
          "条件を変えて探す", "つなぎシート", "つながらないときの窓口", "3つの取組", "年齢×分野", "支援ネットワーク図", "凡例",
          "ダウンロード", "並べ替え", "出典表示", "ライセンス", "入手元", "確認日", "未実施", "ニーズ（1つ以上）", "年齢",
          "保存も記録もしません", "つなぎ先を探す")


server = national_server_fixture("lang-logs")


def _open(server, page, lang=None, cookie=None):
    """(status, headers, html) of a page: ``lang`` in its query, ``cookie`` the lang cookie sent with it.
    ``refer`` sends the referral form (by POST, as the page does) and gets its answer."""
    query = f"lang={lang}" if lang else ""
    headers = {"Cookie": f"lang={cookie}"} if cookie else {}
    if page == "refer":
        url, data = server.url + "/refer" + (f"?{query}" if query else ""), urllib.parse.urlencode(REFERRAL).encode()
    else:
        url, data = server.url + page + (("&" if "?" in page else "?") + query if query else ""), None
    status, response, body = _fetch(url, data=data, headers=headers)
    return status, response, body.decode("utf-8")


def _text(html):
    """What a person reads: the page without its tags (nor the values its form's fields hold)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _switch(html):
    """The header's link to the other language: (href, lang, text)."""
    found = re.search(r'<p class="lang-switch"><a href="([^"]+)" lang="(\w+)" hreflang="\2">([^<]+)</a></p>', html)
    assert found, "no link to the other language"
    return unescape(found[1]), found[2], found[3]


def test_every_page_is_japanese_by_default_and_links_to_english(server):
    seen = ""
    for page, (japanese, _) in PAGES.items():
        status, headers, html = _open(server, page)
        assert status == 200 and '<html lang="ja">' in html, page
        assert japanese in _text(html), page
        assert headers.get("Set-Cookie") is None, page  # nothing is kept unless the reader asks
        href, lang, text = _switch(html)
        assert (lang, text) == ("en", "English"), page
        assert href == ("/refer" if page == "refer" else page) + "?lang=en"
        seen += _text(html)
    assert [word for word in CHROME if word not in seen] == []  # the words checked below are the pages' own


def test_lang_en_gives_every_page_in_english_and_sets_the_cookie(server):
    for page, (_, english) in PAGES.items():
        status, headers, html = _open(server, page, lang="en")
        text = _text(html)
        assert status == 200 and '<html lang="en">' in html, page
        assert english in text and 'aria-label="Main pages"' in html, page
        assert [word for word in CHROME if word in text] == [], page
        cookie = SimpleCookie(headers["Set-Cookie"])["lang"]
        assert cookie.value == "en" and cookie["path"] == "/" and cookie["samesite"] == "Lax", page
        href, lang, name = _switch(html)
        assert (lang, name) == ("ja", "日本語") and href.endswith("lang=ja"), page


def test_the_cookie_keeps_the_language_until_the_reader_switches_back(server):
    _, headers, _ = _open(server, "/", lang="en")
    kept = SimpleCookie(headers["Set-Cookie"])["lang"].value
    for page, (_, english) in PAGES.items():  # the form's POST too: it carries no query
        status, headers, html = _open(server, page, cookie=kept)
        assert status == 200 and '<html lang="en">' in html and english in _text(html), page
        assert headers.get("Set-Cookie") is None  # already kept
    href = _switch(_open(server, "/analyst", cookie=kept)[2])[0]
    status, headers, html = _fetch(server.url + href, headers={"Cookie": f"lang={kept}"})
    assert status == 200 and '<html lang="ja">' in html.decode("utf-8")
    kept = SimpleCookie(headers["Set-Cookie"])["lang"].value
    assert kept == "ja" and '<html lang="ja">' in _open(server, "/sources", cookie=kept)[2]
    # a language the app does not have is not kept, and the page stays Japanese
    status, headers, html = _open(server, "/", lang="fr", cookie="fr")
    assert '<html lang="ja">' in html and headers.get("Set-Cookie") is None


def test_the_answer_in_english_keeps_the_person_out_of_every_link(server, national_home):
    import tsunagu

    from tsunagu.queries.answers import level_label, render_reason

    answer = tsunagu.open(national_home).refer("那覇市", 45, ["employment"])
    status, headers, html = _open(server, "refer", cookie="en")
    text = _text(html)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert "Answer for: 那覇市 (沖縄県, 472018)" in text
    assert render_reason(answer.first_contact.basis, "en") in text  # the reasons and levels in the library's English
    assert f"No. 1 · {level_label(answer.options[0].level, 'en')}" in text
    assert _switch(html)[0] == "/refer?lang=ja"  # to the empty form: nothing the caseworker typed
    for link in re.findall(r'href="([^"]*)"', html):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(unescape(link)).query)
        assert not {"age", "need"} & set(query) and "employment" not in str(query), link
    output = server.output().replace(server.url, "<url>")
    assert "45" not in output and "employment" not in output  # nor is it logged


def test_duty_statuses_are_the_clis_words_in_both_languages(server):
    from tsunagu.text import STATUS_LABELS

    for lang, index in (("ja", 0), ("en", 1)):
        html = _open(server, "/m/" + Q("飛島村"), lang=lang)[2]
        cells = re.findall(r'<td class="status-(\w+)">([^<]+)</td>', html)
        assert ("yes", STATUS_LABELS["yes"][index]) in cells, lang  # the platform the seeds state
        assert all(word == STATUS_LABELS[status][index] for status, word in cells), cells
    status, _, body = _fetch(server.url + "/analyst?" + urllib.parse.urlencode(
        {"prefecture": "高知県", "format": "csv", "lang": "en"}))
    header, *rows = body.decode("utf-8-sig").splitlines()
    assert status == 200 and header.startswith("code,municipality,prefecture,kind,window clarified")
    assert "not known" in rows[0] and "不明" not in body.decode("utf-8-sig")


def test_mistakes_are_answered_in_english_with_links(server):
    status, _, html = _open(server, "/m/" + Q("那覇氏"), lang="en")
    alert = _text(html.split('role="alert">', 1)[1].split("</div>", 1)[0])
    assert status == 404 and "No entity called '那覇氏'" in alert and "Did you mean: 那覇市 (沖縄県)" in alert
    assert "472018" not in alert and "もしかして" not in alert  # neither the code nor the Japanese around it
    assert "Back to the first page" in _text(html) and "最初のページへ" not in _text(html)
    assert "'高知県' is not a municipality (prefecture)" in _text(_open(server, "/m/" + Q("高知県"), lang="en")[2])
    form = urllib.parse.urlencode([("municipality", "那覇市"), ("age", "200"), ("need", "employment")]).encode()
    status, _, body = _fetch(server.url + "/refer", data=form, headers={"Cookie": "lang=en"})
    assert status == 400 and "The age '200' must be a whole number from 0 to 130." in _text(body.decode("utf-8"))


def test_the_switch_keeps_the_page_and_its_query_and_stays_on_this_site(server):
    page = "/analyst?" + urllib.parse.urlencode({"prefecture": "沖縄県", "sort": "name"})
    href = urllib.parse.urlsplit(_switch(_open(server, page, lang="en")[2])[0])
    assert href.path == "/analyst"
    assert urllib.parse.parse_qs(href.query) == {"prefecture": ["沖縄県"], "sort": ["name"], "lang": ["ja"]}
    status, _, html = _open(server, "//evil.example/x", lang="en")  # a path that reads as another site's address
    assert status == 404 and _switch(html)[0] == "/evil.example/x?lang=ja"


def test_a_browser_follows_the_link_to_english_through_the_form_and_back(driver, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def language():
        return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")

    driver.delete_all_cookies()
    driver.get(server.url + "/")
    assert language() == "ja"
    driver.find_element(By.LINK_TEXT, "English").click()
    WebDriverWait(driver, 30).until(lambda d: language() == "en")
    cookie = driver.get_cookie("lang")
    assert cookie["value"] == "en" and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    text = _refer(driver, server, "那覇市", 45, ["employment"])  # the form, sent by POST: the cookie alone says English
    assert "First contact" in text and "最初の相談先" not in text
    url = urllib.parse.urlsplit(driver.current_url)
    assert "45" not in url.path + url.query
    driver.find_element(By.LINK_TEXT, "日本語").click()
    WebDriverWait(driver, 30).until(lambda d: language() == "ja")
    assert driver.current_url == server.url + "/refer?lang=ja"
    assert driver.find_element(By.ID, "age").get_attribute("value") == ""  # an empty form: nothing carried over
    driver.delete_all_cookies()



def _english_pages(driver, server, width):
    """Opens each page in English in a window ``width`` px wide, yielding its key once it is shown."""
    driver.set_window_size(width, 900)
    driver.get(server.url + "/?lang=en")
    for page in PAGES:
        if page == "refer":
            assert "First contact" in _refer(driver, server, "那覇市", 45, ["employment"])
        else:
            driver.get(server.url + page)
        assert driver.find_element("tag name", "html").get_attribute("lang") == "en", page
        yield page
    driver.delete_all_cookies()


@pytest.mark.parametrize("width", [360, 1280])
def test_english_pages_do_not_scroll_sideways(driver, server, width):
    """English words are longer than the Japanese: still no page scrolls sideways on a phone."""
    for page in _english_pages(driver, server, width):
        scroll, client = driver.execute_script("var e = document.documentElement; return [e.scrollWidth, e.clientWidth]")
        assert scroll <= client, f"{page} is {scroll} px wide in a {client} px window"


def test_english_pages_pass_axe(driver, server):
    for page in _english_pages(driver, server, 390):
        assert _axe(driver) == [], page


def test_the_diagram_page_in_english_has_an_english_legend_and_tooltips(server):
    status, _, html = _open(server, "/diagram/" + Q("いの町"), lang="en")
    page = re.sub(r"<(script|style)[^>]*>.*?</\\1>", "", html, flags=re.S)
    assert status == 200 and '<html lang="en">' in page
    assert "Hikikomori support network of いの町" in page and "Legend" in page and "Platforms" in page
    assert "Kind: " in html and "種別:" not in html
    assert [word for word in ("凡例", "機関・事業", "つながり", "点線", "ラベルのない線") if word in page] == []
    assert 'hreflang="ja">日本語</a>' in page  # the way back to Japanese
    status, _, html = _open(server, "/diagram/" + Q("いの町"))
    assert status == 200 and '<html lang="ja">' in html and "凡例" in html and "Legend" not in html
    # the municipality's page frames its diagram in the page's language, cookie or not
    _, _, html = _open(server, "/m/" + Q("いの町"), lang="en")
    assert '<iframe class="diagram" src="/diagram/ino?lang=en"' in html
