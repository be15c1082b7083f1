"""Every gallery notebook run top to bottom in a real JupyterLab in Chromium: no cell raises,
every widget draws its chart, every static picture shows, and the page asks nothing beyond
loopback (the ``lab`` fixture's network guard fails the test otherwise).

Screenshots of each widget and each static chart land in ``test-artifacts/gallery-lab/``
(``NN-widget-k.png``, ``NN-chart-k.png``) for a person to look at.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from harness import ARTIFACTS_DIR, LabPage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gallery import notebooks

GALLERY = notebooks()
OUT = ARTIFACTS_DIR / "gallery-lab"
WIDGETS = ".scalinglab-explorer, .scalinglab-remedies, .scalinglab-compute"


@pytest.mark.slow
@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_notebook_runs_in_jupyterlab_and_draws(path: Path, lab: LabPage) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # start from a notebook without outputs, as a student would
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, lab.server.root_dir / path.name)
    shutil.rmtree(OUT / path.stem, ignore_errors=True)
    lab.open_notebook(path.name)
    t0 = time.perf_counter()
    lab.run_all(timeout=600)
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s in JupyterLab")

    page = lab.page
    n_widgets = sum(1 for c in nb.cells if c.cell_type == "code" and
                    any(f"sl.{w}(" in c.source for w in ("LawExplorer", "RemedyComparer",
                                                          "ComputeExplorer")))
    widgets = page.locator(WIDGETS)
    page.wait_for_function(
        "([sel, n]) => Array.from(document.querySelectorAll(sel))"
        ".filter((w) => w.querySelector('[data-testid=\"sl-chart\"] svg')).length >= n",
        arg=[WIDGETS, n_widgets], timeout=120_000)
    page.wait_for_timeout(1500)  # let fits settle before the pictures
    OUT.mkdir(parents=True, exist_ok=True)
    assert widgets.count() == n_widgets
    for k in range(widgets.count()):
        lab.screenshot(f"gallery-lab/{path.stem[:2]}-widget-{k + 1}", widgets.nth(k))
    charts = page.locator(".jp-RenderedSVG, .jp-RenderedImage").filter(
        has=page.locator("img, svg"))
    committed = nbformat.read(path, as_version=4)
    n_charts = sum(1 for c in committed.cells if c.cell_type == "code" for o in c.outputs
                   if "image/svg+xml" in o.get("data", {}))
    assert charts.count() == n_charts
    for k in range(charts.count()):
        lab.screenshot(f"gallery-lab/{path.stem[:2]}-chart-{k + 1}", charts.nth(k))
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    stderr = " ".join(errors.all_inner_texts())
    assert "Traceback" not in stderr, stderr
