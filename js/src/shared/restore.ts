/**
 * A widget drawn from the widget state saved in the notebook (JupyterLab's "Save Widget State
 * Automatically"), without a live kernel-side object: keep that state in the next save.
 *
 * Why: @jupyter-widgets/jupyterlab-manager (ipywidgets 8) restores such models with
 * `comm_live = false`, marks the reopened notebook dirty, and on the next save (the user's, or
 * autosave two minutes later) writes only the models whose `comm_live` is true. The saved state
 * is then gone and the following reopen shows `<LawExplorer object at 0x…>` instead of the
 * widget (jupyter-widgets/ipywidgets#3888). While one of our views shows a restored model, we
 * count it (and the widget models it refers to, e.g. its Layout) as live for saving, and make
 * its `sync` a no-op (there is no kernel to send to). When the last view goes (the cell was run
 * again, the output cleared), the model is left as the manager had it, so stale state is not
 * saved again.
 *
 * Nothing here is needed for a live widget: a model with a comm is left alone.
 */

/** The part of an ipywidgets WidgetModel (Backbone) this module touches. */
export interface BackboneModelLike {
  comm?: unknown;
  comm_live: boolean;
  attributes?: Record<string, unknown>;
  sync?: unknown;
  /** Our bookkeeping: how many views keep this restored model in the saved state. */
  __scalinglab_keep?: number;
}

interface ManagerLike {
  get_model(id: string): Promise<BackboneModelLike> | undefined;
}

function isModel(value: unknown): value is BackboneModelLike {
  return !!value && typeof value === "object" && "comm_live" in (value as object) && "attributes" in (value as object);
}

/** The restored model and the widget models its attributes refer to (one level deep). */
function modelsToKeep(model: BackboneModelLike): BackboneModelLike[] {
  const out = [model];
  for (const value of Object.values(model.attributes ?? {})) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) if (isModel(item) && item.comm === undefined) out.push(item);
  }
  return out;
}

const noSync = () => false;

/** Count a view of a restored model: it (and its sub-models) are saved with the notebook. */
export function keep(model: BackboneModelLike): boolean {
  if (model.comm !== undefined) return false; // a live widget: the manager saves it anyway
  for (const m of modelsToKeep(model)) {
    m.__scalinglab_keep = (m.__scalinglab_keep ?? 0) + 1;
    if (m.__scalinglab_keep === 1) {
      m.sync = noSync;
      m.comm_live = true;
    }
  }
  return true;
}

/** Undo one `keep` (the view went away). */
export function release(model: BackboneModelLike): void {
  for (const m of modelsToKeep(model)) {
    if (!m.__scalinglab_keep) continue;
    m.__scalinglab_keep -= 1;
    if (m.__scalinglab_keep === 0 && m.comm === undefined) {
      delete m.sync;
      m.comm_live = false;
    }
  }
}

/**
 * Call from `render`: resolves the Backbone model behind anywidget's model proxy through its
 * widget manager (`modelId` is the model id the Python side syncs as `_model_ref`). When it
 * was restored from saved state, `onRestored` runs (e.g. to say so in the widget). Returns the
 * cleanup for the view's dispose.
 */
export function keepSavedState(
  proxy: { widget_manager?: unknown },
  modelId: string | undefined,
  onRestored?: () => void,
): () => void {
  let kept: BackboneModelLike | null = null;
  let disposed = false;
  const manager = proxy.widget_manager as ManagerLike | undefined;
  if (modelId && manager && typeof manager.get_model === "function") {
    Promise.resolve(manager.get_model(modelId))
      .then((model) => {
        if (disposed || !model || !isModel(model)) return;
        if (keep(model)) {
          kept = model;
          onRestored?.();
        }
      })
      .catch(() => {
        /* not known to this manager (e.g. a static page's own): nothing to keep */
      });
  }
  return () => {
    disposed = true;
    if (kept) release(kept);
    kept = null;
  };
}
