"""The notebook gallery: find it, execute a notebook on a fresh kernel, store its outputs.

One place for what the gallery's tests, Binder's test and ``make gallery`` share:

- :func:`notebooks`: every gallery notebook, ``notebooks/NN_*.ipynb`` (a new one is picked up
  by every check without editing a list);
- :func:`execute`: run one top to bottom with nbclient on a fresh kernel and time it (widget
  state is stored in the notebook, as ``jupyter nbconvert --execute`` does, for the HTML export);
- :func:`refresh`: execute and write the outputs back for readers on GitHub, without the widget
  state (each widget's saved state carries its whole front end, about 1 MB).

As a script (``make gallery`` runs it)::

    python tests/gallery.py            # execute every notebook, print run times
    python tests/gallery.py --write 02 # execute notebooks/02_*.ipynb and store its outputs

Runs use a fresh cache directory unless ``--keep-cache`` is given, so times are those of a
first run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
#: Each notebook must run top to bottom on a fresh kernel within this (issue 15: 2 minutes).
BUDGET_SECONDS = 120.0
WIDGET_STATE = "widgets"


def notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    """The gallery's notebooks in order: ``NN_topic.ipynb`` under ``root``."""
    return sorted(p for p in root.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def execute(path: Path, timeout: float = 600.0, kernel: str = "python3",
            fresh_cache: bool = True) -> tuple[nbformat.NotebookNode, float]:
    """Execute ``path`` on a fresh kernel in its own directory; return (notebook, seconds).

    ``fresh_cache``: the kernel gets an empty ``XDG_CACHE_HOME`` (scalinglab's run cache
    starts empty), so the time is that of a first run. Raises nbclient's
    ``CellExecutionError`` (with the cell and traceback) if a cell fails.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with tempfile.TemporaryDirectory(prefix="scalinglab-cache-") as cache:
        saved = os.environ.get("XDG_CACHE_HOME")
        if fresh_cache:
            os.environ["XDG_CACHE_HOME"] = cache
        t0 = time.perf_counter()
        try:
            client.execute()
        finally:
            seconds = time.perf_counter() - t0
            if fresh_cache:
                if saved is None:
                    os.environ.pop("XDG_CACHE_HOME", None)
                else:
                    os.environ["XDG_CACHE_HOME"] = saved
    return nb, seconds


def without_widget_state(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with no saved widget state and no per-run execution metadata."""
    nb.metadata.pop(WIDGET_STATE, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def refresh(path: Path, fresh_cache: bool = True) -> float:
    """Execute ``path`` and write its outputs back (without widget state); return seconds."""
    nb, seconds = execute(path, fresh_cache=fresh_cache)
    nbformat.write(without_widget_state(nb), path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="notebook numbers or names (default: all)")
    parser.add_argument("--write", action="store_true", help="store the outputs in the files")
    parser.add_argument("--keep-cache", action="store_true", help="reuse the run cache")
    args = parser.parse_args(argv)
    chosen = [p for p in notebooks()
              if not args.only or any(p.name.startswith(o) for o in args.only)]
    if not chosen:
        print(f"no notebook matches {args.only} in {NOTEBOOKS}", file=sys.stderr)
        return 2
    slow = []
    for path in chosen:
        if args.write:
            seconds = refresh(path, fresh_cache=not args.keep_cache)
        else:
            seconds = execute(path, fresh_cache=not args.keep_cache)[1]
        print(f"{path.name}: {seconds:.1f} s", flush=True)
        if seconds > BUDGET_SECONDS:
            slow.append(path.name)
    if slow:
        print(f"over the {BUDGET_SECONDS:.0f} s budget: {', '.join(slow)}", file=sys.stderr)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
