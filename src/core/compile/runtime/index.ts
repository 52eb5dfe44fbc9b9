// The Python step runtime (cellpipe_runtime.py), the capture of what cells show
// (cellpipe_outputs.py) and the step entry (cellpipe_step.py), as text: all three go into the
// runtime file written once per run (see ../stepScript.ts), so a step image needs nothing but
// Python and the user's own libraries.
import outputCaptureSource from './cellpipe_outputs.py';
import runtimeSource from './cellpipe_runtime.py';
import stepEntrySource from './cellpipe_step.py';

export const RUNTIME_SOURCE: string = runtimeSource;
export const OUTPUT_CAPTURE_SOURCE: string = outputCaptureSource;
export const STEP_ENTRY_SOURCE: string = stepEntrySource;
