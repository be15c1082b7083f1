"""scalinglab: fit, compare and extrapolate scaling laws and learning curves.

>>> import scalinglab as sl
>>> df = sl.datasets.load("chinchilla")
>>> res = sl.fit(df, x=["N", "D"], y="loss", law="chinchilla", loss="huber", delta=1e-3, ci=None)
>>> round(res.params["alpha"], 2) > 0
True
"""

from __future__ import annotations

from typing import Any

from scalinglab import datasets, laws
from scalinglab.compute import ComputePlan, compute_optimal
from scalinglab.delegates import provide
from scalinglab.errors import ScalingLabError, ScalingLabWarning
from scalinglab.export import load_fit
from scalinglab.fitting.compare import Comparison, compare
from scalinglab.fitting.fit import fit
from scalinglab.fitting.result import FitResult, GroupFit, Solution
from scalinglab.laws import Law, Param, get_law

__version__ = "0.1.0"

# Presentation sits above the kernel: `FitResult.chart()`, `.to_python()`, ... and
# `ComputePlan.chart()`, `.to_python()` delegate to these (see scalinglab.delegates); each
# module is imported on its first call.
for _role, _target in {
    "fit_chart": "scalinglab.charts:fit_chart",
    "fit_to_python": "scalinglab.export:to_python",
    "fit_to_json": "scalinglab.export:to_json",
    "fit_to_latex": "scalinglab.export:to_latex",
    "plan_chart": "scalinglab.compute_charts:plan_chart",
    "plan_to_python": "scalinglab.compute.export:plan_to_python",
}.items():
    provide(_role, _target)
del _role, _target

__all__ = [
    "Comparison",
    "ComputeExplorer",
    "ComputePlan",
    "FitResult",
    "GroupFit",
    "Law",
    "LawExplorer",
    "Param",
    "RemedyComparer",
    "ScalingLabError",
    "ScalingLabWarning",
    "Solution",
    "__version__",
    "compare",
    "compute_optimal",
    "datasets",
    "fit",
    "get_law",
    "imbalance",
    "laws",
    "learning_curves",
    "load_fit",
]


def __getattr__(name: str) -> Any:
    # Widgets, the imbalance study and learning curves pull in anywidget / scikit-learn: load them on first use
    # so that the kernel stays importable from a plain script.
    if name == "LawExplorer":
        from scalinglab.widgets.explorer import LawExplorer

        return LawExplorer
    if name == "RemedyComparer":
        from scalinglab.widgets.remedies import RemedyComparer

        return RemedyComparer
    if name == "ComputeExplorer":
        from scalinglab.widgets.compute import ComputeExplorer

        return ComputeExplorer
    if name == "learning_curves":
        from scalinglab.experiments.learning_curves import learning_curves

        return learning_curves
    if name == "imbalance":
        import importlib

        return importlib.import_module("scalinglab.imbalance")
    raise AttributeError(f"module 'scalinglab' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the lazy names above too (tab completion shows them before first use)
    return sorted(set(globals()) | set(__all__))
