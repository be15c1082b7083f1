"""Every mistake a user can make gets a ScalingLabError that names it and says what to do."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl


def good() -> pd.DataFrame:
    D = np.logspace(6, 9, 20)
    return pd.DataFrame({"D": D, "loss": 40 * D**-0.25 + 1.7})


def fails(match: str, data=None, **kw) -> None:
    args = {"x": "D", "y": "loss", "law": "power_offset", "ci": None, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape either
        with pytest.raises(sl.ScalingLabError, match=match):
            sl.fit(good() if data is None else data, **args)


def test_error_is_a_value_error():
    assert issubclass(sl.ScalingLabError, ValueError)


def test_empty_table():
    fails("empty", pd.DataFrame({"D": [], "loss": []}))


def test_missing_column():
    fails(r"no column 'tokens' for x; the table has columns \['D', 'loss'\]", x="tokens")


def test_duplicate_column():
    df = good()
    df.columns = ["loss", "loss"]
    fails("duplicate column", df)


def test_fewer_points_than_parameters():
    fails("only 2 usable point.*3 parameters", good().head(2))
    fails("only 1 usable point.* fit_range", fit_range=(1e6, 1.2e6))


def test_nan_inf_and_strings_are_named_and_dropped_when_enough_remain():
    df = good().astype({"loss": object})
    df.loc[3, "loss"] = "n/a"
    df.loc[7, "loss"] = np.inf
    df.loc[9, "D"] = np.nan
    with pytest.warns(sl.ScalingLabWarning, match=r"3 row\(s\).*rows 3, 7, 9.*dropped"):
        res = sl.fit(df, x="D", y="loss", ci=None)
    assert res.metrics["n"] == 17 and any("dropped" in n for n in res.notes)


def test_nan_rows_fail_when_too_few_remain():
    df = good().head(4)
    df.loc[[0, 1], "loss"] = np.nan
    fails(r"rows 0, 1.*too few rows remain", df)


def test_nonpositive_x_for_a_law_with_powers():
    df = good()
    df.loc[2, "D"] = 0.0
    fails(r"column 'D' has values <= 0 \(rows 2\).*'power_offset'", df)


def test_nonpositive_y_with_log_residuals():
    df = good()
    df.loc[4, "loss"] = -1.0
    fails(r"column 'loss' has values <= 0 \(rows 4\).*space='linear'", df)


def test_accuracy_outside_its_range():
    D = np.logspace(3, 6, 10)
    df = pd.DataFrame({"D": D, "accuracy": np.linspace(0.5, 0.9, 10)})
    df.loc[5, "accuracy"] = 1.3  # on a 0–1 scale with one typo → looks like percent? no: max 1.3
    with pytest.raises(sl.ScalingLabError, match=r"rows 0, 1, 2, 3, 4.*outside \[0, 1\]|outside"):
        sl.fit(df, x="D", y="accuracy", ci=None, ceiling=1.0)


def test_unknown_law_lists_known_ones():
    fails(r"unknown law 'power_ofset'.*power_offset", law="power_ofset")


def test_unknown_parameter_in_fixed():
    fails(r"no parameter 'd'.*\['a', 'b', 'c'\]", fixed={"d": 1.0})


def test_bad_options():
    fails("loss must be one of", loss="l1")
    fails("space must be", space="loglog")
    fails("ci must be", ci="jackknife")
    fails("level must lie in", level=95)
    fails(r"fit_range low .* is above high", fit_range=(1e9, 1e6))
    fails("wrong number|takes 1 variable", x=["D", "loss2"])


def test_custom_expression_outside_whitelist():
    with pytest.raises(sl.ScalingLabError):
        sl.Law.from_expression("__import__('os').system('echo hi')", params=["a"])


def test_nonconverging_fit_says_so_and_returns_nothing():
    # A law that is NaN everywhere for this data: no half-made result may come back.
    law = sl.Law.from_expression("log(a - x)", params={"a": (0, 1)})
    D = np.logspace(3, 5, 10)
    with pytest.raises(sl.ScalingLabError):
        sl.fit(pd.DataFrame({"x": D, "y": D}), x="x", y="y", law=law, ci=None)


def test_predict_and_solve_inputs(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci=None)
    with pytest.raises(sl.ScalingLabError, match="x > 0"):
        res.predict([-1.0])
    with pytest.raises(sl.ScalingLabError, match="NaN"):
        res.predict([np.nan])
    # below the fitted floor is inside a loss's range: an open answer that says why
    assert re.search(r"never reaches 1.*floor is 1\.7", str(res.solve(1.0)))
    with pytest.raises(sl.ScalingLabError, match=r"outside the range of 'loss', \(0, ∞\)"):
        res.solve(-1.0)
    with pytest.raises(sl.ScalingLabError, match="no uncertainty"):
        res.band([1e10])


def test_weights_errors():
    fails("weights has 3 values", weights=[1, 2, 3])
    fails("weights must be >= 0", weights=-np.ones(20))


def test_compare_inputs(loss_table):
    with pytest.raises(sl.ScalingLabError, match="holdout=60 leaves too few"):
        sl.compare(loss_table, x="D", y="loss", holdout=60)
    with pytest.raises(sl.ScalingLabError, match="unknown law"):
        sl.compare(loss_table, x="D", y="loss", laws=["nope"])
