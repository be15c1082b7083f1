"""ComputeExplorer's budget move: how long the kernel takes to answer one slider step.

Kernel side (this process): `scalinglab.widgets.compute_view.budget_view` on the bundled
Chinchilla table (234 runs, 1,000-resample intervals), after the plans are fitted: the
readout (N_opt, D_opt, tokens per parameter, loss, each with an interval) and the three
approaches side by side at one new budget, for each approach selected. Also the first view
(three approaches fitted) and a toggle that refits (a budget left out).

End to end (``--lab``): a real JupyterLab with headless Chromium (tests/browser/harness.py),
a ComputeExplorer on the bundled table; each step sets the budget slider in the page and
waits until the readout shows the kernel's answer (`data-readout-version` moves).

    .venv/bin/python benchmarks/compute_latency.py            # kernel side
    .venv/bin/python benchmarks/compute_latency.py --lab      # and slider -> readout in Lab

The markdown goes to ``benchmarks/results/compute_latency.md`` (RESULTS.md includes it).

Goal: p95 <= 150 ms from slider to readout (reported, not chased).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "compute_latency.md"


def _stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, "
            f"max {a.max():.1f} ms (n = {a.size})")


def kernel(steps: int) -> list[str]:
    import scalinglab as sl
    from scalinglab.widgets.compute_view import ComputeInputs, PlanCache, budget_view, compute_view

    df = sl.datasets.load("chinchilla")
    cache = PlanCache(df)
    base = ComputeInputs()
    t0 = time.perf_counter()
    view = compute_view(cache, base)
    first = (time.perf_counter() - t0) * 1e3
    lines = [f"- first view (three approaches fitted, 1,000 resamples each): {first:.0f} ms"]
    budgets = np.geomspace(1e20, 1e26, steps)
    for approach in ("isoflop", "envelope", "parametric"):
        inputs = ComputeInputs(approach=approach)
        compute_view(cache, inputs)
        fits = cache.fits
        ms = []
        for C in budgets:
            t = time.perf_counter()
            budget_view(cache, ComputeInputs(approach=approach, budget=float(C)))
            ms.append((time.perf_counter() - t) * 1e3)
        assert cache.fits == fits, "a budget move refitted a plan"
        lines.append(f"- budget move, approach {approach!r} selected (readout + three "
                     f"approaches): {_stats(ms)}")
    name = next(b["name"] for b in reversed(view.budgets) if b["included"])
    t = time.perf_counter()
    compute_view(cache, ComputeInputs(excluded=(name,)))
    lines.append(f"- leave budget {name} out (three approaches refitted): "
                 f"{(time.perf_counter() - t) * 1e3:.0f} ms")
    return lines


def lab(steps: int) -> list[str]:
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from compute_driver import slider_latencies  # the browser test's driver

    drags, single = slider_latencies(steps)
    return [f"- slider dragged (6 mouse moves), release → readout drawn, JupyterLab + Chromium: "
            f"{_stats(drags)}",
            f"- one slider step (one input event) → readout drawn: {_stats(single)}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--lab", action="store_true", help="also slider -> readout in JupyterLab")
    ap.add_argument("--no-write", action="store_true", help=f"do not write {OUT.name}")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    lines = kernel(args.steps)
    if args.lab:
        lines += lab(max(10, args.steps // 2))
    text = "\n".join([
        "## ComputeExplorer: a budget move", "",
        "`benchmarks/compute_latency.py` on the bundled Chinchilla table (234 runs, 1,000-resample "
        "intervals), after the plans are fitted. Kernel side: `compute_view.budget_view` (the "
        "readout with its intervals and the three approaches at the new budget; no plan is "
        "refitted, each is evaluated over its cached bootstrap draws). End to end (`--lab`): the "
        "slider dragged by mouse in headless Chromium against a real JupyterLab, from the release "
        "to the readout drawn for that budget. Goal: p95 ≤ 150 ms end to end (reported, not "
        f"chased). Python {platform.python_version()}, {os.cpu_count()} cores shared with other "
        f"work (load average {load:.1f} at the start).", "", *lines, ""])
    print(text)
    if not args.no_write:
        OUT.write_text(text)


if __name__ == "__main__":
    main()
