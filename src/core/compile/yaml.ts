/**
 * YAML for compiled documents, written by the `yaml` package (never by string templates): every
 * string is quoted or block-scaled by the library as YAML requires.
 */
import { Document } from 'yaml';

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One YAML document, with `comment` (lines, each written after a `#`) above it. */
export function toYaml(document: unknown, comment?: string): string {
  const doc = new Document(document, OPTIONS);
  if (comment) {
    doc.commentBefore = comment;
  }
  return doc.toString(OPTIONS);
}

/** Several documents in one file, separated by `---`, with `comment` above the first. */
export function toYamlDocuments(documents: readonly unknown[], comment?: string): string {
  return documents.map((d, i) => toYaml(d, i === 0 ? comment : undefined)).join('---\n');
}
