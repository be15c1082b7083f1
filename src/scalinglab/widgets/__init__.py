"""Jupyter widgets (anywidget): `LawExplorer`, `RemedyComparer` and `ComputeExplorer`.

Their front ends are ES modules built from ``js/`` into ``scalinglab/static/``; they are
imported on first use so that the kernel stays importable without Jupyter.

>>> from scalinglab.widgets import LawExplorer
>>> LawExplorer().status
'Drop a CSV/TSV file or paste a table to start.'
"""

from __future__ import annotations

from typing import Any

__all__ = ["ComputeExplorer", "LawExplorer", "RemedyComparer"]


def __getattr__(name: str) -> Any:
    if name == "LawExplorer":
        from scalinglab.widgets.explorer import LawExplorer

        return LawExplorer
    if name == "RemedyComparer":
        from scalinglab.widgets.remedies import RemedyComparer

        return RemedyComparer
    if name == "ComputeExplorer":
        from scalinglab.widgets.compute import ComputeExplorer

        return ComputeExplorer
    raise AttributeError(f"module 'scalinglab.widgets' has no attribute {name!r}")
