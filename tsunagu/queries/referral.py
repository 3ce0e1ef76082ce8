"""Referral paths for a caseworker: who a person can be connected to, and through whom.

:func:`referrals` answers "a 45-year-old in いの町 whose family asks for help
with employment" with a ranked list of organisations and programs, each with
its path through the graph, the level it is reached at, and why it fits.
"""

from __future__ import annotations

from tsunagu.exceptions import TsunaguError
from tsunagu.graph.names import normalise_name, resolve
from tsunagu.queries.reach import LEVELS, reach

__all__ = ["Referral", "referrals", "resolve_needs", "resolve_municipality", "age_text", "age_fit"]

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


def _served_areas(graph, node):
    return {t for _, t, k in graph.out_edges(node, keys=True) if k == "servesArea"}


def _domain_match(graph, node, needs):
    """(matched needs, how): explicit domains first, else the organisation type's typical ones."""
    broader = graph.graph["domain_broader"]
    data = graph.nodes[node]
    explicit = data.get("domains") or []
    domains, how = (explicit, "stated") if explicit else (data.get("type_domains") or [], "typical of " + data["kind"])
    matched = [need for need in needs if any(need in broader.get(d, (d,)) for d in domains)]
    return matched, how, domains


class Referral(dict):
    """One answer row: a plain dict (JSON-ready) with a sort key."""

    def sort_key(self):
        return (self["hops"], LEVELS.index(self["level"]), -self["_score"], self["organisation"]["name"] or "",
                (self["program"] or {}).get("name") or "")


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


def _entry(graph, node):
    return None if node is None else {"id": node, "name": graph.nodes[node].get("name"), "kind": graph.nodes[node].get("kind")}


def _evaluate(graph, reached, municipality, age, needs, areas_ok):
    """A :class:`Referral` (kept or excluded) for one reached program or organisation."""
    node = reached.node
    data = graph.nodes[node]
    is_program = "Program" in data["types"]
    organisation = _organisation_of(graph, reached) if is_program else node
    matched, how, domains = _domain_match(graph, node, needs)
    fits_age, age_reason, flag = age_fit(data, age)
    served = _served_areas(graph, node)
    reasons, excluded = [], []
    if matched:
        reasons.append(f"covers {', '.join(matched)} ({how})")
    else:
        excluded.append(f"domain not covered (covers: {', '.join(domains) or 'nothing stated'})")
    (reasons if fits_age else excluded).append(age_reason)
    if served and not served & areas_ok:
        names = ", ".join(sorted(graph.nodes[a].get("name", a) for a in served))
        excluded.append(f"does not serve {graph.nodes[municipality]['name']} (serves {names})")
    elif served:
        names = ", ".join(sorted(graph.nodes[a].get("name", a) for a in served & areas_ok))
        reasons.append(f"serves {names}")
    else:
        via = reached.path[1] if len(reached.path) > 1 else reached.path[0]
        reasons.append(f"reached through {via.name} ({reached.level} level)")
    score = (2 if how == "stated" else 1) * bool(matched) + (2 if data.get("age_stated") and flag is None else 1)
    return Referral(
        organisation=_entry(graph, organisation),
        program={"id": node, "name": data.get("name")} if is_program else None,
        level=reached.level,
        hops=reached.hops,
        path=[hop.as_dict() for hop in reached.path],
        matched=matched,
        age=age_text(data),
        flags=[flag] if flag and fits_age else [],
        reasons=reasons,
        excluded_because=excluded,
        _score=score,
    )


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
    areas_ok = {municipality} | {t for _, t, k in graph.out_edges(municipality, keys=True) if k == "partOfPrefecture"}
    areas_ok |= {n for n, d in graph.nodes(data=True) if d.get("kind") == "Nation"}
    reached = [r for r in reach(graph, municipality)
               if set(graph.nodes[r.node]["types"]) & (_PROVIDER_TYPES | {"Program"})]
    rows = [_evaluate(graph, r, municipality, age, needs, areas_ok) for r in reached]
    kept = [row for row in rows if not row["excluded_because"]]
    # An organisation matched through a program of its own is listed with the
    # program; listing the bare organisation again would say the same thing.
    via_program = {(row["organisation"] or {}).get("id") for row in kept if row["program"]}
    if collapse:
        kept = [row for row in kept if row["program"] or row["organisation"]["id"] not in via_program]
    missed = [row for row in rows if row["excluded_because"]]
    kept.sort(key=Referral.sort_key)
    # the nearest misses first: one reason to exclude before several
    missed.sort(key=lambda row: (len(row["excluded_because"]),) + row.sort_key())
    for group in (kept, missed):
        for rank, row in enumerate(group, start=1):
            row["rank"] = rank
            row.pop("_score")
            row.pop("excluded_because" if group is kept else "flags")
    result = {"matches": [dict(row) for row in kept]}
    if explain:
        result["near_misses"] = [dict(row) for row in missed]
    return result
