"""One output decorator for every command: ``--format``, ``-o FILE``, ``--encoding``.

A command returns plain data (a list of dicts, or a dict of sections); the
decorator renders it, so no command formats output itself. Because every
table goes through here, every command gets ``-o FILE`` and ``--format xlsx``
at once.

Every CSV and XLSX tsunagu writes goes through one set of writers
(:func:`~tsunagu.loaders.formats.tabular.csv_text`,
:func:`~tsunagu.loaders.formats.tabular.append_row`), kept with the CSV
format in :mod:`tsunagu.loaders.formats.tabular`: a name, phone or quote from data that
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
from tsunagu.loaders.formats.tabular import (cell_text, headers_of, append_row, csv_text, formula_restored,
                                             formula_safe, write_cell)

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
    "terminal_width",
    "wrap_line",
    "wrap_lines",
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


def terminal_width():
    """The display columns a text table may use: ``$COLUMNS``, else the terminal's, else 100."""
    import shutil

    return max(shutil.get_terminal_size((100, 24)).columns, 40)


@functools.lru_cache(maxsize=1 << 16)
def _columns(text):
    """wcwidth's display width of one line (-1: a character it cannot size); printable ASCII is its length.

    Cached: a national table repeats its statuses and prefectures thousands of times, and wcwidth
    looks at each character in Python.
    """
    if text.isascii() and text.isprintable():
        return len(text)
    from wcwidth import wcswidth

    return wcswidth(text)


def _width(text):
    width = _columns(text)
    return width if width >= 0 else len(text) * 2


def _natural(column):
    """The widest line of a column's cells (header included), in display columns."""
    return max((_width(line) for cell in column for line in (cell.splitlines() or [""])), default=0)


_SEPARATOR = 2  # tabulate's "simple" format puts two spaces between columns
_FLOOR = 6  # no column is wrapped narrower than this (three CJK characters)
_HEADER_FLOOR = 6 + 2  # a header wraps down to three CJK characters (and tabulate's two)
_PADDING = 2  # tabulate's MIN_PADDING: a column is at least its header and two more


def _fill(naturals, floors, room):
    """Each column at ``min(natural, max(floor, cap))`` for the widest common cap that fits ``room``
    (the widest columns give way first), or None when the floors alone do not fit."""
    if sum(floors) > room:
        return None
    cap = max(naturals)
    while cap > 0 and sum(min(n, max(f, cap)) for n, f in zip(naturals, floors, strict=True)) > room:
        cap -= 1
    return [min(n, max(f, cap)) for n, f in zip(naturals, floors, strict=True)]


