"""Groups that share parameters are fitted as one joint model (issue 12, finding 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic

import scalinglab as sl

X = np.logspace(3, 6, 20)
FLOOR = 1.5


def families(seed: int = 0) -> pd.DataFrame:
    return pd.concat([
        synthetic("power_offset", {"a": 20.0, "b": 0.3, "c": FLOOR}, X, 0.01, seed, "D",
                  "loss").assign(family="small"),
        synthetic("power_offset", {"a": 60.0, "b": 0.45, "c": FLOOR}, X, 0.01, seed + 1, "D",
                  "loss").assign(family="large"),
        synthetic("power_offset", {"a": 9.0, "b": 0.2, "c": FLOOR}, X[::2], 0.01, seed + 2, "D",
                  "loss").assign(family="tiny"),
    ], ignore_index=True)


def total_objective(df: pd.DataFrame, c: float) -> float:
    out = 0.0
    for _, sub in df.groupby("family"):
        r = sl.fit(sub, x="D", y="loss", fixed={"c": c}, ci=None)
        out += r.metrics["objective"]
    return out


def test_shared_floor_is_one_value_fitted_jointly():
    df = families()
    res = sl.fit(df, x="D", y="loss", group="family", shared=["c"], ci=None)
    assert isinstance(res, sl.GroupFit) and set(res) == {"small", "large", "tiny"}
    assert res.shared == ("c",)
    c = {k: r.params["c"] for k, r in res.items()}
    assert len(set(c.values())) == 1
    c_hat = c["small"]
    # one objective over all groups: the shared value minimises the sum of the groups' fits
    joint = res.metrics["objective"]
    assert joint == pytest.approx(total_objective(df, c_hat), rel=1e-7)
    for step in (0.98, 1.02):
        assert total_objective(df, c_hat * step) > joint
    # the others are per group, and each group's result reads like a fit of its own
    assert res["large"].params["b"] > res["small"].params["b"] > res["tiny"].params["b"]
    assert res["tiny"].metrics["n"] == 10
    np.testing.assert_allclose(res["small"].predict(X), 20.0 * X**-0.3 + FLOOR, rtol=0.02)


def test_shared_fit_has_bootstrap_intervals_within_groups():
    res = sl.fit(families(), x="D", y="loss", group="family", shared=["c"], n_boot=300)
    t = res.param_table().set_index(["family", "param"])
    lo, hi = t.loc[("small", "c"), ["lo", "hi"]]
    assert (t.xs("c", level="param")[["lo", "hi"]].nunique() == 1).all()  # one interval
    assert lo < FLOOR < hi
    # sharing the floor narrows it against the tiny group's fit alone
    alone = sl.fit(families().query("family == 'tiny'"), x="D", y="loss", n_boot=300)
    c_alone = alone.param_ci().set_index("param").loc["c"]
    assert hi - lo < c_alone.hi - c_alone.lo
    band = res["tiny"].band([1e8])
    assert band.lo.iloc[0] < band.y.iloc[0] < band.hi.iloc[0]
    assert any("within each group" in n for n in res["small"].notes)


def test_resampling_within_groups_keeps_their_sizes():
    from scalinglab.fitting.uncertainty import resample_counts

    strata = np.repeat([0, 1, 2], [5, 8, 3])
    counts = resample_counts(np.random.default_rng(0), 40, np.arange(16), strata)
    for g, size in ((0, 5), (1, 8), (2, 3)):
        assert (counts[:, strata == g].sum(axis=1) == size).all()


def test_shared_needs_groups_and_known_parameters():
    df = families()
    with pytest.raises(sl.ScalingLabError, match="shared= needs group="):
        sl.fit(df, x="D", y="loss", shared=["c"])
    with pytest.raises(sl.ScalingLabError, match="no parameter 'floor'"):
        sl.fit(df, x="D", y="loss", group="family", shared=["floor"])
