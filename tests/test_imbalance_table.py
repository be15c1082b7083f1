"""Validation of study tables, including ones from a user's own deep-learning runs."""

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import COLUMNS, validate_study_table


def _table(n=4):
    return pd.DataFrame(
        {
            "remedy": ["none", "oversample"] * (n // 2),
            "ratio": [1.0, 1.0, 10.0, 10.0][:n],
            "seed": [0, 0, 0, 0][:n],
            "roc_auc": [0.99, 0.99, 0.9, 0.95][:n],
            "accuracy": [0.9, 0.9, 0.7, 0.8][:n],
        }
    )


def test_a_deep_learning_table_is_accepted_and_completed():
    t = _table()
    t["model"] = "resnet18"  # extra columns survive
    out = validate_study_table(t)
    assert list(out.columns) == [*COLUMNS, "model"]
    assert out["train_size"].isna().all() and out["fit_seconds"].isna().all()
    assert out["seed"].dtype.kind == "i"
    assert t.columns.tolist() == ["remedy", "ratio", "seed", "roc_auc", "accuracy", "model"]


def test_missing_seed_defaults_to_zero():
    out = validate_study_table(_table().drop(columns="seed").iloc[:2].assign(ratio=[1, 2]))
    assert out["seed"].tolist() == [0, 0]


@pytest.mark.parametrize("col", ["remedy", "ratio"])
def test_missing_required_column_is_named(col):
    with pytest.raises(ScalingLabError, match=f"lacks the column '{col}'"):
        validate_study_table(_table().drop(columns=col))


def test_no_metric_column():
    with pytest.raises(ScalingLabError, match="no metric column"):
        validate_study_table(_table().drop(columns=["roc_auc", "accuracy"]))


@pytest.mark.parametrize(
    ("col", "value", "match"),
    [
        ("ratio", 0.5, r"'ratio' must be a finite imbalance ratio >= 1 "
                       r"\(majority / minority size\); rows 2 do not \(e\.g\. 0\.5\)"),
        ("ratio", np.nan, r"'ratio'.*rows 2"),
        ("ratio", "ten", r"'ratio' must be numeric; rows 2 hold text such as 'ten'"),
        ("accuracy", 1.5, r"'accuracy' must lie between 0 and 1; rows 2"),
        ("roc_auc", -0.1, r"'roc_auc'.*rows 2"),
        ("seed", 1.5, r"'seed' must be a whole number"),
        ("remedy", "  ", r"'remedy' is empty in rows 2"),
    ],
)
def test_bad_rows_are_named(col, value, match):
    t = _table().astype({col: object})
    t.loc[2, col] = value
    with pytest.raises(ScalingLabError, match=match):
        validate_study_table(t)


def test_bad_optional_columns():
    t = _table().assign(train_size=[100, 0, 100, 100])
    with pytest.raises(ScalingLabError, match=r"'train_size'.*rows 1"):
        validate_study_table(t)
    t = _table().assign(minority_fraction=[0.5, 0.5, 1.0, 0.5])
    with pytest.raises(ScalingLabError, match=r"'minority_fraction'.*rows 2"):
        validate_study_table(t)


def test_duplicate_runs_are_named():
    t = pd.concat([_table(), _table().iloc[[3]]], ignore_index=True)
    with pytest.raises(ScalingLabError, match="rows 3, 4 repeat the same run"):
        validate_study_table(t)


def test_many_bad_rows_are_summarised():
    t = pd.DataFrame({"remedy": ["none"] * 9, "ratio": [0.1] * 9, "seed": range(9),
                      "accuracy": [0.5] * 9})
    with pytest.raises(ScalingLabError, match="rows 0, 1, 2, 3, 4 and 4 more"):
        validate_study_table(t)


def test_empty_and_non_tables():
    with pytest.raises(ScalingLabError, match="empty"):
        validate_study_table(pd.DataFrame(columns=list(COLUMNS)))
    with pytest.raises(ScalingLabError, match="DataFrame"):
        validate_study_table(42)


def test_run_study_output_passes_unchanged():
    from scalinglab.imbalance import run_study

    t = run_study(remedies=["none"], ratios=[2], sizes=[20], seeds=2, n_jobs=1, cache=None,
                  progress=False)
    pd.testing.assert_frame_equal(validate_study_table(t), t, check_dtype=False)
