"""The national lists tsunagu carries: what each is, whose it is, and which copy is in use.

The package ships a copy of every public list the national directory is
built from (``tsunagu/data/lists/<folder>/``), each with a ``SOURCE.json``
beside it: title, publisher, licence, the credit line the licence asks for,
the official page, the addresses its files are fetched from, the version
copied and the date of the data. ``tsunagu data update`` fetches newer
copies into the user's data folder (:func:`data_home`); once one is
complete and checked, ``lists/CURRENT`` there names it and builds read it
instead of the package's copy. Nothing here reaches the network.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tsunagu.exceptions import TsunaguError

__all__ = [
    "CarriedList",
    "carried_lists",
    "carried_sources",
    "data_home",
    "lists_home",
    "package_lists_dir",
    "current_version",
    "stored_versions",
    "LIST_FOLDERS",
    "credit_lines",
]

# The lists in the order their sources load (tsunagu.loaders.sources registry order): folder names.
LIST_FOLDERS = ("localgovjp", "population_jp", "fukushi_portal", "hokenjo", "mhlw_jiritsu_2023")
_CURRENT = "CURRENT"


@dataclass(frozen=True)
class CarriedList:
    """One carried list: its metadata (``SOURCE.json``) and the folder of the copy in use.

    ``origin`` is ``"package"`` for the copy shipped with tsunagu and
    ``"updated"`` for one ``tsunagu data update`` fetched (``fetched``: when).
    """

    source: str  # the build's source name (tsunagu.loaders.sources)
    folder: str
    title: str
    title_en: str
    publisher: str
    licence: str
    licence_url: str
    credit: str
    page: str  # the official page of the list
    as_of: str  # date of the data (YYYY-MM-DD or YYYY-MM)
    files: dict = field(default_factory=dict)  # file name -> address it is fetched from
    load: str = "."  # what the loader is given: "." for the folder, else a file in it
    version: dict = field(default_factory=dict)  # commit and date of the copy
    confirmed: bool = False  # True when the fetch addresses were confirmed in stored public material
    notes: str = ""
    path: Path = Path(".")  # the folder holding the copy in use
    origin: str = "package"
    fetched: str | None = None

    @property
    def load_path(self) -> Path:
        """What the source's loader reads: the folder, or the one file it names."""
        return self.path if self.load == "." else self.path / self.load

    def data_files(self) -> list[Path]:
        """The list's data files in the copy in use (what a build reads from it)."""
        return [self.path / name for name in sorted(self.files)]


def package_lists_dir() -> Path:
    """``tsunagu/data/lists`` in the installed package."""
    return Path(str(resources.files("tsunagu"))) / "data" / "lists"


def data_home() -> Path:
    """The user's data folder: ``$TSUNAGU_DATA``; else ``$TSUNAGU_HOME/data``; else
    ``$XDG_DATA_HOME/tsunagu`` or ``~/.local/share/tsunagu``. Apart from the build cache
    (``$TSUNAGU_HOME`` or ``~/.cache/tsunagu``), which may be wiped at any time.
    """
    if os.environ.get("TSUNAGU_DATA"):
        return Path(os.environ["TSUNAGU_DATA"])
    if os.environ.get("TSUNAGU_HOME"):
        return Path(os.environ["TSUNAGU_HOME"]) / "data"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tsunagu"


def lists_home() -> Path:
    """Where refreshed copies of the lists are kept: ``<data home>/lists``."""
    return data_home() / "lists"


def _read_source(folder: Path, *, origin: str, fetched: str | None = None) -> CarriedList:
    meta_path = folder / "SOURCE.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TsunaguError(f"一覧の説明 {meta_path} を読めません ({error})。"
                           "tsunagu data update --rollback で前の版に戻せます") from None
    known = {f for f in CarriedList.__dataclass_fields__ if f not in ("path", "origin", "fetched")}
    try:
        return CarriedList(**{k: v for k, v in meta.items() if k in known}, path=folder, origin=origin,
                           fetched=meta.get("fetched", fetched))
    except TypeError as error:
        raise TsunaguError(f"一覧の説明 {meta_path} に必要な項目がありません ({error})") from None


def current_version() -> Path | None:
    """The folder of the refreshed lists in use, or None when the package's copies are used.

    Raises :class:`TsunaguError` when ``CURRENT`` names a version that is not there.
    """
    pointer = lists_home() / _CURRENT
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["version"]
    except (FileNotFoundError, NotADirectoryError):  # no refreshed copy (or no usable data folder at all)
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TsunaguError(f"{pointer} を読めません ({type(error).__name__})。"
                           "tsunagu data update --rollback で前の版に戻すか、このファイルを消してください") from None
    folder = lists_home() / str(name)
    if not all((folder / f / "SOURCE.json").is_file() for f in LIST_FOLDERS):
        raise TsunaguError(f"{pointer} が指す一覧 {folder} が揃っていません。"
                           "tsunagu data update --rollback で前の版に戻すか、このファイルを消してください")
    return folder


def stored_versions() -> list[str]:
    """The refreshed copies kept in :func:`lists_home`, by name, oldest first: the folders that hold
    every list with its ``SOURCE.json`` (an update's staging folder, ``NAME.tmp``, is not one).
    """
    home = lists_home()
    if not home.is_dir():
        return []
    return sorted(folder.name for folder in home.iterdir()
                  if folder.is_dir() and not folder.name.endswith(".tmp")
                  and all((folder / f / "SOURCE.json").is_file() for f in LIST_FOLDERS))


def carried_lists(*, package: bool = False, version: Path | None = None) -> list[CarriedList]:
    """Every carried list in load order, from the copy in use (``package=True``: the package's own;
    ``version``: a folder of refreshed lists, such as one ``tsunagu data update`` checks before using it).

    Examples
    --------
    >>> [item.source for item in carried_lists(package=True)]
    ['municipalities', 'population', 'fukushi_portal', 'hokenjo', 'mhlw_jiritsu_2023']
    >>> item = carried_lists(package=True)[2]
    >>> item.credit, item.licence
    ('くらし支援ナビ（運営: JUNKBRANDING）', 'CC BY 4.0')
    """
    if version is None and not package:
        version = current_version()
    if version is None:
        root = package_lists_dir()
        return [_read_source(root / folder, origin="package") for folder in LIST_FOLDERS]
    return [_read_source(version / folder, origin="updated") for folder in LIST_FOLDERS]


def carried_sources(version: Path | None = None) -> dict[str, Path]:
    """Source name -> path to hand its loader, for every carried list in use (or in ``version``).

    Examples
    --------
    >>> sorted(carried_sources())
    ['fukushi_portal', 'hokenjo', 'mhlw_jiritsu_2023', 'municipalities', 'population']
    """
    return {item.source: item.load_path for item in carried_lists(version=version)}


def credit_lines(lists) -> list[str]:
    """The credit each list's licence asks for, one line each, from a build's ``graph.graph["lists"]``
    (or :class:`ListSource` rows): what a sheet, a workbook or an export carries.

    Examples
    --------
    >>> credit_lines([{"credit": "くらし支援ナビ（運営: JUNKBRANDING）", "licence": "CC BY 4.0", "as_of": "2026-07-28"}])
    ['くらし支援ナビ（運営: JUNKBRANDING）（CC BY 4.0、2026-07-28 時点、tsunagu が加工）']
    """
    lines = []
    for item in lists:
        get = item.get if isinstance(item, dict) else lambda key, item=item: getattr(item, key, None)
        lines.append(f"{get('credit')}（{get('licence')}、{get('as_of')} 時点、tsunagu が加工）")
    return lines
