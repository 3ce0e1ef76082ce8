"""The web app through a real server process (``tsunagu serve``) and real headless Chromium."""

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from browser import web_driver
from conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "web" / "script-name.yaml"
AXE = Path(os.environ.get("TSUNAGU_AXE_JS", ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``tsunagu serve`` on a free port of 127.0.0.1, stopped by PID."""

    def __init__(self, home, log_dir, *options, env=None, host=None):
        self.port = _free_port()
        self.url = f"http://{host or '127.0.0.1'}:{self.port}"
        self.log = open(log_dir / f"serve-{self.port}.log", "w+", encoding="utf-8")
        env = dict(os.environ, TSUNAGU_HOME=str(home), **(env or {}))
        hosted = ["--host", host] if host else []
        self.process = subprocess.Popen([sys.executable, "-m", "tsunagu", "serve", "--port", str(self.port), *hosted,
                                         *options], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 300  # a first start may build (the embedded data, or after a code change)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=120):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    raise AssertionError(f"the server did not start:\n{self.log.read()}") from None
                time.sleep(0.3)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def national_server_fixture(logs):
    """A module-scoped fixture: a module's own web app over the session's national build, with its own
    log (tests read what the server printed)."""

    @pytest.fixture(scope="module")
    def fixture(national_home, tmp_path_factory):
        server = Server(national_home, tmp_path_factory.mktemp(logs))
        yield server
        server.stop()

    return fixture


national_server = national_server_fixture("web-logs")


@pytest.fixture(scope="module")
def script_server(tmp_path_factory):
    """A small build with an organisation whose name holds a <script> tag, serving いの町."""
    from tsunagu.compile.compiler import build

    home = tmp_path_factory.mktemp("web-script") / "cache"
    build([FIXTURE], directory=home, lists=False)
    server = Server(home, tmp_path_factory.mktemp("web-logs"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    driver, close = web_driver(script_timeout=60)
    yield driver
    close()


def _requests(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _refer(driver, server, municipality, age, needs):
    from selenium.webdriver.common.by import By

    driver.get(server.url + "/refer")
    driver.find_element(By.ID, "municipality").send_keys(municipality)
    driver.find_element(By.ID, "age").send_keys(str(age))
    for need in needs:
        driver.find_element(By.CSS_SELECTOR, f"input[name=need][value={need}]").click()
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import WebDriverException

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "form.refer button[type=submit]").click()
    # the answer is a new page: wait for the form's page to go, then for the new one to finish. While
    # Chrome swaps the documents, asking after the old one can fail with "Node with given id does not
    # belong to the document" instead of a stale element: that is asked again, not a failure.
    WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,)).until(expected_conditions.staleness_of(page))
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.find_element(By.TAG_NAME, "main").text


def test_the_referral_form_finds_hello_work_with_its_reason(chromium, national_server):
    text = _refer(chromium, national_server, "いの町", 45, ["employment"])
    assert "回答対象: いの町（高知県・393860）" in text
    assert "最初の相談先" in text
    assert "ハローワーク" in text
    assert "雇用" in text  # the reason names the need it fits
    url = urllib.parse.urlsplit(chromium.current_url)
    assert "45" not in url.path + url.query  # the person's age never travels in a URL (the port may hold 45)


# --- issue 22: the referral page says what the CLI says: a number to call, the next window, the hours or that
# they are not recorded, each option with a phone or where to look, and each thing once ---


def _answer(national_home, municipality, age, needs):
    """The library's answer to the same question (the page must show what it holds)."""
    import tsunagu

    return tsunagu.open(national_home).refer(municipality, age, needs)


def _sections(driver):
    """The first contact's section and the text of each option, as a person sees them."""
    from selenium.webdriver.common.by import By

    first = driver.find_element(By.CSS_SELECTOR, "section.first").text
    return first, [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ol.options > li")]


def test_naha_employment_gives_a_number_the_next_window_and_a_phone_or_where_to_look_for_each_option(
        chromium, national_server, national_home):
    import re

    from selenium.webdriver.common.by import By

    from tsunagu.queries.answers import call_reason, render_reason, where_reason

    answer = _answer(national_home, "那覇市", 45, ["employment"])
    _refer(chromium, national_server, "那覇市", 45, ["employment"])
    first, options = _sections(chromium)
    # the first contact: the self-reliance agency, offered for employment too, with its own number to ring
    assert "那覇市就職・生活支援パーソナルサポートセンター" in first
    assert answer.first_contact.call is not None
    assert render_reason(call_reason(answer.first_contact.call)) in first
    assert chromium.find_elements(By.CSS_SELECTOR, f"section.first a[href='tel:{answer.first_contact.call.telephone}']")
    # the next window with its phone, through the same card as any place
    window = answer.first_contact.next_window
    assert window is not None and window.contact.telephone
    assert "つながらないときの窓口" in first and window.name in first and window.contact.telephone in first
    # the hours are not in the directory: it says so, and how to find out
    assert answer.first_contact.hours_note is not None
    assert "受付時間は未収録（電話で確認を）" in first
    # every option: a phone, or the one line saying where to look; 「未収録」 at most once
    assert len(options) == len(answer.options + answer.fallback) >= 3
    assert any("那覇市就職・生活支援パーソナルサポートセンター" in o for o in options)  # offered for employment
    for text, option in zip(options, answer.options + answer.fallback, strict=True):
        phone = re.search(r"\d{2,5}-\d{1,4}-\d{3,4}", text)
        assert phone or "で確認できます" in text, text
        assert text.count("未収録") <= 1, text
        if option.where and not phone:
            assert text.count(render_reason(where_reason(option.where))) == 1, text
            assert "連絡先はデータにありません。" not in text and "名称・連絡先は未収録" not in text, text
    hello_work = next(o for o in options if "ハローワーク" in o)
    assert "管轄のハローワークは厚生労働省「全国ハローワークの所在案内」で確認できます" in hello_work
    assert chromium.find_elements(By.CSS_SELECTOR, "ol.options p.where a[href^='https://www.mhlw.go.jp/']")


def test_mihara_health_offers_the_eastern_health_centre_and_no_other_citys(chromium, national_server, national_home):
    from tsunagu.queries.answers import call_reason, render_reason

    answer = _answer(national_home, "三原市", 45, ["health"])
    text = _refer(chromium, national_server, "三原市", 45, ["health"])
    first, options = _sections(chromium)
    assert "東部保健所" in text
    for other in ("広島市保健所", "呉市保健所", "福山市保健所"):
        assert other not in text
    centre = next(o for o in options if "東部保健所" in o)
    assert "・都道府県" in centre.split("\n")[0]  # the prefecture's centre, not labelled a town's
    assert "管轄の保健所は" in centre or "☎" in centre or "電話" in centre  # a phone or where to look
    # the window has no number of its own: the one to ring is marked as whose it is, with that place's hours
    call = answer.first_contact.call
    assert call is not None and call.whose != "own"
    assert render_reason(call_reason(call)) in first
    assert (call.hours or "受付時間は未収録（電話で確認を）") in first
    assert "連絡先はデータにありません。" not in first.split("つながらないときの窓口")[0]
    assert answer.first_contact.next_window.name in first


def test_ino_education_names_the_childrens_guidance_centre_and_says_each_step_once(
        chromium, national_server, national_home):
    from selenium.webdriver.common.by import By

    answer = _answer(national_home, "いの町", 12, ["education"])
    text = _refer(chromium, national_server, "いの町", 12, ["education"])
    first, options = _sections(chromium)
    centre = next(o for o in options if "高知県中央児童相談所" in o)
    assert "088-821-6700" in centre
    assert chromium.find_elements(By.CSS_SELECTOR, "ol.options a[href='tel:088-821-6700']")
    # the platform's secretariat is named under the first contact, not again under each option it leads to
    secretariats = {s.name for t in answer.first_contact.through for s in t.secretariats}
    assert secretariats and all(name in first for name in secretariats)
    for name in secretariats:
        assert text.count(name) == 1, name
    assert not any("経由:" in o for o in options)
    # no 経路 fold repeating what the option's 経由 reason already says
    assert chromium.find_elements(By.CSS_SELECTOR, "ol.options details") == []
    for option in options:
        assert option.count("未収録") <= 1, option


def test_an_unknown_municipality_is_a_japanese_message_with_suggestions(chromium, national_server):
    from selenium.webdriver.common.by import By

    text = _refer(chromium, national_server, "いのちょ町", 45, ["employment"])
    alert = chromium.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "Traceback" not in chromium.page_source and "Error" not in text
    assert "いの町" in alert  # suggested
    assert any(ch in alert for ch in "はがをにで")  # Japanese, not English


def test_the_analyst_page_filters_and_downloads_csv_for_excel(chromium, national_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    chromium.get(national_server.url + "/analyst")
    field = chromium.find_element(By.ID, "prefecture")
    field.clear()
    field.send_keys("高知県")
    Select(chromium.find_element(By.ID, "missing")).select_by_value("platform")
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = chromium.find_element(By.TAG_NAME, "html")
    chromium.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(chromium, 60).until(expected_conditions.staleness_of(page))
    rows = chromium.find_elements(By.CSS_SELECTOR, "table.duties tbody tr")
    assert len(rows) >= 30  # 高知県 has 34 municipalities; only いの町 is known to have a platform
    assert all("高知県" in row.text for row in rows)
    assert "いの町" not in [row.find_element(By.TAG_NAME, "th").text for row in rows]
    href = chromium.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
    with urllib.request.urlopen(href, timeout=30) as response:
        body = response.read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel on Japanese Windows reads it as UTF-8
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(table) == len(rows) and all(row["都道府県"] == "高知県" for row in table)
    assert all(row["プラットフォーム"] != "実施" for row in table)  # the CLI's words: 実施 / 未実施 / 不明


def test_no_request_leaves_the_server(chromium, national_server):
    chromium.get("about:blank")
    chromium.get_log("performance")
    for path in ("/", "/analyst?prefecture=%E9%AB%98%E7%9F%A5%E7%9C%8C", "/m/ino", "/e/ino", "/diagram/ino"):
        chromium.get(national_server.url + path)
    _refer(chromium, national_server, "三原市", 17, ["safe-place"])
    urls = _requests(chromium)
    assert urls
    outside = [u for u in urls if not (u.startswith(national_server.url) or u.startswith("data:"))]
    assert outside == []


@pytest.mark.parametrize("path", ["/", "/refer", "/m/ino", "/analyst?prefecture=%E9%AB%98%E7%9F%A5%E7%9C%8C", "/e/ino",
                                  "/m/nope", "/sources"])
def test_axe_core_finds_no_serious_violation(chromium, national_server, path):
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: .ci/run installs the npm package axe-core")
        pytest.skip("npm install --prefix .cache/axe axe-core")
    chromium.get(national_server.url + path)
    chromium.execute_script(AXE.read_text(encoding="utf-8"))
    result = chromium.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))).catch(e => done([{id: String(e)}]));")
    serious = [v for v in result if v.get("impact") in ("serious", "critical") or "impact" not in v]
    assert serious == []


def test_the_answer_page_after_a_referral_passes_axe(chromium, national_server):
    if not AXE.is_file():
        pytest.skip("axe-core not installed")
    _refer(chromium, national_server, "飛島村", 45, ["employment"])
    chromium.execute_script(AXE.read_text(encoding="utf-8"))
    result = chromium.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact})))).catch(e => done([{id: String(e)}]));")
    assert [v for v in result if v.get("impact") in ("serious", "critical") or "impact" not in v] == []


