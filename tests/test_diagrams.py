"""Diagrams: what they contain, that they open offline in a real browser, and that names stay text."""

import re

import pytest
from selenium.common.exceptions import NoAlertPresentException

from browser import open_page
from tsunagu.cli import cli
from tsunagu.diagrams import municipality_view, prefecture_view, write_municipality_diagram
from tsunagu.compile import compile_graph

EVIL = "<img src=x onerror=alert(1)>"
EVIL_SCRIPT = "</script><script>alert(2)</script>"


def test_ino_view_holds_the_whole_platform(graph):
    view = municipality_view(graph, "ino")
    members = {s for s, t, k in graph.in_edges("ino-platform", keys=True) if k in ("memberOf", "secretariatOf")}
    assert len(members) == 18
    assert members | {"ino-platform", "ino-jiritsu-kyogikai", "ino-suicide-network", "kochi-review-committee"} <= set(view.nodes)
    committee = {s for s, _, k in graph.in_edges("kochi-review-committee", keys=True) if k == "memberOf"}
    assert committee <= set(view.nodes)
    assert ("ino-hoken-fukushi", "ino-platform", "secretariatOf") in view.edges


def test_wide_area_view_shows_all_its_municipalities(graph):
    view = municipality_view(graph, "tobishima")
    assert {"oharu", "kanie", "tobishima", "ama-platform", "aichi-ama-welfare-centre"} <= set(view.nodes)
    assert ("aichi-ama-welfare-centre", "ama-platform", "secretariatOf") in view.edges


def test_prefecture_view(graph):
    view = prefecture_view(graph, "hiroshima")
    assert {"hiroshima-support-centre", "hiroshima-support-centre-east", "hiroshima-koizumi-hospital"} <= set(view.nodes)
    assert "mihara" not in view.nodes  # no platform in the seeds: the prefecture's page is its platforms and centres
    aichi = prefecture_view(graph, "aichi")
    assert {"toyokawa", "oharu", "ama-platform"} <= set(aichi.nodes)


def test_a_prefecture_is_its_platforms_and_centres_not_a_star(national_graph):
    from tsunagu.diagrams.render import QUIET_RELATIONS, network_data

    aichi = next(n for n, d in national_graph.nodes(data=True) if d.get("code") == "230006")
    view = prefecture_view(national_graph, aichi)
    municipalities = [n for n in view.nodes if "Municipality" in national_graph.nodes[n].get("types", ())]
    assert 4 <= len(municipalities) < 10  # the four with a platform in the data (豊川市, the 海部 area), not all 54
    _, edges, _ = network_data(national_graph, view)
    assert all(e["label"] == "" for e in edges if e["title"].endswith(tuple(f"({r})" for r in QUIET_RELATIONS)))
    assert any(e["label"] for e in edges)  # 事務局 and the like keep their label


def test_html_references_nothing_remote(graph, tmp_path):
    diagram, heatmap = write_municipality_diagram(graph, "ino", tmp_path / "ino.html")
    for path in (diagram, heatmap):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), path
        assert "@import" not in html
    assert 'href="ino.coverage.html"' in diagram.read_text(encoding="utf-8")


def _vis_contents(page):
    return page.script(
        "var b = tsunaguNetwork.body.data;"
        "return {nodes: b.nodes.get().map(n => [n.id, n.label, n.title]),"
        "        edges: b.edges.get().map(e => [e.from, e.to])};")


def _hover(page, node):
    """Move the mouse over a node as a person would; return the tooltip's text."""
    import time

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = page.driver.find_element(By.CSS_SELECTOR, "#network canvas")
    x, y = page.script(f"var d = tsunaguNetwork.canvasToDOM(tsunaguNetwork.getPosition('{node}')); return [d.x, d.y];")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(page.driver).move_to_element_with_offset(canvas, int(x - width / 2), int(y - height / 2)).perform()
    for _ in range(30):
        text = page.script("var t = document.querySelector('div.vis-tooltip');"
                           "return t && t.style.visibility !== 'hidden' ? t.textContent : null;")
        if text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"no tooltip appeared over {node}")


