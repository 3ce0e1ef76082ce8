"""One output decorator for every command: ``--format``, ``-o FILE``, ``--encoding``.

A command returns plain data (a list of dicts, or a dict of sections); the
decorator renders it, so no command formats output itself. Because every
table goes through here, every command gets ``-o FILE`` and ``--format xlsx``
at once.

Every CSV and XLSX tsunagu writes goes through this module's writers
(:func:`csv_text`, :func:`append_row`): a name, phone or quote from data that
starts like a formula (``=``, ``+``, ``-``, ``@``) is never one in a
spreadsheet. In a CSV it gets OWASP's leading ``'``
(:func:`formula_safe`, undone by :func:`formula_restored` when tsunagu reads
its own export back); in an XLSX it is a text cell.

Excel on Japanese Windows reads a CSV as cp932 unless it starts with a UTF-8
BOM, so a CSV written to a file carries a BOM by default. Text meant for a
cp932 console or file goes through :func:`encodable_text`: the marks cp932
lacks get a look-alike, anything else a ``?``, never a traceback.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import stat
import sys
from pathlib import Path

import click

from tsunagu.exceptions import OutputError

__all__ = [
    "ENCODINGS",
    "FORMATS",
    "Shaped",
    "append_row",
    "csv_text",
    "write_cell",
    "encodable_text",
    "formula_restored",
    "formula_safe",
    "output_format",
    "render",
    "sections_of",
    "workbook_bytes",
    "write_file_bytes",
    "write_output",
]

FORMATS = ("table", "json", "csv", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "cp932")
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}

# Marks tsunagu prints that cp932 (Windows-31J) cannot encode, and what a
# Japanese reader takes for the same mark; anything else unencodable is "?".
CP932_FALLBACK = {
    "\u00b7": "\u30fb",  # · middle dot (coverage: none) -> ・
    "\u25d0": "\u25b3",  # ◐ half circle (coverage: partial) -> △
    "\u25d1": "\u25b3",  # ◑
    "\u2014": "\u2015",  # — em dash -> ―
    "\u2013": "\uff0d",  # – en dash -> －
    "\u2212": "\uff0d",  # − minus -> －
    "\u2713": "\u25cb",  # ✓ -> ○
    "\u2714": "\u25cb",  # ✔ -> ○
    "\u00a0": " ",  # no-break space
    "\u2011": "-",  # non-breaking hyphen
}
_FALLBACK_TABLE = str.maketrans(CP932_FALLBACK)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), with the
# full-width forms Japanese Excel turns into = + - @ as they are typed.
_FORMULA_START = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
# A signed number ("-49", an age up to 49; "-3", a change in a count) or a lone sign is read
# as a number or as text, never run: it keeps its look instead of gaining a quote.
_INERT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)?")


def _formula_like(text):
    bare = text.lstrip("'")
    return bool(bare) and bare[0] in _FORMULA_START and (bare[0] not in "+-" or not _INERT.fullmatch(bare))


def formula_safe(text):
    """``text`` as a CSV cell that no spreadsheet runs: a leading ``'`` before ``= + - @`` (OWASP).

    Text already starting with ``'`` and then a formula character gets one
    more, so :func:`formula_restored` gives back exactly what was written.

    Examples
    --------
    >>> formula_safe("=HYPERLINK(1)"), formula_safe("+81 88-893-1234"), formula_safe("@SUM(A1)")
    ("'=HYPERLINK(1)", "'+81 88-893-1234", "'@SUM(A1)")
    >>> formula_safe("-49"), formula_safe("-"), formula_safe("088-893-1234"), formula_safe("")
    ('-49', '-', '088-893-1234', '')
    """
    return "'" + text if _formula_like(text) else text


def formula_restored(text):
    """The text :func:`formula_safe` was given: one leading ``'`` taken off again.

    Examples
    --------
    >>> formula_restored("'=1+1"), formula_restored("''=1+1"), formula_restored("'quoted'")
    ('=1+1', "'=1+1", "'quoted'")
    """
    return text[1:] if text.startswith("'") and _formula_like(text) else text


def _csv_cell(value):
    """A CSV cell: numbers as they are (a number is never a formula), text made :func:`formula_safe`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return formula_safe(_cell(value))


