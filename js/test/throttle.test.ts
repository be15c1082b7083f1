import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequestPacer } from "../src/shared/throttle";

describe("RequestPacer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the first value at once, holds later ones while one is in flight, sends the latest", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), 60, () => Date.now());
    pacer.push(1);
    pacer.push(2);
    pacer.push(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([1]); // still in flight
    pacer.done();
    expect(sent).toEqual([1, 3]);
    pacer.done();
    expect(sent).toEqual([1, 3]);
  });

  it("sends the pending value the moment the answer arrives, with no interval wait", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), 60, () => Date.now());
    pacer.push(1);
    vi.advanceTimersByTime(5);
    pacer.push(2);
    vi.advanceTimersByTime(5);
    pacer.done(); // answered 10 ms after the send: well inside the interval
    expect(sent).toEqual([1, 2]);
  });

  it("with interval 0 (the default) sends every value pushed while idle at once", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), undefined, () => Date.now());
    pacer.push(1);
    pacer.done();
    pacer.push(2);
    expect(sent).toEqual([1, 2]);
  });

  it("spaces values pushed while idle by the interval", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), 60, () => Date.now());
    pacer.push(1);
    pacer.done();
    pacer.push(2);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(59);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 2]);
  });

  it("an answer during the idle wait sends at once and cancels the timer (no double send)", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), 60, () => Date.now());
    pacer.push(1);
    pacer.done();
    pacer.push(2); // waits for the interval
    pacer.done(); // a late answer (e.g. the timeout): releases it now
    expect(sent).toEqual([1, 2]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1, 2]);
  });

  it("passes the time the value was pushed, not when it was sent", () => {
    const times: number[] = [];
    const pacer = new RequestPacer<number>((_v, t0) => times.push(t0), 60, () => Date.now());
    pacer.push(1);
    const t1 = Date.now();
    vi.advanceTimersByTime(10);
    pacer.push(2);
    const t2 = Date.now();
    pacer.done();
    vi.advanceTimersByTime(100);
    expect(times).toEqual([t1, t2]);
  });

  it("forgets queued values on dispose", () => {
    const sent: number[] = [];
    const pacer = new RequestPacer<number>((v) => sent.push(v), 60, () => Date.now());
    pacer.push(1);
    pacer.push(2);
    pacer.dispose();
    pacer.done();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1]);
  });
});
