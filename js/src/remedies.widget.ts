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
 * datasets) is applied with Vega changesets. The chart, chips, export card, error and notes
 * are the shared components (shared/components/); types come from contract.ts.
 */
import type { RenderProps } from "@anywidget/types";
import "./remedies/remedies.css";
import { ChartController } from "./shared/components/chart";
import { toggleChips } from "./shared/components/chips";
import { exportCard } from "./shared/components/exportcard";
import { bindNumber, labelled, showNumber } from "./shared/components/fields";
import { messageArea } from "./shared/components/messages";
import { restoreSavedState } from "./shared/components/restore";
import type { RemedyComparerState, RemedyView } from "./shared/contract";
import { h, replaceChildren, setOptions } from "./shared/dom";
import { fmt } from "./shared/format";

type State = RemedyComparerState;

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

function dot(color: string): HTMLSpanElement {
  const d = h("span", { class: "sl-dot", "aria-hidden": "true" });
  d.style.background = color;
  return d;
}

function render({ model, el }: RenderProps<State>) {
  const g = <K extends keyof State>(k: K): State[K] => model.get(k);
  // While Python recomputes (fits take up to a second or two), dim the view and say so.
  let busyTimer: ReturnType<typeof setTimeout> | null = null;
  const setBusy = (busy: boolean) => {
    root?.classList.toggle("sl-busy", busy);
    if (busyTimer) clearTimeout(busyTimer);
    busyTimer = busy ? setTimeout(() => setBusy(false), 15000) : null;
  };
  const save = (changes: Partial<State>) => {
    for (const [k, v] of Object.entries(changes)) model.set(k as keyof State, v as never);
    model.save_changes();
    setBusy(true);
  };

  // ------------------------------------------------------------------ controls
  const tabs = ([1, 2, 3] as RemedyView[]).map((v) =>
    h(
      "button",
      {
        type: "button", role: "tab", class: "sl-tab", "data-testid": `sl-view-${v}`,
        onclick: () => { if (g("view") !== v) save({ view: v }); },
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
  const chips = toggleChips({
    label: "remedies", barClass: "sl-remedies", chipClass: "sl-remedy",
    testid: (n) => `sl-remedy-toggle-${n}`,
    onChange: (remedies) => save({ remedies }),
  });
  const msgs = messageArea({ notesTag: "div" });

  const chartEl = h("div", { class: "sl-chart", "data-testid": "sl-chart" });
  const verdictEl = h("p", { class: "sl-verdict", "data-testid": "sl-verdict", "aria-live": "polite" });
  const busyNote = h("div", { class: "sl-busy-note", "aria-live": "polite" }, "Updating…");
  const savedNote = h("p", { class: "sl-note", hidden: true });
  const chartWrap = h("div", { class: "sl-chart-wrap" }, busyNote, chartEl, verdictEl, msgs.notesBox, savedNote);

  const summaryTable = h("table", { class: "sl-table", "data-testid": "sl-summary-table" });
  const fitTable = h("table", { class: "sl-table", "data-testid": "sl-fit-table" });
  const fitsTitle = h("h4", {}, "Fitted trends");
  const exporter = exportCard({
    model, el,
    code: () => g("code"),
    modelRef: () => g("_model_ref"),
    ids: { copy: "sl-export-code", insert: "sl-insert-cell", json: "sl-export-json" },
    titles: {
      copy: "Copy Python code that recomputes this view and holds the fitted trends",
      insert: "Insert the code as a new cell below",
      json: "Download the summary, the means and the fitted trends as JSON",
    },
    filename: "remedies.json",
    nothing: "select a remedy first.",
  });
  const side = h(
    "div",
    { class: "sl-side" },
    h("section", { class: "sl-card" }, h("h4", {}, "Which remedy wins"), summaryTable),
    h("section", { class: "sl-card" }, fitsTitle, fitTable),
    exporter.el,
  );
  const root = h(
    "div",
    { class: "scalinglab-remedies", "data-chart-version": "0" },
    toolbar, chips.el, msgs.errorBox, h("div", { class: "sl-main" }, chartWrap, side),
  );
  el.appendChild(root);

  // ------------------------------------------------------------------ chart
  const chart = new ChartController({
    root, container: chartEl, measure: chartWrap, versionAttribute: "data-chart-version",
    minWidth: 360, padding: 20, autosize: "fit-x",
    onError: msgs.showError,
  });
  function embed(): void {
    const spec = g("spec") as Record<string, unknown> & { _view?: number };
    const { _view, ...clean } = spec ?? {};
    void chart.setSpec(spec && Object.keys(spec).length ? clean : null, g("chart_data"));
  }

  // ------------------------------------------------------------------ state → DOM
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
    showNumber(levelInput, g("level"));
    showNumber(horizonInput, g("horizon"));
  }

  function renderRemedies(): void {
    chips.render(
      (g("remedy_info") ?? []).map((r) => ({ name: r.name, color: r.color, title: `${r.name}: ${r.description}` })),
      g("remedies") ?? [],
    );
  }

  function renderSummary(): void {
    const rows = g("summary_rows") ?? [];
    const c = colors();
    const metric = METRIC_LABELS[g("metric")] ?? g("metric");
    // One unit for the whole table: percentage points (the kernel sends them so, with
    // `unit`; an older kernel sent fractions, scaled here).
    const pp = (v: number | null | undefined, fraction: boolean) => {
      if (v === null || v === undefined) return "–";
      const p = fraction ? 100 * v : v;
      if (p !== 0 && Math.abs(p) < 0.01) return "<0.01";
      return p.toFixed(Math.abs(p) < 0.1 ? 2 : 1);
    };
    const signed = (v: number | null | undefined, fraction: boolean): string =>
      v === null || v === undefined ? "–" : `${v > 0 ? "+" : v < 0 ? "−" : ""}${pp(Math.abs(v), fraction)}`;
    replaceChildren(
      summaryTable,
      h("caption", {}, `Best mean ${metric} at each ratio (largest training set), its margin over the runner-up, and the interval of that margin from paired runs (the same seed and split), all in percentage points (a mean of 0.912 reads 91.2). Green: a clear win, its paired interval excludes 0.`),
      h("thead", {}, h("tr", {}, h("th", { class: "sl-r" }, "ρ"), h("th", {}, "best (over runner-up)"), h("th", { class: "sl-r" }, "mean"), h("th", { class: "sl-r" }, "margin"), h("th", { class: "sl-r" }, "paired interval"))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((r) => {
              const tie = r.margin === 0;
              const fraction = !r.unit;
              const spread = r.n_seeds > 1 ? `seed-to-seed SD ${pp(r.spread, fraction)}` : "one seed";
              const verdict = r.clear
                ? `a clear win: the paired interval excludes 0 (${spread})`
                : r.diff_lo === null || r.diff_lo === undefined
                  ? `fewer than two paired seeds: no interval (${spread})`
                  : `not clear: the paired interval includes 0 (${spread})`;
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
                h("td", { class: "sl-r sl-mono" }, pp(r.best_mean, fraction)),
                h("td", { class: `sl-r sl-mono ${r.clear ? "sl-clear" : ""}` }, r.margin === null ? "–" : `+${pp(r.margin, fraction)}`.replace("+<", "<")),
                h("td", { class: "sl-r sl-mono sl-muted" }, r.diff_lo === null || r.diff_lo === undefined ? "–" : `${signed(r.diff_lo, fraction)} … ${signed(r.diff_hi, fraction)}`),
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
    msgs.showNotes(g("notes"));
    msgs.showError(g("error"));
  }

  // ------------------------------------------------------------------ DOM → state
  metricSelect.addEventListener("change", () => save({ metric: metricSelect.value }));
  ratioSelect.addEventListener("change", () => save({ ratio: Number(ratioSelect.value) }));
  lawSelect.addEventListener("change", () =>
    save(g("view") === 1 ? { trend_law: lawSelect.value } : { curve_law: lawSelect.value }),
  );
  bindNumber(levelInput, () => g("level"), (v) => save({ level: v as number }));
  bindNumber(horizonInput, () => g("horizon"), (v) => save({ horizon: v as number }));
  model.on("msg:custom", (msg: unknown) => void exporter.onMessage(msg));

  // ------------------------------------------------------------------ model → view
  const on = (names: string, fn: () => void) => {
    for (const n of names.split(" ")) model.on(`change:${n}`, fn);
  };
  on("view metric ratio trend_law curve_law level horizon metric_options ratio_options trend_options curve_options", renderControls);
  on("remedies remedy_info", renderRemedies);
  on("summary_rows remedy_info metric", renderSummary);
  on("fit_rows view", renderFits);
  on("verdict notes error", renderText);
  on("chart_data spec error fit_rows summary_rows verdict", () => setBusy(false));
  let lastSpec = g("spec");
  on("spec", () => {
    lastSpec = g("spec");
    embed();
  });
  on("chart_data", () => {
    // a new spec arrives together with its data: the embed already carries the rows
    if (g("spec") !== lastSpec) return;
    void chart.update(g("chart_data"));
  });

  renderControls();
  renderRemedies();
  renderSummary();
  renderFits();
  renderText();
  const releaseSaved = restoreSavedState(model, savedNote, "Saved view from the notebook: run the cell to compute again.");
  requestAnimationFrame(embed);

  return () => {
    if (busyTimer) clearTimeout(busyTimer);
    releaseSaved();
    chart.dispose();
  };
}

export default { render };
