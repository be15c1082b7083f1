"""sl.learning_curves: real learning curves from a model on bundled data, their shape, the
table's contract (columns, directions, clusters), bad inputs, caching, and every backend
giving the same numbers."""

from __future__ import annotations

import itertools
import sys
import warnings
from typing import ClassVar

import cloudpickle
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

import scalinglab as sl
from scalinglab.errors import ScalingLabError
from scalinglab.experiments.subsets import nested_order, split
from scalinglab.fitting.data import detect_higher_is_better

cloudpickle.register_pickle_by_value(sys.modules[__name__])

SIZES = [30, 50, 86, 145, 246, 418, 708, 1200]
QUIET = {"n_jobs": 1, "cache": None, "progress": False}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def knn_curve(digits):
    """1-nearest-neighbour on digits: 8 sizes × 5 seeds."""
    return sl.learning_curves(KNeighborsClassifier(1), *digits, sizes=SIZES, seeds=5,
                              metric=["error", "accuracy"], **QUIET)


# -- the table ------------------------------------------------------------------------------


def test_table_is_tidy(knn_curve):
    t = knn_curve
    assert list(t.columns) == ["size", "seed", "split_seed", "error", "accuracy",
                               "fit_seconds", "n_test"]
    assert len(t) == len(SIZES) * 5
    assert t["size"].tolist() == sorted(SIZES * 5)
    assert t.groupby("size")["seed"].apply(list).map(tuple).unique().tolist() == [
        (0, 1, 2, 3, 4)]
    assert (t["split_seed"] == t["seed"]).all()
    assert (t["n_test"] == 540).all()  # 30% of 1797, stratified
    np.testing.assert_allclose(t["error"], 1 - t["accuracy"])
    assert (t["fit_seconds"] > 0).all()
    assert t["size"].dtype.kind == "i"


def test_error_falls_with_size_on_bundled_digits(knn_curve):
    mean = knn_curve.groupby("size")["error"].mean()
    assert (np.diff(mean.to_numpy()) < 0).all(), mean
    wide = knn_curve.pivot(index="seed", columns="size", values="error")
    assert (wide[1200] < wide[30]).all()
    assert mean[30] > 3 * mean[1200]


@pytest.mark.parametrize("per_size_mean", [True, False])
def test_power_law_fitted_on_small_sizes_predicts_the_largest(knn_curve, per_size_mean):
    """Fit on sizes <= 418, extrapolate ~3x: the observed mean error at 1200 lies in the fit's
    confidence band, and the law beats carrying the last observed error forward. Fitted to
    the per-size means and to all 30 rows (which sl.fit resamples by size, whole sizes at a
    time)."""
    small = knn_curve[knn_curve["size"] <= 418]
    if per_size_mean:
        small = small.groupby("size", as_index=False)["error"].mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)  # c on its bound 0: 1-NN's floor
        res = sl.fit(small, x="size", y="error", law="power_offset", ci="bootstrap",
                     n_boot=300, seed=0)
    assert 0.2 < res.params["b"] < 2.0
    band = res.band([1200], kind="confidence").iloc[0]
    observed = knn_curve.loc[knn_curve["size"] == 1200, "error"].mean()
    assert band["lo"] <= observed <= band["hi"], (band.to_dict(), observed)
    last = small.loc[small["size"] == 418, "error"].mean()
    assert abs(band["y"] - observed) < abs(last - observed) / 2


def test_accuracy_column_is_fitted_as_higher_is_better(knn_curve):
    small = knn_curve[knn_curve["size"] <= 418]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        on_acc = sl.fit(small, x="size", y="accuracy", law="power_offset", ci=None)
        on_err = sl.fit(small, x="size", y="error", law="power_offset", ci=None)
    assert on_acc.predict([1200])[0] == pytest.approx(1 - on_err.predict([1200])[0], rel=1e-6)


@pytest.mark.parametrize(
    ("metric", "column", "higher"),
    [
        ("accuracy", "accuracy", True),
        ("error", "error", False),
        ("balanced_accuracy", "balanced_accuracy", True),
        ("log_loss", "log_loss", False),
        ("neg_log_loss", "log_loss", False),
        ("f1_macro", "f1_macro", True),
        ("roc_auc_ovr", "roc_auc_ovr", True),
        ("brier_score", "brier_score_loss", False),
        ("matthews_corrcoef", "matthews_corrcoef_score", True),
    ],
)
def test_metric_columns_are_named_for_their_direction(digits, metric, column, higher):
    t = sl.learning_curves(GaussianNB(), *digits, sizes=[100, 400], seeds=1, metric=metric,
                           **QUIET)
    assert column in t.columns
    assert detect_higher_is_better(column, None)[0] is higher
    assert t.attrs["metrics"][column] == ("higher" if higher else "lower")
    if not higher:
        assert (t[column] >= 0).all()  # losses come out positive, not as sklearn's neg_ scores
    assert t[column].iloc[1] != t[column].iloc[0]


