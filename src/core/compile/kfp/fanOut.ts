/**
 * A fan-out step in a KFP PipelineSpec (docs/fan-out.md), as the kfp SDK compiles
 * `with dsl.ParallelFor(producer.outputs[LIST], parallelism=N) as item:` followed by a task after
 * the loop. The list's producer declares each list's items file as a LIST output parameter (its
 * completion guard copies the file where KFP reads the value); the step becomes
 *
 *   <id>--items   a task running the DAG component comp-<id>--items once per item of that list
 *                 (`parameterIterator`), at most N at once (`iteratorPolicy.parallelismLimit`):
 *                 its one task, <id>--item, runs the step's script as the instance of its item
 *                 (the guard's --item); KFP runs each iteration, then fails the loop if one failed
 *   <id>          the gather: the step's component with CELLPIPE_GATHER=1, after <id>--items; the
 *                 steps after the fan-out depend on it as on any step.
 *
 * Names with `--` never collide with a step id; input names with `-` never with a parameter
 * (cluster/parameters.ts: identifiers).
 */
import type { Pipeline, PipelineStep } from '../../pipeline';
import { itemsTaskName, itemTaskName } from '../cluster/fanOutNames';
import { itemsFile } from '../runtime/contract';
import { GUARD_ITEM_OPTION, GUARD_LIST_OPTION } from './completionGuard';

type Json = Record<string, unknown>;

/** The item component's input holding the item (an index: the lists are `[0, ..., n-1]`). */
export const KFP_ITEM_INPUT = 'cellpipe-item';

/** The output parameter of a producer carrying the items of its output `over`. */
function itemsParameter(producer: PipelineStep, over: string): string {
  return `cellpipe_items_${(producer.itemLists ?? []).indexOf(over)}`;
}

/** A producer's item lists as LIST output parameters. */
export function itemListOutputDefinitions(step: PipelineStep): Json {
  return Object.fromEntries((step.itemLists ?? []).map(over => [itemsParameter(step, over), { parameterType: 'LIST' }]));
}

/** The guard's options copying a producer's items files where KFP reads its output parameters. */
export function itemListGuardOptions(step: PipelineStep): string[] {
  return (step.itemLists ?? []).flatMap(over => [
    GUARD_LIST_OPTION,
    itemsFile(over),
    `{{$.outputs.parameters['${itemsParameter(step, over)}'].output_file}}`
  ]);
}

/** The guard's option making the item component's run the instance of its item. */
export const ITEM_GUARD_OPTIONS = [GUARD_ITEM_OPTION, `{{$.inputs.parameters['${KFP_ITEM_INPUT}']}}`];

/** The item component's input definitions: the item, beside the pipeline's parameters. */
export function itemInputDefinitions(parameters: Json): Json {
  return { ...parameters, [KFP_ITEM_INPUT]: { parameterType: 'NUMBER_INTEGER' } };
}

/**
 * The loop: its DAG component (named comp-<id>--items) and its task in the root DAG.
 * `parameters` are the pipeline's parameter definitions, passed into the loop for the item task;
 * `retryPolicy` the step's, which each item's task keeps.
 */
export function fanOutLoop(
  pipeline: Pipeline,
  step: PipelineStep,
  parameters: Json,
  dependentTasks: string[],
  componentName: (task: string) => string,
  retryPolicy: Json
): { component: Json; task: Json } {
  const fanOut = step.fanOut!;
  const producer = pipeline.steps.find(s => s.id === fanOut.from)!;
  const output = itemsParameter(producer, fanOut.over);
  // The SDK's names for a loop's channels: the list passed in, and each iteration's item.
  const list = `pipelinechannel--${producer.id}-${output}`;
  const item = `${list}-loop-item`;
  const fromPipeline = Object.fromEntries(Object.keys(parameters).map(name => [name, { componentInputParameter: name }]));
  const component: Json = {
    dag: {
      tasks: {
        [itemTaskName(step.id)]: {
          taskInfo: { name: itemTaskName(step.id) },
          componentRef: { name: componentName(itemTaskName(step.id)) },
          cachingOptions: { enableCache: false },
          inputs: { parameters: { ...fromPipeline, [KFP_ITEM_INPUT]: { componentInputParameter: item } } },
          ...retryPolicy
        }
      }
    },
    inputDefinitions: { parameters: { ...parameters, [list]: { parameterType: 'LIST' }, [item]: { parameterType: 'STRING' } } }
  };
  const task: Json = {
    taskInfo: { name: itemsTaskName(step.id) },
    componentRef: { name: componentName(itemsTaskName(step.id)) },
    dependentTasks,
    inputs: { parameters: { ...fromPipeline, [list]: { taskOutputParameter: { producerTask: producer.id, outputParameterKey: output } } } },
    parameterIterator: { itemInput: item, items: { inputParameter: list } },
    ...(fanOut.parallelism !== null ? { iteratorPolicy: { parallelismLimit: fanOut.parallelism } } : {})
  };
  return { component, task };
}
