"""The law library: registry, published formulas, gradients, batches, exports, formulas."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import numeric_jac

import scalinglab as sl
from scalinglab.laws.multivariable import NMT_NBAR_D, NMT_NBAR_E

EXPECTED = [
    "power", "power_offset", "broken_power", "broken_power2", "exponential", "log_linear",
    "sigmoid", "m4", "vapor_pressure", "mmf", "weibull", "janoschek", "ilog2", "pow4",
    "chinchilla", "kaplan", "nmt_encoder_decoder",
]  # fmt: skip

DATA = np.logspace(3, 9, 13)
CURVE = np.geomspace(2.0, 200.0, 13)
GRID = np.vstack([np.logspace(7, 10, 13), np.logspace(9, 12, 13)[::-1]])

# name -> (X of shape (k, n), two parameter points inside the bounds)
POINTS: dict[str, tuple[np.ndarray, list[list[float]]]] = {
    "power": (DATA[None], [[2.0, 0.3], [1e3, 1.2]]),
    "power_offset": (DATA[None], [[2.0, 0.3, 0.5], [50.0, 0.7, 1.9]]),
    "broken_power": (
        DATA[None],
        [[0.1, 5.0, 0.1, 0.3, 1e5, 0.5], [1.0, 30.0, -0.2, 0.8, 1e7, 0.05]],
    ),
    "broken_power2": (
        DATA[None],
        [
            [0.1, 5.0, 0.1, 0.3, 1e4, 0.5, -0.2, 1e7, 0.3],
            [0.5, 8.0, 0.05, 0.35, 3e4, 2.0, 0.3, 1e6, 0.1],
        ],
    ),
    "exponential": (np.linspace(0.0, 200.0, 13)[None], [[2.0, 1e-2, 0.3], [0.5, 0.1, 0.0]]),
    "log_linear": (DATA[None], [[1.0, -0.1], [-2.0, 0.4]]),
    "sigmoid": (DATA[None], [[0.2, 0.9, 1.5, 1e5], [0.9, 0.1, 0.3, 1e8]]),
    "m4": (DATA[None], [[0.1, 0.8, 1.3, 30.0, -0.4], [1.5, 2.0, 0.4, 0.5, -0.1]]),
    "vapor_pressure": (CURVE[None], [[-1.0, 2.0, -0.2], [0.5, -3.0, 0.1]]),
    "mmf": (CURVE[None], [[0.9, 50.0, 0.2, 1.2], [0.1, 3.0, 0.8, 0.5]]),
    "weibull": (CURVE[None], [[0.05, -0.5, 0.2, 0.8], [0.3, 0.6, 0.9, 0.4]]),
    "janoschek": (CURVE[None], [[0.9, 0.2, 0.05, 0.8], [0.1, 0.7, 0.3, 0.4]]),
    "ilog2": (CURVE[None], [[0.5, 0.9], [-0.2, 0.1]]),
    "pow4": (CURVE[None], [[0.9, 1.5, 0.6, 3.0], [0.1, -2.0, 1.1, 0.2]]),
    "chinchilla": (GRID, [[1.8, 480.0, 2000.0, 0.34, 0.37], [0.5, 50.0, 900.0, 0.2, 0.45]]),
    "kaplan": (GRID, [[8.8e13, 5.4e13, 0.076, 0.095], [1e12, 1e13, 0.3, 0.2]]),
    "nmt_encoder_decoder": (GRID, [[0.8, 0.3, 0.4, 1.5], [2.0, 0.1, 0.6, 0.0]]),
}

# The formulas as published, written naively (no overflow guards): the laws must agree.
PUBLISHED = {
    "broken_power": lambda x, a, b, c0, c1, d1, f1: (
        a + b * x ** (-c0) * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)
    ),
    "broken_power2": lambda x, a, b, c0, c1, d1, f1, c2, d2, f2: (
        a
        + b
        * x ** (-c0)
        * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)
        * (1 + (x / d2) ** (1 / f2)) ** (-c2 * f2)
    ),
    "exponential": lambda x, a, b, c: a * np.exp(-b * x) + c,
    "log_linear": lambda x, a, b: a + b * np.log(x),
    "sigmoid": lambda x, floor, ceiling, k, x0: (
        floor + (ceiling - floor) / (1 + np.exp(-k * (np.log(x) - np.log(x0))))
    ),
    "vapor_pressure": lambda x, a, b, c: np.exp(a + b / x + c * np.log(x)),
    "mmf": lambda x, a, b, c, d: (a * b + c * x**d) / (b + x**d),
    "weibull": lambda x, a, b, c, d: c - b * np.exp(-a * x**d),
    "janoschek": lambda x, alpha, beta, kappa, delta: (
        alpha - (alpha - beta) * np.exp(-kappa * x**delta)
    ),
    "ilog2": lambda x, a, b: b - a / np.log(x),
    "pow4": lambda x, a, b, c, d: a - b * (x + d) ** (-c),
    "chinchilla": lambda N, D, E, A, B, alpha, beta: E + A / N**alpha + B / D**beta,
    "kaplan": lambda N, D, N_c, D_c, alpha_N, alpha_D: (
        ((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D
    ),
    "nmt_encoder_decoder": lambda N_e, N_d, alpha, p_e, p_d, L_inf: (
        alpha * (NMT_NBAR_E / N_e) ** p_e * (NMT_NBAR_D / N_d) ** p_d + L_inf
    ),
}


def _cases():
    return [(name, i) for name in EXPECTED for i in range(2)]


def _point(name: str, i: int) -> tuple[sl.Law, np.ndarray, np.ndarray]:
    X, thetas = POINTS[name]
    return sl.get_law(name), X, np.array(thetas[i], dtype=float)


# --------------------------------------------------------------------------- registry
def test_registry_lists_every_family():
    names = sl.laws.names()
    assert names == EXPECTED
    assert set(POINTS) == set(EXPECTED)
    assert [sl.get_law(n).name for n in names] == names


def test_unknown_law_lists_the_known_ones():
    with pytest.raises(sl.ScalingLabError) as err:
        sl.get_law("chinchila")
    message = str(err.value)
    assert "'chinchila'" in message
    for name in EXPECTED:
        assert name in message


@pytest.mark.parametrize("name", EXPECTED)
def test_law_describes_itself(name):
    law = sl.get_law(name)
    assert law.variables and law.params and law.description and law.citation
    assert law.direction in ("decreasing", "increasing", "either")
    placeholders = set(re.findall(r"<([A-Za-z_][A-Za-z0-9_]*)>", law.template))
    assert placeholders == set(law.param_names)
    lo, hi = law.bounds
    for theta in POINTS[name][1]:
        assert np.all((lo <= theta) & (np.asarray(theta) <= hi)), "test point outside bounds"


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize(("name", "i"), [c for c in _cases() if c[0] in PUBLISHED])
def test_law_equals_the_published_formula(name, i):
    law, X, theta = _point(name, i)
    expected = PUBLISHED[name](*X, **dict(zip(law.param_names, theta, strict=True)))
    np.testing.assert_allclose(law.fn(X, theta), expected, rtol=1e-12)


@pytest.mark.parametrize("i", range(2))
def test_m4_solves_its_implicit_equation(i):
    law, X, theta = _point("m4", i)
    eps_inf, delta, alpha, beta, c = theta
    y = law.fn(X, theta)
    assert np.all((y > eps_inf) & (y < eps_inf + delta))
    lhs = np.log(y - eps_inf) - alpha * np.log(eps_inf + delta - y)
    np.testing.assert_allclose(lhs, np.log(beta) + c * np.log(X[0]), rtol=1e-12, atol=1e-12)


def test_m4_is_bit_for_bit_reproducible():
    law, X, theta = _point("m4", 0)
    a, b = law.fn(X, theta), law.fn(X, theta.copy())
    assert a.tobytes() == b.tobytes()


def test_ilog2_refuses_x_at_or_below_one():
    law = sl.get_law("ilog2")
    with pytest.raises(sl.ScalingLabError, match="x must be > 1"):
        law(np.array([0.5, 2.0]), a=1.0, b=1.0)


def test_chinchilla_allocation_is_compute_optimal():
    law = sl.get_law("chinchilla")
    p = dict(zip(law.param_names, POINTS["chinchilla"][1][0], strict=True))
    budgets = np.array([1e20, 1e23])
    N_opt, D_opt = law.allocation(p, budgets)
    np.testing.assert_allclose(6 * N_opt * D_opt, budgets, rtol=1e-12)
    for C, n_opt in zip(budgets, N_opt, strict=True):
        N = n_opt * np.exp(np.linspace(-0.5, 0.5, 1001))
        loss = law({"N": N, "D": C / (6 * N)}, **p)
        assert abs(np.log(N[np.argmin(loss)] / n_opt)) <= 1e-3


def test_broken_power_without_a_break_is_a_power_law():
    law = sl.get_law("broken_power")
    y = law(DATA, a=0.0, b=3.0, c0=0.4, c1=0.0, d1=1e6, f1=0.5)
    np.testing.assert_allclose(y, 3.0 * DATA**-0.4, rtol=1e-13)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize(("name", "i"), _cases())
def test_jacobian_matches_finite_differences(name, i):
    law, X, theta = _point(name, i)
    assert law.jac is not None, f"{name} has no closed-form gradient"
    J, Jn = law.jac(X, theta), numeric_jac(law, X, theta)
    assert J.shape == (X.shape[1], theta.size)
    # relative 1e-5, with an absolute floor set by each column's scale (finite differences
    # cannot resolve entries far below the column's largest)
    scale = np.max(np.abs(Jn), axis=0, keepdims=True)
    bad = np.abs(J - Jn) > 1e-5 * np.abs(Jn) + 1e-6 * scale
    assert not bad.any(), f"{name}: analytic {J[bad]} vs numeric {Jn[bad]}"


@pytest.mark.parametrize("name", EXPECTED)
def test_batches_of_parameters(name):
    law, X, _ = _point(name, 0)
    thetas = np.array(POINTS[name][1], dtype=float)
    f, J = law.fn(X, thetas), law.jac(X, thetas)
    n, p = X.shape[1], law.n_params
    assert f.shape == (2, n) and J.shape == (2, n, p)
    for b in range(2):
        np.testing.assert_allclose(f[b], law.fn(X, thetas[b]), rtol=1e-15)
        np.testing.assert_allclose(J[b], law.jac(X, thetas[b]), rtol=1e-15)
    assert law.fn(X, thetas[0]).shape == (n,)


@pytest.mark.parametrize("name", EXPECTED)
def test_values_stay_finite_inside_the_bounds(name):
    """Random parameters inside the bounds (within [1e-3, 1e3] in size): no overflow, no NaN."""
    law, X, _ = _point(name, 0)
    rng = np.random.default_rng(1)
    lo, hi = law.bounds
    lo_c, hi_c = np.maximum(lo, -1e3), np.minimum(hi, 1e3)
    u = rng.uniform(size=(200, law.n_params))
    log_lo = np.log(np.maximum(lo_c, 1e-3))
    log_hi = np.log(np.maximum(hi_c, 2e-3))
    log_draw = np.exp(log_lo + u * (log_hi - log_lo))
    thetas = np.where([p.log for p in law.params], log_draw, lo_c + u * (hi_c - lo_c))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        f = law.fn(X, thetas)
        J = law.jac(X, thetas)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(J))


# --------------------------------------------------------------------------- starts
@pytest.mark.parametrize("name", EXPECTED)
def test_init_gives_finite_starts_inside_the_bounds(name):
    law, X, theta = _point(name, 0)
    y = law.fn(X, theta)
    starts = law.init(X, y)
    assert 1 <= len(starts) <= 8
    lo, hi = law.bounds
    for s in starts:
        assert s.shape == (law.n_params,)
        assert np.all(np.isfinite(s)) and np.all((lo <= s) & (s <= hi))


AWKWARD_Y = {
    "constant": lambda x: np.full(x.size, 2.0),
    "negative": lambda x: -np.linspace(1.0, 3.0, x.size),
    "zeros": lambda x: np.zeros(x.size),
    "huge": lambda x: np.geomspace(1e300, 1e280, x.size),
    "tiny": lambda x: np.geomspace(1e-300, 1e-280, x.size),
    "two points": lambda x: np.array([1.0, 0.5]),
}


@pytest.mark.parametrize("kind", AWKWARD_Y)
@pytest.mark.parametrize("name", EXPECTED[2:])  # power, power_offset: see laws/power.py
def test_init_never_warns_or_crashes(name, kind, recwarn):
    """Any data: a finite start (or a ScalingLabError), never a warning or a numpy error."""
    law, X, _ = _point(name, 0)
    if kind == "two points":
        X = X[:, [0, -1]]
    y = AWKWARD_Y[kind](X[0])
    try:
        starts = law.init(X, y)
    except sl.ScalingLabError:
        return
    assert starts and all(np.all(np.isfinite(s)) for s in starts)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# --------------------------------------------------------------------------- exports
@pytest.mark.parametrize(("name", "i"), _cases())
def test_python_export_reproduces_fn(name, i):
    law, X, theta = _point(name, i)
    values = dict(zip(law.param_names, theta, strict=True))
    namespace: dict = {}
    exec("import numpy as np\n" + law.python_source(values, func_name="f"), namespace)
    out = namespace["f"](*X)
    np.testing.assert_allclose(out, law.fn(X, theta), rtol=1e-12, atol=0)


@pytest.mark.parametrize(("name", "i"), _cases())
def test_formulas_render_without_placeholders(name, i):
    law, _, theta = _point(name, i)
    filled = law.latex(dict(zip(law.param_names, theta, strict=True)))
    for text in (law.formula, filled):
        assert not re.search(r"<[A-Za-z_]", text), text
        assert text.count("{") == text.count("}")


def test_latex_brackets_negative_numbers():
    law = sl.get_law("log_linear")
    assert law.latex({"a": 1.0, "b": -0.5}) == r"1 + (-0.5)\,\log x"


def test_multivariable_laws_take_dataframes():
    law = sl.get_law("chinchilla")
    theta = POINTS["chinchilla"][1][0]
    frame = pd.DataFrame({"D": GRID[1], "N": GRID[0]})
    np.testing.assert_allclose(
        law(frame, **dict(zip(law.param_names, theta, strict=True))),
        law.fn(GRID, np.array(theta)),
        rtol=1e-15,
    )


def test_nmt_reference_sizes_are_settable():
    # Ghorbani et al. normalise by the encoder and decoder sizes of a reference model; the
    # default is 1e8 each, and any other choice gives a law of the same family.
    from scalinglab.laws.multivariable import nmt_encoder_decoder

    law = nmt_encoder_decoder(nbar_e=2e8, nbar_d=5e7)
    assert law.name == "nmt_encoder_decoder" and law.options == {"nbar_e": 2e8, "nbar_d": 5e7}
    X = {"N_e": [2e8, 4e8], "N_d": [5e7, 5e7]}
    np.testing.assert_allclose(law(X, alpha=1.0, p_e=0.5, p_d=0.3, L_inf=1.0),
                               [2.0, 1.0 + 2**-0.5], rtol=1e-12)
    assert sl.get_law("nmt_encoder_decoder", nbar_e=2e8, nbar_d=5e7).options == law.options
    assert sl.get_law("nmt_encoder_decoder").options == {"nbar_e": 1e8, "nbar_d": 1e8}
    assert law.formula != sl.get_law("nmt_encoder_decoder").formula
    # exports and JSON keep the reference sizes
    Ne, Nd = np.meshgrid(np.logspace(7, 10, 6), np.logspace(7, 10, 6))
    df = pd.DataFrame({"N_e": Ne.ravel(), "N_d": Nd.ravel()})
    df["loss"] = law(df, alpha=0.8, p_e=0.3, p_d=0.45, L_inf=1.5)
    res = sl.fit(df, x=["N_e", "N_d"], y="loss", law=law, ci="delta")
    assert res.params["alpha"] == pytest.approx(0.8, rel=1e-6)
    back = sl.load_fit(res.to_json())
    np.testing.assert_array_equal(back.predict(df), res.predict(df))
    ns: dict = {}
    exec(res.to_python(), ns)
    np.testing.assert_allclose(ns["predict"](df.N_e.to_numpy(), df.N_d.to_numpy()),
                               res.predict(df), rtol=1e-12)
