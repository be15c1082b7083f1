"""What `ComputeExplorer` shows, as a pure function of a table and its controls (no widget).

`compute_view(table, inputs, cache)` returns a `ComputeView`: the budget readout (N_opt,
D_opt, tokens per parameter and the loss at the chosen budget, each with an interval), the
three approaches side by side at that budget with their spread, the chart's datasets
(`scalinglab.compute_charts.explorer_spec`), the budgets and their inclusion, notes and the
exported ``allocate(C)`` code. Every number is a kernel call: ``plan.allocate(C)``,
``plan.tokens_per_param(C)`` and ``plan.compare_approaches(C)`` on
``sl.compute_optimal(df, ...)`` with the same settings.

`PlanCache` keeps the fitted plans, keyed by the table (its version), the FLOP convention, the
approach and the budgets left out; the interval level is not in the key (``plan.with_level``
re-reads the same bootstrap draws). So moving the budget (`budget_view`) refits nothing: it
evaluates each plan's frontier at one more C, vectorised over the plan's cached draws.

Budgets left out: approach 2 leaves them out of its frontier (``exclude=``; their profiles are
still drawn, faded); approaches 1 and 3 have no budgets of their own, so they are fitted
without those budgets' runs, and the notes say so.

>>> import scalinglab as sl
>>> df = sl.datasets.load("chinchilla")
>>> cache = PlanCache(df, version=0)
>>> view = compute_view(cache, ComputeInputs(n_boot=100))
>>> r = view.readout
>>> bool(r["N_lo"] < r["N"] < r["N_hi"]), [a["approach"] for a in view.approaches]
(True, ['isoflop', 'envelope', 'parametric'])
>>> moved = budget_view(cache, ComputeInputs(n_boot=100, budget=1e22))
>>> bool(moved.readout["N"] < r["N"])
True
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.compute.plan import APPROACHES, ComputePlan, compute_optimal
from scalinglab.compute_charts import _frontier_rows, _minima_rows, _records
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import as_frame
from scalinglab.widgets.jsonable import finite_or_none

LEVELS = (0.8, 0.9, 0.95, 0.99)
APPROACH_LABELS = {"isoflop": "2 · isoFLOP profiles", "envelope": "1 · envelope",
                   "parametric": "3 · parametric law"}
FLOP_WORDS = ("flop", "compute")
EMBED_WORDS = ("embed",)
FRONTIER_POINTS = 40
PLANS_KEPT = 24  # fitted plans kept (three approaches × a few conventions and exclusions)


# ----------------------------------------------------------------------------- conventions
@dataclass(frozen=True)
class Convention:
    """One FLOP convention the explorer offers: its key, label and `compute_optimal` kwargs."""

    key: str
    label: str
    kwargs: tuple[tuple[str, Any], ...] = ()


def conventions(frame: pd.DataFrame, N: str = "N", C: str | None = None,
                embeddings: str | None = None,
                flops: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                ) -> dict[str, Convention]:
    """The conventions a table supports: C = 6·N·D always; a column of each run's FLOPs
    (``C``, or a column named like C/flops/compute); N without embedding parameters (``embeddings``
    or a column named like it); a ``flops(N, D)`` function the user passed.

    >>> df = pd.DataFrame({"C": [1.0], "N": [1.0], "D": [1.0], "loss": [1.0]})
    >>> list(conventions(df))
    ['6ND', 'column']
    """
    cols = [str(c) for c in frame.columns]
    if C is None:
        C = next((c for c in cols if c == "C" or any(w in c.lower() for w in FLOP_WORDS)), None)
    if embeddings is None:
        embeddings = next((c for c in cols if any(w in c.lower() for w in EMBED_WORDS)), None)
    out = {"6ND": Convention("6ND", "C = 6·N·D")}
    if C is not None:
        out["column"] = Convention("column", f"C from column {C!r}", (("C", C),))
    if embeddings is not None:
        out["non_embedding"] = Convention(
            "non_embedding", f"6·N·D, N without {embeddings!r}", (("embeddings", embeddings),))
    if flops is not None:
        name = getattr(flops, "__name__", "flops")
        out["custom"] = Convention("custom", f"C = {name}(N, D)", (("flops", flops),))
    return out


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class ComputeInputs:
    """The explorer's controls. ``excluded``: budget names left out; ``budget``: C (FLOP) of
    the readout; ``C_max``: how far the frontier is drawn (None: 1e4 × the largest run)."""

    N: str = "N"
    D: str = "D"
    y: str = "loss"
    approach: str = "isoflop"
    convention: str = "6ND"
    level: float = 0.95
    excluded: tuple[str, ...] = ()
    budget: float = 1e24
    n_boot: int | None = 1000
    seed: int = 0
    C_max: float | None = None

    def check(self, options: Mapping[str, Convention]) -> ComputeInputs:
        """Raise `ScalingLabError` naming a bad control and its allowed values."""
        if self.approach not in APPROACHES:
            raise ScalingLabError(f"approach must be one of {list(APPROACHES)}, not "
                                  f"{self.approach!r}")
        if self.convention not in options:
            raise ScalingLabError(f"convention must be one of {list(options)} for this table, "
                                  f"not {self.convention!r}")
        if not 0 < self.level < 1:
            raise ScalingLabError(f"level must lie in (0, 1), not {self.level!r}")
        if not (math.isfinite(self.budget) and self.budget > 0):
            raise ScalingLabError(f"budget must be a positive number of FLOP, not "
                                  f"{self.budget!r}")
        return self


# ----------------------------------------------------------------------------- the cache
class PlanCache:
    """Fitted plans for one table (``version`` names it: a new table gets a new cache).

    ``plan(inputs, approach)`` returns a `ComputePlan` at ``inputs.level`` or raises the
    `ScalingLabError` its fit raised (also cached: a failing approach is not refitted)."""

    def __init__(self, table: object, version: int = 0, C: str | None = None,
                 embeddings: str | None = None,
                 flops: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> None:
        self.frame = as_frame(table)
        self.version = version
        self.options = conventions(self.frame, C=C, embeddings=embeddings, flops=flops)
        self._plans: OrderedDict[tuple, ComputePlan | ScalingLabError] = OrderedDict()
        self.fits = 0  # plans fitted (a budget move must not add any)

    def _key(self, inputs: ComputeInputs, approach: str, excluded: tuple[str, ...]) -> tuple:
        return (self.version, inputs.N, inputs.D, inputs.y, inputs.convention, approach,
                tuple(sorted(excluded)), inputs.n_boot, inputs.seed)

    def _fit(self, key: tuple, make: Callable[[], ComputePlan]) -> ComputePlan:
        if key not in self._plans:
            try:
                self._plans[key] = make()
            except ScalingLabError as e:
                self._plans[key] = e
            self.fits += 1
            while len(self._plans) > PLANS_KEPT:
                self._plans.popitem(last=False)
        self._plans.move_to_end(key)
        got = self._plans[key]
        if isinstance(got, ScalingLabError):
            raise got
        return got

    def _kwargs(self, inputs: ComputeInputs) -> dict[str, Any]:
        ci = "bootstrap" if inputs.n_boot else None
        return dict(N=inputs.N, D=inputs.D, y=inputs.y, ci=ci, n_boot=inputs.n_boot or 1000,
                    seed=inputs.seed, **dict(self.options[inputs.convention].kwargs))

    def reference(self, inputs: ComputeInputs) -> ComputePlan | None:
        """Approach 2 without intervals or exclusions: the budgets, their runs and colours
        (None when the table has no isoFLOP budgets)."""
        key = ("reference", *self._key(inputs, "isoflop", ())[:5])
        try:
            return self._fit(key, lambda: compute_optimal(
                self.frame, **{**self._kwargs(inputs), "ci": None}))
        except ScalingLabError:
            return None

    def plan(self, inputs: ComputeInputs, approach: str | None = None) -> ComputePlan:
        approach = approach or inputs.approach
        excluded = tuple(inputs.excluded) if self.reference(inputs) is not None else ()
        key = self._key(inputs, approach, excluded)
        kwargs = self._kwargs(inputs)

        def make() -> ComputePlan:
            if approach == "isoflop" or not excluded:
                return compute_optimal(self.frame, approach=approach,
                                       exclude=list(excluded) or None, **kwargs)
            frame, n = self._without(inputs, excluded)
            plan = compute_optimal(frame, approach=approach, **kwargs)
            plan.fit.notes.append(f"fitted without the {n} run(s) of budget(s) "
                                  f"{', '.join(excluded)} (left out in the explorer)")
            return plan

        return self._fit(key, make).with_level(inputs.level)

    def _without(self, inputs: ComputeInputs, excluded: tuple[str, ...]
                 ) -> tuple[pd.DataFrame, int]:
        """The table without the rows of the excluded budgets (matched on their N and D)."""
        ref = self.reference(inputs)
        assert ref is not None
        budget = ref.runs["budget"].to_numpy()
        kept = ref._runs.frame
        out = kept[np.isin(budget, list(excluded))]
        pairs = set(zip(out[inputs.N].tolist(), out[inputs.D].tolist(), strict=True))
        drop = [(n, d) in pairs for n, d in zip(self.frame[inputs.N].tolist(),
                                                 self.frame[inputs.D].tolist(), strict=True)]
        return self.frame.loc[~np.asarray(drop, dtype=bool)], int(np.sum(drop))


# ----------------------------------------------------------------------------- the view
@dataclass
class ComputeView:
    """Everything the explorer draws (see the module docstring); plain JSON-able values."""

    readout: dict[str, Any]
    approaches: list[dict[str, Any]]
    spread: dict[str, Any]
    datasets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    budget_range: tuple[float, float] = (1e18, 1e26)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    code: str = ""
    plan: ComputePlan | None = None
    excluded: tuple[str, ...] = ()  # the budgets left out (those of this table and convention)


def _json_rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for rec in _records(frame, columns).to_dict(orient="records"):
        out.append({k: (finite_or_none(v) if isinstance(v, float | np.floating) else
                        bool(v) if isinstance(v, np.bool_) else
                        int(v) if isinstance(v, np.integer) else v) for k, v in rec.items()})
    return out


def readout(plan: ComputePlan, C: float) -> dict[str, Any]:
    """N_opt, D_opt, loss and tokens per parameter at budget C, each with its interval:
    ``plan.allocate([C])`` and ``plan.tokens_per_param([C])``."""
    row = plan.allocate([C]).iloc[0]
    tpp = plan.tokens_per_param([C]).iloc[0]
    out = {k: finite_or_none(row[k]) for k in ("C", "N", "N_lo", "N_hi", "D", "D_lo", "D_hi",
                                                "loss", "loss_lo", "loss_hi")}
    out.update(tpp=finite_or_none(tpp["tokens_per_param"]), tpp_lo=finite_or_none(tpp["lo"]),
               tpp_hi=finite_or_none(tpp["hi"]), approach=plan.approach, level=plan.level)
    return out


def approaches_table(cache: PlanCache, inputs: ComputeInputs
                     ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per approach at the budget (an ``error`` instead where the data do not
    support it), and their spread: max/min of N_opt and D_opt, max − min of the loss."""
    rows = []
    for name in APPROACHES:
        try:
            r = readout(cache.plan(inputs, name), inputs.budget)
        except ScalingLabError as e:
            rows.append({"approach": name, "label": APPROACH_LABELS[name], "error": str(e)})
            continue
        rows.append({**r, "label": APPROACH_LABELS[name], "error": ""})
    ok = [r for r in rows if not r["error"] and r["N"] is not None]
    spread: dict[str, Any] = {"n": len(ok)}
    if len(ok) >= 2:
        for q in ("N", "D"):
            v = [r[q] for r in ok]
            spread[q] = max(v) / min(v)
        losses = [r["loss"] for r in ok if r["loss"] is not None]
        spread["loss"] = max(losses) - min(losses) if len(losses) >= 2 else None
    return rows, spread


