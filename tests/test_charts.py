"""The shared Vega-Lite spec builder: static charts (`FitResult.chart()`) and the widget's data."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab import charts


@pytest.fixture(scope="module")
def res() -> sl.FitResult:
    D = np.logspace(6, 9, 25)
    rng = np.random.default_rng(0)
    loss = (40 * D**-0.25 + 1.7) * np.exp(rng.normal(0, 0.01, 25))
    out = sl.fit(pd.DataFrame({"D": D, "loss": loss}), x="D", y="loss", law="power_offset",
                 ci="delta", fit_range=(3e6, 1e9))
    assert isinstance(out, sl.FitResult)
    return out


def test_fit_chart_has_every_named_dataset_and_valid_json(res: sl.FitResult) -> None:
    spec = res.chart(horizon=10, target=1.9).to_dict()
    assert set(spec["datasets"]) == set(charts.DATASETS)
    d = spec["datasets"]
    assert len(d["points"]) == 25
    assert sum(not p["in_range"] for p in d["points"]) > 0  # drawn hollow
    assert max(r["x"] for r in d["extrapolation"]) == pytest.approx(1e10, rel=1e-9)
    assert max(r["x"] for r in d["fits"]) == pytest.approx(1e9, rel=1e-9)
    assert d["fits"][-1]["x"] == d["extrapolation"][0]["x"]  # the dashed part continues the line
    assert all(r["lo"] <= r["hi"] for r in d["bands"])
    assert d["target_line"] == [{"y": 1.9}]
    assert d["targets"][0]["lo"] <= d["targets"][0]["x"] <= d["targets"][0]["hi"]
    json.dumps(spec, allow_nan=False)
    names = [layer.get("name") for layer in spec["layer"]]
    assert names[0] == "band"
    assert "extrapolation" in names and "points" in names


def test_fit_chart_curves_match_predict(res: sl.FitResult) -> None:
    d = res.chart(horizon=10).to_dict()["datasets"]
    xs = np.array([r["x"] for r in d["fits"]])
    ys = np.array([r["y"] for r in d["fits"]])
    np.testing.assert_allclose(ys, res.predict(xs), rtol=1e-12)
    band = res.band(xs, kind="confidence")
    got = [r for r in d["bands"] if r["x"] in set(xs.tolist())]
    np.testing.assert_allclose([r["lo"] for r in got][: len(xs)], band["lo"], rtol=1e-9)


def test_domains_cover_points_curves_and_target_but_not_bands(res: sl.FitResult) -> None:
    spec = res.chart(horizon=100, target=1.5).to_dict()
    params = {p["name"]: p["value"] for p in spec["params"]}
    lo, hi = params["ydomain"]
    ys = [p["y"] for p in spec["datasets"]["points"]] + [1.5]
    assert lo <= min(ys) and hi >= max(ys)
    band_hi = max(r["hi"] for r in spec["datasets"]["bands"])
    assert hi < band_hi * 10  # sane
    assert params["xdomain"][1] >= 1e11


def test_prediction_band_and_no_band(res: sl.FitResult) -> None:
    conf = res.chart(band="confidence").to_dict()["datasets"]["bands"]
    pred = res.chart(band="prediction").to_dict()["datasets"]["bands"]
    # the two bands keep different vertices (charts.keep_vertices): compare on conf's
    xs = np.log10([c["x"] for c in conf])
    pred_w = np.interp(xs, np.log10([p["x"] for p in pred]), [p["hi"] - p["lo"] for p in pred])
    assert np.mean(pred_w >= np.array([c["hi"] - c["lo"] for c in conf]) * (1 - 1e-3)) > 0.95
    assert res.chart(band="none").to_dict()["datasets"]["bands"] == []
    with pytest.raises(sl.ScalingLabError, match="band"):
        res.chart(band="wide")


def test_linear_axes_and_bad_arguments(res: sl.FitResult) -> None:
    spec = res.chart(x_scale="linear", y_scale="linear").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "linear"
    with pytest.raises(sl.ScalingLabError, match="x_scale"):
        res.chart(x_scale="sqrt")
    with pytest.raises(sl.ScalingLabError, match="horizon"):
        res.chart(horizon=0.5)
    with pytest.raises(sl.ScalingLabError, match="FitResult"):
        charts.fit_chart(42)


def test_group_fit_and_comparison_charts() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for m, c in (("a", 2.0), ("b", 1.6)):
        for D in np.logspace(6, 9, 12):
            rows.append({"m": m, "D": D, "loss": (c + 50 * D**-0.3) * np.exp(rng.normal(0, 0.01))})
    df = pd.DataFrame(rows)
    g = sl.fit(df, x="D", y="loss", law="power_offset", group="m", ci=None)
    d = g.chart().to_dict()["datasets"]
    assert {p["label"] for p in d["points"]} == {"a", "b"}
    assert {r["color"] for r in d["fits"]} == {"s:a", "s:b"}
    cmp = sl.compare(df[df.m == "a"], x="D", y="loss", laws=["power", "power_offset"], holdout=2,
                     ci=None)
    d = charts.fit_chart(cmp).to_dict()["datasets"]
    assert {r["law"] for r in d["fits"]} == {"power", "power_offset"}
    assert {r["color"] for r in d["fits"]} == {"l:power", "l:power_offset"}


def test_multivariable_chart_holds_the_other_variable() -> None:
    df = sl.datasets.load("chinchilla")
    r = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci=None)
    d = r.chart(x="D", horizon=10).to_dict()["datasets"]
    assert d["fits"] and all(math.isfinite(row["y"]) for row in d["fits"])
    with pytest.raises(sl.ScalingLabError, match="variable"):
        r.chart(x="C")


def test_target_rows_clip_infinite_ends_to_the_horizon() -> None:
    sol = sl.Solution(target=2.0, x=1e9, lo=5e8, hi=math.inf, law="power_offset", variable="D",
                      level=0.95, method="bootstrap")
    line, rows = charts.target_rows([(sol, None)], 2.0, horizon_x=1e12)
    assert line == [{"y": 2.0}]
    assert rows[0]["hi"] == 1e12 and rows[0]["lo"] == 5e8
    assert charts.target_rows([(sol, None)], None) == ([], [])


def test_spec_builder_is_escaping_free_by_design() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    spec = charts.explorer_spec(x_title="D", y_title=hostile, series=[hostile, "b"],
                                series_title=hostile)
    for layer in spec["layer"]:
        for enc in layer["encoding"].values():
            if isinstance(enc, dict) and "field" in enc:
                assert enc["field"] in {"x", "y", "lo", "hi", "color", "key", "law", "label",
                                        "in_range"}
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"][:2] == [f"s:{hostile}", "s:b"]
    assert color["legend"]["values"] == [f"s:{hostile}", "s:b"]


def test_law_colors_are_stable_and_distinct() -> None:
    names = sl.laws.names()
    assert charts.law_color("power") == charts.LAW_PALETTE[0]
    first = [charts.law_color(n) for n in names[: len(charts.LAW_PALETTE)]]
    assert len(set(first)) == len(first)
    assert charts.law_color("not-registered").startswith("#")


def test_grid_is_log_spaced() -> None:
    g = charts.grid(1e3, 1e6, 4)
    np.testing.assert_allclose(g, [1e3, 1e4, 1e5, 1e6])
    np.testing.assert_allclose(charts.grid(0, 3, 4, log=True), [0, 1, 2, 3])


# ------------------------------------------------------------------ curve simplification
def _chord_error(xs: np.ndarray, ys: np.ndarray, keep: np.ndarray) -> float:
    """Largest distance of any sample from the straight line between the kept ones."""
    return float(np.max(np.abs(np.interp(xs, xs[keep], ys[keep]) - ys)))


@pytest.mark.parametrize("seed", range(20))
def test_keep_vertices_keeps_every_dropped_sample_within_tol_of_its_chord(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 200))
    xs = np.arange(n, dtype=float)
    rows = np.vstack([
        np.cumsum(rng.normal(0, 1, n)) * rng.uniform(0.001, 0.1),  # rough
        np.tanh((xs - n / 2) / rng.uniform(1, n)) * rng.uniform(0.1, 1),  # a sigmoid
        np.abs(xs - rng.uniform(0, n)) * 0.01,  # a kink
    ])
    tol = float(10 ** rng.uniform(-5, -1))
    keep = charts.keep_vertices(rows, tol)
    assert keep[0] and keep[-1]
    for row in rows:
        assert _chord_error(xs, row, keep) <= tol * (1 + 1e-9)


def test_keep_vertices_of_a_line_keeps_its_ends_and_of_bad_values_keeps_all() -> None:
    x = np.linspace(0, 1, 100)
    assert charts.keep_vertices(3 * x - 1, 1e-9).nonzero()[0].tolist() == [0, 99]
    assert charts.keep_vertices(np.where(x > 0.5, np.nan, x), 1e-3).all()
    assert charts.keep_vertices(x**2, 0).all()


def _curves_for_every_law(df: pd.DataFrame) -> list[charts.Curve]:
    curves = []
    for name in sl.laws.names():
        if len(sl.get_law(name).variables) != 1:
            continue
        try:
            res = sl.fit(df, x="D", y="loss", law=name, ci="delta")
        except sl.ScalingLabError:
            continue
        curves.append(charts.Curve(res, x_span=(float(df.D.min()), float(df.D.max()))))
    return curves


@pytest.mark.parametrize("scales", [("log", "log"), ("log", "linear"), ("linear", "linear")])
def test_simplified_curves_stay_within_tol_of_the_full_grid(scales: tuple[str, str]) -> None:
    """Every law's curve, band and dashed part, drawn through the kept vertices only, stays
    within SIMPLIFY_TOL of the y axis' span of the curve on the full grid, on either axis."""
    x_scale, y_scale = scales
    rng = np.random.default_rng(3)
    D = np.logspace(6, 10, 60)
    df = pd.DataFrame({"D": D, "loss": (400 * D**-0.3 + 1.7) * np.exp(rng.normal(0, 0.02, 60))})
    curves = _curves_for_every_law(df)
    assert len(curves) >= 8
    kw = {"log_x": x_scale == "log", "log_y": y_scale == "log"}
    full = charts.curve_rows(curves, "D", 1e12, simplify=0, **kw)
    simple = charts.curve_rows(curves, "D", 1e12, y_extent=df.loss.tolist(), **kw)
    sx = np.log10 if x_scale == "log" else (lambda v: np.asarray(v, dtype=float))
    sy = np.log10 if y_scale == "log" else (lambda v: np.asarray(v, dtype=float))
    with np.errstate(all="ignore"):  # a curve may go below 0 (none on a log axis)
        axis = sy(np.array([*df.loss, *(r["y"] for r in full[0] + full[1])], dtype=float))
    axis = axis[np.isfinite(axis)]
    span = float(axis.max() - axis.min())
    n_full = n_kept = 0
    for f_rows, s_rows, fields in zip(full, simple, [("y",), ("y",), ("lo", "hi")], strict=True):
        for c in curves:
            f = [r for r in f_rows if r["law"] == c.result.law.name]
            s = [r for r in s_rows if r["law"] == c.result.law.name]
            assert s[0]["x"] == f[0]["x"] and s[-1]["x"] == f[-1]["x"]  # the ends are kept
            for fld in fields:
                with np.errstate(all="ignore"):
                    fx, fy = sx([r["x"] for r in f]), sy(np.array([r[fld] for r in f], float))
                    got = np.interp(fx, sx([r["x"] for r in s]),
                                    sy(np.array([r[fld] for r in s], float)))
                if not np.all(np.isfinite(fy)):  # off the axis somewhere: every vertex kept
                    assert len(s) == len(f)
                    continue
                err = np.max(np.abs(got - fy)) / span
                assert err <= charts.SIMPLIFY_TOL * (1 + 1e-6), (c.result.law.name, fld, err)
            n_full, n_kept = n_full + len(f), n_kept + len(s)
    assert n_kept < 0.6 * n_full  # and it is worth doing


