"""Every gallery notebook, executed on a fresh kernel, exported to one offline HTML file, and
opened in Chromium with the network refused: the page draws its widgets, static charts and
math, and asks for nothing beyond the file.

Each notebook runs with nbclient (tests/gallery.py: a fresh kernel, an empty run cache; widget
state stored in the notebook as ``nbconvert --execute`` does), then
``scalinglab.widgets.static_html.export_html`` writes the page. Run times go to
``test-artifacts/gallery/times.json`` (the 2-minute budget is checked by ``make gallery``, not
asserted here: a timed assertion fails on a busy machine); each page's screenshot goes to
``test-artifacts/gallery/``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from harness import ARTIFACTS_DIR, offline_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gallery import execute, notebooks

GALLERY = notebooks()
OUT = ARTIFACTS_DIR / "gallery"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SVG = "image/svg+xml"


def _count(nb: nbformat.NotebookNode, mime: str) -> int:
    return sum(mime in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)


def _record_time(name: str, seconds: float) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"time-{name}.json"  # one file per notebook: xdist workers write in parallel
    path.write_text(json.dumps({"notebook": name, "seconds": round(seconds, 1)}))


@pytest.mark.slow
@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_notebook_runs_and_its_offline_export_draws(path: Path, browser: Any) -> None:
    from scalinglab.widgets.static_html import export_html

    nb, seconds = execute(path)
    _record_time(path.stem, seconds)
    print(f"{path.name}: {seconds:.1f} s on a fresh kernel")
    OUT.mkdir(parents=True, exist_ok=True)
    executed = OUT / path.name
    nbformat.write(nb, executed)
    page_file = export_html(executed, OUT / f"{path.stem}.html")
    widgets, charts = _count(nb, WIDGET_VIEW), _count(nb, SVG)
    has_math = any("$" in c.source for c in nb.cells if c.cell_type == "markdown")

    context, page, refused, errors = offline_page(browser, {"width": 1300, "height": 1000})
    try:
        page.goto(page_file.as_uri())
        views = page.locator(".scalinglab-static-view")
        if widgets:
            page.wait_for_function(
                "(n) => Array.from(document.querySelectorAll('.scalinglab-static-view'))"
                ".filter((v) => v.querySelector('svg')).length >= n",
                arg=widgets, timeout=90_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / f"{path.stem}.png"), full_page=True)

        assert views.count() == widgets, f"{views.count()} of {widgets} widgets drawn"
        notes = page.locator(".scalinglab-static-note").all_inner_texts()
        assert not notes, notes  # "could not draw", "front end not saved", ...
        drawn = page.locator(".jp-RenderedSVG img").evaluate_all(
            "(imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length")
        assert drawn == charts, f"{drawn} of {charts} static charts drawn"
        if has_math:
            assert page.locator("math").count() > 0, "the notebook's math was not drawn"
            assert page.locator("code.tex").count() == 0, page.locator("code.tex").all_inner_texts()
        assert not errors, errors
        assert not refused, refused
    finally:
        context.close()
