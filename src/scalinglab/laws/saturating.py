"""One-variable laws beyond the power law: `exponential`, `log_linear`, `sigmoid`.

* `exponential`: y = a·exp(−b·x) + c, the exponential scaling that data pruning can reach
  (Sorscher et al. 2022). x may be zero or negative.
* `log_linear`: y = a + b·log x, the log-linear trends of downstream metrics (Isik et al. 2024).
* `sigmoid`: a logistic curve in log x between a floor and a ceiling, for saturating or
  "emergent" accuracy. The logistic is written 0.5 + 0.5·tanh(t/2), which never overflows.

>>> import numpy as np
>>> import scalinglab as sl
>>> float(sl.get_law("log_linear")(np.array([np.e]), a=1.0, b=2.0)[0])
3.0
>>> float(sl.get_law("sigmoid")(np.array([100.0]), floor=0.25, ceiling=0.75, k=1.0, x0=100.0)[0])
0.5
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Law, Param, stack_jac, unpack
from scalinglab.laws.registry import register
from scalinglab.laws.starts import best_starts, linear_fit

_EXP_CAP = 300.0  # exp(300) ~ 2e130: values (and squared residuals) stay finite


# --------------------------------------------------------------------------- exponential
def _exponential(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c = unpack(theta, 3)
    return a * np.exp(np.minimum(-b * X[0], _EXP_CAP)) + c


def _exponential_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return stack_jac(*_exponential_fn_jac(X, theta)[1])


def _exponential_fn_jac(
    X: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    a, b, c = unpack(theta, 3)
    e = np.exp(np.minimum(-b * X[0], _EXP_CAP))
    ae = a * e
    return ae + c, (e, -X[0] * ae, np.ones(1))


def _exponential_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """For each floor c: the log-linear fit of y − c, and decay rates b from 0.3 to 1000 per
    span of x with a solved linearly: data that fall fast and then flatten (a power law
    over decades) need a b far above the log-linear one, which from there collapses to a
    flat line (a → 0)."""
    x = X[0]
    ymin = float(np.min(y))
    span = float(np.ptp(x)) or 1.0
    cands = []
    for frac in (0.0, 0.5, 0.9, 0.99):
        c = frac * ymin if ymin > 0 else 0.0
        with np.errstate(all="ignore"):
            intercept, slope = linear_fit(x, np.log(y - c))
        b = -slope if slope < 0 else 1.0 / span
        cands.append(np.array([np.exp(intercept), b, c]))
        for k in (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0):
            e = np.exp(np.minimum(-(k / span) * (x - x.min()), _EXP_CAP))
            a = max(float(np.dot(y - c, e) / np.dot(e, e)), 1e-12)
            cands.append(np.array([a * np.exp(np.minimum((k / span) * x.min(), _EXP_CAP)),
                                   k / span, c]))
    return best_starts(_exponential, X, y, cands, EXPONENTIAL.bounds)


EXPONENTIAL = register(
    Law(
        name="exponential",
        variables=("x",),
        params=(
            Param("a", 0.0, np.inf, log=True, doc="scale"),
            Param("b", 0.0, np.inf, log=True, latex=r"\lambda", doc="decay rate (1/x units)"),
            Param("c", 0.0, np.inf, latex=r"L_\infty", doc="floor"),
        ),
        fn=_exponential,
        jac=_exponential_jac,
        fn_jac=_exponential_fn_jac,
        levels=("c",),
        init=_exponential_init,
        template=r"<a>\,e^{-<b>\,x} + <c>",
        python=f"return a * np.exp(np.minimum(-b * x, {_EXP_CAP!r})) + c",
        direction="decreasing",
        needs_positive_x=False,
        description="Exponential decay to a floor: beating power-law scaling by data pruning.",
        citation=(
            "Sorscher et al. 2022, Beyond neural scaling laws: beating power law scaling via "
            "data pruning"
        ),
    )
)


# --------------------------------------------------------------------------- log_linear
def _log_linear(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b = unpack(theta, 2)
    return a + b * np.log(X[0])


def _log_linear_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b = unpack(theta, 2)
    L = np.log(X[0])
    return stack_jac(np.ones_like(a * L), np.ones_like(b) * L)


def _log_linear_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    intercept, slope = linear_fit(np.log(X[0]), y)
    return [np.array([intercept, slope])]


LOG_LINEAR = register(
    Law(
        name="log_linear",
        variables=("x",),
        params=(
            Param("a", doc="value at x = 1"),
            Param("b", doc="change per e-fold of x"),
        ),
        fn=_log_linear,
        jac=_log_linear_jac,
        init=_log_linear_init,
        template=r"<a> + <b>\,\log x",
        python="return a + b * np.log(x)",
        direction="either",
        description="Linear in log x: downstream metrics that grow log-linearly with data.",
        citation=(
            "Isik et al. 2024, Scaling Laws for Downstream Task Performance of Large Language "
            "Models; Udandarao et al. 2024, No 'Zero-Shot' Without Exponential Data"
        ),
    )
)


# --------------------------------------------------------------------------- sigmoid
def _logistic(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(t) and 1 − σ(t), both accurate, without overflow."""
    h = np.tanh(0.5 * t)
    return 0.5 + 0.5 * h, 0.5 - 0.5 * h


