"""notebooks/04_compute_optimal.ipynb runs top to bottom on a fresh kernel (nbclient, as
tests/test_binder.py runs the quickstart), shows a chart beside its results, and keeps the
cell where the ComputeExplorer widget goes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_compute_optimal.ipynb"
WIDGET_CELL = "# ComputeExplorer: added with the widget"


def test_notebook_has_the_widget_heading_and_takeaways():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sources = [c.source.strip() for c in nb.cells]
    assert WIDGET_CELL in sources
    assert any(s.startswith("## What to take away") for s in sources)
    assert nb.cells[0].source.startswith("# Compute-optimal planning")


@pytest.mark.slow
def test_notebook_executes_on_a_fresh_kernel(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    charts = [o for o in outputs  # Altair's renderer: a vega-lite mime bundle, or its HTML
              if any(m.startswith("application/vnd.vegalite") for m in o.get("data", {}))
              or "vega-embed" in o.get("data", {}).get("text/html", "")]
    assert len(charts) >= 6  # one per approach, the comparisons, the conventions
    text = "".join(o.get("text", "") for o in outputs)
    assert "notebook ran in" in text
    nbformat.write(nb, tmp_path / "executed.ipynb")
