"""The tsunagu ontology: Turtle files, SHACL shapes and the vocabulary.

:func:`load_ontology` parses the Turtle once per process and precomputes the
look-ups the loaders and the build need (class hierarchy, domain keys...).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from tsunagu.ontology.namespace import ID, SDO, TG, TGA, TGD, canonical, canonical_terms, entity_id, entity_iri

__all__ = [
    "TG",
    "TGD",
    "TGA",
    "ID",
    "SDO",
    "entity_iri",
    "entity_id",
    "canonical",
    "canonical_terms",
    "Ontology",
    "load_ontology",
    "ontology_files",
    "shapes_graph",
]

_ONTOLOGY_FILES = ("tsunagu.ttl", "domains.ttl")
_SHAPES_FILE = "shapes.ttl"


def ontology_files():
    """The packaged Turtle files of the ontology (not the shapes)."""
    root = resources.files(__name__)
    return [root / name for name in _ONTOLOGY_FILES]


@dataclass(frozen=True)
class Ontology:
    graph: Graph
    superclasses: dict  # class IRI -> frozenset of itself and all its superclasses
    superproperties: dict  # property IRI -> frozenset of itself and all superproperties
    domains: dict  # notation -> concept IRI
    broader: dict  # concept IRI -> frozenset of itself and all broader concepts
    duties: dict  # notation -> duty IRI
    age_bands: dict  # scheme name ("chart", "policy") -> ((notation, IRI, min, max or None), ...)
    chart_columns: tuple  # domain notations in the 三原市 chart's column order

    def class_named(self, name):
        """The class IRI for a local name such as ``HelloWork``, or None."""
        iri = URIRef(str(TG._NS) + name)
        return canonical(iri) if iri in self.superclasses else None

    def is_a(self, cls, ancestor):
        return ancestor in self.superclasses.get(cls, ())

    def label(self, iri, lang="ja"):
        for value in self.graph.objects(iri, RDFS.label):
            if getattr(value, "language", None) == lang:
                return str(value)
        for value in self.graph.objects(iri, SKOS.prefLabel):
            if getattr(value, "language", None) == lang:
                return str(value)
        return None


def _transitive_closure(graph, predicate, nodes):
    return {
        node: frozenset(graph.transitive_objects(node, predicate)) for node in nodes
    }


def _canonical_graph(graph):
    """``graph`` with every IRI replaced by its :func:`canonical` object (its prefixes kept)."""
    triples = list(graph)
    graph.remove((None, None, None))
    for s, p, o in triples:
        graph.add((canonical(s), canonical(p), canonical(o)))
    return graph


@lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    graph = Graph()
    for path in ontology_files():
        graph.parse(source=str(path), format="turtle")
    _canonical_graph(graph)
    classes = set(graph.subjects(RDF.type, OWL.Class))
    properties = set(graph.subjects(RDF.type, OWL.ObjectProperty)) | set(
        graph.subjects(RDF.type, OWL.DatatypeProperty)
    )
    concepts = set(graph.subjects(SKOS.inScheme, TGD.SupportDomains))
    bands = {}
    for name, scheme in (("chart", TGA.ChartBands), ("policy", TGA.PolicyBands)):
        rows = []
        for band in graph.subjects(SKOS.inScheme, scheme):
            low, high = graph.value(band, TG.minAge), graph.value(band, TG.maxAge)
            rows.append((str(graph.value(band, SKOS.notation)), band, int(low), None if high is None else int(high)))
        bands[name] = tuple(sorted(rows, key=lambda row: row[2]))
    members = Collection(graph, graph.value(TGD.ChartColumns, SKOS.memberList))
    return Ontology(
        graph=graph,
        superclasses=_transitive_closure(graph, RDFS.subClassOf, classes),
        superproperties=_transitive_closure(graph, RDFS.subPropertyOf, properties),
        # by notation: a set's order follows the hash seed, and the workbooks' lists and the graph's
        # domain nodes follow this one
        domains=dict(sorted((str(graph.value(c, SKOS.notation)), c) for c in concepts)),
        broader=_transitive_closure(graph, SKOS.broader, concepts),
        duties={
            str(graph.value(d, SKOS.notation)): d for d in graph.subjects(RDF.type, TG.Duty)
        },
        age_bands=bands,
        chart_columns=tuple(str(graph.value(c, SKOS.notation)) for c in members),
    )


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    graph = Graph()
    graph.parse(source=str(resources.files(__name__) / _SHAPES_FILE), format="turtle")
    load_ontology()  # the ontology's objects first: a path or class of the shapes is then the same object
    return _canonical_graph(graph)
