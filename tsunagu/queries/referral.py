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

from tsunagu.exceptions import InvalidAge, NotAMunicipality, TsunaguError, UnknownNeed
from tsunagu.rules.names import normalise_name, resolve
from tsunagu.rules.judge import (collapsed, WORKING_AGE, age_range, age_text, cohort_of, domain_pair, judge,
                                 kind_pair, referral_candidates, supports_person)
from tsunagu.rules.reach import LEVELS

__all__ = [
    "referrals", "referral_answer", "resolve_needs", "need_notations", "resolve_municipality", "age_fit",
]

_PROVIDER_TYPES = {"Organisation", "ConsultationWindow"}
_PLATFORM_TYPES = {"MunicipalPlatform", "WideAreaPlatform", "PrefecturalPlatform"}

# Nationwide networks a caseworker can look up when nothing local fits (issue 11: the nation's
# options): Hello Work and サポステ for employment, KHJ family associations for family support.
_NATIONWIDE = {"employment": ("HelloWork", "YouthSupportStation"), "family-support": ("FamilyAssociation",)}


def resolve_municipality(graph, text):
    """The municipality node ``text`` names (name, kana, code or id); a ward answers for its city.

    Raises :class:`~tsunagu.exceptions.NameNotFound` (with close matches),
    :class:`~tsunagu.exceptions.AmbiguousName`, or
    :class:`~tsunagu.exceptions.NotAMunicipality` for a prefecture or
    another entity.
    """
    if text in graph and "Municipality" in graph.nodes[text].get("types", ()):
        return text
    try:
        return resolve(graph, text, types={"Municipality"})
    except TsunaguError as error:
        try:
            node = resolve(graph, text)
        except TsunaguError:
            raise error from None
        data = graph.nodes[node]
        city = _city_of_ward(graph, node)
        if city:
            return city
        raise NotAMunicipality(text, node, data.get("kind"), data.get("name")) from None


def _city_of_ward(graph, node):
    if "AdministrativeWard" not in graph.nodes[node].get("types", ()):
        return None
    cities = [t for _, t, k in graph.out_edges(node, keys=True) if k == "partOfMunicipality"]
    return cities[0] if cities else None


def resolve_needs(graph, needs):
    """Domain notations for ``needs`` given as keys, Japanese or English labels.

    Raises :class:`~tsunagu.exceptions.UnknownNeed` for a need that names no
    support domain, and when no need is given.
    """
    return list(need_notations(graph.graph["domain_labels"], needs))


def need_notations(labels, needs):
    """Domain notations, in order and once each, for ``needs`` (a str or several) looked up in
    ``labels`` (normalised key, Japanese or English label -> notation); :class:`UnknownNeed` otherwise.

    >>> need_notations({"employment": "employment", "雇用": "employment"}, ["雇用", "employment"])
    ('employment',)
    """
    if isinstance(needs, str):
        needs = [needs]
    known = sorted(set(labels.values()))
    resolved = []
    for need in needs:
        notation = labels.get(normalise_name(need))
        if notation is None:
            raise UnknownNeed(need, known)
        if notation not in resolved:
            resolved.append(notation)
    if not resolved:
        raise UnknownNeed("", known)
    return tuple(resolved)


def age_fit(data, age):
    """(fits, reason, flag) for a person of ``age`` against a node's age range.

    A missing maximum is open-ended (windows take anyone); a missing minimum
    is not stated, so the age is taken as fitting but flagged.
    """
    if not data.get("age_stated"):
        return True, "age range not stated", "age range not stated"
    low, high = data.get("age_min"), data.get("age_max")
    text = age_text(data)
    if high is not None and age > high:
        return False, f"age {age} outside {text}", None
    if low is not None and age < low:
        return False, f"age {age} outside {text}", None
    if low is None:
        return True, f"age {age} within up to {high} (lower bound not stated)", "lower age bound not stated"
    return True, f"age {age} within {text}", None



def _evaluate(candidate, age, needs):
    """One answer row (kept, or excluded with why) for one candidate and one person."""
    matched = [need for need in needs if need in candidate["covers"]]
    fits_age, age_reason, flag = age_fit(candidate, age)
    reasons, excluded = [], []
    if not supports_person(candidate):
        excluded.append(f"coordinating body ({candidate['organisation']['kind']}): not a referral for a person")
    if matched:
        reasons.append(f"covers {', '.join(matched)} ({candidate['how']})")
    else:
        excluded.append(f"domain not covered (covers: {', '.join(candidate['domains']) or 'nothing stated'})")
    (reasons if fits_age else excluded).append(age_reason)
    if candidate["area_excluded"]:
        excluded.append(candidate["area_excluded"])
    else:
        reasons.append(candidate["area_reason"])
    score = (2 if candidate["how"] == "stated" else 1) * bool(matched) + (2 if candidate["age_stated"] and flag is None else 1)
    return {
        "organisation": candidate["organisation"], "program": candidate["program"], "level": candidate["level"],
        "hops": candidate["hops"], "path": candidate["path"], "matched": matched, "age": candidate["age"],
        "flags": [flag] if flag and fits_age else [], "reasons": reasons, "excluded_because": excluded,
        "_key": candidate["rank_key"] + (-score, candidate["organisation"]["name"] or "",
                                         (candidate["program"] or {}).get("name") or ""),
    }


