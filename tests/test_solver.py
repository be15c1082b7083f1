"""The solvers: batched Levenberg–Marquardt and the laws' joint value+Jacobian fast path."""

from __future__ import annotations

import numpy as np
import pytest

import scalinglab as sl
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.solver import batched_lm, point_fit

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
        f, J = law.fn_jac(X, th)
        np.testing.assert_array_equal(f, law.fn(X, th))  # exactly: the solver mixes both
        np.testing.assert_allclose(J, law.jac(X, th), rtol=1e-13, atol=1e-300)  # subnormals


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
