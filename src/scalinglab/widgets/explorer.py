"""`LawExplorer`: drop in a table, drag the fit range, toggle law families, read off and export
the extrapolation. An anywidget: the front end (js/src/explorer.widget.ts) renders and sends
events; every number comes from the kernel (`sl.compare`, `sl.fit`, `FitResult`).

Every control is a synced traitlet that Python can read and set (``x``, ``y``, ``group``,
``laws``, ``fit_range``, ``level``, ``band``, ``horizon``, ``target``, ``x_scale``,
``y_scale``, ``ci``, ``n_boot``, ...); ``w.results`` holds the live fits (law → `FitResult`,
or law → `GroupFit` when a series column is chosen). A change that the kernel rejects (a
range with too few points, an unknown law, a bad table) shows its message in the widget and
leaves the last good state in place; set from Python, it also raises `ScalingLabError`.

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
import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets as t

from scalinglab import charts
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.compare import compare
from scalinglab.fitting.data import as_frame, detect_higher_is_better
from scalinglab.fitting.fit import fit
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.fitting.solver import IterationCap
from scalinglab.fitting.uncertainty import param_intervals
from scalinglab.laws.registry import get_law
from scalinglab.laws.registry import names as law_names
from scalinglab.widgets.jsonable import finite_or_none as _num
from scalinglab.widgets.tables import guess_xy, numeric_columns, read_table

STATIC = Path(__file__).resolve().parent.parent / "static"
SERIES_COL = "__series__"
MAX_SERIES = 12
SLICES = 5
# The brush's speed knob: while the brush moves, each law's warm refit stops after 30
# iterations and each bootstrap resample after 8. A law the data barely determine (3
# parameters on the 17 points at one end of a brush) could otherwise crawl for 100 iterations
# (~100 ms) per frame; a frame shows where it got to, and the uncapped multi-start fit follows
# when the brush rests. Fits asked for from Python are never capped.
DRAG_CAP = IterationCap(point_fit=30, resample=8)


def _asset(name: str) -> str | Path:
    path = STATIC / name
    if path.exists():
        return path
    # A source checkout whose front end has not been built yet: say how to build it.
    return (
        "export default { render({ el }) { el.textContent = 'scalinglab: the widget front end "
        "is not built. Run `pip install -e .` (or `cd js && npm install && npm run build`).'; } };"
        if name.endswith(".js") else ""
    )


def _formula_text(law_name: str) -> str:
    """The law's formula as plain text for a tooltip (from its Python body)."""
    law = get_law(law_name)
    body = law.python.strip().splitlines()
    expr = body[-1].strip() if body else ""
    if expr.startswith("return ") and len(body) == 1:
        return expr[len("return "):].replace("**", "^").replace("np.", "")
    return law.formula.replace("\\,", " ").replace("\\", "")


@dataclass
class _Fits:
    """The outcome of one refit: results per law, table rows, the chart's curves."""

    results: dict[str, FitResult | GroupFit]
    curves: list[charts.Curve]
    metric_rows: list[dict[str, Any]]
    param_rows: list[dict[str, Any]]
    best: dict[str, str]  # series label ('' without series) -> best law
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pending: bool = False  # held-out scores not computed yet (fast path)


@dataclass
class _Compared:
    """What `LawExplorer._compare` found for some laws on one series."""

    results: dict[str, FitResult] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # held-out RMSLE
    errors: dict[str, str] = field(default_factory=dict)  # laws that could not be fitted
    message: str = ""  # the comparison's verdict
    held_warnings: dict[str, list[str]] = field(default_factory=dict)  # of held-out fits


