"""RemedyComparer end to end: real JupyterLab, real kernel, Debian Chromium via Playwright.

The notebook runs a small imbalance study (one remedy renamed to hostile HTML, to check
escaping), shows a RemedyComparer, and the test toggles a remedy and switches views through
the DOM contract (``data-testid`` names, ``data-chart-version``), reading the kernel-side state
with ``LabPage.probe``. Screenshots of every view, light and dark, land in test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness import DARK_THEME, LIGHT_THEME, HarnessError, LabPage

HOSTILE = "<img src=x onerror=alert(1)>"
STUDY_CELL = f"""\
import scalinglab as sl
t = sl.imbalance.run_study(remedies=["none", "oversample", "undersample", "smote",
                                     "threshold"],
                           ratios=[1, 2, 5, 10, 20, 50], sizes=[30, 60, 120], seeds=3,
                           cache=None, progress=False)
t["remedy"] = t["remedy"].replace("smote", {HOSTILE!r})
"""
STATE = "{'view': w.view, 'remedies': list(w.remedies), 'metric': w.metric, 'error': w.error}"


class Comparer:
    def __init__(self, lab: LabPage) -> None:
        self.lab = lab
        self.root = lab.page.locator(".scalinglab-remedies").first

    def testid(self, name: str) -> Any:
        return self.root.locator(f'[data-testid="{name}"]')

    def version(self) -> int:
        return int(self.root.get_attribute("data-chart-version") or 0)

    def wait_version_above(self, v: int, timeout: float = 60) -> int:
        self.lab.page.wait_for_function(
            "([el, v]) => Number(el.getAttribute('data-chart-version')) > v",
            arg=[self.root.element_handle(), v],
            timeout=timeout * 1000,
        )
        self.lab.page.wait_for_timeout(300)  # let the SVG settle before reading or shooting
        return self.version()

    def marks(self, selector: str) -> int:
        return self.root.evaluate(
            """(root, sel) => Array.from(root.querySelectorAll(
                 '[data-testid="sl-chart"] svg ' + sel)).length""",
            selector,
        )

    def marks_outside_plot(self, selector: str) -> list[list[float]]:
        """Vertical extents (top, bottom) of marks that reach beyond the plotting area."""
        return self.root.evaluate(
            """(root, sel) => {
                 const svg = root.querySelector('[data-testid="sl-chart"] svg');
                 const bg = svg.querySelector('g.mark-group.role-frame.root path.background');
                 const box = bg.getBoundingClientRect();
                 return Array.from(svg.querySelectorAll(sel))
                   .map((p) => p.getBoundingClientRect())
                   .filter((r) => r.height > 0
                     && (r.top < box.top - 1 || r.bottom > box.bottom + 1))
                   .map((r) => [r.top - box.top, r.bottom - box.top]); }""",
            selector,
        )

    def colours_drawn(self) -> set[str]:
        return set(
            self.root.evaluate(
                """(root) => Array.from(root.querySelectorAll(
                 '[data-testid="sl-chart"] svg .mark-symbol path'))
               .map((p) => (p.getAttribute('fill') || '').toLowerCase())"""
            )
        )

    def shot(self, name: str) -> None:
        self.lab.screenshot(name, self.root)


def test_toggle_remedy_and_switch_views(lab: LabPage, notebook) -> None:
    path = notebook("remedies_e2e.ipynb", [STUDY_CELL, "w = sl.RemedyComparer(t)", "w"])
    lab.open_notebook(path)
    lab.command("application:toggle-left-area")
    lab.run_all()
    c = Comparer(lab)
    c.testid("sl-chart").locator("svg").wait_for(timeout=120_000)
    v = c.wait_version_above(0)
    probe = lab.probe()
    try:
        # --- view 1, all remedies; the hostile remedy name shows as text, nothing runs
        state = probe.wait_for(STATE, lambda s: s["view"] == 1)
        assert len(state["remedies"]) == 5
        hostile = c.testid(f"sl-remedy-toggle-{HOSTILE}")
        assert hostile.inner_text().strip() == HOSTILE
        assert c.root.locator("img").count() == 0
        assert c.testid("sl-summary-table").locator("tbody tr").count() == 6  # one per ratio
        assert c.testid("sl-error").is_hidden()
        # the wins table in one unit (percentage points: a mean of 0.9 reads 90.0)
        means = c.testid("sl-summary-table").evaluate(
            "(t) => Array.from(t.querySelectorAll('tbody tr'))"
            ".map((tr) => Number(tr.children[2].textContent))"
        )
        assert means and all(1 < m <= 100 for m in means), means
        # every error bar stays inside the plotting area
        assert c.marks_outside_plot(".mark-rule path") == [], c.marks_outside_plot(".mark-rule path")
        oversample_colour = "#f58518"
        assert oversample_colour in c.colours_drawn()
        c.shot("remedies-01-view1-light")

        # --- toggle oversample off: kernel state, button state and chart all follow
        toggle = c.testid("sl-remedy-toggle-oversample")
        assert toggle.get_attribute("aria-pressed") == "true"
        toggle.click()
        probe.wait_for(STATE, lambda s: "oversample" not in s["remedies"])
        v = c.wait_version_above(v)
        assert toggle.get_attribute("aria-pressed") == "false"
        assert oversample_colour not in c.colours_drawn()
        toggle.click()
        probe.wait_for(STATE, lambda s: "oversample" in s["remedies"])
        v = c.wait_version_above(v)
        assert oversample_colour in c.colours_drawn()

        # --- metric picker
        c.testid("sl-metric-select").select_option("roc_auc")
        probe.wait_for(STATE, lambda s: s["metric"] == "roc_auc")
        v = c.wait_version_above(v)
        assert "ROC AUC" in c.testid("sl-chart").inner_text()

        # --- view 2: learning curves with a dashed extrapolation
        c.testid("sl-view-2").click()
        probe.wait_for(STATE, lambda s: s["view"] == 2)
        v = c.wait_version_above(v)
        assert c.testid("sl-view-2").get_attribute("aria-selected") == "true"
        assert c.testid("sl-ratio-select").is_visible()
        assert "training examples" in c.testid("sl-chart").inner_text()
        assert c.marks(".mark-area path") >= 1
        c.shot("remedies-02-view2-light")

        # --- view 3: minority against majority, with a verdict
        c.testid("sl-view-3").click()
        probe.wait_for(STATE, lambda s: s["view"] == 3)
        v = c.wait_version_above(v)
        assert "wins" in c.testid("sl-verdict").inner_text()
        assert c.testid("sl-metric-select").is_hidden()
        assert "minority-class recall" in c.testid("sl-chart").inner_text()
        c.shot("remedies-03-view3-light")

        # --- export: the JSON download holds the winners and the two fits of this view
        with lab.page.expect_download() as download:
            c.testid("sl-export-json").click()
        saved = download.value
        assert saved.suggested_filename == "remedies-roc_auc-view3.json"
        payload = json.loads(Path(saved.path()).read_text())
        assert set(payload["fits"]) == {"line", "curve"} and len(payload["winners"]) == 6
        assert "sl.imbalance.tradeoff" in probe.json("w.code")

        # --- a bad value set from Python raises ScalingLabError, shows inline, keeps the view
        with pytest.raises(HarnessError, match="no_such_metric"):
            probe.run("w.metric = 'no_such_metric'")
        err = c.testid("sl-error")
        err.wait_for(state="visible", timeout=30_000)
        assert "no_such_metric" in err.inner_text()
        assert probe.json("w.metric") == "roc_auc"

        # --- dark theme: every view re-embeds and reads well
        before = c.version()
        lab.set_theme(DARK_THEME)
        v = c.wait_version_above(before)  # the theme switch re-embeds the chart
        probe.run("w.error = ''")
        c.shot("remedies-03-view3-dark")
        for view, axis in ((1, "imbalance ratio"), (2, "training examples")):
            before = c.version()
            c.testid(f"sl-view-{view}").click()
            probe.wait_for(STATE, lambda s, view=view: s["view"] == view)
            v = c.wait_version_above(before)
            assert axis in c.testid("sl-chart").inner_text()
            c.root.page.wait_for_function(
                "(el) => !el.classList.contains('sl-busy')", arg=c.root.element_handle()
            )
            c.shot(f"remedies-0{view}-view{view}-dark")
        lab.set_theme(LIGHT_THEME)
        assert not lab.dialogs, lab.dialogs
    finally:
        probe.close()
