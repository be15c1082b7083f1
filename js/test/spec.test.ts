import { describe, expect, it } from "vitest";
import { applyChartData, brushRange, datasetNames, diffRows, newViewCache, sameRange, specWithBrush, specWithData, specWithSignals } from "../src/shared/spec";
import type { ViewLike } from "../src/shared/spec";

const spec = {
  datasets: { points: [], fits: [], bands: [] },
  params: [
    { name: "xdomain", value: [1, 10] },
    { name: "ydomain", value: [1, 5] },
  ],
  layer: [
    { name: "band", mark: "area", data: { name: "bands" } },
    { mark: "point", data: { name: "points" }, params: [{ name: "brush", select: { type: "interval", encodings: ["x"] } }] },
  ],
};

describe("spec helpers", () => {
  it("fills named datasets without touching the input", () => {
    const out = specWithData(spec, { points: [{ x: 1, y: 2 }] });
    expect(out.datasets.points).toEqual([{ x: 1, y: 2 }]);
    expect(out.datasets.fits).toEqual([]);
    expect(spec.datasets.points).toEqual([]);
  });
  it("sets the brush's initial value in a nested layer, and clears it", () => {
    const withBrush = specWithBrush(spec, [2, 8]);
    expect(withBrush.layer[1].params[0].value).toEqual({ x: [2, 8] });
    expect(specWithBrush(withBrush, null).layer[1].params[0].value).toBeUndefined();
    expect(specWithBrush(spec, [Number.NaN, 3]).layer[1].params[0].value).toBeUndefined();
  });
  it("sets top-level param values but not selections", () => {
    const out = specWithSignals(spec, { xdomain: [3, 300], brush: "no" });
    expect(out.params[0].value).toEqual([3, 300]);
    expect(out.params[1].value).toEqual([1, 5]);
    expect(out.layer[1].params[0].value).toBeUndefined();
  });
  it("lists dataset names", () => {
    expect(datasetNames(spec)).toEqual(["points", "fits", "bands"]);
  });
});

describe("brush ranges", () => {
  it("reads and sorts an interval value", () => {
    expect(brushRange({ x: [9, 2] })).toEqual([2, 9]);
    expect(brushRange({ x: [2, 2] })).toBeNull();
    expect(brushRange({})).toBeNull();
    expect(brushRange(null)).toBeNull();
  });
  it("compares ranges with a relative tolerance", () => {
    expect(sameRange([1e9, 1e12], [1e9 * (1 + 1e-12), 1e12])).toBe(true);
    expect(sameRange([1e9, 1e12], [2e9, 1e12])).toBe(false);
    expect(sameRange(null, null)).toBe(true);
    expect(sameRange(null, [1, 2])).toBe(false);
  });
});

class FakeChangeset {
  removed: unknown = null;
  inserted: unknown = null;
  remove(pred: unknown) {
    this.removed = pred;
    return this;
  }
  insert(rows: unknown) {
    this.inserted = rows;
    return this;
  }
  modified: [unknown, string, unknown][] = [];
  modify(t: unknown, field: string, value: unknown) {
    this.modified.push([t, field, value]);
    return this;
  }
}

/** A fake view that records calls and, like Vega, applies modifications to the tuples. */
function fakeView(log: string[], changes: Record<string, FakeChangeset>): ViewLike {
  const view: ViewLike = {
    change(name, cs) {
      log.push(`change:${name}`);
      changes[name] = cs as FakeChangeset;
      return view;
    },
    signal(name) {
      log.push(`signal:${name}`);
      return view;
    },
    async runAsync() {
      for (const cs of Object.values(changes)) for (const [t, f, v] of cs.modified) (t as any)[f] = v;
      log.push("run");
      return view;
    },
  };
  return view;
}

describe("diffRows", () => {
  const rows = () => [
    { x: 1, y: 2, key: "power|", in_range: true },
    { x: 2, y: null, key: "power|", in_range: false },
  ];
  it("replaces without a previous state or when the row count differs", () => {
    expect(diffRows(undefined, rows()).kind).toBe("replace");
    expect(diffRows(rows(), rows().slice(1)).kind).toBe("replace");
  });
  it("finds nothing to do for equal rows", () => {
    expect(diffRows(rows(), rows())).toEqual({ kind: "same" });
    expect(diffRows([], [])).toEqual({ kind: "same" });
  });
  it("modifies numbers, nulls and booleans in place, on the old row objects", () => {
    const old = rows();
    const next = rows();
    next[0].in_range = false;
    next[1].y = 3 as any;
    const diff = diffRows(old, next);
    expect(diff).toEqual({
      kind: "modify",
      changes: [
        { row: old[0], field: "in_range", value: false },
        { row: old[1], field: "y", value: 3 },
      ],
    });
    if (diff.kind === "modify") expect(diff.changes[0].row).toBe(old[0]);
  });
  it("replaces when a string (law, key, colour) or the set of fields changes", () => {
    const next = rows();
    next[1].key = "power_offset|";
    expect(diffRows(rows(), next).kind).toBe("replace");
    expect(diffRows(rows(), [rows()[0], { x: 2, y: null, key: "power|" } as any]).kind).toBe("replace");
    expect(diffRows(rows(), [rows()[0], { x: 2, y: null, key: "power|", in_range: false, lo: 1 } as any]).kind).toBe("replace");
    expect(diffRows(rows(), [rows()[0], { x: 2, y: null, key: "power|", hi: false } as any]).kind).toBe("replace");
  });
});


