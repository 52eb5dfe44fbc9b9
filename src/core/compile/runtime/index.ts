// The Python step runtime (cellpipe_runtime.py), as text: every step script embeds it, so a step
// image needs nothing but Python and the user's own libraries.
import runtimeSource from './cellpipe_runtime.py';

export const RUNTIME_SOURCE: string = runtimeSource;
