"""Whom to call: a node's contact, a platform's secretariat, a municipality's first contact.

:func:`place_of` turns a graph node into a :class:`~tsunagu.queries.answers.Place`
with its phone, address, hours, web page and the source and date of each
fact; :func:`first_contact` finds 最初の相談先 for a municipality, in the
order the seeds give (000, 002, 003):

1. its clarified ひきこもり相談窓口 (``ConsultationWindow --windowOf-->``);
2. its 自立相談支援機関 (serving it, or sitting on its own platform);
3. its platform's secretariat when that body takes consultations (いの町ほけん福祉課,
   the hub; 海部福祉相談センター for the 海部 towns), then the prefecture's
   自立相談支援機関 on a wide-area platform (町村内の部局や都道府県設置の自立相談支援機関等);
4. a municipal department serving it;
5. the town hall's representative contact (``MunicipalOffice``);
6. the prefecture's ひきこもり地域支援センター (possibly a placeholder).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from tsunagu.resolver import municipality_id
from tsunagu.queries.answers import Call, Contact, FirstContact, Place, Reason, Through
from tsunagu.rules.judge import domains_of

__all__ = ["contact_of", "place_of", "platform_through", "first_contact", "regional_centres", "prefecture_of",
           "reachable"]

Graph = Any  # a networkx MultiDiGraph, or a municipality's reach subgraph (networkx has no type hints)

def _edges_in(graph: Graph, node: str, relation: str) -> list[str]:
    found: list[str] = sorted({s for s, _, d in graph.in_edges(node, data=True)
                               if relation in d.get("relations", (d.get("relation"),))})
    return found


def _edges_out(graph: Graph, node: str, relation: str) -> list[str]:
    found: list[str] = sorted({t for _, t, d in graph.out_edges(node, data=True)
                               if relation in d.get("relations", (d.get("relation"),))})
    return found


def _types(graph: Graph, node: str) -> set[str]:
    return set(graph.nodes[node].get("types", ()))


def contact_of(data: Mapping[str, Any]) -> Contact:
    """A :class:`Contact` from a node's contract attributes (absent ones stay None)."""
    sources = []
    for source in data.get("sources") or ():
        entry = {k: source[k] for k in ("document", "quote", "url", "as_of", "dataset", "credit", "licence", "title")
                 if source.get(k) is not None}
        sources.append(entry)
    return Contact(
        telephone=data.get("telephone"), fax=data.get("faxNumber"), email=data.get("email"),
        url=data.get("url") or data.get("homepage"), address=data.get("address"),
        postal_code=data.get("postalCode"), hours=data.get("openingHours"), closed_days=data.get("closedDays"),
        schedule=data.get("schedule"), methods=list(data.get("accessMethods") or ()),
        checked=data.get("lastChecked"), sources=sources, unverified=bool(data.get("unverified")),
        older_source=bool(data.get("older_source")), conflicts=list(data.get("conflicts") or ()),
    )


def place_of(graph: Graph, node: str) -> Place:
    """The :class:`Place` of ``node``: name, kind (ja/en), role, domains and contact.

    Examples
    --------
    >>> from tsunagu.compile import compile_graph
    >>> place = place_of(compile_graph(lists=False).graph, "mihara-youth-place")
    >>> place.contact.schedule, place.contact.address
    ('毎月第2・4金曜日 午後', '港町一丁目2番26号')
    """
    data = graph.nodes[node]
    kind = data.get("kind") or ""
    labels = graph.graph.get("class_labels", {}).get(kind, (None, None))
    domains, _ = domains_of(data)
    names = {}
    for notation in domains:
        domain = graph.nodes[f"domain:{notation}"] if f"domain:{notation}" in graph else {}
        names[notation] = (domain.get("name") or notation, domain.get("name_en") or notation)
    name = data.get("name") or node
    if data.get("placeholder"):  # the flag says it: the name need not say 「（名称・連絡先は未収録）」 as well
        name = name.replace("（名称・連絡先は未収録）", "")
    return Place(id=node, name=name, kind=kind, kind_ja=labels[0], kind_en=labels[1],
                 role=data.get("role"), domains=domains, domain_names=names,
                 placeholder=bool(data.get("placeholder")), contact=contact_of(data))


