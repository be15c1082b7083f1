"""Per-budget isoFLOP profiles, fitted for many weightings of the runs at once.

Each budget's runs trace the loss along one compute C_b. Two profiles locate its minimum:

* ``"exact"`` (the default): the isoFLOP profile of the Chinchilla law,
  ``L = E_b + A_b·N^(-α) + B_b·D^(-β)``, with its own E_b, A_b, B_b per budget and one pair
  of exponents (α, β) shared by all budgets. For fixed exponents the coefficients are linear,
  so they are solved exactly per budget (variable projection, as in Czech et al. 2026,
  ``vpnls``) and only (α, β) are searched. The profile has the true law's shape, so its
  minimum carries no shape bias; with per-budget coefficients each minimum is still located
  by its own budget's runs (approach 2), not by a surface imposed on all of them (approach 3).
* ``"parabola"``: a parabola in log N per budget (Hoffmann et al. 2022, approach 2). Its
  vertex is biased when the profile is skewed (α ≠ β) and sampled wide; kept to reproduce
  papers and to show that bias.

Residuals are relative (weights 1/L², close to log-space residuals) in both. The fits take B
problems at once: per-run weights ``W`` and losses ``Y`` of shape (B, m), such as B bootstrap
resamples of the losses, solved together. `solve_exact` is a small Levenberg–Marquardt in (log α, log β) on the
variable-projection objective, with Kaufman's Jacobian; it is written here because scipy has
no batched solver and a loop of 1,000 `scipy.optimize.least_squares` calls costs ~1000× the
work. Each problem stops on its Newton decrement (the predicted reduction of the objective);
problems that do not meet it within `MAX_ITER` are reported, never silently kept.

>>> import numpy as np
>>> from scalinglab.compute.profiles import ProfileData, fit_profiles
>>> E, A, B, al, be = 1.69, 406.4, 410.7, 0.34, 0.28
>>> rows = []
>>> for C in (1e19, 1e20, 1e21):
...     for N in np.geomspace(1e8, 1e10, 9) * (C / 1e20) ** 0.45:
...         D = C / (6 * N); rows.append((C, N, D, E + A * N**-al + B * D**-be))
>>> C, N, D, L = map(np.array, zip(*rows))
>>> data = ProfileData.build(N, D, L, np.repeat([0, 1, 2], 9), C_b=np.array([1e19, 1e20, 1e21]))
>>> fit = fit_profiles(data, "exact")
>>> truth = (al * A / (be * B)) ** (1 / (al + be)) * (1e20 / 6) ** (be / (al + be))
>>> bool(abs(fit.N_opt[0, 1] / truth - 1) < 1e-6)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ScalingLabError

PROFILES = ("exact", "parabola")
MAX_ITER = 60
STALL_ITERS = 10
NEWTON_AFTER = 8  # iterations of Gauss–Newton before a straggler switches to Newton
DECREMENT_TOL = 1e-10  # stop when the predicted reduction is below this share of the objective
LOG_EXP_BOUNDS = (math.log(0.01), math.log(5.0))  # exponents α, β searched within [0.01, 5]
START_GRID = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5)


@dataclass
class ProfileData:
    """Runs of the budgets, sorted by budget then N, with per-budget reference points."""

    lnN: np.ndarray  # (m,)
    lnD: np.ndarray
    y: np.ndarray
    omega: np.ndarray  # 1/y²: relative residuals
    budget: np.ndarray  # (m,) budget index
    starts: np.ndarray  # (K,) first run of each budget
    C_b: np.ndarray  # (K,) budget compute
    tN: np.ndarray  # lnN minus its budget's mean: centred features keep the 3×3 solves sound
    tD: np.ndarray
    lnN_ref: np.ndarray  # (K,)
    lnD_ref: np.ndarray  # (K,)
    size_starts: np.ndarray  # first run of each (budget, N) pair
    size_budget_starts: np.ndarray  # first pair of each budget
    order: np.ndarray  # (m,) positions in the caller's arrays

    @classmethod
    def build(cls, N: np.ndarray, D: np.ndarray, y: np.ndarray, budget: np.ndarray,
              C_b: np.ndarray) -> ProfileData:
        order = np.lexsort((N, budget))
        N, D, y, budget = N[order], D[order], y[order], budget[order]
        K = int(C_b.size)
        starts = np.searchsorted(budget, np.arange(K))
        lnN, lnD = np.log(N), np.log(D)
        counts = np.diff(np.append(starts, budget.size))
        lnN_ref = np.add.reduceat(lnN, starts) / counts
        lnD_ref = np.add.reduceat(lnD, starts) / counts
        new_size = np.ones(N.size, dtype=bool)
        new_size[1:] = (budget[1:] != budget[:-1]) | (N[1:] != N[:-1])
        size_starts = np.flatnonzero(new_size)
        size_budget_starts = np.searchsorted(budget[size_starts], np.arange(K))
        return cls(lnN=lnN, lnD=lnD, y=y, omega=1.0 / y**2, budget=budget, starts=starts,
                   C_b=np.asarray(C_b, dtype=float), tN=lnN - lnN_ref[budget],
                   tD=lnD - lnD_ref[budget], lnN_ref=lnN_ref, lnD_ref=lnD_ref,
                   size_starts=size_starts, size_budget_starts=size_budget_starts, order=order)

    @property
    def K(self) -> int:
        return int(self.C_b.size)

    @property
    def m(self) -> int:
        return int(self.y.size)

    def seg(self, values: np.ndarray) -> np.ndarray:
        """Per-budget sums over the last axis: (..., m) -> (..., K)."""
        return np.add.reduceat(values, self.starts, axis=-1)

    def usable(self, W: np.ndarray) -> np.ndarray:
        """(B, K): budgets whose weighted runs include at least 3 distinct model sizes."""
        per_size = np.add.reduceat(W > 0, self.size_starts, axis=-1) > 0
        return np.add.reduceat(per_size, self.size_budget_starts, axis=-1) >= 3


@dataclass
class ProfileFit:
    """Per-budget profiles for B weightings: coefficients, minima, and solver status."""

    profile: str
    coef: np.ndarray  # (B, K, 3): exact: E_b, A_b, B_b on centred features; parabola: c0, c1, c2
    theta: np.ndarray  # (B, 2): log α, log β (exact); NaN for the parabola
    N_opt: np.ndarray  # (B, K); NaN where the profile has no minimum
    loss_min: np.ndarray  # (B, K)
    valid: np.ndarray  # (B, K) usable and with a minimum
    converged: np.ndarray  # (B,)
    sse: np.ndarray  # (B,)


def _solve3(M: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Batched solves of symmetric positive semi-definite 3×3 systems M·X = R (R: (..., 3, r))
    by an explicit LDLᵀ factorisation, with a tiny relative ridge so that degenerate
    weightings stay finite (they are masked by `ProfileData.usable`). numpy's batched
    `linalg.solve` pays a LAPACK call per 3×3 system: ~20× slower for 10,000 of them."""
    m = M + (1e-12 * np.abs(np.diagonal(M, axis1=-2, axis2=-1)) + 1e-300)[..., None] * np.eye(3)
    d1 = m[..., 0, 0]
    l21, l31 = m[..., 1, 0] / d1, m[..., 2, 0] / d1
    d2 = m[..., 1, 1] - l21 * l21 * d1
    l32 = (m[..., 2, 1] - l31 * l21 * d1) / d2
    d3 = m[..., 2, 2] - l31 * l31 * d1 - l32 * l32 * d2
    l21, l31, l32 = l21[..., None], l31[..., None], l32[..., None]
    z1 = R[..., 0, :]
    z2 = R[..., 1, :] - l21 * z1
    z3 = R[..., 2, :] - l31 * z1 - l32 * z2
    x3 = z3 / d3[..., None]
    x2 = z2 / d2[..., None] - l32 * x3
    x1 = z1 / d1[..., None] - l21 * x2 - l31 * x3
    return np.stack([x1, x2, x3], axis=-2)


