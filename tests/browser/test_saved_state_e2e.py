"""The LawExplorer's state lives in the saved notebook (issue #3: reopen it and the same view is
there). JupyterLab with "Save Widget State Automatically" on: run, change the fit range from
Python, save; shut the kernel down; reopen without running a cell (a fresh kernel, no widget
object in it) and the chart, brush, fits and target are the ones last seen. Saving the reopened
notebook keeps that state (jupyter-widgets/ipywidgets#3888 would drop it), so a third opening
shows it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import nbformat
import pytest
from harness import ExplorerDriver, LabPage, LabServer

WIDGET_PLUGIN = "/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin"
STATE_MIME = "application/vnd.jupyter.widget-state+json"

CELL = """\
import numpy as np, pandas as pd
import scalinglab as sl
D = np.logspace(6, 10, 30)
df = pd.DataFrame({'D': D, 'loss': 400 * D ** -0.3 + 1.7})
w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'], ci='delta')
w"""
FIT_RANGE = (1e7, 1e9)
IN_RANGE = 14  # logspace(6, 10, 30) points within [1e7, 1e9]


@pytest.fixture
def save_widget_state(lab_server: LabServer) -> Iterator[None]:
    """JupyterLab's 'Save Widget State Automatically' on for this test, off afterwards."""
    lab_server.api(WIDGET_PLUGIN, method="PUT", body={"raw": '{"saveState": true}'})
    try:
        yield
    finally:
        lab_server.api(WIDGET_PLUGIN, method="PUT", body={"raw": "{}"})


def saved_explorer_state(lab_server: LabServer, name: str) -> dict[str, Any] | None:
    nb = nbformat.read(lab_server.root_dir / name, as_version=4)
    state = nb.metadata.get("widgets", {}).get(STATE_MIME, {}).get("state", {})
    for model in state.values():
        if model.get("model_module") == "anywidget" and "fit_range" in model.get("state", {}):
            return model["state"]
    return None


def save(lab: LabPage) -> None:
    lab.command("docmanager:save")
    lab.page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=60_000
    )


def reopen(lab: LabPage, name: str, shot: str) -> ExplorerDriver:
    """Open ``name`` in a new page of the same browser context (a new kernel starts; no cell
    runs) and wait for the explorer's chart."""
    page = lab.page.context.new_page()
    page.set_default_timeout(120_000)
    again = LabPage(page, lab.server)
    again.open_notebook(name)
    explorer = ExplorerDriver(again)
    explorer.wait_ready()
    again.page.wait_for_timeout(500)
    again.screenshot(shot, explorer.root)
    return explorer


def assert_last_seen(explorer: ExplorerDriver) -> None:
    """What the explorer showed before the notebook was closed: brush on 1e7..1e9, those points
    filled, both fits in the table with the best one starred, a band, the target sentence."""
    assert explorer.brush_extent() is not None, "the saved fit range is not drawn as the brush"
    assert len(explorer.point_xs(filled=True)) == IN_RANGE
    assert len(explorer.point_xs()) == 30
    table = explorer.testid("sl-param-table").inner_text()
    assert "power_offset" in table and "best" in table, table
    assert "n 14" in table, table
    assert any(len(d) > 10 for d in explorer.band_paths()), "no band drawn"
    assert "reaches 2" in explorer.testid("sl-target-result").inner_text()
    assert explorer.testid("sl-error").is_hidden()


def test_reopened_notebook_shows_the_saved_explorer(
    lab: LabPage, notebook: Callable[..., str], lab_server: LabServer, save_widget_state: None
) -> None:
    name = notebook("saved_state.ipynb", [CELL])
    lab.open_notebook(name)
    lab.run_all()
    explorer = ExplorerDriver(lab)
    explorer.wait_ready()
    probe = lab.probe()
    try:
        version = explorer.fit_version()
        probe.run(f"w.fit_range = {FIT_RANGE!r}; w.target = 2.0")
        explorer.wait_settled(version)
    finally:
        probe.close()
    lab.screenshot("saved-state-01-before-close", explorer.root)
    assert_last_seen(explorer)
    save(lab)
    state = saved_explorer_state(lab_server, name)
    assert state is not None, "the notebook was saved without the explorer's widget state"
    assert state["fit_range"] == list(FIT_RANGE) and state["target"] == 2.0
    assert state["chart_data"] and state["spec"] and state["param_rows"]
    assert "vega" in state["_esm"]  # the front end travels with the state: nothing to fetch

    # Close everything: the kernel (and its LawExplorer object) is gone.
    lab.page.close()
    lab_server.shutdown_sessions()

    reopened = reopen(lab, name, "saved-state-02-reopened")
    assert_last_seen(reopened)
    hint = reopened.root.locator(".sl-hint").inner_text()
    assert "Saved view" in hint, hint
    assert lab_server.api("/api/kernels"), "expected the fresh kernel JupyterLab starts"

    # Saving the reopened notebook (the user's Ctrl+S, or autosave) keeps the saved state.
    save(reopened.lab)
    kept = saved_explorer_state(lab_server, name)
    assert kept is not None, "saving the reopened notebook dropped the explorer's state"
    assert kept["fit_range"] == list(FIT_RANGE)
    reopened.page.close()
    lab_server.shutdown_sessions()

    third = reopen(lab, name, "saved-state-03-reopened-after-resave")
    assert_last_seen(third)
