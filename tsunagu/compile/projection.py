"""Projection of the closed RDF graph to the networkx graph the queries walk.

Nodes are entities (keyed by their curated id) and the support-domain
concepts they cover (keyed ``domain:<notation>``). Age ranges, source
passages and vocabulary values are folded into node attributes so that a
traversal never has to step through them.
"""

from __future__ import annotations

import datetime as dt
import sys

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from tsunagu.compile.closure import inferred_runs
from tsunagu.ontology import ID, TG, canonical, entity_id, load_ontology
from tsunagu.store.rdf import IS_LITERAL, NOTHING, first_object, subject_index

__all__ = ["project", "local_name", "domain_node"]


def local_name(iri):
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def domain_node(notation):
    return f"domain:{notation}"


_ID = str(ID)


def _is_entity(iri):
    # str's own startswith: rdflib's copies the IRI and the prefix first
    return isinstance(iri, URIRef) and str.startswith(iri, _ID) and "/" not in iri[len(_ID):]


def _python(value):
    # Text is interned: the same kind, credit, licence or date recurs on thousands of nodes, and one
    # object each keeps the graph smaller and lets a pickled reach graph store it once.
    if IS_LITERAL[type(value)]:
        python = value.toPython()
        if isinstance(python, (dt.date, dt.datetime)):
            return sys.intern(python.isoformat())
        if isinstance(python, Literal) or not isinstance(python, (str, int, float, bool)):
            return sys.intern(str(value))
        return sys.intern(python) if isinstance(python, str) else python
    return sys.intern(str(value))


# Terms read once per triple, looked up once here: a namespace attribute makes a new URIRef on
# every access (two million of them in a synthetic 1x projection); each is the store's own object.
_TYPE, _LABEL, _DERIVED = map(canonical, (RDF.type, RDFS.label, PROV.wasDerivedFrom))
_ACCESS, _CONFLICT, _AGE, _DOMAIN, _RUNS = map(canonical, (TG.accessMethod, TG.conflict, TG.targetsAge,
                                                           TG.coversDomain, TG.runs))
_MIN_AGE, _MAX_AGE = canonical(TG.minAge), canonical(TG.maxAge)
_PART_OF, _IDENTIFIER, _QUOTE = map(canonical, (DCTERMS.isPartOf, DCTERMS.identifier, TG.quote))
_VALUE, _DATASET, _AS_OF, _FIELD, _CONFLICT_VALUE = map(canonical, (TG.value, TG.dataset, TG.asOf, TG.field,
                                                                   TG.conflictValue))
_ROLES = {_TYPE: "skip", _LABEL: "skip", _DERIVED: "derived", _ACCESS: "access", _CONFLICT: "conflict", _AGE: "age",
          _DOMAIN: "domain"}

# Node attribute names that differ from the property's local name (contract with the queries).
_ATTRIBUTE = {canonical(TG.olderSource): "older_source"}

# Optional provenance of an imported row: passage or document property -> key in ``sources``.
_ROW_KEYS = tuple((key, canonical(predicate), where) for key, predicate, where in (
    ("row", TG.row, "passage"), ("url", DCTERMS.source, "passage"), ("as_of", TG.asOf, "passage"),
    ("dataset", TG.dataset, "document"), ("licence", DCTERMS.license, "document"),
    ("credit", TG.credit, "document"), ("title", DCTERMS.title, "document")))


def _source(index, passage):
    """One entry of a node's ``sources``: the document and quote, plus an imported row's provenance."""
    document = first_object(index, passage, _PART_OF)
    source = {
        "document": sys.intern(str(first_object(index, document, _IDENTIFIER))),
        "quote": str(first_object(index, passage, _QUOTE)),
    }
    for key, predicate, on in _ROW_KEYS:
        value = first_object(index, passage if on == "passage" else document, predicate)
        if value is not None:
            source[key] = _python(value)
    if "dataset" in source:
        source["file"] = source["document"]
    return source


def _conflict(index, node):
    """``{"field", "values": [{"value", "source", "as_of"}]}``, the newest value first."""
    values = [{"value": str(first_object(index, v, _VALUE)), "source": str(first_object(index, v, _DATASET)),
               "as_of": _python(first_object(index, v, _AS_OF)) if first_object(index, v, _AS_OF) is not None else None}
              for v in index.get(node, NOTHING).get(_CONFLICT_VALUE, NOTHING)]
    values.sort(key=lambda v: (v["as_of"] or "", v["source"]), reverse=True)
    return {"field": str(first_object(index, node, _FIELD)), "values": values}


def _most_specific(classes, ontology):
    return max(classes, key=lambda c: (len(ontology.superclasses.get(c, ())), str(c)))


