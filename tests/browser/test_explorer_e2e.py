"""LawExplorer end to end: a real JupyterLab, a real kernel, Debian Chromium driven by Playwright.

Each test writes its notebook, runs it through JupyterLab's Run All, and drives the widget
through its DOM contract (``data-testid`` names, the Vega ``brush`` on x, the band layer,
``data-fit-version``). Kernel-side state is read from the same kernel (``LabPage.probe``).
Screenshots land in ``test-artifacts/`` at each step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import (
    DARK_THEME,
    LIGHT_THEME,
    ExplorerDriver,
    HarnessError,
    KernelProbe,
    LabPage,
)

import scalinglab as sl

N_POINTS = 40
DATA_CELL = f"""\
import numpy as np, pandas as pd
import scalinglab as sl
rng = np.random.default_rng(0)
D = np.logspace(6, 10, {N_POINTS})
loss = 1.7 + 400.0 * D ** -0.3 * np.exp(rng.normal(0.0, 0.01, D.size))
df = pd.DataFrame({{"D": D, "loss": loss}})
"""

STATE = (
    "{'fit_range': None if w.fit_range is None else [float(v) for v in w.fit_range],"
    " 'laws': list(w.laws),"
    " 'params': {k: {p: float(v) for p, v in r.params.items()} for k, r in w.results.items()},"
    " 'n': {k: int(len(r.data)) for k, r in w.results.items()}}"
)

HOSTILE = "<img src=x onerror=alert(1)>"


def open_explorer(
    lab: LabPage, notebook: Callable[..., str], name: str, widget_cell: str, chart: bool = True
) -> tuple[ExplorerDriver, KernelProbe]:
    path = notebook(name, [DATA_CELL, widget_cell, "w"])
    lab.open_notebook(path)
    lab.command("application:toggle-left-area")  # more room for the widget
    lab.run_all()
    explorer = ExplorerDriver(lab)
    explorer.wait_ready(chart=chart)
    return explorer, lab.probe()


def count(explorer: ExplorerDriver, selector: str) -> int:
    """Number of non-empty SVG paths matching ``selector`` inside the chart."""
    return explorer.root.evaluate(
        """(root, sel) => Array.from(root.querySelectorAll(
             '[data-testid="sl-chart"] svg ' + sel))
           .filter((p) => (p.getAttribute('d') || '').length > 2).length""",
        selector,
    )


def luminance(css_color: str) -> float:
    """Relative luminance (0 black .. 1 white) of an ``rgb()``/``rgba()`` string."""
    parts = css_color[css_color.index("(") + 1 : css_color.index(")")].split(",")
    r, g, b = (float(v) / 255 for v in parts[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def drop_file(explorer: ExplorerDriver, name: str, text: str, mime: str = "text/csv") -> None:
    """Dispatch real dragenter/dragover/drop events carrying a File built in the page."""
    explorer.testid("sl-dropzone").evaluate(
        """(zone, [name, text, mime]) => {
             const dt = new DataTransfer();
             dt.items.add(new File([text], name, {type: mime}));
             for (const type of ['dragenter', 'dragover', 'drop']) {
               zone.dispatchEvent(new DragEvent(type,
                 {bubbles: true, cancelable: true, dataTransfer: dt}));
             }
           }""",
        [name, text, mime],
    )


def test_brush_refits_in_kernel_and_draws_band(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_brush.ipynb",
        "w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'])",
    )
    try:
        bands = explorer.band_paths()
        assert any(len(d) > 10 for d in bands), f"no band drawn: {bands}"
        lab.screenshot("explorer-01-light", explorer.root)
        before = probe.json(STATE)
        assert set(before["params"]) == {"power", "power_offset"}, before

        version = explorer.fit_version()
        explorer.drag_brush(0.25, 0.70)
        explorer.wait_settled(version)

        def refitted(state: dict[str, Any]) -> bool:
            return state["fit_range"] is not None and state["params"] != before["params"]

        after = probe.wait_for(STATE, refitted)
        lo, hi = after["fit_range"]
        assert 1e6 < lo < hi < 1e12, after["fit_range"]
        for law, params in after["params"].items():
            assert params != before["params"][law], f"{law} was not refitted: {params}"
        assert after["n"]["power"] == N_POINTS  # out-of-range points are kept, drawn hollow

        # The range the kernel fitted is the range the user sees: the points whose centres
        # lie inside the drawn brush are exactly the kernel's in-range points.
        extent = explorer.brush_extent()
        assert extent is not None, "no brush rectangle drawn"
        xs = explorer.point_xs()
        assert len(xs) == N_POINTS, f"{len(xs)} point marks for {N_POINTS} rows"
        filled = explorer.point_xs(filled=True)
        inside = sum(extent[0] <= x <= extent[1] for x in xs)
        in_range = probe.json("int(w.results['power'].data['in_range'].sum())")
        assert len(filled) == in_range, (len(filled), in_range)
        assert all(extent[0] - 1 <= x <= extent[1] + 1 for x in filled), (extent, filled)
        assert abs(inside - in_range) <= 1, (inside, in_range, extent, after["fit_range"])
        assert in_range >= 15, f"a 45%-wide brush should hold about half the points: {in_range}"

        bands = explorer.band_paths()
        assert any(len(d) > 10 for d in bands), f"band gone after the refit: {bands}"
        latency = explorer.latency()
        assert latency and all(float(s["ms"]) > 0 for s in latency), latency
        lab.screenshot("explorer-02-brushed", explorer.root)
    finally:
        probe.close()


def test_law_toggle_hides_and_restores_its_curve(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_toggle.ipynb",
        "w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'])",
    )
    try:
        lines_on = count(explorer, "g.mark-line path")
        assert lines_on >= 2, "expected one fitted curve per family"
        toggle = explorer.testid("sl-law-toggle-power")
        toggle.click()
        state = probe.wait_for(STATE, lambda s: "power" not in s["laws"])
        assert state["laws"] == ["power_offset"]
        explorer.page.wait_for_function(
            """([sel, n]) => Array.from(document.querySelectorAll(sel))
                 .filter((p) => (p.getAttribute('d') || '').length > 2).length < n""",
            arg=['.scalinglab-explorer [data-testid="sl-chart"] svg g.mark-line path', lines_on],
        )
        lab.screenshot("explorer-03-power-off", explorer.root)

        toggle.click()
        probe.wait_for(STATE, lambda s: set(s["laws"]) == {"power", "power_offset"})
        explorer.page.wait_for_function(
            """([sel, n]) => Array.from(document.querySelectorAll(sel))
                 .filter((p) => (p.getAttribute('d') || '').length > 2).length === n""",
            arg=['.scalinglab-explorer [data-testid="sl-chart"] svg g.mark-line path', lines_on],
        )
    finally:
        probe.close()


def _select_columns(explorer: ExplorerDriver, x: str, y: str) -> None:
    for testid, column in (("sl-x-select", x), ("sl-y-select", y)):
        select = explorer.testid(testid)
        if select.input_value() != column:
            select.select_option(column)


def test_dropped_csv_shows_new_points_and_a_bad_file_keeps_them(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_drop.ipynb",
        "w = sl.LawExplorer(laws=['power_offset'])",
        chart=False,
    )
    try:
        sizes = [10 ** (6 + i / 6) for i in range(25)]
        rows = ["N,loss"] + [f"{n:.6g},{1.9 + 50 * n**-0.25:.6g}" for n in sizes]
        drop_file(explorer, "runs.csv", "\n".join(rows) + "\n")
        _select_columns(explorer, "N", "loss")
        state = probe.wait_for(STATE, lambda s: s["n"].get("power_offset") == 25)
        assert state["params"]["power_offset"]
        explorer.page.wait_for_function(
            """(sel) => document.querySelectorAll(sel).length === 25""",
            arg='.scalinglab-explorer [data-testid="sl-chart"] svg g[class~="points_marks"] path',
        )
        points = len(explorer.point_xs())
        lab.screenshot("explorer-04-dropped-csv", explorer.root)

        drop_file(explorer, "broken.csv", "N,loss\n1e6,2.5\n2e6,not-a-number\n")
        error = explorer.testid("sl-error")
        error.wait_for(state="visible")
        message = error.inner_text()
        assert "loss" in message or "not-a-number" in message, message
        time.sleep(1.0)
        kept = probe.json(STATE)
        assert kept["n"]["power_offset"] == 25, "the previous data must stay after a bad file"
        assert kept["params"] == state["params"]
        assert len(explorer.point_xs()) == points
        lab.screenshot("explorer-05-error", explorer.root)

        # A table copied from a spreadsheet (tab-separated) and pasted into sl-paste.
        pasted = "N\tloss\n" + "".join(f"{n:.6g}\t{2.2 + 40 * n**-0.2:.6g}\n" for n in sizes[:12])
        explorer.testid("sl-paste").evaluate(
            """(area, text) => {
                 const dt = new DataTransfer();
                 dt.setData('text/plain', text);
                 area.focus();
                 area.dispatchEvent(new ClipboardEvent('paste',
                   {clipboardData: dt, bubbles: true, cancelable: true}));
               }""",
            pasted,
        )
        probe.wait_for(STATE, lambda s: s["n"].get("power_offset") == 12)
        error.wait_for(state="hidden")
        explorer.page.wait_for_function(
            """(sel) => document.querySelectorAll(sel).length === 12""",
            arg='.scalinglab-explorer [data-testid="sl-chart"] svg g[class~="points_marks"] path',
        )
    finally:
        probe.close()


def test_hostile_column_name_is_text(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_escape.ipynb",
        f"bad = {HOSTILE!r}\n"
        "df = df.rename(columns={'loss': bad})\n"
        "w = sl.LawExplorer(df, x='D', y=bad, laws=['power_offset'])",
    )
    try:
        text = explorer.root.evaluate("(root) => root.textContent")
        assert HOSTILE in text, "the column name should show, as text"
        assert lab.page.locator('img[src="x"]').count() == 0
        lab.page.wait_for_timeout(500)
        assert lab.dialogs == [], f"a dialog fired: {lab.dialogs}"
        assert probe.json("w.results['power_offset'].y") == HOSTILE
        lab.screenshot("explorer-06-escaped", explorer.root)
    finally:
        probe.close()


def test_light_and_dark_theme_screenshots_are_readable(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_themes.ipynb",
        "w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'])",
    )
    probe.close()
    try:
        for theme, slug in ((LIGHT_THEME, "light"), (DARK_THEME, "dark")):
            lab.set_theme(theme)
            lab.page.wait_for_timeout(800)
            lab.screenshot(f"explorer-07-{slug}-page")
            lab.screenshot(f"explorer-07-{slug}", explorer.root)
            text = explorer.root.evaluate("(root) => getComputedStyle(root).color")
            labels = explorer.root.evaluate(
                """(root) => Array.from(root.querySelectorAll(
                     '[data-testid="sl-chart"] svg .role-axis-label text'))
                   .map((t) => getComputedStyle(t).fill)"""
            )
            assert labels, "the chart has no axis labels"
            want_light_text = theme == DARK_THEME
            for color in [text, *labels]:
                is_light = luminance(color) > 0.5
                assert is_light == want_light_text, f"{slug} theme: text colour {color} unreadable"
    finally:
        try:
            lab.set_theme(LIGHT_THEME)
        except HarnessError as exc:  # pragma: no cover - only reported
            pytest.fail(f"could not restore the light theme: {exc}")


def test_export_buttons_insert_cell_copy_code_and_download_json(lab: LabPage, notebook) -> None:
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_export.ipynb",
        "w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'])",
    )
    try:
        code = probe.json("w.code")
        assert "def predict" in code or "import" in code, code

        explorer.testid("sl-insert-cell").click()
        sources_js = """() => window.jupyterapp.shell.currentWidget.content.widgets
                          .map((c) => c.model.sharedModel.getSource())"""
        lab.page.wait_for_function(f"() => ({sources_js})().length === 4")
        sources = lab.page.evaluate(sources_js)
        assert sources[3] == code, "the inserted cell must hold w.code, below the widget's cell"

        explorer.testid("sl-copy-code").click()
        lab.page.wait_for_timeout(300)
        assert lab.page.evaluate("() => navigator.clipboard.readText()") == code

        with lab.page.expect_download() as info:
            explorer.testid("sl-download-json").click()
        text = Path(info.value.path()).read_text()
        loaded = sl.load_fit(text)
        kernel_params = probe.json(
            f"{{k: float(v) for k, v in w.results[{loaded.law.name!r}].params.items()}}"
        )
        assert loaded.params == pytest.approx(kernel_params, rel=1e-12)
        lab.screenshot("explorer-08-exported", explorer.root)
    finally:
        probe.close()


def test_controls_are_synced_traitlets(lab: LabPage, notebook) -> None:
    explorer, probe = open_explorer(
        lab,
        notebook,
        "explorer_controls.ipynb",
        "w = sl.LawExplorer(df, x='D', y='loss', laws=['power', 'power_offset'])",
    )
    controls = "{'target': w.target, 'band': w.band, 'horizon': w.horizon, 'x_scale': w.x_scale}"
    try:
        target = explorer.testid("sl-target-input")
        target.fill("2.5")
        target.press("Enter")
        state = probe.wait_for(controls, lambda s: s["target"] == 2.5)
        sentences = [s["text"] for s in probe.json("w.solutions")]
        result = explorer.testid("sl-target-result")
        result.get_by_text("reaches", exact=False).first.wait_for()
        shown = result.inner_text()
        assert any(s in shown for s in sentences), (shown, sentences)
        assert "2.5" in shown, shown

        version = explorer.fit_version()
        explorer.testid("sl-band-select").select_option("prediction")
        probe.wait_for(controls, lambda s: s["band"] == "prediction")
        explorer.wait_settled(version, quiet_ms=500)
        assert any(len(d) > 10 for d in explorer.band_paths()), "no prediction band drawn"

        horizon = explorer.testid("sl-horizon-input")
        horizon.fill("10")
        horizon.press("Enter")
        probe.wait_for(controls, lambda s: s["horizon"] == 10)

        explorer.testid("sl-xscale").select_option("linear")
        state = probe.wait_for(controls, lambda s: s["x_scale"] == "linear")
        assert state == {"target": 2.5, "band": "prediction", "horizon": 10, "x_scale": "linear"}
        explorer.wait_ready()
        lab.screenshot("explorer-09-controls", explorer.root)

        # Python → front end: setting a trait in the kernel updates the control.
        probe.run("w.x_scale = 'log'; w.target = 3.0")
        explorer.page.wait_for_function(
            """() => document.querySelector(
                 '.scalinglab-explorer [data-testid="sl-xscale"]').value === 'log'"""
        )
        assert float(explorer.testid("sl-target-input").input_value()) == 3.0
    finally:
        probe.close()
