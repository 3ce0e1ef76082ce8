"""Diagram pages (a pyvis network drawn by vis-network) and coverage heatmaps, as offline HTML.

Municipal offices work on networks cut off from the internet (LGWAN), so a
page must open with zero requests outside its own server or folder. pyvis
0.3.2's own template loads Bootstrap from a CDN even with
``cdn_resources="in_line"``, so pyvis builds the nodes, edges and options and
this module writes the page from its own template. vis-network's script and
style (read from the pyvis package) and the drawing script
(``templates/tsunagu-diagram.js``) are either inlined, for one file that opens
alone (``diagram -o``), or loaded from one shared copy: beside the pages
(``diagram --all``) or from the web app's ``/static/`` (:func:`asset_paths`).

Every name and tooltip is data, never markup: node data travels as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&``
escaped, tooltips are plain text, and the legend and heatmap are rendered by
Jinja2 with autoescaping.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

from tsunagu.exceptions import DiagramAssetsMissing
from tsunagu.rules.judge import age_text
from tsunagu.text import domain_label, kind_label, relation_label, say

__all__ = ["GROUPS", "group_of", "network_data", "diagram_html", "heatmap_html", "vis_assets", "vis_asset_paths", "template_environment",
           "write_text", "write_shared_assets", "asset_paths", "draw_script", "LAYOUT_SEED", "SHARED_ASSETS"]

# Colour and shape groups, first match wins: (key, (Japanese, English) label, classes, colour, shape)
GROUPS = (
    ("area", ("自治体", "Areas"), {"Municipality", "Prefecture", "Nation"}, "#b0bec5", "ellipse"),
    ("platform", ("プラットフォーム", "Platforms"), {"Platform"}, "#ffd54f", "box"),
    ("body", ("既存の会議体・検討委員会", "Existing bodies and review committees"), {"ExistingBody", "ReviewCommittee"},
     "#fff3c4", "box"),
    ("hikikomori", ("ひきこもり専門（窓口・地域支援センター）", "Hikikomori support (windows, regional support centres)"),
     {"ConsultationWindow", "RegionalSupportCentre"}, "#ef5350", "dot"),
    ("employment", ("就労（ハローワーク・サポステ等）", "Employment (Hello Work, youth support stations...)"),
     {"HelloWork", "YouthSupportStation", "LabourBureau", "EconomicOrganisation",
      "DisabilityEmploymentSupportCentre", "EmploymentReadinessSupportAgency"}, "#42a5f5", "dot"),
    ("health", ("保健・医療", "Health and medical care"),
     {"HealthCentre", "PublicHealthOffice", "MentalHealthWelfareCentre", "MedicalInstitution"}, "#66bb6a", "dot"),
    ("welfare", ("福祉・生活（社協・自立相談等）", "Welfare and living (social welfare councils, self-reliance support...)"),
     {"SocialWelfareCouncil", "WelfareCommissioners", "CareServiceProvider", "SelfRelianceSupportAgency",
      "PrefecturalWelfareConsultationCentre", "SocialWelfareCorporation"}, "#ffa726", "dot"),
    ("family", ("家族会・当事者・NPO", "Family associations, peer groups, NPOs"), {"FamilyAssociation", "PeerGroup", "NPO"},
     "#ab47bc", "dot"),
    ("government", ("行政の担当部局", "Government departments"), {"MunicipalDepartment", "PrefecturalDepartment"},
     "#26a69a", "square"),
    ("community", ("学校・警察・消防・法律・職能団体", "Schools, police, fire service, law, professional associations"),
     {"School", "Police", "FireService", "LawOffice", "ProfessionalAssociation"}, "#8d6e63", "dot"),
    ("program", ("事業", "Programs"), {"Program"}, "#e0e0e0", "diamond"),
    ("other", ("その他の機関", "Other organisations"), {"Organisation", "Agent"}, "#9e9e9e", "dot"),
)
_SECRETARIAT_BORDER = "#b71c1c"
LAYOUT_SEED = 20201027
# the file names of the one shared copy ``diagram --all`` writes beside its pages (and the web serves)
SHARED_ASSETS = {"js": "vis-network.min.js", "css": "vis-network.css", "draw": "tsunagu-diagram.js"}
_STATE_COLOURS = {"full": "#2e7d32", "partial": "#9ccc65", "unknown": "#ffe082", "none": "#eeeeee"}
# the text on each: white on the dark green (5.1:1), the page's dark grey on the light ones (WCAG AA, 4.5:1)
_STATE_TEXT = {"full": "#ffffff", "partial": "#263238", "unknown": "#263238", "none": "#263238"}
_STATE_LABELS = {"full": ("充足", "full"), "partial": ("一部", "partial"), "unknown": ("不明（年齢未記載）", "unknown (ages not stated)"),
                 "none": ("なし", "none")}
# the level that fills a cell, as the heatmap's cells and legend name it (the data keeps the keys)
_LEVEL_LABELS = {"municipality": ("市町村", "municipality"), "platform": ("プラットフォーム", "platform"),
                 "wide-area": ("広域", "wide-area"), "prefecture": ("都道府県", "prefecture"), "national": ("国", "national")}


def group_of(data):
    types = set(data.get("types", ()))
    for key, _label, classes, colour, shape in GROUPS:
        if types & classes:
            return key, colour, shape
    return "other", GROUPS[-1][3], GROUPS[-1][4]


def _version_key(folder):
    """``vis-9.1.2`` -> (9, 1, 2); a folder without a version sorts first."""
    numbers = re.findall(r"\d+", folder.name)
    return tuple(int(n) for n in numbers)


def vis_asset_paths():
    """The paths of vis-network's minified script and style sheet inside the installed pyvis.

    Found by search (the newest ``vis-network*.min.js`` under pyvis's templates), not by
    pyvis's internal folder name, which changes between pyvis releases.

    Examples
    --------
    >>> script, style = vis_asset_paths()
    >>> script.name, style.suffix
    ('vis-network.min.js', '.css')
    """
    root = Path(str(resources.files("pyvis"))) / "templates"
    # newest version folder last; within it the standalone build's usual name last
    scripts = sorted(root.rglob("vis-network*.min.js"), key=lambda p: (_version_key(p.parent), p.name == "vis-network.min.js"))
    if not scripts:
        raise DiagramAssetsMissing(f"vis-network*.min.js が pyvis ({root}) の中に見つかりません")
    script = scripts[-1]
    styles = sorted(script.parent.glob("vis-network*.css"), key=lambda p: (p.name != "vis-network.min.css", p.name != "vis-network.css"))
    if not styles:
        raise DiagramAssetsMissing(f"vis-network*.css が {script.parent} に見つかりません")
    return script, styles[0]


@functools.lru_cache(maxsize=1)
def vis_assets():
    """vis-network's minified script and its style sheet (texts), from the installed pyvis; read once per process.

    Examples
    --------
    >>> script, style = vis_assets()
    >>> "vis" in script[:2000].lower() and len(style) > 1000
    True
    """
    script, style = vis_asset_paths()
    return script.read_text(encoding="utf-8"), style.read_text(encoding="utf-8")


def _draw_script_path():
    return Path(str(resources.files("tsunagu.diagrams"))) / "templates" / SHARED_ASSETS["draw"]


@functools.lru_cache(maxsize=1)
def draw_script():
    """The script that draws a page's network from its JSON data (``templates/tsunagu-diagram.js``)."""
    return _draw_script_path().read_text(encoding="utf-8")


def asset_paths():
    """File name -> path of every shared file a diagram page loads: vis-network's script and style
    from the installed pyvis, and the drawing script.

    Examples
    --------
    >>> sorted(asset_paths())
    ['tsunagu-diagram.js', 'vis-network.css', 'vis-network.min.js']
    """
    script, style = vis_asset_paths()
    return {SHARED_ASSETS["js"]: script, SHARED_ASSETS["css"]: style, SHARED_ASSETS["draw"]: _draw_script_path()}


def _tooltip(graph, node, lang=None):
    """Plain text: type, programs, age range, domains, and the source passages."""
    data = graph.nodes[node]
    comma = say("、", ", ", lang)
    lines = [data.get("name", node), say("種別: ", "Kind: ", lang) + (kind_label(data.get("kind"), lang) or "")]
    programs = sorted(graph.nodes[t].get("name", t) for _, t, k in graph.out_edges(node, keys=True)
                      if k == "runs" and "Program" in graph.nodes[t].get("types", ()))
    if programs:
        lines.append(say("事業: ", "Programs: ", lang) + comma.join(programs))
    if set(data.get("types", ())) & {"Program", "Organisation", "ConsultationWindow"}:
        age = age_text(data)
        lines.append(say("対象年齢: ", "Ages: ", lang) + (say("記載なし", "not stated", lang) if age == "not stated" else age))
    domains = data.get("domains") or data.get("type_domains") or []
    if domains:
        lines.append(say("分野: ", "Domains: ", lang) + comma.join(domain_label(d, lang) for d in domains)
                     + ("" if data.get("domains") else say("（種別による）", " (by kind)", lang)))
    if data.get("code"):
        lines.append(say("団体コード: ", "Local government code: ", lang) + data["code"])
    for source in data.get("sources", [])[:3]:
        title = source.get("title") or source["document"]  # an imported row's data set by name, not its file
        row = say(f" 行{source['row']}", f" row {source['row']}", lang) if source.get("row") else ""
        lines.append(say("出典: ", "Source: ", lang) + title + row + say(f"「{source['quote']}」", f" \"{source['quote']}\"", lang))
    return "\n".join(lines)


# Relations drawn without a label (the legend says what a plain line means); the rest are labelled.
QUIET_RELATIONS = frozenset({"memberOf", "servesArea", "partOfPrefecture", "runs", "windowOf", "locatedIn"})


def network_data(graph, view, lang=None):
    """The pyvis network for a view, as (nodes, edges, options) lists and dicts; its words in ``lang``."""
    from pyvis.network import Network

    secretariats = {s for s, _, k in view.edges if k == "secretariatOf"}
    net = Network(directed=True, cdn_resources="in_line")
    for node in view.nodes:
        data = graph.nodes[node]
        _, colour, shape = group_of(data)
        label = data.get("name", node)
        options = {"label": label, "title": _tooltip(graph, node, lang), "color": colour, "shape": shape}
        if "Platform" in data.get("types", ()):
            options.update(size=40, font={"size": 18}, borderWidth=3, margin=10)
        if node in secretariats:
            options.update(label=say("【事務局】", "[secretariat] ", lang) + label, borderWidth=5,
                           color={"background": colour, "border": _SECRETARIAT_BORDER}, font={"size": 18})
        if node == view.centre:
            options.update(size=35, font={"size": 22}, borderWidth=3)
        net.add_node(node, **options)
    for source, target, relation in view.edges:
        label = relation_label(relation, lang)
        inferred = bool((graph.get_edge_data(source, target, relation) or {}).get("inferred"))
        # the common relations are told by the legend; a label on each of them buried the picture
        net.add_edge(source, target, label="" if relation in QUIET_RELATIONS else label, title=f"{label} ({relation})" + (say("、種別から推論", ", inferred from the kind", lang) if inferred else ""),
                     dashes=inferred, width=3 if relation == "secretariatOf" else 1,
                     color=_SECRETARIAT_BORDER if relation == "secretariatOf" else "#78909c")
    options = {
        # a fixed seed: vis-network otherwise places nodes at random, so the same diagram laid out differently on every load
        "layout": {"randomSeed": LAYOUT_SEED, "improvedLayout": True},
        "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 300},
                    "forceAtlas2Based": {"gravitationalConstant": -140, "springLength": 170, "avoidOverlap": 0.8}},
        "edges": {"font": {"size": 11, "align": "middle"}, "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "smooth": {"type": "continuous"}},
        "nodes": {"font": {"size": 14, "face": "sans-serif"}},
        "interaction": {"hover": True, "tooltipDelay": 100},
    }
    return net.nodes, net.edges, options


def _json_for_script(value):
    """JSON that cannot close its <script> block or start markup."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


@functools.lru_cache(maxsize=1)
def template_environment():
    """Jinja2 over ``diagrams/templates`` (all extending ``base.html``), autoescaping HTML.

    Built once per process and shared: building it and recompiling the templates was half
    of each diagram's time. Jinja2 environments are safe to share between threads.

    Examples
    --------
    >>> template_environment() is template_environment()
    True
    >>> template_environment().autoescape("page.html")
    True
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("tsunagu.diagrams", "templates"), autoescape=select_autoescape(["html"]))


