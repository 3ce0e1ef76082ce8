"""Compiling inputs into the graph: load, check, validate, close, project, cache."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from tsunagu.exceptions import DataError, DataErrors, TsunaguError
from tsunagu.compile.closure import closed_graph, inferred_runs
from tsunagu.rules.names import name_index, name_table
from tsunagu.compile.precompute import reach_rows
from tsunagu.rules.reach import municipality_nodes
from tsunagu.rules.walk import is_constant
from tsunagu.compile.vocabulary import graph_vocabulary
from tsunagu.compile.projection import project
from tsunagu.compile.inputs import embedded_data_files, fingerprint
from tsunagu.compile.processes import Forked, Streamed, build_jobs, collector_paused, stepped_apart
from tsunagu.compile.progress import Steps
from tsunagu.store.cache import (BuildFile, build_lock, cache_dir, graph_pickle, graph_unpickled, names_pickle,
                                 save)
from tsunagu.compile.validate import graph_errors, rdf_input_errors, rdf_locations, validate_graph
from tsunagu.loaders.limits import shortened_errors, size_error
from tsunagu.loaders import Conversion, defined_ids
from tsunagu.store.rdf import add_all, data_graph, nt_blocks

__all__ = [
    "Compiled",
    "checked_inputs",
    "read_inputs",
    "compile_graph",
    "build",
]


class Compiled:
    """One build: the closed RDF, the networkx projection and the precomputed rows, before they are cached.

    The closed RDF is held as N-Triples once the projection is made (an rdflib graph of the national
    directory is some 150 MB, its text 30): in a file of the cache folder, which the save renames into
    place (:class:`~tsunagu.store.cache.BuildFile`), or gzip-compressed in memory when the build has no folder.
    :attr:`rdf` parses it on first use; :meth:`write_nt` and :meth:`nt_bytes` read it.
    """

    def __init__(self, rdf, graph, inputs, fingerprint, build_args, names=None, reach_graphs=None, hashes=None,
                 triples=None, graph_file=None):
        # ``rdf``: an rdflib graph, its N-Triples gzip-compressed (30 MB of national text in 4: held
        # beside everything a build makes, and read least), or a BuildFile of them
        self.nt_file = rdf if isinstance(rdf, BuildFile) else None
        if isinstance(rdf, (bytes, bytearray)):
            self._nt, self._rdf = bytes(rdf), None
        elif self.nt_file is not None:
            self._nt, self._rdf = None, None
        else:
            self._nt, self._rdf = None, rdf
        self.graph = graph  # networkx.MultiDiGraph
        self.graph_file = graph_file  # the graph pickled as the cache keeps it (a BuildFile), when the build has a folder
        self.inputs = list(inputs)  # user files, absolute
        self.fingerprint = fingerprint
        self.build_args = build_args  # how to build it again: paths, sources, lists
        self.names = names  # the name table of municipalities and prefectures
        self.reach_graphs = reach_graphs  # municipality -> (its precomputed referral graph, its TownWalk): a mapping
        self.hashes = dict(hashes or {})  # every fingerprinted file -> [size, mtime_ns, sha256]
        self.triples = triples if triples is not None else len(rdf) if self._rdf is not None else None

    @property
    def rdf(self):
        """The closed RDF graph (asserted data plus closure), parsed from its N-Triples on first use."""
        if self._rdf is None:
            self._rdf = data_graph()
            if self.nt_file is not None:
                self._rdf.parse(source=str(self.nt_file.path), format="nt")
            else:
                self._rdf.parse(data=self.nt_bytes(), format="nt")
        return self._rdf

    def write_nt(self, stream):
        """Write the closed RDF as N-Triples (UTF-8) to ``stream``, a block at a time."""
        import shutil

        if self.nt_file is not None:
            with open(self.nt_file.path, "rb") as text:
                shutil.copyfileobj(text, stream, 1 << 20)
            return
        if self._nt is None:
            self._nt = _compressed_nt(self._rdf)
        with gzip.GzipFile(fileobj=io.BytesIO(self._nt), mode="rb") as packed:
            shutil.copyfileobj(packed, stream, 1 << 20)

    def nt_bytes(self):
        """The closed RDF as N-Triples (UTF-8)."""
        if self.nt_file is not None:
            return self.nt_file.path.read_bytes()
        if self._nt is None:
            self._nt = _compressed_nt(self._rdf)
        return gzip.decompress(self._nt)


def _written_nt(graph):
    def write(stream):
        for block in nt_blocks(graph):
            stream.write(block)

    return write


def _compressed_nt(graph):
    """``graph`` as gzip-compressed N-Triples, written through the compressor: never the whole text at once."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as stream:
        _written_nt(graph)(stream)
    return buffer.getvalue()


