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


def write_municipality_diagram(graph, municipality, path, *, index_href=None, assets=None):
    """Write the platform diagram of ``municipality`` to ``path`` and its coverage heatmap beside it.

    ``assets``: hrefs of a shared vis-network copy (see ``render.write_shared_assets``); None inlines it
    (the default: one file that opens offline alone).
    Returns the two paths written.
    """
    from tsunagu.diagrams.render import diagram_html, heatmap_html, write_text
    from tsunagu.queries.coverage import coverage_matrix

    path = Path(path)
    heatmap = heatmap_path(path)
    back = [("一覧", index_href)] if index_href else []
    write_text(path, diagram_html(graph, municipality_view(graph, municipality),
                                  links=[("年齢×分野のカバー状況", heatmap.name)] + back, assets=assets))
    write_text(heatmap, heatmap_html(coverage_matrix(graph, municipality), links=[("ネットワーク図", path.name)] + back))
    return path, heatmap


def write_prefecture_diagram(graph, prefecture, path, *, index_href=None, assets=None):
    from tsunagu.diagrams.render import diagram_html, write_text

    back = [("一覧", index_href)] if index_href else []
    return (write_text(path, diagram_html(graph, prefecture_view(graph, prefecture), links=back, assets=assets)),)


def write_all_diagrams(graph, directory, *, progress=None):
    """A diagram for every municipality and prefecture in the graph, and ``index.html``.

    The pages share one copy of vis-network written beside them (``vis-network.min.js``, its style
    sheet and the drawing script ``tsunagu-diagram.js``) instead of each inlining it. ``progress`` is called with each entity id as it is written
    (for a progress bar). Returns the paths written.
    """
    from tsunagu.diagrams.render import SHARED_ASSETS, template_environment, write_shared_assets, write_text

    directory = Path(directory)
    assets = write_shared_assets(directory)
    written, entries = [directory / name for name in SHARED_ASSETS.values()], []
    targets = sorted((data.get("code") or "", node, data) for node, data in graph.nodes(data=True)
                     if set(data.get("types", ())) & {"Municipality", "Prefecture"})
    for code, node, data in targets:
        is_municipality = "Municipality" in data["types"]
        path = directory / f"{node}.html"
        writer = write_municipality_diagram if is_municipality else write_prefecture_diagram
        written.extend(writer(graph, node, path, index_href="index.html", assets=assets))
        entries.append({"name": data.get("name", node), "code": code, "href": path.name,
                        "heatmap": heatmap_path(path).name if is_municipality else None,
                        "kind": "都道府県" if not is_municipality else "市区町村"})
        if progress:
            progress(node)
    index = template_environment().get_template("index.html").render(entries=entries, title="ひきこもり支援ネットワーク図 一覧")
    written.append(write_text(directory / "index.html", index))
    return written