def _page_words(lang):
    """The words of a diagram or heatmap page's own (never the data's), in ``lang``."""
    return {
        "lang": say("ja", "en", lang),
        "nodes": say("機関・事業", "organisations and programs", lang),
        "edges": say("つながり", "links", lang),
        "legend": say("凡例", "Legend", lang),
        "secretariat": say("【事務局】太枠・太線", "[secretariat]: thick border and line", lang),
        "inferred": say("点線: 種別から推論したつながり", "Dashed: a link inferred from the kind", lang),
        "quiet": say("ラベルのない線: 構成員・対象地域・実施する事業・所在（線にマウスを重ねると関係が出ます）。"
                     "事務局・委託・助言・サテライトなどは線に書いてあります。",
                     "Unlabelled lines: member, area served, program run, location (hover over a line for the "
                     "relation). Secretariat, entrusted, advises, satellite and the like are written on the line.", lang),
        "hover": say("ノードにマウスを重ねると、種別・事業・対象年齢・分野・出典が表示されます。",
                     "Hover over a node for its kind, programs, ages, domains and sources.", lang),
        "in_cell": say("セル内: それを埋める最も身近な段階（市町村、プラットフォーム、広域、都道府県、国）。"
                       "セルにマウスを重ねると提供機関。",
                       "In a cell: the most local level that fills it (municipality, platform, wide-area, prefecture, "
                       "national). Hover over a cell for the providers.", lang),
        "ages": say("年齢", "Ages", lang),
    }


