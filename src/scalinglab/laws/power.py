"""Power laws in one variable: `power` (Hestness et al. 2017) and `power_offset` (Henighan et al. 2020).

`power` is y = a·x^(−b) with a free sign of b: b > 0 for a falling series (a loss or an error
against data or model size), b < 0 for a rising one (the compute-optimal model size
N_opt ∝ C^(−b), a learning rate against batch size). The fit takes the direction from the
data, so a rising series needs no flag and gets no bound warning.

>>> import numpy as np
>>> import scalinglab as sl
>>> C = np.logspace(18, 23, 10)
>>> res = sl.fit({"C": C, "N_opt": 0.09 * C ** 0.5}, x="C", y="N_opt", law="power", ci=None)
>>> round(res.params["b"], 6), res.warnings
(-0.5, [])
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Law, Param, stack_jac, unpack
from scalinglab.laws.registry import register


def loglog_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line through (log x, log y): returns (log a, b) for y ≈ a·x^(−b).

    Points with y <= 0 are ignored; with fewer than two left, returns a flat line.
    """
    ok = (x > 0) & (y > 0)
    if ok.sum() < 2 or np.ptp(np.log(x[ok])) == 0:
        return float(np.log(np.mean(np.abs(y)) + 1e-300)), 0.0
    slope, intercept = np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)
    return float(intercept), float(-slope)


def x_pow(X: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x^(−b), log x) for x = X[0]: x^(−b) as exp(−b·log x), with the log taken over the n
    points once rather than a ``pow`` over every (resample, point) pair — about 2.5× faster on
    the solver's (B, n) batches, and the log is reused by the Jacobian."""
    lx = np.log(X[0])
    xb = np.multiply(b, -lx)
    return np.exp(xb, out=xb), lx


# --------------------------------------------------------------------------- power
def _power(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b = unpack(theta, 2)
    return a * x_pow(X, b)[0]


def _power_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return stack_jac(*_power_fn_jac(X, theta)[1])


def _power_fn_jac(X: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    a, b = unpack(theta, 2)
    xb, lx = x_pow(X, b)
    f = a * xb
    return f, (xb, -f * lx)


def _power_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    loga, b = loglog_line(X[0], y)  # either sign: the line's slope sets the direction
    return [np.array([np.exp(loga), min(max(b, -9.0), 9.0)])]


POWER = register(
    Law(
        name="power",
        variables=("x",),
        params=(
            Param("a", 0.0, np.inf, log=True, doc="scale"),
            Param("b", -10.0, 10.0, doc="exponent: > 0 falling, < 0 rising (y ∝ x^|b|)"),
        ),
        fn=_power,
        jac=_power_jac,
        fn_jac=_power_fn_jac,
        init=_power_init,
        template=r"<a>\,x^{-<b>}",
        python="return a * x ** (-b)",
        description=("Pure power law, falling (b > 0: the power-law region of a learning "
                     "curve) or rising (b < 0: N_opt against compute)."),
        citation="Hestness et al. 2017, Deep Learning Scaling is Predictable, Empirically",
    )
)


# --------------------------------------------------------------------------- power_offset
def _power_offset(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c = unpack(theta, 3)
    return a * x_pow(X, b)[0] + c


def _power_offset_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return stack_jac(*_power_offset_fn_jac(X, theta)[1])


def _power_offset_fn_jac(
    X: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    a, b, c = unpack(theta, 3)
    xb, lx = x_pow(X, b)
    axb = a * xb
    return axb + c, (xb, -axb * lx, np.ones(1))


def _power_offset_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    x = X[0]
    ymin = float(np.min(y))
    starts = []
    for frac in (0.0, 0.5, 0.9, 0.99):
        c = frac * ymin if ymin > 0 else 0.0
        loga, b = loglog_line(x, y - c)
        starts.append(np.array([np.exp(loga), min(max(b, 1e-3), 9.0), c]))
    return starts


POWER_OFFSET = register(
    Law(
        name="power_offset",
        variables=("x",),
        params=(
            Param("a", 0.0, np.inf, log=True, doc="scale"),
            Param("b", 0.0, 10.0, doc="exponent"),
            Param("c", 0.0, np.inf, doc="irreducible loss (floor)"),
        ),
        fn=_power_offset,
        jac=_power_offset_jac,
        fn_jac=_power_offset_fn_jac,
        levels=("c",),
        init=_power_offset_init,
        template=r"<a>\,x^{-<b>} + <c>",
        python="return a * x ** (-b) + c",
        description="Power law plus an irreducible floor.",
        citation="Henighan et al. 2020, Scaling Laws for Autoregressive Generative Modeling",
    )
)
