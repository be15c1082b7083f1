"""Fitting: parameter recovery, options, accuracy tables, groups, weights, losses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic

import scalinglab as sl


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("ci", [None, "delta", "bootstrap"])
def test_power_offset_recovers_known_parameters(loss_table, ci):
    res = sl.fit(loss_table, x="D", y="loss", law="power_offset", ci=ci, n_boot=300)
    assert rel(res.params["b"], 0.25) < 0.1
    assert rel(res.params["c"], 1.7) < 0.03
    if ci:
        t = res.param_ci().set_index("param")
        for name, true in {"a": 40.0, "b": 0.25, "c": 1.7}.items():
            assert t.loc[name, "lo"] <= true <= t.loc[name, "hi"], (name, t)


def test_fit_is_independent_of_the_starting_point(loss_table):
    base = sl.fit(loss_table, x="D", y="loss", law="power_offset", ci=None)
    for start in ({"a": 1e-3, "b": 5.0, "c": 0.0}, {"a": 1e6, "b": 0.01, "c": 1.0}):
        other = sl.fit(loss_table, x="D", y="loss", law="power_offset", ci=None, starts=[start])
        assert other.metrics["objective"] == pytest.approx(base.metrics["objective"], rel=1e-9)


def test_same_seed_same_numbers(loss_table):
    a = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=200, seed=3)
    b = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=200, seed=3)
    pd.testing.assert_frame_equal(a.param_ci(), b.param_ci())
    c = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=200, seed=4)
    assert not np.allclose(a.param_ci().lo, c.param_ci().lo)


def test_fit_range_uses_only_points_inside(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", fit_range=(1e7, 1e8), ci=None)
    inside = loss_table.D.between(1e7, 1e8)
    assert res.metrics["n"] == inside.sum()
    assert res.data["in_range"].sum() == inside.sum()
    assert len(res.data) == len(loss_table)  # points outside are kept, marked
    lo, hi = res.fit_range
    assert 1e7 <= lo <= hi <= 1e8


def test_fixed_and_tied_parameters(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", fixed={"c": 1.7}, ci="delta")
    assert res.params["c"] == 1.7
    t = res.param_ci().set_index("param")
    assert t.loc["c", "lo"] == t.loc["c", "hi"] == 1.7
    df = sl.datasets.load("chinchilla")
    tied = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", tie={"beta": "alpha"}, ci=None)
    assert tied.params["alpha"] == tied.params["beta"]


def test_bound_warning(loss_table):
    # A pure power law has no floor: power_offset's c is driven onto its lower bound 0.
    pure = loss_table.assign(loss=2 * loss_table.D ** -0.3)
    with pytest.warns(sl.ScalingLabWarning, match="'c' sits on its lower bound"):
        res = sl.fit(pure, x="D", y="loss", law="power_offset", ci=None)
    assert any("bound" in w for w in res.warnings)


def test_weights_down_weight_noisy_points():
    x = np.logspace(3, 6, 40)
    df = synthetic("power", {"a": 10.0, "b": 0.3}, x, noise=0.002, seed=1)
    df.loc[df.index[::4], "y"] *= 1.5  # corrupt every 4th point
    w = np.where(np.arange(40) % 4 == 0, 1e-6, 1.0)
    res = sl.fit(df, x="x", y="y", law="power", weights=w, ci=None)
    assert rel(res.params["b"], 0.3) < 0.01
    plain = sl.fit(df, x="x", y="y", law="power", ci=None)
    assert rel(plain.params["b"], 0.3) > rel(res.params["b"], 0.3)


def test_huber_resists_outliers():
    x = np.logspace(3, 7, 50)
    df = synthetic("power_offset", {"a": 30.0, "b": 0.3, "c": 1.0}, x, noise=0.003, seed=2)
    df.loc[[5, 20, 35], "y"] *= 3.0
    huber = sl.fit(df, x="x", y="y", loss="huber", delta=1e-2, ci=None)
    l2 = sl.fit(df, x="x", y="y", loss="l2", ci=None)
    assert rel(huber.params["b"], 0.3) < 0.05
    assert rel(l2.params["b"], 0.3) > rel(huber.params["b"], 0.3)


def test_asymmetric_loss_fits_the_lower_envelope():
    x = np.repeat(np.logspace(3, 7, 20), 5)
    rng = np.random.default_rng(0)
    clean = sl.get_law("power_offset")(x, a=30.0, b=0.3, c=1.0)
    df = pd.DataFrame({"x": x, "y": clean * (1 + np.abs(rng.normal(0, 0.05, x.size)))})
    env = sl.fit(df, x="x", y="y", loss="asymmetric", asymmetry=0.95, ci=None)
    mid = sl.fit(df, x="x", y="y", loss="l2", ci=None)
    grid = np.logspace(3, 7, 9)
    truth = sl.get_law("power_offset")(grid, a=30.0, b=0.3, c=1.0)
    assert np.mean(np.abs(env.predict(grid) / truth - 1)) < np.mean(np.abs(mid.predict(grid) / truth - 1))


def test_linear_space():
    x = np.linspace(1, 50, 40)
    df = synthetic("exponential", {"a": 2.0, "b": 0.1, "c": 0.5}, x, noise=0.002)
    res = sl.fit(df, x="x", y="y", law="exponential", space="linear", ci="delta")
    assert rel(res.params["b"], 0.1) < 0.05


def test_accuracy_table_is_fitted_on_the_error_and_reported_as_accuracy():
    D = np.logspace(3, 6, 30)
    err = sl.get_law("power_offset")(D, a=5.0, b=0.3, c=0.05)
    df = pd.DataFrame({"D": D, "accuracy": 100 * (1 - err)})
    res = sl.fit(df, x="D", y="accuracy", law="power_offset", ci="delta")
    assert res.higher_is_better and res.flip and res.ceiling == 100.0
    assert any("percentage" in n for n in res.notes)
    assert np.allclose(res.predict(D), df.accuracy, rtol=1e-6)
    band = res.band(D)
    assert (band.lo <= band.y + 1e-9).all() and (band.y <= band.hi + 1e-9).all()
    assert (band.hi <= 100).all()
    sol = res.solve(94.0)
    assert sol.x > D.max() and "94" in str(sol)
    never = res.solve(97.0)  # the fitted error floor 0.05 caps accuracy at 95
    assert never.x == np.inf and "ceiling (from the error floor c) is 95" in str(never)


def test_sigmoid_on_accuracy_keeps_its_range():
    x = np.logspace(6, 11, 30)
    acc = sl.get_law("sigmoid")(x, **_sigmoid_params())
    df = pd.DataFrame({"params": x, "acc": np.clip(acc + np.random.default_rng(0).normal(0, 0.005, 30), 0, 1)})
    res = sl.fit(df, x="params", y="acc", law="sigmoid", space="linear", ci=None)
    pred = res.predict(np.logspace(4, 14, 50))
    assert res.higher_is_better and not res.flip
    assert pred.min() >= -1e-9 and pred.max() <= 1 + 1e-9


def _sigmoid_params() -> dict[str, float]:
    law = sl.get_law("sigmoid")
    vals = {}
    for p in law.param_names:
        vals[p] = {"x0": 1e8, "k": 2.0}.get(p, 0.0)
    names = list(law.param_names)
    vals[names[0]], vals[names[1]] = 0.25, 0.9  # floor, ceiling come first
    return vals


def test_group_fits_one_law_per_series(loss_table):
    other = loss_table.assign(loss=loss_table.loss * 1.1)
    df = pd.concat([loss_table.assign(model="small"), other.assign(model="large")])
    res = sl.fit(df, x="D", y="loss", group="model", ci=None)
    assert isinstance(res, sl.GroupFit) and set(res) == {"small", "large"}
    assert res["large"].params["c"] > res["small"].params["c"]
    table = res.param_table()
    assert set(table.model) == {"small", "large"} and len(table) == 6


def test_group_with_a_bad_series_fits_the_rest(loss_table):
    bad = loss_table.head(2).assign(model="tiny")
    df = pd.concat([loss_table.assign(model="ok"), bad])
    with pytest.warns(sl.ScalingLabWarning, match="tiny"):
        res = sl.fit(df, x="D", y="loss", group="model", ci=None)
    assert list(res) == ["ok"] and "tiny" in res.failed


def test_chinchilla_optimal_allocation_is_on_the_compute_budget():
    df = sl.datasets.load("chinchilla")
    res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci=None)
    alloc = res.optimal_allocation([1e21, 1e23])
    assert np.allclose(6 * alloc.N * alloc.D, alloc.C, rtol=1e-9)
    assert alloc.loss.iloc[1] < alloc.loss.iloc[0]
    # The allocation is optimal: moving N either way along the budget raises the loss.
    C = 1e23
    n0 = float(alloc.N.iloc[1])
    for f in (0.8, 1.25):
        n = n0 * f
        worse = res.predict({"N": [n], "D": [C / (6 * n)]})[0]
        assert worse > alloc.loss.iloc[1]
