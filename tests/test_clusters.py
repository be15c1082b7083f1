"""Repeated x values (seeds of one configuration) are resampled together, not as independent
evidence: the bootstrap resamples whole clusters and the delta method uses a cluster-robust
covariance, so a band at an extrapolated x keeps its nominal coverage when each configuration
has its own luck shared by its seeds (issue 12, finding 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl

LAW = sl.get_law("power_offset")
TRUE = {"a": 20.0, "b": 0.3, "c": 1.0}
X_FAR = 1e6  # ten times the largest model size


def seeds_table(n_sizes: int = 10, n_seeds: int = 5, rep: int = 0, config_sd: float = 0.02,
                seed_sd: float = 0.01) -> pd.DataFrame:
    """n_sizes model sizes × n_seeds seeds; each size has a deviation shared by its seeds."""
    rng = np.random.default_rng(100 + rep)
    N = np.logspace(2, 5, n_sizes)
    x = np.repeat(N, n_seeds)
    shared = np.repeat(rng.normal(0, config_sd, n_sizes), n_seeds)
    y = LAW(x, **TRUE) * np.exp(shared + rng.normal(0, seed_sd, x.size))
    return pd.DataFrame({"N": x, "loss": y, "seed": np.tile(np.arange(n_seeds), n_sizes)})


def far_coverage(ci: str, n_sizes: int, repeats: int, n_boot: int = 400) -> float:
    truth = LAW(np.array([X_FAR]), **TRUE)[0]
    hits = []
    for rep in range(repeats):
        res = sl.fit(seeds_table(n_sizes, rep=rep), x="N", y="loss", ci=ci, n_boot=n_boot,
                     seed=rep)
        band = res.band([X_FAR])
        hits.append(band.lo.iloc[0] <= truth <= band.hi.iloc[0])
    return float(np.mean(hits))


def test_repeated_x_is_detected_and_said():
    res = sl.fit(seeds_table(), x="N", y="loss", ci="bootstrap", n_boot=200)
    assert res.uncertainty.n_clusters == 10
    assert any("resamples whole" in n and "10 distinct" in n for n in res.notes), res.notes


def test_distinct_x_resamples_rows_as_before(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=200)
    assert res.uncertainty.n_clusters == len(loss_table)
    assert not any("cluster" in n for n in res.notes)


def test_clustered_bootstrap_draws_whole_clusters():
    """Every resample gives all rows of one x the same count."""
    from scalinglab.fitting.uncertainty import resample_counts

    clusters = np.repeat(np.arange(6), 4)
    rng = np.random.default_rng(0)
    counts = resample_counts(rng, 50, clusters, None)
    assert counts.shape == (50, 24)
    per = counts.reshape(50, 6, 4)
    assert (per == per[:, :, :1]).all()
    assert (counts.sum(axis=1) == 24).all()  # six clusters drawn, four rows each


def test_cluster_column_and_opting_out():
    df = seeds_table()
    # a column naming the clusters: each seed's runs share its luck (say, one data order)
    by_seed = sl.fit(df, x="N", y="loss", cluster="seed", ci="bootstrap", n_boot=200)
    assert by_seed.uncertainty.n_clusters == 5
    assert any("'seed'" in n for n in by_seed.notes)
    rows = sl.fit(df, x="N", y="loss", cluster=False, ci="bootstrap", n_boot=200)
    assert rows.uncertainty.n_clusters == len(df)
    with pytest.raises(sl.ScalingLabError, match="no column 'run' for cluster"):
        sl.fit(df, x="N", y="loss", cluster="run")


def test_delta_method_is_cluster_robust_too():
    """The same seeds, one row each or five: the interval must not shrink like 1/sqrt(5)."""
    df = seeds_table()
    clustered = sl.fit(df, x="N", y="loss", ci="delta")
    naive = sl.fit(df, x="N", y="loss", ci="delta", cluster=False)
    width = {k: float((r.band([X_FAR]).hi - r.band([X_FAR]).lo).iloc[0])
             for k, r in (("c", clustered), ("n", naive))}
    assert width["c"] > 1.5 * width["n"]
    assert any("cluster-robust" in n for n in clustered.notes)


def test_too_few_clusters_for_the_parameters_are_said():
    df = seeds_table()
    df["pair"] = df["seed"] % 2  # two clusters for a three-parameter law
    with pytest.warns(sl.ScalingLabWarning, match="only 2 clusters .* likely too narrow"):
        res = sl.fit(df, x="N", y="loss", cluster="pair", ci="bootstrap", n_boot=100)
    assert res.uncertainty.n_clusters == len(df)


@pytest.mark.slow
def test_clustered_bootstrap_band_coverage_at_ten_sizes():
    # nominal 95%; finding 2 measured about 56% (65% in the issue) with case resampling
    cov = far_coverage("bootstrap", 10, 300)
    assert 0.92 <= cov <= 0.98, cov


@pytest.mark.slow
def test_clustered_delta_band_coverage_at_ten_sizes():
    cov = far_coverage("delta", 10, 400)
    assert 0.92 <= cov <= 0.98, cov
