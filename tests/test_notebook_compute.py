"""notebooks/04_compute_optimal.ipynb keeps its story's shape (the gallery's tests execute it on
a fresh kernel, export it offline and check its format: tests/test_notebooks.py, tests/browser/
test_gallery_e2e.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_compute_optimal.ipynb"
WIDGET_CELL = "sl.ComputeExplorer(df"


def test_notebook_has_the_widget_cell_and_takeaways():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sources = [c.source.strip() for c in nb.cells]
    widget = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and WIDGET_CELL in c.source]
    assert widget, "no ComputeExplorer cell"
    # the widget and, below it, the same plan as a static chart
    assert "w.plan.chart(" in nb.cells[widget[0] + 1].source
    assert any(s.startswith("## What to take away") for s in sources)
    assert nb.cells[0].source.startswith("# Compute-optimal planning")
