"""`RemedyComparer`: compare class-imbalance remedies from a study table, in three views.

* view 1: a metric against the imbalance ratio ρ (log x), per remedy: runs, mean over seeds
  with a t-interval, a fitted trend (`scalinglab.imbalance.ratio_trends`).
* view 2: learning curves (metric against training size) at one ratio, per remedy, with
  fitted laws, an extrapolation to ``horizon`` × the largest size, and confidence bands
  (`scalinglab.imbalance.learning_curves`).
* view 3: minority recall against majority accuracy across runs, a line against a curve
  (`scalinglab.imbalance.tradeoff`).

A summary table says which remedy wins at each ratio, by how much, and whether that margin
is larger than the seed-to-seed spread (`scalinglab.imbalance.winners`). Everything shown
comes from those calls; `to_python` writes them out, `to_json` saves table and fits.

Example
-------
>>> import scalinglab as sl
>>> t = sl.imbalance.run_study(remedies=["none", "oversample"], ratios=[1, 5, 20],
...                            sizes=[30, 60, 120], seeds=2, n_jobs=1, cache=None,
...                            progress=False)
>>> w = sl.RemedyComparer(t)
>>> w.view, w.metric, w.remedies
(1, 'accuracy', ['none', 'oversample'])
>>> w.summary.loc[w.summary.ratio == 20, "best"].item()
'oversample'
>>> w.view = 3; w.verdict.split(":")[0] in ("The line wins", "The curve wins")
True
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import traitlets as t

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import analysis
from scalinglab.imbalance.metrics import METRICS
from scalinglab.imbalance.remedies import BASIC, get_remedy
from scalinglab.imbalance.table import validate_study_table
from scalinglab.widgets import contract
from scalinglab.widgets import remedies_charts as charts
from scalinglab.widgets.base import BadValue, ScalingLabWidget, choice, members, number
from scalinglab.widgets.jsonable import finite_or_none as _num

VIEWS = {1: "metric vs imbalance ratio", 2: "learning curves", 3: "minority vs majority"}
GRID = 60  # points per fitted curve
WINNER_COLUMNS = ("ratio", "best", "best_mean", "runner_up", "runner_up_mean", "margin", "spread",
                  "clear", "n_seeds")
CONTROLS = ("view", "metric", "remedies", "ratio", "trend_law", "curve_law", "level", "horizon")


def _describe(remedy: str) -> str:
    try:
        return get_remedy(remedy).description
    except ScalingLabError:
        return "a remedy from your own runs"


def _clip01(v: Any) -> float | None:
    """Bands of metrics that live in [0, 1] are drawn clipped to it (the fits are not)."""
    f = _num(v)
    return None if f is None else min(1.0, max(0.0, f))


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (_num(v) if isinstance(v, float | np.floating) else
                        int(v) if isinstance(v, np.integer) else
                        bool(v) if isinstance(v, np.bool_) else v) for k, v in rec.items()})
    return out


#: Columns of the winners table shown in percentage points (every metric lives in [0, 1]).
PP_COLUMNS = ("best_mean", "runner_up_mean", "margin", "spread", "diff_lo", "diff_hi")


def _winner_rows(summary: pd.DataFrame) -> list[dict]:
    """The "wins" table for the front end, in ONE unit: means, margins, spreads and the
    paired difference's interval in percentage points (``unit`` says so).

    >>> rows = _winner_rows(pd.DataFrame({"ratio": [5.0], "best_mean": [0.9], "margin": [0.012]}))
    >>> rows[0]["best_mean"], rows[0]["margin"], rows[0]["unit"]
    (90.0, 1.2, 'percentage points')
    """
    scaled = summary.copy()
    for c in PP_COLUMNS:
        if c in scaled:
            scaled[c] = (pd.to_numeric(scaled[c], errors="coerce") * 100).round(10)
    return [{**r, "unit": "percentage points"} for r in _records(scaled)]


def _curve_rows(remedy: str, res, x: str, grid: np.ndarray, data_hi: float,
                level: float) -> tuple[list[dict], list[dict]]:
    """Chart rows of one fitted law: the curve (solid over the data, dashed beyond) and its
    confidence band clipped to [0, 1]."""
    band = res.band(grid, kind="confidence", level=level)
    fits: list[dict] = []
    bands: list[dict] = []
    for xv, yv, lo, hi in zip(grid, band["y"], band["lo"], band["hi"], strict=True):
        part = "extrapolation" if xv > data_hi * (1 + 1e-9) else "fit"
        if part == "extrapolation" and fits and fits[-1]["part"] == "fit":
            fits.append({**fits[-1], "part": "extrapolation"})  # the dashed part starts there
        fits.append({"remedy": remedy, x: float(xv), "y": _num(yv), "part": part})
        bands.append({"remedy": remedy, x: float(xv), "lo": _clip01(lo), "hi": _clip01(hi)})
    return fits, bands


class RemedyComparer(ScalingLabWidget, asset="remedies"):
    """Compare remedies in a study table (from `run_study` or your own runs).

    A bad control value set from Python raises `ScalingLabError` and keeps the last good
    view (`ScalingLabWidget`'s policy); set from the front end, it shows as ``error``.
    """

    # -- controls (the front end sets them; Python can too) --------------------------------
    view = choice(contract.RemedyView, 1)
    metric = t.Unicode("accuracy").tag(sync=True)
    remedies = t.List(t.Unicode()).tag(sync=True)
    ratio = t.Float(None, allow_none=True).tag(sync=True)
    trend_law = t.Unicode("error_power").tag(sync=True)
    curve_law = t.Unicode("power_offset").tag(sync=True)
    level = number(0.95, 0.5, 1, exclusive=(False, True), rule="in [0.5, 1), e.g. 0.95 (the level of intervals)")
    horizon = number(4.0, 1, None, rule=">= 1 (a multiple of the largest training size)")

    # -- what the front end shows -----------------------------------------------------------
    remedy_info = t.List(t.Dict()).tag(sync=True)
    metric_options = t.List(t.Unicode()).tag(sync=True)
    ratio_options = t.List(t.Float()).tag(sync=True)
    trend_options = t.List(t.Unicode(), list(analysis.TREND_LAWS)).tag(sync=True)
    curve_options = t.List(t.Unicode(), list(analysis.CURVE_LAWS)).tag(sync=True)
    summary_rows = t.List(t.Dict()).tag(sync=True)
    fit_rows = t.List(t.Dict()).tag(sync=True)
    verdict = t.Unicode("").tag(sync=True)

    def __init__(self, table: pd.DataFrame, **kwargs: Any) -> None:
        self.table = validate_study_table(table)
        #: FitResults of the current view ({remedy: FitResult}; view 3: {"line", "curve"}).
        self.results: dict[str, Any] = {}
        #: The winners table (`scalinglab.imbalance.winners`) for the current metric.
        self.summary = pd.DataFrame()
        #: The line-vs-curve `Comparison` of view 3 (None until view 3 is shown).
        self.comparison = None
        names = list(dict.fromkeys(self.table["remedy"]))
        available = [m for m in METRICS if self.table[m].notna().any()]
        ratios = sorted(float(r) for r in self.table["ratio"].unique())
        defaults: dict[str, Any] = {
            "remedies": names,
            "metric": "accuracy" if "accuracy" in available else available[0],
            "ratio": ratios[-1],
            # the options first: the controls' checks read them
            "remedy_info": [
                {"name": n, "color": c, "description": _describe(n),
                 "known": n.split("+")[0] in BASIC}
                for n, c in zip(names, charts.colors_for(names), strict=True)
            ],
            "metric_options": available,
            "ratio_options": ratios,
        }
        defaults.update(kwargs)
        self._ready = False
        super().__init__(**defaults)
        self._ready = True
        self.refresh(strict=True)

    def __repr__(self) -> str:
        return (f"<RemedyComparer: {len(self.remedy_info)} remedies × "
                f"{len(self.ratio_options)} ratios, {len(self.table)} runs; view {self.view} "
                f"({VIEWS.get(self.view, '?')}), metric {self.metric!r}>")

    # ----------------------------------------------------------------- state → view
    @t.observe(*CONTROLS)
    def _on_control(self, change: dict) -> None:
        if self._ready and not self._quiet:
            self._guard(change, lambda: self.refresh(new_spec=change["name"] in
                                                     ("view", "metric"), strict=True))

    @t.validate("metric")
    def _valid_metric(self, proposal: t.Bunch) -> str:
        if self.metric_options and proposal.value not in self.metric_options:
            raise BadValue(f"metric {proposal.value!r} is not in this table; choose one of "
                           f"{', '.join(self.metric_options)}")
        return proposal.value

    @t.validate("remedies")
    def _valid_remedies(self, proposal: t.Bunch) -> list[str]:
        return members(proposal.value, [r["name"] for r in self.remedy_info], "remedy",
                       "the table has")

    @t.validate("trend_law", "curve_law")
    def _valid_law(self, proposal: t.Bunch) -> str:
        name = proposal.trait.name
        options = self.trend_options if name == "trend_law" else self.curve_options
        if proposal.value not in options:
            raise BadValue(f"{name} must be one of {', '.join(options)}, not "
                           f"{proposal.value!r}")
        return proposal.value

    def refresh(self, new_spec: bool = True, strict: bool = False) -> None:
        """Recompute the current view; a ScalingLabError changes nothing (it is shown, and
        raised when ``strict``)."""
        try:
            spec, data, fits, results, verdict, notes = self._compute()
            summary = (analysis.winners(self.table, self.metric, self.remedies,
                                        level=self.level) if self.remedies
                       else pd.DataFrame(columns=WINNER_COLUMNS))
        except ScalingLabError as exc:
            self._show_error(exc)
            if strict:
                raise
            return
        self.results = results
        self.summary = summary
        with self.hold_sync():
            if new_spec or not self.spec or spec.get("_view") != self.spec.get("_view"):
                self.spec = spec
            self.chart_data = data
            self.fit_rows = fits
            self.verdict = verdict
            self.notes = notes
            self.summary_rows = _winner_rows(summary)
            self.code = self.to_python()
            self.error = ""

    @property
    def _domain(self) -> tuple[list[str], list[str]]:
        return [r["name"] for r in self.remedy_info], [r["color"] for r in self.remedy_info]

    def _compute(self):
        domain, colors = self._domain
        active = [r for r in domain if r in set(self.remedies)]
        if self.view == 3:
            return self._compute_tradeoff(active, domain, colors)
        metric = self.metric
        if self.view == 1:
            frame = analysis.largest_size(self.table)
            x = "ratio"
            results, errors = analysis.ratio_trends(self.table, metric, active,
                                                    law=self.trend_law, level=self.level)
            spec = charts.ratio_spec(metric, domain, colors)
            hi_x = frame[x].max()
        else:
            ratio = self._nearest_ratio()
            frame = self.table[np.isclose(self.table["ratio"], ratio)]
            x = "train_size"
            if frame[x].isna().all():
                raise ScalingLabError("this table has no train_size values, so there are no "
                                      "learning curves to show; add a train_size column")
            results, errors = analysis.learning_curves(self.table, metric, ratio, active,
                                                       law=self.curve_law, level=self.level)
            spec = charts.size_spec(metric, domain, colors)
            hi_x = frame[x].max() * self.horizon
        spec["_view"] = self.view
        frame = frame[frame["remedy"].isin(active)].dropna(subset=[metric, x])
        points = frame[["remedy", x, "seed", metric]].rename(columns={metric: "value"})
        means = analysis.summarize(frame, metric, by=("remedy", x), level=self.level) \
            if len(frame) else pd.DataFrame(columns=["remedy", x, "n", "mean", "sd", "lo", "hi"])
        fits, bands, rows = [], [], []
        lo_x, data_hi = frame[x].min() if len(frame) else 1.0, frame[x].max() if len(frame) else 1
        grid = np.geomspace(max(lo_x, 1e-12), max(hi_x, lo_x * 1.0001), GRID)
        if self.view == 2:
            grid = np.unique(np.concatenate([grid, [data_hi]]))
        for rem in active:
            if rem in results:
                f, b = _curve_rows(rem, results[rem], x, grid, data_hi, self.level)
                fits += f
                bands += b
                rows.append(self._fit_row(rem, results[rem]))
        for rem, msg in errors.items():
            rows.append({"remedy": rem, "law": "", "params": "", "r2": None, "error": msg})
        wide = means["hi"].gt(1) | means["lo"].lt(0)
        means = means.assign(lo=means["lo"].clip(0, 1), hi=means["hi"].clip(0, 1))
        ydom = charts.y_domain([*points["value"].tolist(), *means["lo"].tolist(),
                                *means["hi"].tolist(), *(f["y"] for f in fits)])
        data = {"datasets": {"points": _records(points), "means": _records(means),
                             "fits": fits, "bands": bands},
                "signals": {"ydomain": ydom}}
        notes = [f"{len(frame)} runs shown"
                 + (" (largest training set at each ratio)" if self.view == 1 else
                    f" at ρ = {self._nearest_ratio():g}")
                 + f"; intervals: {self.level:.0%} t-interval of the mean over seeds; bands: "
                 f"{self.level:.0%} bootstrap confidence band of the fitted law (both drawn "
                 f"within [0, 1])."]
        if bool(wide.any()):
            few = int(means.loc[wide, "n"].min())
            notes.append(f"With {few} seed(s), the {self.level:.0%} t-interval of a mean "
                         f"reaches past [0, 1]; its bar is drawn to the edge of [0, 1] (run "
                         f"more seeds for a narrower interval).")
        notes += list(errors.values())
        verdict = self._curve_verdict(results, x, data_hi) if self.view == 2 else \
            self._ratio_verdict(results)
        if not active:
            verdict = "Select at least one remedy."
        return spec, data, rows, results, verdict, notes

    def _nearest_ratio(self) -> float:
        ratios = np.array(self.ratio_options)
        r = self.ratio if self.ratio is not None else ratios[-1]
        return float(ratios[np.argmin(np.abs(np.log(ratios) - math.log(max(r, 1e-12))))])

    def _fit_row(self, rem: str, res) -> dict:
        params = ", ".join(f"{k} = {v:.4g}" for k, v in res.params.items())
        return {"remedy": rem, "law": res.law.name, "params": params,
                "r2": _num(res.metrics.get("r2")), "error": ""}

    def _ratio_verdict(self, results: dict) -> str:
        if not results:
            return ""
        ratios = self.ratio_options
        top = max(ratios)
        preds = {r: float(res.predict(np.array([top]))[0]) for r, res in results.items()}
        best = max(preds, key=preds.get)
        return (f"At ρ = {top:g} the fitted trends rank {best} first "
                f"({self.metric} ≈ {preds[best]:.3f}).")

    def _curve_verdict(self, results: dict, x: str, data_hi: float) -> str:
        if not results:
            return ""
        far = data_hi * self.horizon
        preds = {r: float(res.predict(np.array([far]))[0]) for r, res in results.items()}
        best = max(preds, key=preds.get)
        return (f"Extrapolated to {far:,.0f} training examples at ρ = "
                f"{self._nearest_ratio():g}, {best} leads ({self.metric} ≈ {preds[best]:.3f}).")

    def _compute_tradeoff(self, active, domain, colors):
        if not active:
            spec = charts.tradeoff_spec(domain, colors, self.ratio_options)
            spec["_view"] = 3
            empty = {"datasets": {"points": [], "fits": [], "bands": []}}
            return spec, empty, [], {}, "", ["Select at least one remedy."]
        cmp = analysis.tradeoff(self.table, active)
        self.comparison = cmp
        d = self.table[self.table["remedy"].isin(active)].dropna(
            subset=["majority_accuracy", "minority_recall"])
        points = d[["remedy", "ratio", "train_size", "seed", "majority_accuracy",
                    "minority_recall"]].rename(columns={"majority_accuracy": "x",
                                                        "minority_recall": "y"})
        grid = np.linspace(d["majority_accuracy"].min(), d["majority_accuracy"].max(), GRID)
        fits, bands, rows = [], [], []
        for name, res in cmp.results.items():
            band = res.band(grid, kind="confidence", level=self.level)
            for xv, yv, lo, hi in zip(grid, band["y"], band["lo"], band["hi"], strict=True):
                fits.append({"law": name, "x": float(xv), "y": _num(yv)})
                bands.append({"law": name, "x": float(xv), "lo": _num(lo), "hi": _num(hi)})
            row = self._fit_row(name, res)
            row["aic"] = _num(cmp.table.set_index("law").loc[name, "aic"])
            rows.append(row)
        spec = charts.tradeoff_spec(domain, colors, self.ratio_options)
        spec["_view"] = 3
        data = {"datasets": {"points": _records(points), "fits": fits, "bands": bands}}
        aic = cmp.table.set_index("law")["aic"]
        gap = float(abs(aic["line"] - aic["curve"]))
        shape = "moon-shaped (curved)" if cmp.best == "curve" else "linear"
        strength = "clearly" if gap > 10 else "modestly" if gap > 2 else "barely"
        verdict = (f"The {cmp.best} wins: ΔAIC = {gap:.1f}, so the relation between minority "
                   f"recall and majority accuracy is {strength} {shape} across {len(d)} runs.")
        notes = [f"{len(d)} runs (every remedy, ratio, size and seed shown); line: "
                 f"minority = a + b·majority; curve: a + b·majority + c·majority²; "
                 f"{self.level:.0%} delta-method bands."]
        return spec, data, rows, dict(cmp.results), verdict, notes

    # ----------------------------------------------------------------- exports
    def to_python(self) -> str:
        """Code that recomputes what the current view shows, plus the fitted trends."""
        rems = self.remedies
        lines = [
            "# Recompute the RemedyComparer view with scalinglab:",
            "import pandas as pd",
            "import scalinglab as sl",
            "",
            "table = pd.read_csv('study.csv')  # the study table shown in the widget",
            f"winners = sl.imbalance.winners(table, {self.metric!r}, remedies={rems!r}, "
            f"level={self.level!r})",
        ]
        if self.view == 1:
            lines.append(f"fits, errors = sl.imbalance.ratio_trends(table, {self.metric!r}, "
                         f"remedies={rems!r}, law={self.trend_law!r}, level={self.level!r})")
        elif self.view == 2:
            lines.append(f"fits, errors = sl.imbalance.learning_curves(table, {self.metric!r}, "
                         f"ratio={self._nearest_ratio()!r}, remedies={rems!r}, "
                         f"law={self.curve_law!r}, level={self.level!r})")
        else:
            lines.append(f"comparison = sl.imbalance.tradeoff(table, remedies={rems!r})")
            lines.append("print(comparison.message)")
        lines += ["", "# The fitted trends as plain functions (numbers exact):",
                  "import numpy as np", ""]
        for name, res in self.results.items():
            fn = "fit_" + re.sub(r"\W", "_", name)
            src = res.law.python_source(res.params, func_name=f"_{fn}_law").rstrip()
            lines += [src, "", "", f"def {fn}({res.x[0]}):",
                      f'    """{res.law.name} fitted to {res.y} against {res.x[0]} '
                      f'({name})."""']
            call = f"_{fn}_law({res.x[0]})"
            lines.append(f"    return {res.ceiling!r} - {call}" if res.flip else
                         f"    return {call}")
            lines += ["", ""]
        return "\n".join(lines).rstrip() + "\n"

    def to_json(self) -> str:
        """The summary table, the per-remedy means, and the fitted trends (``res.to_json()``)."""
        payload = {
            "view": self.view,
            "view_name": VIEWS[self.view],
            "metric": self.metric,
            "remedies": list(self.remedies),
            "ratio": self._nearest_ratio() if self.view == 2 else None,
            "level": self.level,
            "winners": _records(self.summary),
            "means": _records(analysis.summarize(
                self.table, self.metric, by=("remedy", "ratio", "train_size"), level=self.level
            ).dropna(subset=["mean"])),
            "fits": {name: json.loads(res.to_json()) for name, res in self.results.items()},
            "verdict": self.verdict,
        }
        return json.dumps(payload, indent=2, allow_nan=False, default=_num)

    def _export_filename(self) -> str:
        return f"remedies-{self.metric}-view{self.view}.json"

