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

__all__ = ["GROUPS", "group_of", "network_data", "diagram_html", "heatmap_html", "vis_assets", "vis_asset_paths", "template_environment",
           "write_text", "write_shared_assets", "asset_paths", "draw_script", "LAYOUT_SEED", "SHARED_ASSETS"]

# Colour and shape groups, first match wins: (key, Japanese label, classes, colour, shape)
GROUPS = (
    ("area", "自治体", {"Municipality", "Prefecture", "Nation"}, "#b0bec5", "ellipse"),
    ("platform", "プラットフォーム", {"Platform"}, "#ffd54f", "box"),
    ("body", "既存の会議体・検討委員会", {"ExistingBody", "ReviewCommittee"}, "#fff3c4", "box"),
    ("hikikomori", "ひきこもり専門（窓口・地域支援センター）", {"ConsultationWindow", "RegionalSupportCentre"}, "#ef5350", "dot"),
    ("employment", "就労（ハローワーク・サポステ等）", {"HelloWork", "YouthSupportStation", "LabourBureau", "EconomicOrganisation",
                                           "DisabilityEmploymentSupportCentre", "EmploymentReadinessSupportAgency"}, "#42a5f5", "dot"),
    ("health", "保健・医療", {"HealthCentre", "PublicHealthOffice", "MentalHealthWelfareCentre", "MedicalInstitution"}, "#66bb6a", "dot"),
    ("welfare", "福祉・生活（社協・自立相談等）", {"SocialWelfareCouncil", "WelfareCommissioners", "CareServiceProvider",
                                          "SelfRelianceSupportAgency", "PrefecturalWelfareConsultationCentre",
                                          "SocialWelfareCorporation"}, "#ffa726", "dot"),
    ("family", "家族会・当事者・NPO", {"FamilyAssociation", "PeerGroup", "NPO"}, "#ab47bc", "dot"),
    ("government", "行政の担当部局", {"MunicipalDepartment", "PrefecturalDepartment"}, "#26a69a", "square"),
    ("community", "学校・警察・消防・法律・職能団体", {"School", "Police", "FireService", "LawOffice", "ProfessionalAssociation"},
     "#8d6e63", "dot"),
    ("program", "事業", {"Program"}, "#e0e0e0", "diamond"),
    ("other", "その他の機関", {"Organisation", "Agent"}, "#9e9e9e", "dot"),
)
_SECRETARIAT_BORDER = "#b71c1c"
LAYOUT_SEED = 20201027
# the file names of the one shared copy ``diagram --all`` writes beside its pages (and the web serves)
SHARED_ASSETS = {"js": "vis-network.min.js", "css": "vis-network.css", "draw": "tsunagu-diagram.js"}
_STATE_COLOURS = {"full": "#2e7d32", "partial": "#9ccc65", "unknown": "#ffe082", "none": "#eeeeee"}
_STATE_LABELS = {"full": "充足", "partial": "一部", "unknown": "不明（年齢未記載）", "none": "なし"}
# the level that fills a cell, as the heatmap's cells and legend name it (the data keeps the keys)
_LEVEL_LABELS = {"municipality": "市町村", "platform": "プラットフォーム", "wide-area": "広域", "prefecture": "都道府県",
                 "national": "国"}


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


def _tooltip(graph, node):
    """Plain text: type, programs, age range, domains, and the source passages."""
    data = graph.nodes[node]
    class_labels = graph.graph.get("class_labels", {})
    kind = class_labels.get(data.get("kind"), (data.get("kind"),))[0] or data.get("kind")
    lines = [data.get("name", node), f"種別: {kind}"]
    programs = sorted(graph.nodes[t].get("name", t) for _, t, k in graph.out_edges(node, keys=True)
                      if k == "runs" and "Program" in graph.nodes[t].get("types", ()))
    if programs:
        lines.append("事業: " + "、".join(programs))
    if set(data.get("types", ())) & {"Program", "Organisation", "ConsultationWindow"}:
        age = age_text(data)
        lines.append("対象年齢: " + ("記載なし" if age == "not stated" else age))
    domains = data.get("domains") or data.get("type_domains") or []
    if domains:
        names = [graph.nodes.get(f"domain:{d}", {}).get("name", d) if f"domain:{d}" in graph else d for d in domains]
        lines.append("分野: " + "、".join(names) + ("" if data.get("domains") else "（種別による）"))
    if data.get("code"):
        lines.append(f"団体コード: {data['code']}")
    for source in data.get("sources", [])[:3]:
        title = source.get("title") or source["document"]  # an imported row's data set by name, not its file
        lines.append(f"出典: {title}" + (f" 行{source['row']}" if source.get("row") else "") + f"「{source['quote']}」")
    return "\n".join(lines)