def test_regression_targets_use_plain_nested_subsets():
    X, y = load_diabetes(return_X_y=True)
    t = sl.learning_curves(Ridge(alpha=1e-2), X, y, sizes=[40, 280], seeds=3,
                           metric=["r2", "mean_squared_error"], **QUIET)
    assert {"r2_score", "mean_squared_error"} <= set(t.columns)
    assert (t["mean_squared_error"] > 0).all()
    mse = t.groupby("size")["mean_squared_error"].mean()
    assert mse[280] < mse[40]


# -- subsets: stratified, seeded, nested ------------------------------------------------------


def test_split_is_stratified_and_seeded():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, te = split(y, test_size=0.3, seed=4, stratify=True)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(100))
    assert np.bincount(y[te]).tolist() == [15, 9, 6]
    tr2, _ = split(y, test_size=0.3, seed=4, stratify=True)
    assert tr.tolist() == tr2.tolist()


@pytest.mark.parametrize("counts", [[50, 30, 20], [90, 9, 1], [7, 7, 7, 7], [400, 3, 3, 200]])
def test_every_prefix_of_the_order_is_stratified(counts):
    y = np.repeat(np.arange(len(counts)), counts)
    order = nested_order(y, seed=1, stratify=True)
    assert sorted(order.tolist()) == list(range(len(y)))
    share = np.asarray(counts) / len(y)
    for n in range(1, len(y) + 1):
        got = np.bincount(y[order[:n]], minlength=len(counts))
        assert np.all(np.abs(got - n * share) < 1.0 + 1e-9), (n, got, n * share)


def test_the_order_depends_on_the_seed_and_only_on_it():
    y = np.repeat([0, 1], [40, 60])
    a, b, c = (nested_order(y, seed=s, stratify=True) for s in (0, 0, 1))
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()


class Recorder:
    """A duck-typed model (fit/predict, no get_params) that records what it was trained on."""

    seen: ClassVar[list[frozenset]] = []

    def fit(self, X, y):
        Recorder.seen.append(frozenset(X[:, 0].astype(int).tolist()))
        self.label = np.bincount(y).argmax()
        return self

    def predict(self, X):
        return np.full(len(X), self.label)


def test_subsets_are_nested_across_sizes_and_differ_across_seeds():
    y = np.repeat([0, 1, 2], [60, 30, 30])
    X = np.arange(len(y), dtype=float)[:, None]  # each row carries its index
    Recorder.seen = []
    model = Recorder()
    sl.learning_curves(model, X, y, sizes=[8, 20, 50, 84], seeds=[3], split_seed=0, **QUIET)
    chain = sorted(Recorder.seen, key=len)
    assert [len(s) for s in chain] == [8, 20, 50, 84]
    assert all(a < b for a, b in itertools.pairwise(chain))  # strict subsets
    assert not hasattr(model, "label")  # the user's model was copied, not fitted
    Recorder.seen = []
    sl.learning_curves(Recorder(), X, y, sizes=[50], seeds=[3, 4], split_seed=0, **QUIET)
    first, second = Recorder.seen
    assert first != second


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sizes": [100, 2000]}, r"size 2000 .*training split of 1257"),
        ({"sizes": [5, 100]}, r"size 5 .*class"),
        ({"estimator": object()}, "fit and predict"),
        ({"estimator": KNeighborsClassifier}, "instance"),
        ({"sizes": []}, "sizes is empty"),
        ({"sizes": [0, 100]}, "positive"),
        ({"sizes": [100.2, 99.8]}, "both round to 100"),
        ({"sizes": "all"}, "sizes"),
        ({"seeds": 0}, "seeds"),
        ({"seeds": []}, "seeds"),
        ({"metric": "acuracy"}, "unknown metric 'acuracy'"),
        ({"metric": []}, "metric"),
        ({"metric": "log_loss", "estimator": LinearSVC()}, "log_loss.*LinearSVC"),
        ({"test_size": 1.5}, "test_size"),
        ({"backend": "spark"}, "backend 'spark'"),
    ],
)
def test_bad_input_is_a_named_error(digits, kwargs, match):
    args = {"estimator": GaussianNB(), "sizes": [100], "seeds": 1, **QUIET, **kwargs}
    with pytest.raises(ScalingLabError, match=match):
        sl.learning_curves(args.pop("estimator"), *digits, **args)


def test_bad_data_is_a_named_error(digits):
    X, y = digits
    with pytest.raises(ScalingLabError, match="one row per label"):
        sl.learning_curves(GaussianNB(), X[:100], y, sizes=[50], **QUIET)
    with pytest.raises(ScalingLabError, match="one class"):
        sl.learning_curves(GaussianNB(), X, np.zeros(len(y)), sizes=[50], **QUIET)


# -- caching ----------------------------------------------------------------------------------


