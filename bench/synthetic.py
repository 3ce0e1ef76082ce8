"""A seeded, clearly labelled SYNTHETIC directory over the real municipality list.

Nothing here is a fact: every organisation, program and duty status is made
up, named ``（合成）`` and cited to the document ``SYNTHETIC``. It exists to
measure tsunagu at the size of the country (1x) and at 10x and 100x (the
country repeated, each copy's ids and names marked with its number).

The shape follows the seeds' examples: municipal platforms with 5-25
members (a secretariat, the self-reliance agency, the council, health
offices, NPOs, family associations...), small towns and villages sharing a
wide-area platform, Hello Work and Saposute offices shared by several
municipalities, a regional support centre and a prefectural platform per
prefecture, programs with age ranges and domains, and the three duties in
the national survey's proportions (002; platforms, which the survey did not
count, at 50%).

The generator writes the compiled (networkx) form directly, as the build's
projection would: going through YAML, RDF and SHACL at 100x would measure
rdflib, not tsunagu's query engine. ``bench/run.py`` times the full RDF
build separately at 1x.
"""

from __future__ import annotations

import random

import networkx as nx

from tsunagu.compile.compiler import names_graph
from tsunagu.rules.names import name_index
from tsunagu.compile.vocabulary import graph_vocabulary
from tsunagu.loaders.municipalities import read_localgovjp
from tsunagu.ontology import TG, load_ontology

__all__ = ["generate", "SYNTHETIC_SOURCE"]

SYNTHETIC_SOURCE = [{"document": "SYNTHETIC", "quote": "tsunagu bench/synthetic.py: made-up data for measurement only"}]

# survey proportions (002, May 2020) by kind: clarified, publicised-of-clarified, needs survey
_WINDOW = {"DesignatedCity": 1.0, "CoreCity": 47 / 60, "City": 448 / 735, "SpecialWard": 448 / 735,
           "Town": 459 / 926, "Village": 459 / 926}
_PUBLICISED = {"DesignatedCity": 1.0, "CoreCity": 41 / 47, "City": 373 / 448, "SpecialWard": 373 / 448,
               "Town": 242 / 459, "Village": 242 / 459}
_NEEDS = {"DesignatedCity": 0.5, "CoreCity": 188 / 795, "City": 188 / 795, "SpecialWard": 188 / 795,
          "Town": 173 / 926, "Village": 173 / 926}
_PLATFORM = 0.5
_MEMBER_KINDS = ["SelfRelianceSupportAgency", "SocialWelfareCouncil", "HealthCentre", "PublicHealthOffice",
                 "WelfareCommissioners", "NPO", "NPO", "FamilyAssociation", "PeerGroup", "School", "Police",
                 "MedicalInstitution", "ChamberOfCommerce", "CareServiceProvider", "DisabilityEmploymentSupportCentre",
                 "EmploymentReadinessSupportAgency", "MentalHealthWelfareCentre", "LawOffice", "FireService",
                 "SocialWelfareCorporation", "EconomicOrganisation", "Organisation"]
_DOMAINS = ["consultation", "safe-place", "family-support", "supporter-dispatch", "employment", "welfare", "health",
            "education", "network", "needs-survey", "outreach", "correction"]


class _Builder:
    def __init__(self, seed):
        self.random = random.Random(seed)
        self.graph = nx.MultiDiGraph()
        ontology = load_ontology()
        self.ontology = ontology
        self.notation = {iri: n for n, iri in ontology.domains.items()}
        self.type_cache = {}

    def _types(self, kind):
        if kind not in self.type_cache:
            cls = TG[kind]
            ups = self.ontology.superclasses[cls]
            types = sorted(str(c).rsplit("#", 1)[-1] for c in ups)
            typical = sorted({self.notation[d] for c in ups for d in self.ontology.graph.objects(c, TG.typicalDomain)})
            self.type_cache[kind] = (types, typical)
        return self.type_cache[kind]

    def node(self, key, kind, name, *, domains=(), age=None, **extra):
        types, typical = self._types(kind)
        attrs = {"kind": kind, "types": types, "domains": sorted(domains), "type_domains": typical,
                 "sources": SYNTHETIC_SOURCE, "name": name, "age_stated": age is not None,
                 "age_min": None if age is None else age[0], "age_max": None if age is None else age[1]}
        attrs.update(extra)
        self.graph.add_node(key, **attrs)
        for domain in domains:
            self.edge(key, f"domain:{domain}", "coversDomain", ["coversDomain"])
        return key

    def edge(self, source, target, relation, relations=None, inferred=False):
        ups = relations or sorted(str(p).rsplit("#", 1)[-1] for p in self.ontology.superproperties[TG[relation]])
        self.graph.add_edge(source, target, key=relation, relation=relation, relations=ups, inferred=inferred)


