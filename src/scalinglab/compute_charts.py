"""Static Altair charts of compute-optimal plans (presentation; the kernel is
`scalinglab.compute`). ``plan.chart()`` calls `plan_chart`; `compare_chart` sets plans side by
side (approaches, or the exact profile against the parabola).

Left panel: the isoFLOP view, loss against N, one colour per budget, with each budget's fitted
profile and its minimum with an interval (approach 1: each model size's loss against C and
the envelope). Right panel: N_opt and D_opt against C on log-log axes, the budgets' minima,
the fitted power laws with their bands, dashed where they extrapolate.

>>> import scalinglab as sl
>>> plan = sl.compute_optimal(sl.datasets.load("chinchilla"), n_boot=100)
>>> spec = plan.chart().to_dict()
>>> len(spec["hconcat"])
2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scalinglab.compute.plan import ComputePlan

PLAN_COLORS = ("#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518", "#9d755d")
QUANTITY_COLORS = {"N_opt (parameters)": "#4c78a8", "D_opt (tokens)": "#f58518"}


def _records(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The columns a layer draws, numbers to 5 significant digits (a chart needs no more; the
    spec stays small enough to save in a notebook). Altair stores each distinct table once
    in the spec's datasets, however many layers draw it."""
    if columns is not None:
        frame = frame[[c for c in dict.fromkeys(columns) if c in frame.columns]]
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            v = out[c].to_numpy(dtype=float)
            with np.errstate(all="ignore"):
                mag = np.where(np.isfinite(v) & (v != 0), np.floor(np.log10(np.abs(v))), 0)
                out[c] = np.round(v / 10.0**mag, 4) * 10.0**mag
    return out.reset_index(drop=True)


def _frontier_rows(plan: ComputePlan, C_max: float | None, name: str | None = None
                   ) -> pd.DataFrame:
    grid = plan.frontier_grid(C_max=C_max, n=40)
    rows = []
    for q, col in (("N_opt (parameters)", "N"), ("D_opt (tokens)", "D")):
        rows.append(pd.DataFrame({"C": grid["C"], "value": grid[col], "lo": grid[f"{col}_lo"],
                                  "hi": grid[f"{col}_hi"], "quantity": q,
                                  "extrapolated": grid["extrapolated"], "plan": name}))
    return pd.concat(rows, ignore_index=True)


def _minima_rows(plan: ComputePlan, name: str | None = None) -> pd.DataFrame:
    m = plan.minima
    if m.empty:
        return pd.DataFrame(columns=["C", "value", "lo", "hi", "quantity", "in_frontier", "plan"])
    if plan.approach == "envelope" and len(m) > 40:  # a dense grid: show a thinned set
        m = m.iloc[np.linspace(0, len(m) - 1, 40).round().astype(int)]
    frames = []
    for q, col in (("N_opt (parameters)", "N"), ("D_opt (tokens)", "D")):
        frames.append(pd.DataFrame({"C": m["C"], "value": m[f"{col}_opt"],
                                    "lo": m[f"{col}_lo"], "hi": m[f"{col}_hi"], "quantity": q,
                                    "in_frontier": m.get("in_frontier", True), "plan": name}))
    return pd.concat(frames, ignore_index=True)


def _frontier_panel(alt: Any, lines: pd.DataFrame, points: pd.DataFrame, color: Any,
                    width: int, height: int, title: str, y_title: str = "N_opt, D_opt") -> Any:
    base_x = alt.X("C:Q", scale=alt.Scale(type="log"), title="compute C (FLOP)",
                   axis=alt.Axis(format=".0e", labelOverlap=True))
    y = alt.Y("value:Q", scale=alt.Scale(type="log"), title=y_title,
              axis=alt.Axis(format=".0e", labelOverlap=True))
    band = alt.Chart(_records(lines)).mark_area(opacity=0.18).encode(
        x=base_x, y=alt.Y("lo:Q", scale=alt.Scale(type="log")), y2="hi:Q", color=color,
        detail="quantity:N")
    line = alt.Chart(_records(lines)).mark_line().encode(
        x=base_x, y=y, color=color, detail="quantity:N",
        strokeDash=alt.StrokeDash("extrapolated:N", legend=None,
                                  scale=alt.Scale(domain=[False, True], range=[[1, 0], [5, 4]])))
    pts = alt.Chart(_records(points))
    dots = pts.mark_point(filled=True, size=40).encode(
        x=base_x, y=y, color=color, detail="quantity:N",
        opacity=alt.condition("datum.in_frontier", alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("C:Q", format=".3g"), alt.Tooltip("value:Q", format=".3g"),
                 alt.Tooltip("lo:Q", format=".3g"), alt.Tooltip("hi:Q", format=".3g"),
                 "quantity:N"])
    bars = pts.mark_rule().encode(x=base_x, y=alt.Y("lo:Q", scale=alt.Scale(type="log")),
                                  y2="hi:Q", color=color, detail="quantity:N")
    return alt.layer(band, line, bars, dots).properties(width=width, height=height,
                                                         title=title)