def diagram_html(graph, view, *, links=(), assets=None, lang=None, switch=None):
    """The diagram page. ``links``: (text, href) pairs shown in the header.

    ``assets``: None to inline vis-network and the drawing script (one page that opens alone), or
    ``{"js": href, "css": href, "draw": href}`` naming one shared copy of each (see :func:`write_shared_assets`
    and :func:`asset_paths`), as ``diagram --all`` and the web app do so that pages do not each carry
    vis-network's 690 kB; the page then runs no inline script. ``lang``: ``"en"`` for English, else
    Japanese (the process's language when None); names stay as the data has them. ``switch``: the web
    app's link to the page in the other language (``href``, ``text``, ``lang``); None for a file.
    """
    nodes, edges, options = network_data(graph, view, lang)
    script, style = (None, None) if assets else vis_assets()
    shown = {group_of(graph.nodes[node])[0] for node in view.nodes}
    legend = [{"label": say(*label, lang=lang), "colour": colour, "shape": shape}
              for key, label, _, colour, shape in GROUPS if key in shown]
    return template_environment().get_template("diagram.html").render(
        title=view.title(lang), vis_js=script, vis_css=style, draw_js=None if assets else draw_script(), assets=assets,
        links=links, legend=legend, w=_page_words(lang), switch=switch,
        secretariat_colour=_SECRETARIAT_BORDER,
        data_json=_json_for_script({"nodes": nodes, "edges": edges, "options": options}),
        counts={"nodes": len(nodes), "edges": len(edges)},
    )


