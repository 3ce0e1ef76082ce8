"""Where to look for a body the graph knows serves a town but cannot name (``data/where_to_look.csv``).

No openly licensed national list of ハローワーク jurisdictions, サポステ stations,
ひきこもり地域支援センター, 精神保健福祉センター or 家族会 chapters could be had
(``../shared/data/README.md``). For each such kind the table gives the official
place where a caseworker finds the one for a town: who publishes it, its
title and address, and whether that address was confirmed in stored public
material (``確認済み``, with where) or still needs confirming (``要確認``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["WhereToLook", "where_to_look", "where_table"]

_COLUMNS = ("kind", "kind_ja", "publisher", "title", "url", "confirmed", "evidence")


@dataclass(frozen=True)
class WhereToLook:
    """The official place to find the body of ``kind`` serving a town."""

    kind: str  # ontology class local name
    kind_ja: str
    publisher: str
    title: str
    url: str
    confirmed: bool  # the address was found in stored public material
    evidence: str  # where it was found, or what was searched


@lru_cache(maxsize=1)
def where_table():
    """kind -> :class:`WhereToLook`, read once from the package's table.

    Examples
    --------
    >>> where_table()["HelloWork"].publisher
    '厚生労働省'
    >>> where_table()["HelloWork"].confirmed
    False
    """
    text = (resources.files("tsunagu.data") / "where_to_look.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    table = {}
    for row in rows:
        missing = [c for c in _COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            raise ValueError(f"where_to_look.csv: {row.get('kind')}: 空の列 {', '.join(missing)}")
        table[row["kind"]] = WhereToLook(row["kind"], row["kind_ja"], row["publisher"], row["title"], row["url"],
                                         row["confirmed"].strip() == "確認済み", row["evidence"])
    return table


def where_to_look(kinds):
    """The first entry of the table for any of ``kinds`` (class local names, most specific first), or None.

    Examples
    --------
    >>> where_to_look(["RegionalSupportCentre", "Organisation"]).kind_ja
    'ひきこもり地域支援センター'
    >>> where_to_look(["NPO"]) is None
    True
    """
    table = where_table()
    for kind in kinds:
        if kind in table:
            return table[kind]
    return None
