"""The analysis behind RemedyComparer: summaries, winners, trends, learning curves, trade-off."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scalinglab as sl
from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import (
    largest_size,
    learning_curves,
    ratio_trends,
    summarize,
    tradeoff,
    winners,
)


def _table():
    """A hand-made study: 'good' loses little accuracy with ρ, 'bad' a lot; 3 seeds, 2 sizes."""
    rows = []
    for rem, slope in (("good", 0.01), ("bad", 0.05)):
        for ratio in (1, 2, 5, 10, 20, 50):
            for size, bonus in ((100, -0.02), (400, 0.0)):
                for seed, noise in enumerate((-0.004, 0.0, 0.004)):
                    acc = 0.97 - slope * np.log(ratio) + bonus + noise
                    rows.append({"remedy": rem, "ratio": ratio, "train_size": size * (1 + 1 / ratio),
                                 "seed": seed, "accuracy": acc,
                                 "minority_recall": acc - 0.1 * np.log(ratio) / 4,
                                 "majority_accuracy": acc + 0.02})
    return pd.DataFrame(rows)


def test_summarize_mean_sd_and_t_interval():
    s = summarize(_table(), "accuracy", by=("remedy", "ratio", "train_size"))
    row = s[(s.remedy == "good") & (s.ratio == 10) & (s.train_size > 300)].iloc[0]
    expected = 0.97 - 0.01 * np.log(10)
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(expected)
    assert row["sd"] == pytest.approx(0.004)
    half = stats.t.ppf(0.975, 2) * 0.004 / np.sqrt(3)
    assert (row["lo"], row["hi"]) == pytest.approx((expected - half, expected + half))


def test_largest_size_picks_the_biggest_training_set_per_ratio():
    big = largest_size(_table())
    assert len(big) == 2 * 6 * 3
    assert (big.train_size == 400 * (1 + 1 / big.ratio)).all()


def test_winners_margin_spread_and_clear():
    w = winners(_table(), "accuracy")
    assert w.ratio.tolist() == [1, 2, 5, 10, 20, 50]
    at50 = w.set_index("ratio").loc[50]
    assert at50["best"] == "good" and at50["runner_up"] == "bad"
    assert at50["margin"] == pytest.approx(0.04 * np.log(50))
    assert at50["spread"] == pytest.approx(0.004)
    assert bool(at50["clear"])
    at1 = w.set_index("ratio").loc[1]
    assert at1["margin"] == pytest.approx(0) and not at1["clear"]  # a tie is never clear


def test_winners_with_one_seed_are_never_clear():
    t = _table()
    w = winners(t[t.seed == 0], "accuracy")
    assert not w["clear"].any() and (w["n_seeds"] == 1).all()


def test_ratio_trends_recover_a_log_linear_truth():
    res, errors = ratio_trends(_table(), "accuracy", law="log_linear")
    assert not errors
    assert res["good"].params["b"] == pytest.approx(-0.01, abs=1e-9)
    assert res["bad"].params["b"] == pytest.approx(-0.05, abs=1e-9)
    assert res["bad"].params["a"] == pytest.approx(0.97, abs=1e-9)


def test_ratio_trends_error_power_is_increasing_error():
    res, _ = ratio_trends(_table(), "accuracy", remedies=["bad"])
    assert set(res) == {"bad"}
    p = res["bad"].predict(np.array([1.0, 10.0, 50.0]))
    assert p[0] > p[1] > p[2]
    assert res["bad"].params["b"] > 0


def test_learning_curves_at_a_ratio_need_three_sizes():
    _, errors = learning_curves(_table(), "accuracy", ratio=10)
    assert set(errors) == {"good", "bad"}
    assert "at least 3 distinct train_size" in errors["good"]


def test_learning_curves_fit_higher_is_better():
    t = sl.imbalance.run_study(remedies=["none"], ratios=[10], sizes=[20, 40, 80, 120], seeds=2,
                               n_jobs=1, cache=None, progress=False)
    res, errors = learning_curves(t, "accuracy")
    assert not errors and res["none"].flip
    grid = np.array([100.0, 1000.0, 10000.0])
    pred = res["none"].predict(grid)
    assert np.all(np.diff(pred) > 0) and np.all(pred <= 1)


def test_tradeoff_prefers_the_curve_on_a_moon():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.3, 1.0, 80)
    t = pd.DataFrame({"remedy": "r", "ratio": 1 + np.arange(80), "seed": 0,
                      "majority_accuracy": x,
                      "minority_recall": np.clip(1 - 4 * (x - 0.75) ** 2
                                                 + rng.normal(0, 0.01, 80), 0, 1)})
    cmp = tradeoff(t)
    assert cmp.best == "curve"
    t["minority_recall"] = np.clip(0.2 + 0.7 * x + rng.normal(0, 0.01, 80), 0, 1)
    assert tradeoff(t).best == "line"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: summarize(t, "f1"), "metric must be one of"),
        (lambda t: ratio_trends(t, "accuracy", remedies=["nope"]), "remedy 'nope' is not in"),
        (lambda t: learning_curves(t, "accuracy", ratio=3), "no runs at ratio 3"),
        (lambda t: tradeoff(t.iloc[:4]), "at least 5 runs"),
        (lambda t: summarize(t, "roc_auc"), "no values in column 'roc_auc'"),
    ],
)
def test_errors_name_the_problem(call, match):
    with pytest.raises(ScalingLabError, match=match):
        call(_table())


def _paired_table():
    """Oversampling beats no remedy by 0.01 on every seed's split, but the splits differ by
    ±0.03 (a seed's luck, shared by the remedies run on it)."""
    rows = []
    luck = (-0.03, 0.0, 0.03, 0.015, -0.015)
    for seed, split in enumerate(luck):
        for rem, gain in (("none", 0.0), ("oversample", 0.01 + 0.001 * (seed % 2))):
            rows.append({"remedy": rem, "ratio": 20, "train_size": 500, "seed": seed,
                         "accuracy": 0.8 + split + gain})
    return pd.DataFrame(rows)


def test_winners_compare_remedies_on_paired_differences():
    w = winners(_paired_table(), "accuracy").iloc[0]
    assert w["best"] == "oversample" and w["runner_up"] == "none"
    assert w["spread"] > w["margin"]  # unpaired, the seeds' luck hides the win
    d = np.array([0.010, 0.011, 0.010, 0.011, 0.010])
    half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / np.sqrt(5)
    assert (w["diff_lo"], w["diff_hi"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert bool(w["clear"]) and w["n_pairs"] == 5


def test_winners_pair_only_matching_seeds():
    t = _paired_table()
    t = t[~((t.remedy == "none") & (t.seed == 4))]  # one seed without its partner
    w = winners(t, "accuracy").iloc[0]
    assert w["n_pairs"] == 4 and bool(w["clear"])
