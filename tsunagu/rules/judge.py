"""The one judge: whether a body or program serves a person of an age with a need, and how.

Referral answers (:mod:`tsunagu.queries.referral`), the coverage matrix
(:mod:`tsunagu.queries.coverage`), the build's precomputed answers and the
Bolt backend all ask this module; none restates a rule.

* **Who is a match** (:func:`supports_person`): an organisation whose class
  carries ``tg:supportRole tg:DirectSupport``; coordinating members
  (経済団体, 商工会, 労働局, prefectural departments, review committees,
  professional associations, police, fire service, law offices) never are.
* **What each candidate can do** (:func:`referral_candidates`, person-free and
  precomputed at build time): its route, organisation, role, the domains it
  states (with their broader concepts), those of the schemes it runs and
  of its type's purpose, its age range and the areas it serves.
* **Ages** (:func:`age_range`): a stated range wins; else an organisation
  inherits the range of the national scheme that defines its type (every
  サポステ: up to 49); a cohort scheme (就職氷河期世代) has a range that
  moves with the date asked (:func:`cohort_range`). Employment support starts
  at :data:`WORKING_AGE`, the end of compulsory schooling.
* **How it fits** (:func:`judge`): (a) a stated domain and a stated (or
  inherited, or cohort) age range; (b) the organisation exists for this need
  (a scheme it runs, or its type's purpose in the seeds) or a program states
  the need but not its ages; (c) a guess from the type's typical domain,
  flagged; or excluded, with why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from tsunagu.rules.reach import LEVELS, HopDict, Reached, nation_nodes, reach
from tsunagu.rules.reasons import Reason

if TYPE_CHECKING:
    from rdflib import Literal, URIRef

__all__ = [
    "WORKING_AGE", "COHORTS", "supports_person", "age_text", "cohort_range", "age_range", "referral_candidates",
    "judge", "cohort_of", "kind_pair", "domain_pair", "MAX_AGE", "need_bases", "AgeWindow", "age_window", "serves",
    "collapsed", "offered", "domains_of", "type_ages", "Candidate", "AgeFacts", "AgeRange", "Scheme", "Judgement",
    "OrganisationRef", "ProgramRef", "Cohort", "TownWalk", "town_walk",
]

Graph = Any  # a networkx MultiDiGraph, or a municipality's reach subgraph (networkx has no type hints)
NodeData = Mapping[str, Any]  # a node's attributes


class Cohort(TypedDict):
    """A cohort scheme's target: who left school in given years (:data:`COHORTS`)."""

    name: tuple[str, str]  # (Japanese, English)
    left_school: tuple[int, int]
    reference: dt.date
    ages: tuple[int, int]  # (youngest, oldest) on the reference date
    source: str


class Scheme(TypedDict):
    """A scheme (or an organisation type's law) whose stated ages an organisation inherits."""

    id: str
    name: str | None
    age_min: int | None
    age_max: int | None


class AgeFacts(TypedDict):
    """What :func:`age_range` reads: a candidate's own ages, its cohort and the schemes defining it."""

    cohort: NotRequired[str | None]  # a cohort scheme's key (:data:`COHORTS`)
    age_stated: bool
    age_min: int | None
    age_max: int | None
    defining: NotRequired[list[Scheme]]


class AgeRange(TypedDict):
    """What :func:`age_range` returns: ``min``, ``max`` and ``basis``, with the cohort or scheme it rests on."""

    min: int | None
    max: int | None
    basis: str  # stated, inherited, cohort or unstated
    cohort: NotRequired[str]  # with basis cohort
    year: NotRequired[int]
    scheme: NotRequired[str | None]  # with basis inherited
    scheme_id: NotRequired[str]


class OrganisationRef(TypedDict):
    """The organisation a candidate names: whom to contact."""

    id: str
    name: str | None
    kind: str | None


class ProgramRef(TypedDict):
    """The program a candidate is, when it is one."""

    id: str
    name: str | None


class Candidate(AgeFacts):
    """One row of :func:`referral_candidates`: what a referral chooses among, person-free."""

    node: str
    organisation: OrganisationRef | None
    program: ProgramRef | None
    role: str | None
    types: list[str]  # the organisation's
    level: str
    hops: int
    path: list[HopDict]
    domains: list[str]
    how: str  # "stated" or "typical of <kind>"
    covers: frozenset[str]
    stated_covers: frozenset[str]
    scheme_covers: frozenset[str]
    age: str
    area_reason: str | None
    area_excluded: str | None
    served: list[str]
    served_names: list[str]
    rank_key: tuple[int, int]


