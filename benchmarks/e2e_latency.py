"""End-to-end latency of LawExplorer's brush: mouse move → refit in the kernel → new band drawn.

Starts a real JupyterLab (the browser-test harness in ``tests/browser/harness.py``), opens a
notebook with a LawExplorer of 3 law families on 200 points with bootstrap bands, drags the
brush with Playwright's mouse in headless Debian Chromium, and reads the front end's own
measurements from ``window.__scalinglab_latency`` (pushed after each brush-triggered refit is
drawn). Separately it times the kernel side alone: the widget's Python refit for the same
configuration and the same ranges, in this process.

    .venv/bin/python benchmarks/e2e_latency.py            # 40 drags, writes the markdown
    .venv/bin/python benchmarks/e2e_latency.py --drags 10 --no-write
    .venv/bin/python benchmarks/e2e_latency.py --matrix   # extension off/on x 200/20,000 points

The markdown section goes to ``benchmarks/results/e2e_latency.md``. Goal: ≤ 150 ms p95 end to
end, ≤ 100 ms kernel time per brush move.

``--matrix`` runs one stock Jupyter server (the scalinglab_server extension switched off for
it) and one with the extension on, each at 200 and at 20,000 points, and reports p50 / p95
brush latency and the bytes per brush answer (chart_data, and everything the kernel's
websocket carried) in ``benchmarks/results/e2e_matrix.md`` and a short section of
``benchmarks/RESULTS.md``. The front end records latency only behind its debug flag
(``window.__scalinglab_debug = {latency: true}``), which the benchmark sets.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from harness import (  # noqa: E402  (the harness lives with the browser tests)
    ExplorerDriver,
    LabPage,
    NetworkGuard,
    lab_session,
    write_notebook,
)

N_POINTS = 200
LAWS = ["power", "power_offset", "exponential"]
SEED = 0
OUT = REPO / "benchmarks" / "results" / "e2e_latency.md"
INF = float("inf")

DATA = f"""\
import numpy as np, pandas as pd
import scalinglab as sl
rng = np.random.default_rng({SEED})
D = np.logspace(6, 11, {N_POINTS})
loss = 1.69 + 406.4 * D ** -0.34 * np.exp(rng.normal(0.0, 0.02, D.size))
df = pd.DataFrame({{"D": D, "loss": loss}})
"""
SETUP = DATA + f'w = sl.LawExplorer(df, x="D", y="loss", laws={LAWS!r}, ci="bootstrap")\n'
# The floor: one family with delta-method bands, so the kernel does almost nothing and the
# time is mostly the comm round trip, JupyterLab and Vega drawing.
FLOOR = DATA + 'w = sl.LawExplorer(df, x="D", y="loss", laws=["power"], ci="delta")\n'
# The same three families with drag_ci="delta": delta-method bands while the brush moves,
# bootstrap bands at rest (what the bootstrap adds per drag frame).
DELTA3 = DATA + (f'w = sl.LawExplorer(df, x="D", y="loss", laws={LAWS!r}, ci="bootstrap", '
                 'drag_ci="delta")\n')


def brush_plan(n: int, seed: int = SEED) -> list[tuple[float, float]]:
    """``n`` drags as (start, end) fractions of the plot width.

    Every drag starts outside the previous brush (alternating near the left and right edges),
    so Vega starts a new interval instead of moving the old one, and spans ≥ 40% of the width,
    so every family has enough points to fit.

    >>> plan = brush_plan(4)
    >>> [(round(a, 2) < 0.12 or round(a, 2) > 0.88) for a, _ in plan]
    [True, True, True, True]
    """
    rng = np.random.default_rng(seed)
    plan = []
    for i in range(n):
        if i % 2 == 0:
            start = float(rng.uniform(0.02, 0.10))
            end = float(rng.uniform(0.55, 0.85))
        else:
            start = float(rng.uniform(0.90, 0.98))
            end = float(rng.uniform(0.15, 0.45))
        plan.append((start, end))
    return plan


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95 and max of ``samples`` (milliseconds).

    >>> percentiles([1.0, 2.0, 3.0, 4.0])["p50"]
    2.5
    """
    arr = np.asarray(samples, dtype=float)
    return {
        "n": float(arr.size),
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
        "mean": float(arr.mean()),
    }


