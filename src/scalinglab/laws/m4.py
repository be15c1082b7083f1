"""The M4 estimator of Alabdulmohsin et al. 2022: `m4`.

    (y − ε∞) / (ε0 − y)^α = β·x^c        (c < 0: y falls from ε0 towards ε∞)

y is defined implicitly. We parametrise ε0 = ε∞ + Δ with Δ > 0, so that every parameter
vector inside the bounds defines a curve (ε0 > ε∞ cannot be a box bound). Writing
y = ε∞ + Δ·t with t = logistic(s), the equation becomes

    h(s) = s + (α − 1)·softplus(s) − q = 0,     q = log β + c·log x + (α − 1)·log Δ,

and h is strictly increasing in s for α > 0. Because softplus(s) lies between max(s, 0) and
max(s, 0) + log 2, the root lies in a bracket of width at most |α − 1|·log 2 / min(α, 1)
that we compute in closed form. h is convex for α > 1 and concave for α < 1, so Newton's
method started at the bracket's upper (α ≥ 1) or lower (α < 1) end approaches the root
monotonically, never leaving the bracket; a fixed 12 steps reach machine precision over
the whole parameter range (checked against 200-step bisection). The number of steps never
depends on the data, so the same inputs always give the same bits, and the exported
function (`M4_PYTHON`, the same algorithm written out) reproduces ``fn``. The gradient
follows from the implicit function theorem.

>>> import numpy as np
>>> import scalinglab as sl
>>> law = sl.get_law("m4")
>>> x = np.array([10.0, 1e4])
>>> y = law(x, eps_inf=0.1, delta=0.8, alpha=1.0, beta=2.0, c=-0.5)
>>> lhs = (y - 0.1) / (0.9 - y) ** 1.0
>>> bool(np.allclose(lhs, 2.0 * x ** -0.5, rtol=1e-12))
True
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Law, Param, stack_jac, unpack
from scalinglab.laws.registry import register
from scalinglab.laws.starts import best_starts, linear_fit

_NEWTON = 12
_TINY = 1e-300
_ALPHA_MIN = 1e-9
_S_MAX = 745.0


def _solve(x, eps_inf, delta, alpha, beta, c):
    """y, t, 1 − t and s of the M4 solution (the same steps as `M4_PYTHON`)."""
    q = np.log(beta) + c * np.log(x) + (alpha - 1.0) * np.log(delta)
    am = np.maximum(alpha, _ALPHA_MIN)
    w = np.abs(alpha - 1.0) * np.log(2.0)
    v_lo = q - np.where(alpha > 1.0, w, 0.0)
    v_hi = q + np.where(alpha < 1.0, w, 0.0)
    lo = np.clip(np.where(v_lo > 0.0, v_lo / am, v_lo), -_S_MAX, _S_MAX)
    hi = np.clip(np.where(v_hi > 0.0, v_hi / am, v_hi), -_S_MAX, _S_MAX)
    s = np.where(alpha >= 1.0, hi, lo)
    for _ in range(_NEWTON):
        e = np.exp(-np.abs(s))
        h = s + (alpha - 1.0) * (np.maximum(s, 0.0) + np.log1p(e)) - q
        dh = np.where(s >= 0.0, e + alpha, 1.0 + alpha * e) / (1.0 + e)
        s = np.clip(s - h / np.maximum(dh, _TINY), lo, hi)
    e = np.exp(-np.abs(s))
    t = np.where(s >= 0.0, 1.0, e) / (1.0 + e)
    one_minus_t = np.where(s >= 0.0, e, 1.0) / (1.0 + e)
    return eps_inf + delta * t, t, one_minus_t, s


M4_PYTHON = f"""\
with np.errstate(all="ignore"):
    q = np.log(beta) + c * np.log(x) + (alpha - 1.0) * np.log(delta)
    am = np.maximum(alpha, {_ALPHA_MIN!r})
    w = np.abs(alpha - 1.0) * np.log(2.0)
    v_lo = q - np.where(alpha > 1.0, w, 0.0)
    v_hi = q + np.where(alpha < 1.0, w, 0.0)
    lo = np.clip(np.where(v_lo > 0.0, v_lo / am, v_lo), {-_S_MAX!r}, {_S_MAX!r})
    hi = np.clip(np.where(v_hi > 0.0, v_hi / am, v_hi), {-_S_MAX!r}, {_S_MAX!r})
    s = np.where(alpha >= 1.0, hi, lo)
    for _ in range({_NEWTON}):
        e = np.exp(-np.abs(s))
        h = s + (alpha - 1.0) * (np.maximum(s, 0.0) + np.log1p(e)) - q
        dh = np.where(s >= 0.0, e + alpha, 1.0 + alpha * e) / (1.0 + e)
        s = np.clip(s - h / np.maximum(dh, {_TINY!r}), lo, hi)
    e = np.exp(-np.abs(s))
    return eps_inf + delta * (np.where(s >= 0.0, 1.0, e) / (1.0 + e))
