/**
 * Latest-wins request pacing for brush drags: the first event goes out at once, later ones at
 * most every `interval` ms, never more than one request in flight, and the last position is
 * always sent. `done()` is called when Python answered the request in flight.
 */
export class RequestPacer<T> {
  private pending: { value: T; t0: number } | null = null;
  private inFlight = false;
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (value: T, t0: number) => void,
    private readonly interval = 60,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A new value (e.g. a brush range); `t0` is when the user produced it. */
  push(value: T): void {
    this.pending = { value, t0: this.now() };
    this.pump();
  }

  /** The request in flight was answered (or failed): the next one may go. */
  done(): void {
    this.inFlight = false;
    this.pump();
  }

  /** Forget anything queued (e.g. when the widget is removed). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  get busy(): boolean {
    return this.inFlight;
  }

  private pump(): void {
    if (!this.pending || this.inFlight || this.timer) return;
    const wait = this.lastSent + this.interval - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const { value, t0 } = this.pending;
    this.pending = null;
    this.inFlight = true;
    this.lastSent = this.now();
    this.send(value, t0);
  }
}