# Relations drawn without a label (the legend says what a plain line means); the rest are labelled.
QUIET_RELATIONS = frozenset({"memberOf", "servesArea", "partOfPrefecture", "runs", "windowOf", "locatedIn"})


def network_data(graph, view):
    """The pyvis network for a view, as (nodes, edges, options) lists and dicts."""
    from pyvis.network import Network

    relation_labels = graph.graph.get("relation_labels", {})
    secretariats = {s for s, _, k in view.edges if k == "secretariatOf"}
    net = Network(directed=True, cdn_resources="in_line")
    for node in view.nodes:
        data = graph.nodes[node]
        _, colour, shape = group_of(data)
        label = data.get("name", node)
        options = {"label": label, "title": _tooltip(graph, node), "color": colour, "shape": shape}
        if "Platform" in data.get("types", ()):
            options.update(size=40, font={"size": 18}, borderWidth=3, margin=10)
        if node in secretariats:
            options.update(label=f"【事務局】{label}", borderWidth=5,
                           color={"background": colour, "border": _SECRETARIAT_BORDER}, font={"size": 18})
        if node == view.centre:
            options.update(size=35, font={"size": 22}, borderWidth=3)
        net.add_node(node, **options)
    for source, target, relation in view.edges:
        label = relation_labels.get(relation, (relation,))[0] or relation
        inferred = bool((graph.get_edge_data(source, target, relation) or {}).get("inferred"))
        # the common relations are told by the legend; a label on each of them buried the picture
        net.add_edge(source, target, label="" if relation in QUIET_RELATIONS else label, title=f"{label} ({relation})" + ("、種別から推論" if inferred else ""),
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


def diagram_html(graph, view, *, links=(), assets=None):
    """The diagram page. ``links``: (text, href) pairs shown in the header.

    ``assets``: None to inline vis-network and the drawing script (one page that opens alone), or
    ``{"js": href, "css": href, "draw": href}`` naming one shared copy of each (see :func:`write_shared_assets`
    and :func:`asset_paths`), as ``diagram --all`` and the web app do so that pages do not each carry
    vis-network's 690 kB; the page then runs no inline script.
    """
    nodes, edges, options = network_data(graph, view)
    script, style = (None, None) if assets else vis_assets()
    shown = {group_of(graph.nodes[node])[0] for node in view.nodes}
    legend = [{"label": label, "colour": colour, "shape": shape} for key, label, _, colour, shape in GROUPS if key in shown]
    return template_environment().get_template("diagram.html").render(
        title=view.title, vis_js=script, vis_css=style, draw_js=None if assets else draw_script(), assets=assets,
        links=links, legend=legend,
        secretariat_colour=_SECRETARIAT_BORDER,
        data_json=_json_for_script({"nodes": nodes, "edges": edges, "options": options}),
        counts={"nodes": len(nodes), "edges": len(edges)},
    )


def heatmap_html(matrix, *, links=()):
    """The coverage matrix of one municipality as a coloured table."""
    by_key = {(c["band"], c["domain"]): c for c in matrix["cells"]}
    rows = []
    for band in matrix["bands"]:
        cells = []
        for column in matrix["columns"]:
            cell = by_key[(band, column["domain"])]
            names = "、".join(p["name"] for p in cell["providers"])
            cells.append({"colour": _STATE_COLOURS[cell["state"]], "state": _STATE_LABELS[cell["state"]],
                          "level": _LEVEL_LABELS.get(cell["level"], cell["level"] or ""), "providers": names})
        rows.append({"band": band, "cells": cells})
    return template_environment().get_template("heatmap.html").render(
        title=f"{matrix['municipality']['name']}の支援のカバー状況（年齢×分野）", columns=matrix["columns"], rows=rows,
        legend=[{"colour": _STATE_COLOURS[s], "label": _STATE_LABELS[s]} for s in _STATE_COLOURS], links=links,
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
