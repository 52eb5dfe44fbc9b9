/**
 * The role a cell's own tags give it (a step and its name, skip, prelude,
 * parameters, metrics), read and changed. Only cellpipe's and Kale's own tags are read or
 * written; every other tag (other tools', the user's) is kept as it is, in its place.
 */
import { isStepOwnedTag } from './stepConfigTags';
import { parseTag } from './tags';

export type TaggedRole = 'none' | 'step' | 'skip' | 'imports' | 'functions' | 'parameters' | 'metrics';

const ROLE_OF_TAG: Record<string, TaggedRole> = {
  skip: 'skip',
  imports: 'imports',
  functions: 'functions',
  'pipeline-parameters': 'parameters',
  parameters: 'parameters',
  'pipeline-metrics': 'metrics'
};

const TAG_OF_ROLE: Record<Exclude<TaggedRole, 'none' | 'step'>, string> = {
  skip: 'skip',
  imports: 'imports',
  functions: 'functions',
  parameters: 'pipeline-parameters',
  metrics: 'pipeline-metrics'
};

/** A step tag, Kale's empty `step:` (continue the step above) included, so a new role replaces it. */
function isStepTag(tag: string): boolean {
  const kind = parseTag(tag).kind;
  return kind === 'step' || kind === 'continuation';
}

function isRoleTag(tag: string): boolean {
  return Object.prototype.hasOwnProperty.call(ROLE_OF_TAG, tag);
}

/** The role the tags give a cell, and its step name for a step cell. */
export function taggedRole(tags: readonly string[]): { role: TaggedRole; step: string | null } {
  for (const tag of tags) {
    const parsed = parseTag(tag);
    if (parsed.kind === 'step') {
      return { role: 'step', step: parsed.name };
    }
    if (isRoleTag(tag)) {
      return { role: ROLE_OF_TAG[tag], step: null };
    }
  }
  return { role: 'none', step: null };
}

/**
 * Gives the cell a new role. Role tags of cellpipe/Kale are replaced; step-only tags (prev:,
 * limits, image, ...) go when the cell stops being a step; other tags stay.
 */
export function setRole(tags: readonly string[], role: TaggedRole, stepName?: string): string[] {
  const kept = tags.filter(tag => !isStepTag(tag) && !isRoleTag(tag) && (role === 'step' || !isStepOwnedTag(tag)));
  if (role === 'none') {
    return kept;
  }
  if (role === 'step') {
    return [stepTag(tags, stepName ?? 'step'), ...kept];
  }
  return [TAG_OF_ROLE[role], ...kept];
}

/** `step:NAME`, or Kale's `block:NAME` when the cell already used that spelling (Kale can read it). */
function stepTag(previous: readonly string[], name: string): string {
  const kale = previous.some(tag => tag.startsWith('block:') && parseTag(tag).kind === 'step');
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
