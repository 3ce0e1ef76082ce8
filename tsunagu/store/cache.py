"""The compiled graph on disk: written atomically, checked when read.

The cache directory holds ``manifest.json`` (what was built from what, the
names of the files below with their size and sha256) and, named by the
build's fingerprint:

- ``graph-<fp>.pickle``: the networkx projection (``stats``, ``export``,
  ``push``, ``map`` and the diagrams load it), pickled without its name
  index and then the index (:func:`graph_pickle`; a build's projecting
  process writes the first, the build the index after it);
- ``rdf-<fp>.nt``: the closed RDF (``sparql`` and ``export`` only);
- ``reach-<fp>.sqlite``: rows that answer without the whole graph: one
  small pickled graph per municipality with what its walk reached, the
  candidates judged on it when read (``refer``, ``coverage``;
  :func:`tsunagu.compile.precompute.reach_subgraph`) and the
  pickled duties graph and the duty table (``gaps``, ``tally``); as JSON
  (:mod:`tsunagu.store.graphjson`, which runs no code named by the file)
  the vocabulary rows share; the name index of every entity, and the index
  of municipalities and prefectures (with the municipality/prefecture name
  table, what resolving a name reads);
- ``entity-<fp>.sqlite``: one JSON row per entity (``show``), in a file of
  its own: a build's second process writes most of it while the first
  writes the reach file, and nothing is copied from one file to another.

Pickle runs code named by the file, so every reader first refuses a cache
folder or file that another user could write (or that another user owns).
The per-municipality rows and the duties graph stay pickle because JSON,
measured on the synthetic 1x country, took six times as long to write the
1,741 reach rows (12 s against 2 s on a loaded machine), 1.5 times the
space, 3 ms against 1 ms to read a row, and 232 ms against 24 ms to read
the duties graph (slower than the whole graph's 104 ms); the other rows are
data.

Every file is written to a temporary name and renamed; the manifest is
replaced last, so a reader never sees a manifest pointing at files that are
not complete. One build at a time holds ``build.lock``; cleanup keeps what
the manifest on disk names. A reader checks each file's size when it opens
it (and the full hash of the small ones), and refuses a folder that another
user could write, since pickle runs code.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import pickle
import shlex
import shutil
import sqlite3
import tempfile
import time
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tsunagu.exceptions import BuildBusy, CacheDamaged, CacheOutdated, CacheUnsafe, CacheWriteError, TsunaguError
from tsunagu.store.memo import per_object

__all__ = [
    "cache_dir",
    "Stored",
    "ReachRows",
    "SCRATCH_PREFIX",
    "scratch_unwritable",
    "BuildFile",
    "write_reach_share",
    "RecentGraphs",
    "build_lock",
    "rebuild_command",
    "recorded_files",
    "save",
    "load_stored",
    "load_rdf",
    "duties_subgraph",
    "entity_star",
]

@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector inside the block (reference counting still frees memory)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_MANIFEST = "manifest.json"
SCRATCH_PREFIX = "reach-shares-"  # a build's working folder of reach rows (compile.precompute)
_LOCK = "build.lock"
_FAILED = "failed.json"  # written by tsunagu.compile.current when a rebuild fails
# 16: the vocabulary rows share holds the organisation types' ages (type_ages), which the judge reads;
# 15: a reach row is (SmallGraph, municipality, what its walk reached), the candidates judged when read;
# 14: the entity table in a file of its own; 13: the graph file is two pickles, the graph and then its
# name index; 12: the duty table; 11: a reach row is (SmallGraph, TownWalk), the walk no longer in the
# graph's attributes; 10: reach rows are SmallGraphs without the shared attributes; 9: build_args["lists"]
_FORMAT_VERSION = 16
_HASH_ALWAYS_BELOW = 256 * 2**10  # files this small are hashed in full when first opened: under a millisecond
_DUTY_RELATIONS = ("ofMunicipality", "servesArea", "windowOf", "partOfPrefecture")  # as bolt/backend.py
# test hook: before the manifest is replaced, create <path>.waiting and wait until <path> exists
_PAUSE_VARIABLE = "TSUNAGU_TEST_PAUSE_BEFORE_MANIFEST"


def cache_dir():
    """``$TSUNAGU_HOME``, else ``$XDG_CACHE_HOME/tsunagu``, else ``~/.cache/tsunagu``."""
    if os.environ.get("TSUNAGU_HOME"):
        return Path(os.environ["TSUNAGU_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tsunagu"


def recorded_files(build_args):
    """Every file a build recorded in ``build_args``: its paths, then each named source."""
    files = [str(p) for p in build_args.get("paths", [])]
    for value in [v for k, v in build_args.items() if k not in ("paths", "sources")] + \
            list((build_args.get("sources") or {}).values()):
        if isinstance(value, str) and value not in files:
            files.append(value)
    return files


def rebuild_command(build_args):
    """The ``tsunagu build ...`` command line that makes a build from ``build_args`` again.

    The three older sources keep their options; any other named source is
    ``--source NAME=PATH``.

    Examples
    --------
    >>> rebuild_command({"paths": ["/data/a.yaml"], "municipalities": "/data/list.csv"})
    'tsunagu build /data/a.yaml --municipalities /data/list.csv'
    >>> rebuild_command({"paths": [], "sources": {"municipalities": "/m.csv", "hokenjo": "/h.csv"}})
    'tsunagu build --municipalities /m.csv --source hokenjo=/h.csv'
    >>> rebuild_command({"paths": [], "sources": {}, "lists": False})
    'tsunagu build --seeds-only'
    >>> rebuild_command(None)
    'tsunagu build <前回と同じファイル>'
    """
    if build_args is None:
        return "tsunagu build <前回と同じファイル>"
    words = ["tsunagu", "build"] + [shlex.quote(str(p)) for p in build_args.get("paths", [])]
    if build_args.get("lists") is False:
        words.append("--seeds-only")
    named = {k: v for k, v in build_args.items() if k not in ("paths", "sources", "lists")}
    named.update(build_args.get("sources") or {})
    for option, value in named.items():
        if isinstance(value, str):
            if option in ("municipalities", "population", "survey"):
                words += [f"--{option}", shlex.quote(value)]
            else:
                words += ["--source", shlex.quote(f"{option}={value}")]
    return " ".join(words)


def _damaged(directory, what, build_args):
    return CacheDamaged(f"前回のビルドが壊れています ({directory}: {what})。次を実行してください: "
                        f"{rebuild_command(build_args)} (the last build is damaged; run that command)")


def _unpickled(stream=None, data=None):
    """``pickle.load``/``loads`` with the cyclic collector paused: it would rescan the
    growing heap again and again while millions of objects are created."""
    with collector_paused():
        return pickle.load(stream) if data is None else pickle.loads(data)


def graph_pickle(graph, names=True):
    """``write(stream)``: ``graph`` as the cache keeps it, two pickles: the graph without its name index
    (the ``names`` attribute), then that index (:func:`graph_unpickled` reads both). The pickler's memo
    of each is held in turn, not together (synthetic 10x: some 180 MB for the graph). ``names=False``:
    the graph alone, the index to be added after it (:func:`names_pickle`, :meth:`BuildFile.extended`:
    a build makes the index while the towns are made).

    >>> import io, networkx as nx
    >>> g = nx.MultiDiGraph(names={"いの町": ["ino"]})
    >>> stream = io.BytesIO()
    >>> graph_pickle(g)(stream)
    >>> _ = stream.seek(0)
    >>> graph_unpickled(stream).graph
    {'names': {'いの町': ['ino']}}
    """

    def write(stream):
        own = graph.graph
        graph.graph = {key: value for key, value in own.items() if key != "names"}
        try:
            pickle.dump(graph, stream, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            graph.graph = own
        if names:
            names_pickle(own.get("names"))(stream)

    return write


def names_pickle(names):
    """``write(stream)``: the name index as :func:`graph_pickle` writes it after the graph."""

    def write(stream):
        pickle.dump(names, stream, protocol=pickle.HIGHEST_PROTOCOL)

    return write


def graph_unpickled(stream, names=True):
    """The graph :func:`graph_pickle` wrote into ``stream``, its name index put back (``names=False``:
    the graph alone, as ``graph_pickle(..., names=False)`` wrote it)."""
    graph = _unpickled(stream)
    if not names:
        return graph
    names = _unpickled(stream)
    if names is not None:
        graph.graph["names"] = names
    return graph


# The graph attributes every reach graph carries alike (the vocabulary: labels, bands, columns...):
# stored once beside the rows, not in each, and put back when a row is read.
def reach_row(graph, municipality, reached):
    """``graph`` (a reach graph) and what the walk from ``municipality`` reached (``reached``, a
    :class:`~tsunagu.rules.judge.TownWalk`'s) pickled as a row, the graph's attributes left out: every
    reach graph shares them (:func:`shared_reach_attributes`). The judge's candidates are not kept: they
    are judged on the graph when the row is read (:func:`_reach_pair`; some 0.4 ms a town, against
    two fifths of the rows' bytes and of the build's per-town time at synthetic 10x)."""
    own = graph.graph
    graph.graph = {}
    try:
        return pickle.dumps((graph, municipality, tuple(reached)), protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        graph.graph = own


def shared_reach_attributes(graph):
    """What every reach graph of ``graph`` carries alike (see :func:`tsunagu.compile.precompute.reach_subgraph`)."""
    return {k: v for k, v in graph.graph.items() if k not in ("names", "national_report", "constant_nodes")}


def _reach_pair(row, shared):
    """(reach graph, walk) of a row :func:`reach_row` wrote, the shared attributes put back and the
    walk's candidates judged on the graph."""
    return _judged(*_reach_parts(row, shared))


def _reach_parts(row, shared):
    graph, municipality, reached = _unpickled(data=row)
    graph.graph = dict(shared)
    return graph, municipality, reached


def _judged(graph, municipality, reached):
    """(graph, the :class:`~tsunagu.rules.judge.TownWalk` of ``reached``): the candidates judged on ``graph``
    when a row is read, not in the build (:func:`reach_row`)."""
    from tsunagu.rules.judge import town_walk

    return graph, town_walk(graph, municipality, reached)


_REACH_TABLE = "CREATE TABLE reach (municipality TEXT PRIMARY KEY, graph BLOB NOT NULL, nodes TEXT NOT NULL)"


def _new_database(path):
    """A connection to the new SQLite file ``path``, a build's own until saved: written without a rollback
    journal and without waiting for the disk at each commit (synchronous off), as the build's other files
    are written. A build that fails removes it; one cut short leaves a file whose sha256 no longer matches
    its manifest, which the cache then refuses as damaged."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    return connection


def write_reach_share(path, rows):
    """Write ``rows`` (municipality, row as :func:`reach_row` made it, the graph's node ids) into a new
    SQLite file ``path`` as they come: what one process of the build makes (:class:`ReachRows`)."""
    connection = _new_database(path)
    with connection:
        connection.execute(_REACH_TABLE)
        connection.executemany("INSERT INTO reach VALUES (?, ?, ?)",
                               ((m, data, json.dumps(nodes)) for m, data, nodes in rows))
    connection.close()
    return path


def _remove_ours(path, pid):
    """Remove a build's working file or folder ``path``, from the process that made it (process ``pid``)."""
    if os.getpid() != pid:  # never from a forked child that happened to let its copy go
        return
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)


class ReachRows(Mapping):
    """Municipality -> (its reach graph, its :class:`~tsunagu.rules.judge.TownWalk`): the rows a build
    made, kept in the SQLite files each of its processes wrote (:func:`write_reach_share`) rather than
    in memory (at synthetic 10x, 600 MB the build held until it saved them). A pair is read and
    unpickled when asked for; ``shared``, the graph attributes every row carries alike, is put back.
    ``folder``: a temporary folder holding the files, removed with this object (or at exit).
    """

    def __init__(self, files, shared=None, folder=None):
        self.files = [Path(f) for f in files]
        self.shared = dict(shared or {})
        self._where = {}
        for path in self.files:
            with closing(sqlite3.connect(path)) as connection:
                self._where.update((m, path) for (m,) in connection.execute("SELECT municipality FROM reach"))
        self._order = sorted(self._where)
        if folder is not None:
            weakref.finalize(self, _remove_ours, str(folder), os.getpid())

    def __getitem__(self, municipality):
        with closing(sqlite3.connect(self._where[municipality])) as connection:
            (row,) = connection.execute("SELECT graph FROM reach WHERE municipality = ?", (municipality,)).fetchone()
        return _reach_pair(row, self.shared)

    def __iter__(self):
        return iter(self._order)

    def __len__(self):
        return len(self._order)


_GRAPH_STATE = {"graph", "_node", "_adj", "_pred", "_succ", "__networkx_cache__"}


def _release(graph):
    """Drop a networkx graph's cached views (an edge view holds its graph: a cycle), so that the
    graph is freed as soon as nobody holds it rather than by a full collection of the heap, which
    pauses a server for 200 ms once a few dozen graphs have aged in its cache."""
    if not hasattr(graph, "__dict__"):  # a SmallGraph keeps no views
        return
    for name in [name for name in vars(graph) if name not in _GRAPH_STATE]:
        delattr(graph, name)


REACH_KEPT = 32  # reach graphs kept in memory (up to 1.4 MB each at the national scale)


class RecentGraphs:
    """The last :data:`REACH_KEPT` (graph, walk) pairs read, by key, shared by their callers (who only
    read them).

    A window asks about its own municipality again and again, and reading
    its graph (unpickling a row, or a Bolt statement) is most of a refer.
    Safe to share between threads; a graph pushed out is released.
    """

    def __init__(self):
        self._graphs = OrderedDict()  # newest last
        self._lock = threading.Lock()

    def get(self, key, read):
        """The pair kept for ``key``, else ``read(key)`` (kept unless None)."""
        with self._lock:
            pair = self._graphs.get(key)
            if pair is not None:
                self._graphs.move_to_end(key)
                return pair
        pair = read(key)
        if pair is not None:
            with self._lock:
                self._graphs[key] = pair
                while len(self._graphs) > REACH_KEPT:
                    _release(self._graphs.popitem(last=False)[1][0])
        return pair

    def clear(self):
        with self._lock:
            self._graphs.clear()


@dataclass
class Stored:
    directory: Path
    inputs: list  # files given to the build, absolute paths
    fingerprint: str
    build_args: dict
    files: dict
    checks: dict = field(default_factory=dict)  # file name -> {"size", "sha256"}
    hashes: dict = field(default_factory=dict)  # input file -> [size, mtime_ns, sha256] (tsunagu.compile.current)
    _verified: set = field(default_factory=set, repr=False)  # files whose full hash was checked
    _reach: RecentGraphs = field(default_factory=RecentGraphs, repr=False)  # the reach graphs (and walks) read last
    stale: object = None  # a tsunagu.compile.current.StaleBuild when a newer input failed to build
    _reach_shared: dict | None = field(default=None, repr=False)  # the graph attributes every reach row shares
    lists: list = field(default_factory=list)  # the carried lists the build read: title, credit, licence, as_of...

    @property
    def rdf_path(self):
        return self._checked("rdf")

    def _damaged(self, what):
        return _damaged(self.directory, what, self.build_args)

    def _checked(self, role):
        """The path of one file of the build, after checking its size (and hash when small)."""
        name = self.files.get(role)
        if name is None:
            raise self._damaged(f"manifest names no {role} file")
        path = self.directory / name
        try:
            status = path.stat()
        except FileNotFoundError:
            if self._follow_newer_build():  # a newer build replaced this one and removed its files
                return self._checked(role)
            raise self._damaged(f"{name} がありません (missing)") from None
        _refuse_foreign(path, status)
        check = self.checks.get(name)
        if check:
            if status.st_size != check["size"]:
                raise self._damaged(f"{name} のサイズが記録と違います (size {status.st_size}, recorded {check['size']})")
            if status.st_size < _HASH_ALWAYS_BELOW and name not in self._verified:
                self._verify_hash(name)
        return path

    def _follow_newer_build(self):
        """Become the build the manifest now names, when it is another one: a long-lived reader
        (the web app) keeps answering after a rebuild. True when it switched."""
        try:
            newer = load_stored(self.directory)
        except TsunaguError:
            return False
        if newer is None or newer.fingerprint == self.fingerprint and newer.files == self.files:
            return False
        for attribute in ("_graph", "_shared_attributes"):
            self.__dict__.pop(attribute, None)
        self._reach.clear()
        self._reach_shared = None
        self.inputs, self.fingerprint, self.build_args = newer.inputs, newer.fingerprint, newer.build_args
        self.files, self.checks, self._verified = newer.files, newer.checks, set()
        self.hashes, self.stale, self.lists = newer.hashes, None, newer.lists
        return True

    def _verify_hash(self, name):
        """Compare ``name`` with its recorded sha256 (once per file and :class:`Stored`)."""
        check = self.checks.get(name)
        if check and _sha256(self.directory / name) != check["sha256"]:
            raise self._damaged(f"{name} の内容が記録と違います (checksum mismatch)")
        self._verified.add(name)

    def _load_pickle(self, role):
        path = self._checked(role)
        try:
            with open(path, "rb") as stream:
                return graph_unpickled(stream) if role == "graph" else _unpickled(stream)
        except Exception as error:  # any unpickling failure means the file is not what the build wrote
            self._verify_hash(path.name)
            raise self._damaged(f"{path.name} を読めません ({type(error).__name__})") from None

    @property
    def graph(self):
        """The whole networkx graph (loaded on first use)."""
        if not hasattr(self, "_graph"):
            self._graph = self._load_pickle("graph")
        return self._graph

    def names(self):
        """Municipalities and prefectures with the name index: a :class:`NameTable`, enough to resolve a name."""
        from tsunagu.rules.names import NameTable

        with self._rows() as connection:
            pairs = connection.execute("SELECT name, node FROM names").fetchall()
            rows = connection.execute("SELECT node, name, code, prefecture, types, parent FROM area_index").fetchall()
        index = {}
        for name, node in pairs:
            index.setdefault(name, []).append(node)
        return NameTable(index, {node: (name, code, prefecture, frozenset(json.loads(types)))
                                 for node, name, code, prefecture, types, _ in rows},
                         parents={node: parent for node, *_, parent in rows if parent})

    @contextmanager
    def _rows(self, entities=False):
        """A read-only connection to the reach store, with the entity table's file attached when
        ``entities`` (its table then read as ``entity``); a damaged file becomes :class:`CacheDamaged`."""
        paths = [self._checked("reach")] + ([self._checked("entity")] if entities else [])
        try:
            connection = sqlite3.connect(f"file:{paths[0]}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise self._damaged(f"{paths[0].name} を開けません ({error})") from None
        if entities:
            try:  # a URI file name, as the connection's own
                connection.execute("ATTACH DATABASE ? AS entities", (f"file:{paths[1]}?mode=ro",))
            except sqlite3.Error as error:
                connection.close()
                raise self._damaged(f"{paths[1].name} を開けません ({error})") from None
        try:
            yield connection
        except sqlite3.DatabaseError as error:
            for path in paths:
                self._verify_hash(path.name)  # a changed file says so; else SQLite's own words
            raise self._damaged(f"{' / '.join(p.name for p in paths)} を読めません ({error})") from None
        finally:
            connection.close()

    def named(self, normalised):
        """The municipalities and prefectures whose normalised name, kana, code or id is ``normalised``."""
        with self._rows() as connection:
            return [row[0] for row in connection.execute("SELECT node FROM names WHERE name = ?", (normalised,))]

    def reach_graph(self, municipality):
        """The precomputed referral graph of one municipality (a node id) and its walk, or None.

        Returns ``(graph, walk)``: ``walk`` is the municipality's
        :class:`~tsunagu.rules.judge.TownWalk`, for the queries' ``walk=``.
        The last :data:`REACH_KEPT` read are kept in memory and shared by the
        callers, which only read them.
        """
        self._checked("reach")  # a newer build that removed this one's files is followed, its graphs dropped
        return self._reach.get(municipality, self._read_reach_graph)

    def _read_reach_graph(self, municipality):
        with self._rows() as connection:
            row = connection.execute("SELECT graph FROM reach WHERE municipality = ?", (municipality,)).fetchone()
        if row is None:
            return None
        if self._reach_shared is None:
            self._reach_shared = self._pickled_blob("reach-shared")
        try:
            parts = _reach_parts(row[0], self._reach_shared)
        except Exception as error:  # any unpickling failure means the row is not what the build wrote
            raise self._damaged(f"reach row {municipality} を読めません ({type(error).__name__})") from None
        return _judged(*parts)

    def duties_graph(self):
        """Municipalities, their prefectures, platforms, windows, duty statuses and the survey figures."""
        return self._pickled_blob("duties")

    def duty_table(self):
        """The :class:`tsunagu.rules.duties.DutyTable` the build computed: every municipality's duties."""
        return self._pickled_blob("duty-table")

    def _pickled_blob(self, name):
        with self._rows() as connection:
            row = connection.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise self._damaged(f"{name} row missing")
        try:
            return _unpickled(data=row[0])
        except Exception as error:  # any unpickling failure means the row is not what the build wrote
            raise self._damaged(f"{name} row を読めません ({type(error).__name__})") from None

    def entity(self, node):
        """The star of ``node``: the node with every attribute, its edges and its neighbours' names, or None."""
        with self._rows(entities=True) as connection:
            row = connection.execute("SELECT star FROM entity WHERE node = ?", (node,)).fetchone()
        return None if row is None else self._row_graph(row[0], node)

    def entity_entries(self, normalised=None):
        """node -> (name, code, prefecture name, frozenset of types) of every entity carrying
        ``normalised`` (all entities when None), and the name index restricted to them."""
        with self._rows(entities=True) as connection:
            if normalised is None:
                pairs = connection.execute("SELECT name, node FROM entity_names").fetchall()
                rows = connection.execute("SELECT node, name, code, prefecture, types FROM entity").fetchall()
            else:
                pairs = connection.execute("SELECT name, node FROM entity_names WHERE name = ?", (normalised,)).fetchall()
                nodes = sorted({node for _, node in pairs})
                rows = connection.execute(
                    f"SELECT node, name, code, prefecture, types FROM entity WHERE node IN ({','.join('?' * len(nodes))})",
                    nodes).fetchall()
        index = {}
        for name, node in pairs:
            index.setdefault(name, []).append(node)
        entries = {node: (name, code, prefecture, frozenset(json.loads(types))) for node, name, code, prefecture, types in rows}
        return index, entries

    def reach_nodes(self):
        """Municipality -> the node ids of its reach graph, as the build stored them (None for a build
        from before they were stored)."""
        with self._rows() as connection:
            try:
                rows = connection.execute("SELECT municipality, nodes FROM reach").fetchall()
            except sqlite3.OperationalError:  # no such column: an older build of this format
                return None
        return {municipality: json.loads(nodes) for municipality, nodes in rows}

    def index(self):
        """Municipalities, wards and prefectures in code order: id, name, code, prefecture, kind, types."""
        with self._rows() as connection:
            rows = connection.execute("SELECT node, name, code, prefecture, kind, types FROM area_index ORDER BY code, node")
            return [{"id": node, "name": name, "code": code, "prefecture": prefecture, "kind": kind,
                     "types": json.loads(types)} for node, name, code, prefecture, kind, types in rows]

    def _shared(self):
        """The graph attributes every row shares (the vocabulary), read once."""
        if not hasattr(self, "_shared_attributes"):
            from tsunagu.store.graphjson import value_from_json

            with self._rows() as connection:
                row = connection.execute("SELECT data FROM blobs WHERE name = 'shared'").fetchone()
            try:
                self._shared_attributes = value_from_json(row[0]) if row else {}
            except (ValueError, TypeError, KeyError) as error:
                raise self._damaged(f"shared row を読めません ({type(error).__name__})") from None
        return self._shared_attributes

    def _row_graph(self, text, what):
        from tsunagu.store.graphjson import graph_from_json

        try:
            return graph_from_json(text, shared=self._shared())
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise self._damaged(f"row {what} を読めません ({type(error).__name__})") from None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_group(gid):
    """True when group ``gid`` is this user's own (a user private group with no other member),
    as Debian and Ubuntu give every user, with umask 002: group-writable is then still private."""
    try:
        import grp
        import pwd

        group = grp.getgrgid(gid)
        user = pwd.getpwuid(os.getuid())
    except (ImportError, KeyError):
        return False
    return group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def _refuse_foreign(path, status):
    """Refuse what another user could have written: unpickling it would run their code as us."""
    writable_by_others = status.st_mode & 0o002 or status.st_mode & 0o020 and not _private_group(status.st_gid)
    if status.st_uid != os.getuid() or writable_by_others:
        raise CacheUnsafe(
            f"{path} は他のユーザーが書き換えられるため読み込みません"
            f" (owned by uid {status.st_uid} or group/world-writable: loading it could run someone else's code)。"
            f" 自分だけが書けるフォルダを TSUNAGU_HOME に指定するか、chmod go-w してビルドし直してください")


# --- the rows whole-graph commands read --------------------------------------


def duties_subgraph(graph, names_index=None):
    """What ``gaps`` and ``tally`` read: the shape of ``BoltBackend.duties_graph``.

    Every municipality, the edges of the duty relations touching it and
    their other ends (prefectures, platforms, windows, duty statuses; of
    what serves a municipality only the platforms), the
    constant nodes and the survey figures; ``names`` restricted to
    municipalities and prefectures so a prefecture resolves on it.
    """
    import networkx as nx

    from tsunagu.rules.names import name_index

    duties = nx.MultiDiGraph()
    duties.graph.update({k: v for k, v in graph.graph.items() if k != "names"})
    nodes, succ, pred = graph._node, graph._succ, graph._pred  # read directly: the views wrapped every edge
    keep = [n for n, d in nodes.items()
            if "Municipality" in d.get("types", ()) or d.get("kind") in ("Nation", "SupportDomain", "SurveyFigure")]
    duties.add_nodes_from((n, nodes[n]) for n in keep)
    # of what serves a town, whether it is a platform: by its list of types, which the projection shares
    # among nodes (a prefecture's offices serve every town), so each distinct list is read once
    platform_types = {}  # id of a list of types -> (the list, whether it names a platform)
    for node in [n for n in keep if "Municipality" in nodes[n].get("types", ())]:
        edges = [(node, target, key, data) for target, keyed in succ[node].items() for key, data in keyed.items()]
        edges += [(source, node, key, data) for source, keyed in pred[node].items() for key, data in keyed.items()]
        for source, target, key, data in edges:
            if key not in _DUTY_RELATIONS:
                continue
            if key == "servesArea":
                types = nodes[source].get("types", ())
                known = platform_types.get(id(types))
                if known is None or known[0] is not types:
                    known = platform_types[id(types)] = (types, _is_platform(nodes[source]))
                if not known[1]:
                    continue
            for end in (source, target):
                if end not in duties:
                    duties.add_node(end, **nodes[end])
            duties.add_edge(source, target, key=key, **data)
    areas = [n for n, d in duties.nodes(data=True) if set(d.get("types", ())) & {"Municipality", "Prefecture"}]
    duties.graph["names"] = names_index if names_index is not None else name_index(duties.subgraph(areas))
    return duties


def _is_platform(data):
    # of what serves a municipality, only platforms count for a duty; the national directory's
    # many offices serving every town would only make the duties graph slower to read
    return any(t.endswith("Platform") for t in data.get("types", ()))


def entity_star(graph, node):
    """``node`` with its attributes and edges, its neighbours with name, kind, code, types only:
    what ``entity_details`` reads, as a small graph."""
    import networkx as nx

    star = nx.MultiDiGraph()
    star.add_node(node, **graph.nodes[node])
    edges = list(graph.out_edges(node, keys=True, data=True)) + list(graph.in_edges(node, keys=True, data=True))
    for source, target, key, data in edges:
        other = target if source == node else source
        if other not in star:
            star.add_node(other, **{k: v for k, v in graph.nodes[other].items() if k in _NEIGHBOUR_KEYS})
        star.add_edge(source, target, key=key, **data)
    return star


def _prefecture_name(graph, node):
    for _, target, key in graph.out_edges(node, keys=True):
        if key == "partOfPrefecture":
            return graph.nodes[target].get("name")
    return None


def _shared_attributes(graph):
    """Graph attributes that every row would repeat: stored once."""
    return {k: v for k, v in graph.graph.items() if k != "names"}


_NEIGHBOUR_KEYS = ("name", "kind", "code", "types")


def _star_writer(graph):
    """``star(node)``: the text of ``graph_json(entity_star(graph, node))``, put together from the JSON
    of its parts (:func:`~tsunagu.store.graphjson.joined_parts_json`) without building the star (the
    projected attributes are JSON's own types): each neighbour's entry is written once however many
    stars it is in, and each shared edge-attribute dict once (the projection shares them). An entity
    table is each edge written twice and each node as often as it has neighbours (synthetic 10x: a
    million edges, 278,000 stars).
    """
    from tsunagu.store.graphjson import joined_parts_json, plain_json

    succ, pred, nodes = graph._succ, graph._pred, graph._node
    neighbour = {}  # node -> its [id, slim attributes] text
    attributes = per_object(plain_json)  # an edge's attribute dict (shared by the projection) -> its text
    text = functools.cache(plain_json)  # a node id or edge key -> its JSON string

    def term(value):
        return text(value) if type(value) is str else plain_json(value)

    def edge(source, target, key, data):
        return f"[{term(source)},{term(target)},{term(key)},{attributes(data)}]"

    def star(node):
        parts, seen, edges = [plain_json([node, nodes[node]])], {node}, []
        for adjacency, outgoing in ((succ[node], True), (pred[node], False)):  # out-edges, then in-edges
            for other, keyed in adjacency.items():
                if other not in seen:
                    seen.add(other)
                    found = neighbour.get(other)
                    if found is None:
                        slim = {k: v for k, v in nodes[other].items() if k in _NEIGHBOUR_KEYS}
                        found = neighbour[other] = plain_json([other, slim])
                    parts.append(found)
                for key, data in keyed.items():
                    edges.append(edge(node, other, key, data) if outgoing else edge(other, node, key, data))
        return joined_parts_json(parts, edges)

    return star


def _prefecture_names(graph):
    """node -> the name of its prefecture, in one pass over the edges."""
    names = {}
    for source, target, key in graph.edges(keys=True):
        if key == "partOfPrefecture":
            names.setdefault(source, graph.nodes[target].get("name"))  # the first, as _prefecture_name
    return names


def _entity_rows(graph, nodes=None):
    """The entity table's rows of ``nodes`` (every node of ``graph`` by default), in their order."""
    star = _star_writer(graph)
    prefectures = _prefecture_names(graph)
    # a node's list of types as JSON: the projection shares a few dozen lists among every node
    types_json = per_object(lambda types: json.dumps(sorted(types), ensure_ascii=False))
    for node in graph if nodes is None else nodes:
        data = graph._node[node]
        yield (node, data.get("name"), data.get("code"), prefectures.get(node), types_json(data.get("types", ())),
               star(node))


def _area_rows(graph):
    """Municipalities, designated cities' wards (names a caseworker types: 札幌市中央区) and prefectures."""
    for node, data in graph.nodes(data=True):
        types = set(data.get("types", ()))
        if types & {"Municipality", "Prefecture", "AdministrativeWard"}:
            prefecture, city = _prefecture_name(graph, node), None
            if "AdministrativeWard" in types:  # a ward stands for its city; its prefecture is the city's
                city = next((t for _, t, k in graph.out_edges(node, keys=True) if k == "partOfMunicipality"), None)
                prefecture = prefecture or (_prefecture_name(graph, city) if city else None)
            yield (node, data.get("name"), data.get("code"), prefecture, data.get("kind"),
                   json.dumps(sorted(types), ensure_ascii=False), city)


# --- writing -----------------------------------------------------------------

_held = {}  # directory -> (file descriptor, time the lock was taken); the lock is re-entrant in one process


@contextmanager
def build_lock(directory=None):
    """Hold ``build.lock`` in ``directory`` for one build; :class:`BuildBusy` when another holds it."""
    directory = Path(directory or cache_dir()).absolute()
    if directory in _held:
        yield
        return
    if directory.exists() and not directory.is_dir():
        raise _not_a_folder(directory)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # the cache folder itself: private
        _refuse_foreign(directory, directory.stat())  # readers would refuse what is built here
        descriptor = os.open(directory / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise _unwritable(directory, error) from None
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; one user, one build
        fcntl = None
    try:
        if fcntl:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildBusy(directory) from None
        _held[directory] = (descriptor, time.time())
        try:
            yield
        finally:
            del _held[directory]
    finally:
        os.close(descriptor)  # releases the lock


def _unwritable(directory, error):
    kept = ("前回のビルドはそのまま残っています" if (Path(directory) / _MANIFEST).is_file()
            else "まだビルドはありません")
    return CacheWriteError(f"キャッシュフォルダ {directory} に書き込めません ({getattr(error, 'strerror', None) or error})。"
                           f"{kept}。書き込めるフォルダを TSUNAGU_HOME に指定してください")


def scratch_unwritable(folder, error, cache=None):
    """The :class:`CacheWriteError` for a build's working files in ``folder`` that could not be written
    (``error``: an OSError or a SQLite error): of the cache folder ``cache`` when they were in it,
    else of the system's temporary folder."""
    if cache is not None:
        return _unwritable(cache, error)
    return CacheWriteError(f"一時フォルダ {folder} に書き込めません ({getattr(error, 'strerror', None) or error})。"
                           f"空きのあるフォルダを TMPDIR に指定してください (cannot write the temporary folder)")


def _not_a_folder(directory, error=None):
    why = f" ({error.strerror or error})" if error is not None else ""
    return CacheWriteError(f"キャッシュフォルダ {directory} はフォルダとして使えません{why}。"
                           f"TSUNAGU_HOME にフォルダを指定してください（未指定なら ~/.cache/tsunagu）")


def _temporary(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    return Path(temporary)


class _HashingStream:
    """A binary stream whose ``write`` also hashes what it writes: a file's sha256 without reading it back."""

    def __init__(self, stream):
        self._stream, self.digest = stream, hashlib.sha256()

    def write(self, data):
        self.digest.update(data)
        return self._stream.write(data)


class BuildFile:
    """A file a build writes into its cache folder under a temporary name before saving, with its sha256:
    the save renames it into place (:meth:`moved_to`) rather than writing it again. A build that fails
    first leaves no file behind: it is removed with this object (a killed build's by the next build's
    clean-up of old ``.tmp`` files). A full disk is :func:`scratch_unwritable`'s line.

    ``write(stream)`` writes the contents; ``name``: what the file is (``rdf.nt``, ``graph.pickle``).
    """

    def __init__(self, folder, name, write):
        try:
            handle, path = tempfile.mkstemp(dir=folder, prefix=f"{name}-", suffix=".tmp")
        except OSError as error:
            raise scratch_unwritable(folder, error, cache=folder) from None
        self.path = Path(path)
        self._removal = weakref.finalize(self, _remove_ours, path, os.getpid())
        try:
            with open(handle, "wb") as stream:
                hashing = _HashingStream(stream)
                write(hashing)
        except OSError as error:  # a full disk: the one located line, the last build left as it was
            self._removal()
            raise scratch_unwritable(folder, error, cache=folder) from None
        self.sha256 = hashing.digest.hexdigest()

    def __getstate__(self):
        # pickled to another process (the build's child hands its N-Triples over): that process removes
        # the file now, if it is not kept, and this one no longer does
        self._removal.detach()
        return {"path": self.path, "sha256": self.sha256}

    def __setstate__(self, state):
        self.path, self.sha256 = state["path"], state["sha256"]
        self._removal = weakref.finalize(self, _remove_ours, str(self.path), os.getpid())

    def extended(self, write):
        """Add to the end of the file through ``write(stream)``; its sha256 is then the whole file's."""
        try:
            with open(self.path, "ab") as stream:
                write(stream)
        except OSError as error:
            raise scratch_unwritable(self.path.parent, error, cache=self.path.parent) from None
        self.sha256 = _sha256(self.path)

    def moved_to(self, target):
        """Rename the file to ``target`` (in the same folder), which keeps it: it is the cache's now."""
        os.replace(self.path, target)
        self._removal.detach()
        self.path = Path(target)


def _atomic_write(path, write):
    """Write ``path`` through ``write(stream)`` under a temporary name, then rename it; returns the sha256 of
    what was written."""
    temporary = _temporary(path)
    try:
        with open(temporary, "wb") as stream:
            hashing = _HashingStream(stream)
            write(hashing)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return hashing.digest.hexdigest()


def _write_entities(path, graph, nodes=None, first=1):
    """The entity rows of ``nodes`` (or all), each at its node's place in the graph from ``first`` on, in
    the SQLite file ``path``: a new file with the table when ``first`` is 1, else added to that file."""
    connection = _new_database(path)
    with connection:
        if first == 1:
            connection.execute(_ENTITY_TABLE)
        _insert_entities(connection, graph, nodes, first)
    connection.close()
    return path


_ENTITY_TABLE = ("CREATE TABLE entity (node TEXT PRIMARY KEY, name TEXT, code TEXT, prefecture TEXT, "
                 "types TEXT NOT NULL, star TEXT NOT NULL)")


def _insert_entities(connection, graph, nodes=None, first=1):
    """Insert the entity rows of ``nodes``, the first at rowid ``first`` (each row's rowid is its node's
    place in the graph, whichever process wrote it)."""
    connection.executemany("INSERT INTO entity (rowid, node, name, code, prefecture, types, star) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           ((rowid, *row) for rowid, row in enumerate(_entity_rows(graph, nodes), first)))


def _write_reach(path, reach_graphs, names, graph):
    """``reach_graphs``: the build's :class:`ReachRows` (written as they are), or a dict of (graph, walk) pairs.
    The entity table goes in a file of its own (:func:`_write_entities`)."""
    from tsunagu.rules.duties import duty_table
    from tsunagu.store.graphjson import value_json
    from tsunagu.rules.names import name_index

    shared = _shared_attributes(graph)
    items = []
    if not isinstance(reach_graphs, ReachRows):
        from tsunagu.store.small import SmallGraph

        items = ((key, reach_row(sub if isinstance(sub, SmallGraph) else SmallGraph.from_networkx(sub), key,
                                 walk.of(key).reached),
                  json.dumps(sorted(sub))) for key, (sub, walk) in reach_graphs.items())
    temporary = _temporary(path)
    try:
        connection = _new_database(temporary)
        with connection:
            connection.execute("CREATE TABLE names (name TEXT NOT NULL, node TEXT NOT NULL)")
            connection.executemany("INSERT INTO names VALUES (?, ?)",
                                   ((key, node) for key, nodes in names.index.items() for node in nodes))
            connection.execute("CREATE INDEX names_by_name ON names (name)")
            # pickle, not JSON: six times faster to write (module docstring); the folder
            # check (_refuse_foreign) is what stops a planted pickle
            connection.execute(_REACH_TABLE)
            connection.executemany("INSERT INTO reach VALUES (?, ?, ?)", items)
            connection.execute("CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
            connection.execute("INSERT INTO blobs VALUES ('shared', ?)", (value_json(shared),))
            connection.execute("INSERT INTO blobs VALUES ('reach-shared', ?)",
                               (pickle.dumps(shared_reach_attributes(graph), protocol=pickle.HIGHEST_PROTOCOL),))
            # pickle like the reach rows: read in 24 ms against 232 ms as JSON at synthetic 1x
            connection.execute("INSERT INTO blobs VALUES ('duties', ?)",
                               (pickle.dumps(duties_subgraph(graph, names.index), protocol=pickle.HIGHEST_PROTOCOL),))
            # the sweeps' rows, read instead of walking the duties graph (gaps at synthetic 10x: see bench/)
            connection.execute("INSERT INTO blobs VALUES ('duty-table', ?)",
                               (pickle.dumps(duty_table(graph), protocol=pickle.HIGHEST_PROTOCOL),))
            connection.execute("CREATE TABLE entity_names (name TEXT NOT NULL, node TEXT NOT NULL)")
            index = graph.graph.get("names") or name_index(graph)
            connection.executemany("INSERT INTO entity_names VALUES (?, ?)",
                                   ((key, node) for key, nodes in index.items() for node in nodes))
            connection.execute("CREATE INDEX entity_names_by_name ON entity_names (name)")
            connection.execute("CREATE TABLE area_index (node TEXT PRIMARY KEY, name TEXT, code TEXT, prefecture TEXT, "
                               "kind TEXT, types TEXT NOT NULL, parent TEXT)")
            connection.executemany("INSERT INTO area_index VALUES (?, ?, ?, ?, ?, ?, ?)", _area_rows(graph))
        # the build's reach rows, as its processes wrote them: copied SQLite to SQLite, in the towns' order
        # (each file holds the towns one process took, which vary from build to build)
        if isinstance(reach_graphs, ReachRows):
            _copied_in_order(connection, reach_graphs.files)
        connection.close()
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _copied_in_order(connection, paths):
    """Copy the reach rows of the SQLite files ``paths`` (at most nine) in, merged in municipality order."""
    names = [f"made{index}" for index in range(len(paths))]
    for name, path in zip(names, paths, strict=True):
        connection.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))  # outside a transaction, as SQLite asks
    with connection:  # each file read in its index's order, merged (SQLite's MERGE of a compound SELECT)
        connection.execute("INSERT INTO reach " + " UNION ALL ".join(f"SELECT * FROM {n}.reach" for n in names)
                           + " ORDER BY municipality")
    for name in names:
        connection.execute(f"DETACH DATABASE {name}")


def _pause_before_manifest():
    release = os.environ.get(_PAUSE_VARIABLE)
    if not release:
        return
    Path(release + ".waiting").touch()
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _cleanup(directory, ours, started):
    """Remove other builds' files, never one the manifest on disk names (a newer build's),
    and temporary files older than this build (left by a killed one)."""
    keep = set(ours) | {_MANIFEST, _LOCK}
    try:
        keep |= set(json.loads((directory / _MANIFEST).read_text(encoding="utf-8")).get("files", {}).values())
    except (OSError, ValueError, AttributeError):
        pass
    for stale in directory.iterdir():
        if stale.name in keep:
            continue
        try:
            if stale.name.startswith(SCRATCH_PREFIX) and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)  # a killed build's reach shares (this one's are kept)
            elif stale.suffix in (".pickle", ".nt", ".sqlite"):
                stale.unlink(missing_ok=True)
            elif stale.suffix == ".tmp" and stale.stat().st_mtime < started - 2:  # file times are coarse
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # cleanup is best effort: the build itself is complete


def save(compiled, directory=None, *, beside=None):
    """Write ``compiled`` into ``directory`` (the cache) and return the manifest's path.

    ``beside``: how to run a part of the writing meanwhile, called as ``beside(function, *args)`` and
    returning an object whose ``result()`` is what the function returned (the build passes
    :class:`tsunagu.compile.processes.Forked`); None writes every part here, in turn.

    Raises :class:`BuildBusy` when another build holds the folder, and
    :class:`CacheWriteError` when it cannot be written; the previous build
    then stays as it was.
    """
    directory = Path(directory or cache_dir())
    with build_lock(directory):
        started = _held[directory.absolute()][1]
        try:
            return _save(compiled, directory, started, beside)
        except OSError as error:
            raise _unwritable(directory, error) from None


def _placed(made, path, write):
    """Put a file at ``path``: ``made`` (a :class:`BuildFile` the build wrote in
    this folder) renamed, not written again (the N-Triples are 372 MB at synthetic 10x), else written
    through ``write(stream)``; returns its sha256."""
    if made is not None and made.path.parent == path.parent and made.path.name.endswith(".tmp"):
        made.moved_to(path)
        return made.sha256
    return _atomic_write(path, write)


_ENTITIES_BESIDE = 0.8  # of the entity rows, the share the second process makes (measured at synthetic 10x)


def _save(compiled, directory, started, beside=None):
    tag = compiled.fingerprint[:16]
    files = {"graph": f"graph-{tag}.pickle", "rdf": f"rdf-{tag}.nt", "reach": f"reach-{tag}.sqlite",
             "entity": f"entity-{tag}.sqlite"}
    # The entity table (each node's star, for ``show``) is half of writing, in a file of its own: the
    # second process, where the caller gives one (``beside``), makes the first rows while this one writes
    # the rest of the build; this one then adds the last rows to the same file (nothing copied). A
    # process forked from a build makes them slower than one alone (synthetic 10x: 11.4 s against 8.0 once).
    graph, entities = compiled.graph, _temporary(directory / files["entity"])
    nodes = list(graph)
    cut = round(len(nodes) * _ENTITIES_BESIDE) if beside is not None else 0
    made = beside(_write_entities, entities, graph, nodes[:cut]) if cut else None
    try:
        written = {files["rdf"]: _placed(getattr(compiled, "nt_file", None), directory / files["rdf"], compiled.write_nt),
                   files["graph"]: _placed(getattr(compiled, "graph_file", None), directory / files["graph"],
                                           graph_pickle(graph))}
        _write_reach(directory / files["reach"], compiled.reach_graphs, compiled.names, graph)
        written[files["reach"]] = _sha256(directory / files["reach"])  # while the second process still works
        if made is not None:
            made.result()
        _write_entities(entities, graph, nodes[cut:], first=cut + 1)
        os.replace(entities, directory / files["entity"])
    finally:
        if made is not None:
            with suppress(Exception):  # on a failure, the child is waited for, not left behind
                made.result()
        entities.unlink(missing_ok=True)
    checks = {name: {"size": (directory / name).stat().st_size, "sha256": written.get(name) or _sha256(directory / name)}
              for name in files.values()}
    manifest = {"format": _FORMAT_VERSION, "inputs": [str(p) for p in compiled.inputs],
                "fingerprint": compiled.fingerprint, "build_args": compiled.build_args, "files": files,
                "checks": checks, "hashes": compiled.hashes, "lists": compiled.graph.graph.get("lists") or []}
    _pause_before_manifest()
    write_manifest(directory, manifest)
    (directory / _FAILED).unlink(missing_ok=True)  # a failed attempt is history once a build succeeds
    scratch = {Path(path).parent.name for path in getattr(compiled.reach_graphs, "files", ())}
    _cleanup(directory, [*files.values(), *scratch], started)
    return directory / _MANIFEST


def write_manifest(directory, manifest):
    """Replace ``directory``'s manifest with ``manifest`` (a dict) in one rename: written last, so a
    reader never sees a manifest naming files that are not complete."""
    _atomic_write(Path(directory) / _MANIFEST,
                  lambda stream: stream.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode()))


def load_stored(directory=None):
    """The last build, or None when there is none.

    Raises :class:`CacheDamaged` for an unreadable manifest,
    :class:`CacheOutdated` for one of an older format (its ``build_args``
    attribute holds what it was built from, when recorded), and
    :class:`CacheUnsafe` for a folder another user can write.
    """
    directory = Path(directory or cache_dir())
    path = directory / _MANIFEST
    try:
        status = path.stat()
    except FileNotFoundError:
        if directory.exists() and not directory.is_dir():
            raise _not_a_folder(directory) from None
        return None
    except OSError as error:  # TSUNAGU_HOME is a file (NotADirectoryError), or cannot be read
        raise _not_a_folder(directory, error) from None
    _refuse_foreign(directory, directory.stat())
    _refuse_foreign(path, status)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError):
        raise _damaged(directory, f"{_MANIFEST} を読めません (unreadable manifest)", None) from None
    if manifest.get("format") != _FORMAT_VERSION:
        outdated = CacheOutdated(
            f"{directory} のビルドは古い形式 ({manifest.get('format')}) です。次を実行してください: "
            f"{rebuild_command(manifest.get('build_args') if isinstance(manifest.get('build_args'), dict) else None)}"
            f" (the last build is from an older version; run that command)")
        args = manifest.get("build_args")
        outdated.build_args = args if isinstance(args, dict) and isinstance(args.get("paths", []), list) else None
        raise outdated
    try:
        return Stored(directory, list(manifest["inputs"]), str(manifest["fingerprint"]), dict(manifest["build_args"]),
                      dict(manifest["files"]), dict(manifest.get("checks") or {}), dict(manifest.get("hashes") or {}),
                      lists=list(manifest.get("lists") or []))
    except (KeyError, TypeError, ValueError):
        raise _damaged(directory, f"{_MANIFEST} に必要な項目がありません (incomplete manifest)",
                       manifest.get("build_args") if isinstance(manifest.get("build_args"), dict) else None) from None


def load_rdf(stored):
    from tsunagu.store.rdf import data_graph

    graph = data_graph()
    path = stored.rdf_path
    try:
        graph.parse(source=str(path), format="nt")
    except Exception as error:  # a parser error here means the file is not what the build wrote
        raise stored._damaged(f"{path.name} を読めません ({type(error).__name__})") from None
    return graph
