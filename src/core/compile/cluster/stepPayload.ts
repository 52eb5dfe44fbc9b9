/**
 * The step payload of a cluster run: every file a run's steps execute (the runtime file and each
 * step's script, compileStepScripts) packed as one text, base64 of the gzip of a JSON object
 * `{path: content}` (paths relative to the run's data folder, '/'-separated). The setup task
 * unpacks it onto the data volume with Python's stdlib (cluster/setupScript.ts) and each step runs
 * its script from there, so cell code is not in the Workflow (or the KFP IR) twice escaped, once
 * per step: the 1,000-cell bench notebook's Workflow is 1.2 MiB with the scripts inline, a fifth
 * of that with the payload.
 *
 * A pod's template travels whole in one environment variable (Argo's ARGO_TEMPLATE; a KFP
 * executor's container spec is one argument of its driver), and Linux refuses a single argument
 * or variable over 128 KiB (MAX_ARG_STRLEN): a payload longer than PAYLOAD_PART_CHARS is cut into
 * parts, the first kept by the setup task, each other one written to the volume by a task of its
 * own that the setup task waits for.
 */
import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import type { StepScripts } from '../stepScript';
import { RUNTIME_FOLDER, RUNTIME_PATH } from '../runtime/contract';

/** The folder of the step scripts in the run's data folder. */
export const STEP_SCRIPTS_FOLDER = `${RUNTIME_FOLDER}/steps`;
/** Where the parts after the first wait for the setup task, in the run's data folder. */
export const PAYLOAD_PARTS_FOLDER = `${RUNTIME_FOLDER}/payload`;
/**
 * The most base64 characters one template holds: with the rest of the setup task (pip lines,
 * environments, env) the template stays under MAX_TEMPLATE_BYTES.
 */
export const PAYLOAD_PART_CHARS = 96 * 1024;
/**
 * The largest template (as Go's JSON writes it) a pod can be given: 128 KiB for `ARGO_TEMPLATE=`
 * and the JSON, less room for what Argo adds when it resolves the template (its workflow name,
 * archive location, resolved inputs).
 */
export const MAX_TEMPLATE_BYTES = 124 * 1024;

/** A step's script, relative to the run's data folder. */
export function stepScriptPath(stepId: string): string {
  return `${STEP_SCRIPTS_FOLDER}/${stepId}.py`;
}

/** Where part `index` (2, 3...) waits for the setup task, relative to the run's data folder. */
export function payloadPartPath(index: number): string {
  return `${PAYLOAD_PARTS_FOLDER}/part-${index}`;
}

/** The files a run's steps execute: the runtime file, then each step's script in pipeline order. */
export function payloadFiles(scripts: StepScripts): Record<string, string> {
  return { [RUNTIME_PATH]: scripts.runtime, ...Object.fromEntries([...scripts.steps].map(([id, script]) => [stepScriptPath(id), script])) };
}

// The core has no DOM or Node types; browsers and Node (16+) have both functions.
declare function btoa(data: string): string;
declare function atob(data: string): string;

/**
 * A gzip compressor. The core's own is fflate's (plain JavaScript, ~40 ms for a small pipeline's
 * payload in a fresh process); the server passes Node's zlib (native: ~5 ms), whose output differs
 * but unpacks the same.
 */
export type Gzip = (data: Uint8Array) => Uint8Array;
/** Its inverse, which the validators unpack a payload with (Node's zlib in the server: ~10 ms less in a fresh process). */
export type Gunzip = (data: Uint8Array) => Uint8Array;

/** fflate's gzip; `mtime: 0`, so the same files give the same text. */
export const fflateGzip: Gzip = data => gzipSync(data, { level: 9, mtime: 0 });
export const fflateGunzip: Gunzip = data => gunzipSync(data);

/** How the cluster targets pack their step payload and their validators unpack it. */
export interface PayloadCodec {
  gzip: Gzip;
  gunzip: Gunzip;
}

/** The files as one base64 text. */
export function encodePayload(files: Record<string, string>, gzip: Gzip = fflateGzip): string {
  return btoa(strFromU8(gzip(strToU8(JSON.stringify(files))), true));
}

/** The files of a payload, or why it cannot be read (what a pod's Python would fail on). */
export function decodePayload(payload: string, gunzip: Gunzip = fflateGunzip): Record<string, string> | { problem: string } {
  try {
    const files: unknown = JSON.parse(strFromU8(gunzip(strToU8(atob(payload), true))));
    if (!files || typeof files !== 'object' || Array.isArray(files) || Object.values(files).some(v => typeof v !== 'string')) {
      return { problem: 'it is not an object of file contents' };
    }
    return files as Record<string, string>;
  } catch (error) {
    // (An error of Node's zlib may come from another realm than this code's Error, under Jest.)
    const message = (error as { message?: unknown } | null)?.message;
    return { problem: typeof message === 'string' ? message : String(error) };
  }
}

/** The payload cut into parts of at most PAYLOAD_PART_CHARS characters (at least one part). */
export function payloadParts(payload: string, partChars = PAYLOAD_PART_CHARS): string[] {
  const parts: string[] = [];
  for (let at = 0; at === 0 || at < payload.length; at += partChars) {
    parts.push(payload.slice(at, at + partChars));
  }
  return parts;
}

/** The payload of a pipeline's step scripts, in parts (cluster/setupScript.ts writes the sources that hold them). */
export function packStepScripts(scripts: StepScripts, gzip?: Gzip): string[] {
  return payloadParts(encodePayload(payloadFiles(scripts), gzip));
}

/**
 * How a payload part is written into a generated Python source, on a line of its own, and read
 * back by validators: base64 has no quote, `{{` or `$(`, so the literal needs no escaping.
 */
export const PAYLOAD_VARIABLE = '_PAYLOAD_PART';

export function payloadLine(part: string): string {
  return `${PAYLOAD_VARIABLE} = '${part}'`;
}

/** The payload part a generated source holds, if any. */
export function payloadPartOf(source: string): string | null {
  return new RegExp(`^${PAYLOAD_VARIABLE} = '([A-Za-z0-9+/=]*)'$`, 'm').exec(source)?.[1] ?? null;
}

/** The number of parts a setup source reads (its own and those of the part tasks). */
export const PARTS_VARIABLE = '_PAYLOAD_PARTS';

export function partsCountOf(source: string): number | null {
  const found = new RegExp(`^${PARTS_VARIABLE} = (\\d+)$`, 'm').exec(source);
  return found ? Number(found[1]) : null;
}
