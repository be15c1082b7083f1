"""`explore(frame, inputs) -> View`: everything LawExplorer shows, as a pure function of a
table and the widget's inputs (fits, chart data, tables, notes, code), testable without a
widget. The widget (`scalinglab.widgets.explorer`) is a thin adapter around it; the
interactive-refit policy (drag versus rest) is `RefitPolicy`.

Example
-------
>>> import numpy as np, pandas as pd
>>> D = np.logspace(6, 10, 30)
>>> df = pd.DataFrame({"D": D, "loss": 400 * D ** -0.3 + 1.7})
>>> view = explore(df, Inputs(x="D", y="loss", laws=("power", "power_offset"), ci="delta"))
>>> sorted(view.results), view.best
(['power', 'power_offset'], {'': 'power_offset'})
>>> sorted(view.chart_data["datasets"])   # no points: they go once per table
['bands', 'extrapolation', 'fits', 'target_line', 'targets']
>>> len(points(df, Inputs(x="D", y="loss")))
30
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalinglab import charts
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.compare import compare
from scalinglab.fitting.fit import fit
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.fitting.uncertainty import param_intervals
from scalinglab.laws.registry import get_law
from scalinglab.widgets.jsonable import finite_or_none as _num
from scalinglab.widgets.refit import RefitPolicy

SERIES_COL = "__series__"
MAX_SERIES = 12
SLICES = 5


@dataclass(frozen=True)
class Inputs:
    """What the user chose (the widget's controls)."""

    x: str
    y: str
    group: str = ""
    variables: tuple[str, ...] = ()
    laws: tuple[str, ...] = ("power", "power_offset")
    fit_range: tuple[float, float] | None = None
    level: float = 0.95
    ci: str = "bootstrap"
    n_boot: int = 300
    loss: str = "l2"
    space: str = "log"
    seed: int = 0
    holdout: int = 3
    band: str = "confidence"
    horizon: float = 100.0
    target: float | None = None
    x_scale: str = "log"
    y_scale: str = "log"
    export_law: str = ""


@dataclass
class Fits:
    """The outcome of one refit: results per law, table rows, the chart's curves."""

    results: dict[str, FitResult | GroupFit]
    curves: list[charts.Curve]
    metric_rows: list[dict[str, Any]]
    param_rows: list[dict[str, Any]]
    best: dict[str, str]  # series label ('' without series) -> best law
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pending: bool = False  # held-out scores not computed yet (a drag's quick refit)


@dataclass
class View:
    """Everything the widget shows for one table and set of inputs."""

    fits: Fits
    chart_data: dict[str, Any]
    solutions: list[dict[str, Any]]
    notes: list[str]
    status: str
    code: str | None  # None while dragging (the refit at rest writes it)

    @property
    def results(self) -> dict[str, FitResult | GroupFit]:
        return self.fits.results

    @property
    def best(self) -> dict[str, str]:
        return self.fits.best


def explore(frame: pd.DataFrame, inputs: Inputs, policy: RefitPolicy | None = None,
            dragging: bool = False, fits: Fits | None = None,
            table_points: list[dict[str, Any]] | None = None) -> View:
    """Fit, draw and describe ``frame`` under ``inputs``; raises `ScalingLabError`.

    ``policy`` (default: a fresh one) decides how a refit made while ``dragging`` runs;
    ``fits`` reuses an earlier refit (only the drawing changed); ``table_points`` are the
    table's `points` when the caller has them already.
    """
    policy = policy if policy is not None else RefitPolicy()
    work = working_frame(frame, inputs)
    if fits is None:
        fits = fit_laws(work, inputs, policy, dragging)
    pts = table_points if table_points is not None else points(frame, inputs, work)
    data, solutions, draw_notes = draw(work, inputs, fits, pts, policy)
    msg = " ".join(fits.messages)
    status = (f"{msg} Fitted in {fits.seconds * 1e3:.0f} ms." if msg
              else f"Fitted in {fits.seconds * 1e3:.0f} ms.")
    code = None if fits.pending else export_code(fits, inputs)
    return View(fits=fits, chart_data=data, solutions=solutions,
                notes=distinct_notes(fits.notes + draw_notes), status=status, code=code)


# ------------------------------------------------------------------------------ the table
def points(frame: pd.DataFrame, inputs: Inputs, work: pd.DataFrame | None = None
           ) -> list[dict[str, Any]]:
    """The table's points for the chart (no fit-range flags: the chart styles them by the
    params ``fit_lo`` / ``fit_hi``)."""
    work = work if work is not None else working_frame(frame, inputs)
    series_col = SERIES_COL if SERIES_COL in work else None
    return charts.points_rows(work, inputs.x, inputs.y, series_col)


def working_frame(frame: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """The table plus a series label column (binned when the series column is numeric
    with many values; slices of the other variable for multi-variable laws)."""
    labels: pd.Series | None = None
    if inputs.group:
        col = frame[inputs.group]
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_SERIES:
            labels = _bins(col, inputs.group)
        else:
            if col.nunique(dropna=False) > MAX_SERIES * 4:
                raise ScalingLabError(
                    f"column {inputs.group!r} has {col.nunique()} distinct values: too many "
                    f"series to draw; choose a column with at most {MAX_SERIES * 4}"
                )
            labels = col.astype(str)
    else:
        multi = [n for n in inputs.laws if len(get_law(n).variables) > 1]
        if multi:
            others = [c for c in variables_for(frame, inputs, multi[0]) if c != inputs.x]
            if others:
                labels = _bins(frame[others[0]], others[0])
    if labels is None:
        return frame
    return frame.assign(**{SERIES_COL: labels.to_numpy()})


def variables_for(frame: pd.DataFrame, inputs: Inputs, law_name: str) -> list[str]:
    """The columns a law is fitted on (its variables, or ``inputs.variables``)."""
    law = get_law(law_name)
    if len(law.variables) == 1:
        return [inputs.x]
    cols = list(inputs.variables) if inputs.variables else list(law.variables)
    missing = [c for c in cols if c not in frame.columns]
    if len(cols) != len(law.variables) or missing:
        raise ScalingLabError(
            f"law {law_name!r} takes variables {list(law.variables)}: the table has no "
            f"column(s) {missing or cols}; set variables=[...] to the matching columns"
        )
    if inputs.x not in cols:
        raise ScalingLabError(
            f"law {law_name!r} is fitted on {cols}: choose one of them as x to draw it"
        )
    return cols


# ------------------------------------------------------------------------------ fitting
def fit_kwargs(inputs: Inputs) -> dict[str, Any]:
    return {
        "fit_range": inputs.fit_range, "range_on": inputs.x, "loss": inputs.loss,
        "space": inputs.space, "ci": None if inputs.ci == "none" else inputs.ci,
        "n_boot": inputs.n_boot, "level": inputs.level, "seed": inputs.seed,
    }


@dataclass
class _Compared:
    results: dict[str, FitResult] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # held-out RMSLE
    errors: dict[str, str] = field(default_factory=dict)  # laws that could not be fitted
    message: str = ""
    held_warnings: dict[str, list[str]] = field(default_factory=dict)


def _anchor_key(frame_id: int, inputs: Inputs, law: str, series: Any, x: Any) -> tuple:
    return (law, str(series), str(x), inputs.y, frame_id, inputs.loss, inputs.space)


def _compare(frame: pd.DataFrame, inputs: Inputs, laws: list[str], x_cols: list[str],
             kw: dict[str, Any], policy: RefitPolicy, dragging: bool, series: Any,
             frame_id: int) -> _Compared:
    """sl.compare with a safe holdout; laws it cannot score are fitted alone. While
    ``dragging``, each law is fitted once from its warm starts (`RefitPolicy`)."""
    if not laws:
        return _Compared()
    x: str | list[str] = x_cols[0] if len(x_cols) == 1 else x_cols
    holdout = inputs.holdout if len(frame) - inputs.holdout >= 4 else 0
    out = _Compared(errors={n: "" for n in laws})
    if policy.delta_bands(inputs.ci, dragging):
        kw = {**kw, "ci": "delta"}
    if not dragging:
        try:
            cmp = compare(frame, x=x, y=inputs.y, laws=laws, holdout=holdout,
                          holdout_on=inputs.x, **kw)
            out.results = dict(cmp.results)
            if "holdout_rmsle" in cmp.table:
                for row in cmp.table.itertuples(index=False):
                    out.scores[row.law] = _num(row.holdout_rmsle)
            out.errors = dict(cmp.errors)
            out.message = cmp.message if len(laws) > 1 else ""
            out.held_warnings = {n: list(r.warnings) for n, r in cmp.holdout_results.items()}
        except ScalingLabError as e:
            out.errors = {n: str(e) for n in laws}
    for n in list(out.errors):
        key = _anchor_key(frame_id, inputs, n, series, x)
        try:
            r = fit(frame, x=x, y=inputs.y, law=n, **kw,
                    **policy.fit_options(n, series, dragging, key))
            assert isinstance(r, FitResult)
            out.results[n] = r
            out.errors.pop(n)
        except ScalingLabError as e:
            out.errors[n] = str(e)
    if not dragging:  # at rest: each law's whole-series fit, to restart the next drag from
        for n, r in out.results.items():
            policy.remember_anchor(_anchor_key(frame_id, inputs, n, series, x), frame,
                                   {"x": x, "y": inputs.y, "law": n, **kw},
                                   r if kw["fit_range"] is None else None)
    return out


def collapsed(res: FitResult) -> str | None:
    """Why a fit describes nothing (a constant with no uncertainty, e.g. an exponential
    with a = b = 0), or None. Such a law is reported as not fitted, not drawn.

    >>> import numpy as np, pandas as pd, scalinglab as sl
    >>> D = np.logspace(6, 9, 12)
    >>> collapsed(sl.fit(pd.DataFrame({"D": D, "loss": 3 * D ** -0.1}), x="D", y="loss",
    ...                  law="power", ci="delta")) is None
    True
    """
    xs = [np.asarray(res.data[c], dtype=float) for c in res.x]
    X = np.vstack(xs)
    try:
        ys = np.asarray(res._predict_at(X), dtype=float)
    except Exception:
        return "it cannot be evaluated on the data"
    ys = ys[np.isfinite(ys)]
    if ys.size == 0:
        return "it predicts no finite value on the data"
    scale = max(float(np.max(np.abs(ys))), 1e-300)
    if float(np.ptp(ys)) > 1e-9 * scale:
        return None
    if res.ci is not None:
        try:
            _, lo, hi = res.band_arrays(X[:, :2], kind="confidence", level=res.level)
            if np.all(np.isfinite(hi - lo)) and float(np.max(hi - lo)) > 1e-9 * scale:
                return None
        except Exception:
            pass
    params = ", ".join(f"{k} = {v:.3g}" for k, v in res.params.items())
    return (f"it collapsed to the constant {float(ys[0]):.4g} ({params}) with no "
            "uncertainty, so it does not describe the trend; try another law or a wider "
            "fit range")


def fit_laws(work: pd.DataFrame, inputs: Inputs, policy: RefitPolicy,
             dragging: bool = False) -> Fits:
    """Fit every law (per series), rank them, and build the tables' rows."""
    if not inputs.laws:
        raise ScalingLabError("choose at least one law family to fit")
    t0 = time.perf_counter()
    laws = list(inputs.laws)
    kw = fit_kwargs(inputs)
    frame_id = id(policy)  # anchors live in the policy, which a new table resets
    series = list(pd.unique(work[SERIES_COL])) if SERIES_COL in work else [None]
    results: dict[str, Any] = {}
    per_series: dict[str, dict[Any, FitResult]] = {n: {} for n in laws}
    failed: dict[str, dict[Any, str]] = {n: {} for n in laws}
    scores: dict[tuple[str, Any], float | None] = {}
    best: dict[str, str] = {}
    messages: list[str] = []
    single = [n for n in laws if len(get_law(n).variables) == 1]
    multi = [n for n in laws if len(get_law(n).variables) > 1]
    held: dict[tuple[str, Any], list[str]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for s in series:
            sub = work if s is None else work[work[SERIES_COL] == s]
            cmp = _compare(sub, inputs, single, [inputs.x], kw, policy, dragging, s, frame_id)
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
            cols = variables_for(work, inputs, n)
            cmp = _compare(work, inputs, [n], cols, kw, policy, dragging, None, frame_id)
            held.update({(m, None): ws for m, ws in cmp.held_warnings.items()})
            if n in cmp.results:
                per_series[n][None] = cmp.results[n]
                scores[(n, None)] = cmp.scores.get(n)
            else:
                failed[n][None] = cmp.errors.get(n, "could not be fitted")
    # a law that collapsed is not fitted: reported, not drawn
    for n in laws:
        for s, r in list(per_series[n].items()):
            why = collapsed(r)
            if why is not None:
                per_series[n].pop(s)
                scores.pop((n, s), None)
                failed[n][s] = f"{n} not fitted: {why}"
    caught_notes = [str(w.message) for w in caught]
    said: set[str] = set()
    for n in laws:
        got = per_series[n]
        if not got:
            continue
        if len(get_law(n).variables) == 1 and series != [None]:
            for s, r in got.items():
                r.group = s
            results[n] = GroupFit(results=dict(got), failed=dict(failed[n]),
                                  group=inputs.group or SERIES_COL)
        else:
            results[n] = got[None]
    if not results:
        msgs = [m for fm in failed.values() for m in fm.values()]
        more = f" (and {len(msgs) - 1} more like it)" if len(msgs) > 1 else ""
        raise ScalingLabError((msgs[0] if msgs else "no law could be fitted") + more)
    for s in series:
        cands = []
        for n in laws:
            key_s = s if len(get_law(n).variables) == 1 else None
            r = per_series[n].get(key_s)
            if r is None:
                continue
            score = scores.get((n, key_s))
            key = score if score is not None and math.isfinite(score) else math.inf
            cands.append((key, r.metrics.get("aic", math.inf), n))
        if cands:
            best["" if s is None else str(s)] = min(cands)[2]
    if len(laws) < 2:
        best = {}  # nothing to rank: mark no winner
    elif dragging and policy.best:
        # keep the last held-out verdict until the scores are recomputed at rest
        best = {**best, **{k: v for k, v in policy.best.items() if v in laws}}
        messages = ["Held-out scores and bootstrap bands follow when the brush rests."
                    if policy.delta_bands(inputs.ci, dragging) else
                    "Held-out scores follow when the brush rests."]
    metric_rows: list[dict[str, Any]] = []
    param_rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for n in laws:
        for s, msg in failed[n].items():
            metric_rows.append({"law": n, "series": "" if s is None else str(s), "n": None,
                                "r2": None, "rmsle": None, "aic": None, "holdout": None,
                                "best": False, "error": msg})
            if msg.startswith(f"{n} not fitted"):
                notes.append(msg)
        for s, r in per_series[n].items():
            label = "" if s is None else str(s)
            m = r.metrics
            metric_rows.append({
                "law": n, "series": label, "n": int(m.get("n", 0)),
                "r2": _num(m.get("r2")), "rmsle": _num(m.get("rmsle")),
                "aic": _num(m.get("aic")), "holdout": _num(scores.get((n, s))),
                "best": best.get(label) == n or (len(get_law(n).variables) > 1
                                                 and n in best.values()),
                "pending": dragging,
            })
            los, his = param_intervals(r.uncertainty, r.objective.pmap, r.u, r.level)
            for (name, est), lo, hi in zip(r.params.items(), los, his, strict=True):
                param_rows.append({"law": n, "series": label, "param": str(name),
                                   "estimate": _num(est), "lo": _num(lo), "hi": _num(hi)})
            notes += [f"{n}: {w}" for w in r.warnings] + list(r.notes)
            said.update(r.warnings)
            said.update(r.notes)
            unsaid = [w for w in held.get((n, s), []) if w not in r.warnings]
            where = f"{n} [{label}]" if label else n
            notes += [f"{where}, fitted without the {inputs.holdout} largest points: {w}"
                      for w in unsaid]
            said.update(held.get((n, s), []))
    notes = [m for m in caught_notes if m not in said] + notes
    curves = _curves(work, inputs, per_series, series)
    policy.last = dict(results)
    if not dragging:
        policy.best = dict(best)
    return Fits(results=results, curves=curves, metric_rows=metric_rows,
                param_rows=param_rows, best=best, messages=messages, notes=notes,
                seconds=time.perf_counter() - t0, pending=dragging)


def _curves(work: pd.DataFrame, inputs: Inputs, per_series: dict[str, dict[Any, FitResult]],
            series: list[Any]) -> list[charts.Curve]:
    curves = []
    for n in inputs.laws:
        for s, r in per_series[n].items():
            if len(r.x) == 1:
                rows = work if s is None else work[work[SERIES_COL] == s]
                curves.append(charts.Curve(r, series=s, x_span=_span(rows[inputs.x])))
                continue
            for label in series:
                rows = work if label is None else work[work[SERIES_COL] == label]
                curves.append(charts.Curve(r, series=label,
                                           at=charts.slice_at(rows, r.x, inputs.x),
                                           x_span=_span(rows[inputs.x])))
    return curves


def solve_kwargs(curve: charts.Curve, x: str) -> dict[str, Any]:
    if len(curve.result.x) == 1:
        return {}
    return {"vary": x, "at": dict(curve.at)}


# ------------------------------------------------------------------------------ drawing
def color_by(fits: Fits, inputs: Inputs) -> str:
    many_series = any(c.series is not None for c in fits.curves)
    return "series" if many_series and len(inputs.laws) == 1 else "law"


def draw(work: pd.DataFrame, inputs: Inputs, fits: Fits, pts: list[dict[str, Any]],
         policy: RefitPolicy) -> tuple[dict[str, Any], list[dict], list[str]]:
    """The per-move chart data (curves, bands, targets, axis domains; no points), the
    target sentences, and notes about drawing."""
    t0 = time.perf_counter()
    x_vals = pd.to_numeric(work[inputs.x], errors="coerce").to_numpy(dtype=float)
    finite = x_vals[np.isfinite(x_vals)]
    if finite.size == 0:
        raise ScalingLabError(f"column {inputs.x!r} has no numbers to draw")
    horizon_x = float(finite.max()) * float(inputs.horizon)
    by = color_by(fits, inputs)
    y_extent = _extent([p["y"] for p in pts])
    fits_rows, extrap, bands = charts.curve_rows(
        fits.curves, inputs.x, horizon_x, band=inputs.band, level=inputs.level,
        color_by=by, log_x=inputs.x_scale == "log", log_y=inputs.y_scale == "log",
        y_extent=y_extent,
    )
    sols, sol_rows, notes = [], [], []
    if inputs.target is not None:
        for c in fits.curves:
            label = "" if c.series is None else str(c.series)
            prefix = f"[{label}] " if label else ""
            try:
                sol = c.result.solve(inputs.target, **solve_kwargs(c, inputs.x))
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
    line, targets = charts.target_rows(sols, inputs.target, color_by=by, horizon_x=horizon_x)
    key = (inputs.x, inputs.y, inputs.group, inputs.x_scale, inputs.y_scale, inputs.horizon,
           inputs.target, inputs.laws, inputs.band)
    box = [{"x": None, "y": y} for y in y_extent] + [{"x": v, "y": None}
                                                      for v in _extent(finite.tolist())]
    dom = policy.axes(key, lambda: charts.domains(box, fits_rows + extrap, horizon_x,
                                                  inputs.target, inputs.x_scale,
                                                  inputs.y_scale),
                      dragging=fits.pending)
    if inputs.x_scale == "log" and (finite <= 0).any():
        notes.append(f"{inputs.x!r} has values <= 0, which a log axis cannot show: "
                     "switch the x axis to linear")
    data = {"datasets": {"fits": fits_rows, "extrapolation": extrap, "bands": bands,
                         "target_line": line, "targets": targets},
            "signals": dom,
            "timing": {"draw_ms": (time.perf_counter() - t0) * 1e3}}
    return data, sol_rows, notes


def _extent(values: list[float]) -> list[float]:
    """The smallest and largest finite value (and, for a log axis, the smallest positive):
    what the axis domains and curve simplification need of 20,000 points."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return []
    out = [float(v.min()), float(v.max())]
    pos = v[v > 0]
    if pos.size and float(pos.min()) != out[0]:
        out.append(float(pos.min()))
    return out


def spec(frame: pd.DataFrame, inputs: Inputs, work: pd.DataFrame | None = None
         ) -> dict[str, Any]:
    """The Vega-Lite spec (embedded once; new only for other columns or axis scales)."""
    work = work if work is not None else working_frame(frame, inputs)
    series = list(pd.unique(work[SERIES_COL])) if SERIES_COL in work else [inputs.y]
    title: str | None = inputs.group or None
    if SERIES_COL in work and not inputs.group:
        multi = [n for n in inputs.laws if len(get_law(n).variables) > 1]
        others = ([c for c in variables_for(frame, inputs, multi[0]) if c != inputs.x]
                  if multi else [])
        title = others[0] if others else None
    return charts.explorer_spec(
        x_title=inputs.x, y_title=inputs.y, series=[str(s) for s in series],
        series_title=title, x_scale=inputs.x_scale, y_scale=inputs.y_scale,
    )


# ------------------------------------------------------------------------------ export
def export_choice(fits: Fits, inputs: Inputs) -> str:
    """The law the export shows: the chosen one, else the best, else the first."""
    if inputs.export_law in fits.results:
        return inputs.export_law
    return next(iter(fits.best.values()), None) or next(iter(fits.results))


def export_code(fits: Fits, inputs: Inputs) -> str:
    res = fits.results[export_choice(fits, inputs)]
    if isinstance(res, GroupFit):
        return "\n\n".join(f"# ---- series {res.group} = {label!r} ----\n{r.to_python()}"
                           for label, r in res.results.items())
    return res.to_python()


def export_result(fits: Fits | None, inputs: Inputs) -> FitResult | None:
    if fits is None or not fits.results:
        return None
    res = fits.results[export_choice(fits, inputs)]
    if isinstance(res, GroupFit):
        return next(iter(res.results.values()))
    return res


# ------------------------------------------------------------------------------ helpers
def distinct_notes(notes: list[str]) -> list[str]:
    """Each note once, in order, leaving out a note that a longer one begins with.

    >>> distinct_notes(["'acc' is higher-is-better.", "x", "'acc' is higher-is-better; more.",
    ...                 "x"])
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


__all__ = ["Fits", "Inputs", "View", "draw", "explore", "fit_laws", "points"]
