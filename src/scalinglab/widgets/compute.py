"""`ComputeExplorer`: given a sweep of training runs, how to split a compute budget between
model size and tokens, by Chinchilla's three approaches, live. An anywidget on
`ScalingLabWidget`; the front end is js/src/compute.widget.ts. Everything it shows is
`scalinglab.widgets.compute_view` (pure, tested without a widget), which calls the kernel
(`sl.compute_optimal`): a number in the widget is ``plan.allocate(C)``,
``plan.tokens_per_param(C)`` or ``plan.compare_approaches(C)``.

* left: the isoFLOP view, loss against N per budget, each budget's fitted profile and its
  minimum with an interval; click a budget in the legend (or its chip) to leave it out;
* right: N_opt and D_opt against C with the fitted power laws and their bands, extrapolated;
* the budget slider (``budget``, FLOP) updates the readout (N_opt, D_opt, tokens per
  parameter and the loss, each with an interval) and the three approaches side by side, with
  no refit; ``approach``, ``convention``, ``level`` and ``excluded`` switch what is fitted.

Example
-------
>>> import scalinglab as sl
>>> w = sl.ComputeExplorer(sl.datasets.load("chinchilla"), n_boot=100)
>>> w.approach, w.budget
('isoflop', 1e+24)
>>> n = w.readout["N"]; w.budget = 1e22
>>> bool(w.readout["N"] < n), [a["approach"] for a in w.approaches]
(True, ['isoflop', 'envelope', 'parametric'])
>>> try:
...     w.approach = "guess"
... except sl.ScalingLabError as e:
...     print("kept", w.approach)
kept isoflop
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import traitlets as t

from scalinglab.compute.plan import APPROACHES, ComputePlan
from scalinglab.compute_charts import explorer_spec
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import as_frame
from scalinglab.widgets.base import BadValue, ScalingLabWidget, choice, members, number
from scalinglab.widgets.compute_view import (
    APPROACH_LABELS,
    LEVELS,
    ComputeInputs,
    ComputeView,
    PlanCache,
    budget_view,
    compute_view,
    default_budget,
)

CONTROLS = ("approach", "convention", "level", "excluded")
N_WORDS = ("param", "model_size", "n_params", "size")
D_WORDS = ("token", "data", "d_train")
Y_WORDS = ("loss", "perplexity", "ppl", "error")


def guess_columns(frame: pd.DataFrame) -> tuple[str, str, str]:
    """(N, D, y) of a new table: columns named N and D (or like parameters and tokens), and a
    loss-like y. Raises `ScalingLabError` listing the columns when one is missing.

    >>> guess_columns(pd.DataFrame({"params": [1.0], "tokens": [2.0], "val_loss": [3.0]}))
    ('params', 'tokens', 'val_loss')
    """
    cols = [str(c) for c in frame.columns]

    def find(exact: str, words: tuple[str, ...]) -> str | None:
        if exact in cols:
            return exact
        return next((c for w in words for c in cols if w in c.lower()), None)

    N, D, y = find("N", N_WORDS), find("D", D_WORDS), find("loss", Y_WORDS)
    if None in (N, D, y):
        raise ScalingLabError(
            f"could not tell which columns hold parameters N, tokens D and the loss in "
            f"{cols}: name them N, D and loss, or create the widget with "
            "ComputeExplorer(df, N=..., D=..., y=...)")
    return N, D, y  # type: ignore[return-value]


class ComputeExplorer(ScalingLabWidget, asset="compute"):
    """Compute-optimal planning from a sweep table; see the module docstring.

    Parameters
    ----------
    data : DataFrame, dict of columns or CSV path (one row per run), or None (a drop zone).
    N, D, y : columns of parameters, training tokens and the loss.
    C, embeddings, flops : what the FLOP-convention toggle offers besides C = 6·N·D (a column
        of each run's FLOPs, a column of embedding parameters, a function ``flops(N, D)``),
        as in `sl.compute_optimal`.
    approach, convention, level, excluded, budget : the controls (also traits).
    n_boot, seed : the bootstrap behind every interval.
    """

    approach = choice(APPROACHES, "isoflop")
    convention = t.Unicode("6ND").tag(sync=True)
    level = number(0.95, 0, 1, exclusive=True, rule="in (0, 1), e.g. 0.95")
    excluded = t.List(t.Unicode()).tag(sync=True)
    budget = number(1e24, 0, None, exclusive=True, rule="a positive number of FLOP, e.g. 1e24")

    N = t.Unicode("N").tag(sync=True)
    D = t.Unicode("D").tag(sync=True)
    y = t.Unicode("loss").tag(sync=True)
    source_name = t.Unicode("").tag(sync=True)
    status = t.Unicode("").tag(sync=True)

    readout = t.Dict().tag(sync=True)
    approaches = t.List(t.Dict()).tag(sync=True)
    spread = t.Dict().tag(sync=True)
    marker = t.List(t.Dict()).tag(sync=True)
    budgets = t.List(t.Dict()).tag(sync=True)
    budget_range = t.List(t.Float(), [1e18, 1e26]).tag(sync=True)
    convention_options = t.List(t.Dict()).tag(sync=True)
    approach_options = t.List(t.Dict(), [{"key": k, "label": v} for k, v in
                                         APPROACH_LABELS.items()]).tag(sync=True)
    level_options = t.List(t.Float(), list(LEVELS)).tag(sync=True)
    warnings = t.List(t.Unicode()).tag(sync=True)

    def __init__(self, data: object = None, N: str | None = None, D: str | None = None,
                 y: str | None = None, *, C: str | None = None, embeddings: str | None = None,
                 flops: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                 n_boot: int | None = 1000, seed: int = 0, **controls: Any) -> None:
        self.n_boot = n_boot
        self.seed = seed
        self._kernel_options = {"C": C, "embeddings": embeddings, "flops": flops}
        self._cache: PlanCache | None = None
        #: The `ComputePlan` of the current approach (None before a table is loaded).
        self.plan: ComputePlan | None = None
        self._ready = False
        super().__init__(**controls)
        self._ready = True
        if data is None:
            self.status = "Drop a CSV/TSV file of runs (N, D, loss) or paste a table to start."
            return
        self._load_table(as_frame(data), source="", columns=(N, D, y),
                         keep_controls=set(controls))

    def __repr__(self) -> str:
        if self._cache is None:
            return "<ComputeExplorer: no table>"
        r = self.readout
        return (f"<ComputeExplorer: {len(self._cache.frame)} runs, approach {self.approach!r}; "
                f"at C = {self.budget:.3g} FLOP: N_opt = {r.get('N', float('nan')):.3g}, "
                f"D_opt = {r.get('D', float('nan')):.3g}>")

    # ----------------------------------------------------------------- inputs
    def _inputs(self, **changes: Any) -> ComputeInputs:
        values = dict(N=self.N, D=self.D, y=self.y, approach=self.approach,
                      convention=self.convention, level=float(self.level),
                      excluded=tuple(self.excluded), budget=float(self.budget),
                      n_boot=self.n_boot, seed=self.seed)
        values.update(changes)
        return ComputeInputs(**values)

    @t.validate("excluded")
    def _valid_excluded(self, proposal: t.Bunch) -> list[str]:
        return members(proposal.value, [b["name"] for b in self.budgets], "excluded: budget",
                       "the budgets are")

    @t.validate("convention")
    def _valid_convention(self, proposal: t.Bunch) -> str:
        keys = [o["key"] for o in self.convention_options]
        if keys and proposal.value not in keys:
            raise BadValue(f"convention must be one of {', '.join(keys)} for this table, not "
                           f"{proposal.value!r}")
        return proposal.value

    # ----------------------------------------------------------------- tables
    def load(self, data: object, N: str | None = None, D: str | None = None,
             y: str | None = None) -> None:
        """Switch to a new table (columns guessed when not given)."""
        self._load_table(as_frame(data), source="", columns=(N, D, y))

    def _accept_table(self, frame: Any, source: str, columns: tuple = (None, None, None),
                      keep_controls: set[str] | None = None) -> None:
        N, D, y = columns
        if N is None or D is None or y is None:
            gN, gD, gy = guess_columns(frame)
            N, D, y = N or gN, D or gD, y or gy
        cache = PlanCache(frame, version=self.table_version, **self._kernel_options)
        keep = keep_controls or set()
        inputs = self._inputs(N=N, D=D, y=y, excluded=tuple(self.excluded)
                              if "excluded" in keep else ())
        if inputs.convention not in cache.options:
            inputs = ComputeInputs(**{**asdict(inputs), "convention": "6ND"})
        if "budget" not in keep:
            inputs = ComputeInputs(**{**asdict(inputs), "budget": default_budget(cache, inputs)})
        view = compute_view(cache, inputs)  # raises: the old table stays
        self._cache = cache
        with self._silent(), self.hold_sync():
            self.convention_options = [{"key": c.key, "label": c.label}
                                       for c in cache.options.values()]
            self.budgets = view.budgets
            self.N, self.D, self.y = N, D, y
            self.convention, self.budget = inputs.convention, inputs.budget
            self.excluded = list(inputs.excluded)
            self.source_name = source
            self.spec = explorer_spec([b["name"] for b in view.budgets],
                                      [b["color"] for b in view.budgets], y_title=y)
            self._publish(view, full=True)
        self.status = (f"{len(frame)} runs" + (f" from {source}" if source else "") +
                       f"; {len(view.budgets)} budgets")

    # ----------------------------------------------------------------- state → view
    @t.observe(*CONTROLS)
    def _on_control(self, change: dict[str, Any]) -> None:
        if self._ready and not self._quiet and self._cache is not None:
            self._guard(change, self.refresh)

    @t.observe("budget")
    def _on_budget(self, change: dict[str, Any]) -> None:
        if self._ready and not self._quiet and self._cache is not None:
            self._guard(change, self._move_budget)

    def refresh(self) -> None:
        """Recompute the whole view (raises `ScalingLabError`, changing nothing)."""
        assert self._cache is not None
        view = compute_view(self._cache, self._inputs())
        with self.hold_sync():
            self._publish(view, full=True)

    def _move_budget(self) -> None:
        assert self._cache is not None
        inputs = self._inputs().check(self._cache.options)
        self._publish(budget_view(self._cache, inputs), full=False)

    def _publish(self, view: ComputeView, full: bool) -> None:
        self.plan = view.plan
        with self.hold_sync():
            self.readout = view.readout
            self.approaches = view.approaches
            self.spread = view.spread
            self.marker = view.datasets["marker"]
            if full:
                datasets = {k: v for k, v in view.datasets.items() if k != "marker"}
                self.chart_data = {"datasets": datasets, "table_version": self.table_version}
                self.budgets = view.budgets
                if list(view.excluded) != list(self.excluded):
                    with self._silent():
                        self.excluded = list(view.excluded)
                self.budget_range = list(view.budget_range)
                self.notes = view.notes
                self.warnings = view.warnings
                self.code = view.code
            self.error = ""

    # ----------------------------------------------------------------- export
    def to_python(self) -> str:
        """The current plan's ``allocate(C, level=...)`` (numpy only), as ``plan.to_python``."""
        if self.plan is None:
            raise ScalingLabError("no table loaded: nothing to export")
        return self.plan.to_python()

    def to_json(self) -> str:
        """The plan at the current budget: settings, readout, approaches, minima, exponents."""
        if self.plan is None:
            raise ScalingLabError("no table loaded: nothing to export")
        plan = self.plan
        minima = plan.minima.replace({np.nan: None})
        return json.dumps({
            "approach": plan.approach, "level": plan.level,
            "convention": plan.settings["convention"], "columns": {
                "N": self.N, "D": self.D, "y": self.y}, "excluded": list(self.excluded),
            "budget": self.budget, "readout": self.readout, "approaches": self.approaches,
            "spread": self.spread,
            "exponents": json.loads(plan.exponents.reset_index().to_json(orient="records")),
            "minima": json.loads(minima.to_json(orient="records")),
        }, indent=1, default=str)

    def _export_filename(self) -> str:
        return "compute_plan.json"


__all__ = ["ComputeExplorer", "guess_columns"]
