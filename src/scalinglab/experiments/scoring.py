"""Metrics of a learning curve: scikit-learn scorers, named so that `scalinglab.fit` reads
their direction from the column name.

A metric is any scikit-learn scorer name (`sklearn.metrics.get_scorer_names`), a loss or error
without sklearn's ``neg_`` prefix (``"log_loss"`` for ``"neg_log_loss"``), or ``"error"``
(1 − accuracy). Every value comes out in its natural sign: losses and errors positive, lower is
better; scores and accuracies higher is better.

The table's column for a metric is its name without ``neg_``, then, if `scalinglab.fit`'s
column-name rule (`scalinglab.fitting.data.detect_higher_is_better`) would read the wrong
direction from it, ``_score`` (higher is better: ``r2`` → ``r2_score``) or ``_loss`` (lower is
better: ``brier_score`` → ``brier_score_loss``) is appended, as scikit-learn's own function names
do.

Example
-------
>>> [(m.column, m.higher_is_better) for m in resolve(["accuracy", "error", "neg_log_loss", "r2"])]
[('accuracy', True), ('error', False), ('log_loss', False), ('r2_score', True)]
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.utils.metaestimators import available_if

from scalinglab.errors import ScalingLabError, ScalingLabWarning
from scalinglab.fitting.data import detect_higher_is_better


@dataclass(frozen=True)
class Metric:
    """One metric: ``value = offset + sign · scorer(model, X, y)``, stored in ``column``."""

    name: str
    column: str
    scorer: str
    sign: float = 1.0
    offset: float = 0.0

    @property
    def higher_is_better(self) -> bool:
        return self.sign > 0

    def score(self, model, X, y) -> float:
        """The metric of a fitted ``model`` on ``(X, y)``; a failure names the metric and model."""
        try:
            value = get_scorer(self.scorer)(model, X, y)
        except (AttributeError, ValueError, TypeError) as e:
            name = type(model.model if isinstance(model, _Wrapped) else model).__name__
            raise ScalingLabError(
                f"metric {self.name!r} could not score {name}: {str(e).rstrip('.')}. Choose a "
                f"metric this model supports (probability metrics such as log_loss need predict_proba; "
                f"multi-class data needs an averaged variant such as f1_macro)"
            ) from None
        return float(self.offset + self.sign * value)


def resolve(metric: str | Sequence[str]) -> tuple[Metric, ...]:
    """The `Metric` of each name in ``metric`` (a name or a list of names)."""
    if isinstance(metric, str):
        names = [metric]
    elif isinstance(metric, Sequence):
        names = list(metric)
    else:
        raise ScalingLabError(f"metric must be a name or a list of names, not {metric!r}")
    if not names:
        raise ScalingLabError("metric is empty: name at least one, e.g. 'accuracy'")
    known = set(get_scorer_names())
    out = []
    for name in names:
        if not isinstance(name, str):
            raise ScalingLabError(f"a metric is named by a string such as 'accuracy', not {name!r}")
        if name == "error":
            out.append(Metric(name, "error", "accuracy", sign=-1.0, offset=1.0))
            continue
        scorer = name if name in known else f"neg_{name}" if f"neg_{name}" in known else None
        if scorer is None:
            close = difflib.get_close_matches(name, ["error", *sorted(known)], n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ScalingLabError(
                f"unknown metric {name!r}: use 'error' or a scikit-learn scorer name (see "
                f"sklearn.metrics.get_scorer_names()){hint}"
            )
        lower = scorer.startswith("neg_")
        out.append(Metric(name, _column(scorer.removeprefix("neg_"), not lower), scorer,
                          sign=-1.0 if lower else 1.0))
    columns = [m.column for m in out]
    if len(set(columns)) != len(columns):
        raise ScalingLabError(f"metric names the same metric twice: {names}")
    return tuple(out)


def _column(name: str, higher: bool) -> str:
    column = name
    if detect_higher_is_better(column, None)[0] != higher:
        column += "_score" if higher else "_loss"
    if detect_higher_is_better(column, None)[0] != higher:
        warnings.warn(
            f"column {column!r} is {'higher' if higher else 'lower'}-is-better but its name does "
            f"not say so to scalinglab.fit: pass higher_is_better={higher} when you fit it",
            ScalingLabWarning, stacklevel=3,
        )
    return column


class _Wrapped(BaseEstimator):
    """A duck-typed model seen through scikit-learn's estimator API, for its scorers."""

    def __init__(self, model=None, labels=None):
        self.model = model
        self.labels = labels

    @property
    def classes_(self):
        return getattr(self.model, "classes_", self.labels)

    def predict(self, X):
        return self.model.predict(X)

    @available_if(lambda self: hasattr(self.model, "predict_proba"))
    def predict_proba(self, X):
        return self.model.predict_proba(X)

    @available_if(lambda self: hasattr(self.model, "decision_function"))
    def decision_function(self, X):
        return self.model.decision_function(X)


class _WrappedClassifier(ClassifierMixin, _Wrapped):
    pass


class _WrappedRegressor(RegressorMixin, _Wrapped):
    pass


def scorable(model, classes: np.ndarray | None):
    """``model`` if scikit-learn's scorers accept it; else a thin scikit-learn wrapper around a
    duck-typed model (fit/predict, maybe predict_proba or decision_function). ``classes``: the
    training labels for a classifier (the order of ``predict_proba``'s columns when the model
    has no ``classes_``), None for a regressor.

    >>> class Constant:
    ...     def fit(self, X, y): return self
    ...     def predict(self, X): return np.zeros(len(X))
    >>> type(scorable(Constant(), classes=np.array([0, 1]))).__name__
    '_WrappedClassifier'
    """
    if is_sklearn_estimator(model):
        return model
    if classes is None:
        return _WrappedRegressor(model)
    return _WrappedClassifier(model, classes)


def is_sklearn_estimator(model) -> bool:
    """Whether scikit-learn's scorers and tags accept ``model`` as it is."""
    try:
        from sklearn.utils import get_tags
    except ImportError:  # scikit-learn < 1.6: estimators are recognised by their API
        return hasattr(model, "get_params")
    try:
        get_tags(model)
    except Exception:
        return False
    return True