def _assert_offline_and_clean(page):
    assert page.console_errors() == []
    requested = page.requested_urls()
    assert requested, "the performance log recorded no request at all"
    assert all(url.startswith(("file://", "data:")) for url in requested), requested


@pytest.mark.parametrize("municipality", ["ino", "tobishima", "mihara"])
def test_diagram_in_chromium(graph, tmp_path, municipality):
    diagram, _ = write_municipality_diagram(graph, municipality, tmp_path / f"{municipality}.html")
    page, close = open_page(diagram)
    try:
        _assert_offline_and_clean(page)
        contents = _vis_contents(page)
        view = municipality_view(graph, municipality)
        assert sorted(n[0] for n in contents["nodes"]) == view.nodes
        assert sorted(tuple(e) for e in contents["edges"]) == sorted((s, t) for s, t, _ in view.edges)
        page.driver.save_screenshot(str(tmp_path / f"{municipality}.png"))
        assert (tmp_path / f"{municipality}.png").stat().st_size > 10_000
    finally:
        close()


def test_heatmap_in_chromium(graph, tmp_path):
    _, heatmap = write_municipality_diagram(graph, "mihara", tmp_path / "mihara.html")
    page, close = open_page(heatmap, wait_for_ready=False)
    try:
        _assert_offline_and_clean(page)
        assert page.script("return document.querySelectorAll('tbody tr').length") == 9
        assert page.script("return document.querySelectorAll('tbody td').length") == 9 * 11
        text = page.script("return document.body.innerText")
        assert re.findall(r"municipality|platform|wide-area|prefecture|national", text) == []  # levels in Japanese
        assert "都道府県" in page.script("return document.querySelector('tbody').innerText")
        page.driver.save_screenshot(str(tmp_path / "mihara-heatmap.png"))
    finally:
        close()


def test_injected_name_stays_text(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        "sources:\n  s: {document: test, quote: test}\nrecords:\n"
        f"  - {{id: evil-org, type: NPO, name: '{EVIL}', member_of: [ino-platform], domains: [safe-place], sources: [s]}}\n"
        f"  - {{id: evil-script, type: NPO, name: '{EVIL_SCRIPT}', member_of: [ino-platform], sources: [s]}}\n",
        encoding="utf-8",
    )
    graph = compile_graph([evil], lists=False).graph
    diagram, heatmap = write_municipality_diagram(graph, "ino", tmp_path / "ino.html")
    assert EVIL not in diagram.read_text(encoding="utf-8")
    assert EVIL not in heatmap.read_text(encoding="utf-8")
    for path, ready in ((diagram, True), (heatmap, False)):
        page, close = open_page(path, wait_for_ready=ready)
        try:
            with pytest.raises(NoAlertPresentException):
                _ = page.driver.switch_to.alert.text  # raises: no alert opened
            assert page.script("return document.querySelectorAll('img').length") == 0
            _assert_offline_and_clean(page)
            if ready:
                labels = {n[0]: n[1] for n in _vis_contents(page)["nodes"]}
                assert labels["evil-org"] == EVIL
                assert labels["evil-script"] == EVIL_SCRIPT
                # hovering shows the tooltip as text, not markup
                tooltip = _hover(page, "evil-org")
                assert tooltip.startswith(EVIL + "種別: NPO法人")
                assert page.script("return document.querySelectorAll('img').length") == 0
                page.driver.save_screenshot(str(tmp_path / "evil-tooltip.png"))
        finally:
            close()


def test_diagram_all_writes_every_page_and_an_index(seeds_cache, runner, tmp_path):
    out = tmp_path / "all"
    result = runner.invoke(cli, ["diagram", "--all", str(out)])
    assert result.exit_code == 0, result.output
    pages = {p.name for p in out.glob("*.html")}
    assert "index.html" in pages and "ino.html" in pages and "ino.coverage.html" in pages and "kochi.html" in pages
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 1 + 12  # header + 7 municipalities + 5 prefectures
    assert 'href="tobishima.html"' in index


