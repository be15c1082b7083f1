"""What a study table says: means with intervals, winners, fitted trends, the trade-off curve.

Everything `RemedyComparer` shows comes from these functions, so each view is two lines of a
script away:

* `summarize`: mean of a metric over seeds per remedy and ratio (and size), with a Student-t
  interval and the seed-to-seed standard deviation.
* `winners`: at each ratio, the best remedy, the runner-up, the margin, and an interval of the
  difference between them from paired runs (the same seed, hence the same split): a win is
  clear when that interval excludes 0. The seed-to-seed spread is reported too, but a seed's
  luck is shared by the remedies run on it, so it is not the yardstick.
* `ratio_trends`: per remedy, a law from the library fitted to the metric against ρ (default
  `ERROR_POWER`: 1 − metric = a·ρ^b, a power law on the error).
* `learning_curves`: per remedy, a law fitted to the metric against training size at one ρ.
* `tradeoff`: minority recall against majority accuracy across runs: a line against a curve
  (a parabola, the "moon shape" of Liang et al.'s "Accuracy on the Curve"), compared by AIC.

View 1 and the winners use, at each ratio, the largest training set (`largest_size`).

Example
-------
>>> import scalinglab as sl
>>> t = sl.imbalance.run_study(remedies=["none", "oversample"], ratios=[1, 5, 20], sizes=[60],
...                            seeds=2, n_jobs=1, cache=None, progress=False)
>>> w = winners(t, "accuracy")
>>> w.loc[w.ratio == 20, "best"].item()
'oversample'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from scalinglab.errors import ScalingLabError, ScalingLabWarning
from scalinglab.imbalance.metrics import METRICS
from scalinglab.imbalance.table import validate_study_table
from scalinglab.laws.base import Law

#: 1 − metric = a·ρ^b: a power law on the error (b > 0: the error grows with imbalance).
ERROR_POWER = Law.from_expression(
    "1 - a * x**b", params={"a": (0, 1), "b": (-3, 3)}, name="error_power"
)
#: minority = a + b·majority: "accuracy on the line".
LINE = Law.from_expression("a + b * x", params={"a": (None, None), "b": (None, None)},
                           name="line")
#: minority = a + b·majority + c·majority²: a curved ("moon-shaped") relation.
CURVE = Law.from_expression(
    "a + b * x + c * x**2", params={"a": (None, None), "b": (None, None), "c": (None, None)},
    name="curve",
)
#: Trend families offered for metric-against-ratio fits, by name.
TREND_LAWS: dict[str, Law | str] = {"error_power": ERROR_POWER, "log_linear": "log_linear"}
#: Learning-curve families offered for metric-against-size fits.
CURVE_LAWS: tuple[str, ...] = ("power_offset", "power", "log_linear")


def _metric(t: pd.DataFrame, metric: str) -> None:
    if metric not in METRICS:
        raise ScalingLabError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if t[metric].isna().all():
        raise ScalingLabError(f"the study table has no values in column {metric!r}")


def largest_size(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with the largest training size at each ratio (all rows when sizes are unknown)."""
    if table["train_size"].isna().all():
        return table
    biggest = table.groupby("ratio")["train_size"].transform("max")
    return table[table["train_size"] == biggest]


def summarize(table: pd.DataFrame, metric: str, by: Sequence[str] = ("remedy", "ratio"),
              level: float = 0.95) -> pd.DataFrame:
    """Mean of ``metric`` over seeds for each group in ``by``, with a t-interval.

    Columns: the ``by`` columns, n, mean, sd (seed-to-seed), lo, hi (interval of the mean;
    equal to the mean when n = 1).
    """
    t = validate_study_table(table)
    _metric(t, metric)
    g = t.dropna(subset=[metric]).groupby(list(by), sort=False)[metric]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out["sd"] = out["sd"].fillna(0.0)
    q = np.where(out["n"] > 1, stats.t.ppf(0.5 + level / 2, np.maximum(out["n"] - 1, 1)), 0.0)
    half = q * out["sd"] / np.sqrt(out["n"])
    out["lo"] = out["mean"] - half
    out["hi"] = out["mean"] + half
    return out