"""


def _m4(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    eps_inf, delta, alpha, beta, c = unpack(theta, 5)
    with np.errstate(all="ignore"):
        y, *_ = _solve(X[0], eps_inf, delta, alpha, beta, c)
    return y


def _m4_jac(X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    eps_inf, delta, alpha, beta, c = unpack(theta, 5)
    x = X[0]
    with np.errstate(all="ignore"):
        y, t, one_minus_t, s = _solve(x, eps_inf, delta, alpha, beta, c)
    # F(y) = log(y − ε∞) − α·log(ε∞ + Δ − y) − log β − c·log x = 0;  dy/dθ = −F_θ / F_y, with
    # 1/F_y = Δ·t·(1 − t) / ((1 − t) + α·t).
    inv_fy = delta * t * one_minus_t / (one_minus_t + alpha * t)
    # log(ε0 − y) = log Δ + log(1 − t) = log Δ − softplus(s)
    log_gap = np.log(delta) - (np.maximum(s, 0.0) + np.log1p(np.exp(-np.abs(s))))
    return stack_jac(
        np.ones_like(y),
        alpha * t / (one_minus_t + alpha * t),
        log_gap * inv_fy,
        inv_fy / beta,
        np.log(x) * inv_fy,
    )


def _m4_init(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    L = np.log(X[0])
    ymin, ymax = float(np.min(y)), float(np.max(y))
    cands = []
    for f_inf in (0.0, 0.5, 0.9):
        eps_inf = f_inf * ymin if ymin > 0 else ymin - 0.1 * (abs(ymin) + 1.0)
        for f0 in (1.02, 1.2, 2.0):
            eps_0 = eps_inf + f0 * (ymax - eps_inf)
            for alpha in (0.5, 1.0, 2.0):
                with np.errstate(all="ignore"):
                    z = np.log(y - eps_inf) - alpha * np.log(eps_0 - y)
                intercept, slope = linear_fit(L, z)
                c = min(slope, -1e-3)
                cands.append(np.array([eps_inf, eps_0 - eps_inf, alpha, np.exp(intercept), c]))
    return best_starts(_m4, X, y, cands, M4.bounds)


M4 = register(
    Law(
        name="m4",
        variables=("x",),
        params=(
            Param("eps_inf", 0.0, np.inf, latex=r"\varepsilon_\infty", doc="limit for large x"),
            Param(
                "delta",
                0.0,
                np.inf,
                log=True,
                latex=r"\Delta",
                doc="ε0 − ε∞: the gap to the small-x value ε0 (random-guess error)",
            ),
            Param("alpha", 0.0, 10.0, latex=r"\alpha", doc="shape of the approach to ε0"),
            Param("beta", 0.0, np.inf, log=True, latex=r"\beta", doc="scale"),
            Param("c", -10.0, 0.0, doc="scaling exponent (negative)"),
        ),
        fn=_m4,
        jac=_m4_jac,
        init=_m4_init,
        # y itself has no closed form: the formula reads "y = ε∞ + Δ·t, where t solves ...",
        # which is (y − ε∞)/(ε0 − y)^α = β·x^c with ε0 = ε∞ + Δ, divided through by Δ^(1−α).
        template=(
            r"<eps_inf> + <delta>\,t,\ \text{where}\ \frac{t}{(1 - t)^{<alpha>}} = "
            r"<beta> \cdot <delta>^{<alpha> - 1}\,x^{<c>}"
        ),
        python=M4_PYTHON,
        direction="decreasing",
        description=(
            "M4: a power law in x for (y − ε∞)/(ε0 − y)^α, so the curve bends from the "
            "random-guess level ε0 = ε∞ + Δ into a power law towards ε∞."
        ),
        citation="Alabdulmohsin et al. 2022, Revisiting Neural Scaling Laws in Language and Vision",
    )
)
