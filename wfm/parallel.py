"""Fan-out of independent tasks: in this process, on a local Dask cluster, or on a running one.

One function, :func:`map_tasks`, used by the replications of ``wfm simulate``, the
per-queue backtest of ``wfm forecast backtest`` and the sensitivity variants of
``wfm scenario compare``.  The backend never changes a result: every task carries its
own inputs and seeds (a simulation replication ``r`` draws from
``numpy.random.default_rng([seed, r])``), and the results come back in item order.

* ``workers == 1`` (or a single item) and no ``cluster``: a plain loop in this
  process (Dask is not even imported).
* ``workers > 1``: a ``dask.distributed.LocalCluster`` of ``workers`` processes with
  one thread each, started for the call and closed after it (no dashboard, logs
  silenced).  Start-up costs a few seconds.
* ``cluster="tcp://host:8786"``: the tasks go to that running Dask scheduler and its
  workers (``workers`` is then ignored).  The workers need ``wfm`` installed, of the
  same version.

Items are batched into at most ``CHUNKS_PER_WORKER`` tasks per worker thread, so the
per-task overhead of Dask (milliseconds) stays small against the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from wfm.errors import WfmInputError

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler given by --cluster
CHUNKS_PER_WORKER = 8  # tasks per worker thread: balance against overhead


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(x) for x in chunk]


def chunked(n: int, n_chunks: int) -> list[range]:
    """``range(n)`` split into ``min(n, n_chunks)`` consecutive ranges whose lengths
    differ by at most one (longer ones first)."""
    k = max(1, min(n, n_chunks))
    size, extra = divmod(n, k)
    out, start = [], 0
    for i in range(k):
        stop = start + size + (i < extra)
        out.append(range(start, stop))
        start = stop
    return [r for r in out if len(r)]


def map_tasks(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int = 1,
    cluster: str | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, possibly on Dask; results in item order.

    ``fn`` and the items must pickle (a module-level function or a
    ``functools.partial`` of one) when ``workers > 1`` or ``cluster`` is given.
    ``chunk_size`` items go in one task (default: about ``CHUNKS_PER_WORKER`` tasks
    per worker thread).  ``progress(i)`` is called once for every finished item
    ``i`` (in completion order).  An exception raised by ``fn`` is re-raised here.
    An unreachable ``cluster`` or a missing Dask install is a :class:`WfmInputError`.
    """
    items = list(items)
    if workers < 1:
        raise ValueError("workers must be >= 1")
    if cluster is None and (workers == 1 or len(items) <= 1):
        out = []
        for i, x in enumerate(items):
            out.append(fn(x))
            if progress is not None:
                progress(i)
        return out
    distributed = _import_distributed()
    if cluster is not None:
        with _connect(distributed, cluster) as client:
            return _map_on(client, fn, items, chunk_size, progress)
    with (
        distributed.LocalCluster(
            n_workers=min(workers, len(items)),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # no dashboard; its HTTP server on a free port (":8787" may be taken)
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            # workers log a traceback when a heartbeat meets the closing scheduler (under
            # load); a task's own error still reaches us through its future
            silence_logs=logging.CRITICAL,
        ) as local,
        distributed.Client(local) as client,
    ):
        return _map_on(client, fn, items, chunk_size, progress)


def _import_distributed() -> Any:
    try:
        import dask.distributed as distributed
    except ImportError:
        raise WfmInputError(
            "--workers above 1 and --cluster need Dask: pip install 'dask[distributed]'"
        ) from None
    return distributed


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address`` with at least one worker, or a one-line
    :class:`WfmInputError`."""
    expected = "expected the address of a running Dask scheduler, e.g. tcp://host:8786"
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # refused, timed out, bad address, not a Dask scheduler
        if isinstance(exc, MemoryError):  # a server that is not a Dask scheduler
            why = "something answered, but not a Dask scheduler"
        else:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WfmInputError(f"--cluster {address}: no Dask scheduler reached ({why}); "
                            f"{expected}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise WfmInputError(
            f"--cluster {address}: the scheduler has no workers (waited "
            f"{CONNECT_TIMEOUT:g} s); start some with: dask worker {address}"
        ) from exc
    return client


def _map_on(client: Any, fn: Callable[[T], R], items: list[T], chunk_size: int | None,
            progress: Callable[[int], None] | None) -> list[R]:
    from dask.distributed import as_completed

    threads = max(1, sum(client.nthreads().values()))
    n_chunks = (-(-len(items) // chunk_size) if chunk_size else threads * CHUNKS_PER_WORKER)
    ranges = chunked(len(items), n_chunks)
    futures = [client.submit(_run_chunk, fn, [items[i] for i in r], pure=False)
               for r in ranges]
    which = {f.key: r for f, r in zip(futures, ranges, strict=True)}
    results: dict[str, list[R]] = {}
    for fut in as_completed(futures):
        results[fut.key] = fut.result()  # re-raises an exception of fn
        if progress is not None:
            for i in which[fut.key]:
                progress(i)
    return [x for f in futures for x in results[f.key]]
