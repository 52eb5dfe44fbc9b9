/**
 * YAML for compiled documents, written by the `yaml` package (never by string templates): every
 * string is quoted or block-scaled by the library as YAML requires.
 */
import { stringify } from 'yaml';

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One YAML document. */
export function toYaml(document: unknown): string {
  return stringify(document, OPTIONS);
}

/** Several documents in one file, separated by `---`. */
export function toYamlDocuments(documents: readonly unknown[]): string {
  return documents.map(d => stringify(d, OPTIONS)).join('---\n');
}
