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

    def step_budget(self, keys: int, key: str = "ArrowLeft") -> float:
        """Move the budget slider by ``keys`` keyboard steps (0.02 decade each) and return
        milliseconds from the last step to the readout drawn for it."""
        slider = self.testid("sl-budget-slider")
        slider.focus()
        v = self.version("readout")
        for _ in range(keys - 1):
            slider.press(key)
        t0 = self.page.evaluate("() => performance.now()")
        slider.press(key)
        target = float(slider.input_value())
        self.page.wait_for_function(
            """([el, v, target]) => Number(el.getAttribute('data-readout-version')) > v &&
                 Math.abs(Math.log10(Number(el.dataset.readoutC)) - target) < 0.011""",
            arg=[self.root.element_handle(), v, target], timeout=60_000)
        return float(self.page.evaluate("(t0) => performance.now() - t0", t0))


def slider_latencies(steps: int) -> list[float]:
    """Open a ComputeExplorer on the bundled table in a fresh JupyterLab and time ``steps``
    single slider steps, slider -> readout drawn (ms)."""
    from harness import lab_session

    with tempfile.TemporaryDirectory() as tmp, lab_session(Path(tmp)) as (server, _pw, browser):
        name = write_notebook(server.root_dir, "compute_latency.ipynb", SETUP)
        context = browser.new_context(viewport={"width": 1400, "height": 1300})
        lab = LabPage(context.new_page(), server)
        lab.open_notebook(name)
        lab.run_all()
        d = ComputeDriver(lab)
        d.wait_ready()
        out = []
        for i in range(steps):
            out.append(d.step_budget(1, "ArrowLeft" if (i // 10) % 2 == 0 else "ArrowRight"))
            lab.page.wait_for_timeout(80)  # a hand pauses between steps
        context.close()
        return out
