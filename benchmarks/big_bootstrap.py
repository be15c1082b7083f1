"""One big-table bootstrap fit, measured in its own process (run_all.py calls it per size).

    python benchmarks/big_bootstrap.py 200000 1000     # rows, resamples → one JSON line

Prints wall and CPU seconds of ``sl.fit(..., ci="bootstrap", n_boot=..., boot_draws="cases")``
(case resampling at any size; the default draws from the normal approximation above 2,000
rows, see fitting.uncertainty) on a power_offset
table of that many rows, and the process's peak resident memory (``ru_maxrss``) before and
after the fit: the peak includes Python, numpy, scipy and pandas (the "before" figure).
With ``--peer K``: instead, a loop of K scipy ``curve_fit`` resamples warm-started at the
point fit (what a notebook does), timed the same way.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

import scalinglab as sl


def table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    D = np.exp(rng.uniform(np.log(1e6), np.log(1e9), n))
    return pd.DataFrame({"D": D, "loss": (40 * D**-0.25 + 1.7) * np.exp(rng.normal(0, 0.01, n))})


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def log_model(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return np.log(a * x ** (-b) + c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("n_boot", type=int)
    ap.add_argument("--peer", type=int, default=0, help="time K curve_fit resamples instead")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    df = table(args.rows)
    before = peak_mb()
    t, c = time.perf_counter(), time.process_time()
    if args.peer:
        x, y = df.D.to_numpy(), np.log(df.loss.to_numpy())
        p_hat, _ = curve_fit(log_model, x, y, p0=[40, 0.25, 1.7])
        t, c = time.perf_counter(), time.process_time()
        rng = np.random.default_rng(0)
        for _ in range(args.peer):
            idx = rng.integers(0, len(x), len(x))
            curve_fit(log_model, x[idx], y[idx], p0=p_hat, maxfev=2000)
    else:
        sl.fit(df, x="D", y="loss", law="power_offset", ci="bootstrap", n_boot=args.n_boot,
               boot_draws="cases")
    out = {"rows": args.rows, "n_boot": args.peer or args.n_boot, "peer": bool(args.peer),
           "seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
           "peak_mb": peak_mb(), "before_mb": before}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
