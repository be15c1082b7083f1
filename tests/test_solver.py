"""The solvers: batched Levenberg–Marquardt and the laws' joint value+Jacobian fast path."""

from __future__ import annotations

import numpy as np
import pytest

import scalinglab as sl
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.solver import IterationCap, batched_lm, point_fit

JOINT = [n for n in sl.laws.names() if sl.get_law(n).fn_jac is not None]


def test_some_laws_have_the_fast_path():
    assert {"power", "power_offset", "exponential"} <= set(JOINT)


@pytest.mark.parametrize("name", JOINT)
def test_fn_jac_agrees_with_fn_and_jac(name):
    law = sl.get_law(name)
    X = np.logspace(0, 3, 25)[None, :] if name == "exponential" else np.logspace(2, 8, 25)[None, :]
    lo, hi = law.bounds
    rng = np.random.default_rng(0)
    theta = np.clip(rng.uniform(0.1, 2.0, size=(6, law.n_params)), lo + 1e-3, np.minimum(hi, 5))
    for th in (theta[0], theta):
        f, cols = law.fn_jac(X, th)
        assert len(cols) == law.n_params
        J = np.stack(np.broadcast_arrays(f, *cols)[1:], axis=-1)
        np.testing.assert_array_equal(f, law.fn(X, th))  # exactly: the solver mixes both
        np.testing.assert_allclose(J, law.jac(X, th), rtol=1e-13, atol=1e-300)  # subnormals


@pytest.mark.parametrize("loss", ["l2", "huber"])
@pytest.mark.parametrize("fixed,tie", [({}, {}), ({"c": 1.0}, {}), ({}, {"b": "a"})])
def test_parameter_major_jacobian_matches_the_plain_one(loss, fixed, tie):
    # the solver's (q, B, n) layout, with the chain rule for fixed, tied and log parameters
    law = sl.get_law("power_offset")
    x = np.logspace(3, 7, 30)
    y = 30 * x**-0.3 + 1.0
    obj = Objective(ParamMap.build(law, fixed=fixed, tie=tie), x[None, :], y, np.ones(30),
                    loss=loss)
    U = obj.pmap.u(np.array([[20.0, 0.25, 0.8], [40.0, 0.35, 1.2]]))
    r, f, Jq = obj.residuals_model_jacq(U)
    np.testing.assert_allclose(np.moveaxis(Jq, 0, -1), obj.jac(U), rtol=1e-12)
    np.testing.assert_allclose(obj.jacq(U, f), Jq, rtol=1e-12)
    np.testing.assert_allclose(r, obj.residuals(U), rtol=1e-12)


def objective(noise: float = 0.01, seed: int = 0) -> Objective:
    x = np.logspace(3, 7, 80)
    rng = np.random.default_rng(seed)
    y = (30 * x**-0.3 + 1.0) * np.exp(rng.normal(0, noise, x.size))
    return Objective(ParamMap.build(sl.get_law("power_offset")), x[None, :], y, np.ones(x.size))


def test_batched_lm_from_many_starts_reaches_the_point_fit():
    obj = objective()
    best = point_fit(obj)
    starts = obj.pmap.u(np.array([[1.0, 0.1, 0.0], [100.0, 0.6, 0.5], [30.0, 0.3, 1.0]]))
    U, ok = batched_lm(obj, starts, None, max_iter=200, tol=1e-14)
    assert ok.all()
    values = obj.value(U)
    assert values.min() == pytest.approx(best.cost, rel=1e-8)


def test_unit_counts_reproduce_the_point_fit():
    obj = objective()
    best = point_fit(obj)
    U, ok = batched_lm(obj, best.u, np.ones((4, obj.target.size)), tol=1e-12)
    assert ok.all()
    np.testing.assert_allclose(obj.pmap.theta(U), np.tile(obj.pmap.theta(best.u), (4, 1)),
                               rtol=1e-6)


def test_each_resample_is_solved_to_its_own_optimum():
    # A resample solved in the batch equals the same weighted problem solved alone.
    obj = objective(seed=3)
    best = point_fit(obj)
    counts = np.random.default_rng(1).multinomial(obj.target.size,
                                                  np.full(obj.target.size, 1 / obj.target.size),
                                                  size=3).astype(float)
    U, _ = batched_lm(obj, best.u, counts, tol=1e-12)
    for k in range(3):
        alone = Objective(obj.pmap, obj.X, obj.target, counts[k])
        ref = point_fit(alone)
        assert alone.value(U[k]) == pytest.approx(ref.cost, rel=1e-7)


