/**
 * LawExplorer front end (anywidget ES module): a composition of the shared components.
 * Python (scalinglab/widgets/explorer.py) does all the maths; types come from contract.ts.
 *
 * DOM CONTRACT (end-to-end tests rely on it; keep it exactly):
 *   root element class `scalinglab-explorer`; data-testid attributes:
 *     sl-chart          element holding the Vega view (SVG renderer up to CANVAS_ABOVE_POINTS)
 *     sl-dropzone       drop a CSV/TSV file here          sl-paste  textarea for pasted tables
 *     sl-error          inline error box (hidden and empty when there is no error)
 *     sl-x-select  sl-y-select  sl-group-select          column dropdowns
 *     sl-law-toggle-<lawname>                            toggle buttons with aria-pressed
 *     sl-param-table    parameter / goodness-of-fit table
 *     sl-target-input   sl-target-result                 target box and its sentence(s)
 *     sl-horizon-input  sl-band-select  sl-level-input   sl-xscale  sl-yscale (selects)
 *     sl-copy-code  sl-insert-cell  sl-download-json     export buttons
 *   The interval brush is the Vega-Lite param `brush` (encodings ["x"]); the band layer is
 *   named "band". The root's `data-fit-version` counts applied chart updates and
 *   `data-brush` is the brush machine's phase (idle / dragging / settling).
 *
 * DATA FLOW: `spec` is embedded once (again for new columns, scales, theme or width);
 * `points` feeds the points dataset once per table; `chart_data` is applied with changesets;
 * `fit_lo` / `fit_hi` follow the kernel's fit_range. The brush is a BrushMachine
 * (shared/brush.ts): the hand moves it, the kernel's answers only update the fits.
 * Latency samples: shared/latency.ts (off unless window.__scalinglab_debug.latency).
 */
import type { RenderProps } from "@anywidget/types";
import "./explorer.css";
import { renderFits, renderSolutions } from "./explorer/tables";
import { BrushMachine } from "./shared/brush";
import type { Range } from "./shared/brush";
import { bindGestures, drawBrush, listenToBrush } from "./shared/components/brush";
import { ChartController } from "./shared/components/chart";
import { listen, start } from "./shared/components/listen";
import { toggleChips } from "./shared/components/chips";
import { exportCard } from "./shared/components/exportcard";
import { bindNumber, labelled, showNumber } from "./shared/components/fields";
import { tableLoader } from "./shared/components/loader";
import { messageArea } from "./shared/components/messages";
import type { LawExplorerState, LawInfo } from "./shared/contract";
import { FIT_RANGE_PARAMS } from "./shared/contract";
import { h, replaceChildren, setOptions } from "./shared/dom";
import { LatencyLog } from "./shared/latency";

type State = LawExplorerState;

const SCALES = [{ value: "log", label: "log" }, { value: "linear", label: "linear" }];
const BANDS = [
  { value: "confidence", label: "confidence band" },
  { value: "prediction", label: "prediction band" },
  { value: "none", label: "no band" },
];

