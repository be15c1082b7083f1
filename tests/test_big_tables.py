"""Big tables: the bootstrap works in chunks (memory bounded by the chunk, not by rows ×
resamples), and `to_json` embeds the data only when asked (issue 12, finding 10).

The 200,000-row, 1,000-resample figures (time and peak RSS, measured in a subprocess) are in
benchmarks/RESULTS.md; here a smaller table keeps the test quick."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl


def big(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    D = np.exp(rng.uniform(np.log(1e6), np.log(1e9), n))
    return pd.DataFrame({"D": D, "loss": (40 * D**-0.25 + 1.7) * np.exp(rng.normal(0, 0.01, n))})


@pytest.mark.slow
def test_bootstrap_memory_does_not_grow_with_resamples_times_rows():
    df = big(40_000)
    tracemalloc.start()
    try:
        res = sl.fit(df, x="D", y="loss", n_boot=300, boot_draws="cases")  # resampled rows
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one (resample, row) array of the whole batch alone would be 300 × 40,000 × 8 B = 96 MB
    assert peak < 150e6, f"peak {peak / 1e6:.0f} MB"
    assert res.uncertainty.samples_u.shape[0] >= 290


def test_to_json_leaves_the_data_out_unless_asked(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=200)
    slim, full = res.to_json(), res.to_json(include_data=True)
    assert "data" not in json.loads(slim) and len(json.loads(full)["data"]["D"]) == 60
    assert len(slim) < len(full)
    back = sl.load_fit(slim)
    grid = np.logspace(5, 12, 9)
    np.testing.assert_array_equal(back.predict(grid), res.predict(grid))
    pd.testing.assert_frame_equal(back.band(grid), res.band(grid))
    pd.testing.assert_frame_equal(back.band(grid, kind="prediction"),
                                  res.band(grid, kind="prediction"))
    pd.testing.assert_frame_equal(back.param_ci(), res.param_ci())
    assert str(back.solve(1.8)) == str(res.solve(1.8))
    assert back.metrics == res.metrics


def test_to_json_of_a_big_table_is_small():
    res = sl.fit(big(20_000), x="D", y="loss", ci="bootstrap", n_boot=200)
    assert len(res.to_json()) < 300_000  # 20,000 rows of data would be ~1.5 MB
