"""Learning-curve families (LCDB, Mohr et al. 2022; Domhan et al. 2015).

The definitions and parameter names follow LCDB's curve models (``vap3``, ``mmf4``, ``wbl4``,
``ilog2``, ``pow4``) and Domhan et al.'s ``janoschek``:

=================  =========================================  ====================
law                formula                                    LCDB / Domhan name
=================  =========================================  ====================
`vapor_pressure`   exp(a + b/x + c·log x)                     vap3
`mmf`              (a·b + c·x^d) / (b + x^d)                  mmf4
`weibull`          c − b·exp(−a·x^d)                          wbl4
`janoschek`        α − (α − β)·exp(−κ·x^δ)                    janoschek
`ilog2`            b − a / log x          (needs x > 1)       ilog2
`pow4`             a − b·(x + d)^(−c)                         pow4
=================  =========================================  ====================

They describe error or accuracy as a function of training-set size (or epochs); each can
rise or fall, so their direction is "either". `mmf` is evaluated in the equivalent form
c − (c − a)·logistic(log b − d·log x), which cannot overflow.

>>> import numpy as np
>>> import scalinglab as sl
>>> float(sl.get_law("mmf")(np.array([2.0]), a=0.0, b=4.0, c=1.0, d=2.0)[0])
0.5
"""

from __future__ import annotations

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law, Param, stack_jac, unpack
from scalinglab.laws.registry import register
from scalinglab.laws.starts import best_starts, linear_fit, lstsq

_CAP = 300.0  # exp(300) ~ 2e130: values (and squared residuals) stay finite
LCDB = (
    "Mohr, Viering, Loog, van Rijn 2022, LCDB 1.0: An Extensive Learning Curves Database for "
    "Classification Tasks (ECML PKDD); see also Viering & Loog 2022, The Shape of Learning Curves"
)
DOMHAN = (
    "Domhan, Springenberg, Hutter 2015, Speeding up Automatic Hyperparameter Optimization of "
    "Deep Neural Networks by Extrapolation of Learning Curves (IJCAI)"
)


