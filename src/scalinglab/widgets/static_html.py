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
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from traitlets import default

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


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter (lab template) with scalinglab's offline widget renderer."""

    export_from_notebook = "HTML (scalinglab widgets offline)"

    @default("widget_renderer_url")
    def _default_widget_renderer_url(self) -> str:
        return renderer_data_url()


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
