"""What the national directory holds: coverage per municipality, and where sources disagree.

:func:`directory_coverage` counts the municipalities that have a named
self-reliance window with a phone, a town-hall contact, a 保健所 and a known
(named) ひきこもり地域支援センター, and lists those without a window with the
reason, by prefecture. :func:`conflict_rows` lists every field on which two
sources disagree.
"""

from __future__ import annotations

from typing import Any

from tsunagu.queries.duties import Graph

__all__ = ["directory_coverage", "coverage_text", "conflict_rows", "conflicts_text", "source_report_text"]

_REASONS = {
    "no-phone": "窓口はあるが電話番号が一覧にない",
    "county": "県の自立相談支援機関（郡部の事務所）が担当するが、どの事務所かはどの一覧にもない",
    "none": "どの一覧にも自立相談支援機関の行がない",
}


def _serving(graph: Graph) -> dict[str, list[str]]:
    """area node -> [serving node] over ``servesArea`` edges."""
    serving: dict[str, list[str]] = {}
    for source, target, key in graph.edges(keys=True):
        if key == "servesArea":
            serving.setdefault(target, []).append(source)
    return serving


def _prefecture_of(graph: Graph, node: str) -> str | None:
    for _, target, key in graph.out_edges(node, keys=True):
        if key == "partOfPrefecture":
            return str(target)
    return None


def directory_coverage(graph: Graph, prefecture: str | None = None) -> dict[str, Any]:
    """Counts and gaps of the directory over the municipalities of ``graph`` (or of one prefecture node).

    Returns ``{"municipalities", "window_with_phone", "town_hall", "health_office",
    "regional_centre", "missing": {prefecture name: [(municipality, code, reason)]}}``.

    Examples
    --------
    >>> from tsunagu.compile.compiler import compile_graph
    >>> directory_coverage(compile_graph(lists=False).graph)["municipalities"] > 0
    True
    """
    serving = _serving(graph)
    nodes = graph.nodes
    counts = {"municipalities": 0, "window_with_phone": 0, "town_hall": 0, "health_office": 0, "regional_centre": 0}
    missing: dict[str, list[tuple[str, str, str]]] = {}
    for node, data in graph.nodes(data=True):
        if "Municipality" not in data.get("types", ()):
            continue
        pref = _prefecture_of(graph, node)
        if prefecture is not None and pref != prefecture:
            continue
        counts["municipalities"] += 1
        here = serving.get(node, [])
        kinds = [nodes[s].get("types", ()) for s in here]
        windows = [s for s in here if "SelfRelianceSupportAgency" in nodes[s].get("types", ())]
        if any(nodes[w].get("telephone") for w in windows):
            counts["window_with_phone"] += 1
        else:
            county = pref is not None and any(
                "SelfRelianceSupportAgency" in nodes[s].get("types", ()) for s in serving.get(pref, []))
            reason = "no-phone" if windows else ("county" if county else "none")
            pref_name = nodes[pref].get("name") if pref else "?"
            missing.setdefault(pref_name, []).append((data.get("name"), data.get("code"), _REASONS[reason]))
        if any("MunicipalOffice" in k for k in kinds):
            counts["town_hall"] += 1
        if any("PublicHealthOffice" in k for k in kinds):
            counts["health_office"] += 1
        centres = [s for s in here + (serving.get(pref, []) if pref else [])
                   if "RegionalSupportCentre" in nodes[s].get("types", ())]
        if any(not nodes[c].get("placeholder") for c in centres):
            counts["regional_centre"] += 1
    for rows in missing.values():
        rows.sort(key=lambda r: r[1] or "")
    return counts | {"missing": dict(sorted(missing.items(), key=lambda item: item[1][0][1] or ""))}


def coverage_text(coverage: dict[str, Any], *, list_missing: bool = True) -> list[str]:
    """The coverage report as the lines ``tsunagu directory`` prints.

    Examples
    --------
    >>> coverage_text({"municipalities": 2, "window_with_phone": 1, "town_hall": 2, "health_office": 2,
    ...                "regional_centre": 0, "missing": {"広島県": [("三原市", "342041", "なし")]}})[1]
    '  自立相談支援機関（名称・電話あり）: 1 / 2'
    """
    total = coverage["municipalities"]
    lines = [
        f"ディレクトリの網羅状況（市区町村 {total}）",
        f"  自立相談支援機関（名称・電話あり）: {coverage['window_with_phone']} / {total}",
        f"  役所・役場の代表窓口: {coverage['town_hall']} / {total}",
        f"  保健所: {coverage['health_office']} / {total}",
        f"  ひきこもり地域支援センター（名称が分かるもの）: {coverage['regional_centre']} / {total}",
    ]
    if list_missing and coverage["missing"]:
        lines.append("自立相談支援機関（電話あり）が分からない市区町村:")
        for prefecture, rows in coverage["missing"].items():
            lines.append(f"  {prefecture} ({len(rows)})")
            for name, code, reason in rows:
                lines.append(f"    {name} ({code}): {reason}")
    return lines


