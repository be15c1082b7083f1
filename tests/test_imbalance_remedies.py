"""Every remedy: class counts after resampling, threshold arithmetic, the fit paths."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import DEFAULT_REMEDIES, get_remedy, names


@pytest.fixture
def imbalanced():
    rng = np.random.default_rng(0)
    y = np.array([0] * 40 + [1] * 10 + [2] * 4)
    X = rng.normal(size=(len(y), 3)) + y[:, None] * 2.0
    return X, y


def test_every_basic_remedy_has_a_one_line_description():
    for name in names():
        d = get_remedy(name).description
        assert d and "\n" not in d and len(d) < 120


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("none", [40, 10, 4]),
        ("oversample", [40, 40, 40]),
        ("undersample", [4, 4, 4]),
        ("smote", [40, 40, 40]),
        ("class_weight", [40, 10, 4]),
        ("threshold", [40, 10, 4]),
        ("oversample+threshold", [40, 40, 40]),
    ],
)
def test_class_counts_after_resampling(imbalanced, name, expected):
    X, y = imbalanced
    Xr, yr = get_remedy(name).resample(X, y, seed=0)
    assert np.bincount(yr).tolist() == expected
    assert len(Xr) == len(yr)


def test_oversample_repeats_originals_and_smote_synthesises(imbalanced):
    X, y = imbalanced
    originals = {tuple(r) for r in X}
    Xo, _ = get_remedy("oversample").resample(X, y, seed=0)
    assert {tuple(r) for r in Xo} <= originals
    Xs, ys = get_remedy("smote").resample(X, y, seed=0)
    new = [r for r, c in zip(Xs, ys, strict=True) if tuple(r) not in originals]
    assert len(new) == (40 - 10) + (40 - 4)
    # SMOTE points lie inside the bounding box of their class
    for r, c in zip(Xs, ys, strict=True):
        lo, hi = X[y == c].min(axis=0), X[y == c].max(axis=0)
        assert np.all(r >= lo - 1e-12) and np.all(r <= hi + 1e-12)


def test_smote_with_a_single_minority_example_falls_back_to_repetition():
    X = np.arange(22.0).reshape(11, 2)
    y = np.array([0] * 10 + [1])
    Xs, ys = get_remedy("smote").resample(X, y, seed=0)
    assert np.bincount(ys).tolist() == [10, 10]
    assert np.all(Xs[ys == 1] == X[10])


def test_resampling_is_reproducible_under_a_seed(imbalanced):
    X, y = imbalanced
    a = get_remedy("undersample").resample(X, y, seed=5)[0]
    b = get_remedy("undersample").resample(X, y, seed=5)[0]
    c = get_remedy("undersample").resample(X, y, seed=6)[0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_threshold_arithmetic_on_a_hand_made_matrix():
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [1 / 3, 1 / 3, 1 / 3]])
    priors = np.array([0.5, 0.3, 0.2])
    out = get_remedy("threshold").adjust(proba, priors)
    # row 0: 0.6/0.5 = 1.2, 0.3/0.3 = 1.0, 0.1/0.2 = 0.5 -> / 2.7
    assert out[0] == pytest.approx([1.2 / 2.7, 1.0 / 2.7, 0.5 / 2.7])
    # row 1: 0.4, 0.6667, 3.0 -> / 4.0667
    s = 0.4 + 0.2 / 0.3 + 3.0
    assert out[1] == pytest.approx([0.4 / s, (0.2 / 0.3) / s, 3.0 / s])
    # a uniform row becomes inversely proportional to the priors
    inv = 1 / priors
    assert out[2] == pytest.approx(inv / inv.sum())
    assert out.sum(axis=1) == pytest.approx([1, 1, 1])
    # row 1 still picks class 2; the uniform row now picks the rarest class
    assert out.argmax(axis=1).tolist() == [0, 2, 2]


def test_no_threshold_leaves_probabilities_alone():
    p = np.array([[0.7, 0.3]])
    assert get_remedy("oversample").adjust(p, np.array([0.9, 0.1])) is p
    with pytest.raises(ScalingLabError, match="positive"):
        get_remedy("threshold").adjust(p, np.array([1.0, 0.0]))


def test_class_weight_changes_the_fit(imbalanced):
    X, y = imbalanced
    model = LogisticRegression(max_iter=500)
    plain = get_remedy("none").fit(model, X, y)
    weighted = get_remedy("class_weight").fit(model, X, y)
    assert not np.allclose(plain.coef_, weighted.coef_)
    # weighting raises the predicted share of the rarest class
    assert weighted.predict_proba(X)[:, 2].mean() > plain.predict_proba(X)[:, 2].mean()


@pytest.mark.parametrize(
    "model",
    [SGDClassifier(loss="log_loss", max_iter=20, tol=None), LogisticRegression(max_iter=200)],
)
def test_two_phase_differs_from_both_phases_alone(imbalanced, model):
    X, y = imbalanced
    two = get_remedy("two_phase").fit(model, X, y, seed=0)
    over = get_remedy("oversample").fit(model, X, y, seed=0)
    none = get_remedy("none").fit(model, X, y, seed=0)
    assert not np.allclose(two.coef_, over.coef_)
    assert not np.allclose(two.coef_, none.coef_)
    assert two.predict_proba(X).shape == (len(y), 3)


def test_two_phase_needs_partial_fit_or_warm_start(imbalanced):
    X, y = imbalanced
    with pytest.raises(ScalingLabError, match="partial_fit or a warm_start") as err:
        get_remedy("two_phase").fit(KNeighborsClassifier(), X, y)
    assert "KNeighborsClassifier" in str(err.value)
    # GaussianNB has partial_fit: fine
    get_remedy("two_phase").fit(GaussianNB(), X, y)


def test_class_weight_needs_sample_weight(imbalanced):
    X, y = imbalanced
    with pytest.raises(ScalingLabError, match="sample_weight"):
        get_remedy("class_weight").fit(KNeighborsClassifier(), X, y)


def test_fit_sets_the_seed_and_does_not_touch_the_model(imbalanced):
    X, y = imbalanced
    model = SGDClassifier(loss="log_loss", max_iter=5, tol=None, random_state=123)
    a = get_remedy("none").fit(model, X, y, seed=1)
    b = get_remedy("none").fit(model, X, y, seed=1)
    assert a.random_state == 1 and model.random_state == 123
    assert not hasattr(model, "coef_")
    assert np.array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("oversampling", "unknown remedy 'oversampling'"),
        ("oversample+smote", "two samplers"),
        ("none+threshold", "'none'"),
        ("threshold+threshold", "twice"),
        ("", "string"),
        (3, "string"),
    ],
)
def test_bad_remedy_names(name, match):
    with pytest.raises(ScalingLabError, match=match):
        get_remedy(name)


def test_combination_names_are_normalised():
    r = get_remedy(" smote + class_weight ")
    assert r.name == "smote+class_weight" and r.sampler == "smote" and r.class_weight
    assert "SMOTE" in r.description and "inverse frequency" in r.description
    assert set(DEFAULT_REMEDIES) <= set(names())
