/**
 * The fit-range brush as one small state machine: the single source of truth for where the
 * brush is drawn and what has been asked of the kernel.
 *
 *   idle ──press──▶ dragging ──release──▶ settling ──last answer──▶ idle
 *    ▲                                        │
 *    └──────────── newTable (any phase) ◀─────┘
 *
 * - The brush follows the hand: while `dragging`, only the pointer moves it (Vega draws it;
 *   `move` records where). Kernel answers (fits, or a refusal of a range) never move it.
 * - Ranges go to the kernel latest-wins with one request in flight; each carries the table
 *   version it was made for, so the kernel can drop requests meant for an older table.
 *   An empty range during a drag (the first pixel of a new brush) is not sent: only a click
 *   (release with no range) clears the fit range.
 * - Brush signals that do not come from a gesture (a re-embed, a new x domain moving the
 *   pixels) are ignored: nothing but the hand sends a range.
 * - Once the last request is answered the machine is `idle` and shows the kernel's range
 *   (`fitted`): a refused final range puts the brush back where the fit is.
 * - A new table (table_version change) resets everything: queued and in-flight requests are
 *   forgotten and the brush shows the new table's range.
 *
 * Example (the widget passes Vega's brush signal and the pointer events):
 *
 *   const m = new BrushMachine({ send: (r) => model.send({type: "brush", ...r}), draw });
 *   m.press(); m.move([1e7, 2e7]); m.move([1e7, 5e7]); m.release([1e7, 5e7]);
 *   m.answered(1); m.answered(2);   // -> idle, `draw(fitted)` if the kernel moved it
 */
import { sameRange } from "./spec";

export type Range = [number, number];
export type Phase = "idle" | "dragging" | "settling";

/** A brush request to the kernel (the message adds `type: "brush"`). */
export interface BrushRequest {
  range: Range | null;
  id: number;
  table_version: number;
  /** True while the pointer is down (the kernel refits quickly), false once released. */
  dragging: boolean;
}

export interface BrushEffects {
  /** Send one request to the kernel; `t0` is when the hand put the brush there. */
  send(request: BrushRequest, t0: number): void;
  /** Draw the brush at `range` (null: no brush); only called when no hand holds it. */
  draw(range: Range | null): void;
  /** The phase changed (optional: for a data attribute or a test). */
  phase?(phase: Phase): void;
}

export interface BrushOptions {
  /** A request unanswered for this long counts as answered (the kernel died or dropped it). */
  timeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

/** Relative tolerance under which two ranges are the same (float noise of pixel round trips). */
export const SAME_RANGE_RTOL = 1e-6;
export const BRUSH_TIMEOUT_MS = 5000;

export class BrushMachine {
  private _phase: Phase = "idle";
  private _drawn: Range | null = null;
  private _fitted: Range | null = null;
  private _tableVersion = 0;
  private nextId = 0;
  /** Ids at or below this belong to an older table: their answers change nothing here. */
  private staleUpTo = 0;
  private inFlight: number | null = null;
  private pending: { range: Range | null; t0: number } | null = null;
  private lastSent: { range: Range | null } | null = null;
  private timer: unknown = null;
  private readonly timeoutMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly now: () => number;

  constructor(
    private readonly effects: BrushEffects,
    options: BrushOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? BRUSH_TIMEOUT_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.now = options.now ?? (() => performance.now());
  }

  get phase(): Phase {
    return this._phase;
  }
  /** Where the brush is (under the hand while dragging; else the kernel's range). */
  get drawn(): Range | null {
    return this._drawn;
  }
  /** The range the kernel last reported as its fit_range. */
  get fitted(): Range | null {
    return this._fitted;
  }
  get tableVersion(): number {
    return this._tableVersion;
  }
  /** Id of the request waiting for its answer, or null. */
  get waitingFor(): number | null {
    return this.inFlight;
  }

  /** The pointer went down in the chart: a gesture starts. */
  press(): void {
    this.setPhase("dragging");
  }