def test_a_power_law_on_log_axes_is_drawn_with_a_few_vertices() -> None:
    D = np.logspace(6, 10, 40)
    res = sl.fit(pd.DataFrame({"D": D, "loss": 50 * D**-0.2}), x="D", y="loss", law="power",
                 ci=None)
    fits, extrap, bands = charts.curve_rows([charts.Curve(res)], "D", 1e12)
    assert len(fits) == 2 and len(extrap) == 2 and bands == []
    assert fits[-1]["x"] == extrap[0]["x"]  # the dashed part still continues the line


def _legend_values(chart) -> list[str]:
    spec = chart.to_dict(validate=False)
    found = [layer["encoding"]["color"].get("legend") for layer in spec["layer"]
             if "color" in layer.get("encoding", {})]
    return list(dict.fromkeys(v for legend in found if legend for v in legend.get("values", [])))


def test_static_chart_of_several_laws_names_them_in_a_legend() -> None:
    # A static picture that compares laws has no chips to say which colour is which law.
    x = np.logspace(1, 3, 12)
    df = pd.DataFrame({"x": x, "y": 3 * x ** -0.5 + 0.05})
    fits = [sl.fit(df, x="x", y="y", law=law, ci=None) for law in ("power", "power_offset")]
    assert _legend_values(charts.fit_chart(fits)) == ["l:power", "l:power_offset"]
    # one law on one series: nothing to tell apart, no legend
    assert _legend_values(charts.fit_chart(fits[0])) == []


def test_static_chart_colours_an_unregistered_custom_law() -> None:
    # a custom law that was never registered still needs a colour, or Vega draws no curve
    law = sl.Law.from_expression("a * x**(-b)", params={"a": (0, None), "b": (0, 3)},
                                 name="not_registered_here")
    x = np.logspace(1, 3, 10)
    res = sl.fit(pd.DataFrame({"x": x, "y": 2 * x ** -0.3}), x="x", y="y", law=law, ci=None)
    spec = charts.fit_chart(res).to_dict(validate=False)
    domains = [layer["encoding"]["color"]["scale"]["domain"] for layer in spec["layer"]
               if "color" in layer.get("encoding", {})]
    assert domains and all("l:not_registered_here" in d for d in domains)
