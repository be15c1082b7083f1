"""Approach 2 (Hoffmann et al. 2022): isoFLOP profiles.

Runs are grouped into budgets (`budgets.group_budgets`); each budget's loss against N is fitted
by a profile (`profiles`: the exact isoFLOP profile of the loss law by default, or a parabola in
log N) whose minimum gives N_opt at that budget; power laws N_opt(C), D_opt(C) and a loss law
are fitted across the budgets whose minimum is bracketed by their runs.

Intervals come from a bootstrap over the runs *within each budget*: each resample gives every
run its fitted loss times one plus a relative residual drawn from its own budget's
(leverage-adjusted, `resampled_losses`), then refits every profile (the shared exponents too)
and the frontier. So they carry each budget's own uncertainty, not only the scatter of the
minima; where the minima scatter around the power law more than that explains, the excess is
added too (random effects, `minima.excess_scatter`). The design (which sizes each budget
trained) stays as it is: resampling the runs themselves drops sizes, which on nearly
symmetric profiles lets the shared exponents wander along a flat valley and widened 95%
intervals to 98.5% coverage in our study, against 93–94% here (README, "Compute-optimal
planning").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalinglab.compute.budgets import Budgets, BudgetsArg, group_budgets
from scalinglab.compute.frontier import Frontier
from scalinglab.compute.minima import Minima
from scalinglab.compute.profiles import (
    ProfileData,
    ProfileFit,
    fit_profiles,
    leverages,
    profile_curve,
)
from scalinglab.compute.runs import FlopConvention, Runs
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.uncertainty import BOOT_SE_TOL

BRACKET_RISE = 2.0  # residual SDs the profile must rise from its minimum to each end
MAX_FAILED_SHARE = 0.1  # more bootstrap resamples than this failing is reported as a warning


@dataclass
class ApproachFit:
    """What an approach hands to `ComputePlan`: the frontier, its points, curves to draw."""

    approach: str
    frontier: Frontier
    minima: Minima | None
    curves: pd.DataFrame  # what the left panel draws (profiles, training curves)
    runs: pd.DataFrame  # the runs with their budget / size and whether they were used
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)


def fitted_losses(fit: ProfileFit, data: ProfileData) -> np.ndarray:
    """The point fit's profile at every run (in `ProfileData` order)."""
    out = np.empty(data.m)
    ends = np.append(data.starts[1:], data.m)
    for k, (s, e) in enumerate(zip(data.starts, ends, strict=True)):
        out[s:e] = profile_curve(fit, data, k, np.exp(data.lnN[s:e]), np.exp(data.lnD[s:e]))
    return out


def resampled_losses(fit: ProfileFit, data: ProfileData, n_boot: int, seed: int
                     ) -> np.ndarray:
    """(n_boot, m) losses: each run's fitted loss times (1 + a relative residual drawn from
    its own budget's). Residuals are leverage-adjusted, e/√(1 − h), and centred (Davison &
    Hinkley 1997, §6.2.3): a least-squares fit pulls each residual towards zero by its
    leverage h, most at the ends of a budget's sizes."""
    rng = np.random.default_rng(seed)
    yhat = fitted_losses(fit, data)
    h = np.minimum(leverages(fit, data), 0.99)
    rel = (data.y / yhat - 1.0) / np.sqrt(1.0 - h)
    Y = np.empty((n_boot, data.m))
    ends = np.append(data.starts[1:], data.m)
    for s, e in zip(data.starts, ends, strict=True):
        r = rel[s:e] - rel[s:e].mean()
        Y[:, s:e] = yhat[s:e] * (1.0 + r[rng.integers(0, e - s, size=(n_boot, e - s))])
    return Y


