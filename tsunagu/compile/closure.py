"""The ontology's entailments that the queries rely on, materialised.

Only what the traversals use: rdf:type through rdfs:subClassOf, properties
through rdfs:subPropertyOf, and programs delivered by every organisation of a
type. A full RDFS reasoner (owlrl) would also add hundreds of axiomatic
triples per run that nothing reads.
"""

from __future__ import annotations

from rdflib.namespace import RDF

from tsunagu.ontology import TG, canonical, load_ontology
from tsunagu.store.rdf import adder, data_graph

__all__ = ["closed_graph", "inferred_runs"]


def inferred_runs(graph):
    """(organisation, program) pairs entailed by ``tg:deliveredByType``."""
    pairs = set()
    for program, cls in graph.subject_objects(TG.deliveredByType):
        for organisation in graph.subjects(RDF.type, cls):
            pairs.add((organisation, program))
    return pairs


def closed_graph(data, *, copy=True):
    """``data`` plus its class, property and delivery closure: a new graph, or with
    ``copy=False`` ``data`` itself, closed in place (a national build saves copying
    some 200,000 triples; the projection reads an already closed input the same way)."""
    ontology = load_ontology()
    closed = data_graph() if copy else data
    if copy:
        closed += data
    add = adder(closed)  # the store's own add: Graph.add checks each term's type (half a million at synthetic 10x)
    type_ = canonical(RDF.type)
    # Read by class and by property, not by iterating every triple: the ancestors (which include the
    # term itself) are all most triples have, and listing the whole graph held a second copy of its
    # triples at once. Each list is made before the loop adds to ``closed``, which may be ``data``.
    for cls, ancestors in ontology.superclasses.items():
        above = ancestors - {cls}
        if above:
            for subject in list(data.subjects(type_, cls)):
                for ancestor in above:
                    add((subject, type_, ancestor))
    for predicate, ancestors in ontology.superproperties.items():
        above = ancestors - {predicate}
        if above:
            for subject, obj in list(data.subject_objects(predicate)):
                for ancestor in above:
                    add((subject, ancestor, obj))
    runs = canonical(TG.runs)
    for organisation, program in inferred_runs(closed):
        add((organisation, runs, program))
    return closed