@dataclass(frozen=True)
class TownWalk:
    """What the walk from one municipality reaches and what the judge makes of it, person-free.

    The build makes one per municipality beside its reach graph
    (:func:`tsunagu.compile.precompute.reach_subgraph`) and the store keeps
    it; the queries take it as ``walk=`` instead of walking again
    (:func:`town_walk` makes one).

    Attributes
    ----------
    municipality : str
        The municipality's node id: the walk answers for it alone.
    reached : tuple of Reached
        What :func:`tsunagu.rules.reach.reach` returns, in its order.
    candidates : tuple of Candidate
        What :func:`referral_candidates` returns, in its order.
    """

    municipality: str
    reached: tuple[Reached, ...]
    candidates: tuple[Candidate, ...]

    def of(self, municipality: str) -> TownWalk:
        """This walk, checked to be ``municipality``'s: another town's would answer the wrong question."""
        if municipality != self.municipality:
            raise ValueError(f"the walk given is {self.municipality}'s, not {municipality}'s")
        return self


# (tier, matched needs, reasons, flags, excluded, age range): what :func:`judge` says of one candidate
Judgement = tuple[str, list[str], list[Reason], list[Reason], list[Reason], AgeRange]

_PROVIDER_TYPES = {"Organisation", "ConsultationWindow"}

# Employment support starts when compulsory schooling ends (労働基準法 56条: not before
# the March after the 15th birthday); a 12-year-old is not sent to Hello Work or サポステ.
WORKING_AGE = 15
# The oldest age a person is asked about: ages run from 0 to this, and a range with no maximum ends here.
MAX_AGE = 130

# Cohort schemes: their target is people who left school in given years, so the ages move with
# the date asked. 002: 概ね1993年～2004年に学校卒業期を迎えた世代（2020年4月現在、大卒で概ね38～49歳、
# 高卒で概ね34歳～45歳）.
COHORTS: dict[str, Cohort] = {
    "ice-age": {
        "name": ("就職氷河期世代", "employment ice-age generation"),
        "left_school": (1993, 2004),
        "reference": dt.date(2020, 4, 1),
        "ages": (34, 49),  # high-school leavers' youngest to graduates' oldest, April 2020
        "source": "002_551d311390b905b2.txt",
    },
}
# Programs targeting a cohort, by curated id (a node may also say ``cohort`` itself).
_COHORT_PROGRAMS: dict[str, str] = {"jp-hello-work-ice-age-window": "ice-age"}

# Types that exist for a need without a scheme record in the data (tier b, not a guess):
# 家族会 for family support (003, 講習会・家族会), the regional support centre's outreach
# and consultation (002/003: specialised window, multi-professional team), Hello Work and
# サポステ for employment, the self-reliance agency for consultation, welfare, outreach (002).
_PURPOSE: dict[str, tuple[str, ...]] = {
    "FamilyAssociation": ("family-support",),
    "RegionalSupportCentre": ("consultation", "outreach"),
    "HelloWork": ("employment",),
    "YouthSupportStation": ("employment",),
    # 就労支援 is part of 自立相談支援事業: its outreach workers give 「本人に同行した、関係機関への相談、
    # 就労支援といった、自立までの一貫した支援」 (002, 自立相談支援の機能強化の概要).
    "SelfRelianceSupportAgency": ("consultation", "welfare", "outreach", "employment"),
    "EmploymentReadinessSupportAgency": ("employment",),
    "ConsultationWindow": ("consultation",),
}

def supports_person(data: NodeData) -> bool:
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


def age_text(data: NodeData) -> str:
    """``15-39``, ``-49`` (minimum not stated), ``0-`` (no maximum), or ``not stated``."""
    if not data.get("age_stated"):
        return "not stated"
    low, high = data.get("age_min"), data.get("age_max")
    return f"{'' if low is None else low}-{'' if high is None else high}"



def cohort_range(cohort: str, as_of: dt.date) -> tuple[int, int]:
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


def age_range(candidate: AgeFacts, as_of: dt.date) -> AgeRange:
    """The age range that applies to a candidate on ``as_of``: ``{"min", "max", "basis", ...}``.

    ``basis`` is ``stated`` (its own), ``inherited`` (the scheme defining its
    type, named in ``scheme``), ``cohort`` (a cohort's ages that year) or
    ``unstated``.
    """
    cohort = candidate.get("cohort")
    if cohort:
        low, high = cohort_range(cohort, as_of)
        return {"min": low, "max": high, "basis": "cohort", "cohort": cohort, "year": as_of.year}
    if candidate["age_stated"]:
        return {"min": candidate["age_min"], "max": candidate["age_max"], "basis": "stated"}
    for scheme in candidate.get("defining", ()):
        return {"min": scheme["age_min"], "max": scheme["age_max"], "basis": "inherited",
                "scheme": scheme["name"], "scheme_id": scheme["id"]}
    return {"min": None, "max": None, "basis": "unstated"}