def _of_classes(classes, ontology, notation_of, roles, shared_types):
    """What a node's classes say of it: its type names, the domains an organisation of its types
    typically serves (used when the sources name no program of its own) and the support role of the
    most specific class that states one."""
    onto = ontology.graph
    known = [c for c in classes if c in ontology.superclasses]
    names = sorted({sys.intern(local_name(c)) for c in known})
    names = shared_types.setdefault(tuple(names), names)
    domains = tuple(sorted({notation_of[d] for c in classes for d in onto.objects(c, TG.typicalDomain)
                            if d in notation_of}))
    ordered = sorted(classes, key=lambda c: -len(ontology.superclasses.get(c, ())))
    return names, domains, next((roles[c] for c in ordered if c in roles), None)


def _entity_ids():
    """``id_of(term)``: the node id of an IRI that names a graph node (``id:`` and no slash, as
    :func:`_is_entity`), else None; worked out once per term, which the triples naming it read again."""
    known = {}

    def id_of(term):
        found = known.get(term, _UNSEEN)
        if found is _UNSEEN:
            found = known[term] = entity_id(term) if _is_entity(term) else None
        return found

    return id_of


_UNSEEN = object()


def _roles(object_properties):
    """``role_of(predicate)``: ``(role, is an object property)``, the role a value of :data:`_ROLES`,
    ``"object"`` for another object property, else ``"value"``; worked out once per predicate (the store
    keeps each as the process's one object, :func:`~tsunagu.ontology.canonical`, so the look-up
    compares nothing)."""
    known = {}

    def role_of(predicate):
        found = known.get(predicate)
        if found is None:
            is_object = predicate in object_properties
            found = known[predicate] = (_ROLES.get(predicate) or ("object" if is_object else "value"), is_object)
        return found

    return role_of


def _edge_putter(graph):
    """``put(source, target, relation, relations, inferred)``: networkx's ``add_edge`` keyed by the
    relation, whose attributes are one dict per (relation, relations, inferred), shared read-only by
    every such edge (a few dozen dicts for the 460 thousand edges of a synthetic 10x build, each once
    a dict of its own: 0.14 of its projection's memory)."""
    shared = {}

    def put(source, target, relation, relations, inferred):
        data = shared.get((relation, inferred, tuple(relations)))
        if data is None:
            data = shared[relation, inferred, tuple(relations)] = {
                "relation": relation, "relations": relations, "inferred": inferred}
        for node in (source, target):
            if node not in graph._succ:
                graph.add_node(node)
        keyed = graph._succ[source].get(target)
        if keyed is None:
            keyed = graph._succ[source][target] = graph._pred[target][source] = {}
        elif relation in keyed:  # the same edge again: add_edge would update its attributes
            data = {**keyed[relation], **data}
        keyed[relation] = data

    return put


