"""Where the facts come from: the carried national lists with their licences and credits.

What ``tsunagu sources`` prints and the web app's 出典 page shows: for each
list in use (the package's copy or a refreshed one), its title, publisher,
licence, the credit line its licence asks for, its official page, the date
of its data and how many rows it holds.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsunagu.loaders.sources.carried import credit_lines  # a writer's too: it lives with the lists

__all__ = ["ListSource", "list_sources", "credit_lines", "directory_date"]

if TYPE_CHECKING:
    from tsunagu.loaders.sources.carried import CarriedList


@dataclass(frozen=True)
class ListSource:
    """One carried list as a reader sees it."""

    source: str
    title: str
    publisher: str
    licence: str
    licence_url: str
    credit: str
    page: str
    as_of: str
    rows: int
    origin: str  # "package" (the copy shipped with tsunagu) or "updated" (tsunagu data update)
    fetched: str | None
    notes: str


def _rows(path: Path) -> int:
    """Data rows of one list file: CSV records after the header, or a JSON array's items."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return len(data) if isinstance(data, list) else 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def _main_file(item: CarriedList) -> Path:
    """The file whose rows a list is counted by: the one its loader is given, else its first
    (くらし支援ナビ: offices.csv, the windows)."""
    if item.load != ".":
        return item.path / item.load
    names = sorted(item.files)
    return item.path / ("offices.csv" if "offices.csv" in names else names[0])


def list_sources() -> list[ListSource]:
    """Every carried list in use, in load order, with its row count.

    Examples
    --------
    >>> rows = list_sources()
    >>> [(row.source, row.rows) for row in rows][:3]
    [('municipalities', 1916), ('population', 6353), ('fukushi_portal', 7540)]
    >>> rows[2].credit
    'くらし支援ナビ（運営: JUNKBRANDING）'
    """
    from tsunagu.loaders.sources.carried import carried_lists

    return [ListSource(item.source, item.title, item.publisher, item.licence, item.licence_url, item.credit, item.page,
                       item.as_of, _rows(_main_file(item)), item.origin, item.fetched, item.notes)
            for item in carried_lists()]


def directory_date(lists: Iterable[Mapping[str, Any]] | None) -> str | None:
    """The date of the national directory a build used: the newest date among its window lists
    (くらし支援ナビ and the ministry's lists), or None for a build without them.

    Examples
    --------
    >>> directory_date([{"source": "fukushi_portal", "as_of": "2026-07-28"}, {"source": "hokenjo", "as_of": "2026-05"}])
    '2026-07-28'
    >>> directory_date([]) is None
    True
    """
    dates = [str(item.get("as_of")) for item in lists or ()
             if item.get("source") in ("fukushi_portal", "hokenjo", "mhlw_jiritsu_2023") and item.get("as_of")]
    return max(dates) if dates else None
