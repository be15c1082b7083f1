"""Helpers that laws use to build data-driven starting points.

Every law's ``init`` proposes a handful of candidate parameter vectors (from linearised fits,
break points at data quantiles, small grids over the non-linear parameters); `best_starts`
clips them into the law's bounds and keeps the few that already fit the data best, so the
solver's multi-start begins near the optimum.

>>> import numpy as np
>>> intercept, slope = linear_fit(np.array([1.0, 2.0, 3.0]), np.array([3.0, 5.0, 7.0]))
>>> round(intercept, 12), round(slope, 12)
(1.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    """Move a start strictly inside the bounds (log-space parameters stay positive)."""
    theta = np.where(np.isfinite(theta), theta, 1.0)
    span = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    lo = np.where(np.isfinite(lower), lower + 1e-6 * span, -np.inf)
    hi = np.where(np.isfinite(upper), upper - 1e-6 * span, np.inf)
    lo = np.where(lower == 0, np.maximum(lo, 1e-12), lo)
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
