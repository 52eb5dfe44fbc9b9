// Bundles the Node service and CLI into self-contained CommonJS files that ship inside the Python
// package (jupyterlab_cellpipe/server/): a user needs Node, not node_modules.
//   cellpipe.cjs           the `cellpipe` command: a dispatcher of a few lines (server/src/cli.ts)
//   cellpipe-analyze.cjs   `cellpipe analyze` alone (the core, commander)
//   cellpipe-compile.cjs   `cellpipe compile` alone (the core, commander, yaml, ajv)
//   cellpipe-full.cjs      every command, the HTTP service and the backends
// so `analyze` and `compile` start without loading the service (see server/src/cli/entry/bundles.ts).
// Beside them: their source maps (`node --enable-source-maps`), the licences of bundled packages
// (*.LEGAL.txt) and cellpipe-bundles.json, what each bundle holds (the start-up spec reads it).
// Whitespace is minified: half the bytes to read, and ASCII only, so the dispatcher reads a bundle
// as Latin-1 into a one-byte string (a 7 MB two-byte one costs ~15 ms more to read).
// The benchmarks are bundled beside it, outside the package.
// `node server/build.mjs --cli OUT` bundles only the CLI: the dispatcher into OUT, the others beside it
// (the end-to-end specs do).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minifyWhitespace: true,
  legalComments: 'external',
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
const { metafile } = await build({
  ...common,
  entryPoints: BUNDLES,
  outdir,
  outExtension: { '.js': '.cjs' },
  metafile: true
});
// What each bundle holds: packages by name, this repository's files by path.
const contents = {};
for (const [output, { entryPoint, inputs }] of Object.entries(metafile.outputs)) {
  if (entryPoint) {
    const held = Object.keys(inputs).map(input => {
      const inPackage = input.split('node_modules/').at(-1);
      return inPackage === input ? input : inPackage.split('/').slice(0, inPackage.startsWith('@') ? 2 : 1).join('/');
    });
    contents[relative(outdir, output)] = [...new Set(held)].sort();
  }
}
writeFileSync(join(outdir, 'cellpipe-bundles.json'), JSON.stringify(contents, null, 1) + '\n');
// The dispatcher keys each bundle's V8 code cache by its content and reads an ASCII bundle as
// Latin-1 (cli/entry/loadBundle.ts).
const bundles = Object.fromEntries(
  Object.keys(BUNDLES).map(name => {
    const file = `${name}.cjs`;
    const bytes = readFileSync(join(outdir, file));
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    return [file, { hash, ascii: !bytes.some(byte => byte > 0x7f) }];
  })
);
await build({
  ...common,
  sourcemap: false,
  entryPoints: ['server/src/cli.ts'],
  outfile: cli,
  banner: { js: '#!/usr/bin/env node' },
  define: { CELLPIPE_BUNDLES: JSON.stringify(bundles) }
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
