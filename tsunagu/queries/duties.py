"""The three duties per municipality, and their counts in the shape of the national survey.

:func:`duty_statuses` lists the duties (a clarified and publicised window, a
needs survey, a platform) per municipality, each known done, known not done
or not known, with its source and date; :func:`duty_rollup` counts them by
prefecture or municipality kind beside the May 2020 survey's figures (002).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu.exceptions import TsunaguError
from tsunagu.rules.duties import (DUTIES, EVIDENCE_KINDS, KINDS, Count, DutyTable, Graph, Row, count_of, duty_evidence,
                                  duty_table)

__all__ = ["DUTIES", "KINDS", "EVIDENCE_KINDS", "duty_statuses", "duty_evidence", "duty_rollup", "Count", "RollupRow",
           "count_of", "DutyTable", "table_of", "Graph", "Row"]


def table_of(source: Graph | DutyTable) -> DutyTable:
    """``source`` itself when it is the build's :class:`DutyTable`, else the table of a graph."""
    return source if isinstance(source, DutyTable) else duty_table(source)


def duty_statuses(source: Graph | DutyTable, *, prefecture: str | None = None, municipality: str | None = None,
                  kind: str | None = None, missing: str | None = None) -> list[Row]:
    """One row per municipality: each duty yes / no / unknown, with source and as-of date.

    Parameters
    ----------
    source : DutyTable or networkx.MultiDiGraph
        The build's table (what the facade passes), or a graph with the
        municipalities' duty facts, platforms, windows and prefectures.
    prefecture, municipality : str, optional
        Node ids: only this prefecture's municipalities, or only this one.
    kind : str, optional
        A key of :data:`KINDS`.
    missing : str, optional
        Keep rows where this duty (or ``"any"``) is not yes.

    Returns
    -------
    list of dict
        In code order: id, name, code, prefecture, kind, and per duty its
        status, ``<duty> as of`` and ``<duty> source``.

    Raises
    ------
    TsunaguError
        For an unknown kind or duty.

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> rows = duty_statuses(current_duties_graph(), kind="village")
    >>> [(r["name"], r["platform"], r["platform as of"], r["needs-survey"]) for r in rows]
    [('飛島村', 'yes', '2020-03-31', 'unknown')]
    """
    if kind is not None and kind not in KINDS:
        raise TsunaguError(f"種別「{kind}」はありません。次のどれか: {', '.join(KINDS)} (unknown kind)")
    if missing is not None and missing not in DUTIES + ("any",):
        raise TsunaguError(f"取組「{missing}」はありません。次のどれか: any, {', '.join(DUTIES)} (unknown duty)")
    table = table_of(source)
    wanted = DUTIES if missing == "any" else (missing,) if missing else ()
    return [row for row, pref in zip(table.rows, table.prefectures, strict=True)
            if not (prefecture and pref != prefecture or municipality and row["id"] != municipality
                    or kind and row["kind"] != kind or wanted and all(row[d] == "yes" for d in wanted))]


@dataclass(frozen=True)
class RollupRow:
    """One group of :func:`duty_rollup`: its municipalities, each duty's :class:`Count` and,
    by kind, the national survey's (May 2020) where the graph holds it."""

    group: str
    municipalities: int
    counts: dict[str, Count] = field(default_factory=dict)  # duty -> Count
    survey: dict[str, Count] = field(default_factory=dict)  # duty -> Count


def duty_rollup(source: Graph | DutyTable, *, by: str = "kind", prefecture: str | None = None) -> list[RollupRow]:
    """Counts of municipalities with each duty done, not done and not known, grouped ``by`` kind or prefecture.

    Parameters
    ----------
    source : DutyTable or networkx.MultiDiGraph
        The build's table, or a graph.
    by : {"kind", "prefecture"}
    prefecture : str, optional
        A prefecture's node id: only its municipalities.

    Returns
    -------
    list of RollupRow
        One per group in the survey's order, then ``all``. With ``by="kind"``
        the survey's figures sit beside the graph's, so the two can be held
        side by side.

    Examples
    --------
    >>> from tsunagu.compile.current import current_duties_graph
    >>> rows = duty_rollup(current_duties_graph())
    >>> rows[-1].group, rows[-1].counts["platform"], rows[-1].survey["window-clarified"]
    ('all', Count(yes=6, no=0, unknown=1), Count(yes=974, no=767, unknown=0))
    """
    if by not in ("kind", "prefecture"):
        raise TsunaguError("集計は kind か prefecture ごとです (group by 'kind' or 'prefecture')")
    table = table_of(source)
    statuses = duty_statuses(table, prefecture=prefecture)
    groups: dict[str, list[Row]] = {}
    for row in statuses:
        groups.setdefault(row["kind"] if by == "kind" else row["prefecture"], []).append(row)
    survey = _survey_figures(table) if by == "kind" else {}
    result = []
    for group in sorted(groups, key=lambda g: (list(KINDS).index(g) if g in KINDS else 99, str(g))) + ["all"]:
        rows = statuses if group == "all" else groups[group]
        result.append(RollupRow(group, len(rows), {duty: count_of(rows, duty) for duty in DUTIES},
                                {duty: survey[(duty, group)] for duty in DUTIES if (duty, group) in survey}))
    return result


def _survey_figures(table: DutyTable) -> dict[tuple[str, str], Count]:
    """(duty, kind key or "all") -> :class:`Count` from the national survey figures."""
    figures: dict[tuple[str, str], Count] = {}
    for duty, kind, done, total in table.figures:
        key = "all" if kind == "Municipality" else next((k for k, c in KINDS.items() if c == kind), kind)
        figures[(duty, key)] = Count(done, total - done, 0)
    return figures
