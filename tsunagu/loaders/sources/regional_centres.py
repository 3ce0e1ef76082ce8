"""Every prefecture and designated city has a ひきこもり地域支援センター (seed 002).

No openly licensed list names them, so where the curated data has none for
an area, the area gets an entity that states the centre exists and that its
name and contact are not in the data (``placeholder``): an answer can say
so instead of inventing one.
"""

from __future__ import annotations

from rdflib.namespace import RDF

from tsunagu.loaders.sources.directory import Row
from tsunagu.ontology import TG

__all__ = ["add_regional_centres", "SEED_DOCUMENT", "SEED_QUOTE"]

SEED_DOCUMENT = "002_551d311390b905b2.txt"
SEED_QUOTE = "都道府県、指定都市に設置されているひきこもり地域支援センター（県域）"


def add_regional_centres(directory):
    """Add a placeholder centre to each prefecture and designated city without a curated one; returns how many."""
    graph = directory.graph
    known = set()
    for centre in graph.subjects(RDF.type, TG.RegionalSupportCentre):
        known.update(graph.objects(centre, TG.servesArea))
    row = Row("seed", SEED_DOCUMENT, 0, SEED_QUOTE)
    added = 0
    for area in sorted(directory.areas.values(), key=lambda a: a.code):
        designated = area.kind == "Municipality" and (area.iri, RDF.type, TG.DesignatedCity) in graph
        if area.kind != "Prefecture" and not designated:
            continue
        if area.iri in known:
            continue
        entry = directory.entry(f"rsc-{area.code}", "RegionalSupportCentre")
        entry.placeholder = True
        entry.cite(row)
        entry.add("name", f"{area.name}ひきこもり地域支援センター（名称・連絡先は未収録）", row)
        entry.serves.add(area.iri)
        entry.located_in = area.iri
        added += 1
    return added
