"""Finding an entity by id, 6-digit code, name in kanji, or reading in kana."""

from __future__ import annotations

import difflib
import unicodedata

from tsunagu.exceptions import AmbiguousName, NameNotFound, WrongCheckDigit

__all__ = ["NameTable", "normalise_name", "name_index", "name_table", "resolve", "describe"]

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def normalise_name(text):
    """NFKC, katakana folded to hiragana, no white space, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_KATAKANA_TO_HIRAGANA)
    return "".join(text.split()).lower()


def name_index(graph):
    """Map every normalised id, code, name and kana to the nodes that carry it."""
    index = {}
    for node, data in graph.nodes(data=True):
        # altLabel: a ward's own name (中央区), so that a bare ward name lists every match
        for key in {node, data.get("code"), data.get("name"), data.get("name_en"), data.get("kana"), data.get("notation"),
                    data.get("altLabel")}:
            if key:
                index.setdefault(normalise_name(key), []).append(node)
    return {key: sorted(set(nodes)) for key, nodes in index.items()}


class NameTable:
    """Plain dicts that resolve a name without loading a graph: what a cold ``refer`` reads."""

    def __init__(self, index, entries, parents=None):
        self.index = index  # normalised name -> [node]
        self.entries = entries  # node -> (name, code, prefecture name, frozenset of types)
        self.parents = parents or {}  # ward node -> its designated city's node


def name_table(graph, types=("Municipality", "Prefecture", "AdministrativeWard")):
    """A :class:`NameTable` of the nodes of ``types``."""
    wanted = set(types)
    entries = {}
    for node, data in graph.nodes(data=True):
        if wanted & set(data.get("types", ())):
            entries[node] = (data.get("name"), data.get("code"), _prefecture_name(graph, node),
                             frozenset(data.get("types", ())))
    index = {key: [n for n in nodes if n in entries] for key, nodes in name_index(graph.subgraph(entries)).items()}
    parents = {n: _city(graph, n) for n, entry in entries.items() if "AdministrativeWard" in entry[3]}
    return NameTable(index, entries, {n: c for n, c in parents.items() if c is not None})


def _city(graph, node):
    return next((t for _, t, k in graph.out_edges(node, keys=True) if k == "partOfMunicipality"), None)


def _prefecture_name(graph, node):
    for _, target, key in graph.out_edges(node, keys=True):
        if key == "partOfPrefecture":
            return graph.nodes[target].get("name")
    city = _city(graph, node)  # a ward: its city's prefecture
    return _prefecture_name(graph, city) if city is not None else None


def _parent(source, node):
    if isinstance(source, NameTable):
        return getattr(source, "parents", {}).get(node)
    return _city(source, node)


def _entry(source, node):
    if isinstance(source, NameTable):
        return source.entries[node]
    data = source.nodes[node]
    return data.get("name"), data.get("code"), _prefecture_name(source, node), frozenset(data.get("types", ()))


def describe(source, node):
    """A one-line description that tells two same-named entities apart."""
    name, code, prefecture, _ = _entry(source, node)
    details = ", ".join(part for part in (prefecture, code, f"id {node}") if part)
    return f"{name or node} ({details})"


def resolve(source, text, *, types=None):
    """The node that ``text`` names in a graph or :class:`NameTable`, optionally only among ``types``.

    Raises :class:`NameNotFound` (with close matches) or :class:`AmbiguousName`
    (listing every candidate with its prefecture and code).
    """
    index = source.index if isinstance(source, NameTable) else (source.graph.get("names") or name_index(source))
    wanted = set(types or ())

    # A designated city's ward stands for its city where a municipality is asked for:
    # 「札幌市中央区」 answers for 札幌市, and a bare 「中央区」 is ambiguous, not Tokyo's.
    ward_as_city = bool(wanted & {"Municipality", "DesignatedCity"}) and "AdministrativeWard" not in wanted

    def fits(node):
        types = _entry(source, node)[3]
        return not wanted or bool(wanted & types) or (ward_as_city and "AdministrativeWard" in types)

    key = normalise_name(text)
    candidates = [n for n in index.get(key, ()) if fits(n)]
    if len(candidates) == 1:
        found = candidates[0]
        if ward_as_city and "AdministrativeWard" in _entry(source, found)[3]:
            return _parent(source, found) or found
        return found
    if len(candidates) > 1:
        candidates.sort(key=lambda n: (_entry(source, n)[1] or "", n))
        raise AmbiguousName(text, [describe(source, n) for n in candidates])
    _check_digit_hint(index, key, text, fits, source)
    keys = [k for k, nodes in index.items() if any(fits(n) for n in nodes)]
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
    suggestions = []
    for match in close:
        suggestions.extend(describe(source, n) for n in index[match] if fits(n))
    raise NameNotFound(text, suggestions[:5])


def _check_digit_hint(index, key, text, fits, source):
    """Raise :class:`WrongCheckDigit` when ``key`` is a 6-digit code whose check digit alone is wrong."""
    from tsunagu.loaders.curated import check_digit

    if len(key) != 6 or not key.isdigit():
        return
    right = key[:5] + str(check_digit(key[:5]))
    if right == key:
        return
    nodes = [n for n in index.get(right, ()) if fits(n)]
    if nodes:
        raise WrongCheckDigit(text, right, _entry(source, nodes[0])[0] or nodes[0])
