"""ComputeExplorer end to end: real JupyterLab, real kernel, Debian Chromium via Playwright.

The notebook shows a ComputeExplorer on the bundled Chinchilla runs (the loss column renamed
to hostile HTML, to check escaping). The test moves the budget slider with the keyboard and
checks the readout and ``w.budget`` in the kernel; leaves a budget out (its chip, then a
legend entry) and checks that the frontier is redrawn; switches the approach; inserts the
exported ``allocate(C)`` as a cell and runs it. Screenshots, light and dark, land in
test-artifacts/.
"""

from __future__ import annotations

import math

import pytest
from compute_driver import ComputeDriver
from harness import DARK_THEME, LIGHT_THEME, LabPage
from test_saved_state_e2e import save, save_widget_state  # noqa: F401  (a fixture)

HOSTILE = "<img src=x onerror=alert(1)>"
CELLS = [
    f"import scalinglab as sl\ndf = sl.datasets.load('chinchilla').rename(columns={{'loss': {HOSTILE!r}}})",
    f"w = sl.ComputeExplorer(df, N='N', D='D', y={HOSTILE!r}, n_boot=300)",
    "w",
]
STATE = ("{'budget': w.budget, 'excluded': list(w.excluded), 'approach': w.approach, "
         "'N': w.readout.get('N'), 'error': w.error}")


def test_budget_toggles_and_export(lab: LabPage, notebook) -> None:
    path = notebook("compute_e2e.ipynb", CELLS)
    lab.open_notebook(path)
    lab.command("application:toggle-left-area")
    lab.run_all()
    d = ComputeDriver(lab)
    d.wait_ready()
    probe = lab.probe()
    try:
        state = probe.wait_for(STATE, lambda s: s["N"] is not None)
        assert state["budget"] == 1e24 and not state["error"]
        # renders: both panels, budgets as chips, the three approaches, the hostile name as text
        assert d.root.locator("img").count() == 0
        assert HOSTILE in d.testid("sl-chart").inner_text()
        chips = d.root.locator('[data-testid^="sl-budget-toggle-"]')
        assert chips.count() >= 9
        assert d.testid("sl-approaches-table").locator("tbody tr").count() == 3
        assert "10^24" in d.testid("sl-readout").inner_text()
        first = d.readout()
        d.lab.screenshot("compute-01-light", d.root)

        # --- the budget slider, dragged by hand in 20 small moves down to about 1e23
        d.drag_budget(23.0, moves=20)
        state = probe.wait_for(STATE, lambda s: abs(math.log10(s["budget"]) - 23) < 0.05)
        moved = d.readout()
        assert moved["N"] != first["N"] and moved["D"] != first["D"]
        assert state["N"] < 1e11
        assert "10^23" in d.testid("sl-readout").inner_text()

        # --- leave the largest bracketed budget out: the frontier is redrawn
        names = probe.json("[m['budget'] for m in w.chart_data['datasets']['minima'] "
                           "if m['included']]")
        before_paths = d.line_paths()
        v = d.version()
        chip = d.testid(f"sl-budget-toggle-{names[-1]}")
        assert chip.get_attribute("aria-pressed") == "true"
        chip.click()
        probe.wait_for(STATE, lambda s: s["excluded"] == [names[-1]])
        d.wait_above(v)
        lab.page.wait_for_timeout(300)
        assert chip.get_attribute("aria-pressed") == "false"
        assert d.line_paths() != before_paths
        d.lab.screenshot("compute-02-budget-left-out-light", d.root)

        # --- a legend entry toggles its budget too
        v = d.version()
        label = d.testid("sl-chart").locator(".role-legend-label text", has_text=names[0]).first
        box = label.bounding_box()
        lab.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        probe.wait_for(STATE, lambda s: set(s["excluded"]) == {names[-1], names[0]})
        d.wait_above(v)
        chip.click()
        d.testid(f"sl-budget-toggle-{names[0]}").click()
        probe.wait_for(STATE, lambda s: s["excluded"] == [])

        # --- the approach toggle
        v = d.version()
        d.testid("sl-approach-parametric").click()
        probe.wait_for(STATE, lambda s: s["approach"] == "parametric")
        d.wait_above(v)
        assert d.testid("sl-approach-parametric").get_attribute("aria-selected") == "true"

        # --- paste a table with other column names: the widget switches to it
        v = d.version()
        text = probe.json("df.rename(columns={'N': 'params', 'D': 'tokens', "
                          f"{HOSTILE!r}: 'val_loss'}}).to_csv(index=False)")
        d.testid("sl-paste").fill(text)
        d.root.get_by_text("Load pasted table").click()
        probe.wait_for("[w.N, w.D, w.y, w.table_version]",
                       lambda s: s[:3] == ["params", "tokens", "val_loss"] and s[3] == 2)
        d.wait_above(v)
        assert "val_loss" in d.testid("sl-chart").inner_text()
        state = probe.json(STATE)

        # --- a bad budget typed in: a message, the last good view stays
        box = d.testid("sl-budget-input")
        box.fill("-3")
        box.press("Enter")
        assert "positive number of FLOP" in d.testid("sl-error").inner_text()
        assert probe.json("w.budget") == state["budget"]

        # --- export: insert allocate(C) as a cell below the widget, and run it
        budget, expected = probe.json("[w.budget, float(w.plan.allocate([w.budget]).N[0])]")
        d.testid("sl-insert-cell").click()
        lab.page.wait_for_function(
            "() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === 4")
        assert "Compute-optimal allocation exported" in lab.page.locator(
            ".jp-Notebook .jp-Cell").nth(3).inner_text()
        lab.run_all()
        got = probe.json(f"float(allocate([{budget!r}])['N'][0])")
        assert got == pytest.approx(expected, rel=1e-12)

        # --- dark theme, approach 3
        d = ComputeDriver(lab)
        d.wait_ready()
        v = d.version()
        probe.run("w.approach = 'parametric'")
        v = d.wait_above(v)
        lab.set_theme(DARK_THEME)
        d.wait_above(v)
        lab.page.wait_for_timeout(400)
        d.lab.screenshot("compute-03-parametric-dark", d.root)
        lab.set_theme(LIGHT_THEME)
        assert not lab.dialogs, lab.dialogs
    finally:
        probe.close()


