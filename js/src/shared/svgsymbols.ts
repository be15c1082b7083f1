/**
 * Vega's SVG renderer draws each symbol (a point, a circle, a legend swatch) as a path around
 * the origin moved into place by its own `transform="translate(x,y)"`. In Chromium every such
 * transform is a node of the page's paint property trees, with its own paint chunk, and each
 * frame that repaints anything re-layerizes every chunk. With the explorer's 200 points, that
 * was most of a frame's paint, layerize and commit work while the brush is dragged (in a
 * trace, with the transforms switched off by CSS, layerize fell from 3.7 to 1.6 ms per frame
 * and pre-paint, paint and commit by 30–50%; this module gets about the same).
 *
 * `drawSymbolsInPlace` makes the SVG renderer write each unrotated symbol's path at its
 * position instead (`d` in chart coordinates, no `transform`): the same shape from the same
 * d3-shape symbol generator Vega uses, shifted by (x, y). Rotated symbols keep Vega's own
 * rendering. Bounds, picking, tooltips and the canvas renderer are untouched (they do not use
 * `attr`). test/svgsymbols.test.ts checks the geometry against Vega's own output.
 */
import { pathRound } from "d3-path";
import { symbol as d3Symbol } from "d3-shape";
import type { SymbolType } from "d3-shape";

/** What the renderer needs of a symbol scene item. */
export interface SymbolItem {
  x?: number;
  y?: number;
  angle?: number;
  size?: number | null;
  shape?: string;
}

type Emit = (name: string, value: unknown, ns?: string) => void;

interface MarkDef {
  attr(emit: Emit, item: SymbolItem): void;
  __slInPlace?: boolean;
}

/** What this module needs of the vega module: its mark definitions and symbol shapes. */
export interface VegaSymbols {
  Marks: Record<string, MarkDef>;
  pathSymbols(shape: string): SymbolType;
}

/**
 * A d3 path that shifts every point it is given by (dx, dy), written with 3 decimals (as
 * d3-shape writes Vega's symbols: a thousandth of a pixel).
 */
export function shiftedPath(dx: number, dy: number) {
  const p = pathRound(3);
  return {
    moveTo: (x: number, y: number) => p.moveTo(x + dx, y + dy),
    lineTo: (x: number, y: number) => p.lineTo(x + dx, y + dy),
    closePath: () => p.closePath(),
    arc: (x: number, y: number, r: number, a0: number, a1: number, ccw?: boolean) =>
      p.arc(x + dx, y + dy, r, a0, a1, ccw),
    arcTo: (x1: number, y1: number, x2: number, y2: number, r: number) =>
      p.arcTo(x1 + dx, y1 + dy, x2 + dx, y2 + dy, r),
    bezierCurveTo: (x1: number, y1: number, x2: number, y2: number, x: number, y: number) =>
      p.bezierCurveTo(x1 + dx, y1 + dy, x2 + dx, y2 + dy, x + dx, y + dy),
    quadraticCurveTo: (x1: number, y1: number, x: number, y: number) =>
      p.quadraticCurveTo(x1 + dx, y1 + dy, x + dx, y + dy),
    rect: (x: number, y: number, w: number, h: number) => p.rect(x + dx, y + dy, w, h),
    toString: () => p.toString(),
  };
}

/** Make the SVG renderer draw unrotated symbols in chart coordinates (see above). */
export function drawSymbolsInPlace(vega: VegaSymbols): void {
  const mdef = vega.Marks.symbol;
  if (!mdef || mdef.__slInPlace) return;
  const vegaAttr = mdef.attr;
  // Vega's own generator: d3-shape's symbol, its shapes, size 64 when unset
  const shape = d3Symbol<SymbolItem>()
    .type((item) => vega.pathSymbols(item.shape || "circle"))
    .size((item) => (item.size == null ? 64 : item.size));
  mdef.attr = (emit: Emit, item: SymbolItem) => {
    if (item.angle) {
      vegaAttr(emit, item);
      return;
    }
    const p = shiftedPath(item.x || 0, item.y || 0);
    shape.context(p as any)(item);
    shape.context(null);
    emit("transform", null);
    emit("d", p.toString());
  };
  mdef.__slInPlace = true;
}
