"""Issue 23, the web part: the app on a phone (360 and 390 px wide) and on a desktop (1280 px), in real
headless Chromium against a real server (``tsunagu serve``) on the national build.

No page scrolls sideways and axe-core finds no WCAG 2 A/AA violation; the diagram page carries its data
alone (vis-network comes once from a versioned, cached /static/ address); its labels do not overlap and
every node is inside the frame; a misspelt town is answered in Japanese with links; where the duties are
不明 the pages say what that means, how a prefecture fills it in, and what the directory does show.
"""

import csv
import io
import json
import re
import time
import urllib.parse

import pytest

from test_web import AXE, _fetch, _refer, national_server_fixture

Q = urllib.parse.quote
# Every page a caseworker or an analyst opens (the referral's answer is a POST: see _open)
PAGES = {
    "home": "/",
    "refer": None,  # 那覇市, 45, 雇用: the answer page after the form
    "municipality": "/m/" + Q("那覇市"),
    "matrix": "/m/" + Q("三原市"),  # its age x domain matrix
    "analyst": "/analyst",
    "analyst-prefecture": "/analyst?prefecture=" + Q("沖縄県"),
    "diagram": "/diagram/" + Q("いの町"),
    "error": "/m/" + Q("那覇氏"),
    "refer-error": None,  # 那覇氏 on the form: the message, its links and the refilled form
    "sources": "/sources",
    "map": "/map",
}
DIAGRAMS = ("いの町", "那覇市", "高知県")

# Each node's box (its shape and label, as vis-network measures them) in the frame's own pixels:
# the pairs that overlap, and the nodes not wholly inside the frame.
LABEL_BOXES = """
var network = window.tsunaguNetwork, frame = document.getElementById('network').getBoundingClientRect();
var boxes = network.body.nodeIndices.map(function (id) {
  var box = network.getBoundingBox(id);
  var a = network.canvasToDOM({x: box.left, y: box.top}), b = network.canvasToDOM({x: box.right, y: box.bottom});
  return {id: id, left: a.x, top: a.y, right: b.x, bottom: b.y};
});
var overlaps = [], outside = [];
boxes.forEach(function (a, i) {
  if (a.left < 0 || a.top < 0 || a.right > frame.width || a.bottom > frame.height) { outside.push(a.id); }
  boxes.slice(i + 1).forEach(function (b) {
    if (Math.min(a.right, b.right) > Math.max(a.left, b.left) && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top)) {
      overlaps.push([a.id, b.id]);
    }
  });
});
return {nodes: boxes.length, overlaps: overlaps, outside: outside};
"""


server = national_server_fixture("phone-logs")


def _open(driver, server, page, width):
    driver.set_window_size(width, 900)
    if page == "refer":
        assert "最初の相談先" in _refer(driver, server, "那覇市", 45, ["employment"])
    elif page == "refer-error":
        assert "もしかして" in _refer(driver, server, "那覇氏", 45, ["employment"])
    else:
        driver.get(server.url + PAGES[page])
    if page == "diagram":
        _wait_for_drawing(driver)


def _wait_for_drawing(driver, timeout=60):
    deadline = time.monotonic() + timeout
    while driver.execute_script("return document.body.getAttribute('data-ready')") != "true":
        assert time.monotonic() < deadline, f"{driver.current_url} did not finish drawing in {timeout}s"
        time.sleep(0.2)


def _axe(driver):
    if not AXE.is_file():
        if __import__("os").environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: .ci/run installs the npm package axe-core")
        pytest.skip("npm install --prefix .cache/axe axe-core")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))))"
        ".catch(e => done([{id: String(e)}]));")


@pytest.mark.parametrize("width", [360, 390, 1280])  # the phones, and an office screen
@pytest.mark.parametrize("page", list(PAGES))
def test_no_page_scrolls_sideways(driver, server, page, width):
    _open(driver, server, page, width)
    # clientWidth: the width inside a vertical scroll bar, where there is one (innerWidth counts it)
    scroll, client, inner = driver.execute_script("var e = document.documentElement;"
                                                  "return [e.scrollWidth, e.clientWidth, window.innerWidth]")
    assert inner == width
    assert scroll <= client, f"{page} is {scroll} px wide in a {client} px window"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("page", list(PAGES))
def test_axe_finds_no_violation(driver, server, page, width):
    _open(driver, server, page, width)
    assert _axe(driver) == []


