"""Custom laws from the seed papers with known parameters, and an independent reference
optimum: shared by tests/test_certified_fit.py and benchmarks/custom_laws.py.

The reference is computed without the kernel's solver or objective code: the law written by
hand in numpy, residuals in the fit's space, MINPACK's Levenberg–Marquardt (scipy
``least_squares(method="lm")``) in unconstrained coordinates (log for a parameter bounded
below, logit for one bounded on both sides), from random starts drawn in a plausible box
stated per law and from the true parameters.

Cases (true parameters stated in each builder):

* Isik et al.'s BLEU law (log(A·Dp^α))^β, 12 points, Dp 1e9..1e11, noise sd 0.3 BLEU;
* a bounded sigmoid on pass rates, fitted in linear space;
* Chinchilla written as an expression (5 parameters);
* a broken power law with one break and a floor (Caballero et al.'s form, 6 parameters);
* the D-CPT-style law E + A/N^α + B·r^η/D^β + C/(r + 0.02)^γ on a 4×4×6 grid (8 parameters),
  the mixture ratio r including 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

import scalinglab as sl


@dataclass
class Case:
    law: sl.Law
    frame: pd.DataFrame
    fit_kw: dict
    truth: dict[str, float]
    box: dict[str, tuple[float, float, str]]  # random starts: (low, high, "log" | "lin")
    numpy_law: Callable[..., np.ndarray]  # the formula by hand: f(X, *params)


def bleu(seed: int = 1) -> Case:
    law = sl.Law.from_expression("(log(A * Dp**alpha))**beta", variables=["Dp"],
                                 params={"A": (0, None), "alpha": (0, None), "beta": (0, None)})
    truth = {"A": 0.5, "alpha": 0.2, "beta": 2.5}  # BLEU 17 to 33 over the range
    rng = np.random.default_rng(seed)
    Dp = np.logspace(9, 11, 12)
    frame = pd.DataFrame({"Dp": Dp, "bleu": law(Dp, **truth) + rng.normal(0, 0.3, Dp.size)})
    return Case(law, frame, {"x": "Dp", "y": "bleu"}, truth,
                {"A": (1e-3, 1e3, "log"), "alpha": (0.01, 2.0, "lin"), "beta": (0.1, 5.0, "lin")},
                lambda X, A, alpha, beta: np.log(A * X[0] ** alpha) ** beta)


def pass_rate_sigmoid(seed: int = 2) -> Case:
    law = sl.Law.from_expression(
        "floor + (ceiling - floor) / (1 + exp(-k * (log(N) - log(x0))))", variables=["N"],
        params={"floor": (0, 1), "ceiling": (0, 1), "k": (0, None), "x0": (0, None)})
    truth = {"floor": 0.02, "ceiling": 0.85, "k": 1.5, "x0": 3e9}
    rng = np.random.default_rng(seed)
    N = np.logspace(8, 11, 15)
    rate = np.clip(law(N, **truth) + rng.normal(0, 0.02, N.size), 0, 1)
    return Case(law, pd.DataFrame({"N": N, "pass_rate": rate}),
                {"x": "N", "y": "pass_rate", "space": "linear"}, truth,
                {"floor": (0, 1, "lin"), "ceiling": (0, 1, "lin"), "k": (0.1, 10, "log"),
                 "x0": (1e6, 1e13, "log")},
                lambda X, floor, ceiling, k, x0: (
                    floor + (ceiling - floor) / (1 + np.exp(-k * (np.log(X[0]) - np.log(x0))))))


def chinchilla_expression(seed: int = 0) -> Case:
    law = sl.Law.from_expression("E + A/N**alpha + B/D**beta", variables=["N", "D"],
                                 params={k: (0, None) for k in ["E", "A", "alpha", "B", "beta"]})
    truth = {"E": 1.8, "A": 400.0, "alpha": 0.34, "B": 1500.0, "beta": 0.28}
    rng = np.random.default_rng(seed)
    N, D = np.meshgrid(np.logspace(7, 10, 6), np.logspace(9, 12, 6))
    frame = pd.DataFrame({"N": N.ravel(), "D": D.ravel()})
    frame["loss"] = law(frame, **truth) * np.exp(rng.normal(0, 0.01, len(frame)))
    return Case(law, frame, {"x": ["N", "D"], "y": "loss"}, truth,
                {"E": (0.1, 10, "log"), "A": (1, 1e5, "log"), "alpha": (0.05, 1, "lin"),
                 "B": (1, 1e5, "log"), "beta": (0.05, 1, "lin")},
                lambda X, E, A, alpha, B, beta: E + A / X[0] ** alpha + B / X[1] ** beta)


def broken_power(seed: int = 0) -> Case:
    law = sl.Law.from_expression(
        "b + a * x**(-c0) * (1 + (x/d1)**(1/f1))**(-c1*f1)",
        params={"a": (0, None), "b": (0, None), "c0": (0, 2), "c1": (0, 2), "d1": (0, None),
                "f1": (0.01, 10)})
    truth = {"a": 5.0, "b": 0.5, "c0": 0.05, "c1": 0.3, "d1": 1e6, "f1": 0.5}
    rng = np.random.default_rng(seed)
    x = np.logspace(3, 9, 40)
    frame = pd.DataFrame({"x": x, "loss": law(x, **truth) * np.exp(rng.normal(0, 0.01, x.size))})
    return Case(law, frame, {"x": "x", "y": "loss"}, truth,
                {"a": (0.1, 100, "log"), "b": (0.01, 5, "log"), "c0": (0, 1, "lin"),
                 "c1": (0, 1, "lin"), "d1": (1e3, 1e9, "log"), "f1": (0.05, 5, "log")},
                lambda X, a, b, c0, c1, d1, f1: (
                    b + a * X[0] ** (-c0) * (1 + (X[0] / d1) ** (1 / f1)) ** (-c1 * f1)))


DCPT = "E + A/N**alpha + B*r**eta/D**beta + C/(r + 0.02)**gamma"
DCPT_TRUTH = {"E": 1.2, "A": 50.0, "alpha": 0.2, "B": 100.0, "eta": 0.5, "beta": 0.2, "C": 0.1,
              "gamma": 0.3}


def dcpt(seed: int = 1, ratios: tuple[float, ...] = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8)) -> Case:
    law = sl.Law.from_expression(DCPT, variables=["N", "D", "r"],
                                 params={k: (0, None) for k in DCPT_TRUTH})
    rng = np.random.default_rng(seed)
    N, D, r = np.meshgrid(np.logspace(7, 9, 4), np.logspace(9, 11, 4), np.array(ratios))
    frame = pd.DataFrame({"N": N.ravel(), "D": D.ravel(), "r": r.ravel()})
    frame["loss"] = law(frame, **DCPT_TRUTH) * np.exp(rng.normal(0, 0.01, len(frame)))
    return Case(law, frame, {"x": ["N", "D", "r"], "y": "loss"}, dict(DCPT_TRUTH),
                {"E": (0.1, 10, "log"), "A": (1, 1e5, "log"), "alpha": (0.05, 1, "lin"),
                 "B": (1, 1e5, "log"), "eta": (0.05, 1, "lin"), "beta": (0.05, 1, "lin"),
                 "C": (1e-3, 1, "log"), "gamma": (0.05, 2, "lin")},
                lambda X, E, A, alpha, B, eta, beta, C, gamma: (
                    E + A / X[0] ** alpha + B * X[2] ** eta / X[1] ** beta
                    + C / (X[2] + 0.02) ** gamma))


def reference_optimum(case: Case, starts: list[dict[str, float]]) -> float:
    """The lowest objective (½ Σ r²) MINPACK reaches from ``starts``, written independently of
    the kernel: the hand-written law, in unconstrained coordinates."""
    names = case.law.param_names
    lo = np.array([p.lower for p in case.law.params])
    hi = np.array([p.upper for p in case.law.params])
    both, low = np.isfinite(lo) & np.isfinite(hi), np.isfinite(lo) & ~np.isfinite(hi)
    x_cols = [case.fit_kw["x"]] if isinstance(case.fit_kw["x"], str) else case.fit_kw["x"]
    X = case.frame[x_cols].to_numpy(dtype=float).T
    y = case.frame[case.fit_kw["y"]].to_numpy(dtype=float)
    log = case.fit_kw.get("space", "log") == "log"
    gy = np.log(y) if log else y

    def theta(z):
        return np.where(both, lo + (hi - lo) / (1 + np.exp(-z)), np.where(low, lo + np.exp(z), z))

    def zeta(th):
        p = np.clip((th - lo) / np.where(both, hi - lo, 1.0), 1e-9, 1 - 1e-9)
        return np.where(both, np.log(p / (1 - p)),
                        np.where(low, np.log(np.maximum(th - lo, 1e-300)), th))

    def resid(Z):
        with np.errstate(all="ignore"):
            v = case.numpy_law(X, *np.moveaxis(theta(Z), -1, 0)[..., None])
            r = (np.log(v) if log else v) - gy
        return np.where(np.isfinite(r), r, 1e10)

    q = len(names)

    def jac(z):  # central differences, all 2q points in one call
        h = 1e-7 * np.maximum(1.0, np.abs(z))
        R = resid(np.vstack([z + h * np.eye(q), z - h * np.eye(q)]))
        return ((R[:q] - R[q:]) / (2 * h[:, None])).T

    best = np.inf
    for s in starts:
        z0 = zeta(np.array([s[k] for k in names], dtype=float))
        out = least_squares(resid, z0, jac=jac, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12,
                            max_nfev=5000)
        best = min(best, 0.5 * float(np.sum(out.fun**2)))
    return best


def random_starts(case: Case, n: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = {}
        for name, (a, b, kind) in case.box.items():
            s[name] = float(np.exp(rng.uniform(np.log(a), np.log(b))) if kind == "log"
                            else rng.uniform(a, b))
        out.append(s)
    return out


CASES = {"bleu": bleu, "sigmoid": pass_rate_sigmoid, "chinchilla": chinchilla_expression,
         "broken_power": broken_power, "dcpt": dcpt}
