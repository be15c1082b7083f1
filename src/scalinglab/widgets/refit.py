"""`RefitPolicy`: how LawExplorer refits while a person drags the fit range, in one object.

* drag versus rest: a refit asked for while the brush moves (``dragging=True``) fits each
  law once, from warm starts, under the named `IterationCap` `DRAG_CAP`, and leaves the
  held-out scores to the refit at rest; a refit at rest (and every fit asked for from
  Python) is the kernel's full, uncapped multi-start fit;
* warm starts: a law restarts from its fit of the previous range and from its fit of the
  whole series (its "anchor": a warm start alone can stay in a worse basin when the range
  moves far);
* ``drag_ci``: ``"delta"`` draws delta-method bands while dragging (quicker), the widget's
  ``ci`` at rest;
* held axes: while dragging, the axes keep the domains they had when the drag began, so no
  frame moves every point and tick.

The kernel knows nothing of this: it takes ``starts``, ``multistart`` and ``cap`` as plain
arguments (`multistart=False` is not "capped"; the cap is explicit).

>>> p = RefitPolicy()
>>> p.fit_options("power", None, dragging=False)
{}
>>> p.cap
IterationCap(point_fit=30, resample=8)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.fit import fit
from scalinglab.fitting.result import FitResult, GroupFit
from scalinglab.fitting.solver import IterationCap

#: While the brush moves, each law's warm refit stops after 30 iterations and each bootstrap
#: resample after 8: a law the data barely determine (3 parameters on the 17 points at one
#: end of a brush) could otherwise crawl for 100 iterations (~100 ms) per frame. A frame
#: shows where it got to; the uncapped multi-start fit follows when the brush rests.
DRAG_CAP = IterationCap(point_fit=30, resample=8)


@dataclass
class RefitPolicy:
    """The interactive-refit policy of one widget; see the module docstring."""

    cap: IterationCap = DRAG_CAP
    drag_ci: str = "same"
    #: law results of the last refit (law -> FitResult or GroupFit): the warm starts
    last: dict[str, Any] = field(default_factory=dict)
    #: the best law per series at the last refit at rest (kept while dragging)
    best: dict[str, str] = field(default_factory=dict)
    _anchors: dict[tuple, dict[str, float] | None] = field(default_factory=dict)
    _axes: tuple[Hashable, dict[str, list[float]]] | None = None

    def reset(self) -> None:
        """A new table: forget warm starts, anchors and held axes."""
        self.last = {}
        self.best = {}
        self._anchors.clear()
        self._axes = None

    def delta_bands(self, ci: str, dragging: bool) -> bool:
        """Does this refit draw delta-method bands instead of the bootstrap's?"""
        return dragging and self.drag_ci == "delta" and ci == "bootstrap"

    def fit_options(self, law: str, series: Any, dragging: bool,
                    anchor_key: tuple | None = None) -> dict[str, Any]:
        """Extra `fit` arguments for ``law`` on ``series``: none at rest; while dragging,
        its warm starts (last fit, whole-series anchor), one start only, and the cap."""
        if not dragging:
            return {}
        prev = self.last.get(law)
        if isinstance(prev, GroupFit):
            prev = prev.results.get(series)
        if not isinstance(prev, FitResult) or prev.settings.get("fixed"):
            return {}
        starts = [dict(prev.params)]
        anchor = self._anchors.get(anchor_key) if anchor_key is not None else None
        if anchor is not None:
            starts.append(anchor)
        return {"starts": starts, "multistart": False, "cap": self.cap}

    def remember_anchor(self, key: tuple, frame: pd.DataFrame, fit_args: dict[str, Any],
                        whole: FitResult | None) -> None:
        """Remember the law's fit of the whole series (fitting it when ``whole`` is None)."""
        if key in self._anchors:
            return
        if whole is None:
            try:
                with warnings.catch_warnings():  # a restart point only: nothing to tell
                    warnings.simplefilter("ignore")
                    whole = fit(frame, **{**fit_args, "fit_range": None, "ci": None})
            except ScalingLabError:
                self._anchors[key] = None
                return
        assert isinstance(whole, FitResult)
        self._anchors[key] = dict(whole.params)

    def axes(self, key: Hashable, exact: Callable[[], dict[str, list[float]]],
             dragging: bool) -> dict[str, list[float]]:
        """The axis domains: while dragging, those of the drag's start (same ``key``); at
        rest, ``exact()``."""
        if dragging and self._axes is not None and self._axes[0] == key:
            return self._axes[1]
        dom = exact()
        self._axes = (key, dom)
        return dom
