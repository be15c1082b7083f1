"""Time the default imbalance study (`sl.imbalance.run_study()`) and write a RESULTS section.

Runs the default grid (7 remedies × 6 ratios × 3 training sizes × 3 seeds on load_digits) cold
(no cache) with all cores and with one, then once more against a warm cache, and writes
benchmarks/results/imbalance.md.

    python benchmarks/bench_imbalance.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import joblib
import sklearn

import scalinglab as sl

OUT = Path(__file__).parent / "results" / "imbalance.md"


def _time(**kw) -> tuple[float, int]:
    t0 = time.perf_counter()
    table = sl.imbalance.run_study(progress=False, **kw)
    return time.perf_counter() - t0, len(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=1, help="cold runs per setting (best kept)")
    args = ap.parse_args()
    _time(remedies=["none"], ratios=[1], sizes=[20], seeds=1, n_jobs=1, cache=None)  # warm-up
    rows = []
    for n_jobs in (-1, 1):
        times = [_time(n_jobs=n_jobs, cache=None) for _ in range(args.repeats)]
        best = min(t for t, _ in times)
        workers = joblib.cpu_count() if n_jobs == -1 else 1
        label = f"cold, n_jobs={n_jobs} ({workers} worker{'s' if workers > 1 else ''})"
        rows.append((label, best, times[0][1]))
        print(rows[-1])
    with tempfile.TemporaryDirectory() as tmp:
        _time(n_jobs=-1, cache=tmp)
        warm, n = _time(n_jobs=-1, cache=tmp)
    rows.append(("warm cache (every run cached), n_jobs=-1", warm, n))
    print(rows[-1])
    grid = (f"{len(sl.imbalance.DEFAULT_REMEDIES)} remedies × {len(sl.imbalance.DEFAULT_RATIOS)} "
            f"ratios × {len(sl.imbalance.DEFAULT_SIZES)} training sizes × 3 seeds")
    lines = [
        "## Imbalance study: default grid wall time",
        "",
        f"`sl.imbalance.run_study()` with its defaults: {grid} on scikit-learn's bundled "
        f"load_digits, SGDClassifier(loss='log_loss'), step imbalance with μ = 0.5. "
        f"Measured by `python benchmarks/bench_imbalance.py` on {platform.machine()} with "
        f"{os.cpu_count()} cores (shared with other work), Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}. Goal: under 60 s "
        f"on 2 cores.",
        "",
        "| setting | runs | wall time (s) |",
        "|---|---:|---:|",
        *[f"| {name} | {n} | {t:.1f} |" for name, t, n in rows],
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