def _read_one(path, notices):
    """``(produces, value)`` of one input, or ``("errors", [DataError, ...])``: never raised, so that
    every file's problems are collected (and a child process can hand them over)."""
    from tsunagu.loaders.formats import format_of, read_input

    too_big = size_error(path)
    if too_big is not None:
        return "errors", [too_big]
    format_ = format_of(path) if path.is_file() or path.is_dir() else None  # never a FIFO or device
    if format_ is None:
        return "errors", [DataError(path, "no such file" if not path.is_dir() else
                                    "a folder is read only as an HSDS tabular export (organizations.csv, services.csv)")]
    try:
        return read_input(path, notices)  # records always a list
    except DataErrors as many:
        return "errors", list(many.errors)
    except DataError as one:
        return "errors", [one]


def _read_share(paths):
    """:func:`_read_one` of each of ``paths``, with the notices each kept: what a child process hands back."""
    return list(_read_each(paths))


def _read_each(paths):
    for path in paths:
        notices = []
        yield (*_read_one(path, notices), notices)


_SHARED_READING = 4 << 20  # curated YAML bytes from which a second process reads some (a fork costs some 50 ms)
# Of the curated YAML bytes, the share parsed here, the first files. This process then writes the
# triples of every file, those the second one parsed as they come: parsing was 14 CPU seconds of a
# synthetic 10x build's files, writing their triples 5.3 and handing records over 0.5, so about 0.30
# (14 x 0.30 + 5.3 + 0.5 x 0.70 = 14 x 0.70) has both processes done at once. Measured there, 0.28
# left this process waiting a second for the other's last files and 0.34 did not (both read in 11.6 s).
_PARSED_HERE = 0.31


def _read_all(paths, jobs=1, early=None):
    """:func:`_read_share` of ``paths``, in their order. With ``jobs`` over 1 and several megabytes of
    curated YAML, the YAML files past the first :data:`_PARSED_HERE` of those bytes are parsed in a
    second process; this one reads the files before them and hands each file read to ``early``, in
    order, as soon as it has it and those before it (a build writes their triples meanwhile:
    :class:`~tsunagu.loaders.curated.Conversion`), the second process's files as it parses them."""
    yaml = [(index, path.stat().st_size) for index, path in enumerate(paths)
            if path.suffix.lower() in (".yaml", ".yml") and path.is_file()]
    total = sum(size for _, size in yaml)
    cut, here = len(paths), 0
    for index, size in yaml:
        if here >= total * _PARSED_HERE:
            cut = index
            break
        here += size
    theirs = {index for index, _ in yaml if index >= cut}
    if jobs < 2 or total < _SHARED_READING or not theirs:
        return _read_share(paths)
    other = Streamed(_read_each, [paths[i] for i in sorted(theirs)])
    try:
        coming = iter(other)
        read = _read_share(paths[:cut])
        if early is not None:
            for item in read:
                early(item)
        for index in range(cut, len(paths)):
            item = next(coming) if index in theirs else _read_share([paths[index]])[0]
            read.append(item)
            if early is not None:
                early(item)
        next(coming, None)  # the end of the second process's items: it has ended, and is waited for
    except BaseException:
        other.close()  # its files are not wanted: the child is stopped, not left behind
        raise
    return read