def _marker_rows(r: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"C": r["C"], "value": r[q], "lo": r[f"{q}_lo"], "hi": r[f"{q}_hi"],
             "quantity": label} for q, label in (("N", "N_opt (parameters)"),
                                                 ("D", "D_opt (tokens)"))]


def budget_view(cache: PlanCache, inputs: ComputeInputs) -> ComputeView:
    """What a budget move changes: the readout, the approaches table and the marker. Refits
    nothing (the plans come from the cache)."""
    plan = cache.plan(inputs)
    r = readout(plan, inputs.budget)
    rows, spread = approaches_table(cache, inputs)
    return ComputeView(readout=r, approaches=rows, spread=spread,
                       datasets={"marker": _marker_rows(r)}, plan=plan)


def budget_range(cache: PlanCache, inputs: ComputeInputs) -> tuple[float, float]:
    """The slider's span in FLOP: from the smallest run's compute (a decade) to 1e4 × the
    largest (at least 1e26), whole decades."""
    ref = cache.reference(inputs)
    if ref is not None:
        C = ref.runs["C"].to_numpy()
    else:
        n = cache.frame[inputs.N].to_numpy(dtype=float)
        C = 6.0 * n * cache.frame[inputs.D].to_numpy(dtype=float)
    C = C[np.isfinite(C) & (C > 0)]
    lo = 10.0 ** math.floor(math.log10(C.min())) if C.size else 1e18
    hi = max(1e26, 10.0 ** math.ceil(math.log10(C.max() * 1e4))) if C.size else 1e26
    return lo, hi


