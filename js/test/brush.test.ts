import { describe, expect, it } from "vitest";
import * as vl from "vega-lite";
import * as vega from "vega";
import { brushRange, specWithBrush, specWithData, specWithSignals } from "../src/shared/spec";

// The same shape as scalinglab.charts.explorer_spec: generic field "x", a log x scale whose
// domain is the param `xdomain`, and an interval brush named `brush` on x (lifted to the top).
const spec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  width: 400,
  height: 200,
  params: [
    { name: "brush", select: { type: "interval", encodings: ["x"] }, views: ["points"] },
    { name: "xdomain", value: [1, 1000] },
  ],
  datasets: { points: [] as object[] },
  layer: [
    {
      name: "points",
      data: { name: "points" },
      mark: "point",
      encoding: {
        x: { field: "x", type: "quantitative", scale: { type: "log", nice: false, domain: { expr: "xdomain" } } },
        y: { field: "y", type: "quantitative" },
      },
    },
  ],
};

async function view(s: object) {
  const compiled = vl.compile(s as any).spec;
  const v = new vega.View(vega.parse(compiled), { renderer: "none" });
  await v.runAsync();
  return v;
}

describe("the brush in a compiled view", () => {
  it("starts where specWithBrush puts it, in data units", async () => {
    const s = specWithBrush(specWithData(spec, { points: [{ x: 1, y: 1 }, { x: 1000, y: 2 }] }), [10, 100]);
    const v = await view(s);
    const r = brushRange(v.signal("brush"));
    expect(r![0]).toBeCloseTo(10, 6);
    expect(r![1]).toBeCloseTo(100, 6);
  });

  it("moves when the pixel signal brush_x_1 is set (what the widget does for Python's fit_range)", async () => {
    const v = await view(specWithData(spec, { points: [{ x: 1, y: 1 }, { x: 1000, y: 2 }] }));
    const xs = v.scale("x");
    v.signal("brush_x_1", [xs(20), xs(200)]);
    await v.runAsync();
    const r = brushRange(v.signal("brush"));
    expect(r![0]).toBeCloseTo(20, 6);
    expect(r![1]).toBeCloseTo(200, 6);
    v.signal("brush_x_1", [0, 0]);
    await v.runAsync();
    expect(brushRange(v.signal("brush"))).toBeNull();
  });

  it("takes its x domain from the xdomain param", async () => {
    const v = await view(specWithSignals(spec, { xdomain: [5, 5000] }));
    expect(v.scale("x").domain()).toEqual([5, 5000]);
    v.signal("xdomain", [2, 20]);
    await v.runAsync();
    expect(v.scale("x").domain()).toEqual([2, 20]);
  });
});
