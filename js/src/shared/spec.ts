/**
 * Pure helpers around a Vega-Lite spec built by Python (scalinglab/charts.py) and the view it
 * becomes. The spec names its datasets (points, fits, bands, extrapolation, targets, ...) and
 * its top-level params (xdomain, ydomain); updates arrive as rows and are applied with Vega
 * changesets, so the chart is embedded once and never flickers.
 */

export type Row = Record<string, unknown>;
export type Datasets = Record<string, Row[]>;
export type Spec = Record<string, any>;

/** What Python sends for every refit: named datasets, param values, and the request echoed. */
export interface ChartData {
  datasets?: Datasets;
  signals?: Record<string, unknown>;
  request_id?: number | null;
  version?: number;
  /** Python's own time for this update (ms), for the latency breakdown. */
  timing?: { kernel_ms?: number; fit_ms?: number; draw_ms?: number; sent_at?: number };
}

/** Minimal slice of a Vega View that the helpers need (a fake one is used in tests). */
export interface ViewLike {
  change(name: string, changeset: unknown): ViewLike;
  signal(name: string, value?: unknown): any;
  runAsync(): Promise<unknown>;
  getState?(): unknown;
}

/** Minimal slice of the `vega` module: just `changeset()`. */
export interface VegaLike {
  changeset(): { remove(pred: unknown): any; insert(rows: unknown): any };
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A copy of `spec` whose `datasets` hold `data` (names missing from `data` keep their rows). */
export function specWithData(spec: Spec, data: Datasets | undefined): Spec {
  const out = clone(spec);
  out.datasets = { ...(out.datasets ?? {}) };
  for (const [name, rows] of Object.entries(data ?? {})) out.datasets[name] = rows;
  return out;
}

/** Visit every params array in a (layered / concatenated) Vega-Lite spec. */
function eachParams(spec: Spec, visit: (params: any[]) => void): void {
  if (Array.isArray(spec.params)) visit(spec.params);
  for (const key of ["layer", "hconcat", "vconcat", "concat"]) {
    if (Array.isArray(spec[key])) for (const sub of spec[key]) eachParams(sub, visit);
  }
  if (spec.spec) eachParams(spec.spec, visit);
}

/**
 * A copy of `spec` with the interval selection `name` starting at `range` on x (or empty when
 * `range` is null), so a re-embedded chart shows the brush where the user left it.
 */
export function specWithBrush(spec: Spec, range: [number, number] | null, name = "brush"): Spec {
  const out = clone(spec);
  eachParams(out, (params) => {
    for (const p of params) {
      if (p && p.name === name && p.select) {
        if (range && range.every((v) => Number.isFinite(v))) p.value = { x: [range[0], range[1]] };
        else delete p.value;
      }
    }
  });
  return out;
}

/** A copy of `spec` whose top-level params take the given values (e.g. xdomain, ydomain). */
export function specWithSignals(spec: Spec, signals: Record<string, unknown> | undefined): Spec {
  const out = clone(spec);
  if (!signals || !Array.isArray(out.params)) return out;
  for (const p of out.params) {
    if (p && !p.select && p.name in signals) p.value = signals[p.name];
  }
  return out;
}

/** Names of the datasets a spec declares (the ones a changeset may target). */
export function datasetNames(spec: Spec): string[] {
  return Object.keys(spec.datasets ?? {});
}

/**
 * Replace the rows of each named dataset with a changeset (remove all, insert new) and set
 * the given signals; resolves once the view has re-rendered. Unknown datasets are skipped
 * (they would make Vega throw) and reported in the result.
 */
export async function applyChartData(
  view: ViewLike,
  vega: VegaLike,
  data: ChartData,
  known: string[],
): Promise<{ applied: string[]; skipped: string[] }> {
  const applied: string[] = [];
  const skipped: string[] = [];
  for (const [name, rows] of Object.entries(data.datasets ?? {})) {
    if (!known.includes(name)) {
      skipped.push(name);
      continue;
    }
    const cs = vega.changeset().remove(() => true).insert(rows);
    view.change(name, cs);
    applied.push(name);
  }
  for (const [name, value] of Object.entries(data.signals ?? {})) {
    try {
      view.signal(name, value);
    } catch {
      skipped.push(`signal:${name}`);
    }
  }
  await view.runAsync();
  return { applied, skipped };
}

/** Read an interval-brush value ({x: [a, b]} or {}) as a sorted [lo, hi] or null. */
export function brushRange(value: unknown): [number, number] | null {
  if (!value || typeof value !== "object") return null;
  const x = (value as Record<string, unknown>).x;
  if (!Array.isArray(x) || x.length !== 2) return null;
  const a = Number(x[0]);
  const b = Number(x[1]);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return null;
  return a < b ? [a, b] : [b, a];
}

/** True when two ranges are equal to a relative tolerance (or both null). */
export function sameRange(
  a: readonly number[] | null | undefined,
  b: readonly number[] | null | undefined,
  rtol = 1e-9,
): boolean {
  if (!a || !b) return !a && !b;
  if (a.length !== 2 || b.length !== 2) return false;
  return a.every((v, i) => Math.abs(v - b[i]) <= rtol * Math.max(Math.abs(v), Math.abs(b[i]), 1e-300));
}
