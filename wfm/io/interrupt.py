"""Ctrl-C that is never lost, and held while a result is published.

CPython runs a Python signal handler in the main thread between two bytecodes of
whatever runs there, including weakref callbacks (the import system's module locks,
during every import), ``__del__`` methods and finalizers, whose exceptions the
interpreter prints as "Exception ignored in ..." and drops.  A KeyboardInterrupt
raised there is lost: the run went on and published its complete result after Ctrl-C
(seen: ``wfm plan`` interrupted while its modules loaded, exit 0).  The handler
installed here records the interrupt before raising it, and :func:`check` (between the
steps of a run, before a file is renamed into place, inside :func:`held` before a
result is published) raises it again.

:func:`held` defers SIGINT and SIGTERM over the renames that publish a result.  A
signal mask (``pthread_sigmask``) does not: it holds a signal for the main thread only,
and the kernel hands a signal sent to the process to another thread (numpy's BLAS
threads exist from its import on), after which CPython runs the Python handler in the
main thread anyway, between two renames.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _State:
    seen = False  # SIGINT came since install() or the last reset()


def on_sigint(signum: int, frame: object) -> None:
    """The SIGINT handler: record the interrupt, then raise KeyboardInterrupt."""
    _State.seen = True
    raise KeyboardInterrupt


def install() -> object | None:
    """Make :func:`on_sigint` the SIGINT handler (main thread only; elsewhere nothing
    happens); returns the previous handler (None when there was none from Python or
    nothing was installed)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, on_sigint)


def interrupted() -> bool:
    """True when SIGINT came (through :func:`on_sigint`) since the last :func:`reset`."""
    return _State.seen


def reset() -> None:
    """Forget a recorded interrupt (a finished command run in the same process)."""
    _State.seen = False


def check() -> None:
    """Raise KeyboardInterrupt when SIGINT came, even if its first KeyboardInterrupt
    was dropped where the interpreter ignores exceptions."""
    if _State.seen:
        raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[None]:
    """Run the ``with`` block with SIGINT and SIGTERM held: one that comes meanwhile is
    recorded and raised again, with the handler it had, when the block ends (SIGTERM
    with the default handler then ends the process).  Before the block runs, an
    interrupt that came earlier raises KeyboardInterrupt (:func:`check`), so a block
    that publishes a result does not publish an interrupted run's.

    Handlers can only be set in the main thread, where CPython runs them; in another
    thread the block only gets the check.  A handler not set from Python (``None``)
    is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        check()
        yield
        return
    came: list[int] = []

    def hold(signum: int, frame: object) -> None:
        came.append(signum)

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    previous = {s: h for s, h in previous.items() if h is not None}
    for s in previous:
        signal.signal(s, hold)
    try:
        if _State.seen or signal.SIGINT in came:
            raise KeyboardInterrupt
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)  # type: ignore[arg-type]
        for s in dict.fromkeys(came):
            signal.raise_signal(s)
