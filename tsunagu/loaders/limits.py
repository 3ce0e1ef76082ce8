"""Bounds on what an input file may make tsunagu do: its size, and how much of it an error quotes.

An office shares one tool among many users; a careless or hostile file must
end in a short message, not in gigabytes of memory or a screen-long line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tsunagu.exceptions import DataError

__all__ = [
    "MAX_INPUT_MB", "max_input_bytes", "size_error", "shortened", "escaped", "shortened_errors",
    "MAX_WORKBOOK_ROWS", "MAX_SHEET_COLUMNS", "MAX_CELL_CHARS", "MAX_SHEET_PART_MB", "MAX_OTHER_PART_MB",
    "MAX_WORKBOOK_PARTS", "MAX_XML_ELEMENTS", "MAX_SHARED_STRINGS",
    "BIDI_CONTROLS", "FIELD_MAX_CHARS", "text_problem",
]

MAX_INPUT_MB = 50  # the largest real list (fukushi portal) is a few MB
_QUOTED = re.compile(r"'([^']{81,})'")
# C0, DEL, C1 and the bidirectional controls (Unicode's Bidi_Control): a message must not
# clear a screen, nor show a phone number reversed.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")

# Workbooks (tsunagu.loaders.formats.workbook). A workbook is a zip of XML parts: its 50 MB on disk
# can expand a thousandfold, so each part is measured before anything parses it. The largest
# real template (北海道, national build) has 1,160 rows over its sheets (320 windows, 800
# sources) in 260 KB of XML. 5,000 rows filled in every column validate in about 150 MB.
MAX_WORKBOOK_ROWS = 5_000  # rows up to each sheet's last value, all sheets read together
MAX_SHEET_COLUMNS = 100  # columns up to the last value; the widest sheet has 35
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_SHEET_PART_MB = 16  # one part expanded (5,000 rows x 35 columns is about 9 MB); also bounds a scan's time
MAX_OTHER_PART_MB = 4  # a part openpyxl reads whole (styles, workbook): a few KB in real books
MAX_WORKBOOK_PARTS = 1_000  # zip members (a real book has 15-40)
MAX_XML_ELEMENTS = 100_000  # elements of a part outside the cells (styles, merged ranges, validations...)
MAX_SHARED_STRINGS = 200_000  # more than 5,000 rows x 35 columns of distinct text

# The longest text one field may hold. Names, numbers and addresses are short in every
# real list (a national build: names up to 81 characters, notes up to 544); a value far
# longer is a mistake or an attack on the pages that show it.
FIELD_MAX_CHARS = {
    "name": 200, "name_en": 200, "kana": 200, "telephone": 100, "fax": 100, "email": 254,
    "postal_code": 20, "url": 2_000, "homepage": 2_000, "address": 500, "opening_hours": 500,
    "closed_days": 500, "access_methods": 200, "languages": 200, "chart_row": 200, "subsidy_rate": 200,
}
DEFAULT_MAX_CHARS = 10_000  # any other text (notes, quotes, descriptions)
# Fields shown on one line (a name, a phone): a tab or line break there is refused.
SINGLE_LINE_FIELDS = frozenset({"name", "name_en", "kana", "telephone", "fax", "email", "postal_code", "url",
                                "homepage", "id"})
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_LINE_BREAK = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")


def max_input_bytes():
    """The largest input file accepted, in bytes: ``$TSUNAGU_MAX_INPUT_MB`` or 50 MB.

    Examples
    --------
    >>> max_input_bytes() == 50 * 1024 * 1024 or "TSUNAGU_MAX_INPUT_MB" in os.environ
    True
    """
    text = os.environ.get("TSUNAGU_MAX_INPUT_MB", "")
    try:
        megabytes = float(text) if text.strip() else MAX_INPUT_MB
    except ValueError:
        megabytes = MAX_INPUT_MB
    return int(megabytes * 1024 * 1024)


def size_error(path):
    """A :class:`DataError` when the file at ``path`` is over :func:`max_input_bytes`, else None.

    Examples
    --------
    >>> size_error(__file__) is None
    True
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        return None  # a missing file is reported by whoever reads it
    limit = max_input_bytes()
    if path.is_file() and size > limit:
        return DataError(path, f"file is {size / 1024 / 1024:.1f} MB, over the {limit / 1024 / 1024:.3g} MB limit "
                               "for an input (set TSUNAGU_MAX_INPUT_MB to allow more)")
    return None


def shortened(text, limit=80):
    """``text`` cut to ``limit`` characters, saying how long it was.

    Examples
    --------
    >>> shortened("abc")
    'abc'
    >>> shortened("x" * 100, limit=10)
    'xxxxxxxxx… (100 characters)'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit - 1] + f"… ({len(text)} characters)"


def escaped(text):
    r"""``text`` with control characters (ESC, NUL, newline...) written as escapes: safe on a terminal.

    Examples
    --------
    >>> print(escaped("いの\x1b[2J町"))
    いの\x1b[2J町
    """
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], str(text))


def shortened_errors(errors):
    """``errors`` with every quoted value over 80 characters cut and control
    characters escaped (in place; also returned): a message is short and cannot
    clear the screen.

    Examples
    --------
    >>> [e] = shortened_errors([DataError("a.yaml", "unknown domain '" + "y" * 200 + "'")])
    >>> str(e)
    "a.yaml: unknown domain 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy… (200 characters)'"
    """
    for error in errors:
        message = getattr(error, "message", None)
        if isinstance(message, str) and len(message) > 80:
            message = shortened(_QUOTED.sub(lambda m: "'" + shortened(m.group(1)) + "'", message), 400)
        if isinstance(message, str):
            error.message = escaped(message)
        record = getattr(error, "record", None)
        if isinstance(record, str):
            error.record = escaped(shortened(record))
        error.args = (str(error),)
    return errors


def text_problem(field, text):
    r"""Why ``text`` cannot be the value of ``field``, in Japanese; None when it can.

    Every input kind meets this one rule (the workbook reader names the cell,
    the graph check the record): no bidirectional control (a phone shown
    reversed), no line break in a one-line field, no text longer than the
    field's limit (:data:`FIELD_MAX_CHARS`).

    Examples
    --------
    >>> text_problem("telephone", "088-\u202e4321")
    '表示の向きを変える制御文字 (\\u202e) があります（電話番号などが逆順に見えます）'
    >>> text_problem("name", "x" * 300)
    '長すぎます（300 文字。この項目は 200 文字まで）'
    >>> text_problem("name", "いの町") is None
    True
    """
    text = str(text)
    found = _BIDI.search(text)
    if found:
        return f"表示の向きを変える制御文字 ({ascii(found.group())[1:-1]}) があります（電話番号などが逆順に見えます）"
    if field in SINGLE_LINE_FIELDS:
        found = _LINE_BREAK.search(text)
        if found:
            return f"改行やタブ ({ascii(found.group())[1:-1]}) は入れられません: 1行で書いてください"
    limit = FIELD_MAX_CHARS.get(field, DEFAULT_MAX_CHARS)
    if len(text) > limit:
        return f"長すぎます（{len(text):,} 文字。この項目は {limit:,} 文字まで）"
    return None
