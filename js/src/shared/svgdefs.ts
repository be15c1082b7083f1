/**
 * Vega's SVG renderer rewrites every `<clipPath>` (its `id` and the `x`, `y`, `width`,
 * `height` of its rect) on every render, even when nothing about the clip changed. Our charts
 * clip each layer, so every brush move (a render that only moves the brush rectangle) set ~40
 * attributes under `<defs>`, and Chromium restyled them and re-laid out the paths clipped by
 * them ("SVG resource invalidated"): in a drag's trace, 11 elements restyled and 28 layout
 * objects per move, 2 and 9 with this wrapper. (The raster work per frame did not change.)
 *
 * `keepUnchangedSvgDefs` wraps `SVGRenderer.prototype.defs` so the defs are written only
 * when they differ from what this renderer last wrote (or its `<defs>` element is gone).
 * Vega's own code still writes them whenever they change; nothing else is altered.
 *
 * Why a wrapper and not a fork: the defs are a small, stable part of the renderer (the
 * `_defs` cache of gradients and clips keyed by id, `defs()` writing them) and the wrapper
 * keeps Vega's code in charge of writing. test/svgdefs.test.ts pins the behaviour on the
 * bundled Vega, so an upgrade that changes those internals fails there.
 */

interface DefsCache {
  el?: Element | null;
  gradient?: Record<string, unknown>;
  clipping?: Record<string, unknown>;
}

interface RendererLike {
  _svg?: Element | null;
  _defs?: DefsCache;
  __slDefsKey?: string;
}

export interface RendererClass {
  prototype: { defs(this: RendererLike): unknown; __slKeepsDefs?: boolean };
}

/** A string that changes whenever the renderer's gradient or clip definitions change. */
export function defsKey(defs: DefsCache | undefined): string {
  return JSON.stringify([defs?.gradient ?? {}, defs?.clipping ?? {}]);
}

/** Make `Renderer.prototype.defs` skip rewriting definitions that have not changed. */
export function keepUnchangedSvgDefs(Renderer: RendererClass): void {
  const proto = Renderer.prototype;
  if (proto.__slKeepsDefs) return;
  const write = proto.defs;
  proto.defs = function (this: RendererLike) {
    const defs = this._defs;
    const key = defsKey(defs);
    const el = defs?.el;
    const written = el ? el.parentNode === this._svg : key === defsKey(undefined);
    if (written && key === this.__slDefsKey) return undefined;
    const out = write.call(this);
    this.__slDefsKey = key;
    return out;
  };
  proto.__slKeepsDefs = true;
}

/** Vega's SVG renderer class (exported by vega, though its typings do not declare it). */
export function svgRendererOf(vegaModule: object): RendererClass {
  const Renderer = (vegaModule as { SVGRenderer?: RendererClass }).SVGRenderer;
  if (!Renderer) throw new Error("this vega build exports no SVGRenderer");
  return Renderer;
}