def test_a_name_holding_a_script_tag_stays_text(chromium, script_server):
    from selenium.webdriver.common.by import By

    text = _refer(chromium, script_server, "いの町", 45, ["employment"])
    assert "<script>alert(1)</script>の会" in text
    scripts = chromium.find_elements(By.TAG_NAME, "script")
    assert all("alert(1)" not in (s.get_attribute("innerHTML") or "") for s in scripts)
    assert [e for e in chromium.get_log("browser") if "alert" in e.get("message", "")] == []
    chromium.get(script_server.url + "/e/script-name-npo")
    assert "<script>alert(1)</script>の会" in chromium.find_element(By.TAG_NAME, "h1").text


def test_the_sheet_button_gives_the_printable_sheet(national_server):
    data = urllib.parse.urlencode([("municipality", "いの町"), ("age", "45"), ("need", "employment"),
                                   ("sheet", "1")]).encode()
    with urllib.request.urlopen(urllib.request.Request(national_server.url + "/refer", data=data), timeout=30) as r:
        page = r.read().decode("utf-8")
        assert r.headers["Cache-Control"] == "no-store"
    assert "つなぎシート" in page and "<script" not in page


def test_what_a_caseworker_types_is_not_logged_or_stored(national_server, national_home):
    before = {p: p.stat().st_mtime for p in Path(national_home).rglob("*")}
    data = urllib.parse.urlencode([("municipality", "三原市"), ("age", "87"), ("need", "family-support")]).encode()
    with urllib.request.urlopen(urllib.request.Request(national_server.url + "/refer", data=data), timeout=30):
        pass
    # the server's own address may hold the digits 87 (port 54387): the check reads what follows it
    output = national_server.output().replace(national_server.url, "<url>")
    assert "87" not in output and "family-support" not in output
    assert {p: p.stat().st_mtime for p in Path(national_home).rglob("*")} == before


