"""What the build precomputes for each municipality: the small graph that answers its questions.

A referral or coverage question about one municipality reads only what the
walk from it reaches and what judging a fit needs beside it
(:func:`reach_subgraph`), with the walk's result and the judge's candidates
(a :class:`~tsunagu.rules.judge.TownWalk`, handed to the queries as ``walk=``).
The build makes the graph and the walk per municipality (:func:`reach_rows`, in
two processes where there are two cores) and the store keeps them; the
candidates are judged on the small graph when a row is read. The Bolt backend
makes the same graph from the nodes a server holds.
"""

from __future__ import annotations

from contextlib import suppress

from tsunagu.compile.processes import Forked
from tsunagu.rules import walk as rules
from tsunagu.rules.judge import town_walk
from tsunagu.rules.reach import Adjacency, _walk, constant_nodes, municipality_nodes
from tsunagu.store.cache import (SCRATCH_PREFIX, ReachRows, reach_row, scratch_unwritable,
                                 shared_reach_attributes, write_reach_share)
from tsunagu.store.small import SmallGraph

__all__ = ["reach_subgraph", "reach_rows"]

_NAMED_KEYS = ("name", "name_en", "kind", "code", "types")  # what a served area is read for


def reach_subgraph(source, municipality):
    """The small graph that answers referral and coverage questions for ``municipality``, and its walk.

    ``source`` is a graph or an :class:`Adjacency` over one. Returns
    ``(graph, walk)``: ``walk`` is the :class:`~tsunagu.rules.judge.TownWalk`
    (what the walk reaches, and the candidates judged on the small graph);
    ``graph`` holds every node the walk
    visits, and what judging a fit and writing an answer read beside them:
    the areas a candidate serves, whom a program is entrusted to and, for a
    program reached without an organisation on its path, who runs it; every
    body serving the municipality, being its window or located in it; who
    runs each platform anchor and its secretariat; the prefecture's regional
    support centres and public health offices; the nation, the prefecture
    and the support domains. Built once per municipality at build time, so
    a query reads one small graph instead of the national one.
    """
    adj = source if isinstance(source, Adjacency) else Adjacency(source)
    sub, reached = _reach_parts(adj, municipality)
    return sub, town_walk(sub, municipality, reached)


def _reach_parts(adj, municipality):
    """``(graph, reached)`` of :func:`reach_subgraph`: the small graph and what the walk reached, not yet judged."""
    graph = adj.graph
    anchors, best = _walk(adj, municipality)
    reached = [r for r in best.values() if not rules.is_route(adj.types(r.node))]
    keep = {municipality} | set(constant_nodes(graph)) | {a for a, _, _ in anchors} | set(best)
    keep.update(adj.into(municipality, *rules.KEEP_INTO_MUNICIPALITY))
    platforms = [a for a, level, _ in anchors if level in ("platform", "wide-area")
                 or rules.is_prefectural_platform(adj.types(a))]
    for platform in platforms:
        keep.update(adj.into(platform, "runs", "secretariatOf"))
    prefectures = [a for a, level, _ in anchors if level == "prefecture" and "Prefecture" in adj.types(a)]
    for prefecture in prefectures:
        keep.update(n for n in adj.into(prefecture, "servesArea", without=rules.NOT_PROVIDER_TYPES)
                    if adj.types(n) & rules.KEEP_FOR_PREFECTURE)
    programs = [r.node for r in reached if "Program" in adj.types(r.node)]
    # Who runs a program matters only when no organisation on its path does: a national
    # program's runners are every office in the country.
    unrun = [r.node for r in reached if r.node in programs
             and not any("Organisation" in adj.types(hop.id) for hop in r.path[:-1])]
    served = set()
    for item in reached:
        keep.update(hop.id for hop in item.path)
        served.update(adj.out_of(item.node, "servesArea"))
    for program in programs:
        keep.update(adj.out_of(program, "entrustedTo"))
    for program in unrun:
        keep.update(adj.into(program, "runs"))
    # The areas a candidate serves are there to be named and checked against the municipality: of an
    # area kept for that alone, its name, kind, code and types are enough (a prefecture's 保健所 serves
    # dozens of towns, each carrying its sources and census figures).
    named_only = served - keep
    keep |= served
    # Made here, not as graph.subgraph(keep).copy(), which walks the whole adjacency of the
    # support-domain nodes (every provider in the country points at them); a SmallGraph, so that
    # reading it back imports nothing and making it leaves no cycles behind.
    nodes = {node: ({k: v for k, v in graph.nodes[node].items() if k in _NAMED_KEYS} if node in named_only
                    else graph.nodes[node]) for node in keep}
    succ = {node: {} for node in nodes}
    pred = {node: {} for node in nodes}
    adjacency = graph._succ  # networkx's and SmallGraph's own dict: out_edges wrapped each of 2.5 million edges read
    for node in nodes:
        for target, keyed in adjacency[node].items():
            if target in nodes:
                for key, data in keyed.items():
                    succ[node].setdefault(target, {})[key] = data
                    pred[target].setdefault(node, {})[key] = data
    return SmallGraph(nodes, succ, pred, shared_reach_attributes(graph)), reached


