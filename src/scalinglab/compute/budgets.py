"""Group runs into isoFLOP budgets: runs trained with (nearly) the same compute.

Three ways, by what the user knows:

* ``budgets=None``: clusters of log10 C. Digitised tables (the bundled Chinchilla runs) scatter
  each budget's C by a few percent and mix in runs from other experiments, so a budget is a
  dense window: the ±``tol`` decade window holding the most distinct model sizes becomes a
  budget, its runs are removed, and so on while a window still holds ``min_runs`` sizes. Runs
  left over lie between budgets and are left out (the notes count them).
* ``budgets=[6e18, 1e19, ...]``: the nominal budgets of the experiment. Each is re-centred on
  the densest ±``tol`` window within 0.1 decade of it (digitised C values are often shifted),
  and takes the runs in that window.
* ``budgets="column"``: a column naming each run's budget; rows without a value are left out.

Explicit budgets with fewer than 3 runs are an error (a profile needs 3 points to have a
minimum); clusters need ``min_runs`` distinct sizes (5 by default, so that each budget's
profile has residuals to check and a within-budget interval).

>>> import numpy as np
>>> from scalinglab.compute.budgets import group_budgets
>>> C = np.array([1e19, 1.02e19, 0.98e19, 3e19, 3.05e19, 2.9e19, 7e19])
>>> N = np.array([1e8, 2e8, 4e8, 2e8, 4e8, 8e8, 5e8])
>>> b = group_budgets(C, N, budgets=None, min_runs=3)
>>> b.names, b.n_runs.tolist(), b.labels.tolist()
(['1e+19', '3e+19'], [3, 3], [0, 0, 0, 1, 1, 1, -1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError

DEFAULT_TOL = 0.03  # decades: ±7% in C; the bundled table's budgets scatter by ~0.015
CLUSTER_MIN_RUNS = 5
SEED_REACH = 0.1  # decades around a nominal budget searched for its runs
BudgetsArg = str | Sequence[float] | np.ndarray | None


@dataclass
class Budgets:
    """Budget index per run (-1: in no budget), and per budget its compute and label."""

    labels: np.ndarray  # (n,) int
    C: np.ndarray  # (K,) geometric mean of the members' compute, ascending
    names: list[str]
    n_runs: np.ndarray  # (K,)
    notes: list[str] = field(default_factory=list)

    @property
    def K(self) -> int:
        return int(self.C.size)

    def members(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.labels == k)


def _label(c: float, others: np.ndarray) -> str:
    for digits in (1, 2, 3, 6):
        s = f"{c:.{digits}g}"
        if sum(f"{o:.{digits}g}" == s for o in others) == 1:
            return s
    return repr(float(c))


def _densest(logc: np.ndarray, sizes: np.ndarray, idx: np.ndarray, tol: float
             ) -> tuple[int, float]:
    """(distinct sizes, centre) of the ±tol window over ``idx`` holding most distinct sizes.

    Windows are centred on each run. With the runs sorted by C, a window is a slice, and a
    run adds a new size to it when the previous run of the same size lies before the slice:
    the counts for all windows are one comparison matrix (built in blocks of rows)."""
    order = idx[np.argsort(logc[idx], kind="stable")]
    xs = logc[order]
    _, code = np.unique(sizes[order], return_inverse=True)
    prev = np.full(xs.size, -1)
    last: dict[int, int] = {}
    for t, c in enumerate(code.tolist()):
        prev[t] = last.get(c, -1)
        last[c] = t
    j0 = np.searchsorted(xs, xs - tol, side="left")
    j1 = np.searchsorted(xs, xs + tol, side="right")
    t = np.arange(xs.size)
    counts = np.empty(xs.size, dtype=int)
    rows = max(1, 4_000_000 // max(xs.size, 1))
    for a in range(0, xs.size, rows):
        b = min(a + rows, xs.size)
        inside = (t >= j0[a:b, None]) & (t < j1[a:b, None]) & (prev < j0[a:b, None])
        counts[a:b] = inside.sum(1)
    i = int(np.argmax(counts))
    return int(counts[i]), float(np.median(xs[j0[i]:j1[i]]))


def _finish(labels: np.ndarray, C: np.ndarray, names: list[str] | None,
            notes: list[str]) -> Budgets:
    """Order budgets by compute, name them, count their runs."""
    K = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    cb = np.array([np.exp(np.mean(np.log(C[labels == k]))) for k in range(K)])
    order = np.argsort(cb, kind="stable")
    remap = np.full(K + 1, -1)
    remap[order] = np.arange(K)
    new = np.where(labels >= 0, remap[labels], -1)
    cb = cb[order]
    if names is None:
        names = [_label(c, cb) for c in cb]
    else:
        names = [names[i] for i in order]
    n_runs = np.array([int((new == k).sum()) for k in range(K)], dtype=int)
    left = int((new < 0).sum())
    if left:
        notes.append(f"{left} run(s) lie in no budget and were left out of the isoFLOP profiles")
    return Budgets(labels=new, C=cb, names=names, n_runs=n_runs, notes=notes)


def group_budgets(C: np.ndarray, N: np.ndarray, budgets: BudgetsArg = None,
                  frame: pd.DataFrame | None = None, tol: float = DEFAULT_TOL,
                  min_runs: int | None = None) -> Budgets:
    """Assign runs (compute ``C``, size ``N``) to budgets; see the module docstring."""
    if not (np.isfinite(tol) and tol > 0):
        raise ScalingLabError(f"budget_tol must be a positive number of decades, not {tol!r}")
    logc = np.log10(C)
    labels = np.full(C.size, -1)
    notes: list[str] = []
    if budgets is None:
        need = CLUSTER_MIN_RUNS if min_runs is None else int(min_runs)
        if need < 3:
            raise ScalingLabError(f"min_runs must be at least 3 (a profile's minimum needs 3 "
                                  f"runs), not {min_runs!r}")
        k = 0
        while True:
            idx = np.flatnonzero(labels < 0)
            if idx.size < need:
                break
            count, centre = _densest(logc, N, idx, tol)
            if count < need:
                break
            labels[idx[np.abs(logc[idx] - centre) <= tol]] = k
            k += 1
        if k == 0:
            raise ScalingLabError(
                f"no budget found: no {need} model sizes share a compute within ±{tol} decades. "
                "Pass budgets= (a column naming each run's budget, or the nominal budgets), "
                "widen budget_tol, or lower min_runs"
            )
        notes.append(
            f"runs grouped into {k} budget(s) by clustering log10 C within ±{tol} decades "
            f"(at least {need} model sizes each)"
        )
        return _check(_finish(labels, C, None, notes), explicit=False)
    if isinstance(budgets, str):
        if frame is None or budgets not in frame.columns:
            cols = [] if frame is None else [str(c) for c in frame.columns]
            raise ScalingLabError(f"no column {budgets!r} for budgets; the table has {cols}")
        col = frame[budgets].to_numpy()
        present = pd.notna(col)
        codes, uniques = pd.factorize(col[present], sort=False)
        labels[present] = codes
        return _check(_finish(labels, C, [str(u) for u in uniques], notes), explicit=True)
    try:
        nominal = np.asarray(budgets, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ScalingLabError(
            "budgets must be None, a column name, or a list of nominal budgets in FLOPs"
        ) from None
    if nominal.size == 0 or not np.all(np.isfinite(nominal)) or (nominal <= 0).any():
        raise ScalingLabError("budgets must be positive, finite numbers of FLOPs")
    names = []
    for k, c0 in enumerate(np.sort(nominal)):
        near = np.flatnonzero((labels < 0) & (np.abs(logc - np.log10(c0)) <= SEED_REACH))
        names.append(_label(c0, nominal))
        if near.size == 0:
            raise ScalingLabError(
                f"budget {c0:.3g} has no runs within {SEED_REACH} decade: drop it from budgets="
            )
        _, centre = _densest(logc, N, near, tol)
        labels[near[np.abs(logc[near] - centre) <= tol]] = k
    notes.append(f"runs assigned to {nominal.size} nominal budget(s) within ±{tol} decades")
    return _check(_finish(labels, C, names, notes), explicit=True)


def _check(b: Budgets, explicit: bool) -> Budgets:
    small = [(name, n) for name, n in zip(b.names, b.n_runs, strict=True) if n < 3]
    if small:
        listed = ", ".join(f"{name} ({n} run{'' if n == 1 else 's'})" for name, n in small)
        raise ScalingLabError(
            f"budget(s) {listed} have fewer than 3 runs: an isoFLOP profile needs at least 3 "
            "model sizes to show a minimum. Add runs there or leave those budgets out"
        )
    thin = [name for name, n in zip(b.names, b.n_runs, strict=True) if n < CLUSTER_MIN_RUNS]
    if explicit and thin:
        b.notes.append(
            f"budget(s) {', '.join(thin)} have fewer than {CLUSTER_MIN_RUNS} runs: their profile "
            "leaves few residuals, so their minima's intervals are rough"
        )
    if b.K < 2:
        raise ScalingLabError(
            f"the table has only one budget ({b.names[0]} FLOPs): a compute-optimal frontier "
            "needs runs at two or more budgets"
        )
    return b