def project(data, closed, delivered=None):
    """Build the :class:`networkx.MultiDiGraph` from the asserted and closed graphs.

    ``delivered``: :func:`~tsunagu.compile.closure.inferred_runs` of ``closed``, when worked out
    before (a build does, then keeps only the subject index the projection reads)."""
    ontology = load_ontology()
    onto = ontology.graph
    object_properties = set(onto.subjects(RDF.type, OWL.ObjectProperty))
    notation_of = {iri: notation for notation, iri in ontology.domains.items()}
    notation_of.update({iri: notation for notation, iri in ontology.duties.items()})
    roles = {cls: str(onto.value(role, SKOS.notation)) for cls, role in onto.subject_objects(TG.supportRole)}

    graph = nx.MultiDiGraph()
    for notation, concept in ontology.domains.items():
        graph.add_node(
            domain_node(notation), kind="SupportDomain", types=["SupportDomain"],
            name=ontology.label(concept, "ja"), name_en=ontology.label(concept, "en"),
            notation=notation, sources=[],
        )

    index = subject_index(data)  # the triples read by subject: a dictionary look-up each
    closed_index = index if closed is data else subject_index(closed)
    # a subject whose types were all removed (lent and taken back) keeps an empty entry: not an entity
    id_of = _entity_ids()  # subjects and object-property values only: never a literal (its hash is Python's)
    # by their text (the same order as rdflib's comparison of two URIRefs, which is a Python call)
    entities = sorted((s for s, predicates in index.items() if predicates.get(_TYPE) and id_of(s) is not None), key=str)
    shared_types = {}  # one list per distinct set of types: thousands of offices share a few (read-only)
    # One ``sources`` entry per passage, shared by every node citing it (read-only, like the types):
    # a curated file's records cite a few passages thousands of times.
    passages = {}
    lists = {}  # one list per distinct list of names (domains, access methods): read-only, like the types
    cited = {}  # one ``sources`` list per distinct list of passages
    of_classes = {}  # a node's classes -> its types, type domains and role: a handful of distinct sets
    role_of = _roles(object_properties)
    for subject in entities:
        predicates = index[subject]
        asserted = [c for c in predicates[_TYPE] if c in ontology.superclasses]
        classes = frozenset(closed_index.get(subject, NOTHING).get(_TYPE, NOTHING))
        by_classes = of_classes.get(classes)
        if by_classes is None:
            by_classes = of_classes[classes] = _of_classes(classes, ontology, notation_of, roles, shared_types)
        all_types, type_domains, role = by_classes
        attrs = {
            "kind": sys.intern(local_name(_most_specific(asserted, ontology))),
            "types": all_types,
            "domains": [],
            "sources": [],
        }
        for label in predicates.get(_LABEL, NOTHING):
            attrs["name_en" if getattr(label, "language", None) == "en" else "name"] = str(label)
        for predicate, objects in predicates.items():
            what = role_of(predicate)[0]
            if what == "skip":
                continue
            for obj in objects:
                if what == "derived":
                    source = passages.get(obj)
                    if source is None:
                        source = passages[obj] = _source(index, obj)
                    attrs["sources"].append(source)
                elif what == "access":
                    attrs.setdefault("accessMethods", []).append(str(obj))
                elif what == "conflict":
                    attrs.setdefault("conflicts", []).append(_conflict(index, obj))
                elif what == "age":
                    low, high = first_object(index, obj, _MIN_AGE), first_object(index, obj, _MAX_AGE)
                    attrs["age_min"] = None if low is None else int(low)
                    attrs["age_max"] = None if high is None else int(high)
                elif what == "domain":
                    attrs["domains"].append(notation_of.get(obj, local_name(obj)))
                elif IS_LITERAL[type(obj)]:
                    attrs[_ATTRIBUTE.get(predicate, local_name(predicate))] = _python(obj)
                elif what == "object" and id_of(obj) is None:
                    attrs[local_name(predicate)] = notation_of.get(obj, local_name(obj))
        attrs["domains"].sort()
        attrs["domains"] = lists.setdefault(tuple(attrs["domains"]), attrs["domains"])
        attrs["type_domains"] = lists.setdefault(type_domains, list(type_domains))
        if role is not None:
            attrs["role"] = role
        if "accessMethods" in attrs:
            attrs["accessMethods"].sort()
            attrs["accessMethods"] = lists.setdefault(tuple(attrs["accessMethods"]), attrs["accessMethods"])
        if "conflicts" in attrs:
            attrs["conflicts"].sort(key=lambda c: c["field"])
        attrs["sources"].sort(key=lambda s: (s["document"], s["quote"], s.get("row", 0)))
        attrs["sources"] = cited.setdefault(tuple(map(id, attrs["sources"])), attrs["sources"])
        attrs["age_stated"] = "age_min" in attrs
        if not attrs["age_stated"]:
            attrs["age_min"] = attrs["age_max"] = None
        graph.add_node(id_of(subject), **attrs)

    relations_of = {}  # predicate -> (its name, the names of it and its superproperties), shared read-only
    put_edge = _edge_putter(graph)

    def add_edge(subject, predicate, obj, inferred):
        named = relations_of.get(predicate)
        if named is None:
            named = relations_of[predicate] = (sys.intern(local_name(predicate)), sorted(
                sys.intern(local_name(p)) for p in ontology.superproperties.get(predicate, {predicate})))
        put_edge(id_of(subject), id_of(obj), named[0], named[1], inferred)

    # An input may already hold the closure (a re-imported export): an edge
    # implied by a more specific one is the same edge, not a second one.
    narrower = {p: {q for q, ups in ontology.superproperties.items() if p in ups and q != p}
                for p in object_properties}
    delivered = inferred_runs(closed) if delivered is None else delivered
    # Every triple in the store's order, read by subject: a subject's id and a predicate's role worked
    # out once for all its triples (2.6 million at synthetic 10x).
    for subject, predicates in index.items():
        source = id_of(subject)
        if source is None:
            continue
        for predicate, objects in predicates.items():
            what, is_object = role_of(predicate)
            if not is_object and what != "domain":
                continue
            narrow = narrower.get(predicate, ())
            for obj in objects:
                if is_object and id_of(obj) is not None:
                    if any(obj in predicates.get(q, NOTHING) for q in narrow):
                        continue
                    add_edge(subject, predicate, obj, inferred=predicate == _RUNS and (subject, obj) in delivered)
                elif what == "domain" and obj in notation_of:
                    put_edge(source, domain_node(notation_of[obj]), "coversDomain", ["coversDomain"], False)
    for organisation, program in delivered:
        if program not in index.get(organisation, NOTHING).get(_RUNS, NOTHING):
            add_edge(organisation, TG.runs, program, inferred=True)
    return graph
