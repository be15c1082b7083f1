/**
 * Brush latency samples for benchmarks/e2e_latency.py, OFF by default. A page opts in by
 * setting `window.__scalinglab_debug = { latency: true }` before the widget renders (the
 * benchmark does so with an init script); samples then go to `window.__scalinglab_latency`.
 *
 * One sample per answered request: `ms` from the brush event to the changeset drawn, and its
 * parts: `queue_ms` brush event → send (waiting for the request in flight), `rtt_ms` send →
 * chart_data here, `kernel_ms` / `kernel_cpu_ms` Python's handler (chart_data.timing),
 * `up_ms` / `down_ms` the legs to and from the kernel (Python's wall clock, timing.sent_at),
 * `wait_ms` arrival → start of the chart update, `draw_ms` the changeset until runAsync().
 */
import type { Timing } from "./contract";

export interface LatencySample {
  id: number;
  ms: number;
  queue_ms?: number;
  rtt_ms?: number;
  kernel_ms?: number;
  kernel_cpu_ms?: number;
  up_ms?: number;
  down_ms?: number;
  wait_ms?: number;
  draw_ms?: number;
  /** Bytes of the chart_data JSON that answered (the per-move message size). */
  bytes?: number;
}

declare global {
  interface Window {
    __scalinglab_latency?: LatencySample[];
    __scalinglab_debug?: { latency?: boolean; renderer?: "svg" | "canvas" };
  }
}

/** Is latency recording on (the debug flag)? */
export function latencyEnabled(): boolean {
  return typeof window !== "undefined" && window.__scalinglab_debug?.latency === true;
}

/** Per request id: the brush event, the send and the arrival of its answer. */
export class LatencyLog {
  private readonly at = new Map<number, { t0: number; sent: number; arrived?: number; bytes?: number }>();
  constructor(private readonly enabled: () => boolean = latencyEnabled) {}

  sent(id: number, t0: number): void {
    if (!this.enabled()) return;
    this.at.set(id, { t0, sent: performance.now() });
    if (this.at.size > 64) this.at.delete(this.at.keys().next().value as number);
  }

  arrived(id: number | null | undefined, bytes?: () => number): void {
    if (id === null || id === undefined) return;
    const a = this.at.get(id);
    if (!a) return;
    a.arrived = performance.now();
    a.bytes = bytes?.();
  }

  /** The answer to `id` is drawn (its update started at `drawStart`). */
  drawn(id: number | null | undefined, timing: Timing | undefined, drawStart: number): void {
    if (id === null || id === undefined) return;
    const a = this.at.get(id);
    if (!a) return;
    this.at.delete(id);
    const now = performance.now();
    const arrived = a.arrived ?? now;
    const epoch = (t: number) => performance.timeOrigin + t;
    const k = timing?.kernel_ms;
    const s = timing?.sent_at;
    const legs = k !== undefined && s !== undefined ? { up_ms: s - k - epoch(a.sent), down_ms: epoch(arrived) - s } : {};
    (window.__scalinglab_latency ??= []).push({
      ...legs,
      id,
      ms: now - a.t0,
      queue_ms: a.sent - a.t0,
      rtt_ms: arrived - a.sent,
      kernel_ms: k,
      kernel_cpu_ms: timing?.kernel_cpu_ms,
      wait_ms: drawStart - arrived,
      draw_ms: now - drawStart,
      bytes: a.bytes,
    });
  }
}
