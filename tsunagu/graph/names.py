"""Finding an entity by id, 6-digit code, name in kanji, or reading in kana."""

from __future__ import annotations

import difflib
import unicodedata

from tsunagu.exceptions import AmbiguousName, NameNotFound

__all__ = ["normalise_name", "name_index", "resolve", "describe"]

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalise_name(text):
    """NFKC, katakana folded to hiragana, no white space, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_KATAKANA_TO_HIRAGANA)
    return "".join(text.split()).lower()


def name_index(graph):
    """Map every normalised id, code, name and kana to the nodes that carry it."""
    index = {}
    for node, data in graph.nodes(data=True):
        for key in {node, data.get("code"), data.get("name"), data.get("name_en"), data.get("kana"), data.get("notation")}:
            if key:
                index.setdefault(normalise_name(key), []).append(node)
    return {key: sorted(set(nodes)) for key, nodes in index.items()}


def describe(graph, node):
    """A one-line description that tells two same-named entities apart."""
    data = graph.nodes[node]
    prefecture = next(
        (graph.nodes[t].get("name") for _, t, k in graph.out_edges(node, keys=True) if k == "partOfPrefecture"),
        None,
    )
    details = ", ".join(part for part in (prefecture, data.get("code"), f"id {node}") if part)
    return f"{data.get('name', node)} ({details})"


def resolve(graph, text, *, types=None):
    """The node that ``text`` names, optionally only among nodes of ``types``.

    Raises :class:`NameNotFound` (with close matches) or :class:`AmbiguousName`
    (listing every candidate with its prefecture and code).
    """
    index = graph.graph.get("names") or name_index(graph)
    wanted = set(types or ())

    def fits(node):
        return not wanted or wanted & set(graph.nodes[node].get("types", ()))

    key = normalise_name(text)
    candidates = [n for n in index.get(key, ()) if fits(n)]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        candidates.sort(key=lambda n: (graph.nodes[n].get("code") or "", n))
        raise AmbiguousName(text, [describe(graph, n) for n in candidates])
    keys = [k for k, nodes in index.items() if any(fits(n) for n in nodes)]
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
    suggestions = []
    for match in close:
        suggestions.extend(describe(graph, n) for n in index[match] if fits(n))
    raise NameNotFound(text, suggestions[:5])

