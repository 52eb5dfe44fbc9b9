import type { Diagnostic } from '../../notebook';
import { formatErrors } from '../../analysis';

/** Collects diagnostics while compiling. */
export class CompileDiagnostics {
  readonly list: Diagnostic[] = [];

  error(message: string, cell: number | null = null, code = 'compile-invalid-value'): void {
    this.list.push({ severity: 'error', code, message, cell, line: 1, column: 1 });
  }

  warning(message: string, cell: number | null, code: string): void {
    this.list.push({ severity: 'warning', code, message, cell, line: 1, column: 1 });
  }

  info(message: string, cell: number | null, code: string): void {
    this.list.push({ severity: 'info', code, message, cell, line: 1, column: 1 });
  }

  get hasErrors(): boolean {
    return this.list.some(d => d.severity === 'error');
  }
}

/** Thrown when a pipeline cannot become a valid cluster document (Workflow, KFP pipeline). */
export class ClusterCompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super('the pipeline cannot be compiled for the cluster:\n' + formatErrors(diagnostics));
  }
}

/** The result, or ClusterCompileError when there are errors. */
export function orThrow<T>(value: T, diagnostics: Diagnostic[]): T {
  if (diagnostics.some(d => d.severity === 'error')) {
    throw new ClusterCompileError(diagnostics);
  }
  return value;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Bytes of `text` in UTF-8 (the core has no TextEncoder type: it runs in the browser and Node alike). */
export function utf8Bytes(text: string): number {
  // A compiled document is ASCII but for what users wrote: counted by a native scan, not a loop.
  if (!NON_ASCII.test(text)) {
    return text.length;
  }
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one character of four bytes
      i++;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

/** What Kubernetes stores in one object: etcd's default request limit (--max-request-bytes). */
export const MAX_OBJECT_BYTES = 1536 * 1024;

/**
 * Checks the size of a document Kubernetes will store as one object: an error above etcd's
 * limit (the API server would refuse it with a less helpful message), a warning above two thirds
 * of it (Argo writes each node's status into the same object as the run goes on).
 */
export function checkObjectSize(what: string, document: unknown, out: CompileDiagnostics): void {
  const bytes = utf8Bytes(JSON.stringify(document));
  const size = `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  const advice = 'split the notebook into smaller pipelines, or move large literals (data pasted into cells) into files the steps read';
  if (bytes > MAX_OBJECT_BYTES) {
    out.error(`the ${what} is ${size}, more than the 1.5 MiB Kubernetes stores in one object: ${advice}`, null, 'compile-too-large');
  } else if (bytes > (MAX_OBJECT_BYTES * 2) / 3) {
    out.warning(
      `the ${what} is ${size}, close to the 1.5 MiB Kubernetes stores in one object (Argo adds each step's status as it runs): ${advice}`,
      null,
      'compile-large'
    );
  }
}
