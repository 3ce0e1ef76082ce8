"""What a whole-graph pass works out once per shared object rather than once per use.

The projection shares one list or dict among the nodes or edges that hold the same value (a node's
types, an edge's attributes), and a loader one literal among the triples that hold it; a pass that
writes each as text makes the text once per object (:func:`per_object`). Keyed by identity: hashing a
list is not possible, and hashing a Literal is a Python call. Whether a term is a Literal is worked out
once per type (:class:`SubclassTest`): rdflib's terms are ABCs, whose ``isinstance`` is a Python call too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["per_object", "SubclassTest"]

T = TypeVar("T")


def per_object(make: Callable[[Any], T]) -> Callable[[Any], T]:
    """``make(value)`` worked out once per object ``value`` (by identity), each object held while the
    returned function lives (so that its id is not given to another).

    >>> calls = []
    >>> text = per_object(lambda v: calls.append(v) or str(sorted(v)))
    >>> shared = ["b", "a"]
    >>> text(shared), text(shared), text(["b", "a"]), len(calls)
    ("['a', 'b']", "['a', 'b']", "['a', 'b']", 2)
    """
    made: dict[int, tuple[Any, T]] = {}

    def once(value: Any) -> T:
        found = made.get(id(value))
        if found is None or found[0] is not value:
            found = made[id(value)] = (value, make(value))
        return found[1]

    return once


class SubclassTest(dict[type, bool]):
    """``test[type(value)]``: whether ``value`` is an instance of ``cls``, worked out once per type.

    A dictionary look-up where ``isinstance(value, Literal)`` goes through the ABC machinery of
    rdflib's terms (a whole-graph pass asks it millions of times).

    >>> from rdflib import Literal, URIRef
    >>> literal = SubclassTest(Literal)
    >>> literal[type(Literal("a"))], literal[type(URIRef("https://example.org/a"))], len(literal)
    (True, False, 2)
    """

    def __init__(self, cls: type) -> None:
        super().__init__()
        self.cls = cls

    def __missing__(self, kind: type) -> bool:
        found = self[kind] = issubclass(kind, self.cls)
        return found
