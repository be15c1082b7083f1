"""HTML export of notebooks with scalinglab widgets that shows their last state offline.

``jupyter nbconvert --to html`` of a notebook saved with widget state (JupyterLab's "Save
Widget State Automatically", or nbclient/``nbconvert --execute``, which store it by default)
writes the state into the page and loads the Jupyter widgets html-manager, and through it
anywidget, from a CDN. Our front end itself needs nothing from the network: its ``_esm`` (with
vega bundled) is in the saved state. To get a page that needs nothing beyond itself, use the
exporter here: it inlines scalinglab's small offline renderer (``static/embed.js``) as
nbconvert's ``widget_renderer_url``, which draws every anywidget view (LawExplorer,
RemedyComparer, ...) from its saved state::

    jupyter nbconvert --to scalinglab.widgets.static_html.OfflineHTMLExporter notebook.ipynb

or from Python: ``export_html("notebook.ipynb")``. Widgets other than anywidget ones are
left as a note (they need the html-manager).

The page requests nothing beyond itself: nbconvert's lab template also loads require.js and
MathJax from a CDN (and names mermaid's); this exporter drops those scripts (nothing here
needs require.js) and writes the notebook's LaTeX (``$...$`` and ``$$...$$`` in markdown
cells and markdown outputs) as MathML with ``latex2mathml`` at export time, which browsers
draw natively (MathML Core: Chromium 109+, Firefox, Safari). Bundling MathJax instead would
add megabytes of script to every page to typeset a few formulas. TeX that latex2mathml does
not know stays as its source text.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

from scalinglab.optional import require

# nbconvert, jinja2 and latex2mathml come with the [html] extra: without them, importing this
# module raises MissingDependency (a ScalingLabError and an ImportError) naming it.
_FEATURE = "scalinglab.widgets.static_html (notebooks as offline HTML)"
jinja2 = require("jinja2", extra="html", feature=_FEATURE)
require("nbconvert", extra="html", feature=_FEATURE)
from nbconvert.exporters import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath  # noqa: E402
from traitlets import default  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "static"
RENDERER = STATIC / "embed.js"


def renderer_data_url() -> str:
    """``static/embed.js`` as a ``data:`` URL (the page then needs no file beside it)."""
    if not RENDERER.exists():
        raise FileNotFoundError(
            f"{RENDERER} is missing: build the front end (`cd js && npm run build`)."
        )
    code = base64.b64encode(RENDERER.read_bytes()).decode("ascii")
    return f"data:text/javascript;base64,{code}"


# The lab template without its network scripts (require.js, MathJax, mermaid from a CDN).
_TEMPLATE = "scalinglab_offline.html.j2"
_TEMPLATE_SOURCE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
# latex2mathml leaves a command it does not know as an identifier such as <mi>\foo</mi>.
_UNKNOWN_COMMAND = re.compile(r">\\[A-Za-z]")


def tex_to_mathml(tex: str, display: bool) -> str:
    r"""MathML for ``tex``, or the escaped TeX source where it cannot be converted.

    >>> print(tex_to_mathml("x^2", display=False))
    <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>
    >>> print(tex_to_mathml(r"\unknown < 1", display=True))
    <code class="tex">$$\unknown &lt; 1$$</code>
    """
    convert = require("latex2mathml.converter", extra="html", feature=_FEATURE).convert
    try:
        out = convert(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds on malformed TeX
        out = ""
    if out and not _UNKNOWN_COMMAND.search(out):
        return out
    fence = "$$" if display else "$"
    return f'<code class="tex">{html.escape(fence + tex + fence, quote=False)}</code>'


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with math written as MathML instead of left to MathJax."""

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body, display=False)

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, display=True)

    def latex_environment(self, name: str, body: str) -> str:
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter (lab template) that needs nothing beyond the page: scalinglab's
    offline widget renderer inlined, no CDN scripts, math as MathML."""

    export_from_notebook = "HTML (scalinglab widgets offline)"

    @default("widget_renderer_url")
    def _default_widget_renderer_url(self) -> str:
        return renderer_data_url()

    @default("extra_loaders")
    def _default_extra_loaders(self) -> list[jinja2.BaseLoader]:
        return [jinja2.DictLoader({_TEMPLATE: _TEMPLATE_SOURCE})]

    @default("template_file")
    def _default_template_file(self) -> str:
        return _TEMPLATE

    @jinja2.pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)


def export_html(notebook: str | Path, output: str | Path | None = None,
                **exporter_options: Any) -> Path:
    """Write ``notebook`` as HTML with its saved widget state drawn offline; return the path.

    ``output`` defaults to the notebook's name with ``.html``. ``exporter_options`` go to
    :class:`OfflineHTMLExporter` (e.g. ``exclude_input=True``).
    """
    src = Path(notebook)
    out = Path(output) if output is not None else src.with_suffix(".html")
    body, _ = OfflineHTMLExporter(**exporter_options).from_filename(str(src))
    out.write_text(body, encoding="utf-8")
    return out
