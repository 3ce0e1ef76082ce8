"""Every error tsunagu raises on purpose, in one module (as networkx does).

User errors (bad input files, unknown names) derive from :class:`TsunaguError`;
the CLI turns them into one clean message and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

__all__ = [
    "TsunaguError",
    "DataError",
    "DataErrors",
    "NameNotFound",
    "AmbiguousName",
    "BuildMissing",
    "BoltError",
    "BuildBusy",
    "CacheDamaged",
    "CacheOutdated",
    "CacheUnsafe",
    "CacheWriteError",
    "NotAMunicipality",
    "UnknownNeed",
    "InvalidAge",
    "InvalidDate",
    "UnknownCell",
    "DiagramAssetsMissing",
    "OutputError",
    "WorkbookError",
    "WrongCheckDigit",
    "QueryRefused",
    "QueryLimitReached",
    "RefreshError",
    "MissingExtra",
    "missing_extra",
]


class TsunaguError(Exception):
    """Base class of the errors a user can cause and fix."""


class DataError(TsunaguError):
    """One problem in one input file, located as precisely as the input allows."""

    def __init__(self, file: str | os.PathLike[str], message: str, *, line: int | None = None,
                 record: str | None = None, field: str | None = None) -> None:
        self.file = str(file)
        self.line = line
        self.record = record
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.record is not None:
            parts.append(f"record '{self.record}'")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + f": {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:  # found in a build's second process, raised in the first
        return (type(self), (self.file, self.message), {"line": self.line, "record": self.record, "field": self.field})


class DataErrors(TsunaguError):
    """Several :class:`DataError` found in one pass, reported together."""

    def __init__(self, errors: Iterable[DataError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{len(self.errors)} problem(s) in the input; nothing was built:"
        return "\n".join([head] + [f"  {error}" for error in self.errors])


class NameNotFound(TsunaguError):
    """A name, kana or code matches nothing in the graph."""

    def __init__(self, text: str, suggestions: Iterable[str] = ()) -> None:
        self.text = text
        self.suggestions = list(suggestions)
        listed = "、".join(self.suggestions)
        hint_ja = f"もしかして: {listed}" if self.suggestions else "名前（漢字・かな）か6桁コードを確かめてください。"
        hint_en = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        # Japanese first; the English line serves --lang en readers and scripts that match on it
        super().__init__(f"「{text}」はデータにありません。{hint_ja}\n(No entity called '{text}' in the graph.{hint_en})")


class AmbiguousName(TsunaguError):
    """A name matches several entities (two municipalities called 府中市)."""

    def __init__(self, text: str, candidates: Iterable[str]) -> None:
        self.text = text
        self.candidates = list(candidates)
        listed = "\n".join(f"  {c}" for c in self.candidates)
        super().__init__(
            f"「{text}」に当たるものが複数あります。次のどれかのコードかidで指定してください"
            f" ('{text}' is ambiguous; give the code or id of one of):\n{listed}"
        )


class BuildMissing(TsunaguError):
    """A source file recorded by the last build is gone."""


class BoltError(TsunaguError):
    """The Bolt server is down, refuses the login, lacks the database, or rejects a query."""


class DiagramAssetsMissing(TsunaguError):
    """The installed pyvis holds no vis-network script or style sheet to inline in a diagram."""


class OutputError(TsunaguError):
    """A command's answer cannot be written: no such folder, no permission, or xlsx without a file."""


class NotAMunicipality(TsunaguError):
    """A name resolves, but to a prefecture or another kind where a municipality is asked for."""

    def __init__(self, text: str, node: str, kind: str, name: str | None = None) -> None:
        self.text = text
        self.node = node
        self.kind = kind
        self.name = name
        super().__init__(f"「{text}」は市区町村ではありません（{name or node}: {kind}）。市区町村名かコードを指定してください。")


class UnknownNeed(TsunaguError):
    """A need that names no support domain (employment, 居場所, family-support, ...)."""

    def __init__(self, need: str, known: Iterable[str] = ()) -> None:
        self.need = need
        self.known = sorted(known)
        listed = f" 使えるもの: {', '.join(self.known)}（または日本語名）" if self.known else ""
        head = f"ニーズ「{need}」は支援分野にありません。" if need else "ニーズを1つ以上指定してください。"
        super().__init__(head + listed)


class InvalidAge(TsunaguError):
    """An age that is not a whole number between 0 and 130."""

    def __init__(self, age: object) -> None:
        self.age = age
        super().__init__(f"年齢「{age}」は 0 から 130 までの整数で指定してください。")


