/**
 * A widget's model → view wiring, once for every widget.
 *
 * - `listen(model)`: `on("a b c", fn)` calls `fn` on a change of trait a, b or c; `show`
 *   does the same and also calls it at once (a part of the view drawn from those traits); `off()`
 *   removes every listener it added (a widget's teardown calls it, so a re-rendered output
 *   leaves no listener behind on the shared model).
 * - `followChart(...)`: the chart follows the model's `spec` and `chart_data`. A new spec
 *   re-embeds, carrying its own rows, so the `chart_data` change that arrives with it is not
 *   applied a second time; `chart_data` alone (and any `rows` traits named, e.g. a marker) goes
 *   in as Vega changesets.
 * - `start(...)`: shows the saved-state note, embeds the chart on the next frame (once the
 *   element is in the page, so the chart takes the width it has) and returns the widget's
 *   teardown: the listeners, the saved-state watch, the chart and whatever else it is given.
 *
 * @example
 *   const { on, show, off } = listen(model);
 *   show("notes error", renderText);
 *   followChart(on, model, chart, embed, () => model.get("chart_data"));
 */
import type { AnyModel } from "@anywidget/types";
import type { ChartController, ChartInput } from "./chart";
import { restoreSavedState } from "./restore";

export type On = (names: string, fn: () => void) => void;

export function listen(model: AnyModel<any>): { on: On; show: On; off: () => void } {
  const added: Array<[string, () => void]> = [];
  const on: On = (names, fn) => {
    for (const name of names.split(" ").filter(Boolean)) {
      model.on(`change:${name}`, fn);
      added.push([`change:${name}`, fn]);
    }
  };
  return {
    on,
    show(names, render) {
      on(names, render);
      render();
    },
    off() {
      for (const [event, fn] of added.splice(0)) model.off(event, fn);
    },
  };
}

export function followChart(
  on: On,
  model: AnyModel<any>,
  chart: ChartController,
  embed: () => void,
  data: () => ChartInput,
  rows = "",
): void {
  let lastSpec = model.get("spec");
  on("spec", () => {
    lastSpec = model.get("spec");
    embed();
  });
  on(`chart_data ${rows}`, () => {
    if (model.get("spec") === lastSpec) void chart.update(data());
  });
}

export function start(
  model: AnyModel<any>,
  chart: ChartController,
  embed: () => void,
  saved: { note: HTMLElement; message: string },
  off: () => void,
  ...more: Array<() => void>
): () => void {
  const releaseSaved = restoreSavedState(model, saved.note, saved.message);
  const frame = requestAnimationFrame(embed);
  return () => {
    cancelAnimationFrame(frame);
    for (const undo of more) undo();
    releaseSaved();
    off();
    chart.dispose();
  };
}
