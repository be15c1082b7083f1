"""`compare`: which law extrapolates best? Rank by held-out error on the largest runs, AIC, BIC.

Each law is fitted twice: on all rows but those at the largest x values (scored on those, the
extrapolation test), and on all rows (for AIC/BIC and the curves shown). The table is ranked
by held-out error when something is held out, otherwise by AIC; the winner is marked and a
close call (the runner-up within 10% held-out error, or ΔAIC < 2) is said.

One scale. Every criterion is computed from each law's predictions of the user's metric,
whatever the law was fitted to: on a BLEU table, a power law fitted to the error 100 − BLEU
and a log-linear law fitted to BLEU are both scored on BLEU. With ``space="log"`` (the
default) and a positive metric the scale is log of the metric: AIC and BIC from the squared
log errors, held-out RMSLE; otherwise the metric itself, and the held-out RMSE ranks
(``table["score_space"]`` says which).

The default holdout scales with the data: the largest ~20% of the distinct x values (at least
one), with every row at those x values (all seeds of the largest configurations).

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(5, 9, 30)
>>> df = pd.DataFrame({"D": D, "loss": 12 * D ** -0.2 + 1.1})
>>> cmp = sl.compare(df, x="D", y="loss", laws=["power", "power_offset"], holdout=5, ci=None)
>>> cmp.best
'power_offset'
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import as_frame, require_column
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law

DEFAULT_LAWS = ("power", "power_offset", "broken_power", "exponential", "log_linear")
#: Share of the distinct x values held out by default (the largest; at least one).
HOLDOUT_SHARE = 0.2
_COLUMNS = ["rank", "law", "best", "holdout_rmsle", "holdout_rmse", "rmsle", "aic", "bic",
            "n_params", "score_space", "error"]


@dataclass
class Comparison:
    """The ranking table, the full-data fits, and a sentence saying who won and how clearly.

    ``holdout``: how many of the largest x values were held out; ``n_holdout``: their rows.
    """

    table: pd.DataFrame
    results: dict[str, FitResult]
    holdout_results: dict[str, FitResult]
    best: str
    message: str
    errors: dict[str, str] = field(default_factory=dict)
    holdout: int = 0
    n_holdout: int = 0

    def __repr__(self) -> str:
        return f"<Comparison best={self.best!r}>\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>{self.message}</p>" + self.table.to_html(index=False, float_format="%.4g")


@dataclass
class GroupComparison(Mapping):
    """`compare` with ``group=``: one `Comparison` per group (``cmp[key]``), and an overall
    ranking (``table``, ``best``) of each law over all groups, fitted separately in each:
    AIC summed over the groups (the AIC of the per-group fits taken together), BIC of that
    joint model (its log-likelihood, its parameters, all rows), held-out errors and RMSLE
    pooled over every row scored. A law that fails in any group has no overall score."""

    comparisons: dict[Any, Comparison]
    table: pd.DataFrame
    best: str
    message: str
    group: str
    failed: dict[Any, str] = field(default_factory=dict)

    def __getitem__(self, key: Any) -> Comparison:
        return self.comparisons[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.comparisons)

    def __len__(self) -> int:
        return len(self.comparisons)

    def __repr__(self) -> str:
        return (f"<GroupComparison by {self.group!r}: {len(self)} groups, best={self.best!r}>\n"
                f"{self.table.to_string(index=False)}")

    def _repr_html_(self) -> str:
        return f"<p>{self.message}</p>" + self.table.to_html(index=False, float_format="%.4g")


def holdout_split(frame: pd.DataFrame, x_col: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): test holds every row at the k largest distinct values of ``x_col``."""
    v = pd.to_numeric(frame[x_col], errors="coerce").to_numpy(dtype=float)
    distinct = np.unique(v[np.isfinite(v)])
    mask = np.zeros(len(frame), dtype=bool)
    if k > 0 and distinct.size:
        mask = v >= distinct[-min(k, distinct.size)]
    return frame.iloc[~mask], frame.iloc[mask]


def default_holdout(n_distinct: int, n_params: int) -> int:
    """The largest ~20% of the distinct x values (at least one), leaving more x values than
    parameters to fit; 0 when the table cannot spare one.

    >>> default_holdout(10, 3), default_holdout(200, 3), default_holdout(4, 2), default_holdout(4, 3)
    (2, 40, 1, 0)
    """
    k = max(1, round(HOLDOUT_SHARE * n_distinct))
    k = min(k, n_distinct - n_params - 1)
    return max(k, 0)


