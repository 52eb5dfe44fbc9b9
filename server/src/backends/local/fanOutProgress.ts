/**
 * Where a local run's fan-out step is (docs/fan-out.md): its instances by item index, which may
 * start now, and what the step's state says of them. The processes themselves are LocalRun's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { itemsFile } from '../../../../src/core/compile/runtime/contract';
import type { InstanceState, StepState } from '../../../../src/core/run/types';
import { CellpipeError } from '../../errors';
import { failedItemMessage } from '../../../../src/core/run/failedItem';

export class FanOutProgress {
  /** Instances started and not ended. */
  readonly running = new Set<number>();
  /** The item the gather is running for (it runs once, after every instance succeeded). */
  gathering = false;

  /**
   * @param step the step's state, whose `instances` this keeps
   * @param parallelism the most instances at once (`foreach:NAME:N`), null: the run's workers
   */
  constructor(
    readonly step: StepState,
    count: number,
    private readonly parallelism: number | null,
    kept: ReadonlySet<number>
  ) {
    step.instances = Array.from({ length: count }, (_, i) => ({ status: kept.has(i) ? 'Succeeded' : 'Pending' }));
  }

  get instances(): InstanceState[] {
    return this.step.instances!;
  }

  /** Items that may start now, given `free` worker slots; none once an item failed. */
  startable(free: number): number[] {
    if (this.failed() !== undefined) {
      return [];
    }
    const room = Math.min(free, (this.parallelism ?? Infinity) - this.running.size);
    const pending = this.instances.flatMap((instance, i) => (instance.status === 'Pending' ? [i] : []));
    return pending.slice(0, Math.max(0, room));
  }

  /** The first item (by index) that failed, if any. */
  failed(): number | undefined {
    const index = this.instances.findIndex(instance => instance.status === 'Failed');
    return index < 0 ? undefined : index;
  }

  /** Every instance has ended, or can no longer start (an item failed, or the run was cancelled). */
  settled(cancelled: boolean): boolean {
    if (this.running.size > 0) {
      return false;
    }
    return cancelled || this.failed() !== undefined || this.instances.every(instance => instance.status === 'Succeeded');
  }

  /** Marks the instances that never started (an item failed, or the run was cancelled). */
  leaveUnstarted(status: 'Skipped' | 'Cancelled'): void {
    this.instances.forEach(instance => {
      if (instance.status === 'Pending') {
        instance.status = status;
      }
    });
  }

  /** The step's message when an item failed: which item, and the item's own account. */
  failureMessage(): string | undefined {
    const index = this.failed();
    if (index === undefined) {
      return undefined;
    }
    const failedCount = this.instances.filter(instance => instance.status === 'Failed').length;
    return failedItemMessage(index, this.instances.length, this.instances[index].message ?? 'see its log', failedCount - 1);
  }
}

/** The number of items of the list a fan-out step runs over, from its producer's items file. */
export function itemCount(dataDir: string, fromStep: string, over: string): number {
  const path = join(dataDir, fromStep, itemsFile(over));
  let items: unknown;
  try {
    items = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CellpipeError(
      'invalid',
      `cannot read the items of ${over} from step '${fromStep}' (${(error as Error).message}): run the pipeline again`
    );
  }
  if (!Array.isArray(items)) {
    throw new CellpipeError('invalid', `the items file of ${over} (${path}) is not a list: run the pipeline again`);
  }
  return items.length;
}
