// The Python step runtime (cellpipe_runtime.py) and the step entry (cellpipe_step.py), as text:
// both go into the runtime file written once per run (see ../stepScript.ts), so a step image
// needs nothing but Python and the user's own libraries.
import runtimeSource from './cellpipe_runtime.py';
import stepEntrySource from './cellpipe_step.py';

export const RUNTIME_SOURCE: string = runtimeSource;
export const STEP_ENTRY_SOURCE: string = stepEntrySource;
