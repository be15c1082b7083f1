// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";

const embedded: { width: number; renderer: string }[] = [];
vi.mock("../src/shared/chart", () => ({
  embedChart: vi.fn(async (_c: HTMLElement, spec: any, _d: unknown, _b: unknown, _t: Element, renderer: string) => {
    embedded.push({ width: spec.width, renderer });
    return { view: {}, datasets: ["points"], cache: { rows: new Map(), signals: new Map() }, finalize: () => undefined };
  }),
  updateChart: vi.fn(async () => ({ applied: [], skipped: [], modified: [], unchanged: [] })),
}));

import { CANVAS_ABOVE_POINTS, ChartController } from "../src/shared/components/chart";
import { toggleChips } from "../src/shared/components/chips";
import { binaryProblem } from "../src/shared/components/loader";
import { messageArea } from "../src/shared/components/messages";
import { pasteProblem } from "../src/shared/paste";

const HOSTILE = "<img src=x onerror=alert(1)>";

function controller(widths: number[]) {
  const root = document.createElement("div");
  const container = document.createElement("div");
  const measure = document.createElement("div");
  root.append(measure, container);
  document.body.appendChild(root);
  let i = 0;
  Object.defineProperty(measure, "clientWidth", { get: () => widths[Math.min(i++, widths.length - 1)] });
  const errors: string[] = [];
  const c = new ChartController({ root, container, measure, versionAttribute: "data-v", onError: (m) => errors.push(m) });
  return { c, root, errors };
}

afterEach(() => {
  embedded.length = 0;
});

describe("ChartController (bug 3: the theme switch squeezed the chart)", () => {
  it("waits for a frame with a width instead of drawing at its minimum", async () => {
    const { c, root } = controller([0, 0, 0, 760]);
    await c.setSpec({ mark: "point" });
    expect(embedded).toEqual([{ width: 760, renderer: "svg" }]);
    expect(root.getAttribute("data-v")).toBe("1");
  });

  it("keeps the last good width when the widget stays 0 px wide", async () => {
    const widths = [800];
    const { c } = controller(widths);
    await c.setSpec({ mark: "point" });
    widths[0] = 0; // hidden (e.g. relayout during a theme switch) for longer than the wait
    await c.embed();
    expect(embedded.map((e) => e.width)).toEqual([800, 800]);
  });

  it("draws on a canvas above CANVAS_ABOVE_POINTS points", async () => {
    const { c } = controller([700]);
    const many = Array.from({ length: CANVAS_ABOVE_POINTS + 1 }, (_, i) => ({ x: i + 1, y: 1, color: "s:", label: "" }));
    await c.setPoints(many.slice(0, 10));
    await c.setSpec({ mark: "point" });
    expect(c.rendererInUse).toBe("svg");
    await c.setPoints(many);
    expect(embedded.map((e) => e.renderer)).toEqual(["svg", "canvas"]);
  });
});

describe("toggleChips", () => {
  it("toggles a chip in the items' order and shows names as text", () => {
    const changes: string[][] = [];
    const chips = toggleChips({ label: "laws", barClass: "b", chipClass: "c", testid: (n) => `t-${n}`, onChange: (a) => changes.push(a) });
    const items = ["power", HOSTILE, "exponential"].map((name) => ({ name, color: "#888", title: name }));
    chips.render(items, ["exponential"]);
    const button = (n: string) => chips.el.querySelector(`[data-testid="${CSS.escape(`t-${n}`)}"]`) as HTMLButtonElement;
    expect(button("exponential").getAttribute("aria-pressed")).toBe("true");
    button("power").click();
    expect(changes).toEqual([["power", "exponential"]]);
    expect(chips.el.querySelector("img")).toBeNull();
    expect(button(HOSTILE).textContent).toContain(HOSTILE);
  });
});

describe("table loader (bug 4: a binary file's error named no file)", () => {
  it("names a binary file and says what to do", () => {
    const bytes = String.fromCharCode(...Array.from({ length: 600 }, (_, i) => (i * 7919) % 256));
    const msg = binaryProblem("PK\u0003\u0004" + bytes, "results.xlsx");
    expect(msg).toContain("results.xlsx");
    expect(msg).toContain("CSV");
    expect(binaryProblem("N,loss\n1e6,2.5\n", "runs.csv")).toBeNull();
  });

  it("names a text file that has no columns", () => {
    expect(pasteProblem("hello world", "notes.txt")).toContain("notes.txt");
  });
});

describe("messageArea", () => {
  it("shows errors and notes as text, hidden when empty", () => {
    const m = messageArea();
    m.showError(HOSTILE);
    expect(m.errorBox.hidden).toBe(false);
    expect(m.errorBox.textContent).toBe(HOSTILE);
    m.showNotes([HOSTILE]);
    expect(m.notesBox.querySelector("img")).toBeNull();
    m.showError("");
    m.showNotes([]);
    expect(m.errorBox.hidden).toBe(true);
    expect(m.notesBox.hidden).toBe(true);
  });
});