def measure_end_to_end(drags: int, setup: str = SETUP) -> tuple[list[list[float]], dict[str, Any]]:
    """Drag the brush ``drags`` times in a real JupyterLab; return the front end's samples,
    one list per drag (a fast drag sends one request at once and the latest range when that
    answer is drawn, so a drag usually yields two samples)."""
    with tempfile.TemporaryDirectory(prefix="sl-e2e-bench-") as tmp:
        with lab_session(Path(tmp)) as (server, _pw, browser):
            name = write_notebook(server.root_dir, "latency.ipynb", [setup, "w"])
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            guard = NetworkGuard().attach(context)
            lab = LabPage(context.new_page(), server)
            lab.enable_debug(latency=True)
            lab.open_notebook(name)
            lab.command("application:toggle-left-area")
            lab.run_all()
            explorer = ExplorerDriver(lab)
            explorer.wait_ready()
            explorer.page.evaluate("() => { window.__scalinglab_latency = []; }")
            version = explorer.fit_version()
            per_drag: list[list[float]] = []
            entries: list[dict[str, Any]] = []
            seen = 0
            started = time.perf_counter()
            for start, end in brush_plan(drags):
                explorer.drag_brush(start, end, steps=10)
                version = explorer.wait_settled(version, quiet_ms=400)
                log = explorer.latency()
                per_drag.append([float(s["ms"]) for s in log[seen:]])
                entries.extend(log[seen:])
                seen = len(log)
            wall = time.perf_counter() - started
            context.close()
            info = {"wall_s": wall, "offenders": guard.offenders(), "fit_version": version,
                    "samples": entries,
                    # the TCP_NODELAY server extension installed with the package
                    "nodelay": "scalinglab_server: TCP_NODELAY" in server.log_tail(2000)}
    return per_drag, info


BIG_POINTS = 20_000
MATRIX_OUT = REPO / "benchmarks" / "results" / "e2e_matrix.md"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
MATRIX_BEGIN = "<!-- e2e_latency --matrix: begin -->"
MATRIX_END = "<!-- e2e_latency --matrix: end -->"


def setup_cell(n_points: int) -> str:
    """The full configuration (3 families, bootstrap bands) on ``n_points`` log-spaced points.

    >>> "np.logspace(6, 11, 20000)" in setup_cell(20000)
    True
    """
    return SETUP.replace(f"np.logspace(6, 11, {N_POINTS})", f"np.logspace(6, 11, {n_points})")


