// The Python step runtime (cellpipe_runtime.py), the capture of what cells show
// (cellpipe_outputs.py), fan-out instances and their gather (cellpipe_fanout.py), distributed steps' ranks
// (cellpipe_distributed.py), served models (cellpipe_serve.py), the page of a step's outputs (cellpipe_outputs_page.py, for the KFP UI)
// and the step entry (cellpipe_step.py), as text: all of them go into the runtime file written once
// per run (see ../stepScript.ts), so a step image needs nothing but Python and the user's own
// libraries.
import distributedSource from './cellpipe_distributed.py';
import fanOutSource from './cellpipe_fanout.py';
import outputCaptureSource from './cellpipe_outputs.py';
import outputsPageSource from './cellpipe_outputs_page.py';
import runtimeSource from './cellpipe_runtime.py';
import serveSource from './cellpipe_serve.py';
import stepEntrySource from './cellpipe_step.py';

export const RUNTIME_SOURCE: string = runtimeSource;
export const OUTPUT_CAPTURE_SOURCE: string = outputCaptureSource;
export const FAN_OUT_SOURCE: string = fanOutSource;
export const DISTRIBUTED_SOURCE: string = distributedSource;
export const SERVE_SOURCE: string = serveSource;
export const OUTPUTS_PAGE_SOURCE: string = outputsPageSource;
export const STEP_ENTRY_SOURCE: string = stepEntrySource;
