"""Referral answers for a caseworker: whom to call first, and which organisations fit, through whom.

:func:`referral_answer` answers "a 45-year-old in いの町 whose family asks
for help with employment" with a :class:`~tsunagu.queries.answers.ReferralAnswer`:
the first contact in the person's municipality (最初の相談先), then the
options ranked by fit before distance, each with its contact, path and the
platform secretariat it goes through. :func:`referrals` is the plain
reach-and-fit listing the shipped SPARQL query restates.

Who fits, at what age and how is decided by the one judge,
:mod:`tsunagu.rules.judge`; this module ranks what it keeps (fit before
distance: within a tier the more local level first, then fewer hops),
names the first contact and the secretariats on the way, and falls back to
the prefecture's centre and the nation's networks when nothing local fits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from tsunagu.resolver import checked_age, checked_date, municipality_id, need_notations
from tsunagu.rules.judge import (collapsed, WORKING_AGE, age_range, cohort_of, domain_pair, judge,
                                 kind_pair, referral_candidates)
from tsunagu.rules.reach import LEVELS

if TYPE_CHECKING:
    from tsunagu.loaders.sources.where_to_look import WhereToLook
    from tsunagu.queries.answers import AnsweredMunicipality, Directory, Option, Place, ReferralAnswer
    from tsunagu.rules.judge import AgeFacts, Candidate, Judgement, OrganisationRef, TownWalk

__all__ = ["referral_answer"]

Graph = Any  # a networkx MultiDiGraph, or a municipality's reach subgraph (networkx has no type hints)
Judged = tuple["Candidate", "Judgement"]  # a candidate and what the judge says of it

_PROVIDER_TYPES = {"Organisation", "ConsultationWindow"}
_PLATFORM_TYPES = {"MunicipalPlatform", "WideAreaPlatform", "PrefecturalPlatform"}

# Nationwide networks a caseworker can look up when nothing local fits (issue 11: the nation's
# options): Hello Work and サポステ for employment, KHJ family associations for family support.
_NATIONWIDE: dict[str, tuple[str, ...]] = {"employment": ("HelloWork", "YouthSupportStation"),
                                           "family-support": ("FamilyAssociation",)}


def referral_answer(graph: Graph, municipality: str, age: int | str, needs: str | Iterable[str], *,
                    as_of: dt.date | str | None = None, explain: bool = False,
                    walk: TownWalk | None = None) -> ReferralAnswer:
    """The caseworker's answer: first contact, ranked options with contacts and secretariats.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph, or one municipality's referral graph.
    municipality : str
        A municipality's node id, or a name, kana or code to resolve; a
        designated city's ward answers for its city.
    age : int
        The person's age (0-130). Used for the answer only, never logged.
    needs : list of str
        Domain notations or their Japanese or English names.
    as_of : datetime.date, optional
        The date asked (default today): a cohort's ages move with it.
    explain : bool
        Also return ``near_misses``: what was reached but excluded, and why.
    walk : TownWalk, optional
        The municipality's walk and candidates as the build made them
        (beside its reach graph); walked and judged here when not given.

    Returns
    -------
    ReferralAnswer

    Raises
    ------
    NameNotFound, AmbiguousName, NotAMunicipality, UnknownNeed, InvalidAge, InvalidDate
    ValueError
        For a ``walk`` of another municipality.

    Examples
    --------
    >>> from tsunagu.compile import compile_graph
    >>> graph = compile_graph(lists=False).graph
    >>> answer = referral_answer(graph, "いの町", 45, ["employment"])
    >>> answer.first_contact.place.name
    'いの町ほけん福祉課'
    >>> [o.organisation.name for o in answer.options if o.organisation.role == "coordinating"]
    []
    """
    age, as_of = checked_age(age), checked_date(as_of)
    asked = municipality
    municipality = municipality_id(graph, municipality)
    needs = list(need_notations(graph.graph["domain_labels"], needs))
    candidates = referral_candidates(graph, municipality, walk=walk)
    return _build_answer(graph, municipality, asked, age, needs, as_of, candidates, explain=explain)


def _option(graph: Graph, candidate: Candidate, judged: Judgement, rank: int = 0) -> Option:
    from tsunagu.queries.answers import Option
    from tsunagu.queries.contacts import place_of, platform_through

    tier, matched, reasons, flags, excluded, rng = judged
    organisation = candidate["organisation"]
    through = [platform_through(graph, hop["id"]) for hop in candidate["path"]
               if hop["id"] in graph and set(graph.nodes[hop["id"]].get("types", ())) & _PLATFORM_TYPES]
    labels = graph.graph.get("relation_labels", {})
    path = [dict(hop, label=list(labels.get(hop["relation"], (hop["relation"], hop["relation"]))))
            if hop["relation"] else dict(hop) for hop in candidate["path"]]
    return _with_where(graph, Option(
        rank=rank, tier=tier,
        organisation=place_of(graph, organisation["id"]) if organisation else None,
        program=place_of(graph, candidate["program"]["id"]) if candidate["program"] else None,
        level=candidate["level"], hops=candidate["hops"], path=path,
        age=rng.copy(), needs=matched, reasons=reasons, flags=flags, excluded=excluded, through=through))


def _with_where(graph: Graph, option: Option) -> Option:
    """``option`` with where to find the body serving the town when the data give it no phone
    (``data/where_to_look.csv``): said once, in place of the "not in the data" flag."""
    from dataclasses import asdict

    from tsunagu.loaders.sources.where_to_look import where_to_look

    places = [p for p in (option.organisation, option.program) if p is not None]
    if any(p.contact.telephone for p in places):
        return option
    kinds: list[str | None] = []
    for place in places:
        data = graph.nodes[place.id] if place.id in graph else {}
        kinds += [place.kind] + [data.get("deliveredByType")] + sorted(data.get("types", ()))
    found: WhereToLook | None = where_to_look([k for k in kinds if k])
    if found is not None:
        option.where = asdict(found)
        option.flags = [f for f in option.flags if f.code != "placeholder"]
    return option


def _nationwide_options(graph: Graph, municipality: str, age: int, needs: Sequence[str], as_of: dt.date,
                        options: Sequence[Option]) -> list[Option]:
    """Where something local fits: the nation's networks for the need (ハローワーク, サポステ, 家族会) that no
    option is already of, each with where to find the one serving the town (never a second "unknown")."""
    present: set[str | None] = set()
    for option in options:
        for place in (option.organisation, option.program):
            if place is not None:
                present.add(place.kind)
                present.add((graph.nodes[place.id] if place.id in graph else {}).get("deliveredByType"))
    wanted = {kind for need in needs for kind in _NATIONWIDE.get(need, ())} - present
    if not wanted:
        return []
    listed = {_named(o).id for o in options}
    found = _fallback(graph, municipality, age, needs, as_of, listed, centres=False)
    return [o for o in found if o.program and graph.nodes[o.program.id].get("deliveredByType") in wanted]


def _fallback(graph: Graph, municipality: str, age: int, needs: Sequence[str], as_of: dt.date, listed: Collection[str],
              centres: bool = True) -> list[Option]:
    """The prefecture's regional support centre(s) (with ``centres``) and the nation's schemes fitting the need."""
    from tsunagu.queries.answers import Option, Reason
    from tsunagu.queries.contacts import place_of, regional_centres

    options: list[Option] = []
    for centre in regional_centres(graph, municipality) if centres else ():
        if centre in listed:
            continue
        kind = graph.nodes[centre].get("kind")
        options.append(_with_where(graph, Option(
            rank=0, tier="b", organisation=place_of(graph, centre), program=None, level="prefecture", hops=0,
            path=[], age={"min": None, "max": None, "basis": "unstated"}, needs=[],
            reasons=[Reason("domain-purpose", {"needs": [domain_pair(graph, "consultation"), domain_pair(graph, "outreach")],
                                               "type": kind_pair(graph, kind)})],
            flags=[Reason("placeholder", {})] if graph.nodes[centre].get("placeholder") else [])))
    broader = graph.graph["domain_broader"]
    for node, data in sorted(graph.nodes(data=True)):
        if data.get("kind") != "NationalScheme" or not data.get("deliveredByType") or node in listed:
            continue
        covers = {a for d in data.get("domains") or () for a in broader.get(d, (d,))}
        matched = [n for n in needs if n in covers and not (n == "employment" and age < WORKING_AGE)]
        if not matched:
            continue
        candidate: AgeFacts = {"cohort": cohort_of(node, data), "age_stated": bool(data.get("age_stated")),
                     "age_min": data.get("age_min"), "age_max": data.get("age_max")}
        rng = age_range(candidate, as_of)
        if (rng["min"] is not None and age < rng["min"]) or (rng["max"] is not None and age > rng["max"]):
            continue
        options.append(_with_where(graph, Option(
            rank=0, tier="b", organisation=None, program=place_of(graph, node), level="national", hops=0, path=[],
            age=rng, needs=matched,
            reasons=[Reason("domain-purpose", {"needs": [domain_pair(graph, n) for n in matched],
                                               "type": kind_pair(graph, data["deliveredByType"])})],
            flags=[Reason("placeholder", {})])))
    return options


def _instead_of_work(graph: Graph, candidates: Sequence[Candidate], age: int, as_of: dt.date, listed: Sequence[Option],
                     first: str | None = None, most: int = 2) -> list[Option]:
    """Below working age: the education and consultation windows the judge offers at ``age`` that have a
    phone (the next step the answer suggests, with a number to call), at most ``most``, neither already
    listed nor the first contact."""
    seen = {_named(o).id for o in listed if o.program or o.organisation} | {first}
    judged = [(c, judge(graph, c, age, ["education", "consultation"], as_of)) for c in candidates]
    kept = [(c, j) for c, j in judged if not j[4] and not c["program"] and c["organisation"]
            and graph.nodes[c["organisation"]["id"]].get("telephone") and c["organisation"]["id"] not in seen]
    # a body whose ages are known to include the child's (児童相談所: under 18) before one taking any age
    kept.sort(key=lambda item: (item[1][5]["basis"] == "unstated", item[1][0], LEVELS.index(item[0]["level"]),
                                item[0]["hops"], _organisation(item[0])["id"]))
    return [_option(graph, c, j) for c, j in kept[:most]]


def _nationwide(graph: Graph, age: int, needs: Sequence[str], as_of: dt.date,
               fallback: Sequence[Option]) -> list[tuple[str, str]]:
    """Names of the nationwide networks fitting the need and age that the fallback did not list."""
    named = {option.program.id for option in fallback if option.program}
    schemes = {d.get("deliveredByType"): (n, d) for n, d in graph.nodes(data=True)
               if d.get("kind") == "NationalScheme" and d.get("deliveredByType")}
    names = []
    for need in needs:
        if need == "employment" and age < WORKING_AGE:
            continue
        for kind in _NATIONWIDE.get(need, ()):
            node, data = schemes.get(kind, (None, None))
            if node in named:
                continue
            if data is not None and not cohort_of(node, data) and data.get("age_stated"):
                low, high = data.get("age_min"), data.get("age_max")
                if (low is not None and age < low) or (high is not None and age > high):
                    continue
            elif kind == "YouthSupportStation" and data is None:
                continue  # サポステ has an upper age (49, 002): not named without its scheme's record
            names.append(kind_pair(graph, kind))
    return names


def _build_answer(graph: Graph, municipality: str, asked: str, age: int, needs: list[str], as_of: dt.date,
                  candidates: Sequence[Candidate], *, explain: bool = False) -> ReferralAnswer:
    from tsunagu.queries.answers import Person, Reason, ReferralAnswer
    from tsunagu.queries.contacts import first_contact, prefecture_of, regional_centres
    from tsunagu.queries.sources import directory_date

    judged = [(c, judge(graph, c, age, needs, as_of)) for c in candidates]
    verdicts = {id(c): j for c, j in judged}
    kept = [(c, verdicts[id(c)]) for c in collapsed([c for c, j in judged if not j[4]])]
    missed = [(c, j) for c, j in judged if j[4]]

    def key(item: Judged) -> tuple[str, int, int, str, str]:
        c, j = item
        program = c["program"]
        return (j[0], LEVELS.index(c["level"]), c["hops"], _organisation(c)["name"] or "",
                (program.get("name") if program else None) or "")

    kept.sort(key=key)
    options = [_option(graph, c, j, rank) for rank, (c, j) in enumerate(kept, start=1)]
    data = graph.nodes[municipality]
    prefecture = prefecture_of(graph, municipality)
    place: AnsweredMunicipality = {"id": municipality, "name": data.get("name"), "code": data.get("code"),
             "prefecture": graph.nodes[prefecture].get("name") if prefecture else None}
    notes: list[Reason] = []
    steps: list[Reason] = []
    if asked not in (municipality, data.get("name"), data.get("code")) and asked in graph:
        ward = graph.nodes[asked]
        if "AdministrativeWard" in ward.get("types", ()):
            place["asked_for"] = {"id": asked, "name": ward.get("name"), "code": ward.get("code")}
            notes.append(Reason("answered-for-city", {"ward": ward.get("name"), "city": data.get("name")}))
    first = first_contact(graph, municipality)
    if first is None:
        notes.append(Reason("no-first-contact", {"municipality": data.get("name")}))
    local = [o for o in options if o.tier in ("a", "b") and o.level in ("municipality", "platform", "wide-area")]
    fallback: list[Option] = []
    if not local:
        notes.append(Reason("nothing-local", {"municipality": data.get("name")}))
        listed = {o.organisation.id for o in options if o.organisation} | {o.program.id for o in options if o.program}
        fallback = _fallback(graph, municipality, age, needs, as_of, listed)
    else:
        fallback = _nationwide_options(graph, municipality, age, needs, as_of, options)
    if not options and not fallback:
        notes.append(Reason("no-fit-at-all", {}))
    # every body and program is named (a curated record requires a name; a list row has one)
    coordinating = sorted(cast("set[str]", {_organisation(c)["name"] for c, j in missed
                                            if j[4][0].code == "coordinating" and set(needs) & c["covers"]}))
    if coordinating:
        notes.append(Reason("coordinating-left-out", {"names": coordinating}))
    if any(o.tier == "c" for o in options):
        notes.append(Reason("guess-flagged", {}))
    if first is not None:
        steps.append(Reason("next-call-first", {"name": first.place.name}))
    centres = regional_centres(graph, municipality)
    real = [c for c in centres if not graph.nodes[c].get("placeholder")]
    if real:
        steps.append(Reason("next-regional-centre", {"name": graph.nodes[real[0]].get("name")}))
    elif prefecture:
        from tsunagu.loaders.sources.where_to_look import where_to_look

        where: WhereToLook | None = where_to_look(["RegionalSupportCentre"])
        name = graph.nodes[prefecture].get("name")
        steps.append(Reason("next-regional-centre-where", {"prefecture": name, "publisher": where.publisher,
                                                           "title": where.title, "url": where.url})
                     if where else Reason("next-regional-centre-unknown", {"prefecture": name}))
    too_old = sorted(cast("set[str]", {(c["program"] or _organisation(c))["name"] for c, j in missed
                                       if len(j[4]) == 1 and j[4][0].code.startswith("age-outside")}))
    if too_old:
        steps.append(Reason("next-age-limit", {"names": too_old}))
    if fallback or not local:
        nationwide = _nationwide(graph, age, needs, as_of, fallback)
        if nationwide:
            steps.append(Reason("next-national", {"names": nationwide}))
    if "employment" in needs and age < WORKING_AGE:
        instead = _instead_of_work(graph, candidates, age, as_of, options + fallback,
                                   first.place.id if first is not None else None)
        fallback.extend(instead)
        first_window = instead[0].organisation if instead else None
        steps.append(Reason("next-under-working-age", {"name": first_window.name,
                                                       "telephone": first_window.contact.telephone}
                            if first_window else {}))
    near = None
    if explain:
        missed.sort(key=lambda item: (len(item[1][4]),) + key(item))
        near = [_option(graph, c, j, rank) for rank, (c, j) in enumerate(missed, start=1)]
    lists = graph.graph.get("lists") or []
    directory: Directory | None = {"as_of": directory_date(lists), "lists": list(lists)} if lists else None
    return ReferralAnswer(municipality=place, as_of=as_of.isoformat(), first_contact=first, options=options,
                          fallback=fallback, notes=notes, next_steps=steps, near_misses=near,
                          person=Person(age=age, needs=list(needs)), directory=directory)


def _named(option: Option) -> Place:
    """What an option names: its program, else its organisation (every option names one or the other)."""
    place = option.program or option.organisation
    assert place is not None
    return place


def _organisation(candidate: Candidate) -> OrganisationRef:
    """A candidate's organisation: every reached one has one (at worst the municipality on its path)."""
    organisation = candidate["organisation"]
    assert organisation is not None
    return organisation
