"""The ontology's vocabulary that queries need, copied onto the compiled graph.

Queries read domains, age bands and chart columns from ``graph.graph`` so
that a query command never parses the ontology, and no band or column is a
literal in query code.
"""

from __future__ import annotations

from rdflib.namespace import OWL, RDF, SKOS

from tsunagu.rules.names import normalise_name
from tsunagu.ontology import load_ontology

__all__ = ["graph_vocabulary"]


def graph_vocabulary():
    """``domain_labels``: every notation, label and alternative label (normalised)
    to its notation; ``domain_broader``: notation to itself and its broader
    concepts (a need for outreach is met by visiting supporters);
    ``age_bands``: scheme name to bands; ``chart_columns``: domain notations;
    ``class_labels`` and ``relation_labels``: local name to (ja, en) labels;
    ``type_ages``: organisation type to the ages its law sets (:func:`~tsunagu.rules.judge.type_ages`),
    which the judge reads when a reach row is read."""
    from tsunagu.rules.judge import type_ages

    ontology = load_ontology()
    notation_of = {iri: notation for notation, iri in ontology.domains.items()}
    labels = {}
    for notation, concept in ontology.domains.items():
        labels[normalise_name(notation)] = notation
        for predicate in (SKOS.prefLabel, SKOS.altLabel):
            for label in ontology.graph.objects(concept, predicate):
                labels.setdefault(normalise_name(label), notation)
    return {
        "domain_labels": labels,
        "domain_broader": {notation_of[c]: sorted(notation_of[b] for b in ups) for c, ups in ontology.broader.items()},
        "age_bands": {
            scheme: [{"notation": notation, "name": ontology.label(iri, "ja"), "min": low, "max": high}
                     for notation, iri, low, high in rows]
            for scheme, rows in ontology.age_bands.items()
        },
        "chart_columns": list(ontology.chart_columns),
        "class_labels": _labels(ontology, OWL.Class),
        "relation_labels": _labels(ontology, OWL.ObjectProperty),
        "type_ages": type_ages(),
    }


def _labels(ontology, kind):
    """Local name to (Japanese, English) label for every class or property."""
    return {
        str(term).rsplit("#", 1)[-1]: (ontology.label(term, "ja"), ontology.label(term, "en"))
        for term in ontology.graph.subjects(RDF.type, kind)
    }
