"""CSV and spreadsheet cells: reading what officers save from Excel, writing what no spreadsheet runs.

Excel on Japanese Windows saves "CSV" as cp932 and "CSV UTF-8" as UTF-8 with
a BOM; other tools write UTF-8 without one. :func:`decoded_text` tries them in
that order of likelihood and, when none fits, says which were tried and where
each failed. :func:`iso_date` reads 2021-07-01, 2021/7/1, 2021年7月1日 and the
era forms 令和3年7月1日 / 平成31年4月1日 (元年 too) into ISO text.

Writing: every CSV and XLSX tsunagu makes goes through :func:`csv_text` and
:func:`append_row` / :func:`write_cell`. A name, phone or quote from data that
starts like a formula (``=``, ``+``, ``-``, ``@``) is never one in a
spreadsheet: in a CSV it gets OWASP's leading ``'`` (:func:`formula_safe`,
undone by :func:`formula_restored` when tsunagu reads its own export back); in
an XLSX it is a text cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
from pathlib import Path

from tsunagu.exceptions import DataError

__all__ = ["CSV_ENCODINGS", "ERAS", "csv_records", "decoded_text", "iso_date", "formula_safe", "formula_restored",
           "csv_text", "append_row", "write_cell", "cell_text", "headers_of"]

CSV_ENCODINGS = ("utf-8-sig", "cp932")
_ENCODING_NAMES = {"utf-8-sig": "UTF-8（BOM あり・なし）", "utf-8": "UTF-8", "cp932": "cp932（Shift_JIS）"}

# Era: first day, last day (None: current). Letters as written in forms (R3.7.1).
ERAS = {
    "明治": (dt.date(1868, 1, 25), dt.date(1912, 7, 29)),
    "大正": (dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    "昭和": (dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    "平成": (dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    "令和": (dt.date(2019, 5, 1), None),
}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_WESTERN = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?")
_ERA = re.compile(r"(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})[年/.-](?:(\d{1,2})[月/.-](?:(\d{1,2})日?)?)?")


def decoded_text(path, encodings=CSV_ENCODINGS):
    """The text of ``path`` and the encoding that read it.

    Parameters
    ----------
    path : str or Path
    encodings : sequence of str
        Tried in order; ``utf-8-sig`` reads UTF-8 with or without a BOM.

    Returns
    -------
    (str, str)
        The text, and the encoding that decoded it.

    Raises
    ------
    DataError
        The file cannot be read, or no encoding decodes it (each failure said).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = path.write_bytes("code,name\\n011002,札幌市\\n".encode("cp932"))
    >>> decoded_text(path)
    ('code,name\\n011002,札幌市\\n', 'cp932')
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(path, f"読み込めません: {error.strerror or error}") from error
    failures = []
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as error:
            line = raw[:error.start].count(b"\n") + 1
            failures.append(f"{_ENCODING_NAMES.get(encoding, encoding)}: {line} 行目 {error.start + 1} バイト目で失敗")
    raise DataError(path, "文字コードが判別できません（" + "、".join(failures) +
                    "）。Excel では「CSV UTF-8（コンマ区切り）」で保存してください")


def csv_records(path, encodings=CSV_ENCODINGS):
    """The rows of a CSV file as dicts, whatever encoding Excel saved it in.

    Returns ``(header, rows, encoding)``: ``header`` lists the column names
    (stripped; empty trailing columns Excel adds are dropped), ``rows`` is a
    list of ``(line, {column: stripped text})`` for each non-empty row, where
    ``line`` is the row's first line in the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = path.write_bytes("\\ufeffcode, name ,,\\n011002,札幌市,,\\n,,,\\n".encode("utf-8"))
    >>> csv_records(path)
    (['code', 'name'], [(2, {'code': '011002', 'name': '札幌市'})], 'utf-8-sig')
    """
    path = Path(path)
    text, encoding = decoded_text(path, encodings)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError(path, "空のファイルです（見出し行がありません）", line=1) from None
    except csv.Error as error:
        raise DataError(path, f"CSV として読めません: {error}", line=1) from None
    while header and not header[-1]:
        header.pop()
    rows = []
    try:
        start = reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                rows.append((start, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}))
            start = reader.line_num + 1
    except csv.Error as error:
        raise DataError(path, f"CSV として読めません: {error}", line=reader.line_num) from None
    return [h for h in header if h], rows, encoding


