"""Approach 1 (Hoffmann et al. 2022): the lower envelope of loss against compute.

Each model size with two or more runs (checkpoints, or runs of several lengths) traces a
curve of loss against C, interpolated linearly in log C between its runs and never beyond
them. At `GRID` log-spaced budgets the envelope is the lowest curve; the size that attains it
is N_opt(C). A budget counts as a frontier point only where that size is bracketed: a smaller
and a larger size also reach it (otherwise the optimum may lie beyond the sizes trained).
Power laws are fitted to the frontier points, as in the paper (which used 1,500 budgets).

Sizes are runs whose N agree within 1% (digitised tables scatter N slightly). Intervals come
from a bootstrap over model sizes: each resample draws the sizes with replacement and redoes
the envelope and the fits, so they say how much the answer depends on which sizes were
trained. The envelope picks one of the trained sizes, so N_opt moves in steps; on sparse size
grids that discreteness, not the noise, sets the resolution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglab.compute.isoflop import ApproachFit
from scalinglab.compute.minima import Minima
from scalinglab.compute.runs import Runs
from scalinglab.errors import ScalingLabError

GRID = 200
SIZE_TOL = 0.01  # relative: N values this close are one model size
LOSS_POINTS = 40  # frontier points the loss law is fitted to (every k-th of the grid's)


def model_sizes(N: np.ndarray, tol: float = SIZE_TOL) -> np.ndarray:
    """Size index per run (0 = smallest): N values within ``tol`` of their neighbour join.

    >>> model_sizes(np.array([1e8, 1.004e8, 2e8, 1e8])).tolist()
    [0, 0, 1, 0]
    """
    order = np.argsort(N, kind="stable")
    lnN = np.log(N[order])
    new = np.ones(N.size, dtype=bool)
    new[1:] = np.diff(lnN) > np.log1p(tol)
    idx = np.empty(N.size, dtype=int)
    idx[order] = np.cumsum(new) - 1
    return idx


def _envelope(Lg: np.ndarray, include: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For size masks ``include`` (B, S): (argmin size (B, G), envelope loss, bracketed)."""
    big = np.where(include[:, :, None] & np.isfinite(Lg)[None], Lg[None], np.inf)  # (B, S, G)
    arg = np.argmin(big, axis=1)
    env = np.take_along_axis(big, arg[:, None, :], axis=1)[:, 0, :]
    covered = np.isfinite(big)
    S = Lg.shape[0]
    first = np.argmax(covered, axis=1)
    last = S - 1 - np.argmax(covered[:, ::-1, :], axis=1)
    bracketed = np.isfinite(env) & (arg > first) & (arg < last)
    return arg, env, bracketed


