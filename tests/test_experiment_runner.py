"""The shared experiment runner: every backend gives the same results, caches the same way and
shows the same progress bar; bad backends are named errors."""

from __future__ import annotations

import importlib.util
import sys

import cloudpickle
import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.experiments.runner import run_tasks, timed

# dask's worker processes cannot import this test module: ship its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def square_and_log(base: int, log: str, i: int) -> dict:
    """A task: returns a row and appends a line to `log` (counts runs across processes)."""
    with open(log, "a") as f:
        f.write(f"{i}\n")
    return {"i": i, "value": base + i * i}


def runs_logged(log) -> list[int]:
    return sorted(int(v) for v in log.read_text().split()) if log.exists() else []


def _run(tmp_path, items, backend=None, n_jobs=2, cache=True, progress=False):
    log = tmp_path / "runs.log"
    return run_tasks(
        square_and_log,
        [{"i": i} for i in items],
        shared={"base": 10, "log": str(log)},
        n_jobs=n_jobs,
        backend=backend,
        cache=tmp_path / "cache" if cache else None,
        progress=progress,
        desc="squares",
        unit="task",
    ), log


def test_dask_without_a_client_says_how_to_start_one(tmp_path):
    # first in this file: the dask_client fixture below leaves a client for the session
    from distributed import default_client

    try:
        default_client()
        pytest.skip("a dask client is already running in this process")
    except ValueError:
        pass
    with pytest.raises(ScalingLabError, match=r"Client\("):
        _run(tmp_path, [1], backend="dask")


BACKENDS = ["loky", "threading", "sequential", "dask"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_same_results_same_cache_same_progress(backend, tmp_path, capsys, request):
    if backend == "dask":
        request.getfixturevalue("dask_client")
    runs, log = _run(tmp_path, [3, 1, 2], backend=backend, progress=True)
    assert [r["value"] for r in runs.results] == [19, 11, 14]  # in task order
    assert (runs.n_cached, runs.n_computed) == (0, 3)
    assert runs_logged(log) == [1, 2, 3]
    assert "squares" in capsys.readouterr().err

    # widen the grid: the three cached tasks are not run again, only the new one
    again, _ = _run(tmp_path, [3, 1, 2, 4], backend=backend, progress=True)
    assert [r["value"] for r in again.results] == [19, 11, 14, 26]
    assert (again.n_cached, again.n_computed) == (3, 1)
    assert runs_logged(log) == [1, 2, 3, 4]
    err = capsys.readouterr().err
    assert "4/4" in err and "squares" in err


def test_cache_key_includes_the_shared_inputs_and_the_version(tmp_path):
    log = tmp_path / "runs.log"
    kw = {"n_jobs": 1, "cache": tmp_path / "cache", "progress": False}
    first = run_tasks(square_and_log, [{"i": 2}], shared={"base": 10, "log": str(log)}, **kw)
    other = run_tasks(square_and_log, [{"i": 2}], shared={"base": 20, "log": str(log)}, **kw)
    assert (first.results[0]["value"], other.results[0]["value"]) == (14, 24)
    bumped = run_tasks(square_and_log, [{"i": 2}], shared={"base": 10, "log": str(log)},
                       version=2, **kw)
    assert bumped.n_computed == 1
    assert runs_logged(log) == [2, 2, 2]


def test_without_cache_everything_runs(tmp_path):
    _, log = _run(tmp_path, [1, 2], n_jobs=1, cache=False)
    runs2, _ = _run(tmp_path, [1, 2], n_jobs=1, cache=False)
    assert runs2.n_computed == 2 and runs_logged(log) == [1, 1, 2, 2]


def test_timed_returns_result_and_seconds():
    out, seconds = timed(sorted, [3, 1, 2])
    assert out == [1, 2, 3] and seconds >= 0


def test_unknown_backend_is_named(tmp_path):
    with pytest.raises(ScalingLabError, match="backend 'spark'"):
        _run(tmp_path, [1], backend="spark")


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
def test_ray_missing_says_what_to_install(tmp_path):
    with pytest.raises(ScalingLabError, match=r"backend='ray' needs ray.*scalinglab\[ray\]"):
        _run(tmp_path, [1], backend="ray")


@pytest.mark.slow
def test_ray_backend_where_installed(tmp_path, capsys):
    """ray's joblib backend returns whole lists only: the runner feeds it chunks, so progress
    and cache still advance task by task."""
    ray = pytest.importorskip("ray")
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # as for dask, above
    runs, log = _run(tmp_path, [3, 1, 2, 5, 4], backend="ray", progress=True)
    assert [r["value"] for r in runs.results] == [19, 11, 14, 35, 26]
    assert "5/5" in capsys.readouterr().err
    again, _ = _run(tmp_path, [3, 1, 2, 5, 4, 6], backend="ray", progress=True)
    assert (again.n_cached, again.n_computed) == (5, 1)
    assert runs_logged(log) == [1, 2, 3, 4, 5, 6]
    assert "6/6" in capsys.readouterr().err
