"""ComputeExplorer's pure view (`scalinglab.widgets.compute_view`): every number it shows is
a kernel call, a budget move refits nothing, and bad controls raise naming the fix."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab.widgets.compute_view import (
    ComputeInputs,
    PlanCache,
    budget_view,
    compute_view,
    conventions,
    default_budget,
)

BOOT = 100


@pytest.fixture(scope="module")
def chinchilla() -> pd.DataFrame:
    return sl.datasets.load("chinchilla")


@pytest.fixture(scope="module")
def cache(chinchilla: pd.DataFrame) -> PlanCache:
    return PlanCache(chinchilla, version=0)


@pytest.fixture(scope="module")
def base() -> ComputeInputs:
    return ComputeInputs(n_boot=BOOT)


def test_readout_is_the_kernels_allocation(cache, base, chinchilla):
    view = compute_view(cache, base)
    plan = sl.compute_optimal(chinchilla, n_boot=BOOT)
    row = plan.allocate([1e24]).iloc[0]
    tpp = plan.tokens_per_param([1e24]).iloc[0]
    r = view.readout
    for k in ("N", "N_lo", "N_hi", "D", "D_lo", "D_hi", "loss", "loss_lo", "loss_hi"):
        assert r[k] == pytest.approx(row[k], rel=1e-12), k
    assert (r["tpp"], r["tpp_lo"], r["tpp_hi"]) == pytest.approx(
        (tpp.tokens_per_param, tpp.lo, tpp.hi), rel=1e-12)
    assert r["tpp_lo"] < r["tpp"] < r["tpp_hi"]
    side = plan.compare_approaches([1e24]).set_index("approach")
    for a in view.approaches:
        assert not a["error"], a
        assert a["N"] == pytest.approx(side.loc[a["approach"], "N"], rel=1e-12)
        assert a["N_lo"] == pytest.approx(side.loc[a["approach"], "N_lo"], rel=1e-12)
    Ns = [a["N"] for a in view.approaches]
    assert view.spread["N"] == pytest.approx(max(Ns) / min(Ns))
    assert view.spread["n"] == 3


def test_budget_move_refits_nothing(cache, base):
    compute_view(cache, base)
    fits = cache.fits
    before = budget_view(cache, base).readout
    for C in (1e21, 3e22, 1e25):
        moved = budget_view(cache, replace(base, budget=C))
        plan = cache.plan(base)
        assert moved.readout["N"] == pytest.approx(plan.allocate([C]).N[0], rel=1e-12)
        assert [m["C"] for m in moved.datasets["marker"]] == [C, C]
    assert cache.fits == fits
    assert moved.readout["N"] > before["N"]


def test_level_rereads_the_same_draws(cache, base):
    wide = compute_view(cache, base).readout
    fits = cache.fits
    narrow = compute_view(cache, replace(base, level=0.8)).readout
    assert cache.fits == fits
    assert narrow["N"] == wide["N"]
    assert wide["N_lo"] < narrow["N_lo"] < narrow["N"] < narrow["N_hi"] < wide["N_hi"]


def test_leaving_a_budget_out_moves_the_frontier(cache, base):
    view = compute_view(cache, base)
    inside = [m["budget"] for m in view.datasets["minima"] if m["included"]]
    out = replace(base, excluded=(inside[-1],))
    moved = compute_view(cache, out)
    assert moved.readout["N"] != view.readout["N"]
    assert not next(b for b in moved.budgets if b["name"] == inside[-1])["included"]
    faded = {r["budget"] for r in moved.datasets["runs"] if not r["included"]}
    assert faded == {inside[-1]}
    # approaches 1 and 3 are fitted without that budget's runs, and say so
    par = cache.plan(out, "parametric")
    assert any("fitted without" in n and inside[-1] in n for n in par.notes)
    assert par.allocate([1e24]).N[0] != cache.plan(base, "parametric").allocate([1e24]).N[0]


def test_datasets_are_json_and_generic(cache, base):
    view = compute_view(cache, base)
    json.dumps(view.datasets, allow_nan=False)
    json.dumps(view.approaches, allow_nan=False)
    assert set(view.datasets["runs"][0]) == {"N", "loss", "budget", "included"}
    assert {"C", "value", "lo", "hi", "quantity", "extrapolated"} == set(
        view.datasets["frontier"][0])
    ext = [r for r in view.datasets["frontier"] if r["extrapolated"]]
    assert ext and max(r["C"] for r in ext) >= 1e26
    assert len(view.budgets) >= 9 and len({b["color"] for b in view.budgets}) == len(view.budgets)
    assert "def allocate" in view.code


def test_each_approach_draws_its_minima(cache, base):
    for approach in ("envelope", "parametric"):
        view = compute_view(cache, replace(base, approach=approach))
        assert view.readout["approach"] == approach
        m = view.datasets["minima"]
        assert m and all(r["N_opt"] is None or r["N_opt"] > 0 for r in m)
        assert (view.datasets["profiles"] == []) == (approach == "envelope")


def test_conventions_from_the_table(chinchilla, base):
    opts = conventions(chinchilla)
    assert list(opts) == ["6ND", "column"]
    emb = chinchilla.assign(embed_params=32_000 * 512.0)
    assert "non_embedding" in conventions(emb)
    cache = PlanCache(chinchilla.assign(C=chinchilla["C"] * 2.0), version=1)
    six = compute_view(cache, base).readout
    col = compute_view(cache, replace(base, convention="column")).readout
    assert col["N"] != six["N"]


@pytest.mark.parametrize("change, words", [
    ({"approach": "bogus"}, "approach must be one of"),
    ({"convention": "kaplan"}, "convention must be one of"),
    ({"level": 1.5}, "level must lie in (0, 1)"),
    ({"budget": -1.0}, "budget must be a positive"),
    ({"budget": float("nan")}, "budget must be a positive"),
])
def test_bad_controls_raise(cache, base, change, words):
    with pytest.raises(sl.ScalingLabError, match=words.replace("(", r"\(").replace(")", r"\)")):
        compute_view(cache, replace(base, **change))


def test_one_budget_is_an_error_that_names_the_fix():
    N = np.geomspace(1e8, 1e9, 7)
    df = pd.DataFrame({"N": N, "D": 1e19 / (6 * N), "loss": 2 + (np.log(N / 3e8)) ** 2})
    cache = PlanCache(df)
    with pytest.raises(sl.ScalingLabError, match="two or more"):
        compute_view(cache, ComputeInputs(n_boot=None))


def test_default_budget(cache, base):
    assert default_budget(cache, base) == 1e24


def test_parametric_allocation_is_the_fits(chinchilla):
    plan = sl.compute_optimal(chinchilla, approach="parametric", n_boot=BOOT)
    res = plan.details["fit"]
    C = np.array([1e20, 1e24, 1e26])
    for level in (0.8, 0.95):
        ref = replace(res, settings={**res.settings, "level": level}).optimal_allocation(C)
        got = plan.allocate(C, level=level)
        np.testing.assert_allclose(got.to_numpy(), ref[got.columns].to_numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- the widget
@pytest.fixture(scope="module")
def widget(chinchilla):
    return sl.ComputeExplorer(chinchilla, n_boot=BOOT)


def test_widget_shows_the_view(widget, cache, base):
    view = compute_view(cache, base)
    assert widget.readout == view.readout
    assert [b["name"] for b in widget.budgets] == [b["name"] for b in view.budgets]
    assert widget.convention_options[1]["key"] == "column"
    assert set(widget.chart_data["datasets"]) == {"runs", "profiles", "minima", "frontier",
                                                  "frontier_points"}
    assert len(widget.marker) == 2
    assert sorted(widget.spec["datasets"]) == sorted(
        ["runs", "profiles", "minima", "frontier", "frontier_points", "marker"])
    assert "def allocate" in widget.code


def test_widget_budget_move_sends_only_the_marker(widget):
    sent = []
    data = widget.chart_data
    widget.observe(lambda c: sent.append(c["name"]), names=t_names(widget))
    n = widget.readout["N"]
    widget.budget = 3e22
    assert widget.readout["C"] == 3e22 and widget.readout["N"] < n
    assert widget.chart_data is data
    assert set(sent) <= {"readout", "approaches", "spread", "marker", "budget", "error"}
    assert len(json.dumps(widget.marker)) < 600
    widget.budget = 1e24


def t_names(widget) -> list[str]:
    return [n for n in widget.trait_names(sync=True) if not n.startswith("_")]


@pytest.mark.parametrize("name, value, words", [
    ("approach", "guess", "approach must be one of"),
    ("level", 0.0, "level must be in (0, 1)"),
    ("budget", -5.0, "budget must be a positive number"),
    ("convention", "kaplan", "convention must be one of"),
    ("excluded", ["9e99"], "excluded: budget '9e99' is not one of them"),
])
def test_widget_bad_values_raise_and_keep_the_last_good_state(widget, name, value, words):
    before = (getattr(widget, name), widget.readout)
    with pytest.raises(sl.ScalingLabError, match=words.replace("(", r"\(").replace(")", r"\)")):
        setattr(widget, name, value)
    assert (getattr(widget, name), widget.readout) == before


def test_widget_excluding_a_budget_moves_the_frontier(widget):
    inside = [m["budget"] for m in widget.chart_data["datasets"]["minima"] if m["included"]]
    n = widget.readout["N"]
    frontier = widget.chart_data["datasets"]["frontier"]
    widget.excluded = [inside[0]]
    assert widget.readout["N"] != n
    assert widget.chart_data["datasets"]["frontier"] != frontier
    widget.excluded = []
    assert widget.readout["N"] == n


def test_widget_approach_and_level(widget):
    widget.approach = "parametric"
    assert widget.readout["approach"] == "parametric" and "parametric" in widget.code
    widget.level = 0.8
    r = widget.readout
    assert r["level"] == 0.8
    widget.approach, widget.level = "isoflop", 0.95


def test_widget_table_from_the_front_end(widget, chinchilla):
    text = chinchilla.rename(columns={"N": "params", "D": "tokens", "loss": "val_loss"}).to_csv(
        index=False)
    version = widget.table_version
    replies = []
    widget._reply = replies.append  # what the kernel sends back
    widget._dispatch(widget, {"type": "load_table", "text": text, "name": "runs.csv"}, [])
    assert widget.table_version == version + 1
    assert (widget.N, widget.D, widget.y) == ("params", "tokens", "val_loss")
    assert replies[-1]["type"] == "table_loaded" and widget.error == ""
    # a bad table: a message, the last good view stays
    good = widget.readout
    widget._dispatch(widget, {"type": "load_table", "text": "a,b\n1,2\n3,4\n", "name": "x.csv"},
                     [])
    assert "could not tell which columns" in widget.error
    assert widget.readout == good and widget.table_version == version + 1
    widget.load(chinchilla)


def test_widget_escapes_nothing_it_does_not_need_to(chinchilla):
    odd = '<img src=x onerror="alert(1)">'
    w = sl.ComputeExplorer(chinchilla.rename(columns={"loss": odd}), y=odd, n_boot=None)
    spec = json.dumps(w.spec)
    assert '"field": "loss"' in spec  # generic fields: the column name is only a title
    assert w.spec["hconcat"][0]["layer"][0]["encoding"]["y"]["title"] == odd


def test_widget_exports(widget):
    ns: dict = {}
    exec(widget.code, ns)
    out = ns["allocate"]([1e24])
    assert out["N"][0] == pytest.approx(widget.readout["N"], rel=1e-12)
    data = json.loads(widget.to_json())
    assert data["readout"]["N"] == widget.readout["N"] and data["approach"] == widget.approach


def test_widget_without_a_table():
    w = sl.ComputeExplorer()
    assert "Drop a CSV" in w.status and w.readout == {}


def test_budgets_of_another_convention_are_dropped_from_excluded(chinchilla):
    emb = chinchilla.assign(embed_params=chinchilla["N"] * 0.2)
    w = sl.ComputeExplorer(emb, n_boot=None)
    w.excluded = [w.budgets[-2]["name"]]
    w.convention = "non_embedding"
    names = [b["name"] for b in w.budgets]
    assert all(n in names for n in w.excluded) and w.error == ""
