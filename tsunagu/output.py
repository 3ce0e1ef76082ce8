"""One output decorator for every command: ``--format table|json|csv``.

A command returns plain data (a list of dicts, or a dict of sections); the
decorator renders it, so no command formats output itself.
"""

from __future__ import annotations

import csv
import functools
import io
import json

import click

__all__ = ["FORMATS", "Shaped", "output_format", "render"]

FORMATS = ("table", "json", "csv")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(rows):
    from tabulate import tabulate

    if not rows:
        return "(no rows)"
    headers = list(dict.fromkeys(key for row in rows for key in row))
    body = [[_cell(row.get(h)) for h in headers] for row in rows]
    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def _csv(rows):
    buffer = io.StringIO()
    headers = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: _cell(row.get(h)) for h in headers})
    return buffer.getvalue().rstrip("\n")


class Shaped:
    """A result whose JSON is the full structure and whose table is a flatter view."""

    def __init__(self, full, flat):
        self.full = full
        self.flat = flat


def render(data, fmt):
    """Render rows (list of dicts) or sections (dict of title -> rows or dict)."""
    if isinstance(data, Shaped):
        data = data.full if fmt == "json" else data.flat
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if isinstance(data, dict):
        parts = []
        for title, section in data.items():
            rows = section if isinstance(section, list) else [{"field": k, "value": v} for k, v in section.items()]
            if fmt == "csv":
                parts.append(f"# {title}\n{_csv(rows)}")
            else:
                parts.append(f"{title}\n{_table(rows)}")
        return "\n\n".join(parts)
    return _csv(data) if fmt == "csv" else _table(data)


def output_format(command):
    """Add ``--format`` to a command and print what it returns in that format."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                  help="Output format.")
    @functools.wraps(command)
    def wrapper(*args, fmt, **kwargs):
        result = command(*args, **kwargs)
        if result is not None:
            click.echo(render(result, fmt))

    return wrapper