def _profile_panel(alt: Any, plan: ComputePlan, width: int, height: int, y_title: str,
                   runs: pd.DataFrame, curves: pd.DataFrame, minima: pd.DataFrame,
                   color_field: str, color_scale: Any, title: str) -> Any:
    pts = pd.concat([runs[["N", "loss"]], curves[["N", "loss"]]], ignore_index=True)
    nd = [float(pts["N"].min()) / 1.3, float(pts["N"].max()) * 1.3]
    lo, hi = float(pts["loss"].min()), float(pts["loss"].max())
    ld = [lo - 0.04 * (hi - lo), hi + 0.04 * (hi - lo)]
    xs = alt.Scale(type="log", domain=nd)
    ys = alt.Scale(domain=ld, zero=False)
    decades = [10.0**k for k in range(int(np.floor(np.log10(nd[0]))),
                                      int(np.ceil(np.log10(nd[1]))) + 1)]
    x = alt.X("N:Q", scale=xs, title="parameters N", axis=alt.Axis(format=".0e", values=decades))
    y = alt.Y("loss:Q", scale=ys, title=y_title)
    color = alt.Color(f"{color_field}:N", scale=color_scale, sort=None,
                      title=color_field)
    layers = []
    if not runs.empty:
        layers.append(alt.Chart(_records(runs, ["N", "loss", color_field])).mark_point(
            size=22, opacity=0.7).encode(x=x, y=y, color=color))
    if not curves.empty:
        layers.append(alt.Chart(_records(
            curves, ["N", "loss", "series", color_field])).mark_line().encode(
            x=x, y=y, color=color, detail="series:N"))
    if not minima.empty:
        m = alt.Chart(_records(minima, [
            "N_opt", "N_lo", "N_hi", "loss_min", "budget", color_field]))
        layers.append(m.mark_rule(strokeWidth=2.5).encode(
            x=alt.X("N_lo:Q", scale=xs), x2="N_hi:Q", y=alt.Y("loss_min:Q", scale=ys),
            color=color))
        layers.append(m.mark_point(shape="diamond", filled=True, size=90,
                                   stroke="black", strokeWidth=0.6).encode(
            x=alt.X("N_opt:Q", scale=xs), y=alt.Y("loss_min:Q", scale=ys), color=color,
            tooltip=["budget:N", alt.Tooltip("N_opt:Q", format=".3g"),
                     alt.Tooltip("N_lo:Q", format=".3g"), alt.Tooltip("N_hi:Q", format=".3g"),
                     alt.Tooltip("loss_min:Q", format=".4g")]))
    return alt.layer(*layers).properties(width=width, height=height, title=title)


def _isoflop_view(alt: Any, plan: ComputePlan, width: int, height: int) -> Any:
    y_title = plan.settings["y"]
    if plan.approach == "envelope":
        c = plan.curves
        x = alt.X("C:Q", scale=alt.Scale(type="log"), title="compute C (FLOP)",
                  axis=alt.Axis(format=".0e", labelOverlap=True))
        y = alt.Y("loss:Q", scale=alt.Scale(zero=False), title=y_title)
        sizes = alt.Chart(_records(c[c["kind"] == "size"], ["C", "loss", "series"])).mark_line(
            color="#9a9a9a", opacity=0.6,
            point=alt.OverlayMarkDef(color="#9a9a9a", size=14)).encode(
            x=x, y=y, detail="series:N")
        env = alt.Chart(_records(c[c["kind"] == "envelope"], ["C", "loss"])).mark_line(
            color="#e45756", strokeWidth=2.5).encode(x=x, y=y)
        return alt.layer(sizes, env).properties(
            width=width, height=height, title="each model size's loss against C; envelope")
    budgets = list(dict.fromkeys(plan.curves["budget"])) if not plan.curves.empty else []
    scale = alt.Scale(domain=budgets, scheme="viridis")
    runs = plan.runs
    runs = runs[runs["budget"].notna()] if "budget" in runs else runs.iloc[:0]
    curves = plan.curves.assign(series=plan.curves["budget"]) if budgets else plan.curves
    minima = plan.minima
    title = ("isoFLOP profiles (" + plan.settings["profile"] + ") and their minima"
             if plan.approach == "isoflop" else "the fitted law's isoFLOP slices")
    return _profile_panel(alt, plan, width, height, y_title, runs, curves, minima, "budget",
                          scale, title)


