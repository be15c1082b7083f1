"""The metrics of an imbalance study, computed on a balanced test set.

* ``roc_auc``: multi-class ROC AUC, one-vs-rest, macro-averaged over classes (Buda et al.
  2018's main metric); for two classes, the ordinary ROC AUC.
* ``accuracy``: fraction of test examples classified correctly.
* ``balanced_accuracy``: mean recall over classes (equal to accuracy on a balanced test set
  up to the per-class weighting when class test sizes differ).
* ``minority_recall``: fraction of test examples of the *minority* classes classified
  correctly; ``majority_accuracy``: the same over the *majority* classes.

Minority and majority classes: under step imbalance, the classes drawn to be small (there are
``round(μ·C)`` of them) versus the rest; under linear imbalance, the ``round(μ·C)`` classes
with the fewest training examples versus the rest (see `scalinglab.imbalance.datasets`).

Example
-------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1]); proba = np.array([[.9, .1], [.4, .6], [.3, .7], [.2, .8]])
>>> m = evaluate(y, proba, classes=[0, 1], minority=[0])
>>> m["accuracy"], m["minority_recall"], m["majority_accuracy"], m["roc_auc"]
(0.75, 0.5, 1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

#: Metric columns of a study table, in order.
METRICS: tuple[str, ...] = (
    "roc_auc",
    "accuracy",
    "balanced_accuracy",
    "minority_recall",
    "majority_accuracy",
)


def evaluate(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: Sequence,
    minority: Sequence,
) -> dict[str, float]:
    """All `METRICS` for true labels and a probability matrix whose columns follow ``classes``."""
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    pred = classes[np.argmax(proba, axis=1)]
    correct = pred == y_true
    is_min = np.isin(y_true, np.asarray(minority))
    if len(classes) == 2:
        auc = roc_auc_score(y_true == classes[1], proba[:, 1])
    else:
        auc = roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=classes)
    return {
        "roc_auc": float(auc),
        "accuracy": float(correct.mean()),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, pred)),
        "minority_recall": float(correct[is_min].mean()) if is_min.any() else float("nan"),
        "majority_accuracy": float(correct[~is_min].mean()) if (~is_min).any() else float("nan"),
    }
