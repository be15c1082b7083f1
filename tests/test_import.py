"""`import scalinglab` stays light: scikit-learn, imbalanced-learn, anywidget, Altair, nbconvert
and dask load when first used; every lazy name still works; a missing optional dependency is a
`ScalingLabError` naming the extra that installs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "imblearn", "anywidget", "altair", "nbconvert", "dask", "distributed",
         "ray", "ipywidgets", "IPython", "jinja2", "vl_convert", "tqdm", "joblib")


def run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON value, returned here."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


LOADED = f"sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))"


def test_import_scalinglab_loads_nothing_heavy():
    assert run(f"import sys, json, scalinglab; print(json.dumps({LOADED}))") == []


def test_a_fit_and_a_compute_plan_load_nothing_heavy_either():
    code = ("import sys, json, scalinglab as sl; "
            "r = sl.fit(sl.datasets.load('chinchilla'), x=['N', 'D'], y='loss', law='chinchilla', "
            "ci=None); r.predict({'N': [1e9], 'D': [1e11]}); r.to_python(); "
            f"print(json.dumps({LOADED}))")
    assert run(code) == []


def test_lazy_names_resolve_on_first_use():
    code = ("import sys, json, scalinglab as sl; "
            "from scalinglab import LawExplorer; "
            "names = {'LawExplorer': sl.LawExplorer.__module__, "
            "'RemedyComparer': sl.RemedyComparer.__module__, "
            "'learning_curves': sl.learning_curves.__module__, "
            "'run_study': sl.imbalance.run_study.__module__, "
            "'same': LawExplorer is sl.LawExplorer, "
            "'in_dir': sorted({'LawExplorer', 'RemedyComparer', 'learning_curves', 'imbalance'} "
            "& set(dir(sl)))}; "
            f"names['loaded'] = {LOADED}; "
            "print(json.dumps(names))")
    got = run(code)
    assert got["LawExplorer"] == "scalinglab.widgets.explorer"
    assert got["RemedyComparer"] == "scalinglab.widgets.remedies"
    assert got["learning_curves"] == "scalinglab.experiments.learning_curves"
    assert got["run_study"].startswith("scalinglab.imbalance")
    assert got["same"] is True
    assert got["in_dir"] == ["LawExplorer", "RemedyComparer", "imbalance", "learning_curves"]
    assert {"anywidget", "sklearn"} <= set(got["loaded"])  # loaded now, as used


def test_a_lazy_widget_still_works():
    code = ("import json, pandas as pd, scalinglab as sl; "
            "w = sl.LawExplorer(pd.DataFrame({'D': [1e3, 1e4, 1e5, 1e6, 1e7, 1e8], "
            "'loss': [3.1, 2.6, 2.2, 1.95, 1.8, 1.7]}), x='D', y='loss', laws=['power_offset']); "
            "print(json.dumps([w.x, w.y, list(w.laws), w.error if hasattr(w, 'error') else '']))")
    assert run(code)[:3] == ["D", "loss", ["power_offset"]]


def test_unknown_attribute_is_an_attribute_error():
    import scalinglab as sl

    with pytest.raises(AttributeError, match="no attribute 'LawExplorr'"):
        sl.LawExplorr  # noqa: B018


@pytest.mark.parametrize("missing", ["nbconvert", "jinja2"])
def test_static_html_without_the_html_extra_names_it(missing):
    code = (f"import sys, json; sys.modules[{missing!r}] = None; "
            "import scalinglab as sl\n"
            "try:\n"
            "    import scalinglab.widgets.static_html\n"
            "except sl.ScalingLabError as e:\n"
            "    print(json.dumps([str(e), isinstance(e, ImportError)]))")
    message, is_import_error = run(code)
    assert f"needs {missing}" in message and "pip install 'scalinglab[html]'" in message
    assert is_import_error  # `except ImportError` probes keep working


def test_dask_backend_without_dask_names_the_extra():
    code = ("import sys, json; sys.modules['distributed'] = None; "
            "from scalinglab.experiments.runner import run_tasks\n"
            "import scalinglab as sl\n"
            "try:\n"
            "    run_tasks(abs, [{'x': 1}], backend='dask', progress=False)\n"
            "except sl.ScalingLabError as e:\n"
            "    print(json.dumps(str(e)))")
    assert "pip install 'scalinglab[distributed]'" in run(code)
