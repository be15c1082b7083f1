import { describe, expect, it } from "vitest";
import { applyChartData, brushRange, datasetNames, sameRange, specWithBrush, specWithData, specWithSignals } from "../src/shared/spec";
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
}

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