def _entry(graph: Graph, node: str | None) -> OrganisationRef | None:
    return None if node is None else {"id": node, "name": graph.nodes[node].get("name"), "kind": graph.nodes[node].get("kind")}


def _organisation_of(graph: Graph, reached: Reached) -> str | None:
    """Whom to contact for a reached program: its entrustee, else the organisation on the path."""
    node = reached.node
    entrusted: list[str] = sorted(t for _, t, k in graph.out_edges(node, keys=True) if k == "entrustedTo")
    if entrusted:
        return entrusted[0]
    for hop in reversed(reached.path[:-1]):
        if set(graph.nodes[hop.id]["types"]) & ({"Organisation", "Prefecture", "Municipality"} | _PROVIDER_TYPES):
            return hop.id
    runners: list[str] = sorted(s for s, _, k in graph.in_edges(node, keys=True) if k == "runs")
    return runners[0] if runners else None


def cohort_of(node: str, data: NodeData) -> str | None:
    cohort: str | None = data.get("cohort") or _COHORT_PROGRAMS.get(node)
    return cohort


def _schemes_of(graph: Graph, organisation: str | None) -> tuple[frozenset[str], list[Scheme]]:
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
    covers: set[str] = set()
    defining: list[Scheme] = []
    for _, program, key in graph.out_edges(organisation, keys=True):
        if key != "runs" or "Program" not in graph.nodes[program].get("types", ()):
            continue
        scheme = graph.nodes[program]
        if cohort_of(program, scheme):
            continue
        covers.update(a for d in scheme.get("domains") or () for a in broader.get(d, (d,)))
        if scheme.get("deliveredByType") in types and scheme.get("age_stated"):
            defining.append({"id": program, "name": scheme.get("name"), "age_min": scheme.get("age_min"),
                             "age_max": scheme.get("age_max")})
    for kind, needs in _PURPOSE.items():
        if kind in types:
            covers.update(a for d in needs for a in broader.get(d, (d,)))
    defining.sort(key=lambda s: s["id"])
    if not defining:
        # the graph's copy (the vocabulary, as domain_broader): a refer process reading a row parses no ontology
        defining = [ages.copy() for kind, ages in graph.graph["type_ages"].items() if kind in types][:1]
    return frozenset(covers), defining


def type_ages() -> dict[str, Scheme]:
    """Organisation type -> the ages the law defining it sets (``tg:typicalMinAge``/``tg:typicalMaxAge`` in the
    ontology), as a scheme entry ``{"id", "name", "age_min", "age_max"}``: 児童相談所 serves 児童, under 18.

    Examples
    --------
    >>> type_ages()["ChildGuidanceCentre"]["age_max"]
    17
    """
    return dict(_type_ages())


@lru_cache(maxsize=1)
def _type_ages() -> dict[str, Scheme]:
    from tsunagu.ontology import TG, load_ontology

    ontology = load_ontology()
    graph = ontology.graph
    found: dict[str, Scheme] = {}
    # the ontology's classes are IRIs and its ages integer literals (rdflib types them as any node)
    classes = cast("set[URIRef]", set(graph.subjects(TG.typicalMinAge, None)) | set(graph.subjects(TG.typicalMaxAge, None)))
    for cls in sorted(classes):
        low = cast("Literal | None", graph.value(cls, TG.typicalMinAge))
        high = cast("Literal | None", graph.value(cls, TG.typicalMaxAge))
        name = str(cls).rsplit("#", 1)[-1]
        label: str | None = ontology.label(cls, "ja")
        found[name] = {"id": f"type:{name}", "name": label or name,
                       "age_min": None if low is None else int(low), "age_max": None if high is None else int(high)}
    return found


def domains_of(data: NodeData) -> tuple[list[str], str]:
    """(domains, how) of a node: the domains it states (``"stated"``), else, for an organisation,
    its type's typical domains (``"typical of <kind>"``: a guess from the kind, not a fact).

    Examples
    --------
    >>> domains_of({"kind": "HelloWork", "types": ["Organisation"], "domains": [], "type_domains": ["employment"]})
    (['employment'], 'typical of HelloWork')
    """
    explicit = list(data.get("domains") or [])
    if explicit:
        return explicit, "stated"
    if "Program" in data.get("types", ()):
        return [], "stated"
    return list(data.get("type_domains") or []), f"typical of {data.get('kind')}"