describe("applyChartData", () => {
  it("replaces every known dataset with one changeset and sets signals before running", async () => {
    const log: string[] = [];
    const changes: Record<string, FakeChangeset> = {};
    const view: ViewLike = {
      change(name, cs) {
        log.push(`change:${name}`);
        changes[name] = cs as FakeChangeset;
        return view;
      },
      signal(name) {
        log.push(`signal:${name}`);
        if (name === "nope") throw new Error("unknown signal");
        return view;
      },
      async runAsync() {
        log.push("run");
        return view;
      },
    };
    const vega = { changeset: () => new FakeChangeset() };
    const res = await applyChartData(
      view,
      vega,
      { datasets: { points: [{ x: 1 }], bands: [], extra: [{}] }, signals: { xdomain: [1, 2], nope: 1 } },
      ["points", "bands", "fits"],
    );
    expect(res.applied).toEqual(["points", "bands"]);
    expect(res.skipped).toEqual(["extra", "signal:nope"]);
    expect(log).toEqual(["change:points", "change:bands", "signal:xdomain", "signal:nope", "run"]);
    expect(changes.points.inserted).toEqual([{ x: 1 }]);
    expect((changes.points.removed as () => boolean)()).toBe(true);
  });
});

describe("applyChartData with a view cache", () => {
  const vega = { changeset: () => new FakeChangeset() };
  const data = (y: number, inRange: boolean, xdomain = [1, 2]) => ({
    datasets: {
      points: [{ x: 1, y: 1, in_range: inRange }, { x: 2, y: 2, in_range: true }],
      fits: [{ x: 1, y, key: "power|" }],
    },
    signals: { xdomain, ydomain: [0, 9] },
  });

  it("replaces everything first, then skips unchanged datasets and signals", async () => {
    const cache = newViewCache();
    const log: string[] = [];
    const changes: Record<string, FakeChangeset> = {};
    const view = fakeView(log, changes);
    const first = await applyChartData(view, vega, data(1, true), ["points", "fits"], cache);
    expect(first.applied).toEqual(["points", "fits"]);
    expect(log).toEqual(["change:points", "change:fits", "signal:xdomain", "signal:ydomain", "run"]);
    log.length = 0;
    const again = await applyChartData(view, vega, data(1, true), ["points", "fits"], cache);
    expect(again.unchanged).toEqual(["points", "fits"]);
    expect(log).toEqual(["run"]);
  });

  it("modifies only the changed fields of the rows the view holds", async () => {
    const cache = newViewCache();
    const log: string[] = [];
    const changes: Record<string, FakeChangeset> = {};
    const view = fakeView(log, changes);
    const d0 = data(1, true);
    await applyChartData(view, vega, d0, ["points", "fits"], cache);
    log.length = 0;
    for (const k of Object.keys(changes)) delete changes[k];
    const res = await applyChartData(view, vega, data(5, false, [1, 3]), ["points", "fits"], cache);
    expect(res.modified).toEqual(["points", "fits"]);
    expect(changes.points.inserted).toBeNull();
    expect(changes.points.modified).toEqual([[d0.datasets.points[0], "in_range", false]]);
    expect(changes.fits.modified).toEqual([[d0.datasets.fits[0], "y", 5]]);
    expect(log).toEqual(["change:points", "change:fits", "signal:xdomain", "run"]);
    // the view's tuples now hold the new values: the same data again changes nothing
    log.length = 0;
    for (const k of Object.keys(changes)) delete changes[k];
    const same = await applyChartData(view, vega, data(5, false, [1, 3]), ["points", "fits"], cache);
    expect(same.unchanged).toEqual(["points", "fits"]);
    expect(log).toEqual(["run"]);
  });

  it("forgets the cache when the view fails, so the next update replaces everything", async () => {
    const cache = newViewCache();
    const changes: Record<string, FakeChangeset> = {};
    const view = fakeView([], changes);
    await applyChartData(view, vega, data(1, true), ["points", "fits"], cache);
    view.runAsync = async () => {
      throw new Error("boom");
    };
    await expect(applyChartData(view, vega, data(2, true), ["points", "fits"], cache)).rejects.toThrow("boom");
    expect(cache.rows.size).toBe(0);
    expect(cache.signals.size).toBe(0);
  });
});
