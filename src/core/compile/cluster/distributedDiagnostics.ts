/**
 * What a cluster target says about distributed and served steps before it compiles them: the
 * notebook's choice of resource, a volume N node pods cannot all mount, a model saved on a claim
 * the run deletes.
 */
import type { Pipeline } from '../../pipeline';
import type { CompileDiagnostics } from './diagnostics';
import type { DistributedResource } from './launcherScript';
import type { VolumeOptions } from './options';

const RESOURCES: readonly DistributedResource[] = ['trainjob', 'pytorchjob'];

/** The resource distributed steps become (the notebook's `distributed` setting; default TrainJob). */
export function distributedResourceOf(pipeline: Pipeline, out: CompileDiagnostics): DistributedResource {
  const chosen = pipeline.settings.distributed ?? 'trainjob';
  if (!RESOURCES.includes(chosen as DistributedResource)) {
    out.error(`the notebook's cellpipe setting distributed: ${JSON.stringify(chosen)} is not one of ${RESOURCES.join(', ')}`);
    return 'trainjob';
  }
  return chosen as DistributedResource;
}

/** Node pods of one step on several nodes need a volume they can all mount. */
export function checkDistributedVolume(pipeline: Pipeline, volume: VolumeOptions, out: CompileDiagnostics): void {
  if (!('accessMode' in volume)) {
    return;
  }
  for (const step of pipeline.steps) {
    const workers = step.distributed?.workers ?? 1;
    if (workers < 2) {
      continue;
    }
    const cell = step.cells[0] ?? null;
    if (volume.accessMode === 'ReadWriteOncePod') {
      out.error(
        `step ${JSON.stringify(step.name)} runs ${workers} worker pods but the volume is ReadWriteOncePod, which one pod at a time may mount: ` +
          'set the volume access mode to ReadWriteMany',
        cell,
        'distributed-volume'
      );
    } else if (volume.accessMode !== 'ReadWriteMany') {
      out.warning(
        `step ${JSON.stringify(step.name)} runs ${workers} worker pods, each mounting the run's volume, but the volume is ${volume.accessMode}: ` +
          'it attaches to one node, so workers scheduled on other nodes wait or fail. Set the volume access mode to ReadWriteMany ' +
          '(a storage class that supports it), or keep the workers on one node.',
        cell,
        'distributed-read-write-once'
      );
    }
  }
}

/**
 * A served model must outlive the run, but a fresh claim is deleted with it: KServe's predictor,
 * which mounts the claim, keeps it (Kubernetes holds a claim in use) until it restarts or scales
 * to zero, and then finds no model. An existing claim (the notebook's `metadata.cellpipe.volume.claim`,
 * or the compile options' volume) keeps the models below _models/.
 */
export function checkServedModelsClaim(pipeline: Pipeline, volume: VolumeOptions, out: CompileDiagnostics): void {
  if ('existingClaim' in volume) {
    return;
  }
  for (const step of pipeline.steps.filter(s => s.serve)) {
    out.warning(
      `step ${JSON.stringify(step.name)} serves ${step.serve!.model} from the run's fresh volume claim, which is deleted with the run: ` +
        'the served model keeps the claim while its predictor runs, and is gone once the predictor restarts. ' +
        "Name an existing claim as the run's volume (the notebook's metadata.cellpipe.volume.claim) so that the model outlives the run.",
      step.cells[0] ?? null,
      'serve-on-run-claim'
    );
  }
}
