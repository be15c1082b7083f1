/**
 * ComputeExplorer front end (anywidget ES module). Python (scalinglab/widgets/compute.py)
 * computes everything; this module renders state and sends user events.
 *
 * DOM CONTRACT (end-to-end tests rely on it):
 *   root element class `scalinglab-compute`; attributes data-chart-version (applied chart
 *   embeds and updates) and data-readout-version (readouts drawn); data-testid attributes:
 *     sl-approach-<isoflop|envelope|parametric>   approach tabs (aria-selected)
 *     sl-convention-select                          FLOP convention
 *     sl-level-<0.8|0.9|0.95|0.99>                  interval level (aria-selected)
 *     sl-budget-toggle-<budget>                     budgets in the frontier (aria-pressed)
 *     sl-budget-slider  sl-budget-input             the budget (log10 C; C in FLOP)
 *     sl-readout  sl-readout-N  sl-readout-D  sl-readout-tpp  sl-readout-loss
 *     sl-approaches-table                           the three approaches at the budget
 *     sl-chart  sl-error  sl-dropzone  sl-paste
 *     sl-export-code  sl-insert-cell  sl-export-json
 *
 * DATA FLOW: `spec` (a new table or convention) embeds the chart; `chart_data` (named
 * datasets) is applied with changesets; a budget move changes only `marker`, `readout`,
 * `approaches` and `spread`. Clicking a budget in the chart's legend toggles it like its chip.
 */
import type { RenderProps } from "@anywidget/types";
import "./compute/compute.css";
import { ChartController } from "./shared/components/chart";
import { toggleChips } from "./shared/components/chips";
import { exportCard } from "./shared/components/exportcard";
import { labelled } from "./shared/components/fields";
import { tableLoader } from "./shared/components/loader";
import { messageArea } from "./shared/components/messages";
import { restoreSavedState } from "./shared/components/restore";
import type { ApproachRow, ComputeExplorerState, Readout } from "./shared/contract";
import { h, replaceChildren, setOptions } from "./shared/dom";
import { fmt } from "./shared/format";
import type { ChartData, Row, Spec } from "./shared/spec";

type State = ComputeExplorerState;
const APPROACH_ORDER = ["envelope", "isoflop", "parametric"];
/** How often a dragged slider sends the budget (ms); the last value always goes. */
const SEND_EVERY_MS = 40;

/** 1.09e11 → "109 B"; counts of parameters and tokens read best with a unit word. */
export function count(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const units: [number, string][] = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, unit] of units) {
    if (Math.abs(v) >= scale) return `${Number((v / scale).toPrecision(3))} ${unit}`;
  }
  return fmt(v);
}

function interval(lo: number | null | undefined, hi: number | null | undefined, f: (v: number) => string): string {
  if (lo === null || lo === undefined || hi === null || hi === undefined) return "no interval";
  return `${f(lo)} – ${f(hi)}`;
}

export function flop(c: number): string {
  const e = Math.floor(Math.log10(c) + 1e-9);
  const m = c / 10 ** e;
  return `${Math.abs(m - 1) < 5e-3 ? "" : `${m.toFixed(m < 9.95 ? 2 : 1).replace(/\.?0+$/, "")}×`}10^${e}`;
}

/** Room (px) each panel needs beside its plot: axis labels, title and (left) the legend. */
const PANEL_CHROME_PX = 125;

/**
 * The two panels side by side in `width` px: each gets half of what their axes and legends
 * leave (Vega-Lite's fit autosize does not size composite views).
 */
export function sizePanels(spec: Spec, width: number): Spec {
  const panels = (spec as { hconcat?: Spec[] }).hconcat;
  if (!panels?.length) return { ...spec, width, autosize: { type: "fit-x", contains: "padding" } };
  const each = Math.max(220, Math.floor((width - 20 * (panels.length - 1)) / panels.length - PANEL_CHROME_PX));
  return { ...spec, autosize: { type: "pad" }, hconcat: panels.map((p) => ({ ...p, width: each })) };
}

