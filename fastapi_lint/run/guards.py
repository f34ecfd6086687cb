"""Per-file limits: a time budget (SIGALRM in the main thread) and a large stack
for valid code nested deeper than the default recursion limit."""

from __future__ import annotations

import contextlib
import signal
import threading
import sys
from collections.abc import Callable, Iterator
from typing import Any


class FileTimeout(BaseException):
    """Raised by :func:`time_budget` when a file exceeds its budget. A
    ``BaseException`` so that the ``except Exception`` around each rule does not
    swallow it: the whole file is abandoned, not one rule."""

@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in the body after ``seconds`` of wall time.

    Uses ``SIGALRM`` (POSIX, main thread of the process: the CLI and each pool
    worker). Elsewhere, or with ``seconds`` 0, there is no budget. Native code
    (libcst's parser) is interrupted only when it returns to Python.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

_LARGE_STACK = 512 * 1024 * 1024

_DEEP_RECURSION_LIMIT = 100_000

def run_with_large_stack(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function(*args)`` in a thread with a 512 MiB stack and a high recursion
    limit (libcst's code generation recurses once per level of nesting)."""
    import threading

    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # re-raised in the caller's thread
            outcome.append((False, exc))

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    try:
        threading.stack_size(_LARGE_STACK)
        sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
        thread = threading.Thread(target=target, name="fastapi-lint-deep")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    ok, value = outcome[0]
    if ok:
        return value
    raise value
