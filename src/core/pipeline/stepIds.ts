/** Longest step id: Argo task and template names end up inside pod names (63 characters at most). */
export const MAX_STEP_ID = 40;

/**
 * A lowercase DNS-1123 label of at most `max` characters for any text: accents folded, runs of
 * anything else turned into '-', starting with a letter; `fallback` when nothing is left.
 */
export function dnsLabel(text: string, max: number, fallback: string): string {
  const label = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return label || fallback;
}

/** The id a user's step name would get if no other step took it first. */
export function stepIdBase(name: string): string {
  return dnsLabel(name, MAX_STEP_ID, 'step');
}

/**
 * Unique ids for step names, in order: a name whose base id is taken gets `-2`, `-3`, ... (cut to
 * fit), so two names that fold to the same id never share a folder, a template or a pod.
 */
export function assignStepIds(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map(name => {
    const base = stepIdBase(name);
    let id = base;
    for (let n = 2; used.has(id); n++) {
      const suffix = `-${n}`;
      id = base.slice(0, MAX_STEP_ID - suffix.length).replace(/-+$/, '') + suffix;
    }
    used.add(id);
    return id;
  });
}
