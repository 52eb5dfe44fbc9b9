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
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/**
 * Start-up work done at build time instead of by every process:
 * - @lezer/python's parse tables ship encoded as strings that LRParser.deserialize decodes in a
 *   JavaScript loop (~2.5 ms of a cold process); they are written in decoded, as JSON arrays
 *   (JSON.parse is native: ~0.3 ms). The arrays are the ones the package's own parser decoded,
 *   and deserialize takes an array as it is. The file stays untouched if its shape differs.
 * - commander requires node:child_process at load, and with it net and dgram (~1 ms, ~5 ms when
 *   stdout is a file), for executable sub-commands cellpipe does not have: it gets the module on
 *   first use.
 * - fflate's Node build requires node:worker_threads at load (~1.5 ms), for its asynchronous
 *   functions; cellpipe calls only the synchronous ones, which the browser build has alike.
 */
const startupPlugin = {
  name: 'cellpipe-startup',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]@lezer[\\/]python[\\/]dist[\\/]index\.c?js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const { parser } = createRequire(path)(path.replace(/index\.js$/, 'index.cjs'));
      const tokenData = parser.tokenizers.find(tokenizer => tokenizer.data instanceof Uint16Array && tokenizer.id !== undefined)?.data;
      const decoded = { states: parser.states, stateData: parser.data, goto: parser.goto, tokenData };
      let contents = source;
      for (const [key, array] of Object.entries(decoded)) {
        const pattern = new RegExp(`\\n  ${key}: "(?:[^"\\\\]|\\\\.)*",\\n`, 'g');
        const found = source.match(pattern);
        if (!array || found?.length !== 1) {
          return { contents: source, loader: 'js', warnings: [{ text: `@lezer/python: ${key} not found as expected; left encoded` }] };
        }
        const type = array instanceof Uint32Array ? 'Uint32Array' : 'Uint16Array';
        contents = contents.replace(pattern, () => `\n  ${key}: new ${type}(JSON.parse(${JSON.stringify(JSON.stringify(Array.from(array)))})),\n`);
      }
      return { contents, loader: 'js' };
    });
    pluginBuild.onResolve({ filter: /^(node:)?child_process$/ }, ({ importer }) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined
    );
    pluginBuild.onResolve({ filter: /^fflate$/ }, ({ resolveDir, kind }) => pluginBuild.resolve('fflate/browser', { resolveDir, kind }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents:
        "let loaded; const load = () => (loaded ??= require('node:child_process'));\n" +
        'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });\n',
      loader: 'js'
    }));
  }
};

/**
 * Fingerprint of the analysis code (every source under src/core, and the installed @lezer
 * packages' versions): the CLI's disk cache of cell facts (server/src/app/analysisCache.ts) holds
 * facts of one version only.
 */
function analysisVersion() {
  const hash = createHash('sha256');
  const walk = dir => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (/\.(ts|py)$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name)) {
        hash.update(path).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  walk('src/core');
  for (const pkg of ['@lezer/python', '@lezer/lr', '@lezer/common']) {
    hash.update(pkg).update(JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')).version);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The Python sources bundled as text ship without comments and docstrings (python-commentary.cjs). */
const { withoutCommentary } = createRequire(import.meta.url)('../scripts/python-commentary.cjs');
const shippedPythonPlugin = {
  name: 'cellpipe-shipped-python',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.py$/ }, ({ path }) => ({ contents: withoutCommentary(readFileSync(path, 'utf8')), loader: 'text' }));
  }
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minifyWhitespace: true,
  legalComments: 'external',
  plugins: [startupPlugin, shippedPythonPlugin],
  logLevel: 'warning',
  // Python sources (the step runtime, the launcher, probes) are bundled as text (shippedPythonPlugin).
  define: { CELLPIPE_ANALYSIS_VERSION: JSON.stringify(analysisVersion()) }
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
      return inPackage === input
        ? input
        : inPackage
            .split('/')
            .slice(0, inPackage.startsWith('@') ? 2 : 1)
            .join('/');
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
