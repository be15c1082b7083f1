"""Custom-law fits: scalinglab against a scipy ``least_squares`` multi-start, on the same data.

The five custom laws of tests/custom_cases.py (3 to 8 parameters: Isik et al.'s BLEU law, a
pass-rate sigmoid, Chinchilla and a broken power law written as expressions, a D-CPT-style
mixture law). For each: ``sl.fit`` (CPU time, objective), and the peer a careful notebook
would write, ``least_squares`` (trust-region reflective, the law's bounds, finite-difference
Jacobian) on the law written by hand in numpy from 20 random starts in a plausible box; the
objective of both relative to the best known optimum (MINPACK from 300 random starts and
from the true parameters, also timed). Run by run_all.py, or alone:

    python benchmarks/custom_laws.py
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

import scalinglab as sl

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from custom_cases import CASES, Case, random_starts, reference_optimum

PEER_STARTS = 20


def _cpu_ms(fn, repeat: int = 5) -> tuple[float, object]:
    out = fn()
    times = []
    for _ in range(repeat):
        c = time.process_time()
        out = fn()
        times.append((time.process_time() - c) * 1000)
    return statistics.median(times), out


def peer_multistart(case: Case, n: int = PEER_STARTS) -> float:
    """Best objective (½Σr², the fit's space) of ``least_squares`` from ``n`` random starts."""
    names = case.law.param_names
    lo = np.array([p.lower for p in case.law.params])
    hi = np.array([p.upper for p in case.law.params])
    x_cols = [case.fit_kw["x"]] if isinstance(case.fit_kw["x"], str) else case.fit_kw["x"]
    X = case.frame[x_cols].to_numpy(dtype=float).T
    y = case.frame[case.fit_kw["y"]].to_numpy(dtype=float)
    log = case.fit_kw.get("space", "log") == "log"
    gy = np.log(y) if log else y

    def resid(th: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = case.numpy_law(X, *th)
            r = (np.log(v) if log else v) - gy
        return np.where(np.isfinite(r), r, 1e10)

    best = np.inf
    for s in random_starts(case, n, seed=1):
        x0 = np.clip([s[k] for k in names], lo + 1e-9, hi - 1e-9)
        out = least_squares(resid, x0, bounds=(lo, hi), method="trf", x_scale="jac")
        best = min(best, 0.5 * float(np.sum(out.fun**2)))
    return best


def run() -> tuple[list[str], dict]:
    warnings.simplefilter("ignore", sl.ScalingLabWarning)
    rows = [
        f"| law (parameters) | scalinglab CPU ms | objective vs best known | converged | "
        f"`least_squares` × {PEER_STARTS} starts CPU ms | its objective vs best known | "
        "reference: MINPACK × 300 starts + truth, CPU s |",
        "|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for name, make in CASES.items():
        case = make()
        ms, res = _cpu_ms(lambda case=case: sl.fit(case.frame, law=case.law, ci=None,
                                                   **case.fit_kw))
        c = time.process_time()
        ref = reference_optimum(case, [*random_starts(case, 300), case.truth])
        ref_s = time.process_time() - c
        peer_ms, peer = _cpu_ms(lambda case=case: peer_multistart(case), repeat=1)
        ours = res.metrics["objective"] / ref - 1
        worst = max(worst, ours)
        rows.append(
            f"| {name} ({case.law.n_params}) | {ms:.0f} | {ours:+.1e} | "
            f"{res.metrics['converged']} | {peer_ms:.0f} | {peer / ref - 1:+.1e} | {ref_s:.1f} |")
    rows += ["", "Objective vs best known: (objective / best known − 1); ≤ 0 means as low as "
             "the best of 301 MINPACK runs. The cases and their true parameters are in "
             "tests/custom_cases.py."]
    return rows, {"custom_worst_rel": worst}


if __name__ == "__main__":
    print("\n".join(run()[0]))
