import { describe, expect, it } from "vitest";
import { keep, keepSavedState, release } from "../src/shared/restore";
import type { BackboneModelLike } from "../src/shared/restore";

function restored(attributes: Record<string, unknown> = {}): BackboneModelLike {
  return { comm_live: false, attributes };
}

describe("keeping a widget restored from saved notebook state", () => {
  it("counts a restored model and its sub-models as live for saving while a view shows it", () => {
    const layout = restored();
    const model = restored({ layout, x: "D" });
    expect(keep(model)).toBe(true);
    expect(model.comm_live).toBe(true);
    expect(layout.comm_live).toBe(true);
    expect(typeof model.sync).toBe("function");
    expect(keep(model)).toBe(true); // a second view
    release(model);
    expect(model.comm_live).toBe(true); // one view left
    release(model);
    expect(model.comm_live).toBe(false);
    expect(layout.comm_live).toBe(false);
    expect(model.sync).toBeUndefined();
  });

  it("leaves a live model (one with a comm) alone", () => {
    const model: BackboneModelLike = { comm: {}, comm_live: true, attributes: {} };
    expect(keep(model)).toBe(false);
    release(model);
    expect(model.comm_live).toBe(true);
  });

  it("finds the model through the proxy's widget manager and releases it on dispose", async () => {
    const model = restored();
    let said = 0;
    const dispose = keepSavedState({ widget_manager: { get_model: async () => model } }, "id1", () => (said += 1));
    await new Promise((r) => setTimeout(r, 0));
    expect(model.comm_live).toBe(true);
    expect(said).toBe(1);
    dispose();
    expect(model.comm_live).toBe(false);
  });

  it("does nothing without a manager or an unknown model", async () => {
    expect(() => keepSavedState({}, "id1")()).not.toThrow();
    const dispose = keepSavedState({ widget_manager: { get_model: () => Promise.reject(new Error("x")) } }, "id1");
    await new Promise((r) => setTimeout(r, 0));
    dispose();
  });
});
