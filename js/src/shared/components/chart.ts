/**
 * The chart controller every widget uses: it owns the Vega embedding and keeps it current.
 *
 * - `setSpec` embeds a Python-built Vega-Lite spec (again only for a new spec, a theme switch
 *   or a real width change); the new view replaces the old one once it has rendered.
 * - `update` applies a refit's `chart_data` (named datasets, top-level params) with Vega
 *   changesets; `setPoints` feeds the `points` dataset, only when the table's points change;
 *   `setSignals` sets params such as `fit_lo` / `fit_hi`.
 * - Width: the chart takes its container's width. A zero width (the widget is hidden, or
 *   JupyterLab relayouts during a theme switch for a frame) is never used: the controller
 *   waits for a frame with a width, else keeps the last good one, and a ResizeObserver
 *   re-embeds when the width really changes.
 * - Renderer: SVG (its marks are readable by tests and crisp), Vega's canvas above
 *   CANVAS_ABOVE_POINTS points (20,000 SVG circles cost a redraw per move).
 * - The container's `data-plot-box` says where the plotting area is (see markPlotBox).
 * - Every applied embed or update increments the root's version attribute
 *   (`data-fit-version` for LawExplorer): end-to-end tests wait on it.
 *
 * All view work runs on one promise chain, so updates never interleave with an embed.
 */
import { embedChart, updateChart } from "../chart";
import type { EmbeddedChart } from "../chart";
import { replaceChildren } from "../dom";
import type { ChartData, Row, Spec } from "../spec";
import { isDarkTheme } from "../theme";

/**
 * Above this many points the chart draws on a canvas. Measured in JupyterLab + Chromium
 * (benchmarks/RESULTS.md, "server extension off and on"): at 20,000 points a brush answer took
 * 2.2 s (p50) with the canvas against 3.7 s with SVG in the same run, most of either being the
 * kernel's refit; at 200 points SVG keeps its marks readable by tests at no visible cost.
 */
export const CANVAS_ABOVE_POINTS = 3000;
/** Width changes smaller than this (px) do not re-embed. */
const RESIZE_SLACK_PX = 24;
const RESIZE_DEBOUNCE_MS = 150;
/** Frames to wait for a non-zero width before falling back to the last good one. */
const WIDTH_FRAMES = 30;

/** What a widget hands the controller: chart_data, or any rows of its own (e.g. a marker). */
export type ChartInput = Omit<ChartData, "datasets"> & { datasets?: Record<string, readonly object[]> };

export interface ChartControllerOptions {
  /** The widget's root: theme colours are read from it and it carries the version attribute. */
  root: HTMLElement;
  /** Element the Vega view goes into (data-testid sl-chart). */
  container: HTMLElement;
  /** Element whose width is the chart's available width. */
  measure: HTMLElement;
  versionAttribute: string;
  /** Smallest width (px) the chart is drawn at. */
  minWidth?: number;
  /** Pixels to subtract from the measured width (padding of the chart area). */
  padding?: number;
  /** Vega-Lite autosize type. */
  autosize?: "fit" | "fit-x";
  /**
   * Size the spec for `width` px yourself (default: top-level `width` and `autosize`). For
   * composite views (hconcat), which Vega-Lite's fit autosize does not size.
   */
  size?: (spec: Spec, width: number) => Spec;
  /** The brush to draw at embed time (data units), if the widget has one. */
  brush?: () => [number, number] | null;
  /** Called with each new view (e.g. to listen to its brush). */
  onView?: (chart: EmbeddedChart) => void;
  /** Show a drawing error. */
  onError: (message: string) => void;
}

export class ChartController {
  private chart: EmbeddedChart | null = null;
  private chain: Promise<void> = Promise.resolve();
  private spec: Spec | null = null;
  private data: ChartData = { datasets: {} };
  private points: Row[] | null = null;
  private signals: Record<string, unknown> = {};
  private version = 0;
  private embeddedWidth = 0;
  private lastGoodWidth = 0;
  private renderer: "svg" | "canvas" = "svg";
  private disposed = false;
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly resizeObserver: ResizeObserver;
  private readonly themeObserver: MutationObserver;
  private dark = isDarkTheme();

  constructor(private readonly o: ChartControllerOptions) {
    this.resizeObserver = new ResizeObserver(() => this.onResize());
    this.resizeObserver.observe(o.measure);
    this.themeObserver = new MutationObserver(() => {
      if (isDarkTheme() === this.dark) return;
      this.dark = isDarkTheme();
      this.embed();
    });
    this.themeObserver.observe(document.body, {
      attributes: true,
      attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"],
    });
  }

  /** The current view (null before the first embed, or without data). */
  get view(): EmbeddedChart["view"] | null {
    return this.chart?.view ?? null;
  }

  /** Which renderer the chart uses now. */
  get rendererInUse(): "svg" | "canvas" {
    return this.renderer;
  }

  /** Embed a new spec with `data` (null spec or empty: remove the chart). */
  setSpec(spec: Spec | null | undefined, data?: ChartInput): Promise<void> {
    this.spec = spec && Object.keys(spec).length ? spec : null;
    if (data) this.data = data as ChartData;
    return this.embed();
  }