def _check_municipality(graph, municipality):
    if municipality not in graph:
        return resolve_municipality(graph, municipality)
    data = graph.nodes[municipality]
    if "Municipality" not in data.get("types", ()):
        city = _city_of_ward(graph, municipality)
        if city:
            return city
        raise NotAMunicipality(municipality, municipality, data.get("kind"), data.get("name"))
    return municipality


def _check_age(age):
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise InvalidAge(age)


def referrals(graph, municipality, age, needs, *, explain=False, collapse=True):
    """Reached organisations and programs that fit a person of ``age`` with ``needs``: the plain listing.

    ``municipality`` is a node id (see :func:`resolve_municipality`), ``needs``
    domain notations (see :func:`resolve_needs`). Returns ``{"matches": [...]}``
    and, with ``explain``, ``"near_misses"``: what was reached but excluded, and why.
    Closer first: fewer hops, then the more local level, then the better fit.
    Coordinating bodies are never a match. ``collapse=False`` keeps an
    organisation's own row even when a program of its is listed (the shipped
    SPARQL query lists both). :func:`referral_answer` is the caseworker's answer.
    """
    _check_age(age)
    municipality = _check_municipality(graph, municipality)
    needs = resolve_needs(graph, needs)
    rows = [_evaluate(candidate, age, needs) for candidate in referral_candidates(graph, municipality)]
    kept = [row for row in rows if not row["excluded_because"]]
    # An organisation matched through a program of its own is listed with the
    # program; listing the bare organisation again would say the same thing.
    if collapse:
        via_program = {(row["organisation"] or {}).get("id") for row in kept if row["program"]}
        kept = [row for row in kept if row["program"] or row["organisation"]["id"] not in via_program]
    missed = [row for row in rows if row["excluded_because"]]
    kept.sort(key=lambda row: row["_key"])
    # the nearest misses first: one reason to exclude before several
    missed.sort(key=lambda row: (len(row["excluded_because"]),) + row["_key"])
    for group, drop in ((kept, "excluded_because"), (missed, "flags")):
        for rank, row in enumerate(group, start=1):
            row["rank"] = rank
            del row["_key"], row[drop]
    result = {"matches": kept}
    if explain:
        result["near_misses"] = missed
    return result


def referral_answer(graph, municipality, age, needs, *, as_of=None, explain=False):
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

    Returns
    -------
    ReferralAnswer

    Raises
    ------
    NameNotFound, AmbiguousName, NotAMunicipality, UnknownNeed, InvalidAge

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
    _check_age(age)
    asked = municipality
    municipality = _check_municipality(graph, municipality)
    needs = resolve_needs(graph, needs)
    as_of = as_of or dt.date.today()
    candidates = referral_candidates(graph, municipality)
    return _build_answer(graph, municipality, asked, age, needs, as_of, candidates, explain=explain)


def _option(graph, candidate, judged, rank=0):
    from tsunagu.queries.answers import Option
    from tsunagu.queries.contacts import place_of, platform_through

    tier, matched, reasons, flags, excluded, rng = judged
    organisation = candidate["organisation"]
    through = [platform_through(graph, hop["id"]) for hop in candidate["path"]
               if hop["id"] in graph and set(graph.nodes[hop["id"]].get("types", ())) & _PLATFORM_TYPES]
    labels = graph.graph.get("relation_labels", {})
    path = [dict(hop, label=list(labels.get(hop["relation"], (hop["relation"], hop["relation"]))))
            if hop["relation"] else dict(hop) for hop in candidate["path"]]
    return Option(
        rank=rank, tier=tier,
        organisation=place_of(graph, organisation["id"]) if organisation else None,
        program=place_of(graph, candidate["program"]["id"]) if candidate["program"] else None,
        level=candidate["level"], hops=candidate["hops"], path=path,
        age=dict(rng), needs=matched, reasons=reasons, flags=flags, excluded=excluded, through=through)