def compare(
    data: object,
    x: str | Sequence[str],
    y: str,
    laws: Sequence[str | Law] = DEFAULT_LAWS,
    holdout: int | str = "auto",
    holdout_on: str | None = None,
    group: str | None = None,
    **fit_kwargs: Any,
) -> Comparison | GroupComparison:
    """Fit every law in ``laws`` and rank them; see the module docstring.

    ``holdout``: how many of the largest distinct x values are held out, with all their rows
    (0: rank by AIC alone); ``"auto"`` (default): the largest ~20% of them, at least one.
    ``holdout_on`` picks the column that defines "largest" (default: the first x; for
    Chinchilla-style laws pass e.g. a compute column). ``group``: a column; one ranking per
    group and one overall, as a `GroupComparison`. Other keyword arguments go to `fit`.
    """
    from scalinglab.fitting.fit import fit

    frame = as_frame(data)
    if group is not None:
        return _compare_groups(frame, x, y, laws, holdout, holdout_on, group, fit_kwargs)
    laws = [get_law(law) for law in laws]
    if not laws:
        raise ScalingLabError("give at least one law to compare")
    x_cols = [x] if isinstance(x, str) else list(x)
    hcol = holdout_on or x_cols[0]
    if hcol not in frame.columns:
        raise ScalingLabError(f"no column {hcol!r} to hold out on; columns: {list(frame.columns)}")
    hv = pd.to_numeric(frame[hcol], errors="coerce").to_numpy(dtype=float)
    n_distinct = int(np.unique(hv[np.isfinite(hv)]).size)
    if isinstance(holdout, str):
        if holdout != "auto":
            raise ScalingLabError(f"holdout must be 'auto' or a whole number >= 0, not {holdout!r}")
        holdout = default_holdout(n_distinct, max(law.n_params for law in laws))
    elif not isinstance(holdout, int | np.integer) or holdout < 0:
        raise ScalingLabError(f"holdout must be a whole number >= 0, not {holdout!r}")
    elif holdout and holdout >= n_distinct - 1:
        raise ScalingLabError(
            f"holdout={holdout} leaves too few of the {n_distinct} distinct {hcol!r} values to "
            "fit: use a smaller one"
        )
    holdout = int(holdout)
    train, test = holdout_split(frame, hcol, holdout) if holdout else (frame, frame.iloc[:0])
    truth = pd.to_numeric(test[y], errors="coerce").to_numpy(dtype=float) if holdout else None

    rows, results, held, errors = [], {}, {}, {}
    for law in laws:
        row: dict[str, Any] = {"law": law.name, "n_params": law.n_params}
        try:
            full = fit(frame, x=x, y=y, law=law, **fit_kwargs)
            assert isinstance(full, FitResult)
            results[law.name] = full
            m = full.metrics
            row.update(aic=m["aic"], bic=m["bic"], rmsle=m["rmsle"], n_params=m["n_params"],
                       score_space=m.get("score_space", "log"))
            if holdout:
                part = fit(train, x=x, y=y, law=law, **{**fit_kwargs, "ci": None})
                assert isinstance(part, FitResult)
                held[law.name] = part
                Xt = test[x_cols] if len(x_cols) > 1 else test[x_cols[0]].to_numpy(dtype=float)
                pred = part.predict(Xt)
                with np.errstate(all="ignore"):
                    row["holdout_rmsle"] = float(np.sqrt(np.mean((np.log(pred) - np.log(truth)) ** 2)))
                row["holdout_rmse"] = float(np.sqrt(np.mean((pred - truth) ** 2)))
        except ScalingLabError as e:
            errors[law.name] = str(e)
            row["error"] = str(e)
        rows.append(row)

    table = pd.DataFrame(rows)
    if not results:
        raise ScalingLabError("no law could be fitted: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    # one scale for all: log of the metric only where every fitted law could be scored on it
    space = "log" if (table["score_space"].dropna() == "log").all() else "linear"
    key = ("holdout_rmsle" if space == "log" else "holdout_rmse") if holdout else "aic"
    table = _rank(table, key)
    n_rows = len(test)
    where = (f"the {holdout} largest points" if n_rows == holdout
             else f"the {holdout} largest x values ({n_rows} rows)")
    return Comparison(table=table, results=results, holdout_results=held,
                      best=str(table.loc[0, "law"]), message=_verdict(table, key, where),
                      errors=errors, holdout=holdout, n_holdout=n_rows)


def _rank(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rank by ``key`` (lowest first; missing or non-finite last), AIC breaking ties."""
    for col in (key, "aic"):
        if col not in table:
            table[col] = np.nan
    score = table[key].astype(float)
    score = score.where(np.isfinite(score), np.inf)
    table["rank"] = score.rank(method="min").astype(int)
    table = table.assign(_s=score).sort_values(["_s", "aic"]).drop(columns="_s").reset_index(drop=True)
    table["best"] = table["law"] == table.loc[0, "law"]
    return table[[c for c in _COLUMNS if c in table.columns]]


def _verdict(table: pd.DataFrame, key: str, where: str) -> str:
    ok = table[np.isfinite(table[key].astype(float))]
    if ok.empty:
        return f"no law could be scored on {key}."
    best = ok.iloc[0]
    what = {"holdout_rmsle": f"held-out RMSLE on {where}",
            "holdout_rmse": f"held-out RMSE on {where}"}.get(key, "AIC")
    msg = f"{best['law']} wins on {what} ({best[key]:.4g})"
    if len(ok) > 1:
        second = ok.iloc[1]
        if key.startswith("holdout"):
            close = second[key] <= 1.1 * best[key]
        else:
            close = second[key] - best[key] < 2
        if close:
            msg += f"; close call with {second['law']} ({second[key]:.4g})"
        else:
            msg += f", ahead of {second['law']} ({second[key]:.4g})"
        if key.startswith("holdout") and "aic" in ok:
            by_aic = ok.sort_values("aic").iloc[0]["law"]
            if by_aic != best["law"]:
                msg += f"; AIC prefers {by_aic} (fit vs extrapolation disagree)"
    return msg + "."


def _compare_groups(frame: pd.DataFrame, x: str | Sequence[str], y: str,
                    laws: Sequence[str | Law], holdout: int | str, holdout_on: str | None,
                    group: str, fit_kwargs: dict[str, Any]) -> GroupComparison:
    require_column(frame, group, "group")
    comparisons: dict[Any, Comparison] = {}
    failed: dict[Any, str] = {}
    for key, sub in frame.groupby(group, sort=True, dropna=False):
        try:
            cmp = compare(sub, x=x, y=y, laws=laws, holdout=holdout, holdout_on=holdout_on,
                          **fit_kwargs)
            assert isinstance(cmp, Comparison)
            comparisons[key] = cmp
        except ScalingLabError as e:
            failed[key] = str(e)
    if not comparisons:
        raise ScalingLabError(f"no group of {group!r} could be compared: "
                              + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    names = [get_law(law).name for law in laws]
    rows = []
    for name in names:
        row: dict[str, Any] = {"law": name}
        fits = {k: c.results.get(name) for k, c in comparisons.items()}
        missing = [str(k) for k, r in fits.items() if r is None]
        if missing:
            row["error"] = f"not fitted in group(s) {', '.join(missing)}"
            rows.append(row)
            continue
        ms = [r.metrics for r in fits.values() if r is not None]
        n = sum(m["n"] for m in ms)
        q = sum(m["n_params"] for m in ms)
        ll = sum(m["aic"] - 2 * m["n_params"] for m in ms)
        row.update(aic=sum(m["aic"] for m in ms), bic=ll + q * math.log(n), n_params=q,
                   rmsle=_pooled([(m["rmsle"], m["n"]) for m in ms]),
                   score_space="log" if all(m.get("score_space") == "log" for m in ms)
                   else "linear")
        for col in ("holdout_rmsle", "holdout_rmse"):
            parts = [(_cell(c.table, name, col), c.n_holdout) for c in comparisons.values()
                     if c.n_holdout]
            if parts:
                row[col] = _pooled(parts)
        rows.append(row)
    table = pd.DataFrame(rows)
    has_holdout = "holdout_rmse" in table
    space = "log" if (table.get("score_space", pd.Series(dtype=object)).dropna() == "log").all() \
        else "linear"
    key = ("holdout_rmsle" if space == "log" else "holdout_rmse") if has_holdout else "aic"
    table = _rank(table, key)
    table.insert(2, "groups_won", [sum(c.best == law for c in comparisons.values())
                                   for law in table["law"]])
    best = str(table.loc[0, "law"])
    top = table.sort_values("groups_won", ascending=False, kind="stable").iloc[0]
    msg = (f"{top['law']} wins in {top['groups_won']} of {len(comparisons)} groups; over all "
           f"groups, " + _verdict(table, key, "each group's largest x values"))
    return GroupComparison(comparisons=comparisons, table=table, best=best, message=msg,
                           group=group, failed=failed)


def _cell(table: pd.DataFrame, law: str, col: str) -> float:
    hit = table.loc[table["law"] == law, col] if col in table else pd.Series(dtype=float)
    return float(hit.iloc[0]) if len(hit) else math.nan


def _pooled(parts: Sequence[tuple[float, int]]) -> float:
    """Root mean square over all rows from per-group root mean squares and row counts."""
    total = sum(k for _, k in parts)
    return float(math.sqrt(sum(v * v * k for v, k in parts) / total)) if total else math.nan
