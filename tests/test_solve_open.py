"""`solve` answers every target inside the metric's range: where the law (or part of the
bootstrap) never reaches it, the interval is open-ended and a note says why (issue 12,
finding 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

import scalinglab as sl

SIG = sl.get_law("sigmoid")
TRUE = {"floor": 0.05, "ceiling": 0.9, "k": 1.5, "x0": 3e10}
TARGET = 0.5
N = np.logspace(8, 10.3, 24)  # the data stop at a pass rate of 0.35, below the target


def crossing() -> float:
    f = lambda L: SIG(np.array([math.exp(L)]), **TRUE)[0] - TARGET  # noqa: E731
    return math.exp(brentq(f, 10, 40))


def pass_rates(rep: int, problems: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(rep)
    return pd.DataFrame({"N": N, "pass_rate": rng.binomial(problems, SIG(N, **TRUE)) / problems})


def test_a_target_beyond_the_fitted_ceiling_is_open_ended():
    D = np.logspace(3, 6, 30)
    err = sl.get_law("power_offset")(D, a=5.0, b=0.3, c=0.05)
    df = pd.DataFrame({"D": D, "accuracy": 100 * (1 - err)})
    res = sl.fit(df, x="D", y="accuracy", law="power_offset", ci="bootstrap", n_boot=200)
    sol = res.solve(97.0)  # the fitted error floor 0.05 caps accuracy at 95
    assert sol.x == math.inf and sol.hi == math.inf
    assert "never reaches 97" in str(sol) and "95" in str(sol)


def test_a_target_outside_the_metrics_range_is_an_error():
    D = np.logspace(3, 6, 30)
    err = sl.get_law("power_offset")(D, a=5.0, b=0.3, c=0.05)
    res = sl.fit(pd.DataFrame({"D": D, "accuracy": 1 - err}), x="D", y="accuracy", ci=None)
    with pytest.raises(sl.ScalingLabError, match=r"outside .*\[0, 1\]"):
        res.solve(1.5)


def test_solve_never_raises_on_pass_rates_that_stop_below_the_target():
    for rep in range(12):
        res = sl.fit(pass_rates(rep), x="N", y="pass_rate", law="sigmoid", space="linear",
                     n_boot=200, seed=rep)
        sol = res.solve(TARGET)
        assert sol.lo <= sol.x <= sol.hi
        if math.isinf(sol.hi):
            assert "never reach" in sol.note


@pytest.mark.slow
def test_solve_interval_coverage_on_a_sigmoid():
    """24 model sizes whose pass rates stop at 0.35; the target 0.5 lies beyond the data, so
    most intervals are open-ended (hi = inf). Finding 5: on main, solve raised in about a
    quarter of repeats. Measured (200 repeats): 95% here; with 12 sizes 98.7% (the
    4-parameter bootstrap on 12 points is conservative, and an open-ended interval can only
    miss below); with 24 sizes reaching past the target (up to 3e11), 92%."""
    truth = crossing()
    hits = []
    for rep in range(200):
        res = sl.fit(pass_rates(rep), x="N", y="pass_rate", law="sigmoid", space="linear",
                     n_boot=300, seed=rep)
        sol = res.solve(TARGET)
        hits.append(sol.lo <= truth <= sol.hi)
    cov = float(np.mean(hits))
    assert 0.93 <= cov <= 0.97, cov


def test_solve_in_a_column_named_like_compute_and_without_data():
    df = sl.datasets.load("chinchilla")
    front = sl.fit(df, x="C", y="loss", ci="delta")  # one variable that happens to be "C"
    assert front.solve(2.2).variable == "C"
    law = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci="delta")
    back = sl.load_fit(law.to_json())  # saved without its data: the compute range is kept
    assert len(back.data) == 0
    assert str(back.solve(2.5)) == str(law.solve(2.5))
    assert str(back.solve(2.5, at={"N": 1e10})) == str(law.solve(2.5, at={"N": 1e10}))