def measure_config(server: Any, browser: Any, n_points: int, drags: int,
                   renderer: str | None = None) -> dict[str, Any]:
    """Open a LawExplorer on ``n_points`` in a running server, drag ``drags`` times (10 steps
    each) and return the latency samples and the bytes the kernel's websocket carried to the
    browser during the drags. ``renderer`` forces Vega's renderer (else the widget's choice)."""
    name = write_notebook(server.root_dir, f"latency-{n_points}-{renderer or 'auto'}.ipynb",
                          [setup_cell(n_points), "w"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    guard = NetworkGuard().attach(context)
    page = context.new_page()
    received: list[int] = []
    counting = [False]

    def on_socket(ws: Any) -> None:
        def frame(payload: Any) -> None:
            if counting[0]:
                received.append(len(payload))
        ws.on("framereceived", frame)

    page.on("websocket", on_socket)
    flags = "{latency: true" + (f", renderer: '{renderer}'" if renderer else "") + "}"
    page.add_init_script(f"window.__scalinglab_debug = {flags};")
    lab = LabPage(page, server)
    lab.open_notebook(name)
    lab.command("application:toggle-left-area")
    lab.run_all(timeout=600)
    explorer = ExplorerDriver(lab)
    explorer.wait_ready(timeout=300)
    drawn_with = explorer.root.evaluate(
        "(root) => root.querySelector('[data-testid=\"sl-chart\"] canvas') ? 'canvas' : 'svg'")
    page.evaluate("() => { window.__scalinglab_latency = []; }")
    version = explorer.fit_version()
    counting[0] = True
    started = time.perf_counter()
    for start, end in brush_plan(drags):
        explorer.drag_brush(start, end, steps=10)
        version = explorer.wait_settled(version, quiet_ms=600, timeout=300)
    counting[0] = False
    wall = time.perf_counter() - started
    samples = explorer.latency()
    context.close()
    server.shutdown_sessions()
    return {"points": n_points, "renderer": drawn_with, "samples": samples,
            "received": sum(received), "wall_s": wall, "offenders": guard.offenders()}


def measure_matrix(drags: int, big_drags: int) -> list[dict[str, Any]]:
    """Extension off, then on (one server each); 200 and 20,000 points on each, and on the
    server with the extension the 20,000 points again with SVG forced (the renderer choice)."""
    out = []
    for ext in (False, True):
        with tempfile.TemporaryDirectory(prefix="sl-e2e-matrix-") as tmp:
            with lab_session(Path(tmp), extensions={"scalinglab_server": ext}) as (
                server, _pw, browser
            ):
                loaded = "scalinglab_server: TCP_NODELAY" in server.log_tail(2000)
                configs = [(N_POINTS, drags, None), (BIG_POINTS, big_drags, None)]
                if ext:
                    configs.append((BIG_POINTS, big_drags, "svg"))
                for n, k, renderer in configs:
                    row = measure_config(server, browser, n, k, renderer)
                    row["extension"] = loaded
                    out.append(row)
                    print(matrix_row(row), flush=True)
    return out


def matrix_row(row: dict[str, Any]) -> str:
    """One markdown row: server, points, renderer, samples, p50/p95 ms, bytes per answer.

    >>> print(matrix_row({"extension": True, "points": 200, "renderer": "svg", "received": 4000,
    ...                   "samples": [{"ms": 100.0, "bytes": 1000}, {"ms": 140.0, "bytes": 3000}]}))
    | on | 200 | svg | 2 | 120 | 138 | 2.0 | 2.0 |
    """
    ms = [float(s["ms"]) for s in row["samples"]]
    sizes = [float(s["bytes"]) for s in row["samples"] if s.get("bytes") is not None]
    n = len(ms)
    p50, p95 = (np.percentile(ms, 50), np.percentile(ms, 95)) if ms else (float("nan"),) * 2
    chart_kb = np.median(sizes) / 1e3 if sizes else float("nan")
    wire_kb = row["received"] / max(n, 1) / 1e3
    return (f"| {'on' if row['extension'] else 'off'} | {row['points']:,} | {row['renderer']} "
            f"| {n} | {p50:.0f} | {p95:.0f} | {chart_kb:.1f} | {wire_kb:.1f} |")


def matrix_markdown(rows: list[dict[str, Any]], drags: int, big_drags: int) -> str:
    cpu = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores"
    table = "\n".join(matrix_row(r) for r in rows)
    return f"""{MATRIX_BEGIN}
## LawExplorer brush latency: server extension off and on, 200 and 20,000 points

One stock Jupyter server (scalinglab_server switched off for it) and one with the extension
on; on each, a LawExplorer with {len(LAWS)} families and bootstrap bands on {N_POINTS} and on
{BIG_POINTS:,} log-spaced points, dragged {drags} times ({big_drags} at {BIG_POINTS:,}) with
10 mouse steps each, in headless Chromium. Latency: the front end's samples (brush event →
changeset drawn). Per move: the median `chart_data` JSON of an answer, and all bytes the kernel
websocket carried to the browser during the drags divided by the answers. Renderer: Vega's
SVG, or its canvas above the widget's CANVAS_ABOVE_POINTS (the last row forces SVG at
{BIG_POINTS:,} points for comparison). Goal: with the extension, 200-point p95 within 10% of
149 ms (the earlier measurement); stock has no goal. Machine: {cpu} shared with other work,
load average {os.getloadavg()[0]:.1f}; {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.
Run: `.venv/bin/python benchmarks/e2e_latency.py --matrix --drags {drags} --big-drags {big_drags}`.

| extension | points | renderer | samples | p50 ms | p95 ms | chart_data KB / answer | websocket KB / answer |
| --- | --- | --- | --- | --- | --- | --- | --- |
{table}
{MATRIX_END}
"""


def write_matrix(section: str) -> None:
    """Write the section to results/e2e_matrix.md and into RESULTS.md (replacing an earlier
    one, else after the end-to-end latency section)."""
    MATRIX_OUT.parent.mkdir(parents=True, exist_ok=True)
    MATRIX_OUT.write_text(section)
    text = RESULTS.read_text()
    if MATRIX_BEGIN in text:
        head, rest = text.split(MATRIX_BEGIN, 1)
        text = head + section.rstrip("\n") + rest.split(MATRIX_END, 1)[1]
    else:
        marker = "## Imbalance study"
        at = text.find(marker)
        text = (text[:at] + section + "\n" + text[at:]) if at >= 0 else text + "\n" + section
    RESULTS.write_text(text)


def _synthetic_frame() -> Any:
    import pandas as pd

    rng = np.random.default_rng(SEED)
    D = np.logspace(6, 11, N_POINTS)
    loss = 1.69 + 406.4 * D**-0.34 * np.exp(rng.normal(0.0, 0.02, D.size))
    return pd.DataFrame({"D": D, "loss": loss})


def _ranges(drags: int) -> list[tuple[float, float]]:
    """The data-space ranges matching `brush_plan` on the data's own log extent."""
    log_lo, log_hi = 6.0, 11.0
    out = []
    for start, end in brush_plan(drags):
        a, b = sorted((start, end))
        out.append((10 ** (log_lo + a * (log_hi - log_lo)), 10 ** (log_lo + b * (log_hi - log_lo))))
    return out


def measure_kernel(drags: int) -> dict[str, list[float]]:
    """Time the widget's Python side alone, in this process, for the same configuration.

    ``brush``: the handler of the front end's ``{"type": "brush"}`` message, inside a running
    event loop as in a kernel (so it takes the widget's fast path and leaves the held-out
    scores to the settle step when the brush rests; the settle runs between moves, untimed).
    ``full``: ``w.fit_range = ...`` from Python (fits, held-out scores, bands, all at once).
    """
    import asyncio

    import scalinglab as sl

    w = sl.LawExplorer(_synthetic_frame(), x="D", y="loss", laws=LAWS, ci="bootstrap")
    ranges = _ranges(drags)

    cpu: list[float] = []

    async def brush_moves() -> list[float]:
        samples = []
        for i, (lo, hi) in enumerate(ranges, start=1):
            t0, c0 = time.perf_counter(), time.process_time()
            w._handle_custom_msg({"type": "brush", "range": [lo, hi], "id": i,
                                  "table_version": w.table_version}, [])
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            if w.error:
                raise RuntimeError(f"brush refit failed: {w.error}")
            await asyncio.sleep(0.6)  # the brush rests: the widget's settle step runs
        return samples

    brush = asyncio.run(brush_moves())
    full = []
    for lo, hi in ranges:
        t0 = time.perf_counter()
        w.fit_range = (lo, hi)
        full.append((time.perf_counter() - t0) * 1000)
    return {"brush": brush, "brush_cpu": cpu, "full": full}


PARTS = ("ms", "queue_ms", "rtt_ms", "up_ms", "kernel_ms", "kernel_cpu_ms", "down_ms", "wait_ms",
         "draw_ms")


def breakdown(samples: list[dict[str, Any]]) -> str:
    """Median and p95 of each part of the front end's latency samples (see LatencySample in
    js/src/explorer.widget.ts): pacer queue, round trip (of which the kernel's own time),
    waiting behind an earlier draw, and drawing.

    >>> print(breakdown([{"id": 1, "ms": 10.0, "queue_ms": 1.0}]))
    part          p50     p95
    ms           10.0    10.0
    queue_ms      1.0     1.0
    """
    lines = [f"{'part':<10} {'p50':>6} {'p95':>7}"]
    for part in PARTS:
        vals = [float(s[part]) for s in samples if s.get(part) is not None]
        if vals:
            lines.append(f"{part:<10} {np.percentile(vals, 50):6.1f} {np.percentile(vals, 95):7.1f}")
    return "\n".join(lines)


PART_NAMES = {
    "ms": "whole sample", "queue_ms": "waiting for the request in flight (pacer)",
    "rtt_ms": "round trip: send → chart data in the browser", "up_ms": "leg to the kernel",
    "kernel_ms": "kernel's own time (inside the round trip)",
    "kernel_cpu_ms": "the same, CPU time (the rest is waiting for a core)",
    "down_ms": "leg back to the browser", "wait_ms": "waiting behind an earlier draw",
    "draw_ms": "drawing (Vega changeset → runAsync)",
}


def breakdown_table(full: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str:
    """Markdown table of the parts of both configurations' samples (p50 / p95 ms).

    >>> print(breakdown_table([{"ms": 10.0}], [{"ms": 4.0}]).splitlines()[2])
    | whole sample | 10 / 10 | 4 / 4 |
    """
    def cell(samples: list[dict[str, Any]], part: str) -> str:
        vals = [float(s[part]) for s in samples if s.get(part) is not None]
        return (f"{np.percentile(vals, 50):.0f} / {np.percentile(vals, 95):.0f}" if vals
                else "—")

    lines = ["| part (p50 / p95 ms) | 3 families, bootstrap | floor |", "| --- | --- | --- |"]
    lines += [f"| {PART_NAMES[p]} | {cell(full, p)} | {cell(floor, p)} |" for p in PARTS]
    return "\n".join(lines)


def _row(label: str, stats: dict[str, float], goal: str, limit: float) -> str:
    verdict = "—" if limit == INF else ("meets" if stats["p95"] <= limit else "misses")
    return (
        f"| {label} | {int(stats['n'])} | {stats['p50']:.0f} | {stats['p95']:.0f} "
        f"| {stats['max']:.0f} | {goal} | {verdict} |"
    )


def markdown(rows: list[str], info: dict[str, Any]) -> str:
    cpu = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores"
    load = ", ".join(f"{v:.1f}" for v in info["load"])
    table = "\n".join(rows)
    runs = f", in {info['runs']} separate runs" if info.get("runs", 1) > 1 else ""
    nodelay = ("runs the scalinglab_server extension, as installed (TCP_NODELAY on kernel "
               "websockets)" if info.get("nodelay") else
               "did NOT load the scalinglab_server extension (Nagle's algorithm stays on)")
    return f"""## LawExplorer end-to-end latency (brush → refit → band drawn)

Setup: {N_POINTS} points, {len(LAWS)} families ({", ".join(LAWS)}), bootstrap bands
(the widget's default n_boot), JupyterLab with a real ipykernel, headless Debian Chromium
driven by Playwright, {info["drags"]} brush drags of 10 mouse steps each{runs}.
The Jupyter server {nodelay}.
While a brush is dragged, each law is refitted from its previous fit and its fit of the
whole series, and the axes hold still (a curve that leaves them is clipped); the full multi-start fit,
held-out scores, exact axes and the code snippet follow when it rests.
End to end =
`window.__scalinglab_latency` (from the brush event to the changeset with the new band
drawn); "last range of a drag" is the sample that puts the final brush on screen (it may wait
for the drag's first request to finish). The `drag_ci="delta"` row repeats the drags with
the widget's opt-in for slow machines: the same three families, delta-method bands while the
brush moves and bootstrap bands at rest (what the bootstrap costs per drag frame); the floor
row: one family and delta-method bands, mostly comm round trip, JupyterLab and Vega drawing. Kernel rows:
the widget's Python side alone, same configuration and ranges, in one process: the brush
message handler (the fast path a drag takes: each law refitted from its fit of the previous
range; the full multi-start fit and held-out scores follow when the brush rests), as wall
time and as CPU time of the process (on a shared machine the wall time includes waiting for
a core), and a full refit set from Python.
Machine: {cpu}, Python {platform.python_version()}, load average during the run: {load}.
It is a virtual machine whose speed varies by tens of percent from one run to the next; the
kernel rows, measured in the same run, show how fast it was.
Run: `.venv/bin/python benchmarks/e2e_latency.py --runs {info.get("runs", 1)} --drags {info["drags"]}`, {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.

| measure | n | p50 ms | p95 ms | max ms | goal | verdict |
| --- | --- | --- | --- | --- | --- | --- |
{table}

Where the time goes, from the parts each front-end sample records (see LatencySample in
js/src/explorer.widget.ts):

{info.get("breakdown", "")}

Network requests beyond loopback during the run: {len(info["offenders"])}.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drags", type=int, default=40)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the full configuration's end-to-end run (the machine's "
                             "speed varies between runs; each run gets its own row)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--matrix", action="store_true",
                        help="extension off/on x 200/20,000 points (see the module docstring)")
    parser.add_argument("--big-drags", type=int, default=8,
                        help="drags at 20,000 points with --matrix")
    parser.add_argument("--only", choices=("full", "floor"),
                        help="end to end for one configuration only, with its breakdown "
                             "(no kernel timing; implies --no-write)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    if args.matrix:
        drags = args.drags if args.drags != 40 else 20
        rows = measure_matrix(drags, args.big_drags)
        section = matrix_markdown(rows, drags, args.big_drags)
        print(section)
        if not args.no_write:
            write_matrix(section)
            print(f"wrote {MATRIX_OUT.relative_to(REPO)} and the section of RESULTS.md")
        return 0 if not any(r["offenders"] for r in rows) else 2
    if args.only:
        per_drag, only = measure_end_to_end(args.drags, FLOOR if args.only == "floor" else SETUP)
        print(_row(f"end to end, {args.only}", percentiles([ms for d in per_drag for ms in d]),
                   "—", INF))
        print(breakdown(only["samples"]))
        print(f"load {(load_before, os.getloadavg()[0])}")
        return 0

    kernel = measure_kernel(args.drags)
    runs = [measure_end_to_end(args.drags) for _ in range(max(args.runs, 1))]
    per_drag = [d for pd, _ in runs for d in pd]
    info = dict(runs[0][1])
    info["samples"] = [s for _, i in runs for s in i["samples"]]
    info["offenders"] = [o for _, i in runs for o in i["offenders"]]
    info["wall_s"] = sum(i["wall_s"] for _, i in runs)
    info["nodelay"] = all(i["nodelay"] for _, i in runs)
    info["runs"] = len(runs)
    info["drags"] = args.drags
    info["load"] = (load_before, os.getloadavg()[0])
    samples = [ms for drag in per_drag for ms in drag]
    if not samples:
        print("the front end recorded no latency samples (window.__scalinglab_latency empty)")
        return 1
    delta3, _ = measure_end_to_end(args.drags, DELTA3)
    floor, floor_info = measure_end_to_end(args.drags, FLOOR)
    floor_samples = [ms for drag in floor for ms in drag]
    per_run = [
        _row(f"end to end, every sample: run {k + 1} of {len(runs)}",
             percentiles([ms for d in pd for ms in d]), "p95 ≤ 150", 150)
        for k, (pd, _) in enumerate(runs)
    ] if len(runs) > 1 else []
    every = "end to end, every sample" + (f" ({len(runs)} runs pooled)" if len(runs) > 1 else "")
    rows = [
        _row(every, percentiles(samples), "p95 ≤ 150", 150),
        *per_run,
        _row(
            "end to end, last range of a drag",
            percentiles([d[-1] for d in per_drag if d]),
            "p95 ≤ 150",
            150,
        ),
        _row("end to end, same with `drag_ci=\"delta\"` (delta bands while dragging)",
             percentiles([ms for d in delta3 for ms in d]), "—", INF),
        _row("end to end floor: 1 family, delta bands", percentiles(floor_samples), "—", INF),
        _row("kernel: brush message handler (wall)", percentiles(kernel["brush"]), "p95 ≤ 100",
             100),
        _row("kernel: brush message handler (CPU time)", percentiles(kernel["brush_cpu"]),
             "p95 ≤ 100", 100),
        _row("kernel: `w.fit_range = …` (full)", percentiles(kernel["full"]), "—", INF),
    ]
    empty = sum(1 for d in per_drag if not d)
    print("\n".join(rows))
    print(f"drags without a sample: {empty}; wall {info['wall_s']:.1f} s; load {info['load']}")
    print("breakdown, full configuration:", breakdown(info["samples"]), sep="\n")
    print("breakdown, floor:", breakdown(floor_info["samples"]), sep="\n")
    if info["offenders"]:
        print("requests beyond loopback:", *info["offenders"], sep="\n  ")
    info["breakdown"] = breakdown_table(info["samples"], floor_info["samples"])
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(markdown(rows, info))
        print(f"wrote {OUT.relative_to(REPO)}")
    return 0 if not info["offenders"] else 2


if __name__ == "__main__":
    sys.exit(main())
