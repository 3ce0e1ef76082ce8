"""Referral answers for a caseworker: whom to call first, and which organisations fit, through whom.

:func:`referral_answer` answers "a 45-year-old in いの町 whose family asks
for help with employment" with a :class:`~tsunagu.queries.answers.ReferralAnswer`:
the first contact in the person's municipality (最初の相談先), then the
options ranked by fit before distance, each with its contact, path and the
platform secretariat it goes through. :func:`referrals` is the plain
reach-and-fit listing the shipped SPARQL query restates.

The rules, once:

* **Who is a match** (:func:`supports_person`): an organisation whose class
  carries ``tg:supportRole tg:DirectSupport``; coordinating members
  (経済団体, 商工会, 労働局, prefectural departments, review committees,
  professional associations, police, fire service, law offices) never are.
* **Ages** (:func:`age_range`): a stated range wins; else an organisation
  inherits the range of the national scheme that defines its type (every
  サポステ: up to 49); a cohort scheme (就職氷河期世代) has a range that
  moves with the date asked (:func:`cohort_range`). Employment support starts
  at 15, the end of compulsory schooling.
* **Tiers**: (a) a stated domain and a stated (or inherited, or cohort)
  age range fit; (b) the organisation exists for this need (a scheme it
  runs, or its type's purpose in the seeds) or a program states the need
  but not its ages; (c) a guess from the type's typical domain, flagged.
  Within a tier the more local level first, then fewer hops.
"""

from __future__ import annotations

import datetime as dt

from tsunagu.exceptions import InvalidAge, NotAMunicipality, TsunaguError, UnknownNeed
from tsunagu.graph.names import normalise_name, resolve
from tsunagu.queries.reach import LEVELS, nation_nodes, reach

__all__ = [
    "referrals", "referral_answer", "referral_candidates", "resolve_needs", "need_notations", "resolve_municipality",
    "supports_person", "age_text", "age_fit", "age_range", "cohort_range", "COHORTS", "WORKING_AGE",
]

_PROVIDER_TYPES = {"Organisation", "ConsultationWindow"}
_PLATFORM_TYPES = {"MunicipalPlatform", "WideAreaPlatform", "PrefecturalPlatform"}

# Employment support starts when compulsory schooling ends (労働基準法 56条: not before
# the March after the 15th birthday); a 12-year-old is not sent to Hello Work or サポステ.
WORKING_AGE = 15

# Cohort schemes: their target is people who left school in given years, so the ages move with
# the date asked. 002: 概ね1993年～2004年に学校卒業期を迎えた世代（2020年4月現在、大卒で概ね38～49歳、
# 高卒で概ね34歳～45歳）.
COHORTS = {
    "ice-age": {
        "name": ("就職氷河期世代", "employment ice-age generation"),
        "left_school": (1993, 2004),
        "reference": dt.date(2020, 4, 1),
        "ages": (34, 49),  # high-school leavers' youngest to graduates' oldest, April 2020
        "source": "002_551d311390b905b2.txt",
    },
}
# Programs targeting a cohort, by curated id (a node may also say ``cohort`` itself).
_COHORT_PROGRAMS = {"jp-hello-work-ice-age-window": "ice-age"}

# Types that exist for a need without a scheme record in the data (tier b, not a guess):
# 家族会 for family support (003, 講習会・家族会), the regional support centre's outreach
# and consultation (002/003: specialised window, multi-professional team), Hello Work and
# サポステ for employment, the self-reliance agency for consultation, welfare, outreach (002).
_PURPOSE = {
    "FamilyAssociation": ("family-support",),
    "RegionalSupportCentre": ("consultation", "outreach"),
    "HelloWork": ("employment",),
    "YouthSupportStation": ("employment",),
    "SelfRelianceSupportAgency": ("consultation", "welfare", "outreach"),
    "EmploymentReadinessSupportAgency": ("employment",),
    "ConsultationWindow": ("consultation",),
}

# Nationwide networks a caseworker can look up when nothing local fits (issue 11: the nation's
# options): Hello Work and サポステ for employment, KHJ family associations for family support.
_NATIONWIDE = {"employment": ("HelloWork", "YouthSupportStation"), "family-support": ("FamilyAssociation",)}


def supports_person(data):
    """Whether a node can be a match for a person: not a coordinating body.

    The one rule for "who is a match" (referral answers and coverage both
    call it). Programs, windows and organisations of direct-support classes
    pass; members that coordinate, fund or build momentum do not.

    Examples
    --------
    >>> supports_person({"role": "coordinating"})
    False
    >>> supports_person({"role": "direct"}), supports_person({"types": ["Program"]})
    (True, True)
    """
    return data.get("role") != "coordinating"


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


