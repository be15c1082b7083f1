"""One Vega-Lite spec for fitted laws, used by `FitResult.chart()` and the LawExplorer widget.

The spec (built with Altair) draws from NAMED datasets, so the widget can embed it once and
replace rows with Vega changesets while a user drags the fit range:

* ``points``         the data: ``x``, ``y``, ``color`` (series key), ``label``, ``in_range``
* ``fits``           fitted curves over the data's x span: ``x``, ``y``, ``color``, ``key``
* ``extrapolation``  the same curves beyond the data, out to the horizon (drawn dashed)
* ``bands``          confidence / prediction bands: ``x``, ``lo``, ``hi``, ``color``, ``key``
* ``target_line``    the target level (one row ``{"y": target}``) when a target is set
* ``targets``        where each law reaches the target: ``x``, ``lo``, ``hi``, ``y``

Fields are generic (``x``, ``y``): column names only appear as axis titles, so a column named
``a.b`` or ``<img ...>`` needs no escaping in field expressions. The axis domains are the
top-level params ``xdomain`` and ``ydomain`` (computed here from the points and curves, not
the bands, so a wide band cannot squash the data); the interval brush on x is the param
``brush``.

Example
-------
>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(6, 9, 20)
>>> res = sl.fit(pd.DataFrame({"D": D, "loss": 40 * D ** -0.25 + 1.7}), x="D", y="loss",
...              law="power_offset", ci="delta")
>>> chart = fit_chart(res, horizon=10, target=1.8)
>>> spec = chart.to_dict()
>>> sorted(spec["datasets"])
['bands', 'extrapolation', 'fits', 'points', 'target_line', 'targets']
>>> len(spec["datasets"]["points"])
20
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.laws.registry import names as law_names

DATASETS = ("points", "fits", "extrapolation", "bands", "target_line", "targets")

# Law families keep one colour everywhere (toggles, curves, bands, table).
LAW_PALETTE = (
    "#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518",
    "#2a9d8f", "#9d755d", "#d4a017", "#e377c2", "#6b6ecf",
)
# Series (the group column) use a different palette; a single series is drawn in grey.
SERIES_PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
    "#e6ab02", "#a6761d", "#1f78b4", "#b15928", "#6a3d9a", "#33a02c", "#fb9a99",
)
SINGLE_SERIES_COLOR = "#8a8a8a"
GRID_POINTS = 100
# Curves are computed at GRID_POINTS x values but sent with only the vertices needed to draw
# them: every dropped one stays within this fraction of the y axis' span of the straight line
# between its kept neighbours (~0.1 px on a 400 px tall chart; matplotlib simplifies paths to
# 1/9 px). A power law on log-log axes is a straight line: two vertices instead of a hundred.
SIMPLIFY_TOL = 2.5e-4


def law_color(name: str) -> str:
    """The colour of a law family (stable: by its position in the registry).

    >>> law_color("power"), law_color("power_offset")
    ('#4c78a8', '#e45756')
    """
    known = law_names()
    i = known.index(name) if name in known else sum(map(ord, name))
    return LAW_PALETTE[i % len(LAW_PALETTE)]


def series_key(label: object) -> str:
    return f"s:{label}"


def law_key(name: str) -> str:
    return f"l:{name}"


# --------------------------------------------------------------------------------- the spec
# A point is drawn filled while it is in the fit range: by its own ``in_range`` flag when it
# has one (a static chart), else by the params ``fit_lo`` / ``fit_hi`` that the widget's
# front end sets from ``fit_range`` (so a range move re-sends no points).
IN_RANGE_TEST = ("isBoolean(datum.in_range) ? datum.in_range : "
                 "(!isNumber(fit_lo) || (datum.x >= fit_lo && datum.x <= fit_hi))")


def _label_expr(domain: str) -> str:
    """Tick labels of an axis whose domain is the param ``domain``, in ONE format per axis:
    3.1e11 style for every tick when the axis reaches 1e5 or stays below 1e-2, plain numbers
    otherwise (never "1000", "10000" and "1e5" side by side)."""
    top = f"max(abs({domain}[0]), abs({domain}[1]))"
    return (
        f"datum.value == 0 ? '0' : ({top} >= 1e5 || {top} < 1e-2)"
        " ? replace(format(datum.value, '.2~e'), 'e+', 'e') : format(datum.value, '~g')"
    )


def _scale(kind: str, domain_param: str) -> alt.Scale:
    extra = {} if kind == "log" else {"zero": False}
    return alt.Scale(type=kind, domain=alt.ExprRef(domain_param), nice=False, **extra)


def explorer_chart(
    *,
    x_title: str,
    y_title: str,
    series: Sequence[object] = (),
    series_title: str | None = None,
    laws: Sequence[str] | None = None,
    x_scale: str = "log",
    y_scale: str = "log",
    width: int = 560,
    height: int = 360,
    brush: bool = True,
    xdomain: Sequence[float] = (1.0, 10.0),
    ydomain: Sequence[float] = (1.0, 10.0),
    legend_laws: Sequence[str] = (),
    fit_range: Sequence[float] | None = None,
) -> alt.LayerChart:
    """The layered chart with empty named datasets; see the module docstring.

    ``series`` are the labels of the group column (their keys and colours go in the colour
    scale and the legend); ``laws`` the families whose colours the scale must know (default:
    every registered law); ``legend_laws`` the families the legend names (a static chart that
    compares laws has no chips to tell them apart).
    """
    for name, scale in (("x_scale", x_scale), ("y_scale", y_scale)):
        if scale not in ("log", "linear"):
            raise ScalingLabError(f"{name} must be 'log' or 'linear', not {scale!r}")
    laws = list(law_names() if laws is None else laws)
    series = list(series)
    s_keys = [series_key(s) for s in series]
    s_colors = (
        [SERIES_PALETTE[i % len(SERIES_PALETTE)] for i in range(len(series))]
        if len(series) > 1 else [SINGLE_SERIES_COLOR] * len(series)
    )
    domain = s_keys + [law_key(n) for n in laws]
    colors = s_colors + [law_color(n) for n in laws]
    shown = (s_keys if len(series) > 1 else []) + [law_key(n) for n in legend_laws]
    legend = (
        alt.Legend(values=shown, title=series_title, labelExpr="slice(datum.label, 2)",
                   orient="right", symbolType="circle", labelLimit=160, symbolOpacity=1,
                   symbolStrokeWidth=0, symbolSize=70)
        if shown else None
    )
    color = alt.Color("color:N", scale=alt.Scale(domain=domain, range=colors), legend=legend)
    def axis(kind: str, domain: str) -> alt.Axis:
        # Log axes: one tick per decade when the domain spans 3+ decades, else 2, 3, 5 ...
        decades = f"(log({domain}[1]) - log({domain}[0])) / LN10"
        count: Any = (alt.ExprRef(f"{decades} < 3 ? 10 : max(1, floor({decades}))")
                      if kind == "log" else 6)
        return alt.Axis(labelExpr=_label_expr(domain), labelOverlap="greedy", grid=True,
                        tickCount=count, titlePadding=8)

    x = alt.X("x:Q", title=x_title, axis=axis(x_scale, "xdomain"),
              scale=_scale(x_scale, "xdomain"))
    y = alt.Y("y:Q", title=y_title, axis=axis(y_scale, "ydomain"),
              scale=_scale(y_scale, "ydomain"))
    lo = alt.Y("lo:Q", title=y_title, scale=_scale(y_scale, "ydomain"))
    detail = alt.Detail("key:N")
    x_fmt = alt.Tooltip("x:Q", title=x_title, format=".4~g")
    y_fmt = alt.Tooltip("y:Q", title=y_title, format=".4~g")

    band = (
        alt.Chart(alt.NamedData("bands"), name="band")
        .mark_area(opacity=0.17, clip=True)  # linear: keep_vertices bounds that
        .encode(x=x, y=lo, y2="hi:Q", color=color, detail=detail)
    )
    fits = (
        alt.Chart(alt.NamedData("fits"), name="fit")
        .mark_line(strokeWidth=2.2, clip=True)
        .encode(x=x, y=y, color=color, detail=detail,
                tooltip=[alt.Tooltip("law:N", title="law"), alt.Tooltip("label:N", title="series"),
                         x_fmt, y_fmt])
    )
    extrap = (
        alt.Chart(alt.NamedData("extrapolation"), name="extrapolation")
        .mark_line(strokeWidth=2, strokeDash=[6, 4], clip=True)
        .encode(x=x, y=y, color=color, detail=detail,
                tooltip=[alt.Tooltip("law:N", title="law"), alt.Tooltip("label:N", title="series"),
                         x_fmt, y_fmt])
    )
    point_tooltip = [x_fmt, y_fmt]
    if len(series) > 1:
        point_tooltip.append(alt.Tooltip("label:N", title=series_title or "series"))
    if not brush:  # a static chart's points carry the flag; the widget's are styled by params
        point_tooltip.append(alt.Tooltip("in_range:N", title="in fit range"))
    # One symbol per row: a ring in its colour, filled while the row is in the fit range. A
    # brush move then only changes fill-opacity attributes (a second layer of filled points
    # for the rows in range added and removed SVG nodes on every move).
    fill = alt.Fill("color:N", scale=alt.Scale(domain=domain, range=colors), legend=None)
    points = (
        alt.Chart(alt.NamedData("points"), name="points")
        .mark_point(filled=False, size=46, strokeWidth=1.5, clip=True)
        .encode(x=x, y=y, color=color, fill=fill, tooltip=point_tooltip,
                fillOpacity=alt.condition(IN_RANGE_TEST, alt.value(0.9), alt.value(0.0)))
    )
    if brush:
        points = points.add_params(
            alt.selection_interval(
                name="brush", encodings=["x"],
                mark=alt.BrushConfig(fill="#7f7f7f", fillOpacity=0.12, stroke="#7f7f7f",
                                     strokeOpacity=0.6),
            )
        )
    target_line = (
        alt.Chart(alt.NamedData("target_line"), name="target_line")
        .mark_rule(strokeDash=[2, 3], strokeWidth=1.2, opacity=0.8)
        .encode(y=alt.Y("y:Q", scale=_scale(y_scale, "ydomain")))
    )
    target_tip = [alt.Tooltip("law:N", title="law"), alt.Tooltip("label:N", title="series"),
                  alt.Tooltip("x:Q", title=x_title, format=".3~e"),
                  alt.Tooltip("lo:Q", title="interval from", format=".3~e"),
                  alt.Tooltip("hi:Q", title="interval to", format=".3~e")]
    target_ci = (
        alt.Chart(alt.NamedData("targets"), name="target_interval")
        .mark_rule(strokeWidth=4, opacity=0.55, clip=True)
        .encode(x=alt.X("lo:Q", scale=_scale(x_scale, "xdomain")),
                x2="hi:Q", y="y:Q", color=color, tooltip=target_tip)
    )
    target_pt = (
        alt.Chart(alt.NamedData("targets"), name="target_point")
        .mark_point(shape="diamond", filled=True, size=130, opacity=1, clip=True,
                    stroke="white", strokeWidth=0.8)
        .encode(x=x, y=y, color=color, tooltip=target_tip)
    )
    chart = alt.layer(band, fits, extrap, points, target_line, target_ci, target_pt)
    return chart.add_params(
        alt.param(name="xdomain", value=[float(v) for v in xdomain]),
        alt.param(name="ydomain", value=[float(v) for v in ydomain]),
        # the fit range the points are styled by (null: every point is in range)
        alt.param(name="fit_lo", value=None if fit_range is None else float(fit_range[0])),
        alt.param(name="fit_hi", value=None if fit_range is None else float(fit_range[1])),
    ).properties(
        width=width, height=height, datasets={name: [] for name in DATASETS},
    ).configure_view(strokeWidth=0)


def explorer_spec(**kwargs: Any) -> dict[str, Any]:
    """`explorer_chart` as a Vega-Lite dict (what the widget embeds); cached, since Altair
    takes a noticeable fraction of a second to build it."""
    key = json.dumps(kwargs, sort_keys=True, default=str)
    return copy.deepcopy(_explorer_spec(key))


@functools.lru_cache(maxsize=32)
def _explorer_spec(key: str) -> dict[str, Any]:
    spec = explorer_chart(**json.loads(key)).to_dict(validate=False)
    spec["datasets"] = {name: [] for name in DATASETS}
    return spec


# --------------------------------------------------------------------------------- the data
@dataclass
class Curve:
    """One fitted curve to draw: a `FitResult`, the series it belongs to, and for a
    multi-variable law the fixed values of its other variables (the "slice")."""

    result: Any
    series: object = None
    at: Mapping[str, float] = field(default_factory=dict)
    x_span: tuple[float, float] | None = None  # the data's x span (solid line); else from result


def _finite(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _col(values: Iterable[float]) -> list[float | None]:
    return [_finite(v) for v in values]


def grid(lo: float, hi: float, n: int = GRID_POINTS, log: bool = True) -> np.ndarray:
    """n points from lo to hi, evenly spaced in log x (or linearly)."""
    if log and lo > 0:
        return np.logspace(math.log10(lo), math.log10(hi), n)
    return np.linspace(lo, hi, n)


def points_rows(
    frame: pd.DataFrame, x: str, y: str, series: str | None = None,
    in_range: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Rows of the ``points`` dataset (non-finite values dropped). Without ``in_range`` the
    rows carry no flag: the chart then styles them by the params ``fit_lo`` / ``fit_hi``
    (the widget sends its points once per table, not per range move)."""
    xs = pd.to_numeric(frame[x], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(frame[y], errors="coerce").to_numpy(dtype=float)
    labels = frame[series].astype(str).to_numpy() if series else np.full(len(frame), y, dtype=object)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if in_range is None:
        return [{"x": a, "y": b, "color": series_key(s), "label": str(s)}
                for a, b, s in zip(xs[ok].tolist(), ys[ok].tolist(), labels[ok], strict=True)]
    flags = np.asarray(in_range, dtype=bool)
    return [
        {"x": float(a), "y": float(b), "color": series_key(s), "label": str(s), "in_range": bool(f)}
        for a, b, s, f in zip(xs[ok], ys[ok], labels[ok], flags[ok], strict=True)
    ]


def slice_at(frame: pd.DataFrame, variables: Sequence[str], x: str) -> dict[str, float]:
    """Where a multi-variable law's curve is drawn against ``x``: every other variable held
    at its geometric mean over ``frame``'s rows (its median when it has values <= 0). The
    one rule for `fit_chart` and the LawExplorer widget.

    >>> at = slice_at(pd.DataFrame({"N": [1e6, 1e8], "D": [1.0, 2.0]}), ["N", "D"], "D")
    >>> {k: round(v) for k, v in at.items()}
    {'N': 10000000}
    """
    out = {}
    for c in variables:
        if c == x:
            continue
        v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[c] = float("nan")
        elif (v > 0).all():
            out[c] = float(np.exp(np.mean(np.log(v))))
        else:
            out[c] = float(np.median(v))
    return out


def _curve_matrix(curve: Curve, x: str, xs: np.ndarray) -> np.ndarray:
    """The law matrix (variables, m) along ``xs``: the drawn variable varies, any other
    is held at the curve's slice value."""
    res = curve.result
    return np.vstack([xs if c == x else np.full_like(xs, float(curve.at[c])) for c in res.x])


def keep_vertices(ys: np.ndarray, tol: float) -> np.ndarray:
    """Which vertices of polylines sampled at evenly spaced x to keep (a boolean mask) so that
    every dropped vertex lies within ``tol`` of the straight line between the kept vertices
    around it, in every row of ``ys`` (k, n) at once. The first and last are always kept.

    Greedy, in one pass: a chord over k steps deviates from the samples under it by at most
    k²/8 times their largest second difference (exact for sampled values), so a chord is
    extended while that bound stays within ``tol``. Non-finite values keep every vertex.

    >>> x = np.linspace(0, 1, 11)
    >>> keep_vertices(2 * x + 1, 1e-6).nonzero()[0].tolist()   # a straight line
    [0, 10]
    >>> keep_vertices(x ** 2, 0.011).nonzero()[0].tolist()     # a parabola needs more
    [0, 2, 4, 6, 8, 10]
    """
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    n = ys.shape[1]
    keep = np.zeros(n, dtype=bool)
    if n <= 2 or not tol > 0 or not np.all(np.isfinite(ys)):
        keep[:] = True
        return keep
    keep[0] = keep[-1] = True
    d2 = np.abs(ys[:, :-2] - 2 * ys[:, 1:-1] + ys[:, 2:]).max(axis=0).tolist()  # at 1..n-2
    limit = 8.0 * tol
    a, worst = 0, 0.0
    for b in range(2, n):
        worst = max(worst, d2[b - 2])  # the samples strictly inside (a, b)
        if (b - a) ** 2 * worst > limit:
            keep[b - 1] = True  # the chord ends one step earlier; the next starts there
            a, worst = b - 1, 0.0
    return keep


def _scaled(values: np.ndarray, log: bool) -> np.ndarray:
    """Values in axis units: log10 on a log axis (non-positive values become non-finite)."""
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def curve_rows(
    curves: Sequence[Curve], x: str, horizon_x: float, band: str = "confidence",
    level: float | None = None, color_by: str = "law", log_x: bool = True,
    n: int = GRID_POINTS, log_y: bool = True, y_extent: Sequence[float] = (),
    simplify: float = SIMPLIFY_TOL,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows of ``fits``, ``extrapolation`` and ``bands`` for each curve.

    The solid part spans the data; the dashed part runs from the largest x of the data to
    ``horizon_x``. ``band`` is ``"confidence"``, ``"prediction"`` or ``"none"``; ``color_by``
    is ``"law"`` (family colours) or ``"series"`` (series colours).

    Each curve is evaluated at ``n`` x values (evenly spaced on the x axis) and keeps only
    the vertices needed to draw it, its band and its dashed part within ``simplify`` of the y
    axis' span (`keep_vertices`; 0 keeps all). That span is taken over the curves and
    ``y_extent`` (e.g. the points' y values) on the axis given by ``log_y``.
    """
    if band not in ("confidence", "prediction", "none"):
        raise ScalingLabError(f"band must be 'confidence', 'prediction' or 'none', not {band!r}")
    computed = []
    for curve in curves:
        res = curve.result
        if curve.x_span is not None:
            x_lo, x_hi = curve.x_span
        else:
            col = res.data[x].to_numpy(dtype=float)
            x_lo, x_hi = float(np.min(col)), float(np.max(col))
        end = max(horizon_x, x_hi)
        n_in = max(int(n * 0.6), 2)
        inside = grid(x_lo, x_hi, n_in, log_x)
        beyond = grid(x_hi, end, n - n_in + 1, log_x)[1:] if end > x_hi else np.empty(0)
        xs = np.concatenate([inside, beyond])
        X = _curve_matrix(curve, x, xs)
        if band == "none" or res.ci is None:
            ys = np.asarray(res._predict_at(X), dtype=float)
            los = his = None
        else:
            ys, los, his = res.band_arrays(X, kind=band, level=level)
        ys = np.asarray(ys, dtype=float)
        # the curve and its band in axis units, once: for the axis' span and the vertices
        scaled = _scaled(np.vstack([ys] + [b for b in (los, his) if b is not None]), log_y)
        computed.append((curve, xs, n_in, ys, los, his, scaled))
    span = _y_span([c[6][0] for c in computed], y_extent, log_y) if simplify > 0 else None
    fits: list[dict] = []
    extrap: list[dict] = []
    bands: list[dict] = []
    for curve, xs, n_in, ys, los, his, scaled in computed:
        name = curve.result.law.name
        label = "" if curve.series is None else str(curve.series)
        key = f"{name}|{label}"
        color = law_key(name) if color_by == "law" else series_key(curve.series)
        keep = _curve_vertices(scaled, n_in, span, simplify)
        idx = np.flatnonzero(keep)
        base = {"color": color, "key": key, "law": name, "label": label}
        xl = xs[idx].tolist()
        for i, xv, yv in zip(idx.tolist(), xl, _col(ys[idx]), strict=True):
            row = {**base, "x": xv, "y": yv}
            if i < n_in:
                fits.append(row)
            if i >= n_in - 1:
                extrap.append(row)
        if los is not None and his is not None:
            for xv, lv, hv in zip(xl, _col(los[idx]), _col(his[idx]), strict=True):
                bands.append({**base, "x": xv, "lo": lv, "hi": hv})
    return fits, extrap, bands


def _y_span(curve_ys: Sequence[np.ndarray], y_extent: Sequence[float], log: bool
            ) -> tuple[float, float] | None:
    """(low, span) of the y axis in axis units, over the curves (already in axis units) and
    ``y_extent`` (in data units)."""
    vals = [np.asarray(v, dtype=float).ravel() for v in curve_ys]
    allv = np.concatenate([*vals, _scaled(np.asarray(list(y_extent), dtype=float), log)])
    allv = allv[np.isfinite(allv)]
    if allv.size == 0:
        return None
    lo, hi = float(allv.min()), float(allv.max())
    return (lo, hi - lo) if hi > lo else None


def _curve_vertices(scaled: np.ndarray, n_in: int, span: tuple[float, float] | None,
                    tol: float) -> np.ndarray:
    """`keep_vertices` of a curve with its band (rows of ``scaled``, in axis units), the solid
    and dashed parts separately (the vertex where they meet is kept)."""
    n = scaled.shape[1]
    if span is None or not tol > 0:
        return np.ones(n, dtype=bool)
    Y = (scaled - span[0]) / span[1]
    keep = np.ones(n, dtype=bool)
    keep[:n_in] = keep_vertices(Y[:, :n_in], tol)
    if n > n_in:
        keep[n_in - 1:] = keep_vertices(Y[:, n_in - 1:], tol)
    return keep


def target_rows(
    solutions: Sequence[tuple[Any, object]], target: float | None, color_by: str = "law",
    horizon_x: float | None = None,
) -> tuple[list[dict], list[dict]]:
    """Rows of ``target_line`` and ``targets`` from ``(Solution, series)`` pairs.

    An interval end at infinity is drawn to ``horizon_x`` (the tooltip shows the truth).
    """
    if target is None or not math.isfinite(float(target)):
        return [], []
    rows = []
    for sol, series in solutions:
        color = law_key(sol.law) if color_by == "law" else series_key(series)
        lo, hi = _finite(sol.lo), _finite(sol.hi)
        if hi is None and horizon_x is not None and math.isfinite(sol.x):
            hi = max(float(horizon_x), float(sol.x))
        rows.append({
            "x": _finite(sol.x), "lo": lo if lo is not None else _finite(sol.x),
            "hi": hi if hi is not None else _finite(sol.x), "y": float(target),
            "law": sol.law, "label": "" if series is None else str(series), "color": color,
        })
    return [{"y": float(target)}], rows


def domains(
    points: Sequence[Mapping[str, Any]], lines: Sequence[Mapping[str, Any]],
    horizon_x: float | None, target: float | None = None, x_scale: str = "log",
    y_scale: str = "log",
) -> dict[str, list[float]]:
    """``xdomain`` and ``ydomain`` that show every point, curve and the target (not bands)."""
    xs = [r["x"] for r in points if r["x"] is not None]
    ys = [r["y"] for r in points if r["y"] is not None]
    ys += [r["y"] for r in lines if r.get("y") is not None]
    if target is not None and math.isfinite(float(target)):
        ys.append(float(target))
    if horizon_x is not None:
        xs.append(float(horizon_x))
    return {"xdomain": _domain(xs, x_scale, pad=0.02), "ydomain": _domain(ys, y_scale, pad=0.06)}


def _domain(values: Sequence[float], scale: str, pad: float) -> list[float]:
    v = np.asarray([a for a in values if a is not None and math.isfinite(a)], dtype=float)
    if scale == "log":
        v = v[v > 0]
    if v.size == 0:
        return [1.0, 10.0]
    lo, hi = float(v.min()), float(v.max())
    if scale == "log":
        if lo == hi:
            return [lo / 2, hi * 2]
        span = math.log10(hi) - math.log10(lo)
        return [lo / 10 ** (pad * span), hi * 10 ** (pad * span)]
    if lo == hi:
        return [lo - 1, hi + 1]
    span = hi - lo
    return [lo - pad * span, hi + pad * span]


# --------------------------------------------------------------------------------- static charts
def fit_chart(
    results: Any,
    *,
    x: str | None = None,
    horizon: float = 10.0,
    band: str = "confidence",
    level: float | None = None,
    target: float | None = None,
    x_scale: str = "log",
    y_scale: str = "log",
    width: int = 560,
    height: int = 360,
) -> alt.LayerChart:
    """A static Altair chart of one or more fits: points (hollow outside the fit range),
    fitted curves, band, dashed extrapolation to ``horizon`` × the largest x, and, with a
    ``target``, where each law reaches it.

    ``results``: a `FitResult`, a `GroupFit`, a `Comparison`, or a list of `FitResult`.
    ``x``: for a multi-variable law, the variable on the horizontal axis (default: the
    last); each fit's curve holds the other variables at `slice_at` (their geometric mean).
    """
    res_list = _as_results(results)
    if not res_list:
        raise ScalingLabError("fit_chart needs at least one FitResult")
    first = res_list[0]
    x = x or first.x[-1]
    if x not in first.x:
        raise ScalingLabError(f"x={x!r} is not a variable of this fit; choose one of {first.x}")
    if horizon < 1:
        raise ScalingLabError(f"horizon is a multiple of the largest x and must be >= 1, not {horizon}")
    y = first.y
    grouped = any(r.group is not None for r in res_list)
    series_labels = sorted({str(r.group) for r in res_list}) if grouped else [y]
    frames, curves = [], []
    for r in res_list:
        f = r.data.copy()
        f["__series__"] = str(r.group) if grouped else y
        frames.append(f)
        at = slice_at(r.data, r.x, x)
        curves.append(Curve(r, series=str(r.group) if grouped else None, at=at))
    frame = pd.concat(frames, ignore_index=True)
    pts = points_rows(frame, x, y, "__series__", frame["in_range"].to_numpy())
    x_max = float(np.nanmax(frame[x].to_numpy(dtype=float)))
    horizon_x = x_max * float(horizon)
    laws_used = list(dict.fromkeys(r.law.name for r in res_list))
    color_by = "series" if grouped and len(laws_used) == 1 else "law"
    fits, extrap, bands = curve_rows(curves, x, horizon_x, band=band, level=level,
                                     color_by=color_by, log_x=x_scale == "log",
                                     log_y=y_scale == "log", y_extent=[p["y"] for p in pts])
    sols = []
    if target is not None:
        for c in curves:
            try:
                sols.append((c.result.solve(target, vary=x if len(c.result.x) > 1 else None,
                                            at=c.at or None), c.series))
            except ScalingLabError:
                continue
    line, tgts = target_rows(sols, target, color_by=color_by, horizon_x=horizon_x)
    dom = domains(pts, fits + extrap, horizon_x, target, x_scale, y_scale)
    chart = explorer_chart(
        x_title=x, y_title=y, series=series_labels, series_title=None,
        laws=list(dict.fromkeys([*law_names(), *laws_used])), x_scale=x_scale,
        y_scale=y_scale, width=width, height=height, brush=False, xdomain=dom["xdomain"], ydomain=dom["ydomain"],
        legend_laws=laws_used if color_by == "law" and len(laws_used) > 1 else (),
    )
    chart.datasets = {"points": pts, "fits": fits, "extrapolation": extrap, "bands": bands,
                      "target_line": line, "targets": tgts}
    return chart


def _as_results(results: Any) -> list[Any]:
    from scalinglab.fitting.compare import Comparison
    from scalinglab.fitting.result import FitResult, GroupFit

    if isinstance(results, FitResult):
        return [results]
    if isinstance(results, GroupFit):
        return list(results.results.values())
    if isinstance(results, Comparison):
        return list(results.results.values())
    if isinstance(results, Mapping):
        return [r for v in results.values() for r in _as_results(v)]
    if isinstance(results, Sequence) and not isinstance(results, str):
        out = []
        for r in results:
            out.extend(_as_results(r))
        return out
    raise ScalingLabError(
        f"fit_chart takes a FitResult, GroupFit, Comparison or a list of them, not "
        f"{type(results).__name__}"
    )
