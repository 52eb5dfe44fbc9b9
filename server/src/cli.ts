// Entry point of the `cellpipe` command (bundled to jupyterlab_cellpipe/server/cellpipe.cjs): loads
// the bundle beside it that holds the command asked for (cli/entry/bundles.ts), through V8's code
// cache (cli/entry/loadBundle.ts). Keep it to Node built-ins: every command pays for what it loads.
import { join } from 'node:path';
import { bundleFor } from './cli/entry/bundles';
import { loadBundle } from './cli/entry/loadBundle';

/** Content hash of each bundle, written in by server/build.mjs (absent when run unbundled). */
declare const CELLPIPE_BUNDLE_HASHES: Record<string, string> | undefined;

const bundle = bundleFor(process.argv.slice(2));
const hashes = typeof CELLPIPE_BUNDLE_HASHES === 'undefined' ? undefined : CELLPIPE_BUNDLE_HASHES;
loadBundle(join(__dirname, bundle), hashes?.[bundle]);
