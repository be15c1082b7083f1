"""Uncertainty of a fit: delta method and case-resampling bootstrap.

* ``delta``: covariance s²(JᵀWJ)⁻¹ in solver coordinates (log for scale parameters, so their
  intervals are asymmetric and stay positive), t quantiles with n − q degrees of freedom.
* ``bootstrap``: B resamples of the fitted points drawn as multinomial counts and solved all
  at once by `batched_lm`, warm-started from the point estimate. Percentile intervals for
  parameters; pointwise percentile bands for the curve. Both get the usual small-sample
  correction: deviations from the point fit are scaled by √(n/(n−q))·t/z, since the bootstrap
  variance is biased low by (n−q)/n and a percentile acts like a z rather than a t quantile
  (without it, 95% bands cover ~93% at n = 40; with it, ~95%: tests/test_coverage.py).

Prediction bands add the residual noise: for the delta method its variance s² in fitting
space; for the bootstrap, residuals of the point fit resampled onto each curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objective import Objective, ParamMap
from scalinglab.fitting.solver import batched_lm

METHODS = ("bootstrap", "delta", None)


@dataclass
class Uncertainty:
    """What is needed to draw intervals and bands after the fit (also stored in JSON)."""

    method: str | None
    resid_sd: float  # residual scale in fitting space
    resid: np.ndarray  # point-fit residuals (fitting space), for prediction bands
    dof: int
    cov_u: np.ndarray | None = None  # (q, q), delta method
    samples_u: np.ndarray | None = None  # (B, q), bootstrap
    n_failed: int = 0


def residual_scale(obj: Objective, u: np.ndarray) -> tuple[np.ndarray, float, int]:
    r = obj.residuals(u)
    w = obj.weights
    n = int((w > 0).sum())
    dof = max(n - obj.pmap.q, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        s2 = float(np.sum(w * r * r) / dof)
    if not math.isfinite(s2):
        big = float(np.nanmax(np.abs(r))) if np.isfinite(r).any() else float("inf")
        raise ScalingLabError(
            f"the {obj.law.name!r} fit leaves residuals too large to square (up to {big:.3g}): "
            "the data span too many orders of magnitude for this fit; fit in space='log', "
            "rescale the columns, or remove the extreme rows"
        )
    return r, float(np.sqrt(s2)), dof


def delta_cov(obj: Objective, u: np.ndarray, s: float) -> np.ndarray:
    """s²(JᵀWJ)⁻¹, with W the user weights times the robust loss's IRLS weights."""
    J = obj.jac(u)
    W = obj.step_weights(obj.residuals(u))
    A = (J * W[:, None]).T @ J
    try:
        inv = np.linalg.inv(A)
        if not np.all(np.isfinite(inv)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(A)
    return s * s * inv


# Each resample is solved until its remaining step is below this many standard errors (in
# the metric of JᵀWJ): far below the Monte Carlo error of a 2.5% quantile of 1,000 resamples
# (~0.09 SE), and it stops the slow, linear convergence of a misspecified law early.
BOOT_SE_TOL = 0.02


def bootstrap(
    obj: Objective, u: np.ndarray, n_boot: int, seed: int, resid_sd: float | None = None,
    max_iter: int = 25,
) -> tuple[np.ndarray, int]:
    """Case-resampling bootstrap over the fitted points; returns (samples_u, n_failed).

    ``resid_sd``: the point fit's residual scale s (computed if not given). A resample stops
    when its next step would lower its cost by less than ½(0.02·s)², i.e. move it by less
    than 0.02 standard errors, or after ``max_iter`` iterations."""
    if n_boot < 50:
        raise ScalingLabError(f"n_boot={n_boot} is too few for percentile intervals: use >= 50")
    rng = np.random.default_rng(seed)
    n = obj.target.shape[0]
    # Case resampling as counts: n draws with replacement per resample, tallied with one
    # bincount (the same distribution as rng.multinomial, several times faster).
    draws = rng.integers(0, n, size=(n_boot, n)) + (np.arange(n_boot) * n)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(float)
    # Warm-started at the full-data optimum, each resample is a few Gauss-Newton steps from
    # its own (see BOOT_SE_TOL for when it stops).
    # Solved in chunks of about 20,000 (resample, point) pairs: each chunk's arrays stay in
    # the CPU cache, which makes 1,000 resamples of 200 points ~1.5x faster than one batch.
    # Up to 50,000 pairs (a widget's 300 resamples), one batch saves the per-chunk overhead.
    chunk = n_boot if n_boot * n <= 50_000 else max(32, 20_000 // max(n, 1))
    if resid_sd is None:
        resid_sd = residual_scale(obj, u)[1]
    atol = 0.5 * (BOOT_SE_TOL * resid_sd) ** 2
    # 25 iterations take all but the odd far-out resample of a misspecified law to its optimum
    # (most need 1-3); a straggler keeps its last, lower-cost point.
    U, ok = batched_lm(obj, u, counts, max_iter=max_iter, tol=1e-12, lam0=1e-6, atol=atol,
                       chunk=chunk)
    return U[ok], int((~ok).sum())


def build(
    obj: Objective, u: np.ndarray, method: str | None, n_boot: int, seed: int,
    boot_max_iter: int = 25,
) -> Uncertainty:
    if method not in METHODS:
        raise ScalingLabError(f"ci must be 'bootstrap', 'delta' or None, not {method!r}")
    r, s, dof = residual_scale(obj, u)
    unc = Uncertainty(method=method, resid_sd=s, resid=r, dof=dof)
    if method == "delta":
        unc.cov_u = delta_cov(obj, u, s)
    elif method == "bootstrap":
        unc.samples_u, unc.n_failed = bootstrap(obj, u, n_boot, seed, resid_sd=s,
                                                max_iter=boot_max_iter)
        if unc.samples_u.shape[0] < 0.9 * n_boot:
            raise ScalingLabError(
                f"{unc.n_failed} of {n_boot} bootstrap refits failed: the law is poorly "
                "determined by this data; try ci='delta', fewer parameters, or more points"
            )
    return unc


def small_sample_factor(unc: Uncertainty, level: float) -> float:
    """√(n/(n−q))·t/z: widens bootstrap percentile intervals to their nominal coverage."""
    n = len(unc.resid)
    a = (1 - level) / 2
    return float(np.sqrt(n / unc.dof) * t_quantile(1 - a, unc.dof) / t_quantile(1 - a, 0))


@lru_cache(maxsize=256)
def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile (dof = 0: the normal's), cached: scipy.stats takes ~0.5 ms a
    call, and a widget asks for the same few on every refit."""
    return float(stats.norm.ppf(p) if dof == 0 else stats.t.ppf(p, dof))


def param_intervals(
    unc: Uncertainty, pmap: ParamMap, u: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals for every law parameter (fixed ones have zero width)."""
    theta = pmap.theta(u)
    if unc.method is None:
        nan = np.full_like(theta, np.nan)
        return nan, nan
    a = (1 - level) / 2
    if unc.method == "delta":
        assert unc.cov_u is not None
        t = t_quantile(1 - a, unc.dof)
        se = np.sqrt(np.maximum(np.diag(unc.cov_u), 0.0))
        lo_t, hi_t = pmap.theta(u - t * se), pmap.theta(u + t * se)
    else:
        assert unc.samples_u is not None
        k = small_sample_factor(unc, level)
        ql, qh = np.quantile(unc.samples_u, [a, 1 - a], axis=0)
        lo_t, hi_t = pmap.theta(u + k * (ql - u)), pmap.theta(u + k * (qh - u))
    return np.minimum(lo_t, hi_t), np.maximum(lo_t, hi_t)


def curve_band(
    unc: Uncertainty,
    obj: Objective,
    u: np.ndarray,
    X: np.ndarray,
    kind: str,
    level: float,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(center, lo, hi) of the law's output at X: a confidence or prediction band."""
    if kind not in ("confidence", "prediction"):
        raise ScalingLabError(f"band kind must be 'confidence' or 'prediction', not {kind!r}")
    if unc.method is None:
        raise ScalingLabError("this fit has no uncertainty: refit with ci='bootstrap' or 'delta'")
    center = obj.model(u, X)
    a = (1 - level) / 2
    gc = obj.g(center)
    if unc.method == "delta":
        assert unc.cov_u is not None
        G = obj.jac(u, X)  # d g(f)/du
        var = np.einsum("mp,pq,mq->m", G, unc.cov_u, G)
        if kind == "prediction":
            var = var + unc.resid_sd**2
        t = t_quantile(1 - a, unc.dof)
        half = t * np.sqrt(np.maximum(var, 0.0))
        lo_g, hi_g = gc - half, gc + half
    else:
        assert unc.samples_u is not None
        with np.errstate(all="ignore"):
            F = obj.g(obj.model(unc.samples_u, X))  # (B, m)
        if kind == "prediction":
            rng = np.random.default_rng(seed)
            res = unc.resid - unc.resid.mean()
            infl = np.sqrt(len(res) / max(unc.dof, 1))
            F = F + rng.choice(res * infl, size=F.shape)
        finite = np.isfinite(F)
        if finite.all():  # the common case; nanquantile is ~100x slower
            lo_g, hi_g = np.quantile(F, [a, 1 - a], axis=0)
        else:
            lo_g, hi_g = np.nanquantile(np.where(finite, F, np.nan), [a, 1 - a], axis=0)
        if kind == "confidence":
            k = small_sample_factor(unc, level)
            lo_g, hi_g = gc + k * (lo_g - gc), gc + k * (hi_g - gc)
    if obj.space == "log":
        return center, np.exp(lo_g), np.exp(hi_g)
    return center, lo_g, hi_g
