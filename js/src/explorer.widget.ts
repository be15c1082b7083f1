/**
 * LawExplorer front end (anywidget ES module). Python (scalinglab/widgets/explorer.py) does
 * all the maths; this module renders state and sends user events.
 *
 * DOM CONTRACT (end-to-end tests rely on it; keep it exactly):
 *   root element class `scalinglab-explorer`; data-testid attributes:
 *     sl-chart          element holding the Vega view (SVG renderer: marks are readable)
 *     sl-dropzone       drop a CSV/TSV file here          sl-paste  textarea for pasted tables
 *     sl-error          inline error box (hidden and empty when there is no error)
 *     sl-x-select  sl-y-select  sl-group-select          column dropdowns
 *     sl-law-toggle-<lawname>                            toggle buttons with aria-pressed
 *     sl-param-table    parameter / goodness-of-fit table
 *     sl-target-input   sl-target-result                 target box and its sentence(s)
 *     sl-horizon-input  sl-band-select  sl-level-input   sl-xscale  sl-yscale (selects)
 *     sl-copy-code  sl-insert-cell  sl-download-json     export buttons
 *   The interval brush is the Vega-Lite param `brush` (encodings ["x"]); the band layer is
 *   named "band" (its SVG group has class `mark-area role-mark`).
 *
 * LATENCY CONTRACT: each brush change gets an increasing request id and a performance.now()
 * timestamp; the id goes to Python ({type: "brush", range, id, quiet_status: true}; see
 * scalinglab_server for quiet_status); Python echoes it as
 * chart_data.request_id (or {type: "ack", id} when the fit failed). Once the changeset's
 * runAsync() has resolved, {id, ms} is pushed to `window.__scalinglab_latency` (created if
 * missing), with the parts of that time (LatencySample below). After every applied chart
 * update the root's `data-fit-version` attribute is incremented (brush, law toggles, band,
 * target, ...).
 *
 * DATA FLOW: `spec` (traitlet) is embedded once; `chart_data` (traitlet: named datasets and
 * param values) is applied with Vega changesets. Only a new `spec` (other columns or axis
 * scales) or a theme switch re-embeds, keeping the brush where it was.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import "./explorer.css";
import { embedChart, updateChart } from "./shared/chart";
import type { EmbeddedChart } from "./shared/chart";
import { h, replaceChildren, setOptions } from "./shared/dom";
import { fmt, fmtInterval } from "./shared/format";
import { clipboardTable, pasteProblem, sketchTable } from "./shared/paste";
import { brushRange, sameRange } from "./shared/spec";
import type { ChartData, Spec } from "./shared/spec";
import { RequestPacer } from "./shared/throttle";
import { isDarkTheme } from "./shared/theme";
import { copyText, downloadText, insertCellBelow } from "./shared/notebook";
import { keepSavedState } from "./shared/restore";

interface ColumnInfo {
  name: string;
  numeric: boolean;
}
interface LawInfo {
  name: string;
  color: string;
  formula: string;
  description: string;
  variables: string[];
}
interface ParamRow {
  law: string;
  series: string;
  param: string;
  estimate: number | null;
  lo: number | null;
  hi: number | null;
}
interface MetricRow {
  law: string;
  series: string;
  n: number | null;
  r2: number | null;
  rmsle: number | null;
  aic: number | null;
  holdout: number | null;
  best: boolean;
  pending?: boolean;
  error?: string;
}
interface Solution {
  law: string;
  series: string;
  ok: boolean;
  text: string;
}

interface ExplorerState {
  columns: ColumnInfo[];
  x: string;
  y: string;
  group: string;
  laws: string[];
  law_info: LawInfo[];
  fit_range: [number, number] | null;
  level: number;
  band: string;
  horizon: number;
  target: number | null;
  x_scale: string;
  y_scale: string;
  spec: Spec;
  chart_data: ChartData;
  param_rows: ParamRow[];
  metric_rows: MetricRow[];
  solutions: Solution[];
  code: string;
  error: string;
  notes: string[];
  status: string;
  export_law: string;
  source_name: string;
  _model_ref: string;
}

type Model = AnyModel<ExplorerState>;

/**
 * One latency sample. `id` and `ms` (brush event → new chart drawn) are the contract; the
 * parts say where the time went: `queue_ms` brush event → model.send (waiting in the pacer),
 * `rtt_ms` send → chart_data arriving here, `kernel_ms` Python's own handler time inside that
 * round trip (chart_data.timing), `up_ms` / `down_ms` the legs to and from the kernel (from
 * Python's wall clock, chart_data.timing.sent_at), `wait_ms` arrival → start of the chart
 * update (an earlier update still drawing), `draw_ms` the changeset until view.runAsync()
 * resolved. benchmarks/e2e_latency.py prints their medians.
 */
