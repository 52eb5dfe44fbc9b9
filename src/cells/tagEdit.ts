/**
 * Edits of a cell's tags by the cell toolbar. Only cellpipe's and Kale's own tags are read or
 * written; every other tag (other tools', the user's) is kept as it is, in its place.
 */
import { parseTag, type ParsedTag } from '../core/notebook';

export type CellRoleChoice = 'none' | 'step' | 'skip' | 'imports' | 'functions' | 'parameters' | 'metrics';

export const ROLE_CHOICES: ReadonlyArray<{ value: CellRoleChoice; label: string }> = [
  { value: 'none', label: 'no tag (joins the step above)' },
  { value: 'step', label: 'step' },
  { value: 'skip', label: 'skip' },
  { value: 'imports', label: 'imports' },
  { value: 'functions', label: 'functions' },
  { value: 'parameters', label: 'parameters' },
  { value: 'metrics', label: 'metrics' }
];

/** Per-step configuration as the configure dialog edits it; empty strings mean "not set". */
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
}

const GPU = 'nvidia.com/gpu';
const ROLE_TAGS: Record<string, CellRoleChoice> = {
  skip: 'skip',
  imports: 'imports',
  functions: 'functions',
  'pipeline-parameters': 'parameters',
  parameters: 'parameters',
  'pipeline-metrics': 'metrics'
};
const ROLE_TAG_OF: Record<Exclude<CellRoleChoice, 'none' | 'step'>, string> = {
  skip: 'skip',
  imports: 'imports',
  functions: 'functions',
  parameters: 'pipeline-parameters',
  metrics: 'pipeline-metrics'
};

function isStepTag(tag: string): boolean {
  return parseTag(tag).kind === 'step';
}

/** Kinds of tags that configure a step or depend on one: they only mean something on a step cell. */
const STEP_OWNED_KINDS: ReadonlySet<ParsedTag['kind']> = new Set(['prev', 'limit', 'image', 'cache', 'retry', 'timeout']);

function isStepOwnedTag(tag: string): boolean {
  return STEP_OWNED_KINDS.has(parseTag(tag).kind);
}

export function readTags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

/** The role the tags give a cell, and its step name for a step cell. */
export function cellRole(tags: readonly string[]): { role: CellRoleChoice; step: string | null } {
  for (const tag of tags) {
    const parsed = parseTag(tag);
    if (parsed.kind === 'step') {
      return { role: 'step', step: parsed.name };
    }
    if (Object.prototype.hasOwnProperty.call(ROLE_TAGS, tag)) {
      return { role: ROLE_TAGS[tag], step: null };
    }
  }
  return { role: 'none', step: null };
}

/**
 * Gives the cell a new role. Role tags of cellpipe/Kale are replaced; step-only tags (prev:,
 * limits, image, ...) go when the cell stops being a step; other tags stay.
 */
export function setRole(tags: readonly string[], role: CellRoleChoice, stepName?: string): string[] {
  const kept = tags.filter(
    tag => !isStepTag(tag) && !Object.prototype.hasOwnProperty.call(ROLE_TAGS, tag) && (role === 'step' || !isStepOwnedTag(tag))
  );
  if (role === 'none') {
    return kept;
  }
  if (role === 'step') {
    return [stepTag(tags, stepName ?? 'step'), ...kept];
  }
  return [ROLE_TAG_OF[role], ...kept];
}

/** `step:NAME`, or Kale's `block:NAME` when the cell already used that spelling (Kale can read it). */
function stepTag(previous: readonly string[], name: string): string {
  const kale = previous.some(tag => tag.startsWith('block:') && isStepTag(tag));
  return `${kale ? 'block' : 'step'}:${name}`;
}

/** Renames the cell's step, keeping the tag's place and spelling. */
export function setStepName(tags: readonly string[], name: string): string[] {
  const index = tags.findIndex(isStepTag);
  if (index < 0) {
    return setRole(tags, 'step', name);
  }
  const next = [...tags];
  next[index] = stepTag([tags[index]], name);
  return next;
}

/** What the configure dialog shows for the cell's tags. */
export function readStepConfig(tags: readonly string[]): StepConfigForm {
  const form: StepConfigForm = { image: '', cpu: '', memory: '', gpu: '', retries: '', timeout: '', cache: 'default', after: [] };
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
    }
  }
  return form;
}

/**
 * Writes the dialog's values as tags. The tags it edits are replaced where the first of them was;
 * limits on other resources, labels, secrets and foreign tags stay.
 */
export function writeStepConfig(tags: readonly string[], form: StepConfigForm): string[] {
  // Every step-owned tag, except limits on resources the dialog does not show.
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
  const at = tags.findIndex(edited);
  const kept = tags.filter(tag => !edited(tag));
  const insertAt = at < 0 ? kept.length : tags.slice(0, at).filter(tag => !edited(tag)).length;
  return [...kept.slice(0, insertAt), ...fresh, ...kept.slice(insertAt)];
}

/** Problems with the dialog's values, in words, by checking the tags they become. */
export function configProblems(form: StepConfigForm): string[] {
  const probe = writeStepConfig([], form);
  return probe.flatMap(tag => {
    const parsed = parseTag(tag);
    return parsed.kind === 'invalid' ? [`${tag}: ${parsed.reason}`] : [];
  });
}
