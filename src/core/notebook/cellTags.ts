/** A cell's `tags` metadata as its list of tags: anything that is not a list of strings reads as no tags. */
export function readTags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}
