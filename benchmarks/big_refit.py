"""A widget refit on a big table against the same refit on 200 points.

    python benchmarks/big_refit.py            # 200 and 20,000 rows; prints a table
    python benchmarks/big_refit.py --quick    # fewer repeats
    python benchmarks/big_refit.py --write    # ... into results/big_refit.md

results/big_refit.md as committed compares two runs, on main before the big-table change
(``PYTHONPATH=<checkout of main>/src``) and after it.

"A refit" is what LawExplorer's kernel does for each law when the brush moves (see
widgets/explorer.py `_compare` with ``fast``): `sl.fit` on the new range, warm-started from
the last fit and the whole-table fit, one start, `DRAG_CAP`, with the widget's default
interval (``ci="bootstrap"``, 300 resamples), then the confidence band at 200 x values for
the chart. Laws: power and power_offset (the widget's default pair). Also the fit a user
asks for from Python (multi-start, uncapped, 300 resamples). The table is the one of
big_bootstrap.py (one row per D, log-uniform on 1e6..1e9, 1% noise); the range moves from
[10^6.5, 10^8.5] to [10^6.6, 10^8.6], about 2/3 of the rows.

Timings are medians of CPU time of this process (the machine is shared), wall beside.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import scalinglab as sl
from scalinglab.widgets.explorer import DRAG_CAP

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from big_bootstrap import table  # noqa: E402

LAWS = ("power", "power_offset")
OLD, NEW = (10**6.5, 10**8.5), (10**6.6, 10**8.6)
N_BOOT = 300


def widget_refit(df, prev: dict, whole: dict) -> None:
    """One brush move: each law refitted warm, with its bootstrap band for the chart."""
    xs = np.logspace(6, 10, 200)
    for law in LAWS:
        res = sl.fit(df, x="D", y="loss", law=law, fit_range=NEW, ci="bootstrap",
                     n_boot=N_BOOT, starts=[prev[law], whole[law]], multistart=False,
                     cap=DRAG_CAP)
        res.band(xs)


def explorer_settle(df):
    """LawExplorer (its defaults: power and power_offset, bootstrap 300) with the range set
    from Python: the at-rest refit (compare with hold-out, the full fits, chart data)."""
    w = sl.LawExplorer(df, x="D", y="loss")
    w.fit_range = list(OLD)
    moves = iter(range(1, 10_000))

    def move() -> None:
        k = 0.001 * next(moves)
        w.fit_range = [NEW[0] * 10**k, NEW[1] * 10**k]

    return move


def python_fit(df) -> None:
    for law in LAWS:
        sl.fit(df, x="D", y="loss", law=law, fit_range=NEW, ci="bootstrap", n_boot=N_BOOT)


def timed(call, repeat: int) -> tuple[float, float]:
    """Median (CPU ms, wall ms) over ``repeat`` runs after one warm-up."""
    call()
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        call()
        cpu.append(1000 * (time.process_time() - c0))
        wall.append(1000 * (time.perf_counter() - w0))
    return statistics.median(cpu), statistics.median(wall)


def measure(n: int, repeat: int) -> dict[str, tuple[float, float]]:
    df = table(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prev = {law: sl.fit(df, x="D", y="loss", law=law, fit_range=OLD, ci=None).params
                for law in LAWS}
        whole = {law: sl.fit(df, x="D", y="loss", law=law, ci=None).params for law in LAWS}
        return {"widget refit (2 laws, bootstrap 300, band)":
                timed(lambda: widget_refit(df, prev, whole), repeat),
                "fit from Python (2 laws, multi-start, bootstrap 300)":
                timed(lambda: python_fit(df), max(3, repeat // 2)),
                "LawExplorer range set from Python (at rest: compare, fits, chart data)":
                timed(explorer_settle(df), max(3, repeat // 2))}


def write(quick: bool = False, label: str = "") -> str:
    repeat = 5 if quick else 15
    small, big = measure(200, repeat), measure(20_000, repeat)
    rows = []
    for what in small:
        (cs, ws), (cb, wb) = small[what], big[what]
        rows.append(f"| {what} | {cs:.0f} ({ws:.0f}) | {cb:.0f} ({wb:.0f}) | {cb / cs:.1f}× |")
    text = "\n".join([
        "## Big tables: a refit at 20,000 points against 200" + (f" ({label})" if label else ""),
        "",
        "Measured by `python benchmarks/big_refit.py`: median CPU ms (wall ms) of this process, "
        f"{repeat} repeats; load average {os.getloadavg()[0]:.1f} at start. Goal: the widget "
        "refit at 20,000 points costs ≤ 3× the 200-point one.",
        "",
        "| refit | 200 rows | 20,000 rows | ratio (CPU) |",
        "|---|---:|---:|---:|",
        *rows,
    ])
    return text


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--label", default="")
    ap.add_argument("--write", action="store_true", help="write results/big_refit.md")
    args = ap.parse_args()
    out = write(args.quick, args.label)
    print(out)
    if args.write:
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "big_refit.md").write_text(out + "\n")
