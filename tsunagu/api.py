"""The library facade: one entry, :func:`open`, for every front end.

``tsunagu.open()`` answers from the last build (embedded data built on first
use); ``tsunagu.open(backend="bolt://...")`` from a Bolt server that
``tsunagu push`` wrote to. Either way the same methods resolve names (kanji,
kana, code), check their inputs with the specific errors of
:mod:`tsunagu.exceptions`, and return dataclasses holding data only; the text
a reader sees is made by the front end (:mod:`tsunagu.text` for the CLI).

Each question reads only what it needs: ``refer`` and ``coverage`` one
municipality's precomputed graph, ``gaps`` and ``tally`` the small duties
graph, ``entity`` one entity's row; only ``stats`` and :meth:`Tsunagu.graph`
load the whole graph.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, cast

from tsunagu.exceptions import NameNotFound, TsunaguError, UnknownCell

if TYPE_CHECKING:
    import datetime as dt

    from tsunagu.bolt import BoltBackend
    from tsunagu.compile.current import StaleBuild
    from tsunagu.queries.answers import FirstContact, ReferralAnswer
    from tsunagu.queries.entities import EntityDetails, Neighbour
    from tsunagu.queries.sources import ListSource
    from tsunagu.rules.duties import DutyTable
    from tsunagu.rules.judge import TownWalk
    from tsunagu.rules.names import NameTable
    from tsunagu.store.cache import Stored

__all__ = [
    "open",
    "Tsunagu",
    "Place",
    "Provider",
    "Cell",
    "Coverage",
    "DutyFact",
    "DutyRow",
    "Entity",
    "Stats",
    "RollupRow",
    "TallyRow",
    "Count",
    "KINDS",
]

Graph = Any  # a networkx MultiDiGraph, or a stored row's graph (networkx has no type hints)
Notice = Callable[[str], object]  # hears a message (a tsunagu.compile.progress.Progress is a str)

# resolve(kind=...) -> the node types it accepts
KINDS: dict[str, set[str]] = {
    "municipality": {"Municipality"}, "prefecture": {"Prefecture"}, "area": {"Municipality", "Prefecture"},
}
_BOLT_ANSWERS = ("Bolt サーバーからは refer・coverage・gaps・tally に答えます。これは前回のビルドから答えます: "
                 "--backend を付けずに実行してください (a Bolt backend answers refer, coverage, gaps and tally only)")


@dataclass(frozen=True)
class Place:
    """A resolved municipality or prefecture."""

    id: str
    name: str | None
    code: str | None = None
    prefecture: str | None = None  # the prefecture's name, for a municipality
    types: tuple[str, ...] = ()  # the node types, sorted


@dataclass(frozen=True)
class Provider:
    """What fills a coverage cell. ``how``: ``"stated"`` domain, or ``"typical"`` of its ``kind``."""

    id: str
    name: str | None
    kind: str | None
    level: str
    age: str
    how: str


@dataclass(frozen=True)
class Cell:
    """One (age band, domain) cell: ``state`` is full, partial, unknown, none (a gap in what
    was read) or no-data (nothing is known of the municipality's own resources)."""

    band: str
    domain: str
    state: str
    level: str | None
    providers: tuple[Provider, ...] = ()


@dataclass
class Coverage:
    """The age x domain matrix of one municipality."""

    municipality: Place
    bands: list[str]
    columns: list[tuple[str, str]]  # (domain notation, Japanese name)
    cells: list[Cell]
    local_data: bool

    def cell(self, band: str, domain: str) -> Cell:
        """The :class:`Cell` at ``band`` and ``domain``."""
        for cell in self.cells:
            if cell.band == band and cell.domain == domain:
                return cell
        raise UnknownCell(band, domain, list(dict.fromkeys(c.band for c in self.cells)),
                          list(dict.fromkeys(c.domain for c in self.cells)))


@dataclass(frozen=True)
class DutyFact:
    """One duty of one municipality: ``status`` yes / no / unknown, as of when, said by which source."""

    status: str
    as_of: str | None
    source: str | None


@dataclass(frozen=True)
class DutyRow:
    """The three duties (four columns) of one municipality (read only: the facade hands the same rows out again)."""

    id: str
    name: str | None
    code: str | None
    prefecture: str | None
    kind: str
    duties: dict[str, DutyFact]  # duty -> DutyFact


@dataclass
class Entity:
    """One entity: its attributes, its neighbours both ways and its sources."""

    id: str
    attributes: dict[str, Any]
    neighbours: list[Neighbour]
    sources: list[dict[str, Any]]  # document, quote and an imported row's provenance


@dataclass
class Stats:
    """Counts of nodes by kind and edges by relation."""

    nodes: dict[str, int]
    edges: dict[str, int]
    total_nodes: int
    total_edges: int
    inputs: list[str]


if TYPE_CHECKING:  # re-exported below, imported on first use
    from tsunagu.queries.duties import Count, RollupRow
    from tsunagu.queries.tally import TallyRow


def __getattr__(name: str) -> type:
    # re-exported result types, imported on first use: a refer process need not load coverage and tally
    if name in ("Count", "RollupRow"):
        from tsunagu.queries import duties

        found: type = getattr(duties, name)
        return found
    if name == "TallyRow":
        from tsunagu.queries.tally import TallyRow

        return TallyRow
    raise AttributeError(f"module 'tsunagu.api' has no attribute '{name}'")


def open(home: str | os.PathLike[str] | None = None, *, backend: str | None = None, user: str | None = None,  # noqa: A001
         password: str | None = None, database: str | None = None, notice: Notice | None = None) -> Tsunagu:
    """Open tsunagu's data: the last build in ``home``, or a Bolt server.

    Parameters
    ----------
    home : str or Path, optional
        The build's cache directory (default ``$TSUNAGU_HOME``, else
        ``~/.cache/tsunagu``). The embedded data is built there on first use.
    backend : str, optional
        A Bolt URI (``bolt://127.0.0.1:7687``) to answer from instead.
    user, password, database : str, optional
        The Bolt login and database (``password`` defaults to ``$TSUNAGU_BOLT_PASSWORD``).
    notice : callable, optional
        Called with a message when a changed source makes the build run again.

    Returns
    -------
    Tsunagu

    Raises
    ------
    BoltError
        When the Bolt server cannot be reached or refuses the login.

    Examples
    --------
    >>> import tsunagu
    >>> with tsunagu.open() as t:
    ...     t.resolve("みはらし").name
    '三原市'
    """
    return Tsunagu(home, backend=backend, user=user, password=password, database=database, notice=notice)


class Tsunagu:
    """Questions a caseworker or an analyst asks, answered from one build or one server.

    Use :func:`open` to make one. Close it (or use ``with``) to release a
    Bolt connection; the embedded one holds nothing open. The last build is
    checked for changed sources (and rebuilt) on first use only, and the name
    table and duties graph are read once, so that a long-running front end
    answers each question without re-reading them; open again to follow a
    new ``tsunagu build``.
    """

    def __init__(self, home: str | os.PathLike[str] | None = None, *, backend: str | None = None,
                 user: str | None = None, password: str | None = None, database: str | None = None,
                 notice: Notice | None = None) -> None:
        self.home = home
        self.backend = backend
        self._notice = notice
        self._server: BoltBackend | None = None
        self._stored: Stored | None = None
        self._name_table: NameTable | None = None
        self._duty_rows: DutyTable | None = None
        self._duty_facts: dict[str, DutyRow] | None = None
        if backend:
            from tsunagu.bolt import PASSWORD_VARIABLE, BoltBackend

            self._server = BoltBackend(backend, user=user or "neo4j",
                                       password=password if password is not None else os.environ.get(PASSWORD_VARIABLE),
                                       database=database)

    def close(self) -> None:
        """Close the Bolt connection, if any."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- where the data comes from ---------------------------------------

    def _stored_build(self) -> Stored:
        if self._stored is None:
            from tsunagu.compile.current import fresh_stored

            stored: Stored = fresh_stored(self.home, self._notice)
            self._stored = stored
        return self._stored

    def _names(self) -> NameTable:
        """The name table of places (municipalities, prefectures, wards), read once."""
        if self._name_table is None:
            from tsunagu.rules.names import NameTable

            table: NameTable = self._stored_build().names()
            # Only names whose place has an entry: a store whose index lists wards its entries lack
            # would fail with a KeyError; a ward is then found through the entity rows.
            index = {k: [n for n in nodes if n in table.entries] for k, nodes in table.index.items()}
            self._name_table = NameTable({k: v for k, v in index.items() if v}, table.entries,
                                         getattr(table, "parents", None))
        return self._name_table

    def _entity_graph(self, key: str) -> Graph:
        """A small graph holding entity ``key`` with its edges and its neighbours' names (its stored row)."""
        star = self._stored_build().entity(key)
        if star is None:
            raise NameNotFound(key)
        return star

    def graph(self) -> Graph:
        """The whole compiled graph (embedded only): for diagrams, maps and exports.

        Examples
        --------
        >>> import tsunagu
        >>> tsunagu.open().graph().nodes["mihara"]["name"]
        '三原市'
        """
        if self._server is not None:
            raise TsunaguError(_BOLT_ANSWERS)
        return self._stored_build().graph

    def reach_nodes(self) -> dict[str, list[str]] | None:
        """Municipality id -> the node ids of its reach subgraph, as the last build stored them
        (embedded only; what ``tsunagu push`` writes to a server). None for a build that predates them.

        Examples
        --------
        >>> import tsunagu
        >>> "ino-platform" in tsunagu.open().reach_nodes()["ino"]
        True
        """
        if self._server is not None:
            raise TsunaguError(_BOLT_ANSWERS)
        nodes: dict[str, list[str]] | None = self._stored_build().reach_nodes()
        return nodes

    def _duty_table(self) -> DutyTable:
        """Every municipality's duties: the build's table, or the Bolt server's duties graph read once."""
        if self._duty_rows is None:  # read once: a web app asks many times
            from tsunagu.rules.duties import duty_table

            self._duty_rows = (duty_table(self._server.duties_graph()) if self._server is not None
                               else self._stored_build().duty_table())
        return self._duty_rows

    # --- names -------------------------------------------------------------

    def resolve(self, text: str, kind: str = "municipality") -> Place:
        """The :class:`Place` that ``text`` (name, kana or 6-digit code) names.

        Parameters
        ----------
        text : str
        kind : {"municipality", "prefecture", "area"}
            What is asked for; ``area`` accepts either.

        Returns
        -------
        Place

        Raises
        ------
        NameNotFound
            Nothing of that kind is called ``text``; close names are suggested.
        AmbiguousName
            Several are (two 府中市): give the code.
        NotAMunicipality
            ``text`` names a prefecture where a municipality is asked for.

        Examples
        --------
        >>> import tsunagu
        >>> t = tsunagu.open()
        >>> place = t.resolve("342041")
        >>> place.name, place.prefecture
        ('三原市', '広島県')
        >>> t.resolve("高知県", kind="prefecture").id
        'kochi'
        >>> t.resolve("高知県")
        Traceback (most recent call last):
        ...
        tsunagu.exceptions.NotAMunicipality: 「高知県」は市区町村ではありません（高知県: Prefecture）。市区町村名かコードを指定してください。
        """
        if kind not in KINDS:
            raise TsunaguError(f"種類「{kind}」は使えません。次のどれか: {', '.join(KINDS)} (unknown kind)")
        if kind != "municipality":
            if self._server is not None:
                return self._place(self._server.resolve(text, types=KINDS[kind]))
            from tsunagu.resolver import resolve

            return self._place(resolve(self._names(), text, types=KINDS[kind]))
        if self._server is not None:
            return self._place(self._server.resolve_municipality(text))
        from tsunagu.resolver import resolve_municipality
        from tsunagu.rules.names import NameTable, normalise_name

        def everything() -> NameTable:
            """Every entity called ``text`` (an organisation, a ward the place table lacks): index rows only."""
            return NameTable(*self._stored_build().entity_entries(normalise_name(text)))

        return self._place(resolve_municipality(self._names(), text, everything=everything, city_of=self._city_of_ward))

    def _city_of_ward(self, ward: str) -> str | None:
        graph = self._entity_graph(ward)
        city: str | None = next((t for _, t, k in graph.out_edges(ward, keys=True) if k == "partOfMunicipality"), None)
        return city

    def _resolve_any(self, text: str) -> str:
        """The node ``text`` names among every entity (a ward, an organisation...)."""
        from tsunagu.resolver import resolve
        from tsunagu.rules.names import NameTable, normalise_name

        stored = self._stored_build()
        try:  # an index look-up; every name only to suggest close ones
            return resolve(NameTable(*stored.entity_entries(normalise_name(text))), text)
        except NameNotFound:
            return resolve(NameTable(*stored.entity_entries()), text)

    def _place(self, key: str) -> Place:
        if self._server is not None:
            name, code, prefecture, types = self._server.place(key)
            return Place(key, name, code, prefecture, tuple(sorted(types)))
        entries = self._names().entries
        if key in entries:
            name, code, prefecture, types = entries[key]
            return Place(key, name, code, prefecture, tuple(sorted(types)))
        data = self._entity_graph(key).nodes[key]
        return Place(key, data.get("name"), data.get("code"), None, tuple(sorted(data.get("types", ()))))

    def _municipality_graph(self, text: str) -> tuple[Place, Graph, TownWalk]:
        """(Place, graph, walk) answering referral and coverage questions for one municipality: its
        reach graph and the walk made beside it, which the queries take as ``walk=``."""
        place = self.resolve(text, "municipality")
        if self._server is not None:
            graph, walk = self._server.reach_graph(place.id)
        else:
            graph, walk = self._stored_build().reach_graph(place.id)
        return place, graph, walk

    def places(self) -> list[Place]:
        """Every municipality, designated-city ward and prefecture in code order, as :class:`Place`
        (for suggestions as you type).

        Examples
        --------
        >>> import tsunagu
        >>> [p.name for p in tsunagu.open().places() if p.prefecture == "愛知県"]
        ['豊川市', '大治町', '蟹江町', '飛島村']
        """
        if self._server is not None:
            raise TsunaguError(_BOLT_ANSWERS)
        return [Place(r["id"], r["name"], r["code"], r["prefecture"], tuple(sorted(r["types"])))
                for r in self._stored_build().index()]

    # --- questions ----------------------------------------------------------

    def refer(self, municipality: str, age: int | str, needs: str | Iterable[str], *, explain: bool = False,
              as_of: dt.date | str | None = None) -> ReferralAnswer:
        """Where a person of ``age`` with ``needs`` in ``municipality`` can be connected, and through whom.

        Parameters
        ----------
        municipality : str
            Name, kana or 6-digit code.
        age : int
            The person's age, 0 to 130.
        needs : iterable of str
            Support domains by key, Japanese or English name (``employment``,
            ``居場所``...).
        explain : bool
            Also return the near misses and why each was excluded.
        as_of : date, optional
            The day the question is asked (default today): cohort schemes' ages move with it.

        Returns
        -------
        tsunagu.queries.answers.ReferralAnswer
            Who to call first, the ranked options with contacts and reasons,
            and with ``explain`` the near misses (see
            :func:`tsunagu.queries.referral.referral_answer`).

        Raises
        ------
        InvalidAge, UnknownNeed, NameNotFound, AmbiguousName, NotAMunicipality

        Examples
        --------
        >>> import tsunagu
        >>> answer = tsunagu.open().refer("いの町", 45, ["employment"])
        >>> answer.municipality["name"], answer.first_contact.place.name
        ('いの町', 'いの町ほけん福祉課')
        >>> any("ハローワーク" in (o.organisation.name or "") for o in answer.options if o.organisation)
        True
        >>> tsunagu.open().refer("いの町", 45, ["flying"])
        Traceback (most recent call last):
        ...
        tsunagu.exceptions.UnknownNeed: ニーズ「flying」は支援分野にありません。...
        """
        from tsunagu.queries.referral import referral_answer
        from tsunagu.resolver import checked_age, checked_date, need_notations

        age, as_of = checked_age(age), checked_date(as_of)
        place, graph, walk = self._municipality_graph(municipality)
        notations = need_notations(graph.graph["domain_labels"], needs)
        answer: ReferralAnswer = referral_answer(graph, place.id, age, list(notations), as_of=as_of, explain=explain,
                                                 walk=walk)
        return answer

    def first_contact(self, municipality: str) -> FirstContact | None:
        """最初の相談先: whom a caseworker in ``municipality`` calls first, whatever the person's need.

        Returns
        -------
        tsunagu.queries.answers.FirstContact or None
            The place with its contact and why it comes first (its clarified
            window, else its 自立相談支援機関, a platform's secretariat, the
            department, the town hall, the prefecture's centre); None when the
            data knows no body to call.

        Raises
        ------
        NameNotFound, AmbiguousName, NotAMunicipality

        Examples
        --------
        >>> import tsunagu
        >>> first = tsunagu.open().first_contact("飛島村")
        >>> first.place.name, first.basis.code
        ('海部福祉相談センター', 'first-secretariat')
        """
        from tsunagu.queries.contacts import first_contact

        place, graph, _ = self._municipality_graph(municipality)
        first: FirstContact | None = first_contact(graph, place.id)
        return first

    def coverage(self, municipality: str, bands: str = "chart") -> Coverage:
        """The age x domain matrix of ``municipality``, like 三原市's chart in the seeds.

        Parameters
        ----------
        municipality : str
        bands : {"chart", "policy"}
            The chart's age bands, or the policy groups 15-39 and 40-64.

        Returns
        -------
        Coverage

        Examples
        --------
        >>> import tsunagu
        >>> matrix = tsunagu.open().coverage("三原市")
        >>> matrix.cell("40-49", "consultation").state, matrix.cell("40-49", "education").state
        ('full', 'none')
        """
        from tsunagu.queries.coverage import coverage_matrix

        place, graph, walk = self._municipality_graph(municipality)
        matrix: dict[str, Any] = coverage_matrix(graph, place.id, bands=bands, walk=walk)
        cells: list[Cell] = []
        for cell in matrix["cells"]:
            state = "no-data" if cell["state"] == "none" and not matrix["local_data"] else cell["state"]
            providers = tuple(Provider(p["id"], p["name"], p.get("kind"), p["level"], p["age"], p["how"])
                              for p in cell["providers"])
            cells.append(Cell(cell["band"], cell["domain"], state, cell["level"], providers))
        columns = [(c["domain"], c["name"]) for c in matrix["columns"]]
        return Coverage(place, matrix["bands"], columns, cells, matrix["local_data"])

    def gaps(self, *, prefecture: str | None = None, municipality: str | None = None, kind: str | None = None,
             missing: str | None = None) -> list[DutyRow]:
        """The three duties per municipality, each yes / no / unknown with source and as-of date.

        Parameters
        ----------
        prefecture, municipality : str, optional
            Only this prefecture's municipalities, or only this municipality.
        kind : {"designated", "core", "city", "ward", "town", "village"}, optional
        missing : {"any", "window-clarified", "window-publicised", "needs-survey", "platform"}, optional
            Only where this duty (or any) is not known to be done.

        Returns
        -------
        list of DutyRow

        Examples
        --------
        >>> import tsunagu
        >>> [row.name for row in tsunagu.open().gaps(missing="platform")]
        ['三原市']
        """
        from tsunagu.queries.duties import DUTIES, duty_statuses

        pref = self.resolve(prefecture, "prefecture").id if prefecture else None
        muni = self.resolve(municipality, "municipality").id if municipality else None
        table = self._duty_table()
        if self._duty_facts is None:  # made once: read-only rows, shared by every later call (a web app's)
            self._duty_facts = {r["id"]: DutyRow(r["id"], r["name"], r["code"], r["prefecture"], r["kind"],
                                                 {d: DutyFact(r[d], r[f"{d} as of"], r[f"{d} source"] or None)
                                                  for d in DUTIES})
                                for r in table.rows}
        rows: list[dict[str, Any]] = duty_statuses(table, prefecture=pref, municipality=muni, kind=kind, missing=missing)
        return [self._duty_facts[r["id"]] for r in rows]

    def duty_table(self) -> DutyTable:
        """Every municipality's duties, the directory's evidence, the survey's figures and where each
        town hall is, as the build saved them: what the sweeps and the dot map read.

        Examples
        --------
        >>> import tsunagu
        >>> table = tsunagu.open().duty_table()
        >>> len(table.rows), table.rows[0]["name"]
        (7, '豊川市')
        """
        return self._duty_table()

    def evidence(self, municipalities: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """What the national directory shows of each municipality (by id) apart from the duties: its
        self-reliance window with a phone, its town hall. Empty lists where it shows nothing.

        Examples
        --------
        >>> import tsunagu
        >>> tsunagu.open().evidence(["mihara"])
        {'mihara': []}
        """
        shown = self._duty_table().evidence
        return {municipality: list(shown.get(municipality, ())) for municipality in municipalities}

    def rollup(self, *, by: str = "kind", prefecture: str | None = None) -> list[RollupRow]:
        """Each duty done, not done and not known, by municipality kind or prefecture.

        Returns
        -------
        list of RollupRow
            One per group, then ``all``; by kind, the survey's figures beside.

        Examples
        --------
        >>> import tsunagu
        >>> [(row.group, row.counts["platform"].yes) for row in tsunagu.open().rollup(by="prefecture")]
        [('大阪府', 1), ('広島県', 0), ('愛知県', 4), ('高知県', 1), ('all', 6)]
        """
        from tsunagu.queries.duties import duty_rollup

        pref = self.resolve(prefecture, "prefecture").id if prefecture else None
        rows: list[RollupRow] = duty_rollup(self._duty_table(), by=by, prefecture=pref)
        return rows

    def tally(self, prefecture: str | None = None) -> list[TallyRow]:
        """The national survey's table from the graph; for the whole country the survey's rows follow.

        Returns
        -------
        list of TallyRow
            Counts of yes, no and unknown per column; unknown is never counted as no.

        Examples
        --------
        >>> import tsunagu
        >>> rows = tsunagu.open().tally()
        >>> rows[0].duty, rows[0].counts["合計"]
        ('window-clarified', Count(yes=1, no=0, unknown=6))
        """
        from tsunagu.queries.duties import duty_statuses
        from tsunagu.queries.tally import duty_tally, survey_figures

        pref = self.resolve(prefecture, "prefecture").id if prefecture else None
        table = self._duty_table()
        rows: list[TallyRow] = duty_tally(duty_statuses(table, prefecture=pref), None if pref else survey_figures(table))
        return rows

    def entity(self, name: str) -> Entity:
        """Any entity by name, kana, code or id: its attributes, neighbours and sources.

        Examples
        --------
        >>> import tsunagu
        >>> found = tsunagu.open().entity("三原市")
        >>> found.id, found.attributes["code"]
        ('mihara', '342041')
        """
        from tsunagu.queries.entities import entity_details

        if self._server is not None:
            raise TsunaguError(_BOLT_ANSWERS)
        key = self._resolve_any(name)
        details: EntityDetails = entity_details(self._entity_graph(key), key)
        return Entity(key, details["entity"], details["neighbours"], details["sources"])

    def stale_summary(self) -> str | None:
        """What a page may say when the last build answers because a newer input failed to build
        (no path, no validation text), or None. The command line shows the full message instead.

        Examples
        --------
        >>> import tsunagu
        >>> tsunagu.open().stale_summary() is None
        True
        """
        if self._server is not None:
            return None
        stale = cast("StaleBuild | None", self._stored_build().stale)  # Stored.stale is typed object
        return stale.summary if stale is not None else None

    def lists_used(self) -> list[dict[str, Any]]:
        """The carried national lists the last build read (title, credit, licence, date...), as dicts;
        empty for a build of the seeds alone or a Bolt server."""
        if self._server is not None:
            return []
        return list(self._stored_build().lists)

    def sources(self) -> list[ListSource]:
        """The national lists in use, each with its licence, credit line, official page, date and rows.

        Returns
        -------
        list of tsunagu.queries.sources.ListSource

        Examples
        --------
        >>> import tsunagu
        >>> [row.credit for row in tsunagu.open().sources()][2]
        'くらし支援ナビ（運営: JUNKBRANDING）'
        """
        from tsunagu.queries.sources import list_sources

        return list_sources()

    def stats(self) -> Stats:
        """Counts of the graph's nodes by kind and edges by relation.

        Examples
        --------
        >>> import tsunagu
        >>> tsunagu.open().stats().nodes["City"] > 0
        True
        """
        from tsunagu.queries.entities import graph_stats

        graph = self.graph()
        counted = graph_stats(graph, inputs=graph.graph.get("inputs", []))
        return Stats({r["kind"]: r["count"] for r in counted["nodes"]}, {r["relation"]: r["count"] for r in counted["edges"]},
                     graph.number_of_nodes(), graph.number_of_edges(), list(graph.graph.get("inputs", [])))
