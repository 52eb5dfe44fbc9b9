/** The targets a pipeline compiles to, and what a compiled file is (kept apart from the compilers, so the browser can name them without loading them). */
export const COMPILE_TARGETS = ['scripts', 'argo', 'kfp'] as const;
export type CompileTarget = (typeof COMPILE_TARGETS)[number];

export function isCompileTarget(name: unknown): name is CompileTarget {
  return (COMPILE_TARGETS as readonly unknown[]).includes(name);
}

export interface CompiledFile {
  name: string;
  content: string;
}
