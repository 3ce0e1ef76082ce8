"""Validation of a merged data graph: SHACL shapes and reference checks.

Besides the shapes, one pass each in Python over the merged graph, so that
every input kind (curated YAML, Turtle, JSON-LD, the national lists, the
survey) meets the same rules: check digits of codes; ids like curated ids;
no control characters in text (nor bidirectional controls, nor a line break
in a one-line field); text within each field's length; integers that fit 64 bits.
"""

from __future__ import annotations

import re
from collections import namedtuple
from contextlib import contextmanager

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.curated import FIELDS
from tsunagu.loaders.limits import BIDI_CONTROLS, shortened, shortened_errors, text_problem
from tsunagu.ontology import ID, TG, canonical, entity_id, load_ontology, shapes_graph
from tsunagu.store.memo import SubclassTest
from tsunagu.store.rdf import IS_LITERAL, NOTHING, first_object, subject_index, subject_objects_of, triples_of

__all__ = [
    "shacl_errors",
    "ontology_lent",
    "dangling_reference_errors",
    "code_errors",
    "duty_conflict_errors",
    "entity_errors",
    "literal_errors",
    "graph_errors",
    "rdf_input_errors",
    "validate_graph",
    "Where",
    "rdf_locations",
]

Where = namedtuple("Where", "file line id")  # where an RDF input defines a subject (like a curated record)

_FIELD_OF_PREDICATE = {}
for _name, _spec in FIELDS.items():
    _FIELD_OF_PREDICATE.setdefault(canonical(_spec.predicate), _name)
_FIELD_OF_PREDICATE[canonical(TG.minAge)] = _FIELD_OF_PREDICATE[canonical(TG.maxAge)] = "age"  # bounds of the age range a record gives


def _locate(node, locations, default_file):
    """The record a node belongs to (an age range belongs to its program)."""
    text = str(node)
    owner = URIRef(text.rsplit("/age", 1)[0]) if text.endswith("/age") else node
    record = locations.get(owner)
    if record is not None:
        return record.file, record.line, record.id
    return default_file, None, entity_id(owner)


def rdf_locations(rdf_inputs):
    """``{subject: Where(file, None, id)}`` for the typed subjects of each ``(path, graph)`` RDF input."""
    found = {}
    for path, graph in rdf_inputs:
        for subject in graph.subjects(RDF.type, None):
            found.setdefault(subject, Where(str(path), None, entity_id(subject)))
    return found


