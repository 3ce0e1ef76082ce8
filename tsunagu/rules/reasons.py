"""Why (or why not): the reasons the rules give, as data; the front ends word them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reason"]


@dataclass(frozen=True)
class Reason:
    """Why (or why not): a code and its parameters; :func:`tsunagu.queries.answers.render_reason` words it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