def age_text(data):
    """``15-39``, ``-49`` (minimum not stated), ``0-`` (no maximum), or ``not stated``."""
    if not data.get("age_stated"):
        return "not stated"
    low, high = data.get("age_min"), data.get("age_max")
    return f"{'' if low is None else low}-{'' if high is None else high}"


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


def cohort_range(cohort, as_of):
    """(youngest, oldest) age of a cohort on the date ``as_of``.

    Examples
    --------
    >>> import datetime as dt
    >>> cohort_range("ice-age", dt.date(2020, 4, 1))
    (34, 49)
    >>> cohort_range("ice-age", dt.date(2026, 3, 31)), cohort_range("ice-age", dt.date(2026, 4, 1))
    ((39, 54), (40, 55))
    """
    spec = COHORTS[cohort]
    reference = spec["reference"]
    years = as_of.year - reference.year - ((as_of.month, as_of.day) < (reference.month, reference.day))
    low, high = spec["ages"]
    return low + years, high + years


def age_range(candidate, as_of):
    """The age range that applies to a candidate on ``as_of``: ``{"min", "max", "basis", ...}``.

    ``basis`` is ``stated`` (its own), ``inherited`` (the scheme defining its
    type, named in ``scheme``), ``cohort`` (a cohort's ages that year) or
    ``unstated``.
    """
    if candidate.get("cohort"):
        low, high = cohort_range(candidate["cohort"], as_of)
        return {"min": low, "max": high, "basis": "cohort", "cohort": candidate["cohort"], "year": as_of.year}
    if candidate["age_stated"]:
        return {"min": candidate["age_min"], "max": candidate["age_max"], "basis": "stated"}
    for scheme in candidate.get("defining", ()):
        return {"min": scheme["age_min"], "max": scheme["age_max"], "basis": "inherited",
                "scheme": scheme["name"], "scheme_id": scheme["id"]}
    return {"min": None, "max": None, "basis": "unstated"}


def _entry(graph, node):
    return None if node is None else {"id": node, "name": graph.nodes[node].get("name"), "kind": graph.nodes[node].get("kind")}


def _organisation_of(graph, reached):
    """Whom to contact for a reached program: its entrustee, else the organisation on the path."""
    node = reached.node
    entrusted = sorted(t for _, t, k in graph.out_edges(node, keys=True) if k == "entrustedTo")
    if entrusted:
        return entrusted[0]
    for hop in reversed(reached.path[:-1]):
        if set(graph.nodes[hop.id]["types"]) & ({"Organisation", "Prefecture", "Municipality"} | _PROVIDER_TYPES):
            return hop.id
    runners = sorted(s for s, _, k in graph.in_edges(node, keys=True) if k == "runs")
    return runners[0] if runners else None


def _cohort_of(node, data):
    return data.get("cohort") or _COHORT_PROGRAMS.get(node)


def _schemes_of(graph, organisation):
    """(covered needs, defining schemes) of an organisation from the programs it runs.

    A scheme *defines* the organisation when the scheme is delivered by the
    organisation's own type (サポステ and the サポステ programme); its stated
    ages then apply to the organisation. A cohort scheme lends neither.
    """
    if organisation is None:
        return frozenset(), []
    data = graph.nodes[organisation]
    broader = graph.graph["domain_broader"]
    types = set(data.get("types", ()))
    covers, defining = set(), []
    for _, program, key in graph.out_edges(organisation, keys=True):
        if key != "runs" or "Program" not in graph.nodes[program].get("types", ()):
            continue
        scheme = graph.nodes[program]
        if _cohort_of(program, scheme):
            continue
        covers.update(a for d in scheme.get("domains") or () for a in broader.get(d, (d,)))
        if scheme.get("deliveredByType") in types and scheme.get("age_stated"):
            defining.append({"id": program, "name": scheme.get("name"), "age_min": scheme.get("age_min"),
                             "age_max": scheme.get("age_max")})
    for kind, needs in _PURPOSE.items():
        if kind in types:
            covers.update(a for d in needs for a in broader.get(d, (d,)))
    defining.sort(key=lambda s: s["id"])
    return frozenset(covers), defining