def test_the_written_coverage_page_has_no_axe_violation(driver, graph, tmp_path):
    """The age x domain page ``tsunagu diagram`` writes beside the network (a file, not a page of the web
    app): its full cells' text was the body's dark grey on dark green."""
    from tsunagu.diagrams import write_municipality_diagram

    _, heatmap = write_municipality_diagram(graph, "ino", tmp_path / "ino.html")
    assert 'style="background: #2e7d32' in heatmap.read_text(encoding="utf-8")  # it has full cells
    driver.set_window_size(1280, 900)
    driver.get(heatmap.as_uri())
    assert _axe(driver) == []


def test_the_diagram_page_is_its_data_and_vis_network_comes_once_cached(driver, server):
    scripts = set()
    for name in DIAGRAMS:
        status, headers, body = _fetch(server.url + "/diagram/" + Q(name))
        page = body.decode("utf-8")
        assert status == 200 and len(body) < 100_000, (name, len(body))
        assert "vis.Network" not in page  # neither vis-network nor the drawing script is inlined
        scripts |= set(re.findall(r'<script src="([^"]+)"', page))
    # the same versioned addresses on every diagram page, each cached for a year and never asked again
    assert len(scripts) == 2 and all(re.fullmatch(r"/static/[\w.-]+\.js\?v=[0-9a-f]{16}", s) for s in scripts)
    sizes = {}
    for src in scripts:
        status, headers, body = _fetch(server.url + src)
        assert status == 200 and "immutable" in headers["Cache-Control"]
        assert "max-age=31536000" in headers["Cache-Control"]
        sizes[src.split("?")[0]] = len(body)
    assert sizes["/static/vis-network.min.js"] > 400_000  # what each page used to inline

    # a browser fetches it once: the second diagram takes it from its cache
    driver.set_window_size(1280, 900)
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})  # the tests before loaded diagrams too
    driver.get_log("performance")
    for name in DIAGRAMS[:2]:
        driver.get(server.url + "/diagram/" + Q(name))
        _wait_for_drawing(driver)
    responses, cached = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestServedFromCache":
            cached.add(params["requestId"])
        elif message["method"] == "Network.responseReceived" and "/static/vis-network.min.js" in params["response"]["url"]:
            responses[params["requestId"]] = params["response"]
    assert len(responses) == 2  # both pages load it...
    fetched = [r["url"] for request, r in responses.items() if request not in cached and not r.get("fromDiskCache")]
    assert len(fetched) == 1, fetched  # ...only the first from the server


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagram_labels_do_not_overlap_and_every_node_is_in_the_frame(driver, server, name, width):
    driver.set_window_size(width, 900)
    driver.get(server.url + "/diagram/" + Q(name))
    _wait_for_drawing(driver)
    boxes = driver.execute_script(LABEL_BOXES)
    assert boxes["nodes"] >= 10
    assert boxes["overlaps"] == [] and boxes["outside"] == []


def test_a_misspelt_town_is_answered_in_japanese_with_a_link(driver, server):
    from selenium.webdriver.common.by import By

    driver.set_window_size(390, 900)
    driver.get(server.url + "/m/" + Q("那覇氏"))
    alert = driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "「那覇氏」はデータにありません" in alert and "もしかして" in alert
    assert not re.search(r"[A-Za-z]", alert) and "472018" not in alert  # no English, no id or code
    driver.find_element(By.LINK_TEXT, "那覇市（沖縄県）").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "那覇市（沖縄県）"


def test_a_suggestion_on_the_referral_form_answers_for_the_town_it_names(driver, server):
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    text = _refer(driver, server, "那覇氏", 45, ["employment"])
    assert "もしかして" in text and "Error" not in text and "472018" not in text
    driver.find_element(By.LINK_TEXT, "那覇市（沖縄県）").click()  # sends the form again, by POST
    # the old page's <main> may go stale between finding it and reading it: find it again
    WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "回答対象: 那覇市" in d.find_element(By.TAG_NAME, "main").text)
    url = urllib.parse.urlsplit(driver.current_url)
    assert "45" not in url.path + url.query  # the age travelled in the form, not the address


def test_age_bands_and_statuses_keep_their_line_and_sources_are_readable(driver, server):
    lines = ("var r = document.createRange(); r.selectNodeContents(arguments[0]);"
             "return new Set(Array.from(r.getClientRects(), x => Math.round(x.top))).size;")
    from selenium.webdriver.common.by import By

    for width in (390, 1280):
        driver.set_window_size(width, 900)
        driver.get(server.url + "/m/" + Q("三原市"))
        bands = driver.find_elements(By.CSS_SELECTOR, "table.coverage tbody th")
        assert len(bands) >= 8 and all(driver.execute_script(lines, th) == 1 for th in bands)  # never 「15-/17」
        statuses = driver.find_elements(By.CSS_SELECTOR, "table.duty-status td[class^=status-], table.duty-status td.as-of")
        assert [driver.execute_script(lines, td) for td in statuses if td.text] == [1] * len([td for td in statuses if td.text])
    # at 1280 px the 出典 column has room: its longest passage takes at most three lines
    sources = driver.find_elements(By.CSS_SELECTOR, "table.duty-status td.source")
    assert sources and max(driver.execute_script(lines, td) for td in sources) <= 3


