import { createHash } from 'node:crypto';
import { join } from 'node:path';
import launcherSource from './step_launcher.py';

/** The launcher source's key in the bytecode cache: its compiled code is kept by content. */
const LAUNCHER_KEY = createHash('sha256').update(launcherSource).digest('hex').slice(0, 32);

/**
 * Runs the launcher (argv: the cache file's path without its interpreter tag, then the source) from
 * its compiled code kept in cellpipe's cache home, compiling and keeping it the first time, or when
 * the file is unreadable. Compiling the 19 KB source took ~2.5 ms of every run's start, before its
 * first step. The code is compiled as `python -c` would ("<string>"), and runs in this module's
 * globals, as the source given to -c would.
 */
const BOOT = `import marshal, sys
_cellpipe_boot = [sys.argv[1] + "-" + sys.implementation.cache_tag + ".bin", sys.argv[2]]
del sys.argv[1:]
try:
    with open(_cellpipe_boot[0], "rb") as _cellpipe_file:
        _cellpipe_boot.append(marshal.loads(_cellpipe_file.read()))
except (OSError, ValueError, EOFError, TypeError):
    import os
    _cellpipe_boot.append(compile(_cellpipe_boot[1], "<string>", "exec", dont_inherit=True))
    try:
        os.makedirs(os.path.dirname(_cellpipe_boot[0]), mode=0o700, exist_ok=True)
        _cellpipe_temporary = "%s.%d.tmp" % (_cellpipe_boot[0], os.getpid())
        with open(os.open(_cellpipe_temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as _cellpipe_file:
            _cellpipe_file.write(marshal.dumps(_cellpipe_boot[2]))
        os.replace(_cellpipe_temporary, _cellpipe_boot[0])
    except OSError:
        pass  # no cache this time
exec(_cellpipe_boot.pop())
`;

/** The arguments of the interpreter that runs the step launcher, with its code cache in `bytecodeFolder`. */
export function launcherArguments(bytecodeFolder: string): string[] {
  return ['-u', '-c', BOOT, join(bytecodeFolder, `launcher-${LAUNCHER_KEY}`), launcherSource];
}
