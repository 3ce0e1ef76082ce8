"""The input formats, registered as rdflib registers its parsers: one module per format, read and write.

Each format names the module and function that read it, and how a path is
recognised; :func:`format_of` picks the reader for a path and
:func:`read_input` runs it. The reading module is imported on first use, so
the registry costs nothing until a file is read.

>>> [f.name for f in formats()]
['hsds', 'curated', 'workbook', 'rdf']
>>> from pathlib import Path
>>> format_of(Path("kochi.xlsx")).name, format_of(Path("mihara.yaml")).name, format_of(Path("extra.ttl")).name
('workbook', 'curated', 'rdf')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from tsunagu.loaders.embedded import CURATED_SUFFIXES, WORKBOOK_SUFFIXES

__all__ = ["Format", "register", "formats", "format_of", "read_input"]


@dataclass(frozen=True)
class Format:
    """One input format: what it is called, which paths it reads, where its reader lives.

    ``produces`` is ``"records"`` (curated files that go through the same
    checks as a YAML file) or ``"rdf"`` (an rdflib graph merged as it is).
    """

    name: str
    title: str
    produces: str
    module: str
    function: str
    accepts: Callable[[Path], bool]
    takes_notices: bool = False

    def read(self, path: Path, notices: list[str] | None = None) -> Any:
        """Read ``path``: a list of curated files, or an rdflib graph."""
        reader = getattr(import_module(self.module), self.function)
        if self.takes_notices:
            return reader(path, notices)
        return reader(path)


_REGISTRY: list[Format] = []


def register(format_: Format) -> None:
    """Add a format; the first whose ``accepts`` says yes reads a path (register the catch-all last)."""
    if any(f.name == format_.name for f in _REGISTRY):
        raise ValueError(f"format {format_.name} is registered already")
    _REGISTRY.append(format_)


def formats() -> list[Format]:
    """The registered formats, in the order they are tried."""
    return list(_REGISTRY)


def format_of(path: Path) -> Format | None:
    """The format that reads ``path``, or None (a folder that is not an HSDS export)."""
    return next((f for f in _REGISTRY if f.accepts(path)), None)


def read_input(path: Path, notices: list[str] | None = None) -> tuple[str, Any]:
    """``(produces, value)`` for one input: ``("records", [CuratedFile, ...])`` or ``("rdf", Graph)``.

    Raises the format's :class:`~tsunagu.exceptions.DataError`\\ s; a path no
    format reads is the caller's to report (see :func:`format_of`).
    """
    format_ = format_of(path)
    if format_ is None:
        raise ValueError(f"no format reads {path}")
    value = format_.read(path, notices)
    if format_.produces == "records" and not isinstance(value, list):
        value = [value]
    return format_.produces, value


def _is_hsds(path: Path) -> bool:
    from tsunagu.loaders.formats.hsds import is_hsds_directory

    return path.is_dir() and bool(is_hsds_directory(path))


def _suffix_in(suffixes: tuple[str, ...]) -> Callable[[Path], bool]:
    return lambda path: not path.is_dir() and path.suffix.lower() in suffixes


def _read_hsds(path: Path, notices: list[str] | None) -> list[Any]:
    from tsunagu.loaders.formats.hsds import read_hsds

    files, found = read_hsds(path)
    if notices is not None:
        notices.extend(found)
    return list(files)


register(Format("hsds", "Open Referral HSDS 3.0 (CSV のフォルダ)", "records", __name__, "_read_hsds", _is_hsds,
                takes_notices=True))
register(Format("curated", "YAML（tsunagu/data/FORMAT.md）", "records", "tsunagu.loaders.curated", "read_curated",
                _suffix_in(CURATED_SUFFIXES)))
register(Format("workbook", "Excel ワークブック", "records", "tsunagu.loaders.formats.workbook", "read_workbook",
                _suffix_in(WORKBOOK_SUFFIXES), takes_notices=True))
register(Format("rdf", "RDF（Turtle, JSON-LD, N-Triples, RDF/XML）", "rdf", "tsunagu.loaders.formats.rdf", "read_rdf",
                lambda path: not path.is_dir()))  # the catch-all, as before: any other file is parsed as RDF
