"""The national layer's own sources: municipality list, census population, survey CSV.

These three existed before the source registry as ``--municipalities``,
``--population`` and ``--survey``; they keep their loaders and only gain the
``load(path, directory)`` shape every source has.
"""

from __future__ import annotations

from pathlib import Path

from tsunagu.exceptions import TsunaguError
from tsunagu.store.rdf import add_all

__all__ = ["load_municipalities", "load_population", "load_survey"]


def load_municipalities(path, directory):
    """localgovjp's CSV or the ministry's code list; joins ``population`` when that source is given too."""
    from tsunagu.loaders.municipalities import national_to_rdf, read_municipality_list, read_population
    from tsunagu.ontology import TG

    national = read_municipality_list(path)
    existing = _coded(directory.graph, TG.Municipality) | _coded(directory.graph, TG.Prefecture)
    population = directory.paths.get("population")
    census = read_population(population) if population else None
    _, report = national_to_rdf(national, existing, census, Path(population).name if population else None,
                                into=directory.graph)
    directory.refresh_areas()
    directory.national_report = report
    source = directory.report("municipalities")
    source.loaded = len(national.municipalities) + len(national.wards)
    source.notes.append(f"市区町村 {len(national.municipalities)}、行政区 {report.get('wards', 0)}")
    if census is not None:
        population_report = directory.report("population")
        population_report.loaded = report["population_joined"]
        for missing in report["population_missing"]:
            population_report.skip(Path(population).name, None, "地域コード", missing)


def load_population(path, directory):
    """Joined by :func:`load_municipalities`; alone it has nothing to join onto."""
    if "municipalities" not in directory.paths:
        raise TsunaguError("--population joins onto --municipalities: give both")


def load_survey(path, directory):
    """The analysts' survey CSV, joined by municipality code."""
    from rdflib.namespace import RDF

    from tsunagu.loaders.formats.survey import read_survey
    from tsunagu.ontology import TG, entity_id

    wide = {entity_id(s) for s in directory.graph.subjects(RDF.type, TG.WideAreaPlatform)}
    graph = read_survey(path, _coded(directory.graph, TG.Municipality), wide)
    add_all(directory.graph, graph)
    directory.report("survey").loaded = len(set(graph.subjects(RDF.type, TG.DutyStatus)))


def _coded(graph, cls):
    """code -> (IRI, Japanese name) for the entities of ``cls`` that have a code."""
    from rdflib.namespace import RDF, RDFS

    from tsunagu.ontology import TG, canonical, load_ontology
    from tsunagu.store.rdf import subject_index

    ontology = load_ontology()
    index, type_, label, cls = subject_index(graph), canonical(RDF.type), canonical(RDFS.label), canonical(cls)
    found = {}
    for subject, code in graph.subject_objects(TG.code):
        predicates = index.get(subject, {})
        if any(ontology.is_a(t, cls) for t in predicates.get(type_, ())):
            name = next((str(v) for v in predicates.get(label, ()) if getattr(v, "language", None) == "ja"), None)
            found[str(code)] = (subject, name)
    return found