class LawExplorer(anywidget.AnyWidget):
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

    _esm = _asset("explorer.js")
    _css = _asset("explorer.css")

    # table
    columns = t.List(t.Dict()).tag(sync=True)
    source_name = t.Unicode("").tag(sync=True)
    x = t.Unicode("").tag(sync=True)
    y = t.Unicode("").tag(sync=True)
    group = t.Unicode("").tag(sync=True)
    variables = t.List(t.Unicode()).tag(sync=True)
    # fitting
    laws = t.List(t.Unicode(), default_value=["power", "power_offset"]).tag(sync=True)
    law_info = t.List(t.Dict()).tag(sync=True)
    fit_range = t.List(t.Float(), allow_none=True, default_value=None, minlen=2,
                       maxlen=2).tag(sync=True)
    level = t.Float(0.95).tag(sync=True)
    ci = t.Unicode("bootstrap").tag(sync=True)
    n_boot = t.Int(300).tag(sync=True)
    loss = t.Unicode("l2").tag(sync=True)
    space = t.Unicode("log").tag(sync=True)
    seed = t.Int(0).tag(sync=True)
    holdout = t.Int(3).tag(sync=True)
    drag_ci = t.Unicode("same").tag(sync=True)
    # drawing
    band = t.Unicode("confidence").tag(sync=True)
    horizon = t.Float(100.0).tag(sync=True)
    target = t.Float(None, allow_none=True).tag(sync=True)
    x_scale = t.Unicode("log").tag(sync=True)
    y_scale = t.Unicode("log").tag(sync=True)
    export_law = t.Unicode("").tag(sync=True)
    # outputs (Python → front end)
    spec = t.Dict().tag(sync=True)
    chart_data = t.Dict().tag(sync=True)
    param_rows = t.List(t.Dict()).tag(sync=True)
    metric_rows = t.List(t.Dict()).tag(sync=True)
    solutions = t.List(t.Dict()).tag(sync=True)
    code = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    notes = t.List(t.Unicode()).tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    _model_ref = t.Unicode("").tag(sync=True)

    _FIT_TRAITS = ("x", "y", "group", "variables", "laws", "fit_range", "level", "ci", "n_boot",
                   "loss", "space", "seed", "holdout")
    _DRAW_TRAITS = ("band", "horizon", "target", "x_scale", "y_scale", "export_law")

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
        super().__init__(**kwargs)
        self.results: dict[str, FitResult | GroupFit] = {}
        self._frame: pd.DataFrame | None = None
        self._fits: _Fits | None = None
        # law and series (with table, columns, loss, space) -> parameters of its fit to the
        # whole series: a second start for the quick refits of a brush drag
        self._anchors: dict[tuple, dict[str, float] | None] = {}
        self._quiet = 0
        self._version = 0
        self._auto_y_scale = y_scale is None
        self._settle_handle: asyncio.TimerHandle | None = None
        # the chart's axis domains last sent, and what they belong to (see _steady)
        self._domains: tuple[tuple, dict[str, list[float]]] | None = None
        self._cpu_t0 = 0.0  # thread CPU time when the current update began (latency parts)
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
            self.drag_ci = drag_ci  # checked by _on_drag_ci
            if laws is not None:
                self.laws = list(laws)
            if variables is not None:
                self.variables = list(variables)
            self.fit_range = None if fit_range is None else [float(v) for v in fit_range]
        with contextlib.suppress(Exception):
            self._model_ref = str(self.model_id)
        self.on_msg(self._on_message)
        if data is not None:
            frame = as_frame(data)
            self._load(frame, x=x, y=y, group=group or "", source="", strict=True)
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
        if isinstance(data, str) and "\n" in data:
            frame = read_table(data)
        else:
            frame = as_frame(data)
        self._load(frame, x=x, y=y, group=group or "", source="", strict=True)

    def solve(self, target: float) -> list[Any]:
        """`Solution` objects for every active fit at ``target`` (what the target box shows)."""
        out = []
        for c in (self._fits.curves if self._fits else []):
            out.append(c.result.solve(target, **self._solve_kwargs(c)))
        return out

    # ------------------------------------------------------------------ state plumbing
    @contextlib.contextmanager
    def _silent(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _from_frontend(self) -> bool:
        return bool(getattr(self, "_property_lock", None))

    @t.observe(*_FIT_TRAITS)
    def _on_fit_trait(self, change: dict[str, Any]) -> None:
        if self._quiet or self._frame is None:
            return
        self._change(change, refit=True)

    @t.observe(*_DRAW_TRAITS)
    def _on_draw_trait(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["name"] == "y_scale":
            self._auto_y_scale = False
        if self._frame is None:
            return
        self._change(change, refit=False)

    @t.observe("drag_ci")
    def _on_drag_ci(self, change: dict[str, Any]) -> None:
        self._change(change, refit=False, redraw=False)  # only the next drag is affected

    @property
    def _delta_while_dragging(self) -> bool:
        """Does a drag frame draw delta-method bands instead of the bootstrap's?"""
        return self.drag_ci == "delta" and self.ci == "bootstrap"

    def _change(self, change: dict[str, Any], refit: bool, redraw: bool = True) -> None:
        """Check a changed trait and refit / redraw; on a ScalingLabError put the old value
        back and show the error (raising it too unless the front end made the change)."""
        name = change["name"]
        try:
            self._check(name, change["new"])
            if redraw:
                self._update(refit=refit,
                             respec=name in ("x", "y", "group", "x_scale", "y_scale"))
        except ScalingLabError as e:
            with self._silent():
                self.set_trait(name, change["old"])
            self._fail(e)
            if not self._from_frontend():
                raise

    def _fail(self, e: Exception, request_id: int | None = None) -> None:
        self.error = str(e)
        if request_id is not None:
            self.send({"type": "ack", "id": request_id})

    def _check(self, name: str, value: Any) -> None:
        """Cheap checks with messages that say how to fix the value."""
        if name == "laws":
            for n in value:
                get_law(n)
        elif name in ("x_scale", "y_scale") and value not in ("log", "linear"):
            raise ScalingLabError(f"{name} must be 'log' or 'linear', not {value!r}")
        elif name == "band" and value not in ("confidence", "prediction", "none"):
            raise ScalingLabError(f"band must be 'confidence', 'prediction' or 'none', not {value!r}")
        elif name == "drag_ci" and value not in ("same", "delta"):
            raise ScalingLabError(f"drag_ci must be 'same' or 'delta', not {value!r}")
        elif name == "level" and not 0 < value < 1:
            raise ScalingLabError(f"level must lie in (0, 1), e.g. 0.95, not {value!r}")
        elif name == "horizon" and not (math.isfinite(value) and value >= 1):
            raise ScalingLabError(
                f"horizon is a multiple of the largest x (e.g. 100) and must be >= 1, not {value!r}"
            )
        elif name == "target" and value is not None and not math.isfinite(value):
            raise ScalingLabError(f"target must be a finite number, not {value!r}")
        elif name == "fit_range" and value is not None:
            lo, hi = value
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ScalingLabError(f"fit_range must be two finite numbers, not {value!r}")
            if lo > hi:
                raise ScalingLabError(f"fit_range low {lo:g} is above high {hi:g}: swap them")
        elif name == "ci" and value not in ("bootstrap", "delta", "none"):
            raise ScalingLabError(f"ci must be 'bootstrap', 'delta' or 'none', not {value!r}")
        elif name == "n_boot" and value < 20:
            raise ScalingLabError(f"n_boot must be at least 20 resamples, not {value!r}")
        elif name == "holdout" and value < 0:
            raise ScalingLabError(f"holdout must be >= 0 points, not {value!r}")
        elif name in ("x", "y") and self._frame is not None:
            num = numeric_columns(self._frame)
            if value not in num:
                raise ScalingLabError(
                    f"no numeric column {value!r} for {name}; choose one of {num}"
                )
        elif name == "group" and value and self._frame is not None:
            if value not in self._frame.columns:
                raise ScalingLabError(
                    f"no column {value!r} for the series; choose one of "
                    f"{[str(c) for c in self._frame.columns]} or none"
                )

    def _update(self, refit: bool, respec: bool, request_id: int | None = None,
                fast: bool = False) -> None:
        """Recompute (refit if asked) and publish; raises ScalingLabError, changing nothing.

        ``fast``: fit each law once and leave the held-out scores (a second fit per law) to
        `_settle`, scheduled on the kernel's event loop for when the brush rests.
        """
        if self._frame is None:
            return
        self._cpu_t0 = time.thread_time()
        work = self._working_frame(self._frame)
        fits = self._fit(work, fast=fast) if refit or self._fits is None else self._fits
        data, solutions, draw_notes = self._draw(work, fits)
        spec = self._spec(work) if respec or not self.spec else None
        # a drag's quick refits leave the code snippet to the refit at rest
        code = None if fits.pending else self._code(fits)
        self._publish(fits, data, solutions, draw_notes, spec, code, request_id)

    def _publish(self, fits: _Fits, data: dict[str, Any], solutions: list[dict],
                 draw_notes: list[str], spec: dict | None, code: str | None,
                 request_id: int | None) -> None:
        self._fits = fits
        self.results = dict(fits.results)
        self._version += 1
        data["request_id"] = request_id
        data["version"] = self._version
        # Python's share of a brush's latency (the fit, then chart data, code, up to syncing)
        drawn = getattr(self, "_draw_t0", None)
        data.setdefault("timing", {}).update(
            fit_ms=fits.seconds * 1e3,
            kernel_ms=fits.seconds * 1e3
            + ((time.perf_counter() - drawn) * 1e3 if drawn is not None else 0.0),
            # the same span in CPU time: on a busy machine the wall time includes waiting
            kernel_cpu_ms=(time.thread_time() - self._cpu_t0) * 1e3,
            sent_at=time.time() * 1e3,  # epoch ms: splits the round trip into its two legs
        )
        with self.hold_sync(), self._silent():
            if spec is not None:
                self.spec = spec
            self.metric_rows = fits.metric_rows
            self.param_rows = fits.param_rows
            self.solutions = solutions
            if code is not None:
                self.code = code
            self.notes = _distinct_notes(fits.notes + draw_notes)
            msg = " ".join(fits.messages)
            self.status = (f"{msg} Fitted in {fits.seconds * 1e3:.0f} ms." if msg
                           else f"Fitted in {fits.seconds * 1e3:.0f} ms.")
            self.error = ""
            self.chart_data = data

    # ------------------------------------------------------------------ loading tables
    def _load(self, frame: pd.DataFrame, x: str | None, y: str | None, group: str,
              source: str, strict: bool) -> None:
        """Switch to a new table; on any kernel error keep the previous table and state."""
        old = (self._frame, self.x, self.y, self.group, self.columns, self.source_name,
               self.fit_range, self.laws)
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
                    self._anchors.clear()
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
        except ScalingLabError as e:
            with self._silent():
                (self._frame, self.x, self.y, self.group, self.columns, self.source_name,
                 self.fit_range, self.laws) = old
            self._fail(e)
            if strict:
                raise

    # ------------------------------------------------------------------ messages
    def _on_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, Mapping) else None
        if kind == "brush":
            self._on_brush(content.get("range"), content.get("id"))
        elif kind == "load_table":
            try:
                frame = read_table(str(content.get("text", "")), str(content.get("name", "")))
            except ScalingLabError as e:
                self._fail(e)
                return
            self._load(frame, x=None, y=None, group="", source=str(content.get("name") or ""),
                       strict=False)
            if not self.error:
                self.send({"type": "table_loaded"})
        elif kind == "export_json":
            res = self._export_result()
            if res is None:
                self.send({"type": "export_json", "text": "", "message": "Nothing to export yet."})
            else:
                self.send({"type": "export_json", "text": res.to_json(),
                           "filename": f"{res.law.name}-fit.json"})

    def _on_brush(self, rng: Any, request_id: Any) -> None:
        rid = int(request_id) if isinstance(request_id, int | float) else None
        if self._frame is None:
            self._fail(ScalingLabError("load a table before choosing a fit range"), rid)
            return
        new = None
        try:
            if rng is not None:
                lo, hi = (float(v) for v in rng)
                new = [min(lo, hi), max(lo, hi)]
                self._check("fit_range", new)
        except (TypeError, ValueError) as e:
            self._fail(ScalingLabError(f"bad fit range from the chart: {rng!r} ({e})"), rid)
            return
        old = self.fit_range
        # the new fit_range goes out in the same message as the refit it belongs to
        with self.hold_sync():
            with self._silent():
                self.fit_range = new
            try:
                self._update(refit=True, respec=False, request_id=rid,
                             fast=self._schedule_settle())
            except ScalingLabError as e:
                with self._silent():
                    self.fit_range = old
                self._fail(e, rid)

    def _schedule_settle(self, delay: float = 0.35) -> bool:
        """In a running kernel, plan the full refit (with held-out scores) for when the brush
        rests; returns False (do everything now) when there is no event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._settle_handle is not None:
            self._settle_handle.cancel()
        self._settle_handle = loop.call_later(delay, self._settle)
        return True

    def _settle(self) -> None:
        self._settle_handle = None
        if self._fits is None or not self._fits.pending:
            return
        try:
            self._update(refit=True, respec=False)
        except ScalingLabError as e:
            self._fail(e)

    # ------------------------------------------------------------------ the kernel calls
    def _working_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The table plus a series label column (binned when the series column is numeric
        with many values; slices of the other variable for multi-variable laws)."""
        work = frame
        labels: pd.Series | None = None
        if self.group:
            col = frame[self.group]
            if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_SERIES:
                labels = _bins(col, self.group)
            else:
                if col.nunique(dropna=False) > MAX_SERIES * 4:
                    raise ScalingLabError(
                        f"column {self.group!r} has {col.nunique()} distinct values: too many "
                        f"series to draw; choose a column with at most {MAX_SERIES * 4}"
                    )
                labels = col.astype(str)
        else:
            multi = [n for n in self.laws if len(get_law(n).variables) > 1]
            if multi:
                others = [c for c in self._variables_for(multi[0]) if c != self.x]
                if others:
                    labels = _bins(frame[others[0]], others[0])
        if labels is not None:
            work = frame.assign(**{SERIES_COL: labels.to_numpy()})
        return work

    def _variables_for(self, law_name: str) -> list[str]:
        law = get_law(law_name)
        if len(law.variables) == 1:
            return [self.x]
        cols = list(self.variables) if self.variables else list(law.variables)
        assert self._frame is not None
        missing = [c for c in cols if c not in self._frame.columns]
        if len(cols) != len(law.variables) or missing:
            raise ScalingLabError(
                f"law {law_name!r} takes variables {list(law.variables)}: the table has no "
                f"column(s) {missing or cols}; set variables=[...] to the matching columns"
            )
        if self.x not in cols:
            raise ScalingLabError(
                f"law {law_name!r} is fitted on {cols}: choose one of them as x to draw it"
            )
        return cols

    def _fit_kwargs(self) -> dict[str, Any]:
        return {
            "fit_range": None if self.fit_range is None else tuple(self.fit_range),
            "range_on": self.x, "loss": self.loss, "space": self.space,
            "ci": None if self.ci == "none" else self.ci, "n_boot": self.n_boot,
            "level": self.level, "seed": self.seed,
        }

    def _fit(self, work: pd.DataFrame, fast: bool = False) -> _Fits:
        if not self.laws:
            raise ScalingLabError("choose at least one law family to fit")
        t0 = time.perf_counter()
        kw = self._fit_kwargs()
        series = (list(pd.unique(work[SERIES_COL])) if SERIES_COL in work else [None])
        results: dict[str, Any] = {}
        per_series: dict[str, dict[Any, FitResult]] = {n: {} for n in self.laws}
        failed: dict[str, dict[Any, str]] = {n: {} for n in self.laws}
        scores: dict[tuple[str, Any], float | None] = {}
        best: dict[str, str] = {}
        messages: list[str] = []
        notes: list[str] = []
        single = [n for n in self.laws if len(get_law(n).variables) == 1]
        multi = [n for n in self.laws if len(get_law(n).variables) > 1]
        held: dict[tuple[str, Any], list[str]] = {}  # held-out fits' warnings, per law/series
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for s in series:
                sub = work if s is None else work[work[SERIES_COL] == s]
                cmp = self._compare(sub, single, [self.x], kw, fast, series=s)
                held.update({(n, s): ws for n, ws in cmp.held_warnings.items()})
                for n in single:
                    if n in cmp.results:
                        per_series[n][s] = cmp.results[n]
                        scores[(n, s)] = cmp.scores.get(n)
                    else:
                        failed[n][s] = cmp.errors.get(n, "could not be fitted")
                if cmp.message and len(series) == 1:
                    messages.append(cmp.message)
            for n in multi:
                cols = self._variables_for(n)
                cmp = self._compare(work, [n], cols, kw, fast, series=None)
                held.update({(m, None): ws for m, ws in cmp.held_warnings.items()})
                if n in cmp.results:
                    per_series[n][None] = cmp.results[n]
                    scores[(n, None)] = cmp.scores.get(n)
                else:
                    failed[n][None] = cmp.errors.get(n, "could not be fitted")
        caught_notes = [str(w.message) for w in caught]
        said: set[str] = set()  # what the fits carry themselves (their warnings, their notes)
        for n in self.laws:
            got = per_series[n]
            if not got:
                continue
            if len(get_law(n).variables) == 1 and series != [None]:
                for s, r in got.items():
                    r.group = s
                results[n] = GroupFit(results={s: got[s] for s in got},
                                      failed={s: m for s, m in failed[n].items()},
                                      group=self.group or SERIES_COL)
            else:
                results[n] = got[None]
        if not results:
            msgs = [m for fm in failed.values() for m in fm.values()]
            more = f" (and {len(msgs) - 1} more like it)" if len(msgs) > 1 else ""
            raise ScalingLabError((msgs[0] if msgs else "no law could be fitted") + more)
        # best per series: lowest held-out error (else AIC) among the laws fitted there
        labels = series if series != [None] else [None]
        for s in labels:
            cands = []
            for n in self.laws:
                r = per_series[n].get(s) if len(get_law(n).variables) == 1 else per_series[n].get(None)
                if r is None:
                    continue
                score = scores.get((n, s)) if len(get_law(n).variables) == 1 else scores.get((n, None))
                key = score if score is not None and math.isfinite(score) else math.inf
                cands.append((key, r.metrics.get("aic", math.inf), n))
            if cands:
                best["" if s is None else str(s)] = min(cands)[2]
        if len(self.laws) < 2:
            best = {}  # nothing to rank: mark no winner
        elif fast and self._fits is not None:
            # keep the last held-out verdict until the scores are recomputed
            kept = {k: v for k, v in self._fits.best.items() if v in self.laws}
            best = {**best, **kept}
            messages = ["Held-out scores and bootstrap bands follow when the brush rests."
                        if self._delta_while_dragging else
                        "Held-out scores follow when the brush rests."]
        metric_rows, param_rows = [], []
        for n in self.laws:
            fitted = per_series[n]
            items = list(fitted.items())
            for s, msg in failed[n].items():
                metric_rows.append({"law": n, "series": "" if s is None else str(s), "n": None,
                                    "r2": None, "rmsle": None, "aic": None, "holdout": None,
                                    "best": False, "error": msg})
            for s, r in items:
                label = "" if s is None else str(s)
                m = r.metrics
                score = scores.get((n, s))
                metric_rows.append({
                    "law": n, "series": label, "n": int(m.get("n", 0)),
                    "r2": _num(m.get("r2")), "rmsle": _num(m.get("rmsle")),
                    "aic": _num(m.get("aic")), "holdout": _num(score),
                    "best": best.get(label) == n or (len(get_law(n).variables) > 1
                                                     and n in best.values()),
                    "pending": fast,
                })
                # r.param_ci()'s numbers, without building a DataFrame on every brush move
                los, his = param_intervals(r.uncertainty, r.objective.pmap, r.u, r.level)
                for (name, est), lo, hi in zip(r.params.items(), los, his, strict=True):
                    param_rows.append({"law": n, "series": label, "param": str(name),
                                       "estimate": _num(est), "lo": _num(lo), "hi": _num(hi)})
                notes += [f"{n}: {w}" for w in r.warnings] + list(r.notes)
                said.update(r.warnings)
                said.update(r.notes)
                # the fit that scored it (without the largest points) may warn on its own
                unsaid = [w for w in held.get((n, s), []) if w not in r.warnings]
                where = f"{n} [{label}]" if label else n
                notes += [f"{where}, fitted without the {self.holdout} largest points: {w}"
                          for w in unsaid]
                said.update(held.get((n, s), []))
        # a fit's warnings were also caught as Python warnings: say each once, with its law
        notes = [m for m in caught_notes if m not in said] + notes
        curves = self._curves(work, per_series, series)
        return _Fits(results=results, curves=curves, metric_rows=metric_rows,
                     param_rows=param_rows, best=best, messages=messages, notes=notes,
                     seconds=time.perf_counter() - t0, pending=fast)

    def _compare(self, frame: pd.DataFrame, laws: list[str], x_cols: list[str],
                 kw: dict[str, Any], fast: bool = False, series: Any = None,
                 ) -> _Compared:
        """sl.compare with a safe holdout; laws it cannot score are fitted alone. ``fast``
        (a brush drag) skips the held-out refits and refits each law from its fit of the
        previous range alone (scores and the full multi-start fit come when the brush rests,
        see `_settle`)."""
        if not laws:
            return _Compared()
        x: str | list[str] = x_cols[0] if len(x_cols) == 1 else x_cols
        in_range = len(frame)
        holdout = self.holdout if in_range - self.holdout >= 4 else 0
        results: dict[str, FitResult] = {}
        scores: dict[str, float] = {}
        errors: dict[str, str] = {n: "" for n in laws}  # laws still to fit alone
        message = ""
        held_warnings: dict[str, list[str]] = {}
        warm = self._warm_starts(laws, series, frame, x, kw) if fast else {}
        if fast and self._delta_while_dragging:
            kw = {**kw, "ci": "delta"}  # quick bands while the brush moves
        if not fast:
            try:
                cmp = compare(frame, x=x, y=self.y, laws=laws, holdout=holdout,
                              holdout_on=self.x, **kw)
                results = dict(cmp.results)
                if "holdout_rmsle" in cmp.table:
                    for row in cmp.table.itertuples(index=False):
                        scores[row.law] = _num(row.holdout_rmsle)
                errors = dict(cmp.errors)
                message = cmp.message if len(laws) > 1 else ""
                held_warnings = {n: list(r.warnings) for n, r in cmp.holdout_results.items()}
            except ScalingLabError as e:
                errors = {n: str(e) for n in laws}
        for n in list(errors):
            try:
                r = fit(frame, x=x, y=self.y, law=n, **kw, **warm.get(n, {}))
                assert isinstance(r, FitResult)
                results[n] = r
                errors.pop(n)
            except ScalingLabError as e:
                errors[n] = str(e)
        if not fast:  # at rest: make sure each law has its whole-series fit to restart from
            for n, r in results.items():
                self._anchor(n, series, frame, x, kw, r if kw["fit_range"] is None else None)
        return _Compared(results, scores, errors, message, held_warnings)

    def _warm_starts(self, laws: list[str], series: Any, frame: pd.DataFrame,
                     x: str | list[str], kw: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """fit() arguments that restart each law from its last fit of this series and from
        its fit of the whole series (a warm start alone can stay in a worse basin when the
        range moves far, e.g. an exponential whose term vanished on the last range)."""
        out: dict[str, dict[str, Any]] = {}
        last = self._fits.results if self._fits is not None else {}
        for n in laws:
            prev = last.get(n)
            if isinstance(prev, GroupFit):
                prev = prev.results.get(series)
            if isinstance(prev, FitResult) and not prev.settings.get("fixed"):
                starts = [dict(prev.params)]
                anchor = self._anchors.get(self._anchor_key(n, series, x, kw))
                if anchor is not None:
                    starts.append(anchor)
                out[n] = {"starts": starts, "multistart": False, "cap": DRAG_CAP}
        return out

    def _anchor_key(self, law: str, series: Any, x: str | list[str],
                    kw: dict[str, Any]) -> tuple:
        return (law, str(series), str(x), self.y, id(self._frame), kw["loss"], kw["space"])

    def _anchor(self, law: str, series: Any, frame: pd.DataFrame, x: str | list[str],
                kw: dict[str, Any], whole: FitResult | None) -> None:
        """Remember (fitting it if need be) the law's fit of the whole series."""
        key = self._anchor_key(law, series, x, kw)
        if key in self._anchors:
            return
        if whole is None:
            try:
                with warnings.catch_warnings():  # a restart point only: nothing to tell
                    warnings.simplefilter("ignore")
                    whole = fit(frame, x=x, y=self.y, law=law, **{**kw, "fit_range": None,
                                                                    "ci": None})
            except ScalingLabError:
                self._anchors[key] = None
                return
        assert isinstance(whole, FitResult)
        self._anchors[key] = dict(whole.params)

    def _curves(self, work: pd.DataFrame, per_series: dict[str, dict[Any, FitResult]],
                series: list[Any]) -> list[charts.Curve]:
        curves = []
        for n in self.laws:
            for s, r in per_series[n].items():
                if len(r.x) == 1:
                    rows = work if s is None else work[work[SERIES_COL] == s]
                    curves.append(charts.Curve(r, series=s, x_span=_span(rows[self.x])))
                    continue
                for label in series:
                    rows = work if label is None else work[work[SERIES_COL] == label]
                    at = {c: _geomean(rows[c]) for c in r.x if c != self.x}
                    curves.append(charts.Curve(r, series=label, at=at,
                                               x_span=_span(rows[self.x])))
        return curves

    def _solve_kwargs(self, curve: charts.Curve) -> dict[str, Any]:
        if len(curve.result.x) == 1:
            return {}
        return {"vary": self.x, "at": dict(curve.at)}

    # ------------------------------------------------------------------ chart data
    def _color_by(self, fits: _Fits) -> str:
        many_series = any(c.series is not None for c in fits.curves)
        return "series" if many_series and len(self.laws) == 1 else "law"

    def _draw(self, work: pd.DataFrame, fits: _Fits) -> tuple[dict[str, Any], list[dict], list[str]]:
        self._draw_t0 = time.perf_counter()
        x_vals = pd.to_numeric(work[self.x], errors="coerce").to_numpy(dtype=float)
        finite = x_vals[np.isfinite(x_vals)]
        if finite.size == 0:
            raise ScalingLabError(f"column {self.x!r} has no numbers to draw")
        horizon_x = float(finite.max()) * float(self.horizon)
        in_range = np.ones(len(work), dtype=bool)
        if self.fit_range is not None:
            lo, hi = self.fit_range
            in_range = (x_vals >= lo) & (x_vals <= hi)
        series_col = SERIES_COL if SERIES_COL in work else None
        points = charts.points_rows(work, self.x, self.y, series_col, in_range)
        color_by = self._color_by(fits)
        fits_rows, extrap, bands = charts.curve_rows(
            fits.curves, self.x, horizon_x, band=self.band, level=self.level,
            color_by=color_by, log_x=self.x_scale == "log", log_y=self.y_scale == "log",
            y_extent=[p["y"] for p in points],
        )
        sols, sol_rows, notes = [], [], []
        if self.target is not None:
            for c in fits.curves:
                label = "" if c.series is None else str(c.series)
                prefix = f"[{label}] " if label else ""
                try:
                    sol = c.result.solve(self.target, **self._solve_kwargs(c))
                except ScalingLabError as e:
                    sol_rows.append({"law": c.result.law.name, "series": label, "ok": False,
                                     "text": f"{prefix}{e}"})
                    continue
                if not math.isfinite(sol.x):  # never reached (its note says why): no marker
                    sol_rows.append({"law": sol.law, "series": label, "ok": False,
                                     "text": prefix + sol.message})
                    continue
                sols.append((sol, c.series))
                sol_rows.append({"law": sol.law, "series": label, "ok": True,
                                 "text": prefix + sol.message, "x": _num(sol.x),
                                 "lo": _num(sol.lo), "hi": _num(sol.hi)})
        line, targets = charts.target_rows(sols, self.target, color_by=color_by,
                                           horizon_x=horizon_x)
        dom = self._steady(lambda: charts.domains(points, fits_rows + extrap, horizon_x,
                                                  self.target, self.x_scale, self.y_scale),
                           dragging=fits.pending)
        if self.x_scale == "log" and (finite <= 0).any():
            notes.append(f"{self.x!r} has values <= 0, which a log axis cannot show: "
                         "switch the x axis to linear")
        data = {"datasets": {"points": points, "fits": fits_rows, "extrapolation": extrap,
                             "bands": bands, "target_line": line, "targets": targets},
                "signals": dom,
                "timing": {"draw_ms": (time.perf_counter() - self._draw_t0) * 1e3}}
        return data, sol_rows, notes

    def _steady(self, exact: Callable[[], dict[str, list[float]]], dragging: bool
                ) -> dict[str, list[float]]:
        """While the brush is dragged, the axes keep the domains they had when it started
        (a curve that leaves them is clipped at the plot's edge until the brush rests), so no
        refit during a drag moves every point, tick and grid line; at rest, the exact
        domains (``exact()``, computed only then)."""
        key = (id(self._frame), self.x, self.y, self.group, self.x_scale, self.y_scale,
               self.horizon, self.target, tuple(self.laws), self.band)
        if dragging and self._domains is not None and self._domains[0] == key:
            return self._domains[1]
        dom = exact()
        self._domains = (key, dom)
        return dom

    def _spec(self, work: pd.DataFrame) -> dict[str, Any]:
        series = list(pd.unique(work[SERIES_COL])) if SERIES_COL in work else [self.y]
        title: str | None = self.group or None
        if SERIES_COL in work and not self.group:
            multi = [n for n in self.laws if len(get_law(n).variables) > 1]
            others = [c for c in self._variables_for(multi[0]) if c != self.x] if multi else []
            title = others[0] if others else None
        return charts.explorer_spec(
            x_title=self.x, y_title=self.y, series=[str(s) for s in series],
            series_title=title, x_scale=self.x_scale, y_scale=self.y_scale,
        )

    # ------------------------------------------------------------------ export
    def _export_result(self) -> FitResult | None:
        if not self.results:
            return None
        name = self.export_law if self.export_law in self.results else None
        if name is None and self._fits is not None:
            name = next(iter(self._fits.best.values()), None)
        name = name or next(iter(self.results))
        res = self.results[name]
        if isinstance(res, GroupFit):
            return next(iter(res.results.values()))
        return res

    def _code(self, fits: _Fits) -> str:
        name = self.export_law if self.export_law in fits.results else None
        name = name or next(iter(fits.best.values()), None) or next(iter(fits.results))
        res = fits.results[name]
        if isinstance(res, GroupFit):
            parts = []
            for label, r in res.results.items():
                parts.append(f"# ---- series {res.group} = {label!r} ----\n{r.to_python()}")
            return "\n\n".join(parts)
        return res.to_python()


def _distinct_notes(notes: list[str]) -> list[str]:
    """Each note once, in order, leaving out a note that a longer one begins with (laws that
    fit the error of an accuracy say more about the same column than those that do not).

    >>> _distinct_notes(["'acc' is higher-is-better.", "x", "'acc' is higher-is-better; more.",
    ...                  "x"])
    ['x', "'acc' is higher-is-better; more."]
    """
    unique = list(dict.fromkeys(notes))
    return [n for n in unique
            if not any(m != n and m.startswith(n.rstrip(".")) for m in unique)]


def _span(values: pd.Series) -> tuple[float, float]:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if v.size else (1.0, 10.0)


def _geomean(values: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.mean(np.log(v)))) if v.size else float("nan")


def _bins(values: pd.Series, name: str, k: int = SLICES) -> pd.Series:
    """Label each row with the slice of ``values`` it falls in (quantile bins in log space),
    named by the slice's geometric mean, e.g. ``N ≈ 1.2e8``."""
    v = pd.to_numeric(values, errors="coerce")
    if v.nunique() <= MAX_SERIES:
        return v.map(lambda a: f"{name} = {_short(a)}")
    logs = np.log10(v.where(v > 0))
    codes = pd.qcut(logs, q=k, labels=False, duplicates="drop")
    means = v.groupby(codes).apply(lambda s: _geomean(s))
    labels = {c: f"{name} ≈ {_short(m)}" for c, m in means.items()}
    return codes.map(labels).fillna(f"{name}: other").astype(str)


def _short(v: float) -> str:
    """3 significant digits, scientific outside [1e-3, 1e5)."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        mant, exp = f"{v:.2e}".split("e")
        return f"{mant}e{int(exp)}"
    return f"{v:.3g}"