/** The text of the legend label on the row at (x, y), from its symbol to its end, or null. */
export function legendEntryAt(container: Element, x: number, y: number): string | null {
  for (const label of Array.from(container.querySelectorAll(".role-legend-label text"))) {
    const r = label.getBoundingClientRect();
    if (y >= r.top - 3 && y <= r.bottom + 3 && x >= r.left - 18 && x <= r.right + 2) {
      return label.textContent;
    }
  }
  return null;
}

function render({ model, el }: RenderProps<State>) {
  const g = <K extends keyof State>(k: K): State[K] => model.get(k);
  const save = (changes: Partial<State>) => {
    for (const [k, v] of Object.entries(changes)) model.set(k as keyof State, v as never);
    model.save_changes();
  };

  // ------------------------------------------------------------------ controls
  const approachTabs = new Map<string, HTMLButtonElement>();
  const approachBar = h("div", { class: "sl-tabs", role: "tablist", "aria-label": "approach" });
  const conventionSelect = h("select", { "data-testid": "sl-convention-select", "aria-label": "FLOP convention" });
  const levelBar = h("div", { class: "sl-tabs", role: "tablist", "aria-label": "interval level" });
  const toolbar = h(
    "div",
    { class: "sl-toolbar" },
    labelled("approach", approachBar),
    labelled("FLOP convention", conventionSelect),
    labelled("interval", levelBar),
  );
  const chips = toggleChips({
    label: "budgets in the frontier", barClass: "sl-budgets", chipClass: "sl-budget",
    testid: (n) => `sl-budget-toggle-${n}`,
    onChange: (included) => {
      const names = (g("budgets") ?? []).map((b) => b.name);
      save({ excluded: names.filter((n) => !included.includes(n)) });
    },
  });
  const msgs = messageArea({ notesTag: "ul" });
  const warningsBox = h("ul", { class: "sl-warnings", hidden: true });

  const slider = h("input", {
    type: "range", class: "sl-slider", step: "0.02", "data-testid": "sl-budget-slider",
    // arrow keys move the slider, not JupyterLab's cell selection
    "data-lm-suppress-shortcuts": "true",
    "aria-label": "compute budget, log10 FLOP",
  });
  const budgetInput = h("input", {
    type: "text", class: "sl-num", "data-testid": "sl-budget-input", "aria-label": "compute budget in FLOP",
  });
  const budgetLabel = h("span", { class: "sl-budget-label" });
  const budgetRow = h(
    "div",
    { class: "sl-budget-row" },
    h("span", { class: "sl-field-label" }, "budget C"),
    slider, budgetLabel, labelled("FLOP", budgetInput),
  );

  const cell = (id: string, title: string) => {
    const value = h("div", { class: "sl-value" });
    const iv = h("div", { class: "sl-iv" });
    const box = h("div", { class: "sl-stat", "data-testid": id }, h("div", { class: "sl-stat-title" }, title), value, iv);
    return { box, value, iv };
  };
  const N = cell("sl-readout-N", "parameters N_opt");
  const D = cell("sl-readout-D", "tokens D_opt");
  const tpp = cell("sl-readout-tpp", "tokens per parameter");
  const loss = cell("sl-readout-loss", "predicted loss");
  const readoutTitle = h("h4", {});
  const readoutEl = h(
    "section",
    { class: "sl-card sl-readout", "data-testid": "sl-readout", "aria-live": "polite" },
    readoutTitle,
    h("div", { class: "sl-stats" }, N.box, D.box, tpp.box, loss.box),
  );
  const approachesTable = h("table", { class: "sl-table", "data-testid": "sl-approaches-table" });
  const spreadEl = h("p", { class: "sl-spread" });

  const chartEl = h("div", { class: "sl-chart", "data-testid": "sl-chart" });
  const savedNote = h("p", { class: "sl-note", hidden: true });
  const chartWrap = h("div", { class: "sl-chart-wrap" }, chartEl, budgetRow, savedNote);
  const exporter = exportCard({
    model, el,
    code: () => g("code"),
    modelRef: () => g("_model_ref"),
    ids: { copy: "sl-export-code", insert: "sl-insert-cell", json: "sl-export-json" },
    titles: {
      copy: "Copy allocate(C): the plan's compute-optimal N, D and loss with intervals (numpy only)",
      insert: "Insert allocate(C) as a new cell below",
      json: "Download the plan at this budget as JSON",
    },
    filename: "compute_plan.json",
    nothing: "load a table of runs first.",
  });
  const status = h("div", { class: "sl-status", "aria-live": "polite" });
  const loader = tableLoader({
    send: (m) => model.send(m),
    showError: (m) => msgs.showError(m),
    status: (m) => { status.textContent = m; },
  });
  loader.setTitle("Drop a CSV/TSV of runs (columns N, D, loss), choose a file, or paste a table");
  const side = h(
    "div",
    { class: "sl-side" },
    readoutEl,
    h("section", { class: "sl-card" }, h("h4", {}, "The three approaches at this budget"), approachesTable, spreadEl),
    exporter.el,
  );
  const root = h(
    "div",
    { class: "scalinglab-compute", "data-chart-version": "0", "data-readout-version": "0" },
    toolbar, chips.el, msgs.errorBox, warningsBox,
    h("div", { class: "sl-main" }, chartWrap, side),
    msgs.notesBox, status, loader.el,
  );
  el.appendChild(root);
  loader.acceptDrops(root);

  // ------------------------------------------------------------------ chart
  const chart = new ChartController({
    root, container: chartEl, measure: chartWrap, versionAttribute: "data-chart-version",
    minWidth: 560, padding: 10, size: sizePanels,
    onError: msgs.showError,
  });
  // A click on a budget's legend entry (its symbol or label) toggles it. Vega draws legends
  // without pointer events, so the entry is found by position.
  chartEl.addEventListener("click", (e) => {
    const name = legendEntryAt(chartEl, e.clientX, e.clientY);
    if (name !== null) toggleBudget(name);
  });
  /** The chart's rows: the view's datasets and the budget's marker (its own trait). */
  const chartData = (): ChartData => ({
    ...(g("chart_data") ?? { datasets: {} }),
    datasets: { ...(g("chart_data")?.datasets ?? {}), marker: (g("marker") ?? []) as unknown as Row[] },
  });
  function embed(): void {
    const spec = g("spec");
    void chart.setSpec(spec && Object.keys(spec).length ? spec : null, chartData());
  }

  function toggleBudget(name: string): void {
    const names = (g("budgets") ?? []).map((b) => b.name);
    if (!names.includes(name)) return;
    const excluded = new Set(g("excluded") ?? []);
    if (excluded.has(name)) excluded.delete(name);
    else excluded.add(name);
    save({ excluded: names.filter((n) => excluded.has(n)) });
  }

  // ------------------------------------------------------------------ the budget
  let sendTimer: ReturnType<typeof setTimeout> | null = null;
  let lastSent = 0;
  let pending: number | null = null;
  function sendBudget(c: number): void {
    pending = c;
    const wait = SEND_EVERY_MS - (performance.now() - lastSent);
    if (sendTimer) return;
    sendTimer = setTimeout(() => {
      sendTimer = null;
      lastSent = performance.now();
      if (pending !== null && pending !== g("budget")) save({ budget: pending });
      pending = null;
    }, Math.max(0, wait));
  }
  slider.addEventListener("input", () => {
    const c = 10 ** Number(slider.value);
    const rounded = Number(c.toPrecision(3));
    budgetLabel.textContent = `${flop(rounded)} FLOP`;
    sendBudget(rounded);
  });
  const commitInput = () => {
    const v = Number(budgetInput.value.replace(/\s/g, "").replace(/×10\^/, "e").replace(/10\^/, "1e"));
    if (!Number.isFinite(v) || v <= 0) {
      budgetInput.classList.add("sl-invalid");
      msgs.showError(`The budget must be a positive number of FLOP such as 1e24, not "${budgetInput.value}".`);
      return;
    }
    budgetInput.classList.remove("sl-invalid");
    save({ budget: v });
  };
  budgetInput.addEventListener("change", commitInput);
  budgetInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") commitInput();
  });

  // ------------------------------------------------------------------ state → DOM
  function renderControls(): void {
    const options = g("approach_options") ?? [];
    const byKey = new Map(options.map((o) => [o.key, o.label]));
    if (approachTabs.size === 0) {
      for (const key of APPROACH_ORDER) {
        const tab = h("button", {
          type: "button", role: "tab", class: "sl-tab", "data-testid": `sl-approach-${key}`,
          onclick: () => { if (g("approach") !== key) save({ approach: key as State["approach"] }); },
        }, byKey.get(key) ?? key);
        approachTabs.set(key, tab);
        approachBar.appendChild(tab);
      }
    }
    for (const [key, tab] of approachTabs) tab.setAttribute("aria-selected", String(key === g("approach")));
    setOptions(conventionSelect, (g("convention_options") ?? []).map((o) => ({ value: o.key, label: o.label })), g("convention"));
    replaceChildren(
      levelBar,
      (g("level_options") ?? []).map((lv) =>
        h("button", {
          type: "button", role: "tab", class: "sl-tab", "data-testid": `sl-level-${lv}`,
          "aria-selected": String(Math.abs(lv - g("level")) < 1e-9),
          onclick: () => { if (g("level") !== lv) save({ level: lv }); },
        }, `${Math.round(lv * 100)}%`),
      ),
    );
    const [lo, hi] = g("budget_range") ?? [1e18, 1e26];
    slider.min = String(Math.log10(lo));
    slider.max = String(Math.log10(hi));
    if (document.activeElement !== slider) slider.value = String(Math.log10(g("budget")));
    if (document.activeElement !== budgetInput) budgetInput.value = fmt(g("budget"));
    budgetLabel.textContent = `${flop(g("budget"))} FLOP`;
  }

  function renderBudgets(): void {
    const budgets = g("budgets") ?? [];
    chips.render(
      budgets.map((b) => ({ name: b.name, color: b.color, title: `budget ${b.name} FLOP: click to ${b.included ? "leave it out of" : "put it back in"} the frontier` })),
      budgets.filter((b) => !(g("excluded") ?? []).includes(b.name)).map((b) => b.name),
    );
    chips.el.hidden = budgets.length === 0;
  }

  let readoutVersion = 0;
  function renderReadout(): void {
    const r = (g("readout") ?? {}) as Partial<Readout>;
    const level = Math.round((r.level ?? g("level")) * 100);
    readoutTitle.textContent = r.C ? `At C = ${flop(r.C)} FLOP (${level}% intervals)` : "No plan yet";
    N.value.textContent = count(r.N);
    N.iv.textContent = interval(r.N_lo, r.N_hi, count);
    D.value.textContent = count(r.D);
    D.iv.textContent = interval(r.D_lo, r.D_hi, count);
    tpp.value.textContent = fmt(r.tpp);
    tpp.iv.textContent = interval(r.tpp_lo, r.tpp_hi, (v) => fmt(v));
    loss.value.textContent = fmt(r.loss, 4);
    loss.iv.textContent = interval(r.loss_lo, r.loss_hi, (v) => fmt(v, 4));
    renderApproaches();
    readoutVersion += 1;
    root.dataset.readoutC = String(r.C ?? "");
    root.setAttribute("data-readout-version", String(readoutVersion));
  }

  function renderApproaches(): void {
    const rows = (g("approaches") ?? []) as ApproachRow[];
    const current = g("approach");
    const order = APPROACH_ORDER.map((k) => rows.find((r) => r.approach === k)).filter(Boolean) as ApproachRow[];
    replaceChildren(
      approachesTable,
      h("thead", {}, h("tr", {}, h("th", {}, "approach"), h("th", { class: "sl-r" }, "N_opt"), h("th", { class: "sl-r" }, "D_opt"), h("th", { class: "sl-r" }, "D/N"), h("th", { class: "sl-r" }, "loss"))),
      h(
        "tbody",
        {},
        order.map((r) =>
          r.error
            ? h("tr", {}, h("td", {}, r.label), h("td", { colspan: "4", class: "sl-row-error" }, r.error))
            : h(
                "tr",
                { class: r.approach === current ? "sl-current" : "" },
                h("td", {}, r.label),
                h("td", { class: "sl-r sl-mono" }, count(r.N), h("div", { class: "sl-muted sl-small" }, interval(r.N_lo, r.N_hi, count))),
                h("td", { class: "sl-r sl-mono" }, count(r.D), h("div", { class: "sl-muted sl-small" }, interval(r.D_lo, r.D_hi, count))),
                h("td", { class: "sl-r sl-mono" }, fmt(r.tpp)),
                h("td", { class: "sl-r sl-mono" }, fmt(r.loss, 4)),
              ),
        ),
      ),
    );
    const s = g("spread") ?? {};
    spreadEl.textContent = (s.n ?? 0) >= 2
      ? `Spread across ${s.n} approaches: N_opt ×${fmt(s.N)}, D_opt ×${fmt(s.D)} (largest / smallest)${s.loss !== null && s.loss !== undefined ? `, loss ${fmt(s.loss, 2)}` : ""}.`
      : "Only one approach fits this table: no spread to show.";
  }

  function renderText(): void {
    msgs.showNotes(g("notes"));
    msgs.showError(g("error"));
    const w = g("warnings") ?? [];
    replaceChildren(warningsBox, w.map((x) => h("li", {}, x)));
    warningsBox.hidden = w.length === 0;
    status.textContent = g("status") ?? "";
    const hasTable = (g("readout") && Object.keys(g("readout")).length > 0) as boolean;
    loader.el.classList.toggle("sl-compact", hasTable);
  }

  // ------------------------------------------------------------------ DOM → state
  conventionSelect.addEventListener("change", () => save({ convention: conventionSelect.value }));
  model.on("msg:custom", (msg: any) => {
    if (exporter.onMessage(msg)) return;
    if (msg?.type === "table_loaded") loader.loaded();
  });

  // ------------------------------------------------------------------ model → view
  const on = (names: string, fn: () => void) => {
    for (const n of names.split(" ")) model.on(`change:${n}`, fn);
  };
  on("approach convention level budget budget_range convention_options level_options", renderControls);
  on("budgets excluded", renderBudgets);
  on("readout approaches spread", renderReadout);
  on("notes error warnings status readout", renderText);
  let lastSpec = g("spec");
  on("spec", () => {
    lastSpec = g("spec");
    embed();
  });
  on("chart_data", () => {
    if (g("spec") !== lastSpec) return; // the embed carries the new spec's rows
    void chart.update(chartData());
  });
  // A budget move: only the marker's rows differ (the changeset skips unchanged datasets).
  on("marker", () => void chart.update(chartData()));

  renderControls();
  renderBudgets();
  renderReadout();
  renderText();
  const releaseSaved = restoreSavedState(model, savedNote, "Saved view from the notebook: run the cell to plan again (the budget slider needs the kernel).");
  requestAnimationFrame(embed);

  return () => {
    if (sendTimer) clearTimeout(sendTimer);
    releaseSaved();
    chart.dispose();
  };
}

export default { render };
