"""Network diagrams of support platforms and coverage heatmaps, as offline HTML."""

from __future__ import annotations

from pathlib import Path

from tsunagu.diagrams.views import View, municipality_view, prefecture_view

__all__ = [
    "View",
    "municipality_view",
    "prefecture_view",
    "write_municipality_diagram",
    "write_prefecture_diagram",
    "write_all_diagrams",
    "heatmap_path",
]


def heatmap_path(diagram_path):
    path = Path(diagram_path)
    return path.with_name(path.stem + ".coverage.html")


def _back(index_href, lang):
    from tsunagu.text import say

    return [(say("一覧", "Index", lang), index_href)] if index_href else []


def write_municipality_diagram(graph, municipality, path, *, index_href=None, assets=None, lang=None):
    """Write the platform diagram of ``municipality`` to ``path`` and its coverage heatmap beside it.

    ``assets``: hrefs of a shared vis-network copy (see ``render.write_shared_assets``); None inlines it
    (the default: one file that opens offline alone). ``lang``: ``"en"`` for English pages, else Japanese
    (the process's language when None).
    Returns the two paths written.
    """
    from tsunagu.diagrams.render import diagram_html, heatmap_html, write_text
    from tsunagu.queries.coverage import coverage_matrix
    from tsunagu.text import say

    path = Path(path)
    heatmap = heatmap_path(path)
    back = _back(index_href, lang)
    coverage = say("年齢×分野のカバー状況", "Coverage by age and domain", lang)
    write_text(path, diagram_html(graph, municipality_view(graph, municipality),
                                  links=[(coverage, heatmap.name)] + back, assets=assets, lang=lang))
    write_text(heatmap, heatmap_html(coverage_matrix(graph, municipality),
                                     links=[(say("ネットワーク図", "Network diagram", lang), path.name)] + back, lang=lang))
    return path, heatmap


def write_prefecture_diagram(graph, prefecture, path, *, index_href=None, assets=None, lang=None):
    from tsunagu.diagrams.render import diagram_html, write_text

    return (write_text(path, diagram_html(graph, prefecture_view(graph, prefecture), links=_back(index_href, lang),
                                          assets=assets, lang=lang)),)


def _index_words(lang):
    from tsunagu.text import say

    return {"lang": say("ja", "en", lang), "code": say("団体コード", "Code", lang), "name": say("名称", "Name", lang),
            "kind": say("区分", "Kind", lang), "diagram": say("ネットワーク図", "Network diagram", lang),
            "coverage": say("カバー状況", "Coverage", lang), "open": say("図", "diagram", lang),
            "ages": say("年齢×分野", "ages x domains", lang)}


def write_all_diagrams(graph, directory, *, progress=None, lang=None):
    """A diagram for every municipality and prefecture in the graph, and ``index.html``.

    The pages share one copy of vis-network written beside them (``vis-network.min.js``, its style
    sheet and the drawing script ``tsunagu-diagram.js``) instead of each inlining it. ``progress`` is called with each entity id as it is written
    (for a progress bar). Returns the paths written.
    """
    from tsunagu.diagrams.render import SHARED_ASSETS, template_environment, write_shared_assets, write_text
    from tsunagu.text import say

    directory = Path(directory)
    assets = write_shared_assets(directory)
    written, entries = [directory / name for name in SHARED_ASSETS.values()], []
    targets = sorted((data.get("code") or "", node, data) for node, data in graph.nodes(data=True)
                     if set(data.get("types", ())) & {"Municipality", "Prefecture"})
    for code, node, data in targets:
        is_municipality = "Municipality" in data["types"]
        path = directory / f"{node}.html"
        writer = write_municipality_diagram if is_municipality else write_prefecture_diagram
        written.extend(writer(graph, node, path, index_href="index.html", assets=assets, lang=lang))
        entries.append({"name": data.get("name", node), "code": code, "href": path.name,
                        "heatmap": heatmap_path(path).name if is_municipality else None,
                        "kind": say("都道府県", "prefecture", lang) if not is_municipality else say("市区町村", "municipality", lang)})
        if progress:
            progress(node)
    index = template_environment().get_template("index.html").render(
        entries=entries, title=say("ひきこもり支援ネットワーク図 一覧", "Hikikomori support network diagrams", lang), w=_index_words(lang))
    written.append(write_text(directory / "index.html", index))
    return written
