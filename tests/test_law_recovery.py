"""Every registered law recovers known parameters from noisy synthetic data through `sl.fit`.

Design: realistic x ranges (1e3..1e9 for data/model-size laws, 2..200 for learning-curve
families), 0.5% multiplicative log-normal noise, a fixed seed per law.

Tolerance, per parameter: 4 asymptotic standard errors, computed here (independently of the
kernel's uncertainty code) from the law's Jacobian at the true parameters for this design and
this noise level: SE = sqrt(diag(σ² (JᵀJ)⁻¹)) with J = d log f / d θ (d log θ for parameters
fitted in log space, whose error is then measured as log(estimate / truth)). A fit that lands
on a different optimum misses by many standard errors; noise alone exceeds 4 SE with
probability 6e-5. Where the data pin a parameter down only loosely (a break's sharpness, the
scale of a term far outside the data) this tolerance is large, so the test also requires the
fitted curve to match the true curve within 1% over the data, and caps every tolerance at 50%
so that no check is vacuous.
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl

NOISE = 0.005
DATA = np.logspace(3, 9, 50)
CURVE = np.geomspace(2, 200, 50)

ONE_VARIABLE = {
    "power": (DATA, {"a": 20.0, "b": 0.3}),
    "power_offset": (DATA, {"a": 20.0, "b": 0.3, "c": 1.5}),
    "broken_power": (
        DATA,
        {"a": 0.5, "b": 8.0, "c0": 0.05, "c1": 0.35, "d1": 1e6, "f1": 0.3},
    ),
    "broken_power2": (
        np.logspace(2, 10, 100),
        {
            "a": 0.2,
            "b": 8.0,
            "c0": 0.05,
            "c1": 0.35,
            "d1": 1e4,
            "f1": 0.3,
            "c2": 0.5,
            "d2": 1e7,
            "f2": 0.3,
        },
    ),
    "exponential": (np.linspace(0.0, 200.0, 50), {"a": 2.0, "b": 0.02, "c": 0.3}),
    "log_linear": (DATA, {"a": 0.9, "b": -0.03}),
    "sigmoid": (DATA, {"floor": 0.25, "ceiling": 0.9, "k": 1.2, "x0": 1e6}),
    "m4": (
        np.logspace(0, 8, 80),
        {"eps_inf": 0.1, "delta": 0.8, "alpha": 1.5, "beta": 30.0, "c": -0.4},
    ),
    "vapor_pressure": (CURVE, {"a": -1.0, "b": 1.5, "c": -0.2}),
    "mmf": (CURVE, {"a": 0.9, "b": 50.0, "c": 0.2, "d": 1.2}),
    "weibull": (CURVE, {"a": 0.05, "b": -0.6, "c": 0.2, "d": 0.8}),
    "janoschek": (CURVE, {"alpha": 0.9, "beta": 0.2, "kappa": 0.05, "delta": 0.8}),
    "ilog2": (CURVE, {"a": 0.5, "b": 0.95}),
    "pow4": (CURVE, {"a": 0.15, "b": -2.0, "c": 0.6, "d": 3.0}),
}

_G1, _G2 = np.meshgrid(np.logspace(6, 11, 10), np.logspace(8, 13, 10))
_NMT1, _NMT2 = np.meshgrid(np.logspace(7, 10, 8), np.logspace(7, 10, 8))
SEVERAL_VARIABLES = {
    "chinchilla": (
        {"N": _G1.ravel(), "D": _G2.ravel()},
        {"E": 1.8, "A": 400.0, "B": 1500.0, "alpha": 0.34, "beta": 0.28},
    ),
    "kaplan": (
        {"N": _G1.ravel(), "D": _G2.ravel()},
        {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.095},
    ),
    "nmt_encoder_decoder": (
        {"N_e": _NMT1.ravel(), "N_d": _NMT2.ravel()},
        {"alpha": 0.8, "p_e": 0.3, "p_d": 0.45, "L_inf": 1.5},
    ),
}

# The BNSL is unchanged when its breaks are relabelled; compare them sorted by location.
BREAKS = {"broken_power2": [("c1", "d1", "f1"), ("c2", "d2", "f2")]}


def _case(name: str) -> tuple[pd.DataFrame, str | list[str], dict[str, float]]:
    law = sl.get_law(name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if name in ONE_VARIABLE:
        x, truth = ONE_VARIABLE[name]
        frame, xcols = pd.DataFrame({"x": x}), "x"
        clean = law(x, **truth)
    else:
        cols, truth = SEVERAL_VARIABLES[name]
        frame, xcols = pd.DataFrame(cols), list(cols)
        clean = law(frame, **truth)
    frame["y"] = clean * np.exp(rng.normal(0.0, NOISE, size=len(frame)))
    return frame, xcols, truth


def tolerances(law: sl.Law, X: np.ndarray, truth: dict[str, float]) -> np.ndarray:
    """4 asymptotic standard errors per parameter, relative to the truth (for log-space
    parameters: on log θ, which is the same to first order)."""
    theta = law.theta(truth)
    J = law.jac(X, theta) / law.fn(X, theta)[:, None]  # d log f / d θ
    se = np.sqrt(np.diag(NOISE**2 * np.linalg.inv(J.T @ J)))
    return 4.0 * se / np.abs(theta)


def _canonical(name: str, params: dict[str, float]) -> dict[str, float]:
    if name not in BREAKS:
        return params
    triples = sorted((tuple(params[k] for k in t) for t in BREAKS[name]), key=lambda t: t[1])
    out = dict(params)
    for keys, values in zip(BREAKS[name], triples, strict=True):
        out.update(zip(keys, values, strict=True))
    return out


def test_every_registered_law_has_a_recovery_case():
    assert set(sl.laws.names()) == set(ONE_VARIABLE) | set(SEVERAL_VARIABLES)


@pytest.mark.parametrize("name", [*ONE_VARIABLE, *SEVERAL_VARIABLES])
def test_law_recovers_parameters(name):
    law = sl.get_law(name)
    frame, xcols, truth = _case(name)
    X = law.as_matrix(frame[xcols] if isinstance(xcols, list) else frame[xcols].to_numpy())
    tol = tolerances(law, X, truth)
    loose = {n: round(float(t), 3) for n, t in zip(law.param_names, tol, strict=True) if t > 0.5}
    assert not loose, f"the design does not pin {name} down: 4-SE tolerances {loose}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(frame, x=xcols, y="y", law=name, ci=None, higher_is_better=False)
    est = _canonical(name, res.params)
    for p, t in zip(law.params, tol, strict=True):
        true = truth[p.name]
        if p.log:
            err = abs(np.log(est[p.name] / true))
        else:
            err = abs(est[p.name] - true) / abs(true)
        assert err <= t, (
            f"{name}.{p.name}: estimate {est[p.name]:.6g}, truth {true:.6g}, error {err:.3g} > "
            f"tolerance {t:.3g} (4 SE)"
        )
    fitted, true_curve = res.predict(frame[xcols]), law(X, **truth)
    assert np.max(np.abs(fitted / true_curve - 1)) < 0.01


def test_custom_expression_recovers_with_generic_starts():
    law = sl.Law.from_expression(
        "a * x**(-b) + c", params={"a": (0, None), "b": (0, 3), "c": (0, None)}
    )
    truth = {"a": 20.0, "b": 0.3, "c": 1.5}
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": DATA})
    frame["y"] = law(DATA, **truth) * np.exp(rng.normal(0, NOISE, DATA.size))
    res = sl.fit(frame, x="x", y="y", law=law, ci=None, higher_is_better=False)
    tol = tolerances(law, DATA[None], truth)
    for (name, true), t in zip(truth.items(), tol, strict=True):
        assert abs(res.params[name] - true) / true <= t, (name, res.params[name], true, t)