@pytest.mark.parametrize("law_name", ["power_offset", "sigmoid", "mmf"])
def test_bootstrap_resamples_reach_their_own_optimum(law_name):
    # The bootstrap path: one shared first step from the point fit, then per-resample LM;
    # each resample must end at the optimum of its own count-weighted problem.
    from scalinglab.fitting.uncertainty import bootstrap

    law = sl.get_law(law_name)
    x = np.logspace(2, 6, 60)
    theta = {"power_offset": [30.0, 0.3, 1.0], "sigmoid": [0.1, 0.9, 2.0, 1e4],
             "mmf": [3.0, 1e4, 0.5, 1.0]}[law_name]
    y = law.fn(x[None, :], np.array(theta)) * np.exp(np.random.default_rng(2).normal(0, 0.02, 60))
    obj = Objective(ParamMap.build(law), x[None, :], y, np.ones(60))
    best = point_fit(obj)
    rng = np.random.default_rng(0)
    draws = rng.integers(0, 60, size=(64, 60))
    counts = np.stack([np.bincount(d, minlength=60) for d in draws]).astype(float)
    U, ok = batched_lm(obj, best.u, counts, tol=1e-7, lam0=1e-6)
    assert ok.all()
    for k in range(0, 64, 16):
        alone = Objective(obj.pmap, obj.X, obj.target, counts[k])
        ref = point_fit(alone, extra_starts=[obj.pmap.theta(best.u)])
        assert alone.value(U[k]) <= ref.cost * (1 + 1e-5)
    samples, failed = bootstrap(obj, best.u, 64, seed=0)
    assert failed == 0 and samples.shape == (64, obj.pmap.q)


@pytest.mark.parametrize("law_name", ["power", "power_offset", "exponential"])
def test_warm_refit_of_a_nearby_range_reaches_the_multistart_optimum(law_name):
    # The widget's brush path: refit a moved range from the previous fit only.
    rng = np.random.default_rng(0)
    D = np.logspace(6, 11, 200)
    df = {"D": D, "loss": 1.69 + 406.4 * D**-0.34 * np.exp(rng.normal(0.0, 0.02, D.size))}
    prev = sl.fit(df, x="D", y="loss", law=law_name, fit_range=(1e6, 1e10), ci=None)
    kw = dict(x="D", y="loss", law=law_name, fit_range=(1.3e6, 2e10), ci=None)
    cold = sl.fit(df, **kw)
    warm = sl.fit(df, **kw, starts=[prev.params], multistart=False)
    assert warm.metrics["objective"] <= cold.metrics["objective"] * (1 + 1e-9)
    for k, v in cold.params.items():
        assert warm.params[k] == pytest.approx(v, rel=1e-4, abs=1e-9)


def test_a_capped_warm_refit_of_a_barely_determined_range_stops_at_its_cap(monkeypatch):
    # The first frame of a brush drag (from the benchmark) over 17 points at the small end:
    # power_offset's offset is barely determined there, and from the warm starts (the fit of
    # the whole series) Newton crawled along a flat valley for 100 iterations (~100 ms).
    rng = np.random.default_rng(0)
    D = np.logspace(6, 11, 200)
    df = {"D": D, "loss": 1.69 + 406.4 * D**-0.34 * np.exp(rng.normal(0.0, 0.02, D.size))}
    whole = sl.fit(df, x="D", y="loss", law="power_offset", ci=None)
    kw = dict(x="D", y="loss", law="power_offset", fit_range=(2.38e6, 6.08e6), ci=None)
    rest = sl.fit(df, **kw)  # the full multi-start fit: what the widget shows at rest
    start_cost = rest.objective.value(rest.objective.pmap.u(np.array(list(whole.params.values()))))
    evals = {"n": 0}
    jacq = Objective.residuals_model_jacq

    def counted(self, U):
        evals["n"] += 1
        return jacq(self, U)

    monkeypatch.setattr(Objective, "residuals_model_jacq", counted)
    # the widget restarts from its last fit and from the whole-series fit: here both the same
    warm = sl.fit(df, **kw, starts=[whole.params, whole.params], multistart=False,
                  cap=IterationCap(point_fit=30, resample=8))
    # one call per iteration (its trial points) and one for the curvature at the starts, which
    # is kept: 33 here; a curvature recomputed at every iterate took 62, and uncapped 201
    assert evals["n"] <= 34, evals
    # it still goes most of the way down the valley (0.5 % above the multi-start optimum here,
    # 0.007 % after 100 iterations); the next drag frame restarts from where it stopped
    assert warm.metrics["objective"] < start_cost
    assert warm.metrics["objective"] <= rest.metrics["objective"] * 1.01


