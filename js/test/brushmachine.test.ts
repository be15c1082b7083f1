import { describe, expect, it } from "vitest";
import { BrushMachine } from "../src/shared/brush";
import type { BrushRequest, Phase, Range } from "../src/shared/brush";

// The bug-1 table: 30 points, D from 1e6 to 1e10 (log-spaced), on a log axis padded a little.
const XS = Array.from({ length: 30 }, (_, i) => 10 ** (6 + (4 * i) / 29));
const DOMAIN: Range = [7.6e5, 1.3e10];
/** Data value at a fraction of the plot width (log axis). */
const at = (f: number) => 10 ** (Math.log10(DOMAIN[0]) + f * (Math.log10(DOMAIN[1]) - Math.log10(DOMAIN[0])));
const usable = (r: Range) => XS.filter((x) => x >= r[0] && x <= r[1]).length;

/**
 * A kernel as the widget sees it: it answers requests in order, later (`deliver`), accepts a
 * range holding at least 3 points (then its fit_range changes) and refuses others (an ack).
 */
class FakeKernel {
  queue: BrushRequest[] = [];
  fitRange: Range | null = null;
  tableVersion = 1;
  fitted: (Range | null)[] = [];
  refused: (Range | null)[] = [];
  constructor(public machine: () => BrushMachine) {}
  receive(req: BrushRequest) {
    this.queue.push(req);
  }
  /** Answer the oldest waiting request (as the kernel's message arrives). */
  deliver(): boolean {
    const req = this.queue.shift();
    if (!req) return false;
    if (req.table_version !== this.tableVersion) return true; // dropped: an older table's
    if (req.range === null || usable(req.range) >= 3) {
      this.fitRange = req.range;
      this.fitted.push(req.range);
      this.machine().kernelState(this.fitRange, this.tableVersion);
    } else this.refused.push(req.range);
    this.machine().answered(req.id);
    return true;
  }
  drain() {
    while (this.deliver());
  }
}

function setup(fitRange: Range | null = null) {
  const sent: BrushRequest[] = [];
  const draws: { range: Range | null; phase: Phase }[] = [];
  const phases: Phase[] = [];
  const timers: (() => void)[] = [];
  let m!: BrushMachine;
  const kernel = new FakeKernel(() => m);
  m = new BrushMachine(
    {
      send: (r) => {
        sent.push(r);
        kernel.receive(r);
      },
      draw: (range) => draws.push({ range, phase: m.phase }),
      phase: (p) => phases.push(p),
    },
    { setTimer: (fn) => timers.push(fn), clearTimer: () => undefined },
  );
  kernel.fitRange = fitRange;
  m.kernelState(fitRange, 1);
  draws.length = 0;
  return { m, kernel, sent, draws, phases, timers };
}

/** A hand dragging a new brush from `f0` to `f1` of the width in `steps` moves. */
function slowDrag(m: BrushMachine, f0: number, f1: number, steps: number, between?: (i: number) => void) {
  m.press();
  m.move(null); // Vega-Lite: the first pixel of a new brush is an empty interval
  for (let i = 1; i <= steps; i++) {
    m.move([at(f0), at(f0 + ((f1 - f0) * i) / steps)]);
    between?.(i);
  }
  m.release([at(f0), at(f1)]);
}