def csv_text(rows, headers=None, lineterminator="\n"):
    """Rows (dicts) as CSV text with a header line; every cell made :func:`formula_safe`.

    Examples
    --------
    >>> print(csv_text([{"name": "=1+1", "count": -3}]), end="")
    name,count
    '=1+1,-3
    """
    buffer = io.StringIO()
    headers = list(headers) if headers is not None else _headers(rows)
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([formula_safe(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(row.get(h)) for h in headers])
    return buffer.getvalue()


def append_row(sheet, values):
    """Append ``values`` to an openpyxl ``sheet``: text is a text cell, never a formula.

    openpyxl stores any string starting with ``=`` as a formula; such text
    (and any other text a spreadsheet would run, :func:`formula_safe`) is set
    back to a string and marked with Excel's quote prefix, so it stays text
    even when the cell is edited. Returns the row number written.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> append_row(sheet, ["=1+1", "いの町", 3])
    1
    >>> [(c.value, c.data_type) for c in sheet[1]]
    [('=1+1', 's'), ('いの町', 's'), (3, 'n')]
    """
    sheet.append(list(values))
    number = sheet.max_row
    for cell in sheet[number]:
        _text_not_formula(cell)
    return number


def write_cell(sheet, row, column, value):
    """Set one cell of an openpyxl ``sheet`` as :func:`append_row` does; returns the cell."""
    return _text_not_formula(sheet.cell(row=row, column=column, value=value))


def _text_not_formula(cell):
    if isinstance(cell.value, str) and (cell.data_type == "f" or _formula_like(cell.value)):
        cell.data_type = "s"  # openpyxl took it for a formula
        cell.quotePrefix = True  # Excel's "'" mark: the cell stays text when an officer edits it
    return cell


def _headers(rows):
    return list(dict.fromkeys(key for row in rows for key in row))


def _table(rows):
    from tabulate import tabulate

    if not rows:
        return "(no rows)"
    headers = _headers(rows)
    body = [[_cell(row.get(h)) for h in headers] for row in rows]
    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def _csv(rows):
    return csv_text(rows).rstrip("\n")


class Shaped:
    """A result whose JSON is the full structure and whose table is a flatter view."""

    def __init__(self, full, flat):
        self.full = full
        self.flat = flat


def sections_of(data):
    """``[(title, rows)]`` of a command's result, as tables show it.

    Parameters
    ----------
    data : list of dict, dict of sections, or Shaped
        What a command returns. A section that is a dict becomes
        ``field``/``value`` rows.

    Returns
    -------
    list of (str or None, list of dict)
        One entry per section; the title is None for a plain list of rows.

    Examples
    --------
    >>> sections_of({"a": [{"x": 1}], "b": {"k": "v"}})
    [('a', [{'x': 1}]), ('b', [{'field': 'k', 'value': 'v'}])]
    >>> sections_of([{"x": 1}])
    [(None, [{'x': 1}])]
    """
    if isinstance(data, Shaped):
        data = data.flat
    if isinstance(data, dict):
        return [(title, section if isinstance(section, list) else [{"field": k, "value": v} for k, v in section.items()])
                for title, section in data.items()]
    return [(None, list(data))]


def render(data, fmt):
    """Render rows (list of dicts) or sections (dict of title -> rows or dict) as text.

    Examples
    --------
    >>> print(render([{"code": "011002", "name": "札幌市"}], "csv"))
    code,name
    011002,札幌市
    """
    if fmt == "xlsx":
        raise OutputError("--format xlsx はファイルに書き出します: -o FILE.xlsx を指定してください")
    if isinstance(data, Shaped):
        data = data.full if fmt == "json" else data.flat
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if isinstance(data, dict):
        parts = []
        for title, rows in sections_of(data):
            parts.append(f"# {title}\n{_csv(rows)}" if fmt == "csv" else f"{title}\n{_table(rows)}")
        return "\n\n".join(parts)
    return _csv(data) if fmt == "csv" else _table(data)


def encodable_text(text, encoding):
    """``text`` with what ``encoding`` cannot hold replaced: a look-alike mark, else ``?``.

    Parameters
    ----------
    text : str
    encoding : str
        A Python codec name (cp932, shift_jis, utf-8...).

    Returns
    -------
    str
        Text that ``text.encode(encoding)`` accepts.

    Examples
    --------
    >>> encodable_text("● full, ◐ partial, · none", "cp932")
    '● full, △ partial, ・ none'
    >>> encodable_text("😀", "cp932")
    '?'
    >>> encodable_text("◐", "utf-8")
    '◐'
    """
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:
        return text
    text = text.translate(_FALLBACK_TABLE)
    return text.encode(encoding, errors="replace").decode(encoding)


def _sheet_title(title, used):
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in (title or "結果")).strip("'") or "結果"
    name = name[:31]
    base, number = name, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name = base[:31 - len(suffix)] + suffix
        number += 1
    used.add(name.lower())
    return name


def _display_width(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_value(value):
    """A cell value: numbers stay numbers, everything else is text (codes keep their zeros)."""
    if isinstance(value, bool) or value is None:
        return _cell(value)
    if isinstance(value, (int, float)):
        return value
    return _cell(value)


def write_sheet(sheet, rows, headers=None):
    """Fill ``sheet`` with a bold header row and ``rows``; text cells are formatted as text.

    Returns the worksheet. Column widths follow the longest cell (East Asian
    characters count double), between 6 and 60.
    """
    from openpyxl.styles import Font

    headers = headers or _headers(rows)
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, [_xlsx_value(row.get(h)) for h in headers])
    widths = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"  # so a code typed over stays text, leading zero and all
            length = max((_display_width(line) for line in str(cell.value or "").splitlines()), default=0)
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), length)
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(max(width + 2, 6), 60)
    sheet.freeze_panes = "A2"
    return sheet