export interface LatencySample {
  id: number;
  ms: number;
  queue_ms?: number;
  rtt_ms?: number;
  kernel_ms?: number;
  /** CPU time of that handler (kernel_ms minus waiting for a core on a busy machine). */
  kernel_cpu_ms?: number;
  up_ms?: number;
  down_ms?: number;
  wait_ms?: number;
  draw_ms?: number;
}

declare global {
  interface Window {
    __scalinglab_latency?: LatencySample[];
  }
}

/** Requests pace themselves by their round trip (one in flight); no extra spacing. */
const BRUSH_INTERVAL_MS = 0;
/**
 * Vega-Lite's pixel-space signal of the `brush` interval on x. The data field is also named
 * "x", so Vega-Lite suffixes the pixel signal (`brush_x` is the data extent); pinned by
 * test/brush.test.ts.
 */
export const BRUSH_PIXEL_SIGNAL = "brush_x_1";
const BRUSH_TIMEOUT_MS = 5000;

function labelled(text: string, control: HTMLElement, extra = ""): HTMLLabelElement {
  return h("label", { class: `sl-field ${extra}`.trim() }, h("span", { class: "sl-field-label" }, text), control);
}

function render({ model, el }: RenderProps<ExplorerState>) {
  const g = <K extends keyof ExplorerState>(k: K) => model.get(k);
  const setAndSave = (changes: Partial<ExplorerState>) => {
    for (const [k, v] of Object.entries(changes)) model.set(k as keyof ExplorerState, v as never);
    model.save_changes();
  };

  // ------------------------------------------------------------------ controls
  const xSelect = h("select", { "data-testid": "sl-x-select", "aria-label": "x column" });
  const ySelect = h("select", { "data-testid": "sl-y-select", "aria-label": "y column" });
  const groupSelect = h("select", { "data-testid": "sl-group-select", "aria-label": "series column" });
  const xScale = h("select", { "data-testid": "sl-xscale", "aria-label": "x axis scale" });
  const yScale = h("select", { "data-testid": "sl-yscale", "aria-label": "y axis scale" });
  const bandSelect = h("select", { "data-testid": "sl-band-select", "aria-label": "band" });
  const levelInput = h("input", {
    "data-testid": "sl-level-input", type: "number", min: "0.5", max: "0.999", step: "0.01",
    "aria-label": "interval level", class: "sl-num-short",
  });
  const horizonInput = h("input", {
    "data-testid": "sl-horizon-input", type: "number", min: "1", step: "any",
    "aria-label": "extrapolation horizon (multiple of the largest x)", class: "sl-num",
  });
  setOptions(xScale, [{ value: "log", label: "log" }, { value: "linear", label: "linear" }], "log");
  setOptions(yScale, [{ value: "log", label: "log" }, { value: "linear", label: "linear" }], "log");
  setOptions(
    bandSelect,
    [
      { value: "confidence", label: "confidence band" },
      { value: "prediction", label: "prediction band" },
      { value: "none", label: "no band" },
    ],
    "confidence",
  );

  const toolbar = h(
    "div",
    { class: "sl-toolbar" },
    h("div", { class: "sl-group" }, labelled("x", xSelect), labelled("y", ySelect), labelled("series", groupSelect)),
    h(
      "div",
      { class: "sl-group" },
      labelled("x axis", xScale),
      labelled("y axis", yScale),
      labelled("band", bandSelect),
      labelled("level", levelInput),
      labelled("extrapolate to ×", horizonInput, "sl-horizon"),
    ),
  );

  const lawBar = h("div", { class: "sl-laws", role: "group", "aria-label": "law families" });
  const errorBox = h("div", { class: "sl-error", "data-testid": "sl-error", role: "alert", hidden: true });
  const statusLine = h("div", { class: "sl-status", "aria-live": "polite" });

  const chartEl = h("div", { class: "sl-chart", "data-testid": "sl-chart" });
  const brushHint = h("div", { class: "sl-hint" }, "Drag across the chart to choose the fit range; click outside the range to clear it.");
  const chartWrap = h("div", { class: "sl-chart-wrap" }, chartEl, brushHint);

  const targetInput = h("input", {
    "data-testid": "sl-target-input", type: "number", step: "any", class: "sl-num",
    "aria-label": "target value", placeholder: "e.g. 2.1",
  });
  const targetResult = h("div", { class: "sl-target-result", "data-testid": "sl-target-result", "aria-live": "polite" });
  const paramTable = h("table", { class: "sl-table", "data-testid": "sl-param-table" });
  const exportSelect = h("select", { "aria-label": "law to export", class: "sl-export-law" });
  const copyBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-copy-code", title: "Copy res.to_python() to the clipboard" }, "Copy code");
  const insertBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-insert-cell", title: "Insert the code as a new cell below this one" }, "Insert as cell");
  const jsonBtn = h("button", { class: "sl-btn", type: "button", "data-testid": "sl-download-json", title: "Download res.to_json()" }, "Download JSON");
  const exportNote = h("div", { class: "sl-export-note", "aria-live": "polite" });

  const side = h(
    "div",
    { class: "sl-side" },
    h("section", { class: "sl-card" }, h("h4", {}, "Target"), labelled("reach", targetInput), targetResult),
    h("section", { class: "sl-card sl-card-table" }, h("h4", {}, "Fits"), h("div", { class: "sl-table-scroll" }, paramTable)),
    h(
      "section",
      { class: "sl-card" },
      h("h4", {}, "Export"),
      labelled("law", exportSelect),
      h("div", { class: "sl-buttons" }, copyBtn, insertBtn, jsonBtn),
      exportNote,
    ),
  );

  const pasteArea = h("textarea", {
    "data-testid": "sl-paste", class: "sl-paste", rows: "3", spellcheck: "false",
    placeholder: "…or paste a table here (copied from a spreadsheet, or CSV text with a header row)",
    "aria-label": "paste a table",
  });
  const fileInput = h("input", { type: "file", accept: ".csv,.tsv,.txt,text/csv,text/tab-separated-values", hidden: true });
  const chooseBtn = h("button", { class: "sl-btn sl-btn-quiet", type: "button" }, "Choose file…");
  const loadBtn = h("button", { class: "sl-btn sl-btn-quiet", type: "button" }, "Load pasted table");
  const dropTitle = h("div", { class: "sl-drop-title" });
  const dropzone = h(
    "div",
    { class: "sl-dropzone", "data-testid": "sl-dropzone", tabindex: "0", "aria-label": "drop a CSV or TSV file" },
    dropTitle,
    pasteArea,
    h("div", { class: "sl-buttons" }, chooseBtn, loadBtn, fileInput),
  );

  const notesBox = h("ul", { class: "sl-notes" });
  const main = h("div", { class: "sl-main" }, chartWrap, side);
  const root = h(
    "div",
    { class: "scalinglab-explorer", "data-fit-version": "0" },
    toolbar, lawBar, errorBox, statusLine, main, notesBox, dropzone,
  );
  el.appendChild(root);

  // ------------------------------------------------------------------ chart
  let chart: EmbeddedChart | null = null;
  let embedding: Promise<void> = Promise.resolve();
  let fitVersion = 0;
  let requestId = 0;
  /** Per request id: brush event time, send time, arrival time (performance.now()). */
  const sentAt = new Map<number, { t0: number; sent: number; arrived?: number }>();
  let brushTimeout: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  let lastWidth = 0;
  let programmaticBrush = false;

  const sentRanges: ([number, number] | null)[] = [];
  let dragging = false;
  const pacer = new RequestPacer<[number, number] | null>((range, t0) => {
    requestId += 1;
    sentAt.set(requestId, { t0, sent: performance.now() });
    sentRanges.push(range);
    if (sentRanges.length > 32) sentRanges.shift();
    // quiet_status: the scalinglab_server extension drops the kernel's busy status for it
    // (JupyterLab would redraw its kernel indicator and swap the favicon on every brush move)
    model.send({ type: "brush", range, id: requestId, quiet_status: true });
    if (brushTimeout) clearTimeout(brushTimeout);
    brushTimeout = setTimeout(() => pacer.done(), BRUSH_TIMEOUT_MS);
  }, BRUSH_INTERVAL_MS);

  /** Did this fit_range come from our own brush (an echo), rather than from Python code? */
  function isEcho(range: [number, number] | null): boolean {
    return dragging || sentRanges.some((r) => sameRange(r, range, 1e-9));
  }

  /** Move the brush to Python's fit_range unless it is an echo of the user's own drag. */
  function syncBrush(): void {
    const range = g("fit_range");
    if (isEcho(range)) return;
    embedding = embedding.then(() => moveBrushTo(range));
  }

  function answered(id: number | null | undefined): void {
    if (id === null || id === undefined) return;
    if (brushTimeout) clearTimeout(brushTimeout);
    brushTimeout = null;
    pacer.done();
  }

  function recordLatency(
    id: number | null | undefined,
    parts: { kernel_ms?: number; kernel_cpu_ms?: number; sent_at?: number; drawStart?: number },
  ): void {
    if (id === null || id === undefined) return;
    const at = sentAt.get(id);
    if (at === undefined) return;
    sentAt.delete(id);
    const now = performance.now();
    const arrived = at.arrived ?? now;
    const drawStart = parts.drawStart ?? arrived;
    const epoch = (t: number) => performance.timeOrigin + t;
    const { kernel_ms, sent_at } = parts;
    const legs =
      kernel_ms !== undefined && sent_at !== undefined
        ? { up_ms: sent_at - kernel_ms - epoch(at.sent), down_ms: epoch(arrived) - sent_at }
        : {};
    const log = (window.__scalinglab_latency ??= []);
    log.push({
      ...legs,
      id,
      ms: now - at.t0,
      queue_ms: at.sent - at.t0,
      rtt_ms: arrived - at.sent,
      kernel_ms: parts.kernel_ms,
      kernel_cpu_ms: parts.kernel_cpu_ms,
      wait_ms: drawStart - arrived,
      draw_ms: now - drawStart,
    });
  }

  function onBrush(_name: string, value: unknown): void {
    if (programmaticBrush) return;
    const range = brushRange(value);
    if (sameRange(range, g("fit_range"))) return;
    pacer.push(range);
  }

  function hasData(): boolean {
    return (g("columns") ?? []).length > 0;
  }

  function embedNow(): Promise<void> {
    const spec = g("spec");
    embedding = embedding.then(async () => {
      if (disposed) return;
      if (!spec || !Object.keys(spec).length || !hasData()) {
        chart?.view.finalize();
        chart = null;
        replaceChildren(chartEl);
        return;
      }
      const width = chartWrap.clientWidth || root.clientWidth - 360;
      lastWidth = width;
      const sized = { ...spec, width: Math.max(320, width), autosize: { type: "fit", contains: "padding" } };
      try {
        const next = await embedChart(chartEl, sized, g("chart_data"), g("fit_range"), root);
        chart?.view.finalize();
        chart = next;
        chart.view.addSignalListener("brush", onBrush);
        bumpVersion();
      } catch (err) {
        showError(`Could not draw the chart: ${(err as Error).message}`);
      }
    });
    return embedding;
  }

  function bumpVersion(): void {
    fitVersion += 1;
    root.setAttribute("data-fit-version", String(fitVersion));
  }

  function applyData(): void {
    const data = g("chart_data") ?? {};
    const rid = data.request_id;
    if (rid !== null && rid !== undefined) {
      const at = sentAt.get(rid);
      if (at) at.arrived = performance.now();
    }
    let drawStart: number | undefined;
    embedding = embedding.then(async () => {
      if (disposed) return;
      if (!chart) return;
      try {
        drawStart = performance.now();
        await updateChart(chart, data);
        const range = g("fit_range");
        if (!isEcho(range)) await moveBrushTo(range);
      } catch (err) {
        showError(`Could not update the chart: ${(err as Error).message}`);
      }
      recordLatency(data.request_id, { ...data.timing, drawStart });
      bumpVersion();
    });
    answered(data.request_id);
  }

  /** Put the brush where Python says fit_range is (after Python set it, e.g. from code). */
  async function moveBrushTo(range: [number, number] | null): Promise<void> {
    if (!chart) return;
    const view = chart.view as any;
    let current: [number, number] | null = null;
    try {
      current = brushRange(view.signal("brush"));
    } catch {
      return;
    }
    if (sameRange(current, range, 1e-6)) return;
    try {
      const xs = view.scale("x");
      const px = range ? [xs(range[0]), xs(range[1])] : [0, 0];
      if (px.some((v: number) => !Number.isFinite(v))) return;
      programmaticBrush = true;
      view.signal(BRUSH_PIXEL_SIGNAL, px);
      await view.runAsync();
    } catch {
      /* a view without a brush (no data) */
    } finally {
      programmaticBrush = false;
    }
  }

  // ------------------------------------------------------------------ rendering state
  function showError(message: string): void {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function renderColumns(): void {
    const cols = g("columns") ?? [];
    const numeric = cols.filter((c) => c.numeric).map((c) => ({ value: c.name, label: c.name }));
    setOptions(xSelect, numeric, g("x"));
    setOptions(ySelect, numeric, g("y"));
    setOptions(
      groupSelect,
      [{ value: "", label: "(none)" }, ...cols.map((c) => ({ value: c.name, label: c.name }))],
      g("group") ?? "",
    );
    const empty = cols.length === 0;
    root.classList.toggle("sl-is-empty", empty);
    // With a table, "load another table" sits under the chart (beside the taller side
    // panel, instead of leaving a gap there); without one it is the whole widget.
    const home = empty ? root : chartWrap;
    if (dropzone.parentElement !== home) home.appendChild(dropzone);
    for (const s of [xSelect, ySelect, groupSelect]) s.disabled = empty;
    replaceChildren(
      dropTitle,
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

  /**
   * Every refit re-syncs metric_rows, param_rows, notes, ...; rebuilding DOM that would come
   * out the same costs style and layout work on the page while the brush is dragged. Each
   * renderer names what it draws from and is skipped when that is unchanged.
   */
  const drawnFrom = new Map<string, string>();
  function unchanged(part: string, inputs: unknown): boolean {
    const key = JSON.stringify(inputs);
    if (drawnFrom.get(part) === key) return true;
    drawnFrom.set(part, key);
    return false;
  }

  function renderLaws(): void {
    const active = new Set(g("laws") ?? []);
    const best = new Set((g("metric_rows") ?? []).filter((r) => r.best).map((r) => r.law));
    if (unchanged("laws", [g("laws"), [...best], g("law_info"), g("export_law"), g("columns")])) return;
    replaceChildren(
      lawBar,
      h("span", { class: "sl-field-label" }, "laws"),
      (g("law_info") ?? []).filter((law) => active.has(law.name) || usable(law)).map((law) => {
        const on = active.has(law.name);
        const btn = h(
          "button",
          {
            type: "button",
            class: `sl-law${on ? " sl-on" : ""}`,
            "data-testid": `sl-law-toggle-${law.name}`,
            "aria-pressed": on ? "true" : "false",
            title: `${law.name}: y = ${law.formula}${law.description ? `\n${law.description}` : ""}`,
            onclick: () => {
              const now = new Set(g("laws") ?? []);
              if (now.has(law.name)) now.delete(law.name);
              else now.add(law.name);
              const order = (g("law_info") ?? []).map((l) => l.name).filter((n) => now.has(n));
              setAndSave({ laws: order });
            },
          },
          h("span", { class: "sl-swatch", "aria-hidden": "true" }),
          law.name,
          best.has(law.name) && on ? h("span", { class: "sl-best", title: "best by held-out error" }, " ★") : "",
        );
        btn.style.setProperty("--sl-law-color", law.color);
        return btn;
      }),
    );
    const exportable = (g("law_info") ?? []).filter((l) => active.has(l.name));
    setOptions(
      exportSelect,
      [{ value: "", label: "best fit" }, ...exportable.map((l) => ({ value: l.name, label: l.name }))],
      g("export_law") ?? "",
    );
  }

  function renderControls(): void {
    xScale.value = g("x_scale");
    yScale.value = g("y_scale");
    bandSelect.value = g("band");
    if (document.activeElement !== levelInput) levelInput.value = String(g("level"));
    if (document.activeElement !== horizonInput) horizonInput.value = String(g("horizon"));
    if (document.activeElement !== targetInput) {
      const t = g("target");
      targetInput.value = t === null || t === undefined ? "" : String(t);
    }
  }

  function renderTable(): void {
    if (unchanged("table", [g("param_rows"), g("metric_rows"), g("law_info"), g("level")])) return;
    const colors = new Map((g("law_info") ?? []).map((l) => [l.name, l.color]));
    const params = g("param_rows") ?? [];
    const metrics = g("metric_rows") ?? [];
    const level = Math.round((g("level") ?? 0.95) * 100);
    const head = h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "param"), h("th", { scope: "col", class: "sl-r" }, "estimate"), h("th", { scope: "col", class: "sl-r" }, `${level}% interval`)),
    );
    const bodies = metrics.map((m) => {
      const rows = params.filter((p) => p.law === m.law && p.series === m.series);
      const dot = h("span", { class: "sl-dot", "aria-hidden": "true" });
      dot.style.background = colors.get(m.law) ?? "currentColor";
      const title = h(
        "tr",
        { class: "sl-law-row" },
        h(
          "th",
          { scope: "rowgroup", colspan: "3" },
          dot,
          m.law,
          m.series ? h("span", { class: "sl-series" }, ` · ${m.series}`) : "",
          m.best ? h("span", { class: "sl-best", title: "best by held-out error" }, " ★ best") : "",
        ),
      );
      const trs: HTMLTableRowElement[] = [title];
      if (m.error) {
        trs.push(h("tr", {}, h("td", { colspan: "3", class: "sl-row-error" }, m.error)));
      } else {
        for (const p of rows) {
          trs.push(
            h(
              "tr",
              {},
              h("td", { class: "sl-mono" }, p.param),
              h("td", { class: "sl-r sl-mono" }, fmt(p.estimate, 4)),
              h("td", { class: "sl-r sl-mono" }, fmtInterval(p.lo, p.hi)),
            ),
          );
        }
        const facts = [
          `n ${m.n ?? "–"}`,
          `R² ${fmt(m.r2, 4)}`,
          `RMSLE ${fmt(m.rmsle)}`,
          `AIC ${fmt(m.aic, 4)}`,
          m.pending ? "held-out …" : `held-out ${fmt(m.holdout)}`,
        ].join(" · ");
        trs.push(h("tr", { class: "sl-metrics" }, h("td", { colspan: "3" }, facts)));
      }
      return h("tbody", { class: m.best ? "sl-best-row" : "" }, trs);
    });
    replaceChildren(
      paramTable,
      h("caption", {}, "Estimates with intervals; R², RMSLE and AIC on the fitted points; held-out: RMSLE when the largest-x points are predicted from the rest."),
      head,
      bodies.length ? bodies : h("tbody", {}, h("tr", {}, h("td", { colspan: "3", class: "sl-muted" }, "No fit yet."))),
    );
  }

  function renderSolutions(): void {
    if (unchanged("solutions", [g("solutions"), g("law_info"), g("target")])) return;
    const sols = g("solutions") ?? [];
    const colors = new Map((g("law_info") ?? []).map((l) => [l.name, l.color]));
    replaceChildren(
      targetResult,
      sols.length
        ? sols.map((s) => {
            const dot = h("span", { class: "sl-dot", "aria-hidden": "true" });
            dot.style.background = colors.get(s.law) ?? "currentColor";
            return h("p", { class: s.ok ? "" : "sl-muted" }, dot, s.text);
          })
        : g("target") === null || g("target") === undefined
          ? h("p", { class: "sl-muted" }, "Type a loss or accuracy to see where each law reaches it.")
          : "",
    );
  }

  function renderNotes(): void {
    const notes = g("notes") ?? [];
    if (!unchanged("notes", notes)) {
      replaceChildren(notesBox, notes.map((n) => h("li", {}, n)));
      notesBox.hidden = notes.length === 0;
    }
    const status = g("status") ?? "";
    if (statusLine.textContent !== status) statusLine.textContent = status;
  }

  function renderAll(): void {
    renderColumns();
    renderLaws();
    renderControls();
    renderTable();
    renderSolutions();
    renderNotes();
    showError(g("error") ?? "");
  }

  // ------------------------------------------------------------------ events → Python
  xSelect.addEventListener("change", () => setAndSave({ x: xSelect.value }));
  ySelect.addEventListener("change", () => setAndSave({ y: ySelect.value }));
  groupSelect.addEventListener("change", () => setAndSave({ group: groupSelect.value }));
  xScale.addEventListener("change", () => setAndSave({ x_scale: xScale.value }));
  yScale.addEventListener("change", () => setAndSave({ y_scale: yScale.value }));
  bandSelect.addEventListener("change", () => setAndSave({ band: bandSelect.value }));
  exportSelect.addEventListener("change", () => setAndSave({ export_law: exportSelect.value }));

  function numberFrom(input: HTMLInputElement): number | null | undefined {
    const raw = input.value.trim();
    if (raw === "") return null;
    const v = Number(raw);
    return Number.isFinite(v) ? v : undefined;
  }
  const onNumber = (input: HTMLInputElement, key: "level" | "horizon" | "target", nullable: boolean) => {
    const v = numberFrom(input);
    if (v === undefined || (v === null && !nullable)) {
      input.classList.add("sl-invalid");
      return;
    }
    input.classList.remove("sl-invalid");
    if (v !== g(key)) setAndSave({ [key]: v } as Partial<ExplorerState>);
  };
  for (const [input, key, nullable] of [
    [levelInput, "level", false],
    [horizonInput, "horizon", false],
    [targetInput, "target", true],
  ] as const) {
    input.addEventListener("change", () => onNumber(input, key, nullable));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") onNumber(input, key, nullable);
    });
  }

  function sendTable(text: string, name: string): void {
    const problem = pasteProblem(text);
    if (problem) {
      showError(problem);
      return;
    }
    const sketch = sketchTable(text);
    statusLine.textContent = `Reading ${name || "pasted table"}: ${sketch.columns.length} columns × ${sketch.rows} rows…`;
    model.send({ type: "load_table", text, name });
  }

  async function readFile(file: File): Promise<void> {
    try {
      sendTable(await file.text(), file.name);
    } catch (err) {
      showError(`Could not read ${file.name}: ${(err as Error).message}`);
    }
  }

  for (const target of [dropzone, root]) {
    target.addEventListener("dragover", (e) => {
      if (!(e as DragEvent).dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      e.stopPropagation();
      dropzone.classList.add("sl-dragover");
    });
    target.addEventListener("dragleave", () => dropzone.classList.remove("sl-dragover"));
    target.addEventListener("drop", (e) => {
      const dt = (e as DragEvent).dataTransfer;
      dropzone.classList.remove("sl-dragover");
      if (!dt) return;
      e.preventDefault();
      e.stopPropagation();
      const file = dt.files?.[0];
      if (file) void readFile(file);
      else {
        const text = clipboardTable(dt);
        if (text) sendTable(text, "");
      }
    });
  }
  chooseBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void readFile(file);
    fileInput.value = "";
  });
  pasteArea.addEventListener("paste", (e) => {
    const text = clipboardTable((e as ClipboardEvent).clipboardData);
    if (text) sendTable(text, "");
  });
  loadBtn.addEventListener("click", () => sendTable(pasteArea.value, ""));
  pasteArea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendTable(pasteArea.value, "");
    }
  });

  copyBtn.addEventListener("click", async () => {
    const code = g("code");
    if (!code) return note("Nothing to copy yet: fit a law first.");
    note((await copyText(code)) ? "Copied the code to the clipboard." : "The browser refused the clipboard: select the code in the new cell or use Download JSON.");
  });
  insertBtn.addEventListener("click", async () => {
    const code = g("code");
    if (!code) return note("Nothing to insert yet: fit a law first.");
    const where = insertCellBelow(model as unknown as AnyModel, g("_model_ref"), code, el);
    if (where) return note(`Inserted the code as a new cell ${where}.`);
    const copied = await copyText(code);
    note(copied ? "This front end does not let widgets add cells: the code is on the clipboard, paste it into a new cell." : "This front end does not let widgets add cells; use Copy code.");
  });
  jsonBtn.addEventListener("click", () => model.send({ type: "export_json" }));

  function note(text: string): void {
    exportNote.textContent = text;
  }

  model.on("msg:custom", (msg: any) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "ack") {
      // Python refused that range (its message is in sl-error): show the range in force.
      answered(msg.id);
      sentRanges.length = 0;
      embedding = embedding.then(() => moveBrushTo(g("fit_range")));
    }
    else if (msg.type === "export_json") {
      if (msg.text) {
        downloadText(String(msg.text), String(msg.filename || "scalinglab-fit.json"), "application/json");
        note(`Downloaded ${String(msg.filename || "scalinglab-fit.json")}.`);
      } else note(String(msg.message || "Nothing to export yet."));
    } else if (msg.type === "table_loaded") {
      pasteArea.value = "";
    }
  });

  // ------------------------------------------------------------------ model → view
  const on = (names: string, fn: () => void) => {
    for (const n of names.split(" ")) model.on(`change:${n}`, fn);
  };
  on("columns x y group source_name", renderColumns);
  on("laws law_info metric_rows export_law columns", renderLaws);
  on("x_scale y_scale band level horizon target", renderControls);
  on("param_rows metric_rows law_info level", renderTable);
  on("solutions law_info target", renderSolutions);
  on("notes status", renderNotes);
  on("error", () => {
    showError(g("error") ?? "");
    statusLine.textContent = g("status") ?? "";
  });
  on("spec", () => void embedNow());
  on("chart_data", applyData);
  on("fit_range", syncBrush);
  chartEl.addEventListener("pointerdown", () => (dragging = true));
  window.addEventListener("pointerup", onPointerUp);
  function onPointerUp(): void {
    dragging = false;
  }

  // Re-embed when JupyterLab switches between light and dark themes.
  let dark = isDarkTheme();
  const themeObserver = new MutationObserver(() => {
    if (isDarkTheme() !== dark) {
      dark = isDarkTheme();
      void embedNow();
    }
  });
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });

  // Re-embed (debounced) when the available width changes noticeably.
  let resizeTimer: ReturnType<typeof setTimeout> | null = null;
  const resizeObserver = new ResizeObserver(() => {
    const w = chartWrap.clientWidth;
    if (!chart || w === 0 || Math.abs(w - lastWidth) < 24) return;
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => void embedNow(), 150);
  });
  resizeObserver.observe(chartWrap);

  renderAll();
  // Drawn from the state saved in the notebook (no kernel object): keep it in the next save.
  const releaseSaved = keepSavedState(model, g("_model_ref"), () => {
    brushHint.textContent = "Saved view from the notebook: run the cell to fit again.";
  });
  // Embed after the element is in the page so the chart can take the available width.
  requestAnimationFrame(() => void embedNow());

  return () => {
    disposed = true;
    releaseSaved();
    pacer.dispose();
    themeObserver.disconnect();
    resizeObserver.disconnect();
    window.removeEventListener("pointerup", onPointerUp);
    if (resizeTimer) clearTimeout(resizeTimer);
    if (brushTimeout) clearTimeout(brushTimeout);
    chart?.view.finalize();
  };
}

export default { render };
