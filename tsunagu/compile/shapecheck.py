"""The SHACL shapes compiled to checks of one focus node at a time.

pyshacl evaluates each shape over the whole data graph through rdflib's
triple lookups: 26 s of CPU for 210,000 triples, and ten times that for ten
times the records. The shapes tsunagu ships (``ontology/shapes.ttl``) use a
small part of SHACL; :func:`compile_shapes` turns each into a Python test of
one focus node, read from the graph one node at a time (:func:`suspects`),
so checking grows with the records, a few microseconds each, and holds no
copy of the graph beside it.

The compiled checks only *pick out* the nodes that may fail. They are
stricter than SHACL where being exact would take more code (a ``ja-JP``
label, a value of a sub-datatype, anything they cannot compare): the nodes
picked out are handed to pyshacl with what the shapes read of them
(:func:`neighbourhood`), and pyshacl decides and writes the messages.
(pyshacl's own ``focus_nodes`` option is not used: it also skips the
values a nested shape such as ``sh:or`` or ``sh:qualifiedValueShape``
checks, and so passes them.) So the shapes stay the contract and the
messages are pyshacl's, as before; only a node the checks pass is not shown
to pyshacl. ``tests/test_shapecheck.py`` holds this against the full
pyshacl run over mutated records. A shape using a part of SHACL not
compiled here raises :class:`Uncompiled`, and the caller runs pyshacl over
everything.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from numbers import Real

from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from tsunagu.ontology.namespace import canonical
from tsunagu.store.rdf import IS_LITERAL, NOTHING, subject_index

__all__ = ["Uncompiled", "compile_shapes", "suspects", "neighbourhood"]

_CLASS, _OR = SH["class"], SH["or"]
_IGNORED = {RDF.type, RDFS.comment, RDFS.label, SH.message, SH.name, SH.description, SH.severity}
_NODE_KEYS = {SH.targetClass, SH.property, _OR} | _IGNORED
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, _CLASS, SH.datatype, SH.minInclusive, SH.maxInclusive,
                  SH.pattern, SH.languageIn, SH.uniqueLang, SH.qualifiedValueShape, SH.qualifiedMinCount,
                  SH.nodeKind, SH.minLength, SH.lessThanOrEquals, _OR} | _IGNORED


class Uncompiled(Exception):
    """The shapes use a part of SHACL these checks do not compile: run pyshacl over everything."""


class _Index:
    """What the checks read: node -> its types, class -> its superclasses (itself included), object ->
    predicate -> subjects for the few inverse paths, and the triples of one focus node at a time
    (:meth:`focus`), so that no copy of the whole graph is held beside it."""

    def __init__(self, data, predicates, inverse):
        self.spo, self.predicates = subject_index(data), predicates  # the store's own index, read only
        self.types, self.into, subclass = {}, {}, {}
        type_, subclass_of = canonical(RDF.type), canonical(RDFS.subClassOf)  # the store's own objects
        for s, po in self.spo.items():
            if po.get(type_):  # an entry emptied by a removal is no type
                self.types[s] = po[type_]  # the store's own dict of them, read as a set: not a copy per node
            if po.get(subclass_of):
                subclass[s] = set(po[subclass_of])
            for p in inverse:
                for o in po.get(p, ()):
                    self.into.setdefault(o, {}).setdefault(p, []).append(s)
        self._subclass, self._up = subclass, {}
        self._node, self._out = None, {}

    def focus(self, node):
        """Read ``node``'s own triples: every path the shapes follow starts at the focus node (the store's
        own dict of them, read only: the tests look a path up and count and read its objects)."""
        self._node, self._out = node, self.spo.get(node, NOTHING)

    def up(self, cls):
        """``cls`` and every class above it (rdfs:subClassOf*, as SHACL reads the data graph)."""
        found = self._up.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            while todo:
                for parent in self._subclass.get(todo.pop(), ()):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
            self._up[cls] = found
        return found

    def is_a(self, node, cls):
        up = self._up
        for t in self.types.get(node, ()):  # a loop, not any(): a million calls at synthetic 10x
            if cls in (up.get(t) or self.up(t)):
                return True
        return False

    def values(self, node, path, inverse):
        if inverse:
            return self.into.get(node, {}).get(path, ())
        if node is not self._node and node != self._node:  # the focus node itself, nearly always
            self.focus(node)
        return self._out.get(path, ())


def _number(value):
    if not IS_LITERAL[type(value)]:
        return None
    number = value.toPython()
    if type(number) in _NUMBERS:  # the usual ones, without the ABC's isinstance (a million values at synthetic 10x)
        return number
    return number if isinstance(number, (Real, Decimal)) and not isinstance(number, bool) else None


_NUMBERS = frozenset((int, float, Decimal))


def _datatype_ok(value, datatype):
    if not IS_LITERAL[type(value)]:
        return False
    if value.language:
        return datatype == RDF.langString
    if (value.datatype or XSD.string) != datatype:
        return False  # a sub-datatype is left to pyshacl
    return not getattr(value, "ill_typed", False)


def _value_test(shapes, node):
    """A test of one value against the value constraints of ``node`` (a shape without a path)."""
    keys = set(shapes.predicates(node)) - _IGNORED
    if keys - {_CLASS, _OR}:
        raise Uncompiled(f"value shape with {sorted(keys)}")
    tests = [_class_test(c) for c in shapes.objects(node, _CLASS)]
    for members in shapes.objects(node, _OR):
        alternatives = [_value_test(shapes, m) for m in Collection(shapes, members)]
        tests.append(lambda index, value, alts=alternatives: any(a(index, value) for a in alts))
    return lambda index, value: all(t(index, value) for t in tests)


def _class_test(cls):
    return lambda index, value: not IS_LITERAL[type(value)] and index.is_a(value, cls)


def _property(shapes, node, predicates, inverse):
    """A test of one focus node against the property shape ``node``: True when it surely conforms."""
    unknown = set(shapes.predicates(node)) - _PROPERTY_KEYS
    if unknown:
        raise Uncompiled(f"property shape with {sorted(unknown)}")
    path = shapes.value(node, SH.path)
    backwards = False
    if isinstance(path, BNode):
        path, backwards = shapes.value(path, SH.inversePath), True
        if not isinstance(path, URIRef):
            raise Uncompiled("a path other than a predicate or its inverse")
    elif not isinstance(path, URIRef):
        raise Uncompiled("a path other than a predicate or its inverse")
    (inverse if backwards else predicates).add(path)
    one = lambda key: shapes.value(node, key)  # noqa: E731
    low, high = one(SH.minCount), one(SH.maxCount)
    low, high = int(low) if low is not None else 0, int(high) if high is not None else None
    per_value = [_class_test(c) for c in shapes.objects(node, _CLASS)]
    for members in shapes.objects(node, _OR):
        alternatives = [_value_test(shapes, m) for m in Collection(shapes, members)]
        per_value.append(lambda index, value, alts=alternatives: any(a(index, value) for a in alts))
    datatype = one(SH.datatype)
    if datatype is not None:
        per_value.append(lambda index, value: _datatype_ok(value, datatype))
    for key, keep in ((SH.minInclusive, lambda n, b: n >= b), (SH.maxInclusive, lambda n, b: n <= b)):
        bound = one(key)
        if bound is not None:
            limit = _number(bound)
            per_value.append(lambda index, value, limit=limit, keep=keep:
                             limit is not None and (number := _number(value)) is not None and keep(number, limit))
    for pattern in shapes.objects(node, SH.pattern):
        compiled = re.compile(str(pattern))
        per_value.append(lambda index, value, compiled=compiled:
                         not isinstance(value, BNode) and compiled.search(str(value)) is not None)
    languages = one(SH.languageIn)
    if languages is not None:
        allowed = {str(x).lower() for x in Collection(shapes, languages)}
        per_value.append(lambda index, value: IS_LITERAL[type(value)] and (value.language or "").lower() in allowed)
    kind = one(SH.nodeKind)
    if kind is not None:
        if kind != SH.IRI:
            raise Uncompiled(f"sh:nodeKind {kind}")
        per_value.append(lambda index, value: isinstance(value, URIRef))
    shortest = one(SH.minLength)
    if shortest is not None:
        per_value.append(lambda index, value, n=int(shortest): not isinstance(value, BNode) and len(str(value)) >= n)
    unique = one(SH.uniqueLang)
    qualified, at_least = one(SH.qualifiedValueShape), one(SH.qualifiedMinCount)
    if (qualified is None) != (at_least is None):
        raise Uncompiled("sh:qualifiedValueShape without sh:qualifiedMinCount")
    qualifies = _qualified(shapes, qualified) if qualified is not None else None
    at_least = int(at_least) if at_least is not None else 0
    compared = one(SH.lessThanOrEquals)
    most = high if high is not None else sys.maxsize
    # what most property shapes are: a count and tests of each value (four million checks at synthetic 10x)
    counted_only = not (unique is not None and bool(unique)) and qualifies is None and compared is None

    def conforms(index, focus):
        if not backwards and focus is index._node:  # the focus node's own triples, read already
            values = index._out.get(path, ())
        else:
            values = index.values(focus, path, backwards)
        count = len(values)
        if count < low or count > most:
            return False
        for value in values:
            for test in per_value:
                if not test(index, value):
                    return False
        if counted_only:
            return True
        if unique is not None and bool(unique):
            tags = [v.language.lower() for v in values if isinstance(v, Literal) and v.language]
            if len(tags) != len(set(tags)):
                return False
        if qualifies is not None and sum(1 for v in values if qualifies(v)) < at_least:
            return False
        if compared is not None:
            for other in index.values(focus, compared, False):
                b = _number(other)
                if any(b is None or _number(v) is None or _number(v) > b for v in values):
                    return False
        return True

    if compared is not None:
        predicates.add(compared)
    return conforms


def _qualified(shapes, node):
    keys = set(shapes.predicates(node)) - _IGNORED
    if keys != {SH.languageIn}:
        raise Uncompiled(f"qualified value shape with {sorted(keys)}")
    allowed = {str(x).lower() for x in Collection(shapes, shapes.value(node, SH.languageIn))}
    return lambda value: IS_LITERAL[type(value)] and (value.language or "").lower() in allowed


def compile_shapes(shapes):
    """``[(target classes, test)]`` for each node shape of ``shapes``, and the predicates the tests read.

    A test takes an index and a focus node and returns True when the node
    surely conforms. Raises :class:`Uncompiled` for a shape outside what is compiled.
    """
    compiled, predicates, inverse = [], set(), set()
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        unknown = set(shapes.predicates(shape)) - _NODE_KEYS
        if unknown:
            raise Uncompiled(f"node shape with {sorted(unknown)}")
        targets = set(shapes.objects(shape, SH.targetClass))
        tests = [_property(shapes, p, predicates, inverse) for p in shapes.objects(shape, SH.property)]
        for members in shapes.objects(shape, _OR):
            # each alternative a property shape of the focus node (as AgeRangeShape's min or max age)
            alternatives = [_property(shapes, m, predicates, inverse) for m in Collection(shapes, members)]
            tests.append(lambda index, focus, alts=alternatives: any(a(index, focus) for a in alts))
        if targets:
            compiled.append((targets, _all_of(tests)))
    return compiled, predicates, inverse


def _all_of(tests):
    def passes(index, focus):
        for test in tests:  # a loop, not all() over a generator: a million focus nodes at synthetic 10x
            if not test(index, focus):
                return False
        return True

    return passes


def suspects(data, shapes):
    """The focus nodes of ``data`` the compiled ``shapes`` cannot pass: every node SHACL would report, perhaps more.

    Examples
    --------
    >>> from rdflib import Graph
    >>> from tsunagu.ontology import shapes_graph, TG, ID
    >>> g = Graph().add((ID["x"], RDF.type, TG.SourceDocument))  # no dcterms:identifier
    >>> suspects(g, shapes_graph()) == {ID["x"]}
    True
    """
    compiled, predicates, inverse = compile_shapes(shapes)
    index = _Index(data, predicates, inverse)
    by_types, found = {}, set()
    for node, types in index.types.items():
        key = frozenset(types)
        applying = by_types.get(key)
        if applying is None:
            above = set().union(*(index.up(t) for t in types))
            applying = by_types[key] = [test for targets, test in compiled if targets & above]
        if applying:
            index.focus(node)
            for test in applying:
                if not test(index, node):
                    found.add(node)
                    break
    return found


def neighbourhood(data, nodes, shapes):
    """What the shapes read of ``nodes`` in ``data``, as a graph of its own: their triples, the triples
    pointing at them by a predicate an inverse path follows, the types of every value, and every
    ``rdfs:subClassOf``. Validated alone, each of ``nodes`` gets the results it gets in ``data``
    (other nodes typed there may get more: the caller keeps only those of ``nodes``)."""
    from rdflib import Graph

    inverse = {shapes.value(p, SH.inversePath) for p in shapes.objects(None, SH.path) if isinstance(p, BNode)}
    part = Graph()
    add = part.add
    values = set()
    for node in nodes:
        for _, p, o in data.triples((node, None, None)):
            add((node, p, o))
            if not isinstance(o, Literal):
                values.add(o)
        for p in inverse:
            for s in data.subjects(p, node):
                add((s, p, node))
    for value in values:
        for cls in data.objects(value, RDF.type):
            add((value, RDF.type, cls))
    for triple in data.triples((None, RDFS.subClassOf, None)):
        add(triple)
    return part
