"""Bands are honest: nominal 95% confidence bands contain the true curve 93–97% of the time.

Synthetic data from a known law with known noise, refitted over many repeats; coverage is
counted over (x, repeat) pairs inside the data range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl

TRUE = {"a": 20.0, "b": 0.3, "c": 1.0}
X = np.logspace(2, 6, 40)
X_EVAL = np.logspace(2.1, 5.9, 15)


def coverage(ci: str, repeats: int, kind: str = "confidence") -> float:
    law = sl.get_law("power_offset")
    truth = law(X_EVAL, **TRUE)
    hits = []
    for rep in range(repeats):
        rng = np.random.default_rng(1000 + rep)
        clean_y = law(X, **TRUE)
        y = clean_y * np.exp(rng.normal(0, 0.02, X.size))
        res = sl.fit(pd.DataFrame({"x": X, "y": y}), x="x", y="y", law="power_offset", ci=ci,
                     n_boot=500, seed=rep)
        band = res.band(X_EVAL, kind=kind)
        if kind == "confidence":
            target = truth
        else:  # a new observation at each x
            target = truth * np.exp(np.random.default_rng(5000 + rep).normal(0, 0.02, X_EVAL.size))
        hits.append((band.lo.to_numpy() <= target) & (target <= band.hi.to_numpy()))
    return float(np.mean(hits))


@pytest.mark.slow
def test_delta_confidence_band_coverage():
    assert 0.93 <= coverage("delta", 400) <= 0.97


@pytest.mark.slow
def test_bootstrap_confidence_band_coverage():
    assert 0.93 <= coverage("bootstrap", 200) <= 0.97


@pytest.mark.slow
def test_prediction_band_coverage():
    assert 0.93 <= coverage("delta", 200, kind="prediction") <= 0.97


def test_prediction_band_is_wider_than_confidence_band(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="bootstrap", n_boot=300)
    x = np.logspace(6, 10, 9)
    conf, pred = res.band(x), res.band(x, kind="prediction")
    assert (pred.hi - pred.lo > conf.hi - conf.lo).all()
    assert set(conf.kind) == {"confidence"} and set(pred.kind) == {"prediction"}


def test_bands_widen_with_extrapolation(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="delta")
    band = res.band(np.logspace(7, 13, 7))
    width = (band.hi - band.lo).to_numpy()
    assert (np.diff(width[2:]) > 0).all()


def test_higher_level_gives_wider_band(loss_table):
    res = sl.fit(loss_table, x="D", y="loss", ci="delta")
    x = [1e10]
    b90, b99 = res.band(x, level=0.9), res.band(x, level=0.99)
    assert (b99.hi - b99.lo).iloc[0] > (b90.hi - b90.lo).iloc[0]
