"""The last build, checked for freshness: what query commands read.

This module stays light (no rdflib, no loaders) so that a query command
starts fast; it imports the build machinery only when a source changed.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from tsunagu import __version__
from tsunagu.exceptions import BuildMissing, CacheOutdated, NameNotFound
from tsunagu.graph.store import load_stored, recorded_files

__all__ = [
    "embedded_data_files",
    "fingerprint",
    "current_graph",
    "current_rdf",
    "current_reach_graph",
    "current_duties_graph",
    "current_entity",
    "current_resolve",
    "current_index",
    "fresh_stored",
]

_CURATED_SUFFIXES = (".yaml", ".yml")
_ONTOLOGY_FILES = ("tsunagu.ttl", "domains.ttl", "shapes.ttl")
_DATA_SUFFIXES = (".yaml", ".yml", ".csv", ".json", ".ttl", ".tsv")


def embedded_data_files():
    """The curated files shipped in ``tsunagu/data``."""
    root = resources.files("tsunagu") / "data"
    return sorted((Path(str(p)) for p in root.iterdir() if p.name.endswith(_CURATED_SUFFIXES)), key=lambda p: p.name)


def _package_files():
    """What a build depends on besides the user's files: ontology, data and the build code itself."""
    root = Path(str(resources.files("tsunagu")))
    files = [root / "ontology" / name for name in _ONTOLOGY_FILES] + embedded_data_files()
    # every data file at any depth (facts/, lists a loader reads) and the code of every subpackage
    # (loaders/sources/...): a change in any of them must rebuild
    known = set(files)
    files.extend(p for p in _files_below(root / "data", _DATA_SUFFIXES) if p not in known)
    for package in ("graph", "loaders", "ontology", "queries"):
        files.extend(_files_below(root / package, (".py",)))
    return files


def _files_below(folder, suffixes):
    """Files under ``folder`` at any depth ending in ``suffixes``, sorted (os.walk: faster than rglob)."""
    found = []
    for directory, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if f != "__pycache__"]
        found.extend(Path(directory) / name for name in names if name.endswith(suffixes))
    return sorted(found)


def fingerprint(inputs):
    """A hash over the package's own data and code and the contents of ``inputs``."""
    digest = hashlib.sha256(__version__.encode())
    for path in _package_files() + [Path(p) for p in inputs]:
        # a folder input (an HSDS export) counts by every file in it
        for member in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if member.is_file():
                digest.update(str(member.relative_to(path) if member != path else path.name).encode())
                digest.update(member.read_bytes())
    return digest.hexdigest()


def _rebuild(directory, build_args):
    from tsunagu.graph.compiler import build  # only when (re)building

    args = dict(build_args)
    build(args.pop("paths", []), directory, **args)
    return load_stored(directory)


def fresh_stored(directory=None, rebuild_notice=None):
    """The last build, rebuilt first when a source changed or it is from an older format.

    With no build yet, builds the embedded data. An older format is rebuilt
    from the inputs it recorded, never replaced by the embedded data alone;
    when it recorded none, or they are gone, :class:`CacheOutdated` names
    the command to run.
    """
    try:
        stored = load_stored(directory)
    except CacheOutdated as outdated:
        args = outdated.build_args
        if args is None or not all(Path(p).exists() for p in recorded_files(args)):
            raise
        if rebuild_notice:
            rebuild_notice("キャッシュの形式が古いため、前回と同じ入力で再構築します"
                           " (the cache is from an older version; rebuilding from the same inputs).")
        return _rebuild(directory, args)
    if stored is None:
        return _rebuild(directory, {})
    missing = [p for p in stored.inputs if not Path(p).exists()]  # a source may be a folder
    if missing:
        raise BuildMissing(
            f"{missing[0]} was part of the last build and is gone; run 'tsunagu build' with the files you want."
        )
    if fingerprint(stored.inputs) != stored.fingerprint:
        if rebuild_notice:
            rebuild_notice("A source changed since the last build; rebuilding.")
        stored = _rebuild(directory, stored.build_args)
    return stored


def current_graph(directory=None, rebuild_notice=None):
    """The networkx graph of the last build; builds the embedded data on first use."""
    return fresh_stored(directory, rebuild_notice).graph


def current_reach_graph(text, directory=None, rebuild_notice=None):
    """(key, graph) for the municipality ``text`` names: its precomputed referral graph.

    Reads the small name graph and one row of the reach store, not the
    national graph: what makes a cold ``refer`` fast.
    """
    from tsunagu.graph.names import normalise_name, resolve

    stored = fresh_stored(directory, rebuild_notice)
    found = stored.named(normalise_name(text))
    graph = stored.reach_graph(found[0]) if len(found) == 1 else None
    if graph is not None:  # one match, and a municipality (only those have a reach graph)
        return found[0], graph
    # ambiguous, unknown or not a municipality: the full name table says which, with suggestions
    key = resolve(stored.names(), text, types={"Municipality"})
    return key, stored.reach_graph(key)


def current_rdf(directory=None, rebuild_notice=None):
    """The closed RDF graph of the last build."""
    from tsunagu.graph.store import load_rdf

    return load_rdf(fresh_stored(directory, rebuild_notice))


def current_duties_graph(directory=None, rebuild_notice=None):
    """The duties graph of the last build: what ``gaps`` and ``tally`` read, without the whole graph.

    Every municipality with its prefecture, platforms, window and duty
    statuses, the survey figures and the name index of municipalities and
    prefectures (so :func:`tsunagu.graph.resolve` finds a prefecture on it);
    the same shape as ``BoltBackend.duties_graph()``.
    """
    return fresh_stored(directory, rebuild_notice).duties_graph()


def current_entity(key, directory=None, rebuild_notice=None):
    """A small graph holding entity ``key`` (a node id) with all its attributes, its edges
    in both directions and its neighbours' name, kind, code and types: what ``show`` reads.

    Raises :class:`NameNotFound` when the last build has no such node.
    """
    star = fresh_stored(directory, rebuild_notice).entity(key)
    if star is None:
        raise NameNotFound(key)
    return star


def current_resolve(text, *, types=None, directory=None, rebuild_notice=None):
    """The node id ``text`` names among every entity of the last build (id, code, name, kana),
    with the errors of :func:`tsunagu.graph.resolve`; reads index rows, not the graph."""
    from tsunagu.graph.names import NameTable, normalise_name, resolve

    stored = fresh_stored(directory, rebuild_notice)
    try:
        return resolve(NameTable(*stored.entity_entries(normalise_name(text))), text, types=types)
    except NameNotFound:  # the suggestions need every name
        return resolve(NameTable(*stored.entity_entries()), text, types=types)


def current_index(directory=None, rebuild_notice=None):
    """Municipalities and prefectures of the last build in code order (the diagrams' index):
    dicts of id, name, code, prefecture (name), kind and types."""
    return fresh_stored(directory, rebuild_notice).index()
