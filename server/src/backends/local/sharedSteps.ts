/**
 * Single-flight of local steps across the runs of one process (the service, or one `cellpipe run
 * --sweep`): when a run needs a cache key that another run is computing right now, it waits for
 * that run's step instead of running the same code on the same inputs a second time, then takes
 * its outputs from the cache (as Cached). If that step does not succeed, the waiting run runs the
 * step itself. This is what lets the runs of a sweep share the steps that read no swept parameter:
 * their cache keys hold only the parameters a step reads (cache.ts).
 *
 * Only steps that may use the cache take part: a step tagged `cache:disabled`, a run with the
 * cache off (`--no-cache`) or a step a retry must run afresh neither waits nor is waited for.
 * Runs in other processes are not seen (they still reuse what the cache holds once a step ended).
 */
import type { StepExit, StepProcess } from './stepProcess';

interface Flight {
  /** `RUN/STEP` computing the key. */
  holder: string;
  ended: Promise<boolean>;
  end: (succeeded: boolean) => void;
}

/** Keys being computed, by store and key: every LocalRun of this process shares them. */
const flights = new Map<string, Flight>();

/** A step waiting for another run's identical step: a StepProcess without a process, so the run's scheduling counts and cancels it as one. */
export interface SharedStepWait {
  /** The run whose step it waits for. */
  runId: string;
  /** Exits with code 0 when that step succeeded (its outputs are in the cache now), 1 when it did not; killed: SIGTERM. */
  process: StepProcess;
}

function flightKey(storeHome: string, cacheKey: string): string {
  return `${storeHome}\0${cacheKey}`;
}

/**
 * Claims `cacheKey` for step `holder` (`RUN/STEP`): undefined when the step is now the one
 * computing it (it must then call endSharedStep once its status is final), or already was, else the
 * wait for the step that computes it already.
 */
export function claimSharedStep(storeHome: string, cacheKey: string, holder: string): SharedStepWait | undefined {
  const key = flightKey(storeHome, cacheKey);
  const flight = flights.get(key);
  if (flight?.holder === holder) {
    return undefined; // claimed already (a step asked of the launcher ahead, then started the usual way)
  }
  if (!flight) {
    let end!: (succeeded: boolean) => void;
    const ended = new Promise<boolean>(resolve => (end = resolve));
    flights.set(key, { holder, ended, end });
    return undefined;
  }
  let abandon!: (exit: StepExit) => void;
  const killed = new Promise<StepExit>(resolve => (abandon = resolve));
  const exited = Promise.race([flight.ended.then((succeeded): StepExit => ({ code: succeeded ? 0 : 1, signal: null })), killed]);
  return {
    runId: flight.holder.split('/')[0],
    process: { pid: Promise.resolve(undefined), exited, kill: () => abandon({ code: null, signal: 'SIGTERM' }) }
  };
}

/** The step `holder` reached a final status: the runs waiting for its key go on (a no-op for a step that holds no key). */
export function endSharedStep(storeHome: string, cacheKey: string, holder: string, succeeded: boolean): void {
  const key = flightKey(storeHome, cacheKey);
  const flight = flights.get(key);
  if (flight?.holder === holder) {
    flights.delete(key);
    flight.end(succeeded);
  }
}
