"""Display text for answers: what a front end (the CLI, a web page) shows a reader.

The library returns data (:mod:`tsunagu.api`'s dataclasses); this module turns
it into table rows and marks in the reader's language (Japanese by default,
English with ``lang="en"``). Nothing here queries the graph.
"""

from __future__ import annotations

__all__ = [
    "LANGS",
    "STATE_MARKS",
    "LEVEL_MARKS",
    "count_text",
    "tally_rows",
    "rollup_rows",
    "coverage_rows",
    "coverage_legend",
    "coverage_providers",
    "duty_rows",
]

LANGS = ("ja", "en")
STATE_MARKS = {"full": "●", "partial": "◐", "unknown": "?", "none": "·", "no-data": "－"}
LEVEL_MARKS = {"municipality": "M", "platform": "P", "wide-area": "W", "prefecture": "Pr", "national": "N"}

_WORDS = {
    "ja": {
        "unknown": "不明", "unknown_n": "不明 {n}", "no rows": "0/0",
        "full": "充足（記載の年齢で全体を覆う）", "partial": "一部（年齢の一部のみ）",
        "unknown_state": "不明（年齢の記載なし）", "none": "なし（調べた資料に該当なし：空白）",
        "no-data": "データなし（この市区町村の資源は未収録：空白かどうか不明）",
        "municipality": "市区町村", "platform": "プラットフォーム", "wide-area": "広域", "prefecture": "都道府県",
        "national": "国", "stated": "記載", "not stated": "記載なし", "typical": "種別からの推定（{kind}）",
        "scheme": "制度・機関の目的",
    },
    "en": {
        "unknown": "unknown", "unknown_n": "{n} unknown", "no rows": "0/0",
        "full": "full (the stated ages cover the band)", "partial": "partial (part of the band)",
        "unknown_state": "unknown (age range not stated)", "none": "none (nothing in the sources read: a gap)",
        "no-data": "no data (this municipality's resources are not in the data: gap or not unknown)",
        "municipality": "municipality", "platform": "platform", "wide-area": "wide-area", "prefecture": "prefecture",
        "national": "national", "stated": "stated", "not stated": "not stated", "typical": "typical of {kind}",
        "scheme": "by scheme or purpose",
    },
}


def _words(lang):
    return _WORDS["en" if lang == "en" else "ja"]


def count_text(count, lang="ja"):
    """One tally cell: ``448/735 (61.0%)``; with unknowns, never a percentage of a guess.

    Examples
    --------
    >>> from tsunagu.queries.tally import Count
    >>> count_text(Count(448, 287, 0))
    '448/735 (61.0%)'
    >>> count_text(Count(0, 0, 20))
    '不明 (20)'
    >>> count_text(Count(1, 0, 734), lang="en")
    '1/735 (734 unknown)'
    """
    words = _words(lang)
    if not count.total:
        return words["no rows"]
    if not count.known:
        return f"{words['unknown']} ({count.total})"
    if count.unknown:
        return f"{count.yes}/{count.total} ({words['unknown_n'].format(n=count.unknown)})"
    return f"{count.yes}/{count.total} ({100 * count.yes / count.total:.1f}%)"


def tally_rows(rows, lang="ja"):
    """Table rows for :func:`tsunagu.queries.tally.duty_tally`'s rows: duty, source, one cell per column."""
    out = []
    for row in rows:
        source = "graph" if row.source == "graph" else f"survey {row.as_of} (002)"  # a key scripts read too
        out.append({"duty": row.duty, "source": source} | {c: count_text(n, lang) for c, n in row.counts.items()})
    return out


def rollup_rows(rows, by="kind", lang="ja"):
    """Table rows for :func:`tsunagu.queries.duties.duty_rollup`: each duty's cell, the survey's beside it."""
    out = []
    for row in rows:
        flat = {by: row.group, "municipalities": row.municipalities}
        for duty, count in row.counts.items():
            flat[duty] = count_text(count, lang)
            if duty in row.survey:
                flat[f"{duty} survey 2020-05"] = count_text(row.survey[duty], lang)
        out.append(flat)
    return out


def coverage_rows(coverage):
    """One row per age band, one column per domain, cells like ``●M`` (see :func:`coverage_legend`)."""
    by_key = {(c.band, c.domain): c for c in coverage.cells}
    rows = []
    for band in coverage.bands:
        row = {"age": band}
        for domain, name in coverage.columns:
            cell = by_key[(band, domain)]
            row[name] = STATE_MARKS[cell.state] + (LEVEL_MARKS[cell.level] if cell.level else "")
        rows.append(row)
    return rows


def coverage_legend(lang="ja"):
    """What each mark of the coverage matrix means: rows of mark and meaning."""
    words = _words(lang)
    rows = [{"mark": STATE_MARKS[s], "meaning": words["unknown_state" if s == "unknown" else s]} for s in STATE_MARKS]
    rows += [{"mark": mark, "meaning": words[level]} for level, mark in LEVEL_MARKS.items()]
    return rows


def coverage_providers(coverage, lang="ja"):
    """Each provider once, with the domains it fills in the matrix and how that is known."""
    words = _words(lang)
    providers = {}
    for cell in coverage.cells:
        for p in cell.providers:
            entry = providers.setdefault(p.id, {"provider": p.name, "level": words[p.level],
                                                "age": words["not stated"] if p.age == "not stated" else p.age,
                                                "domains": set(), "how": words[p.how].format(kind=p.kind)})
            entry["domains"].add(cell.domain)
    return [dict(entry, domains=sorted(entry["domains"])) for entry in providers.values()]


def duty_rows(rows):
    """Flat rows for :class:`tsunagu.api.DutyRow`: each duty, its as-of date and its first source."""
    out = []
    for row in rows:
        flat = {"id": row.id, "name": row.name, "code": row.code, "prefecture": row.prefecture, "kind": row.kind}
        for duty, fact in row.duties.items():
            flat[duty] = fact.status
            flat[f"{duty} as of"] = fact.as_of
            flat[f"{duty} source"] = fact.source
        out.append(flat)
    return out