def referral_candidates(graph, municipality):
    """What a referral from ``municipality`` chooses among, with everything that does not
    depend on the person: route, organisation, role, domains (with their broader
    concepts), scheme and purpose, age range and the area check. Precomputed at build time."""
    cached = graph.graph.get("candidate_cache", {}).get(municipality)
    if cached is not None and (not cached or "scheme_covers" in cached[0]):
        return cached
    broader = graph.graph["domain_broader"]
    areas_ok = {municipality} | {t for _, t, k in graph.out_edges(municipality, keys=True) if k == "partOfPrefecture"}
    areas_ok |= set(nation_nodes(graph))
    place = graph.nodes[municipality]["name"]
    candidates = []
    for reached in reach(graph, municipality):
        data = graph.nodes[reached.node]
        if not set(data["types"]) & (_PROVIDER_TYPES | {"Program"}):
            continue
        is_program = "Program" in data["types"]
        organisation = _organisation_of(graph, reached) if is_program else reached.node
        org_data = graph.nodes[organisation] if organisation else {}
        explicit = data.get("domains") or []
        domains, how = (explicit, "stated") if explicit else (data.get("type_domains") or [], "typical of " + data["kind"])
        served = {t for _, t, k in graph.out_edges(reached.node, keys=True) if k == "servesArea"}
        area_excluded = area_reason = None
        served_names = sorted(graph.nodes[a].get("name", a) for a in served)
        if served and not served & areas_ok:
            area_excluded = f"does not serve {place} (serves {', '.join(served_names)})"
        elif served:
            area_reason = "serves " + ", ".join(sorted(graph.nodes[a].get("name", a) for a in served & areas_ok))
        else:
            via = reached.path[1] if len(reached.path) > 1 else reached.path[0]
            area_reason = f"reached through {via.name} ({reached.level} level)"
        scheme_covers, defining = _schemes_of(graph, None if is_program else organisation)
        candidates.append({
            "node": reached.node,
            "organisation": _entry(graph, organisation),
            "program": {"id": reached.node, "name": data.get("name")} if is_program else None,
            "role": data.get("role") if not is_program else org_data.get("role"),
            "types": sorted(org_data.get("types", ())) if organisation else [],
            "level": reached.level, "hops": reached.hops, "path": [hop.as_dict() for hop in reached.path],
            "domains": domains, "how": how, "covers": frozenset(a for d in domains for a in broader.get(d, (d,))),
            "stated_covers": frozenset(a for d in explicit for a in broader.get(d, (d,))),
            "scheme_covers": scheme_covers, "defining": defining,
            "cohort": _cohort_of(reached.node, data) if is_program else None,
            "age": age_text(data), "age_stated": bool(data.get("age_stated")),
            "age_min": data.get("age_min"), "age_max": data.get("age_max"),
            "area_reason": area_reason, "area_excluded": area_excluded,
            "served": sorted(served & areas_ok), "served_names": served_names,
            "rank_key": (reached.hops, LEVELS.index(reached.level)),
        })
    return candidates


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
    >>> from tsunagu.graph import compile_graph
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


_BASIS_ORDER = {"stated": 0, "scheme": 1, "typical": 2}


def _pair(graph, notation):
    node = f"domain:{notation}"
    data = graph.nodes[node] if node in graph else {}
    return (data.get("name") or notation, data.get("name_en") or notation)


def _kind_pair(graph, kind):
    labels = graph.graph.get("class_labels", {}).get(kind)
    return tuple(labels) if labels else (kind, kind)


