"""How long `import scalinglab` takes, and what it loads; writes results/import_time.md.

    python benchmarks/import_time.py

Wall time of a fresh ``python -c "import scalinglab"`` over 5 runs, next to a bare interpreter
and to importing only what the kernel needs (numpy, pandas, scipy.optimize, scipy.stats); then
``python -X importtime``'s cumulative time for scalinglab and its largest dependencies, and
which of the heavy optional modules (scikit-learn, anywidget, Altair, ...) got loaded: none
should be (they load on first use).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RUNS = 5
HEAVY = ("sklearn", "imblearn", "anywidget", "altair", "nbconvert", "dask", "distributed",
         "ray", "ipywidgets", "IPython", "jinja2", "tqdm", "joblib", "scipy")
PROGRAMS = {
    "bare interpreter (`python -c pass`)": "pass",
    "numpy + pandas": "import numpy, pandas",
    "numpy + pandas + scipy.optimize + scipy.stats": "import numpy, pandas, scipy.optimize, scipy.stats",
    "`import scalinglab`": "import scalinglab",
}


def wall(code: str, runs: int = RUNS) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of ``python -c code`` in fresh interpreters, one
    warm-up run first (the disk cache). CPU time moves less on a shared machine."""
    walls, cpus = [], []
    for i in range(runs + 1):
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            walls.append(time.perf_counter() - t0)
            cpus.append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
    return walls, cpus


def importtime() -> tuple[dict[str, float], float]:
    """Cumulative ms per module from ``-X importtime`` (each module's first import), and the
    summed self time of scalinglab's own modules."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import scalinglab"],
                         capture_output=True, text=True, check=True).stderr
    cumulative, own = {}, 0.0
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            cumulative[m.group(4)] = int(m.group(2)) / 1000
            if m.group(4).split(".")[0] == "scalinglab":
                own += int(m.group(1)) / 1000
    return cumulative, own


def loaded_heavy() -> str:
    code = (f"import sys, scalinglab; print(sorted({{m.split('.')[0] for m in sys.modules}} "
            f"& set({HEAVY!r})))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def write() -> str:
    rows = []
    for label, code in PROGRAMS.items():
        walls, cpus = wall(code)
        t, c = [1000 * s for s in walls], [1000 * s for s in cpus]
        rows.append(f"| {label} | {statistics.median(t):.0f} | {min(t):.0f} | {max(t):.0f} "
                    f"| {statistics.median(c):.0f} |")
    cum, own = importtime()
    parts = ["scalinglab", "numpy", "pandas", "scipy.optimize", "scipy.stats"]
    shown = [f"{p} {cum[p]:.0f} ms" for p in parts if p in cum]
    shown.append(f"scalinglab's own modules (self time, summed) {own:.0f} ms")
    text = "\n".join([
        "## `import scalinglab`: time and what it loads",
        "",
        f"Measured by `python benchmarks/import_time.py`: wall time of a fresh interpreter, "
        f"{RUNS} runs after one warm-up (ms; CPU: user + system of the child), on the shared "
        f"2-core machine (load average "
        f"{os.getloadavg()[0]:.1f} at start: other work was running; compare rows, not runs).",
        "",
        "| program | wall median | wall min | wall max | CPU median |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        "`python -X importtime -c 'import scalinglab'`, cumulative (one run; nested modules are "
        "counted where first imported): " + "; ".join(shown) + ".",
        "",
        f"Heavy optional modules loaded by `import scalinglab`: {loaded_heavy()} "
        f"(checked among {', '.join(HEAVY)}). scikit-learn, imbalanced-learn, anywidget, Altair, "
        "nbconvert and dask load on first use (`sl.LawExplorer`, `sl.learning_curves`, "
        "`res.chart()`, ...; `tests/test_import.py`), and scipy with the first fit. What "
        "remains is numpy and pandas.",
    ])
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "import_time.md").write_text(text + "\n")
    return text


if __name__ == "__main__":
    print(write())
