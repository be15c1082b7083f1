"""Smoothly broken power laws (BNSL, Caballero et al. 2022): `broken_power`, `broken_power2`.

y = a + b·x^(−c0)·Π_i (1 + (x/d_i)^(1/f_i))^(−c_i·f_i)

Below a break d_i the segment contributes nothing; above it the slope in log-log space
steepens by c_i (flattens if c_i < 0); f_i sets how sharp the bend is (small f: sharp).
The product is evaluated in log space, (1 + (x/d)^(1/f))^(−c·f) = exp(−c·f·softplus(log(x/d)/f)),
so that no intermediate overflows; the total log-factor is capped at 300 (exp(300) ~ 2e130),
so that values and even their squared residuals stay finite.

The starts put the breaks at quantiles of log x and fit log(y − a) by a hinge regression
(the f → 0 limit of the law), for a few floors a; the best few by log-space error are kept.
With two breaks the law is unchanged when the (c_i, d_i, f_i) triples swap places, so a fit
may report break 2 before break 1: compare breaks by their locations d_i.

>>> import numpy as np
>>> import scalinglab as sl
>>> law = sl.get_law("broken_power")
>>> law.param_names
('a', 'b', 'c0', 'c1', 'd1', 'f1')
>>> y = law(np.array([1e2, 1e6]), a=0.1, b=5.0, c0=0.1, c1=0.3, d1=1e4, f1=0.5)
>>> bool(y[0] > y[1] > 0.1)
True
"""

from __future__ import annotations

import itertools

import numpy as np

from scalinglab.laws.base import Law, Param, stack_jac, unpack
from scalinglab.laws.registry import register
from scalinglab.laws.starts import best_starts, log_quantiles, lstsq

_LOG_CAP = 300.0
_CITATION = "Caballero et al. 2022, Broken Neural Scaling Laws (arXiv:2210.14891)"


def _params(n_breaks: int) -> tuple[Param, ...]:
    params = [
        Param("a", 0.0, np.inf, doc="limit as x grows (irreducible value)"),
        Param("b", 0.0, np.inf, log=True, doc="scale"),
        Param("c0", -5.0, 10.0, latex="c_0", doc="log-log slope before the first break"),
    ]
    for i in range(1, n_breaks + 1):
        params += [
            Param(f"c{i}", -10.0, 10.0, latex=f"c_{i}", doc=f"change of slope at break {i}"),
            Param(f"d{i}", 0.0, np.inf, log=True, latex=f"d_{i}", doc=f"location of break {i}"),
            Param(f"f{i}", 0.01, 10.0, log=True, latex=f"f_{i}", doc=f"sharpness of break {i}"),
        ]
    return tuple(params)


def _parts(X: np.ndarray, theta: np.ndarray, n_breaks: int):
    vals = unpack(theta, 3 + 3 * n_breaks)
    a, b, c0 = vals[:3]
    breaks = [tuple(vals[3 + 3 * i : 6 + 3 * i]) for i in range(n_breaks)]
    L = np.log(X[0])
    expo = -c0 * L
    pieces = []
    for c, d, f in breaks:
        u = (L - np.log(d)) / f
        s = np.logaddexp(0.0, u)
        expo = expo - c * f * s
        pieces.append((c, d, f, u, s))
    g = np.exp(np.minimum(expo, _LOG_CAP))
    return a, b, L, g, pieces


def _make_fn(n_breaks: int):
    def fn(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        a, b, _, g, _ = _parts(X, theta, n_breaks)
        return a + b * g

    def jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        _, b, L, g, pieces = _parts(X, theta, n_breaks)
        cols = [np.ones_like(g), g, -b * g * L]
        for c, d, f, u, s in pieces:
            sig = 0.5 + 0.5 * np.tanh(0.5 * u)  # logistic(u) = d softplus(u) / du
            cols += [-b * g * f * s, b * g * c * sig / d, -b * g * c * (s - sig * u)]
        return stack_jac(*cols)

    return fn, jac


def _hinge_candidates(x: np.ndarray, y: np.ndarray, n_breaks: int) -> list[np.ndarray]:
    """Piecewise-linear fits of log(y − a) on log x with hinges at quantiles of log x."""
    ymin = float(np.min(y))
    floors = [0.0, 0.5 * ymin, 0.9 * ymin] if ymin > 0 else [0.0]
    qs = [0.25, 0.5, 0.75] if n_breaks == 1 else [0.2, 0.4, 0.6, 0.8]
    knots = log_quantiles(x, qs)
    L = np.log(x)
    out = []
    for a in floors:
        with np.errstate(all="ignore"):
            z = np.log(y - a)
        for ds in itertools.combinations(knots, n_breaks):
            feats = [np.ones_like(L), L] + [np.maximum(L - np.log(d), 0.0) for d in ds]
            coef = lstsq(feats, z)
            theta = [a, np.exp(np.clip(coef[0], -700.0, 700.0)), -coef[1]]
            for c, d in zip(-coef[2:], ds, strict=True):
                theta += [c, d, 0.3]
            out.append(np.array(theta, dtype=float))
    return out


def _make_init(fn, n_breaks: int, bounds: tuple[np.ndarray, np.ndarray]):
    def init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            cands = _hinge_candidates(X[0], y, n_breaks)
            return best_starts(fn, X, y, cands, bounds, keep=4)

    return init


def _template(n_breaks: int) -> str:
    factors = "".join(
        rf"\left(1 + \left(\frac{{x}}{{<d{i}>}}\right)^{{1/<f{i}>}}\right)^{{-<c{i}>\,<f{i}>}}"
        for i in range(1, n_breaks + 1)
    )
    return r"<a> + <b>\,x^{-<c0>}" + factors


def _python(n_breaks: int) -> str:
    lines = ["L = np.log(x)", "expo = -c0 * L"]
    for i in range(1, n_breaks + 1):
        lines.append(f"expo = expo - c{i} * f{i} * np.logaddexp(0.0, (L - np.log(d{i})) / f{i})")
    lines.append(f"return a + b * np.exp(np.minimum(expo, {_LOG_CAP!r}))")
    return "\n".join(lines)


def _make_law(name: str, n_breaks: int, description: str) -> Law:
    params = _params(n_breaks)
    fn, jac = _make_fn(n_breaks)
    lo = np.array([p.lower for p in params])
    hi = np.array([p.upper for p in params])
    return Law(
        name=name,
        variables=("x",),
        params=params,
        fn=fn,
        jac=jac,
        init=_make_init(fn, n_breaks, (lo, hi)),
        template=_template(n_breaks),
        python=_python(n_breaks),
        direction="decreasing",
        description=description,
        citation=_CITATION,
    )


BROKEN_POWER = register(
    _make_law(
        "broken_power",
        1,
        "Smoothly broken power law with one break: two power-law regimes joined smoothly.",
    )
)
BROKEN_POWER2 = register(
    _make_law(
        "broken_power2",
        2,
        "Smoothly broken power law with two breaks: three power-law regimes joined smoothly.",
    )
)