def default_budget(cache: PlanCache, inputs: ComputeInputs) -> float:
    """1e24 FLOP (the budget papers quote) when the slider reaches it, else its middle."""
    lo, hi = budget_range(cache, inputs)
    return 1e24 if lo <= 1e24 <= hi else 10.0 ** round(0.5 * math.log10(lo * hi))


def compute_view(cache: PlanCache, inputs: ComputeInputs) -> ComputeView:
    """The whole view for ``inputs`` (raises `ScalingLabError` when the current approach
    cannot be fitted: the caller keeps its last good view)."""
    inputs.check(cache.options)
    ref = cache.reference(inputs)
    known = set(ref.minima["budget"]) if ref is not None else set()
    if any(n not in known for n in inputs.excluded):  # budgets of another convention
        inputs = replace(inputs, excluded=tuple(n for n in inputs.excluded if n in known))
    plan = cache.plan(inputs)
    view = budget_view(cache, inputs)
    lo, hi = budget_range(cache, inputs)
    C_max = inputs.C_max or hi
    excluded = set(inputs.excluded) if ref is not None else set()
    names = list(dict.fromkeys(ref.minima["budget"])) if ref is not None else []
    colors = _viridis(len(names))
    budgets = [{"name": n, "included": n not in excluded, "color": c,
                "C": float(C)} for n, C, c in zip(names, ref.minima["C"], colors, strict=True)
               ] if ref is not None else []

    if ref is not None:
        runs = ref.runs.assign(budget=ref.runs["budget"].fillna("between budgets"))
    else:
        p = plan.runs
        runs = p.assign(budget="runs")
    runs = runs.assign(included=~runs["budget"].isin(list(excluded)))
    datasets = {"runs": _json_rows(runs, ["N", "loss", "budget", "included"])}
    datasets["profiles"] = _json_rows(plan.curves, ["N", "loss", "budget"]) \
        if plan.approach != "envelope" else []
    datasets["minima"] = _left_minima(plan, ref, excluded)
    frontier = _frontier_rows(plan, C_max)
    datasets["frontier"] = _dashed_rows(frontier)
    points = _minima_rows(plan).rename(columns={"in_frontier": "included"})
    if plan.approach == "envelope" and not points.empty:
        points = points.iloc[::4]
    datasets["frontier_points"] = _json_rows(points, ["C", "value", "lo", "hi", "quantity",
                                                      "included"])
    datasets["marker"] = view.datasets["marker"]
    try:
        code = plan.to_python()
    except ScalingLabError as e:
        code = f"# {e}"
    view.datasets = datasets
    view.budgets = budgets
    view.budget_range = (lo, hi)
    view.notes = list(dict.fromkeys(plan.notes))
    view.warnings = list(dict.fromkeys(plan.warnings))
    view.code = code
    view.excluded = inputs.excluded
    return view


