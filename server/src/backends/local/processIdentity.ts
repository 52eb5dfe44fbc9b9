import { readFileSync } from 'node:fs';

/**
 * Telling a process apart from a later one with the same id. A pid recorded in a run store (a
 * step's, its runner's) may, once that process ended, be given to anything else (a kernel, an
 * editor): before signalling it, or believing it is still the run's, the process must be shown to
 * be the one recorded. On Linux its start time (`/proc/PID/stat` field 22, clock ticks since boot)
 * does that: two processes of one boot never share pid and start time. Elsewhere there is no proof,
 * and nothing is killed on a pid alone.
 */

/** A process's start time as recorded with its pid; undefined when it is gone or cannot be read. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold ') '.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); a zombie has ended, whatever its parent does about it.
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the process with this pid is the one recorded with `startTime` (false when unprovable). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  return startTime !== undefined && processStartTime(pid) === startTime;
}