def test_multistart_false_alone_does_not_cap_a_warm_refit():
    # The same barely-determined range without a cap: a warm refit asked for from Python runs
    # to its convergence test and reaches the multi-start optimum (it stopped 0.5 % above it
    # when multistart=False implied the widget's cap, and 6e-5 above it when the warm
    # Levenberg–Marquardt stopped on its own tolerance in the flat valley).
    rng = np.random.default_rng(0)
    D = np.logspace(6, 11, 200)
    df = {"D": D, "loss": 1.69 + 406.4 * D**-0.34 * np.exp(rng.normal(0.0, 0.02, D.size))}
    whole = sl.fit(df, x="D", y="loss", law="power_offset", ci=None)
    kw = dict(x="D", y="loss", law="power_offset", fit_range=(2.38e6, 6.08e6), ci=None)
    rest = sl.fit(df, **kw)
    warm = sl.fit(df, **kw, starts=[whole.params, whole.params], multistart=False)
    assert warm.metrics["objective"] <= rest.metrics["objective"] * (1 + 1e-6)
    assert warm.metrics["converged"] and rest.metrics["converged"]


def test_a_curvature_per_problem_gives_each_start_its_own_newton_steps():
    # Warm refits keep each start's curvature for the whole solve; solved in chunks, every
    # problem must still get its own (and the result must not depend on the chunking).
    from scalinglab.fitting.solver import _curvature

    law = sl.get_law("exponential")  # misspecified on power-law data: Newton pays off
    x = np.logspace(0, 3, 40)
    y = 3.0 * x**-0.4 + 0.2
    obj = Objective(ParamMap.build(law), x[None, :], y, np.ones(x.size))
    best = point_fit(obj)
    rng = np.random.default_rng(1)
    U0 = best.u + rng.normal(0.0, 0.05, size=(6, best.u.size))
    curv = _curvature(obj, U0)
    assert curv.shape == (6, obj.pmap.q**2, x.size)
    whole, ok = batched_lm(obj, U0, None, max_iter=40, tol=1e-14, curvature=curv)
    chunked, ok2 = batched_lm(obj, U0, None, max_iter=40, tol=1e-14, curvature=curv, chunk=2)
    assert ok.all() and ok2.all()
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-9)
    for u in whole:
        assert obj.value(u) <= best.cost * (1 + 1e-9)
    # one start's curvature is not another's: swapping them changes the path
    swapped, _ = batched_lm(obj, U0, None, max_iter=2, tol=1e-14, curvature=curv[::-1])
    first, _ = batched_lm(obj, U0, None, max_iter=2, tol=1e-14, curvature=curv)
    assert not np.allclose(swapped, first)


def test_bootstrap_uses_newton_steps_only_where_they_apply():
    from scalinglab.fitting.solver import _curvature

    obj = objective()
    u = point_fit(obj).u
    curv = _curvature(obj, u)
    assert curv is not None and curv.shape == (obj.pmap.q ** 2, obj.target.size)
    # symmetric in the two derivatives, and equal to differences of the Jacobian
    q = obj.pmap.q
    T = curv.reshape(q, q, -1)
    np.testing.assert_allclose(T, T.swapaxes(0, 1))
    h = 1e-6
    up = u.copy()
    up[1] += h
    num = (obj.jac(up) - obj.jac(u)) / h  # (n, q): d J / d u_1
    np.testing.assert_allclose(T[:, 1].T, num, rtol=1e-3, atol=1e-6)
    huber = Objective(obj.pmap, obj.X, obj.target, obj.weights, loss="huber")
    assert _curvature(huber, u) is None


def test_noise_floor_of_huge_values_is_finite():
    """Regression (found by tests/test_properties.py): data near 1e300 in linear space made
    ``(1e-10 * scale) ** 2`` raise OverflowError; the floor now stops at the largest float."""
    from scalinglab.fitting.solver import _noise_floor

    y = np.array([1.0, 2.0, 3.0, 1e200, 5, 6, 7, 8])
    obj = Objective(ParamMap.build(sl.get_law("power")), np.arange(1.0, 9.0)[None, :], y,
                    np.ones(8), space="linear")
    assert _noise_floor(obj) == np.finfo(float).max
    small = Objective(obj.pmap, obj.X, y / 1e195, obj.weights, space="linear")
    assert _noise_floor(small) == pytest.approx(0.5 * 8 * (1e-10 * 1e5) ** 2)
