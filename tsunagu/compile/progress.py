"""What a build is doing: notices for a terminal, and each step's time and memory.

:class:`Progress` marks a notice that only says what is being done.
:class:`Steps` is handed to :func:`tsunagu.compile.build`: it times each
step of the build (wall, CPU, peak memory) for ``bench/`` and, given an
``echo``, says on a terminal what the build is doing as it goes.
:func:`terminal_steps` echoes to stderr only when stderr is a terminal, so
a pipe or a log gets nothing extra.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

__all__ = ["NATIONAL_BUILD_TIME", "Progress", "Steps", "terminal_steps"]

# What a user is told a national build takes: some 4 s on the 2-core machine bench/ runs on (bench/results.md),
# said with room for an office PC two or three times slower.
NATIONAL_BUILD_TIME = "10秒ほど"


class Progress(str):
    """A notice that only says what is being done (unpacking, building): a terminal shows it,
    a pipe or a log need not. Other notices are warnings a reader must see."""


def _peak_mb(who):
    """Peak resident memory of this process (``self``) or of its waited children, or None (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return usage.ru_maxrss / 1024  # kB on Linux


def _rss_mb():
    """Resident memory now (Linux), or None."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class Steps:
    """The steps of one build as they run: a line for each on ``echo`` and its figures in :attr:`records`.

    Each record holds the step's ``name``, its ``wall_s`` and ``cpu_s`` (this
    process and the forked children it waited for during the step), the
    process's peak resident memory by the step's end (``peak_mb``, a
    high-water mark: it never falls), its forked children's peak
    (``child_peak_mb``) and the memory held when the step ends (``rss_mb``).

    Examples
    --------
    >>> steps = Steps()
    >>> with steps.step("read", "読み込み"):
    ...     pass
    >>> [r["name"] for r in steps.records]
    ['read']
    """

    def __init__(self, echo=None):
        self.echo = echo  # called with one line of text per step start and end; None: silent
        self.records = []

    def say(self, text):
        if self.echo is not None:
            self.echo(text)

    @contextmanager
    def step(self, name, label):
        self.say(f"{label}…")
        started, times = time.perf_counter(), os.times()
        yield
        wall, after = time.perf_counter() - started, os.times()
        cpu = sum(after[:4]) - sum(times[:4])  # user+sys of this process and of its waited children
        self.records.append({"name": name, "wall_s": wall, "cpu_s": cpu, "rss_mb": _rss_mb(),
                             "peak_mb": _peak_mb("self"), "child_peak_mb": _peak_mb("children")})
        self.say(f"{label}: {wall:.1f} 秒")


def terminal_steps(stream=None):
    """:class:`Steps` that write each step to ``stream`` (stderr) when it is a terminal; silent otherwise."""
    stream = stream if stream is not None else sys.stderr
    try:
        shown = stream.isatty()
    except (AttributeError, ValueError):
        shown = False
    if not shown:
        return Steps()
    return Steps(lambda text: print(text, file=stream, flush=True))
