// Entry point of the `cellpipe` command (bundled to jupyterlab_cellpipe/server/cellpipe.cjs): loads
// the bundle beside it that holds the command asked for (cli/entry/bundles.ts), through V8's code
// cache (cli/entry/loadBundle.ts). Keep it to Node built-ins: every command pays for what it loads.
import { join } from 'node:path';
import { bundleFor } from './cli/entry/bundles';
import { loadBundle, type BundleFacts } from './cli/entry/loadBundle';

/** Each bundle's content hash and whether it is ASCII, written in by server/build.mjs. */
declare const CELLPIPE_BUNDLES: Record<string, BundleFacts> | undefined;

const bundle = bundleFor(process.argv.slice(2));
loadBundle(join(__dirname, bundle), typeof CELLPIPE_BUNDLES === 'undefined' ? undefined : CELLPIPE_BUNDLES[bundle]);
