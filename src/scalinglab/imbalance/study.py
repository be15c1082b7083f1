"""Run an imbalance study: remedies × ratios × training sizes × seeds → one tidy table.

Every run draws an imbalanced training set and a balanced test set (`make_imbalanced`), fits
the model with one remedy, and scores it on the test set. Runs with the same seed share the
same test set and the same minority classes, so remedies and ratios are compared pairwise.

Runs go through the shared experiment runner (`scalinglab.experiments.runner`): in parallel
with joblib (``n_jobs``; ``backend="dask"`` or ``"ray"`` carries a study past one machine)
behind a tqdm progress bar, each run cached on disk with `joblib.Memory`, keyed by all of its
arguments (data, model, remedy, ratio, μ, kind, size, seed): repeat a study, or widen its
grid, and only new runs are computed.

Example
-------
>>> import scalinglab as sl
>>> t = sl.imbalance.run_study(remedies=["none", "oversample"], ratios=[1, 10], sizes=None,
...                            seeds=1, n_jobs=1, cache=None, progress=False)
>>> print(t[["remedy", "ratio", "train_size", "seed"]].to_string(index=False))
    remedy  ratio  train_size  seed
      none    1.0        1220     0
      none   10.0         670     0
oversample    1.0        1220     0
oversample   10.0         670     0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.experiments.runner import Cache, parse_seeds, run_tasks, timed
from scalinglab.imbalance.datasets import KINDS, default_test_per_class, make_imbalanced
from scalinglab.imbalance.metrics import METRICS, evaluate
from scalinglab.imbalance.remedies import DEFAULT_REMEDIES, get_remedy

#: Columns of a study table, in order.
COLUMNS: tuple[str, ...] = (
    "remedy",
    "ratio",
    "minority_fraction",
    "train_size",
    "seed",
    *METRICS,
    "fit_seconds",
)
#: Imbalance ratios ρ of the default study.
DEFAULT_RATIOS: tuple[float, ...] = (1, 2, 5, 10, 20, 50)
#: Largest-class sizes (n_max) of the default study's learning curves, for load_digits.
DEFAULT_SIZES: tuple[int, ...] = (30, 60, 120)
#: Bump when the way a run is computed changes, so that old cached runs are not reused.
_RUN_VERSION = 1


def default_model():
    """The default classifier: logistic regression trained by SGD (fast, has partial_fit).

    >>> default_model().get_params()["loss"]
    'log_loss'
    """
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=30, tol=None, random_state=0)


def default_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits (1797 × 64, 10 classes), pixels scaled to [0, 1].

    >>> X, y = default_data(); X.shape, int(y.max())
    ((1797, 64), 9)
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def run_one(X, y, model, remedy: str, ratio: float, minority_fraction: float, kind: str,
            n_max: int | None, seed: int, test_per_class: int | None) -> dict:
    """One run of a study: a row of the table as a dict (uncached; `run_study` caches it)."""
    split = make_imbalanced(X, y, ratio, minority_fraction, kind, seed, n_max, test_per_class)
    rem = get_remedy(remedy)
    est, fit_seconds = timed(rem.fit, model, split.X_train, split.y_train, seed)
    classes = np.asarray(est.classes_)
    priors = np.array([split.counts[c.item()] for c in classes], dtype=float)
    proba = rem.predict_proba(est, split.X_test, priors / priors.sum())
    row = {
        "remedy": rem.name,
        "ratio": float(ratio),
        "minority_fraction": float(minority_fraction),
        "train_size": split.train_size,
        "seed": int(seed),
    }
    row.update(evaluate(split.y_test, proba, classes, split.minority_classes))
    row["fit_seconds"] = fit_seconds
    return row


def run_study(
    X=None,
    y=None,
    model=None,
    remedies: Sequence[str] = DEFAULT_REMEDIES,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    minority_fraction: float = 0.5,
    kind: str = "step",
    sizes: Sequence[int] | str | None = "auto",
    seeds: int | Sequence[int] = 3,
    n_jobs: int = -1,
    cache: Cache = True,
    progress: bool = True,
    test_per_class: int | None = None,
    backend: str | None = None,
) -> pd.DataFrame:
    """Run every remedy at every ratio, size and seed; return the tidy table (`COLUMNS`).

    Parameters
    ----------
    X, y : the labelled data; default `default_data` (load_digits, no download).
    model : any scikit-learn classifier with ``predict_proba`` (cloned per run; its
        ``random_state`` is set to the run's seed); default `default_model`.
        ``class_weight`` needs ``fit(..., sample_weight=)``, ``two_phase`` needs
        ``partial_fit`` or ``warm_start``.
    remedies : remedy names (see `scalinglab.imbalance.remedies`), e.g. ``"oversample+threshold"``.
    ratios : imbalance ratios ρ >= 1 (majority / minority class size).
    minority_fraction : μ, the fraction of classes that are minority classes.
    kind : ``"step"`` or ``"linear"`` imbalance.
    sizes : sizes of the largest training class (n_max), one learning-curve point each; the
        table's ``train_size`` is the resulting number of training examples. ``None``: all
        that the test set leaves over. ``"auto"`` (default): `DEFAULT_SIZES` for load_digits;
        for your own data a quarter, half and all of what the test set leaves over.
    seeds : a number of seeds (0, 1, ...) or the seeds themselves.
    n_jobs : joblib workers (-1: all cores, or all of a dask cluster's threads).
    cache : True (default location `default_cache_dir`), a directory, or None/False to disable.
        Lookups and writes happen in this process, so the cache works the same on every
        backend. ``table.attrs["cached_runs"]`` counts the runs read from it.
    progress : show a tqdm progress bar.
    test_per_class : balanced test-set size per class (default: 30% of the rarest class).
    backend : joblib backend: ``"loky"`` (processes on this machine), ``"threading"``,
        ``"dask"`` (the current ``dask.distributed.Client``: create one first, e.g.
        ``Client("tcp://scheduler:8786")``; ``pip install 'scalinglab[distributed]'``) or
        ``"ray"`` (``pip install 'scalinglab[ray]'``). None: the backend set with
        ``joblib.parallel_config`` (loky unless you set another).
    """
    if (X is None) != (y is None):
        raise ScalingLabError("pass both X and y, or neither (to use load_digits)")
    own_data = X is not None
    if X is None:
        X, y = default_data()
    X = np.asarray(X)
    y = np.asarray(y)
    if model is None:
        model = default_model()
    if kind not in KINDS:
        raise ScalingLabError(f"kind must be one of {KINDS}, not {kind!r}")
    names = [get_remedy(r).name for r in remedies]
    if not names:
        raise ScalingLabError("remedies is empty: name at least one, e.g. ['none', 'oversample']")
    if not len(ratios):
        raise ScalingLabError("ratios is empty: give at least one ratio >= 1, e.g. [1, 10]")
    seed_list = parse_seeds(seeds)
    if test_per_class is None:
        test_per_class = default_test_per_class(y)
    if isinstance(sizes, str):
        if sizes != "auto":
            raise ScalingLabError(f"sizes must be a list of class sizes, None or 'auto', not "
                                  f"{sizes!r}")
        sizes = _auto_sizes(y, test_per_class) if own_data else DEFAULT_SIZES
    size_list: list[int | None] = [None] if sizes is None else [int(s) for s in sizes]
    # Fail fast, in this process, on bad arguments (ratios, μ, sizes, model capabilities).
    for ratio in ratios:
        for n_max in size_list:
            _check_args(X, y, ratio, minority_fraction, kind, n_max, test_per_class)
    _check_model(model, names)

    runs = run_tasks(
        run_one,
        [
            {"remedy": rem, "ratio": float(ratio), "n_max": n_max, "seed": seed}
            for rem in names
            for ratio in ratios
            for n_max in size_list
            for seed in seed_list
        ],
        shared={"X": X, "y": y, "model": model, "minority_fraction": minority_fraction,
                "kind": kind, "test_per_class": test_per_class},
        n_jobs=n_jobs, backend=backend, cache=cache, progress=progress,
        desc="imbalance study", unit="run", version=_RUN_VERSION,
    )
    rows = runs.results
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {r: i for i, r in enumerate(names)}
    table = table.sort_values(
        ["remedy", "ratio", "train_size", "seed"],
        key=lambda s: s.map(order) if s.name == "remedy" else s,
        kind="stable",
    ).reset_index(drop=True)
    table.attrs["kind"] = kind
    table.attrs["cached_runs"] = runs.n_cached
    return table


def _auto_sizes(y: np.ndarray, test_per_class: int) -> list[int]:
    """A quarter, half and all of the rarest class's examples left after the test set."""
    pool = int(np.unique(y, return_counts=True)[1].min()) - test_per_class
    return sorted({max(1, pool // 4), max(1, pool // 2), max(1, pool)})


def _check_args(X, y, ratio, minority_fraction, kind, n_max, test_per_class):
    # make_imbalanced validates everything; run it on the labels only (cheap).
    make_imbalanced(np.zeros((len(y), 1)), y, ratio, minority_fraction, kind, 0, n_max,
                    test_per_class)


def _check_model(model, names):
    from sklearn.utils.validation import has_fit_parameter

    if not hasattr(model, "fit") or not hasattr(model, "get_params"):
        raise ScalingLabError(
            f"model must be a scikit-learn classifier (with fit and get_params), not "
            f"{type(model).__name__}"
        )
    if not hasattr(model, "predict_proba"):
        raise ScalingLabError(
            f"{type(model).__name__} has no predict_proba; the study needs class probabilities: "
            f"use e.g. SGDClassifier(loss='log_loss') or LogisticRegression"
        )
    for name in names:
        rem = get_remedy(name)
        if rem.two_phase and not (hasattr(model, "partial_fit")
                                  or "warm_start" in model.get_params()):
            raise ScalingLabError(
                f"remedy {name!r} fine-tunes a trained model, so it needs a classifier with "
                f"partial_fit or a warm_start parameter (e.g. SGDClassifier, "
                f"LogisticRegression, MLPClassifier); {type(model).__name__} has neither. Drop "
                f"{name!r} from the remedies or pass such a model"
            )
        if rem.class_weight and not has_fit_parameter(model, "sample_weight"):
            raise ScalingLabError(
                f"remedy {name!r} needs a classifier whose fit accepts sample_weight; "
                f"{type(model).__name__} does not. Drop {name!r} or pass such a model"
            )