def _checked(year, month, day, text):
    try:
        return dt.date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(f"'{text}' はありえない日付です") from None


def _iso(year, month, day):
    if day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def iso_date(text):
    """ISO text (``2021-07-01``, ``2021-07`` or ``2021``) of a date as people type it in Japan.

    Parameters
    ----------
    text : str or datetime.date
        2021-07-01, 2021/7/1, 2021.7.1, 2021年7月1日, 令和3年7月1日,
        令和元年5月1日, R3.7.1, H31/4/1, a year-month (2021/7, 令和3年7月)
        or a year (2021, 令和3年). Full-width digits are fine.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        Not a date, an impossible date, or a date outside its era (平成32年).

    Examples
    --------
    >>> iso_date("2021/7/1"), iso_date("令和3年7月1日"), iso_date("平成元年1月8日")
    ('2021-07-01', '2021-07-01', '1989-01-08')
    >>> iso_date("Ｒ３．７．１"), iso_date("2019-11"), iso_date("令和2年")
    ('2021-07-01', '2019-11', '2020')
    >>> iso_date("平成31年5月1日")
    Traceback (most recent call last):
    ...
    ValueError: '平成31年5月1日' は平成の終わり（2019-04-30）より後です
    """
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return text.isoformat()
    original = str(text)
    value = unicodedata.normalize("NFKC", original).strip().replace(" ", "").upper()
    match = _WESTERN.fullmatch(value)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        _checked(year, month, day, original)
        return _iso(year, month, day)
    match = _ERA.fullmatch(value) or _ERA.fullmatch(value + "年")
    if match:
        era = _ERA_LETTERS.get(match.group(1), match.group(1))
        first, last = ERAS[era]
        number = 1 if match.group(2) == "元" else int(match.group(2))
        if number < 1:
            raise ValueError(f"'{original}': {era}0年はありません")
        month, day = (int(g) if g else None for g in match.groups()[2:])
        year = first.year + number - 1
        date = _checked(year, month, day, original)
        # a year or month alone is checked at its end against the era's start, at its start against its end
        latest = date if day else (dt.date(year, month, 28) if month else dt.date(year, 12, 31))
        if latest < first:
            raise ValueError(f"'{original}' は{era}の始まり（{first.isoformat()}）より前です")
        if last is not None and date > last:
            raise ValueError(f"'{original}' は{era}の終わり（{last.isoformat()}）より後です")
        return _iso(year, month, day)
    raise ValueError(f"'{original}' は日付として読めません（2021-07-01、2021/7/1、令和3年7月1日 のように書いてください）")


# --- writing ---------------------------------------------------------------

def cell_text(value):
    """A value as the text of one table cell (None empty, lists joined, dicts as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(cell_text(v) for v in value)
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
    return formula_safe(cell_text(value))


def csv_text(rows, headers=None, lineterminator="\n"):
    """Rows (dicts) as CSV text with a header line; every cell made :func:`formula_safe`.

    Examples
    --------
    >>> print(csv_text([{"name": "=1+1", "count": -3}]), end="")
    name,count
    '=1+1,-3
    """
    buffer = io.StringIO()
    headers = list(headers) if headers is not None else headers_of(rows)
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([formula_safe(str(h)) for h in headers])
    safe = functools.cache(formula_safe)  # each text's cell once: 17,000 municipalities repeat statuses and names

    def cell(value):
        return safe(value) if type(value) is str else _csv_cell(value)

    for row in rows:
        writer.writerow([cell(row.get(h)) for h in headers])
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


def headers_of(rows):
    """Every key of ``rows``, in the order first met: a table's columns."""
    return list(dict.fromkeys(key for row in rows for key in row))