class CountingNB(GaussianNB):
    """GaussianNB that counts its fits (in this process: run with n_jobs=1)."""

    fits = 0

    def fit(self, X, y, sample_weight=None):
        CountingNB.fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def test_second_call_is_served_from_the_cache(digits, tmp_path):
    kw = {"sizes": [50, 200], "seeds": 2, "n_jobs": 1, "cache": tmp_path, "progress": False}
    CountingNB.fits = 0
    first = sl.learning_curves(CountingNB(), *digits, **kw)
    assert CountingNB.fits == 4
    second = sl.learning_curves(CountingNB(), *digits, **kw)
    assert CountingNB.fits == 4  # no new fit
    pd.testing.assert_frame_equal(first, second)  # even fit_seconds: the stored rows
    wider = sl.learning_curves(CountingNB(), *digits, **{**kw, "sizes": [50, 200, 400]})
    assert CountingNB.fits == 6  # only the new size
    pd.testing.assert_frame_equal(wider[wider["size"] < 400].reset_index(drop=True), first)
    other = sl.learning_curves(CountingNB(var_smoothing=1e-3), *digits, **kw)
    assert CountingNB.fits == 10  # other parameters: other runs
    assert not np.allclose(other["accuracy"], first["accuracy"])


# -- parallel, serial and distributed give the same numbers ---------------------------------


def _sgd_curve(digits, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # random_state=None: each run's model is seeded from the run's seed
        t = sl.learning_curves(SGDClassifier(loss="log_loss", max_iter=20, tol=None), *digits, sizes=[60, 300],
                               seeds=2, metric=["accuracy", "log_loss"],
                               **{"cache": None, "progress": False, **kw})
    return t.drop(columns="fit_seconds")


@pytest.fixture(scope="module")
def serial(digits):
    return _sgd_curve(digits, n_jobs=1)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_equals_serial(digits, serial, backend):
    pd.testing.assert_frame_equal(_sgd_curve(digits, n_jobs=2, backend=backend), serial)


def test_dask_cluster_equals_serial_with_cache_and_progress(digits, serial, dask_client,
                                                            tmp_path, capsys):
    kw = {"n_jobs": -1, "backend": "dask", "cache": tmp_path, "progress": True}
    pd.testing.assert_frame_equal(_sgd_curve(digits, **kw), serial)
    assert "learning curves" in capsys.readouterr().err
    again = _sgd_curve(digits, **kw)
    pd.testing.assert_frame_equal(again, serial)
    assert again.attrs["cached_runs"] == 4
    assert "4/4" in capsys.readouterr().err


@pytest.mark.slow
def test_ray_equals_serial_where_installed(digits, serial):
    pytest.importorskip("ray")
    pd.testing.assert_frame_equal(_sgd_curve(digits, n_jobs=2, backend="ray"), serial)


def test_same_call_same_numbers_and_seeds_matter(digits, serial):
    again = _sgd_curve(digits, n_jobs=1)
    pd.testing.assert_frame_equal(again, serial)
    other = _sgd_curve(digits, n_jobs=1, split_seed=11)
    assert not np.allclose(other["accuracy"], serial["accuracy"])


def test_package_import_stays_light():
    import subprocess

    code = ("import sys, scalinglab; "
            "print(any(m.split('.')[0] in ('sklearn', 'dask', 'distributed', 'joblib') "
            "for m in sys.modules)); "
            "scalinglab.learning_curves; print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]


def test_a_given_test_set_scores_every_run_and_the_whole_X_is_the_pool(digits):
    # A curated or pruned training pool must be scored on an untouched test set: with
    # test=(X_test, y_test) nothing is split off X, every seed uses that test set.
    X, y = digits
    pool, test = split(y, 0.3, 7, stratify=True)
    X_pool, y_pool = X[pool], y[pool]
    table = sl.learning_curves(KNeighborsClassifier(1), X_pool, y_pool, sizes=[50, len(pool)],
                               seeds=2, metric="error", test=(X[test], y[test]), **QUIET)
    assert (table["n_test"] == len(test)).all()
    assert table["split_seed"].isna().all()
    full = table[table["size"] == len(pool)]
    truth = 1 - KNeighborsClassifier(1).fit(X_pool, y_pool).score(X[test], y[test])
    np.testing.assert_allclose(full["error"], truth)  # the whole pool, whatever the seed
    for seed in (0, 1):  # the subsets are the seed's nested order of the pool
        order = nested_order(y_pool, seed, True)[:50]
        one = 1 - KNeighborsClassifier(1).fit(X_pool[order], y_pool[order]).score(X[test],
                                                                                   y[test])
        got = table[(table["size"] == 50) & (table["seed"] == seed)]["error"].item()
        assert got == pytest.approx(one)


@pytest.mark.parametrize(("test", "match"), [
    ((np.zeros((5, 3)), np.zeros(5)), "64 columns"),
    ((np.zeros((5, 64)), np.zeros(4)), "one label per row"),
    ("held-out", r"test=\(X_test, y_test\)"),
])
def test_bad_test_set_is_a_named_error(digits, test, match):
    X, y = digits
    with pytest.raises(ScalingLabError, match=match):
        sl.learning_curves(KNeighborsClassifier(1), X, y, sizes=[50], seeds=1, test=test, **QUIET)
