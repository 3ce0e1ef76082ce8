"""How a build uses the machine: the cyclic collector paused, and a second process where the system forks.

A national build creates some ten million objects and frees few of them; the
cyclic garbage collector would rescan that growing heap again and again (a
quarter of the build's time), so the build runs with it paused. Two parts of
the build need nothing from each other (the SHACL shapes over the asserted
data and the rest of the compilation; one half of the municipalities' reach
graphs and the other half), so on a machine with two or more cores they run
in a forked child beside the parent. Where processes cannot fork (Windows)
the same calls run one after the other, with the same results.
"""

from __future__ import annotations

import gc
import os

from tsunagu.exceptions import TsunaguError

__all__ = ["JOBS_VARIABLE", "build_jobs", "collector_paused", "Forked"]

from tsunagu.store.cache import collector_paused  # noqa: E402 (re-exported: a build pauses it too)

JOBS_VARIABLE = "TSUNAGU_BUILD_JOBS"


def build_jobs(jobs=None):
    """How many processes a build runs in: ``jobs``, else ``$TSUNAGU_BUILD_JOBS``, else 2 where there are two cores.

    Examples
    --------
    >>> build_jobs(1)
    1
    """
    if jobs is None:
        jobs = os.environ.get(JOBS_VARIABLE, "").strip() or None
    if jobs is not None:
        try:
            jobs = int(jobs)
        except ValueError:
            raise TsunaguError(f"{JOBS_VARIABLE} は 1 以上の整数です: '{jobs}' (jobs must be a whole number)") from None
        if jobs < 1:
            raise TsunaguError(f"並列数は 1 以上です: {jobs} (jobs must be 1 or more)")
        return jobs
    return min(2, os.cpu_count() or 1)


def _forks():
    import multiprocessing
    import threading

    # A child forked beside other threads inherits any lock they held (an import's, a log's) and may
    # wait on it for ever: a build in a threaded process (a server) stays in one process.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _child(writer, function, args):
    try:
        outcome = (True, function(*args))
    except BaseException as error:  # handed to the parent, which raises it
        outcome = (False, error)
    try:
        writer.send(outcome)
    except Exception as error:  # an unpicklable result or error: say what it was
        writer.send((False, TsunaguError(f"{type(error).__name__}: {error}")))
    writer.close()


class Forked:
    """``function(*args)`` run in a forked child when ``parallel`` (and the system forks), else here and now.

    The child sees the parent's memory as it was at the fork, so the parent
    may go on changing its objects. :meth:`result` returns what the function
    returned or raises what it raised, in the parent.

    Examples
    --------
    >>> Forked(sum, [1, 2, 3], parallel=False).result()
    6
    """

    def __init__(self, function, *args, parallel=True):
        self._process = None
        if not (parallel and _forks()):
            try:
                self._outcome = (True, function(*args))
            except Exception as error:  # raised by result(), as from a child
                self._outcome = (False, error)
            return
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        # Frozen objects are left alone by the child's collector, which would otherwise
        # write to (and so copy) every page of the parent's heap it inherited.
        gc.freeze()
        try:
            self._process = context.Process(target=_child, args=(writer, function, args), daemon=True)
            self._process.start()
        finally:
            gc.unfreeze()
            writer.close()

    def result(self):
        """What the function returned (raised again if it raised); asked again, the same."""
        if self._process is None:
            ok, value = self._outcome
        else:
            try:
                ok, value = self._outcome = self._reader.recv()
            except EOFError:
                self._process.join()
                ok, value = self._outcome = (False, TsunaguError(
                    f"ビルドの子プロセスが終了しました (終了コード {self._process.exitcode})。"
                    f"メモリ不足なら {JOBS_VARIABLE}=1 で実行してください (a build process ended "
                    f"early; set {JOBS_VARIABLE}=1 to build in one process)"))
            finally:
                self._reader.close()
                self._process.join()
                self._process = None
        if not ok:
            raise value from None
        return value
