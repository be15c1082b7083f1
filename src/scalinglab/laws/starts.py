"""Helpers that laws use to build data-driven starting points.

Every law's ``init`` proposes a handful of candidate parameter vectors (from linearised fits,
break points at data quantiles, small grids over the non-linear parameters); `best_starts`
clips them into the law's bounds and keeps the few that already fit the data best, so the
solver's multi-start begins near the optimum. Laws with no such knowledge (custom
expressions) draw quasi-random points of a search box instead (`search_range`,
`quasi_random`).

>>> import numpy as np
>>> intercept, slope = linear_fit(np.array([1.0, 2.0, 3.0]), np.array([3.0, 5.0, 7.0]))
>>> round(intercept, 12), round(slope, 12)
(1.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Model = Callable[[np.ndarray, np.ndarray], np.ndarray]


def linear_fit(t: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """Least-squares line z ≈ intercept + slope·t over the finite points (flat if degenerate)."""
    ok = np.isfinite(t) & np.isfinite(z)
    if ok.sum() < 2 or np.ptp(t[ok]) == 0:
        return (float(np.mean(z[ok])) if ok.any() else 0.0), 0.0
    intercept, slope = lstsq([np.ones(int(ok.sum())), t[ok]], z[ok])
    return float(intercept), float(slope)


def lstsq(features: Sequence[np.ndarray], z: np.ndarray) -> np.ndarray:
    """Least squares z ≈ Σ coef_j·feature_j over the finite rows (columns scaled first)."""
    F = np.column_stack([np.broadcast_to(f, z.shape) for f in features]).astype(float)
    with np.errstate(all="ignore"):
        ok = np.isfinite(z) & np.all(np.isfinite(F), axis=1)
        if ok.sum() < F.shape[1]:
            return np.zeros(F.shape[1])
        scale = np.max(np.abs(F[ok]), axis=0)
        scale[(scale == 0) | ~np.isfinite(scale)] = 1.0
        try:
            coef, *_ = np.linalg.lstsq(F[ok] / scale, z[ok], rcond=None)
        except np.linalg.LinAlgError:
            return np.zeros(F.shape[1])
        coef = coef / scale
    return np.where(np.isfinite(coef), coef, 0.0)


def log_quantiles(x: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Points spread over the range of log x (x > 0), at the given quantiles."""
    lx = np.log(x[x > 0])
    if lx.size == 0:
        return [1.0 for _ in qs]
    return [float(np.exp(np.quantile(lx, q))) for q in qs]


