"""The national survey table (May 2020, seed 002) reproduced from the graph.

Columns as the ministry's table has them: designated cities, core cities,
other cities and special wards, towns and villages, all. Each cell is
``with / total (percent)``; publicised counts are out of the clarified ones,
as in the survey. For the whole country the survey's own figures follow each
row, so the two can be read side by side.
"""

from __future__ import annotations

from tsunagu.queries.coverage import DUTIES, duty_statuses

__all__ = ["TALLY_GROUPS", "survey_table"]

# column -> the kind keys of duty_statuses it counts
TALLY_GROUPS = {
    "指定都市": ("designated",),
    "中核市": ("core",),
    "市・区": ("city", "ward"),
    "町・村": ("town", "village"),
    "合計": ("designated", "core", "city", "ward", "town", "village"),
}
# how the survey's figures (SurveyFigure.municipalityKind) map onto these columns
_SURVEY_COLUMN = {"DesignatedCity": "指定都市", "CoreCity": "中核市", "City": "市・区", "Town": "町・村", "Municipality": "合計"}


def _cell(count, total):
    return f"{count}/{total} ({100 * count / total:.1f}%)" if total else "0/0"


def _survey_rows(graph):
    rows = {}
    for _, data in graph.nodes(data=True):
        if data.get("kind") != "SurveyFigure":
            continue
        column = _SURVEY_COLUMN.get(data.get("municipalityKind"))
        if column:
            rows.setdefault(data["duty"], {})[column] = _cell(data["value"], data["total"])
    return rows


def survey_table(graph, *, prefecture=None):
    """Rows per duty (and the survey's figures, nationally), columns per kind of municipality."""
    statuses = duty_statuses(graph, prefecture=prefecture)
    survey = {} if prefecture else _survey_rows(graph)
    table = []
    for duty in DUTIES:
        row = {"duty": duty, "source": "graph"}
        for column, kinds in TALLY_GROUPS.items():
            group = [s for s in statuses if s["kind"] in kinds]
            if duty == "window-publicised":
                base = [s for s in group if s["window-clarified"] == "yes"]
                row[column] = _cell(sum(s[duty] == "yes" for s in base), len(base))
            else:
                row[column] = _cell(sum(s[duty] == "yes" for s in group), len(group))
        row["unknown"] = sum(s[duty] == "unknown" for s in statuses)
        table.append(row)
        if duty in survey:
            table.append({"duty": duty, "source": "survey 2020-05 (002)"} | survey[duty])
    return table
