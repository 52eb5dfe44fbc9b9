// Bundles the Node service and CLI into self-contained CommonJS files that ship inside the Python
// package (jupyterlab_cellpipe/server/): a user needs Node, not node_modules.
//   cellpipe.cjs           the `cellpipe` command: a dispatcher of a few lines (server/src/cli.ts)
//   cellpipe-analyze.cjs   `cellpipe analyze` alone (the core, commander)
//   cellpipe-compile.cjs   `cellpipe compile` alone (the core, commander, yaml, ajv)
//   cellpipe-full.cjs      every command, the HTTP service and the backends
// so `analyze` and `compile` start without loading the service (see server/src/cli/entry/bundles.ts).
// The benchmarks are bundled beside it, outside the package.
// `node server/build.mjs --cli OUT` bundles only the CLI: the dispatcher into OUT, the others beside it
// (the end-to-end specs do).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The Python step runtime is embedded in every step script as text.
  loader: { '.py': 'text' }
};

/** Bundle file name -> entry; cli/entry/bundles.ts says which command runs from which. */
const BUNDLES = {
  'cellpipe-full': 'server/src/cli/entry/full.ts',
  'cellpipe-analyze': 'server/src/cli/entry/analyze.ts',
  'cellpipe-compile': 'server/src/cli/entry/compile.ts'
};

const cliOnly = process.argv.indexOf('--cli');
const cli = cliOnly > 0 ? process.argv[cliOnly + 1] : 'jupyterlab_cellpipe/server/cellpipe.cjs';
const outdir = dirname(cli);
await build({
  ...common,
  entryPoints: BUNDLES,
  outdir,
  outExtension: { '.js': '.cjs' }
});
// The dispatcher keys each bundle's V8 code cache by its content (cli/entry/loadBundle.ts).
const hashes = Object.fromEntries(
  Object.keys(BUNDLES).map(name => {
    const file = `${name}.cjs`;
    return [file, createHash('sha256').update(readFileSync(join(outdir, file))).digest('hex').slice(0, 16)];
  })
);
await build({
  ...common,
  sourcemap: false,
  entryPoints: ['server/src/cli.ts'],
  outfile: cli,
  banner: { js: '#!/usr/bin/env node' },
  define: { CELLPIPE_BUNDLE_HASHES: JSON.stringify(hashes) }
});
chmodSync(cli, 0o755);
if (cliOnly > 0) {
  process.exit(0);
}

await build({
  ...common,
  entryPoints: ['server/bench/index.ts'],
  outfile: 'server/dist/bench.cjs'
});
