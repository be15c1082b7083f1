// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import widget from "../src/explorer.widget";

const HOSTILE = "<img src=x onerror=alert(1)>";

function fakeModel(state: Record<string, unknown>) {
  const handlers: Record<string, ((...a: unknown[]) => void)[]> = {};
  const sent: any[] = [];
  return {
    get: (k: string) => state[k],
    set: vi.fn((k: string, v: unknown) => {
      state[k] = v;
    }),
    save_changes: vi.fn(),
    send: (msg: unknown) => sent.push(msg),
    on: (name: string, fn: (...a: unknown[]) => void) => {
      (handlers[name] ??= []).push(fn);
    },
    emit: (name: string, ...args: unknown[]) => (handlers[name] ?? []).forEach((fn) => fn(...args)),
    sent,
  };
}

function state(): Record<string, unknown> {
  return {
    columns: [{ name: "D", numeric: true }, { name: HOSTILE, numeric: true }],
    source_name: "",
    x: "D",
    y: HOSTILE,
    group: "",
    variables: [],
    points: [],
    laws: ["power"],
    law_info: [
      { name: "power", color: "#4c78a8", formula: "a x^{-b}", description: "", variables: ["x"] },
      { name: "power_offset", color: "#e45756", formula: "a x^{-b} + c", description: "", variables: ["x"] },
    ],
    fit_range: null,
    level: 0.95,
    band: "confidence",
    horizon: 100,
    target: null,
    x_scale: "log",
    y_scale: "log",
    export_law: "",
    spec: {},
    chart_data: { datasets: {} },
    param_rows: [{ law: "power", series: "", param: "a", estimate: 3, lo: 2, hi: 4 }],
    metric_rows: [{ law: "power", series: "", n: 30, r2: 0.99, rmsle: 0.01, aic: -100, holdout: 0.02, best: true }],
    solutions: [],
    code: "print(1)\n",
    error: "",
    notes: [HOSTILE],
    status: "",
    table_version: 1,
    _model_ref: "m",
  };
}

function mount() {
  const model = fakeModel(state());
  const el = document.createElement("div");
  document.body.appendChild(el);
  (widget as any).render({ model, el });
  const q = (id: string) => el.querySelector(`[data-testid="${CSS.escape(id)}"]`) as HTMLElement;
  return { model, el, q };
}

describe("LawExplorer front end", () => {
  it("renders the DOM contract, with untrusted names as text", () => {
    const { el, q } = mount();
    for (const id of ["sl-chart", "sl-dropzone", "sl-paste", "sl-error", "sl-x-select", "sl-y-select",
      "sl-group-select", "sl-law-toggle-power", "sl-param-table", "sl-target-input", "sl-target-result",
      "sl-horizon-input", "sl-band-select", "sl-level-input", "sl-xscale", "sl-yscale",
      "sl-copy-code", "sl-insert-cell", "sl-download-json"]) {
      expect(q(id), id).not.toBeNull();
    }
    const root = el.querySelector(".scalinglab-explorer")!;
    expect(root.getAttribute("data-brush")).toBe("idle");
    expect(el.querySelector("img")).toBeNull();
    expect(root.textContent).toContain(HOSTILE);
    expect(q("sl-law-toggle-power").getAttribute("aria-pressed")).toBe("true");
  });

  it("sends a pasted table with its name, and a law toggle as a synced list", () => {
    const { model, q } = mount();
    const paste = q("sl-paste") as HTMLTextAreaElement;
    paste.value = "N,loss\n1e6,2.5\n2e6,2.4\n";
    paste.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true }));
    expect(model.sent).toEqual([{ type: "load_table", text: "N,loss\n1e6,2.5\n2e6,2.4\n", name: "" }]);
    q("sl-law-toggle-power_offset").click();
    expect(model.get("laws")).toEqual(["power", "power_offset"]);
    expect(model.save_changes).toHaveBeenCalledTimes(1);
  });

  it("refuses a bad number in place instead of sending it", () => {
    const { model, q } = mount();
    const level = q("sl-level-input") as HTMLInputElement;
    level.value = "abc";
    level.dispatchEvent(new Event("change"));
    expect(level.classList.contains("sl-invalid")).toBe(true);
    expect(model.save_changes).not.toHaveBeenCalled();
    level.value = "0.9";
    level.dispatchEvent(new Event("change"));
    expect(model.get("level")).toBe(0.9);
  });

  it("records no latency unless the debug flag is on", () => {
    expect(window.__scalinglab_latency).toBeUndefined();
  });
});