def _caps(naturals, width, cells=None, heads=None, words=None):
    """Widths to wrap each column at so that the table fits ``width``, or None when it cannot.

    ``naturals`` are the columns' widths with their headers, ``cells`` without them and ``heads``
    the headers' own (with tabulate's two), ``words`` their longest English word. Long cells wrap
    first, every header kept whole (a two-character header over a sentence stays one line);
    when that cannot fit, headers wrap into two lines, or three, before any cell does (a table of
    short marks under long headers keeps one line a row), then down to three CJK characters. What is left over goes
    back to the wrapped columns, smallest need first.
    """
    room = width - _SEPARATOR * (len(naturals) - 1)
    if sum(naturals) <= room:
        return [None] * len(naturals)
    cells = cells or naturals
    wanted = naturals
    heads = heads or [0] * len(naturals)
    words = words or [0] * len(naturals)
    caps = _fill(naturals, [min(n, max(h, _FLOOR)) for n, h in zip(naturals, heads, strict=True)], room)
    for lines in (2, 3):
        if caps is not None:
            break
        # every header in at most this many lines (a CJK header wraps at an even width), no cell cut
        shorter = [max(c, min(n, _PADDING + max(2 * -(-(h - _PADDING) // (2 * lines)), _FLOOR, w)))
                   for c, n, h, w in zip(cells, naturals, heads, words, strict=True)]
        caps = shorter if sum(shorter) <= room else None
    if caps is None:
        naturals = [max(c, min(n, _HEADER_FLOOR)) for c, n in zip(cells, naturals, strict=True)]
        caps = _fill(naturals, [min(n, _FLOOR) for n in naturals], room)
    if caps is None:
        return None
    spare = room - sum(caps)
    # give the spare columns back where they make a column whole, smallest need first; then to
    # wrapped cells, fewer lines each (a header made one character wider only splits unevenly)
    for index, natural in sorted(enumerate(wanted), key=lambda item: item[1] - caps[item[0]]):
        if 0 < natural - caps[index] <= spare:
            spare -= natural - caps[index]
            caps[index] = natural
    for index, cell in enumerate(cells):
        extra = max(min(spare, cell - caps[index]), 0)
        caps[index] += extra
        spare -= extra
    return [cap if cap < natural else None for cap, natural in zip(caps, wanted, strict=True)]


def _table(rows, width=None):
    """``rows`` as a plain text table; with ``width``, cells and headers wrap so that it fits.

    A table of more columns than fit even wrapped is cut into several, each repeating the
    first column (the row's name).
    """

    if not rows:
        return "（該当なし）" if _lang() == "ja" else "(no rows)"
    headers = headers_of(rows)
    body = [[value if type(value := row.get(h)) is str else cell_text(value) for h in headers] for row in rows]
    if width is None:
        return _simple_table(headers, body)
    # tabulate leaves two columns beside a header: a header counts two wider than it is
    cells = [_natural([r[i] for r in body]) for i in range(len(headers))]
    heads = [_natural([str(h)]) + _PADDING for h in headers]
    words = [max((len(word) for word in re.findall(r"[!-~]+", str(h))), default=0) for h in headers]
    naturals = [max(h, c) for h, c in zip(heads, cells, strict=True)]
    caps = _caps(naturals, width, cells, heads, words)
    if caps is None and len(headers) > 2:
        parts, start = [], 1
        while start < len(headers):
            end = start + 1
            while end < len(headers) and _caps([naturals[0]] + naturals[start:end + 1], width) is not None:
                end += 1
            keep = [headers[0]] + headers[start:end]
            parts.append(_table([{h: row.get(h) for h in keep} for row in rows], width))
            start = end
        return "\n\n".join(parts)
    caps = caps or [min(n, max(width // len(headers), _FLOOR)) for n in naturals]
    headers = [_wrap_cell(str(h), cap - _PADDING) if cap else str(h) for h, cap in zip(headers, caps, strict=True)]
    body = [[_wrap_cell(cell, cap) if cap else cell for cell, cap in zip(row, caps, strict=True)] for row in body]
    return _simple_table(headers, body)


# Characters tabulate measures or breaks lines on differently from ``str.split("\n")``: a cell holding one
# goes to tabulate itself (escape sequences are invisible there; splitlines breaks on the rest).
_ODD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _tabulated(headers, body):
    from tabulate import tabulate

    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def _simple_table(headers, body):
    """What ``tabulate(body, headers, tablefmt="simple", disable_numparse=True)`` writes, for text cells.

    tabulate measures and pads each cell several times over; a gaps table of 17,000 municipalities
    took it 1.5 s. Here each line is measured once. The test suite holds the two to the same text.
    """
    if _ODD.search("".join(headers)) or any(_ODD.search("".join(row)) for row in body):
        return _tabulated(headers, body)
    width_of = _columns
    # tabulate's multi-line mode (a newline anywhere) gives an empty cell no line at all (a header keeps one)
    multiline = any("\n" in str(h) for h in headers) or any("\n" in cell for row in body for cell in row)
    head = [str(h).split("\n") for h in headers]
    rows = [[cell.strip() for cell in row] for row in body]
    widths = [max(map(width_of, lines)) + _PADDING for lines in head]
    for row in rows:
        for index, cell in enumerate(row):
            widest = max(map(width_of, cell.split("\n"))) if multiline else width_of(cell)
            if widest < 0:  # a character wcwidth cannot size: tabulate's own reading
                return _tabulated(headers, body)
            widths[index] = max(widths[index], widest)

    def line(parts):
        return "  ".join([part + " " * (w - width_of(part)) for part, w in zip(parts, widths, strict=True)]).rstrip()

    def lines(cells, empty_is_a_line):
        if not multiline or not any("\n" in cell for cell in cells):
            if empty_is_a_line or any(cells):
                yield line(cells)
            return
        split = [cell.split("\n") if cell or empty_is_a_line else [] for cell in cells]
        for number in range(max(map(len, split))):
            yield line([part[number] if number < len(part) else "" for part in split])

    text = list(lines(["\n".join(h) for h in head], True))
    text.append("  ".join("-" * w for w in widths))
    for row in rows:
        text.extend(lines(row, not multiline))
    return "\n".join(text)


def _lang():
    from tsunagu.text import language

    return language()


def wrap_lines(lines, width):
    """Text lines cut to ``width`` display columns, at a space where there is one (English) and
    anywhere in a run of Japanese; a cut line goes on under its own indent, two deeper.

    Examples
    --------
    >>> wrap_lines(["  一二三四五六七八"], 12)
    ['  一二三四五', '    六七八']
    >>> wrap_lines(["fill in the survey"], 12)
    ['fill in the', '  survey']
    """
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out.extend(wrap_line(line, width, indent + "  " if len(indent) + 2 <= width // 2 else indent))
    return out


# Japanese line breaking (kinsoku): no line starts with a closing mark or a small kana, none ends
# with an opening bracket
_NO_START = set("、。，．,.)）]］」』】〕〉》〙〗ー‐〜～ッャュョァィゥェォっゃゅょぁぃぅぇぉ・：；？！ゝゞ々")
_NO_END = set("(（[［「『【〔〈《〘〖")


def _kinsoku(line, token):
    """``line`` cut where ``token`` is to start the next line: (what stays, what moves down)."""

    stays, moves = line.rstrip(), ""
    while len(stays.strip()) > 1 and ((moves or token)[:1] in _NO_START or stays[-1] in _NO_END):
        # a closing mark takes the word before it along (a whole English word, one Japanese character)
        word = re.search(r"[!-~]+$", stays) if (moves or token)[:1] in _NO_START else None
        cut = word.start() if word and word.start() > len(stays) - len(stays.lstrip()) else len(stays) - 1
        stays, moves = stays[:cut].rstrip(" ") or stays[:cut], stays[cut:] + moves
    return stays, moves


def wrap_line(line, width, hang=""):
    """One line in pieces of at most ``width`` display columns, each after the first starting with ``hang``.

    Examples
    --------
    >>> wrap_line("家族支援（family-support）、居場所", 24)
    ['家族支援', '（family-support）、居場', '所']
    >>> wrap_line("確かめます。", 10)
    ['確かめま', 'す。']
    """

    if _width(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip(" ")))
    out, current = [], indent
    for token in re.findall(r"[ -~]+?(?: |$)|[^ -~]|[ -~]+", line[len(indent):]):
        if _width(current + token.rstrip()) <= width:
            current += token
            continue
        if current.strip():
            stays, moves = _kinsoku(current, token)
            out.append(stays)
            current = hang + moves
            if not moves:
                token = token.lstrip(" ")  # the space a line was broken at is not carried over
        while _width(current + token.rstrip()) > width:  # a word longer than the line
            room = width - _width(current)
            cut = 0
            while cut < len(token) and _width(token[:cut + 1]) <= room:
                cut += 1
            cut = max(cut, 1)
            out.append(current + token[:cut])
            current, token = hang, token[cut:]
        current += token
    if current.strip():
        out.append(current.rstrip())
    return out


def _wrap_cell(text, width):
    """A table cell's text in lines of at most ``width`` display columns (its own line breaks kept)."""
    return "\n".join(piece for line in text.split("\n") for piece in wrap_line(line, width))


def _csv(rows):
    return csv_text(rows).rstrip("\n")


class Shaped:
    """A result in its three views: ``full`` for JSON, ``flat`` rows for CSV (machine keys, ids),
    and ``table``, what a person reads on screen or in Excel (headers and values in their
    language, notes and legends as sections); without ``table`` the flat rows serve both.

    A view may be given as a function of no arguments: it is made only when asked for (``gaps``
    over 17,000 municipalities would otherwise shape all three views to print one).
    """

    def __init__(self, full, flat, table=None):
        self._views = {"full": full, "flat": flat, "table": table}

    def _made(self, name):
        view = self._views[name]
        if callable(view):
            view = self._views[name] = view()
        return view

    full = property(lambda self: self._made("full"))
    flat = property(lambda self: self._made("flat"))
    table = property(lambda self: self._made("table"))


def _view(data, fmt):
    if not isinstance(data, Shaped):
        return data
    if fmt == "json":
        return data.full
    if fmt == "csv" or data.table is None:
        return data.flat
    return data.table


def sections_of(data, fmt="table"):
    """``[(title, rows)]`` of a command's result, as tables show it.

    Parameters
    ----------
    data : list of dict, dict of sections, or Shaped
        What a command returns. A section that is a dict becomes two-column
        rows (項目, 内容; field, value in English); a section that is a list of
        strings is text, one row per line.
    fmt : str
        The format asked for: which view of a :class:`Shaped` is meant.

    Returns
    -------
    list of (str or None, list of dict or list of str)
        One entry per section; the title is None for a plain list of rows.

    Examples
    --------
    >>> sections_of({"a": [{"x": 1}], "b": {"k": "v"}})
    [('a', [{'x': 1}]), ('b', [{'項目': 'k', '内容': 'v'}])]
    >>> sections_of([{"x": 1}])
    [(None, [{'x': 1}])]
    """
    data = _view(data, fmt)
    if isinstance(data, dict):
        field, value = ("項目", "内容") if _lang() == "ja" else ("field", "value")
        return [(title, section if isinstance(section, list) else [{field: k, value: v} for k, v in section.items()])
                for title, section in data.items()]
    return [(None, list(data))]


def _is_text(section):
    return bool(section) and all(isinstance(line, str) for line in section)


def render(data, fmt, width=None):
    """Render rows (list of dicts) or sections (dict of title -> rows, dict or text lines) as text.

    ``width``: a text table fits this many display columns (CJK counted 2),
    its cells wrapped; None leaves them whole.

    Examples
    --------
    >>> print(render([{"code": "011002", "name": "札幌市"}], "csv"))
    code,name
    011002,札幌市
    """
    if fmt == "xlsx":
        raise OutputError("--format xlsx はファイルに書き出します: -o FILE.xlsx を指定してください")
    data = _view(data, fmt)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if isinstance(data, dict):
        parts = []
        for title, rows in sections_of(data, fmt):
            if fmt == "csv":
                body = "\n".join(rows) if _is_text(rows) else _csv(rows)
                parts.append(f"# {title}\n{body}")
                continue
            body = "\n".join(wrap_lines(rows, width) if width else rows) if _is_text(rows) else _table(rows, width)
            heading = "\n".join(wrap_lines([str(title)], width) if width else [str(title)])
            parts.append(f"{heading}\n{body}")
        return "\n\n".join(parts)
    return _csv(data) if fmt == "csv" else _table(data, width)


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
        return cell_text(value)
    if isinstance(value, (int, float)):
        return value
    return cell_text(value)


def write_sheet(sheet, rows, headers=None):
    """Fill ``sheet`` with a bold header row and ``rows``; text cells are formatted as text.

    Returns the worksheet. Column widths follow the longest cell (East Asian
    characters count double), between 6 and 60.
    """
    from openpyxl.styles import Font

    headers = headers or headers_of(rows)
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
    for title, rows in sections_of(data, "xlsx"):
        if _is_text(rows):
            rows = [{title or "": line} for line in rows]
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
        text = render(data, fmt, terminal_width() if fmt == "table" else None) + "\n"
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

    from tsunagu.text import bilingual

    @click.option("--encoding", type=click.Choice(ENCODINGS), default=None,
                  help=bilingual("文字コード。既定: ファイルに書く CSV は utf-8-sig（Excel 用の BOM つき）、ほかのファイルは "
                                 "utf-8、画面はその端末のもの。cp932 はない記号を似た記号に置き換えます。",
                                 "Text encoding. Default: utf-8-sig (with BOM, for Excel) for CSV written to a file, "
                                 "utf-8 for other files, the console's own on screen. cp932 replaces marks it lacks."))
    @click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=bilingual("画面の代わりにこのファイルに書きます。.csv・.json・.xlsx で形式が決まります。",
                                 "Write to this file instead of the screen; .csv/.json/.xlsx choose the format."))
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                  help=bilingual("出力の形式（既定: table、または -o のファイルの拡張子）。xlsx は区分ごとに1シートで、-o が要ります。",
                                 "Output format [default: table, or the -o file's suffix]. xlsx: one sheet per "
                                 "section, needs -o."))
    @functools.wraps(command)
    def wrapper(*args, fmt, output_path, encoding, **kwargs):
        if fmt == "xlsx" and output_path is None:
            raise OutputError("--format xlsx はファイルに書き出します: -o FILE.xlsx を指定してください")
        result = command(*args, **kwargs)
        if result is not None:
            written = write_output(result, fmt, output_path, encoding, credits=_build_credits() if (
                fmt == "xlsx" or (output_path is not None and output_path.suffix.lower() == ".xlsx")) else None)
            if written is not None:
                from tsunagu.text import say

                click.echo(say(f"書き出しました: {written}", f"wrote {written}"), err=True)

    return wrapper