def winners(table: pd.DataFrame, metric: str, remedies: Sequence[str] | None = None,
            level: float = 0.95) -> pd.DataFrame:
    """At each ratio (largest training size), the best remedy on ``metric`` and by how much.

    Runs of two remedies with the same seed share their split (and the training set the
    remedy starts from), so the win is judged on paired differences: best − runner-up per
    seed, with a Student-t interval of their mean at ``level``.

    Columns: ratio, best, best_mean, runner_up, runner_up_mean, margin (best − runner-up,
    of the means), spread (the larger seed-to-seed SD of the two), diff_lo, diff_hi (the
    interval of the paired difference), clear (diff_lo > 0; False with fewer than two
    pairs), n_seeds (the smaller count of runs), n_pairs (seeds run with both remedies).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"remedy": ["none", "over"] * 3, "ratio": 10, "seed": [0, 0, 1, 1, 2, 2],
    ...                   "accuracy": [0.70, 0.72, 0.80, 0.81, 0.75, 0.77]})
    >>> w = winners(t, "accuracy").iloc[0]
    >>> w["best"], round(float(w["margin"]), 4), bool(w["clear"])
    ('over', 0.0167, True)
    """
    t = validate_study_table(table)
    if remedies is not None:
        t = t[t["remedy"].isin(list(remedies))]
    big = largest_size(t).dropna(subset=[metric])
    s = summarize(big, metric, level=level)
    rows = []
    for ratio, grp in s.groupby("ratio", sort=True):
        grp = grp.sort_values("mean", ascending=False, kind="stable")
        first = grp.iloc[0]
        second = grp.iloc[1] if len(grp) > 1 else None
        spread = float(max(first["sd"], second["sd"])) if second is not None else np.nan
        margin = float(first["mean"] - second["mean"]) if second is not None else np.nan
        lo = hi = np.nan
        n_pairs = 0
        if second is not None:
            d = _paired(big[big["ratio"] == ratio], metric, first["remedy"], second["remedy"])
            n_pairs = len(d)
            if n_pairs > 1:
                half = stats.t.ppf(0.5 + level / 2, n_pairs - 1) * d.std(ddof=1) / np.sqrt(n_pairs)
                lo, hi = float(d.mean() - half), float(d.mean() + half)
        rows.append({
            "ratio": float(ratio),
            "best": first["remedy"],
            "best_mean": float(first["mean"]),
            "runner_up": second["remedy"] if second is not None else None,
            "runner_up_mean": float(second["mean"]) if second is not None else np.nan,
            "margin": margin,
            "spread": spread,
            "diff_lo": lo,
            "diff_hi": hi,
            "clear": bool(n_pairs > 1 and lo > 0),
            "n_seeds": int(grp["n"].min()),
            "n_pairs": n_pairs,
        })
    return pd.DataFrame(rows)


def _paired(runs: pd.DataFrame, metric: str, a: str, b: str) -> np.ndarray:
    """Per seed (and training size), remedy a's metric minus remedy b's, over the seeds run
    with both (a seed's runs are averaged if it has several)."""
    keys = ["seed", "train_size"] if runs["train_size"].notna().any() else ["seed"]
    mean = runs.groupby(["remedy", *keys], dropna=False)[metric].mean()
    pa, pb = mean.xs(a, level="remedy"), mean.xs(b, level="remedy")
    both = pa.index.intersection(pb.index)
    return (pa.loc[both] - pb.loc[both]).to_numpy(dtype=float)


