// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { escapeHtml, h, replaceChildren, setOptions } from "../src/shared/dom";
import { fmt, fmtInterval } from "../src/shared/format";
import { cellIndexShowing, insertCellBelow } from "../src/shared/notebook";

const EVIL = "<img src=x onerror=alert(1)>";

describe("h() never parses HTML", () => {
  it("shows hostile text as text", () => {
    const el = h("div", { title: EVIL }, EVIL, h("span", {}, EVIL));
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toBe(EVIL + EVIL);
    expect(el.getAttribute("title")).toBe(EVIL);
  });
  it("skips null/false attributes and children, wires listeners", () => {
    let clicked = 0;
    const el = h("button", { hidden: false, "data-x": null, onclick: () => clicked++ }, null, false, "ok");
    expect(el.hasAttribute("hidden")).toBe(false);
    el.click();
    expect(clicked).toBe(1);
    expect(el.textContent).toBe("ok");
  });
  it("fills selects with escaped labels and keeps a valid value", () => {
    const sel = h("select");
    setOptions(sel, [{ value: EVIL, label: EVIL }, { value: "loss", label: "loss" }], "loss");
    expect(sel.value).toBe("loss");
    expect(sel.querySelector("img")).toBeNull();
    expect(sel.options[0].textContent).toBe(EVIL);
    setOptions(sel, [{ value: "a", label: "a" }], "gone");
    expect(sel.value).toBe("a");
  });
  it("replaces children", () => {
    const el = h("div", {}, "old");
    replaceChildren(el, "new", EVIL);
    expect(el.childNodes.length).toBe(2);
    expect(el.querySelector("img")).toBeNull();
  });
  it("escapes HTML strings", () => {
    expect(escapeHtml(`${EVIL}"'&`)).toBe("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
  });
});

describe("number formatting", () => {
  it("is compact", () => {
    expect(fmt(3.1e11)).toBe("3.10e11");
    expect(fmt(0.000123)).toBe("1.23e-4");
    expect(fmt(2.104567)).toBe("2.1");
    expect(fmt(2.104567, 4)).toBe("2.105");
    expect(fmt(0)).toBe("0");
    expect(fmt(null)).toBe("–");
    expect(fmt(Number.NaN)).toBe("–");
    expect(fmt(Infinity)).toBe("∞");
    expect(fmtInterval(1, 2)).toBe("[1, 2]");
    expect(fmtInterval(null, 2)).toBe("–");
  });
});

describe("inserting a cell", () => {
  const cells = [
    { cell_type: "markdown", getOutputs: () => [] },
    { cell_type: "code", getOutputs: () => [{ data: { "application/vnd.jupyter.widget-view+json": { model_id: "abc123" } } }] },
    { cell_type: "code", getOutputs: () => [] },
  ];
  it("finds the cell that shows the widget", () => {
    expect(cellIndexShowing({ cells }, "abc123")).toBe(1);
    expect(cellIndexShowing({ cells }, "zzz")).toBe(-1);
    expect(cellIndexShowing({ cells }, "")).toBe(-1);
  });
  it("inserts below that cell through the manager's notebook model", () => {
    const inserted: [number, unknown][] = [];
    const sharedModel = { cells, insertCell: (i: number, c: unknown) => inserted.push([i, c]) };
    const model = { widget_manager: { context: { model: { sharedModel } } } } as any;
    const where = insertCellBelow(model, "abc123", "x = 1", h("div"));
    expect(where).toBe("below the widget");
    expect(inserted).toEqual([[2, { cell_type: "code", source: "x = 1" }]]);
  });
  it("returns null where the front end exposes no notebook", () => {
    expect(insertCellBelow({ widget_manager: {} } as any, "abc123", "x", h("div"))).toBeNull();
  });
});
