"""Run many small experiments (fit a model, score it) in parallel, cached, with a progress bar.

`run_tasks` is the one runner behind the imbalance study (`scalinglab.imbalance.run_study`)
and `scalinglab.learning_curves`. A *task* is one call ``fn(**shared, **task)`` returning a
row; ``shared`` holds what every task uses (the data, the model), ``task`` what varies (a
seed, a size, a remedy).

* **Parallel**: through joblib, on its ``backend``: ``"loky"`` (processes on this machine,
  joblib's default), ``"threading"``, ``"dask"`` (a dask.distributed cluster: start a
  ``dask.distributed.Client`` first, as joblib's dask backend finds the current client) or
  ``"ray"`` (``ray.util.joblib``). ``backend=None`` uses whatever ``joblib.parallel_config``
  says (loky unless you set another). Large shared inputs are sent to dask once per call
  (joblib scatters them).
* **Cached**: on disk with `joblib.Memory`, keyed by the task, a hash of the shared inputs,
  the function's name and a ``version`` the caller bumps when the way a task is computed
  changes. Lookups and writes happen here, in the calling process, never on a worker: the
  cache works the same on every backend, a remote cluster needs no shared disk, and a cached
  task is not sent anywhere. Widen a grid and only the new tasks run.
* **Progress**: one tqdm bar over all tasks, cached ones counted from the start.

Example
-------
>>> from scalinglab.experiments.runner import run_tasks
>>> def add(base, i):
...     return {"i": i, "sum": base + i}
>>> runs = run_tasks(add, [{"i": 1}, {"i": 2}], shared={"base": 10}, n_jobs=1, cache=None,
...                  progress=False)
>>> [r["sum"] for r in runs.results], runs.n_computed
([11, 12], 2)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.optional import require

#: Backends `run_tasks` names in its errors; any backend registered with joblib also works.
BACKENDS: tuple[str, ...] = ("loky", "threading", "multiprocessing", "sequential", "dask", "ray")

#: The ``cache`` argument: True (`default_cache_dir`), a directory, or None/False for none.
Cache = bool | str | os.PathLike | None


@dataclass(frozen=True)
class Runs:
    """What `run_tasks` returns: one result per task, in task order, and how many came from
    the cache."""

    results: list
    n_cached: int

    @property
    def n_computed(self) -> int:
        return len(self.results) - self.n_cached


def default_cache_dir() -> Path:
    """Default cache: ``$XDG_CACHE_HOME/scalinglab``, else ``~/.cache/scalinglab``.

    >>> default_cache_dir().name
    'scalinglab'
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scalinglab"


