"""The last build, checked for freshness: what query commands read.

This module stays light (no rdflib, no loaders) so that a query command
starts fast; it imports the build machinery only when a source changed.

Freshness is a fingerprint over tsunagu's own code and data (the carried
national lists included), the user's input files and any refreshed lists in
use. Each file's hash is kept in the manifest beside its size and
modification time, so a query command re-reads only files whose size or
time changed: a ``stat`` per file, not six megabytes hashed per command.

With no build yet, the first command installs the prebuilt default build
(the seeds and the whole country) that a wheel carries, when it was made
from these very files, else builds it. When a changed input fails to build,
the last good build keeps answering and every command says once which input
failed and why (:class:`StaleBuild`); the failed attempt is remembered, so
the next command does not try the same broken input again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from tsunagu.compile.inputs import fingerprint
from tsunagu.compile.progress import NATIONAL_BUILD_TIME, Progress
from tsunagu.exceptions import BuildBusy, CacheOutdated, NameNotFound, TsunaguError
from tsunagu.store.cache import cache_dir, load_stored, recorded_files

__all__ = [
    "StaleBuild",
    "current_graph",
    "current_rdf",
    "current_reach_graph",
    "current_duties_graph",
    "current_entity",
    "current_resolve",
    "current_index",
    "fresh_stored",
]

_FAILED = "failed.json"  # the last rebuild that failed: its fingerprint and why


@dataclass(frozen=True)
class StaleBuild:
    """The last good build answers because a newer input failed to build (or is gone).

    ``message`` says which input and why, in Japanese, for the person who
    edits the files (a terminal, a log); ``summary`` is what a page shown to
    a caseworker may say (no paths, no validation text).
    """

    message: str
    summary: str = "最新の入力に誤りがあるため、前回のビルドから答えています（管理者に連絡してください）。"


def _rebuild(directory, build_args, notice=None):
    from tsunagu.compile.compiler import build  # only when (re)building
    from tsunagu.compile.progress import Steps

    args = dict(build_args)
    # each step said as a progress notice: a terminal shows it, a pipe does not
    steps = Steps((lambda text: notice(Progress(text))) if notice else None)
    build(args.pop("paths", []), directory, steps=steps, **args)
    return load_stored(directory)


def _build_args(stored_args):
    """What to build again from a manifest's ``build_args`` (a build before the carried lists read none)."""
    args = {k: v for k, v in stored_args.items() if k in ("paths", "sources", "lists")}
    args.setdefault("lists", False)
    return args


def _first_build(directory, notice):
    """The default build in an empty cache: the prebuilt snapshot when it matches, else a build."""
    from tsunagu.compile.snapshot import install_snapshot

    stored = install_snapshot(directory, notice)
    if stored is not None:
        return stored
    if notice:
        notice(Progress("初めての実行: 同梱の全国データ（市区町村・相談窓口・保健所の一覧）と事例からグラフを作ります"
                        f"（{NATIONAL_BUILD_TIME}。次からはすぐに答えます）"))
    return _rebuild(directory, {"paths": [], "sources": {}, "lists": True}, notice)


def _failed_record(directory):
    try:
        record = json.loads((Path(directory or cache_dir()) / _FAILED).read_text(encoding="utf-8"))
        return record if isinstance(record, dict) else None
    except (OSError, ValueError):
        return None


def _remember_failure(directory, wanted, message):
    path = Path(directory or cache_dir()) / _FAILED
    try:
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps({"fingerprint": wanted, "message": message}, ensure_ascii=False),
                             encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # the next command tries the build again: slower, not wrong


def _stale(stored, message, notice):
    stored.stale = StaleBuild(message)
    if notice:
        notice(message)
    return stored