def _judge(graph, candidate, age, needs, as_of):
    """(tier, matched, reasons, flags, excluded, age range) of one candidate for one person."""
    from tsunagu.queries.answers import Reason

    kind = (candidate["organisation"] or {}).get("kind") or ""
    excluded, reasons, flags = [], [], []
    if not supports_person(candidate):
        excluded.append(Reason("coordinating", {"type": _kind_pair(graph, kind)}))
    bases = {}
    for need in needs:
        if need in candidate["stated_covers"]:
            bases[need] = "stated"
        elif need in candidate["scheme_covers"]:
            bases[need] = "scheme"
        elif need in candidate["covers"]:
            bases[need] = "typical"
    if "employment" in bases and age < WORKING_AGE:
        del bases["employment"]
        (flags if bases else excluded).append(Reason("below-working-age", {"age": age}))
    rng = age_range(candidate, as_of)
    if bases:
        best = min(bases.values(), key=_BASIS_ORDER.get)
        names = [_pair(graph, n) for n in needs if bases.get(n) == best]
        code = {"stated": "domain-stated", "scheme": "domain-purpose", "typical": "domain-typical"}[best]
        reasons.append(Reason(code, {"needs": names, "type": _kind_pair(graph, kind)}))
        if best == "typical":
            flags.append(Reason("domain-typical", {"needs": names, "type": _kind_pair(graph, kind)}))
    elif not excluded or excluded[-1].code != "below-working-age":
        best = None
        excluded.append(Reason("domain-not-covered", {"domains": [_pair(graph, d) for d in candidate["domains"]]}))
    else:
        best = None
    low, high = rng["min"], rng["max"]
    fits = (low is None or age >= low) and (high is None or age <= high)
    params = {"age": age, "min": low, "max": high}
    if rng["basis"] == "cohort":
        params.update(cohort=COHORTS[rng["cohort"]]["name"], year=rng["year"])
        (reasons if fits else excluded).append(Reason("age-cohort" if fits else "age-outside-cohort", params))
    elif rng["basis"] == "inherited":
        params.update(scheme=rng["scheme"])
        (reasons if fits else excluded).append(Reason("age-inherited" if fits else "age-outside-inherited", params))
    elif rng["basis"] == "stated":
        (reasons if fits else excluded).append(Reason("age-stated" if fits else "age-outside", params))
        if fits and low is None:
            flags.append(Reason("age-lower-unstated", {}))
    else:
        flags.append(Reason("age-unstated", {}))
    if candidate["area_excluded"]:
        excluded.append(Reason("area-not-served", {"municipality": graph.nodes[candidate["path"][0]["id"]].get("name"),
                                                   "areas": candidate["served_names"]}))
    elif candidate["served"] and not set(candidate["served"]) <= set(nation_nodes(graph)):
        reasons.append(Reason("area-serves", {"areas": [graph.nodes[a].get("name", a) for a in candidate["served"]]}))
    else:
        via = candidate["path"][1] if len(candidate["path"]) > 1 else candidate["path"][0]
        reasons.append(Reason("area-through", {"via": via["name"], "level": candidate["level"]}))
    if best is None:
        tier = "c"
    elif best == "stated":
        tier = "a" if rng["basis"] != "unstated" else "b"
    else:
        tier = "b" if best == "scheme" else "c"
    return tier, sorted(bases), reasons, flags, excluded, rng


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
            reasons=[Reason("domain-purpose", {"needs": [_pair(graph, "consultation"), _pair(graph, "outreach")],
                                               "type": _kind_pair(graph, kind)})],
            flags=[Reason("placeholder", {})] if graph.nodes[centre].get("placeholder") else []))
    broader = graph.graph["domain_broader"]
    for node, data in sorted(graph.nodes(data=True)):
        if data.get("kind") != "NationalScheme" or not data.get("deliveredByType") or node in listed:
            continue
        covers = {a for d in data.get("domains") or () for a in broader.get(d, (d,))}
        matched = [n for n in needs if n in covers and not (n == "employment" and age < WORKING_AGE)]
        if not matched:
            continue
        candidate = {"cohort": _cohort_of(node, data), "age_stated": bool(data.get("age_stated")),
                     "age_min": data.get("age_min"), "age_max": data.get("age_max")}
        rng = age_range(candidate, as_of)
        if (rng["min"] is not None and age < rng["min"]) or (rng["max"] is not None and age > rng["max"]):
            continue
        options.append(Option(
            rank=0, tier="b", organisation=None, program=place_of(graph, node), level="national", hops=0, path=[],
            age=rng, needs=matched,
            reasons=[Reason("domain-purpose", {"needs": [_pair(graph, n) for n in matched],
                                               "type": _kind_pair(graph, data["deliveredByType"])})],
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
            if data is not None and not _cohort_of(node, data) and data.get("age_stated"):
                low, high = data.get("age_min"), data.get("age_max")
                if (low is not None and age < low) or (high is not None and age > high):
                    continue
            elif kind == "YouthSupportStation" and data is None:
                continue  # サポステ has an upper age (49, 002): not named without its scheme's record
            names.append(_kind_pair(graph, kind))
    return names


def _build_answer(graph, municipality, asked, age, needs, as_of, candidates, *, explain=False):
    from tsunagu.queries.answers import Person, Reason, ReferralAnswer
    from tsunagu.queries.contacts import first_contact, prefecture_of, regional_centres
    from tsunagu.queries.sources import directory_date

    judged = [(c, _judge(graph, c, age, needs, as_of)) for c in candidates]
    kept = [(c, j) for c, j in judged if not j[4]]
    missed = [(c, j) for c, j in judged if j[4]]
    # An organisation listed with a program of its own says the same thing twice.
    via_program = {(c["organisation"] or {}).get("id") for c, _ in kept if c["program"]}
    kept = [(c, j) for c, j in kept if c["program"] or c["organisation"]["id"] not in via_program]

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