def _fallback(graph, municipality, age, needs, as_of, listed):
    """The prefecture's regional support centre(s) and the nation's schemes fitting the need."""
    from tsunagu.queries.answers import Option, Reason
    from tsunagu.queries.contacts import place_of, regional_centres

    options = []
    for centre in regional_centres(graph, municipality):
        if centre in listed:
            continue
        kind = graph.nodes[centre].get("kind")
        options.append(Option(
            rank=0, tier="b", organisation=place_of(graph, centre), program=None, level="prefecture", hops=0,
            path=[], age={"min": None, "max": None, "basis": "unstated"}, needs=[],
            reasons=[Reason("domain-purpose", {"needs": [domain_pair(graph, "consultation"), domain_pair(graph, "outreach")],
                                               "type": kind_pair(graph, kind)})],
            flags=[Reason("placeholder", {})] if graph.nodes[centre].get("placeholder") else []))
    broader = graph.graph["domain_broader"]
    for node, data in sorted(graph.nodes(data=True)):
        if data.get("kind") != "NationalScheme" or not data.get("deliveredByType") or node in listed:
            continue
        covers = {a for d in data.get("domains") or () for a in broader.get(d, (d,))}
        matched = [n for n in needs if n in covers and not (n == "employment" and age < WORKING_AGE)]
        if not matched:
            continue
        candidate = {"cohort": cohort_of(node, data), "age_stated": bool(data.get("age_stated")),
                     "age_min": data.get("age_min"), "age_max": data.get("age_max")}
        rng = age_range(candidate, as_of)
        if (rng["min"] is not None and age < rng["min"]) or (rng["max"] is not None and age > rng["max"]):
            continue
        options.append(Option(
            rank=0, tier="b", organisation=None, program=place_of(graph, node), level="national", hops=0, path=[],
            age=rng, needs=matched,
            reasons=[Reason("domain-purpose", {"needs": [domain_pair(graph, n) for n in matched],
                                               "type": kind_pair(graph, data["deliveredByType"])})],
            flags=[Reason("placeholder", {})]))
    return options


def _nationwide(graph, age, needs, as_of, fallback):
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


def _build_answer(graph, municipality, asked, age, needs, as_of, candidates, *, explain=False):
    from tsunagu.queries.answers import Person, Reason, ReferralAnswer
    from tsunagu.queries.contacts import first_contact, prefecture_of, regional_centres
    from tsunagu.queries.sources import directory_date

    judged = [(c, judge(graph, c, age, needs, as_of)) for c in candidates]
    verdicts = {id(c): j for c, j in judged}
    kept = [(c, verdicts[id(c)]) for c in collapsed([c for c, j in judged if not j[4]])]
    missed = [(c, j) for c, j in judged if j[4]]

    def key(item):
        c, j = item
        return (j[0], LEVELS.index(c["level"]), c["hops"], c["organisation"]["name"] or "",
                (c["program"] or {}).get("name") or "")

    kept.sort(key=key)
    options = [_option(graph, c, j, rank) for rank, (c, j) in enumerate(kept, start=1)]
    data = graph.nodes[municipality]
    prefecture = prefecture_of(graph, municipality)
    place = {"id": municipality, "name": data.get("name"), "code": data.get("code"),
             "prefecture": graph.nodes[prefecture].get("name") if prefecture else None}
    notes, steps = [], []
    if asked not in (municipality, data.get("name"), data.get("code")) and asked in graph:
        ward = graph.nodes[asked]
        if "AdministrativeWard" in ward.get("types", ()):
            place["asked_for"] = {"id": asked, "name": ward.get("name"), "code": ward.get("code")}
            notes.append(Reason("answered-for-city", {"ward": ward.get("name"), "city": data.get("name")}))
    first = first_contact(graph, municipality)
    if first is None:
        notes.append(Reason("no-first-contact", {"municipality": data.get("name")}))
    local = [o for o in options if o.tier in ("a", "b") and o.level in ("municipality", "platform", "wide-area")]
    fallback = []
    if not local:
        notes.append(Reason("nothing-local", {"municipality": data.get("name")}))
        listed = {o.organisation.id for o in options if o.organisation} | {o.program.id for o in options if o.program}
        fallback = _fallback(graph, municipality, age, needs, as_of, listed)
    if not options and not fallback:
        notes.append(Reason("no-fit-at-all", {}))
    coordinating = sorted({c["organisation"]["name"] for c, j in missed
                           if j[4][0].code == "coordinating" and set(needs) & c["covers"]})
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
        steps.append(Reason("next-regional-centre-unknown", {"prefecture": graph.nodes[prefecture].get("name")}))
    too_old = sorted({(c["program"] or c["organisation"])["name"] for c, j in missed
                      if len(j[4]) == 1 and j[4][0].code.startswith("age-outside")})
    if too_old:
        steps.append(Reason("next-age-limit", {"names": too_old}))
    if fallback or not local:
        nationwide = _nationwide(graph, age, needs, as_of, fallback)
        if nationwide:
            steps.append(Reason("next-national", {"names": nationwide}))
    if "employment" in needs and age < WORKING_AGE:
        steps.append(Reason("next-under-working-age", {}))
    near = None
    if explain:
        missed.sort(key=lambda item: (len(item[1][4]),) + key(item))
        near = [_option(graph, c, j, rank) for rank, (c, j) in enumerate(missed, start=1)]
    lists = graph.graph.get("lists") or []
    directory = {"as_of": directory_date(lists), "lists": list(lists)} if lists else None
    return ReferralAnswer(municipality=place, as_of=as_of.isoformat(), first_contact=first, options=options,
                          fallback=fallback, notes=notes, next_steps=steps, near_misses=near,
                          person=Person(age=age, needs=list(needs)), directory=directory)