def conflict_rows(graph: Graph) -> list[tuple[str, str | None, str, list[tuple[str, str, str | None]]]]:
    """Every disagreement: ``(node, name, field, [(value, source, as_of)])``, newest value first.

    Examples
    --------
    >>> from tsunagu.compile.compiler import compile_graph
    >>> conflict_rows(compile_graph(lists=False).graph)
    []
    """
    rows: list[tuple[str, str | None, str, list[tuple[str, str, str | None]]]] = []
    for node, data in sorted(graph.nodes(data=True)):
        for conflict in data.get("conflicts", ()):
            rows.append((node, data.get("name"), conflict["field"],
                         [(v["value"], v["source"], v["as_of"]) for v in conflict["values"]]))
    return rows


_FIELD_LABELS = {"name": ("名称", "name"), "telephone": ("電話番号", "phone"), "faxNumber": ("FAX", "fax"),
                 "address": ("住所", "address"), "email": ("メール", "email"), "servesArea": ("担当地域", "served towns")}


def _list_titles() -> dict[str, str]:
    """A list's key (fukushi_portal) -> its title, as ``tsunagu sources`` names it."""
    from tsunagu.queries.sources import list_sources

    try:
        return {row.source: row.title for row in list_sources()}
    except (OSError, ValueError):  # a damaged lists folder: the keys still say which list
        return {}


def conflicts_text(rows: list[tuple[str, str | None, str, list[tuple[str, str, str | None]]]],
                   lang: str = "ja") -> list[str]:
    """Lines for ``tsunagu conflicts``: each entity, field and every source's value with its date.

    Examples
    --------
    >>> conflicts_text([("x", "三原市役所", "telephone", [("0848-64-2111", "someone", None)])])
    ['出典間の不一致: 1 件', '三原市役所（電話番号）:', '    0848-64-2111  [someone, 日付不明]']
    """
    ja = lang != "en"
    titles = _list_titles() if rows else {}
    lines = [f"出典間の不一致: {len(rows)} 件" if ja else f"sources disagree: {len(rows)}"]
    for _node, name, field_name, values in rows:
        label = _FIELD_LABELS.get(field_name, (field_name, field_name))[0 if ja else 1]
        lines.append(f"{name}（{label}）:" if ja else f"{name} ({label}):")
        for value, source, as_of in values:
            lines.append(f"    {value}  [{titles.get(source, source)}, {as_of or ('日付不明' if ja else 'undated')}]")
    return lines


def source_report_text(report: dict[str, Any], limit: int | None = None) -> list[str]:
    """Per source: loaded and skipped counts, then each skipped row with file, row, field and why.

    ``limit``: at most this many problem lines per source (the rest are
    counted, and ``tsunagu directory --skipped`` lists them all).

    Examples
    --------
    >>> source_report_text({"sources": [{"name": "hokenjo", "loaded": 2, "notes": [],
    ...     "skipped": [{"file": "h.csv", "row": 3, "field": "muni_code", "why": "一覧にない"}]}]})
    ['hokenjo: 読み込み 2 行、読み飛ばし 1 行', '  h.csv 行 3 [muni_code]: 一覧にない']
    """
    lines: list[str] = []
    for source in report.get("sources", ()):
        dropped = source.get("fields_dropped", ())
        lines.append(f"{source['name']}: 読み込み {source['loaded']} 行、読み飛ばし {len(source['skipped'])} 行"
                     + (f"、除いた項目 {len(dropped)}" if dropped else ""))
        problems = [f"注: {note}" for note in source.get("notes", ())]
        for skipped in list(source["skipped"]) + list(dropped):
            where = f"{skipped['file']}" + (f" 行 {skipped['row']}" if skipped["row"] is not None else "")
            problems.append(f"{where} [{skipped['field']}]: {skipped['why']}")
        shown = problems if limit is None else problems[:limit]
        lines.extend(f"  {line}" for line in shown)
        if len(shown) < len(problems):
            lines.append(f"  … ほか {len(problems) - len(shown)} 件（全件: tsunagu directory --skipped）")
    return lines
