"""Compute-optimal planning: Chinchilla's three approaches with intervals.

The kernel of `scalinglab.compute_optimal` (numpy, scipy and pandas only):

* ``runs``: the sweep table → clean runs, FLOP convention, duplicates and ``tune=``;
* ``budgets``: runs → isoFLOP budgets;
* ``profiles``: per-budget isoFLOP profiles (exact, or parabola), batched over resamples;
* ``isoflop`` (approach 2), ``envelope`` (approach 1), ``parametric`` (approach 3);
* ``minima`` and ``frontier``: power laws in C and the loss along the frontier;
* ``plan``: `compute_optimal` and `ComputePlan`; ``export``: ``plan.to_python()``.
"""

from scalinglab.compute.plan import APPROACHES, ComputePlan, compute_optimal

__all__ = ["APPROACHES", "ComputePlan", "compute_optimal"]
