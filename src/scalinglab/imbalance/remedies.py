"""Remedies for class imbalance: small named objects, combinable with ``+``.

Each remedy changes one of three things:

* the **training data** (a *sampler*): ``oversample`` and ``undersample`` (random, to full
  balance) and ``smote`` (Chawla et al. 2002), all from imbalanced-learn;
* the **fit**: ``class_weight`` weighs every example by the inverse frequency of its class;
  ``two_phase`` trains on a balanced resample first, then fine-tunes on the original data;
* the **scores**: ``threshold`` divides predicted probabilities by the class priors of the
  original training set and renormalises each row (Buda et al. 2018's thresholding).

Names combine with ``+``, e.g. ``"oversample+threshold"`` or ``"undersample+two_phase"`` (in
which case the balanced resample of phase one is the undersample). At most one sampler.

Example
-------
>>> from scalinglab.imbalance import get_remedy
>>> r = get_remedy("oversample+threshold")
>>> r.name, r.sampler, r.threshold
('oversample+threshold', 'oversample', True)
>>> print(get_remedy("smote").description)
SMOTE (Chawla et al. 2002): synthesise minority examples by interpolating between neighbours
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import has_fit_parameter

from scalinglab.errors import ScalingLabError

SAMPLERS: dict[str, str] = {
    "oversample": "random oversampling: repeat minority examples until every class is as large "
    "as the largest",
    "undersample": "random undersampling: drop majority examples until every class is as small "
    "as the smallest",
    "smote": "SMOTE (Chawla et al. 2002): synthesise minority examples by interpolating between "
    "neighbours",
}
MODIFIERS: dict[str, str] = {
    "class_weight": "weigh each training example by the inverse frequency of its class",
    "threshold": "divide predicted probabilities by the training class priors, then renormalise",
    "two_phase": "train on a balanced resample, then fine-tune on the original data",
}
BASIC: dict[str, str] = {"none": "train on the imbalanced data as it is", **SAMPLERS, **MODIFIERS}

#: The remedies of the default study, in display order.
DEFAULT_REMEDIES: tuple[str, ...] = (
    "none",
    "oversample",
    "undersample",
    "smote",
    "class_weight",
    "threshold",
    "two_phase",
)

#: Epochs of fine-tuning on the original data in phase two (partial_fit passes, or solver
#: iterations for warm-started estimators).
FINE_TUNE_EPOCHS = 5


def names() -> list[str]:
    """The basic remedy names (combine them with ``+``).

    >>> names()[:3]
    ['none', 'oversample', 'undersample']
    """
    return list(BASIC)


@dataclass(frozen=True)
class Remedy:
    """One remedy (or combination): what it resamples, how it fits, whether it thresholds."""

    name: str
    sampler: str | None = None
    class_weight: bool = False
    threshold: bool = False
    two_phase: bool = False

    @property
    def description(self) -> str:
        parts = []
        if self.two_phase:
            first = self.sampler or "oversample"
            parts.append(
                f"train on a balanced resample ({first}), then fine-tune on the original data"
            )
        elif self.sampler:
            parts.append(SAMPLERS[self.sampler])
        if self.class_weight:
            parts.append(MODIFIERS["class_weight"])
        if self.threshold:
            parts.append(MODIFIERS["threshold"])
        return "; then ".join(parts) if parts else BASIC["none"]

    # -- the three stages ---------------------------------------------------------------------

    def resample(self, X: np.ndarray, y: np.ndarray, seed: int = 0, sampler: str | None = None):
        """Balance ``(X, y)`` with this remedy's sampler (or ``sampler``); unchanged if none.

        >>> import numpy as np
        >>> X = np.arange(12.0).reshape(6, 2); y = np.array([0, 0, 0, 0, 1, 1])
        >>> np.bincount(get_remedy("oversample").resample(X, y)[1]).tolist()
        [4, 4]
        >>> np.bincount(get_remedy("undersample").resample(X, y)[1]).tolist()
        [2, 2]
        """
        kind = sampler or self.sampler
        if kind is None:
            return X, y
        return _balance(kind, X, y, seed)

    def adjust(self, proba: np.ndarray, priors: np.ndarray) -> np.ndarray:
        """Apply thresholding to a probability matrix (rows: examples, columns: classes).

        Each column is divided by its class prior and each row renormalised to sum to one;
        without ``threshold`` the matrix is returned unchanged.

        >>> import numpy as np
        >>> p = np.array([[0.8, 0.2], [0.5, 0.5]])
        >>> get_remedy("threshold").adjust(p, np.array([0.8, 0.2])).round(3).tolist()
        [[0.5, 0.5], [0.2, 0.8]]
        """
        if not self.threshold:
            return proba
        priors = np.asarray(priors, dtype=float)
        if np.any(priors <= 0):
            raise ScalingLabError("thresholding needs every class prior to be positive")
        scores = np.asarray(proba, dtype=float) / priors
        return scores / scores.sum(axis=1, keepdims=True)

    def fit(self, model, X: np.ndarray, y: np.ndarray, seed: int = 0):
        """Fit a fresh clone of ``model`` on ``(X, y)`` with this remedy; return the clone."""
        est = clone(model)
        if "random_state" in est.get_params():
            est.set_params(random_state=seed)
        if self.two_phase:
            return self._fit_two_phase(est, X, y, seed)
        Xr, yr = self.resample(X, y, seed)
        return _fit(est, Xr, yr, self.class_weight)

    def _fit_two_phase(self, est, X, y, seed):
        params = est.get_params()
        has_partial = hasattr(est, "partial_fit")
        if not has_partial and "warm_start" not in params:
            raise ScalingLabError(
                f"remedy {self.name!r} fine-tunes a trained model, so it needs a classifier with "
                f"partial_fit or a warm_start parameter (e.g. SGDClassifier, LogisticRegression, "
                f"MLPClassifier); {type(est).__name__} has neither. Drop 'two_phase' from the "
                f"remedies or pass such a model"
            )
        Xb, yb = self.resample(X, y, seed, sampler=self.sampler or "oversample")
        est = _fit(est, Xb, yb, self.class_weight)
        weights = compute_sample_weight("balanced", y) if self.class_weight else None
        if has_partial:
            for _ in range(FINE_TUNE_EPOCHS):
                kw = {"sample_weight": weights} if weights is not None else {}
                est.partial_fit(X, y, **kw)
            return est
        iters = {"max_iter": FINE_TUNE_EPOCHS} if "max_iter" in params else {}
        est.set_params(warm_start=True, **iters)
        return _fit(est, X, y, self.class_weight)

    def predict_proba(self, est, X: np.ndarray, priors: np.ndarray) -> np.ndarray:
        """Class probabilities of a fitted estimator, thresholded if this remedy says so."""
        if not hasattr(est, "predict_proba"):
            raise ScalingLabError(
                f"{type(est).__name__} has no predict_proba; the study needs class probabilities "
                f"(for ROC AUC and thresholding): use e.g. SGDClassifier(loss='log_loss') or "
                f"LogisticRegression"
            )
        return self.adjust(est.predict_proba(X), priors)


def _fit(est, X, y, class_weight: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if not class_weight:
            return est.fit(X, y)
        if not has_fit_parameter(est, "sample_weight"):
            raise ScalingLabError(
                f"remedy 'class_weight' needs a classifier whose fit accepts sample_weight; "
                f"{type(est).__name__} does not. Drop 'class_weight' or pass such a model"
            )
        return est.fit(X, y, sample_weight=compute_sample_weight("balanced", y))


def _balance(kind: str, X: np.ndarray, y: np.ndarray, seed: int):
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    if kind == "oversample":
        sampler = RandomOverSampler(random_state=seed)
    elif kind == "undersample":
        sampler = RandomUnderSampler(random_state=seed)
    elif kind == "smote":
        smallest = int(np.bincount(np.unique(y, return_inverse=True)[1]).min())
        if smallest < 2:
            # SMOTE interpolates between two examples of a class: with one there is nothing to
            # interpolate, so that class is oversampled by repetition.
            sampler = RandomOverSampler(random_state=seed)
        else:
            sampler = SMOTE(k_neighbors=min(5, smallest - 1), random_state=seed)
    else:  # pragma: no cover - guarded by get_remedy
        raise ScalingLabError(f"unknown sampler {kind!r}")
    return sampler.fit_resample(X, y)


def get_remedy(name: str | Remedy) -> Remedy:
    """The remedy called ``name`` (basic names joined with ``+``); a `Remedy` passes through.

    >>> get_remedy("undersample+two_phase").description
    'train on a balanced resample (undersample), then fine-tune on the original data'
    >>> get_remedy("oversample+smote")
    Traceback (most recent call last):
    ...
    scalinglab.errors.ScalingLabError: remedy 'oversample+smote' combines two samplers \
