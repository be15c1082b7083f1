/**
 * Latest-wins request pacing for brush drags: never more than one request in flight, only
 * the latest value is kept while one is, and it goes out the moment the answer arrives
 * (`done()`), so the round trip itself paces the requests. `interval` only spaces values
 * pushed while nothing is in flight (0: send at once). The last position is always sent.
 */
export class RequestPacer<T> {
  private pending: { value: T; t0: number } | null = null;
  private inFlight = false;
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (value: T, t0: number) => void,
    private readonly interval = 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A new value (e.g. a brush range); `t0` is when the user produced it. */
  push(value: T): void {
    this.pending = { value, t0: this.now() };
    this.pump(false);
  }

  /** The request in flight was answered (or failed): the latest pending value goes now. */
  done(): void {
    this.inFlight = false;
    this.pump(true);
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

  private pump(answered: boolean): void {
    if (!this.pending || this.inFlight) return;
    if (!answered) {
      if (this.timer) return;
      const wait = this.lastSent + this.interval - this.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump(false);
        }, wait);
        return;
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const { value, t0 } = this.pending;
    this.pending = null;
    this.inFlight = true;
    this.lastSent = this.now();
    this.send(value, t0);
  }
}
