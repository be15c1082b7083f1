"""`compute_optimal` and the `ComputePlan` it returns: given a sweep of training runs, how to
split a compute budget C between model size N and tokens D, and the loss that reaches.

Three approaches (Hoffmann et al. 2022):

* ``"isoflop"`` (approach 2): minima of per-budget isoFLOP profiles, then power laws in C.
* ``"envelope"`` (approach 1): the lower envelope of loss against C over model sizes.
* ``"parametric"`` (approach 3): a law L(N, D) fitted to every run, minimised along C.

A plan is a pure function of its inputs: the same call gives the same numbers, and every
table a chart draws is a tidy DataFrame (`minima`, `curves`, `runs`, `frontier_grid`).
Intervals are percentiles of bootstrap draws kept on the plan, so `allocate(C, level=...)`
and `with_level` answer at any level without refitting.

>>> import scalinglab as sl
>>> df = sl.datasets.load("chinchilla")
>>> plan = sl.compute_optimal(df, N="N", D="D", y="loss", n_boot=200)
>>> a = plan.exponents.loc["N", "exponent"]  # N_opt ∝ C^a
>>> bool(0.45 < a < 0.6)
True
>>> row = plan.allocate([1e24]).iloc[0]
>>> bool(row.N_lo < row.N < row.N_hi)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.compute.budgets import DEFAULT_TOL, BudgetsArg
from scalinglab.compute.frontier import COLUMNS
from scalinglab.compute.isoflop import ApproachFit, isoflop
from scalinglab.compute.runs import FlopsArg, Runs, prepare_runs
from scalinglab.delegates import delegate
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.blas import single_threaded

APPROACHES = ("isoflop", "envelope", "parametric")


def _as_budgets(C: object) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(C, dtype=float)).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)) or (arr <= 0).any():
        raise ScalingLabError("compute budgets C must be positive, finite numbers of FLOP")
    return arr


@dataclass
class ComputePlan:
    """The result of `compute_optimal`: see the module docstring.

    Attributes: ``approach``; ``level``; ``minima`` (the frontier's points with intervals:
    per budget for isoflop); ``exponents`` (rows N and D: N_opt ∝ C^a, D_opt ∝ C^b, with
    intervals); ``curves`` (what the left panel draws: each budget's fitted profile, or each
    model size's loss against C); ``runs`` (the runs used, with their budget); ``notes`` and
    ``warnings`` (what was done to the data, and what to distrust); ``details`` (the fit's
    own numbers: the profile's exponents, the law's parameters).
    """

    approach: str
    level: float
    fit: ApproachFit
    settings: dict[str, Any]
    _runs: Runs = field(repr=False)
    _others: dict[str, ComputePlan | str] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- tables
    @property
    def minima(self) -> pd.DataFrame:
        """The frontier's points with intervals at the plan's level. isoflop: one row per
        budget (C, N_opt, N_lo, N_hi, D_opt, …, loss_min, …, n_runs, N_min, N_max,
        bracketed, excluded, in_frontier); envelope: one row per bracketed budget of its
        grid; parametric: the law's minima at the table's budgets."""
        if self.approach == "parametric":
            d = self.fit.details
            t = self.allocate(d["budget_C"])  # type: ignore[arg-type]
            t = t.rename(columns={"N": "N_opt", "D": "D_opt", "loss": "loss_min"})
            t.insert(0, "budget", d["budget_names"])
            return t
        assert self.fit.minima is not None
        label = "budget" if self.approach == "isoflop" else "point"
        table = self.fit.minima.table(self.level, label=label)
        return table if self.approach == "isoflop" else table[table["in_frontier"]]

    @property
    def exponents(self) -> pd.DataFrame:
        """Rows 'N' and 'D': exponent a (N_opt ∝ C^a) and b (D_opt ∝ C^b), lo, hi."""
        return self.fit.frontier.exponents(self.level)

    @property
    def curves(self) -> pd.DataFrame:
        return self.fit.curves

    @property
    def runs(self) -> pd.DataFrame:
        return self.fit.runs

    @property
    def notes(self) -> list[str]:
        return self._runs.notes + self.fit.notes

    @property
    def warnings(self) -> list[str]:
        return self.fit.warnings

    @property
    def details(self) -> dict[str, object]:
        return self.fit.details

    @property
    def has_intervals(self) -> bool:
        return self.fit.frontier.has_intervals

    # ----------------------------------------------------------------- answers
    def allocate(self, C: object, level: float | None = None) -> pd.DataFrame:
        """For budgets C (FLOP): C, N, N_lo, N_hi, D, D_lo, D_hi, loss, loss_lo, loss_hi,
        tokens_per_param (intervals at ``level``, default the plan's; NaN without them)."""
        level = self.level if level is None else _check_level(level)
        return self.fit.frontier.allocate(_as_budgets(C), level)

    def tokens_per_param(self, C: object, level: float | None = None) -> pd.DataFrame:
        """Tokens per parameter D_opt/N_opt at budgets C with its interval (each draw's own
        ratio): columns C, tokens_per_param, lo, hi.

        >>> import scalinglab as sl
        >>> plan = sl.compute_optimal(sl.datasets.load("chinchilla"), n_boot=100)
        >>> r = plan.tokens_per_param([1e24]).iloc[0]
        >>> bool(r.lo < r.tokens_per_param < r.hi)
        True
        """
        level = self.level if level is None else _check_level(level)
        C = _as_budgets(C)
        tpp, lo, hi = self.fit.frontier.tokens_per_param(C, level)
        return pd.DataFrame({"C": C, "tokens_per_param": tpp, "lo": lo, "hi": hi})

    def frontier_grid(self, C_max: float | None = None, n: int = 60,
                      level: float | None = None) -> pd.DataFrame:
        """`allocate` on a log grid from the smallest budget to ``C_max`` (default: 1000× the
        largest budget): the frontier curves and bands a chart draws; column ``extrapolated``
        marks budgets beyond the data."""
        C_data = self.runs.loc[self.runs["in_frontier"], "C"].to_numpy()
        lo = float(C_data.min())
        hi_data = float(C_data.max())
        hi = hi_data * 1e3 if C_max is None else float(C_max)
        grid = np.geomspace(lo, max(hi, hi_data), n)
        out = self.allocate(grid, level)
        out["extrapolated"] = out["C"] > hi_data
        return out

    def with_level(self, level: float) -> ComputePlan:
        """The same plan with intervals at another level (no refitting)."""
        return replace(self, level=_check_level(level))

    def compare_approaches(self, C: object, level: float | None = None) -> pd.DataFrame:
        """`allocate` at budgets C by each approach the data support, one block of rows per
        approach (column ``approach``); ``attrs['skipped']`` says why any approach is missing."""
        C = _as_budgets(C)
        level = self.level if level is None else _check_level(level)
        frames, skipped = [], {}
        for name in APPROACHES:
            other = self._other(name)
            if isinstance(other, str):
                skipped[name] = other
                continue
            t = other.allocate(C, level)
            t.insert(0, "approach", name)
            frames.append(t)
        out = pd.concat(frames, ignore_index=True)
        out.attrs["skipped"] = skipped
        return out

    def _other(self, name: str) -> ComputePlan | str:
        if name == self.approach:
            return self
        if name not in self._others:
            try:
                self._others[name] = _plan(self._runs, name, self.level, self.settings)
            except ScalingLabError as e:
                self._others[name] = str(e)
        return self._others[name]

    # ----------------------------------------------------------------- presentation
    def chart(self, **kwargs: Any) -> Any:
        """A static Altair chart: profiles and minima (left), frontier with bands (right)."""
        return delegate("plan_chart")(self, **kwargs)

    def to_python(self) -> str:
        """A self-contained ``allocate(C, level=...)`` (numpy only) reproducing `allocate`."""
        return delegate("plan_to_python")(self)

    def __repr__(self) -> str:
        e = self.exponents
        row = self.allocate([1e24]).iloc[0]
        return (f"<ComputePlan {self.approach}: N_opt ∝ C^{e.loc['N', 'exponent']:.3f}, "
                f"D_opt ∝ C^{e.loc['D', 'exponent']:.3f}; at 1e24 FLOP N = {row.N:.3g}, "
                f"D = {row.D:.3g}>")


def _check_level(level: float) -> float:
    level = float(level)
    if not 0 < level < 1:
        raise ScalingLabError(f"level must lie in (0, 1), not {level!r}")
    return level


def _plan(runs: Runs, approach: str, level: float, settings: dict[str, Any]) -> ComputePlan:
    with single_threaded():  # small matrix work: BLAS threads only spin (see fitting.blas)
        return _plan_threaded(runs, approach, level, settings)


def _plan_threaded(runs: Runs, approach: str, level: float, settings: dict[str, Any]
                   ) -> ComputePlan:
    n_boot = settings["n_boot"] if settings["ci"] == "bootstrap" else None
    if approach == "isoflop":
        fit = isoflop(runs, budgets=settings["budgets"], budget_tol=settings["budget_tol"],
                      min_runs=settings["min_runs"], profile=settings["profile"],
                      exclude=settings["exclude"],
                      include_unbracketed=settings["include_unbracketed"], n_boot=n_boot,
                      seed=settings["seed"])
    elif approach == "envelope":
        from scalinglab.compute.envelope import envelope

        fit = envelope(runs, n_boot=n_boot, seed=settings["seed"])
    elif approach == "parametric":
        from scalinglab.compute.parametric import parametric

        fit = parametric(runs, law=settings["law"], n_boot=n_boot, seed=settings["seed"],
                         budgets=settings["budgets"], budget_tol=settings["budget_tol"],
                         min_runs=settings["min_runs"])
    else:
        raise ScalingLabError(f"approach must be one of {list(APPROACHES)}, not {approach!r}")
    return ComputePlan(approach=approach, level=level, fit=fit, settings=settings, _runs=runs)


def compute_optimal(
    data: object,
    N: str = "N",
    D: str = "D",
    y: str = "loss",
    approach: str = "isoflop",
    *,
    C: str | None = None,
    flops: FlopsArg = None,
    embeddings: str | None = None,
    tune: str | None = None,
    budgets: BudgetsArg = None,
    budget_tol: float = DEFAULT_TOL,
    min_runs: int | None = None,
    profile: str = "exact",
    exclude: Sequence[object] | None = None,
    include_unbracketed: bool = False,
    law: object = "chinchilla",
    ci: str | None = "bootstrap",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> ComputePlan:
    """Plan compute-optimal training from a sweep of runs (one row per run: N, D, loss).

    Parameters
    ----------
    approach : ``"isoflop"`` (approach 2), ``"envelope"`` (1) or ``"parametric"`` (3).
    C : a column of each run's training FLOPs; None computes them by ``flops``.
    flops : the FLOP convention: None for C = 6·N·D, a callable ``flops(N, D)`` (proportional
        to D), or a column name. It sets the compute of each run and the tokens D that spend
        a budget on a model of size N.
    embeddings : a column of embedding parameters: N then counts only the others (Kaplan et
        al.'s convention; Porian et al. 2024 and Pearce & Song 2024 trace much of the
        Kaplan–Chinchilla gap to it).
    tune : a hyper-parameter column (e.g. ``"peak_lr"``): of several runs at one (N, D), keep
        the lowest loss. Without it, duplicate (N, D) rows are averaged.
    budgets : None (clusters of log C within ±``budget_tol`` decades, each with at least
        ``min_runs`` model sizes, 5 by default), a list of nominal budgets, or a column
        naming each run's budget. See `scalinglab.compute.budgets`.
    profile : ``"exact"`` (the isoFLOP profile of the Chinchilla law with exponents shared by
        the budgets: no shape bias) or ``"parabola"`` (Hoffmann et al.'s, biased when the
        profile is skewed).
    exclude : budgets to leave out of the frontier (names as in ``minima['budget']``, or
        compute values).
    include_unbracketed : also fit the frontier through budgets whose minimum lies outside
        their runs (extrapolated profiles).
    law : approach 3's law (a name or `Law` in variables N, D).
    ci : ``"bootstrap"`` (``n_boot`` resamples) or None for no intervals.
    level : the intervals' level; ``plan.with_level`` and ``allocate(level=)`` change it.
    seed : the bootstrap's seed; the same call gives the same numbers.
    """
    if ci not in ("bootstrap", None):
        raise ScalingLabError(f"ci must be 'bootstrap' or None, not {ci!r}")
    if approach not in APPROACHES:
        raise ScalingLabError(f"approach must be one of {list(APPROACHES)}, not {approach!r}")
    level = _check_level(level)
    if ci is not None and (not isinstance(n_boot, int | np.integer) or n_boot < 50):
        raise ScalingLabError(f"n_boot={n_boot!r} is too few for percentile intervals: use an "
                              "integer >= 50, or ci=None")
    runs = prepare_runs(data, N=N, D=D, y=y, C=C, flops=flops, tune=tune,
                        embeddings=embeddings)
    if isinstance(budgets, np.ndarray):
        budgets = budgets.tolist()
    settings = {
        "N": N, "D": D, "y": y, "C": C, "convention": runs.convention.name,
        "embeddings": embeddings, "tune": tune, "budgets": budgets, "budget_tol": budget_tol,
        "min_runs": min_runs, "profile": profile, "exclude": list(exclude or []),
        "include_unbracketed": include_unbracketed, "law": law, "ci": ci,
        "n_boot": int(n_boot) if ci else None, "seed": seed,
    }
    if not math.isfinite(budget_tol) or budget_tol <= 0:
        raise ScalingLabError(f"budget_tol must be a positive number of decades, not "
                              f"{budget_tol!r}")
    return _plan(runs, approach, level, settings)


__all__ = ["APPROACHES", "COLUMNS", "ComputePlan", "compute_optimal"]