def test_bad_input_gets_a_page_not_a_trace(national_server):
    for path in ("/m/%3Cscript%3E", "/analyst?kind=castle", "/e/nope", "/nowhere"):
        try:
            urllib.request.urlopen(national_server.url + path, timeout=30)
            raise AssertionError(f"{path} answered 200")
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8")
            assert error.code in (400, 404) and "Traceback" not in body and "<script>" not in body
    assert "Traceback" not in national_server.output()


def test_the_municipality_page_shows_first_contact_duties_diagram_and_sources(national_server):
    with urllib.request.urlopen(national_server.url + "/m/" + urllib.parse.quote("飛島村"), timeout=60) as response:
        page = response.read().decode("utf-8")
    assert "最初の相談先" in page and "海部福祉相談センター" in page
    assert "プラットフォーム" in page and '<td class="status-yes">実施</td>' in page  # the duty the seeds state
    assert ">済<" not in page  # the CLI's words (実施 / 未実施 / 不明), not the page's old 済 / 未
    assert 'src="/diagram/tobishima"' in page and "凡例" in page
    assert "002_551d311390b905b2.txt" in page or "出典" in page



def test_the_municipality_page_gives_the_first_contacts_number_and_next_window(national_server, national_home):
    import tsunagu

    from tsunagu.queries.answers import call_reason, render_reason

    first = tsunagu.open(national_home).first_contact("三原市")
    with urllib.request.urlopen(national_server.url + "/m/" + urllib.parse.quote("三原市"), timeout=60) as response:
        page = response.read().decode("utf-8")
    assert first.call is not None and first.call.whose != "own"  # the window has no number of its own
    assert render_reason(call_reason(first.call)) in page and f'href="tel:{first.call.telephone}"' in page
    assert "つながらないときの窓口" in page and first.next_window.name in page

