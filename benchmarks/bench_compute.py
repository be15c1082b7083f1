"""Time `sl.compute_optimal` on the bundled Chinchilla table, each approach with and without
intervals, and write benchmarks/results/compute_optimal.md (appended to RESULTS.md by
run_all.py, which also judges the goal: the isoFLOP plan with 1,000-resample intervals ≤ 1 s).

    python benchmarks/bench_compute.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import scalinglab as sl

OUT = Path(__file__).parent / "results" / "compute_optimal.md"
PAPER_BUDGETS = [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21]
CASES = [
    ("isoflop (exact profile)", {"approach": "isoflop"}),
    ("isoflop (exact), the paper's 9 budgets", {"approach": "isoflop", "budgets": PAPER_BUDGETS}),
    ("isoflop (parabola)", {"approach": "isoflop", "profile": "parabola"}),
    ("envelope", {"approach": "envelope"}),
    ("parametric (Chinchilla law)", {"approach": "parametric"}),
]


def timed(kwargs: dict, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of `compute_optimal` (after one warm-up), and the plan."""
    df = sl.datasets.load("chinchilla")
    plan = sl.compute_optimal(df, **kwargs)
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        plan = sl.compute_optimal(df, **kwargs)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), plan


def run(repeats: int = 5) -> tuple[list[str], dict[str, float]]:
    warnings.simplefilter("ignore")
    rows = ["| approach | intervals | median wall | median CPU | N_opt(1e24) [95%] | exponent a |",
            "|---|---|---|---|---|---|"]
    key = {}
    for name, kw in CASES:
        for ci in (None, "bootstrap"):
            wall, cpu, plan = timed({**kw, "ci": ci, "n_boot": 1000}, repeats)
            r = plan.allocate([1e24]).iloc[0]  # type: ignore[attr-defined]
            a = plan.exponents.loc["N", "exponent"]  # type: ignore[attr-defined]
            interval = "" if ci is None else f" [{r.N_lo / 1e9:.0f}, {r.N_hi / 1e9:.0f}]"
            rows.append(f"| {name} | {'1,000 resamples' if ci else 'none'} | "
                        f"{wall * 1e3:.0f} ms | {cpu * 1e3:.0f} ms | {r.N / 1e9:.1f}B{interval} | "
                        f"{a:.3f} |")
            key[f"{name}|{ci}"] = cpu
    return rows, key


def write(repeats: int = 5) -> dict[str, float]:
    """Time every case, write `OUT`, and return CPU seconds by case (for run_all's goals)."""
    rows, cpu = run(repeats)
    text = "\n".join([
        "## compute_optimal on the bundled Chinchilla table (234 runs)", "",
        f"`sl.compute_optimal(df, approach=...)`, medians of {repeats} runs after a warm-up. "
        "Intervals: a bootstrap within budgets for isoflop (residuals resampled within each "
        "budget; profiles and their shared exponents refitted per resample), over model sizes "
        "for envelope, and the fit's own for parametric.", "", *rows, ""])
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(text)
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    write(ap.parse_args().repeats)


if __name__ == "__main__":
    main()
