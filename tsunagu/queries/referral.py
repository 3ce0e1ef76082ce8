"""Referral paths for a caseworker: who a person can be connected to, and through whom.

:func:`referrals` answers "a 45-year-old in いの町 whose family asks for help
with employment" with a ranked list of organisations and programs, each with
its path through the graph, the level it is reached at, and why it fits.
"""

from __future__ import annotations

from tsunagu.exceptions import TsunaguError
from tsunagu.graph.names import normalise_name, resolve
from tsunagu.queries.reach import LEVELS, nation_nodes, reach

__all__ = ["referrals", "referral_candidates", "resolve_needs", "resolve_municipality", "age_text", "age_fit"]

_PROVIDER_TYPES = {"Organisation", "ConsultationWindow"}


def resolve_municipality(graph, text):
    return resolve(graph, text, types={"Municipality"})


def resolve_needs(graph, needs):
    """Domain notations for ``needs`` given as keys, Japanese or English labels."""
    labels = graph.graph["domain_labels"]
    resolved = []
    for need in needs:
        notation = labels.get(normalise_name(need))
        if notation is None:
            known = ", ".join(sorted({v for v in labels.values()}))
            raise TsunaguError(f"unknown need '{need}'; use one of: {known} (or their Japanese names)")
        if notation not in resolved:
            resolved.append(notation)
    if not resolved:
        raise TsunaguError("give at least one need (--need employment, --need 居場所, ...)")
    return resolved


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


def referral_candidates(graph, municipality):
    """What a referral from ``municipality`` chooses among, with everything that does not
    depend on the person: route, organisation, domains (with their broader
    concepts), age range and the area check. Precomputed at build time."""
    cached = graph.graph.get("candidate_cache", {}).get(municipality)
    if cached is not None:
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
        explicit = data.get("domains") or []
        domains, how = (explicit, "stated") if explicit else (data.get("type_domains") or [], "typical of " + data["kind"])
        served = {t for _, t, k in graph.out_edges(reached.node, keys=True) if k == "servesArea"}
        area_excluded = area_reason = None
        if served and not served & areas_ok:
            names = ", ".join(sorted(graph.nodes[a].get("name", a) for a in served))
            area_excluded = f"does not serve {place} (serves {names})"
        elif served:
            area_reason = "serves " + ", ".join(sorted(graph.nodes[a].get("name", a) for a in served & areas_ok))
        else:
            via = reached.path[1] if len(reached.path) > 1 else reached.path[0]
            area_reason = f"reached through {via.name} ({reached.level} level)"
        candidates.append({
            "organisation": _entry(graph, _organisation_of(graph, reached) if is_program else reached.node),
            "program": {"id": reached.node, "name": data.get("name")} if is_program else None,
            "level": reached.level, "hops": reached.hops, "path": [hop.as_dict() for hop in reached.path],
            "domains": domains, "how": how, "covers": frozenset(a for d in domains for a in broader.get(d, (d,))),
            "age": age_text(data), "age_stated": bool(data.get("age_stated")),
            "age_min": data.get("age_min"), "age_max": data.get("age_max"),
            "area_reason": area_reason, "area_excluded": area_excluded,
            "rank_key": (reached.hops, LEVELS.index(reached.level)),
        })
    return candidates


def _evaluate(candidate, age, needs):
    """One answer row (kept, or excluded with why) for one candidate and one person."""
    matched = [need for need in needs if need in candidate["covers"]]
    fits_age, age_reason, flag = age_fit(candidate, age)
    reasons, excluded = [], []
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


def referrals(graph, municipality, age, needs, *, explain=False, collapse=True):
    """Ranked referral options for a person of ``age`` with ``needs`` in ``municipality``.

    ``municipality`` is a node id (see :func:`resolve_municipality`), ``needs``
    domain notations (see :func:`resolve_needs`). Returns ``{"matches": [...]}``
    and, with ``explain``, ``"near_misses"``: what was reached but excluded, and why.
    Closer first: fewer hops, then the more local level, then the better fit
    (a stated domain and age range over a typical or unstated one).
    ``collapse=False`` keeps an organisation's own row even when a program of
    its is listed (the shipped SPARQL query lists both).
    """
    if not 0 <= age <= 130:
        raise TsunaguError(f"age {age} is not between 0 and 130")
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