def read_inputs(paths, *, validate=True, notices=None, jobs=1):
    """Read curated and RDF files into one asserted graph, checking everything.

    Every problem in every file is collected before raising one
    :class:`DataErrors`, so a user fixes them all in one round. Returns
    ``(graph, locations, default_file)``; what an input kept as a note rather
    than mapped (HSDS columns tsunagu has no field for) is appended to ``notices``.
    ``jobs``: processes that may share the parsing (:func:`_read_all`).
    """
    from tsunagu.loaders.formats.workbook import national_references, replaced_by_workbooks

    paths = [Path(path) for path in paths]
    conversion = Conversion()

    writing = True

    def early(item):  # a file's triples, written while a second process parses the next ones
        nonlocal writing
        produces, value, _ = item
        writing = writing and produces == "records"  # in order: up to the first file that is not curated records
        if writing:
            conversion.write(value)

    curated, rdf_inputs, errors = [], [], []
    for path, (produces, value, kept) in zip(paths, _read_all(paths, jobs, early), strict=True):
        if notices is not None:
            notices.extend(kept)
        if produces == "errors":
            errors.extend(value)
        elif produces == "rdf":
            errors.extend(rdf_input_errors(value, path))  # named by this file, not by the merge
            rdf_inputs.append((path, value))
        else:
            curated.extend(value)
    if errors:
        raise DataErrors(shortened_errors(errors))
    rdf_ids = {}
    merged = data_graph()
    for _, graph in rdf_inputs:
        rdf_ids.update(defined_ids(graph))
        add_all(merged, graph)
    curated = replaced_by_workbooks(curated)  # a workbook's rows replace the shipped records they re-export
    rdf_ids.update(national_references(curated))  # areas a workbook names by code, from the national layer
    asserted, locations = conversion.finished(curated, existing_ids=rdf_ids)
    locations = rdf_locations(rdf_inputs) | locations  # RDF errors name their file, not every RDF input
    add_all(asserted, merged)
    default_file = ", ".join(str(p) for p, _ in rdf_inputs) or "<inputs>"
    if validate:
        validate_graph(asserted, locations, default_file=default_file)
    return asserted, locations, default_file


def _add_national_layer(asserted, sources):
    """Load each named source (``{name: path}``, see :mod:`tsunagu.loaders.sources`) into ``asserted``.

    Sources load in registry order, so lists of windows join onto the
    municipality list. The directory entities are added only once every
    source has loaded, by the caller (see :func:`compile_graph`). Returns the
    report (the municipality layer's own, ``population_missing``..., plus
    ``sources``, each source's loaded and skipped rows with why) and the
    :class:`~tsunagu.loaders.sources.directory.Directory` of entities to add.
    """
    from tsunagu.loaders.sources import source_loader, source_names
    from tsunagu.loaders.sources.directory import Directory
    from tsunagu.loaders.sources.regional_centres import add_regional_centres

    if "population" in sources and "municipalities" not in sources:
        raise TsunaguError("--population joins onto --municipalities: give both")
    directory = Directory(asserted, sources)
    directory.national_report = {}
    for name in source_names():
        if name in sources:
            source_loader(name)(sources[name], directory)
    report = dict(directory.national_report)
    if "municipalities" in sources:
        report["regional_centre_placeholders"] = add_regional_centres(directory)
    report["sources"] = [directory.reports[n].as_dict() for n in source_names() if n in directory.reports]
    return report, directory


