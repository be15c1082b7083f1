"""`compare` scores every law on one scale, the user's metric; its default holdout scales
with the data; it ranks per group (issue 12, findings 4, 8 and 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic

import scalinglab as sl


def bleu_table(seed: int = 0) -> pd.DataFrame:
    """Isik et al.'s BLEU law (log(A·Dp^α))^β on 12 points, noise sd 0.3 BLEU."""
    Dp = np.logspace(9, 11, 12)
    rng = np.random.default_rng(seed)
    bleu = np.log(1e-3 * Dp**0.5) ** 1.4 + rng.normal(0, 0.3, Dp.size)
    return pd.DataFrame({"Dp": Dp, "bleu": bleu})


def log_scale_aic(res: sl.FitResult, data: pd.DataFrame) -> float:
    """AIC from the law's predictions of BLEU, on log BLEU (Gaussian errors)."""
    err = np.log(res.predict(data["Dp"].to_numpy())) - np.log(data["bleu"].to_numpy())
    n = len(err)
    return float(n * np.log(np.sum(err**2) / n) + 2 * res.metrics["n_params"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bleu_laws_are_ranked_on_one_scale(seed):
    df = bleu_table(seed)
    cmp = sl.compare(df, x="Dp", y="bleu", laws=["power", "log_linear"], holdout=0, ci=None)
    # power is fitted to log(100 - BLEU), log_linear to BLEU: both are scored on log BLEU
    assert cmp.results["power"].flip and not cmp.results["log_linear"].flip
    t = cmp.table.set_index("law")
    for law in ("power", "log_linear"):
        assert t.loc[law, "aic"] == pytest.approx(log_scale_aic(cmp.results[law], df), rel=1e-9)
    # same number of parameters: AIC and RMSLE must agree on the winner
    assert cmp.best == t["rmsle"].idxmin()


def test_fit_metrics_are_on_the_users_metric():
    df = bleu_table()
    res = sl.fit(df, x="Dp", y="bleu", law="power", ci=None)
    assert res.metrics["aic"] == pytest.approx(log_scale_aic(res, df), rel=1e-9)


def test_default_holdout_is_a_fifth_of_the_distinct_x_values():
    x = np.repeat(np.logspace(3, 6, 10), 3)  # 10 sizes × 3 seeds
    df = synthetic("power_offset", {"a": 5.0, "b": 0.3, "c": 0.5}, x, seed=1)
    cmp = sl.compare(df, x="x", y="y", laws=["power", "power_offset"], ci=None)
    held = cmp.holdout_results["power_offset"]
    # the two largest sizes (20% of 10), with all their seeds
    assert held.metrics["n"] == 24
    assert held.data["x"].max() < np.sort(np.unique(x))[-2]
    assert "the 2 largest x values" in cmp.message
    big = synthetic("power_offset", {"a": 5.0, "b": 0.3, "c": 0.5}, np.logspace(3, 6, 200))
    cmp = sl.compare(big, x="x", y="y", laws=["power_offset"], ci=None)
    assert cmp.holdout_results["power_offset"].metrics["n"] == 160
    tiny = synthetic("power", {"a": 5.0, "b": 0.3}, np.logspace(3, 6, 4))
    cmp = sl.compare(tiny, x="x", y="y", laws=["power"], ci=None)
    assert cmp.holdout_results["power"].metrics["n"] == 3  # at least one


def test_compare_by_group_ranks_each_group_and_overall():
    x = np.logspace(3, 6, 25)
    df = pd.concat([
        synthetic("power_offset", {"a": 5.0, "b": 0.3, "c": 0.5}, x, seed=1).assign(family="A"),
        synthetic("power_offset", {"a": 8.0, "b": 0.4, "c": 0.7}, x, seed=2).assign(family="B"),
    ])
    cmp = sl.compare(df, x="x", y="y", laws=["power", "power_offset"], group="family", ci=None)
    assert set(cmp) == {"A", "B"}
    for key in ("A", "B"):
        assert cmp[key].best == "power_offset"
        assert cmp[key].results["power"].metrics["n"] == 25
    overall = cmp.table.set_index("law")
    assert cmp.best == "power_offset"
    # AIC of independent per-group fits adds up
    assert overall.loc["power", "aic"] == pytest.approx(
        sum(cmp[k].table.set_index("law").loc["power", "aic"] for k in ("A", "B")))
    assert "power_offset wins in 2 of 2 groups" in cmp.message
    with pytest.raises(sl.ScalingLabError, match="no column 'fam'"):
        sl.compare(df, x="x", y="y", laws=["power"], group="fam")
