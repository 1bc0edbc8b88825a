"""Running a function (reading an uploaded file) in a child process under a memory and a time limit.

Why a child and not the worker itself: a memory limit (``RLIMIT_AS``) set on the worker would stay on it,
and the ``MemoryError`` could strike anywhere in it (the broker connection, the database driver); a child
that overruns is simply gone, and the worker that waited for it carries on with the next task. Celery's own
time limits are kept on the tasks too, but they only work in the prefork pool (the tests' worker runs
``--pool solo``); the limits here work in any pool.

* Time: the child may use ``cpu_seconds`` of processor time (``RLIMIT_CPU``: at the soft limit it stops
  itself and says so, five seconds later the kernel kills it). CPU time and not wall-clock time, because
  a worker machine busy with other work must not turn a large but honest register into a refusal. The
  parent still stops waiting after ``wall_seconds`` and kills the child, for a child that hangs.
* Memory: the child may grow its address space by ``memory`` bytes beyond what it inherited. Before sending
  its answer it lifts the limit again: pickling needs room, and what it pickles was built within the limit.
* The child is forked, so it starts at once with everything imported. It must not touch the database or
  broker connections it inherits, and does not: it only turns bytes into rows. It leaves by ``os._exit``,
  so no inherited connection is closed on the parent's behalf.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

TIME = "time"
MEMORY = "memory"


class LimitExceeded(Exception):
    """The child ran out of time (``kind == TIME``, ``seconds`` the limit) or memory (``kind == MEMORY``,
    ``memory`` the limit in bytes) and was stopped."""

    def __init__(self, kind: str, seconds: float, memory: int) -> None:
        super().__init__(f"{kind} limit exceeded ({seconds:g} s, {memory // 2**20} MB)")
        self.kind = kind
        self.seconds = seconds
        self.memory = memory


class _OutOfTime(BaseException):
    """Raised in the child at its CPU limit; a BaseException, so that no ``except Exception`` keeps it."""


def _out_of_time(signum: int, frame: Any) -> None:
    raise _OutOfTime


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never above the hard limit the process already has)."""
    _, current = resource.getrlimit(which)
    if hard is None:
        hard = current
    elif current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _child(
    sender: Connection, func: Callable[..., Any], args: tuple[Any, ...], cpu_seconds: int, memory: int
) -> None:
    # The worker's handlers (Celery's warm shutdown on SIGTERM...) are not the child's business.
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGXCPU, _out_of_time)
    original_as = resource.getrlimit(resource.RLIMIT_AS)[0]
    inherited = _address_space()
    if inherited is not None:
        _set_limit(resource.RLIMIT_AS, inherited + memory)
    _set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)  # a fork's CPU time starts at 0 s
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", func(*args))
    except _OutOfTime:
        outcome = (TIME, None)
    except MemoryError:
        outcome = (MEMORY, None)
    except BaseException as exc:  # sent to the parent, which raises it there
        outcome = ("error", exc)
    # Sending the answer may take a moment: only the hard limits apply to it.
    resource.setrlimit(resource.RLIMIT_AS, (original_as, resource.getrlimit(resource.RLIMIT_AS)[1]))
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    try:
        sender.send(outcome)
    except Exception as exc:  # an exception that does not pickle: its text is enough
        sender.send(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))
    sender.close()


def _reap(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the child to end; whether it did (and was reaped)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if done:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def run_limited(func: Callable[..., T], *args: Any, cpu_seconds: int, wall_seconds: float, memory: int) -> T:
    """``func(*args)`` in a forked child: its result, or its exception raised here, or ``LimitExceeded``.

    Forked with ``os.fork``, not ``multiprocessing.Process``: Celery's prefork pool runs tasks in daemonic
    processes, and multiprocessing refuses to start children from those."""
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's clean-up (os._exit)
        try:
            os.close(read_end)
            _child(Connection(write_end, readable=False), func, args, cpu_seconds, memory)
        finally:
            os._exit(0)
    os.close(write_end)  # the child holds the only writing end: its death ends the wait with EOF
    receiver = Connection(read_end, writable=False)
    ended = False
    try:
        if not receiver.poll(wall_seconds):
            raise LimitExceeded(TIME, wall_seconds, memory)
        try:
            status, value = receiver.recv()
        except EOFError:
            # Gone without a word: the kernel killed it at its hard CPU limit, or it crashed (a failed
            # allocation in C code); which one, its running time tells.
            ended = _reap(pid, 5)
            if time.monotonic() - started >= cpu_seconds:
                raise LimitExceeded(TIME, cpu_seconds, memory) from None
            raise LimitExceeded(MEMORY, cpu_seconds, memory) from None
    finally:
        if not ended and not _reap(pid, 1):
            os.kill(pid, signal.SIGKILL)
            _reap(pid, 30)
        receiver.close()
    if status == TIME:
        raise LimitExceeded(TIME, cpu_seconds, memory)
    if status == MEMORY:
        raise LimitExceeded(MEMORY, cpu_seconds, memory)
    if status == "error":
        raise value
    result: T = value
    return result
