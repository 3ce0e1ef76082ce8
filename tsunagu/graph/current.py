"""The last build, checked for freshness: what query commands read.

This module stays light (no rdflib, no loaders) so that a query command
starts fast; it imports the build machinery only when a source changed.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from tsunagu import __version__
from tsunagu.exceptions import BuildMissing
from tsunagu.graph.store import load_stored

__all__ = ["embedded_data_files", "fingerprint", "current_graph", "current_rdf", "current_reach_graph", "fresh_stored"]

_CURATED_SUFFIXES = (".yaml", ".yml")
_ONTOLOGY_FILES = ("tsunagu.ttl", "domains.ttl", "shapes.ttl")


def embedded_data_files():
    """The curated files shipped in ``tsunagu/data``."""
    root = resources.files("tsunagu") / "data"
    return sorted((Path(str(p)) for p in root.iterdir() if p.name.endswith(_CURATED_SUFFIXES)), key=lambda p: p.name)


def _package_files():
    """What a build depends on besides the user's files: ontology, data and the build code itself."""
    root = resources.files("tsunagu")
    files = [Path(str(root / "ontology" / name)) for name in _ONTOLOGY_FILES] + embedded_data_files()
    files.append(Path(str(root / "data" / "facts" / "core_cities.yaml")))
    for package in ("graph", "loaders", "ontology", "queries"):
        files.extend(sorted(Path(str(p)) for p in (root / package).iterdir() if p.name.endswith(".py")))
    return files


def fingerprint(inputs):
    """A hash over the package's own data and code and the contents of ``inputs``."""
    digest = hashlib.sha256(__version__.encode())
    for path in _package_files() + [Path(p) for p in inputs]:
        digest.update(str(path.name).encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def fresh_stored(directory=None, rebuild_notice=None):
    stored = load_stored(directory)
    if stored is None:
        from tsunagu.graph.compiler import build  # only when (re)building

        build((), directory)
        return load_stored(directory)
    missing = [p for p in stored.inputs if not Path(p).is_file()]
    if missing:
        raise BuildMissing(
            f"{missing[0]} was part of the last build and is gone; run 'tsunagu build' with the files you want."
        )
    if fingerprint(stored.inputs) != stored.fingerprint:
        if rebuild_notice:
            rebuild_notice("A source changed since the last build; rebuilding.")
        from tsunagu.graph.compiler import build

        args = dict(stored.build_args)
        build(args.pop("paths", []), directory, **args)
        stored = load_stored(directory)
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
