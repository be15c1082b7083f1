"""Intervals on anything derived from a fit: `interval`, `draws`, `optimal_allocation`
(issue 12, finding 3). Coverage is checked against the truth of synthetic laws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic

import scalinglab as sl

ALLOCATION_COLUMNS = ["C", "N", "N_lo", "N_hi", "D", "D_lo", "D_hi", "loss", "loss_lo",
                      "loss_hi", "tokens_per_param"]
PO = {"a": 20.0, "b": 0.3, "c": 1.0}
X = np.logspace(2, 6, 40)
X_FAR = 1e7


def reducible(p, x):
    """L − L∞ of power_offset at x."""
    return p["a"] * np.asarray(x, dtype=float) ** -p["b"]


def test_interval_of_a_function_of_the_parameters(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=300)
    iv = res.interval(lambda p: p["c"])
    ci = res.param_ci().set_index("param").loc["c"]
    assert iv.estimate == res.params["c"]
    assert (iv.lo, iv.hi) == pytest.approx((ci.lo, ci.hi), rel=1e-12)
    assert iv.method == "bootstrap" and iv.level == 0.95
    # with x: one interval per x, and L − L∞ is the law minus its floor
    x = np.array([1e9, 1e11])
    red = res.interval(reducible, x=x)
    assert red.estimate == pytest.approx(res.predict(x) - res.params["c"], rel=1e-12)
    assert red.lo.shape == (2,) and (red.lo < red.estimate).all() and (red.estimate < red.hi).all()
    wide = res.interval(reducible, x=x, level=0.99)
    assert (wide.hi - wide.lo > red.hi - red.lo).all()


def test_interval_by_the_delta_method(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="delta")
    iv = res.interval(lambda p: p["b"])
    ci = res.param_ci().set_index("param").loc["b"]
    assert (iv.lo, iv.hi) == pytest.approx((ci.lo, ci.hi), rel=1e-6)
    red = res.interval(reducible, x=[1e10])
    assert red.method == "delta" and red.lo[0] < red.estimate[0] < red.hi[0]


def test_interval_needs_uncertainty_and_a_number(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci=None)
    with pytest.raises(sl.ScalingLabError, match="no uncertainty"):
        res.interval(lambda p: p["c"])
    boot = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=100)
    with pytest.raises(sl.ScalingLabError, match="must return numbers"):
        boot.interval(lambda p: "c")


def test_draws_are_the_bootstrap_in_parameter_names(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=300, fixed={"c": 1.7})
    d = res.draws()
    assert list(d.columns) == ["a", "b", "c"]
    assert len(d) == res.uncertainty.samples_u.shape[0] >= 270
    assert (d["c"] == 1.7).all()
    # the draws are the resamples' parameters, and what the intervals are made of
    np.testing.assert_array_equal(d.to_numpy(),
                                  res.objective.pmap.theta(res.uncertainty.samples_u))
    iv = res.interval(lambda p: p["a"] * 2)
    assert iv.lo < 2 * res.params["a"] < iv.hi
    delta = sl.fit(loss_table, x="D", y="loss", ci="delta").draws()
    assert list(delta.columns) == ["a", "b", "c"] and delta.attrs["method"] == "delta"


def test_optimal_allocation_columns_and_intervals():
    df = sl.datasets.load("chinchilla")
    res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci="bootstrap",
                 n_boot=200)
    alloc = res.optimal_allocation([1e21, 1e24])
    assert list(alloc.columns) == ALLOCATION_COLUMNS
    assert np.allclose(6 * alloc.N * alloc.D, alloc.C, rtol=1e-9)
    assert np.allclose(alloc.tokens_per_param, alloc.D / alloc.N)
    for v in ("N", "D", "loss"):
        assert (alloc[f"{v}_lo"] < alloc[v]).all() and (alloc[v] < alloc[f"{v}_hi"]).all()
    delta = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci="delta")
    assert list(delta.optimal_allocation(1e22).columns) == ALLOCATION_COLUMNS


# ---------------------------------------------------------------- coverage
def reducible_coverage(ci: str, repeats: int) -> float:
    truth = reducible(PO, X_FAR)
    hits = []
    for rep in range(repeats):
        df = synthetic("power_offset", PO, X, noise=0.02, seed=2000 + rep)
        res = sl.fit(df, x="x", y="y", ci=ci, n_boot=400, seed=rep)
        iv = res.interval(reducible, x=[X_FAR])
        hits.append(iv.lo[0] <= truth <= iv.hi[0])
    return float(np.mean(hits))


@pytest.mark.slow
@pytest.mark.parametrize(("ci", "repeats"), [("bootstrap", 300), ("delta", 400)])
def test_interval_coverage_of_reducible_loss(ci, repeats):
    cov = reducible_coverage(ci, repeats)
    assert 0.93 <= cov <= 0.97, cov


BNSL = {"a": 0.5, "b": 40.0, "c0": 0.1, "c1": 0.4, "d1": 1e4, "f1": 0.3}


@pytest.mark.slow
def test_interval_coverage_of_a_broken_power_laws_asymptotic_exponent():
    truth = BNSL["c0"] + BNSL["c1"]
    x = np.logspace(2, 7, 40)
    hits = []
    for rep in range(150):
        df = synthetic("broken_power", BNSL, x, noise=0.01, seed=3000 + rep)
        res = sl.fit(df, x="x", y="y", law="broken_power", ci="bootstrap", n_boot=300, seed=rep)
        iv = res.interval(lambda p: p["c0"] + p["c1"])
        hits.append(iv.lo <= truth <= iv.hi)
    cov = float(np.mean(hits))
    assert 0.93 <= cov <= 0.97, cov


CHIN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def chinchilla_table(rep: int) -> pd.DataFrame:
    N, D = np.meshgrid(np.logspace(7, 9.5, 7), np.logspace(9, 11.5, 7))
    N, D = N.ravel(), D.ravel()
    rng = np.random.default_rng(4000 + rep)
    loss = sl.get_law("chinchilla")({"N": N, "D": D}, **CHIN) * np.exp(rng.normal(0, 0.01, N.size))
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


@pytest.mark.slow
def test_optimal_allocation_coverage_on_a_synthetic_chinchilla_law():
    law = sl.get_law("chinchilla")
    C = 1e21
    N_true, D_true = law.allocation(CHIN, np.array([C]))
    L_true = law({"N": N_true, "D": D_true}, **CHIN)[0]
    hits = {"N": [], "D": [], "loss": []}
    for rep in range(150):
        res = sl.fit(chinchilla_table(rep), x=["N", "D"], y="loss", law="chinchilla",
                     ci="bootstrap", n_boot=300, seed=rep)
        row = res.optimal_allocation(C).iloc[0]
        for v, truth in (("N", N_true[0]), ("D", D_true[0]), ("loss", L_true)):
            hits[v].append(row[f"{v}_lo"] <= truth <= row[f"{v}_hi"])
    cov = {v: float(np.mean(h)) for v, h in hits.items()}
    assert all(0.93 <= c <= 0.97 for c in cov.values()), cov