def clip_into(theta: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Move a start strictly inside the bounds (log-space parameters stay positive): by 1e-6
    of the range when it is finite, else by 1e-12 relative to the bound (a positive scale
    may start at 1e-9: a decay rate of x in the billions).

    >>> clip_into(np.array([0.0, 1e-9, 2.0]), np.array([0.0, 0.0, 0.0]),
    ...           np.array([1.0, np.inf, 1.0])).tolist()
    [1e-06, 1e-09, 0.999999]
    """
    theta = np.where(np.isfinite(theta), theta, 1.0)
    finite = np.isfinite(upper - lower)
    span = np.where(finite, upper - lower, 1.0)
    margin_lo = np.where(finite, 1e-6 * span, 1e-12 * np.maximum(1.0, np.abs(lower)))
    margin_hi = np.where(finite, 1e-6 * span, 1e-12 * np.maximum(1.0, np.abs(upper)))
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(lower), lower + margin_lo, -np.inf)
        hi = np.where(np.isfinite(upper), upper - margin_hi, np.inf)
    return np.clip(theta, lo, hi)


def start_score(fn: Model, X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    """Sum of squared residuals of a start (log space when y > 0, else linear); inf if unusable."""
    return float(batch_scores(fn, X, y, np.asarray(theta, dtype=float)[None, :])[0])


def batch_scores(fn: Model, X: np.ndarray, y: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """`start_score` of many starts at once: ``thetas`` (M, p) → (M,) (one batched call)."""
    with np.errstate(all="ignore"):
        pred = fn(X, thetas)
        if np.all(y > 0):
            r = np.log(np.where(pred > 0, pred, np.nan)) - np.log(y)
        else:
            r = pred - y
        sse = np.sum(r * r, axis=-1)
    return np.where(np.isfinite(sse), sse, np.inf)


def best_starts(
    fn: Model,
    X: np.ndarray,
    y: np.ndarray,
    candidates: Sequence[np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray],
    keep: int = 4,
) -> list[np.ndarray]:
    """Clip the candidates into ``bounds`` and keep the ``keep`` best distinct ones.

    Candidates that give non-finite predictions are kept only when nothing else is usable.
    """
    lower, upper = bounds
    clipped = clip_into(np.array([np.asarray(c, dtype=float) for c in candidates]), lower, upper)
    scores = batch_scores(fn, X, y, clipped)
    scored = sorted(zip(scores, range(len(clipped)), clipped, strict=True), key=lambda t: t[:2])
    out: list[np.ndarray] = []
    for score, _, c in scored:
        if out and not np.isfinite(score):
            break
        if any(np.allclose(c, o, rtol=1e-6, atol=1e-12) for o in out):
            continue
        out.append(c)
        if len(out) == keep:
            break
    return out


# --------------------------------------------------------------------------- quasi-random starts
# Magnitudes a parameter with no other hint is searched over (log-uniform), and those of an
# exponent (a power of a variable): scaling exponents lie well inside 0.01..5.
MAGNITUDES = (1e-4, 1e4)
EXPONENTS = (1e-2, 5.0)


@dataclass(frozen=True)
class SearchRange:
    """Where the quasi-random starts of one parameter are drawn, from t in [0, 1]:

    * ``"lin"``: uniformly on [a, b];
    * ``"log"``: shift + sign·m, m log-uniform on [a, b] (a > 0);
    * ``"signed"``: ±m, m log-uniform on [a, b] (t < ½ negative, t > ½ positive).
    """

    kind: str
    a: float
    b: float
    shift: float = 0.0
    sign: float = 1.0

    def at(self, t: np.ndarray) -> np.ndarray:
        if self.kind == "lin":
            return self.a + t * (self.b - self.a)
        la, lb = np.log(self.a), np.log(self.b)
        if self.kind == "log":
            return self.shift + self.sign * np.exp(la + t * (lb - la))
        z = 2.0 * t - 1.0
        return np.sign(z) * np.exp(la + np.abs(z) * (lb - la))


def search_range(lower: float, upper: float,
                 window: tuple[float, float] | None = None) -> SearchRange:
    """The range to draw starts of a parameter bounded by [lower, upper] from. ``window``:
    the magnitudes it plausibly takes, when known (an exponent's `EXPONENTS`, or the range of
    the variable a location is compared with); a parameter bounded on both sides is otherwise
    drawn uniformly between its bounds (log-uniformly if they are positive and a factor 100 or
    more apart), one bounded on one side at log-uniform distances `MAGNITUDES` from it.

    >>> search_range(0, math.inf)
    SearchRange(kind='log', a=0.0001, b=10000.0, shift=0.0, sign=1.0)
    >>> search_range(0, 1)
    SearchRange(kind='lin', a=0.0, b=1.0, shift=0.0, sign=1.0)
    >>> search_range(0, 1e15, window=(1e6, 1e12))
    SearchRange(kind='log', a=1000000.0, b=1000000000000.0, shift=0.0, sign=1.0)
    >>> search_range(-math.inf, math.inf, EXPONENTS).kind
    'signed'
    """
    lo_ok, hi_ok = math.isfinite(lower), math.isfinite(upper)
    if window is not None and lower >= 0:
        a, b = max(window[0], lower), min(window[1], upper)
        if 0 < a < b:
            return SearchRange("log", a, b)
    a, b = window or MAGNITUDES
    if lo_ok and hi_ok:
        if lower > 0 and upper / lower >= 100:
            return SearchRange("log", float(lower), float(upper))
        return SearchRange("lin", float(lower), float(upper))
    if lo_ok:
        s = max(1.0, abs(lower))
        return SearchRange("log", a * s, b * s, shift=float(lower))
    if hi_ok:
        s = max(1.0, abs(upper))
        return SearchRange("log", a * s, b * s, shift=float(upper), sign=-1.0)
    return SearchRange("signed", a, b)


def quasi_random(ranges: Sequence[SearchRange], n: int, seed: int = 0) -> np.ndarray:
    """``n`` (a power of 2) scrambled Sobol points (scipy.stats.qmc) mapped into ``ranges``:
    (n, len(ranges)). Quasi-random points cover a box more evenly than random ones, so fewer
    are needed to land one in every basin; the seed makes them reproducible.

    >>> P = quasi_random([SearchRange("lin", 0, 1), SearchRange("log", 1e-2, 1e2)], 64)
    >>> P.shape, bool(P[:, 1].min() >= 1e-2 and P[:, 1].max() <= 1e2)
    ((64, 2), True)
    """
    from scipy.stats import qmc

    if not ranges:
        return np.zeros((1, 0))
    T = qmc.Sobol(len(ranges), scramble=True, seed=seed).random_base2(int(math.log2(n)))
    return np.column_stack([r.at(T[:, j]) for j, r in enumerate(ranges)])
