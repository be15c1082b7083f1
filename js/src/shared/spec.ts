/**
 * Pure helpers around a Vega-Lite spec built by Python (scalinglab/charts.py) and the view it
 * becomes. The spec names its datasets (points, fits, bands, extrapolation, targets, ...) and
 * its top-level params (xdomain, ydomain); updates arrive as rows and are applied with Vega
 * changesets, so the chart is embedded once and never flickers.
 */

export type Row = Record<string, unknown>;
export type Datasets = Record<string, Row[]>;
export type Spec = Record<string, any>;

/** What Python sends for every refit (see contract.ts, generated from Python). */
export type { ChartData } from "./contract";
import type { ChartData } from "./contract";

/** Minimal slice of a Vega View that the helpers need (a fake one is used in tests). */
export interface ViewLike {
  change(name: string, changeset: unknown): ViewLike;
  signal(name: string, value?: unknown): any;
  runAsync(): Promise<unknown>;
  getState?(): unknown;
}

/** Minimal slice of the `vega` module: just `changeset()`. */
export interface VegaLike {
  changeset(): {
    remove(pred: unknown): any;
    insert(rows: unknown): any;
    modify(tuple: unknown, field: string, value: unknown): any;
  };
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
 * `range` is null), so a re-embedded chart shows the brush where the user left it. The brush
 * does not zoom on the mouse wheel: a wheel over the chart scrolls the notebook.
 */
export function specWithBrush(spec: Spec, range: [number, number] | null, name = "brush"): Spec {
  const out = clone(spec);
  eachParams(out, (params) => {
    for (const p of params) {
      if (p && p.name === name && p.select) {
        if (typeof p.select === "object") p.select.zoom = false;
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

/** What must change in a dataset to turn its current rows into new ones. */
export type RowDiff =
  | { kind: "same" }
  | { kind: "modify"; changes: { row: Row; field: string; value: unknown }[] }
  | { kind: "replace" };

/**
 * Compare the rows a view holds (`old`, the tuples inserted last time) with new ones, row by
 * row. Same length and same fields, differing only in numbers, booleans or nulls (a refit
 * moves y, lo, hi; a new fit range flips in_range): "modify" those fields in place, so Vega
 * keeps its scenegraph items and SVG nodes. Anything else (other row count, fields, or a
 * changed string such as a law, key or colour, which regroups lines): "replace".
 */
export function diffRows(old: readonly Row[] | undefined, rows: readonly Row[]): RowDiff {
  if (!old || old.length !== rows.length) return { kind: "replace" };
  const changes: { row: Row; field: string; value: unknown }[] = [];
  for (let i = 0; i < rows.length; i++) {
    const a = old[i];
    const b = rows[i];
    if (a === b) continue;
    const keys = Object.keys(b);
    if (Object.keys(a).length !== keys.length) return { kind: "replace" };
    for (const k of keys) {
      if (!(k in a)) return { kind: "replace" };
      const u = a[k];
      const v = b[k];
      if (u === v) continue;
      const plain = (w: unknown) => w === null || typeof w === "number" || typeof w === "boolean";
      if (!plain(u) || !plain(v)) return { kind: "replace" };
      changes.push({ row: a, field: k, value: v });
    }
  }
  return changes.length ? { kind: "modify", changes } : { kind: "same" };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return false;
}

/**
 * What an embedded view holds, so the next update sends Vega only what changed: the rows
 * inserted per dataset (Vega modifies these objects in place) and the signal values set.
 */
export interface ViewCache {
  rows: Map<string, Row[]>;
  signals: Map<string, unknown>;
}

export function newViewCache(): ViewCache {
  return { rows: new Map(), signals: new Map() };
}

/**
 * Bring each named dataset to the new rows with one changeset and set the given signals;
 * resolves once the view has re-rendered. Unknown datasets are skipped (they would make Vega
 * throw) and reported in the result. With a `cache` (see ViewCache), unchanged datasets and
 * signals are left alone and datasets whose rows only changed in numbers are modified in
 * place (see diffRows); without one every dataset is replaced (remove all, insert new).
 */
export async function applyChartData(
  view: ViewLike,
  vega: VegaLike,
  data: ChartData,
  known: string[],
  cache?: ViewCache,
): Promise<{ applied: string[]; skipped: string[]; modified: string[]; unchanged: string[] }> {
  const applied: string[] = [];
  const skipped: string[] = [];
  const modified: string[] = [];
  const unchanged: string[] = [];
  const inserted = new Map<string, Row[]>();
  try {
    for (const [name, rows] of Object.entries(data.datasets ?? {})) {
      if (!known.includes(name)) {
        skipped.push(name);
        continue;
      }
      const diff: RowDiff = cache ? diffRows(cache.rows.get(name), rows) : { kind: "replace" };
      if (diff.kind === "same") {
        unchanged.push(name);
        continue;
      }
      const cs = vega.changeset();
      if (diff.kind === "modify") {
        for (const c of diff.changes) cs.modify(c.row, c.field, c.value);
        modified.push(name);
      } else {
        cs.remove(() => true).insert(rows);
        inserted.set(name, rows as Row[]);
      }
      view.change(name, cs);
      applied.push(name);
    }
    for (const [name, value] of Object.entries(data.signals ?? {})) {
      if (cache && cache.signals.has(name) && sameValue(cache.signals.get(name), value)) continue;
      try {
        view.signal(name, value);
        cache?.signals.set(name, value);
      } catch {
        skipped.push(`signal:${name}`);
      }
    }
    for (const [name, rows] of inserted) cache?.rows.set(name, rows);
    await view.runAsync();
  } catch (err) {
    // the view's state is unknown: the next update replaces everything
    cache?.rows.clear();
    cache?.signals.clear();
    throw err;
  }
  return { applied, skipped, modified, unchanged };
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