def plan_chart(plan: ComputePlan, C_max: float | None = None, width: int = 380,
               height: int = 300) -> Any:
    """The two panels of one plan (see the module docstring); ``C_max``: how far to draw the
    frontier (default 1000× the largest budget)."""
    import altair as alt

    color = alt.Color("quantity:N", title=None,
                      scale=alt.Scale(domain=list(QUANTITY_COLORS),
                                      range=list(QUANTITY_COLORS.values())))
    right = _frontier_panel(alt, _frontier_rows(plan, C_max), _minima_rows(plan), color,
                            width, height, f"compute-optimal frontier ({plan.approach})")
    return alt.hconcat(_isoflop_view(alt, plan, width, height), right).resolve_scale(
        color="independent")


def compare_chart(plans: Mapping[str, ComputePlan], C_max: float | None = None,
                  width: int = 380, height: int = 300) -> Any:
    """Plans side by side: their profiles over the same runs (left; plans with isoFLOP
    profiles), and their N_opt frontiers with bands (right), one colour per plan."""
    import altair as alt

    names = list(plans)
    scale = alt.Scale(domain=names, range=list(PLAN_COLORS[: len(names)]))
    lines, points, curves, minima = [], [], [], []
    for i, (name, plan) in enumerate(plans.items()):
        fr = _frontier_rows(plan, C_max, name)
        lines.append(fr[fr["quantity"] == "N_opt (parameters)"])
        mr = _minima_rows(plan, name)
        points.append(mr[mr["quantity"] == "N_opt (parameters)"])
        if plan.approach != "envelope" and not plan.curves.empty:
            curves.append(plan.curves.assign(plan=name, series=f"{i} " +
                                             plan.curves["budget"].astype(str)))
            minima.append(plan.minima.assign(plan=name))
    color = alt.Color("plan:N", scale=scale, title=None)
    right = _frontier_panel(alt, pd.concat(lines, ignore_index=True),
                            pd.concat(points, ignore_index=True), color, width, height,
                            "N_opt against compute", y_title="N_opt (parameters)")
    if not curves:
        return right
    first = next(iter(plans.values()))
    runs = first.runs
    runs = runs[runs["budget"].notna()].assign(plan=None) if "budget" in runs else runs.iloc[:0]
    left = _profile_panel(alt, first, width, height, first.settings["y"],
                          runs.assign(plan="runs"),
                          pd.concat(curves, ignore_index=True),
                          pd.concat(minima, ignore_index=True), "plan",
                          alt.Scale(domain=[*names, "runs"],
                                    range=[*PLAN_COLORS[: len(names)], "#9a9a9a"]),
                          "profiles and minima")
    return alt.hconcat(left, right)


# ------------------------------------------------------------------------ the widget's spec
#: The named datasets of `explorer_spec` (what `ComputeExplorer` replaces with changesets).
EXPLORER_DATASETS = ("runs", "profiles", "minima", "frontier", "frontier_points", "marker")