_ID = re.compile(r"[a-z0-9][a-z0-9-]*")  # what curated ids allow (tsunagu.loaders.curated)
# Things the loaders name below an entity or a document (``ino/age``, ``source/...``): not graph nodes.
_PARTS = tuple(map(canonical, (TG.AgeRange, TG.SourcePassage, TG.SourceDocument)))
_PART_ID = re.compile(r"[a-z0-9][a-z0-9-]*(/[A-Za-z0-9_.-]+)+")
_BAD_IRI = re.compile(r"[\x00-\x20\x7f-\x9f<>\"{}|^`\\]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, newline, CR pass in long text
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SHOWN_ESCAPED = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")  # never printed as they are
_NAME_PREDICATES = set(map(canonical, (RDFS.label, SKOS.prefLabel, SKOS.altLabel, TG.kana)))
_INTEGER_TYPES = {XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger,
                  XSD.negativeInteger, XSD.nonPositiveInteger, XSD.unsignedLong, XSD.unsignedInt}
_INT64 = range(-(2**63), 2**63)


def _field(predicate):
    if predicate in _FIELD_OF_PREDICATE:
        return _FIELD_OF_PREDICATE[predicate]
    return predicate.n3(load_ontology().graph.namespace_manager) if isinstance(predicate, URIRef) else None


def entity_errors(data, locations, default_file="<merged graph>"):
    """Subjects typed with a tsunagu class that would not become a clean graph node.

    An entity's IRI must be ``id:`` plus an id curated files allow
    (``[a-z0-9-]``: no ``javascript:``, no slash); otherwise it is reported
    here instead of silently missing from the graph (or reaching an href).
    Parts the loaders name below an entity (``ino/age``, ``source/...``)
    may hold slashes. Any IRI with a space, a control character or
    ``<>"{}|^`\\`` is refused.

    Examples
    --------
    >>> from rdflib import Graph
    >>> from tsunagu.ontology import TG
    >>> g = Graph().add((URIRef(ID + "javascript:alert(1)"), RDF.type, TG.Town))
    >>> [e.message for e in entity_errors(g, {}, default_file="evil.ttl")]
    ["id 'javascript:alert(1)' may hold only a-z, 0-9 and '-' (like a curated id)"]
    """
    ontology = load_ontology()
    errors = []
    not_nodes = {canonical(OWL.Class)}
    parts = {}  # class -> whether it is a part: a few dozen classes, a million typed subjects at synthetic 10x
    prefix, blank = str(ID), SubclassTest(BNode)
    for subject, cls in subject_objects_of(data, RDF.type):
        if cls not in ontology.superclasses or cls in not_nodes:
            continue  # not typed by the tsunagu ontology: never a node
        # str's own methods on the term itself: str(subject) would copy it (a million subjects at synthetic 10x)
        if blank[type(subject)]:
            problem = f"{_local(cls)} without an IRI (a blank node): give it id:<id> to appear in the graph"
        elif not str.startswith(subject, prefix):
            problem = (f"{_local(cls)} <{shortened(str(subject))}> is outside the tsunagu id namespace "
                       f"<{ID}>: it would be missing from the graph")
        elif _BAD_IRI.search(subject):
            problem = f"IRI <{shortened(str(subject))}> holds a space, control character or one of <>\"{{}}|^`\\"
        else:
            local = subject[len(prefix):]
            part = parts.get(cls)
            if part is None:
                part = parts[cls] = cls in _PARTS or any(ontology.is_a(cls, p) for p in _PARTS)
            if part and _PART_ID.fullmatch(local) or not part and _ID.fullmatch(local):
                continue
            problem = f"id '{shortened(local)}' may hold only a-z, 0-9 and '-' (like a curated id)"
            if not part and "/" in local:
                problem += ": with a slash it would be missing from the graph"
        file, line, record = _locate(subject, locations, default_file)
        errors.append(DataError(file, problem, line=line, record=record, field="id"))
    return _unique(errors)


def _local(cls):
    return str(cls).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _unique(errors):
    seen, kept = set(), []
    for error in errors:
        if str(error) not in seen:
            seen.add(str(error))
            kept.append(error)
    return kept


def literal_errors(data, locations, default_file="<merged graph>"):
    r"""Text with control characters (ESC, NUL...; in names also tab and newline),
    with a bidirectional control (U+202E shows a phone number reversed), a line
    break in a one-line field or more characters than its field allows
    (:func:`tsunagu.loaders.limits.text_problem`), and integers that do not fit
    64 bits (a Bolt server stores no more).

    Examples
    --------
    >>> from rdflib import Graph, Literal
    >>> from tsunagu.ontology import TG
    >>> town = URIRef(ID + "ino")
    >>> g = Graph().add((town, RDFS.label, Literal("いの\x1b[2J町", lang="ja")))
    >>> g = g.add((town, TG.population, Literal(2**64)))
    >>> for message in sorted(e.message for e in literal_errors(g, {})):
    ...     print(message)
    18446744073709551616 is over 2^63 - 1
    a control character (\x1b) in 'いの\x1b[2J町'
    """
    errors, fields = [], {}
    for subject, predicate, obj in triples_of(data):
        if not IS_LITERAL[type(obj)]:
            continue
        problem = None
        if obj.datatype in _INTEGER_TYPES:
            value = obj.toPython()
            if isinstance(value, int) and value not in _INT64:
                problem = f"{shortened(value, 24)} is {'over 2^63 - 1' if value > 0 else 'under -2^63'}"
        else:
            pattern = _CONTROL_IN_NAME if predicate in _NAME_PREDICATES else _CONTROL
            text = str(obj)
            found = pattern.search(text)
            if found:
                shown = shortened(ascii(text)[1:-1] if obj.isascii() else _escaped(text))
                problem = f"a control character ({_escaped(found.group())}) in '{shown}'"
            else:
                if predicate not in fields:
                    fields[predicate] = _field(predicate)
                problem = text_problem(fields[predicate], text)
                if problem:
                    problem = f"{problem}: '{_escaped(text)}'"  # cut to 80 characters by shortened_errors
        if problem:
            file, line, record = _locate(subject, locations, default_file)
            errors.append(DataError(file, problem, line=line, record=record, field=_field(predicate)))
    return errors


def _escaped(text):
    """Control characters shown as escapes, everything else (Japanese) as it is."""
    return _SHOWN_ESCAPED.sub(lambda m: ascii(m.group())[1:-1], text)


def _set_lookup_of_constraint_parameters():
    """Let pyshacl look a shape's constraint parameters up in a set, not a list.

    pyshacl scans its list of ~35 parameters for each predicate of each shape
    at every focus node (a fifth of the shapes' time on a national graph). It
    caches that list on ``pyshacl.shape`` as ``CONSTRAINT_PARAMS``; a frozenset
    there gives the same answers. Left alone if pyshacl changes its layout.
    """
    try:
        import pyshacl.shape as shape
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    current = getattr(shape, "CONSTRAINT_PARAMS", None)
    if current is None or current == (None, None) or list(current[0]) == list(ALL_CONSTRAINT_PARAMETERS):
        shape.CONSTRAINT_PARAMS = (frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


@contextmanager
def ontology_lent(data):
    """The ontology's triples that ``data`` lacks, added to it inside the block and taken back after.

    The class hierarchy and concepts must sit in the validated graph itself
    for sh:class to see subclasses and SKOS concepts; copying a national
    graph cost more than the ontology's few hundred triples.
    """
    lent = [triple for triple in load_ontology().graph if triple not in data]
    data.addN((s, p, o, data) for s, p, o in lent)
    try:
        yield data
    finally:
        for triple in lent:
            data.remove(triple)


def shacl_errors(data, locations, default_file="<merged graph>", *, compiled=True):
    """Run the shapes over ``data``; one :class:`DataError` per violation.

    With ``compiled`` (the default) the shapes' compiled checks
    (:mod:`tsunagu.compile.shapecheck`) pick out in one pass the nodes that
    may fail, and pyshacl runs over those alone: the same violations and
    messages as pyshacl over everything (``compiled=False``), at a few
    microseconds a node where the data conforms.
    """
    from tsunagu.compile.shapecheck import Uncompiled, neighbourhood, suspects

    shapes = shapes_graph()
    with ontology_lent(data):
        focus, checked = None, data
        if compiled:
            try:
                focus = suspects(data, shapes)
            except Uncompiled:
                focus = None  # shapes beyond the compiled part: pyshacl over everything
            else:
                if not focus:
                    return []
                checked = neighbourhood(data, focus, shapes)
        import pyshacl  # heavy (0.15 s): only when some node may fail

        _set_lookup_of_constraint_parameters()
        if not checked.store.context_aware:  # pyshacl reads a dataset: a copy in rdflib's default store
            from rdflib import Graph

            checked = Graph() + checked
        conforms, report, _ = pyshacl.validate(
            checked,
            shacl_graph=shapes,
            inference="none",
            abort_on_first=False,
            allow_warnings=True,
        )
    if conforms:
        return []
    ontology = load_ontology()
    errors = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        node = report.value(result, SH.focusNode)
        if focus is not None and node not in focus:
            continue  # a value typed in the neighbourhood, checked without its own triples
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        file, line, record = _locate(node, locations, default_file)
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
    typed, index, prefix, iri = canonical(RDF.type), subject_index(data), str(ID), SubclassTest(URIRef)
    errors = []
    for subject, predicate, obj in triples_of(data):
        if predicate in object_properties and iri[type(obj)] and str.startswith(obj, prefix):
            if not index.get(obj, NOTHING).get(typed):  # no type: no input defines it
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


def rdf_input_errors(graph, path):
    """Id and text problems of one RDF input, named by its file, before it is merged with the others.

    Examples
    --------
    >>> from rdflib import Graph
    >>> from tsunagu.ontology import TG
    >>> g = Graph().add((URIRef("https://example.org/x"), RDF.type, TG.Town))
    >>> [str(e) for e in rdf_input_errors(g, "x.ttl")]  # doctest: +ELLIPSIS
    ["x.ttl: record 'https://example.org/x': field 'id': Town <https://example.org/x> is outside ..."]
    """
    if len(graph) == 0:  # an input that adds nothing is said, not passed as ok
        return [DataError(path, _NOTHING_READ_JSON if str(path).lower().endswith((".json", ".jsonld")) else _NOTHING_READ)]
    locations = rdf_locations([(path, graph)])
    return entity_errors(graph, locations, str(path)) + literal_errors(graph, locations, str(path))


_NOTHING_READ = "RDF の三つ組がひとつもありません: このファイルからは何も読み込めません (no triples: the file adds nothing)"
# An HSDS .json (what 'tsunagu export --to hsds' writes beside its CSV files) is JSON without a
# JSON-LD context: rdflib reads no triple from it.
_NOTHING_READ_JSON = ("RDF の三つ組がひとつもありません: JSON-LD の @context のない JSON（HSDS の JSON など）は読めません。"
                      "HSDS は CSV の入ったフォルダ（organizations.csv、services.csv…）ごと渡してください"
                      " (no triples: HSDS JSON is not read; give the folder of HSDS CSV files)")


def _where(fact, data, locations, default_file):
    """Where a fact was stated, for a message: a curated record's file and line, else the passage it cites."""
    record = locations.get(fact)
    if record is not None:
        return f"{record.file}:{record.line} (record '{record.id}')"
    for passage in data.objects(fact, PROV.wasDerivedFrom):
        quote = data.value(passage, TG.quote)
        if quote is not None:
            return str(quote)[:120]
    return f"{default_file} ({entity_id(fact)})"


def duty_conflict_errors(data, locations, default_file="<merged graph>"):
    """Two statuses of one municipality's duty on one date (or one undated) that disagree.

    Neither is chosen by which id sorts first: both are named, with where each was said
    (a curated record, or a survey row), so the user decides.
    """
    facts = {}
    by_subject = subject_index(data)
    of, duty, as_of, fulfilled = map(canonical, (TG.ofMunicipality, TG.duty, TG.asOf, TG.fulfilled))
    for fact in data.subjects(RDF.type, TG.DutyStatus):
        key = (first_object(by_subject, fact, of), first_object(by_subject, fact, duty))
        facts.setdefault(key, []).append((first_object(by_subject, fact, as_of),
                                          first_object(by_subject, fact, fulfilled), fact))
    errors = []
    for (municipality, duty), stated in facts.items():
        for index, (date, value, fact) in enumerate(stated):
            for other_date, other_value, other in stated[index + 1:]:
                same_day = date is None or other_date is None or str(date) == str(other_date)
                if same_day and value is not None and other_value is not None and bool(value) != bool(other_value):
                    file, line, record = _locate(fact, locations, default_file)
                    errors.append(DataError(
                        file, f"取組 {str(duty).rsplit('#', 1)[-1]} の状況が食い違う: {entity_id(municipality)} は "
                              f"{date or '日付なし'} に {'済' if value else '未'}（{_where(fact, data, locations, default_file)}）"
                              f"と {'済' if other_value else '未'}（{_where(other, data, locations, default_file)}）"
                              f" (conflicting duty statuses)", line=line, record=record, field="fulfilled"))
    return errors


def graph_errors(data, locations, default_file="<merged graph>", *, shapes=True):
    """Every problem of ``data``: dangling references and wrong codes first, then (with ``shapes``) the shapes."""
    errors = dangling_reference_errors(data, locations, default_file)
    errors += code_errors(data, locations, default_file)
    errors += duty_conflict_errors(data, locations, default_file)
    errors += entity_errors(data, locations, default_file)
    errors += literal_errors(data, locations, default_file)
    if not errors and shapes:
        errors = shacl_errors(data, locations, default_file)
    return shortened_errors(errors)


def validate_graph(data, locations, default_file="<merged graph>", *, shapes=True):
    """Raise :class:`DataErrors` unless ``data`` has no dangling reference or wrong code and conforms."""
    errors = graph_errors(data, locations, default_file, shapes=shapes)
    if errors:
        raise DataErrors(errors)