function render({ model, el }: RenderProps<State>) {
  const g = <K extends keyof State>(k: K): State[K] => model.get(k);
  const save = (changes: Partial<State>) => {
    for (const [k, v] of Object.entries(changes)) model.set(k as keyof State, v as never);
    model.save_changes();
  };

  // ------------------------------------------------------------------ controls
  const select = (testid: string, label: string) => h("select", { "data-testid": testid, "aria-label": label });
  const xSelect = select("sl-x-select", "x column");
  const ySelect = select("sl-y-select", "y column");
  const groupSelect = select("sl-group-select", "series column");
  const xScale = select("sl-xscale", "x axis scale");
  const yScale = select("sl-yscale", "y axis scale");
  const bandSelect = select("sl-band-select", "band");
  const exportSelect = h("select", { "aria-label": "law to export", class: "sl-export-law" });
  const levelInput = h("input", {
    "data-testid": "sl-level-input", type: "number", min: "0.5", max: "0.999", step: "0.01",
    "aria-label": "interval level", class: "sl-num-short",
  });
  const horizonInput = h("input", {
    "data-testid": "sl-horizon-input", type: "number", min: "1", step: "any",
    "aria-label": "extrapolation horizon (multiple of the largest x)", class: "sl-num",
  });
  const targetInput = h("input", {
    "data-testid": "sl-target-input", type: "number", step: "any", class: "sl-num",
    "aria-label": "target value", placeholder: "e.g. 2.1",
  });
  setOptions(xScale, SCALES, "log");
  setOptions(yScale, SCALES, "log");
  setOptions(bandSelect, BANDS, "confidence");

  const toolbar = h(
    "div",
    { class: "sl-toolbar" },
    h("div", { class: "sl-group" }, labelled("x", xSelect), labelled("y", ySelect), labelled("series", groupSelect)),
    h(
      "div",
      { class: "sl-group" },
      labelled("x axis", xScale), labelled("y axis", yScale), labelled("band", bandSelect),
      labelled("level", levelInput), labelled("extrapolate to ×", horizonInput, "sl-horizon"),
    ),
  );
  const chips = toggleChips({
    label: "laws", barClass: "sl-laws", chipClass: "sl-law",
    testid: (n) => `sl-law-toggle-${n}`,
    onChange: (laws) => save({ laws }),
  });
  const msgs = messageArea();
  const statusLine = h("div", { class: "sl-status", "aria-live": "polite" });

  const chartEl = h("div", { class: "sl-chart", "data-testid": "sl-chart" });
  const hint = h("div", { class: "sl-hint" }, "Drag across the chart to choose the fit range; click outside the range to clear it.");
  const chartWrap = h("div", { class: "sl-chart-wrap" }, chartEl, hint);

  const targetResult = h("div", { class: "sl-target-result", "data-testid": "sl-target-result", "aria-live": "polite" });
  const paramTable = h("table", { class: "sl-table", "data-testid": "sl-param-table" });
  const exporter = exportCard({
    model, el,
    ids: { copy: "sl-copy-code", insert: "sl-insert-cell", json: "sl-download-json" },
    titles: {
      copy: "Copy res.to_python() to the clipboard",
      insert: "Insert the code as a new cell below this one",
      json: "Download res.to_json()",
    },
    filename: "scalinglab-fit.json",
    nothing: "fit a law first.",
    before: labelled("law", exportSelect),
  });
  const side = h(
    "div",
    { class: "sl-side" },
    h("section", { class: "sl-card" }, h("h4", {}, "Target"), labelled("reach", targetInput), targetResult),
    h("section", { class: "sl-card sl-card-table" }, h("h4", {}, "Fits"), h("div", { class: "sl-table-scroll" }, paramTable)),
    exporter.el,
  );

  const root = h(
    "div",
    { class: "scalinglab-explorer", "data-fit-version": "0", "data-brush": "idle" },
    toolbar, chips.el, msgs.errorBox, statusLine, h("div", { class: "sl-main" }, chartWrap, side), msgs.notesBox,
  );
  const loader = tableLoader({
    send: (msg) => {
      brush.abandon(); // nothing queued for the old table may follow the new one
      model.send(msg);
    },
    showError: msgs.showError,
    status: (text) => (statusLine.textContent = text),
  });
  loader.acceptDrops(root);
  root.appendChild(loader.el);
  el.appendChild(root);

  // ------------------------------------------------------------------ chart and brush
  const latency = new LatencyLog();
  let localTableVersion = 0; // a kernel without the table_version trait: count table_loaded
  const tableVersion = () => {
    const v = g("table_version");
    return typeof v === "number" ? v : localTableVersion;
  };
  const brush = new BrushMachine({
    send: (req, t0) => {
      latency.sent(req.id, t0);
      // quiet_status: the optional scalinglab_server extension drops the kernel's busy status
      model.send({ type: "brush", ...req, quiet_status: true });
    },
    draw: (range) => void drawBrush(chart, range),
    phase: (p) => root.setAttribute("data-brush", p),
  });
  const chart = new ChartController({
    root, container: chartEl, measure: chartWrap, versionAttribute: "data-fit-version",
    minWidth: 320,
    brush: () => brush.drawn,
    onView: (c) => listenToBrush(c, brush),
    onError: msgs.showError,
  });
  const unbindGestures = bindGestures(chart, chartEl, brush);

  const fitParams = (range: Range | null) => ({ [FIT_RANGE_PARAMS[0]]: range ? range[0] : null, [FIT_RANGE_PARAMS[1]]: range ? range[1] : null });
  const hasData = () => (g("columns") ?? []).length > 0;
  function embed(): void {
    void chart.setSpec(hasData() ? g("spec") : null, g("chart_data"));
  }
  function syncKernelRange(): void {
    brush.kernelState(g("fit_range") ?? null, tableVersion());
    void chart.setSignals(fitParams(brush.fitted));
  }
  function applyData(): void {
    const data = g("chart_data") ?? { datasets: {} };
    latency.arrived(data.request_id, () => JSON.stringify(data).length);
    let drawStart = 0;
    void chart.update(
      data,
      () => (drawStart = performance.now()),
      () => latency.drawn(data.request_id, data.timing, drawStart),
    );
    // after every change of this message (fit_range, table_version) has been seen
    queueMicrotask(() => brush.answered(data.request_id));
  }

  // ------------------------------------------------------------------ state → DOM
  const drawnFrom = new Map<string, string>();
  /** Skip rebuilding DOM that would come out the same (each refit re-syncs every row). */
  function unchanged(part: string, inputs: unknown): boolean {
    const key = JSON.stringify(inputs);
    if (drawnFrom.get(part) === key) return true;
    drawnFrom.set(part, key);
    return false;
  }

  function renderColumns(): void {
    const cols = g("columns") ?? [];
    const numeric = cols.filter((c) => c.numeric).map((c) => ({ value: c.name, label: c.name }));
    setOptions(xSelect, numeric, g("x"));
    setOptions(ySelect, numeric, g("y"));
    setOptions(groupSelect, [{ value: "", label: "(none)" }, ...cols.map((c) => ({ value: c.name, label: c.name }))], g("group") ?? "");
    const empty = cols.length === 0;
    root.classList.toggle("sl-is-empty", empty);
    // with a table, "load another table" sits under the chart; without one it is the widget
    const home = empty ? root : chartWrap;
    if (loader.el.parentElement !== home) home.appendChild(loader.el);
    for (const s of [xSelect, ySelect, groupSelect]) s.disabled = empty;
    loader.setTitle(
      empty
        ? [h("strong", {}, "Drop a CSV or TSV file here"), " — or paste a table below. Columns become the x, y and series choices."]
        : [
            h("strong", {}, "Load another table: "),
            "drop a CSV/TSV file here or paste below",
            g("source_name") ? [" (showing ", h("span", { class: "sl-mono" }, g("source_name")), ")"] : "",
          ],
    );
  }

  /** One-variable laws always apply; multi-variable ones when the table has their columns. */
  function usable(law: LawInfo): boolean {
    if (law.variables.length <= 1) return true;
    const names = new Set((g("columns") ?? []).map((c) => c.name));
    return law.variables.every((v) => names.has(v));
  }

  function renderLaws(): void {
    const active = g("laws") ?? [];
    const best = new Set((g("metric_rows") ?? []).filter((r) => r.best).map((r) => r.law));
    const shown = (g("law_info") ?? []).filter((law) => active.includes(law.name) || usable(law));
    chips.render(
      shown.map((law) => ({
        name: law.name,
        color: law.color,
        title: `${law.name}: y = ${law.formula}${law.description ? `\n${law.description}` : ""}`,
        extra: best.has(law.name) ? h("span", { class: "sl-best", title: "best by held-out error" }, " ★") : "",
      })),
      active,
    );
    const exportable = (g("law_info") ?? []).filter((l) => active.includes(l.name));
    setOptions(exportSelect, [{ value: "", label: "best fit" }, ...exportable.map((l) => ({ value: l.name, label: l.name }))], g("export_law") ?? "");
  }

  function renderControls(): void {
    xScale.value = g("x_scale");
    yScale.value = g("y_scale");
    bandSelect.value = g("band");
    showNumber(levelInput, g("level"));
    showNumber(horizonInput, g("horizon"));
    showNumber(targetInput, g("target"));
  }

  function renderTables(): void {
    if (!unchanged("table", [g("param_rows"), g("metric_rows"), g("law_info"), g("level")])) {
      renderFits(paramTable, g("param_rows") ?? [], g("metric_rows") ?? [], g("law_info") ?? [], g("level") ?? 0.95);
    }
    if (!unchanged("solutions", [g("solutions"), g("law_info"), g("target")])) {
      renderSolutions(targetResult, g("solutions") ?? [], g("law_info") ?? [], g("target"));
    }
  }

  function renderText(): void {
    msgs.showNotes(g("notes"));
    msgs.showError(g("error"));
    const status = g("status") ?? "";
    if (statusLine.textContent !== status) statusLine.textContent = status;
  }

  // ------------------------------------------------------------------ DOM → state
  xSelect.addEventListener("change", () => save({ x: xSelect.value }));
  ySelect.addEventListener("change", () => save({ y: ySelect.value }));
  groupSelect.addEventListener("change", () => save({ group: groupSelect.value }));
  xScale.addEventListener("change", () => save({ x_scale: xScale.value as State["x_scale"] }));
  yScale.addEventListener("change", () => save({ y_scale: yScale.value as State["y_scale"] }));
  bandSelect.addEventListener("change", () => save({ band: bandSelect.value as State["band"] }));
  exportSelect.addEventListener("change", () => save({ export_law: exportSelect.value }));
  bindNumber(levelInput, () => g("level"), (v) => save({ level: v as number }));
  bindNumber(horizonInput, () => g("horizon"), (v) => save({ horizon: v as number }));
  bindNumber(targetInput, () => g("target"), (v) => save({ target: v }), true);

  model.on("msg:custom", (msg: any) => {
    if (!msg || typeof msg !== "object") return;
    if (exporter.onMessage(msg)) return;
    if (msg.type === "ack") queueMicrotask(() => brush.answered(msg.id));
    else if (msg.type === "table_loaded") {
      loader.loaded();
      if (typeof g("table_version") !== "number") {
        localTableVersion += 1;
        syncKernelRange();
      }
    }
  });

  // ------------------------------------------------------------------ model → view
  const { on, show, off } = listen(model);
  show("columns x y group source_name", renderColumns);
  show("laws law_info metric_rows export_law columns", renderLaws);
  show("x_scale y_scale band level horizon target", renderControls);
  show("param_rows metric_rows law_info level solutions target", renderTables);
  show("notes status error", renderText);
  on("spec", embed);
  on("points", () => void chart.setPoints(g("points")));
  on("chart_data", applyData);
  on("fit_range table_version", syncKernelRange);

  brush.reset(g("fit_range") ?? null, tableVersion());
  void chart.setPoints(g("points"));
  void chart.setSignals(fitParams(brush.fitted));
  const message = "Saved view from the notebook: run the cell to fit again.";
  return start(model, chart, embed, { note: hint, message }, off, unbindGestures, () => brush.dispose());
}

export default { render };