def compile_graph(paths=(), *, embedded=True, lists=True, municipalities=None, population=None, survey=None,
                  sources=None, jobs=None, lists_version=None, steps=None, scratch=None):
    """Compile the embedded data (unless ``embedded=False``), the carried national lists (unless
    ``lists=False``: the seeds' records alone) and ``paths``.

    ``sources`` maps a source name to its path
    (``tsunagu.loaders.sources.source_names()``): a list given there replaces
    the carried copy of that list; ``municipalities``, ``population`` and
    ``survey`` are the same as those three sources. ``jobs``: how many
    processes (:func:`tsunagu.compile.processes.build_jobs`). ``lists_version``:
    a folder of refreshed lists to read instead of the copy in use (what
    ``tsunagu data update`` builds before switching to it). ``steps``: a
    :class:`tsunagu.compile.progress.Steps` that times each step and may say
    it on a terminal (:func:`~tsunagu.compile.progress.terminal_steps`). ``scratch``: the cache folder
    the build's files (the per-municipality rows, the N-Triples, the pickled graph) are written in until
    saved; without one the rows go in the system's temporary folder and the rest stays in memory.
    """
    jobs = build_jobs(jobs)
    with collector_paused():
        return _compile(paths, embedded, lists, municipalities, population, survey, sources, jobs, lists_version,
                        steps if steps is not None else Steps(), scratch)


def checked_inputs(paths=(), sources=None):
    """``paths`` and the named ``sources`` as absolute paths, each an existing regular file or folder.

    Checked before a build takes its lock or opens anything: a named pipe or
    a device would block the build (and the lock) for ever.
    """
    from tsunagu.loaders.sources import source_names

    user = [Path(p).resolve() for p in paths]
    given = {name: Path(value).resolve() for name, value in (sources or {}).items() if value}
    unknown = set(given) - set(source_names())
    if unknown:
        raise TsunaguError(f"未知の入力ソース: {', '.join(sorted(unknown))}")
    errors = []
    for label, path in [(None, p) for p in user] + [(name, p) for name, p in given.items()]:
        if not path.exists():
            if label:
                errors.append(DataError(path, f"ありません（{label} のファイルかフォルダ） (no such file or folder)"))
        elif not (path.is_file() or path.is_dir()):
            errors.append(DataError(path, "通常のファイルでもフォルダでもありません（名前付きパイプや装置は読めません）"
                                          " (not a regular file or folder)"))
    if errors:
        raise DataErrors(errors)
    return user, {name: given[name] for name in source_names() if name in given}


def _compile(paths, embedded, lists, municipalities, population, survey, sources, jobs, lists_version, steps,
             scratch=None):
    from tsunagu.loaders.sources.carried import carried_sources

    given = dict(sources or {})
    for name, value in (("municipalities", municipalities), ("population", population), ("survey", survey)):
        if value:
            given[name] = value
    user, explicit = checked_inputs(paths, given)
    too_big = [error for error in map(size_error, explicit.values()) if error is not None]
    if too_big:
        raise DataErrors(too_big)
    # The carried lists fill every list not given explicitly; they are tsunagu's own data (their
    # files count in the fingerprint as the package's, or as the refreshed copy in use), not inputs.
    carried = ({name: path for name, path in carried_sources(lists_version).items() if name not in explicit}
               if lists else {})
    extra = {name: path for name, path in {**carried, **explicit}.items()}
    extra = {name: extra[name] for name in _source_order() if name in extra}
    sources = (embedded_data_files() if embedded else []) + user
    # Read, checked and projected in a second process where the system forks: the rdflib graph, the
    # largest thing a build holds, is freed around the objects the graph keeps, which then hold most of
    # that heap's pages (synthetic 10x: 1.25 GB held there for a graph of some 430 MB). That process
    # writes the graph in the build's folder and ends; this one then reads it back, compact, and the
    # processes that make the towns' rows and the save copy only its pages. Read after the other
    # process has ended, so that the two are never held at once (a build without a folder, which keeps
    # nothing, has its graph through the pipe as it comes).
    described = {"inputs": [str(p) for p in user] + [f"{k}: {v}" for k, v in explicit.items()],
                 "lists": _lists_used(carried, lists_version)}
    made, triples, nt = stepped_apart(steps, _projected_inputs, sources, extra, jobs, scratch, described,
                                      parallel=jobs > 1)
    graph_file, graph = (made, None) if isinstance(made, BuildFile) else (None, made)
    if graph_file is not None:
        with steps.step("graph", "グラフの読み込み"), open(graph_file.path, "rb") as stream:
            graph = graph_unpickled(stream, names=False)
    with steps.step("fingerprint", "入力の指紋"):
        build_args = {"paths": [str(p) for p in user], "sources": {k: str(v) for k, v in explicit.items()},
                      "lists": bool(lists)}
        # A source given as a folder counts by the files in it (the cache checks each input is a file).
        all_inputs = user + [f for p in explicit.values()
                             for f in (sorted(m for m in p.rglob("*") if m.is_file()) if p.is_dir() else [p])]
        hashes = {}
        digest = fingerprint(all_inputs, lists=bool(lists), lists_version=lists_version, hashes_out=hashes)

    def named():
        # While the second process starts on the towns (which read no names): the name index, added to
        # the graph file after the graph. Nothing changes the graph after this.
        graph.graph["names"] = name_index(graph)
        if graph_file is not None:
            graph_file.extended(names_pickle(graph.graph["names"]))

    with steps.step("precompute", f"名前の索引、市区町村ごとの事前計算: {len(municipality_nodes(graph)):,} 市区町村"):
        reach = reach_rows(graph, jobs, folder=scratch, meanwhile=named)
    return Compiled(nt, graph, all_inputs, digest, build_args, names=names_graph(graph),
                    reach_graphs=reach, hashes=hashes, triples=triples, graph_file=graph_file)


