"""Points on the compute-optimal frontier (per-budget minima, envelope points) with their
bootstrap draws, and the frontier fitted to them: the part approaches 1 and 2 share.

>>> import numpy as np
>>> from scalinglab.compute.minima import Minima
>>> C = np.array([1e19, 1e20, 1e21]); N = 1e8 * (C / 1e19) ** 0.5
>>> m = Minima(names=["1e19", "1e20", "1e21"], C=C, N=N, D=C / (6 * N), loss=[3.0, 2.6, 2.3])
>>> from scalinglab.compute.runs import SIX_ND
>>> fr = m.frontier(SIX_ND)
>>> round(float(fr.n[1]), 6)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalinglab.compute.frontier import Frontier, fit_line, fit_loss_law, interval
from scalinglab.compute.runs import FlopConvention
from scalinglab.errors import ScalingLabError


@dataclass
class Minima:
    """Frontier points: compute C, N_opt, D_opt and the loss there, each with draws (B, K)."""

    names: list[str]
    C: np.ndarray
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    N_draws: np.ndarray | None = None
    D_draws: np.ndarray | None = None
    loss_draws: np.ndarray | None = None
    in_frontier: np.ndarray | None = None  # (K,) bool; None: all
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # more columns for the table
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.C = np.asarray(self.C, dtype=float)
        self.N = np.asarray(self.N, dtype=float)
        self.D = np.asarray(self.D, dtype=float)
        self.loss = np.asarray(self.loss, dtype=float)
        if self.in_frontier is None:
            self.in_frontier = np.isfinite(self.N)

    def table(self, level: float, label: str = "budget") -> pd.DataFrame:
        """One row per point: label, C, N_opt, N_lo, N_hi, D_opt, D_lo, D_hi, loss_min,
        loss_lo, loss_hi, the extra columns, in_frontier."""
        cols: dict[str, object] = {label: self.names, "C": self.C}
        for name, point, draws in (("N", self.N, self.N_draws), ("D", self.D, self.D_draws),
                                   ("loss", self.loss, self.loss_draws)):
            lo, hi = interval(point, draws, level)
            key = "loss_min" if name == "loss" else f"{name}_opt"
            cols.update({key: point, f"{name}_lo": lo, f"{name}_hi": hi})
        cols.update(self.extra)
        cols["in_frontier"] = self.in_frontier
        return pd.DataFrame(cols)

    def frontier(self, conv: FlopConvention, loss_mask: np.ndarray | None = None,
                 scatter_seed: int | None = None) -> Frontier:
        """Power laws N_opt(C) (and D_opt(C) when the FLOP convention is not a power law) and
        the loss law, fitted to the points in the frontier, once and per draw; the loss law
        only to those in ``loss_mask`` too, when given (a thinned dense grid).

        With ``scatter_seed`` (independent points, such as budgets' minima), points that
        scatter around the fitted laws more than their own draws explain get that excess
        scatter added to every draw (random effects, `excess_scatter`); ``self.notes`` says
        how much."""
        inc = np.asarray(self.in_frontier, dtype=bool) & np.isfinite(self.N)
        if inc.sum() < 2:
            raise ScalingLabError("the frontier needs at least two points")
        lnC = np.log(self.C[inc])
        C_ref = float(np.exp(lnC.mean()))
        x = lnC - np.log(C_ref)

        def line(Y: np.ndarray) -> np.ndarray:
            c, a = fit_line(x, np.log(Y))
            return np.column_stack([c, a])

        on = np.ones(int(inc.sum()), dtype=bool) if loss_mask is None else loss_mask[inc]

        def loss_law(Y: np.ndarray) -> np.ndarray:
            return np.column_stack(fit_loss_law(x[on], Y[:, on]))

        n = line(self.N[inc][None, :])[0]
        flops_kp = (conv.k, conv.p) if conv.is_power else None
        d = None if flops_kp is not None else line(self.D[inc][None, :])[0]
        loss = loss_law(self.loss[inc][None, :])[0]
        fr = Frontier(C_ref=C_ref, n=(float(n[0]), float(n[1])),
                      d=None if d is None else (float(d[0]), float(d[1])),
                      loss=tuple(float(v) for v in loss), flops_kp=flops_kp,  # type: ignore[arg-type]
                      per_token=None if conv.is_power else conv.per_token)
        if self.N_draws is not None:
            N_draws, loss_draws = self.N_draws[:, inc], self.loss_draws[:, inc]  # type: ignore[index]
            if scatter_seed is not None:
                rng = np.random.default_rng(scatter_seed)
                lnN = np.log(self.N[inc])
                tau = excess_scatter(lnN - (n[0] + n[1] * x), np.log(N_draws), x, 2)
                if tau > 0:
                    N_draws = N_draws * np.exp(rng.normal(0.0, tau, N_draws.shape))
                    self.notes.append(
                        f"the budgets' N_opt scatter around the power law more than their own "
                        f"intervals explain (excess SD {tau:.3f} in ln N): the frontier's "
                        "intervals include that scatter"
                    )
                L = self.loss[inc]
                fitted = loss[0] + loss[1] * np.exp(-loss[2] * x)
                tau_l = excess_scatter((L - fitted)[on], loss_draws[:, on], x[on], 3)
                if tau_l > 0:
                    loss_draws = loss_draws + rng.normal(0.0, tau_l, loss_draws.shape)
                    self.notes.append(
                        f"the budgets' minimum losses scatter around the loss law more than "
                        f"their own intervals explain (excess SD {tau_l:.3g}): the loss "
                        "intervals include that scatter"
                    )
            nd = line(N_draws)
            keep = np.all(np.isfinite(nd), axis=1)
            fr.n_draws = nd[keep]
            if d is not None:
                fr.d_draws = line(conv.tokens(N_draws, self.C[inc]))[keep]
            fr.loss_draws = loss_law(loss_draws)[keep]
        return fr


def excess_scatter(resid: np.ndarray, draws: np.ndarray, x: np.ndarray, q: int) -> float:
    """Between-point SD beyond the points' own uncertainty (a method-of-moments estimate, as
    in random-effects meta-analysis): τ² = max(0, (Σ e² − Σ (1 − h)·σ²) / (K − q)), with e the
    residuals of a fit with q parameters, σ² each point's variance over its draws and h its
    leverage (a straight line's for q = 2, the average q/K otherwise).

    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 9)
    >>> draws = np.random.default_rng(0).normal(0, 0.01, (500, 9))
    >>> excess_scatter(np.zeros(9), draws, x, 2)
    0.0
    >>> round(excess_scatter(np.full(9, 0.1) * (-1) ** np.arange(9), draws, x, 2), 2)
    0.11
    """
    K = resid.size
    if K <= q:
        return 0.0
    with np.errstate(all="ignore"):
        var = np.nanvar(draws, axis=0)
    var = np.where(np.isfinite(var), var, 0.0)
    if q == 2:
        xc = x - x.mean()
        h = 1.0 / K + xc**2 / np.sum(xc**2)
    else:
        h = np.full(K, q / K)
    tau2 = (np.sum(resid**2) - np.sum((1 - h) * var)) / (K - q)
    return float(np.sqrt(tau2)) if tau2 > 0 else 0.0
