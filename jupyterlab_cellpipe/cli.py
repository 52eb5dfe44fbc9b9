"""The ``cellpipe`` command of the Python package: the bundled Node CLI, run with the Node bundle.py chooses.

Same commands, output and exit codes as ``node cellpipe.cjs``: on POSIX this process becomes Node
(exec), so arguments, standard streams, signals (Ctrl-C cancels a run as the Node CLI does) and the
exit code are Node's own. On Windows, where exec starts a new process and ends this one at once, Node
runs as a child and its exit code is passed on.
"""

from __future__ import annotations

import os
import sys

from . import bundle

EXIT_USAGE = 2
"""The Node CLI's code for a usage or environment error (server/src/cli/exitCodes.ts): no Node to run it on."""


def main() -> None:
    try:
        command = bundle.command(sys.argv[1:])
    except bundle.NodeNotFoundError as error:
        sys.stderr.write(f"cellpipe: {error}\n")
        sys.exit(EXIT_USAGE)

    if os.name == "posix":
        # Python ignores SIGPIPE and SIGXFSZ, and ignored signals stay ignored across exec; Node sets
        # every disposition itself at start (default, but those two ignored: it reports EPIPE and
        # EFBIG as errors), and libuv resets them to default in the processes it starts.
        os.execv(command[0], command)

    # Ctrl-C reaches every process of the console: Node handles it (cancelling a run); this process
    # only waits for Node's exit code.
    import signal  # here only, as subprocess: the imports cost POSIX commands ~15 ms for nothing
    import subprocess

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(subprocess.call(command))