def test_the_tally_downloads_beside_the_survey_figures(national_server):
    query = urllib.parse.urlencode({"format": "csv", "table": "tally"})
    with urllib.request.urlopen(f"{national_server.url}/analyst?{query}", timeout=60) as response:
        body = response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "974/1741 (55.9%)" in text and "不明" in text  # the survey's figure beside the graph's unknowns
    query = urllib.parse.urlencode({"format": "xlsx", "table": "tally", "prefecture": "高知県"})
    with urllib.request.urlopen(f"{national_server.url}/analyst?{query}", timeout=60) as response:
        assert response.read(2) == b"PK"  # an XLSX is a zip


def test_the_map_pages_kept_are_the_ones_asked_for(national_server):
    """The app keeps the dot map pages it wrote (Japan's is half a second at synthetic 10x): asked again, the
    same page; in the other language or for a prefecture, that page, not one kept for another address."""
    def page(query=""):
        with urllib.request.urlopen(f"{national_server.url}/map{query}", timeout=60) as response:
            return response.read().decode("utf-8")

    japan = page()
    assert page() == japan and japan.count("<circle") == 1741 and 'lang="ja"' in japan
    english, kochi = page("?lang=en"), page("?prefecture=" + urllib.parse.quote("高知県"))
    assert 'lang="en"' in english and "Hikikomori support" in english and english.count("<circle") == 1741
    assert "高知県の市区町村" in kochi and kochi.count("<circle") == 34
    assert page() == japan and page("?lang=en") == english


