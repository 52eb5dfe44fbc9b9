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
 * The guard's argv: options, the step script's path relative to the data folder ('/'-separated; the
 * setup task wrote it there, cluster/stepPayload.ts), the step's folder name (an id: one safe path
 * component), the outputs page's path, then the step's own arguments (the data folder first). It
 * is fixed text: nothing of the user's is in it. The options serve fan-out steps (docs/fan-out.md,
 * fanOut.ts), whose values KFP gives only as placeholders of arguments too:
 *
 *   --item I         the step runs as instance I of a fan-out step (RUNTIME_ENV.item); its
 *                    completion record is the instance's (instanceDir)
 *   --list FILE OUT  after the step succeeded, its item list FILE (itemsFile, in its folder) is
 *                    copied to OUT, the file KFP reads an output parameter's value from
 */
import { INSTANCES_FOLDER, RUNTIME_ENV, STEP_RESULT_FILE } from '../runtime/contract';

/** The guard's options (see above). */
export const GUARD_ITEM_OPTION = '--item';
export const GUARD_LIST_OPTION = '--list';

export const COMPLETION_GUARD = [
  'import json, os, shutil, subprocess, sys',
  'args, item, lists = sys.argv[1:], None, []',
  `while args[0] in (${JSON.stringify(GUARD_ITEM_OPTION)}, ${JSON.stringify(GUARD_LIST_OPTION)}):`,
  `    if args[0] == ${JSON.stringify(GUARD_ITEM_OPTION)}:`,
  '        item, args = args[1], args[2:]',
  '    else:',
  '        lists.append((args[1], args[2]))',
  '        args = args[3:]',
  `env = dict(os.environ, ${RUNTIME_ENV.outputsPage}=args[2])`,
  'folder = [args[1]]',
  'if item is not None:',
  `    env[${JSON.stringify(RUNTIME_ENV.item)}] = item`,
  `    folder += [${JSON.stringify(INSTANCES_FOLDER)}, item]`,
  'script = os.path.join(args[3], *args[0].split("/"))',
  'code = subprocess.call([sys.executable, script] + args[3:], env=env)',
  'if code == 0:',
  `    record = os.path.join(args[3], *folder, ${JSON.stringify(STEP_RESULT_FILE)})`,
  '    try:',
  '        with open(record, encoding="utf-8") as f:',
  '            done = json.load(f).get("status") == "Succeeded"',
  '    except (OSError, ValueError, AttributeError):',
  '        done = False',
  '    if not done:',
  '        sys.stderr.write("[cellpipe] the step exited 0 without the runtime\'s completion record (%s): its process ended before the step did (os._exit?)\\n" % record)',
  '        code = 1',
  'if code == 0:',
  '    for name, out in lists:',
  '        os.makedirs(os.path.dirname(out), exist_ok=True)',
  '        shutil.copyfile(os.path.join(args[3], args[1], name), out)',
  'sys.exit(code)'
].join('\n');