def resolve_exclude(exclude: Sequence[object] | None, budgets: Budgets) -> np.ndarray:
    """(K,) bool: budgets the user leaves out of the frontier, by name or by compute."""
    out = np.zeros(budgets.K, dtype=bool)
    for item in exclude or ():
        if isinstance(item, str) and item in budgets.names:
            out[budgets.names.index(item)] = True
            continue
        try:
            c = float(item)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            c = math.nan
        if math.isfinite(c) and c > 0:
            dist = np.abs(np.log10(budgets.C) - math.log10(c))
            k = int(np.argmin(dist))
            if dist[k] <= 0.1:
                out[k] = True
                continue
        raise ScalingLabError(
            f"exclude: no budget {item!r}; the budgets are {budgets.names} (by name, or by "
            "compute within 0.1 decade)"
        )
    return out


def _bracketed(fit: ProfileFit, data: ProfileData, conv: FlopConvention
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(has a minimum, bracketed, sampled N range (K, 2)). A budget's minimum is bracketed
    when it lies inside the budget's runs and the fitted profile rises from it by at least
    `BRACKET_RISE` residual standard deviations towards both the smallest and the largest
    model: the runs on each side show the loss going up, not only the fit."""
    lnN = data.lnN
    lo = np.minimum.reduceat(lnN, data.starts)
    hi = np.maximum.reduceat(lnN, data.starts)
    has = fit.valid[0]
    dof = max(data.m - 3 * data.K - (2 if fit.profile == "exact" else 0), 1)
    s = math.sqrt(float(fit.sse[0]) / dof)  # relative residual scale
    rise = np.zeros((data.K, 2))
    for k in range(data.K):
        N = np.exp([lo[k], hi[k]])
        ends = profile_curve(fit, data, k, N, conv.tokens(N, np.full(2, data.C_b[k])))
        rise[k] = (ends - fit.loss_min[0, k]) / fit.loss_min[0, k]
    with np.errstate(invalid="ignore"):
        x = np.log(fit.N_opt[0])
        inside = has & (x > lo) & (x < hi) & np.all(rise >= BRACKET_RISE * s, axis=1)
    return has, inside, np.exp(np.column_stack([lo, hi]))


def isoflop(runs: Runs, *, budgets: BudgetsArg = None, budget_tol: float = 0.03,
            min_runs: int | None = None, profile: str = "exact",
            exclude: Sequence[object] | None = None, include_unbracketed: bool = False,
            n_boot: int | None = 1000, seed: int = 0) -> ApproachFit:
    """Approach 2 on prepared runs; ``n_boot=None`` skips the intervals."""
    b = group_budgets(runs.C, runs.N, budgets, frame=runs.frame, tol=budget_tol,
                      min_runs=min_runs)
    notes = list(b.notes)
    warnings: list[str] = []
    conv = runs.convention
    power = (conv.k, conv.p) if conv.is_power else None
    per_token = None if conv.is_power else conv.per_token
    member = b.labels >= 0
    data = ProfileData.build(runs.N[member], runs.D[member], runs.loss[member],
                             b.labels[member], b.C)
    fit = fit_profiles(data, profile, per_token=per_token, power=power)
    if not fit.converged[0]:
        warnings.append("the exact profiles' shared exponents did not meet their convergence "
                        "test: the minima may be off; check the budgets' runs")
    has, inside, sampled = _bracketed(fit, data, conv)
    excluded = resolve_exclude(exclude, b)
    usable = has if include_unbracketed else inside
    in_frontier = usable & ~excluded
    for k in np.flatnonzero(~inside):
        what = ("has no minimum (its loss falls or rises across all its runs)" if not has[k]
                else f"has its fitted minimum at N = {fit.N_opt[0, k]:.3g}, but its runs in "
                f"[{sampled[k, 0]:.3g}, {sampled[k, 1]:.3g}] do not rise clearly (by "
                f"{BRACKET_RISE:g} residual SDs) on both sides of it")
        left = "" if in_frontier[k] else "; left out of the frontier"
        notes.append(f"budget {b.names[k]} {what} (unbracketed){left}")
    if in_frontier.sum() < 2:
        if usable.sum() >= 2:
            raise ScalingLabError(
                f"exclude leaves {int(in_frontier.sum())} budget(s) in the frontier; it needs two"
            )
        raise ScalingLabError(
            f"no runs bracket a minimum: only {int(usable.sum())} of {b.K} budgets have runs "
            "rising on both sides of their minimum, and the frontier needs two. Add runs on "
            "the open side of each budget, or pass include_unbracketed=True to extrapolate "
            "the profiles"
        )

    N_draws = loss_draws = None
    details: dict[str, object] = {"profile": profile, "n_boot": n_boot}
    if profile == "exact":
        al, be = np.exp(fit.theta[0])
        details.update(alpha=float(al), beta=float(be))
    if n_boot:
        if n_boot < 50:
            raise ScalingLabError(f"n_boot={n_boot} is too few for percentile intervals: "
                                  "use >= 50, or None for no intervals")
        dof = max(data.m - 3 * data.K - (2 if profile == "exact" else 0), 1)
        atol = BOOT_SE_TOL**2 * float(fit.sse[0]) / dof
        Y = resampled_losses(fit, data, n_boot, seed)
        boot = fit_profiles(data, profile, W=np.ones((1, data.m)), theta0=fit.theta[0],
                            per_token=per_token, power=power, atol=atol, Y=Y)
        ok = boot.converged
        failed = int((~ok).sum())
        if failed:
            msg = (f"{failed} of {n_boot} bootstrap resamples did not converge and were left "
                   "out of the intervals")
            (warnings if failed > MAX_FAILED_SHARE * n_boot else notes).append(msg)
        N_draws, loss_draws = boot.N_opt[ok], boot.loss_min[ok]
        lost = ~np.isfinite(N_draws[:, in_frontier])
        if lost.any():
            notes.append(
                f"{int(lost.sum())} of {lost.size} resampled budgets had no minimum and were "
                "left out of their resample's frontier"
            )
        details.update(n_failed=failed)
    D_opt = conv.tokens(fit.N_opt[0], b.C)
    minima = Minima(
        names=b.names, C=b.C, N=fit.N_opt[0], D=D_opt, loss=fit.loss_min[0],
        N_draws=N_draws, D_draws=None if N_draws is None else conv.tokens(N_draws, b.C),
        loss_draws=loss_draws, in_frontier=in_frontier,
        extra={"n_runs": b.n_runs, "N_min": sampled[:, 0], "N_max": sampled[:, 1],
               "bracketed": inside, "excluded": excluded},
    )
    frontier = minima.frontier(conv, scatter_seed=seed + 1)
    notes += minima.notes
    if not np.isfinite(frontier.loss[0]):
        notes.append("the loss along the frontier needs three budgets: no loss prediction")
    curves = _profile_curves(fit, data, b, runs)
    table = _runs_table(runs, b, in_frontier)
    return ApproachFit("isoflop", frontier, minima, curves, table, notes, warnings, details)


def _profile_curves(fit: ProfileFit, data: ProfileData, b: Budgets, runs: Runs,
                    n: int = 30) -> pd.DataFrame:
    """Each budget's fitted profile along its isoFLOP line, over its runs' N (±30%)."""
    frames = []
    lnN = data.lnN
    ends = np.append(data.starts[1:], data.m)
    for k in range(b.K):
        seg = lnN[data.starts[k]:ends[k]]
        N = np.exp(np.linspace(seg.min() - 0.26, seg.max() + 0.26, n))
        D = runs.convention.tokens(N, np.full(n, b.C[k]))
        frames.append(pd.DataFrame({"budget": b.names[k], "C": b.C[k], "N": N, "D": D,
                                    "loss": profile_curve(fit, data, k, N, D)}))
    return pd.concat(frames, ignore_index=True)


def _runs_table(runs: Runs, b: Budgets, in_frontier: np.ndarray) -> pd.DataFrame:
    names = np.array([*b.names, None], dtype=object)
    return pd.DataFrame({
        "N": runs.N, "D": runs.D, "C": runs.C, "loss": runs.loss,
        "budget": names[b.labels],
        "in_frontier": np.where(b.labels >= 0, in_frontier[np.maximum(b.labels, 0)], False),
    })
