"""Notices that only say what is being done: shown on a terminal, not in a pipe or a log."""

from __future__ import annotations

__all__ = ["Progress"]


class Progress(str):
    """A notice that only says what is being done (unpacking, building): a terminal shows it,
    a pipe or a log need not. Other notices are warnings a reader must see."""