def workbook_bytes(data, credits=None):
    """An XLSX workbook of a command's result: one sheet per section, and with ``credits`` (the
    national lists behind it: dicts of credit, licence and as_of) a last sheet 出典 giving each
    list's credit line, as its licence asks.

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> import io
    >>> book = load_workbook(io.BytesIO(workbook_bytes({"市町村": [{"code": "011002"}]})))
    >>> book.sheetnames, book["市町村"]["A2"].value
    (['市町村'], '011002')
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used = set()
    for title, rows in sections_of(data):
        write_sheet(book.create_sheet(_sheet_title(title, used)), rows)
    if not book.sheetnames:
        book.create_sheet("結果")
    if credits:
        write_sheet(book.create_sheet(_sheet_title("出典", used)),
                    [{"出典表示": item.get("credit"), "一覧": item.get("title"), "ライセンス": item.get("licence"),
                      "データの時点": item.get("as_of")} for item in credits]
                    + [{"出典表示": "作成: tsunagu（上の一覧を知識グラフに加工したもの）"}])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stdout_is_file():
    """True when standard output was redirected into a regular file (``> out.csv``), not a pipe or terminal."""
    try:
        return stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def _encoded(text, encoding):
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return encodable_text(text, encoding).encode(encoding)


def write_output(data, fmt, output=None, encoding=None, credits=None):
    """Write a command's result: to ``output`` (a path) or to standard output.

    ``fmt`` None takes the format from the file's suffix (.csv, .json, .xlsx),
    else ``table``. A CSV written to a file is ``utf-8-sig`` unless
    ``encoding`` says otherwise; everything else is UTF-8, or the console's
    encoding on standard output, with :func:`encodable_text`'s fallback.
    Raises :class:`OutputError` when the file cannot be written.
    """
    if fmt is None:
        fmt = _SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table") if output else "table"
    if fmt == "xlsx":
        if output is None:
            raise OutputError("--format xlsx はファイルに書き出します: -o FILE.xlsx を指定してください")
        payload = workbook_bytes(data, credits)
    else:
        text = render(data, fmt) + "\n"
        to_file = output is not None or _stdout_is_file()
        chosen = encoding or ("utf-8-sig" if fmt == "csv" and to_file else None)
        if output is None:
            if chosen is None:
                click.echo(encodable_text(text, getattr(sys.stdout, "encoding", None) or "utf-8"), nl=False)
            else:
                sys.stdout.flush()
                sys.stdout.buffer.write(_encoded(text, chosen))
                sys.stdout.buffer.flush()
            return None
        payload = _encoded(text, chosen or "utf-8")
    return write_file_bytes(output, payload)


def write_file_bytes(path, payload):
    """Write ``payload`` to ``path``; a folder that is missing or cannot be written is an :class:`OutputError`.

    Returns the path written.
    """
    path = Path(path)
    try:
        path.write_bytes(payload)
    except IsADirectoryError as error:
        raise OutputError(f"{path} はフォルダです: 書き出すファイル名を指定してください") from error
    except FileNotFoundError as error:
        raise OutputError(f"{path.parent} というフォルダがありません: 書き出せませんでした") from error
    except PermissionError as error:
        raise OutputError(f"{path} に書き込む権限がありません: 別の場所を指定してください") from error
    except NotADirectoryError as error:
        raise OutputError(f"{path.parent} はフォルダではありません: 書き出せませんでした") from error
    except OSError as error:
        raise OutputError(f"{path} に書き出せませんでした: {error.strerror or error}") from error
    return path


def _build_credits():
    """The lists the last build read (their credit lines), for an XLSX export; none when unknown."""
    from tsunagu.exceptions import TsunaguError
    from tsunagu.store.cache import load_stored

    try:
        stored = load_stored()
    except (TsunaguError, OSError):
        return None
    return stored.lists if stored is not None else None


def output_format(command):
    """Add ``--format``, ``-o/--output`` and ``--encoding`` to a command; write what it returns."""

    @click.option("--encoding", type=click.Choice(ENCODINGS), default=None,
                  help="Text encoding. Default: utf-8-sig (with BOM, for Excel) for CSV written to a file, "
                       "utf-8 for other files, the console's own on screen. cp932 replaces marks it lacks.")
    @click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write to this file instead of the screen; .csv/.json/.xlsx choose the format.")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                  help="Output format [default: table, or the -o file's suffix]. xlsx: one sheet per section, needs -o.")
    @functools.wraps(command)
    def wrapper(*args, fmt, output_path, encoding, **kwargs):
        if fmt == "xlsx" and output_path is None:
            raise OutputError("--format xlsx はファイルに書き出します: -o FILE.xlsx を指定してください")
        result = command(*args, **kwargs)
        if result is not None:
            written = write_output(result, fmt, output_path, encoding, credits=_build_credits() if (
                fmt == "xlsx" or (output_path is not None and output_path.suffix.lower() == ".xlsx")) else None)
            if written is not None:
                click.echo(f"wrote {written}", err=True)

    return wrapper
