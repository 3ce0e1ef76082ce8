"""The reach rules, once: which relations lead where, as tables and small predicates.

The walk from a municipality (:mod:`tsunagu.rules.reach`), the Bolt
backend's Cypher (:mod:`tsunagu.bolt.backend`, which runs that same walk
against the server) and the municipality diagram
(:mod:`tsunagu.diagrams.views`) all read these tables; none restates them.

From a municipality the walk collects *anchors*, each at a level:

============ ===========================================================
level        anchors
============ ===========================================================
municipality the municipality itself
platform     municipal platforms serving it (``servesArea``, inverse)
wide-area    the same, when the platform is a wide-area one
prefecture   its prefecture (``partOfPrefecture``) and the prefectural
             platforms serving that prefecture
national     the nation(s)
============ ===========================================================

From each anchor it takes the *providers* (:data:`PROVIDER_RELATIONS`,
walked against the edge; what the anchor ``runs``; the bodies advising it
and their members), then follows :data:`ONWARD` relations. Relations match
with their sub-relations (``secretariatOf`` is a ``memberOf``).

Examples
--------
>>> platform_level({"MunicipalPlatform", "WideAreaPlatform"})
'wide-area'
>>> onward_steps({"RegionalSupportCentre", "Organisation"})
(('runs', False), ('entrustedTo', False), ('satelliteOf', True))
>>> onward_steps({"Organisation"})
(('runs', False), ('entrustedTo', False))
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

__all__ = [
    "LEVELS", "ROUTE_TYPES", "NOT_PROVIDER_TYPES", "PLATFORM_RELATION", "PREFECTURE_RELATION",
    "PROVIDER_RELATIONS", "OPERATOR_RELATION", "RUNS", "ADVISES", "ADVISER_MEMBER", "ADVISER_AREA", "ONWARD", "SATELLITE_HOLDER",
    "KEEP_INTO_MUNICIPALITY", "KEEP_FOR_PREFECTURE", "CIRCLE_IN", "CIRCLE_OUT",
    "platform_level", "operated_level", "is_prefectural_platform", "is_route", "onward_steps", "is_constant",
]

LEVELS = ("municipality", "platform", "wide-area", "prefecture", "national")

# Kinds that are routes, not places a person is referred to: walked through, not returned.
ROUTE_TYPES = frozenset({"Area", "Platform", "ExistingBody", "MunicipalDepartment", "PrefecturalDepartment",
                         "ReviewCommittee"})
# Never a provider: areas and platforms are anchors; a national scheme is a funding
# menu, reached only through an organisation that runs it.
NOT_PROVIDER_TYPES = frozenset({"Area", "Platform", "NationalScheme"})

PLATFORM_RELATION = "servesArea"  # platform -> municipality or prefecture; walked inverse
PREFECTURE_RELATION = "partOfPrefecture"  # municipality -> prefecture
# Edges from an anchor to its providers, all walked against their direction.
PROVIDER_RELATIONS = ("servesArea", "windowOf", "locatedIn", "memberOf")
RUNS = "runs"  # anchor -> what it runs
ADVISES = "advises"  # adviser -> anchor; walked inverse, then the adviser's members
ADVISER_MEMBER = "memberOf"
ADVISER_AREA = "servesArea"  # an adviser serving a prefecture is reached at the prefecture level
# Who runs a provider that serves named areas (a 保健所): one run by a prefecture is reached at the
# prefecture level even from a town it serves directly (東部保健所 is 広島県's, not 三原市's).
OPERATOR_RELATION = "operatedBy"
# Edges from a provider onwards: (relation, walked against the edge?)
ONWARD = (("runs", False), ("entrustedTo", False), ("satelliteOf", True))
# Only a centre has satellites: a national program's in-edges run to every office in the country.
SATELLITE_HOLDER = "RegionalSupportCentre"

# What the reach subgraph keeps beside the walk, for the referral answers:
# every in-neighbour of the municipality through these (route types included) ...
KEEP_INTO_MUNICIPALITY = ("servesArea", "windowOf", "locatedIn")
# ... and the prefecture's bodies of these types serving it.
KEEP_FOR_PREFECTURE = frozenset({"RegionalSupportCentre", "PublicHealthOffice"})

# A diagram's context around a platform anchor: who sits on it (in-edges) and what
# it is built on and the areas it serves (out-edges), e.g. every town of a wide-area platform.
CIRCLE_IN = ("memberOf", "secretariatOf")
CIRCLE_OUT = ("builtOn", "servesArea")


def is_constant(data: Mapping[str, Any]) -> bool:
    """True for a node every municipality's referral graph holds: the nation, the support
    domains, and a national scheme every office of a type delivers (サポステ, ハローワーク),
    which an answer names when nothing local fits.

    >>> is_constant({"kind": "NationalScheme", "deliveredByType": "YouthSupportStation"})
    True
    >>> is_constant({"kind": "NationalScheme"}), is_constant({"kind": "Town"})
    (False, False)
    """
    kind = data.get("kind")
    return kind in ("Nation", "SupportDomain") or (kind == "NationalScheme" and bool(data.get("deliveredByType")))


def platform_level(types: Collection[str]) -> str | None:
    """``"platform"`` or ``"wide-area"`` for a municipal platform, else None."""
    if "MunicipalPlatform" not in types:
        return None
    return "wide-area" if "WideAreaPlatform" in types else "platform"


def operated_level(level: str, operator_types: Collection[str]) -> str:
    """The level a provider reached at ``level`` is offered at, given the types of whoever operates it:
    the prefecture's level when a prefecture runs it, else ``level``.

    >>> operated_level("municipality", {"Area", "Prefecture"}), operated_level("municipality", {"Municipality"})
    ('prefecture', 'municipality')
    """
    if "Prefecture" in operator_types and LEVELS.index(level) < LEVELS.index("prefecture"):
        return "prefecture"
    return level


def is_prefectural_platform(types: Collection[str]) -> bool:
    return "PrefecturalPlatform" in types


def is_route(types: Iterable[str]) -> bool:
    """Whether a reached node is only a way through (not an answer)."""
    return bool(set(types) & ROUTE_TYPES)


def onward_steps(types: Collection[str]) -> tuple[tuple[str, bool], ...]:
    """The (relation, inverse) steps the walk takes from a node of ``types``."""
    return tuple((relation, inverse) for relation, inverse in ONWARD if not inverse or SATELLITE_HOLDER in types)