  /** Vega's brush signal changed. Only a gesture's moves count. */
  move(range: Range | null): void {
    if (this._phase !== "dragging") return;
    this._drawn = range;
    if (range !== null) this.request(range);
  }

  /** The pointer went up; `range` is the brush as it was left (null: cleared by a click). */
  release(range: Range | null): void {
    if (this._phase !== "dragging") return;
    this._drawn = range;
    this.setPhase("settling"); // what goes from now on is a final range (a full refit)
    if (this.pending) this.pending = { range, t0: this.now() };
    else {
      // what the kernel has been asked for in this gesture, or what it already fits
      const asked = this.lastSent ? this.lastSent.range : this._fitted;
      if (!sameRange(asked, range, SAME_RANGE_RTOL)) this.request(range);
    }
    this.maybeIdle();
  }

  /** The kernel answered request `id` (its chart_data, or an ack when it refused the range). */
  answered(id: number | null | undefined): void {
    if (id === null || id === undefined || id <= this.staleUpTo) return;
    if (this.inFlight === null || id < this.inFlight) return;
    this.inFlight = null;
    this.stopTimer();
    this.pump();
    this.maybeIdle();
  }

  /**
   * The kernel's fit_range (and table_version) as synced. A new table version resets the
   * machine; otherwise the range is recorded, and drawn only when no hand holds the brush.
   */
  kernelState(range: Range | null, tableVersion: number): void {
    if (tableVersion !== this._tableVersion) {
      this.reset(range, tableVersion);
      return;
    }
    this._fitted = range;
    if (this._phase === "idle") this.showFitted();
  }

  /** A new table: forget every request and draw the new table's range. */
  reset(range: Range | null, tableVersion: number): void {
    this._tableVersion = tableVersion;
    this.staleUpTo = this.nextId;
    this.inFlight = null;
    this.pending = null;
    this.lastSent = null;
    this.stopTimer();
    this._fitted = range;
    this.setPhase("idle");
    this.showFitted(true);
  }

  /**
   * The widget asked the kernel for something that replaces the table (a drop): forget what
   * is queued or waiting (a queued range must not reach the new table) and show the kernel's
   * range; the new table_version resets the machine again when it arrives.
   */
  abandon(): void {
    this.staleUpTo = this.nextId;
    this.inFlight = null;
    this.pending = null;
    this.lastSent = null;
    this.stopTimer();
    this.setPhase("idle");
    this.showFitted();
  }

  dispose(): void {
    this.stopTimer();
    this.pending = null;
  }

  // ---------------------------------------------------------------------------- internals
  private request(range: Range | null): void {
    if (this.lastSent && sameRange(this.lastSent.range, range, SAME_RANGE_RTOL) && !this.pending) return;
    this.pending = { range, t0: this.now() };
    this.pump();
  }

  private pump(): void {
    if (this.inFlight !== null || !this.pending) return;
    const { range, t0 } = this.pending;
    this.pending = null;
    if (this.lastSent && sameRange(this.lastSent.range, range, SAME_RANGE_RTOL)) return;
    this.nextId += 1;
    this.inFlight = this.nextId;
    this.lastSent = { range };
    const id = this.nextId;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.answered(id);
    }, this.timeoutMs);
    this.effects.send(
      {
        range: range ? [range[0], range[1]] : null,
        id,
        table_version: this._tableVersion,
        dragging: this._phase === "dragging",
      },
      t0,
    );
  }

  private maybeIdle(): void {
    if (this._phase !== "settling" || this.inFlight !== null || this.pending) return;
    this.lastSent = null;
    this.setPhase("idle");
    this.showFitted();
  }

  private showFitted(force = false): void {
    if (!force && sameRange(this._drawn, this._fitted, SAME_RANGE_RTOL)) return;
    this._drawn = this._fitted;
    this.effects.draw(this._fitted);
  }

  private setPhase(phase: Phase): void {
    if (phase === this._phase) return;
    this._phase = phase;
    this.effects.phase?.(phase);
  }

  private stopTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }
}
