"""The national survey table (May 2020, seed 002) reproduced from the graph.

Columns as the ministry's table has them: designated cities, core cities,
other cities and special wards, towns and villages, all. Each cell counts
the municipalities where a duty is done, not done and not known: an
unknown is never counted as a "no" (a graph that knows nothing of the 20
designated cities says "unknown", not 0/20). Publicised counts are out of
the clarified ones, as in the survey. For the whole country the survey's
own figures follow each row, so the two can be read side by side.

:func:`duty_tally` returns the counts as data; the front end writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tsunagu.queries.duties import DUTIES, Count, DutyTable, Graph, Row, count_of, duty_statuses, table_of

__all__ = ["TALLY_GROUPS", "SURVEY_AS_OF", "Count", "TallyRow", "survey_figures", "duty_tally", "survey_table"]

# column -> the kind keys of duty_statuses it counts
TALLY_GROUPS = {
    "指定都市": ("designated",),
    "中核市": ("core",),
    "市・区": ("city", "ward"),
    "町・村": ("town", "village"),
    "合計": ("designated", "core", "city", "ward", "town", "village"),
}
SURVEY_AS_OF = "2020-05"
# how the survey's figures (SurveyFigure.municipalityKind) map onto these columns
_SURVEY_COLUMN = {"DesignatedCity": "指定都市", "CoreCity": "中核市", "City": "市・区", "Town": "町・村", "Municipality": "合計"}


@dataclass(frozen=True)
class TallyRow:
    """One duty's counts per column of :data:`TALLY_GROUPS`, from the graph or from the survey."""

    duty: str
    source: str  # "graph" or "survey"
    counts: dict[str, Count] = field(default_factory=dict)  # column -> Count
    as_of: str | None = None


def survey_figures(source: Graph | DutyTable) -> dict[tuple[str, str], Count]:
    """The national survey's figures held in ``source``: (duty, column) -> :class:`Count`."""
    figures: dict[tuple[str, str], Count] = {}
    for duty, kind, done, total in table_of(source).figures:
        column = _SURVEY_COLUMN.get(kind)
        if column:
            figures[(duty, column)] = Count(done, total - done, 0)
    return figures


def duty_tally(statuses: Sequence[Row], figures: Mapping[tuple[str, str], Count] | None = None) -> list[TallyRow]:
    """The survey-shaped table: one :class:`TallyRow` per duty, the survey's row after it.

    Parameters
    ----------
    statuses : list of dict
        Rows of :func:`tsunagu.queries.duties.duty_statuses`.
    figures : dict, optional
        :func:`survey_figures`; give them only for the whole country (the
        survey counted the nation).

    Returns
    -------
    list of TallyRow

    Examples
    --------
    >>> rows = [{"kind": "town", "window-clarified": "unknown", "window-publicised": "unknown",
    ...          "needs-survey": "no", "platform": "yes"}]
    >>> tally = duty_tally(rows)
    >>> tally[0].counts["町・村"]
    Count(yes=0, no=0, unknown=1)
    >>> tally[3].counts["合計"].yes
    1
    """
    figures = figures or {}
    table: list[TallyRow] = []
    for duty in DUTIES:
        counts: dict[str, Count] = {}
        for column, kinds in TALLY_GROUPS.items():
            group = [s for s in statuses if s["kind"] in kinds]
            if duty == "window-publicised":  # out of the clarified windows, as the survey counts it
                group = [s for s in group if s["window-clarified"] == "yes"]
            counts[column] = count_of(group, duty)
        table.append(TallyRow(duty, "graph", counts))
        survey = {column: figures[(duty, column)] for column in TALLY_GROUPS if (duty, column) in figures}
        if survey:
            table.append(TallyRow(duty, "survey", survey, SURVEY_AS_OF))
    return table


def survey_table(graph: Graph, *, prefecture: str | None = None, lang: str = "ja") -> list[Any]:
    """The tally as the ``tally`` command prints it: one row of text cells per duty and source.

    ``prefecture`` is a node id; the survey's figures are added only for the
    whole country. See :func:`tsunagu.text.tally_rows` for how a cell reads.
    """
    from tsunagu.text import tally_rows

    table = table_of(graph)
    statuses = duty_statuses(table, prefecture=prefecture)
    rows: list[Any] = tally_rows(duty_tally(statuses, None if prefecture else survey_figures(table)), lang=lang)
    return rows
