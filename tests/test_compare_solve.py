"""compare ranks laws by extrapolation; solve finds where a law reaches a target."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import synthetic

import scalinglab as sl


def test_compare_picks_the_true_law_and_marks_it(loss_table):
    cmp = sl.compare(loss_table, x="D", y="loss", laws=["power", "power_offset", "log_linear"],
                     holdout=8, ci=None)
    assert cmp.best == "power_offset"
    assert cmp.table.loc[cmp.table.best, "law"].tolist() == ["power_offset"]
    assert list(cmp.table["rank"]) == sorted(cmp.table["rank"])
    assert "power_offset wins on held-out RMSLE on the 8 largest points" in cmp.message
    # held-out fits never saw the 8 largest points
    assert cmp.holdout_results["power"].metrics["n"] == len(loss_table) - 8


def test_compare_says_close_calls():
    x = np.logspace(3, 6, 30)
    df = synthetic("power", {"a": 5.0, "b": 0.3}, x, noise=0.01, seed=4)
    twin = sl.Law.from_expression("a * x**(-b)", params={"a": (0, None), "b": (0, 10)}, name="twin")
    cmp = sl.compare(df, x="x", y="y", laws=["power", twin, "log_linear"], holdout=5, ci=None)
    assert "close call with" in cmp.message  # power and its twin extrapolate identically
    clear = sl.compare(df, x="x", y="y", laws=["power", "log_linear"], holdout=5, ci=None)
    assert "ahead of log_linear" in clear.message


def test_compare_without_holdout_ranks_by_aic(loss_table):
    cmp = sl.compare(loss_table, x="D", y="loss", laws=["power", "power_offset"], holdout=0, ci=None)
    assert cmp.best == "power_offset" and "AIC" in cmp.message


def test_solve_inverts_predict_with_an_interval(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=300)
    sol = res.solve(1.8)
    assert res.predict([sol.x])[0] == pytest.approx(1.8, rel=1e-9)
    assert sol.lo < sol.x < sol.hi
    assert str(sol).startswith("power_offset reaches 1.8 at D = ")


def test_solve_says_when_some_draws_never_reach(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=300)
    floor = res.params["c"]
    sol = res.solve(floor * 1.003)
    assert sol.hi == np.inf and "never reach" in str(sol)


def test_solve_in_compute_for_chinchilla():
    df = sl.datasets.load("chinchilla")
    res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci="delta")
    sol = res.solve(2.5)
    assert sol.variable == "C"
    alloc = res.optimal_allocation([sol.x])
    assert alloc.loss.iloc[0] == pytest.approx(2.5, rel=1e-6)
    held = res.solve(2.5, at={"N": 1e10})
    assert held.variable == "D"
    assert res.predict({"N": [1e10], "D": [held.x]})[0] == pytest.approx(2.5, rel=1e-6)
