"""How a build uses the machine: the cyclic collector paused, and a second process where the system forks.

A national build creates some ten million objects and frees few of them; the
cyclic garbage collector would rescan that growing heap again and again (a
quarter of the build's time), so the build runs with it paused. Two parts of
the build need nothing from each other (the SHACL shapes over the asserted
data and the rest of the compilation; one half of the municipalities' reach
graphs and the other half), so on a machine with two or more cores they run
in a forked child beside the parent. The reading, the checks and the projection
run in a child of their own (:func:`stepped_apart`), whose heap goes when it
hands the graph over. Where processes cannot fork (Windows) the same calls run
one after the other, with the same results.
"""

from __future__ import annotations

import gc
import os
from contextlib import suppress

from tsunagu.exceptions import TsunaguError

__all__ = ["JOBS_VARIABLE", "build_jobs", "collector_paused", "Forked", "Streamed", "stepped_apart"]

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
    except ConnectionError:  # the parent no longer listens (interrupted)
        pass
    except Exception as error:  # an unpicklable result or error: say what it was
        writer.send((False, TsunaguError(f"{type(error).__name__}: {error}")))
    writer.close()


def _ended_early(process):
    return TsunaguError(
        f"ビルドの子プロセスが終了しました (終了コード {process.exitcode})。"
        f"メモリ不足なら {JOBS_VARIABLE}=1 で実行してください (a build process ended "
        f"early; set {JOBS_VARIABLE}=1 to build in one process)")