def envelope(runs: Runs, n_boot: int | None = 1000, seed: int = 0) -> ApproachFit:
    """Approach 1 on prepared runs; ``n_boot=None`` skips the intervals."""
    size = model_sizes(runs.N)
    S_all = int(size.max()) + 1
    counts = np.bincount(size, minlength=S_all)
    notes: list[str] = []
    keep_size = counts >= 2
    if (~keep_size).any():
        notes.append(
            f"{int((~keep_size).sum())} model size(s) have a single run (no curve of loss "
            "against compute; missing checkpoints?) and were left out of the envelope"
        )
    if keep_size.sum() < 3:
        raise ScalingLabError(
            "the envelope approach needs runs at several D for each of at least three model "
            f"sizes; this table has {int(keep_size.sum())} size(s) with two or more runs. Use "
            "approach='isoflop' or 'parametric'"
        )
    sizes = np.flatnonzero(keep_size)
    N_size = np.array([np.exp(np.mean(np.log(runs.N[size == s]))) for s in sizes])
    lnC = np.log(runs.C)
    lo = min(lnC[size == s].min() for s in sizes)
    hi = max(lnC[size == s].max() for s in sizes)
    grid = np.linspace(lo, hi, GRID)
    Lg = np.full((sizes.size, GRID), np.nan)
    for i, s in enumerate(sizes):
        m = size == s
        order = np.argsort(lnC[m], kind="stable")
        x, y = lnC[m][order], runs.loss[m][order]
        x, first = np.unique(x, return_index=True)  # runs at one compute: the first
        Lg[i] = np.interp(grid, x, y[first], left=np.nan, right=np.nan)
    arg, env, br = _envelope(Lg, np.ones((1, sizes.size), dtype=bool))
    arg, env, br = arg[0], env[0], br[0]
    if br.sum() < 2:
        raise ScalingLabError(
            "no runs bracket a minimum: at no compute is the lowest curve's model size between "
            "a smaller and a larger size that also reach it. Train sizes on both sides of the "
            "optimum, or use approach='parametric'"
        )
    C = np.exp(grid)
    N_opt = np.where(br, N_size[arg], np.nan)
    N_draws = loss_draws = None
    if n_boot:
        rng = np.random.default_rng(seed)
        pick = rng.integers(0, sizes.size, size=(n_boot, sizes.size))
        include = np.zeros((n_boot, sizes.size), dtype=bool)
        np.put_along_axis(include, pick, True, axis=1)
        N_draws = np.full((n_boot, GRID), np.nan)
        loss_draws = np.full((n_boot, GRID), np.nan)
        step = max(1, 4_000_000 // (sizes.size * GRID))
        for i in range(0, n_boot, step):
            a, e, b = _envelope(Lg, include[i:i + step])
            N_draws[i:i + step] = np.where(b, N_size[a], np.nan)
            loss_draws[i:i + step] = np.where(b, e, np.nan)
    thin = np.zeros(GRID, dtype=bool)
    pts = np.flatnonzero(br)
    thin[pts[np.linspace(0, pts.size - 1, min(LOSS_POINTS, pts.size)).round().astype(int)]] = True
    conv = runs.convention
    minima = Minima(
        names=[f"{c:.3g}" for c in C], C=C, N=N_opt, D=conv.tokens(N_opt, C),
        loss=np.where(br, env, np.nan), N_draws=N_draws,
        D_draws=None if N_draws is None else conv.tokens(N_draws, C), loss_draws=loss_draws,
        in_frontier=br, extra={"bracketed": br},
    )
    frontier = minima.frontier(conv, loss_mask=thin)
    on_env = np.zeros(S_all, dtype=bool)
    on_env[sizes[np.unique(arg[br])]] = True
    table = pd.DataFrame({"N": runs.N, "D": runs.D, "C": runs.C, "loss": runs.loss,
                          "size": size, "in_frontier": on_env[size]})
    curves = _curves(runs, size, sizes, N_size, C, env, br)
    notes.append(f"envelope over {sizes.size} model sizes at {GRID} budgets; {int(br.sum())} "
                 "of them are bracketed frontier points")
    return ApproachFit("envelope", frontier, minima, curves, table, notes, [],
                       {"n_sizes": int(sizes.size), "n_boot": n_boot})


def _curves(runs: Runs, size: np.ndarray, sizes: np.ndarray, N_size: np.ndarray,
            C: np.ndarray, env: np.ndarray, br: np.ndarray) -> pd.DataFrame:
    """Each size's runs as a polyline of loss against C, and the envelope."""
    frames = []
    for s, n in zip(sizes, N_size, strict=True):
        m = size == s
        order = np.argsort(runs.C[m], kind="stable")
        frames.append(pd.DataFrame({"series": f"N={n:.3g}", "kind": "size", "N": n,
                                    "C": runs.C[m][order], "loss": runs.loss[m][order]}))
    frames.append(pd.DataFrame({"series": "envelope", "kind": "envelope", "N": np.nan,
                                "C": C[br], "loss": env[br]}))
    return pd.concat(frames, ignore_index=True)