def explorer_spec(budgets: list[str], colors: list[str] | None = None, y_title: str = "loss",
                  width: int = 340, height: int = 280) -> dict[str, Any]:
    """The two panels of `plan_chart` drawing from NAMED datasets, for `ComputeExplorer`:

    * ``runs``: N, loss, budget, included (runs of a budget left out are faded);
    * ``profiles``: N, loss, budget (each budget's fitted profile or the law's slice);
    * ``minima``: budget, N_opt, N_lo, N_hi, loss_min, included;
    * ``frontier``: C, value, lo, hi, quantity, extrapolated (dashed beyond the data);
    * ``frontier_points``: C, value, lo, hi, quantity, included;
    * ``marker``: C, value, lo, hi, quantity (N_opt and D_opt at the chosen budget).

    Fields are generic, so column names appear only as an axis title (no field escaping).
    Budget colours: ``colors`` in the order of ``budgets`` (default viridis); the legend lists
    them (clicking one toggles it in the widget).

    >>> spec = explorer_spec(["6e+18", "1e+19"])
    >>> sorted(spec["datasets"]) == sorted(EXPLORER_DATASETS)
    True
    """
    import altair as alt

    color = alt.Color("budget:N", title="budget (FLOP)", sort=None,
                      scale=alt.Scale(domain=budgets or ["runs"], range=colors)
                      if colors else alt.Scale(domain=budgets or ["runs"], scheme="viridis"),
                      legend=alt.Legend(symbolType="circle", symbolOpacity=1))
    nx = alt.X("N:Q", scale=alt.Scale(type="log"), title="parameters N",
               axis=alt.Axis(format="~s", labelOverlap=True))
    ly = alt.Y("loss:Q", scale=alt.Scale(zero=False), title=y_title)
    faded = alt.condition("datum.included", alt.value(0.85), alt.value(0.15))
    runs = alt.Chart(alt.NamedData("runs")).mark_point(size=26, filled=True).encode(
        x=nx, y=ly, color=color, opacity=faded,
        tooltip=[alt.Tooltip("N:Q", format=".3s"), alt.Tooltip("loss:Q", format=".4g"),
                 alt.Tooltip("budget:N")])
    prof = alt.Chart(alt.NamedData("profiles")).mark_line(
        strokeWidth=1.6).encode(x=nx, y=ly, color=color,
                                detail="budget:N")
    m = alt.Chart(alt.NamedData("minima"))
    bars = m.mark_rule(strokeWidth=2.5).encode(
        x=alt.X("N_lo:Q", scale=alt.Scale(type="log")), x2="N_hi:Q", y="loss_min:Q",
        color=color, opacity=faded)
    dots = m.mark_point(shape="diamond", filled=True, size=90, stroke="black",
                        strokeWidth=0.6).encode(
        x="N_opt:Q", y="loss_min:Q", color=color, opacity=faded,
        tooltip=[alt.Tooltip("budget:N"), alt.Tooltip("N_opt:Q", format=".3s", title="N_opt"),
                 alt.Tooltip("N_lo:Q", format=".3s", title="low"),
                 alt.Tooltip("N_hi:Q", format=".3s", title="high"),
                 alt.Tooltip("loss_min:Q", format=".4g", title="loss")])
    left = alt.layer(runs, prof, bars, dots).properties(
        width=width, height=height, title="isoFLOP view: loss against N per budget")

    qcolor = alt.Color("quantity:N", title=None,
                       scale=alt.Scale(domain=list(QUANTITY_COLORS),
                                       range=list(QUANTITY_COLORS.values())),
                       legend=alt.Legend(orient="top-left", symbolOpacity=1))
    cx = alt.X("C:Q", scale=alt.Scale(type="log"), title="compute C (FLOP)",
               axis=alt.Axis(format=".0e", labelOverlap=True))
    vy = alt.Y("value:Q", scale=alt.Scale(type="log"), title="N_opt, D_opt",
               axis=alt.Axis(format=".0e", labelOverlap=True))
    log = alt.Scale(type="log")
    fr = alt.Chart(alt.NamedData("frontier"))
    band = fr.mark_area(opacity=0.18).encode(x=cx, y=alt.Y("lo:Q", scale=log), y2="hi:Q",
                                             color=qcolor, detail="quantity:N")
    line = fr.mark_line().encode(
        x=cx, y=vy, color=qcolor, detail="quantity:N",
        strokeDash=alt.StrokeDash("extrapolated:N", legend=None,
                                  scale=alt.Scale(domain=[False, True], range=[[1, 0], [5, 4]])))
    pts = alt.Chart(alt.NamedData("frontier_points"))
    pbars = pts.mark_rule().encode(x=cx, y=alt.Y("lo:Q", scale=log), y2="hi:Q", color=qcolor,
                                   opacity=faded)
    pdots = pts.mark_point(filled=True, size=36).encode(
        x=cx, y=vy, color=qcolor, opacity=faded,
        tooltip=[alt.Tooltip("C:Q", format=".3g"), alt.Tooltip("value:Q", format=".3s"),
                 alt.Tooltip("lo:Q", format=".3s"), alt.Tooltip("hi:Q", format=".3s"),
                 "quantity:N"])
    mk = alt.Chart(alt.NamedData("marker"))
    rule = mk.mark_rule(strokeDash=[2, 2], color="#888").encode(x=cx)
    mbars = mk.mark_rule(strokeWidth=3).encode(x=cx, y=alt.Y("lo:Q", scale=log), y2="hi:Q",
                                               color=qcolor)
    mdots = mk.mark_point(shape="circle", filled=True, size=110, stroke="white",
                          strokeWidth=1.2).encode(
        x=cx, y=vy, color=qcolor,
        tooltip=[alt.Tooltip("C:Q", format=".3g"), alt.Tooltip("value:Q", format=".3s"),
                 alt.Tooltip("lo:Q", format=".3s"), alt.Tooltip("hi:Q", format=".3s"),
                 "quantity:N"])
    right = alt.layer(band, line, pbars, pdots, rule, mbars, mdots).properties(
        width=width, height=height, title="compute-optimal frontier")
    chart = alt.hconcat(left, right).resolve_scale(color="independent")
    spec = chart.to_dict(validate=False)
    spec["datasets"] = {name: [] for name in EXPLORER_DATASETS}
    return spec