def generate(municipality_csv, scale=1, seed=20201027):
    """The compiled form of a synthetic directory: ``(graph, names, municipality ids)``."""
    listing = read_localgovjp(municipality_csv)
    b = _Builder(seed)
    ontology = b.ontology
    for notation, concept in ontology.domains.items():
        b.graph.add_node(f"domain:{notation}", kind="SupportDomain", types=["SupportDomain"], name=ontology.label(concept, "ja"),
                         name_en=ontology.label(concept, "en"), notation=notation, sources=[], domains=[], type_domains=[])
    nation = b.node("japan", "Nation", "日本")
    saposute_program = b.node("jp-saposute", "NationalScheme", "地域若者サポートステーション（サポステ）", domains=["employment"],
                              age=(None, 49))
    b.edge(saposute_program, nation, "servesArea")
    hello_program = b.node("jp-hello-work-window", "NationalScheme", "ハローワーク専門窓口（就職氷河期世代）", domains=["employment"])
    b.edge(hello_program, nation, "servesArea")
    r = b.random
    municipalities = []
    for copy in range(scale):
        tag = "" if copy == 0 else f"x{copy}-"
        mark = "" if copy == 0 else f"（複製{copy}）"
        by_prefecture = {}
        for row in listing.municipalities:
            by_prefecture.setdefault(row.prefecture_code, []).append(row)
        for pref_code, rows in sorted(by_prefecture.items()):
            pref_name = listing.prefectures[pref_code][0]
            pref = b.node(f"{tag}pref-{pref_code}", "Prefecture", pref_name + mark, code=pref_code)
            centre = b.node(f"{tag}{pref_code}-centre", "RegionalSupportCentre", f"{pref_name}ひきこもり地域支援センター（合成）{mark}",
                            domains=["consultation", "outreach", "network"], age=(0, None))
            b.edge(centre, pref, "servesArea")
            ppf = b.node(f"{tag}{pref_code}-pf", "PrefecturalPlatform", f"{pref_name}プラットフォーム（合成）{mark}")
            b.edge(ppf, pref, "servesArea")
            for i, kind in enumerate(["LabourBureau", "EconomicOrganisation", "FamilyAssociation", "HelloWork"]):
                member = b.node(f"{tag}{pref_code}-ppf-{i}", kind, f"{pref_name}{kind}（合成）{mark}")
                b.edge(member, ppf, "memberOf")
                b.edge(member, pref, "servesArea")
            # shared Hello Work (one per ~8 municipalities) and Saposute (one per ~15)
            shared_hw, shared_sap = {}, {}
            for index, row in enumerate(rows):
                hw_key = f"{tag}{pref_code}-hw-{index // 8}"
                if hw_key not in shared_hw:
                    shared_hw[hw_key] = b.node(hw_key, "HelloWork", f"ハローワーク{row.name}（合成）{mark}")
                    b.edge(hw_key, hello_program, "runs", inferred=True)
                sap_key = f"{tag}{pref_code}-sap-{index // 15}"
                if sap_key not in shared_sap:
                    shared_sap[sap_key] = b.node(sap_key, "YouthSupportStation", f"サポステ{row.name}（合成）{mark}")
                    b.edge(sap_key, saposute_program, "runs", inferred=True)
            small = [row for row in rows if row.kind in ("Town", "Village")]
            wide_groups = {}
            for index, row in enumerate(small):
                if r.random() < 0.2:
                    wide_groups.setdefault(index // 3, []).append(row)
            wide_of = {row.code: group for group in wide_groups.values() if len(group) >= 2 for row in group}
            made_wide = set()
            for index, row in enumerate(rows):
                m = b.node(f"{tag}m-{row.code}", row.kind, row.name + mark, code=row.code, kana=row.kana,
                           latitude=str(row.lat) if row.lat is not None else None,
                           longitude=str(row.lng) if row.lng is not None else None)
                b.edge(m, pref, "partOfPrefecture")
                municipalities.append(m)
                b.edge(f"{tag}{pref_code}-hw-{index // 8}", m, "servesArea")
                b.edge(f"{tag}{pref_code}-sap-{index // 15}", m, "servesArea")
                window = None
                if r.random() < _WINDOW[row.kind]:
                    dept = b.node(f"{m}-dept", "MunicipalDepartment", f"{row.name}福祉課（合成）{mark}")
                    b.edge(dept, m, "servesArea")
                    window = b.node(f"{m}-window", "ConsultationWindow", f"{row.name}ひきこもり相談窓口（合成）{mark}",
                                    domains=["consultation"], age=(0, None))
                    b.edge(window, m, "windowOf")
                    b.edge(dept, window, "runs")
                statuses = {"window-clarified": window is not None,
                            "window-publicised": window is not None and r.random() < _PUBLICISED[row.kind],
                            "needs-survey": r.random() < _NEEDS[row.kind]}
                group = wide_of.get(row.code)
                if group:
                    key = f"{tag}wide-{group[0].code}"
                    if key not in made_wide:
                        made_wide.add(key)
                        b.node(key, "WideAreaPlatform", "・".join(g.name for g in group) + f"広域プラットフォーム（合成）{mark}")
                        _platform_members(b, key, f"{tag}{group[0].code}", pref_name, mark)
                        b.edge(f"{tag}{pref_code}-hw-{index // 8}", key, "memberOf")
                    b.edge(key, m, "servesArea")
                    statuses["platform"] = True
                elif r.random() < _PLATFORM:
                    key = b.node(f"{m}-pf", "MunicipalPlatform", f"{row.name}プラットフォーム（合成）{mark}")
                    b.edge(key, m, "servesArea")
                    _platform_members(b, key, m, row.name, mark)
                    b.edge(f"{tag}{pref_code}-hw-{index // 8}", key, "memberOf")
                    b.edge(f"{tag}{pref_code}-sap-{index // 15}", key, "memberOf")
                    statuses["platform"] = True
                for duty, done in statuses.items():
                    fact = b.node(f"{m}-{duty}", "DutyStatus", None, duty=duty, fulfilled=bool(done), asOf="2020-05")
                    del b.graph.nodes[fact]["name"]
                    b.edge(fact, m, "ofMunicipality")
                # programs of the municipality
                if r.random() < 0.3:
                    youth = b.node(f"{m}-youth", "Program", f"{row.name}若者居場所事業（合成）{mark}", domains=["safe-place"], age=(15, 39))
                    b.edge(youth, m, "servesArea")
                if r.random() < 0.4:
                    ready = b.node(f"{m}-ready", "Program", f"{row.name}就労準備支援事業（合成）{mark}", domains=["employment", "outreach"])
                    b.edge(ready, m, "servesArea")
    graph = b.graph
    graph.graph["names"] = name_index(graph)
    graph.graph.update(graph_vocabulary())
    graph.graph["nations"] = ["japan"]
    graph.graph["constant_nodes"] = ["japan"] + sorted(n for n in graph if n.startswith("domain:"))
    graph.graph["inputs"] = [f"SYNTHETIC x{scale} seed {seed}"]
    return graph, names_graph(graph), municipalities


def _platform_members(b, platform, prefix, place, mark):
    r = b.random
    secretariat = b.node(f"{prefix}-secretariat", "MunicipalDepartment", f"{place}事務局（合成）{mark}")
    b.edge(secretariat, platform, "secretariatOf")
    for i in range(r.randint(5, 25) - 3):
        kind = r.choice(_MEMBER_KINDS)
        domains = r.sample(_DOMAINS, r.randint(0, 2)) if kind in ("NPO", "Organisation", "FamilyAssociation") else []
        member = b.node(f"{prefix}-member-{i}", kind, f"{place}{b.ontology.label(TG[kind], 'ja')}{i}（合成）{mark}",
                        domains=domains, age=r.choice([None, None, (15, 39), (18, 64), (0, None)]))
        b.edge(member, platform, "memberOf")
        if r.random() < 0.3:
            program = b.node(f"{member}-program", "Program", f"{place}の事業{i}（合成）{mark}",
                             domains=r.sample(_DOMAINS, r.randint(1, 3)), age=r.choice([None, (15, 39), (40, 64), (0, None)]))
            b.edge(member, program, "runs")