def _ends(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(y at the smallest x, y at the largest x, direction sign, y range) from the data ends."""
    order = np.argsort(x)
    k = max(1, len(x) // 5)
    first, last = float(np.mean(y[order[:k]])), float(np.mean(y[order[-k:]]))
    sign = 1.0 if last >= first else -1.0
    rng = float(np.ptp(y)) or max(abs(last), 1.0)
    return first, last, sign, rng


def _margins() -> tuple[float, ...]:
    return (0.02, 0.1, 0.3, 1.0)


# --------------------------------------------------------------------------- vapor_pressure
def _vapor(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c = unpack(theta, 3)
    x = X[0]
    return np.exp(np.minimum(a + b / x + c * np.log(x), _CAP))


def _vapor_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    y = _vapor(X, theta)
    return stack_jac(y, y / X[0], y * np.log(X[0]))


def _vapor_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    x = X[0]
    with np.errstate(all="ignore"):
        coef = lstsq([np.ones_like(x), 1.0 / x, np.log(x)], np.log(y))
    return [coef]


VAPOR_PRESSURE = register(
    Law(
        name="vapor_pressure",
        variables=("x",),
        params=(Param("a"), Param("b"), Param("c")),
        fn=_vapor,
        jac=_vapor_jac,
        init=_vapor_init,
        template=r"\exp\left(<a> + \frac{<b>}{x} + <c>\,\log x\right)",
        python=f"return np.exp(np.minimum(a + b / x + c * np.log(x), {_CAP!r}))",
        direction="either",
        description="Vapor pressure (LCDB vap3): exp(a + b/x + c·log x).",
        citation=f"{LCDB}; {DOMHAN}",
    )
)


# --------------------------------------------------------------------------- mmf
def _mmf_parts(X: np.ndarray, theta: np.ndarray):
    a, b, c, d = unpack(theta, 4)
    z = d * np.log(X[0]) - np.log(b)
    h = np.tanh(0.5 * z)
    return a, b, c, d, 0.5 - 0.5 * h, 0.5 + 0.5 * h  # w = 1/(1 + x^d/b), 1 − w


def _mmf(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c, d = unpack(theta, 4)
    return c - (c - a) * (0.5 - 0.5 * np.tanh(0.5 * (d * np.log(X[0]) - np.log(b))))


def _mmf_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return stack_jac(*_mmf_fn_jac(X, theta)[1])


def _mmf_fn_jac(X: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    a, b, c, _, w, one_minus_w = _mmf_parts(X, theta)
    dz = (c - a) * w * one_minus_w  # dy/dz, z = d·log x − log b
    return c - (c - a) * w, (w, -dz / b, one_minus_w, dz * np.log(X[0]))


def _mmf_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    x = X[0]
    L = np.log(x)
    first, last, sign, rng = _ends(x, y)
    cands = []
    for m_a in _margins():
        for m_c in _margins():
            a, c = first - sign * m_a * rng, last + sign * m_c * rng
            w = np.clip((c - y) / (c - a), 1e-3, 1 - 1e-3)
            intercept, slope = linear_fit(L, np.log((1 - w) / w))
            d = slope if slope > 0 else 0.5
            cands.append(np.array([a, np.exp(np.clip(-intercept, -700, 700)), c, d]))
    return best_starts(_mmf, X, y, cands, MMF.bounds)


MMF = register(
    Law(
        name="mmf",
        variables=("x",),
        params=(
            Param("a", doc="value at x = 0"),
            Param("b", 0.0, np.inf, log=True, doc="x^d at the midpoint"),
            Param("c", doc="limit for large x"),
            Param("d", 0.0, 20.0, doc="steepness"),
        ),
        fn=_mmf,
        jac=_mmf_jac,
        fn_jac=_mmf_fn_jac,
        levels=("a", "c"),
        init=_mmf_init,
        template=r"\frac{<a>\,<b> + <c>\,x^{<d>}}{<b> + x^{<d>}}",
        python="return c - (c - a) * (0.5 - 0.5 * np.tanh(0.5 * (d * np.log(x) - np.log(b))))",
        direction="either",
        description="Morgan-Mercer-Flodin (LCDB mmf4): a sigmoid in log x from a to c.",
        citation=f"{LCDB}; {DOMHAN}",
    )
)


# --------------------------------------------------------------------------- weibull, janoschek
def _weibull_core(X: np.ndarray, a, d):
    P = np.exp(np.minimum(d * np.log(X[0]), _CAP))  # x^d
    return P, np.exp(-a * P)


def _weibull(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c, d = unpack(theta, 4)
    return c - b * np.exp(-a * np.exp(np.minimum(d * np.log(X[0]), _CAP)))


def _weibull_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, _, d = unpack(theta, 4)
    P, e = _weibull_core(X, a, d)
    return stack_jac(b * P * e, -e, np.ones_like(e), b * e * a * P * np.log(X[0]))


def _weibull_candidates(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Starts (a, b, c, d) for c − b·exp(−a·x^d): asymptotes from the data ends, then a line."""
    L = np.log(x)
    first, last, sign, rng = _ends(x, y)
    cands = []
    for m0 in _margins():
        for m_c in _margins():
            c, y0 = last + sign * m_c * rng, first - sign * m0 * rng
            b = c - y0
            r = np.clip((c - y) / b, 1e-6, 1 - 1e-6)
            intercept, slope = linear_fit(L, np.log(-np.log(r)))
            d = slope if slope > 0 else 0.5
            cands.append(np.array([np.exp(np.clip(intercept, -700, 700)), b, c, d]))
    return cands


def _weibull_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    return best_starts(_weibull, X, y, _weibull_candidates(X[0], y), WEIBULL.bounds)


WEIBULL = register(
    Law(
        name="weibull",
        variables=("x",),
        params=(
            Param("a", 0.0, np.inf, log=True, doc="rate"),
            Param("b", doc="c minus the value at x = 0"),
            Param("c", doc="limit for large x"),
            Param("d", 0.0, 10.0, doc="shape"),
        ),
        fn=_weibull,
        jac=_weibull_jac,
        levels=("c",),
        init=_weibull_init,
        template=r"<c> - <b>\,e^{-<a>\,x^{<d>}}",
        python=f"return c - b * np.exp(-a * np.exp(np.minimum(d * np.log(x), {_CAP!r})))",
        direction="either",
        description="Weibull (LCDB wbl4): c − b·exp(−a·x^d).",
        citation=f"{LCDB}; {DOMHAN}",
    )
)


def _janoschek(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    alpha, beta, kappa, delta = unpack(theta, 4)
    return alpha - (alpha - beta) * np.exp(-kappa * np.exp(np.minimum(delta * np.log(X[0]), _CAP)))


def _janoschek_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    alpha, beta, kappa, delta = unpack(theta, 4)
    P, e = _weibull_core(X, kappa, delta)
    g = alpha - beta
    return stack_jac(1.0 - e, e, g * P * e, g * e * kappa * P * np.log(X[0]))


def _janoschek_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    cands = [np.array([c, c - b, a, d]) for a, b, c, d in _weibull_candidates(X[0], y)]
    return best_starts(_janoschek, X, y, cands, JANOSCHEK.bounds)


JANOSCHEK = register(
    Law(
        name="janoschek",
        variables=("x",),
        params=(
            Param("alpha", latex=r"\alpha", doc="limit for large x"),
            Param("beta", latex=r"\beta", doc="value at x = 0"),
            Param("kappa", 0.0, np.inf, log=True, latex=r"\kappa", doc="rate"),
            Param("delta", 0.0, 10.0, latex=r"\delta", doc="shape"),
        ),
        fn=_janoschek,
        jac=_janoschek_jac,
        levels=("alpha", "beta"),
        init=_janoschek_init,
        template=r"<alpha> - (<alpha> - <beta>)\,e^{-<kappa>\,x^{<delta>}}",
        python=(
            "return alpha - (alpha - beta) * np.exp(\n"
            f"    -kappa * np.exp(np.minimum(delta * np.log(x), {_CAP!r}))\n"
            ")"
        ),
        direction="either",
        description="Janoschek: α − (α − β)·exp(−κ·x^δ), from β at x = 0 to α.",
        citation=DOMHAN,
    )
)


# --------------------------------------------------------------------------- ilog2
def _log_x_above_one(X: np.ndarray) -> np.ndarray:
    x = X[0]
    if np.any(~(x > 1)):
        bad = x[~(x > 1)]
        raise ScalingLabError(
            f"law 'ilog2' divides by log x, so every x must be > 1; got x = {bad[0]!r}. "
            "Rescale x (e.g. count samples rather than fractions) or choose another law."
        )
    return np.log(x)


def _ilog2(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b = unpack(theta, 2)
    return b - a / _log_x_above_one(X)


def _ilog2_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b = unpack(theta, 2)
    L = _log_x_above_one(X)
    return stack_jac(np.ones_like(a) * (-1.0 / L), np.ones_like(b * L))


def _ilog2_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    b, minus_a = linear_fit(1.0 / _log_x_above_one(X), y)
    return [np.array([-minus_a, b])]


ILOG2 = register(
    Law(
        name="ilog2",
        variables=("x",),
        params=(Param("a", doc="weight of 1/log x"), Param("b", doc="limit for large x")),
        fn=_ilog2,
        jac=_ilog2_jac,
        levels=("b",),
        init=_ilog2_init,
        template=r"<b> - \frac{<a>}{\log x}",
        python="return b - a / np.log(x)",
        direction="either",
        description="Inverse logarithm (LCDB ilog2): b − a/log x; needs x > 1.",
        citation=LCDB,
    )
)


# --------------------------------------------------------------------------- pow4
def _pow4(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c, d = unpack(theta, 4)
    return a - b * np.exp(np.minimum(-c * np.log(X[0] + d), _CAP))


def _pow4_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    _, b, c, d = unpack(theta, 4)
    xd = X[0] + d
    P = np.exp(np.minimum(-c * np.log(xd), _CAP))
    return stack_jac(np.ones_like(P), -P, b * P * np.log(xd), b * c * P / xd)


def _pow4_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    x = X[0]
    _, last, sign, rng = _ends(x, y)
    cands = []
    for d in (
        1e-3 * float(np.min(x)),
        0.1 * float(np.min(x)),
        float(np.min(x)),
        float(np.median(x)),
    ):
        for m in _margins():
            a = last + sign * m * rng
            with np.errstate(all="ignore"):
                intercept, slope = linear_fit(np.log(x + d), np.log(sign * (a - y)))
            c = -slope if slope < 0 else 0.5
            cands.append(np.array([a, sign * np.exp(np.clip(intercept, -700, 700)), c, d]))
    return best_starts(_pow4, X, y, cands, POW4.bounds)


POW4 = register(
    Law(
        name="pow4",
        variables=("x",),
        params=(
            Param("a", doc="limit for large x"),
            Param("b", doc="scale (its sign sets the direction)"),
            Param("c", 0.0, 10.0, doc="exponent"),
            Param("d", 0.0, np.inf, log=True, doc="shift of x"),
        ),
        fn=_pow4,
        jac=_pow4_jac,
        levels=("a",),
        init=_pow4_init,
        template=r"<a> - <b>\,(x + <d>)^{-<c>}",
        python=f"return a - b * np.exp(np.minimum(-c * np.log(x + d), {_CAP!r}))",
        direction="either",
        description="Shifted power law (LCDB pow4): a − b·(x + d)^(−c).",
        citation=LCDB,
    )
)