class InvalidDate(TsunaguError):
    """A day asked about that is not a date (``YYYY-MM-DD``)."""

    def __init__(self, day: object) -> None:
        self.day = day
        super().__init__(f"日付「{day}」は YYYY-MM-DD（例: 2026-04-01）で指定してください。")


class UnknownCell(TsunaguError):
    """A coverage chart has no cell at that age band and domain."""

    def __init__(self, band: str, domain: str, bands: Iterable[str] = (), domains: Iterable[str] = ()) -> None:
        self.band, self.domain = band, domain
        super().__init__(f"年齢帯「{band}」・分野「{domain}」の欄は表にありません。"
                         f"年齢帯: {', '.join(bands)}／分野: {', '.join(domains)}")


class BuildBusy(TsunaguError):
    """Another build holds the cache folder's lock."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = str(directory)
        super().__init__(f"{directory} では別のビルドが実行中です。終わってからもう一度実行してください"
                         f" (another build is running in {directory})")


class CacheDamaged(TsunaguError):
    """A file of the last build is missing, truncated or unreadable; names the command that rebuilds it."""


class CacheOutdated(TsunaguError):
    """The last build is from an older format and cannot be rebuilt from what it recorded."""


class CacheUnsafe(TsunaguError):
    """The cache folder or a file in it can be written by another user: loading its pickles could run their code."""


class CacheWriteError(TsunaguError):
    """The cache folder cannot be written (disk full, no permission); the previous build is intact."""


class WorkbookError(DataError):
    """One problem in an Excel workbook, located by sheet, row and column (shown in Japanese)."""

    def __init__(self, file: str | os.PathLike[str], message: str, *, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, header: str | None = None, record: str | None = None,
                 field: str | None = None) -> None:
        self.sheet = sheet
        self.column = column
        self.header = header
        super().__init__(file, message, line=row, record=record, field=field)

    def __str__(self) -> str:
        where = [f"ブック {self.file}"]
        if self.sheet:
            where.append(f"シート「{self.sheet}」")
        if self.line is not None:
            where.append(f"{self.line}行目")
        if self.column:
            where.append(f"{self.column}列" + (f"「{self.header}」" if self.header else ""))
        return " ".join(where) + f": {self.message}"


class WrongCheckDigit(NameNotFound):
    """A 6-digit code whose check digit is wrong, where the right code names an entity (342042 for 三原市 342041)."""

    def __init__(self, text: str, right_code: str, name: str) -> None:
        self.right_code = right_code
        self.name = name
        TsunaguError.__init__(
            self, f"コード {text} は検査数字（6桁目）が違います: {name} のコードは {right_code} です"
                  f" (wrong check digit: {name} is {right_code})")
        self.text = text
        self.suggestions = [f"{name} ({right_code})"]


class QueryRefused(TsunaguError):
    """A SPARQL request tsunagu does not run: an update, SERVICE, FROM / FROM NAMED (inputs never reach the network)."""


class QueryLimitReached(TsunaguError):
    """A SPARQL query ran over its time, row or memory budget (``--timeout``, ``--limit`` raise the first two)."""


class RefreshError(TsunaguError):
    """``tsunagu data update`` could not refresh the national lists (a fetch failed, a file is broken,
    nothing to roll back to); the lists, the cache and every answer stay as they were."""


class MissingExtra(TsunaguError):
    """A feature whose optional dependency is not installed (``pip install 'tsunagu[<extra>]'`` adds it)."""

    def __init__(self, module: str, extra: str) -> None:
        self.module, self.extra = module, extra
        super().__init__(f"この操作には {module} が要ります: pip install 'tsunagu[{extra}]' "
                         f"(this needs {module}: pip install 'tsunagu[{extra}]')")


# The optional dependencies' top-level modules and the extra of pyproject.toml that installs each.
_EXTRA_OF = {"pyvis": "diagram", "neo4j": "bolt", "openpyxl": "excel", "starlette": "web", "uvicorn": "web",
             "multipart": "web", "python_multipart": "web", "jsonschema": "hsds"}


def missing_extra(error: ImportError) -> MissingExtra | None:
    """The :class:`MissingExtra` of a failed import of an optional dependency, else None (a real fault).

    >>> print(missing_extra(ModuleNotFoundError("No module named 'pyvis'", name="pyvis")))
    この操作には pyvis が要ります: pip install 'tsunagu[diagram]' (this needs pyvis: pip install 'tsunagu[diagram]')
    >>> missing_extra(ModuleNotFoundError("No module named 'yaml'", name="yaml")) is None
    True
    """
    top = (error.name or "").split(".")[0]
    extra = _EXTRA_OF.get(top)
    return None if extra is None else MissingExtra(top, extra)
