"""Imbalanced training sets with Buda et al.'s (2018) two kinds of imbalance.

Buda, Maki & Mazurowski, "A systematic study of the class imbalance problem in convolutional
neural networks" (Neural Networks, 2018) define two parameters:

* **step imbalance**: a fraction μ (``minority_fraction``) of the C classes are *minority*
  classes, all of the same small size; the others are *majority* classes, all of the same
  large size; ρ (``ratio``) is the majority-to-minority size ratio.
* **linear imbalance**: class sizes grow linearly from the smallest to the largest class, and
  ρ is max/min. Buda's linear imbalance has no μ; here μ only says which classes count as
  minority for the metrics: the ``round(μ·C)`` smallest ones.

Exact class counts (`class_counts`): with ``n_max`` examples in the largest class,

* step: majority classes get ``n_max``; minority classes get ``max(1, round(n_max / ρ))``;
  the number of minority classes is ``round(μ·C)``, which must be between 1 and C - 1.
* linear: the class of rank i (0 = smallest, C - 1 = largest) gets
  ``max(1, round(n_max/ρ + (n_max - n_max/ρ) · i / (C - 1)))``.

``round`` rounds halves up (not Python's banker's rounding). Which class gets which size is
drawn from ``seed``; the test set is balanced (``test_per_class`` examples of every class),
disjoint from the training set, and depends only on ``seed``, so studies with the same seed
compare remedies and ratios on the same test examples.

Example
-------
>>> from scalinglab.imbalance import class_counts
>>> class_counts(10, ratio=10, minority_fraction=0.5, n_max=100).tolist()
[10, 10, 10, 10, 10, 100, 100, 100, 100, 100]
>>> class_counts(5, ratio=4, kind="linear", n_max=100).tolist()
[25, 44, 63, 81, 100]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scalinglab.errors import ScalingLabError

Kind = Literal["step", "linear"]
KINDS: tuple[str, ...] = ("step", "linear")


def _round_half_up(v: float) -> int:
    return math.floor(v + 0.5)


def n_minority_classes(n_classes: int, minority_fraction: float) -> int:
    """How many classes are minority classes: ``round(μ·C)``, halves rounded up.

    >>> n_minority_classes(10, 0.5), n_minority_classes(10, 0.1), n_minority_classes(3, 0.5)
    (5, 1, 2)
    """
    if not 0.0 < minority_fraction < 1.0:
        raise ScalingLabError(
            f"minority_fraction must be strictly between 0 and 1 (a fraction of the classes), "
            f"not {minority_fraction!r}"
        )
    k = _round_half_up(minority_fraction * n_classes)
    if not 1 <= k <= n_classes - 1:
        raise ScalingLabError(
            f"minority_fraction={minority_fraction!r} with {n_classes} classes gives {k} "
            f"minority classes; choose a fraction that leaves at least one minority and one "
            f"majority class (between {1 / n_classes:.3g} and {1 - 1 / n_classes:.3g})"
        )
    return k


def _check_ratio(ratio: float) -> float:
    try:
        r = float(ratio)
    except (TypeError, ValueError):
        raise ScalingLabError(f"ratio must be a number >= 1, not {ratio!r}") from None
    if not math.isfinite(r) or r < 1.0:
        raise ScalingLabError(
            f"ratio is the majority-to-minority size ratio ρ and must be a finite number >= 1, "
            f"not {ratio!r}"
        )
    return r


def class_counts(
    n_classes: int,
    ratio: float,
    minority_fraction: float = 0.5,
    kind: Kind = "step",
    n_max: int = 100,
) -> np.ndarray:
    """Training-set size of each class, smallest first (see the module docstring for the rule).

    >>> class_counts(4, ratio=3, minority_fraction=0.25, n_max=10).tolist()
    [3, 10, 10, 10]
    >>> class_counts(3, ratio=1000, minority_fraction=0.5, n_max=10).tolist()
    [1, 1, 10]
    """
    r = _check_ratio(ratio)
    if n_classes < 2:
        raise ScalingLabError(f"need at least 2 classes to make an imbalance, got {n_classes}")
    if int(n_max) != n_max or n_max < 1:
        raise ScalingLabError(f"n_max (size of the largest class) must be a positive integer, "
                              f"not {n_max!r}")
    n_max = int(n_max)
    if kind == "step":
        k = n_minority_classes(n_classes, minority_fraction)
        n_min = max(1, _round_half_up(n_max / r))
        return np.array([n_min] * k + [n_max] * (n_classes - k), dtype=int)
    if kind == "linear":
        lo = n_max / r
        steps = np.arange(n_classes) / (n_classes - 1)
        return np.array(
            [max(1, _round_half_up(lo + (n_max - lo) * s)) for s in steps], dtype=int
        )
    raise ScalingLabError(f"kind must be one of {KINDS}, not {kind!r}")


@dataclass(frozen=True)
class ImbalancedSplit:
    """An imbalanced training set and a balanced test set drawn from one labelled dataset.

    ``counts`` maps each class label to its number of training examples;
    ``minority_classes`` / ``majority_classes`` are the labels the metrics treat as minority /
    majority (see the module docstring).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    counts: dict
    minority_classes: tuple
    majority_classes: tuple
    ratio: float
    minority_fraction: float
    kind: str

    @property
    def train_size(self) -> int:
        return len(self.y_train)