def parse_seeds(seeds) -> list[int]:
    """The seeds of an experiment: a count ``k`` means seeds 0 … k-1, a list is taken as is.

    >>> parse_seeds(3), parse_seeds([7, 9])
    ([0, 1, 2], [7, 9])
    """
    try:
        out = list(range(int(seeds))) if np.isscalar(seeds) else [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise ScalingLabError(f"seeds must be a number of seeds or a list of integer seeds, "
                              f"not {seeds!r}") from None
    if not out:
        raise ScalingLabError("seeds must be a positive number or a non-empty list of seeds")
    if len(set(out)) != len(out):
        raise ScalingLabError(f"seeds repeat a seed: {out}; each seed runs once")
    return out


def timed(call: Callable, *args, **kwargs) -> tuple[Any, float]:
    """``(call(*args, **kwargs), seconds it took)``: how a task times its fit.

    >>> timed(sorted, [2, 1])[0]
    [1, 2]
    """
    t0 = time.perf_counter()
    out = call(*args, **kwargs)
    return out, time.perf_counter() - t0


class _NotStored(LookupError):
    """A cache lookup found nothing (raised inside the memoised function: nothing is written)."""


def _stored(key: tuple, result: Any = _NotStored) -> Any:
    """The memoised function behind the cache: called with ``result`` it stores it under
    ``key`` (``result`` is left out of the hash); called without, it returns what is stored."""
    if result is _NotStored:
        raise _NotStored(key)
    return result


class _Store:
    """The cache of one `run_tasks` call: a `joblib.Memory` keyed by (function, version,
    shared-input hash, task)."""

    def __init__(self, cache: Cache, fn: Callable, shared: Mapping, version: int):
        from joblib import Memory, hash

        location = default_cache_dir() if cache is True else Path(cache)  # type: ignore[arg-type]
        self._memo = Memory(location=str(location), verbose=0).cache(_stored, ignore=["result"])
        try:
            digest = hash(dict(shared))
        except Exception as e:  # pickling errors vary by object
            raise ScalingLabError(
                f"cannot cache these runs: the shared inputs ({', '.join(shared)}) cannot be "
                f"hashed ({type(e).__name__}: {e}); pass cache=None"
            ) from None
        self._prefix = (f"{fn.__module__}.{fn.__qualname__}", int(version), digest)

    def key(self, task: Mapping) -> tuple:
        return (*self._prefix, tuple(sorted(task.items())))

    def get(self, task: Mapping) -> tuple[bool, Any]:
        key = self.key(task)
        if not self._memo.check_call_in_cache(key):
            return False, None
        try:
            return True, self._memo(key)
        except _NotStored:  # removed between the check and the read
            return False, None

    def put(self, task: Mapping, result: Any) -> None:
        self._memo(self.key(task), result=result)


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[Mapping[str, Any]],
    *,
    shared: Mapping[str, Any] | None = None,
    n_jobs: int = -1,
    backend: str | None = None,
    cache: Cache = None,
    progress: bool = True,
    desc: str = "runs",
    unit: str = "run",
    version: int = 1,
) -> Runs:
    """Run ``fn(**shared, **task)`` for every task; return the results in task order.

    Parameters
    ----------
    fn : a module-level function (workers import or unpickle it) returning a picklable result.
    tasks : keyword arguments of each call: small, hashable values (they key the cache).
    shared : keyword arguments common to every call (data, model); hashed once for the cache.
    n_jobs : joblib workers (-1: all cores, or all of a dask cluster's threads).
    backend : ``"loky"``, ``"threading"``, ``"dask"``, ``"ray"`` or any joblib backend name;
        None: the one set by ``joblib.parallel_config`` (loky by default).
    cache : True (`default_cache_dir`), a directory, or None/False for no cache.
    progress : show a tqdm progress bar labelled ``desc`` counting ``unit``.
    version : part of the cache key: bump it when ``fn`` computes differently.
    """
    from tqdm.auto import tqdm

    shared = dict(shared or {})
    tasks = [dict(t) for t in tasks]
    store = _Store(cache, fn, shared, version) if cache not in (None, False) else None
    results: list[Any] = [None] * len(tasks)
    todo = []
    for i, task in enumerate(tasks):
        hit, value = store.get(task) if store is not None else (False, None)
        if hit:
            results[i] = value
        else:
            todo.append(i)
    with tqdm(total=len(tasks), initial=len(tasks) - len(todo), disable=not progress,
              desc=desc, unit=unit) as bar:
        if todo:
            with _backend(backend):
                for i, value in _compute(fn, shared, tasks, todo, n_jobs):
                    results[i] = value
                    if store is not None:
                        store.put(tasks[i], value)
                    bar.update()
    return Runs(results=results, n_cached=len(tasks) - len(todo))


def _compute(fn, shared: dict, tasks: list[dict], todo: list[int], n_jobs: int):
    """``(i, fn(**shared, **tasks[i]))`` for each ``i`` of ``todo``, in that order, as the
    active joblib backend returns them."""
    from joblib import Parallel, delayed, effective_n_jobs
    from joblib.parallel import get_active_backend

    def calls(indices):
        return (delayed(fn)(**shared, **tasks[i]) for i in indices)

    if getattr(get_active_backend()[0], "supports_return_generator", True):
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        yield from zip(todo, parallel(calls(todo)), strict=True)
        return
    # A backend that returns only whole lists (ray's): chunks of two tasks per worker on one
    # pool, so that the progress bar and the cache advance as each chunk finishes.
    step = 2 * max(1, effective_n_jobs(n_jobs))
    with Parallel(n_jobs=n_jobs) as parallel:
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            yield from zip(chunk, parallel(calls(chunk)), strict=True)


def _backend(backend: str | None):
    """A joblib ``parallel_config`` for ``backend`` (None: the caller's), checked first so
    that a missing engine or client is a named error, not a traceback from deep in joblib."""
    import contextlib

    from joblib import parallel_config

    if backend is None:
        return contextlib.nullcontext()
    if backend == "dask":
        _require_dask_client()
    elif backend == "ray":
        _register_ray()
    try:
        with parallel_config(backend=backend):
            pass
    except ValueError as e:
        raise ScalingLabError(
            f"backend {backend!r} is not a joblib backend ({e}); use one of "
            f"{', '.join(BACKENDS)}, or register yours with joblib.register_parallel_backend"
        ) from None
    return parallel_config(backend=backend)


def _require_dask_client() -> None:
    distributed = require("distributed", extra="distributed", feature="backend='dask'",
                          package="dask.distributed")
    try:
        distributed.get_client()
    except ValueError:
        raise ScalingLabError(
            "backend='dask' runs on the current dask.distributed client, and there is none: "
            "start one first, e.g. `from dask.distributed import Client; "
            "client = Client('tcp://scheduler:8786')` for a cluster, or `Client()` for a local "
            "one"
        ) from None


def _register_ray() -> None:
    require("ray.util.joblib", extra="ray", feature="backend='ray'").register_ray()
