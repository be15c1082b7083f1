"""Approach 3 (Hoffmann et al. 2022): a law L(N, D) fitted to every run, minimised along C.

The fit is `scalinglab.fit` (the Chinchilla law by default, with the paper's Huber loss on
log residuals, δ = 10⁻³), with its bootstrap. The allocation and its intervals are the fit's
own: `FitResult.optimal_allocation` where the law minimises in closed form under C = 6·N·D
(Chinchilla's eq. 4), otherwise `FitResult.interval` of a numeric minimisation along the
FLOP convention (any law in N and D, any convention). Besiroglu et al. 2024 found approach 3's
published intervals implausibly narrow: a bootstrap of one surface fit sees only the scatter
around that surface, so where the surface's shape is wrong (curvature in the frontier), its
intervals are narrow and off; compare the approaches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.compute.budgets import BudgetsArg, group_budgets
from scalinglab.compute.frontier import COLUMNS, exponent_table, golden_min
from scalinglab.compute.isoflop import ApproachFit
from scalinglab.compute.runs import FlopConvention, Runs
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.fit import fit as sl_fit
from scalinglab.fitting.result import FitResult
from scalinglab.fitting.uncertainty import percentile_interval, small_sample_factor
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law

GOLDEN_STEPS = 80
SEARCH = 8.0  # decades of N searched either side of C-matched sizes in numeric minimisation


def numeric_allocation(law: Law, params: dict[str, float], C: np.ndarray,
                       conv: FlopConvention) -> tuple[np.ndarray, np.ndarray]:
    """(N_opt, D_opt) minimising law(N, D) along C = FLOPs per token(N)·D, by golden-section
    search in log N over ±`SEARCH` decades around N = (C/6)^0.5 (vectorised over C). A
    minimum at the search's edge is returned as NaN.

    >>> import numpy as np, scalinglab as sl
    >>> from scalinglab.compute.runs import SIX_ND
    >>> p = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> law = sl.get_law("chinchilla")
    >>> N, D = numeric_allocation(law, p, np.array([1e24]), SIX_ND)
    >>> bool(np.isclose(N[0], law.allocation(p, np.array([1e24]))[0][0], rtol=1e-6))
    True
    """
    theta = law.theta(params)
    mid = 0.5 * np.log(C / 6.0)
    lo, hi = mid - SEARCH * math.log(10), mid + SEARCH * math.log(10)

    def f(lnN: np.ndarray) -> np.ndarray:
        N = np.exp(lnN)
        with np.errstate(all="ignore"):
            v = law.fn(np.vstack([N, conv.tokens(N, C)]), theta)
        return np.where(np.isfinite(v), v, np.inf)

    x = golden_min(f, lo, hi, GOLDEN_STEPS)
    edge = (x - lo < 1e-3) | (hi - x < 1e-3)
    N = np.where(edge, np.nan, np.exp(x))
    return N, conv.tokens(N, C)


@dataclass
class ParametricAllocator:
    """Allocation from a fitted law: closed form (the law's `allocation`) under C = 6·N·D,
    numeric otherwise; intervals from the fit's draws (`FitResult.interval`)."""

    res: FitResult
    convention: FlopConvention
    C_span: tuple[float, float]  # the table's smallest and largest budget (for exponents)

    @property
    def closed_form(self) -> bool:
        c = self.convention
        return self.res.law.allocation is not None and c.is_power and c.k == 6.0 and c.p == 1.0

    @property
    def has_intervals(self) -> bool:
        return self.res.uncertainty.method is not None

    def _alloc(self, p: dict[str, float], C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.closed_form:
            return self.res.law.allocation(p, C)  # type: ignore[misc]
        return numeric_allocation(self.res.law, p, C, self.convention)

    @cached_property
    def _theta_draws(self) -> np.ndarray | None:
        """(B, q) parameter draws of a bootstrap fit, cached: they do not depend on C."""
        res = self.res
        if res.uncertainty.method != "bootstrap":
            return None
        return res.objective.pmap.theta(res._draws_u())

    def _vectorised(self) -> bool:
        """The closed-form allocation of a bootstrap fit, evaluated for all draws at once."""
        return self.closed_form and self._theta_draws is not None

    def _draw_logs(self, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ln N, ln D, g(loss)) at budgets C for the point fit (3, m) and every draw
        (B, 3, m): what `FitResult.optimal_allocation` evaluates draw by draw."""
        res, law = self.res, self.res.law
        g = res.objective.g

        def logs(theta: np.ndarray) -> np.ndarray:  # theta (B, q) -> (B, 3, m)
            p = {n: theta[:, i, None] for i, n in enumerate(law.param_names)}
            with np.errstate(all="ignore"):
                n, d = law.allocation(p, C)  # type: ignore[misc]
                L = law.fn(np.stack([n, d]), theta)  # X (2, B, m): one row of runs per draw
                return np.stack([np.log(n), np.log(d), g(L)], axis=1)

        est = logs(law.theta(res.params)[None, :])[0]
        return est, logs(self._theta_draws)  # type: ignore[arg-type]

    def allocate(self, C: np.ndarray, level: float) -> pd.DataFrame:
        res = self.res
        if self._vectorised():
            return self._allocate_draws(np.asarray(C, dtype=float), level)
        if self.closed_form:
            at_level = replace(res, settings={**res.settings, "level": level})
            return at_level.optimal_allocation(C)[COLUMNS]
        law = res.law
        g = res.objective.g
        N, D = self._alloc(res.params, C)
        loss = res.predict({res.x[0]: N, res.x[1]: D}) if np.isfinite(N).all() else \
            np.full(C.size, np.nan)
        out = {"C": C, "N": N, "D": D, "loss": loss}
        if self.has_intervals:

            def logs(p: dict[str, float], c: np.ndarray) -> np.ndarray:
                n, d = self._alloc(p, c)
                return np.stack([np.log(n), np.log(d),
                                 g(law.fn(np.vstack([n, d]), law.theta(p)))])

            iv = res.interval(logs, level=level, x=C)
            back = np.exp if res.objective.space == "log" else (lambda v: v)
            out.update(N_lo=np.exp(iv.lo[0]), N_hi=np.exp(iv.hi[0]), D_lo=np.exp(iv.lo[1]),
                       D_hi=np.exp(iv.hi[1]), loss_lo=back(iv.lo[2]), loss_hi=back(iv.hi[2]))
        else:
            nan = np.full(C.size, np.nan)
            out.update(N_lo=nan, N_hi=nan, D_lo=nan, D_hi=nan, loss_lo=nan, loss_hi=nan)
        out["tokens_per_param"] = D / N
        return pd.DataFrame(out)[COLUMNS]

    def _allocate_draws(self, C: np.ndarray, level: float) -> pd.DataFrame:
        """`FitResult.optimal_allocation` at ``level`` with the draws' allocations computed
        in one vectorised pass over the cached draws (the same percentiles and small-sample
        factor as `FitResult.interval`)."""
        res = self.res
        est, vals = self._draw_logs(C)
        k = small_sample_factor(res.uncertainty, level)
        lo, hi = percentile_interval(est, vals, level, k)
        N, D = np.exp(est[0]), np.exp(est[1])
        back = np.exp if res.objective.space == "log" else (lambda v: v)
        loss = res._to_user(back(est[2]))
        ends = res._to_user(back(np.stack([lo[2], hi[2]])))
        return pd.DataFrame({
            "C": C, "N": N, "N_lo": np.exp(lo[0]), "N_hi": np.exp(hi[0]), "D": D,
            "D_lo": np.exp(lo[1]), "D_hi": np.exp(hi[1]), "loss": loss,
            "loss_lo": ends.min(axis=0), "loss_hi": ends.max(axis=0), "tokens_per_param": D / N,
        })[COLUMNS]

    def tokens_per_param(self, C: np.ndarray, level: float
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D_opt / N_opt at budgets C with its interval (on its log, as N's and D's)."""
        C = np.asarray(C, dtype=float)
        res = self.res
        if self._vectorised():
            est, vals = self._draw_logs(C)
            lo, hi = percentile_interval(est[1] - est[0], vals[:, 1] - vals[:, 0], level,
                                         small_sample_factor(res.uncertainty, level))
            return np.exp(est[1] - est[0]), np.exp(lo), np.exp(hi)
        N, D = self._alloc(res.params, C)
        if not self.has_intervals:
            nan = np.full(C.size, np.nan)
            return D / N, nan, nan

        def log_ratio(p: dict[str, float], c: np.ndarray) -> np.ndarray:
            n, d = self._alloc(p, c)
            return np.log(d / n)

        iv = res.interval(log_ratio, level=level, x=C)
        return D / N, np.exp(iv.lo), np.exp(iv.hi)

    def _slopes(self, p: dict[str, float]) -> np.ndarray:
        """(a, b): log-slopes of N_opt and D_opt between the table's extreme budgets (the
        exponents themselves for laws whose frontier is a power law, as Chinchilla's)."""
        C = np.array(self.C_span)
        N, D = self._alloc(p, C)
        span = math.log(C[1] / C[0])
        return np.array([math.log(N[1] / N[0]) / span, math.log(D[1] / D[0]) / span])

    def exponents(self, level: float) -> pd.DataFrame:
        est = self._slopes(self.res.params)
        if not self.has_intervals:
            return exponent_table(est[0], None, est[1], None, level)
        iv = self.res.interval(self._slopes, level=level)
        t = exponent_table(est[0], None, est[1], None, level)
        t["lo"], t["hi"] = np.asarray(iv.lo), np.asarray(iv.hi)
        return t


def parametric(runs: Runs, law: Any = "chinchilla", n_boot: int | None = 1000, seed: int = 0,
               budgets: BudgetsArg = None, budget_tol: float = 0.03,
               min_runs: int | None = None) -> ApproachFit:
    """Approach 3 on prepared runs; ``n_boot=None`` skips the intervals."""
    law = get_law(law)
    if len(law.variables) != 2:
        raise ScalingLabError(
            f"approach 3 needs a law in two variables (N, D); {law.name!r} takes "
            f"{list(law.variables)}"
        )
    frame = pd.DataFrame({"N": runs.N, "D": runs.D, "loss": runs.loss})
    res = sl_fit(frame, x=["N", "D"], y="loss", law=law, loss="huber", delta=1e-3,
                 ci="bootstrap" if n_boot else None, n_boot=n_boot or 1000, seed=seed)
    assert isinstance(res, FitResult)
    notes = [f"{law.name} fitted to all {runs.n} runs (Huber loss on log residuals, "
             "δ = 1e-3, as Hoffmann et al.)"]
    alloc = ParametricAllocator(res, runs.convention, (float(runs.C.min()), float(runs.C.max())))
    if not alloc.closed_form:
        notes.append("the law is minimised numerically along the FLOP convention")
    # The law's minima at the table's budgets (when it has them), for the isoFLOP view.
    labels = np.full(runs.n, None, dtype=object)
    try:
        b = group_budgets(runs.C, runs.N, budgets, frame=runs.frame, tol=budget_tol,
                          min_runs=min_runs)
        names, C_pts = b.names, b.C
        labels = np.array([*names, None], dtype=object)[b.labels]
    except ScalingLabError:
        C_pts = np.geomspace(runs.C.min(), runs.C.max(), 9)
        names = [f"{c:.2g}" for c in C_pts]
    N_pts, _ = alloc._alloc(res.params, C_pts)
    curves = _slices(res, runs.convention, names, C_pts, N_pts)
    table = pd.DataFrame({"N": runs.N, "D": runs.D, "C": runs.C, "loss": runs.loss,
                          "budget": labels, "in_frontier": True})
    details = {"params": dict(res.params), "fit": res, "n_boot": n_boot,
               "budget_names": names, "budget_C": C_pts}
    return ApproachFit("parametric", alloc, None, curves, table, notes,  # type: ignore[arg-type]
                       list(res.warnings), details)


def _slices(res: FitResult, conv: FlopConvention, names: list[str], C: np.ndarray,
            N_opt: np.ndarray, n: int = 30) -> pd.DataFrame:
    """The fitted law's isoFLOP slices: loss against N at each budget, ±1 decade of N_opt."""
    frames = []
    for name, c, n0 in zip(names, C, N_opt, strict=True):
        if not np.isfinite(n0):
            continue
        N = n0 * np.logspace(-1, 1, n)
        D = conv.tokens(N, np.full(n, c))
        frames.append(pd.DataFrame({"budget": name, "C": c, "N": N, "D": D,
                                    "loss": res.predict({res.x[0]: N, res.x[1]: D})}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["budget", "C", "N", "D", "loss"])
