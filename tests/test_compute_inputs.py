"""`sl.compute_optimal` on bad and awkward tables: every bad input raises a ScalingLabError
naming the fix; duplicates, learning-rate sweeps, embeddings and missing checkpoints are
handled and the notes say how."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from compute_sweeps import CHINCHILLA, isoflop_sweep, n_opt

import scalinglab as sl


@pytest.fixture(scope="module")
def sweep() -> pd.DataFrame:
    return isoflop_sweep(CHINCHILLA, seed=11)


def budget_labels(df: pd.DataFrame) -> pd.Series:
    return (6 * df["N"] * df["D"]).map(lambda c: f"{c:.2e}")


@pytest.mark.parametrize("col", ["N", "D"])
@pytest.mark.parametrize("bad", [0.0, -5.0])
def test_non_positive_N_or_D(sweep, col, bad):
    df = sweep.copy()
    df.loc[4, col] = bad
    with pytest.raises(sl.ScalingLabError, match=rf"column '{col}'.*must be positive.*rows 4"):
        sl.compute_optimal(df, ci=None)


def test_missing_N_is_named(sweep):
    df = sweep.copy()
    df.loc[2, "N"] = np.nan
    with pytest.raises(sl.ScalingLabError, match=r"column 'N'.*missing.*rows 2"):
        sl.compute_optimal(df, ci=None)


def test_missing_column_is_named(sweep):
    with pytest.raises(sl.ScalingLabError, match="no column 'params'"):
        sl.compute_optimal(sweep, N="params", ci=None)


def test_budget_with_fewer_than_three_runs(sweep):
    df = sweep.assign(budget=budget_labels(sweep))
    last = df["budget"].iloc[-1]
    df = df[(df["budget"] != last) | (df.index >= df.index[-2])]  # 2 runs left there
    with pytest.raises(sl.ScalingLabError, match=rf"{re.escape(last)} \(2 runs\).*fewer than 3"):
        sl.compute_optimal(df, budgets="budget", ci=None)


def test_only_one_budget(sweep):
    C = 6 * sweep["N"] * sweep["D"]
    one = sweep[np.isclose(C, C.min())]
    with pytest.raises(sl.ScalingLabError, match="only one budget"):
        sl.compute_optimal(one, ci=None, min_runs=3)


def test_no_runs_bracketing_a_minimum(sweep):
    C = 6 * sweep["N"] * sweep["D"]
    below = sweep[sweep["N"] < 0.7 * n_opt(CHINCHILLA, C)]  # every budget's sizes too small
    with pytest.raises(sl.ScalingLabError, match=r"no runs bracket a minimum.*include_unbracketed"):
        sl.compute_optimal(below, ci=None, min_runs=3)


def test_no_budget_found_by_clustering():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"N": 10 ** rng.uniform(7, 10, 12), "D": 10 ** rng.uniform(9, 12, 12)})
    df["loss"] = 2.0 + df["N"] ** -0.1
    with pytest.raises(sl.ScalingLabError, match=r"no budget found.*budgets="):
        sl.compute_optimal(df, ci=None)


def test_nominal_budget_without_runs(sweep):
    with pytest.raises(sl.ScalingLabError, match="budget 1e\\+25 has no runs"):
        sl.compute_optimal(sweep, budgets=[6e18, 1e25], ci=None)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"approach": "isofloop"}, "approach must be one of"),
    ({"level": 1.5}, "level must lie in"),
    ({"n_boot": 10}, "n_boot=10 is too few"),
    ({"ci": "delta"}, "ci must be 'bootstrap' or None"),
    ({"profile": "cubic", "ci": None}, "profile must be one of"),
    ({"budget_tol": 0.0, "ci": None}, "budget_tol must be a positive"),
    ({"min_runs": 2, "ci": None}, "min_runs must be at least 3"),
    ({"C": "C", "flops": "C", "ci": None}, "either C= .* or flops="),
])
def test_bad_settings(sweep, kwargs, match):
    df = sweep.assign(C=6 * sweep["N"] * sweep["D"])
    with pytest.raises(sl.ScalingLabError, match=match):
        sl.compute_optimal(df, **kwargs)


def test_flops_must_be_proportional_to_D(sweep):
    with pytest.raises(sl.ScalingLabError, match="proportional to D"):
        sl.compute_optimal(sweep, ci=None, flops=lambda N, D: 6 * N * D + 1e15)


def test_bad_budgets_in_allocate(sweep):
    plan = sl.compute_optimal(sweep, ci=None)
    for bad in ([0.0], [-1e20], [np.nan], []):
        with pytest.raises(sl.ScalingLabError, match="positive, finite"):
            plan.allocate(bad)
    with pytest.raises(sl.ScalingLabError, match="level"):
        plan.allocate([1e24], level=0)


def test_duplicates_are_averaged_and_noted(sweep):
    doubled = pd.concat([sweep, sweep.assign(loss=sweep["loss"] * 1.01)], ignore_index=True)
    plan = sl.compute_optimal(doubled, ci=None)
    assert any("averaged" in n and f"into {len(sweep)} run" in n for n in plan.notes)
    assert len(plan.runs) == len(sweep)
    merged = plan.runs.sort_values(["N", "D"])["loss"].to_numpy()
    expect = (sweep.sort_values(["N", "D"])["loss"] * 1.005).to_numpy()
    assert np.allclose(merged, expect)


def test_tune_keeps_the_best_learning_rate(sweep):
    worse = sweep.assign(peak_lr=1e-3, loss=sweep["loss"] * 1.05)
    best = sweep.assign(peak_lr=3e-4)
    plan = sl.compute_optimal(pd.concat([worse, best]), ci=None, tune="peak_lr")
    ref = sl.compute_optimal(sweep, ci=None)
    pd.testing.assert_frame_equal(plan.allocate([1e24]), ref.allocate([1e24]))
    assert any("'peak_lr'" in n and "lowest loss" in n for n in plan.notes)
    with pytest.raises(sl.ScalingLabError, match="no column 'lr'"):
        sl.compute_optimal(sweep, ci=None, tune="lr")


def test_missing_checkpoints_are_dropped_with_a_note(sweep):
    df = sweep.copy()
    df.loc[[3, 17], "loss"] = np.nan
    plan = sl.compute_optimal(df, ci=None)
    assert any("without a loss" in n and "3, 17" in n for n in plan.notes)
    assert len(plan.runs) == len(sweep) - 2


def test_embeddings_are_excluded_from_N(sweep):
    df = sweep.assign(emb=0.1 * sweep["N"])
    plan = sl.compute_optimal(df, ci=None, embeddings="emb")
    assert any("non-embedding" in n for n in plan.notes)
    assert np.allclose(np.sort(plan.runs["N"]), np.sort(0.9 * sweep["N"]))
    with pytest.raises(sl.ScalingLabError, match="N minus embeddings"):
        sl.compute_optimal(sweep.assign(emb=sweep["N"]), ci=None, embeddings="emb")


def test_flops_column_convention(sweep):
    df = sweep.assign(flops=6.5 * sweep["N"] * sweep["D"])
    plan = sl.compute_optimal(df, ci=None, flops="flops")
    t = plan.allocate([1e24]).iloc[0]
    assert 6.5 * t.N * t.D == pytest.approx(1e24, rel=1e-9)
    assert "column 'flops'" in plan.settings["convention"]