def town_walk(graph: Graph, municipality: str, reached: Sequence[Reached] | None = None) -> TownWalk:
    """The :class:`TownWalk` of ``municipality``: the walk over ``graph`` (or ``reached``, a walk
    already made) and the candidates judged on it.

    Examples
    --------
    >>> import networkx as nx
    >>> from tsunagu.compile.vocabulary import graph_vocabulary
    >>> g = nx.MultiDiGraph(nations=[], **graph_vocabulary())
    >>> g.add_node("town", name="町", types=["Area", "Municipality"])
    >>> g.add_node("window", name="相談窓口", kind="ConsultationWindow", types=["ConsultationWindow"])
    >>> _ = g.add_edge("window", "town", key="servesArea", relations=["servesArea"])
    >>> walk = town_walk(g, "town")
    >>> [r.node for r in walk.reached], [c["node"] for c in walk.candidates]
    (['window'], ['window'])
    >>> referral_candidates(g, "town", walk=walk) == referral_candidates(g, "town")
    True
    """
    reached = tuple(reach(graph, municipality) if reached is None else reached)
    return TownWalk(municipality, reached, tuple(_candidates(graph, municipality, reached)))


def referral_candidates(graph: Graph, municipality: str, *, walk: TownWalk | None = None) -> list[Candidate]:
    """What a referral from ``municipality`` chooses among, with everything that does not
    depend on the person: route, organisation, role, domains (with their broader
    concepts), scheme and purpose, age range and the area check.

    ``walk``: the municipality's :class:`TownWalk`, made at build time, whose
    candidates these are; without it the walk and the judging are done here.
    A walk of another municipality is a ``ValueError``.
    """
    if walk is not None:
        return list(walk.of(municipality).candidates)
    return _candidates(graph, municipality, reach(graph, municipality))


def _candidates(graph: Graph, municipality: str, walked: Iterable[Reached]) -> list[Candidate]:
    """:func:`referral_candidates` judged on ``walked``, the walk from ``municipality``."""
    broader = graph.graph["domain_broader"]
    areas_ok = {municipality} | {t for _, t, k in graph.out_edges(municipality, keys=True) if k == "partOfPrefecture"}
    areas_ok |= set(nation_nodes(graph))
    place = graph.nodes[municipality]["name"]
    candidates: list[Candidate] = []
    for reached in walked:
        data = graph.nodes[reached.node]
        if not set(data["types"]) & (_PROVIDER_TYPES | {"Program"}):
            continue
        is_program = "Program" in data["types"]
        organisation = _organisation_of(graph, reached) if is_program else reached.node
        org_data = graph.nodes[organisation] if organisation else {}
        explicit = data.get("domains") or []
        domains, how = domains_of(data)
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
            "cohort": cohort_of(reached.node, data) if is_program else None,
            "age": age_text(data), "age_stated": bool(data.get("age_stated")),
            "age_min": data.get("age_min"), "age_max": data.get("age_max"),
            "area_reason": area_reason, "area_excluded": area_excluded,
            "served": sorted(served & areas_ok), "served_names": served_names,
            "rank_key": (reached.hops, LEVELS.index(reached.level)),
        })
    return candidates


_BASIS_ORDER: dict[str, int] = {"stated": 0, "scheme": 1, "typical": 2}


def domain_pair(graph: Graph, notation: str) -> tuple[str, str]:
    """(Japanese, English) name of a support domain."""
    node = f"domain:{notation}"
    data = graph.nodes[node] if node in graph else {}
    return (data.get("name") or notation, data.get("name_en") or notation)


def kind_pair(graph: Graph, kind: str) -> tuple[str, str]:
    """(Japanese, English) label of an organisation type."""
    labels = graph.graph.get("class_labels", {}).get(kind)
    return tuple(labels) if labels else (kind, kind)


def need_bases(candidate: Candidate, needs: Iterable[str]) -> dict[str, str]:
    """need -> how ``candidate`` covers it: ``stated`` (its own domains), ``scheme`` (a scheme it runs,
    or its type's purpose) or ``typical`` (its type's typical domains: a guess); needs it does not
    cover are left out. Person-free."""
    bases = {}
    for need in needs:
        if need in candidate["stated_covers"]:
            bases[need] = "stated"
        elif need in candidate["scheme_covers"]:
            bases[need] = "scheme"
        elif need in candidate["covers"]:
            bases[need] = "typical"
    return bases


@dataclass(frozen=True)
class AgeWindow:
    """The ages (``low`` to ``high``, both included) at which a candidate is offered for one need,
    and on what its range rests: ``stated``, ``inherited``, ``cohort`` or ``unstated`` (any age)."""

    low: int
    high: int
    basis: str
    how: str  # how it covers the need: stated, scheme or typical


