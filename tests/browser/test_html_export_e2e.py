"""HTML export shows the LawExplorer's last state (issue #3).

A small notebook is executed with nbclient (which stores the widget state in the notebook, as
``jupyter nbconvert --execute`` does), the fit range and target are changed in a later cell,
then:

- plain ``nbconvert --to html``: the page carries the widget state with those last values and
  our bundled front end (``_esm``); its renderer (html-manager, anywidget) comes from a CDN;
- ``OfflineHTMLExporter`` (scalinglab's offline renderer inlined, no CDN scripts): opened
  from file:// in Chromium with every request beyond file:/data:/blob: refused, it draws the
  explorer as last seen and asks for nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from harness import ARTIFACTS_DIR, offline_page

CELLS = [
    """\
import numpy as np, pandas as pd
import scalinglab as sl
D = np.logspace(6, 10, 30)
df = pd.DataFrame({'D': D, 'loss': 400 * D ** -0.3 + 1.7})
w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'], ci='delta')
w""",
    "w.fit_range = (1e7, 1e9)\nw.target = 2.0",
]
STATE_MIME = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    path = tmp_path_factory.mktemp("html_export") / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


def explorer_state(states: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for model_id, model in states.items():
        if model.get("model_module") == "anywidget" and "fit_range" in model.get("state", {}):
            return model_id, model["state"]
    raise AssertionError(f"no LawExplorer model in the saved state: {list(states)}")


def test_plain_nbconvert_html_carries_the_last_state(executed: Path) -> None:
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    model_id, state = explorer_state(nb.metadata["widgets"][STATE_MIME]["state"])
    assert state["fit_range"] == [1e7, 1e9] and state["target"] == 2.0

    body, _ = HTMLExporter().from_notebook_node(nb)
    match = re.search(r'<script type="application/vnd\.jupyter\.widget-state\+json">\s*(.*?)'
                      r"\s*</script>", body, re.S)
    assert match, "the HTML export has no widget state"
    exported = json.loads(match.group(1).replace("<\\/", "</"))
    exported_id, exported_state = explorer_state(exported["state"])
    assert exported_id == model_id
    assert exported_state["fit_range"] == [1e7, 1e9] and exported_state["target"] == 2.0
    assert exported_state["chart_data"] == state["chart_data"]
    assert "vega" in exported_state["_esm"]  # our front end is in the page, not on a CDN
    assert f'"model_id": "{model_id}"' in body  # the view that shows it


def test_offline_html_export_draws_the_last_state(executed: Path, browser: Any) -> None:
    from scalinglab.widgets.static_html import export_html

    out = export_html(executed, executed.with_name("explorer-offline.html"))
    html = out.read_text(encoding="utf-8")
    assert "data:text/javascript;base64," in html
    assert "html-manager" not in html

    context, page, refused, errors = offline_page(browser, {"width": 1300, "height": 1100})
    try:
        page.goto(out.as_uri())
        root = page.locator(".scalinglab-explorer")
        root.locator('[data-testid="sl-chart"] svg').first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(ARTIFACTS_DIR / "html-export-offline.png"))

        assert root.count() == 1
        filled = root.locator(
            '[data-testid="sl-chart"] svg g.mark-symbol[class~="points_marks"] path'
        ).evaluate_all("(ps) => ps.filter((p) => Number(p.getAttribute('fill-opacity') ?? 1) > 0)"
                       ".length")
        assert filled == 14  # the points inside the last fit range, 1e7..1e9
        assert root.locator('[data-testid="sl-chart"] svg g[class~="brush_brush_bg"] path').count()
        table = root.locator('[data-testid="sl-param-table"]').inner_text()
        assert "power_offset" in table and "best" in table and "n 14" in table, table
        target = root.locator('[data-testid="sl-target-result"]').inner_text()
        assert "reaches 2" in target, target
        assert not errors, errors
        # nbconvert's template asked two CDNs (require.js, MathJax); the exporter drops them
        assert not refused, refused
    finally:
        context.close()
