// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import * as vl from "vega-lite";
import * as vega from "vega";
import { defsKey, keepUnchangedSvgDefs, svgRendererOf } from "../src/shared/svgdefs";

const SVGRenderer = svgRendererOf(vega);

// Two clipped layers and an interval brush, like the explorer's chart.
const spec = {
  width: 300,
  height: 200,
  params: [{ name: "ymax", value: 10 }],
  datasets: { pts: [{ x: 1, y: 1 }, { x: 5, y: 8 }, { x: 9, y: 3 }] },
  layer: [
    {
      data: { name: "pts" },
      mark: { type: "line", clip: true },
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    },
    {
      data: { name: "pts" },
      mark: { type: "point", clip: true },
      params: [{ name: "brush", select: { type: "interval", encodings: ["x"] } }],
      encoding: {
        x: { field: "x", type: "quantitative" },
        y: { field: "y", type: "quantitative", scale: { domain: [0, { expr: "ymax" }] } },
      },
    },
  ],
};

/** Render into a container and count attribute writes under <defs> from here on. */
async function rendered() {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const view = new vega.View(vega.parse(vl.compile(spec as any).spec), { renderer: "svg", container: el });
  await view.runAsync();
  const writes: string[] = [];
  const observer = new MutationObserver((records) => {
    for (const r of records) if (r.type === "attributes") writes.push(`${r.target.nodeName}.${r.attributeName}`);
  });
  const defs = el.querySelector("defs");
  if (defs) observer.observe(defs, { attributes: true, subtree: true });
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { el, view, defs, writes, flush };
}

describe("keepUnchangedSvgDefs", () => {
  keepUnchangedSvgDefs(SVGRenderer);

  it("leaves the clip paths alone when a render does not change them", async () => {
    const { view, defs, writes, flush } = await rendered();
    expect(defs?.querySelectorAll("clipPath").length).toBeGreaterThan(0);
    // what a brush move does: a signal changes, the marks re-render, the clips do not
    view.signal("brush_x", [20, 120]);
    await view.runAsync();
    view.signal("ymax", 12);
    await view.runAsync();
    await flush();
    expect(writes).toEqual([]);
  });

  it("still writes the clip paths when they change", async () => {
    const { el, view, writes, flush } = await rendered();
    view.width(180);
    await view.runAsync();
    await flush();
    expect(writes.length).toBeGreaterThan(0);
    const widths = [...el.querySelectorAll("clipPath rect")].map((r) => r.getAttribute("width"));
    expect(widths).toContain("180");
  });

  it("patches the renderer once and keys the defs by their content", () => {
    const proto = SVGRenderer.prototype;
    const wrapped = proto.defs;
    keepUnchangedSvgDefs(SVGRenderer);
    expect(proto.defs).toBe(wrapped);
    expect(defsKey({ clipping: { c1: { id: "c1", width: 1 } } })).not.toEqual(
      defsKey({ clipping: { c1: { id: "c1", width: 2 } } }),
    );
    expect(defsKey(undefined)).toEqual(defsKey({ gradient: {}, clipping: {} }));
  });
});
