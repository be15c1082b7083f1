"""Exports round-trip exactly: Python in a fresh interpreter, JSON back to a FitResult, LaTeX."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl


def run_fresh(code: str, call: str) -> np.ndarray:
    """Execute an exported snippet in a new interpreter (no scalinglab imported) and
    return the JSON-printed result of ``call``."""
    script = code + f"\nimport json\nprint(json.dumps(np.asarray({call}).tolist()))\n"
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                         check=True)
    return np.array(json.loads(out.stdout))


CASES = [
    ("power_offset", "D", "loss"),
    ("power", "D", "loss"),
    ("broken_power", "D", "loss"),
    ("log_linear", "D", "loss"),
    ("m4", "D", "loss"),
]


@pytest.mark.parametrize(("law", "x", "y"), CASES)
def test_python_snippet_reproduces_predict_in_a_fresh_interpreter(loss_table, law, x, y):
    res = sl.fit(loss_table, x=x, y=y, law=law, ci="delta")
    grid = np.logspace(5, 12, 15)
    got = run_fresh(res.to_python(), "predict(np.logspace(5, 12, 15))")
    np.testing.assert_allclose(got, res.predict(grid), rtol=1e-12)
    assert "PARAMS" in res.to_python() and "INTERVALS" in res.to_python()


def test_python_snippet_for_accuracy_and_multivariable():
    df = sl.datasets.load("chinchilla")
    res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", ci=None)
    got = run_fresh(res.to_python(), "predict(np.array([1e9, 1e10]), np.array([2e10, 2e11]))")
    np.testing.assert_allclose(got, res.predict({"N": [1e9, 1e10], "D": [2e10, 2e11]}), rtol=1e-12)
    D = np.logspace(3, 6, 20)
    acc = pd.DataFrame({"D": D, "accuracy": 1 - 2 * D**-0.3})
    res = sl.fit(acc, x="D", y="accuracy", ci=None)
    np.testing.assert_allclose(run_fresh(res.to_python(), "predict(np.logspace(3, 8, 6))"),
                               res.predict(np.logspace(3, 8, 6)), rtol=1e-12)


def test_snippet_never_injects_column_names():
    D = np.logspace(3, 6, 20)
    evil = "x'); import os; os.system('echo pwned') #\n"
    df = pd.DataFrame({evil: D, "loss": 2 * D**-0.3 + 0.1})
    res = sl.fit(df, x=evil, y="loss", ci=None)
    code = res.to_python()
    compile(code, "snippet", "exec")
    assert "def predict(x)" in code and "\nimport os" not in code


@pytest.mark.parametrize("ci", [None, "delta", "bootstrap"])
def test_json_round_trip_is_exact(loss_table, ci):
    res = sl.fit(loss_table, x="D", y="loss", ci=ci, n_boot=200, fit_range=(1e6, 5e8))
    back = sl.load_fit(res.to_json())
    assert back.params == res.params
    assert back.to_json() == res.to_json()
    grid = np.logspace(5, 12, 9)
    np.testing.assert_array_equal(back.predict(grid), res.predict(grid))
    if ci:
        pd.testing.assert_frame_equal(back.band(grid), res.band(grid))
        pd.testing.assert_frame_equal(back.param_ci(), res.param_ci())
        assert str(back.solve(1.8)) == str(res.solve(1.8))
    json.loads(res.to_json())  # strict JSON: no NaN/Infinity tokens
    assert "NaN" not in res.to_json().replace('"NaN"', "")


def test_json_round_trip_for_custom_law(loss_table):
    law = sl.Law.from_expression("a * x**(-b) + c", params={"a": (0, None), "b": (0, 3), "c": (0, None)})
    res = sl.fit(loss_table, x="D", y="loss", law=law, ci="delta")
    back = sl.load_fit(res.to_json())
    np.testing.assert_array_equal(back.predict([1e10]), res.predict([1e10]))


def test_load_fit_rejects_junk():
    with pytest.raises(sl.ScalingLabError, match="not a scalinglab fit"):
        sl.load_fit("{]")
    with pytest.raises(sl.ScalingLabError, match="not a scalinglab fit"):
        sl.load_fit('{"hello": 1}')


def test_latex_has_numbers_and_escapes_names():
    D = np.logspace(3, 6, 20)
    res = sl.fit(pd.DataFrame({"D_tokens": D, "loss%": 2 * D**-0.3 + 0.1}), x="D_tokens",
                 y="loss%", ci=None)
    tex = res.to_latex()
    assert "<" not in tex and r"\text{D\_tokens}" in tex and r"\text{loss\%}" in tex
    assert f"{res.params['b']:.4g}" in tex


def test_load_fit_accepts_a_path(loss_table, tmp_path):
    import pathlib

    res = sl.fit(loss_table, x="D", y="loss", ci="delta")
    path = tmp_path / "fit.json"
    path.write_text(res.to_json())
    for p in (path, str(path)):
        back = sl.load_fit(p)
        assert back.params == res.params
    assert isinstance(path, pathlib.Path)


def test_load_fit_explains_what_it_takes(tmp_path):
    with pytest.raises(sl.ScalingLabError, match="no such file"):
        sl.load_fit(tmp_path / "missing.json")
    with pytest.raises(sl.ScalingLabError, match="no such file"):
        sl.load_fit(str(tmp_path / "missing.json"))
    with pytest.raises(sl.ScalingLabError, match=r"JSON text .* or a path"):
        sl.load_fit(42)
    (tmp_path / "junk.json").write_text("{]")
    with pytest.raises(sl.ScalingLabError, match=r"junk\.json"):
        sl.load_fit(tmp_path / "junk.json")