def test_the_app_answers_from_a_bolt_server(bolt_server, tmp_path):
    from tsunagu.bolt import push_graph
    from tsunagu.compile.compiler import build

    home = tmp_path / "cache"
    graph = build(directory=home, lists=False).graph
    # replace: another test of this worker may have pushed a bigger graph to the same server
    push_graph(graph, bolt_server["uri"], user=bolt_server["user"], password=bolt_server["password"],
               database=bolt_server["database"], replace=True)
    options = ["--backend", bolt_server["uri"], "--user", bolt_server["user"]]
    if bolt_server["database"]:
        options += ["--database", bolt_server["database"]]
    server = Server(home, tmp_path, *options, env={"TSUNAGU_BOLT_PASSWORD": bolt_server["password"]})
    try:
        form = urllib.parse.urlencode([("municipality", "飛島村"), ("age", "45"), ("need", "employment")]).encode()
        with urllib.request.urlopen(urllib.request.Request(server.url + "/refer", data=form), timeout=60) as r:
            page = r.read().decode("utf-8")
        assert "海部福祉相談センター" in page and "ハローワーク" in page
        with urllib.request.urlopen(server.url + "/m/" + urllib.parse.quote("三原市"), timeout=60) as r:
            assert "3つの取組" in r.read().decode("utf-8")
        assert bolt_server["password"] not in server.output()
    finally:
        server.stop()


