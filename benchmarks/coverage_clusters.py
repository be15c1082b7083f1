"""How clustered intervals cover with few clusters: measured, written to results/*.md.

A sweep of G model sizes × 5 seeds, where each size has its own deviation (sd 0.02 in log
loss) shared by its seeds, plus per-seed noise (sd 0.01): the setting of tests/test_clusters.py.
For each G, the nominal 95% confidence band of power_offset at x = 10× the largest size is
refitted over many repeats and its coverage of the true curve counted, for the default
bootstrap (whole clusters), the delta method (cluster-robust CV3) and, for comparison, the
bootstrap that resamples rows as if seeds were independent (``cluster=False``).

    python benchmarks/coverage_clusters.py            # 300 repeats per cell, ~4 minutes
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import scalinglab as sl

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))
from test_clusters import LAW, TRUE, X_FAR, seeds_table  # noqa: E402

SIZES = (5, 6, 8, 10, 15, 20)
METHODS = (("bootstrap", None, "bootstrap, whole clusters (default)"),
           ("delta", None, "delta, cluster-robust CV3"),
           ("bootstrap", False, "bootstrap over rows (`cluster=False`)"))


def coverage(G: int, ci: str, cluster: bool | None, repeats: int) -> float:
    truth = LAW(np.array([X_FAR]), **TRUE)[0]
    hits = []
    for rep in range(repeats):
        res = sl.fit(seeds_table(G, rep=rep), x="N", y="loss", ci=ci, n_boot=400, seed=rep,
                     cluster=cluster)
        band = res.band([X_FAR])
        hits.append(band.lo.iloc[0] <= truth <= band.hi.iloc[0])
    return float(np.mean(hits))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=300)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    rows = ["| method | " + " | ".join(f"G = {g}" for g in SIZES) + " |",
            "|---|" + "---|" * len(SIZES)]
    for ci, cluster, label in METHODS:
        cells = [f"{coverage(g, ci, cluster, args.repeats):.1%}" for g in SIZES]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    se = 100 * np.sqrt(0.95 * 0.05 / args.repeats)
    text = "\n".join([
        "## Clustered intervals: coverage against the number of clusters", "",
        f"G model sizes × 5 seeds, a per-size deviation (sd 0.02 in log loss) shared by its "
        f"seeds plus per-seed noise (sd 0.01); power_offset; nominal 95% confidence band at "
        f"10× the largest size; {args.repeats} repeats per cell (Monte Carlo SE ≈ "
        f"{se:.1f} points). Run: `python benchmarks/coverage_clusters.py` "
        f"({time.perf_counter() - t0:.0f} s).", "",
        *rows, "",
        "With 10 or more clusters both methods are within 3 points of nominal. With fewer, "
        "the bootstrap grows conservative (its small-sample factor, √(G/(G−1)·(n−1)/(n−q))·"
        "t/z with t on G − 1, widens a lot at small G), while rows resampled as independent "
        "evidence cover far less at every G.",
    ])
    out = HERE / "results" / "coverage_clusters.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
