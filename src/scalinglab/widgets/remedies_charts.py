"""Vega-Lite specs (via Altair) for the three views of `RemedyComparer`.

Each spec reads named datasets that the widget fills and updates with changesets:

* view 1 (metric against ρ) and view 2 (metric against training size): ``points`` (one row
  per run), ``means`` (mean over seeds with its interval), ``fits`` (the fitted trend, with
  ``part`` = "fit" or "extrapolation"), ``bands`` (its confidence band);
* view 3 (minority against majority accuracy): ``points`` and ``fits`` / ``bands`` keyed by
  ``law`` ("line" or "curve").

Colours are fixed per remedy (``domain``/``range``) so a remedy keeps its colour when others
are toggled off.

>>> spec = ratio_spec("accuracy", ["none", "oversample"], ["#4c78a8", "#f58518"])
>>> sorted(spec["datasets"])
['bands', 'fits', 'means', 'points']
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence

import altair as alt

#: Tableau-10, the order in which remedies get their colours.
PALETTE: tuple[str, ...] = (
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2",
    "#b279a2", "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac",
)
METRIC_TITLES: dict[str, str] = {
    "roc_auc": "ROC AUC (one-vs-rest, macro)",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "minority_recall": "minority-class recall",
    "majority_accuracy": "majority-class accuracy",
}
HEIGHT = 340


def _cached(builder: Callable[..., dict]) -> Callable[..., dict]:
    """Altair validates every spec it builds (a few hundred ms): build each one once."""
    memo = functools.lru_cache(maxsize=64)(
        lambda *args: builder(*[list(a) if isinstance(a, tuple) else a for a in args])
    )

    @functools.wraps(builder)
    def wrapper(*args: object) -> dict:
        key = tuple(tuple(a) if isinstance(a, list | tuple) else a for a in args)
        return copy.deepcopy(memo(*key))

    return wrapper


def colors_for(remedies: Sequence[str]) -> list[str]:
    """One colour per remedy, in order (cycling after ten)."""
    return [PALETTE[i % len(PALETTE)] for i in range(len(remedies))]


def _color(domain: Sequence[str], colors: Sequence[str], legend: bool = False) -> alt.Color:
    return alt.Color(
        "remedy:N",
        scale=alt.Scale(domain=list(domain), range=list(colors)),
        legend=alt.Legend(title="remedy", orient="bottom", direction="horizontal") if legend
        else None,
    )


def _finish(chart: alt.TopLevelMixin, names: Sequence[str]) -> dict:
    spec = chart.to_dict()
    spec.pop("config", None)
    spec["datasets"] = {n: [] for n in names}
    spec["height"] = HEIGHT
    return spec


def _curves_spec(x: str, x_title: str, metric: str, domain: Sequence[str],
                 colors: Sequence[str], x_format: str) -> dict:
    color = _color(domain, colors)
    y_title = METRIC_TITLES.get(metric, metric)
    xenc = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(type="log", nice=False, padding=10),
                 axis=alt.Axis(format=x_format, labelOverlap="greedy", labelSeparation=6))
    # The y axis spans what Python puts in the param ``ydomain`` (`y_domain`: points, means,
    # their error bars and the fitted curves), so every bar is on the axis; bands are
    # clipped to it.
    yscale = alt.Scale(domain=alt.ExprRef("ydomain"), zero=False, nice=False)
    band = alt.Chart(alt.NamedData("bands")).mark_area(opacity=0.14, clip=True).encode(
        x=xenc, y=alt.Y("lo:Q", title=y_title, scale=yscale), y2="hi:Q", color=color,
        detail="remedy:N",
    )
    fit = alt.Chart(alt.NamedData("fits")).mark_line(strokeWidth=2, clip=True).encode(
        x=xenc, y=alt.Y("y:Q", title=y_title, scale=yscale), color=color,
        strokeDash=alt.StrokeDash(
            "part:N",
            scale=alt.Scale(domain=["fit", "extrapolation"], range=[[1, 0], [5, 4]]),
            legend=None,
        ),
        detail="remedy:N",
    )
    tip_points = [
        alt.Tooltip("remedy:N"), alt.Tooltip(f"{x}:Q", title=x_title, format=",.4~g"),
        alt.Tooltip("seed:Q"), alt.Tooltip("value:Q", title=y_title, format=".4f"),
    ]
    points = alt.Chart(alt.NamedData("points")).mark_circle(size=22, opacity=0.35).encode(
        x=xenc, y=alt.Y("value:Q", title=y_title, scale=yscale), color=color, tooltip=tip_points,
    )
    tip_means = [
        alt.Tooltip("remedy:N"), alt.Tooltip(f"{x}:Q", title=x_title, format=",.4~g"),
        alt.Tooltip("mean:Q", format=".4f"), alt.Tooltip("lo:Q", format=".4f"),
        alt.Tooltip("hi:Q", format=".4f"), alt.Tooltip("n:Q", title="seeds"),
    ]
    rules = alt.Chart(alt.NamedData("means")).mark_rule(strokeWidth=1.5).encode(
        x=xenc, y=alt.Y("lo:Q", title=y_title, scale=yscale), y2="hi:Q", color=color,
    )
    means = alt.Chart(alt.NamedData("means")).mark_point(
        filled=True, size=60, opacity=1, stroke="white", strokeWidth=0.6
    ).encode(x=xenc, y=alt.Y("mean:Q", title=y_title, scale=yscale), color=color,
             tooltip=tip_means)
    chart = alt.layer(band, fit, points, rules, means).add_params(
        alt.param(name="ydomain", value=[0.0, 1.0]))
    return _finish(chart, ["bands", "fits", "points", "means"])


def y_domain(values: Sequence[float | None], pad: float = 0.04) -> list[float]:
    """The y axis of views 1 and 2: every value (points, means, both ends of every error
    bar, curves) with ``pad`` of the span on each side, not past [0, 1] when the values
    are within it (every metric is).

    >>> y_domain([0.5, 0.9, None, 1.0])
    [0.48, 1.0]
    """
    v = [float(a) for a in values if a is not None]
    if not v:
        return [0.0, 1.0]
    lo, hi = min(v), max(v)
    margin = pad * (hi - lo) if hi > lo else 0.02
    low, high = lo - margin, hi + margin
    if lo >= 0:
        low = max(low, 0.0)
    if hi <= 1:
        high = min(high, 1.0)
    return [round(low, 12), round(high, 12)]


@_cached
def ratio_spec(metric: str, domain: Sequence[str], colors: Sequence[str]) -> dict:
    """View 1: ``metric`` against the imbalance ratio ρ (log x)."""
    return _curves_spec("ratio", "imbalance ratio ρ (majority / minority size)", metric, domain,
                        colors, "~g")


@_cached
def size_spec(metric: str, domain: Sequence[str], colors: Sequence[str]) -> dict:
    """View 2: ``metric`` against the number of training examples (log x)."""
    return _curves_spec("train_size", "training examples (before the remedy)", metric, domain,
                        colors, ",~g")


@_cached
def tradeoff_spec(domain: Sequence[str], colors: Sequence[str], ratios: Sequence[float],
                  ink: str = "#8a8a8a") -> dict:
    """View 3: minority-class recall against majority-class accuracy, one point per run."""
    color = _color(domain, colors)
    xenc = alt.X("x:Q", title="majority-class accuracy", scale=alt.Scale(zero=False, nice=True))
    yenc = alt.Y("y:Q", title="minority-class recall", scale=alt.Scale(zero=False, nice=True))
    dash = alt.StrokeDash(
        "law:N", scale=alt.Scale(domain=["line", "curve"], range=[[6, 4], [1, 0]]),
        legend=alt.Legend(title="fit", orient="bottom", direction="horizontal",
                          symbolStrokeColor=ink),
    )
    band = alt.Chart(alt.NamedData("bands")).mark_area(opacity=0.12, color=ink).encode(
        x=xenc, y=alt.Y("lo:Q", title="minority-class recall"), y2="hi:Q", detail="law:N",
    )
    fit = alt.Chart(alt.NamedData("fits")).mark_line(strokeWidth=2, color=ink).encode(
        x=xenc, y=yenc, strokeDash=dash,
    )
    points = alt.Chart(alt.NamedData("points")).mark_point(filled=True, opacity=0.6).encode(
        x=xenc, y=yenc, color=color,
        size=alt.Size("ratio:Q", scale=alt.Scale(type="log", range=[15, 110]),
                      legend=alt.Legend(title="ρ", orient="bottom", direction="horizontal",
                                        values=list(ratios), symbolFillColor=ink,
                                        symbolStrokeColor=ink)),
        tooltip=[
            alt.Tooltip("remedy:N"), alt.Tooltip("ratio:Q", title="ρ"),
            alt.Tooltip("train_size:Q", title="train size"), alt.Tooltip("seed:Q"),
            alt.Tooltip("x:Q", title="majority acc.", format=".4f"),
            alt.Tooltip("y:Q", title="minority recall", format=".4f"),
        ],
    )
    return _finish(alt.layer(band, fit, points), ["bands", "fits", "points"])
