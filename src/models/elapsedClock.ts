import { formatSeconds } from './stepStatus';

type Tick = (now: number) => void;

/**
 * One clock, ticking once a second only while something shows a running time: every running
 * step's time (in the sidebar and on the cells) moves on the same tick, and each listener updates
 * only its own text, so a tick never re-renders a whole panel.
 */
export class ElapsedClock {
  private readonly listeners = new Set<Tick>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly periodMs = 1000) {}

  /** Calls `tick` every period until the returned function is called. */
  subscribe(tick: Tick): () => void {
    this.listeners.add(tick);
    this.timer ??= setInterval(() => {
      const now = Date.now();
      this.listeners.forEach(listener => listener(now));
    }, this.periodMs);
    return () => {
      this.listeners.delete(tick);
      if (!this.listeners.size && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}

/** The clock cellpipe's views share. */
export const elapsedClock = new ElapsedClock();

/** A running time as it reads at `now`: seconds since `startedAt`. */
export function elapsedText(startedAt: string, now: number): string {
  const started = Date.parse(startedAt);
  return Number.isFinite(started) ? formatSeconds(Math.max(0, (now - started) / 1000)) : '';
}
