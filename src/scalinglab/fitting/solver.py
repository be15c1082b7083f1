"""Solvers: a multi-start point fit that ends on a convergence test, and a batched
Levenberg–Marquardt for the bootstrap.

`point_fit` runs the law's data-driven starts and jittered copies of them through
`batched_lm` together (a screening stage: it only sorts the starts into basins), finishes the
best one or two with the same solver, and then certifies the best: a fit has converged when a
Gauss–Newton step from it, kept inside the bounds, would move its parameters by less than
`STEP_SE` (1%) of a standard error, i.e. lower the objective by a negligible amount
(`convergence`). A fit that does not pass is finished by scipy's trust-region reflective
``least_squares`` (which walks curved, flat valleys that Levenberg–Marquardt crawls along)
until it passes, within a safety budget of `FINISH_BUDGET` evaluations; a fit that still does
not pass (typically a law whose best fit is a limit it only approaches, with parameters
running off together) is returned with ``converged=False`` and the caller says so. It does not
depend on a hand-picked starting point.

`batched_lm` solves B weighted problems at once: B starts of one problem, or bootstrap
resamples (multinomial counts on the same points) warm-started from the point estimate.
scipy has no batched solver, and a Python loop over `least_squares` costs ~1000× the
per-iteration work, so this one is written here: IRLS for the robust losses, a per-problem
damping factor, clipping to the bounds, and Newton steps where Gauss–Newton would be slow.

>>> import numpy as np
>>> from scalinglab import get_law
>>> from scalinglab.fitting.objective import Objective, ParamMap
>>> law = get_law("power_offset")
>>> x = np.logspace(3, 7, 30); y = 5 * x ** -0.3 + 0.5
>>> obj = Objective(ParamMap.build(law), x[None, :], y, np.ones(30))
>>> res = point_fit(obj)
>>> np.round(obj.pmap.theta(res.u), 6).tolist()
[5.0, 0.3, 0.5]
>>> res.converged
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objective import Objective

# Iterations a warm start may take when no cap is given: far more than a start near its
# optimum needs (a few Newton steps). A warm fit still ends on the convergence test: one that
# stops here, short of it, is finished like any other (see `point_fit`).
WARM_ITER_LIMIT = 500
# The screening stage's iterations: enough to sort the starts into basins (the best of them
# is then finished and certified, so this is not where a fit ends).
SCREEN_ITER = 40
# Rows the screening stage looks at: on a bigger table it sorts the starts into basins on this
# many rows drawn at random (basins do not move with the sample), and the best starts are then
# scored, polished and certified on every row. A 20,000-row multi-start fit: ~4× quicker.
SCREEN_ROWS = 2_000
# Iterations of the batched Levenberg–Marquardt that finishes the best one or two starts; one
# still short of the convergence test after them goes on to `_finish`.
POLISH_ITER = 50
# The convergence test: a Gauss–Newton step within the bounds would move the parameters by
# less than STEP_SE standard errors (the gain ½ΔθᵀJᵀWJΔθ below STEP_SE² × objective / degrees
# of freedom), or lower the objective by less than CONVERGED_RTOL of it (or `_noise_floor`):
# far below anything the fit's numbers or intervals show (an interval spans ~4 standard
# errors; the bootstrap's resamples stop at 0.02). 1e-3 called a broken power law creeping
# along a sharp break "not converged" 0.004 standard errors from its optimum.
STEP_SE = 1e-2
CONVERGED_RTOL = 1e-10
# Evaluations `_finish` may spend after the polish: a safety net, not a tolerance. The slowest
# fits seen need ~250-700 (the BLEU law of Isik et al., whose parameters lie along a curved,
# flat valley; a broken power law); a fit that reaches the budget is reported as not converged.
FINISH_BUDGET = 1000
# `_finish` gives up (not converged) when a whole round gains less than this fraction of the
# objective and a hundredth of the gain its Gauss–Newton model promised: a fit creeping towards
# a limit it never reaches (a misspecified law whose best fit lies where parameters run off
# together: m4 on pure power-law data) would otherwise spend the whole budget for changes far
# below the data's noise.
STALL_RTOL = 1e-4


@dataclass(frozen=True)
class IterationCap:
    """An explicit cap on solver iterations, for interactive refits only.

    A fit a user asks for from Python runs each solve to its convergence test (``cap=None``).
    A widget that refits on every brush move may trade that for speed while the brush moves
    and pass a cap, then refit uncapped when the brush rests.

    point_fit: iterations of the warm-started point fit.
    resample: iterations of each bootstrap resample (warm-started at the point fit).

    >>> IterationCap(point_fit=30, resample=8)
    IterationCap(point_fit=30, resample=8)
    """

    point_fit: int
    resample: int


@dataclass
class PointFit:
    u: np.ndarray
    cost: float
    nfev: int
    starts_tried: int
    message: str
    converged: bool = True


# Starts the screening stage runs at most, of the candidates a law proposes (a custom law
# proposes many: quasi-random points of its parameter box, see laws/expression.py); the best
# by the objective itself are kept.
MAX_STARTS = 32


def _starts(obj: Objective, extra: list[np.ndarray] | None, seed: int,
            n_jitter: int = 12) -> np.ndarray:
    """Candidate starts in u: the law's init (the best `MAX_STARTS` of them by the objective),
    any extra guesses, and ``n_jitter`` jittered copies."""
    fit_X, fit_t = obj.X, obj.target
    with np.errstate(all="ignore"):
        try:
            cands = [np.asarray(c, dtype=float) for c in obj.law.init(fit_X, fit_t)]
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            cands = []
    cands = [c for c in cands if np.all(np.isfinite(c))]
    if len(cands) > MAX_STARTS:
        cands = _best_by_objective(obj, cands, MAX_STARTS)
    cands += [np.asarray(c, dtype=float) for c in (extra or [])]
    if not cands:
        cands = [np.clip(np.ones(obj.law.n_params), obj.pmap.lower, obj.pmap.upper)]
    U = [obj.pmap.u(c) for c in cands if np.all(np.isfinite(c))]
    if not U:
        raise ScalingLabError(f"law {obj.law.name!r} found no finite starting point for this data")
    U = np.array(U)
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore"):  # starts near 1e308 (data that large) jitter to inf
        jitter = U[rng.integers(0, len(U), size=n_jitter)] + rng.normal(
            0, 0.3, size=(n_jitter, U.shape[1])) * (
            np.where(obj.pmap.log, 1.0, np.maximum(np.abs(U[0]), 0.1))
        )
    return _inside(obj, np.vstack([U, jitter[np.isfinite(jitter).all(axis=1)]]))


def _best_by_objective(obj: Objective, cands: list[np.ndarray], keep: int) -> list[np.ndarray]:
    """The ``keep`` candidates (θ) with the lowest objective, in that order (one batch)."""
    U = _inside(obj, obj.pmap.u(np.array(cands)))
    scores = obj.value(U)
    order = np.argsort(np.where(np.isfinite(scores), scores, np.inf), kind="stable")
    return [cands[i] for i in order[:keep]]


def _inside(obj: Objective, U: np.ndarray) -> np.ndarray:
    """Starts moved just inside the bounds (a start on a bound can stall there)."""
    lo, hi = obj.pmap.bounds_u()
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    return np.clip(U, lo + 1e-6 * span, hi - 1e-6 * span)


# ------------------------------------------------------------------ the convergence test
def convergence(obj: Objective, u: np.ndarray, cost: float | None = None) -> tuple[bool, float]:
    """(converged, gain): the largest decrease of the objective that a Gauss–Newton step from
    ``u`` within the bounds is predicted to make, and whether it is small enough: below
    `STEP_SE`² of the objective per degree of freedom (a step of less than `STEP_SE` standard
    errors), or `CONVERGED_RTOL` of the objective, or `_noise_floor`.

    The gain is that of the linearised problem min ½‖W^½(r + J·s)‖² over steps s that keep
    the parameters inside their bounds (a bounded linear least-squares problem, solved by
    scipy's ``lsq_linear``); without bounds it is ½gᵀ(JᵀWJ)⁻¹g, g = JᵀWr. W holds the user's
    weights and the loss's (IRLS) weights. The test is the same whichever solver got there,
    needs no iteration count, and does not depend on the parameters' units.

    >>> import numpy as np
    >>> from scalinglab import get_law
    >>> from scalinglab.fitting.objective import Objective, ParamMap
    >>> x = np.logspace(3, 7, 30)
    >>> obj = Objective(ParamMap.build(get_law("power_offset")), x[None, :],
    ...                 5 * x ** -0.3 + 0.5, np.ones(30))
    >>> convergence(obj, obj.pmap.u(np.array([5.0, 0.3, 0.5])))[0]
    True
    >>> convergence(obj, obj.pmap.u(np.array([5.0, 0.31, 0.5])))[0]
    False
    """
    lo, hi = obj.pmap.bounds_u()
    u = np.clip(np.asarray(u, dtype=float), lo, hi)
    with np.errstate(all="ignore"):
        r = obj.residuals(u)
        J = obj.jac(u)
        sw = np.sqrt(obj.step_weights(r))
        M, b = J * sw[:, None], -r * sw
        if cost is None:
            cost = float(obj.value(u))
        if not (np.all(np.isfinite(M)) and np.all(np.isfinite(b)) and np.isfinite(cost)):
            return False, float("inf")
        step = _bounded_step(M, b, lo - u, hi - u)
        g, Ms = -(M.T @ b), M @ step
        gain = float(-(g @ step + 0.5 * Ms @ Ms))
    dof = max(int(np.count_nonzero(obj.weights > 0)) - obj.pmap.q, 1)
    tol = max(CONVERGED_RTOL * cost, STEP_SE**2 * cost / dof) + _noise_floor(obj)
    return bool(gain <= tol), max(gain, 0.0)


def _bounded_step(M: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """argmin ‖M·s − b‖ over lo ≤ s ≤ hi, columns scaled to unit norm first (a parameter's
    units do not matter). Columns that are all zero (a parameter the data do not see) and
    directions below 1e-12 of the largest singular value take no step."""
    d = np.linalg.norm(M, axis=0)
    seen = d > 0
    step = np.zeros(M.shape[1])
    if not seen.any():
        return step
    Ms = M[:, seen] / d[seen]
    lo_s, hi_s = lo[seen] * d[seen], hi[seen] * d[seen]
    if np.all(lo_s < 0) and np.all(hi_s > 0):
        z = np.linalg.lstsq(Ms, b, rcond=1e-12)[0]
        if np.all((z >= lo_s) & (z <= hi_s)):  # the common case: no bound in the way
            step[seen] = z / d[seen]
            return step
    # Some coordinate sits on a bound (or the step crosses one): a bounded problem. Sides of
    # zero width are widened to a hair so that lsq_linear accepts them.
    tiny = 1e-300
    from scipy.optimize import lsq_linear  # loaded on first use (a light import)

    out = lsq_linear(Ms, b, bounds=(np.minimum(lo_s, -tiny), np.maximum(hi_s, tiny)),
                     method="bvls", tol=1e-14)
    step[seen] = np.clip(out.x, lo_s, hi_s) / d[seen]
    return step


def _noise_floor(obj: Objective) -> float:
    """An objective change too small to mean anything: residuals of 1e-10 relative to the
    data (an exact fit's objective is itself only rounding)."""
    scale = 1.0 if obj.space == "log" else max(float(np.max(np.abs(obj.g_target))), 1e-300)
    with np.errstate(over="ignore"):  # data near 1e300: Python's float ** would raise
        floor = 0.5 * np.sum(obj.weights, dtype=float) * np.square(1e-10 * scale)
    return float(min(floor, np.finfo(float).max))  # never inf: tolerances stay comparable


def _trf(obj: Objective, u0: np.ndarray, max_nfev: int) -> tuple[np.ndarray, int, int]:
    """scipy's trust-region reflective ``least_squares`` from ``u0`` within the bounds, with
    its own stopping tests set far below ours (the convergence test decides): (u, nfev, status)."""
    from scipy.optimize import least_squares  # loaded on first use (a light import)

    lo, hi = obj.pmap.bounds_u()
    kw: dict = {}
    if obj.loss == "huber":
        kw = {"loss": "huber", "f_scale": obj.delta}
    try:
        with np.errstate(all="ignore"):
            out = least_squares(obj.ls_residuals, np.clip(u0, lo, hi), jac=obj.ls_jac,
                                bounds=(lo, hi), method="trf", x_scale="jac", xtol=1e-15,
                                ftol=1e-15, gtol=1e-15, max_nfev=max_nfev, **kw)
    except (ValueError, np.linalg.LinAlgError):
        return np.asarray(u0, dtype=float), max_nfev, -1  # overflowed on the way: give up
    return out.x, int(out.nfev), int(out.status)


def _finish(obj: Objective, u0: np.ndarray, budget: int) -> tuple[np.ndarray, float, bool, int]:
    """From ``u0`` to the convergence test: (u, cost, converged, evaluations spent).

    Rounds of Levenberg–Marquardt (whose steps stop exactly on a bound) and trust-region
    reflective steps (which walk the curved, flat valleys that Levenberg–Marquardt crawls
    along, and stay strictly inside the bounds) until the test passes, a round creeps (gains
    less than `STALL_RTOL` of the objective and a hundredth of what the Gauss–Newton model
    promised), or ``budget`` evaluations are spent; the lowest-cost point is kept.

    A point on a bound gets one trust-region round even when it passes: Levenberg–Marquardt
    clips its steps there and can stop on a saddle the first-order test does not see
    (C = γ = 0 in C/(r + 0.02)^γ: the term and its gradient vanish together), which steps
    from just inside the bounds leave."""
    u = np.asarray(u0, dtype=float)
    cost = float(obj.value(u))
    ok, gain = convergence(obj, u, cost)
    spent = 0
    if not ok:
        u, cost, spent = _lm_round(obj, u, cost)
        ok, gain = convergence(obj, u, cost)
    escape = ok and _on_bound(obj, u)
    while (escape or not ok) and spent < budget:
        escape, before, promised = False, cost, gain
        new, n, _ = _trf(obj, u, max_nfev=min(budget - spent, 250))
        spent += max(n, 1)
        new, c_new = _snapped(obj, new)
        if c_new < cost:
            u, cost = new, c_new
        ok, gain = convergence(obj, u, cost)
        if not ok:
            u, cost, n = _lm_round(obj, u, cost)
            spent += n
            ok, gain = convergence(obj, u, cost)
        made = before - cost
        if not ok and made < STALL_RTOL * before and made < 0.01 * promised:
            break  # creeping: a round makes a hundredth of the gain its model promised
    return u, cost, ok, spent


def _lm_round(obj: Objective, u: np.ndarray, cost: float) -> tuple[np.ndarray, float, int]:
    """(u, cost, evaluations) after up to `POLISH_ITER` Levenberg–Marquardt iterations from u
    (Newton steps, with the curvature taken once at u, where Gauss–Newton would be slow),
    kept only if lower."""
    U = batched_lm(obj, u[None], None, max_iter=POLISH_ITER, tol=1e-14,
                   curvature=_newton_curvature(obj, u[None]))[0]
    c = float(obj.value(U[0]))
    return (U[0], c, POLISH_ITER) if c < cost else (u, cost, POLISH_ITER)


def _snapped(obj: Objective, u: np.ndarray) -> tuple[np.ndarray, float]:
    """(u, cost) with coordinates within a hair of a bound put on it, if that costs nothing.

    Trust-region reflective steps stay strictly inside the bounds, so a fit whose optimum
    lies on one ends a hair away from it, where a parameter the bound switches off still
    moves the fit a little (m4's Δ when α = 0): there the convergence test sees the hair,
    not the optimum."""
    cost = float(obj.value(u))
    lo, hi = obj.pmap.bounds_u()
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    gap = 1e-6 * np.maximum(span, 1.0)
    snap = np.where(np.isfinite(lo) & (u - lo <= gap), lo,
                    np.where(np.isfinite(hi) & (hi - u <= gap), hi, u))
    if np.array_equal(snap, u):
        return u, cost
    c_snap = float(obj.value(snap))
    return (snap, c_snap) if c_snap <= cost + _noise_floor(obj) else (u, cost)


def _on_bound(obj: Objective, u: np.ndarray) -> bool:
    """Does a coordinate sit within 1e-6 of its span (or 1e-6 absolute) of a finite bound?"""
    lo, hi = obj.pmap.bounds_u()
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    gap = 1e-6 * np.maximum(span, 1.0)
    return bool(np.any((np.isfinite(lo) & (u - lo <= gap)) | (np.isfinite(hi) & (hi - u <= gap))))


def point_fit(
    obj: Objective, n_polish: int = 2, extra_starts: list[np.ndarray] | None = None, seed: int = 0,
    multistart: bool = True, max_iter: int | None = None, row_labels: Sequence[object] | None = None,
) -> PointFit:
    """Multi-start fit: all starts descend together (`batched_lm`) until three agree on the
    best basin; the best one or two are finished by the same solver, then taken to the
    convergence test (`_finish`), and the lowest objective wins.

    ``multistart=False``: a warm start. With ``extra_starts`` (e.g. the fit of nearby data)
    only those are tried, by Levenberg–Marquardt alone; the quick refit of a widget's brush
    drag. Without them, the law's data-driven starts (no jittered copies). ``max_iter`` caps
    the warm start's iterations (an explicit `IterationCap` of an interactive refit): such a
    fit is not finished, and its ``converged`` says whether it happens to pass the test. None
    runs every fit to the test. ``row_labels``: the points' row names, for error messages."""
    capped = max_iter is not None
    warm = not multistart and bool(extra_starts)
    if warm:
        U0 = _inside(obj, np.array([obj.pmap.u(np.asarray(c, dtype=float))
                                    for c in extra_starts or []]))
        # Newton steps where Gauss–Newton would be slow (a misspecified law: a few steps
        # instead of ~20), with each start's curvature taken once, at the start: recomputing
        # it at every iterate doubles the cost of an iteration and, from a start this close,
        # saves few of them (over the benchmark's brush drags: 13% less time in these fits,
        # 30% less on a drag's first frame, the same objective).
        # With several warm starts, stop once the lowest-cost one has converged.
        U, ok = batched_lm(obj, U0, None, max_iter=WARM_ITER_LIMIT if max_iter is None else max_iter,
                           tol=1e-12, agree=1,
                           curvature=_newton_curvature(obj, U0))
        n_polish = 0
    else:
        U0 = _starts(obj, extra_starts, seed, n_jitter=12 if multistart else 0)
        # The batch only has to sort the starts into basins; the polish finishes the best.
        U, ok = batched_lm(_screening(obj, seed), U0, None, max_iter=SCREEN_ITER, tol=1e-9,
                           agree=3)
    scores = np.where(ok, obj.value(U), np.inf)
    order = np.argsort(scores)
    picked: list[np.ndarray] = []
    if n_polish == 0:
        if np.isfinite(scores[order[0]]):
            picked = [U[order[0]]]
    else:
        for i in order:
            if len(picked) >= n_polish or not np.isfinite(scores[i]):
                break
            if picked and scores[i] > 1.5 * scores[order[0]] + 1e-300:
                break  # a runner-up far behind the best basin is not worth a polish
            if all(np.max(np.abs(U[i] - p)) > 1e-4 * (1 + np.max(np.abs(p))) for p in picked):
                picked.append(U[i])
        if picked:
            # Our LM takes the picks most of the way; `_finish` certifies them.
            newton = "fresh" if _slow_for_gauss_newton(obj, picked[0]) else None
            picked = list(batched_lm(obj, np.array(picked), None, max_iter=POLISH_ITER,
                                     tol=1e-12, curvature=newton)[0])
    best_u, best_cost, converged, nfev = None, np.inf, False, 0
    for u0 in picked:
        c = float(obj.value(u0))
        conv, gain = convergence(obj, u0, c)
        u = u0
        if not capped and c - gain < best_cost:  # a runner-up that cannot win is left as is
            u, c, conv, n = _finish(obj, u0, FINISH_BUDGET - nfev)
            nfev += n
        if c < best_cost:
            best_u, best_cost, converged = u, c, conv
    if best_u is not None and not np.all(np.isfinite(obj.pmap.theta(best_u))):
        best_u = None  # a parameter ran off to infinity (e.g. a rate on data spanning 1e200)
    if best_u is None or not np.isfinite(best_cost):
        raise ScalingLabError(
            f"the fit of law {obj.law.name!r} did not converge to finite values: check the data "
            "(scale, outliers) or choose another law"
        )
    with np.errstate(all="ignore"):
        f_best = obj.model(best_u)
    bad = ~np.isfinite(f_best) | ((f_best <= 0) if obj.space == "log" else False)
    if bad.any():
        rows = ""
        if row_labels is not None:
            labels = [str(v) for v in np.asarray(row_labels, dtype=object)[bad][:5]]
            rows = f" (rows {', '.join(labels)}{' and more' if bad.sum() > 5 else ''})"
        raise ScalingLabError(
            f"the fit of law {obj.law.name!r} did not converge: at its best parameters the law "
            f"is undefined{' or <= 0' if obj.space == 'log' else ''} at {int(bad.sum())} of "
            f"{bad.size} points{rows}. Choose a law that covers this data, or change its bounds"
        )
    return PointFit(u=best_u, cost=best_cost, nfev=nfev, starts_tried=len(U0),
                    message="converged" if converged else "stopped short of the convergence test",
                    converged=converged)


def _screening(obj: Objective, seed: int) -> Objective:
    """The objective the multi-start screen sorts starts on: ``obj`` itself, or on more than
    `SCREEN_ROWS` rows the same objective on that many of them drawn at random."""
    n = obj.target.shape[0]
    if n <= SCREEN_ROWS:
        return obj
    rows = np.sort(np.random.default_rng(seed).choice(n, SCREEN_ROWS, replace=False))
    return replace(obj, X=obj.X[:, rows], target=obj.target[rows], weights=obj.weights[rows])


@dataclass
class LMSolve:
    """What `batched_lm` did to each problem: U (B, q), finite (B,), and stopped_short (B,):
    still descending when ``max_iter`` ran out (the others met a stopping test)."""

    U: np.ndarray
    finite: np.ndarray
    stopped_short: np.ndarray


def batched_lm(
    obj: Objective, u0: np.ndarray, counts: np.ndarray | None, max_iter: int = 60,
    tol: float = 1e-10, lam0: float = 1e-3, atol: float = 0.0, chunk: int | None = None,
    curvature: np.ndarray | str | None = None, agree: int = 0,
    shared: SharedPoint | None = None, full: bool = False,
) -> tuple[np.ndarray, np.ndarray] | LMSolve:
    """Solve B problems at once: B starts (``u0`` of shape (B, q)) on the same data, and/or
    B count-weighted resamples (``counts`` (B, n)) from one start ``u0`` (q,).

    A problem stops when the next step is predicted to lower its cost by less than ``tol``
    relative or ``atol`` absolute, or a step gains less than that. ``chunk``: solve at most
    this many problems at a time (arrays that stay in the CPU cache are several times
    faster). Returns (U (B, q), finite (B,)), or with ``full`` an `LMSolve` that also says
    which problems ``max_iter`` stopped short. A trial step whose cost overflows is simply
    rejected. ``curvature`` (see `_curvature`) turns the steps into Newton steps: one for
    every problem (q·q, n), one per problem (B, q·q, n), or ``"fresh"``: recomputed at every
    iterate (full Newton: for a few problems).
    ``agree``: for B starts of one problem, stop once that many reached the lowest cost.
    ``shared``: `SharedPoint.at(obj, u0)`, when resamples from one start ``u0`` are solved
    in several calls (a big table's bootstrap in batches): computed once, not per call."""
    with np.errstate(over="ignore", invalid="ignore"):
        U, ok, running = _batched_lm(obj, u0, counts, max_iter, tol, lam0, atol, chunk,
                                     curvature, agree, shared)
    return LMSolve(U, ok, running) if full else (U, ok)


def _normal_equations(Jq: np.ndarray, W: np.ndarray, r: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """A = JᵀWJ (b, q, q) and g = JᵀWr (b, q) from a parameter-major Jacobian (q, b, n)."""
    q = Jq.shape[0]
    A = np.empty((Jq.shape[1], q, q))
    g = np.empty((Jq.shape[1], q))
    for i in range(q):
        JW = Jq[i] * W
        g[:, i] = np.einsum("bn,bn->b", JW, r)
        for j in range(i, q):
            A[:, i, j] = np.einsum("bn,bn->b", JW, Jq[j])
            A[:, j, i] = A[:, i, j]
    return A, g


def _lm_step(A: np.ndarray, g: np.ndarray, lam: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The damped Gauss–Newton step and the decrease of the cost it predicts."""
    Ad = A.copy()
    diag = np.einsum("bpp->bp", Ad)  # a writable view of the diagonals
    diag += lam[:, None] * np.maximum(np.einsum("bpp->bp", A), 1e-12)
    try:
        step = -np.linalg.solve(Ad, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        step = -(np.linalg.pinv(Ad) @ g[..., None])[..., 0]
    pred = -(np.einsum("bq,bq->b", g, step) + 0.5 * np.einsum("bq,bqk,bk->b", step, A, step))
    return step, pred


def _batched_lm(
    obj: Objective, u0: np.ndarray, counts: np.ndarray | None, max_iter: int, tol: float,
    lam0: float, atol: float, chunk: int | None = None,
    curvature: np.ndarray | str | None = None, agree: int = 0,
    shared: SharedPoint | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u0 = np.asarray(u0, dtype=float)
    fresh = isinstance(curvature, str)
    if fresh:
        curvature = None
    B = counts.shape[0] if counts is not None else u0.shape[0]
    q = u0.shape[-1]
    lo, hi = obj.pmap.bounds_u()
    if counts is None:
        counts = np.ones((B, obj.target.shape[0]))
    chunk = chunk or B
    U = np.array(np.broadcast_to(u0, (B, q)))
    ok = np.zeros(B, dtype=bool)
    start = None
    if u0.ndim == 1:
        # Every problem starts at the same point (the bootstrap: resamples warm-started at the
        # point fit), so the first step needs no per-problem evaluation: r and J at u0 are
        # computed once, and the normal equations of problem b are count-weighted sums over
        # the points, i.e. two small matrix products for all B at once.
        start = _SharedStart.at(obj, u0, counts, lam0, shared)
    if chunk >= B:
        return _lm_loop(obj, U, counts, start, max_iter, tol, lam0, atol, lo, hi,
                        curvature=curvature, fresh_curvature=fresh, agree=agree)
    # In chunks, most problems settle within a few iterations; the few that do not (far-out
    # resamples of a misspecified law) are gathered from every chunk and finished together,
    # rather than each chunk paying the per-iteration overhead for one or two of them.
    first_iters = min(max_iter, 4)
    running = np.zeros(B, dtype=bool)

    def rows(curv: np.ndarray | None, which: slice | np.ndarray) -> np.ndarray | None:
        return curv[which] if curv is not None and curv.ndim == 3 else curv  # per problem

    for i in range(0, B, chunk):
        sl = slice(i, i + chunk)
        U[sl], ok[sl], running[sl] = _lm_loop(obj, U[sl], counts[sl], start and start.rows(sl),
                                              first_iters, tol, lam0, atol, lo, hi,
                                              curvature=rows(curvature, sl))
    rest = np.flatnonzero(running)
    if rest.size and max_iter > first_iters:
        curv = start.curvature if start is not None else rows(curvature, rest)
        U[rest], ok[rest], running[rest] = _lm_loop(obj, U[rest], counts[rest], None,
                                                    max_iter - first_iters, tol, lam0, atol,
                                                    lo, hi, curvature=curv)
    return U, ok, running


@dataclass
class SharedPoint:
    """What count-weighted problems starting at one point u0 share, whatever their counts:
    residuals r, model values f and Jacobian J at u0 (with the loss's weights w), the
    per-point outer products of J (q·q, n) and the residuals' curvature (see `_curvature`;
    None where Gauss–Newton is fast enough)."""

    r0: np.ndarray
    f0: np.ndarray
    J0: np.ndarray
    w0: np.ndarray
    P: np.ndarray
    curvature: np.ndarray | None

    @classmethod
    def at(cls, obj: Objective, u0: np.ndarray) -> SharedPoint:
        q = u0.shape[0]
        r0, f0, J0 = obj.residuals_model_jacq(u0)  # (n,), (n,), (q, n)
        w0 = obj.step_weights(r0)
        P = (J0[:, None, :] * J0[None, :, :] * w0).reshape(q * q, -1)
        curv = _curvature(obj, u0)
        if curv is not None and _gauss_newton_rate(J0, w0, r0, curv) < 0.2:
            curv = None  # small residuals: Gauss–Newton is already fast, and more accurate
        return cls(r0, f0, J0, w0, P, curv)


@dataclass
class _SharedStart:
    """B count-weighted problems that start at one point u0: their first (Newton) step, its
    predicted gain and their costs at u0 (each (B, ...)), and what they share: r, f, J at u0
    and the residuals' curvature."""

    step: np.ndarray
    pred: np.ndarray
    cost: np.ndarray
    r0: np.ndarray
    f0: np.ndarray
    J0: np.ndarray
    curvature: np.ndarray | None

    @classmethod
    def at(cls, obj: Objective, u0: np.ndarray, counts: np.ndarray, lam0: float,
           shared: SharedPoint | None = None) -> _SharedStart:
        q = u0.shape[0]
        sp = shared if shared is not None else SharedPoint.at(obj, u0)
        r0, f0, J0, w0, curv = sp.r0, sp.f0, sp.J0, sp.w0, sp.curvature
        A = (counts @ sp.P.T).reshape(-1, q, q)
        if curv is not None:
            A = _with_curvature(A, (counts @ (curv * (w0 * r0)).T).reshape(-1, q, q))
        g = counts @ (J0 * (w0 * r0)).T
        cost = counts @ obj.rho(r0 * np.sqrt(obj.weights))
        step, pred = _lm_step(A, g, np.full(counts.shape[0], lam0))
        return cls(step, pred, cost, r0, f0, J0, curv)

    def rows(self, sl: slice) -> _SharedStart:
        return _SharedStart(self.step[sl], self.pred[sl], self.cost[sl], self.r0, self.f0,
                            self.J0, self.curvature)


def _curvature(obj: Objective, u0: np.ndarray) -> np.ndarray | None:
    """∂²r_i/∂u_j∂u_k at u0 as (q·q, n), or at each row of u0 (B, q) as (B, q·q, n): central
    differences of the analytic Jacobian.

    With it the solver takes Newton steps (JᵀWJ + Σ w·r·∇²r) instead of Gauss–Newton ones.
    They matter for a misspecified law, whose large residuals make Gauss–Newton converge only
    linearly (e.g. the exponential on power-law data: 10-20 iterations instead of 3-5). None
    for the Huber loss (its IRLS weights are not a Hessian), for a law without an analytic
    Jacobian, or where the differences are not finite."""
    if obj.loss == "huber" or (obj.law.jac is None and obj.law.fn_jac is None):
        return None
    U = np.atleast_2d(u0)
    B, q = U.shape
    h = 1e-5 * np.maximum(1.0, np.abs(U))  # (B, q)
    eye = np.eye(q)
    pm = np.concatenate([U[:, None, :] + h[:, :, None] * eye,
                         U[:, None, :] - h[:, :, None] * eye], axis=1)  # (B, 2q, q)
    Jpm = obj.residuals_model_jacq(pm.reshape(B * 2 * q, q))[2]  # (q, B·2q, n)
    Jpm = Jpm.reshape(q, B, 2 * q, -1)
    T = (Jpm[:, :, :q] - Jpm[:, :, q:]) / (2 * h)[None, :, :, None]  # [j, b, k, n]
    T = np.moveaxis(T, 1, 0)  # (B, q_j, q_k, n)
    T = 0.5 * (T + T.swapaxes(1, 2))
    if not np.all(np.isfinite(T)):
        return None
    T = T.reshape(B, q * q, -1)
    return T[0] if u0.ndim == 1 else T


def _gauss_newton_rate(J: np.ndarray, w: np.ndarray, r: np.ndarray, curv: np.ndarray
                       ) -> float:
    """Spectral radius of (JᵀWJ)⁻¹·Σ w·r·∇²r at one point: the rate at which Gauss–Newton
    converges near it. Near 0 for a law that fits (small residuals), where Gauss–Newton is
    quadratic and its first steps from a shared start are the more accurate ones; large for
    a misspecified law, where Newton steps pay off."""
    q = J.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):  # residuals near 1e300
        A = (J * w) @ J.T
        S = ((w * r) @ curv.T).reshape(q, q)
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(S))):
        return np.inf  # as eigvals would say of an overflowed matrix (a LinAlgError below)
    try:
        return float(np.max(np.abs(np.linalg.eigvals(np.linalg.solve(A, S)))))
    except np.linalg.LinAlgError:
        return np.inf


def _slow_for_gauss_newton(obj: Objective, u: np.ndarray,
                           curv: np.ndarray | None = None) -> bool:
    """Would Gauss–Newton converge slowly (linearly, rate > 0.2) near u? ``curv``: the
    curvature at u, if already known."""
    curv = _curvature(obj, u) if curv is None else curv
    if curv is None:
        return False
    r, _, J = obj.residuals_model_jacq(u)
    return _gauss_newton_rate(J, obj.step_weights(r), r, curv) > 0.2


def _newton_curvature(obj: Objective, U0: np.ndarray) -> np.ndarray | None:
    """The residuals' curvature at each start (B, q·q, n), to be kept for the whole solve,
    if Gauss–Newton would converge slowly from the first start; else None (Gauss–Newton)."""
    curv = _curvature(obj, U0)
    return curv if curv is not None and _slow_for_gauss_newton(obj, U0[0], curv[0]) else None


def _with_curvature(A: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Newton matrices A + S where they are positive definite, else the Gauss–Newton A."""
    H = A + S
    scale = np.maximum(np.einsum("bpp->b", A), 1e-300)
    # a curvature that overflowed (e.g. an exponential of huge x) is not used
    ok = np.all(np.isfinite(H), axis=(1, 2))
    pd = np.zeros(len(H), dtype=bool)
    if ok.any():
        pd[ok] = np.all(np.linalg.eigvalsh(H[ok]) > 1e-10 * scale[ok, None], axis=1)
    return np.where(pd[:, None, None], H, A)


def _trial(obj: Objective, Un: np.ndarray, counts: np.ndarray, idx: np.ndarray,
           cost: np.ndarray, tol: float, atol: float) -> tuple[Any, ...]:
    """Evaluate trial points Un of problems ``idx``: (r, f, J or None, cost, lowered the
    cost, lowered it by less than the tolerances)."""
    Jn = None
    if obj.law.fn_jac is not None:  # trial points come with their Jacobian
        rn, fn, Jn = obj.residuals_model_jacq(Un)
    else:
        rn, fn = obj.residuals_and_model(Un)
    w = counts if idx.size == counts.shape[0] else counts[idx]
    cn = (obj.rho(rn * np.sqrt(obj.weights)) * w).sum(axis=1)
    better = np.isfinite(cn) & (cn <= cost[idx])
    drop = cost[idx] - cn
    small_gain = better & ((drop < tol * cost[idx]) | (drop < atol))
    return rn, fn, Jn, cn, better, small_gain


def _lm_loop(
    obj: Objective, U: np.ndarray, counts: np.ndarray, start: _SharedStart | None,
    max_iter: int, tol: float, lam0: float, atol: float, lo: np.ndarray, hi: np.ndarray,
    curvature: np.ndarray | None = None, fresh_curvature: bool = False, agree: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levenberg–Marquardt on B problems at once, from U (B, q). With a shared ``start`` its
    step replaces the first iteration, and its curvature (or ``curvature``) turns the later
    steps into Newton steps; ``fresh_curvature`` recomputes it at every iterate (full
    Newton, for a few problems). ``agree`` > 0: stop early once that many problems have
    converged to the lowest cost (multi-start). Returns (U, finite, still running)."""
    B, q = U.shape
    n = obj.target.shape[0]
    U = U.copy()
    w_user = obj.weights[None, :] * counts
    sw = np.sqrt(obj.weights)
    lam = np.full(B, lam0)
    active = np.ones(B, dtype=bool)
    robust = obj.loss != "l2"
    joint = obj.law.fn_jac is not None  # trial points come with their Jacobian
    curv = start.curvature if start is not None else curvature
    if start is not None:
        step, pred, cost = start.step, start.pred, start.cost.copy()
        r0, f0, J0 = start.r0, start.f0, start.J0
        active[pred <= np.maximum(tol * cost, atol)] = False
        idx = np.flatnonzero(active)
        Un = np.clip(U[idx] + step[idx], lo, hi)
        rn, fn, Jn, cn, better, small_gain = _trial(obj, Un, counts, idx, cost, tol, atol)
        # Current state of every problem: the trial where it lowered the cost, else u0.
        acc = idx[better]
        U[acc], cost[acc] = Un[better], cn[better]
        if acc.size == B:  # the usual case: every trial was taken, no copies
            r, f = rn, fn
            if joint:
                J = Jn
        else:
            r = np.empty((B, n))
            f = np.empty((B, n))
            r[:], f[:] = r0, f0
            r[acc], f[acc] = rn[better], fn[better]
            if joint:
                J = np.empty((q, B, n))
                J[:] = J0[:, None, :]
                J[:, acc] = Jn[:, better]
        lam[idx] = np.where(better, np.maximum(lam[idx] * 0.3, 1e-12), lam[idx] * 10.0)
        active[idx[small_gain]] = False
    elif joint:
        r, f, J = obj.residuals_model_jacq(U)
        cost = (obj.rho(r * sw) * counts).sum(axis=1)
    else:
        r, f = obj.residuals_and_model(U)
        cost = (obj.rho(r * sw) * counts).sum(axis=1)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        # While every problem is active, slices are views: no copies of (B, n) arrays.
        sel: slice | np.ndarray = slice(None) if idx.size == B else idx
        Ua, ra = U[sel], r[sel]
        # The Jacobian at each current point: kept from the trial that found it (a law with a
        # joint value+Jacobian), else computed here for the problems still running.
        Ja = J[:, sel] if joint else obj.jacq(Ua, f[sel])  # (q, b, n)
        W = counts[sel] * obj.step_weights(ra) if robust else w_user[sel]
        A, g = _normal_equations(Ja, W, ra)
        if fresh_curvature:
            curv = _curvature(obj, Ua)  # at every current point, for single fits
        if curv is not None:  # per problem (fresh, or kept from each start), or shared
            S = (np.einsum("bn,bkn->bk", W * ra, curv if fresh_curvature else curv[sel])
                 if curv.ndim == 3 else (W * ra) @ curv.T)
            A = _with_curvature(A, S.reshape(-1, q, q))
        step, pred = _lm_step(A, g, lam[idx])
        # Converged where the model predicts a small decrease: no trial needed.
        settled = pred <= np.maximum(tol * cost[idx], atol)
        if settled.any():
            active[idx[settled]] = False
            keep = ~settled
            idx, step, Ua = idx[keep], step[keep], Ua[keep]
            if idx.size == 0:
                break
        Un = np.clip(Ua + step, lo, hi)
        rn, fn, Jn, cn, better, small_gain = _trial(obj, Un, counts, idx, cost, tol, atol)
        acc = idx[better]
        U[acc], cost[acc] = Un[better], cn[better]
        if acc.size == B:  # every problem took its step: swap in the new arrays, no copies
            r, f = rn, fn
            if joint:
                J = Jn
        else:
            r[acc], f[acc] = rn[better], fn[better]
            if joint:
                J[:, acc] = Jn[:, better]
        lam[idx] = np.where(better, np.maximum(lam[idx] * 0.3, 1e-12), lam[idx] * 10.0)
        small_step = np.max(np.abs(step), axis=1) < 1e-10 * (1 + np.max(np.abs(Ua), axis=1))
        done = small_gain | small_step | (lam[idx] > 1e12)
        active[idx[done]] = False
        if agree and not active[np.argmin(cost)]:
            # multi-start: stop once the best basin is converged and reached from `agree`
            # starts; the rest are still descending into basins no better than theirs so far
            best = cost.min()
            if np.count_nonzero(~active & (cost <= best + 1e-6 * abs(best))) >= agree:
                break
    # A problem still active after max_iter, or whose damping blew up, sits where no step
    # lowers its cost: its last accepted point stands. Only non-finite ones are failures.
    converged = np.isfinite(cost) & np.all(np.isfinite(U), axis=1)
    return U, converged, active
