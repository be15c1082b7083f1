"""Exact class counts of Buda et al.'s step and linear imbalance, and the balanced test set."""

import numpy as np
import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import class_counts, make_imbalanced, n_minority_classes


@pytest.mark.parametrize(
    ("n_classes", "ratio", "mu", "n_max", "expected"),
    [
        (10, 10, 0.5, 100, [10] * 5 + [100] * 5),
        (10, 10, 0.1, 100, [10] + [100] * 9),
        (10, 10, 0.9, 100, [10] * 9 + [100]),
        (10, 3, 0.2, 100, [33] * 2 + [100] * 8),  # 33.33 rounds to 33
        (4, 8, 0.5, 100, [13, 13, 100, 100]),  # 12.5 rounds half up to 13
        (3, 1, 0.5, 7, [7, 7, 7]),  # ratio 1: balanced
        (3, 500, 0.5, 7, [1, 1, 7]),  # never below one example
    ],
)
def test_step_counts_are_exact(n_classes, ratio, mu, n_max, expected):
    assert class_counts(n_classes, ratio, mu, "step", n_max).tolist() == expected


@pytest.mark.parametrize(
    ("n_classes", "ratio", "n_max", "expected"),
    [
        (5, 4, 100, [25, 44, 63, 81, 100]),
        (2, 10, 100, [10, 100]),
        (10, 1, 50, [50] * 10),
        (3, 100, 100, [1, 51, 100]),
    ],
)
def test_linear_counts_are_exact(n_classes, ratio, n_max, expected):
    counts = class_counts(n_classes, ratio, 0.5, "linear", n_max)
    assert counts.tolist() == expected
    assert counts.max() == n_max


def test_linear_max_over_min_is_ratio():
    counts = class_counts(10, 20, kind="linear", n_max=200)
    assert counts.max() / counts.min() == 20
    assert np.all(np.diff(counts) > 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ratio": 0.5},
        {"ratio": float("inf")},
        {"ratio": "ten"},
        {"minority_fraction": 0.0},
        {"minority_fraction": 1.0},
        {"minority_fraction": 0.01},  # rounds to zero minority classes out of 10
        {"kind": "exponential"},
        {"n_max": 0},
    ],
)
def test_bad_arguments_name_the_parameter(kwargs):
    args = {"n_classes": 10, "ratio": 10, "minority_fraction": 0.5, "kind": "step", "n_max": 100}
    args.update(kwargs)
    with pytest.raises(ScalingLabError) as err:
        class_counts(**args)
    assert next(iter(kwargs)) in str(err.value)


def test_n_minority_classes_rounds_half_up():
    assert n_minority_classes(10, 0.25) == 3  # 2.5 -> 3, not banker's 2
    assert n_minority_classes(4, 0.5) == 2


def _toy(n_classes=4, per_class=40):
    y = np.repeat(np.arange(n_classes), per_class)
    X = np.column_stack([np.arange(len(y)), y]).astype(float)
    return X, y


@pytest.mark.parametrize("kind", ["step", "linear"])
def test_split_counts_test_balance_and_disjointness(kind):
    X, y = _toy()
    s = make_imbalanced(X, y, ratio=5, minority_fraction=0.5, kind=kind, seed=3, n_max=30,
                        test_per_class=8)
    expected = class_counts(4, 5, 0.5, kind, 30)
    assert sorted(s.counts.values()) == sorted(expected.tolist())
    assert {c: int((s.y_train == c).sum()) for c in range(4)} == s.counts
    assert np.bincount(s.y_test).tolist() == [8, 8, 8, 8]  # the test set stays balanced
    assert not set(s.X_train[:, 0]) & set(s.X_test[:, 0])  # disjoint
    assert np.all(s.X_train[:, 1] == s.y_train)  # rows keep their labels
    # the minority classes are the smallest ones
    small = sorted(s.counts, key=s.counts.get)[:2]
    assert sorted(small) == list(s.minority_classes)
    assert set(s.minority_classes) | set(s.majority_classes) == {0, 1, 2, 3}


def test_same_seed_same_split_and_test_set_shared_across_ratios():
    X, y = _toy()
    a = make_imbalanced(X, y, 10, 0.5, "step", seed=1, n_max=30, test_per_class=8)
    b = make_imbalanced(X, y, 10, 0.5, "step", seed=1, n_max=30, test_per_class=8)
    c = make_imbalanced(X, y, 2, 0.5, "step", seed=1, n_max=30, test_per_class=8)
    d = make_imbalanced(X, y, 10, 0.5, "step", seed=2, n_max=30, test_per_class=8)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.X_test, b.X_test)
    assert np.array_equal(a.X_test, c.X_test) and a.minority_classes == c.minority_classes
    assert set(a.X_train[:, 0]) <= set(c.X_train[:, 0])  # training sets nest as ρ grows
    assert not np.array_equal(a.X_test, d.X_test)


def test_default_sizes_use_what_the_test_set_leaves():
    X, y = _toy(per_class=40)
    s = make_imbalanced(X, y, ratio=1, seed=0)  # test: 30% of 40 = 12 per class
    assert np.bincount(s.y_test).tolist() == [12] * 4
    assert s.counts == {0: 28, 1: 28, 2: 28, 3: 28}


def test_too_large_n_max_is_an_error_with_the_limit():
    X, y = _toy(per_class=40)
    with pytest.raises(ScalingLabError, match="between 1 and 32"):
        make_imbalanced(X, y, ratio=2, n_max=33, test_per_class=8)
    with pytest.raises(ScalingLabError, match="test_per_class"):
        make_imbalanced(X, y, ratio=2, test_per_class=40)
    with pytest.raises(ScalingLabError, match="one row per label"):
        make_imbalanced(X[:5], y, ratio=2)
