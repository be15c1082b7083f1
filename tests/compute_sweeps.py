"""Synthetic training sweeps drawn from a known loss law L(N, D) = E + A/N^α + B/D^β, C = 6ND.

* `isoflop_sweep`: Chinchilla's approach-2 design, model sizes on one log grid (0.15 decade),
  at each budget the sizes within ±``span`` decades of the true optimum (or, ``centred``,
  spaced symmetrically around it).
* `curves_sweep`: approach-1 data, training curves: sizes on a 0.1-decade grid, checkpoints on
  a 0.05-decade grid of D, kept within ±``span`` decades of the optimum at their compute.

Noise is multiplicative, exp(ε) with ε ~ N(0, ``noise``²), as in loss curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Hoffmann et al. 2022's fitted law (eq. 10), and a strongly asymmetric one (α ≠ β) on which
# the parabola's vertex is biased when sampled wide (Czech et al. 2026).
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
ASYMMETRIC = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.45, "beta": 0.25}
BUDGETS = np.geomspace(6e18, 3e21, 9)  # the paper's nine isoFLOP budgets' span


def exponent(p: dict[str, float]) -> float:
    """a in N_opt ∝ C^a."""
    return p["beta"] / (p["alpha"] + p["beta"])


def n_opt(p: dict[str, float], C: float | np.ndarray) -> float | np.ndarray:
    """The law's compute-optimal N under C = 6ND (Hoffmann et al. eq. 4)."""
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    return G * (np.asarray(C) / 6) ** exponent(p)


def loss(p: dict[str, float], N: np.ndarray, D: np.ndarray) -> np.ndarray:
    return p["E"] + p["A"] * N ** -p["alpha"] + p["B"] * D ** -p["beta"]


def isoflop_sweep(p: dict[str, float], span: float = 1.0, noise: float = 0.005, seed: int = 0,
                  budgets: np.ndarray = BUDGETS, step: float = 0.15,
                  centred: bool = False) -> pd.DataFrame:
    """``centred``: each budget's sizes sit symmetrically around its own optimum (Czech et
    al.'s design) instead of on the shared grid."""
    rng = np.random.default_rng(seed)
    grid = 10 ** np.arange(6.0, 13.0, step)
    frames = []
    for C in budgets:
        if centred:
            N = n_opt(p, C) * 10 ** np.arange(-span, span + 1e-9, step)
        else:
            N = grid[np.abs(np.log10(grid) - np.log10(n_opt(p, C))) <= span + 1e-9]
        D = C / (6 * N)
        y = loss(p, N, D) * np.exp(rng.normal(0.0, noise, N.size))
        frames.append(pd.DataFrame({"N": N, "D": D, "loss": y}))
    return pd.concat(frames, ignore_index=True)


def curves_sweep(p: dict[str, float], span: float = 1.0, noise: float = 0.005, seed: int = 0,
                 C_lo: float = 2e18, C_hi: float = 1e22) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    lo = np.log10(n_opt(p, C_lo)) - span
    hi = np.log10(n_opt(p, C_hi)) + span
    for N in 10 ** np.arange(lo, hi, 0.1):
        D = 10 ** np.arange(np.log10(C_lo / (6 * N)), np.log10(C_hi / (6 * N)), 0.05)
        D = D[np.abs(np.log10(N) - np.log10(n_opt(p, 6 * N * D))) <= span]
        if D.size < 2:
            continue
        y = loss(p, N, D) * np.exp(rng.normal(0.0, noise, D.size))
        frames.append(pd.DataFrame({"N": N, "D": D, "loss": y}))
    return pd.concat(frames, ignore_index=True)
