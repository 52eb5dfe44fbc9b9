/**
 * A step's configuration tags (image, resource limits, retries, timeout, cache, `prev:`, `foreach:`) read as
 * the fields of a form and written back. Only the tags the form edits are replaced; limits on
 * other resources, labels, secrets and every foreign tag stay, in their place.
 */
import { parseTag, type ParsedTag } from './tags';

/** Per-step configuration as a form edits it; empty strings mean "not set". */
export interface StepConfigForm {
  image: string;
  cpu: string;
  memory: string;
  gpu: string;
  retries: string;
  timeout: string;
  cache: 'default' | 'enabled' | 'disabled';
  /** Explicit dependencies (`prev:` tags), step names. */
  after: string[];
  /** The list a fan-out step runs over (`foreach:NAME`), and the most items at once (`foreach:NAME:N`). */
  foreach: string;
  itemsAtOnce: string;
}

const GPU = 'nvidia.com/gpu';

/** Kinds of tags that configure a step or depend on one: they only mean something on a step cell. */
const STEP_OWNED_KINDS: ReadonlySet<ParsedTag['kind']> = new Set(['prev', 'limit', 'image', 'cache', 'retry', 'timeout', 'foreach']);

export function isStepOwnedTag(tag: string): boolean {
  return STEP_OWNED_KINDS.has(parseTag(tag).kind);
}

/** The form's values for a cell's tags. */
export function readStepConfig(tags: readonly string[]): StepConfigForm {
  const form: StepConfigForm = {
    image: '',
    cpu: '',
    memory: '',
    gpu: '',
    retries: '',
    timeout: '',
    cache: 'default',
    after: [],
    foreach: '',
    itemsAtOnce: ''
  };
  for (const tag of tags) {
    const parsed = parseTag(tag);
    switch (parsed.kind) {
      case 'image':
        form.image = parsed.ref;
        break;
      case 'limit':
        if (parsed.resource === 'cpu') {
          form.cpu = parsed.value;
        } else if (parsed.resource === 'memory') {
          form.memory = parsed.value;
        } else if (parsed.resource === GPU) {
          form.gpu = parsed.value;
        }
        break;
      case 'retry':
        form.retries = String(parsed.count);
        break;
      case 'timeout':
        form.timeout = parsed.duration;
        break;
      case 'cache':
        form.cache = parsed.enabled ? 'enabled' : 'disabled';
        break;
      case 'prev':
        form.after.push(parsed.name);
        break;
      case 'foreach':
        form.foreach = parsed.over;
        form.itemsAtOnce = parsed.parallelism === null ? '' : String(parsed.parallelism);
        break;
    }
  }
  return form;
}

/** Writes the form's values as tags, where the first of the tags it edits was. */
export function writeStepConfig(tags: readonly string[], form: StepConfigForm): string[] {
  // Every step-owned tag, except limits on resources the form does not show.
  const edited = (tag: string): boolean => {
    const parsed = parseTag(tag);
    return parsed.kind === 'limit' ? ['cpu', 'memory', GPU].includes(parsed.resource) : STEP_OWNED_KINDS.has(parsed.kind);
  };
  const fresh: string[] = [];
  const add = (prefix: string, value: string): void => {
    if (value.trim()) {
      fresh.push(`${prefix}${value.trim()}`);
    }
  };
  add('image:', form.image);
  add('limit:cpu:', form.cpu);
  add('limit:memory:', form.memory);
  add(`limit:${GPU}:`, form.gpu);
  add('retry:', form.retries);
  add('timeout:', form.timeout);
  if (form.cache !== 'default') {
    fresh.push(`cache:${form.cache}`);
  }
  for (const name of form.after) {
    add('prev:', name);
  }
  if (form.foreach.trim()) {
    add('foreach:', form.itemsAtOnce.trim() ? `${form.foreach.trim()}:${form.itemsAtOnce.trim()}` : form.foreach);
  }
  const at = tags.findIndex(edited);
  const kept = tags.filter(tag => !edited(tag));
  const insertAt = at < 0 ? kept.length : tags.slice(0, at).filter(tag => !edited(tag)).length;
  return [...kept.slice(0, insertAt), ...fresh, ...kept.slice(insertAt)];
}

/** Problems with the form's values, in words, by checking the tags they become. */
export function configProblems(form: StepConfigForm): string[] {
  const probe = writeStepConfig([], form);
  const orphan = form.itemsAtOnce.trim() && !form.foreach.trim() ? ['Items at once: say which list the step runs over (For each item of)'] : [];
  return [
    ...probe.flatMap(tag => {
      const parsed = parseTag(tag);
      return parsed.kind === 'invalid' ? [`${tag}: ${parsed.reason}`] : [];
    }),
    ...orphan
  ];
}
