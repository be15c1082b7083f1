"""The three approaches on one known law agree; compare_approaches; the exported allocate(C)
reproduces plan.allocate in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from compute_sweeps import ASYMMETRIC, CHINCHILLA, curves_sweep, exponent, n_opt

import scalinglab as sl
from scalinglab.compute.frontier import COLUMNS


@pytest.fixture(scope="module", params=[(CHINCHILLA, 1.0), (ASYMMETRIC, 1.5)],
                ids=["chinchilla", "asymmetric"])
def curves(request):
    law, span = request.param
    return law, curves_sweep(law, span=span, seed=4)


@pytest.mark.slow
def test_three_approaches_agree_on_a_known_law(curves):
    """Training curves from one law: approach 1 (envelope), 2 (isoFLOP slices of the same
    runs) and 3 (the Chinchilla fit) find its exponent and N_opt at 1e24, each inside its own
    interval, and within each other's intervals."""
    law, df = curves
    truth_a, truth_N = exponent(law), n_opt(law, 1e24)
    rows = {}
    for approach in sl.compute.APPROACHES:
        plan = sl.compute_optimal(df, approach=approach, n_boot=200, seed=0)
        e = plan.exponents.loc["N"]
        r = plan.allocate([1e24]).iloc[0]
        rows[approach] = (e.exponent, r.N, r.N_lo, r.N_hi)
        assert e.lo <= truth_a <= e.hi, (approach, e.to_dict())
        assert r.N_lo <= truth_N <= r.N_hi, (approach, r.N / truth_N)
    N = {k: v[1] for k, v in rows.items()}
    assert N["isoflop"] / truth_N == pytest.approx(1, abs=0.05)
    assert N["parametric"] / truth_N == pytest.approx(1, abs=0.05)
    assert N["envelope"] / truth_N == pytest.approx(1, abs=0.35)  # steps of 0.1 decade in N
    for approach in ("envelope", "parametric"):
        assert rows[approach][2] <= N["isoflop"] <= rows[approach][3]


def test_compare_approaches_rows_and_skips():
    df = curves_sweep(CHINCHILLA, seed=1)
    plan = sl.compute_optimal(df, n_boot=100)
    t = plan.compare_approaches([1e22, 1e24])
    assert list(t.columns) == ["approach", *COLUMNS]
    assert t["approach"].tolist() == ["isoflop", "isoflop", "envelope", "envelope",
                                      "parametric", "parametric"]
    assert t.attrs["skipped"] == {}
    # the plan's own approach is the plan itself
    pd.testing.assert_frame_equal(t[t["approach"] == "isoflop"].drop(columns="approach")
                                  .reset_index(drop=True), plan.allocate([1e22, 1e24]))
    # every approach answers at the plan's level (with_level included)
    narrow = plan.with_level(0.5).compare_approaches([1e24]).set_index("approach")
    for name in sl.compute.APPROACHES:
        assert narrow.loc[name, "N_hi"] / narrow.loc[name, "N_lo"] < \
            t[t["approach"] == name].iloc[1].N_hi / t[t["approach"] == name].iloc[1].N_lo
    # an isoFLOP-only table (one run per size and budget, sizes not shared) has no envelope
    from compute_sweeps import isoflop_sweep

    iso = isoflop_sweep(CHINCHILLA, centred=True, step=0.137)  # no size in two budgets
    t2 = sl.compute_optimal(iso, n_boot=100).compare_approaches([1e24])
    assert "envelope" not in set(t2["approach"])
    assert "envelope approach needs" in t2.attrs["skipped"]["envelope"]


def test_envelope_on_the_bundled_table_notes_single_run_sizes():
    plan = sl.compute_optimal(sl.datasets.load("chinchilla"), approach="envelope", n_boot=100)
    assert any("single run" in n for n in plan.notes)
    m = plan.minima
    assert {"point", "C", "N_opt", "N_lo", "N_hi"} <= set(m.columns) and m["in_frontier"].all()
    assert set(plan.curves["kind"]) == {"size", "envelope"}
    assert 0.4 < plan.exponents.loc["N", "exponent"] < 0.6


def test_parametric_plan_uses_the_fit_and_its_intervals():
    df = sl.datasets.load("chinchilla")
    plan = sl.compute_optimal(df, approach="parametric", n_boot=200)
    res = plan.details["fit"]
    t = plan.allocate([1e24])
    ref = res.optimal_allocation([1e24])
    pd.testing.assert_frame_equal(t, ref[COLUMNS])
    a = res.params["beta"] / (res.params["alpha"] + res.params["beta"])
    assert plan.exponents.loc["N", "exponent"] == pytest.approx(a, rel=1e-9)
    m = plan.minima
    assert {"budget", "C", "N_opt", "N_lo", "N_hi", "loss_min"} <= set(m.columns)
    assert not plan.curves.empty


def test_parametric_numeric_minimisation_for_a_law_without_closed_form():
    df = curves_sweep(CHINCHILLA, seed=2)

    def seven(N, D):
        return 7.0 * N * D  # a power-law convention other than 6ND: no closed form used

    plan = sl.compute_optimal(df, approach="parametric", flops=seven, n_boot=100)
    assert any("numerically" in n for n in plan.notes)
    r = plan.allocate([1e24]).iloc[0]
    p = plan.details["params"]
    # the law's minimum along 7·N·D = 1e24, found here by a fine grid
    N = np.geomspace(r.N / 3, r.N * 3, 20001)
    L = sl.get_law("chinchilla")(np.vstack([N, 1e24 / (7 * N)]), **p)
    assert r.N == pytest.approx(N[np.argmin(L)], rel=1e-3)
    assert r.N_lo < r.N < r.N_hi


def _fresh_allocate(code: str, C: list[float], level: float) -> dict[str, list[float]]:
    prog = (f"import json\nns = {{}}\nexec({code!r}, ns)\n"
            f"out = ns['allocate']({C!r}, level={level!r})\n"
            "print(json.dumps({k: [float(x) for x in v] for k, v in out.items()}))")
    done = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stdout)


@pytest.mark.parametrize("approach", sl.compute.APPROACHES)
def test_to_python_reproduces_allocate_in_a_fresh_interpreter(approach):
    df = curves_sweep(CHINCHILLA, seed=3)
    plan = sl.compute_optimal(df, approach=approach, n_boot=100, seed=1)
    code = plan.to_python()
    C = [1e20, 1e22, 1e24, 1e26]
    for level in (plan.level, 0.8):
        got = _fresh_allocate(code, C, level)
        want = plan.allocate(C, level=level)
        for col in COLUMNS:
            np.testing.assert_allclose(got[col], want[col].to_numpy(), rtol=1e-12, err_msg=col)
    assert code.startswith("# Compute-optimal allocation exported by scalinglab")


def test_to_python_with_a_function_convention_asks_for_it():
    df = curves_sweep(CHINCHILLA, seed=3)

    def per_token(N):
        return 6 * N + 6 * 2048 * 24 * np.sqrt(N / 288)

    plan = sl.compute_optimal(df, flops=lambda N, D: per_token(N) * D, n_boot=100)
    ns: dict[str, object] = {}
    exec(plan.to_python(), ns)
    with pytest.raises(ValueError, match="flops_per_token"):
        ns["allocate"]([1e24])  # type: ignore[operator]
    got = ns["allocate"]([1e24], flops_per_token=per_token)  # type: ignore[operator]
    want = plan.allocate([1e24])
    for col in COLUMNS:
        np.testing.assert_allclose(got[col], want[col].to_numpy(), rtol=1e-12)