def _sigmoid(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    floor, ceiling, k, x0 = unpack(theta, 4)
    return floor + (ceiling - floor) * (0.5 + 0.5 * np.tanh(0.5 * k * (np.log(X[0]) - np.log(x0))))


def _sigmoid_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return stack_jac(*_sigmoid_fn_jac(X, theta)[1])


def _sigmoid_fn_jac(X: np.ndarray, theta: np.ndarray
                    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    floor, ceiling, k, x0 = unpack(theta, 4)
    dl = np.log(X[0]) - np.log(x0)
    s, one_minus_s = _logistic(k * dl)  # tanh(0.5·k·dl): the same numbers as _sigmoid
    span = ceiling - floor
    slope = span * s * one_minus_s
    return floor + span * s, (one_minus_s, s, slope * dl, -slope * k / x0)


def _sigmoid_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    L = np.log(X[0])
    lo, hi = float(np.min(y)), float(np.max(y))
    rng = (hi - lo) or max(abs(hi), 1.0)
    cands = []
    for m_lo in (0.02, 0.1, 0.3):
        for m_hi in (0.02, 0.1, 0.3, 1.0):
            floor, ceiling = lo - m_lo * rng, hi + m_hi * rng
            z = np.clip((y - floor) / (ceiling - floor), 1e-3, 1 - 1e-3)
            intercept, slope = linear_fit(L, np.log(z / (1 - z)))
            k = slope if slope > 0 else 1.0 / (np.ptp(L) or 1.0)
            x0 = np.exp(np.clip(-intercept / k, -700, 700))
            cands.append(np.array([floor, ceiling, k, x0]))
    return best_starts(_sigmoid, X, y, cands, SIGMOID.bounds)


SIGMOID = register(
    Law(
        name="sigmoid",
        variables=("x",),
        params=(
            Param("floor", latex=r"y_{\mathrm{lo}}", doc="value for small x"),
            Param("ceiling", latex=r"y_{\mathrm{hi}}", doc="value for large x"),
            Param("k", 0.0, 50.0, doc="steepness per e-fold of x"),
            Param("x0", 0.0, np.inf, log=True, latex="x_0", doc="midpoint of the transition"),
        ),
        fn=_sigmoid,
        jac=_sigmoid_jac,
        fn_jac=_sigmoid_fn_jac,
        levels=("floor", "ceiling"),
        init=_sigmoid_init,
        template=(r"<floor> + \frac{<ceiling> - <floor>}{1 + e^{-<k>\,(\log x - \log <x0>)}}"),
        python=(
            "return floor + (ceiling - floor) * "
            "(0.5 + 0.5 * np.tanh(0.5 * k * (np.log(x) - np.log(x0))))"
        ),
        direction="increasing",
        description=(
            "Logistic in log x between a floor and a ceiling: saturating or emergent accuracy."
        ),
        citation=(
            "Wei et al. 2022, Emergent Abilities of Large Language Models; logistic form as in "
            "Ruan et al. 2024, Observational Scaling Laws"
        ),
    )
)