def test_offline_html_export_shows_the_last_plan(browser, tmp_path) -> None:
    """Executed with nbclient (widget state saved), the budget moved and a budget left out in a
    later cell, exported with OfflineHTMLExporter: the page draws that last plan from the saved
    state, asking for nothing beyond itself."""
    import nbformat
    from harness import ARTIFACTS_DIR, offline_page
    from nbclient import NotebookClient

    from scalinglab.widgets.static_html import export_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (
        "import scalinglab as sl\nw = sl.ComputeExplorer(sl.datasets.load('chinchilla'), "
        "n_boot=100)\nw", "w.budget = 1e22\nw.excluded = ['1e+21']")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    path = tmp_path / "compute.ipynb"
    nbformat.write(nb, path)
    out = export_html(path, tmp_path / "compute-offline.html")

    context, page, refused, errors = offline_page(browser, {"width": 1400, "height": 1100})
    try:
        page.goto(out.as_uri())
        d = page.locator(".scalinglab-compute")
        d.locator('[data-testid="sl-chart"] svg').first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        d.screenshot(path=str(ARTIFACTS_DIR / "compute-04-html-export-offline.png"))
        assert "10^22" in d.locator('[data-testid="sl-readout"]').inner_text()
        chip = d.locator('[data-testid="sl-budget-toggle-1e+21"]')
        assert chip.get_attribute("aria-pressed") == "false"
        assert d.locator('[data-testid="sl-approaches-table"] tbody tr').count() == 3
        assert not errors, errors
        assert not refused, refused
    finally:
        context.close()


@pytest.mark.usefixtures("save_widget_state")
def test_reopened_notebook_shows_the_saved_plan(lab: LabPage, notebook, lab_server) -> None:
    """JupyterLab saves the widget state: reopened without running a cell (no kernel object),
    the explorer shows the budget and the budgets left out as last seen, says it is a saved
    view, and a save of the reopened notebook keeps that state."""
    name = notebook("compute_saved.ipynb", [
        "import scalinglab as sl\nw = sl.ComputeExplorer(sl.datasets.load('chinchilla'), "
        "n_boot=100)\nw"])
    lab.open_notebook(name)
    lab.run_all()
    d = ComputeDriver(lab)
    d.wait_ready()
    probe = lab.probe()
    try:
        v = d.version("readout")
        probe.run("w.budget = 1e22\nw.excluded = ['1e+21']")
        d.wait_above(v, "readout")
        probe.wait_for("w.readout['C']", lambda c: c == 1e22)
    finally:
        probe.close()
    lab.page.wait_for_timeout(500)
    save(lab)
    state = saved_compute_state(lab_server, name)
    assert state and state["budget"] == 1e22 and state["excluded"] == ["1e+21"]
    lab.page.close()
    lab_server.shutdown_sessions()

    page = lab.page.context.new_page()
    again = LabPage(page, lab.server)
    again.open_notebook(name)
    r = ComputeDriver(again)
    r.wait_ready()
    again.page.wait_for_timeout(500)
    again.screenshot("compute-05-reopened-saved-state", r.root)
    assert "10^22" in r.testid("sl-readout").inner_text()
    assert r.testid("sl-budget-toggle-1e+21").get_attribute("aria-pressed") == "false"
    assert "Saved view" in r.root.inner_text()
    save(again)
    kept = saved_compute_state(lab_server, name)
    assert kept and kept["budget"] == 1e22, "saving the reopened notebook dropped the state"


def saved_compute_state(lab_server, name: str) -> dict | None:
    import nbformat

    nb = nbformat.read(lab_server.root_dir / name, as_version=4)
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        if model.get("model_module") == "anywidget" and "budget_range" in model.get("state", {}):
            return model["state"]
    return None