def prefecture_of(graph: Graph, municipality: str) -> str | None:
    found = _edges_out(graph, municipality, "partOfPrefecture")
    return found[0] if found else None


def platform_through(graph: Graph, platform: str) -> Through:
    """A :class:`Through` for ``platform``: its secretariat(s), and whether they are prefectural bodies."""
    secretariats = _edges_in(graph, platform, "secretariatOf")
    if not secretariats:  # a body that runs the platform, when no secretariat is recorded
        secretariats = [s for s in _edges_in(graph, platform, "runs") if not _types(graph, s) & {"Area"}]
    prefectural = any(
        "Prefecture" in _types(graph, area)
        for s in secretariats for area in _edges_out(graph, s, "locatedIn") + _edges_out(graph, s, "servesArea"))
    return Through(platform=place_of(graph, platform), secretariats=[place_of(graph, s) for s in secretariats],
                   prefectural=prefectural)


def _platforms_serving(graph: Graph, municipality: str) -> list[str]:
    return [p for p in _edges_in(graph, municipality, "servesArea") if _types(graph, p) & {"MunicipalPlatform"}]


def regional_centres(graph: Graph, municipality: str) -> list[str]:
    """The prefecture's (and a designated city's) ひきこもり地域支援センター, satellites excluded."""
    prefecture = prefecture_of(graph, municipality)
    areas = [municipality] + ([prefecture] if prefecture else [])
    found = []
    for area in areas:
        for node in _edges_in(graph, area, "servesArea") + _edges_in(graph, area, "memberOf"):
            types = _types(graph, node)
            if "RegionalSupportCentre" in types and "RegionalSupportCentreSatellite" not in types and node not in found:
                found.append(node)
    # a centre named on the municipality's platform (いの町: 県ひきこもり地域支援センター)
    for platform in _platforms_serving(graph, municipality):
        for node in _edges_in(graph, platform, "memberOf"):
            types = _types(graph, node)
            if "RegionalSupportCentre" in types and "RegionalSupportCentreSatellite" not in types and node not in found:
                found.append(node)
    return found


def first_contact(graph: Graph, municipality: str) -> FirstContact | None:
    """最初の相談先 for ``municipality``, or None when the graph knows no body to call.

    Raises :class:`~tsunagu.exceptions.NotAMunicipality` for a prefecture or
    another entity, :class:`~tsunagu.exceptions.NameNotFound` for no entity.

    Examples
    --------
    >>> from tsunagu.compile import compile_graph
    >>> graph = compile_graph(lists=False).graph
    >>> first_contact(graph, "tobishima").place.name
    '海部福祉相談センター'
    >>> first_contact(graph, "mihara").basis.code
    'first-window'
    """
    municipality = municipality_id(graph, municipality)
    platforms = _platforms_serving(graph, municipality)
    own = [p for p in platforms if "WideAreaPlatform" not in _types(graph, p)]
    through = [platform_through(graph, p) for p in platforms]

    def answer(node: str, code: str, **params: Any) -> FirstContact:
        return reachable(graph, municipality,
                         FirstContact(place=place_of(graph, node), basis=Reason(code, params), through=through))

    windows = [w for w in _edges_in(graph, municipality, "windowOf") if "ConsultationWindow" in _types(graph, w)]
    if windows:
        return answer(_best(graph, windows), "first-window")
    serving = _edges_in(graph, municipality, "servesArea")
    agencies = [n for n in serving if "SelfRelianceSupportAgency" in _types(graph, n)]
    agencies += [n for p in own for n in _edges_in(graph, p, "memberOf")
                 if "SelfRelianceSupportAgency" in _types(graph, n) and n not in agencies]
    if agencies:
        return answer(_best(graph, agencies), "first-self-reliance")
    for platform in platforms:
        for secretariat in _edges_in(graph, platform, "secretariatOf"):
            data = graph.nodes[secretariat]
            if data.get("role") == "direct" and "Municipality" not in data.get("types", ()):
                return answer(secretariat, "first-secretariat", platform=graph.nodes[platform].get("name"))
    prefectural = [n for p in platforms for n in _edges_in(graph, p, "memberOf")
                   if "SelfRelianceSupportAgency" in _types(graph, n)]
    if prefectural:
        return answer(prefectural[0], "first-prefectural-agency")
    departments = [n for n in serving if "MunicipalDepartment" in _types(graph, n)]
    if departments:
        return answer(_best(graph, departments), "first-department")
    offices = [n for n in serving if "MunicipalOffice" in _types(graph, n)]
    if offices:
        return answer(_best(graph, offices), "first-town-hall")
    centres = regional_centres(graph, municipality)
    if centres:
        return answer(centres[0], "first-regional-centre")
    return None


