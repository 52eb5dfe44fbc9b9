/**
 * A KFP step succeeds only with the runtime's completion record. KFP reads a task's outcome from its
 * container's exit code alone, and code that ends the process early with status 0 (`os._exit(0)`
 * in a cell, a `python` that is `/bin/true`) would pass for a step that ran to its end. So the
 * step container runs this guard, which runs the step script in a child Python with the step's
 * own argv (data folder, parameters) and, when that exits 0, requires the step's result document
 * (STEP_RESULT_FILE) to say Succeeded. The Argo target needs no guard: the Kubernetes backend reads
 * the same document through the step's output parameter.
 *
 * The guard also tells the step where its outputs page goes (RUNTIME_ENV.outputsPage): the path
 * KFP gives the step's HTML output artifact, known only as a placeholder of the container's
 * arguments, which KFP does not substitute in env values.
 *
 * The guard's argv: the step script's path relative to the data folder ('/'-separated; the setup
 * task wrote it there, cluster/stepPayload.ts), the step's folder name (an id: one safe path
 * component), the outputs page's path, then the step's own arguments (the data folder first). It
 * is fixed text: nothing of the user's is in it.
 */
import { RUNTIME_ENV, STEP_RESULT_FILE } from '../runtime/contract';

export const COMPLETION_GUARD = [
  'import json, os, subprocess, sys',
  `env = dict(os.environ, ${RUNTIME_ENV.outputsPage}=sys.argv[3])`,
  'script = os.path.join(sys.argv[4], *sys.argv[1].split("/"))',
  'code = subprocess.call([sys.executable, script] + sys.argv[4:], env=env)',
  'if code == 0:',
  `    record = os.path.join(sys.argv[4], sys.argv[2], ${JSON.stringify(STEP_RESULT_FILE)})`,
  '    try:',
  '        with open(record, encoding="utf-8") as f:',
  '            done = json.load(f).get("status") == "Succeeded"',
  '    except (OSError, ValueError, AttributeError):',
  '        done = False',
  '    if not done:',
  '        sys.stderr.write("[cellpipe] the step exited 0 without the runtime\'s completion record (%s): its process ended before the step did (os._exit?)\\n" % record)',
  '        code = 1',
  'sys.exit(code)'
].join('\n');
