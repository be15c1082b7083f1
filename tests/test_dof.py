"""Degrees of freedom: no fit without them, a warning with few, and intervals that are never
silently zero-width and stay inside the parameters' bounds (issue 12, finding 9)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl

LAW = sl.get_law("power_offset")


def points(n: int, seed: int = 1) -> pd.DataFrame:
    x = np.logspace(2, 5, n)
    y = LAW(x, a=20, b=0.3, c=1.0) * np.exp(np.random.default_rng(seed).normal(0, 0.02, n))
    return pd.DataFrame({"x": x, "y": y})


@pytest.mark.parametrize("ci", ["bootstrap", "delta", None])
def test_as_many_points_as_parameters_is_an_error(ci):
    with pytest.raises(sl.ScalingLabError, match=r"3 points .* 3 free parameters"):
        sl.fit(points(3), x="x", y="y", ci=ci)


def test_fixing_a_parameter_frees_a_degree():
    with pytest.warns(sl.ScalingLabWarning, match="1 degree of freedom"):
        res = sl.fit(points(3), x="x", y="y", fixed={"c": 1.0}, ci="delta")
    assert res.params["c"] == 1.0


def test_repeats_of_too_few_x_values_are_said():
    rng = np.random.default_rng(0)
    df = pd.concat([points(3).assign(seed=s) for s in range(4)], ignore_index=True)
    df["y"] *= np.exp(rng.normal(0, 0.01, len(df)))
    with pytest.warns(sl.ScalingLabWarning, match="3 distinct x values .* 3 free parameters"):
        res = sl.fit(df, x="x", y="y", ci="bootstrap", n_boot=100)
    assert any("nothing checks it" in w for w in res.warnings)


@pytest.mark.parametrize(("n", "dof"), [(4, 1), (5, 2)])
def test_one_or_two_degrees_of_freedom_warn(n, dof):
    with pytest.warns(sl.ScalingLabWarning, match=f"{dof} degrees? of freedom"):
        res = sl.fit(points(n), x="x", y="y", ci="delta")
    assert any("degree" in w for w in res.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.ScalingLabWarning)
        sl.fit(points(6), x="x", y="y", ci="delta")  # three are enough: no warning


@pytest.mark.parametrize("ci", ["bootstrap", "delta"])
@pytest.mark.parametrize("n", [4, 5, 6])
def test_intervals_respect_bounds_and_have_width(ci, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLabWarning)
        res = sl.fit(points(n), x="x", y="y", ci=ci)
    t = res.param_ci()
    lo_b, hi_b = LAW.bounds
    assert (t.lo >= lo_b).all() and (t.hi <= hi_b).all(), t
    assert (t.hi > t.lo).all(), t
    assert ((t.lo <= t.estimate) & (t.estimate <= t.hi)).all(), t


def test_an_exact_fit_says_its_intervals_are_zero_width():
    x = np.logspace(2, 5, 8)
    df = pd.DataFrame({"x": x, "y": LAW(x, a=20, b=0.3, c=1.0)})
    with pytest.warns(sl.ScalingLabWarning, match="zero width"):
        sl.fit(df, x="x", y="y", ci="delta")
