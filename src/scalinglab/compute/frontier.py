"""The compute-optimal frontier: N_opt(C) and D_opt(C) as power laws, the loss along it as
E + K·(C/C_ref)^(-γ), each fitted once to the point estimates and once per bootstrap draw.

A power law y = exp(l)·(C/C_ref)^a is fitted by least squares in log-log space: that is the
exact least-squares fit of a power law whose residuals are measured in log space, and it is
linear, so 1,000 draws cost one batched solve. The loss law is linear in (E, K) for a fixed γ
(variable projection): γ is found on a grid and refined by golden-section search, per draw.

>>> import numpy as np
>>> from scalinglab.compute.frontier import fit_line, fit_loss_law
>>> lnC = np.log([1e19, 1e20, 1e21])
>>> c, a = fit_line(lnC - lnC.mean(), np.log([1e8, 3e8, 9e8])[None, :])
>>> round(float(a[0]), 4)
0.4771
>>> E, K, g = fit_loss_law(lnC - lnC.mean(), (1.7 + 3.0 * np.exp(lnC - lnC.mean()) ** -0.15)[None, :])
>>> [round(float(v[0]), 6) for v in (E, K, g)]
[1.7, 3.0, 0.15]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

GAMMA_GRID = np.geomspace(1e-3, 2.0, 120)  # brackets for the golden-section search of γ
GOLDEN_STEPS = 40  # brackets shrink 0.618^40 ≈ 4e-9 of a grid step: γ to ~1e-10
COLUMNS = ["C", "N", "N_lo", "N_hi", "D", "D_lo", "D_hi", "loss", "loss_lo", "loss_hi",
           "tokens_per_param"]


def fit_line(x: np.ndarray, Y: np.ndarray, mask: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Least squares Y[b] ≈ c[b] + a[b]·x over the points where ``mask[b]``; (c, a), NaN where
    fewer than two points are usable."""
    m = np.isfinite(Y) if mask is None else (mask & np.isfinite(Y))
    Yz = np.where(m, Y, 0.0)
    n = m.sum(1)
    sx, sxx = (m * x).sum(1), (m * x * x).sum(1)
    sy, sxy = Yz.sum(1), (Yz * x).sum(1)
    with np.errstate(all="ignore"):
        den = n * sxx - sx * sx
        a = (n * sxy - sx * sy) / den
        c = (sy - a * sx) / n
    bad = (n < 2) | ~(np.abs(den) > 1e-300)
    return np.where(bad, np.nan, c), np.where(bad, np.nan, a)