def _projected_inputs(sources, extra, jobs, scratch, described, steps):
    """``(graph, triples, N-Triples)``: ``sources`` read, the national ``extra`` lists added, everything
    checked, closed, written out and projected (:func:`_projected`), the graph's attributes set (the
    vocabulary, the constant nodes, and ``described``: what it was built from). With a folder
    (``scratch``) the graph is a :class:`~tsunagu.store.cache.BuildFile` there, pickled as the cache keeps
    it but for its name index, which the caller adds."""
    notices = []  # what an input kept as a note rather than mapped (HSDS columns, workbook fix-ups)
    with steps.step("read", f"読み込み: {len(sources)} ファイル"):
        asserted, locations, default_file = read_inputs(sources, validate=False, notices=notices, jobs=jobs)
    with steps.step("lists", f"全国の一覧: {', '.join(extra) or 'なし'}"):
        try:
            report, directory = _add_national_layer(asserted, extra)
        except DataErrors as errors:  # a list's values quoted in messages: cut and escaped like the others
            raise DataErrors(shortened_errors(errors.errors)) from errors
    # The shapes run over the asserted data as it is now, in a second process where there is a
    # directory to add meanwhile; its errors, if any, are the ones reported, as when run first.
    if directory.entries:
        with steps.step("directory", f"一覧の {len(directory.entries):,} 項目"):
            directory.to_rdf(asserted)
    del directory  # its entries are triples now: some 20 MB of a national build, let go before the graph grows
    checking = None
    with steps.step("check", f"検査: {len(asserted):,} の三つ組"):
        # One pass of every check over everything, the directory's triples included (the shapes are
        # compiled to per-node checks: compile/shapecheck). With a second core and a graph whose pages
        # the child may copy cheaply, it runs there while this process projects (the checks read the
        # graph as it is now; the closure then adds to this process's copy only).
        if jobs > 1 and len(asserted) <= _CHECKED_BESIDE:
            checking = Forked(graph_errors, asserted, locations, default_file)
        else:
            _raise_any(graph_errors(asserted, locations, default_file))
    # Each entity's record, kept to name the file and line of an error: the checks have them now (a
    # synthetic 10x build's 272,000 records with their fields, held through the projection otherwise).
    del locations
    try:
        graph, triples, nt = _projected(asserted, steps, scratch)
    except Exception:
        if checking is not None:  # data the checks refuse may break the projection: their word comes first
            _raise_any(checking.result())
        raise
    del asserted
    if checking is not None:
        with steps.step("checked", "検査の結果"):
            _raise_any(checking.result())  # before anything is saved, as when run first
    with steps.step("index", "語彙"):
        graph.graph.update(graph_vocabulary())
        graph.graph["nations"] = sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "Nation")
        graph.graph["constant_nodes"] = sorted(n for n, d in graph.nodes(data=True) if is_constant(d))
        graph.graph.update(described)
        graph.graph["national_report"] = report
        graph.graph["input_notices"] = notices
    if scratch is None:
        return graph, triples, nt
    with steps.step("pickle", "グラフの書き出し"):
        return BuildFile(scratch, "graph.pickle", graph_pickle(graph, names=False)), triples, nt


