// Bundles the Node service and CLI into one self-contained CommonJS file that ships inside the
// Python package (jupyterlab_cellpipe/server/cellpipe.cjs): a user needs Node, not node_modules.
// The benchmarks are bundled beside it, outside the package.
// `node server/build.mjs --cli OUT` bundles only the CLI, into OUT (the end-to-end specs do).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

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

const cliOnly = process.argv.indexOf('--cli');
const cli = cliOnly > 0 ? process.argv[cliOnly + 1] : 'jupyterlab_cellpipe/server/cellpipe.cjs';
await build({
  ...common,
  entryPoints: ['server/src/cli.ts'],
  outfile: cli,
  banner: { js: '#!/usr/bin/env node' }
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