describe("BrushMachine: a slow drag (bug 1)", () => {
  it("keeps the drag's start in every request and ends on the dragged span", () => {
    const { m, kernel, sent, draws } = setup();
    // the kernel answers every other move, as a round trip of ~2 mouse moves would
    slowDrag(m, 0.22, 0.62, 30, (i) => i % 2 === 0 && kernel.deliver());
    expect(m.phase).toBe("settling");
    kernel.drain();
    expect(m.phase).toBe("idle");
    expect(kernel.refused.length).toBeGreaterThan(0); // the first small ranges held < 3 points
    for (const r of sent) expect(r.range![0]).toBeCloseTo(at(0.22), 6);
    expect(kernel.fitRange![0]).toBeCloseTo(at(0.22), 6);
    expect(kernel.fitRange![1]).toBeCloseTo(at(0.62), 6);
    expect(kernel.fitRange![0]).toBeGreaterThan(5 * DOMAIN[0]); // not the axis minimum
    expect(draws).toEqual([]); // the brush was never moved under the hand, nor after
  });

  it("never sends the empty first pixel, and one request is in flight at a time", () => {
    const { m, kernel, sent } = setup();
    slowDrag(m, 0.22, 0.62, 30);
    expect(sent.length).toBe(1); // nothing answered: only the first range went
    expect(sent[0].range).not.toBeNull();
    kernel.deliver();
    expect(sent.length).toBe(2); // then straight to the latest position
    expect(sent[1].range![1]).toBeCloseTo(at(0.62), 6);
    // moves while the pointer is down ask for a quick refit; what goes after release, a full one
    expect(sent.map((r) => r.dragging)).toEqual([true, false]);
    kernel.drain();
    expect(m.phase).toBe("idle");
  });
});

describe("BrushMachine: a rejected first range", () => {
  it("does not move the brush, and later ranges still start where the hand started", () => {
    const { m, kernel, sent, draws } = setup([1e6, 1e10]);
    m.press();
    m.move(null);
    m.move([at(0.22), at(0.225)]); // no point inside: refused
    kernel.deliver();
    expect(kernel.refused).toHaveLength(1);
    expect(m.phase).toBe("dragging");
    expect(m.drawn![0]).toBeCloseTo(at(0.22), 9);
    m.move([at(0.22), at(0.5)]);
    m.release([at(0.22), at(0.5)]);
    kernel.drain();
    expect(sent.map((r) => r.range![0])).toEqual([at(0.22), at(0.22)]);
    expect(kernel.fitRange).toEqual([at(0.22), at(0.5)]);
    expect(draws).toEqual([]);
  });

  it("a refused final range puts the brush back on the kernel's range once settled", () => {
    const { m, kernel, draws } = setup([1e7, 1e9]);
    m.press();
    m.move([at(0.22), at(0.225)]);
    m.release([at(0.22), at(0.225)]);
    expect(draws).toEqual([]);
    kernel.drain();
    expect(m.phase).toBe("idle");
    expect(draws).toEqual([{ range: [1e7, 1e9], phase: "idle" }]);
    expect(m.drawn).toEqual([1e7, 1e9]);
  });
});

describe("BrushMachine: kernel answers mid-drag", () => {
  it("update the fitted range but never draw while the hand holds the brush", () => {
    const { m, kernel, draws } = setup([1e6, 1e10]);
    m.press();
    m.move([at(0.3), at(0.6)]);
    kernel.deliver();
    expect(m.fitted).toEqual([at(0.3), at(0.6)]);
    // Python code sets fit_range meanwhile: recorded, not drawn
    m.kernelState([2e6, 3e9], 1);
    expect(draws).toEqual([]);
    m.move([at(0.3), at(0.7)]);
    m.release([at(0.3), at(0.7)]);
    kernel.drain();
    expect(kernel.fitRange).toEqual([at(0.3), at(0.7)]);
    expect(draws).toEqual([]);
    expect(m.phase).toBe("idle");
  });

  it("an answer that never comes times out, and the latest range goes", () => {
    const { m, sent, timers } = setup();
    m.press();
    m.move([at(0.3), at(0.6)]);
    m.move([at(0.3), at(0.7)]);
    expect(sent).toHaveLength(1);
    timers[0]();
    expect(sent).toHaveLength(2);
    expect(sent[1].range![1]).toBeCloseTo(at(0.7), 9);
  });
});

