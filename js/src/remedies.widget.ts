/**
 * RemedyComparer front end (anywidget ES module). Python (scalinglab/widgets/remedies.py)
 * computes everything; this module renders state and sends user events.
 *
 * DOM CONTRACT (end-to-end tests rely on it):
 *   root element class `scalinglab-remedies` (attribute data-chart-version counts applied
 *   chart updates); data-testid attributes:
 *     sl-view-1  sl-view-2  sl-view-3      view tabs (aria-selected)
 *     sl-metric-select                      metric picker
 *     sl-ratio-select                       ratio of the learning curves (view 2)
 *     sl-law-select                         trend / learning-curve law family
 *     sl-remedy-toggle-<remedy>             remedy toggles (aria-pressed)
 *     sl-chart                              element holding the Vega view (SVG)
 *     sl-verdict                            one-sentence reading of the current view
 *     sl-summary-table                      winners per ratio
 *     sl-fit-table                          fitted laws per remedy
 *     sl-error                              inline error (hidden and empty when none)
 *     sl-export-code  sl-insert-cell  sl-export-json    export buttons
 *
 * DATA FLOW: a new `spec` (view or metric change) re-embeds the chart; `chart_data` (named
 * datasets) is applied with Vega changesets.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import "./remedies/remedies.css";
import { embedChart, updateChart } from "./shared/chart";
import type { EmbeddedChart } from "./shared/chart";
import { h, replaceChildren, setOptions } from "./shared/dom";
import { fmt } from "./shared/format";
import { copyText, downloadText, insertCellBelow } from "./shared/notebook";
import type { ChartData, Spec } from "./shared/spec";
import { isDarkTheme } from "./shared/theme";

interface RemedyInfo {
  name: string;
  color: string;
  description: string;
}
interface WinnerRow {
  ratio: number;
  best: string;
  best_mean: number | null;
  runner_up: string | null;
  runner_up_mean: number | null;
  margin: number | null;
  spread: number | null;
  clear: boolean;
  n_seeds: number;
}
interface FitRow {
  remedy: string;
  law: string;
  params: string;
  r2: number | null;
  aic?: number | null;
  error: string;
}
interface State {
  view: number;
  metric: string;
  remedies: string[];
  ratio: number | null;
  trend_law: string;
  curve_law: string;
  level: number;
  horizon: number;
  remedy_info: RemedyInfo[];
  metric_options: string[];
  ratio_options: number[];
  trend_options: string[];
  curve_options: string[];
  spec: Spec;
  chart_data: ChartData;
  summary_rows: WinnerRow[];
  fit_rows: FitRow[];
  verdict: string;
  notes: string[];
  error: string;
  code: string;
  _model_ref: string;
}

const VIEW_LABELS: Record<number, string> = {
  1: "Metric vs imbalance",
  2: "Learning curves",
  3: "Minority vs majority",
};
const METRIC_LABELS: Record<string, string> = {
  roc_auc: "ROC AUC",
  accuracy: "accuracy",
  balanced_accuracy: "balanced accuracy",
  minority_recall: "minority recall",
  majority_accuracy: "majority accuracy",
};

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return h("label", { class: "sl-field" }, h("span", { class: "sl-field-label" }, text), control);
}

function dot(color: string): HTMLSpanElement {
  const d = h("span", { class: "sl-dot", "aria-hidden": "true" });
  d.style.background = color;
  return d;
}

function render({ model, el }: RenderProps<State>) {
  const g = <K extends keyof State>(k: K) => model.get(k);
  // While Python recomputes (fits take up to a second or two), dim the view and say so.
  let busyTimer: ReturnType<typeof setTimeout> | null = null;
  const setBusy = (busy: boolean) => {
    root?.classList.toggle("sl-busy", busy);
    if (busyTimer) clearTimeout(busyTimer);
    busyTimer = busy ? setTimeout(() => setBusy(false), 15000) : null;
  };
  const setAndSave = (changes: Partial<State>) => {
    for (const [k, v] of Object.entries(changes)) model.set(k as keyof State, v as never);
    model.save_changes();
    setBusy(true);
  };

  // ------------------------------------------------------------------ controls
  const tabs = [1, 2, 3].map((v) =>
    h(
      "button",
      {
        type: "button", role: "tab", class: "sl-tab", "data-testid": `sl-view-${v}`,
        onclick: () => { if (g("view") !== v) setAndSave({ view: v }); },
      },
      VIEW_LABELS[v],
    ),
  );
  const tabBar = h("div", { class: "sl-tabs", role: "tablist", "aria-label": "view" }, tabs);
  const metricSelect = h("select", { "data-testid": "sl-metric-select", "aria-label": "metric" });
  const ratioSelect = h("select", { "data-testid": "sl-ratio-select", "aria-label": "imbalance ratio" });
  const lawSelect = h("select", { "data-testid": "sl-law-select", "aria-label": "law family" });
  const levelInput = h("input", {
    type: "number", min: "0.5", max: "0.99", step: "0.01", class: "sl-num",
    "aria-label": "interval level", "data-testid": "sl-level-input",
  });
  const horizonInput = h("input", {
    type: "number", min: "1", step: "any", class: "sl-num",
    "aria-label": "extrapolate to a multiple of the largest training size", "data-testid": "sl-horizon-input",
  });
  const metricField = labelled("metric", metricSelect);
  const ratioField = labelled("ratio ρ", ratioSelect);
  const lawField = labelled("fitted law", lawSelect);
  const horizonField = labelled("extrapolate to ×", horizonInput);
  const toolbar = h(
    "div",
    { class: "sl-toolbar" },
    tabBar, metricField, ratioField, lawField, labelled("level", levelInput), horizonField,
  );
  const remedyBar = h("div", { class: "sl-remedies", role: "group", "aria-label": "remedies" });
  const errorBox = h("div", { class: "sl-error", "data-testid": "sl-error", role: "alert", hidden: true });

  const chartEl = h("div", { class: "sl-chart", "data-testid": "sl-chart" });
  const verdictEl = h("p", { class: "sl-verdict", "data-testid": "sl-verdict", "aria-live": "polite" });
  const notesEl = h("div", { class: "sl-notes" });
  const busyNote = h("div", { class: "sl-busy-note", "aria-live": "polite" }, "Updating…");
  const chartWrap = h("div", { class: "sl-chart-wrap" }, busyNote, chartEl, verdictEl, notesEl);

  const summaryTable = h("table", { class: "sl-table", "data-testid": "sl-summary-table" });
  const fitTable = h("table", { class: "sl-table", "data-testid": "sl-fit-table" });
  const codeBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-export-code", title: "Copy Python code that recomputes this view and holds the fitted trends" }, "Copy code");
  const insertBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-insert-cell", title: "Insert the code as a new cell below" }, "Insert as cell");
  const jsonBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-export-json", title: "Download the summary, the means and the fitted trends as JSON" }, "Download JSON");
  const exportNote = h("div", { class: "sl-export-note", "aria-live": "polite" });
  const fitsTitle = h("h4", {}, "Fitted trends");
  const side = h(
    "div",
    { class: "sl-side" },
    h("section", { class: "sl-card" }, h("h4", {}, "Which remedy wins"), summaryTable),
    h("section", { class: "sl-card" }, fitsTitle, fitTable),
    h("section", { class: "sl-card" }, h("h4", {}, "Export"), h("div", { class: "sl-buttons" }, codeBtn, insertBtn, jsonBtn), exportNote),
  );
  const root = h(
    "div",
    { class: "scalinglab-remedies", "data-chart-version": "0" },
    toolbar, remedyBar, errorBox, h("div", { class: "sl-main" }, chartWrap, side),
  );
  el.appendChild(root);

  // ------------------------------------------------------------------ chart
  let chart: EmbeddedChart | null = null;
  let embedding: Promise<void> = Promise.resolve();
  let version = 0;
  let disposed = false;

  function bump(): void {
    version += 1;
    root.setAttribute("data-chart-version", String(version));
  }

  let embeddedWidth = 0;

  /** Wait (a few frames at most) until the chart area has a width, and return it. */
  async function chartWidth(): Promise<number> {
    for (let i = 0; i < 20 && chartWrap.clientWidth === 0; i++) {
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    return chartWrap.clientWidth;
  }

  function embedNow(): void {
    embedding = embedding.then(async () => {
      const spec = g("spec");
      if (disposed) return;
      if (!spec || !Object.keys(spec).length) return;
      const available = await chartWidth();
      embeddedWidth = available;
      const width = Math.max(360, (available || root.clientWidth - 390) - 20);
      const { _view, ...clean } = spec as Spec & { _view?: number };
      const sized = { ...clean, width, autosize: { type: "fit-x", contains: "padding" } };
      try {
        const next = await embedChart(chartEl, sized, g("chart_data"), null, root);
        chart?.finalize();
        chart = next;
        bump();
      } catch (err) {
        showError(`Could not draw the chart: ${(err as Error).message}`);
      }
    });
  }

  function applyData(): void {
    const data = g("chart_data") ?? {};
    embedding = embedding.then(async () => {
      if (disposed || !chart) return;
      try {
        await updateChart(chart, data);
        bump();
      } catch (err) {
        showError(`Could not update the chart: ${(err as Error).message}`);
      }
    });
  }

  // ------------------------------------------------------------------ state → DOM
  function showError(message: string): void {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function colors(): Map<string, string> {
    return new Map((g("remedy_info") ?? []).map((r) => [r.name, r.color]));
  }

  function renderControls(): void {
    const view = g("view");
    tabs.forEach((t, i) => t.setAttribute("aria-selected", i + 1 === view ? "true" : "false"));
    setOptions(
      metricSelect,
      (g("metric_options") ?? []).map((m) => ({ value: m, label: METRIC_LABELS[m] ?? m })),
      g("metric"),
    );
    const ratios = g("ratio_options") ?? [];
    setOptions(ratioSelect, ratios.map((r) => ({ value: String(r), label: `ρ = ${fmt(r)}` })), String(g("ratio") ?? ratios[ratios.length - 1]));
    const laws = view === 1 ? g("trend_options") : g("curve_options");
    setOptions(lawSelect, (laws ?? []).map((l) => ({ value: l, label: l })), view === 1 ? g("trend_law") : g("curve_law"));
    metricField.hidden = view === 3;
    ratioField.hidden = view !== 2;
    lawField.hidden = view === 3;
    horizonField.hidden = view !== 2;
    if (document.activeElement !== levelInput) levelInput.value = String(g("level"));
    if (document.activeElement !== horizonInput) horizonInput.value = String(g("horizon"));
  }

  function renderRemedies(): void {
    const active = new Set(g("remedies") ?? []);
    replaceChildren(
      remedyBar,
      h("span", { class: "sl-field-label" }, "remedies"),
      (g("remedy_info") ?? []).map((r) => {
        const on = active.has(r.name);
        const btn = h(
          "button",
          {
            type: "button",
            class: `sl-remedy${on ? " sl-on" : ""}`,
            "data-testid": `sl-remedy-toggle-${r.name}`,
            "aria-pressed": on ? "true" : "false",
            title: `${r.name}: ${r.description}`,
            onclick: () => {
              const now = new Set(g("remedies") ?? []);
              if (now.has(r.name)) now.delete(r.name);
              else now.add(r.name);
              const order = (g("remedy_info") ?? []).map((x) => x.name).filter((n) => now.has(n));
              setAndSave({ remedies: order });
            },
          },
          h("span", { class: "sl-swatch", "aria-hidden": "true" }),
          r.name,
        );
        btn.style.setProperty("--sl-remedy-color", r.color);
        return btn;
      }),
    );
  }

  function renderSummary(): void {
    const rows = g("summary_rows") ?? [];
    const c = colors();
    const metric = METRIC_LABELS[g("metric")] ?? g("metric");
    const pp = (v: number | null) => {
      if (v === null || v === undefined) return "–";
      if (v !== 0 && Math.abs(100 * v) < 0.01) return "<0.01";
      return (100 * v).toFixed(Math.abs(v) < 0.001 ? 2 : 1);
    };
    replaceChildren(
      summaryTable,
      h("caption", {}, `Best mean ${metric} at each ratio (largest training set), its margin over the runner-up and the seed-to-seed spread (larger SD of the two), both in percentage points. Green: the margin exceeds the spread.`),
      h("thead", {}, h("tr", {}, h("th", { class: "sl-r" }, "ρ"), h("th", {}, "best (over runner-up)"), h("th", { class: "sl-r" }, "mean"), h("th", { class: "sl-r" }, "margin"), h("th", { class: "sl-r" }, "spread"))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((r) => {
              const tie = r.margin === 0;
              const verdict = r.clear ? "margin larger than the seed-to-seed spread" : r.n_seeds > 1 ? "within the seed-to-seed spread" : "one seed: spread unknown";
              return h(
                "tr",
                { title: verdict },
                h("td", { class: "sl-r sl-mono" }, fmt(r.ratio)),
                h(
                  "td",
                  {},
                  dot(c.get(r.best) ?? "currentColor"),
                  r.best,
                  h("div", { class: "sl-muted sl-small" }, r.runner_up ? (tie ? `tied with ${r.runner_up}` : `over ${r.runner_up}`) : "only remedy"),
                ),
                h("td", { class: "sl-r sl-mono" }, fmt(r.best_mean, 4)),
                h("td", { class: `sl-r sl-mono ${r.clear ? "sl-clear" : ""}` }, r.margin === null ? "–" : `+${pp(r.margin)}`.replace("+<", "<")),
                h("td", { class: "sl-r sl-mono sl-muted" }, r.n_seeds > 1 ? pp(r.spread) : "–"),
              );
            })
          : h("tr", {}, h("td", { colspan: "5", class: "sl-muted" }, "No remedies selected.")),
      ),
    );
  }

  function renderFits(): void {
    const rows = g("fit_rows") ?? [];
    const view = g("view");
    const c = colors();
    fitsTitle.textContent = view === 3 ? "Line against curve" : view === 2 ? "Learning curves" : "Trends against ρ";
    replaceChildren(
      fitTable,
      h("thead", {}, h("tr", {}, h("th", {}, view === 3 ? "fit" : "remedy"), h("th", {}, "parameters"), h("th", { class: "sl-r" }, view === 3 ? "AIC" : "R²"))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          r.error
            ? h("tr", {}, h("td", {}, r.remedy), h("td", { colspan: "2", class: "sl-row-error" }, r.error))
            : h(
                "tr",
                {},
                h("td", {}, view === 3 ? "" : dot(c.get(r.remedy) ?? "currentColor"), r.remedy, r.law !== r.remedy ? h("div", { class: "sl-muted sl-small" }, r.law) : ""),
                h("td", { class: "sl-mono" }, r.params.split(", ").map((p) => h("div", {}, p))),
                h("td", { class: "sl-r sl-mono" }, view === 3 ? fmt(r.aic, 4) : fmt(r.r2, 3)),
              ),
        ),
      ),
    );
  }

  function renderText(): void {
    verdictEl.textContent = g("verdict") ?? "";
    replaceChildren(notesEl, (g("notes") ?? []).map((n) => h("p", { class: "sl-note" }, n)));
  }

  function renderAll(): void {
    renderControls();
    renderRemedies();
    renderSummary();
    renderFits();
    renderText();
    showError(g("error") ?? "");
  }

  // ------------------------------------------------------------------ DOM → state
  metricSelect.addEventListener("change", () => setAndSave({ metric: metricSelect.value }));
  ratioSelect.addEventListener("change", () => setAndSave({ ratio: Number(ratioSelect.value) }));
  lawSelect.addEventListener("change", () =>
    setAndSave(g("view") === 1 ? { trend_law: lawSelect.value } : { curve_law: lawSelect.value }),
  );
  const onNumber = (input: HTMLInputElement, key: "level" | "horizon") => {
    const v = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(v)) {
      input.classList.add("sl-invalid");
      return;
    }
    input.classList.remove("sl-invalid");
    if (v !== g(key)) setAndSave({ [key]: v } as Partial<State>);
  };
  for (const [input, key] of [[levelInput, "level"], [horizonInput, "horizon"]] as const) {
    input.addEventListener("change", () => onNumber(input, key));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") onNumber(input, key);
    });
  }

  const note = (text: string) => {
    exportNote.textContent = text;
  };
  codeBtn.addEventListener("click", async () => {
    const code = g("code");
    if (!code) return note("Nothing to copy yet.");
    note((await copyText(code)) ? "Copied the code to the clipboard." : "The browser refused the clipboard: use Insert as cell.");
  });
  insertBtn.addEventListener("click", async () => {
    const code = g("code");
    if (!code) return note("Nothing to insert yet.");
    const where = insertCellBelow(model as unknown as AnyModel, g("_model_ref"), code, el);
    if (where) return note(`Inserted the code as a new cell ${where}.`);
    note((await copyText(code)) ? "This front end does not let widgets add cells: the code is on the clipboard." : "This front end does not let widgets add cells; use Copy code.");
  });
  jsonBtn.addEventListener("click", () => model.send({ type: "export_json" }));
  model.on("msg:custom", (msg: any) => {
    if (!msg || typeof msg !== "object" || msg.type !== "export_json") return;
    if (msg.text) {
      const name = String(msg.filename || "remedies.json");
      downloadText(String(msg.text), name, "application/json");
      note(`Downloaded ${name}.`);
    } else note(String(msg.message || "Nothing to export yet."));
  });

  // ------------------------------------------------------------------ model → view
  const on = (names: string, fn: () => void) => {
    for (const n of names.split(" ")) model.on(`change:${n}`, fn);
  };
  on("view metric ratio trend_law curve_law level horizon metric_options ratio_options trend_options curve_options", renderControls);
  on("remedies remedy_info", renderRemedies);
  on("summary_rows remedy_info metric", renderSummary);
  on("fit_rows view", renderFits);
  on("verdict notes", renderText);
  on("error", () => showError(g("error") ?? ""));
  on("chart_data spec error fit_rows summary_rows verdict", () => setBusy(false));
  on("spec", embedNow);
  on("chart_data", () => {
    // a new spec arrives together with its data: the embed already carries the rows
    if (model.get("spec") !== lastSpec) {
      lastSpec = model.get("spec");
      return;
    }
    applyData();
  });
  let lastSpec = g("spec");

  // Re-embed when the chart area changes width (window resize, sidebar, theme relayout).
  let resizeTimer: ReturnType<typeof setTimeout> | null = null;
  const resizeObserver = new ResizeObserver(() => {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const w = chartWrap.clientWidth;
      if (w > 0 && Math.abs(w - embeddedWidth) > 24) embedNow();
    }, 150);
  });
  resizeObserver.observe(chartWrap);

  let dark = isDarkTheme();
  const themeObserver = new MutationObserver(() => {
    if (isDarkTheme() !== dark) {
      dark = isDarkTheme();
      embedNow();
    }
  });
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });

  renderAll();
  requestAnimationFrame(() => embedNow());

  return () => {
    disposed = true;
    if (busyTimer) clearTimeout(busyTimer);
    themeObserver.disconnect();
    resizeObserver.disconnect();
    if (resizeTimer) clearTimeout(resizeTimer);
    chart?.finalize();
  };
}

export default { render };