def _left_minima(plan: ComputePlan, ref: ComputePlan | None, excluded: set[str]
                 ) -> list[dict[str, Any]]:
    """Each budget's minimum with its interval for the left panel: the approach's own
    (approach 2: the profiles' minima; approach 3: the law's along each budget's isoFLOP
    line); approach 1, whose frontier is not per budget, at each budget's compute."""
    cols = ["budget", "N_opt", "N_lo", "N_hi", "loss_min", "included"]
    if plan.approach == "envelope":
        if ref is None:
            return []
        m = ref.minima
        a = plan.allocate(m["C"].to_numpy())
        t = pd.DataFrame({"budget": m["budget"], "N_opt": a["N"], "N_lo": a["N_lo"],
                          "N_hi": a["N_hi"], "loss_min": a["loss"]})
    else:
        t = plan.minima
    t = t.assign(included=~t["budget"].isin(list(excluded)))
    if "in_frontier" in t and plan.approach == "isoflop":
        t = t.assign(included=t["in_frontier"].to_numpy(dtype=bool))
    return _json_rows(t, cols)


def _dashed_rows(frontier: pd.DataFrame) -> list[dict[str, Any]]:
    """The frontier grid with its first extrapolated point repeated as measured, so that the
    solid and the dashed line meet."""
    parts = []
    for _, g in frontier.groupby("quantity", sort=False):
        ext = g["extrapolated"].to_numpy(dtype=bool)
        parts.append(g)
        if ext.any() and (~ext).any():
            parts.append(g[ext].iloc[:1].assign(extrapolated=False))
    return _json_rows(pd.concat(parts, ignore_index=True),
                      ["C", "value", "lo", "hi", "quantity", "extrapolated"])


def _viridis(k: int) -> list[str]:
    """k colours along viridis (interpolated between its stops), one per budget; its darkest
    and lightest ends are left out, so that every budget reads on light and dark themes."""
    stops = np.array([[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
                      [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43],
                      [253, 231, 37]], dtype=float)
    t = np.linspace(0.1, 0.9, k) if k > 1 else np.full(k, 0.5)
    pos = np.linspace(0, 1, len(stops))
    rgb = np.column_stack([np.interp(t, pos, stops[:, j]) for j in range(3)]).round()
    return ["#{:02x}{:02x}{:02x}".format(*map(int, c)) for c in rgb]