def _started(target, function, args, daemon=True):
    """``(process, reader)``: ``target(writer, function, args)`` in a forked child, its pipe's reading end.
    ``daemon``: whether the child is killed when this process ends (multiprocessing's daemonic children
    may fork none of their own)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    # Frozen objects are left alone by the child's collector, which would otherwise
    # write to (and so copy) every page of the parent's heap it inherited.
    gc.freeze()
    try:
        process = context.Process(target=target, args=(writer, function, args), daemon=daemon)
        process.start()
    finally:
        gc.unfreeze()
        writer.close()
    return process, reader


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
        self._process, self._reader = _started(_child, function, args)

    def result(self):
        """What the function returned (raised again if it raised); asked again, the same."""
        if self._process is None:
            ok, value = self._outcome
        else:
            try:
                ok, value = self._outcome = self._reader.recv()
            except EOFError:
                self._process.join()
                ok, value = self._outcome = (False, _ended_early(self._process))
            finally:
                self._reader.close()
                self._process.join()
                self._process = None
        if not ok:
            raise value from None
        return value


def _streaming_child(writer, function, args):
    import queue
    import threading
    from multiprocessing.reduction import ForkingPickler

    # A thread of its own writes each item to the pipe: the parent may be busy for seconds before it
    # reads the first, and this process goes on making the next meanwhile.
    pending = queue.SimpleQueue()

    def send():
        while (message := pending.get()) is not None:
            writer.send_bytes(message)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        for item in function(*args):
            pending.put(ForkingPickler.dumps((True, item)))
        pending.put(ForkingPickler.dumps((None, None)))
    except BaseException as error:  # handed to the parent, which raises it
        try:
            pending.put(ForkingPickler.dumps((False, error)))
        except Exception as unpicklable:
            pending.put(ForkingPickler.dumps((False, TsunaguError(f"{type(unpicklable).__name__}: {unpicklable}"))))
    pending.put(None)
    sender.join()
    writer.close()


class Streamed:
    """The items of ``function(*args)`` (an iterable) made in a forked child, when ``parallel`` and the
    system forks, and read here one by one as the child hands them over; else made here as they are read.

    The child makes the next items while this process works on those it has: a build parses the
    second process's files there while writing the triples of those parsed. Iterated once; an error
    the child met is raised here when its items are read up to it. :meth:`close` stops a child whose
    items are no longer wanted.

    Examples
    --------
    >>> list(Streamed(range, 3, parallel=False))
    [0, 1, 2]
    """

    def __init__(self, function, *args, parallel=True):
        self._process = None
        if not (parallel and _forks()):
            self._items = iter(function(*args))
            return
        self._process, self._reader = _started(_streaming_child, function, args)
        self._items = self._received()

    def _received(self):
        while True:
            try:
                ok, value = self._reader.recv()
            except EOFError:
                self._process.join()
                raise _ended_early(self._process) from None
            if ok is None:
                break
            if not ok:
                raise value from None
            yield value
        process, self._process = self._process, None
        self._reader.close()
        process.join()  # it has handed everything over and is ending

    def __iter__(self):
        return self._items

    def close(self):
        """Stop the child if it is still making items (they are not wanted) and wait for it."""
        if self._process is not None:
            process, self._process = self._process, None
            if process.is_alive():
                process.kill()  # before its pipe closes: a thread writing to it would say so on stderr
            self._reader.close()
            process.join()


_HANDED_OVER = []  # what a child sent its parent, kept until it exits: its memory then goes at once


def _stepped_child(writer, function, args):
    import pickle

    from tsunagu.compile.progress import Steps

    # Each message pickled straight into the pipe, not into bytes first: the parent unpickles a large
    # result as it comes (a build without a folder hands its graph over so).
    stream = open(writer.fileno(), "wb", closefd=False)  # closed below

    def send(message):
        pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
        stream.flush()

    # Each line the steps say goes to the parent as it is said (a terminal, or a caller's notices), their
    # records before the result or the error.
    relayed = Steps(lambda text: send((None, text)))
    try:
        try:
            outcome = (True, function(*args, steps=relayed))
        except BaseException as error:  # handed to the parent, which raises it
            send(("records", relayed.records))  # the steps done before it
            try:
                failure = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as unpicklable:  # say what it was
                failure = pickle.dumps((False, TsunaguError(f"{type(unpicklable).__name__}: {unpicklable}")))
            stream.write(failure)
            stream.flush()
            return  # what the failed build made goes as its frames do: its files removed
        send(("records", relayed.records))
        # Not freed object by object as this function returns (a second, at synthetic 10x, that the
        # parent would wait for): the process ends next.
        _HANDED_OVER.append(outcome)
        send(outcome)
    except ConnectionError:  # the parent no longer listens (interrupted)
        pass
    finally:
        with suppress(OSError):
            stream.close()
        writer.close()


def stepped_apart(steps, function, *args, parallel=True):
    """``function(*args, steps=steps)`` run in a forked child when ``parallel`` (and the system forks), else
    here: what it returned, or what it raised raised here. The child's steps say their lines through
    ``steps`` as it goes and are added to its records when it ends.

    A build reads, checks and projects so: the child's heap, where the rdflib graph was freed around the
    graph that stays, goes when the child ends (this returns once it has ended).

    Examples
    --------
    >>> from tsunagu.compile.progress import Steps
    >>> def counted(n, steps):
    ...     with steps.step("count", "数える"):
    ...         return n + 1
    >>> steps = Steps()
    >>> stepped_apart(steps, counted, 1, parallel=False), [r["name"] for r in steps.records]
    (2, ['count'])
    """
    if not (parallel and _forks()):
        return function(*args, steps=steps)
    import pickle

    process, reader = _started(_stepped_child, function, args, daemon=False)  # it forks its own
    stream = open(reader.fileno(), "rb", closefd=False)  # closed with the pipe below
    try:
        while True:
            try:
                ok, value = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError):  # ended, or cut short, before its result
                process.join()
                raise _ended_early(process) from None
            if ok is None:
                steps.say(value)
            elif ok == "records":
                steps.records.extend(value)
            else:
                break
    except BaseException:
        process.kill()  # its result is not wanted: not left building, nor waited for until it ends
        raise
    finally:
        stream.close()
        reader.close()
        process.join()
    if not ok:
        raise value from None
    return value
