/**
 * The folder of cellpipe's caches: `$XDG_CACHE_HOME/cellpipe`, else `~/.cache/cellpipe`. Node
 * built-ins only: the `cellpipe` dispatcher (cli.ts) loads it before any bundle.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'cellpipe');
}
