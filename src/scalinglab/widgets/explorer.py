"""`LawExplorer`: drop in a table, drag the fit range, toggle law families, read off and export
the extrapolation. An anywidget: the front end (js/src/explorer.widget.ts) renders and sends
events; every number comes from the kernel (`sl.compare`, `sl.fit`, `FitResult`).

Every control is a synced traitlet that Python can read and set (``x``, ``y``, ``group``,
``laws``, ``fit_range``, ``level``, ``band``, ``horizon``, ``target``, ``x_scale``,
``y_scale``, ``ci``, ``n_boot``, ...); ``w.results`` holds the live fits (law → `FitResult`,
or law → `GroupFit` when a series column is chosen). A change that the kernel rejects (a
range with too few points, an unknown law, a bad table) shows its message in the widget and
leaves the last good state in place; set from Python, it also raises `ScalingLabError`
(`ScalingLabWidget`'s policy).

This module is the adapter: what is shown is `explore.explore(frame, inputs)`, and how a
drag refits is `refit.RefitPolicy`.

Example
-------
>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(6, 10, 30)
>>> df = pd.DataFrame({"D": D, "loss": 400 * D ** -0.3 + 1.7})
>>> w = sl.LawExplorer(df, x="D", y="loss", laws=["power", "power_offset"], ci="delta")
>>> sorted(w.results)
['power', 'power_offset']
>>> w.fit_range = (1e7, 1e10)
>>> w.results["power_offset"].fit_range[0] >= 1e7
True
>>> try:
...     w.fit_range = (1e11, 1e12)
... except sl.ScalingLabError as e:
...     print("kept", w.fit_range[0] >= 1e7, "|", "usable point" in str(e))
kept True | True
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd
import traitlets as t

from scalinglab import charts
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import as_frame, detect_higher_is_better
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.laws.registry import get_law
from scalinglab.laws.registry import names as law_names
from scalinglab.widgets import contract
from scalinglab.widgets import explore as ex
from scalinglab.widgets.base import BadValue, ScalingLabWidget, checked, choice, number
from scalinglab.widgets.refit import DRAG_CAP, RefitPolicy
from scalinglab.widgets.tables import guess_xy, numeric_columns, read_table

SERIES_COL = ex.SERIES_COL
__all__ = ["DRAG_CAP", "LawExplorer"]


def _formula_text(law_name: str) -> str:
    """The law's formula as plain text for a tooltip (from its Python body)."""
    law = get_law(law_name)
    body = law.python.strip().splitlines()
    expr = body[-1].strip() if body else ""
    if expr.startswith("return ") and len(body) == 1:
        return expr[len("return "):].replace("**", "^").replace("np.", "")
    return law.formula.replace("\\,", " ").replace("\\", "")


