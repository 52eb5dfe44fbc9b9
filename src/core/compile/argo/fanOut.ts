/**
 * A fan-out step in a Workflow (docs/fan-out.md). Its list's producer declares the list's items
 * file as an output parameter; the step becomes
 *
 *   <id>--items   a DAG template (its `parallelism` the tag's N) with one task, `item`, run
 *                 `withParam` over that list, each running template <id>--item with CELLPIPE_ITEM
 *                 set to `{{item}}` (the step's pod, writing to <id>/items/<item>/)
 *   <id>          the gather: the step's pod with CELLPIPE_GATHER=1, after <id>--items; its outputs
 *                 are the step's (backends read the step's result there), and the steps after the
 *                 fan-out depend on it as on any step.
 *
 * Names with `--` never collide with a step id (labels.ts). Once an item failed Argo starts no
 * other (the template's `failFast`), lets the running ones end, then fails the `<id>--items` task,
 * and the gather does not run.
 */
import type { Pipeline, PipelineStep } from '../../pipeline';
import { itemsTaskName, itemTaskName } from '../cluster/fanOutNames';
import { DATA_MOUNT_PATH } from '../cluster/options';
import { INSTANCES_FOLDER, itemsFile, RESULT_PARAMETER, RUNTIME_ENV, STEP_RESULT_FILE } from '../runtime/contract';
import type { ArgoDagTask, ArgoOutputParameter, ArgoTemplate } from './types';

/** The input parameter of the items' DAG template: the list, as JSON (its node records it). */
export const ARGO_ITEMS_INPUT = 'items';

/** The output parameter of a producer carrying the items of its output `over`. */
function itemsParameter(producer: PipelineStep, over: string): string {
  return `cellpipe-items-${(producer.itemLists ?? []).indexOf(over)}`;
}

/** A producer's item lists as output parameters (read from its items files on the volume). */
export function itemListOutputs(step: PipelineStep): ArgoOutputParameter[] {
  return (step.itemLists ?? []).map(over => ({
    name: itemsParameter(step, over),
    valueFrom: { path: `${DATA_MOUNT_PATH}/{{workflow.name}}/${step.id}/${itemsFile(over)}` }
  }));
}

/**
 * The templates and the task that run a fan-out step's items. `pod` is the step's pod template
 * (as compile.ts makes it), which the item template copies with its own name, input and outputs.
 */
export function fanOutItems(
  pipeline: Pipeline,
  step: PipelineStep,
  pod: ArgoTemplate,
  dependencies: string[]
): { templates: ArgoTemplate[]; task: ArgoDagTask } {
  const fanOut = step.fanOut!;
  const producer = pipeline.steps.find(s => s.id === fanOut.from)!;
  const itemPod: ArgoTemplate = {
    ...pod,
    name: itemTaskName(step.id),
    inputs: { parameters: [{ name: 'item' }] },
    script: { ...pod.script!, env: [...(pod.script!.env ?? []), { name: RUNTIME_ENV.item, value: '{{inputs.parameters.item}}' }] },
    // The item's result document: its status (and where its code raised) for the backend.
    outputs: {
      parameters: [
        {
          name: RESULT_PARAMETER,
          valueFrom: {
            path: `${DATA_MOUNT_PATH}/{{workflow.name}}/${step.id}/${INSTANCES_FOLDER}/{{inputs.parameters.item}}/${STEP_RESULT_FILE}`,
            default: '{}'
          }
        }
      ]
    }
  };
  const items: ArgoTemplate = {
    name: itemsTaskName(step.id),
    inputs: { parameters: [{ name: ARGO_ITEMS_INPUT }] },
    ...(fanOut.parallelism !== null ? { parallelism: fanOut.parallelism } : {}),
    // Once an item failed no other starts (docs/fan-out.md); the DAG's own failFast does not stop a
    // withParam's items while others run (argo-workflows #5223), the template's does.
    failFast: true,
    dag: {
      tasks: [
        {
          name: 'item',
          template: itemPod.name,
          withParam: `{{inputs.parameters.${ARGO_ITEMS_INPUT}}}`,
          arguments: { parameters: [{ name: 'item', value: '{{item}}' }] }
        }
      ]
    }
  };
  const task: ArgoDagTask = {
    name: items.name,
    template: items.name,
    dependencies,
    arguments: {
      parameters: [{ name: ARGO_ITEMS_INPUT, value: `{{tasks.${producer.id}.outputs.parameters.${itemsParameter(producer, fanOut.over)}}}` }]
    }
  };
  return { templates: [items, itemPod], task };
}
