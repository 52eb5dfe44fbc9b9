/**
 * The cell tag grammar (Kale 2.x compatible, a superset): one tag string in, one parsed tag out.
 * Tags are user text from notebook metadata, so every part is kept as written and validated here;
 * nothing downstream may assume a name is a safe identifier.
 */

export type ParsedTag =
  | { kind: 'step'; name: string }
  /** Kale's empty `step:` tag: the cell continues the step above it, as an untagged cell does. */
  | { kind: 'continuation' }
  /** Kale 2.3's `notebook:NAME`: the cell stands for another notebook's steps (cellpipe refuses it, see steps.ts). */
  | { kind: 'notebook'; name: string }
  | { kind: 'prev'; name: string }
  | { kind: 'skip' }
  | { kind: 'prelude' } // `imports`, `functions`
  | { kind: 'parameters' } // `pipeline-parameters`, papermill `parameters`
  | { kind: 'metrics' } // `pipeline-metrics`
  | { kind: 'limit'; resource: string; value: string }
  | { kind: 'image'; ref: string }
  | { kind: 'label'; key: string; value: string }
  | { kind: 'annotation'; key: string; value: string }
  | { kind: 'secret'; name: string; key: string; env: string }
  | { kind: 'cache'; enabled: boolean }
  | { kind: 'retry'; count: number }
  | { kind: 'timeout'; duration: string }
  /** `pip:SPEC` adds a pip requirement to the step's environment on a cluster; `pip:none` installs nothing for it. */
  | { kind: 'pip'; requirement: string | null }
  /** Kale's `report:enabled|disabled`: whether Kale renders the step's outputs into an HTML report (cellpipe makes none, see steps.ts). */
  | { kind: 'report'; enabled: boolean }
  /** `foreach:NAME[:N]`: the step's loop over NAME runs as one instance per item, at most N at once (docs/fan-out.md). */
  | { kind: 'foreach'; over: string; parallelism: number | null }
  /** `workers:N[:torch|python]`: the step runs as N workers with torchrun's environment (docs/distributed-and-serving.md). */
  | { kind: 'workers'; count: number; framework: 'torch' | 'python' | null }
  /** `serve:MODEL[:SAMPLE]`: the step's value MODEL is served after it, and asked about SAMPLE's first rows. */
  | { kind: 'serve'; model: string; sample: string | null }
  | { kind: 'unknown'; tag: string }
  | { kind: 'invalid'; tag: string; reason: string };

export type ConfigTag = Extract<ParsedTag, { kind: 'limit' | 'image' | 'label' | 'annotation' | 'secret' | 'cache' | 'retry' | 'timeout' | 'pip' }>;

const SIMPLE_TAGS: Record<string, ParsedTag> = {
  skip: { kind: 'skip' },
  imports: { kind: 'prelude' },
  functions: { kind: 'prelude' },
  'pipeline-parameters': { kind: 'parameters' },
  parameters: { kind: 'parameters' },
  'pipeline-metrics': { kind: 'metrics' }
};

// Names and label values go into YAML, shell and log lines: reject C0/C1 controls and U+2028/U+2029.
// eslint-disable-next-line no-control-regex -- matching control characters is this regex's purpose
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const DURATION = /^(?:\d+(?:\.\d+)?|(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+s)?)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NO_SPACE = /^\S+$/u;

/** Splits `rest` into exactly `count` colon-separated parts, the last one taking what remains. */
function splitParts(rest: string, count: number): string[] | null {
  const parts: string[] = [];
  let remaining = rest;
  for (let i = 0; i < count - 1; i++) {
    const colon = remaining.indexOf(':');
    if (colon < 0) {
      return null;
    }
    parts.push(remaining.slice(0, colon));
    remaining = remaining.slice(colon + 1);
  }
  parts.push(remaining);
  return parts.every(part => part.length > 0) ? parts : null;
}

function invalid(tag: string, reason: string): ParsedTag {
  return { kind: 'invalid', tag, reason };
}

function parseStepName(tag: string, name: string, kind: 'step' | 'prev'): ParsedTag {
  if (name.trim() === '') {
    return invalid(tag, `the ${kind === 'step' ? 'step' : 'previous step'} name is empty`);
  }
  if (CONTROL_CHARACTERS.test(name)) {
    return invalid(tag, 'the name contains a line break or another control character');
  }
  return { kind, name };
}

const PYTHON_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

function parseForeach(tag: string, rest: string): ParsedTag {
  const match = /^([^:]+)(?::(\d{1,4}))?$/u.exec(rest);
  if (!match || !PYTHON_NAME.test(match[1])) {
    return invalid(tag, 'write it as foreach:NAME or foreach:NAME:N, NAME the list the step loops over and N the most items run at once');
  }
  const parallelism = match[2] === undefined ? null : Number(match[2]);
  if (parallelism === 0) {
    return invalid(tag, 'N, the most items run at once, is at least 1');
  }
  return { kind: 'foreach', over: match[1], parallelism };
}

