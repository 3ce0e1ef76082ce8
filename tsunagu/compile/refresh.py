"""Refreshing the carried national lists from their official sources: ``tsunagu data update``.

An update fetches every list's files (``SOURCE.json`` ``files``: file name ->
address) into a staging folder ``<lists home>/<version>.tmp/`` laid out like
the package's copy, checks them (UTF-8, every row complete, no column of the
copy in use gone, then a whole build with the loaders themselves), and only
then puts them in use: the staging folder is renamed, ``CURRENT`` names it
(written whole, by rename), the previous version is kept for ``--rollback``
and the checked build is saved into the cache, so the next query answers at
once. Any failure on the way removes the staging folder and changes nothing
else: the lists in use, the cache and every answer stay as they were.

An office on LGWAN, which cannot reach the addresses, receives the files by
hand (``from_dir``) or serves them on its intranet (``mirror``).

Only http and https are fetched, each file with a timeout and the input size
cap (:func:`tsunagu.loaders.limits.max_input_bytes`); a redirect to another
scheme (or from https down to http) is refused.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from tsunagu.compile.progress import NATIONAL_BUILD_TIME
from tsunagu.exceptions import BuildBusy, CacheDamaged, CacheOutdated, DataError, DataErrors, RefreshError, TsunaguError
from tsunagu.loaders.limits import escaped, max_input_bytes, shortened
from tsunagu.loaders.sources.carried import (
    LIST_FOLDERS,
    CarriedList,
    carried_lists,
    lists_home,
    package_lists_dir,
    stored_versions,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "PACKAGE",
    "PrefectureChange",
    "ListChange",
    "UpdateReport",
    "RollbackReport",
    "update_lists",
    "rollback_lists",
    "list_folder",
]

DEFAULT_TIMEOUT = 30.0  # seconds a server may stay silent before a fetch gives up
PACKAGE = "package"  # the name of the copy the package carries, where a version is named
_CURRENT = "CURRENT"
_VERSION = re.compile(r"\d{8}-\d{6}(-\d+)?")  # the folder names update gives; nothing else is ever removed
_UNCHANGED = "何も変えていません（使用中の一覧とキャッシュはそのままです）"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Lists whose data is of one fixed date whatever day they are fetched: the 2015 census, the
# ministry's list 令和5年4月1日現在. Their as_of stays; the others' is the date the data says or the fetch date.
_FIXED_DATE = frozenset({"population_jp", "mhlw_jiritsu_2023"})
_MAX_LISTED_ERRORS = 10
Progress = Callable[[str], None]


# --- the report ----------------------------------------------------------------

@dataclass(frozen=True)
class PrefectureChange:
    """What changed in one list for one prefecture, rows keyed by the list's own id."""

    prefecture: str
    added: int = 0
    removed: int = 0
    phones: int = 0  # rows whose phone changed
    names: int = 0  # rows whose name changed (くらし支援ナビ)
    other: int = 0  # rows changed in other fields only


@dataclass(frozen=True)
class ListChange:
    """One list in an update.

    ``status``: ``"updated"`` (fetched, and its files differ from the copy in
    use), ``"unchanged"`` (fetched, the same files), ``"kept"`` (not asked for
    with ``--list``: the copy in use carried over) or ``"missing"`` (not in
    the folder given with ``--from``: the copy in use carried over).
    ``prefectures`` lists only prefectures where something changed.
    """

    folder: str
    source: str
    title: str
    status: str
    rows: int  # rows of its main file in the version now in use
    as_of: str
    fetched_from: dict[str, str] = field(default_factory=dict)
    added: int = 0
    removed: int = 0
    phones: int = 0
    names: int = 0
    other: int = 0
    prefectures: tuple[PrefectureChange, ...] = ()

    @property
    def changed(self) -> bool:
        """True when a row was added, removed or changed."""
        return bool(self.added or self.removed or self.phones or self.names or self.other)


@dataclass(frozen=True)
class UpdateReport:
    """What ``tsunagu data update`` did.

    ``switched`` is False when every fetched file was the same as the copy in
    use: nothing was put in use (``version`` is still the one in use). ``cache``
    says what became of the build cache, in Japanese.
    """

    version: str  # the version in use now: a folder name under lists_home(), or "package"
    previous: str  # the version in use before (what --rollback brings back)
    fetched: str  # when, ISO 8601 with the time zone
    switched: bool
    lists: tuple[ListChange, ...]
    cache: str
    seconds: float


@dataclass(frozen=True)
class RollbackReport:
    """What ``tsunagu data update --rollback`` did: ``version`` is in use now (``"package"``: the
    package's copy), ``removed`` is the version rolled back from (its folder is deleted)."""

    version: str
    removed: str
    cache: str