_CHECKED_BESIDE = 1_000_000  # triples up to which the checks run in a second process (the national build: 230,000)


def _raise_any(errors):
    if errors:
        raise DataErrors(errors)


def _projected(asserted, steps, scratch=None):
    """``(graph, triples, N-Triples)``: the closure of ``asserted`` (added to it), written out (in a file
    of ``scratch``, the cache folder, else compressed in memory), and projected; the rdflib graph's
    triples are let go once projected."""
    with steps.step("closure", "推論"):
        closed = closed_graph(asserted, copy=False)
    with steps.step("rdf", "RDF の書き出し"):
        # What the cache writes of the RDF, made before the projection (the high-water mark is then the
        # rdflib graph and the projection, not both and the text besides); the rdflib graph, the largest
        # thing a build holds, is let go once projected, before the per-municipality rows are made.
        triples = len(closed)
        nt = BuildFile(scratch, "rdf.nt", _written_nt(closed)) if scratch is not None else _compressed_nt(closed)
    with steps.step("projection", "グラフ"):
        # The projection reads the triples by subject: the predicate index and the table of terms (a
        # fifth of a synthetic 10x build's rdflib graph) go before the networkx graph is made beside it.
        delivered = inferred_runs(closed)
        closed.store.keep_subjects_only()
        _trimmed_heap()
        graph = project(closed, closed, delivered)
        closed.close()  # its triples go now: the graph itself is a cycle the paused collector would keep
        del closed
        _trimmed_heap()
    return graph, triples, nt


def _trimmed_heap():
    """Hand the heap the rdflib graph freed back to the system (glibc's ``malloc_trim``), so that the
    per-municipality rows are made in it rather than on top of it; nothing where there is no glibc."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


def _source_order():
    from tsunagu.loaders.sources import source_names

    return source_names()


def _lists_used(carried, version=None):
    """What the answers say of the carried lists a build read: source, title, credit, licence, date, origin."""
    from tsunagu.loaders.sources.carried import carried_lists

    return [{"source": item.source, "title": item.title, "credit": item.credit, "licence": item.licence,
             "licence_url": item.licence_url, "page": item.page, "as_of": item.as_of, "origin": item.origin,
             "fetched": item.fetched}
            for item in carried_lists(version=version) if item.source in carried]


def names_graph(graph):
    """Municipalities and prefectures with their names: what resolving a name on the fast path needs."""
    return name_table(graph)


def build(paths=(), directory=None, *, steps=None, **national):
    """Compile and cache; the next query command answers from this build.

    The inputs are checked to be files or folders first; then the cache
    folder is locked: a second build there refuses at once
    (:class:`BuildBusy`) instead of compiling for nothing.
    """
    checked_inputs(paths, {**(national.get("sources") or {}),
                           **{k: national[k] for k in ("municipalities", "population", "survey") if national.get(k)}})
    steps = steps if steps is not None else Steps()
    with build_lock(directory):
        # the reach rows are written in the cache folder until saved: its disk, under its lock
        compiled = compile_graph(paths, steps=steps, scratch=Path(directory or cache_dir()), **national)
        with steps.step("save", "保存"):
            save(compiled, directory, beside=Forked if build_jobs(national.get("jobs")) > 1 else None)
    return compiled