def heatmap_html(matrix, *, links=(), lang=None):
    """The coverage matrix of one municipality as a coloured table, its words in ``lang`` (see :func:`diagram_html`)."""
    by_key = {(c["band"], c["domain"]): c for c in matrix["cells"]}
    rows = []
    for band in matrix["bands"]:
        cells = []
        for column in matrix["columns"]:
            cell = by_key[(band, column["domain"])]
            names = say("、", ", ", lang).join(p["name"] for p in cell["providers"])
            level = _LEVEL_LABELS.get(cell["level"])
            cells.append({"colour": _STATE_COLOURS[cell["state"]], "text": _STATE_TEXT[cell["state"]],
                          "state": say(*_STATE_LABELS[cell["state"]], lang=lang),
                          "level": say(*level, lang=lang) if level else cell["level"] or "", "providers": names})
        rows.append({"band": band, "cells": cells})
    name = matrix["municipality"]["name"]
    columns = [{"domain": c["domain"], "name": domain_label(c["domain"], lang)} for c in matrix["columns"]]
    return template_environment().get_template("heatmap.html").render(
        title=say(f"{name}の支援のカバー状況（年齢×分野）", f"Support coverage of {name} (ages x domains)", lang),
        columns=columns, rows=rows, w=_page_words(lang),
        legend=[{"colour": _STATE_COLOURS[s], "text": _STATE_TEXT[s], "label": say(*_STATE_LABELS[s], lang=lang)}
                for s in _STATE_COLOURS], links=links,
    )


def write_shared_assets(directory):
    """Write vis-network's script and style sheet and the drawing script once into ``directory``;
    returns the ``assets`` hrefs for the pages."""
    script, style = vis_assets()
    directory = Path(directory)
    write_text(directory / SHARED_ASSETS["js"], script)
    write_text(directory / SHARED_ASSETS["css"], style)
    write_text(directory / SHARED_ASSETS["draw"], draw_script())
    return dict(SHARED_ASSETS)


def write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