# --- entry points --------------------------------------------------------------

def list_folder(name: str) -> str:
    """The folder of the carried list called ``name``: its folder name or its source name.

    Examples
    --------
    >>> list_folder("municipalities"), list_folder("fukushi_portal")
    ('localgovjp', 'fukushi_portal')
    >>> list_folder("nope")
    Traceback (most recent call last):
    ...
    tsunagu.exceptions.RefreshError: 一覧「nope」はありません。使えるもの: localgovjp (municipalities), population_jp (population), fukushi_portal, hokenjo, mhlw_jiritsu_2023
    """
    known = carried_lists(package=True)
    for item in known:
        if name in (item.folder, item.source):
            return item.folder
    listed = ", ".join(item.folder if item.folder == item.source else f"{item.folder} ({item.source})" for item in known)
    raise RefreshError(f"一覧「{escaped(shortened(name))}」はありません。使えるもの: {listed}")


def update_lists(*, from_dir: str | Path | None = None, mirror: str | None = None, lists: Sequence[str] = (),
                 timeout: float = DEFAULT_TIMEOUT, cache: str | Path | None = None,
                 progress: Progress | None = None) -> UpdateReport:
    """Fetch newer copies of the carried lists, check them, and put them in use.

    Parameters
    ----------
    from_dir : path, optional
        Take the files from this folder instead of the network: ``DIR/<folder>/<file>``
        or every file flat in ``DIR``. A list none of whose files is there keeps
        the copy in use (its status is ``"missing"``).
    mirror : str, optional
        Fetch ``MIRROR/<folder>/<file>`` instead of each official address (an
        office's intranet copy).
    lists : sequence of str
        Refresh only these lists (folder or source names); the others keep the copy in use.
    timeout : float
        Seconds a server may stay silent (connecting, or between two reads).
    cache : path, optional
        The build cache to check against and save into (default: ``$TSUNAGU_HOME``...).
    progress : callable, optional
        Receives one line per list as it is fetched, and one when the check starts.

    Returns
    -------
    UpdateReport

    Raises
    ------
    RefreshError
        A fetch failed (HTTP error, timeout, no connection, over the size cap,
        cut short, a redirect to another scheme), a file is broken (not UTF-8,
        an incomplete row, a column gone, data the loaders refuse), or the
        options contradict each other. Nothing was changed.
    BuildBusy
        Another build or update holds the cache. Nothing was changed.
    """
    started = time.monotonic()
    if from_dir is not None and mirror:
        raise RefreshError("--from と --mirror は同時に指定できません (give one of --from and --mirror)")
    if mirror:
        _check_address(mirror, "--mirror")
    folder_in = Path(from_dir) if from_dir is not None else None
    if folder_in is not None and not folder_in.is_dir():
        raise RefreshError(f"--from のフォルダ {folder_in} がありません (no such folder)")
    wanted = [list_folder(name) for name in lists] or list(LIST_FOLDERS)
    cache_dir_ = _cache_dir(cache)
    home = lists_home()
    with _lists_lock(home):
        in_use = {item.folder: item for item in carried_lists()}
        previous = _pointer(home).get("version") or PACKAGE
        _remove_stale(home)
        now = datetime.now().astimezone()
        fetched = now.isoformat(timespec="seconds")
        name = _version_name(home, now)
        staging = home / f"{name}.tmp"
        try:
            return _update(staging, name, previous, in_use, wanted, folder_in, mirror, timeout, fetched,
                           cache_dir_, progress, started, bool(lists))
        except OSError as error:  # the lists' folder (the cache's own errors are CacheWriteError)
            raise RefreshError(f"一覧のフォルダ {home} に書き込めません ({error.strerror or error})。{_UNCHANGED}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # gone already when it was put in use


def rollback_lists(*, cache: str | Path | None = None, progress: Progress | None = None) -> RollbackReport:
    """Put the previous version of the lists back in use and rebuild the cache from it.

    The version rolled back from is deleted; there is then no earlier one to
    roll back to (an update keeps only the one before it).

    Returns
    -------
    RollbackReport

    Raises
    ------
    RefreshError
        The package's copy is in use, or no previous version is recorded or it is gone.
        Nothing was changed.
    """
    cache_dir_ = _cache_dir(cache)
    home = lists_home()
    with _lists_lock(home):
        pointer = _pointer(home)
        current = pointer.get("version")
        if not current:
            raise RefreshError("同梱の一覧を使っています。戻す前の版はありません"
                               " (the package's lists are in use: nothing to roll back to)")
        previous = pointer.get("previous")
        if not previous:
            raise RefreshError(f"使用中の版 {current} の前の版は残っていません（戻せるのは1つ前の版まで）"
                               f" (no previous version of {current} is kept)")
        if previous != PACKAGE and previous not in stored_versions():
            raise RefreshError(f"前の版 {home / previous} が揃っていないため戻せません。{_UNCHANGED}")
        old_pointer = _pointer_bytes(home)
        with _cache_lock(cache_dir_):
            _write_pointer(home, None if previous == PACKAGE else {"version": previous})
            try:
                note = _rebuild_after_rollback(cache_dir_, progress)
            except BaseException:
                _restore_pointer(home, old_pointer)
                raise
        if _VERSION.fullmatch(current):  # a name update gave: never a path someone wrote into CURRENT
            shutil.rmtree(home / current, ignore_errors=True)
    return RollbackReport(previous, current, note)


# --- the update, step by step ----------------------------------------------------

def _update(staging: Path, name: str, previous: str, in_use: dict[str, CarriedList], wanted: list[str],
            folder_in: Path | None, mirror: str | None, timeout: float, fetched: str, cache_dir_: Path,
            progress: Progress | None, started: float, named: bool) -> UpdateReport:
    from tsunagu.compile.compiler import compile_graph
    from tsunagu.store.cache import save

    home = staging.parent
    staging.mkdir(mode=0o700)
    statuses: dict[str, str] = {}
    fetched_from: dict[str, dict[str, str]] = {}
    files_in = _files_in(folder_in, in_use, wanted, named) if folder_in is not None else {}
    for folder in LIST_FOLDERS:
        item = in_use[folder]
        target = staging / folder
        if folder not in wanted or (folder_in is not None and folder not in files_in):
            shutil.copytree(item.path, target, copy_function=shutil.copyfile)
            statuses[folder] = "kept" if folder not in wanted else "missing"
            if item.origin == "package":  # said in its SOURCE.json: in a version folder it would pass for fetched
                meta = json.loads((target / "SOURCE.json").read_text(encoding="utf-8"))
                meta["carried_from"] = PACKAGE
                (target / "SOURCE.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
            continue
        target.mkdir()
        for extra in item.path.iterdir():  # licence files beside the data
            if extra.is_file() and extra.name not in item.files and extra.name != "SOURCE.json":
                shutil.copyfile(extra, target / extra.name)
        if progress:
            progress(f"{item.title}: {'取り込んでいます' if folder_in is not None else '取得しています'}")
        addresses = {}
        for file_name in sorted(item.files):
            label = f"{_named(item)}の {file_name}"
            if folder_in is not None:
                origin = files_in[folder][file_name]
                _copy_capped(origin, target / file_name, label)
                addresses[file_name] = str(origin)
            else:
                address = (f"{mirror.rstrip('/')}/{quote(folder)}/{quote(file_name)}" if mirror
                           else item.files[file_name])
                _check_address(address, label)
                _fetch(address, target / file_name, label, timeout)
                addresses[file_name] = address
            _check_file(target / file_name, item.path / file_name, label)
        same = all(_same_file(target / f, item.path / f) for f in item.files)
        statuses[folder] = "unchanged" if same else "updated"
        fetched_from[folder] = addresses
        _write_source(target, item, fetched, addresses)
    if not any(status == "updated" for status in statuses.values()):
        # Nothing new: no version is made, so the one to roll back to stays the one before.
        lists_ = tuple(_list_change(in_use[f], statuses[f], in_use[f].path, in_use[f].path, fetched_from.get(f, {}),
                                    in_use[f].as_of) for f in LIST_FOLDERS)
        return UpdateReport(previous, previous, fetched, False, lists_, "変えていません（一覧が同じため）",
                            time.monotonic() - started)
    staged = {item.folder: item for item in carried_lists(version=staging)}
    if progress:
        progress(f"検査: 新しい一覧で全国のグラフを作っています（{NATIONAL_BUILD_TIME}）")
    with _cache_lock(cache_dir_):
        paths, sources, keep, note = _check_plan(cache_dir_, in_use)
        try:
            # its working files (rows, N-Triples, the graph) in the cache folder it holds, as a build's
            compiled = compile_graph(paths, sources=sources, lists=True, lists_version=staging, scratch=cache_dir_)
        except DataErrors as errors:
            raise RefreshError(_data_errors_message(errors.errors, staging, in_use, paths)) from None
        except DataError as error:
            raise RefreshError(_data_errors_message([error], staging, in_use, paths)) from None
        except TsunaguError as error:
            raise RefreshError(f"新しい一覧でグラフを作れません: {error}\n{_UNCHANGED}") from None
        changes = tuple(_list_change(staged[f], statuses[f], in_use[f].path, staging / f, fetched_from.get(f, {}),
                                     staged[f].as_of) for f in LIST_FOLDERS)
        final = home / name
        old_pointer = _pointer_bytes(home)
        os.rename(staging, final)
        try:
            _write_pointer(home, {"version": name, "previous": previous})
            if keep:
                if progress:
                    progress("キャッシュに保存しています")
                _moved(compiled, staging, final)
                save(compiled, cache_dir_)
        except BaseException:
            _restore_pointer(home, old_pointer)
            shutil.rmtree(final, ignore_errors=True)
            raise
    _prune(home, keep={name, previous})
    return UpdateReport(name, previous, fetched, True, changes, note, time.monotonic() - started)


def _files_in(folder_in: Path, in_use: dict[str, CarriedList], wanted: list[str],
              named: bool) -> dict[str, dict[str, Path]]:
    """folder -> {file name: path} of each wanted list found in ``folder_in`` (``DIR/<folder>/<file>``
    first, else ``DIR/<file>``). A list with some files there and not others is an error; so is a
    folder holding none of any list's files, or missing a list asked for by name (``named``)."""
    found: dict[str, dict[str, Path]] = {}
    partial = []
    for folder in wanted:
        item = in_use[folder]
        paths = {}
        for file_name in item.files:
            for candidate in (folder_in / folder / file_name, folder_in / file_name):
                if candidate.exists():
                    paths[file_name] = candidate
                    break
        if paths and len(paths) < len(item.files):
            missing = sorted(set(item.files) - set(paths))
            partial.append(f"{_named(item)}: {', '.join(missing)} がありません"
                           f"（{folder_in}/{folder}/ か {folder_in}/ に置いてください）")
        elif paths:
            found[folder] = paths
        elif named:
            partial.append(f"{_named(item)}: {', '.join(sorted(item.files))} がありません")
    if partial:
        raise RefreshError("--from のフォルダに一覧のファイルが揃っていません:\n  " + "\n  ".join(partial)
                           + f"\n{_UNCHANGED}")
    if not found:
        names = ", ".join(sorted(f for folder in wanted for f in in_use[folder].files))
        raise RefreshError(f"{folder_in} に一覧のファイルがありません（{names}）。{_UNCHANGED}")
    return found


def _check_plan(cache_dir_: Path, in_use: dict[str, CarriedList]) -> tuple[list, dict, bool, str]:
    """What the check builds with the new lists, and whether that build then replaces the cache:
    ``(paths, sources, save, what the report says of the cache)``.

    The check builds what the last build was built from (its own files too), so that what is saved
    is the build the next query would make; where it cannot be that (a seeds-only build, inputs gone,
    a list replaced by --source), the check is the default build and the cache is left to the next query.
    """
    from tsunagu.store.cache import load_stored

    try:
        stored = load_stored(cache_dir_)
    except (CacheDamaged, CacheOutdated):
        stored = None  # replaced by the checked build: the next query answers from it
    if stored is None:
        return [], {}, True, "確かめたビルドを保存しました（次の問い合わせからすぐに答えます）"
    args = stored.build_args
    paths = [str(p) for p in args.get("paths") or []]
    sources = {str(k): str(v) for k, v in (args.get("sources") or {}).items()}
    if not args.get("lists"):
        return [], {}, False, "前回のビルドは --seeds-only（一覧を読まない）ため、そのままです"
    if not all(Path(p).exists() for p in paths + list(sources.values())):
        return [], {}, False, "前回のビルドの入力が見つからないため、次の問い合わせで作り直します"
    replaced = {item.source for item in in_use.values()} & set(sources)
    if replaced:
        return [], {}, False, (f"前回のビルドは {', '.join(sorted(replaced))} を --source で指定しているため、"
                               "次の問い合わせで作り直します")
    return paths, sources, True, "確かめたビルドを保存しました（次の問い合わせからすぐに答えます）"


def _rebuild_after_rollback(cache_dir_: Path, progress: Progress | None) -> str:
    """The cache rebuilt from the lists now in use, with what the last build was built from."""
    from tsunagu.compile.compiler import build

    in_use = {item.folder: item for item in carried_lists()}
    paths, sources, keep, note = _check_plan(cache_dir_, in_use)
    if not keep:
        return note
    if progress:
        progress(f"前の版の一覧でグラフを作り直しています（{NATIONAL_BUILD_TIME}）")
    build(paths, cache_dir_, sources=sources, lists=True)
    return "前の版の一覧で作り直しました"


def _moved(compiled: Any, staging: Path, final: Path) -> None:
    """Point what a build records of the staging folder at the folder it was renamed to: the file
    hashes (so a query only stats them) and each source's path in the build's report."""
    old, new = str(staging), str(final)

    def renamed(text: str) -> str:
        return new + text[len(old):] if text == old or text.startswith(old + os.sep) else text

    compiled.hashes = {renamed(key): value for key, value in compiled.hashes.items()}
    report = compiled.graph.graph.get("national_report") or {}
    for source in report.get("sources") or []:
        if isinstance(source.get("path"), str):
            source["path"] = renamed(source["path"])


# --- fetching --------------------------------------------------------------------

class _Refused(Exception):
    """A redirect tsunagu does not follow."""


class _SameSchemeRedirect(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to http or https, never from https down to http."""

    def http_error_302(self, req, fp, code, msg, headers):  # the stdlib's name; 301, 303, 307, 308 alike
        location = headers.get("location") or headers.get("uri")
        if location:
            target = urljoin(req.full_url, location)
            old, new = urlsplit(req.full_url).scheme.lower(), urlsplit(target).scheme.lower()
            if new not in ("http", "https") or (old == "https" and new == "http"):
                fp.close()
                raise _Refused(target)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener() -> urllib.request.OpenerDirector:
    """http and https only (no file:, ftp: or data:), the environment's proxy, checked redirects."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(), _SameSchemeRedirect(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _check_address(address: str, label: str) -> None:
    scheme = urlsplit(address).scheme.lower()
    if scheme not in ("http", "https") or not urlsplit(address).netloc:
        raise RefreshError(f"{label}: {escaped(shortened(address))} は http か https のアドレスではありません。{_UNCHANGED}")


def _fetch(address: str, target: Path, label: str, timeout: float) -> int:
    """Write what ``address`` answers to ``target``; its size. Every failure is a :class:`RefreshError`."""
    from tsunagu._version import __version__

    limit = max_input_bytes()
    request = urllib.request.Request(address, headers={"User-Agent": f"tsunagu/{__version__} (data update)"})
    where = f"{label} を取得できません: {escaped(shortened(address, 200))}"
    try:
        with _opener().open(request, timeout=timeout) as response, open(target, "wb") as out:
            length = response.headers.get("Content-Length", "")
            expected = int(length) if length.strip().isdigit() else None
            if expected is not None and expected > limit:
                raise RefreshError(_too_big(where, expected, limit))
            size = 0
            for block in iter(lambda: response.read(1 << 16), b""):
                size += len(block)
                if size > limit:
                    raise RefreshError(_too_big(where, size, limit))
                try:
                    out.write(block)
                except OSError as error:  # the disk, not the network
                    raise RefreshError(f"{target} に書き込めません ({error.strerror or error})。{_UNCHANGED}") from None
            if expected is not None and size != expected:
                raise RefreshError(f"{where} が途中で切れました（{size:,} / {expected:,} バイト）。{_UNCHANGED}")
            return size
    except urllib.error.HTTPError as error:
        error.close()
        raise RefreshError(f"{where} が {error.code} {escaped(shortened(error.reason))} を返しました。{_UNCHANGED}") from None
    except _Refused as refused:
        raise RefreshError(f"{where} が別の方式のアドレス {escaped(shortened(str(refused)))} へ転送しようとしたため、"
                           f"従いませんでした（http か https のまま、https から http へは移りません）。{_UNCHANGED}") from None
    except TimeoutError:
        raise RefreshError(_timed_out(where, timeout)) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RefreshError(_timed_out(where, timeout)) from None
        raise RefreshError(f"{where} に接続できません ({escaped(shortened(error.reason))})。{_UNCHANGED}") from None
    except (OSError, http.client.HTTPException) as error:
        raise RefreshError(f"{where}: 通信が途中で切れました ({type(error).__name__}: "
                           f"{escaped(shortened(error))})。{_UNCHANGED}") from None


def _timed_out(where: str, timeout: float) -> str:
    return f"{where} が {timeout:g} 秒以内に応答しません（--timeout で延ばせます）。{_UNCHANGED}"


def _too_big(where: str, size: int, limit: int) -> str:
    return (f"{where} が {size / 1024 / 1024:.1f} MB あり、上限 {limit / 1024 / 1024:.3g} MB を超えます"
            f"（TSUNAGU_MAX_INPUT_MB で変えられます）。{_UNCHANGED}")


def _copy_capped(origin: Path, target: Path, label: str) -> None:
    """Copy a file given by hand, refusing what is not a regular file or over the size cap."""
    limit = max_input_bytes()
    if not origin.is_file():  # a folder, a named pipe, a device: never opened
        raise RefreshError(f"{label}: {origin} は通常のファイルではありません。{_UNCHANGED}")
    size = origin.stat().st_size
    if size > limit:
        raise RefreshError(_too_big(f"{label} ({origin})", size, limit))
    try:
        shutil.copyfile(origin, target)
    except OSError as error:
        raise RefreshError(f"{label}: {origin} を読めません ({error.strerror or error})。{_UNCHANGED}") from None


# --- checking a file before the build ---------------------------------------------

def _named(item: CarriedList) -> str:
    """A list's title with its folder name (what --list takes), unless the title holds it already."""
    return item.title if item.folder in item.title else f"{item.title}（{item.folder}）"


def _check_file(path: Path, in_use: Path, label: str) -> None:
    """A fetched file is UTF-8, every CSV row has the header's fields (a file cut short mid-row has
    fewer) and no column of the copy in use is gone; a JSON file parses to a list of objects holding
    every key the copy in use has. The loaders check the values after this."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        if error.end == len(data) and "end of data" in error.reason:  # a multi-byte character cut in two
            raise RefreshError(f"{label} は {line:,} 行目の途中で切れています（最後の文字が欠けています）。"
                               f"{_UNCHANGED}") from None
        raise RefreshError(f"{label} は UTF-8 ではありません（{line:,} 行目、{error.start + 1:,} バイト目 "
                           f"0x{data[error.start]:02X}）。Shift_JIS (cp932) などで保存されていないか確かめてください。"
                           f"{_UNCHANGED}") from None
    if path.suffix.lower() == ".csv":
        header = _csv_check(text, label)
        old = _csv_header(in_use)
        missing = [column for column in old if column and column not in header]
        if missing:
            raise RefreshError(f"{label} に列 {', '.join(missing)} がありません（使用中の版にはあります）。{_UNCHANGED}")
    elif path.suffix.lower() == ".json":
        rows = _json_rows(text, label)
        old_rows = json.loads(in_use.read_text(encoding="utf-8-sig"))
        old_keys = set().union(*(row for row in old_rows if isinstance(row, dict))) if isinstance(old_rows, list) else set()
        missing = sorted(old_keys - set().union(*rows)) if rows else []
        if missing:
            raise RefreshError(f"{label} にキー {', '.join(missing)} がありません（使用中の版にはあります）。{_UNCHANGED}")


def _csv_check(text: str, label: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise RefreshError(f"{label} が空です。{_UNCHANGED}")
        for row in reader:
            if row and len(row) != len(header):
                raise RefreshError(f"{label} の {reader.line_num:,} 行目: 項目が {len(row)} 個あります（見出しは "
                                   f"{len(header)} 個）。ファイルが途中で切れていないか確かめてください。{_UNCHANGED}")
    except csv.Error as error:
        raise RefreshError(f"{label} の {reader.line_num:,} 行目: CSV として読めません ({error})。"
                           f"ファイルが途中で切れていないか確かめてください。{_UNCHANGED}") from None
    return header


def _csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def _json_rows(text: str, label: str) -> list[dict]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as error:
        raise RefreshError(f"{label} の {error.lineno:,} 行目: JSON として読めません ({error.msg})。"
                           f"ファイルが途中で切れていないか確かめてください。{_UNCHANGED}") from None
    if not isinstance(rows, list):
        raise RefreshError(f"{label} は行の配列（[...]）ではありません。{_UNCHANGED}")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise RefreshError(f"{label} の {number:,} 件目がオブジェクト（{{...}}）ではありません。{_UNCHANGED}")
    return rows


def _data_errors_message(errors: Iterable[DataError], staging: Path, in_use: dict[str, CarriedList],
                         paths: list) -> str:
    """The loaders' errors, each with the list it is in, paths shown from the lists' folder."""
    errors = list(errors)
    titles = {item.folder: item.title for item in in_use.values()}
    titles.update({item.source: item.title for item in in_use.values()})
    lines = []
    for error in errors[:_MAX_LISTED_ERRORS]:
        text = str(error).replace(str(staging) + os.sep, "")
        head = text.split(os.sep, 1)[0].split("/", 1)[0]
        owner = titles.get(head)
        lines.append(f"  {owner}: {text}" if owner else f"  {text}")
    if len(errors) > _MAX_LISTED_ERRORS:
        lines.append(f"  ほか {len(errors) - _MAX_LISTED_ERRORS:,} 件")
    own = "（前回のビルドの入力 " + ", ".join(map(str, paths)) + " と合わせて確かめました）" if paths else ""
    return (f"新しい一覧に読み込めない行があります{own}。{_UNCHANGED}:\n" + "\n".join(lines))


# --- the lists' folder: versions, CURRENT, locks ------------------------------------

def _cache_dir(cache: str | Path | None) -> Path:
    from tsunagu.store.cache import cache_dir

    return Path(cache) if cache is not None else cache_dir()


@contextmanager
def _lists_lock(home: Path) -> Iterator[None]:
    """One update or rollback at a time over the lists' folder."""
    from tsunagu.store.cache import build_lock

    try:
        with build_lock(home):
            yield
    except BuildBusy:
        raise RefreshError(f"別の tsunagu data update が {home} を更新中です。終わってからもう一度実行してください"
                           " (another update is running)") from None


@contextmanager
def _cache_lock(cache_dir_: Path) -> Iterator[None]:
    from tsunagu.store.cache import build_lock

    with build_lock(cache_dir_):
        yield


def _pointer(home: Path) -> dict:
    """``CURRENT`` as a dict (``version``, ``previous``), or {} when the package's copy is in use."""
    try:
        pointer = json.loads((home / _CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise RefreshError(f"{home / _CURRENT} を読めません ({type(error).__name__})。このファイルを消すと同梱の一覧に戻ります") from None
    if not isinstance(pointer, dict):
        raise RefreshError(f"{home / _CURRENT} を読めません。このファイルを消すと同梱の一覧に戻ります")
    return {k: v for k, v in pointer.items() if isinstance(v, str)}


def _pointer_bytes(home: Path) -> bytes | None:
    try:
        return (home / _CURRENT).read_bytes()
    except FileNotFoundError:
        return None


def _write_pointer(home: Path, pointer: dict | None) -> None:
    """Write ``CURRENT`` whole (None: remove it)."""
    _restore_pointer(home, None if pointer is None else json.dumps(pointer, ensure_ascii=False).encode("utf-8"))


def _restore_pointer(home: Path, old: bytes | None) -> None:
    """Put back ``CURRENT``'s bytes whole, through a temporary file and a rename (None: remove it)."""
    path = home / _CURRENT
    if old is None:
        path.unlink(missing_ok=True)
        return
    temporary = home / f"{_CURRENT}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as stream:
            stream.write(old)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _version_name(home: Path, now: datetime) -> str:
    base = now.strftime("%Y%m%d-%H%M%S")
    name, number = base, 1
    while (home / name).exists() or (home / f"{name}.tmp").exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _remove_stale(home: Path) -> None:
    """Staging folders an update that was killed left (none runs now: the lock is held)."""
    for folder in home.glob("*.tmp"):
        if folder.is_dir() and _VERSION.fullmatch(folder.name[:-4]):
            shutil.rmtree(folder, ignore_errors=True)


def _prune(home: Path, keep: set[str]) -> None:
    """Remove versions older than the previous one (only folders named as update names them)."""
    for folder in home.iterdir():
        if folder.is_dir() and folder.name not in keep and _VERSION.fullmatch(folder.name):
            shutil.rmtree(folder, ignore_errors=True)


# --- SOURCE.json and the report --------------------------------------------------

def _write_source(target: Path, item: CarriedList, fetched: str, addresses: dict[str, str]) -> None:
    meta = json.loads((item.path / "SOURCE.json").read_text(encoding="utf-8"))
    meta["fetched"] = fetched
    meta["fetched_from"] = addresses
    meta["as_of"] = _as_of(item, target, fetched)
    meta["version"] = {"date": fetched[:10]}  # the upstream commit of a fetched copy is not known
    (target / "SOURCE.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _as_of(item: CarriedList, folder: Path, fetched: str) -> str:
    """The date of a fetched copy's data: where the data says it (くらし支援ナビ: the newest
    ``lastVerifiedAt`` of its windows), the fixed date of a one-date list, else the fetch date."""
    if item.folder in _FIXED_DATE:
        return item.as_of
    if item.folder == "fukushi_portal":
        with open(folder / "offices.csv", encoding="utf-8-sig", newline="") as handle:
            dates = [d for row in csv.DictReader(handle) if _DATE.fullmatch(d := (row.get("lastVerifiedAt") or "").strip())]
        if dates:
            return max(dates)
    return fetched[:10]


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


@dataclass(frozen=True)
class _Keyed:
    """How a list's rows are compared: its main file, the natural id, the prefecture, phone and name."""

    file: str
    key: tuple[str, ...]  # columns of the natural id; () for the whole row
    prefecture: str | None  # the column holding the prefecture's name; None: worked out from codes
    phone: str | None = None
    name: str | None = None


_KEYED = {
    "localgovjp": _Keyed("localgovjp-utf8.csv", ("lgcode",), "pref"),
    "population_jp": _Keyed("population_jp_2015_detail.csv", (), None),
    "fukushi_portal": _Keyed("offices.csv", ("id",), None, phone="phone", name="name"),
    "hokenjo": _Keyed("hokenjo_muni_crosswalk.csv", ("muni_code",), "pref"),
    "mhlw_jiritsu_2023": _Keyed("jiritsushien_2023_b.json", ("都道府県名", "自治体名", "窓口名"), "都道府県名",
                                phone="電話番号"),
}


def _list_change(item: CarriedList, status: str, old: Path, new: Path, addresses: dict[str, str],
                 as_of: str) -> ListChange:
    spec = _KEYED[item.folder]
    new_rows = _rows(new / spec.file)
    counts: dict[str, Counter] = defaultdict(Counter)
    if status == "updated":
        old_rows = _rows(old / spec.file)
        prefecture = _prefecture_of(item.folder, old, new)
        before, after = _keyed(old_rows, spec.key), _keyed(new_rows, spec.key)
        for key in before.keys() - after.keys():
            counts[prefecture(before[key])]["removed"] += 1
        for key in after.keys() - before.keys():
            counts[prefecture(after[key])]["added"] += 1
        for key in before.keys() & after.keys():
            a, b = before[key], after[key]
            if a == b:
                continue
            phone = spec.phone is not None and _text(a.get(spec.phone)) != _text(b.get(spec.phone))
            name = spec.name is not None and _text(a.get(spec.name)) != _text(b.get(spec.name))
            where = counts[prefecture(b)]
            where["phones"] += phone
            where["names"] += name
            where["other"] += not (phone or name)
    order = _prefecture_order()
    prefectures = tuple(PrefectureChange(p, **{k: v for k, v in c.items() if v})
                        for p, c in sorted(counts.items(), key=lambda pc: (order.get(pc[0], 99), pc[0])) if any(c.values()))
    total = sum(counts.values(), Counter())
    return ListChange(item.folder, item.source, item.title, status, len(new_rows), as_of, addresses,
                      total["added"], total["removed"], total["phones"], total["names"], total["other"], prefectures)


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _rows(path: Path) -> list[dict]:
    if path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
        return [{k: _text(v) for k, v in row.items()} for row in rows]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        # an unnamed or repeated column (the population list has one) is named by its position
        names = [h if h and header.count(h) == 1 else f"{i}:{h}" for i, h in enumerate(header)]
        return [dict(zip(names, row, strict=False)) for row in reader if row]


def _keyed(rows: list[dict], columns: tuple[str, ...]) -> dict[tuple, dict]:
    """Rows by natural id; a repeated id gets its occurrence number (the ministry's list repeats some)."""
    seen: Counter = Counter()
    keyed = {}
    for row in rows:
        key = tuple(_column(row, c) for c in columns) if columns else tuple(row.values())
        seen[key] += 1
        keyed[key + (seen[key],)] = row
    return keyed


def _column(row: dict, name: str) -> str:
    return str(row.get(name) or "")


def _prefecture_names() -> dict[str, str]:
    """Two-digit code -> prefecture name, from the package's prefecture list."""
    with open(package_lists_dir() / "localgovjp" / "prefjp-utf8.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["pid"].zfill(2): row["pref"] for row in csv.DictReader(handle)}


def _prefecture_order() -> dict[str, int]:
    return {name: int(code) for code, name in _prefecture_names().items()}


def _prefecture_of(folder: str, old: Path, new: Path) -> Callable[[dict], str]:
    """A function giving a row's prefecture name (「全国」 when the row has none)."""
    spec = _KEYED[folder]
    names = _prefecture_names()
    if spec.prefecture:
        column = spec.prefecture
        return lambda row: _column(row, column) or "全国"
    if folder == "population_jp":
        def population(row: dict) -> str:
            code = next(iter(row.values()), "")
            return names.get(code.zfill(5)[:2], "全国") if code.isdigit() and int(code) >= 1000 else "全国"
        return population
    # くらし支援ナビ: a window's prefecture is its municipality's, else its own prefectureCode
    municipalities = {}
    for folder_path in (old, new):
        for row in _rows(folder_path / "municipalities.csv"):
            municipalities[_column(row, "id")] = _column(row, "prefectureCode")

    def fukushi(row: dict) -> str:
        code = municipalities.get(_column(row, "municipalityId")) or _column(row, "prefectureCode")
        return names.get(code.zfill(2), "全国") if code else "全国"
    return fukushi
