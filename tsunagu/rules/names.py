"""The name index: every id, 6-digit code, name in kanji and reading in kana of an entity.

:mod:`tsunagu.resolver` finds what a user typed in it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["NameTable", "normalise_name", "name_index", "name_table", "city_of_ward", "prefecture_name_of"]

Graph = Any  # a networkx MultiDiGraph (networkx has no type hints)
Entry = tuple[str | None, str | None, str | None, frozenset[str]]  # (name, code, prefecture name, types)

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalise_name(text: object) -> str:
    """NFKC, katakana folded to hiragana, no white space, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_KATAKANA_TO_HIRAGANA)
    return "".join(text.split()).lower()


def name_index(graph: Graph) -> dict[str, list[str]]:
    """Map every normalised id, code, name and kana to the nodes that carry it."""
    index: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        # altLabel: a ward's own name (中央区), so that a bare ward name lists every match
        for key in {node, data.get("code"), data.get("name"), data.get("name_en"), data.get("kana"), data.get("notation"),
                    data.get("altLabel")}:
            if key:
                index.setdefault(normalise_name(key), []).append(node)
    return {key: sorted(set(nodes)) for key, nodes in index.items()}


class NameTable:
    """Plain dicts that resolve a name without loading a graph: what a cold ``refer`` reads."""

    def __init__(self, index: Mapping[str, list[str]], entries: Mapping[str, Entry],
                 parents: Mapping[str, str] | None = None) -> None:
        self.index = index  # normalised name -> [node]
        self.entries = entries  # node -> (name, code, prefecture name, frozenset of types)
        self.parents = parents or {}  # ward node -> its designated city's node


def name_table(graph: Graph, types: Iterable[str] = ("Municipality", "Prefecture", "AdministrativeWard")) -> NameTable:
    """A :class:`NameTable` of the nodes of ``types``."""
    wanted = set(types)
    entries: dict[str, Entry] = {}
    for node, data in graph.nodes(data=True):
        if wanted & set(data.get("types", ())):
            entries[node] = (data.get("name"), data.get("code"), prefecture_name_of(graph, node),
                             frozenset(data.get("types", ())))
    index = {key: [n for n in nodes if n in entries] for key, nodes in name_index(graph.subgraph(entries)).items()}
    parents = {n: city_of_ward(graph, n) for n, entry in entries.items() if "AdministrativeWard" in entry[3]}
    return NameTable(index, entries, {n: c for n, c in parents.items() if c is not None})


def city_of_ward(graph: Graph, node: str) -> str | None:
    """The designated city whose ward ``node`` is, or None."""
    return next((t for _, t, k in graph.out_edges(node, keys=True) if k == "partOfMunicipality"), None)


def prefecture_name_of(graph: Graph, node: str) -> str | None:
    """The name of the prefecture ``node`` (a municipality, or a ward through its city) is in."""
    for _, target, key in graph.out_edges(node, keys=True):
        if key == "partOfPrefecture":
            name: str | None = graph.nodes[target].get("name")
            return name
    city = city_of_ward(graph, node)  # a ward: its city's prefecture
    return prefecture_name_of(graph, city) if city is not None else None
