// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import widget from "../src/remedies.widget";

const HOSTILE = "<img src=x onerror=alert(1)>";

/** A stand-in for the anywidget model: get/set/save_changes/on/send, with change events. */
function fakeModel(state: Record<string, unknown>) {
  const handlers: Record<string, (() => void)[]> = {};
  const sent: unknown[] = [];
  const model = {
    get: (k: string) => state[k],
    set: vi.fn((k: string, v: unknown) => {
      state[k] = v;
    }),
    save_changes: vi.fn(),
    send: (msg: unknown) => sent.push(msg),
    on: (name: string, fn: () => void) => {
      (handlers[name] ??= []).push(fn);
    },
    emit: (name: string) => (handlers[name] ?? []).forEach((fn) => fn()),
    sent,
  };
  return model;
}

function baseState(): Record<string, unknown> {
  return {
    view: 1,
    metric: "accuracy",
    remedies: ["none", HOSTILE],
    ratio: 50,
    trend_law: "error_power",
    curve_law: "power_offset",
    level: 0.95,
    horizon: 4,
    remedy_info: [
      { name: "none", color: "#4c78a8", description: "train on the imbalanced data as it is" },
      { name: HOSTILE, color: "#f58518", description: "a remedy from your own runs" },
    ],
    metric_options: ["roc_auc", "accuracy"],
    ratio_options: [1, 10, 50],
    trend_options: ["error_power", "log_linear"],
    curve_options: ["power_offset", "power", "log_linear"],
    spec: {},
    chart_data: {},
    summary_rows: [
      { ratio: 50, best: HOSTILE, best_mean: 0.84, runner_up: "none", runner_up_mean: 0.6,
        margin: 0.24, spread: 0.03, clear: true, n_seeds: 3, diff_lo: 0.1, diff_hi: 0.38 },
    ],
    fit_rows: [{ remedy: "none", law: "error_power", params: "a = 0.02, b = 0.7", r2: 0.98, error: "" }],
    verdict: "At ρ = 50 the fitted trends rank none first.",
    notes: [],
    error: "",
    code: "print(1)\n",
    _model_ref: "abc",
  };
}

function mount(state = baseState()) {
  const model = fakeModel(state);
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = (widget as any).render({ model, el });
  const q = (id: string) => el.querySelector(`[data-testid="${CSS.escape(id)}"]`) as HTMLElement;
  return { model, el, q, cleanup };
}

describe("RemedyComparer front end", () => {
  it("renders the DOM contract", () => {
    const { el, q } = mount();
    expect(el.querySelector(".scalinglab-remedies")).not.toBeNull();
    for (const id of ["sl-view-1", "sl-view-2", "sl-view-3", "sl-metric-select", "sl-chart",
      "sl-summary-table", "sl-error", "sl-export-code", "sl-export-json", "sl-remedy-toggle-none"]) {
      expect(q(id), id).not.toBeNull();
    }
    expect(q("sl-view-1").getAttribute("aria-selected")).toBe("true");
    expect(q("sl-error").hidden).toBe(true);
    expect(q("sl-ratio-select").closest("label")!.hidden).toBe(true); // only in view 2
  });

  it("shows untrusted remedy names as text", () => {
    const { el, q } = mount();
    expect(el.querySelector("img")).toBeNull();
    expect(q(`sl-remedy-toggle-${HOSTILE}`).textContent).toContain(HOSTILE);
    expect(q("sl-summary-table").textContent).toContain(HOSTILE);
  });

  it("sends a toggle, a view switch and a metric choice to Python", () => {
    const { model, q } = mount();
    q("sl-remedy-toggle-none").click();
    expect(model.get("remedies")).toEqual([HOSTILE]);
    q("sl-view-2").click();
    expect(model.get("view")).toBe(2);
    const select = q("sl-metric-select") as HTMLSelectElement;
    select.value = "roc_auc";
    select.dispatchEvent(new Event("change"));
    expect(model.get("metric")).toBe("roc_auc");
    expect(model.save_changes).toHaveBeenCalledTimes(3);
  });

  it("follows Python: pressed state, view controls, errors, margins in percentage points", () => {
    const { model, q } = mount();
    (model as any).set("remedies", ["none"]);
    model.emit("change:remedies");
    expect(q(`sl-remedy-toggle-${HOSTILE}`).getAttribute("aria-pressed")).toBe("false");
    (model as any).set("view", 2);
    model.emit("change:view");
    expect(q("sl-ratio-select").closest("label")!.hidden).toBe(false);
    (model as any).set("error", "metric 'f1' is not in this table");
    model.emit("change:error");
    expect(q("sl-error").hidden).toBe(false);
    expect(q("sl-error").textContent).toContain("f1");
    const cells = Array.from(q("sl-summary-table").querySelectorAll("tbody td")).map((c) => c.textContent);
    expect(cells).toContain("+24.0");
    expect(cells).toContain("+10.0 … +38.0"); // the paired interval, in percentage points
  });

  it("asks Python for the JSON export", () => {
    const { model, q } = mount();
    q("sl-export-json").click();
    expect(model.sent).toEqual([{ type: "export_json" }]);
  });
});
