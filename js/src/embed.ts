/**
 * Offline renderer for anywidget views in an HTML export (`jupyter nbconvert --to html` of a
 * notebook saved with widget state). nbconvert's template loads this script in place of the
 * @jupyter-widgets/html-manager it would fetch from a CDN, when given as
 * `HTMLExporter.widget_renderer_url` (scalinglab.widgets.static_html.OfflineHTMLExporter
 * inlines it as a data: URL, so the page needs nothing beyond itself).
 *
 * For every `<script type="application/vnd.jupyter.widget-view+json">` whose model is an
 * anywidget model with its front end (`_esm`) in the saved state, it imports that module from a
 * Blob URL, applies `_css`, and calls `initialize` / `render` with a model that holds the saved
 * traits: the view shows the widget's last state. There is no kernel: `save_changes` and `send`
 * do nothing. Other widget models get a one-line note instead (they need the html-manager).
 */

const STATE_TYPE = "application/vnd.jupyter.widget-state+json";
const VIEW_TYPE = "application/vnd.jupyter.widget-view+json";

type Listener = (...args: unknown[]) => void;

interface SavedModel {
  model_name?: string;
  model_module?: string;
  state?: Record<string, unknown>;
}

/** The anywidget model API (get/set/on/off/save_changes/send) over saved traits. */
class StaticModel {
  private readonly attrs: Record<string, unknown>;
  private readonly listeners = new Map<string, Set<Listener>>();
  readonly widget_manager = {
    get_model: (id: string) => Promise.reject(new Error(`no live widget manager (model ${id})`)),
  };

  constructor(state: Record<string, unknown>) {
    this.attrs = { ...state };
  }

  get(name: string): unknown {
    return this.attrs[name];
  }

  set(name: string, value: unknown): void {
    const old = this.attrs[name];
    this.attrs[name] = value;
    if (old !== value) {
      this.emit(`change:${name}`, value);
      this.emit("change");
    }
  }

  on(name: string, callback: Listener): void {
    for (const n of name.split(/\s+/)) {
      if (!this.listeners.has(n)) this.listeners.set(n, new Set());
      this.listeners.get(n)!.add(callback);
    }
  }

  off(name?: string | null, callback?: Listener | null): void {
    if (!name) {
      this.listeners.clear();
      return;
    }
    for (const n of name.split(/\s+/)) {
      if (callback) this.listeners.get(n)?.delete(callback);
      else this.listeners.delete(n);
    }
  }

  save_changes(): void {
    /* no kernel in a static page */
  }

  send(): void {
    /* no kernel in a static page */
  }

  private emit(name: string, ...args: unknown[]): void {
    for (const cb of [...(this.listeners.get(name) ?? [])]) {
      try {
        cb(...args);
      } catch (err) {
        console.error(err);
      }
    }
  }
}

function looksLikeUrl(text: string): boolean {
  return /^(https?:)?\/\//i.test(text.trim());
}

function note(where: Element, text: string): void {
  const p = document.createElement("p");
  p.className = "scalinglab-static-note";
  p.style.fontStyle = "italic";
  p.style.opacity = "0.7";
  p.textContent = text;
  where.insertAdjacentElement("afterend", p);
}

async function renderView(script: Element, modelId: string, saved: SavedModel): Promise<void> {
  const state = saved.state ?? {};
  const esm = state._esm;
  if (typeof esm !== "string" || !esm || looksLikeUrl(esm)) {
    note(script, "(This widget's front end is not saved in the notebook; open the notebook in Jupyter to see it.)");
    return;
  }
  const css = state._css;
  if (typeof css === "string" && css && !looksLikeUrl(css)) {
    const id = `scalinglab-static-css-${String(state._anywidget_id ?? modelId)}`;
    if (!document.getElementById(id)) {
      const style = document.createElement("style");
      style.id = id;
      style.textContent = css;
      document.head.appendChild(style);
    }
  }
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  let mod: any;
  try {
    mod = await import(/* @vite-ignore */ url);
  } finally {
    URL.revokeObjectURL(url);
  }
  let widget = mod.default ?? mod;
  if (typeof widget === "function") widget = await widget();
  const model = new StaticModel(state);
  const el = document.createElement("div");
  el.className = "scalinglab-static-view";
  el.dataset.modelId = modelId;
  script.insertAdjacentElement("afterend", el);
  if (typeof widget?.initialize === "function") await widget.initialize({ model });
  if (typeof widget?.render === "function") await widget.render({ model, el });
}

function renderAll(): void {
  const stateScript = document.querySelector(`script[type="${STATE_TYPE}"]`);
  if (!stateScript) return;
  let models: Record<string, SavedModel> = {};
  try {
    models = JSON.parse(stateScript.textContent ?? "{}").state ?? {};
  } catch (err) {
    console.error("scalinglab: unreadable widget state", err);
    return;
  }
  for (const script of Array.from(document.querySelectorAll(`script[type="${VIEW_TYPE}"]`))) {
    let modelId = "";
    try {
      modelId = String(JSON.parse(script.textContent ?? "{}").model_id ?? "");
    } catch {
      continue;
    }
    const saved = models[modelId];
    if (!saved) continue;
    if (saved.model_module !== "anywidget") {
      note(script, `(${saved.model_name ?? "widget"}: shown only with the Jupyter widgets html-manager.)`);
      continue;
    }
    renderView(script, modelId, saved).catch((err) => {
      console.error("scalinglab: could not render a saved widget", err);
      note(script, `(Could not draw this widget from its saved state: ${(err as Error).message})`);
    });
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
else renderAll();