class _Towns:
    """The municipalities handed out in order, :data:`_TAKEN` at a time, to the processes that make their
    rows: each takes more as it finishes the last ones, so that the processes end together however fast
    each goes (a forked child works some 10% slower than its parent, by an amount that varies from run
    to run, and the parent first does something else meanwhile).

    >>> towns = _Towns(list(range(40)))
    >>> first, rest = iter(towns), iter(towns)
    >>> [next(first) for _ in range(3)], next(rest), len(list(rest)) + len(list(first))
    ([0, 1, 2], 16, 36)
    """

    def __init__(self, municipalities):
        import multiprocessing

        self.municipalities = list(municipalities)
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # no fork (Windows): the processes' work is done here, in turn
            import threading

            self._next, self._lock = _Count(), threading.Lock()
        else:  # a count the forked processes share
            self._next, self._lock = context.RawValue("q", 0), context.Lock()

    def __iter__(self):
        while True:
            with self._lock:
                start = self._next.value
                self._next.value = start + _TAKEN
            if start >= len(self.municipalities):
                return
            yield from self.municipalities[start:start + _TAKEN]


class _Count:
    value = 0


_TAKEN = 16  # towns taken at a time: some 20 ms of work at synthetic 10x, a thousand turns of the lock


def _reach_share(graph, towns, path):
    """Write the reach graph of each municipality taken from ``towns`` (a :class:`_Towns`), with what its
    walk reached, into the SQLite file ``path``, pickled as the store keeps them (:func:`reach_row`), each
    row as it is made; returns ``path``."""
    adj = Adjacency(graph)  # one for every town: it keeps each node's edges by relation once read

    def rows():
        for m in towns:
            sub, reached = _reach_parts(adj, m)  # a SmallGraph: reading one back imports nothing (a refer process's start)
            yield m, reach_row(sub, m, reached), sorted(sub)

    return write_reach_share(path, rows())


def reach_rows(graph, jobs=1, folder=None, meanwhile=None):
    """Every municipality's reach graph and walk, as the store keeps them: a share made in each of ``jobs``
    processes, each written to a file of its own in a new folder inside ``folder`` (the system's
    temporary folder when None), removed with the returned :class:`ReachRows`.

    ``meanwhile``: a function run in this process once the others have started, before its own share
    (a build indexes names then); each process then takes the towns left, a few at a time
    (:class:`_Towns`).

    Raises :class:`~tsunagu.exceptions.CacheWriteError` when the files cannot be written.
    """
    import shutil
    import sqlite3
    import tempfile
    from pathlib import Path

    municipalities = municipality_nodes(graph)
    # a few towns are not worth a process; the store merges at most nine files of rows (SQLite attaches ten)
    jobs = min(jobs, 9, max(1, len(municipalities) // 100))
    towns = _Towns(municipalities)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=folder))
    except OSError as error:
        raise scratch_unwritable(folder or tempfile.gettempdir(), error, cache=folder) from None
    paths = [scratch / f"share-{i}.sqlite" for i in range(jobs)]
    others = []
    try:
        for path in paths[1:]:
            others.append(Forked(_reach_share, graph, towns, path))
        if meanwhile is not None:
            meanwhile()
        files = [_reach_share(graph, towns, paths[0])] + [other.result() for other in others]
        return ReachRows(files, shared_reach_attributes(graph), folder=scratch)
    except BaseException as error:
        for other in others:  # a child still writing is waited for, not left behind
            with suppress(BaseException):
                other.result()
        shutil.rmtree(scratch, ignore_errors=True)
        if isinstance(error, (OSError, sqlite3.Error)):
            raise scratch_unwritable(scratch, error, cache=folder) from None
        raise
