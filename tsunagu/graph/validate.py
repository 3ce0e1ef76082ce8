"""Validation of a merged data graph: SHACL shapes and reference checks."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, SH

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.curated import FIELDS
from tsunagu.ontology import ID, TG, entity_id, load_ontology, shapes_graph

__all__ = ["shacl_errors", "dangling_reference_errors", "code_errors", "graph_errors", "validate_graph"]

_FIELD_OF_PREDICATE = {}
for _name, _spec in FIELDS.items():
    _FIELD_OF_PREDICATE.setdefault(_spec.predicate, _name)
_FIELD_OF_PREDICATE[TG.minAge] = _FIELD_OF_PREDICATE[TG.maxAge] = "age"  # bounds of the age range a record gives


def _locate(node, locations, default_file):
    """The record a node belongs to (an age range belongs to its program)."""
    text = str(node)
    owner = URIRef(text.rsplit("/age", 1)[0]) if text.endswith("/age") else node
    record = locations.get(owner)
    if record is not None:
        return record.file, record.line, record.id
    return default_file, None, entity_id(owner)


def shacl_errors(data, locations, default_file="<merged graph>"):
    """Run the shapes over ``data``; one :class:`DataError` per violation."""
    import pyshacl  # heavy: only when validating

    ontology = load_ontology()
    # The ontology's class hierarchy and concepts must sit in the validated
    # graph itself for sh:class to see subclasses and SKOS concepts. They are
    # lent to ``data`` and taken back: copying a national graph cost more
    # than the ontology's few hundred triples.
    lent = [triple for triple in ontology.graph if triple not in data]
    data.addN((s, p, o, data) for s, p, o in lent)
    try:
        conforms, report, _ = pyshacl.validate(
            data,
            shacl_graph=shapes_graph(),
            inference="none",
            abort_on_first=False,
            allow_warnings=True,
        )
    finally:
        for triple in lent:
            data.remove(triple)
    if conforms:
        return []
    errors = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        file, line, record = _locate(focus, locations, default_file)
        field = _FIELD_OF_PREDICATE.get(path) if isinstance(path, URIRef) else None
        if field is None and isinstance(path, URIRef):
            field = path.n3(ontology.graph.namespace_manager)
        text = f"fails the shapes: {message}" + (f" (value {value})" if value is not None else "")
        errors.append(DataError(file, text, line=line, record=record, field=field))
    errors.sort(key=lambda e: (e.file, e.line or 0, e.record or "", e.field or ""))
    return errors


def dangling_reference_errors(data, locations, default_file="<merged graph>"):
    """References to ids that no input defines (RDF inputs skip the loader's check)."""
    ontology = load_ontology()
    object_properties = set(ontology.graph.subjects(RDF.type, OWL.ObjectProperty))
    defined = set(data.subjects(RDF.type, None))
    errors = []
    for subject, predicate, obj in data:
        if predicate in object_properties and isinstance(obj, URIRef) and str(obj).startswith(str(ID)):
            if obj not in defined:
                file, line, record = _locate(subject, locations, default_file)
                field = _FIELD_OF_PREDICATE.get(predicate, predicate.n3(ontology.graph.namespace_manager))
                errors.append(DataError(file, f"unknown reference '{entity_id(obj)}'", line=line, record=record, field=field))
    return errors


def code_errors(data, locations, default_file="<merged graph>"):
    """Wrong check digits of the local government codes of every area in ``data``.

    One pass over the ``tg:code`` triples of the merged graph, so codes from
    Turtle, JSON-LD, the municipality lists and the survey are held to the
    rule the curated loader applies (a SHACL-SPARQL constraint did this at
    one query parse per municipality: 96% of a national build).
    The 6-digit pattern itself stays a shape.

    Examples
    --------
    >>> from rdflib import Graph, Literal, URIRef
    >>> from rdflib.namespace import RDF
    >>> from tsunagu.ontology import ID, TG
    >>> g = Graph()
    >>> town = URIRef(ID + "ino")
    >>> _ = g.add((town, RDF.type, TG.Town)).add((town, TG.code, Literal("393861")))
    >>> [str(e) for e in code_errors(g, {}, default_file="ino.ttl")]
    ["ino.ttl: record 'ino': field 'code': code 393861 has a wrong check digit (expected 393860)"]
    """
    from tsunagu.loaders.curated import check_digit

    ontology = load_ontology()
    area_types = {}  # class -> is it an Area: a handful of classes, thousands of codes
    errors = []
    for subject, code in data.subject_objects(TG.code):
        text = str(code)
        if len(text) != 6 or not text.isascii() or not text.isdigit():
            continue  # the shapes' pattern reports it
        expected = check_digit(text[:5])
        if expected == int(text[5]):
            continue
        for cls in data.objects(subject, RDF.type):
            if cls not in area_types:
                area_types[cls] = cls == TG.Area or ontology.is_a(cls, TG.Area)
            if area_types[cls]:
                break
        else:
            continue  # only areas carry local government codes
        file, line, record = _locate(subject, locations, default_file)
        errors.append(DataError(file, f"code {text} has a wrong check digit (expected {text[:5]}{expected})",
                                line=line, record=record, field="code"))
    return errors


def graph_errors(data, locations, default_file="<merged graph>"):
    """Every problem of ``data``: dangling references and wrong codes first, then the shapes."""
    errors = dangling_reference_errors(data, locations, default_file)
    errors += code_errors(data, locations, default_file)
    if not errors:
        errors = shacl_errors(data, locations, default_file)
    return errors


def validate_graph(data, locations, default_file="<merged graph>"):
    """Raise :class:`DataErrors` unless ``data`` has no dangling reference or wrong code and conforms."""
    errors = graph_errors(data, locations, default_file)
    if errors:
        raise DataErrors(errors)
