"""Parsing with libcst, without the costs a linter does not need.

libcst validates every node as its constructor runs (``CSTNode.__post_init__`` calls
``_validate``): checks meant for code that *builds* trees by hand (a ``Name`` must be
an identifier, parentheses must balance...). A tree from libcst's own parser over
text that CPython's parser has just accepted passes them by construction; libcst's
own comment on ``__post_init__`` notes the cost ("It might make more sense to move
validation work into the visitor, which would allow us to avoid validating the tree
when parsing a file"). Skipping it saves about a tenth of a parse.

The cyclic garbage collector is also paused while the tree is built: a parse
allocates hundreds of thousands of nodes without a single cycle, and each allocation
burst would otherwise start collections that walk every live object.

Validation is skipped only in the thread that is inside :func:`parse_module`, and
only until it returns: libcst's ``CSTNode.__post_init__`` is wrapped once by a
switch that reads a thread-local flag, so nodes built anywhere else (fixes,
``with_changes``, another thread of an editor's language server, the embedding
program) are validated as usual. ``tests/test_parsing.py`` checks that the trees
equal validated ones on every fixture, and that another thread building nodes
meanwhile is still validated.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


def parse_module(text: str) -> cst.Module:
    """Parse ``text`` (a ``str``) into a libcst module, skipping node validation.

    Raises ``libcst.ParserSyntaxError`` like :func:`libcst.parse_module`; only call it
    on text CPython's parser accepted (or for which a validated parse is not needed).
    Not thread-safe with other code building libcst nodes at the same time (the
    linter parses in one thread per process).
    """
    import libcst as cst

    switch = _validation_switch()
    with paused_gc():
        try:  # (a time-out signal may arrive anywhere: validation is restored in ``finally``)
            _LOCAL.skip = switch
            return cst.parse_module(text)
        finally:
            _LOCAL.skip = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for one file's analysis (``ast`` and libcst
    trees, the model): allocation bursts without cycles would start collections that
    walk every live object. Cycles made meanwhile are collected after it resumes."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_TRIM: Any = None


def release_memory() -> None:
    """Give freed heap memory back to the operating system (glibc's ``malloc_trim``).

    After a large module, the memory of its trees is free but stays mapped in the
    process (measured: 320 MiB resident after linting a 23k-line module, 94 MiB after
    the trim), so each worker would keep the high-water mark of its largest file for
    the rest of the run. A no-op where glibc is not the C library.
    """
    global _TRIM
    if _TRIM is None:
        _TRIM = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _TRIM = ctypes.CDLL(None).malloc_trim  # glibc; musl has none (AttributeError)
            except (OSError, AttributeError):
                _TRIM = False
    if _TRIM:
        _TRIM(0)


#: per thread: True while this thread parses (its nodes skip libcst's validation)
_LOCAL = threading.local()
_SWITCH_LOCK = threading.Lock()


def _validation_switch() -> bool:
    """Wrap ``CSTNode.__post_init__`` (once per process) so that it validates unless
    the current thread is inside :func:`parse_module`. False when libcst has no such
    hook (then nothing is skipped)."""
    from libcst._nodes.base import CSTNode

    current = CSTNode.__dict__.get("__post_init__")
    if current is None:
        return False
    if getattr(current, "_fastapi_lint_switch", False):
        return True
    with _SWITCH_LOCK:
        current = CSTNode.__dict__.get("__post_init__")
        if getattr(current, "_fastapi_lint_switch", False):
            return True
        original = current

        def __post_init__(self: object) -> None:
            if not getattr(_LOCAL, "skip", False):
                original(self)

        __post_init__._fastapi_lint_switch = True  # type: ignore[attr-defined]
        CSTNode.__post_init__ = __post_init__  # type: ignore[method-assign]
    return True