describe("BrushMachine: a new table (bug 2)", () => {
  it("during a settle: resets to idle, draws the new range, forgets queued and late answers", () => {
    const { m, kernel, sent, draws } = setup([1e7, 1e9]);
    m.press();
    m.move([at(0.3), at(0.5)]);
    m.move([at(0.3), at(0.6)]); // queued behind the first
    m.release([at(0.3), at(0.6)]);
    expect(m.phase).toBe("settling");
    // the dropped file is loaded: the kernel's table_version goes up, its fit_range clears
    kernel.tableVersion = 2;
    m.kernelState(null, 2);
    expect(m.phase).toBe("idle");
    expect(draws).toEqual([{ range: null, phase: "idle" }]);
    kernel.drain(); // the old request's answer arrives late; the queued one never goes
    expect(sent).toHaveLength(1);
    expect(m.phase).toBe("idle");
    expect(m.drawn).toBeNull();
  });

  it("a drop right after a release: nothing queued goes after the new table", () => {
    const { m, kernel, sent } = setup([1e7, 1e9]);
    m.press();
    m.move([at(0.3), at(0.5)]);
    m.move([at(0.3), at(0.6)]); // queued behind the first
    m.release([at(0.3), at(0.6)]);
    m.abandon(); // the widget sends load_table now
    expect(m.phase).toBe("idle");
    kernel.deliver(); // the first range's answer: it was fitted on the old table
    expect(sent).toHaveLength(1);
    kernel.tableVersion = 2;
    m.kernelState(null, 2);
    expect(m.drawn).toBeNull();
    expect(sent).toHaveLength(1);
  });

  it("never re-sends the old range when the new table's chart moves the brush signal", () => {
    const { m, sent } = setup([1e7, 1e9]);
    m.kernelState(null, 2);
    // re-embed / new x domain: Vega recomputes the brush from its old data values
    m.move([1e7, 1e9]);
    m.move([1.0000001e7, 1e9]);
    expect(sent).toEqual([]);
  });

  it("requests carry the table version they were made for", () => {
    const { m, sent } = setup();
    m.kernelState(null, 7);
    m.press();
    m.move([at(0.2), at(0.8)]);
    expect(sent[0].table_version).toBe(7);
  });
});

describe("BrushMachine: clicks", () => {
  it("a click outside the brush clears the fit range", () => {
    const { m, kernel, sent, draws } = setup([1e7, 1e9]);
    m.press();
    m.move(null);
    m.release(null);
    expect(sent.map((r) => r.range)).toEqual([null]);
    kernel.drain();
    expect(kernel.fitRange).toBeNull();
    expect(m.phase).toBe("idle");
    expect(m.drawn).toBeNull();
    expect(draws).toEqual([]);
  });

  it("a click that changes nothing sends nothing", () => {
    const { m, sent } = setup([1e7, 1e9]);
    m.press();
    m.release([1e7, 1e9]); // e.g. pressed on the legend
    expect(sent).toEqual([]);
    expect(m.phase).toBe("idle");
    const empty = setup(null);
    empty.m.press();
    empty.m.move(null);
    empty.m.release(null);
    expect(empty.sent).toEqual([]);
  });

  it("a click while an earlier drag is still settling replaces what is queued", () => {
    const { m, kernel, sent } = setup([1e7, 1e9]);
    m.press();
    m.move([at(0.3), at(0.6)]);
    m.release([at(0.3), at(0.6)]);
    m.press();
    m.move(null);
    m.release(null);
    kernel.drain();
    expect(sent.map((r) => r.range)).toEqual([[at(0.3), at(0.6)], null]);
    expect(kernel.fitRange).toBeNull();
    expect(m.phase).toBe("idle");
  });
});

describe("BrushMachine: Python sets fit_range at rest", () => {
  it("moves the brush when idle", () => {
    const { m, draws } = setup(null);
    m.kernelState([2e6, 3e8], 1);
    expect(draws).toEqual([{ range: [2e6, 3e8], phase: "idle" }]);
    m.kernelState([2e6, 3e8], 1);
    expect(draws).toHaveLength(1);
  });
});