def test_a_diagram_without_pyvis_says_which_extra_to_install(seeds_cache, runner, tmp_path, monkeypatch):
    """A wheel installed without its extras: the command names what to install, no traceback."""
    import sys

    for module in ("pyvis", "pyvis.network"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed: importing it fails
    result = runner.invoke(cli, ["diagram", "いの町", "-o", str(tmp_path / "ino.html")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "この操作には pyvis が要ります: pip install 'tsunagu[diagram]'" in result.output
    assert not (tmp_path / "ino.html").exists()


def test_diagram_command_needs_one_target(seeds_cache, runner, tmp_path):
    assert runner.invoke(cli, ["diagram"]).exit_code == 2
    assert runner.invoke(cli, ["diagram", "--municipality", "いの町"]).exit_code == 2
    result = runner.invoke(cli, ["diagram", "--prefecture", "高知県", "-o", str(tmp_path / "kochi.html")])
    assert result.exit_code == 0, result.output


# The diagram's and heatmap's own words in Japanese (the data's names stay as the sources write them)
JAPANESE_CHROME = ("凡例", "機関・事業", "つながり", "種別:", "事業:", "対象年齢", "分野:", "出典:", "団体コード:", "【事務局】",
                   "点線", "ラベルのない線", "のひきこもり支援ネットワーク", "種別から推論", "就労（ハローワーク")
JAPANESE_HEATMAP = ("のカバー状況", "セル内", "年齢", "充足", "一部", "不明", "なし", "市町村", "プラットフォーム")


def _tooltips(html):
    """Every node's label and tooltip and edge's title in a page's drawing data, without the sources' quoted
    passages (data: いの町's reads 「【事務局】 いの町ほけん福祉課」)."""
    import json

    data = json.loads(re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', html, re.S)[1])
    text = "\n".join(item["label"] + "\n" + item["title"] for item in data["nodes"] + data["edges"])
    return re.sub(r'(「.*?」|"[^"\n]*")$', "", text, flags=re.M)


def _chrome(html):
    """The page without its drawing data, style and scripts: what the page itself says."""
    return re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)


def _assert_ino_in_english(diagram, heatmap):
    page, tips = _chrome(diagram), _tooltips(diagram)
    assert '<html lang="en">' in page and "Hikikomori support network of いの町" in page
    assert "Legend" in page and " organisations and programs, " in page and " links" in page
    assert "Platforms" in page and "Hover over a node" in page and "Coverage by age and domain" in page
    assert all(word in tips for word in ("Kind: ", "Programs: ", "Ages: ", "Domains: ", "Source: ", "member of",
                                           "[secretariat] いの町ほけん福祉課")), tips[:500]
    assert [word for word in JAPANESE_CHROME if word in page + tips] == []
    assert '<html lang="en">' in heatmap and "Support coverage of いの町" in heatmap and "<th>Ages</th>" in heatmap
    assert "In a cell:" in heatmap and "unknown (ages not stated)" in heatmap
    assert [word for word in JAPANESE_HEATMAP if word in re.sub(r'title="[^"]*"', "", heatmap)] == []


def test_ino_diagram_in_english_on_request_and_japanese_by_default(graph, tmp_path):
    diagram, heatmap = write_municipality_diagram(graph, "ino", tmp_path / "en" / "ino.html", lang="en")
    _assert_ino_in_english(diagram.read_text(encoding="utf-8"), heatmap.read_text(encoding="utf-8"))
    diagram, heatmap = write_municipality_diagram(graph, "ino", tmp_path / "ja" / "ino.html")
    html = diagram.read_text(encoding="utf-8")
    page, tips = _chrome(html), _tooltips(html)
    assert '<html lang="ja">' in page and "いの町のひきこもり支援ネットワーク" in page
    assert [word for word in JAPANESE_CHROME if word not in page + tips] == []
    assert "Legend" not in page and "Kind: " not in tips
    coverage = heatmap.read_text(encoding="utf-8")
    assert '<html lang="ja">' in coverage and "いの町の支援のカバー状況" in coverage and "セル内" in coverage


def test_diagram_command_writes_english_with_lang_en(seeds_cache, runner, tmp_path):
    out = tmp_path / "ino.html"
    result = runner.invoke(cli, ["diagram", "いの町", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    _assert_ino_in_english(out.read_text(encoding="utf-8"), (tmp_path / "ino.coverage.html").read_text(encoding="utf-8"))
    result = runner.invoke(cli, ["--lang", "en", "diagram", "--prefecture", "高知県", "-o", str(tmp_path / "kochi.html")])
    assert result.exit_code == 0, result.output
    kochi = (tmp_path / "kochi.html").read_text(encoding="utf-8")
    assert "Hikikomori support network of 高知県" in kochi and "Legend" in kochi and "凡例" not in kochi


def _positions(page):
    return page.script("var p = tsunaguNetwork.getPositions(); return Object.keys(p).sort().map(k => [k, p[k].x, p[k].y]);")


def test_all_pages_share_one_vis_network_and_draw_offline_with_a_stable_layout(seeds_cache, runner, tmp_path):
    import time

    out = tmp_path / "all"
    result = runner.invoke(cli, ["diagram", "--all", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("vis-network*")) == ["vis-network.css", "vis-network.min.js"]
    ino = (out / "ino.html").read_text(encoding="utf-8")
    assert '<script src="vis-network.min.js"></script>' in ino
    assert all(p.stat().st_size < 60_000 for p in out.glob("*.html")), "a page inlines vis-network again"
    page, close = open_page(out / "ino.html")
    try:
        assert page.console_errors() == []
        requested = page.requested_urls()  # the log is read once: reading empties it
        assert all(url.startswith(("file://", "data:")) for url in requested), requested
        assert any(url.endswith("/vis-network.min.js") for url in requested), requested
        first = _positions(page)
        page.driver.refresh()
        deadline = time.monotonic() + 60
        while page.script("return document.body.getAttribute('data-ready')") != "true":
            assert time.monotonic() < deadline, "the page did not draw again"
            time.sleep(0.2)
        again = _positions(page)
        assert [p[0] for p in again] == [p[0] for p in first] and len(first) > 10
        assert all(abs(a[1] - b[1]) < 1 and abs(a[2] - b[2]) < 1 for a, b in zip(first, again, strict=True))
    finally:
        close()


def test_prefecture_map_is_zoomed_and_titled_to_the_prefecture(national_graph):
    from tsunagu.diagrams.dotmap import dot_map_html, dot_map_points
    from tsunagu.resolver import resolve

    kochi = resolve(national_graph, "高知県", types={"Prefecture"})
    points = dot_map_points(national_graph, kochi)
    assert len(points) == 34
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    assert min(xs) >= 0 and min(ys) >= 0 and max(xs) <= 900 and max(ys) <= 900
    assert max(max(xs) - min(xs), max(ys) - min(ys)) > 700  # fills the frame
    whole = {p["id"]: p for p in dot_map_points(national_graph)}
    kochi_in_japan = [whole[p["id"]] for p in points]
    assert max(p["x"] for p in kochi_in_japan) - min(p["x"] for p in kochi_in_japan) < 100  # the speck it was
    html = dot_map_html(national_graph, kochi)
    assert "<h1>ひきこもり支援体制の取組状況（高知県の市区町村）</h1>" in html
    assert "（全国の市区町村）" in dot_map_html(national_graph)


def test_a_prefecture_draws_the_health_centres_it_runs_and_a_town_only_its_own(national_graph):
    """The MHLW jurisdiction list: 東部保健所 is run by 広島県 and serves 三原市; 広島市保健所 is 広島市's."""
    def named(view):
        return {national_graph.nodes[n].get("name") for n in view.nodes}

    hiroshima = prefecture_view(national_graph, "hiroshima")
    assert "東部保健所" in named(hiroshima) and "広島市保健所" not in named(hiroshima)
    east = next(n for n in hiroshima.nodes if national_graph.nodes[n].get("name") == "東部保健所")
    assert (east, "hiroshima", "operatedBy") in hiroshima.edges
    mihara = named(municipality_view(national_graph, "mihara"))
    assert "東部保健所" in mihara and not mihara & {"広島市保健所", "呉市保健所", "福山市保健所"}