def _fit_each(frame: pd.DataFrame, remedies: Sequence[str], x: str, metric: str, law,
              level: float, n_boot: int, seed: int, **kw) -> tuple[dict, dict]:
    from scalinglab.fitting.fit import fit

    results, errors = {}, {}
    for rem in remedies:
        d = frame[(frame["remedy"] == rem) & frame[metric].notna() & frame[x].notna()]
        if d[x].nunique() < 3:
            errors[rem] = f"{rem}: needs at least 3 distinct {x} values to fit a trend"
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ScalingLabWarning)
                results[rem] = fit(d, x=x, y=metric, law=law, ci="bootstrap", n_boot=n_boot,
                                   level=level, seed=seed, **kw)
        except ScalingLabError as e:
            errors[rem] = f"{rem}: {e}"
    return results, errors


def _remedies(t: pd.DataFrame, remedies: Sequence[str] | None) -> list[str]:
    names = list(dict.fromkeys(t["remedy"]))
    if remedies is None:
        return names
    unknown = [r for r in remedies if r not in names]
    if unknown:
        raise ScalingLabError(
            f"remedy {unknown[0]!r} is not in the table; it has {', '.join(names)}"
        )
    return list(remedies)


def ratio_trends(table: pd.DataFrame, metric: str = "accuracy",
                 remedies: Sequence[str] | None = None, law: str | Law = "error_power",
                 level: float = 0.95, n_boot: int = 200, seed: int = 0):
    """Per remedy, ``law`` fitted to ``metric`` against ρ (largest size; every seed a point).

    Returns ``(results, errors)``: {remedy: FitResult} and {remedy: message} for remedies whose
    fit failed or had too few ratios. ``law``: a name of `TREND_LAWS` or any `Law`.
    """
    t = validate_study_table(table)
    _metric(t, metric)
    law = TREND_LAWS.get(law, law) if isinstance(law, str) else law
    return _fit_each(largest_size(t), _remedies(t, remedies), "ratio", metric, law, level,
                     n_boot, seed, space="linear", higher_is_better=False)


def learning_curves(table: pd.DataFrame, metric: str = "accuracy", ratio: float | None = None,
                    remedies: Sequence[str] | None = None, law: str | Law = "power_offset",
                    level: float = 0.95, n_boot: int = 200, seed: int = 0):
    """Per remedy, ``law`` fitted to ``metric`` against train_size at ``ratio`` (default: the
    largest ratio). Accuracy-like metrics are fitted as higher-is-better (power laws on the
    error, as `scalinglab.fit` does). Returns ``(results, errors)`` like `ratio_trends`."""
    t = validate_study_table(table)
    _metric(t, metric)
    if t["train_size"].isna().all():
        raise ScalingLabError("the study table has no train_size column: learning curves need "
                              "runs at several training sizes")
    if ratio is None:
        ratio = float(t["ratio"].max())
    at = t[np.isclose(t["ratio"], float(ratio))]
    if at.empty:
        raise ScalingLabError(
            f"no runs at ratio {ratio!r}; the table has ratios "
            f"{', '.join(f'{r:g}' for r in sorted(t['ratio'].unique()))}"
        )
    return _fit_each(at, _remedies(t, remedies), "train_size", metric, law, level, n_boot, seed,
                     higher_is_better=True, ceiling=1.0)


def tradeoff(table: pd.DataFrame, remedies: Sequence[str] | None = None, x="majority_accuracy",
             y="minority_recall"):
    """Minority recall against majority accuracy across runs: `LINE` against `CURVE` by AIC.

    Returns a `scalinglab.Comparison` (``.best`` is "line" or "curve"; ``.message`` says by
    how much).
    """
    from scalinglab.fitting.compare import compare

    t = validate_study_table(table)
    if remedies is not None:
        t = t[t["remedy"].isin(list(remedies))]
    d = t.dropna(subset=[x, y])
    if len(d) < 5 or d[x].nunique() < 4:
        raise ScalingLabError(
            f"the trade-off needs at least 5 runs with both {x} and {y} (and 4 distinct {x} "
            f"values); this table has {len(d)}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScalingLabWarning)
        return compare(d, x=x, y=y, laws=[LINE, CURVE], holdout=0, space="linear", ci="delta",
                       higher_is_better=False)
