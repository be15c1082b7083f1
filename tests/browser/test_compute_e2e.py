"""ComputeExplorer end to end: real JupyterLab, real kernel, Debian Chromium via Playwright.

The notebook shows a ComputeExplorer on the bundled Chinchilla runs (the loss column renamed
to hostile HTML, to check escaping). The test moves the budget slider with the keyboard and
checks the readout and ``w.budget`` in the kernel; leaves a budget out (its chip, then a
legend entry) and checks that the frontier is redrawn; switches the approach; inserts the
exported ``allocate(C)`` as a cell and runs it. Screenshots, light and dark, land in
test-artifacts/.
"""

from __future__ import annotations

from compute_driver import ComputeDriver
from harness import DARK_THEME, LIGHT_THEME, LabPage

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

        # --- the budget slider: 50 keyboard steps of 0.02 decade, down to 1e23
        d.step_budget(50, "ArrowLeft")
        state = probe.wait_for(STATE, lambda s: abs(s["budget"] / 1e23 - 1) < 0.02)
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
        d.testid("sl-chart").locator(".role-legend-label text", has_text=names[0]).first.click()
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

        # --- a bad budget typed in: a message, the last good view stays
        box = d.testid("sl-budget-input")
        box.fill("-3")
        box.press("Enter")
        assert "positive number of FLOP" in d.testid("sl-error").inner_text()
        assert probe.json("w.budget") == state["budget"]

        # --- export: insert allocate(C) as a cell below the widget, and run it
        d.testid("sl-insert-cell").click()
        lab.page.wait_for_function(
            "() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === 4")
        lab.run_all()
        ok = probe.json("abs(allocate([w.budget])['N'][0] / w.plan.allocate([w.budget]).N[0] - 1) "
                        "< 1e-12")
        assert ok is True

        # --- dark theme
        d = ComputeDriver(lab)
        d.wait_ready()
        v = d.version()
        lab.set_theme(DARK_THEME)
        d.wait_above(v)
        lab.page.wait_for_timeout(400)
        d.lab.screenshot("compute-03-parametric-dark", d.root)
        lab.set_theme(LIGHT_THEME)
        assert not lab.dialogs, lab.dialogs
    finally:
        probe.close()
