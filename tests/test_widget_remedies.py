"""RemedyComparer, Python side: traitlet contract, views, summary, errors, exports."""

import json

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab.errors import ScalingLabError
from scalinglab.imbalance import COLUMNS


@pytest.fixture(scope="module")
def study():
    return sl.imbalance.run_study(
        remedies=["none", "oversample", "undersample", "threshold"],
        ratios=[1, 2, 5, 10, 20, 50], sizes=[30, 60, 120], seeds=3, n_jobs=1, cache=None,
        progress=False,
    )


@pytest.fixture
def w(study):
    return sl.RemedyComparer(study)


def test_initial_state(w, study):
    assert (w.view, w.metric) == (1, "accuracy")
    assert w.remedies == ["none", "oversample", "undersample", "threshold"]
    assert w.ratio == 50.0 and w.ratio_options == [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
    assert w.metric_options == list(sl.imbalance.METRICS)
    assert [r["name"] for r in w.remedy_info] == w.remedies
    assert len({r["color"] for r in w.remedy_info}) == 4
    assert all(r["description"] for r in w.remedy_info)
    assert w.error == ""
    assert set(w.results) == set(w.remedies)
    assert set(w.chart_data["datasets"]) == {"points", "means", "fits", "bands"}
    assert set(w.spec["datasets"]) == {"points", "means", "fits", "bands"}


def test_view1_shows_largest_size_runs_and_means(w, study):
    pts = pd.DataFrame(w.chart_data["datasets"]["points"])
    assert len(pts) == 4 * 6 * 3  # remedies × ratios × seeds at the largest size
    means = pd.DataFrame(w.chart_data["datasets"]["means"])
    expected = sl.imbalance.summarize(sl.imbalance.largest_size(study), "accuracy")
    got = means.set_index(["remedy", "ratio"])["mean"]
    want = expected.set_index(["remedy", "ratio"])["mean"]
    assert np.allclose(got.loc[want.index], want)
    # the fitted trend is what ratio_trends returns
    fits, _ = sl.imbalance.ratio_trends(study, "accuracy", w.remedies)
    assert w.results["none"].params == pytest.approx(fits["none"].params)


def test_toggle_remedy_filters_every_dataset(w):
    w.remedies = ["none", "threshold"]
    for name, rows in w.chart_data["datasets"].items():
        assert {r["remedy"] for r in rows} == {"none", "threshold"}, name
    assert set(w.results) == {"none", "threshold"}
    assert {r["best"] for r in w.summary_rows} <= {"none", "threshold"}
    assert w.spec["datasets"]  # colours stay fixed: the scale domain keeps every remedy
    color = w.spec["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert color == ["none", "oversample", "undersample", "threshold"]


def test_metric_switch_changes_spec_and_numbers(w):
    acc = w.summary_rows
    w.metric = "roc_auc"
    assert "ROC AUC" in json.dumps(w.spec)
    assert w.summary_rows != acc
    assert all(90 < r["best_mean"] <= 100 for r in w.summary_rows)  # percent


def test_view2_learning_curves_with_extrapolation(w, study):
    w.view = 2
    w.ratio = 20.0
    fits = pd.DataFrame(w.chart_data["datasets"]["fits"])
    assert set(fits["part"]) == {"fit", "extrapolation"}
    biggest = study.loc[study.ratio == 20, "train_size"].max()
    assert fits["train_size"].max() == pytest.approx(biggest * w.horizon)
    pts = pd.DataFrame(w.chart_data["datasets"]["points"])
    assert sorted(pts["train_size"].unique()) == sorted(
        study.loc[study.ratio == 20, "train_size"].unique())
    assert "ρ = 20" in w.notes[0]
    assert "Extrapolated" in w.verdict
    w.horizon = 10.0
    assert pd.DataFrame(w.chart_data["datasets"]["fits"])["train_size"].max() == \
        pytest.approx(biggest * 10)
    bands = pd.DataFrame(w.chart_data["datasets"]["bands"])
    assert bands[["lo", "hi"]].max().max() <= 1.0


def test_view2_ratio_snaps_to_the_nearest_in_table(w):
    w.view = 2
    w.ratio = 18.0
    assert "ρ = 20" in w.notes[0]


def test_view3_line_against_curve(w):
    w.view = 3
    assert set(w.results) == {"line", "curve"}
    assert w.comparison.best in ("line", "curve")
    assert w.verdict.startswith(f"The {w.comparison.best} wins")
    assert "ΔAIC" in w.verdict
    pts = w.chart_data["datasets"]["points"]
    assert len(pts) == 4 * 6 * 3 * 3  # every run
    assert {f["law"] for f in w.chart_data["datasets"]["fits"]} == {"line", "curve"}


def test_summary_says_whether_the_paired_difference_excludes_zero(w, study):
    rows = pd.DataFrame(w.summary_rows)
    assert list(rows["ratio"]) == [1, 2, 5, 10, 20, 50]
    assert (rows["margin"] >= 0).all()
    # a win is clear when the interval of the paired (same-seed) difference excludes 0
    assert (rows["clear"] == (rows["diff_lo"] > 0)).all()
    # hand check at ρ = 50
    big = sl.imbalance.largest_size(study)
    at = big[big.ratio == 50].groupby("remedy")["accuracy"].agg(["mean", "std"])
    at = at.sort_values("mean", ascending=False)
    r = rows.set_index("ratio").loc[50]
    assert r["best"] == at.index[0] and r["runner_up"] == at.index[1]
    # one unit in the "wins" table: percentage points
    assert r["unit"] == "percentage points"
    assert r["margin"] == pytest.approx(100 * (at["mean"].iloc[0] - at["mean"].iloc[1]))
    assert r["spread"] == pytest.approx(100 * at["std"].iloc[:2].max())
    assert r["best_mean"] == pytest.approx(100 * at["mean"].iloc[0])


@pytest.mark.parametrize(
    ("trait", "value", "match"),
    [
        ("metric", "f1", "metric 'f1' is not in this table"),
        ("remedies", ["none", "magic"], "remedy 'magic' is not one of them; the table has"),
        ("view", 4, "view must be one of 1, 2, 3"),
        ("level", 1.5, "level must be in [0.5, 1)"),
        ("horizon", 0.5, "horizon must be >= 1"),
        ("trend_law", "cubic", "trend_law must be one of"),
    ],
)
def test_bad_control_shows_error_and_keeps_last_good_state(w, trait, value, match):
    before = (w.metric, list(w.remedies), w.view, w.level, w.horizon, w.trend_law)
    data = w.chart_data
    with pytest.raises(ScalingLabError, match=match.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        setattr(w, trait, value)
    assert (w.metric, list(w.remedies), w.view, w.level, w.horizon, w.trend_law) == before
    assert w.chart_data == data
    w.metric = "roc_auc"  # a good change clears the error
    assert w.error == ""


def test_code_export_runs_and_reproduces_the_trends(w, study, tmp_path, monkeypatch):
    study.to_csv(tmp_path / "study.csv", index=False)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(w.code, ns)
    assert set(ns["fits"]) == set(w.remedies)
    x = np.array([1.0, 7.0, 50.0])
    for rem, res in w.results.items():
        fn = ns["fit_" + rem]
        assert np.allclose(fn(x), res.predict(x), rtol=1e-12)
        assert ns["fits"][rem].params == pytest.approx(res.params, rel=1e-9)
    assert ns["winners"]["best"].tolist() == [r["best"] for r in w.summary_rows]


def test_code_export_of_learning_curves_undoes_the_error_transform(w):
    w.view = 2
    ns: dict = {}
    exec("# The fitted trends" + w.code.split("# The fitted trends")[1], ns)
    x = np.array([100.0, 5000.0])
    for rem, res in w.results.items():
        assert res.flip
        assert np.allclose(ns["fit_" + rem](x), res.predict(x), rtol=1e-12)


def test_json_export_round_trips_the_fits(w):
    payload = json.loads(w.to_json())
    assert payload["metric"] == "accuracy" and payload["view"] == 1
    assert [r["best"] for r in payload["winners"]] == [r["best"] for r in w.summary_rows]
    for rem, blob in payload["fits"].items():
        res = sl.load_fit(json.dumps(blob))
        assert res.params == pytest.approx(w.results[rem].params)


def test_export_json_message(w):
    sent = []
    w.send = lambda content, buffers=None: sent.append(content)
    w._handle_custom_msg({"type": "export_json"}, [])
    assert sent[0]["type"] == "export_json" and sent[0]["filename"].endswith(".json")
    assert json.loads(sent[0]["text"])["metric"] == "accuracy"


def test_a_users_deep_learning_table(study):
    t = pd.DataFrame({
        "remedy": np.repeat(["none", "ros"], 8),
        "ratio": np.tile(np.repeat([1, 10, 100, 1000], 2), 2),
        "seed": np.tile([0, 1], 8),
        "roc_auc": [.99, .98, .97, .96, .9, .91, .8, .82, .99, .99, .98, .97, .95, .94, .9, .91],
    })
    w = sl.RemedyComparer(t)
    assert w.metric == "roc_auc" and w.metric_options == ["roc_auc"]
    assert w.error == ""
    assert w.remedy_info[1]["description"] == "a remedy from your own runs"
    with pytest.raises(ScalingLabError, match="train_size"):
        w.view = 2  # no train_size: error, view 1 kept
    assert "train_size" in w.error and w.view == 1
    with pytest.raises(ScalingLabError, match="trade-off needs"):
        w.view = 3  # no minority/majority columns
    assert "trade-off needs" in w.error and w.view == 1


def test_bad_table_raises_with_the_column(study):
    with pytest.raises(ScalingLabError, match="lacks the column 'ratio'"):
        sl.RemedyComparer(study.drop(columns="ratio"))
    assert list(study.columns) == list(COLUMNS)


@pytest.mark.parametrize("view", [1, 2, 3])
def test_no_remedy_selected_is_an_empty_view_not_an_error(w, view):
    w.view = view
    w.remedies = []
    assert w.error == "" and w.summary_rows == []
    assert all(rows == [] for rows in w.chart_data["datasets"].values())
    assert "Select at least one remedy" in (w.verdict + " ".join(w.notes))
    json.loads(w.to_json())


def test_error_bars_with_two_seeds_stay_on_the_axis():
    t = sl.imbalance.run_study(remedies=["none", "oversample"], ratios=[1, 5, 20],
                               sizes=[30, 60, 120], seeds=2, n_jobs=1, cache=None,
                               progress=False)
    w = sl.RemedyComparer(t)
    for view in (1, 2):
        w.view = view
        lo, hi = w.chart_data["signals"]["ydomain"]
        params = {p["name"] for p in w.spec["params"]}
        assert "ydomain" in params  # the y scale reads it
        for row in w.chart_data["datasets"]["means"] + w.chart_data["datasets"]["points"]:
            for key in ("lo", "hi", "mean", "value"):
                if row.get(key) is not None:
                    assert lo <= row[key] <= hi, (view, key, row)
        assert 0 <= lo and hi <= 1
        assert any("2 seed(s)" in n for n in w.notes)
