/**
 * Which bundle runs which command. `cellpipe` (jupyterlab_cellpipe/server/cellpipe.cjs) is a few
 * lines that look at the first argument and load one bundle beside it: `analyze` and `compile`
 * each have a small bundle of their own (the core, commander, and for compile yaml and ajv), every
 * other command (and `--help`, `--version`, `help CMD`, usage errors) runs from the full one, which
 * also holds analyze and compile. server/build.mjs builds one bundle per entry of ENTRY_FILES.
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