def fresh_stored(directory=None, rebuild_notice=None):
    """The last build, rebuilt first when a source changed or it is from an older format.

    With no build yet, installs the prebuilt default build or builds it. An
    older format is rebuilt from the inputs it recorded, never replaced by
    the embedded data alone; when it recorded none, or they are gone,
    :class:`CacheOutdated` names the command to run. When a changed input
    fails to build, or one is gone, or another process is rebuilding the
    folder, the last build answers and its
    ``stale`` attribute (a :class:`StaleBuild`) says why; ``rebuild_notice``
    hears it once.
    """
    try:
        stored = load_stored(directory)
    except CacheOutdated as outdated:
        args = outdated.build_args
        if args is None or not all(Path(p).exists() for p in recorded_files(args)):
            raise
        if rebuild_notice:
            rebuild_notice(Progress("キャッシュの形式が古いため、前回と同じ入力で再構築します"))
        return _rebuild(directory, _build_args(args), rebuild_notice)
    if stored is None:
        return _first_build(directory, rebuild_notice)
    missing = [p for p in stored.inputs if not Path(p).exists()]  # a source may be a folder
    if missing:
        return _stale(stored, f"{missing[0]} は前回のビルドの入力でしたが、見つかりません。前回のビルドから答えます。"
                              f"使うファイルを指定して tsunagu build を実行してください。", rebuild_notice)
    wanted = fingerprint(stored.inputs, lists=bool(stored.build_args.get("lists")), known=stored.hashes)
    if wanted == stored.fingerprint:
        return stored
    failed = _failed_record(directory)
    if failed and failed.get("fingerprint") == wanted:  # this very input already failed: say so, do not retry
        return _stale(stored, str(failed.get("message")), rebuild_notice)
    if rebuild_notice:
        rebuild_notice(Progress("入力が前回のビルドから変わったため、再構築します。"))
    try:
        return _rebuild(directory, _build_args(stored.build_args), rebuild_notice)
    except BuildBusy:
        # another process is rebuilding this folder: a caseworker's question is answered meanwhile
        return _stale(stored, "別のビルドが実行中です。終わるまで前回のビルドから答えます。", rebuild_notice)
    except TsunaguError as error:
        message = (f"入力の変更を読み込めませんでした。前回のビルドから答えます。直してから tsunagu build を"
                   f"実行してください:\n{error}")
        _remember_failure(directory, wanted, message)
        return _stale(stored, message, rebuild_notice)


def current_graph(directory=None, rebuild_notice=None):
    """The networkx graph of the last build; builds the default data on first use."""
    return fresh_stored(directory, rebuild_notice).graph


def current_reach_graph(text, directory=None, rebuild_notice=None):
    """(key, graph, walk) for the municipality ``text`` names: its precomputed referral graph and
    :class:`~tsunagu.rules.judge.TownWalk` (for the queries' ``walk=``).

    Reads the small name graph and one row of the reach store, not the
    national graph: what makes a cold ``refer`` fast.
    """
    from tsunagu.resolver import resolve
    from tsunagu.rules.names import normalise_name

    stored = fresh_stored(directory, rebuild_notice)
    found = stored.named(normalise_name(text))
    pair = stored.reach_graph(found[0]) if len(found) == 1 else None
    if pair is not None:  # one match, and a municipality (only those have a reach graph)
        return (found[0], *pair)
    # ambiguous, unknown or not a municipality: the full name table says which, with suggestions
    key = resolve(stored.names(), text, types={"Municipality"})
    return (key, *stored.reach_graph(key))


def current_rdf(directory=None, rebuild_notice=None):
    """The closed RDF graph of the last build."""
    from tsunagu.store.cache import load_rdf

    return load_rdf(fresh_stored(directory, rebuild_notice))


def current_duties_graph(directory=None, rebuild_notice=None):
    """The duties graph of the last build: what ``gaps`` and ``tally`` read, without the whole graph.

    Every municipality with its prefecture, platforms, window and duty
    statuses, the survey figures and the name index of municipalities and
    prefectures (so :func:`tsunagu.compile.resolve` finds a prefecture on it);
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
    with the errors of :func:`tsunagu.compile.resolve`; reads index rows, not the graph."""
    from tsunagu.resolver import resolve
    from tsunagu.rules.names import NameTable, normalise_name

    stored = fresh_stored(directory, rebuild_notice)
    try:
        return resolve(NameTable(*stored.entity_entries(normalise_name(text))), text, types=types)
    except NameNotFound:  # the suggestions need every name
        return resolve(NameTable(*stored.entity_entries()), text, types=types)


def current_index(directory=None, rebuild_notice=None):
    """Municipalities and prefectures of the last build in code order (the diagrams' index):
    dicts of id, name, code, prefecture (name), kind and types."""
    return fresh_stored(directory, rebuild_notice).index()