class LawExplorer(ScalingLabWidget, asset="explorer"):
    """Interactive scaling-law explorer; see the module docstring.

    Parameters
    ----------
    data : DataFrame, dict of columns, CSV path, or None (the widget then shows a drop zone).
    x, y : columns on the axes (guessed from the table when omitted).
    group : a column whose values are separate series (one fit per series), or None.
    laws : law families to fit (default ``["power", "power_offset"]``).
    fit_range : (low, high) on x, or None for all points.
    horizon : extrapolate to ``horizon`` × the largest x.
    band : ``"confidence"``, ``"prediction"`` or ``"none"``; ``level`` its level.
    target : a loss / accuracy level: where does each law reach it?
    x_scale, y_scale : ``"log"`` or ``"linear"`` axes (y defaults to linear for accuracy-like
        metrics, log otherwise).
    ci, n_boot, loss, space, seed : passed to the kernel (`sl.fit`).
    holdout : the number of largest-x points held out to score extrapolation (`sl.compare`).
    drag_ci : ``"same"`` (default): while the brush is dragged, bands come from ``ci`` as at
        rest. ``"delta"``: delta-method bands while it moves (several times quicker to
        refit: for a slow machine), and ``ci``'s bands when it rests.
    variables : for multi-variable laws (e.g. chinchilla), the columns in the law's variable
        order (default: the law's own variable names).
    """

    # table
    columns = t.List(t.Dict()).tag(sync=True)
    source_name = t.Unicode("").tag(sync=True)
    x = t.Unicode("").tag(sync=True)
    y = t.Unicode("").tag(sync=True)
    group = t.Unicode("").tag(sync=True)
    variables = t.List(t.Unicode()).tag(sync=True)
    points = t.List(t.Dict()).tag(sync=True)  # once per table / columns, never per move
    # fitting
    laws = t.List(t.Unicode(), default_value=["power", "power_offset"]).tag(sync=True)
    law_info = t.List(t.Dict()).tag(sync=True)
    fit_range = checked(t.List(t.Float(), allow_none=True, default_value=None, minlen=2,
                               maxlen=2), "two finite numbers [low, high] or None")
    level = number(0.95, 0, 1, exclusive=True, rule="in (0, 1), e.g. 0.95")
    ci = choice(contract.CiMethod, "bootstrap")
    n_boot = number(300, 20, None, integer=True, rule="at least 20 resamples")
    loss = choice(contract.Loss, "l2")
    space = choice(contract.FitSpace, "log")
    seed = t.Int(0).tag(sync=True)
    holdout = number(3, 0, None, integer=True, rule=">= 0 points")
    drag_ci = choice(contract.DragCi, "same")
    # drawing
    band = choice(contract.Band, "confidence")
    horizon = number(100.0, 1, None, rule="a multiple of the largest x (e.g. 100), >= 1")
    target = number(None, rule="a finite number or None", allow_none=True)
    x_scale = choice(contract.AxisScale, "log")
    y_scale = choice(contract.AxisScale, "log")
    export_law = t.Unicode("").tag(sync=True)
    # outputs (Python → front end); spec, chart_data, code, error, notes: the base's
    param_rows = t.List(t.Dict()).tag(sync=True)
    metric_rows = t.List(t.Dict()).tag(sync=True)
    solutions = t.List(t.Dict()).tag(sync=True)
    status = t.Unicode("").tag(sync=True)

    _FIT_TRAITS = ("x", "y", "group", "variables", "laws", "fit_range", "level", "ci", "n_boot",
                   "loss", "space", "seed", "holdout")
    _DRAW_TRAITS = ("band", "horizon", "target", "x_scale", "y_scale", "export_law")
    _RESPEC = ("x", "y", "group", "x_scale", "y_scale")

    def __init__(
        self,
        data: object = None,
        x: str | None = None,
        y: str | None = None,
        group: str | None = None,
        laws: Sequence[str] | None = None,
        *,
        fit_range: Sequence[float] | None = None,
        level: float = 0.95,
        band: str = "confidence",
        horizon: float = 100.0,
        target: float | None = None,
        x_scale: str = "log",
        y_scale: str | None = None,
        ci: str | None = "bootstrap",
        n_boot: int = 300,
        loss: str = "l2",
        space: str = "log",
        seed: int = 0,
        holdout: int = 3,
        drag_ci: str = "same",
        variables: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.results: dict[str, FitResult | GroupFit] = {}
        self._frame: pd.DataFrame | None = None
        self._fits: ex.Fits | None = None
        self._policy = RefitPolicy()
        self._version = 0
        self._points_key: tuple | None = None
        self._auto_y_scale = y_scale is None
        self._settle_handle: asyncio.TimerHandle | None = None
        self._cpu_t0 = 0.0  # thread CPU time when the current update began (latency parts)
        super().__init__(**kwargs)
        with self._silent():
            self.law_info = [
                {"name": n, "color": charts.law_color(n), "formula": _formula_text(n),
                 "description": get_law(n).description, "variables": list(get_law(n).variables)}
                for n in law_names()
            ]
            self.level, self.band, self.horizon, self.target = level, band, horizon, target
            self.x_scale = x_scale
            self.y_scale = y_scale or "log"
            self.ci, self.n_boot, self.loss, self.space = ci or "none", n_boot, loss, space
            self.seed, self.holdout = seed, holdout
            self.drag_ci = drag_ci
            if laws is not None:
                self.laws = list(laws)
            if variables is not None:
                self.variables = list(variables)
            self.fit_range = None if fit_range is None else [float(v) for v in fit_range]
        if data is not None:
            self._load_table(as_frame(data), x=x, y=y, group=group or "")
        else:
            self.status = "Drop a CSV/TSV file or paste a table to start."

    # ------------------------------------------------------------------ public helpers
    @property
    def data(self) -> pd.DataFrame | None:
        """The table being explored (None before one is loaded)."""
        return self._frame

    def load(self, data: object, x: str | None = None, y: str | None = None,
             group: str | None = None) -> None:
        """Explore a new table: a DataFrame, dict of columns, CSV path, or CSV/TSV text."""
        frame = read_table(data) if isinstance(data, str) and "\n" in data else as_frame(data)
        self._load_table(frame, x=x, y=y, group=group or "")

    def solve(self, target: float) -> list[Any]:
        """`Solution` objects for every active fit at ``target`` (what the target box shows)."""
        return [c.result.solve(target, **ex.solve_kwargs(c, self.x))
                for c in (self._fits.curves if self._fits else [])]

    def inputs(self) -> ex.Inputs:
        """The controls as `explore.Inputs` (``explore(w.data, w.inputs())`` is what the
        widget shows)."""
        return ex.Inputs(
            x=self.x, y=self.y, group=self.group, variables=tuple(self.variables),
            laws=tuple(self.laws),
            fit_range=None if self.fit_range is None else tuple(self.fit_range),
            level=self.level, ci=self.ci, n_boot=self.n_boot, loss=self.loss,
            space=self.space, seed=self.seed, holdout=self.holdout, band=self.band,
            horizon=self.horizon, target=self.target, x_scale=self.x_scale,
            y_scale=self.y_scale, export_law=self.export_law,
        )

    def to_json(self) -> str:
        """The exported fit (the chosen law, else the best) as `FitResult.to_json`."""
        res = ex.export_result(self._fits, self.inputs())
        if res is None:
            raise ScalingLabError("Nothing to export yet.")
        return res.to_json()

    def _export_filename(self) -> str:
        res = ex.export_result(self._fits, self.inputs())
        return f"{res.law.name}-fit.json" if res is not None else "scalinglab-fit.json"

    # ------------------------------------------------------------------ checks (traitlets)
    @t.validate("laws")
    def _valid_laws(self, proposal: t.Bunch) -> list[str]:
        for n in proposal.value:
            try:
                get_law(n)
            except ScalingLabError as e:
                raise BadValue(f"laws: {e}") from None
        return proposal.value

    @t.validate("fit_range")
    def _valid_range(self, proposal: t.Bunch) -> list[float] | None:
        value = proposal.value
        if value is None:
            return value
        lo, hi = value
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise BadValue(f"fit_range must be two finite numbers, not {value!r}")
        if lo > hi:
            raise BadValue(f"fit_range low {lo:g} is above high {hi:g}: swap them")
        return value

    @t.validate("horizon", "target")
    def _valid_finite(self, proposal: t.Bunch) -> float | None:
        v = proposal.value
        if v is not None and not math.isfinite(v):
            name = proposal.trait.name
            raise BadValue(f"horizon is a multiple of the largest x (e.g. 100) and must be "
                           f">= 1, not {v!r}" if name == "horizon" else
                           f"target must be a finite number, not {v!r}")
        return v

    @t.validate("x", "y")
    def _valid_axis_column(self, proposal: t.Bunch) -> str:
        if self._frame is not None and not self._quiet:
            num = numeric_columns(self._frame)
            if proposal.value not in num:
                raise BadValue(f"no numeric column {proposal.value!r} for "
                               f"{proposal.trait.name}; choose one of {num}")
        return proposal.value

    @t.validate("group")
    def _valid_group(self, proposal: t.Bunch) -> str:
        v = proposal.value
        if v and self._frame is not None and not self._quiet and v not in self._frame.columns:
            raise BadValue(f"no column {v!r} for the series; choose one of "
                           f"{[str(c) for c in self._frame.columns]} or none")
        return v

    # ------------------------------------------------------------------ state → view
    @t.observe(*_FIT_TRAITS)
    def _on_fit_trait(self, change: dict[str, Any]) -> None:
        if self._quiet or self._frame is None:
            return
        self._guard(change, lambda: self._update(refit=True,
                                                 respec=change["name"] in self._RESPEC))

    @t.observe(*_DRAW_TRAITS)
    def _on_draw_trait(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["name"] == "y_scale":
            self._auto_y_scale = False
        if self._frame is None:
            return
        self._guard(change, lambda: self._update(refit=False,
                                                 respec=change["name"] in self._RESPEC))

    @t.observe("drag_ci")
    def _on_drag_ci(self, change: dict[str, Any]) -> None:
        self._policy.drag_ci = change["new"]  # only the next drag is affected

    def _update(self, refit: bool, respec: bool, request_id: int | None = None,
                dragging: bool = False) -> None:
        """Recompute (refit if asked) and publish; raises ScalingLabError, changing nothing.
        ``dragging``: a quick refit (`RefitPolicy`); the full one follows at rest."""
        if self._frame is None:
            return
        self._cpu_t0 = time.thread_time()
        inputs = self.inputs()
        self._policy.drag_ci = self.drag_ci
        key = (self.table_version, inputs.x, inputs.y, inputs.group, inputs.variables,
               tuple(n for n in inputs.laws if len(get_law(n).variables) > 1))
        cached = self.points if key == self._points_key else None
        view = ex.explore(self._frame, inputs, self._policy, dragging=dragging,
                          fits=None if refit or self._fits is None else self._fits,
                          table_points=cached)
        points = ex.points(self._frame, inputs) if cached is None else None
        spec = ex.spec(self._frame, inputs) if respec or not self.spec else None
        self._publish(view, spec, points, key, request_id)

    def _publish(self, view: ex.View, spec: dict | None, points: list[dict] | None,
                 points_key: tuple, request_id: int | None) -> None:
        self._fits = view.fits
        self.results = dict(view.fits.results)
        self._version += 1
        data = view.chart_data
        data["request_id"] = request_id
        data["version"] = self._version
        data["table_version"] = self.table_version
        data["timing"].update(
            fit_ms=view.fits.seconds * 1e3,
            kernel_cpu_ms=(time.thread_time() - self._cpu_t0) * 1e3,
            kernel_ms=view.fits.seconds * 1e3 + data["timing"].get("draw_ms", 0.0),
            sent_at=time.time() * 1e3,  # epoch ms: splits the round trip into its two legs
        )
        with self.hold_sync(), self._silent():
            if points is not None:
                self.points = points
                self._points_key = points_key
            if spec is not None:
                self.spec = spec
            self.metric_rows = view.fits.metric_rows
            self.param_rows = view.fits.param_rows
            self.solutions = view.solutions
            if view.code is not None:
                self.code = view.code
            self.notes = view.notes
            self.status = view.status
            self.error = ""
            self.chart_data = data

    # ------------------------------------------------------------------ loading tables
    def _accept_table(self, frame: pd.DataFrame, source: str, x: str | None = None,
                      y: str | None = None, group: str = "") -> None:
        """Switch to a new table; on any kernel error restore the previous one and raise."""
        old = (self._frame, self.x, self.y, self.group, self.columns, self.source_name,
               self.fit_range, self.laws, self.y_scale)
        try:
            if x is None or y is None:
                gx, gy = guess_xy(frame)
                if self._frame is not None and self.x in frame and self.y in frame:
                    gx, gy = self.x, self.y
                x, y = x or gx, y or gy
            for role, col in (("x", x), ("y", y)):
                if col not in frame.columns:
                    raise ScalingLabError(
                        f"no column {col!r} for {role}; the table has columns "
                        f"{[str(c) for c in frame.columns]}"
                    )
            if group and group not in frame.columns:
                raise ScalingLabError(
                    f"no column {group!r} for the series; the table has columns "
                    f"{[str(c) for c in frame.columns]}"
                )
            num = set(numeric_columns(frame))
            laws = [n for n in self.laws if len(get_law(n).variables) == 1 or self.variables
                    or all(v in frame.columns for v in get_law(n).variables)]
            with self._silent():
                # multi-variable laws whose columns the new table lacks are switched off
                self.laws = laws or ["power", "power_offset"]
                if frame is not self._frame:
                    self._policy.reset()
                self._frame = frame
                self.columns = [{"name": str(c), "numeric": str(c) in num} for c in frame.columns]
                self.x, self.y, self.group = str(x), str(y), group
                self.source_name = source
                if self._auto_y_scale:
                    # accuracy-like metrics read better on a linear axis
                    self.y_scale = "linear" if detect_higher_is_better(self.y, None)[0] else "log"
                if old[0] is not None and old[0] is not frame:
                    self.fit_range = None
            self._update(refit=True, respec=True)
        except ScalingLabError:
            with self._silent():
                (self._frame, self.x, self.y, self.group, self.columns, self.source_name,
                 self.fit_range, self.laws, self.y_scale) = old
            self._policy.reset()
            raise

    # ------------------------------------------------------------------ messages
    def _on_brush(self, msg: dict[str, Any]) -> None:
        """A fit range from the chart (`contract.BrushMsg`); a refused one is answered with
        an ack (the error trait says why) and leaves the range in force."""
        rng, request_id = msg.get("range"), msg.get("id")
        rid = int(request_id) if isinstance(request_id, int | float) else None
        if self._frame is None:
            return self._refuse(ScalingLabError("load a table before choosing a fit range"),
                                rid)
        new = None
        try:
            if rng is not None:
                lo, hi = (float(v) for v in rng)
                new = [min(lo, hi), max(lo, hi)]
                self._valid_range(t.Bunch(value=new))
        except (TypeError, ValueError) as e:
            return self._refuse(ScalingLabError(f"bad fit range from the chart: {rng!r} ({e})"),
                                rid)
        old = self.fit_range
        dragging = msg.get("dragging") is not False and self._schedule_settle()
        if not dragging:
            self._cancel_settle()
        # the new fit_range goes out in the same message as the refit it belongs to
        with self.hold_sync():
            with self._silent():
                self.fit_range = new
            try:
                self._update(refit=True, respec=False, request_id=rid, dragging=dragging)
            except ScalingLabError as e:
                with self._silent():
                    self.fit_range = old
                self._refuse(e, rid)
        return None

    def _refuse(self, e: ScalingLabError, request_id: int | None) -> None:
        self._show_error(e)
        if request_id is not None:
            self._reply({"type": "ack", "id": request_id, "table_version": self.table_version})

    def _schedule_settle(self, delay: float = 0.35) -> bool:
        """In a running kernel, plan the full refit (with held-out scores) for when the brush
        rests; returns False (refit fully now) when there is no event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._cancel_settle()
        self._settle_handle = loop.call_later(delay, self._settle)
        return True

    def _cancel_settle(self) -> None:
        if self._settle_handle is not None:
            self._settle_handle.cancel()
            self._settle_handle = None

    def _settle(self) -> None:
        self._settle_handle = None
        if self._fits is None or not self._fits.pending:
            return
        try:
            self._update(refit=True, respec=False)
        except ScalingLabError as e:
            self._show_error(e)
