"""Rates (pass rates, accuracy) and rising series: the fit side of issue 12's findings 5 and 6.

* A rate's levels (the sigmoid's floor and ceiling) stay inside the rate's range [0, 1], or
  [0, ceiling] for a declared ceiling, in the point fit and in every bootstrap resample.
* Zeros in a rate are fitted (in linear space, and the notes say so) instead of refused.
* `power` fits a rising series (N_opt ∝ C^a, a learning-rate law) with no bound warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl

# Emergence: pass rates that are still rising steeply where the data stop, so the ceiling is
# barely determined (the fit alone would put it far above 1).
SIGMOID_TRUTH = {"floor": 0.02, "ceiling": 0.9, "k": 1.8, "x0": 3e10}


def emergent(seed: int = 0, n: int = 12) -> pd.DataFrame:
    N = np.logspace(8, 10.8, n)
    rng = np.random.default_rng(seed)
    rate = sl.get_law("sigmoid")(N, **SIGMOID_TRUTH) + rng.normal(0, 0.015, n)
    return pd.DataFrame({"N": N, "pass_rate": np.clip(rate, 0.001, 1)})


def levels(res: sl.FitResult) -> np.ndarray:
    """floor and ceiling of the point fit and of every bootstrap draw."""
    law = res.law
    idx = [law.param_names.index("floor"), law.param_names.index("ceiling")]
    draws = res.objective.pmap.theta(res.uncertainty.samples_u)[:, idx]
    return np.vstack([[res.params["floor"], res.params["ceiling"]], draws])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rate_bounds_the_sigmoid_ceiling_by_one(seed):
    # Was: ceiling estimates and intervals up to 1.79 for a pass rate.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(emergent(seed), x="N", y="pass_rate", law="sigmoid", ci="bootstrap",
                     n_boot=300, seed=seed)
    lv = levels(res)
    assert lv.min() >= 0.0 and lv.max() <= 1.0
    assert res.ceiling == 1.0
    ci = res.param_ci().set_index("param").loc[["floor", "ceiling"]]
    assert (ci.lo >= 0.0).all() and (ci.hi <= 1.0).all()


def test_a_declared_ceiling_bounds_the_levels():
    df = emergent(0)
    df["pass_rate"] *= 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(df, x="N", y="pass_rate", law="sigmoid", ceiling=0.8, ci="bootstrap",
                     n_boot=200)
    assert levels(res).max() <= 0.8


def test_a_sigmoid_on_a_plain_loss_keeps_free_levels():
    # not a rate: no bounds are invented (a loss may exceed 1)
    N = np.logspace(6, 10, 30)
    law = sl.get_law("sigmoid")
    loss = law(N, floor=4.0, ceiling=1.5, k=1.2, x0=1e8)
    res = sl.fit(pd.DataFrame({"N": N, "loss": loss}), x="N", y="loss", law="sigmoid", ci=None)
    assert res.params["floor"] == pytest.approx(4.0, rel=1e-4)


def test_zeros_in_a_rate_move_the_fit_to_linear_space_and_say_so():
    # Was: "column 'pass_rate' has values <= 0 ... residuals are measured in log space".
    df = emergent(0)
    df.loc[:2, "pass_rate"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(df, x="N", y="pass_rate", law="sigmoid", ci="bootstrap", n_boot=200)
    assert res.settings["space"] == "linear"
    assert any("linear space" in n and "0" in n for n in res.notes)
    assert res.metrics["r2"] > 0.9
    # and the JSON round trip keeps the space
    back = sl.load_fit(res.to_json())
    np.testing.assert_array_equal(back.predict([1e11]), res.predict([1e11]))


def test_a_perfect_score_in_a_flipped_accuracy_is_fitted_in_linear_space():
    # accuracy = ceiling means an error of 0 for the power-law families fitted to the error
    D = np.logspace(3, 6, 20)
    acc = 1 - sl.get_law("power_offset")(D, a=3.0, b=0.4, c=0.0)
    acc[-1] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(pd.DataFrame({"D": D, "accuracy": acc}), x="D", y="accuracy",
                     law="power_offset", ci=None)
    assert res.settings["space"] == "linear" and res.flip


def test_zeros_in_a_loss_are_still_refused_in_log_space():
    df = pd.DataFrame({"D": np.logspace(3, 6, 10), "loss": np.linspace(1, 0, 10)})
    with pytest.raises(sl.ScalingLabError, match="space='linear'"):
        sl.fit(df, x="D", y="loss", ci=None)


# ------------------------------------------------------------------ rising power laws
def optimal_sizes(seed: int = 0) -> pd.DataFrame:
    """N_opt = 0.09·C^0.5 (Chinchilla-like), 5% scatter, C from 1e18 to 1e23 FLOP."""
    C = np.logspace(18, 23, 10)
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"C": C, "N_opt": 0.09 * C**0.5 * np.exp(rng.normal(0, 0.05, C.size))})


@pytest.mark.parametrize("ci", ["bootstrap", "delta"])
def test_power_fits_a_rising_series_without_a_bound_warning(ci):
    # Was: "b sits on its lower bound 0", and an interval that excluded the estimate.
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.ScalingLabWarning)
        res = sl.fit(optimal_sizes(), x="C", y="N_opt", law="power", ci=ci)
    assert not res.warnings
    b = res.param_ci().set_index("param").loc["b"]
    assert b.lo <= b.estimate <= b.hi
    assert b.lo <= -0.5 <= b.hi  # the exponent of N_opt in C is -b
    assert res.params["b"] == pytest.approx(-0.5, abs=0.03)
    assert res.predict([1e24])[0] == pytest.approx(0.09 * 1e12, rel=0.3)


def test_rising_power_law_solves_and_exports():
    res = sl.fit(optimal_sizes(), x="C", y="N_opt", law="power", ci="delta")
    sol = res.solve(1e11)
    assert sol.lo <= sol.x <= sol.hi
    assert sol.x == pytest.approx((1e11 / 0.09) ** 2, rel=0.5)
    ns: dict = {}
    exec(res.to_python(), ns)
    np.testing.assert_allclose(ns["predict"](np.array([1e20])), res.predict([1e20]), rtol=1e-12)
    assert "-(-" not in res.to_latex()  # a negative exponent reads x^{0.5}, not x^{-(-0.5)}
