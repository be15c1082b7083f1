/**
 * Connects the brush state machine (../brush.ts) to a chart: the pointer's press and release
 * around the chart, Vega's `brush` signal, and drawing the brush where the machine says.
 *
 *   const machine = new BrushMachine({ send, draw: (r) => void drawBrush(chart, r) });
 *   const release = bindBrush(chart, chartEl, machine);   // each new view: listenToBrush
 */
import type { BrushMachine, Range } from "../brush";
import type { EmbeddedChart } from "../chart";
import { brushRange, sameRange } from "../spec";
import type { ChartController } from "./chart";

/**
 * Vega-Lite's pixel-space signal of the `brush` interval on x. The data field is also named
 * "x", so Vega-Lite suffixes the pixel signal (`brush_x` is the data extent); pinned by
 * test/brush.test.ts.
 */
export const BRUSH_PIXEL_SIGNAL = "brush_x_1";
export const BRUSH_SIGNAL = "brush";

/** Feed a new view's brush signal to the machine (call from ChartController's onView). */
export function listenToBrush(chart: EmbeddedChart, machine: BrushMachine): void {
  chart.view.addSignalListener(BRUSH_SIGNAL, (_name: string, value: unknown) => machine.move(brushRange(value)));
}

/** Put the brush at `range` (data units; null removes it) without a gesture. */
export function drawBrush(controller: ChartController, range: Range | null): Promise<void> {
  return controller.run(async (chart) => {
    const view = chart.view as any;
    let current: Range | null;
    try {
      current = brushRange(view.signal(BRUSH_SIGNAL));
    } catch {
      return; // a view without a brush
    }
    if (sameRange(current, range, 1e-6)) return;
    const xs = view.scale("x");
    const px = range ? [xs(range[0]), xs(range[1])] : [0, 0];
    if (px.some((v: number) => !Number.isFinite(v))) return;
    view.signal(BRUSH_PIXEL_SIGNAL, px);
    await view.runAsync();
  });
}

/**
 * Press and release around the chart: a pointer going down in `el` starts a gesture; going up
 * anywhere ends it with the brush as Vega left it (read after Vega has run its last move).
 * Returns the cleanup.
 */
export function bindGestures(controller: ChartController, el: HTMLElement, machine: BrushMachine): () => void {
  let down = false;
  const press = () => {
    if (!controller.view) return;
    down = true;
    machine.press();
  };
  const release = () => {
    if (!down) return;
    down = false;
    const view = controller.view as any;
    if (!view) return machine.release(machine.drawn);
    void view.runAsync().then(() => {
      let value: unknown = null;
      try {
        value = view.signal(BRUSH_SIGNAL);
      } catch {
        value = null;
      }
      machine.release(brushRange(value));
    });
  };
  el.addEventListener("pointerdown", press);
  window.addEventListener("pointerup", release);
  window.addEventListener("pointercancel", release);
  return () => {
    el.removeEventListener("pointerdown", press);
    window.removeEventListener("pointerup", release);
    window.removeEventListener("pointercancel", release);
  };
}
