"""The study runner: table columns, reproducibility under a seed, caching, argument errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import COLUMNS, METRICS, run_study

SMALL = {
    "remedies": ["none", "oversample", "undersample+threshold", "two_phase"],
    "ratios": [1, 10],
    "sizes": [40, 80],
    "seeds": 2,
    "progress": False,
}


@pytest.fixture(scope="module")
def table():
    return run_study(n_jobs=1, cache=None, **SMALL)


def test_columns_and_grid(table):
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 4 * 2 * 2 * 2
    assert table["remedy"].unique().tolist() == ["none", "oversample", "undersample+threshold",
                                                  "two_phase"]
    assert sorted(table["ratio"].unique()) == [1.0, 10.0]
    assert sorted(table["seed"].unique()) == [0, 1]
    assert (table["minority_fraction"] == 0.5).all()
    # 10 digit classes, μ = 0.5: ρ=1 -> 10·n_max; ρ=10 -> 5·n_max + 5·n_max/10
    assert sorted(table["train_size"].unique()) == [220, 400, 440, 800]
    for m in METRICS:
        assert table[m].between(0, 1).all(), m
    assert (table["fit_seconds"] > 0).all()


def test_imbalance_hurts_minority_recall_without_a_remedy(table):
    none = table[table.remedy == "none"].groupby("ratio")
    assert none["minority_recall"].mean()[10.0] < none["minority_recall"].mean()[1.0] - 0.05


def test_same_call_same_table_apart_from_fit_seconds(table):
    again = run_study(n_jobs=2, cache=None, **SMALL)
    cols = [c for c in COLUMNS if c != "fit_seconds"]
    pd.testing.assert_frame_equal(table[cols], again[cols])


def test_other_seeds_give_other_numbers(table):
    other = run_study(n_jobs=1, cache=None, **{**SMALL, "seeds": [5, 6]})
    assert not np.allclose(table["accuracy"], other["accuracy"])


def test_cache_reuses_runs(tmp_path):
    kw = {**SMALL, "remedies": ["none"], "sizes": [40]}
    first = run_study(n_jobs=1, cache=tmp_path, **kw)
    assert any(tmp_path.rglob("*.pkl"))
    second = run_study(n_jobs=1, cache=tmp_path, **kw)
    # a cached run returns the stored row: even fit_seconds is identical
    pd.testing.assert_frame_equal(first, second)


def test_linear_imbalance_and_own_data_and_model():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 60)
    X = rng.normal(size=(180, 4)) + y[:, None]
    t = run_study(X, y, model=LogisticRegression(max_iter=300), remedies=["none", "smote"],
                  ratios=[1, 4], kind="linear", sizes=None, seeds=1, n_jobs=1, cache=None,
                  progress=False)
    assert t.attrs["kind"] == "linear"
    # 60 per class, 18 test per class -> n_max 42; linear ρ=4: 11 (10.5 up), 26 (26.25), 42
    assert sorted(t["train_size"].unique()) == [79, 126]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"remedies": ["oversampling"]}, "unknown remedy"),
        ({"remedies": []}, "remedies is empty"),
        ({"ratios": [0.5]}, "ratio"),
        ({"ratios": []}, "ratios is empty"),
        ({"minority_fraction": 1.5}, "minority_fraction"),
        ({"kind": "exp"}, "kind"),
        ({"sizes": [500]}, "n_max=500"),
        ({"seeds": 0}, "seeds"),
        ({"model": KNeighborsClassifier(), "remedies": ["two_phase"]}, "partial_fit"),
        ({"model": KNeighborsClassifier(), "remedies": ["class_weight"]}, "sample_weight"),
        ({"model": LinearSVC()}, "predict_proba"),
    ],
)
def test_bad_arguments_fail_fast(kwargs, match):
    args = {**SMALL, "n_jobs": 1, "cache": None, **kwargs}
    with pytest.raises(ScalingLabError, match=match):
        run_study(**args)


def test_x_without_y_is_an_error():
    with pytest.raises(ScalingLabError, match="both X and y"):
        run_study(X=np.zeros((4, 2)), progress=False)


def test_runs_under_another_joblib_backend_with_a_progress_bar(capsys):
    from joblib import parallel_config

    kw = {**SMALL, "remedies": ["none", "smote"], "sizes": [40], "progress": True}
    with parallel_config(backend="threading"):
        t = run_study(n_jobs=2, cache=None, **kw)
    assert len(t) == 2 * 2 * 1 * 2
    err = capsys.readouterr().err
    assert "imbalance study" in err and "8/8" in err


def test_auto_sizes_follow_your_own_data():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 50)  # 15 test per class -> 35 left: sizes 8, 17, 35
    X = rng.normal(size=(150, 3)) + y[:, None]
    t = run_study(X, y, remedies=["none"], ratios=[1], seeds=1, n_jobs=1, cache=None,
                  progress=False)
    assert sorted(t["train_size"].tolist()) == [24, 51, 105]
    with pytest.raises(ScalingLabError, match="sizes must be"):
        run_study(X, y, remedies=["none"], ratios=[1], sizes="all", progress=False)


@pytest.mark.parametrize("backend", ["threading", "dask",
                                     pytest.param("ray", marks=pytest.mark.slow)])
def test_backend_argument_same_table_same_cache_same_progress(backend, table, tmp_path, capsys,
                                                              request):
    """run_study(backend=...) runs through joblib's backends, dask.distributed included
    (a LocalCluster here) and ray where installed (a local ray); its cache and progress bar
    work the same on each."""
    if backend == "dask":
        request.getfixturevalue("dask_client")
    if backend == "ray":
        pytest.importorskip("ray")
    kw = {**SMALL, "remedies": ["none", "oversample"], "progress": True}
    first = run_study(n_jobs=2, backend=backend, cache=tmp_path, **kw)
    cols = [c for c in COLUMNS if c != "fit_seconds"]
    expected = table[table.remedy.isin(["none", "oversample"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(first[cols], expected[cols])
    assert first.attrs["cached_runs"] == 0
    assert "16/16" in capsys.readouterr().err
    second = run_study(n_jobs=2, backend=backend, cache=tmp_path, **kw)
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["cached_runs"] == 16
    assert "16/16" in capsys.readouterr().err