def _gram_moments(data: ProfileData, w: np.ndarray, f1: np.ndarray, f2: np.ndarray,
                  *targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per budget, the weighted Gram matrix of the features (1, f1, f2), (B, K, 3, 3), and
    their moments Fᵀ·w·g with each target g, (B, K, 3, len(targets)); one segment sum."""
    shape = np.broadcast_shapes(w.shape, np.shape(f1), np.shape(f2))
    P = np.empty((6 + 3 * len(targets), *shape))
    P[0] = w
    np.multiply(w, f1, out=P[1])
    np.multiply(w, f2, out=P[2])
    np.multiply(P[1], f1, out=P[3])
    np.multiply(P[1], f2, out=P[4])
    np.multiply(P[2], f2, out=P[5])
    for i, g in enumerate(targets):
        j = 6 + 3 * i
        np.multiply(w, g, out=P[j])
        np.multiply(P[j], f1, out=P[j + 1])
        np.multiply(P[j], f2, out=P[j + 2])
    S = np.add.reduceat(P, data.starts, axis=-1)
    s1, sa, sb, saa, sab, sbb = S[:6]
    M = np.stack([np.stack([s1, sa, sb], -1), np.stack([sa, saa, sab], -1),
                  np.stack([sb, sab, sbb], -1)], -2)
    mom = np.moveaxis(S[6:].reshape((len(targets), 3, *S.shape[1:])), (0, 1), (-1, -2))
    return M, mom


def _features(data: ProfileData, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    al, be = np.exp(theta[:, :1]), np.exp(theta[:, 1:])
    return np.exp(-al * data.tN), np.exp(-be * data.tD)


def _vp(data: ProfileData, w: np.ndarray, theta: np.ndarray, ok: np.ndarray,
        jac: bool = False, y: np.ndarray | None = None):
    """Variable projection at exponents ``theta``: coefficients, residuals, objective and,
    with ``jac``, the Gauss–Newton system (Kaufman's approximation) in (log α, log β).
    ``y``: losses per weighting (B, m), default the runs' own."""
    y = data.y if y is None else y
    u, v = _features(data, theta)
    wr = np.where(ok[:, data.budget], w, 0.0)  # budgets without 3 sizes drop out
    M, mom = _gram_moments(data, wr, u, v, y)
    c = _solve3(M, mom)[..., 0]  # (B, K, 3)
    c0, c1, c2 = (np.take(c[..., i], data.budget, axis=1) for i in range(3))  # (B, m)
    r = y - (c0 + c1 * u + c2 * v)
    sse = np.sum(wr * r * r, axis=1)
    if not jac:
        return c, sse
    al, be = np.exp(theta[:, :1]), np.exp(theta[:, 1:])
    g1 = c1 * (-al * data.tN) * u  # d fit / d log α at fixed coefficients
    g2 = c2 * (-be * data.tD) * v
    _, h = _gram_moments(data, wr, u, v, g1, g2)  # (B, K, 3, 2)
    proj = np.einsum("zkia,zkib->zab", h, _solve3(M, h))  # Σ over budgets of hᵀM⁻¹h
    wg1, wg2 = wr * g1, wr * g2
    H = np.stack([np.stack([np.sum(wg1 * g1, 1), np.sum(wg1 * g2, 1)], -1),
                  np.stack([np.sum(wg1 * g2, 1), np.sum(wg2 * g2, 1)], -1)], -2) - proj
    grad = np.stack([np.sum(wg1 * r, 1), np.sum(wg2 * r, 1)], -1)  # = -Jᵀ W r
    return c, sse, H, grad


def solve_exact(data: ProfileData, W: np.ndarray, theta0: np.ndarray,
                ok: np.ndarray | None = None, atol: float = 0.0, Y: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit the shared exponents for each of B weightings, warm-started at ``theta0`` ((2,) or
    (B, 2): log α, log β); returns (theta, coef, sse, converged).

    A problem has converged when its Newton decrement (the objective's predicted further
    reduction, over the exponents not held at a bound) is below ``DECREMENT_TOL`` × its
    objective, or below ``atol``: bootstrap resamples pass (0.02 standard errors)² × the
    residual variance, the project's `BOOT_SE_TOL`, since a resample need not be solved more
    finely than a small share of its own spread. A problem whose last `STALL_ITERS`
    iterations together lowered the objective by less than that has converged too (relative
    reduction over iterations: the flat valleys along an exponent's bound). Problems still
    short of both after ``MAX_ITER`` iterations come back with ``converged`` False."""
    B = W.shape[0]
    w = W * data.omega
    ok = data.usable(W) if ok is None else ok
    theta = np.broadcast_to(np.asarray(theta0, dtype=float), (B, 2)).copy()
    lam = np.full(B, 1e-3)
    floor = 1e-24 * np.sum(w * data.y**2, axis=1)
    done = np.zeros(B, dtype=bool)
    lo, hi = LOG_EXP_BOUNDS
    Y = np.broadcast_to(data.y if Y is None else Y, (B, data.m))
    # each problem's state at its current point: coefficients, objective, Gauss–Newton system
    c, sse, H, g = _vp(data, w, theta, ok, jac=True, y=Y)
    history = np.full((STALL_ITERS, B), np.inf)  # objective over the last iterations
    for it in range(MAX_ITER):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        # stalled: the last STALL_ITERS iterations together lowered it by less than the
        # tolerance (flat valleys near an exponent's bound, where steps shrink to nothing)
        stalled = history[it % STALL_ITERS, act] - sse[act] <= DECREMENT_TOL * sse[act] + atol
        history[it % STALL_ITERS, act] = sse[act]
        done[act[stalled]] = True
        act = act[~stalled]
        if act.size == 0:
            break
        th, s0, Ha, ga = theta[act], sse[act], H[act], g[act]
        if it >= NEWTON_AFTER:
            Ha = _newton_hessian(data, w[act], th, ok[act], Ha, Y[act])
        free_step = _solve2(Ha, ga)
        # an exponent held at a bound by its own descent direction stays there (projection)
        held = ((th <= lo) & (free_step < 0)) | ((th >= hi) & (free_step > 0))
        ga = np.where(held, 0.0, ga)
        Hp = np.where(held[:, :, None] | held[:, None, :], 0.0, Ha) + held[:, :, None] * np.eye(2)
        dec = np.einsum("bi,bi->b", ga, _solve2(Hp, ga))
        converged = np.isfinite(dec) & (dec <= DECREMENT_TOL * s0 + floor[act] + atol)
        done[act[converged]] = True
        step = _solve2(Hp * (1.0 + lam[act, None, None] * np.eye(2)), ga)
        scale = np.maximum(1.0, np.max(np.abs(step), axis=1) / 0.5)  # trust region: 0.5 in log
        trial = np.clip(th + step / scale[:, None], lo, hi)
        run = ~converged
        c_t, s_t, H_t, g_t = _vp(data, w[act[run]], trial[run], ok[act[run]], jac=True,
                                 y=Y[act[run]])
        better = s_t < s0[run]
        idx = act[run][better]
        theta[idx], c[idx], sse[idx] = trial[run][better], c_t[better], s_t[better]
        H[idx], g[idx] = H_t[better], g_t[better]
        lam[act[run]] = np.where(better, np.maximum(lam[act[run]] / 3.0, 1e-9),
                                 np.minimum(lam[act[run]] * 4.0, 1e12))
    return theta, c, sse, done


def _solve2(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Batched 2×2 solves H·x = g by the explicit inverse; 0 where H is singular."""
    det = H[:, 0, 0] * H[:, 1, 1] - H[:, 0, 1] * H[:, 1, 0]
    with np.errstate(all="ignore"):
        x0 = (H[:, 1, 1] * g[:, 0] - H[:, 0, 1] * g[:, 1]) / det
        x1 = (H[:, 0, 0] * g[:, 1] - H[:, 1, 0] * g[:, 0]) / det
    x = np.stack([x0, x1], axis=1)
    return np.where(np.isfinite(x), x, 0.0)


def _newton_hessian(data: ProfileData, w: np.ndarray, theta: np.ndarray, ok: np.ndarray,
                    H_gn: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Half the exact Hessian of the projected objective, by central differences of its exact
    gradient, where it is positive definite (else the Gauss–Newton one). Gauss–Newton with
    Kaufman's Jacobian crawls along the curved, flat valleys this objective can have; the
    few problems still running after `NEWTON_AFTER` iterations take Newton steps instead."""
    h = 1e-4
    cols = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        gp = _vp(data, w, theta + e, ok, jac=True, y=y)[3]
        gm = _vp(data, w, theta - e, ok, jac=True, y=y)[3]
        cols.append(-(gp - gm) / (2 * h))
    Hn = np.stack(cols, axis=-1)
    Hn = 0.5 * (Hn + np.swapaxes(Hn, 1, 2))
    det = Hn[:, 0, 0] * Hn[:, 1, 1] - Hn[:, 0, 1] ** 2
    pd_ = (Hn[:, 0, 0] > 0) & (det > 0)
    return np.where(pd_[:, None, None], Hn, H_gn)


def _point_exact(data: ProfileData, ok: np.ndarray) -> tuple[np.ndarray, bool]:
    """The exponents' global optimum for the unweighted runs: the best of a grid of starts
    (`START_GRID`), polished by scipy's L-BFGS-B with the exact gradient of the projected
    objective (exact by the envelope theorem), to a projected-gradient test."""
    grid = np.log(np.array([(a, b) for a in START_GRID for b in START_GRID]))
    w1 = np.broadcast_to(data.omega, (grid.shape[0], data.m))
    oks = np.broadcast_to(ok, (grid.shape[0], data.K))
    _, s = _vp(data, w1, grid, oks)
    first = np.argsort(s)[:2]
    w = data.omega[None, :]
    scale = float(np.min(s)) or 1.0

    def fun(th: np.ndarray) -> tuple[float, np.ndarray]:
        _, s0, _, g = _vp(data, w, th[None, :], ok[None, :], jac=True)
        return float(s0[0]) / scale, -2.0 * g[0] / scale

    from scipy.optimize import minimize  # loaded on first use (a light import)

    best = None
    for i in first:
        r = minimize(fun, grid[i], jac=True, method="L-BFGS-B", bounds=[LOG_EXP_BOUNDS] * 2,
                     options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    return best.x, bool(best.success)


def _profile_min_exact(data: ProfileData, theta: np.ndarray, c: np.ndarray,
                       per_token: Callable[[np.ndarray], np.ndarray] | None,
                       power: tuple[float, float] | None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ln N_opt, loss_min, has_min) of each budget's exact profile along C = per_token(N)·D."""
    al, be = np.exp(theta[:, :1]), np.exp(theta[:, 1:])  # (B, 1)
    A, Bc = c[..., 1], c[..., 2]
    has = (A > 0) & (Bc > 0)
    lnC = np.log(data.C_b)[None, :]
    with np.errstate(all="ignore"):
        if power is not None:
            k, p = power
            # v = (D/D_ref)^-β with D = C/(k N^p): v = V0·exp(pβ t), t = ln N - ln N_ref
            lnV0 = -be * (lnC - math.log(k) - p * data.lnN_ref[None, :] - data.lnD_ref[None, :])
            t = (np.log(al * A) - np.log(p * be * Bc) - lnV0) / (al + p * be)
            v = np.exp(lnV0 + p * be * t)
        else:
            t = _bisect_min(data, al, be, A, Bc, lnC, per_token)
            lnD = lnC - np.log(per_token(np.exp(t + data.lnN_ref[None, :])))
            v = np.exp(-be * (lnD - data.lnD_ref[None, :]))
        lnN = t + data.lnN_ref[None, :]
        loss = c[..., 0] + A * np.exp(-al * t) + Bc * v
    has &= np.isfinite(lnN) & np.isfinite(loss)
    return np.where(has, lnN, np.nan), np.where(has, loss, np.nan), has


def _bisect_min(data, al, be, A, Bc, lnC, per_token) -> np.ndarray:
    """Minimum of A·e^(-αt) + B·(D(t)/D_ref)^(-β) over t for a FLOP convention that is not a
    power law: bisection on the derivative (increasing in t for any convention whose FLOPs per
    token rise with N), 80 halvings of a ±12 log-unit bracket."""
    lo = np.full(A.shape, -12.0)
    hi = np.full(A.shape, 12.0)
    h = 1e-5

    def slope(t):
        lnN = t + data.lnN_ref[None, :]
        g0 = np.log(per_token(np.exp(lnN)))
        dlng = (np.log(per_token(np.exp(lnN + h))) - np.log(per_token(np.exp(lnN - h)))) / (2 * h)
        v = np.exp(-be * (lnC - g0 - data.lnD_ref[None, :]))
        return -al * A * np.exp(-al * t) + be * Bc * v * dlng

    for _ in range(80):
        mid = 0.5 * (lo + hi)
        up = slope(mid) > 0
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    t = 0.5 * (lo + hi)
    return np.where((t > -11.9) & (t < 11.9), t, np.nan)


def _fit_parabola(data: ProfileData, W: np.ndarray, Y: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted parabola in centred log N per budget: (coef (B, K, 3), sse (B,)). The same
    least squares as `numpy.polynomial.polynomial.polyfit` per budget, solved for all B × K
    fits at once through their 3×3 normal equations (centred, so they stay well conditioned)."""
    y = data.y if Y is None else Y
    w = W * data.omega
    t = data.tN
    M, mom = _gram_moments(data, w, t, t * t, y)
    c = _solve3(M, mom)[..., 0]
    cb = c[:, data.budget, :]
    r = y - (cb[..., 0] + cb[..., 1] * t + cb[..., 2] * t * t)
    return c, np.sum(w * r * r, axis=1)


def fit_profiles(data: ProfileData, profile: str = "exact", W: np.ndarray | None = None,
                 theta0: np.ndarray | None = None,
                 per_token: Callable[[np.ndarray], np.ndarray] | None = None,
                 power: tuple[float, float] | None = (6.0, 1.0), atol: float = 0.0,
                 Y: np.ndarray | None = None) -> ProfileFit:
    """Fit every budget's profile under each weighting in ``W`` (default: one, all ones).

    ``theta0``: starting exponents (log α, log β) for the exact profile's resamples (``atol``:
    see `solve_exact`); None fits the runs once, unweighted, from a grid of starts. The FLOP
    convention (``power`` = (k, p) for FLOPs per token k·N^p, else ``per_token``) places each
    budget's minimum along C_b = FLOPs per token × D.
    """
    if profile not in PROFILES:
        raise ScalingLabError(f"profile must be one of {list(PROFILES)}, not {profile!r}")
    W = np.ones((1, data.m)) if W is None else W
    if Y is not None:
        W = np.broadcast_to(W, Y.shape)
    ok = data.usable(W)
    B = W.shape[0]
    if profile == "parabola":
        c, sse = _fit_parabola(data, W, Y)
        c2 = c[..., 2]
        with np.errstate(all="ignore"):
            t = -c[..., 1] / (2 * c2)
            loss = c[..., 0] - c[..., 1] ** 2 / (4 * c2)
        has = ok & (c2 > 0) & np.isfinite(t)
        lnN = np.where(has, t + data.lnN_ref[None, :], np.nan)
        return ProfileFit("parabola", c, np.full((B, 2), np.nan), np.exp(lnN),
                          np.where(has, loss, np.nan), has, np.ones(B, dtype=bool), sse)
    if theta0 is None:
        if B != 1:
            raise ScalingLabError("fit_profiles: resamples need the point fit's theta0")
        th, success = _point_exact(data, ok[0])
        theta = th[None, :]
        c, sse = _vp(data, W * data.omega, theta, ok)
        conv = np.array([success])
    else:
        theta, c, sse, conv = solve_exact(data, W, theta0, ok, atol=atol, Y=Y)
    lnN, loss, has = _profile_min_exact(data, theta, c, per_token, power)
    has &= ok
    return ProfileFit("exact", c, theta, np.exp(lnN), loss, has, conv, sse)


def leverages(fit: ProfileFit, data: ProfileData) -> np.ndarray:
    """(m,) diagonal of each budget's hat matrix at the point fit (its 3 linear features,
    weighted), for leverage-adjusted residuals."""
    w = data.omega[None, :]
    if fit.profile == "parabola":
        f1, f2 = data.tN[None, :], data.tN[None, :] ** 2
    else:
        f1, f2 = _features(data, fit.theta[:1])
    M, _ = _gram_moments(data, w, f1, f2)
    F = np.stack(np.broadcast_arrays(np.ones_like(f1), f1, f2), axis=-1)[0]  # (m, 3)
    Minv_F = _solve3(M[0][data.budget], F[:, :, None])[..., 0]  # (m, 3)
    return data.omega * np.einsum("mi,mi->m", F, Minv_F)


def profile_curve(fit: ProfileFit, data: ProfileData, k: int, N: np.ndarray,
                  D: np.ndarray) -> np.ndarray:
    """The fitted profile of budget ``k`` (first weighting) at sizes N and tokens D."""
    c = fit.coef[0, k]
    t = np.log(N) - data.lnN_ref[k]
    if fit.profile == "parabola":
        return c[0] + c[1] * t + c[2] * t * t
    al, be = np.exp(fit.theta[0])
    return c[0] + c[1] * np.exp(-al * t) + c[2] * np.exp(-be * (np.log(D) - data.lnD_ref[k]))
