"""The notebook gallery as committed: every notebook tells its story in the same format, its
outputs are stored for readers without a kernel, and the README and Binder know every one.

Executing each notebook on a fresh kernel, exporting it to offline HTML and checking the page
in Chromium: tests/browser/test_gallery_e2e.py. In a fresh venv from binder/: test_binder.py.
Notebooks are found by ``notebooks/NN_*.ipynb`` (tests/gallery.py), so a new one is checked
without editing a list.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gallery import NOTEBOOKS, REPO, notebooks

GALLERY = notebooks()
IDS = [p.stem for p in GALLERY]
WIDGET_CALL = re.compile(r"\bsl\.(LawExplorer|RemedyComparer|ComputeExplorer)\(")
SVG = "image/svg+xml"
#: A committed notebook stays small: outputs yes, saved widget state (~1 MB each) no.
MAX_BYTES = 1_500_000


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_gallery_holds_its_topics() -> None:
    numbers = [p.name[:2] for p in GALLERY]
    assert len(numbers) == len(set(numbers)), f"two notebooks share a number: {numbers}"
    for n in ("01", "02", "03", "05", "06", "07", "08"):  # 04 is the compute-optimal issue's
        assert n in numbers, f"notebooks/{n}_*.ipynb is missing"


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_notebook_opens_with_its_question_and_paper(path: Path) -> None:
    first = _read(path).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
    # the seed paper named at the top: authors and year
    assert re.search(r"et al\.|\b(19|20)\d\d\b", first.source), f"{path.name}: no paper named"


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_notebook_ends_with_what_to_take_away_and_code(path: Path) -> None:
    nb = _read(path)
    heading = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
               and re.search(r"^## What to take away", c.source, re.M)]
    assert heading, f"{path.name}: no '## What to take away' section"
    text = nb.cells[heading[-1]].source.split("## What to take away", 1)[1]
    points = re.findall(r"^\d\. ", text, re.M)
    assert len(points) == 3, f"{path.name}: take-away has {len(points)} numbered lines, not 3"
    assert nb.cells[-1].cell_type == "code", f"{path.name}: must end with the code to take away"


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_committed_outputs_are_there_for_readers_without_a_kernel(path: Path) -> None:
    nb = _read(path)
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    assert "widgets" not in nb.metadata, (
        f"{path.name} carries saved widget state: refresh it with `make gallery`")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {i} was not executed"
        kinds = [o.output_type for o in cell.outputs]
        assert "error" not in kinds, f"{path.name} cell {i} stored an error"
        for out in cell.outputs:  # nothing that loads a script from the network
            html = out.get("data", {}).get("text/html", "")
            assert "<script" not in html, f"{path.name} cell {i}: an HTML output with a script"


@pytest.mark.parametrize("path", GALLERY, ids=IDS)
def test_every_widget_has_a_static_picture_beside_it(path: Path) -> None:
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not WIDGET_CALL.search(cell.source):
            continue
        near = cells[max(0, i - 2): i + 3]
        pictures = [o for c in near if c.cell_type == "code" for o in c.outputs
                    if SVG in o.get("data", {})]
        assert pictures, f"{path.name} cell {i}: a widget with no static chart (SVG) beside it"


def test_readme_gallery_table_lists_every_notebook_with_binder() -> None:
    readme = (REPO / "README.md").read_text()
    for path in GALLERY:
        rel = path.relative_to(REPO).as_posix()
        row = next((line for line in readme.splitlines()
                    if line.startswith("|") and f"({rel})" in line), None)
        assert row, f"README's gallery table has no row linking {rel}"
        assert "mybinder.org/v2/gh/" in row and f"urlpath=lab/tree/{rel}" in row, row


def test_binder_installs_what_the_gallery_needs() -> None:
    lines = [line.split("#")[0].strip() for line in
             (REPO / "binder" / "requirements.txt").read_text().splitlines()]
    assert ".[gallery]" in lines, "binder/requirements.txt must install '.[gallery]'"
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r"^gallery = \[", pyproject, re.M), "pyproject has no [gallery] extra"


def test_gallery_finds_notebooks_by_their_number(tmp_path: Path) -> None:
    for name in ("02_b.ipynb", "01_a.ipynb", "notes.ipynb", "1_short.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in notebooks(tmp_path)] == ["01_a.ipynb", "02_b.ipynb"]
    assert NOTEBOOKS == REPO / "notebooks"
