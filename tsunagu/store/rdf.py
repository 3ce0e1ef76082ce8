"""The in-memory RDF store a build and a SPARQL query hold their triples in.

rdflib's default ``Memory`` store keeps, for every triple, which graphs
(contexts) hold it: a build has one graph, and that bookkeeping was a third
of its time in ``add`` and ``triples`` and some 80 MB of a national build.
:class:`DataStore` is rdflib's context-free ``SimpleMemory`` with two of its
three indexes and smaller leaves (half the memory), and a length read from
its index instead of by iterating every triple.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rdflib import Graph, Literal, plugin
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.store import Store

from tsunagu.ontology.namespace import canonical, canonical_terms
from tsunagu.store.memo import SubclassTest, per_object

__all__ = ["DataStore", "data_graph", "adder", "add_all", "triples_of", "subject_index", "subject_objects_of",
           "first_object", "NOTHING", "IS_LITERAL", "nt_blocks"]


class DataStore(SimpleMemory):
    """rdflib's ``SimpleMemory`` (one graph, no contexts) with two indexes, not three, whose ``len`` counts its index.

    rdflib keeps subject -> predicate -> objects, predicate -> object ->
    subjects and object -> subject -> predicates, each leaf a dictionary (224
    bytes for one entry). This store keeps the first two, and of an object
    held by one subject under a predicate (a name, a code: most of them) the
    subject itself rather than a dictionary of one. The third index, 43% of a
    synthetic build's index memory, answered only a pattern with the object
    alone bound, which reads the second index per predicate instead (a few
    hundred of them). Each term is kept once.

    >>> from rdflib import Literal, URIRef
    >>> g = data_graph()
    >>> s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    >>> _ = g.add((s, p, Literal(1))).add((s, p, Literal(1))).add((s, p, Literal(2)))
    >>> len(g), sorted(g.objects(s, p)), list(g.subjects(None, Literal(2))) == [s]
    (2, [rdflib.term.Literal('1', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), \
rdflib.term.Literal('2', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))], True)
    >>> g.remove((s, p, Literal(1)))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> len(g), (s, p, Literal(1)) in g, list(g.subjects(p, Literal(1)))
    (1, False, [])
    """

    def __init__(self, configuration: str | None = None, identifier: Any = None) -> None:
        super().__init__(configuration, identifier)
        # each term once (the same IRI or text made anew by each record), the vocabulary's as the ontology's
        # and the shapes' own objects: a look-up by them then compares nothing (ontology.canonical)
        self._terms: dict[Any, Any] = canonical_terms()
        self._spo: dict[Any, dict[Any, dict[Any, int]]] = {}
        # predicate -> object -> its one subject, or a dict of its subjects
        self._pos: dict[Any, dict[Any, Any]] = {}

    def add(self, triple: Any, context: Any = None, quoted: bool = False) -> None:
        terms = self._terms
        s, p, o = triple
        s, o = terms.setdefault(s, s), terms.setdefault(o, o)
        q = terms.get(p)
        if q is None:  # a predicate first met here: the process's own object for it (a shape's path)
            q = terms[p] = canonical(p)
        p = q
        predicates = self._spo.get(s)
        if predicates is None:
            predicates = self._spo[s] = {}
        objects = predicates.get(p)
        if objects is None:
            predicates[p] = {o: 1}
        else:
            objects[o] = 1
        by_object = self._pos.get(p)
        if by_object is None:
            by_object = self._pos[p] = {}
        held = by_object.get(o)
        if held is None:
            by_object[o] = s
        elif type(held) is dict:
            held[s] = 1
        elif held is not s:  # terms are interned: the same subject is the same object
            by_object[o] = {held: 1, s: 1}

    def keep_subjects_only(self) -> None:
        """Let the predicate index and the table of terms go, keeping the subject index alone: what a build
        does once nothing reads its triples but by subject (the projection). The store then refuses to
        change or to answer a pattern with the subject unbound, rather than answer it wrongly.

        >>> from rdflib import URIRef
        >>> g = data_graph().add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal(1)))
        >>> g.store.keep_subjects_only()
        >>> len(list(g.triples((URIRef("https://example.org/s"), None, None))))
        1
        >>> list(g.subjects(None, Literal(1)))
        Traceback (most recent call last):
        RuntimeError: this store keeps its subject index only: a pattern needs its subject
        """
        self._pos = None  # type: ignore[assignment]
        self._terms = None  # type: ignore[assignment]
        self.add = self.remove = self._refused  # type: ignore[method-assign]

    @staticmethod
    def _refused(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("this store keeps its subject index only: it is read, not changed")

    def remove(self, triple_pattern: Any, context: Any = None) -> None:
        for (s, p, o), _ in list(self.triples(triple_pattern)):
            del self._spo[s][p][o]
            by_object = self._pos[p]
            held = by_object[o]
            if type(held) is dict:
                del held[s]
            else:
                del by_object[o]

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[tuple[tuple[Any, Any, Any], Any]]:
        """Every triple matching ``triple_pattern`` (None: any), with no contexts."""
        s, p, o = triple_pattern
        none: tuple[()] = ()
        if s is not None:
            predicates = self._spo.get(s)
            if not predicates:
                return
            for predicate in ((p,) if p is not None else list(predicates)):
                objects = predicates.get(predicate)
                if not objects:
                    continue
                if o is not None:
                    if o in objects:
                        yield (s, predicate, o), none
                else:
                    for obj in list(objects):
                        yield (s, predicate, obj), none
        elif p is not None or o is not None:
            if self._pos is None:
                raise RuntimeError("this store keeps its subject index only: a pattern needs its subject")
            for predicate in ((p,) if p is not None else list(self._pos)):
                by_object = self._pos.get(predicate)
                if not by_object:
                    continue
                for obj in ((o,) if o is not None else list(by_object)):
                    held = by_object.get(obj)
                    if held is None:
                        continue
                    for subject in (list(held) if type(held) is dict else (held,)):
                        yield (subject, predicate, obj), none
        else:
            for subject, predicates in list(self._spo.items()):
                for predicate, objects in list(predicates.items()):
                    for obj in list(objects):
                        yield (subject, predicate, obj), none

    def __len__(self, context: Any = None) -> int:
        return sum(len(objects) for predicates in self._spo.values() for objects in predicates.values())

    def close(self, commit_pending_transaction: bool = False) -> None:
        """Let the triples go now: a graph and its namespace manager are a cycle, which only the collector frees."""
        self._spo.clear()
        for index in (self._pos, self._terms):
            if index is not None:
                index.clear()


def data_graph() -> Graph:
    """A new, empty graph over a :class:`DataStore`."""
    return Graph(store=DataStore())


def adder(graph: Graph) -> Any:
    """``add(triple)`` for ``graph``: a :class:`DataStore`'s own ``add`` (``Graph.add`` checks each term's
    type on every call: a loader's terms are made by the loader, millions at synthetic 10x), else ``graph.add``.

    >>> from rdflib import URIRef
    >>> g = data_graph()
    >>> adder(g)((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal(1)))
    >>> len(g)
    1
    """
    store = graph.store
    return store.add if isinstance(store, DataStore) else graph.add


def add_all(target: Graph, source: Graph) -> Graph:
    """Add every triple of ``source`` to ``target`` and return ``target``: ``target += source`` read from
    the store's index and added by its own ``add`` (:func:`triples_of`, :func:`adder`).

    >>> from rdflib import URIRef
    >>> one = data_graph().add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal(1)))
    >>> len(add_all(data_graph(), one))
    1
    """
    add = adder(target)
    for triple in triples_of(source):
        add(triple)
    return target


def triples_of(graph: Graph) -> Iterator[tuple[Any, Any, Any]]:
    """Every triple of ``graph``: from a :class:`DataStore`'s index directly (a whole-graph pass of the
    build went through three generators per triple), else as the graph yields them."""
    store = graph.store
    if not isinstance(store, DataStore):
        yield from graph
        return
    for subject, predicates in store._spo.items():
        for predicate, objects in predicates.items():
            for obj in objects:
                yield subject, predicate, obj


NOTHING: dict[Any, Any] = {}  # read only: what a subject or predicate absent from an index reads as
# IS_LITERAL[type(term)]: isinstance(term, Literal) without the ABC's Python call (rdflib's terms are ABCs)
IS_LITERAL = SubclassTest(Literal)


def first_object(index: dict[Any, dict[Any, dict[Any, int]]], subject: Any, predicate: Any) -> Any:
    """One object of ``subject``'s ``predicate`` in ``index`` (a :func:`subject_index`): the first, as
    ``Graph.value`` gives it, or None.

    >>> from rdflib import URIRef
    >>> s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    >>> g = data_graph().add((s, p, Literal(1)))
    >>> first_object(subject_index(g), s, p) == g.value(s, p), first_object(subject_index(g), p, s)
    (True, None)
    """
    objects = index.get(subject, NOTHING).get(predicate)
    return next(iter(objects)) if objects else None


def subject_objects_of(graph: Graph, predicate: Any) -> Iterator[tuple[Any, Any]]:
    """``(subject, object)`` of every triple of ``graph`` with ``predicate``, in the order
    ``graph.subject_objects(predicate)`` gives them: from a :class:`DataStore`'s predicate index directly
    (rdflib's goes through three generators per pair), else as the graph yields them.

    >>> from rdflib import URIRef
    >>> s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    >>> g = data_graph().add((s, p, Literal(1))).add((s, p, Literal(2)))
    >>> list(subject_objects_of(g, p)) == list(g.subject_objects(p))
    True
    """
    store = graph.store
    if not isinstance(store, DataStore) or store._pos is None:
        yield from graph.subject_objects(predicate)
        return
    for obj, held in list(store._pos.get(predicate, {}).items()):
        if type(held) is dict:
            for subject in list(held):
                yield subject, obj
        else:
            yield held, obj


def subject_index(graph: Graph) -> dict[Any, dict[Any, dict[Any, int]]]:
    """Subject -> predicate -> objects (a dict, in the store's order) of ``graph``, to read, not to change.

    A :class:`DataStore`'s own index; of any other graph, one made in a pass. A whole-graph step reads
    a subject's triples here with a dictionary look-up, where ``graph.objects`` goes through three
    generators per triple (a synthetic 10x projection reads 2.6 million).

    >>> from rdflib import URIRef
    >>> s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    >>> subject_index(data_graph().add((s, p, Literal(1))))[s][p]
    {rdflib.term.Literal('1', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')): 1}
    """
    store = graph.store
    if isinstance(store, DataStore):
        return store._spo
    index: dict[Any, dict[Any, dict[Any, int]]] = {}
    for s, p, o in graph:
        index.setdefault(s, {}).setdefault(p, {})[o] = 1
    return index


def nt_blocks(graph: Graph, rows: int = 20000) -> Iterator[bytes]:
    r"""``graph`` as N-Triples in UTF-8, ``rows`` lines a block: rdflib's serializer's lines, each term's
    text made once per subject, predicate or IRI value rather than once per triple.

    >>> from rdflib import URIRef
    >>> g = data_graph().add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal('a"b', lang="ja")))
    >>> print(b"".join(nt_blocks(g)).decode(), end="")
    <https://example.org/s> <https://example.org/p> "a\"b"@ja .
    """
    from rdflib.plugins.serializers.nt import _quoteLiteral

    text: dict[Any, str] = {}  # predicate or IRI/blank value -> its N-Triples form
    typed = per_object(_quoteLiteral)  # a date, flag or age a loader made once and many triples hold
    lines: list[str] = []
    for subject, predicates in subject_index(graph).items():
        head = subject.n3()
        for predicate, objects in predicates.items():
            middle = text.get(predicate)
            if middle is None:
                middle = text[predicate] = predicate.n3()
            for obj in objects:
                if IS_LITERAL[type(obj)]:
                    tail = _quoteLiteral(obj) if obj.datatype is None else typed(obj)
                else:
                    tail = text.get(obj)
                    if tail is None:
                        tail = text[obj] = obj.n3()
                lines.append(f"{head} {middle} {tail} .\n")
                if len(lines) >= rows:
                    yield "".join(lines).encode("utf-8")
                    lines.clear()
    if lines:
        yield "".join(lines).encode("utf-8")


plugin.register("tsunagu-memory", Store, __name__, "DataStore")
