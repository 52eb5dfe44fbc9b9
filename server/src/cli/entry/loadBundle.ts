/**
 * Runs a CommonJS bundle the way `require` would, but compiles it with V8's code cache: the first
 * run of a bundle saves the bytecode of the functions it ran to a cache file; later runs load it
 * instead of parsing and compiling the source again (Node 22's `module.enableCompileCache()` does
 * the same; Node 20 has only `vm.Script`'s `cachedData`). Saves ~10 ms of `cellpipe analyze` and
 * ~60 ms of every command of the full bundle.
 *
 * The cache lives in `$CELLPIPE_COMPILE_CACHE`, else `$XDG_CACHE_HOME/cellpipe/compile-cache`
 * (`~/.cache/...`), a folder of the user's own (mode 0700: cached bytecode runs as code).
 * `CELLPIPE_COMPILE_CACHE=0` (or Node's `NODE_DISABLE_COMPILE_CACHE=1`) turns it off. A cache is
 * keyed by the bundle's content hash, which the build writes into the dispatcher (V8 itself checks
 * only the source's length, the Node version and V8's flags): turn the cache off to edit a bundle
 * by hand. Any failure to read or write it is silent: the bundle then runs as `require` would
 * run it, and runs through `require` when the cache is off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';
import { cacheHome } from '../../cacheHome';

export const COMPILE_CACHE_ENV = 'CELLPIPE_COMPILE_CACHE';

/** The folder of cache files, or undefined when caching is off. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env[COMPILE_CACHE_ENV];
  if (setting === '0' || setting === 'off' || (env.NODE_DISABLE_COMPILE_CACHE ?? '') !== '') {
    return undefined;
  }
  if (setting) {
    return setting;
  }
  return join(cacheHome(env), 'compile-cache');
}

/**
 * Whether a run of these arguments shows what a normal run of the bundle compiles: a help or
 * version run compiles next to nothing, and its cache would then serve every later run.
 */
function representative(args: readonly string[]): boolean {
  return !args.some(arg => arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version' || arg === 'help');
}

/** What the build knows of a bundle (server/build.mjs). */
export interface BundleFacts {
  /** Hash of its content: the cache's key. */
  hash: string;
  /** No byte above 0x7f: read as Latin-1, into a one-byte string. */
  ascii: boolean;
}

/** Runs the bundle FILE as the process's program: through the code cache when it can. */
export function loadBundle(file: string, facts: BundleFacts | undefined): void {
  const cache = facts && cacheFile(file, facts.hash);
  if (!cache) {
    createRequire(file)(file);
    return;
  }
  const source = readFileSync(file, facts.ascii ? 'latin1' : 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cache);
  } catch {
    cachedData = undefined;
  }
  // The wrapper Node puts around a CommonJS module, on the source's first line (line numbers stay).
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: file,
    cachedData,
    importModuleDynamically: vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER
  });
  if ((!cachedData || script.cachedDataRejected) && representative(process.argv.slice(2))) {
    saveWhenDone(script, cache);
  }
  const bundle = new Module(file, module);
  bundle.filename = file;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(bundle.exports, bundle.exports, createRequire(file), bundle, file, dirname(file));
  bundle.loaded = true;
}

function cacheFile(file: string, contentHash: string): string | undefined {
  const dir = compileCacheDir();
  if (!dir) {
    return undefined;
  }
  const name = basename(file).replace(/\.c?js$/, '');
  return join(dir, `${name}@${contentHash}-${process.version}-${process.arch}.v8`);
}

/**
 * Saves the code cache once the command has run (it then holds the functions the command
 * compiled, not only the top level), or after a second for a long-running one (`serve`, `run`).
 * Not after a usage error (exit code 2 and above): that run compiled little.
 */
function saveWhenDone(script: Script, cache: string): void {
  let saved = false;
  const save = (exitCode: number): void => {
    if (saved || exitCode >= 2) {
      return;
    }
    saved = true;
    try {
      writeCache(cache, script.createCachedData());
    } catch {
      // No cache this time: the next run tries again.
    }
  };
  process.once('exit', save);
  setTimeout(() => save(0), 1000).unref();
}

/** Caches kept per bundle: those of a few builds used by turns (two installs, checkouts) all stay. */
const KEEP = 4;

function writeCache(cache: string, data: Buffer): void {
  const dir = dirname(cache);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${cache}.${process.pid}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, cache);
  // Beyond the KEEP newest caches of this bundle, older builds' go.
  const prefix = basename(cache).slice(0, basename(cache).indexOf('@') + 1);
  const caches = readdirSync(dir)
    .filter(name => name.startsWith(prefix) && name.endsWith('.v8'))
    .map(name => {
      try {
        return { name, mtime: statSync(join(dir, name)).mtimeMs };
      } catch {
        return { name, mtime: Infinity };
      }
    })
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of caches.slice(KEEP)) {
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Another process removed it.
    }
  }
}