def age_window(candidate: Candidate, need: str, as_of: dt.date) -> AgeWindow | None:
    """The :class:`AgeWindow` in which ``candidate`` is offered for ``need`` on ``as_of``, or None
    when it never is (a coordinating body, an area it does not serve, a need it does not cover).

    The rule :func:`judge` applies to one age, over every age at once: the
    coverage matrix reads it. Employment starts at :data:`WORKING_AGE`; a
    range with no minimum starts at 0, one with no maximum ends at
    :data:`MAX_AGE`.

    Examples
    --------
    >>> import datetime as dt
    >>> candidate = {"role": "direct", "area_excluded": None, "stated_covers": frozenset({"employment"}),
    ...              "scheme_covers": frozenset(), "covers": frozenset({"employment"}), "age_stated": True,
    ...              "age_min": None, "age_max": 49}
    >>> age_window(candidate, "employment", dt.date(2026, 11, 25))
    AgeWindow(low=15, high=49, basis='stated', how='stated')
    >>> age_window(candidate, "welfare", dt.date(2026, 11, 25)) is None
    True
    """
    bases = need_bases(candidate, [need])
    if not bases or not supports_person(candidate) or candidate["area_excluded"]:
        return None
    rng = age_range(candidate, as_of)
    low = 0 if rng["min"] is None else rng["min"]
    high = MAX_AGE if rng["max"] is None else rng["max"]
    if need == "employment":
        low = max(low, WORKING_AGE)
    return AgeWindow(low, high, rng["basis"], bases[need]) if low <= high else None


def serves(candidate: Candidate, age: int, needs: Iterable[str], as_of: dt.date) -> bool:
    """Whether ``candidate`` is offered to a person of ``age`` with any of ``needs``: what
    :func:`judge` keeps (a test holds the two together)."""
    for need in needs:
        window = age_window(candidate, need, as_of)
        if window is not None and window.low <= age <= window.high:
            return True
    return False


def collapsed(kept: Sequence[Candidate]) -> list[Candidate]:
    """``kept`` candidates without an organisation's own row where a program of it is kept: listing
    both would say the same thing twice. The order is kept."""
    via_program = {_organisation_id(c) for c in kept if c["program"]}
    return [c for c in kept if c["program"] or _organisation_id(c) not in via_program]


def _organisation_id(candidate: Candidate) -> str | None:
    organisation = candidate["organisation"]
    return organisation.get("id") if organisation else None


def offered(candidates: Iterable[Candidate], age: int, needs: Sequence[str], as_of: dt.date) -> list[Candidate]:
    """The candidates a referral offers a person of ``age`` with ``needs``, before ranking."""
    return collapsed([c for c in candidates if serves(c, age, needs, as_of)])


def judge(graph: Graph, candidate: Candidate, age: int, needs: Sequence[str], as_of: dt.date) -> Judgement:
    """(tier, matched, reasons, flags, excluded, age range) of one candidate for one person."""
    organisation = candidate["organisation"]
    kind = (organisation.get("kind") if organisation else None) or ""
    excluded: list[Reason] = []
    reasons: list[Reason] = []
    flags: list[Reason] = []
    if not supports_person(candidate):
        excluded.append(Reason("coordinating", {"type": kind_pair(graph, kind)}))
    bases = need_bases(candidate, needs)
    if "employment" in bases and age < WORKING_AGE:
        del bases["employment"]
        (flags if bases else excluded).append(Reason("below-working-age", {"age": age}))
    rng = age_range(candidate, as_of)
    if bases:
        best = min(bases.values(), key=_BASIS_ORDER.__getitem__)  # every basis is one of its keys
        names = [domain_pair(graph, n) for n in needs if bases.get(n) == best]
        code = {"stated": "domain-stated", "scheme": "domain-purpose", "typical": "domain-typical"}[best]
        reasons.append(Reason(code, {"needs": names, "type": kind_pair(graph, kind)}))
        if best == "typical":
            flags.append(Reason("domain-typical", {"needs": names, "type": kind_pair(graph, kind)}))
    elif not excluded or excluded[-1].code != "below-working-age":
        best = None
        excluded.append(Reason("domain-not-covered", {"domains": [domain_pair(graph, d) for d in candidate["domains"]]}))
    else:
        best = None
    low, high = rng["min"], rng["max"]
    fits = (low is None or age >= low) and (high is None or age <= high)
    params: dict[str, Any] = {"age": age, "min": low, "max": high}
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