('oversample', 'smote'); use at most one of oversample, undersample, smote
    """
    if isinstance(name, Remedy):
        return name
    if not isinstance(name, str) or not name.strip():
        raise ScalingLabError(f"a remedy is named by a string such as 'oversample', not {name!r}")
    parts = [p.strip() for p in name.split("+")]
    unknown = [p for p in parts if p not in BASIC]
    if unknown:
        raise ScalingLabError(
            f"unknown remedy {unknown[0]!r} in {name!r}; known remedies: {', '.join(BASIC)} "
            f"(combine them with '+')"
        )
    if len(set(parts)) != len(parts):
        raise ScalingLabError(f"remedy {name!r} names the same part twice")
    if "none" in parts and len(parts) > 1:
        raise ScalingLabError(f"remedy {name!r} combines 'none' with other remedies; drop 'none'")
    samplers = [p for p in parts if p in SAMPLERS]
    if len(samplers) > 1:
        raise ScalingLabError(
            f"remedy {name!r} combines two samplers {tuple(samplers)}; use at most one of "
            f"{', '.join(SAMPLERS)}"
        )
    return Remedy(
        name="+".join(parts),
        sampler=samplers[0] if samplers else None,
        class_weight="class_weight" in parts,
        threshold="threshold" in parts,
        two_phase="two_phase" in parts,
    )
