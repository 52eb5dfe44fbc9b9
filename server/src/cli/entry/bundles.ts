/**
 * Which bundle runs which command. `cellpipe` (jupyterlab_cellpipe/server/cellpipe.cjs) is a few
 * lines that look at the first argument and load one bundle beside it: `analyze` and `compile`
 * each have a small bundle of their own (entry/analyze.ts, entry/compile.ts: the core, commander,
 * and for compile yaml and ajv); every other command, and the program's own `--help`, `--version`,
 * `help CMD` and unknown commands, runs from the full one (entry/full.ts, cli/program.ts), which
 * holds analyze and compile too. server/build.mjs builds one bundle per entry (its BUNDLES).
 *
 * For analyze and compile to start fast, cli/analyze.ts and cli/compile.ts, and everything they
 * import (server/src/app/ modules included), must not import server/src/service/ or
 * server/src/backends/, nor fastify, @kubernetes/client-node, undici, ws or pino; analyze not
 * yaml or ajv either. entry/startup.spec.ts checks what each bundle holds.
 *
 * No imports here: the dispatcher must stay tiny.
 */
export const FULL_BUNDLE = 'cellpipe-full.cjs';

/** First argument -> bundle that runs it; anything else runs from FULL_BUNDLE. */
export const COMMAND_BUNDLES: Readonly<Record<string, string>> = {
  analyze: 'cellpipe-analyze.cjs',
  compile: 'cellpipe-compile.cjs'
};

/**
 * The bundle that runs `cellpipe ARGS...`. Only the first argument counts: commander reads the
 * program's own options (`-h`, `-V`) before the command, so `cellpipe -h analyze` is the program's
 * help and belongs to the full bundle.
 */
export function bundleFor(args: readonly string[]): string {
  const first = args[0];
  return first !== undefined && Object.prototype.hasOwnProperty.call(COMMAND_BUNDLES, first) ? COMMAND_BUNDLES[first] : FULL_BUNDLE;
}