def test_the_analyst_page_says_what_unknown_means_and_shows_the_evidence_apart(driver, server, tmp_path):
    from selenium.webdriver.common.by import By

    driver.set_window_size(1280, 900)
    driver.get(server.url + "/analyst?prefecture=" + Q("沖縄県"))
    fill_in = driver.find_element(By.CSS_SELECTOR, "section.fill-in").text
    assert "未実施ではありません" in fill_in and "tsunagu build --survey" in fill_in
    headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "table.duties thead th")]
    assert headers[-1] == "一覧にある窓口（参考）"
    rows = driver.find_elements(By.CSS_SELECTOR, "table.duties tbody tr")
    naha = next(row for row in rows if row.find_element(By.TAG_NAME, "th").text == "那覇市")
    cells = naha.find_elements(By.TAG_NAME, "td")
    assert re.search(r"自立相談 0\d{1,4}-\d{1,4}-\d{4}", cells[-1].text)
    assert all(cell.text.startswith("不明") for cell in cells[3:-1])  # a window with a phone is no duty done

    # the survey to fill in: one row per municipality of the table, code and name filled in, answers empty
    href = driver.find_element(By.PARTIAL_LINK_TEXT, "調査票（CSV").get_attribute("href")
    status, headers_, body = _fetch(href)
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")
    survey = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    codes = [row.find_element(By.TAG_NAME, "td").text for row in rows]
    assert sorted(r["code"] for r in survey) == sorted(codes) and len(codes) == 41
    assert all(r["platform"] == "" and r["window_clarified"] == "" for r in survey)
    _filled_survey_reads_back(body, tmp_path)
    status, _, body = _fetch(driver.find_element(By.PARTIAL_LINK_TEXT, "入力ブック").get_attribute("href"))
    assert status == 200 and body[:2] == b"PK"  # an XLSX


def _filled_survey_reads_back(body, tmp_path):
    """The downloaded survey, with 那覇市's platform answered as a prefecture would, is what
    ``tsunagu build --survey`` reads: one duty fact, as of the date written in."""
    from rdflib import URIRef

    from tsunagu.loaders.formats.survey import read_survey

    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    for row in rows:
        if row["name"] == "那覇市":
            row.update(platform="yes", source="沖縄県の照会への回答", as_of="2026-10")
    path = tmp_path / "survey.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # as Excel saves "CSV UTF-8"
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    graph = read_survey(path, {r["code"]: (URIRef(f"urn:test:{r['code']}"), r["name"]) for r in rows})
    facts = {(str(s).rsplit("/", 1)[-1], str(o)) for s, p, o in graph if str(p).endswith("#asOf")}
    assert facts == {("survey-472018-platform", "2026-10")}  # the one answer: the empty rows stay 不明


def test_the_map_says_what_unknown_means_and_shows_the_windows_on_request(driver, server):
    from selenium.webdriver.common.by import By

    driver.set_window_size(1280, 900)
    driver.get(server.url + "/map?prefecture=" + Q("沖縄県"))
    about = driver.find_element(By.CSS_SELECTOR, ".about").text
    assert "不明" in about and "未実施ではありません" in about
    link = driver.find_element(By.LINK_TEXT, "調査票のダウンロードと取り込み方").get_attribute("href")
    assert link.endswith("/analyst?prefecture=" + Q("沖縄県") + "#h-fill")
    count = ("return Array.from(document.querySelectorAll('circle'))"
             ".filter(c => getComputedStyle(c)[arguments[0]] === arguments[1]).length")
    grey = driver.execute_script(count, "fill", "rgb(189, 189, 189)")
    assert driver.execute_script(count, "stroke", "rgb(21, 101, 192)") == 0
    driver.find_element(By.ID, "evidence").click()
    ringed = driver.execute_script(count, "stroke", "rgb(21, 101, 192)")
    key = driver.find_element(By.ID, "evidence-key").text
    assert ringed > 30 and f"窓口あり {ringed} / 41" in key
    assert driver.execute_script(count, "fill", "rgb(189, 189, 189)") == grey  # a ring, never a duty's colour
