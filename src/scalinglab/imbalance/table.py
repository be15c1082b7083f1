"""Check a study table, whether `run_study` made it or it comes from your own runs.

A table from deep-learning runs is accepted as is when it has the columns of `COLUMNS`:
``remedy``, ``ratio`` and at least one metric are required; ``seed`` (default 0),
``minority_fraction``, ``train_size``, ``fit_seconds`` and the other metrics may be missing
and are then filled (seed with 0, the rest with NaN). Extra columns are kept.

Example
-------
>>> import pandas as pd
>>> t = pd.DataFrame({"remedy": ["none", "oversample"], "ratio": [10, 10], "roc_auc": [.9, .95]})
>>> validate_study_table(t).columns.tolist()[:5]
['remedy', 'ratio', 'minority_fraction', 'train_size', 'seed']
>>> validate_study_table(t.drop(columns="ratio"))
Traceback (most recent call last):
...
scalinglab.errors.ScalingLabError: the study table lacks the column 'ratio' (needed: remedy, \
ratio and at least one metric of roc_auc, accuracy, balanced_accuracy, minority_recall, \
majority_accuracy); rename your columns to match
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance.metrics import METRICS
from scalinglab.imbalance.study import COLUMNS

REQUIRED: tuple[str, ...] = ("remedy", "ratio")
_BOUNDED = (*METRICS,)


def _rows(mask: pd.Series, limit: int = 5) -> str:
    idx = [str(i) for i in mask[mask].index[:limit]]
    more = int(mask.sum()) - len(idx)
    return ", ".join(idx) + (f" and {more} more" if more > 0 else "")


def validate_study_table(table) -> pd.DataFrame:
    """A clean copy of ``table`` with all of `COLUMNS` (first, in order), or a ScalingLabError
    that names the missing column or the bad rows (by index label) and how to fix them."""
    if not isinstance(table, pd.DataFrame):
        try:
            table = pd.DataFrame(table)
        except (TypeError, ValueError):
            raise ScalingLabError(
                f"a study table must be a pandas DataFrame (or something DataFrame() accepts), "
                f"not {type(table).__name__}"
            ) from None
    if len(table) == 0:
        raise ScalingLabError("the study table is empty: it needs one row per run")
    need = ", ".join(REQUIRED) + " and at least one metric of " + ", ".join(METRICS)
    for col in REQUIRED:
        if col not in table.columns:
            raise ScalingLabError(
                f"the study table lacks the column {col!r} (needed: {need}); rename your "
                f"columns to match"
            )
    if not any(m in table.columns for m in METRICS):
        raise ScalingLabError(
            f"the study table has no metric column (needed: {need}); rename your columns to "
            f"match"
        )
    t = table.copy()
    if "seed" not in t.columns:
        t["seed"] = 0
    for col in COLUMNS:
        if col not in t.columns:
            t[col] = np.nan
    remedy = t["remedy"]
    bad = remedy.isna() | (remedy.astype(str).str.strip() == "")
    if bad.any():
        raise ScalingLabError(f"column 'remedy' is empty in rows {_rows(bad)}; name every remedy")
    t["remedy"] = remedy.astype(str).str.strip()
    for col in COLUMNS[1:]:
        num = pd.to_numeric(t[col], errors="coerce")
        bad = num.isna() & t[col].notna()
        if bad.any():
            first = t.loc[bad, col].iloc[0]
            raise ScalingLabError(
                f"column {col!r} must be numeric; rows {_rows(bad)} hold text such as "
                f"{str(first)!r}"
            )
        t[col] = num.astype(float)
    checks = [
        ("ratio", t["ratio"].isna() | ~(t["ratio"] >= 1) | ~np.isfinite(t["ratio"]),
         "must be a finite imbalance ratio >= 1 (majority / minority size)"),
        ("seed", t["seed"].isna() | (t["seed"] != np.round(t["seed"])),
         "must be a whole number"),
        ("train_size", t["train_size"].notna() & ~(t["train_size"] > 0),
         "must be a positive number of training examples"),
        ("minority_fraction",
         t["minority_fraction"].notna() & ~((t["minority_fraction"] > 0)
                                             & (t["minority_fraction"] < 1)),
         "must lie strictly between 0 and 1"),
        ("fit_seconds", t["fit_seconds"].notna() & (t["fit_seconds"] < 0),
         "must be >= 0"),
    ]
    checks += [
        (m, t[m].notna() & ~((t[m] >= 0) & (t[m] <= 1)), "must lie between 0 and 1")
        for m in _BOUNDED
    ]
    for col, bad, what in checks:
        if bad.any():
            first = float(t.loc[bad, col].iloc[0])
            raise ScalingLabError(
                f"column {col!r} {what}; rows {_rows(bad)} do not (e.g. {first:g}); fix or "
                f"drop them"
            )
    if t[[m for m in METRICS]].isna().all(axis=None):
        raise ScalingLabError("every metric column is empty: the table needs at least one score")
    key = ["remedy", "ratio", "minority_fraction", "train_size", "seed"]
    dup = t.duplicated(subset=key, keep=False)
    if dup.any():
        raise ScalingLabError(
            f"rows {_rows(dup)} repeat the same run (remedy, ratio, minority_fraction, "
            f"train_size, seed); give repeated runs different seeds or drop the duplicates"
        )
    t["seed"] = t["seed"].astype(int)
    rest = [c for c in t.columns if c not in COLUMNS]
    return t[list(COLUMNS) + rest]