  /** A refit's datasets and params, applied with changesets (remembered for re-embeds). */
  update(input: ChartInput, before?: () => void, after?: () => void): Promise<void> {
    const data = input as ChartData;
    this.data = data;
    return this.run(async (chart) => {
      before?.();
      await updateChart(chart, this.withoutPoints(data));
      after?.();
      this.bump();
    });
  }

  /** The table's points (the `points` dataset); re-embeds when the renderer must change. */
  setPoints(table: readonly object[] | null | undefined): Promise<void> {
    const rows = table as Row[] | null | undefined;
    if (!rows) {
      this.points = null; // a kernel without the trait: chart_data carries the points
      return this.chain;
    }
    if (rows === this.points) return this.chain;
    this.points = rows;
    if (this.chart && this.rendererFor() !== this.renderer) return this.embed();
    return this.run(async (chart) => {
      await updateChart(chart, { datasets: { points: this.points ?? [] } });
      this.bump();
    });
  }

  /** Set top-level params (unknown ones are skipped). */
  setSignals(values: Record<string, unknown>): Promise<void> {
    Object.assign(this.signals, values);
    return this.run(async (chart) => {
      await updateChart(chart, { datasets: {}, signals: values });
    });
  }

  /** Run `fn` on the view once pending embeds and updates are done (skipped without one). */
  run(fn: (chart: EmbeddedChart) => Promise<void> | void): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.disposed || !this.chart) return;
      try {
        await fn(this.chart);
      } catch (err) {
        this.o.onError(`Could not update the chart: ${(err as Error).message}`);
      }
    });
    return this.chain;
  }

  /** Re-embed the current spec (theme, width, renderer). */
  embed(): Promise<void> {
    this.chain = this.chain.then(() => this.embedNow());
    return this.chain;
  }

  dispose(): void {
    this.disposed = true;
    this.resizeObserver.disconnect();
    this.themeObserver.disconnect();
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.chart?.finalize();
    this.chart = null;
  }

  // ---------------------------------------------------------------------------- internals
  private async embedNow(): Promise<void> {
    if (this.disposed) return;
    if (!this.spec) {
      this.chart?.finalize();
      this.chart = null;
      replaceChildren(this.o.container);
      return;
    }
    const available = await this.availableWidth();
    const { minWidth = 320, padding = 0, autosize = "fit" } = this.o;
    const width = Math.max(minWidth, available - padding);
    this.embeddedWidth = available;
    this.renderer = this.rendererFor();
    const sized = this.o.size
      ? this.o.size(this.spec, width)
      : { ...this.spec, width, autosize: { type: autosize, contains: "padding" } };
    const data: ChartData = { ...this.data, signals: { ...(this.data.signals ?? {}), ...this.signals } };
    if (this.points) data.datasets = { ...(data.datasets ?? {}), points: this.points };
    try {
      const next = await embedChart(this.o.container, sized, data, this.o.brush?.() ?? null, this.o.root, this.renderer);
      if (this.disposed) {
        next.finalize();
        return;
      }
      this.chart?.finalize();
      this.chart = next;
      this.markPlotBox();
      this.o.onView?.(next);
      this.bump();
    } catch (err) {
      this.o.onError(`Could not draw the chart: ${(err as Error).message}`);
    }
  }

  /** The measured width, waiting a few frames for a non-zero one; else the last good one. */
  private async availableWidth(): Promise<number> {
    for (let i = 0; i < WIDTH_FRAMES; i++) {
      const w = this.o.measure.clientWidth;
      if (w > 0) {
        this.lastGoodWidth = w;
        return w;
      }
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      if (this.disposed) return 0;
    }
    return this.lastGoodWidth || this.o.root.clientWidth || 0;
  }

  /**
   * `data-plot-box` on the container: the plotting area as "x,y,width,height" in px from the
   * drawing's top-left corner (what tests need to drag on a canvas, which has no DOM marks).
   */
  private markPlotBox(): void {
    try {
      const view = this.chart?.view as any;
      const [x, y] = view.origin();
      this.o.container.setAttribute("data-plot-box", [x, y, view.width(), view.height()].join(","));
    } catch {
      this.o.container.removeAttribute("data-plot-box");
    }
  }

  private onResize(): void {
    const w = this.o.measure.clientWidth;
    if (w === 0 || !this.spec) return; // hidden for a moment: keep the chart as it is
    if (Math.abs(w - this.embeddedWidth) < RESIZE_SLACK_PX) return;
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null;
      const now = this.o.measure.clientWidth;
      if (now > 0 && Math.abs(now - this.embeddedWidth) >= RESIZE_SLACK_PX) this.embed();
    }, RESIZE_DEBOUNCE_MS);
  }

  private rendererFor(): "svg" | "canvas" {
    const forced = typeof window !== "undefined" ? window.__scalinglab_debug?.renderer : undefined;
    if (forced === "svg" || forced === "canvas") return forced;
    const n = this.points?.length ?? this.data.datasets?.points?.length ?? 0;
    return n > CANVAS_ABOVE_POINTS ? "canvas" : "svg";
  }

  /** With a `points` trait, chart_data's own `points` (an older kernel's) is not applied. */
  private withoutPoints(data: ChartData): ChartData {
    if (!this.points || !data.datasets || !("points" in data.datasets)) return data;
    const { points: _points, ...rest } = data.datasets;
    return { ...data, datasets: rest };
  }

  private bump(): void {
    this.version += 1;
    this.o.root.setAttribute(this.o.versionAttribute, String(this.version));
  }
}
