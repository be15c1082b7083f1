"""`compare`: which law extrapolates best? Rank by held-out error on the largest runs, AIC, BIC.

Each law is fitted twice: on all points but the ``holdout`` largest x (scored on those, the
extrapolation test), and on all points (for AIC/BIC and the curves shown). The table is
ranked by held-out RMSLE when ``holdout > 0``, otherwise by AIC; the winner is marked and a
close call (the runner-up within 10% held-out error, or ΔAIC < 2) is said.

>>> import numpy as np, pandas as pd
>>> import scalinglab as sl
>>> D = np.logspace(5, 9, 30)
>>> df = pd.DataFrame({"D": D, "loss": 12 * D ** -0.2 + 1.1})
>>> cmp = sl.compare(df, x="D", y="loss", laws=["power", "power_offset"], holdout=5, ci=None)
>>> cmp.best
'power_offset'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.data import as_frame
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law

DEFAULT_LAWS = ("power", "power_offset", "broken_power", "exponential", "log_linear")


@dataclass
class Comparison:
    """The ranking table, the full-data fits, and a sentence saying who won and how clearly."""

    table: pd.DataFrame
    results: dict[str, FitResult]
    holdout_results: dict[str, FitResult]
    best: str
    message: str
    errors: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Comparison best={self.best!r}>\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>{self.message}</p>" + self.table.to_html(index=False, float_format="%.4g")


def holdout_split(frame: pd.DataFrame, x_col: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): test holds the k rows with the largest x."""
    order = np.argsort(pd.to_numeric(frame[x_col], errors="coerce").to_numpy(), kind="stable")
    test_idx = order[-k:]
    mask = np.zeros(len(frame), dtype=bool)
    mask[test_idx] = True
    return frame.iloc[~mask], frame.iloc[mask]


def compare(
    data: object,
    x: str | Sequence[str],
    y: str,
    laws: Sequence[str | Law] = DEFAULT_LAWS,
    holdout: int = 3,
    holdout_on: str | None = None,
    **fit_kwargs: Any,
) -> Comparison:
    """Fit every law in ``laws`` and rank them; see the module docstring.

    ``holdout`` is the number of largest-x points held out (0: rank by AIC alone).
    ``holdout_on`` picks the column that defines "largest" (default: the first x; for
    Chinchilla-style laws pass e.g. a compute column). Other keyword arguments go to `fit`.
    """
    from scalinglab.fitting.fit import fit

    frame = as_frame(data)
    if "group" in fit_kwargs and fit_kwargs["group"] is not None:
        raise ScalingLabError("compare works on one series: filter the table or loop over groups")
    laws = [get_law(law) for law in laws]
    if not laws:
        raise ScalingLabError("give at least one law to compare")
    x_cols = [x] if isinstance(x, str) else list(x)
    hcol = holdout_on or x_cols[0]
    if hcol not in frame.columns:
        raise ScalingLabError(f"no column {hcol!r} to hold out on; columns: {list(frame.columns)}")
    if not isinstance(holdout, int | np.integer) or holdout < 0:
        raise ScalingLabError(f"holdout must be a whole number >= 0, not {holdout!r}")
    if holdout >= len(frame) - 1:
        raise ScalingLabError(
            f"holdout={holdout} leaves too few of the {len(frame)} rows to fit: use a smaller one"
        )
    train, test = holdout_split(frame, hcol, holdout) if holdout else (frame, frame.iloc[:0])

    rows, results, held, errors = [], {}, {}, {}
    for law in laws:
        row: dict[str, Any] = {"law": law.name, "n_params": law.n_params}
        try:
            full = fit(frame, x=x, y=y, law=law, **fit_kwargs)
            assert isinstance(full, FitResult)
            results[law.name] = full
            row.update(aic=full.metrics["aic"], bic=full.metrics["bic"],
                       rmsle=full.metrics["rmsle"], n_params=full.metrics["n_params"])
            if holdout:
                part = fit(train, x=x, y=y, law=law, **{**fit_kwargs, "ci": None})
                assert isinstance(part, FitResult)
                held[law.name] = part
                truth = pd.to_numeric(test[y], errors="coerce").to_numpy(dtype=float)
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
    key = "holdout_rmsle" if holdout else "aic"
    if key not in table:
        table[key] = np.nan
    score = table[key].where(np.isfinite(table[key].astype(float)), np.inf)
    table["rank"] = score.rank(method="min").astype(int)
    table = table.assign(_s=score).sort_values(["_s", "aic"]).drop(columns="_s").reset_index(drop=True)
    best = str(table.loc[0, "law"])
    table["best"] = table["law"] == best
    cols = ["rank", "law", "best", "holdout_rmsle", "holdout_rmse", "rmsle", "aic", "bic",
            "n_params", "error"]
    table = table[[c for c in cols if c in table.columns]]
    return Comparison(table=table, results=results, holdout_results=held, best=best,
                      message=_verdict(table, key, holdout), errors=errors)


def _verdict(table: pd.DataFrame, key: str, holdout: int) -> str:
    ok = table[np.isfinite(table[key].astype(float))]
    best = ok.iloc[0]
    what = (f"held-out RMSLE on the {holdout} largest points" if key == "holdout_rmsle"
            else "AIC")
    msg = f"{best['law']} wins on {what} ({best[key]:.4g})"
    if len(ok) > 1:
        second = ok.iloc[1]
        if key == "holdout_rmsle":
            close = second[key] <= 1.1 * best[key]
        else:
            close = second[key] - best[key] < 2
        if close:
            msg += f"; close call with {second['law']} ({second[key]:.4g})"
        else:
            msg += f", ahead of {second['law']} ({second[key]:.4g})"
        if key == "holdout_rmsle" and "aic" in ok:
            by_aic = ok.sort_values("aic").iloc[0]["law"]
            if by_aic != best["law"]:
                msg += f"; AIC prefers {by_aic} (fit vs extrapolation disagree)"
    return msg + "."
