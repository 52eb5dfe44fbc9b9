import { RESULT_PARAMETER, STEP_RESULT_FILE } from '../compile/runtime/contract';
import type { StepState } from './types';

/**
 * What the step runtime (compile/runtime/cellpipe_runtime.py) reports about a step, read back by
 * the backends: its `failed` event (events.jsonl, local runs) and its result document
 * (STEP_RESULT_FILE in the step's data folder; on Argo, the step's RESULT_PARAMETER output
 * parameter). The names are the runtime contract's (compile/runtime/contract.ts).
 */

export { RESULT_PARAMETER, STEP_RESULT_FILE };

/** A failure as the runtime records it: `_failure()` in the runtime. */
interface FailureRecord {
  message?: unknown;
  /** For the user's errors: the compiled cell's file name, `<cell N: step S>` (N counts from 1), and the line. */
  cell?: unknown;
  line?: unknown;
}

/** The runtime's account of a failure as step state: its words and, when the user's code raised, where. */
export function describeFailure(record: unknown): Pick<StepState, 'message' | 'failure'> | undefined {
  const { message, cell, line } = (record ?? {}) as FailureRecord;
  if (typeof message !== 'string') {
    return undefined;
  }
  if (typeof cell !== 'string') {
    return { message };
  }
  const index = /^<cell (\d+):/.exec(cell);
  const failure = index && typeof line === 'number' && Number.isInteger(line) ? { cell: Number(index[1]) - 1, line, error: message } : undefined;
  return { message: `${message} (${cell}, line ${line})`, failure };
}

/** What a result document says: the runtime's status for the step ('Succeeded' only once it ran to its end), metrics, failure. */
export interface StepResult {
  status: string;
  metrics?: Record<string, number>;
  failure?: Pick<StepState, 'message' | 'failure'>;
}

/** A result document's text read; undefined when it is not one. */
export function readStepResult(text: string): StepResult | undefined {
  let document: { status?: unknown; metrics?: unknown; error?: unknown };
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!document || typeof document !== 'object' || typeof document.status !== 'string') {
    return undefined;
  }
  const metrics =
    document.metrics && typeof document.metrics === 'object'
      ? Object.fromEntries(Object.entries(document.metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number'))
      : undefined;
  return {
    status: document.status,
    metrics: metrics && Object.keys(metrics).length ? metrics : undefined,
    failure: document.status === 'Failed' ? describeFailure(document.error) : undefined
  };
}
