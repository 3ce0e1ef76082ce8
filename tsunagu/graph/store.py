"""The compiled graph on disk: written atomically, read without rebuilding.

The cache directory holds ``manifest.json`` (what was built from what, and
the names of the files below) and, named by the build's fingerprint:

- ``graph-<fp>.pickle``: the networkx projection (what most commands load);
- ``rdf-<fp>.nt``: the closed RDF (``sparql`` and ``export`` only);
- ``names-<fp>.pickle``: municipalities and prefectures with the name index,
  small enough to load on every ``refer``;
- ``reach-<fp>.sqlite``: one small pickled graph per municipality holding the
  answer of the referral walk, so ``refer`` and ``coverage`` read one row.

Every file is written to a temporary name and renamed; the manifest is
replaced last, so a reader never sees a manifest pointing at files that are
not complete.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["cache_dir", "Stored", "save", "load_stored", "load_rdf"]

_MANIFEST = "manifest.json"
_FORMAT_VERSION = 4


def cache_dir():
    """``$TSUNAGU_HOME``, else ``$XDG_CACHE_HOME/tsunagu``, else ``~/.cache/tsunagu``."""
    if os.environ.get("TSUNAGU_HOME"):
        return Path(os.environ["TSUNAGU_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tsunagu"


@dataclass
class Stored:
    directory: Path
    inputs: list  # files given to the build, absolute paths
    fingerprint: str
    build_args: dict
    files: dict

    @property
    def rdf_path(self):
        return self.directory / self.files["rdf"]

    @property
    def graph(self):
        """The whole networkx graph (loaded on first use)."""
        if not hasattr(self, "_graph"):
            with open(self.directory / self.files["graph"], "rb") as stream:
                self._graph = pickle.load(stream)
        return self._graph

    def names(self):
        """Municipalities and prefectures with the name index: enough to resolve a name."""
        with open(self.directory / self.files["names"], "rb") as stream:
            return pickle.load(stream)

    def named(self, normalised):
        """The nodes whose normalised name, kana, code or id is ``normalised`` (an index look-up)."""
        connection = sqlite3.connect(f"file:{self.directory / self.files['reach']}?mode=ro", uri=True)
        try:
            return [row[0] for row in connection.execute("SELECT node FROM names WHERE name = ?", (normalised,))]
        finally:
            connection.close()

    def reach_graph(self, municipality):
        """The precomputed referral graph of one municipality (a node id)."""
        connection = sqlite3.connect(f"file:{self.directory / self.files['reach']}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT graph FROM reach WHERE municipality = ?", (municipality,)).fetchone()
        finally:
            connection.close()
        return pickle.loads(row[0]) if row else None


def _temporary(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    return Path(temporary)


def _atomic_write(path, write):
    temporary = _temporary(path)
    try:
        with open(temporary, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_reach(path, reach_graphs, names):
    """``reach_graphs``: a dict, or an iterable of (municipality, graph) pairs written as they come."""
    items = reach_graphs.items() if isinstance(reach_graphs, dict) else reach_graphs
    temporary = _temporary(path)
    try:
        connection = sqlite3.connect(temporary)
        with connection:
            connection.execute("CREATE TABLE names (name TEXT NOT NULL, node TEXT NOT NULL)")
            connection.executemany("INSERT INTO names VALUES (?, ?)",
                                   ((key, node) for key, nodes in names.index.items() for node in nodes))
            connection.execute("CREATE INDEX names_by_name ON names (name)")
            connection.execute("CREATE TABLE reach (municipality TEXT PRIMARY KEY, graph BLOB NOT NULL)")
            connection.executemany("INSERT INTO reach VALUES (?, ?)",
                                   ((key, pickle.dumps(sub, protocol=pickle.HIGHEST_PROTOCOL)) for key, sub in items))
        connection.close()
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def save(compiled, directory=None):
    directory = Path(directory or cache_dir())
    tag = compiled.fingerprint[:16]
    files = {"graph": f"graph-{tag}.pickle", "rdf": f"rdf-{tag}.nt", "names": f"names-{tag}.pickle",
             "reach": f"reach-{tag}.sqlite"}
    dump = lambda value: lambda stream: pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)  # noqa: E731
    _atomic_write(directory / files["rdf"], lambda stream: stream.write(compiled.rdf.serialize(format="nt", encoding="utf-8")))
    _atomic_write(directory / files["graph"], dump(compiled.graph))
    _atomic_write(directory / files["names"], dump(compiled.names))
    _write_reach(directory / files["reach"], compiled.reach_graphs, compiled.names)
    manifest = {"format": _FORMAT_VERSION, "inputs": [str(p) for p in compiled.inputs],
                "fingerprint": compiled.fingerprint, "build_args": compiled.build_args, "files": files}
    _atomic_write(directory / _MANIFEST, lambda stream: stream.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode()))
    keep = set(files.values()) | {_MANIFEST}
    for stale in directory.iterdir():
        if stale.name not in keep and not stale.name.endswith(".tmp") and stale.suffix in (".pickle", ".nt", ".sqlite"):
            stale.unlink(missing_ok=True)
    return directory / _MANIFEST


def load_stored(directory=None):
    """The last build, or None when there is none (or it is from an older format)."""
    directory = Path(directory or cache_dir())
    path = directory / _MANIFEST
    if not path.exists():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != _FORMAT_VERSION:
        return None
    return Stored(directory, manifest["inputs"], manifest["fingerprint"], manifest["build_args"], manifest["files"])


def load_rdf(stored):
    from rdflib import Graph

    graph = Graph()
    graph.parse(source=str(stored.rdf_path), format="nt")
    return graph
