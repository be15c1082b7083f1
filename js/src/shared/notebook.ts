/**
 * Talking to the notebook around a widget: clipboard, downloads, and inserting a code cell
 * below the widget's cell.
 *
 * Inserting a cell: JupyterLab and Notebook 7 run widgets through @jupyter-widgets/jupyterlab-
 * manager, whose manager carries the document context; its notebook model's shared (Yjs)
 * model accepts `insertCell(index, {cell_type: "code", source})`. The widget's cell is the
 * one whose outputs show this widget's model id. Other front ends (VS Code, Colab, Voilà)
 * expose no notebook model: the caller then falls back to the clipboard.
 */
import type { AnyModel } from "@anywidget/types";

interface SharedCell {
  cell_type?: string;
  getOutputs?: () => unknown[];
  toJSON?: () => { outputs?: unknown[] };
}
interface SharedNotebook {
  cells: SharedCell[];
  insertCell(index: number, cell: { cell_type: string; source: string; metadata?: object }): unknown;
}

/** The shared notebook model reachable from a widget model, or null. */
export function sharedNotebook(model: AnyModel): SharedNotebook | null {
  const manager = (model as any)?.widget_manager;
  const context = manager?.context ?? manager?._context;
  const shared = context?.model?.sharedModel;
  if (shared && Array.isArray(shared.cells) && typeof shared.insertCell === "function") return shared;
  return null;
}

/** Index of the cell whose outputs display the widget `modelRef`, or -1. */
export function cellIndexShowing(notebook: Pick<SharedNotebook, "cells">, modelRef: string): number {
  if (!modelRef) return -1;
  for (let i = notebook.cells.length - 1; i >= 0; i--) {
    const cell = notebook.cells[i];
    if (cell.cell_type !== "code") continue;
    let outputs: unknown[] = [];
    try {
      outputs = cell.getOutputs?.() ?? cell.toJSON?.().outputs ?? [];
    } catch {
      outputs = [];
    }
    if (JSON.stringify(outputs).includes(modelRef)) return i;
  }
  return -1;
}

/** Index of the notebook cell (in DOM order) that holds `el`, or -1 (a fallback only). */
function domCellIndex(el: Element): number {
  const cell = el.closest(".jp-Cell");
  const notebook = cell?.closest(".jp-Notebook");
  if (!cell || !notebook) return -1;
  const attr = cell.getAttribute("data-windowed-list-index");
  if (attr !== null && Number.isFinite(Number(attr))) return Number(attr);
  return Array.from(notebook.querySelectorAll(".jp-Cell")).indexOf(cell);
}

/**
 * Insert `code` as a new code cell below the widget's cell. Returns a short description of
 * where it went, or null when this front end gives widgets no access to the notebook.
 */
export function insertCellBelow(model: AnyModel, modelRef: string, code: string, el: Element): string | null {
  const notebook = sharedNotebook(model);
  if (!notebook) return null;
  let index = cellIndexShowing(notebook, modelRef);
  if (index < 0) index = domCellIndex(el);
  const at = index >= 0 ? index + 1 : notebook.cells.length;
  notebook.insertCell(at, { cell_type: "code", source: code });
  return index >= 0 ? "below the widget" : "at the end of the notebook";
}

/** Copy text to the clipboard (async API, then the textarea fallback). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through to the fallback */
  }
  try {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  } catch {
    return false;
  }
}

/** Offer `text` as a file download. */
export function downloadText(text: string, filename: string, mime = "text/plain"): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
