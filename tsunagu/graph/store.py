"""The compiled graph on disk: written atomically, read without rebuilding.

Two files in the cache directory: ``graph.pickle`` (the networkx projection
and the build's manifest; what every query command loads) and
``rdf-<fingerprint>.nt`` (the closed RDF, read only by ``sparql`` and
``export``). The pickle is replaced last, so a reader never sees a manifest
pointing at RDF that is not there yet.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["cache_dir", "Stored", "save", "load_stored", "load_rdf"]

_MANIFEST = "graph.pickle"
_FORMAT_VERSION = 2


def cache_dir():
    """``$TSUNAGU_HOME``, else ``$XDG_CACHE_HOME/tsunagu``, else ``~/.cache/tsunagu``."""
    if os.environ.get("TSUNAGU_HOME"):
        return Path(os.environ["TSUNAGU_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tsunagu"


@dataclass
class Stored:
    graph: object  # networkx.MultiDiGraph
    inputs: list  # user files given to the build, absolute paths
    fingerprint: str
    rdf_path: Path
    build_args: dict


def _atomic_write(path, write):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def save(compiled, directory=None):
    directory = Path(directory or cache_dir())
    rdf_path = directory / f"rdf-{compiled.fingerprint[:16]}.nt"
    _atomic_write(rdf_path, lambda stream: stream.write(compiled.rdf.serialize(format="nt", encoding="utf-8")))
    manifest = {
        "format": _FORMAT_VERSION,
        "graph": compiled.graph,
        "inputs": [str(p) for p in compiled.inputs],
        "fingerprint": compiled.fingerprint,
        "rdf": rdf_path.name,
        "build_args": compiled.build_args,
    }
    _atomic_write(directory / _MANIFEST, lambda stream: pickle.dump(manifest, stream, protocol=pickle.HIGHEST_PROTOCOL))
    for stale in directory.glob("rdf-*.nt"):
        if stale != rdf_path:
            stale.unlink()
    return directory / _MANIFEST


def load_stored(directory=None):
    """The last build, or None when there is none (or it is from an older format)."""
    path = Path(directory or cache_dir()) / _MANIFEST
    if not path.exists():
        return None
    with open(path, "rb") as stream:
        manifest = pickle.load(stream)
    if manifest.get("format") != _FORMAT_VERSION:
        return None
    return Stored(manifest["graph"], manifest["inputs"], manifest["fingerprint"], path.parent / manifest["rdf"],
                  manifest["build_args"])


def load_rdf(stored):
    from rdflib import Graph

    graph = Graph()
    graph.parse(source=str(stored.rdf_path), format="nt")
    return graph
