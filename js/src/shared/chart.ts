/**
 * Embed a Python-built Vega-Lite spec once (SVG renderer, no actions, bundled vega) and keep
 * it updated with changesets. Used by every scalinglab widget.
 */
import * as vega from "vega";
import embed from "vega-embed";
import { applyChartData, datasetNames, newViewCache, specWithBrush, specWithData, specWithSignals } from "./spec";
import type { ChartData, Spec, ViewCache, ViewLike } from "./spec";
import { keepUnchangedSvgDefs, svgRendererOf } from "./svgdefs";
import { drawSymbolsInPlace } from "./svgsymbols";
import type { VegaSymbols } from "./svgsymbols";
import { readTheme, vegaConfig } from "./theme";

export { vega };

// A brush move must not restyle every clipped mark (see svgdefs.ts) ...
keepUnchangedSvgDefs(svgRendererOf(vega));
// Nor carry one paint-tree transform per point (see svgsymbols.ts).
drawSymbolsInPlace(vega as unknown as VegaSymbols);

export interface EmbeddedChart {
  view: vega.View;
  datasets: string[];
  /** What the view holds (rows inserted, signals set), so updates send only changes. */
  cache: ViewCache;
  finalize(): void;
}

/**
 * Embed `spec` into `container` with the current chart data, theme and brush range; the new
 * view replaces the old one only once it has rendered, so a re-embed does not flash.
 */
export async function embedChart(
  container: HTMLElement,
  spec: Spec,
  data: ChartData | undefined,
  brush: [number, number] | null,
  themeFrom: Element,
  renderer: "svg" | "canvas" = "svg",
): Promise<EmbeddedChart> {
  let full = specWithData(spec, data?.datasets);
  full = specWithSignals(full, data?.signals);
  full = specWithBrush(full, brush);
  const target = document.createElement("div");
  target.className = "sl-vega";
  const result = await embed(target, full as any, {
    renderer,
    actions: false,
    mode: "vega-lite",
    config: vegaConfig(readTheme(themeFrom)) as any,
    tooltip: { theme: readTheme(themeFrom).dark ? "dark" : "light" },
  });
  while (container.firstChild) container.removeChild(container.firstChild);
  container.appendChild(target);
  return {
    view: result.view,
    datasets: datasetNames(full),
    cache: newViewCache(),
    finalize: () => result.finalize(),
  };
}

/** Apply new rows and signals to an embedded chart with changesets (only what changed). */
export function updateChart(chart: EmbeddedChart, data: ChartData) {
  return applyChartData(chart.view as unknown as ViewLike, vega, data, chart.datasets, chart.cache);
}
