"""ComputeExplorer's front-end contract for the browser test and the latency benchmark: its
DOM (``data-testid`` names, ``data-chart-version``, ``data-readout-version``) and a budget
move as a hand makes it (the slider's keyboard steps)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from harness import LabPage, write_notebook

ROOT = ".scalinglab-compute"
SETUP = ["import scalinglab as sl\ndf = sl.datasets.load('chinchilla')",
         "w = sl.ComputeExplorer(df, N='N', D='D', y='loss')", "w"]


class ComputeDriver:
    def __init__(self, lab: LabPage, index: int = 0) -> None:
        self.lab = lab
        self.page = lab.page
        self.root = lab.page.locator(ROOT).nth(index)

    def testid(self, name: str) -> Any:
        return self.root.locator(f'[data-testid="{name}"]')

    def version(self, what: str = "chart") -> int:
        return int(self.root.get_attribute(f"data-{what}-version") or 0)

    def wait_above(self, v: int, what: str = "chart", timeout: float = 120) -> int:
        self.page.wait_for_function(
            "([el, a, v]) => Number(el.getAttribute(a)) > v",
            arg=[self.root.element_handle(), f"data-{what}-version", v], timeout=timeout * 1000)
        return self.version(what)

    def wait_ready(self, timeout: float = 180) -> None:
        self.testid("sl-chart").locator("svg").wait_for(timeout=timeout * 1000)
        self.wait_above(0, "chart", timeout)
        self.page.wait_for_function(
            "(el) => el.querySelector('[data-testid=sl-readout-N] .sl-value').textContent !== '–'",
            arg=self.root.element_handle(), timeout=timeout * 1000)

    def readout(self) -> dict[str, str]:
        return {k: self.testid(f"sl-readout-{k}").inner_text() for k in ("N", "D", "tpp", "loss")}

    def line_paths(self) -> list[str]:
        return self.root.evaluate(
            """(root) => Array.from(root.querySelectorAll(
                 '[data-testid="sl-chart"] svg .mark-line path, [data-testid="sl-chart"] svg .mark-area path'))
               .map((p) => p.getAttribute('d'))""")

    def drag_budget(self, log10_c: float, moves: int = 12) -> float:
        """Drag the budget slider's thumb with the mouse to ``log10_c`` in ``moves`` small
        moves, as a hand does, and return milliseconds from the release to the readout drawn
        for the final budget."""
        slider = self.testid("sl-budget-slider")
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        lo, hi, now = (float(slider.get_attribute("min")), float(slider.get_attribute("max")),
                       float(slider.input_value()))
        pad = 8  # the thumb's half width: Chromium maps [pad, width - pad] onto [min, max]

        def x_at(v: float) -> float:
            return box["x"] + pad + (box["width"] - 2 * pad) * (v - lo) / (hi - lo)

        y = box["y"] + box["height"] / 2
        v = self.version("readout")
        self.page.mouse.move(x_at(now), y)
        self.page.mouse.down()
        self.page.mouse.move(x_at(log10_c), y, steps=moves)
        t0 = self.page.evaluate("() => performance.now()")
        self.page.mouse.up()
        target = float(slider.input_value())
        self.page.wait_for_function(
            """([el, v, target]) => Number(el.getAttribute('data-readout-version')) > v &&
                 Math.abs(Math.log10(Number(el.dataset.readoutC)) - target) < 0.011""",
            arg=[self.root.element_handle(), v, target], timeout=60_000)
        return float(self.page.evaluate("(t0) => performance.now() - t0", t0))


    def set_budget(self, log10_c: float) -> float:
        """One slider event (the value set and an ``input`` event, as one keyboard step
        sends): milliseconds until the readout for it is drawn."""
        v = self.version("readout")
        return float(self.page.evaluate(
            """([root, x, v]) => new Promise((resolve) => {
                 const s = root.querySelector('[data-testid="sl-budget-slider"]');
                 const t0 = performance.now();
                 s.value = String(x);
                 s.dispatchEvent(new Event('input', {bubbles: true}));
                 const want = Number(s.value);
                 const check = () => {
                   const ok = Number(root.getAttribute('data-readout-version')) > v &&
                     Math.abs(Math.log10(Number(root.dataset.readoutC)) - want) < 0.011;
                   if (ok) resolve(performance.now() - t0); else requestAnimationFrame(check);
                 };
                 check();
               })""", [self.root.element_handle(), log10_c, v]))


def slider_latencies(steps: int) -> tuple[list[float], list[float]]:
    """Open a ComputeExplorer on the bundled table in a fresh JupyterLab and time ``steps``
    slider moves, slider -> readout drawn (ms): (mouse drags of 6 moves each, from the
    release; single slider events)."""
    from harness import lab_session

    with tempfile.TemporaryDirectory() as tmp, lab_session(Path(tmp)) as (server, _pw, browser):
        name = write_notebook(server.root_dir, "compute_latency.ipynb", SETUP)
        context = browser.new_context(viewport={"width": 1400, "height": 1300})
        lab = LabPage(context.new_page(), server)
        lab.open_notebook(name)
        lab.run_all()
        d = ComputeDriver(lab)
        d.wait_ready()
        drags, single = [], []
        for i in range(steps):
            drags.append(d.drag_budget(24.0 + (0.5 if i % 2 == 0 else -0.5), moves=6))
            lab.page.wait_for_timeout(150)  # a hand pauses between moves
        for i in range(steps):
            single.append(d.set_budget(23.0 + 0.04 * (i % 25)))
            lab.page.wait_for_timeout(150)
        context.close()
        return drags, single
