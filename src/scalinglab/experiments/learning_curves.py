"""Real learning curves from a model: train on growing subsets, score on held-out data.

`learning_curves` fits an estimator on nested, stratified, seeded subsets of a training split
(`scalinglab.experiments.subsets`) and scores it on the split's test set, through the shared
runner (`scalinglab.experiments.runner`: joblib backends, cache, progress bar). The result is a
tidy table ready for `scalinglab.fit`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone, is_regressor
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import type_of_target

from scalinglab.errors import ScalingLabError
from scalinglab.experiments.runner import Cache, parse_seeds, run_tasks, timed
from scalinglab.experiments.scoring import Metric, is_sklearn_estimator, resolve, scorable
from scalinglab.experiments.subsets import first_complete, nested_order, split

#: Bump when the way a run is computed changes, so that old cached runs are not reused.
_RUN_VERSION = 1
#: Number of sizes when ``sizes`` is None.
DEFAULT_N_SIZES = 8


def learning_curves(
    estimator,
    X,
    y,
    sizes: Sequence[float] | None = None,
    seeds: int | Sequence[int] = 5,
    metric: str | Sequence[str] = "accuracy",
    test_size: float | int = 0.3,
    split_seed: int | None = None,
    n_jobs: int = -1,
    backend: str | None = None,
    cache: Cache = True,
    progress: bool = True,
    test: tuple | None = None,
) -> pd.DataFrame:
    """Fit ``estimator`` on subsets of growing size, for several seeds; score each fit.

    For each seed, ``(X, y)`` is split into a training split and a test set (``test_size``,
    stratified for classification); the model is trained on the first ``size`` examples of a
    seeded, stratified order of the training split, so the subsets of one seed are **nested**
    (a bigger subset holds every smaller one: data added, not redrawn, as in scikit-learn's
    ``learning_curve``), and scored on the test set.

    Parameters
    ----------
    estimator : a scikit-learn estimator (cloned for each run; a ``random_state`` left at None
        is set to the run's seed, so every run is reproducible), or any object with ``fit`` and
        ``predict`` (deep-copied for each run; seed it yourself).
    X, y : the data (arrays, DataFrames or sparse matrices); ``y`` one label (classification)
        or one value (regression: plain nested shuffles, no stratification) per row.
    sizes : training-set sizes (numbers of examples, rounded to integers), at most the
        training split. None: 8 sizes spaced evenly in log from the smallest stratified
        subset that holds every class (at least 10) to the whole training split.
    seeds : a number of seeds (0, 1, ...) or the seeds themselves. Each seed draws its own
        subsets and seeds the model.
    metric : a name or a list of names: ``"accuracy"``, ``"error"`` (1 − accuracy),
        ``"balanced_accuracy"``, ``"log_loss"``, ``"f1_macro"``, ``"roc_auc"`` (binary),
        ``"roc_auc_ovr"``, ``"r2"``, ``"mean_squared_error"``, ... any scikit-learn scorer
        name, with or without its ``neg_`` prefix (see `scalinglab.experiments.scoring`).
        Losses and errors come out positive (lower is better); accuracies and scores, higher
        is better. Each column is named so that `scalinglab.fit` reads the direction from it:
        ``error``, ``log_loss``, ``brier_score_loss``, ``mean_squared_error`` are fitted as
        they are; ``accuracy``, ``balanced_accuracy``, ``f1_macro``, ``roc_auc``,
        ``r2_score`` as higher-is-better (power laws fitted to the error 1 − metric).
        ``table.attrs["metrics"]`` maps each column to ``"higher"`` or ``"lower"``.
    test_size : the test set, as a fraction of the data or a number of examples.
    split_seed : None: each seed draws its own split (the test set varies with the seed too);
        an integer: one split for every seed (only the subsets and the model vary).
    n_jobs, backend : joblib workers and backend (``"loky"``, ``"threading"``, ``"dask"`` on
        the current ``dask.distributed.Client``, ``"ray"``; None: joblib's current one).
    cache : True (``~/.cache/scalinglab``), a directory, or None/False: runs are cached by
        data, estimator parameters, subset, test set and metrics; a repeated or widened call
        fits only what is new.
    progress : show a tqdm progress bar.
    test : ``(X_test, y_test)``, a test set of your own: then nothing is split off ``X``, the
        whole of ``(X, y)`` is the training pool, and every run is scored on this test set
        (``test_size`` and ``split_seed`` are unused; ``split_seed`` comes out empty). Use it
        when the pool is curated (pruned, filtered, deduplicated) and the test set must not be.

    Returns
    -------
    A DataFrame with one row per (size, seed), sorted by size then seed: ``size`` (training
    examples used), ``seed``, ``split_seed``, one column per metric, ``fit_seconds`` (the fit
    alone), ``n_test``. ``attrs["cached_runs"]`` counts the runs read from the cache.

    Rows that share a size are repeated measurements of one point of the curve, and the rows
    of one seed are correlated (nested subsets, one test set). `scalinglab.fit` takes the rows
    of one size as one piece of evidence (its bootstrap resamples them together; see its
    ``cluster``), so the table can be fitted as it is; fitting the mean per size, as the
    example does (``t.groupby("size", as_index=False).mean()``), gives nearly the same curve.

    Example
    -------
    One-nearest-neighbour on scikit-learn's bundled digits, 4 sizes × 3 seeds, then a power law
    through the mean error per size:

    >>> import scalinglab as sl
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> t = sl.learning_curves(KNeighborsClassifier(1), X, y, sizes=[50, 100, 200, 400],
    ...                        seeds=3, metric="error", n_jobs=1, cache=None, progress=False)
    >>> means = t.groupby("size", as_index=False)["error"].mean()
    >>> means["error"].round(3).tolist()
    [0.144, 0.091, 0.055, 0.034]
    >>> res = sl.fit(means, x="size", y="error", law="power", ci="bootstrap", n_boot=200)
    >>> round(res.params["b"], 1)
    0.7
    """
    _check_estimator(estimator)
    y = np.asarray(y)
    n = _check_data(X, y)
    regressor = can_clone(estimator) and is_sklearn_estimator(estimator) and \
        is_regressor(estimator)
    classification = not regressor and type_of_target(y) in ("binary", "multiclass")
    if classification and len(np.unique(y)) < 2:
        raise ScalingLabError("y holds only one class: a classifier needs at least two")
    metrics = resolve(metric)
    seed_list = parse_seeds(seeds)
    size_list = None if sizes is None else _sizes(sizes)

    # one split per split seed, one nested order of its training split per seed
    draws = {}
    if test is not None:  # the given test set, after the pool: no split
        X, y, n_pool = _with_test_set(X, y, test, n)
        pool, held = np.arange(n_pool), np.arange(n_pool, len(y))
        for seed in seed_list:
            draws[seed] = (None, pool[nested_order(y[pool], seed, classification)], held)
    for seed in seed_list if test is None else ():
        s = seed if split_seed is None else int(split_seed)
        train, test_rows = _split(y, test_size, s, classification, n)
        draws[seed] = (s, train[nested_order(y[train], seed, classification)], test_rows)
    n_train = min(len(order) for _, order, _ in draws.values())
    need = max(first_complete(y, order) for _, order, _ in draws.values()) if classification \
        else 1
    y_pool = y if test is None else y[:n_train]
    if size_list is None:
        size_list = _default_sizes(max(need, min(10, n_train)), n_train)
    _check_sizes(size_list, n_train, need, y_pool, test_size, n)

    tasks, keys = [], []
    for seed, (s, order, test) in draws.items():
        for size in size_list:
            # the whole order (one object per seed, sent to dask once), not a slice per task
            tasks.append({"order": order, "size": size, "test": test, "seed": seed})
            keys.append((size, seed, s, len(test)))
    runs = run_tasks(
        fit_and_score,
        tasks,
        shared={"X": X, "y": y, "estimator": _template(estimator), "metrics": metrics,
                "classification": classification},
        n_jobs=n_jobs, backend=backend, cache=cache, progress=progress,
        desc="learning curves", unit="fit", version=_RUN_VERSION,
    )
    rows = [{"size": size, "seed": seed, "split_seed": s, **row, "n_test": n_test}
            for (size, seed, s, n_test), row in zip(keys, runs.results, strict=True)]
    columns = ["size", "seed", "split_seed", *(m.column for m in metrics), "fit_seconds",
               "n_test"]
    table = (pd.DataFrame(rows, columns=columns)
             .sort_values(["size", "seed"], kind="stable").reset_index(drop=True))
    if test is not None:  # no split: an empty (nullable integer) split_seed
        table = table.astype({"split_seed": "Int64"})
    table.attrs["metrics"] = {m.column: "higher" if m.higher_is_better else "lower"
                              for m in metrics}
    table.attrs["cached_runs"] = runs.n_cached
    return table


def fit_and_score(X, y, estimator, metrics: Sequence[Metric], classification: bool,
                  order: np.ndarray, size: int, test: np.ndarray, seed: int) -> dict:
    """One run (uncached; `learning_curves` caches it): fit a fresh copy of ``estimator`` on
    the rows ``order[:size]``, score it on the rows ``test``; the metrics and
    ``fit_seconds``."""
    model = _fresh(estimator, seed)
    train = order[:size]
    y_train = y[train]
    _, seconds = timed(model.fit, _safe_indexing(X, train), y_train)
    view = scorable(model, np.unique(y_train) if classification else None)
    X_test, y_test = _safe_indexing(X, test), y[test]
    row = {m.column: m.score(view, X_test, y_test) for m in metrics}
    row["fit_seconds"] = seconds
    return row


def can_clone(estimator) -> bool:
    """Whether `sklearn.base.clone` copies ``estimator`` (else runs deep-copy it)."""
    return hasattr(estimator, "get_params") and hasattr(estimator, "set_params")


def _template(estimator):
    """What every run copies: a clone (parameters only, so a fitted estimator passed in keys
    the cache like an unfitted one), or the object itself for duck-typed models."""
    return clone(estimator) if can_clone(estimator) else estimator


def _fresh(estimator, seed: int):
    if not can_clone(estimator):
        return copy.deepcopy(estimator)
    model = clone(estimator)
    unset = {k: seed for k, v in model.get_params().items()
             if (k == "random_state" or k.endswith("__random_state")) and v is None}
    return model.set_params(**unset) if unset else model


def _check_estimator(estimator) -> None:
    if isinstance(estimator, type):
        raise ScalingLabError(
            f"estimator must be an instance, not the class {estimator.__name__}: pass "
            f"{estimator.__name__}()"
        )
    missing = [m for m in ("fit", "predict") if not callable(getattr(estimator, m, None))]
    if missing:
        raise ScalingLabError(
            f"estimator must have fit and predict methods (a scikit-learn estimator or "
            f"similar); {type(estimator).__name__} has no {' or '.join(missing)}"
        )


def _check_data(X, y: np.ndarray) -> int:
    shape = getattr(X, "shape", None)
    try:
        n = int(shape[0]) if shape is not None and len(shape) >= 1 else len(X)
    except TypeError:
        raise ScalingLabError(f"X must be an array or table of examples, not "
                              f"{type(X).__name__}") from None
    if y.ndim != 1 or n != len(y):
        raise ScalingLabError(
            f"X must have one row per label in y: X has {n} rows, y has shape {y.shape}"
        )
    return n


def _sizes(sizes) -> list[int]:
    if isinstance(sizes, str) or not np.iterable(sizes):
        raise ScalingLabError(f"sizes must be a list of training-set sizes, not {sizes!r}")
    try:
        raw = np.asarray(sizes, dtype=float)
    except (TypeError, ValueError):
        raise ScalingLabError(f"sizes must be numbers of training examples, not {sizes!r}") \
            from None
    if raw.size == 0:
        raise ScalingLabError("sizes is empty: give the training-set sizes, e.g. [50, 100, 200]")
    rounded = np.rint(raw).astype(int)
    bad = raw[~np.isfinite(raw) | (rounded < 1)]
    if bad.size:
        raise ScalingLabError(
            f"sizes must be positive numbers of training examples (not fractions); got "
            f"{bad[0]!r}"
        )
    for value in np.unique(rounded):
        same = raw[rounded == value]
        if len(same) > 1:
            raise ScalingLabError(
                f"sizes {same[0]:g} and {same[1]:g} both round to {value} examples: drop one"
            )
    return sorted(rounded.tolist())


def _with_test_set(X, y: np.ndarray, test, n: int) -> tuple[object, np.ndarray, int]:
    """``X`` and ``y`` with the given test set appended: (X_all, y_all, rows in the pool)."""
    if not isinstance(test, tuple | list) or len(test) != 2:
        raise ScalingLabError(
            f"test must be a pair test=(X_test, y_test), not {type(test).__name__}"
        )
    X_test, y_test = test[0], np.asarray(test[1])
    try:
        m = _check_data(X_test, y_test)
    except ScalingLabError:
        m = 0
    if m < 1:
        raise ScalingLabError(
            f"test=(X_test, y_test) needs one label per row of X_test: X_test has "
            f"{len(X_test) if hasattr(X_test, '__len__') else '?'} rows, y_test has shape "
            f"{y_test.shape}"
        )
    width = getattr(X, "shape", (n, None))[1:] if hasattr(X, "shape") else None
    width_test = getattr(X_test, "shape", (m, None))[1:] if hasattr(X_test, "shape") else None
    if width != width_test:
        raise ScalingLabError(
            f"X_test must have the columns of X: X has {width[0] if width else '?'} columns, "
            f"X_test {width_test[0] if width_test else '?'}"
        )
    if isinstance(X, pd.DataFrame):
        X_all = pd.concat([X, pd.DataFrame(X_test, columns=X.columns)], ignore_index=True)
    elif hasattr(X, "tocsr"):
        import scipy.sparse

        X_all = scipy.sparse.vstack([X, X_test], format="csr")
    else:
        X_all = np.concatenate([np.asarray(X), np.asarray(X_test)])
    return X_all, np.concatenate([y, y_test]), n


def _split(y, test_size, seed, classification, n):
    try:
        return split(y, test_size, seed, stratify=classification)
    except ValueError as e:
        raise ScalingLabError(
            f"cannot split {n} examples with test_size={test_size!r}: {e}. Use a fraction "
            f"between 0 and 1 or a number of test examples that leaves a training split"
        ) from None


def _check_sizes(sizes: list[int], n_train: int, need: int, y: np.ndarray, test_size,
                 n: int) -> None:
    too_big = [s for s in sizes if s > n_train]
    if too_big:
        raise ScalingLabError(
            f"size {too_big[0]} is larger than the training split of {n_train} examples (the "
            f"{n} examples less the test set, test_size={test_size!r}): use sizes up to "
            f"{n_train} or a smaller test_size"
        )
    if sizes[0] < need:
        labels, counts = np.unique(y, return_counts=True)
        raise ScalingLabError(
            f"size {sizes[0]} is too small to hold every class: stratified subsets hold all "
            f"{len(labels)} classes from {need} examples on (the rarest class, "
            f"{labels[counts.argmin()]!r}, is {counts.min() / len(y):.1%} of the data); drop "
            f"the sizes below {need}"
        )


def _default_sizes(lo: int, n_train: int) -> list[int]:
    return sorted(set(np.rint(np.geomspace(lo, n_train, DEFAULT_N_SIZES)).astype(int).tolist()))
