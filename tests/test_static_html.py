"""The offline HTML export asks nothing of the network, and its math is drawn without MathJax.

nbconvert's lab template loads require.js and MathJax from a CDN (and names mermaid's). The
offline exporter drops those scripts and writes the notebook's LaTeX as MathML, which
Chromium, Firefox and Safari draw natively; LaTeX that cannot be converted stays as source.
(The page drawing in Chromium with every request refused: tests/browser.)
"""

from __future__ import annotations

import re

import nbformat
import pytest

pytest.importorskip("nbconvert")

from scalinglab.widgets.static_html import OfflineHTMLExporter, tex_to_mathml

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _export(cells: list) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    body, _ = OfflineHTMLExporter().from_notebook_node(nb)
    return body


def test_export_loads_no_script_from_a_cdn() -> None:
    body = _export([nbformat.v4.new_markdown_cell("# Title\n\nplain text")])
    assert "cdnjs" not in body and "require.js" not in body and "MathJax" not in body
    assert "mermaid" not in body
    assert not REMOTE.search(body), REMOTE.search(body)


def test_markdown_math_becomes_mathml() -> None:
    body = _export([nbformat.v4.new_markdown_cell(
        r"The law $a\,x^{-b} + L_\infty$ and, displayed,"
        "\n\n$$L(N, D) = E + \\frac{A}{N^{\\alpha}} + \\frac{B}{D^{\\beta}}$$\n\n"
        r"with a < b outside math and 5\$ of cost.")])
    inline = re.findall(r'<math[^>]*display="inline"', body)
    block = re.findall(r'<math[^>]*display="block"', body)
    assert len(inline) == 1 and len(block) == 1, body
    assert "<mfrac>" in body and "<mi>α</mi>" in body  # the fraction and the alpha
    assert "a &lt; b" in body  # text outside math is still escaped


def test_markdown_output_math_becomes_mathml() -> None:
    cell = nbformat.v4.new_code_cell("res")
    cell.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/markdown": "$$y = a\\,x^{-b}$$", "text/plain": "res"},
        execution_count=1)]
    body = _export([cell])
    assert re.search(r'<math[^>]*display="block"', body), body


def test_unconvertible_tex_stays_readable() -> None:
    out = tex_to_mathml(r"\notacommand{x} < 1", display=False)
    assert "<math" not in out and r"\notacommand{x} &lt; 1" in out