def test_suggestions_as_you_type_hold_every_place_and_wards(chromium, national_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    chromium.get(national_server.url + "/refer")
    WebDriverWait(chromium, 30).until(
        lambda d: d.find_element(By.ID, "places").get_attribute("data-ready") == "true")
    values = chromium.execute_script("return Array.from(document.querySelectorAll('#places option'), o => o.value)")
    assert len(values) >= 1741 and "いの町" in values and "札幌市中央区" in values
    with urllib.request.urlopen(national_server.url + "/refer", timeout=60) as response:
        assert len(response.read()) < 30_000  # the list is fetched once (and cached), not carried by every page


# --- issue 25, item 7: headers, hosts, disconnects, oversized forms; item 2: downloads without formulas ---


@pytest.fixture(scope="module")
def formula_server(tmp_path_factory):
    """A small build whose organisation and source title start like spreadsheet formulas."""
    from test_hardening import FORMULA_YAML
    from tsunagu.compile.compiler import build

    folder = tmp_path_factory.mktemp("web-formula")
    (folder / "formula.yaml").write_text(FORMULA_YAML, encoding="utf-8")
    build([folder / "formula.yaml"], directory=folder / "cache", lists=False)
    server = Server(folder / "cache", folder)
    yield server
    server.stop()


def _fetch(url, data=None, headers=None):
    """(status, headers, body) of one request; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_every_response_says_nosniff_and_pages_with_typed_text_are_not_stored(formula_server):
    url = formula_server.url
    for path in ("/", "/refer", "/static/tsunagu.css", "/places.json", "/m/" + urllib.parse.quote("いの町"),
                 "/analyst?format=csv", "/nowhere", "/m/nowhere"):
        status, headers, _ = _fetch(url + path)
        assert headers["X-Content-Type-Options"] == "nosniff", (path, status)
    form = urllib.parse.urlencode([("municipality", "いの町"), ("age", "200"), ("need", "family-support")]).encode()
    status, headers, body = _fetch(url + "/refer", data=form)
    page = body.decode("utf-8")
    assert status == 400 and 'value="200"' in page and "family-support" in page  # the form is refilled...
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"  # ...not stored
    status, headers, _ = _fetch(url + "/m/" + urllib.parse.quote("どこにもない町"))
    assert status == 404 and headers["Cache-Control"] == "no-store"


def test_a_foreign_host_header_is_refused(formula_server):
    port = formula_server.port
    assert _fetch(formula_server.url + "/", headers={"Host": "evil.example"})[0] == 400
    assert _fetch(formula_server.url + "/", headers={"Host": f"attacker.example:{port}"})[0] == 400
    status, headers, _ = _fetch(formula_server.url + "/", headers={"Host": "rebind.example"})
    assert status == 400 and headers["X-Content-Type-Options"] == "nosniff"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST"):
        assert _fetch(formula_server.url + "/", headers={"Host": host})[0] == 200, host


def test_serve_answers_the_address_it_listens_on_and_the_names_it_is_given(tmp_path):
    from tsunagu.compile.compiler import build

    build(directory=tmp_path / "cache", lists=False)
    server = Server(tmp_path / "cache", tmp_path, host="127.0.0.2",
                    env={"TSUNAGU_ALLOWED_HOSTS": "tsunagu.office.example, 10.0.0.7"})
    try:
        assert _fetch(server.url + "/")[0] == 200  # Host: 127.0.0.2:port
        for host in ("tsunagu.office.example", "10.0.0.7:8080"):
            assert _fetch(server.url + "/", headers={"Host": host})[0] == 200, host
        assert _fetch(server.url + "/", headers={"Host": "evil.example"})[0] == 400
    finally:
        server.stop()


def test_a_client_that_disconnects_mid_form_leaves_no_traceback(formula_server):
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", formula_server.port), timeout=10) as sock:
            sock.sendall(b"POST /refer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 900\r\n\r\n"
                         b"municipality=%E3%81%84%E3%81%AE&age=4")
    time.sleep(1.5)
    assert _fetch(formula_server.url + "/")[0] == 200
    output = formula_server.output()
    assert "Traceback" not in output and "Exception" not in output, output


def test_an_oversized_or_unsized_form_and_a_huge_name_are_refused_in_japanese(formula_server):
    huge = urllib.parse.urlencode([("municipality", "x"), ("age", "20"), ("need", "employment"),
                                   ("pad", "y" * 100_000)]).encode()
    status, _, body = _fetch(formula_server.url + "/refer", data=huge)
    assert status == 413 and "送信された内容を受け取れません" in body.decode("utf-8")

    with socket.create_connection(("127.0.0.1", formula_server.port), timeout=30) as sock:
        sock.sendall(b"POST /refer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"4\r\nage=\r\n0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 411") and "送信された内容を受け取れません".encode() in answer

    form = urllib.parse.urlencode([("municipality", "町" * 32_000), ("age", "20"), ("need", "employment")]).encode()
    assert _fetch(formula_server.url + "/refer", data=form)[0] == 413  # over the form's 16 KB
    form = urllib.parse.urlencode([("municipality", "町" * 1_000), ("age", "20"), ("need", "employment")]).encode()
    status, headers, body = _fetch(formula_server.url + "/refer", data=form)
    page = body.decode("utf-8")
    assert status == 400 and "「市区町村」が長すぎます（1,000 文字）" in page and "町" * 200 not in page


def test_web_downloads_carry_no_formula_from_data(formula_server):
    from test_hardening import FORMULA_DOCUMENT, _assert_no_formula_in_csv, _assert_no_formula_in_xlsx

    query = urllib.parse.urlencode({"prefecture": "高知県", "format": "csv"})
    status, _, body = _fetch(f"{formula_server.url}/analyst?{query}")
    assert status == 200
    cells = _assert_no_formula_in_csv(body.decode("utf-8-sig"))
    assert "'" + FORMULA_DOCUMENT in " ".join(cells)
    query = urllib.parse.urlencode({"prefecture": "高知県", "format": "xlsx"})
    status, _, body = _fetch(f"{formula_server.url}/analyst?{query}")
    path = Path(__import__("tempfile").mkdtemp()) / "gaps.xlsx"
    path.write_bytes(body)
    assert any(FORMULA_DOCUMENT in text for text in _assert_no_formula_in_xlsx(path))


def test_a_broken_edit_after_a_build_leaves_the_app_answering_from_the_last_build(tmp_path):
    """A web app started after an input of the last build was broken answers referrals from that build,
    and says so in Japanese without the validation text or a server path."""
    from tsunagu.compile.compiler import build

    user = tmp_path / "office.yaml"
    user.write_text((Path(__file__).parent / "fixtures" / "store" / "user_office.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    build([user], tmp_path / "cache", lists=False)
    user.write_text(user.read_text(encoding="utf-8").replace("serves: [ino]", "serves: [ino]\n    domains: [flying]"),
                    encoding="utf-8")
    server = Server(tmp_path / "cache", tmp_path)
    try:
        form = urllib.parse.urlencode([("municipality", "いの町"), ("age", "45"), ("need", "employment")]).encode()
        status, _, body = _fetch(server.url + "/refer", data=form)
        page = body.decode("utf-8")
        assert status == 200 and "最初の相談先" in page and "前回のビルドから答えています" in page
        assert "office.yaml" not in page and str(tmp_path) not in page and "flying" not in page
        status, _, body = _fetch(server.url + "/sources")
        assert status == 200 and "くらし支援ナビ（運営: JUNKBRANDING）" in body.decode("utf-8")
    finally:
        server.stop()
