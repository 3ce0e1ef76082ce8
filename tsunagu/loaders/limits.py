"""Bounds on what an input file may make tsunagu do: its size, and how much of it an error quotes.

An office shares one tool among many users; a careless or hostile file must
end in a short message, not in gigabytes of memory or a screen-long line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tsunagu.exceptions import DataError

__all__ = ["MAX_INPUT_MB", "max_input_bytes", "size_error", "shortened", "escaped", "shortened_errors"]

MAX_INPUT_MB = 50  # the largest real list (fukushi portal) is a few MB
_QUOTED = re.compile(r"'([^']{81,})'")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