def default_test_per_class(y: np.ndarray) -> int:
    """Balanced test-set size per class used when none is given: 30% of the rarest class.

    >>> default_test_per_class(np.array([0] * 10 + [1] * 20))
    3
    """
    _, counts = np.unique(y, return_counts=True)
    return max(1, int(0.3 * counts.min()))


def make_imbalanced(
    X,
    y,
    ratio: float,
    minority_fraction: float = 0.5,
    kind: Kind = "step",
    seed: int = 0,
    n_max: int | None = None,
    test_per_class: int | None = None,
) -> ImbalancedSplit:
    """Split ``(X, y)`` into an imbalanced training set and a balanced test set.

    ``n_max`` is the size of the largest training class (default: every example of the rarest
    class that the test set leaves over); ``test_per_class`` the number of test examples per
    class (default `default_test_per_class`). Which classes are minority, and which examples
    go where, is drawn from ``seed``.

    >>> import numpy as np
    >>> X = np.arange(200.0).reshape(100, 2); y = np.repeat(np.arange(4), 25)
    >>> s = make_imbalanced(X, y, ratio=4, minority_fraction=0.5, seed=0, n_max=20,
    ...                     test_per_class=5)
    >>> sorted(s.counts.values()), len(s.y_test), len(s.minority_classes)
    ([5, 5, 20, 20], 20, 2)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ScalingLabError(
            f"X must be a 2-D array with one row per label in y; got X of shape {X.shape} and "
            f"{len(y)} labels"
        )
    labels, available = np.unique(y, return_counts=True)
    if test_per_class is None:
        test_per_class = default_test_per_class(y)
    if int(test_per_class) != test_per_class or test_per_class < 1:
        raise ScalingLabError(f"test_per_class must be a positive integer, not {test_per_class!r}")
    test_per_class = int(test_per_class)
    pool = int(available.min()) - test_per_class
    if pool < 1:
        raise ScalingLabError(
            f"class {labels[available.argmin()]!r} has only {available.min()} examples, not "
            f"enough for {test_per_class} test examples per class plus training data; lower "
            f"test_per_class"
        )
    if n_max is None:
        n_max = pool
    if int(n_max) != n_max or not 1 <= n_max <= pool:
        raise ScalingLabError(
            f"n_max={n_max!r} examples in the largest class is not available: after "
            f"{test_per_class} test examples per class the rarest class has {pool} left; "
            f"choose n_max between 1 and {pool}"
        )
    sizes = class_counts(len(labels), ratio, minority_fraction, kind, int(n_max))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))  # order[i] is the class that gets sizes[i]
    test_idx, train_idx, counts = [], [], {}
    for rank, ci in enumerate(order):
        idx = rng.permutation(np.flatnonzero(y == labels[ci]))
        test_idx.append(idx[:test_per_class])
        take = int(sizes[rank])
        train_idx.append(idx[test_per_class : test_per_class + take])
        counts[labels[ci].item()] = take
    k = n_minority_classes(len(labels), minority_fraction)
    minority = tuple(sorted(labels[order[:k]].tolist()))
    majority = tuple(sorted(labels[order[k:]].tolist()))
    tr = np.sort(np.concatenate(train_idx))
    te = np.sort(np.concatenate(test_idx))
    return ImbalancedSplit(
        X_train=X[tr],
        y_train=y[tr],
        X_test=X[te],
        y_test=y[te],
        counts=dict(sorted(counts.items())),
        minority_classes=minority,
        majority_classes=majority,
        ratio=float(ratio),
        minority_fraction=float(minority_fraction),
        kind=kind,
    )
