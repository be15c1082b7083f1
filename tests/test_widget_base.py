"""The one widget base (scalinglab.widgets.base) and the pure explorer pipeline
(scalinglab.widgets.explore): one bad-value policy in every widget, table versions, the
big-table split (points once per table, small chart data per move), collapsed laws."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab.errors import ScalingLabError
from scalinglab.widgets.explore import Inputs, collapsed, explore, points
from scalinglab.widgets.explorer import LawExplorer


def table(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    D = np.logspace(6, 10, n)
    return pd.DataFrame({"D": D, "loss": (1.7 + 400 * D**-0.3) * np.exp(rng.normal(0, 0.01, n))})


def explorer(data: pd.DataFrame | None = None, **kw: Any) -> LawExplorer:
    kw.setdefault("ci", "delta")
    return LawExplorer(table() if data is None else data, x="D", y="loss",
                       laws=["power", "power_offset"], **kw)


def sent(w: Any) -> list[dict]:
    out: list[dict] = []
    w.send = lambda content, buffers=None: out.append(content)
    return out


def brush(w: LawExplorer, rng: Any, rid: int, version: int | None = None) -> None:
    w._handle_custom_msg({"type": "brush", "range": rng, "id": rid,
                          "table_version": w.table_version if version is None else version}, [])


@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    return sl.imbalance.run_study(remedies=["none", "oversample"], ratios=[1, 5, 20],
                                  sizes=[30, 60], seeds=2, n_jobs=1, cache=None, progress=False)


# ----------------------------------------------------------------------------- one policy
@pytest.mark.parametrize(("name", "value"), [
    ("band", "wide"), ("x_scale", "sqrt"), ("level", 1.0), ("level", 0.0), ("n_boot", 5),
    ("horizon", 0.5), ("target", float("inf")), ("ci", "jackknife"), ("loss", "l1"),
    ("fit_range", [1.0]), ("fit_range", [1e9, 1e7]), ("laws", ["powr"]), ("holdout", -1),
    ("drag_ci", "fast"), ("x", "nope"),
])
def test_explorer_bad_value_raises_names_the_trait_and_keeps_state(name: str, value: Any) -> None:
    w = explorer()
    before = (getattr(w, name), w.chart_data, dict(w.results))
    with pytest.raises(ScalingLabError) as info:
        setattr(w, name, value)
    assert name.split("_")[0] in str(info.value) or "law" in str(info.value)
    assert getattr(w, name) == before[0]
    assert w.chart_data == before[1] and w.results == before[2]
    assert w.error == str(info.value)  # shown in the widget too


@pytest.mark.parametrize(("name", "value"), [
    ("view", 0), ("view", 4), ("level", 1.0), ("horizon", 0.5), ("metric", "f1"),
    ("remedies", ["magic"]), ("trend_law", "cubic"), ("curve_law", "cubic"),
])
def test_remedies_bad_value_raises_and_keeps_state(study, name: str, value: Any) -> None:
    w = sl.RemedyComparer(study)
    before = (getattr(w, name), w.chart_data, w.summary_rows)
    with pytest.raises(ScalingLabError, match=name.split("_")[0] if name != "remedies"
                       else "remedy"):
        setattr(w, name, value)
    assert getattr(w, name) == before[0]
    assert w.chart_data == before[1] and w.summary_rows == before[2]


def test_remedies_bad_constructor_value_raises(study) -> None:
    with pytest.raises(ScalingLabError, match="view must be one of 1, 2, 3"):
        sl.RemedyComparer(study, view=0)


@pytest.mark.parametrize("make", ["explorer", "remedies"])
def test_a_bad_value_from_the_front_end_is_shown_not_raised(study, make: str) -> None:
    w = explorer() if make == "explorer" else sl.RemedyComparer(study)
    name, bad = ("band", "wide") if make == "explorer" else ("view", 7)
    good = getattr(w, name)
    w.set_state({name: bad})  # what ipywidgets does with an update from the browser
    assert getattr(w, name) == good
    assert name in w.error


def test_a_refit_the_kernel_refuses_from_the_front_end_reverts() -> None:
    w = explorer()
    w.set_state({"fit_range": [1e11, 1e12]})  # no points there
    assert w.fit_range is None and "usable point" in w.error


# ----------------------------------------------------------------------------- table versions
def test_a_brush_made_for_an_older_table_is_ignored_and_not_answered() -> None:
    w = explorer()
    out = sent(w)
    brush(w, [1e7, 1e10], 1)
    assert w.fit_range == [1e7, 1e10]
    text = "D,loss\n" + "\n".join(f"{d:.6g},{1.8 + 30 * d**-0.2:.6g}"
                                  for d in np.logspace(5, 8, 24))
    w._handle_custom_msg({"type": "load_table", "text": text, "name": "new.csv"}, [])
    assert w.table_version == 2 and w.fit_range is None
    assert {"type": "table_loaded", "table_version": 2, "name": "new.csv"} in out
    chart = w.chart_data
    brush(w, [1e7, 1e10], 2, version=1)  # the front end re-sent the old range (bug 2)
    assert w.fit_range is None and w.chart_data is chart
    assert not any(m.get("id") == 2 for m in out)
    assert w.results["power"].metrics["n"] == 24  # fitted on every point of the new table
    brush(w, [1e6, 1e8], 3)  # a brush on the new table is taken
    assert w.fit_range == [1e6, 1e8] and w.chart_data["table_version"] == 2


def test_table_version_counts_loads_from_python_and_a_refused_table_keeps_it() -> None:
    w = explorer()
    assert w.table_version == 1
    w.load(table(20, seed=3))
    assert w.table_version == 2
    with pytest.raises(ScalingLabError):
        w.load(pd.DataFrame({"D": [1.0, 2.0, 3.0, 4.0], "loss": [-1.0, -2.0, -3.0, -4.0]}))
    assert w.table_version == 2 and len(w.points) == 20


def test_a_dropped_binary_file_is_named_and_not_told_to_paste() -> None:
    w = explorer()
    w._handle_custom_msg({"type": "load_table", "text": "PK\x03\x04\x00\x00\ufffd\ufffd" * 50,
                          "name": "runs.xlsx"}, [])
    assert "'runs.xlsx'" in w.error and "binary" in w.error
    assert "paste" not in w.error.lower()
    assert w.table_version == 1 and len(w.points) == 30


def test_unknown_or_malformed_messages_are_ignored() -> None:
    w = explorer()
    chart = w.chart_data
    for msg in ({"type": "brush"}, {"type": "nope"}, "text", {"range": [1, 2]}):
        w._handle_custom_msg(msg, [])
    assert w.chart_data is chart and w.error == ""


# ----------------------------------------------------------------------------- big tables
def test_points_go_once_per_table_and_chart_data_stays_small_at_20000_points() -> None:
    rng = np.random.default_rng(1)
    D = np.exp(rng.uniform(np.log(1e6), np.log(1e10), 20_000))
    df = pd.DataFrame({"D": D, "loss": (1.7 + 400 * D**-0.3) * np.exp(rng.normal(0, 0.01, D.size))})
    w = explorer(df, n_boot=20)
    assert len(w.points) == 20_000
    changes: list[str] = []
    w.observe(lambda c: changes.append(c["name"]), names=["points", "chart_data"])
    for i, rng_ in enumerate([[1e7, 1e10], [3e7, 5e9], [1e8, 1e10]], start=1):
        brush(w, rng_, i)
        size = len(json.dumps(w.chart_data))
        assert size <= 150_000, f"{size / 1e3:.0f} kB per move"
    assert "points" not in changes and changes.count("chart_data") == 3
    assert "datasets" in w.chart_data and "points" not in w.chart_data["datasets"]
    w.x_scale = "linear"  # drawing changes leave the points too
    assert "points" not in changes
    w.group = ""  # same columns: still no resend
    assert "points" not in changes


def test_the_spec_styles_points_by_fit_lo_and_fit_hi() -> None:
    w = explorer()
    params = {p["name"]: p.get("value") for p in w.spec["params"]}
    assert params["fit_lo"] is None and params["fit_hi"] is None
    layer = next(lay for lay in w.spec["layer"] if lay.get("name") == "points")
    assert "fit_lo" in layer["encoding"]["fillOpacity"]["condition"]["test"]


# ----------------------------------------------------------------------------- explore()
def test_explore_is_pure_and_matches_the_widget() -> None:
    df = table()
    inputs = Inputs(x="D", y="loss", laws=("power", "power_offset"), ci="delta",
                    fit_range=(1e7, 1e10), target=2.0)
    view = explore(df, inputs)
    assert sorted(view.results) == ["power", "power_offset"]
    assert view.results["power"].fit_range[0] >= 1e7
    assert view.best == {"": "power_offset"} and view.code.startswith("# Fitted with")
    assert view.solutions and view.solutions[0]["ok"]
    assert "points" not in view.chart_data["datasets"]
    assert len(points(df, inputs)) == 30
    w = explorer(fit_range=(1e7, 1e10), target=2.0)
    assert w.inputs() == inputs
    assert w.chart_data["datasets"]["fits"] == view.chart_data["datasets"]["fits"]


def test_a_collapsed_law_is_reported_as_not_fitted() -> None:
    D = np.logspace(6, 9, 12)
    flat = pd.DataFrame({"D": D, "loss": np.full(12, 2.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sl.fit(flat, x="D", y="loss", law="power", ci="delta")
        assert "collapsed" in collapsed(res)
        with pytest.raises(ScalingLabError, match="power not fitted: it collapsed"):
            explore(flat, Inputs(x="D", y="loss", laws=("power",), ci="delta"))
    assert collapsed(sl.fit(table(), x="D", y="loss", law="power", ci="delta")) is None


def test_fit_chart_and_the_widget_hold_the_other_variable_at_one_value() -> None:
    rng = np.random.default_rng(0)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e9), 60))
    D = np.exp(rng.uniform(np.log(1e8), np.log(1e10), 60))
    df = pd.DataFrame({"N": N, "D": D, "loss": 1.7 + 400 * N**-0.34 + 410 * D**-0.28})
    res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", ci="delta")
    at = sl.charts.slice_at(res.data, res.x, "D")
    assert at["N"] == pytest.approx(float(np.exp(np.mean(np.log(N)))))
    fits = res.chart(x="D").to_dict()["datasets"]["fits"]
    xs = np.array([r["x"] for r in fits])
    want = res.predict(pd.DataFrame({"N": np.full_like(xs, at["N"]), "D": xs}))
    np.testing.assert_allclose([r["y"] for r in fits], want, rtol=1e-9)


def test_a_brush_from_a_front_end_without_table_versions_is_taken_as_current() -> None:
    w = explorer()
    w._handle_custom_msg({"type": "brush", "range": [1e7, 1e10], "id": 1}, [])
    assert w.fit_range == [1e7, 1e10]


def test_a_new_widget_gets_the_policy_from_the_base() -> None:
    from scalinglab.widgets.base import ScalingLabWidget, choice, number

    class Demo(ScalingLabWidget):
        level = number(0.9, 0.5, 1, exclusive=(False, True), rule="in [0.5, 1)")
        mode = choice(("a", "b"), "a")

    w = Demo()
    with pytest.raises(ScalingLabError, match="mode must be one of 'a', 'b', not 'c'"):
        w.mode = "c"
    assert w.mode == "a" and "mode" in w.error
    with pytest.raises(ScalingLabError, match=r"level must be in \[0.5, 1\), not 1"):
        w.level = 1
    assert w.level == 0.9
    w.set_state({"mode": "z"})  # from the front end: shown, not raised
    assert w.mode == "a"
    out = sent(w)
    w._handle_custom_msg({"type": "export_json"}, [])  # not in its contract: ignored
    assert out == []