def _best(graph: Graph, nodes: Iterable[str]) -> str:
    """Of several candidates: verified before unverified, one with a phone first, then by id."""
    def key(node: str) -> tuple[bool, bool, bool, str]:
        data = graph.nodes[node]
        return (bool(data.get("unverified")), bool(data.get("older_source")), not data.get("telephone"), node)

    return sorted(nodes, key=key)[0]



# Who else may pick up for the town, in order: its self-reliance agency, its 福祉事務所 and welfare
# windows, the town hall, then the prefecture's bodies serving every town (社会福祉協議会 first).
_NEXT_KINDS = ("SelfRelianceSupportAgency", "PrefecturalWelfareConsultationCentre", "WelfareOffice", "WelfareWindow",
               "MunicipalOffice", "SocialWelfareCouncil")


def _digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def _phone(graph: Graph, node: str) -> str | None:
    phone: str | None = graph.nodes[node].get("telephone") if node in graph else None
    return phone


def _hosts(graph: Graph, node: str) -> list[str]:
    """The departments or bodies that run or host ``node`` (its 担当課), nearest first."""
    hosts = [s for s in _edges_in(graph, node, "runs") if not _types(graph, s) & {"Area", "Platform"}]
    hosts += [h for h in _edges_out(graph, node, "hostedBy") if h not in hosts]
    return hosts


def _callable_windows(graph: Graph, municipality: str, skip: Collection[str]) -> list[str]:
    """Bodies serving ``municipality``, then its prefecture, that have a phone, each in :data:`_NEXT_KINDS` order."""
    prefecture = prefecture_of(graph, municipality)
    areas = [municipality] + ([prefecture] if prefecture else [])
    found: list[str] = []
    for area in areas:  # the town's own bodies before the prefecture's
        serving = _edges_in(graph, area, "servesArea") + _edges_in(graph, area, "locatedIn")
        for kind in _NEXT_KINDS:
            nodes = [n for n in serving if kind in _types(graph, n) and n not in skip and n not in found
                     and _phone(graph, n)]
            found.extend(sorted(nodes, key=lambda n: (bool(graph.nodes[n].get("unverified")), n)))
    return found


def _call(graph: Graph, node: str, whose: str) -> Call:
    """The :class:`Call` to ``node``, a body with a phone."""
    place = place_of(graph, node)
    telephone = place.contact.telephone
    assert telephone is not None  # only a body with a phone is called (_hosts, _callable_windows)
    return Call(telephone, whose, place, place.contact.hours)


def reachable(graph: Graph, municipality: str, first: FirstContact) -> FirstContact:
    """``first`` with a number to call, the next callable window and a note when the hours are not recorded.

    The number is the place's own; else (marked) its host department's, the town hall's, or the next
    callable window's. The next window is another body serving the town that has a phone.
    """
    node = first.place.id
    if first.place.contact.telephone:
        first.call = Call(first.place.contact.telephone, "own", first.place, first.place.contact.hours)
    else:
        for host in _hosts(graph, node):
            if _phone(graph, host):
                first.call = _call(graph, host, "host")
                break
    windows = _callable_windows(graph, municipality, {node})
    if first.call is None:
        halls = [n for n in windows if "MunicipalOffice" in _types(graph, n)]
        if halls:
            first.call = _call(graph, halls[0], "town-hall")
        elif windows:
            first.call = _call(graph, windows[0], "next-window")
    used = {first.call.place.id} if first.call else set()
    dialled = {_digits(first.call.telephone)} if first.call else set()
    windows = [n for n in windows if n not in used and _digits(_phone(graph, n)) not in dialled]
    if windows:
        first.next_window = place_of(graph, windows[0])
    if not (first.call.hours if first.call else first.place.contact.hours):
        first.hours_note = Reason("hours-unrecorded", {})
    return first