function parseWorkers(tag: string, rest: string): ParsedTag {
  const match = /^(\d{1,4})(?::(torch|python))?$/.exec(rest);
  const count = match ? Number(match[1]) : 0;
  if (!match || count < 1 || count > 1024) {
    return invalid(tag, 'write it as workers:N (1 to 1024), or workers:N:torch / workers:N:python to say the framework');
  }
  return { kind: 'workers', count, framework: (match[2] as 'torch' | 'python' | undefined) ?? null };
}

function parseServe(tag: string, rest: string): ParsedTag {
  const [model, sample, ...more] = rest.split(':');
  if (!PYTHON_NAME.test(model ?? '') || (sample !== undefined && !PYTHON_NAME.test(sample)) || more.length > 0) {
    return invalid(tag, "write it as serve:MODEL or serve:MODEL:SAMPLE, the names of the step's model and of the data to ask it about");
  }
  return { kind: 'serve', model, sample: sample ?? null };
}

/** Parses `KIND:rest` tags whose kind carries arguments. */
function parseTagWithArguments(tag: string, kind: string, rest: string): ParsedTag {
  switch (kind) {
    case 'step':
    case 'block': // Kale's legacy spelling
      // Kale's grammar (`^step:([_a-z]...)?$`) allows exactly `step:` and reads it as an untagged cell.
      return rest === '' ? { kind: 'continuation' } : parseStepName(tag, rest, 'step');
    case 'prev':
      return parseStepName(tag, rest, 'prev');
    case 'notebook':
      return { kind: 'notebook', name: rest };
    case 'limit': {
      const parts = splitParts(rest, 2);
      return parts && parts.every(part => NO_SPACE.test(part))
        ? { kind: 'limit', resource: parts[0], value: parts[1] }
        : invalid(tag, 'write it as limit:RESOURCE:VALUE, e.g. limit:memory:4Gi');
    }
    case 'image':
      return rest !== '' && NO_SPACE.test(rest) ? { kind: 'image', ref: rest } : invalid(tag, 'write it as image:REFERENCE, e.g. image:python:3.12');
    case 'label':
    case 'annotation': {
      const parts = splitParts(rest, 2);
      return parts && NO_SPACE.test(parts[0]) && !CONTROL_CHARACTERS.test(parts[1])
        ? { kind, key: parts[0], value: parts[1] }
        : invalid(tag, `write it as ${kind}:KEY:VALUE`);
    }
    case 'secret': {
      const parts = splitParts(rest, 3);
      return parts && NO_SPACE.test(parts[0]) && NO_SPACE.test(parts[1]) && ENV_NAME.test(parts[2])
        ? { kind: 'secret', name: parts[0], key: parts[1], env: parts[2] }
        : invalid(tag, 'write it as secret:SECRET_NAME:KEY:ENV_VARIABLE');
    }
    case 'cache':
      return rest === 'enabled' || rest === 'disabled'
        ? { kind: 'cache', enabled: rest === 'enabled' }
        : invalid(tag, 'write cache:enabled or cache:disabled');
    case 'report':
      return rest === 'enabled' || rest === 'disabled'
        ? { kind: 'report', enabled: rest === 'enabled' }
        : invalid(tag, "write report:enabled or report:disabled (Kale's HTML report of the step; cellpipe makes none)");
    case 'retry':
      return /^\d{1,3}$/.test(rest)
        ? { kind: 'retry', count: Number(rest) }
        : invalid(tag, 'write it as retry:N with N a whole number of retries (0-999)');
    case 'timeout':
      return DURATION.test(rest)
        ? { kind: 'timeout', duration: rest }
        : invalid(tag, 'write it as timeout:DURATION, e.g. timeout:90s, timeout:30m, timeout:1h30m');
    case 'foreach':
      return parseForeach(tag, rest);
    case 'workers':
      return parseWorkers(tag, rest);
    case 'serve':
      return parseServe(tag, rest);
    case 'pip':
      return rest === 'none'
        ? { kind: 'pip', requirement: null }
        : rest !== '' && NO_SPACE.test(rest) && !rest.startsWith('-')
          ? { kind: 'pip', requirement: rest }
          : invalid(tag, 'write it as pip:REQUIREMENT (e.g. pip:xgboost==2.1.0) or pip:none');
    default:
      return { kind: 'unknown', tag };
  }
}

export function parseTag(tag: string): ParsedTag {
  const simple = SIMPLE_TAGS[tag];
  if (simple && Object.prototype.hasOwnProperty.call(SIMPLE_TAGS, tag)) {
    return simple;
  }
  const colon = tag.indexOf(':');
  if (colon < 0) {
    return { kind: 'unknown', tag };
  }
  return parseTagWithArguments(tag, tag.slice(0, colon), tag.slice(colon + 1));
}

export function isConfigTag(tag: ParsedTag): tag is ConfigTag {
  switch (tag.kind) {
    case 'limit':
    case 'image':
    case 'label':
    case 'annotation':
    case 'secret':
    case 'cache':
    case 'retry':
    case 'timeout':
    case 'pip':
      return true;
    default:
      return false;
  }
}
