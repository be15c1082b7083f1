// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import * as vl from "vega-lite";
import * as vega from "vega";
import { drawSymbolsInPlace, shiftedPath } from "../src/shared/svgsymbols";
import type { VegaSymbols } from "../src/shared/svgsymbols";

// Hollow points, filled circles, diamonds, a rotated triangle and a colour legend (whose
// swatches are symbols too): what the explorer's chart draws.
const rows = [
  { x: 1, y: 2, c: "a" },
  { x: 4, y: 7, c: "b" },
  { x: 9, y: 3, c: "a" },
];
const enc = {
  x: { field: "x", type: "quantitative" },
  y: { field: "y", type: "quantitative" },
  color: { field: "c", type: "nominal" },
};
const spec = {
  width: 240,
  height: 160,
  data: { values: rows },
  layer: [
    { mark: { type: "point", size: 46 }, encoding: enc },
    { mark: { type: "circle", size: 30 }, encoding: enc },
    { mark: { type: "point", shape: "diamond", filled: true, size: 130 }, encoding: enc },
    { mark: { type: "point", shape: "triangle", angle: 30, size: 60 }, encoding: enc },
  ],
};

interface Drawn {
  transform: string | null;
  d: string;
  mark: string;
}

async function draw(): Promise<Drawn[]> {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const view = new vega.View(vega.parse(vl.compile(spec as any).spec), { renderer: "svg", container: el });
  await view.runAsync();
  const out = [...el.querySelectorAll(".mark-symbol path")].map((p) => ({
    transform: p.getAttribute("transform"),
    d: p.getAttribute("d") ?? "",
    mark: p.parentElement?.getAttribute("class") ?? "",
  }));
  view.finalize();
  el.remove();
  return out;
}

/** Absolute points of a path (end points and control points), in drawing order. */
function points(d: string): number[][] {
  const out: number[][] = [];
  for (const cmd of (vega as any).pathParse(d) as any[][]) {
    const [c, ...v] = cmd;
    if (c === "Z" || c === "z") continue;
    if (c === "A") out.push([v[0], v[1], v[2], v[3], v[4]], [v[5], v[6]]); // radii, flags; end
    else for (let i = 0; i + 1 < v.length; i += 2) out.push([v[i], v[i + 1]]);
  }
  return out;
}

function translation(transform: string | null): [number, number] {
  const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(transform ?? "");
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

describe("drawSymbolsInPlace", () => {
  it("draws every unrotated symbol where Vega's transform put it, without the transform", async () => {
    const before = await draw();
    drawSymbolsInPlace(vega as unknown as VegaSymbols);
    const after = await draw();
    expect(after.length).toBe(before.length);
    expect(before.length).toBeGreaterThanOrEqual(14); // 12 marks + 2 legend swatches
    let moved = 0;
    for (const [i, a] of after.entries()) {
      const b = before[i];
      expect(a.mark).toBe(b.mark);
      if (/rotate/.test(b.transform ?? "")) {
        expect(a).toEqual(b); // rotated: Vega's own rendering
        continue;
      }
      moved += 1;
      expect(a.transform).toBeNull();
      const [dx, dy] = translation(b.transform);
      const want = points(b.d);
      const got = points(a.d);
      expect(got.length).toBe(want.length);
      for (const [j, p] of want.entries()) {
        if (p.length === 5) expect(got[j]).toEqual(p); // arc radii and flags are not shifted
        else {
          // both round to a thousandth of a pixel (Vega before the shift, we after it)
          expect(Math.abs(got[j][0] - (p[0] + dx))).toBeLessThanOrEqual(1.001e-3);
          expect(Math.abs(got[j][1] - (p[1] + dy))).toBeLessThanOrEqual(1.001e-3);
        }
      }
    }
    expect(moved).toBe(before.length - 3); // all but the three rotated triangles
  });

  it("is applied once", () => {
    const attr = (vega as any).Marks.symbol.attr;
    drawSymbolsInPlace(vega as unknown as VegaSymbols);
    expect((vega as any).Marks.symbol.attr).toBe(attr);
  });

  it("shifts every kind of path command", () => {
    const p = shiftedPath(10, 20.00001);
    p.moveTo(0, 0);
    p.lineTo(1, 1);
    p.bezierCurveTo(1, 2, 3, 4, 5, 6);
    p.quadraticCurveTo(7, 8, 9, 10);
    p.rect(0, 0, 2, 3);
    p.closePath();
    expect(p.toString()).toBe("M10,20L11,21C11,22,13,24,15,26Q17,28,19,30M10,20h2v3h-2ZZ");
  });
});
