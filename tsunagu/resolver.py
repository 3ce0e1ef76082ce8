"""What a user typed, made into what the queries take: one resolver for every front end.

A town is named in kanji (三原市), kana (みはらし), by its 6-digit code
(342041, the check digit checked), by a designated city's ward (札幌市中央区
answers for 札幌市), or with its prefecture before or after it where a name is
shared (「広島県府中市」, 「府中市 広島県」). A need is a domain key or its
Japanese or English name; an age a whole number from 0 to
:data:`~tsunagu.rules.judge.MAX_AGE`; a day a date or ``YYYY-MM-DD``.

The facade (:mod:`tsunagu.api`), the CLI, the web app, the Bolt backend and
the queries all call these functions; each raises the named errors of
:mod:`tsunagu.exceptions`, never a ``KeyError``.

``source`` is a networkx graph whose nodes carry ``name``, ``code`` and
``types`` (the compiled graph, a referral graph), or a
:class:`~tsunagu.rules.names.NameTable` (what a cold ``refer`` reads).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tsunagu.exceptions import (AmbiguousName, InvalidAge, InvalidDate, NameNotFound, NotAMunicipality, UnknownNeed,
                                WrongCheckDigit)
from tsunagu.rules.judge import MAX_AGE
from tsunagu.rules.names import Entry, NameTable, city_of_ward, name_index, normalise_name, prefecture_name_of

__all__ = [
    "resolve", "describe", "resolve_municipality", "municipality_id", "need_notations", "checked_age",
    "checked_date", "kind_of",
]

Source = Any  # a networkx graph or a NameTable (networkx has no types to name it by)

_BRACKETS = str.maketrans("", "", "()（）「」、,")
_PREFECTURE_LENGTHS = (3, 4)  # 東京都, 北海道 ... 神奈川県, 和歌山県, 鹿児島県


def _index(source: Source) -> Mapping[str, list[str]]:
    if isinstance(source, NameTable):
        return source.index
    stored: Mapping[str, list[str]] | None = source.graph.get("names")  # the compiled graph carries its index
    return stored or name_index(source)


def _entry(source: Source, node: str) -> Entry:
    """(name, code, prefecture name, types) of ``node``."""
    if isinstance(source, NameTable):
        return source.entries[node]
    data: Mapping[str, Any] = source.nodes[node]
    return data.get("name"), data.get("code"), prefecture_name_of(source, node), frozenset(data.get("types", ()))


def _parent(source: Source, node: str) -> str | None:
    if isinstance(source, NameTable):
        return source.parents.get(node)
    return city_of_ward(source, node)


def kind_of(types: Iterable[str]) -> str:
    """The kind a message names for an entity of ``types``.

    >>> kind_of({"Prefecture", "Area"})
    'Prefecture'
    """
    types = set(types)
    for kind in ("Prefecture", "Municipality", "AdministrativeWard", "Organisation", "Program"):
        if kind in types:
            return kind
    return sorted(types)[0] if types else "?"


def describe(source: Source, node: str) -> str:
    """A one-line description that tells two same-named entities apart.

    >>> from tsunagu.rules.names import NameTable
    >>> describe(NameTable({}, {"fuchu-h": ("府中市", "342084", "広島県", frozenset())}), "fuchu-h")
    '府中市 (広島県, 342084, id fuchu-h)'
    """
    name, code, prefecture, _ = _entry(source, node)
    details = ", ".join(part for part in (prefecture, code, f"id {node}") if part)
    return f"{name or node} ({details})"


def resolve(source: Source, text: str, *, types: Iterable[str] | None = None) -> str:
    """The node that ``text`` names in ``source``, optionally only among ``types``.

    Where a municipality is asked for, a designated city's ward stands for its
    city (「札幌市中央区」 answers for 札幌市; a bare 「中央区」 is ambiguous).
    A name shared by two towns may carry its prefecture before or after it.

    Raises
    ------
    NameNotFound
        Nothing is called ``text`` (close names are suggested).
    WrongCheckDigit
        ``text`` is a 6-digit code whose check digit alone is wrong.
    AmbiguousName
        Several are (two 府中市), each listed with its prefecture and code.

    Examples
    --------
    >>> from tsunagu.rules.names import NameTable
    >>> table = NameTable({"府中市": ["fuchu-t", "fuchu-h"], "広島県": ["hiroshima"], "東京都": ["tokyo"]},
    ...     {"fuchu-t": ("府中市", "132063", "東京都", frozenset({"Municipality"})),
    ...      "fuchu-h": ("府中市", "342084", "広島県", frozenset({"Municipality"})),
    ...      "hiroshima": ("広島県", "340006", None, frozenset({"Prefecture"})),
    ...      "tokyo": ("東京都", "130001", None, frozenset({"Prefecture"}))})
    >>> resolve(table, "広島県府中市"), resolve(table, "府中市 東京都"), resolve(table, "府中市（広島県）")
    ('fuchu-h', 'fuchu-t', 'fuchu-h')
    """
    index = _index(source)
    wanted = set(types or ())
    ward_as_city = bool(wanted & {"Municipality", "DesignatedCity"}) and "AdministrativeWard" not in wanted

    def fits(node: str) -> bool:
        kinds = _entry(source, node)[3]
        return not wanted or bool(wanted & kinds) or (ward_as_city and "AdministrativeWard" in kinds)

    def one_of(candidates: list[str]) -> str:
        if len(candidates) > 1:
            candidates.sort(key=lambda n: (_entry(source, n)[1] or "", n))
            raise AmbiguousName(text, [describe(source, n) for n in candidates])
        found = candidates[0]
        if ward_as_city and "AdministrativeWard" in _entry(source, found)[3]:
            return _parent(source, found) or found
        return found

    key = normalise_name(text)
    candidates = [n for n in index.get(key, ()) if fits(n)]
    if candidates:
        return one_of(candidates)
    qualified = _with_prefecture(source, index, key.translate(_BRACKETS), fits)
    if qualified:
        return one_of(qualified)
    _check_digit_hint(source, index, key, text, fits)
    keys = [k for k, nodes in index.items() if any(fits(n) for n in nodes)]
    suggestions = [describe(source, n) for match in difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
                   for n in index[match] if fits(n)]
    raise NameNotFound(text, suggestions[:5])


def _with_prefecture(source: Source, index: Mapping[str, list[str]], key: str,
                     fits: Callable[[str], bool]) -> list[str]:
    """The nodes ``key`` names as 「<prefecture><name>」 or 「<name><prefecture>」: a name in that prefecture."""
    found = []
    for length in _PREFECTURE_LENGTHS:
        for prefecture, rest in ((key[:length], key[length:]), (key[-length:], key[:-length])):
            if not rest or not any("Prefecture" in _entry(source, n)[3] for n in index.get(prefecture, ())):
                continue
            name = next(_entry(source, n)[0] for n in index[prefecture] if "Prefecture" in _entry(source, n)[3])
            found += [n for n in index.get(rest, ()) if fits(n) and _entry(source, n)[2] == name and n not in found]
    return found


def _check_digit_hint(source: Source, index: Mapping[str, list[str]], key: str, text: str,
                      fits: Callable[[str], bool]) -> None:
    """Raise :class:`WrongCheckDigit` when ``key`` is a 6-digit code whose check digit alone is wrong."""
    from tsunagu.loaders.curated import check_digit

    if len(key) != 6 or not key.isdigit():
        return
    right = key[:5] + str(check_digit(key[:5]))
    if right == key:
        return
    nodes = [n for n in index.get(right, ()) if fits(n)]
    if nodes:
        raise WrongCheckDigit(text, right, _entry(source, nodes[0])[0] or nodes[0])


def resolve_municipality(source: Source, text: str, *, everything: Callable[[], Source] | None = None,
                         city_of: Callable[[str], str | None] | None = None) -> str:
    """The municipality ``text`` names; a designated city's ward answers for its city.

    ``everything`` gives a source holding every entity (default ``source``
    itself), read only when ``text`` names no municipality, to tell a
    prefecture or an organisation (:class:`NotAMunicipality`) from a typo
    (:class:`NameNotFound`); ``city_of`` finds a ward's city there.

    Examples
    --------
    >>> from tsunagu.rules.names import NameTable
    >>> table = NameTable({"高知県": ["kochi"], "いの町": ["ino"]},
    ...     {"kochi": ("高知県", "390003", None, frozenset({"Prefecture"})),
    ...      "ino": ("いの町", "393860", "高知県", frozenset({"Municipality"}))})
    >>> resolve_municipality(table, "いの町")
    'ino'
    >>> resolve_municipality(table, "高知県")
    Traceback (most recent call last):
    ...
    tsunagu.exceptions.NotAMunicipality: 「高知県」は市区町村ではありません（高知県: Prefecture）。市区町村名かコードを指定してください。
    """
    try:
        return resolve(source, text, types={"Municipality"})
    except NameNotFound as missing:
        if isinstance(missing, WrongCheckDigit):
            raise
        other = source if everything is None else everything()
        try:
            node = resolve(other, text)
        except (NameNotFound, AmbiguousName):
            raise missing from None
        name, _, _, types = _entry(other, node)
        if "AdministrativeWard" in types:
            city = city_of(node) if city_of is not None else _parent(other, node)
            if city is not None:
                return city
        raise NotAMunicipality(text, node, kind_of(types), name) from None


def municipality_id(graph: Any, municipality: str) -> str:
    """``municipality`` checked as a municipality node of ``graph`` (a ward: its city), or resolved
    from a name, kana or code: what every query that takes a town calls first.

    Raises :class:`NameNotFound`, :class:`AmbiguousName` or :class:`NotAMunicipality`.
    """
    if not isinstance(municipality, str) or not municipality.strip():
        raise NameNotFound(str(municipality))
    if municipality in graph:
        types = graph.nodes[municipality].get("types", ())
        if "Municipality" in types:
            return municipality
        city = city_of_ward(graph, municipality) if "AdministrativeWard" in types else None
        if city is not None:
            return city
        raise NotAMunicipality(municipality, municipality, kind_of(types), graph.nodes[municipality].get("name"))
    return resolve_municipality(graph, municipality)


def need_notations(labels: Mapping[str, str], needs: str | Iterable[str]) -> tuple[str, ...]:
    """Domain notations, in order and once each, for ``needs`` (a str or several) looked up in
    ``labels`` (normalised key, Japanese or English label -> notation).

    Raises :class:`UnknownNeed` for a need that names no domain, and when none is given.

    >>> need_notations({"employment": "employment", "雇用": "employment"}, ["雇用", "employment"])
    ('employment',)
    """
    if isinstance(needs, str):
        needs = [needs]
    known = sorted(set(labels.values()))
    resolved: list[str] = []
    for need in needs:
        notation = labels.get(normalise_name(need))
        if notation is None:
            raise UnknownNeed(need, known)
        if notation not in resolved:
            resolved.append(notation)
    if not resolved:
        raise UnknownNeed("", known)
    return tuple(resolved)


def checked_age(age: object) -> int:
    """``age`` as a whole number from 0 to :data:`MAX_AGE` (a form's ``"45"`` too), else :class:`InvalidAge`.

    >>> checked_age(" 45 ")
    45
    """
    if isinstance(age, bool):
        raise InvalidAge(age)
    if isinstance(age, int):
        value = age
    else:
        try:
            value = int(str(age).strip())
        except ValueError:
            raise InvalidAge(age) from None
    if not 0 <= value <= MAX_AGE:
        raise InvalidAge(age)
    return value


def checked_date(day: object) -> dt.date:
    """``day`` (a date, or ``YYYY-MM-DD``; None for today) as a date, else :class:`InvalidDate`.

    >>> checked_date("2026-01-01")
    datetime.date(2026, 1, 1)
    """
    if day is None:
        return dt.date.today()
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(str(day).strip())
    except ValueError:
        raise InvalidDate(day) from None