def _ls_pair(f: np.ndarray, L: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted least squares L ≈ E + K·f with E, K >= 0, batched over leading axes of ``f``
    against points on the last axis; returns (E, K, sse). The sse is summed from residuals
    (not from moments, which cancel catastrophically on exact data)."""
    s1, sf, sff = w.sum(-1), (w * f).sum(-1), (w * f * f).sum(-1)
    sl, sfl = (w * L).sum(-1), (w * f * L).sum(-1)
    with np.errstate(all="ignore"):
        den = s1 * sff - sf * sf
        K = (s1 * sfl - sf * sl) / den
        E = (sl - K * sf) / s1
        K_only = np.maximum(sfl / sff, 0.0)  # E held at its bound 0
        E_only = sl / s1  # K held at 0: a flat frontier

        def sse(E: np.ndarray, K: np.ndarray) -> np.ndarray:
            r = L - E[..., None] - K[..., None] * f
            return (w * r * r).sum(-1)

        s_both = sse(E, K)
        inside = (E >= 0) & (K >= 0) & np.isfinite(s_both)
        if inside.all():  # the common case: no bound active
            return E, K, s_both
        s_k, s_e = sse(np.zeros_like(K_only), K_only), sse(E_only, np.zeros_like(E_only))
    use_k = ~inside & (s_k <= s_e)
    E = np.where(inside, E, np.where(use_k, 0.0, E_only))
    K = np.where(inside, K, np.where(use_k, K_only, 0.0))
    return E, K, np.where(inside, s_both, np.where(use_k, s_k, s_e))


def golden_min(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
               steps: int) -> np.ndarray:
    """Golden-section search for the minimum of f in [lo, hi], element by element (f maps
    an array of points to their values): the midpoint of the final bracket, 0.618^steps of
    the first. scipy's `minimize_scalar` takes one problem at a time; these are thousands.

    >>> round(float(golden_min(lambda x: (x - 0.3) ** 2, np.array([0.0]), np.array([1.0]), 60)[0]), 9)
    0.3
    """
    r = (math.sqrt(5) - 1) / 2
    a, b = hi - r * (hi - lo), lo + r * (hi - lo)
    fa, fb = f(a), f(b)
    for _ in range(steps):
        left = fa < fb
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
        b_new = np.where(left, a, lo + r * (hi - lo))
        a_new = np.where(left, hi - r * (hi - lo), b)
        f_new = f(np.where(left, a_new, b_new))
        fa, fb = np.where(left, f_new, fb), np.where(left, fa, f_new)
        a, b = a_new, b_new
    return 0.5 * (lo + hi)


def fit_loss_law(x: np.ndarray, L: np.ndarray, mask: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L[b] ≈ E + K·exp(x)^(-γ) (x = ln(C/C_ref)) with E, K >= 0, per row b, with relative
    residuals (weights 1/L²). Returns (E, K, γ); NaN where fewer than three points are usable.
    Rows are solved in chunks that keep the grid's arrays near 2 million numbers."""
    m = np.isfinite(L) if mask is None else (mask & np.isfinite(L))
    step = max(1, 2_000_000 // (GAMMA_GRID.size * max(L.shape[1], 1)))
    parts = [_loss_law_rows(x, L[i:i + step], m[i:i + step]) for i in range(0, L.shape[0], step)]
    return tuple(np.concatenate([p[j] for p in parts]) for j in range(3))  # type: ignore[return-value]


def _loss_law_rows(x: np.ndarray, L: np.ndarray, m: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Lz = np.where(m, L, 1.0)
    w = np.where(m, 1.0 / Lz**2, 0.0)

    def sse_at(gam: np.ndarray) -> tuple[np.ndarray, ...]:  # gam: (B, G)
        f = np.exp(-gam[..., None] * x)  # (B, G, K)
        return _ls_pair(f, Lz[:, None, :], w[:, None, :])

    B = L.shape[0]
    grid = np.broadcast_to(GAMMA_GRID, (B, GAMMA_GRID.size))
    _, _, sse = sse_at(grid)
    i = np.argmin(np.where(np.isfinite(sse), sse, np.inf), axis=1)
    lo = np.log(GAMMA_GRID[np.maximum(i - 1, 0)])
    hi = np.log(GAMMA_GRID[np.minimum(i + 1, GAMMA_GRID.size - 1)])
    gam = np.exp(golden_min(lambda lg: sse_at(np.exp(lg)[:, None])[2][:, 0], lo, hi,
                            GOLDEN_STEPS))
    E, K, _ = sse_at(gam[:, None])
    bad = m.sum(1) < 3
    return (np.where(bad, np.nan, E[:, 0]), np.where(bad, np.nan, K[:, 0]),
            np.where(bad, np.nan, gam))


def interval(point: np.ndarray, draws: np.ndarray | None, level: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the draws (B, m) at each of m points; NaN without draws."""
    if draws is None:
        nan = np.full(np.shape(point), np.nan)
        return nan, nan
    a = (1 - level) / 2
    finite = np.isfinite(draws)
    if finite.all():
        lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # a point no draw reaches: NaN
            lo, hi = np.nanquantile(np.where(finite, draws, np.nan), [a, 1 - a], axis=0)
    return lo, hi


def exponent_table(a: float, a_draws: np.ndarray | None, b: float,
                   b_draws: np.ndarray | None, level: float) -> pd.DataFrame:
    """Rows 'N' and 'D' (index ``quantity``): exponent, lo, hi (percentiles of the draws)."""
    rows = []
    for name, point, draws in (("N", a, a_draws), ("D", b, b_draws)):
        lo, hi = interval(np.array([point]), None if draws is None else draws[:, None], level)
        rows.append({"quantity": name, "exponent": float(point), "lo": lo[0], "hi": hi[0]})
    return pd.DataFrame(rows).set_index("quantity")


@dataclass
class Frontier:
    """N_opt, D_opt and the loss along the frontier, with bootstrap draws (rows) of each.

    ``n``: (c, a) with ln N_opt = c + a·ln(C/C_ref); ``loss``: (E, K, γ) with
    loss = E + K·(C/C_ref)^(-γ); ``*_draws``: arrays (B, 2) / (B, 3), or None without
    intervals. D_opt spends the budget under the FLOP convention: C / (k·N_opt^p) for a power
    law ``flops_kp`` = (k, p), else C / ``per_token``(N_opt). ``d`` (and ``d_draws``) is then
    a power law fitted to the points' D_opt, for the exponent table only.
    """

    C_ref: float
    n: tuple[float, float]
    d: tuple[float, float] | None
    loss: tuple[float, float, float]
    flops_kp: tuple[float, float] | None
    n_draws: np.ndarray | None = None
    d_draws: np.ndarray | None = None
    loss_draws: np.ndarray | None = None
    per_token: Callable[[np.ndarray], np.ndarray] | None = None

    @staticmethod
    def _line(x: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.exp(c[..., None] + a[..., None] * x)

    def _values(self, C: np.ndarray, n: np.ndarray, loss: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, D, loss) at budgets C for parameter rows n (.., 2) and loss (.., 3)."""
        x = np.log(C / self.C_ref)
        N = self._line(x, n[..., 0], n[..., 1])
        if self.flops_kp is not None:
            k, p = self.flops_kp
            D = C / (k * N**p)
        else:
            D = C / self.per_token(N)  # type: ignore[misc]
        L = loss[..., 0, None] + loss[..., 1, None] * np.exp(-loss[..., 2, None] * x)
        return N, D, L

    @property
    def has_intervals(self) -> bool:
        return self.n_draws is not None

    def exponents(self, level: float) -> pd.DataFrame:
        """Rows 'N' and 'D': exponent a (N_opt ∝ C^a) and b (D_opt ∝ C^b), lo, hi. With a
        power-law FLOP convention C = k·N^p·D, b = 1 − p·a exactly; otherwise b is the slope
        of a power law fitted to the points' D_opt."""
        a = self.n[1]
        a_draws = None if self.n_draws is None else self.n_draws[:, 1]
        if self.d is None:
            p = self.flops_kp[1]  # type: ignore[index]
            b, b_draws = 1.0 - p * a, None if a_draws is None else 1.0 - p * a_draws
        else:
            b = self.d[1]
            b_draws = None if self.d_draws is None else self.d_draws[:, 1]
        return exponent_table(a, a_draws, b, b_draws, level)

    def tokens_per_param(self, C: np.ndarray, level: float
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D_opt / N_opt at budgets C with its percentile interval over the draws."""
        C = np.asarray(C, dtype=float)
        N, D, _ = self._values(C, np.array(self.n), np.array(self.loss))
        if self.n_draws is None:
            nan = np.full(C.shape, np.nan)
            return D / N, nan, nan
        Nb, Db, _ = self._values(C, self.n_draws, self.loss_draws)
        lo, hi = interval(D / N, Db / Nb, level)
        return D / N, lo, hi

    def allocate(self, C: np.ndarray, level: float) -> pd.DataFrame:
        """C, N, N_lo, N_hi, D, D_lo, D_hi, loss, loss_lo, loss_hi, tokens_per_param."""
        C = np.asarray(C, dtype=float)
        N, D, L = self._values(C, np.array(self.n), np.array(self.loss))
        out = {"C": C, "N": N, "D": D, "loss": L}
        if self.n_draws is not None:
            Nb, Db, Lb = self._values(C, self.n_draws, self.loss_draws)
        else:
            Nb = Db = Lb = None
        for name, point, draws in (("N", N, Nb), ("D", D, Db), ("loss", L, Lb)):
            out[f"{name}_lo"], out[f"{name}_hi"] = interval(point, draws, level)
        out["tokens_per_param"] = D / N
        return pd.DataFrame(out)[COLUMNS]
