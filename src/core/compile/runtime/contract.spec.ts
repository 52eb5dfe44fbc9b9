/**
 * The Python runtime keeps its own literals; this reads its source (the runtime and the step
 * entry) and fails when one of them drifts from the contract, in either direction.
 */
import { FAN_OUT_SOURCE, STEP_ENTRY_SOURCE } from '.';
import { RUNTIME_PARTS } from '../stepScript';
import {
  CELL_OUTPUTS_FILE,
  EXIT_CODES,
  instanceDir,
  INSTANCES_FOLDER,
  itemsFile,
  MANIFEST_SUFFIX,
  METRICS_FILE,
  randomStateFile,
  RUNTIME_ENV,
  RUNTIME_EVENTS,
  RUNTIME_FOLDER,
  RANKS_FOLDER,
  SERVE_FILE,
  SPEC_VERSION,
  STEP_RESULT_FILE
} from './contract';

const python = RUNTIME_PARTS.join('\n');

/** The value of a top-level `NAME = <literal>` assignment of the runtime, as JSON. */
function constant(name: string): unknown {
  const match = new RegExp(`^${name} = (.+)$`, 'm').exec(python);
  if (!match) {
    throw new Error(`the runtime has no top-level ${name}`);
  }
  return JSON.parse(match[1]);
}

describe('the runtime contract', () => {
  it('names the files the runtime writes, and the spec version it reads', () => {
    expect(constant('_STEP_FILE')).toBe(STEP_RESULT_FILE);
    expect(constant('_METRICS_FILE')).toBe(METRICS_FILE);
    expect(constant('_OUTPUTS_FILE')).toBe(CELL_OUTPUTS_FILE);
    expect(constant('_MANIFEST_SUFFIX')).toBe(MANIFEST_SUFFIX);
    expect(String(constant('_RANDOM_STATE_FILE')).replace('%s', 'numpy')).toBe(randomStateFile('numpy'));
    expect(constant('SPEC_VERSION')).toBe(SPEC_VERSION);
    expect(constant('_FAN_INSTANCES')).toBe(INSTANCES_FOLDER);
    expect(String(constant('_DIST_RANKS'))).toBe(RANKS_FOLDER);
    expect(constant('_SERVE_FILE')).toBe(SERVE_FILE);
    expect(instanceDir('train', 3)).toBe('train/items/3');
    expect(itemsFile('folds')).toBe('.items-folds.json');
    expect(FAN_OUT_SOURCE).toContain('".items-%s.json" % name');
  });

  it("has the exit codes of the runtime, and the step entry exits with the runtime's code for an invalid setup", () => {
    expect(constant('_EXIT_CODES')).toEqual(EXIT_CODES);
    const entryExits = [...STEP_ENTRY_SOURCE.matchAll(/SystemExit\((\d+)\)/g)].map(m => Number(m[1]));
    expect(entryExits.length).toBeGreaterThan(0);
    expect(new Set(entryExits)).toEqual(new Set([EXIT_CODES.invalid]));
  });

  it('has the runtime folder the step entry names', () => {
    expect(STEP_ENTRY_SOURCE).toContain(`"${RUNTIME_FOLDER}"`);
  });

  it('lists every CELLPIPE_ variable the runtime reads, and no other', () => {
    const read = new Set([...python.matchAll(/"(CELLPIPE_[A-Z_]+)"/g)].map(m => m[1]));
    expect([...read].sort()).toEqual(Object.values(RUNTIME_ENV).sort());
  });

  it('lists every event the runtime emits, and no other', () => {
    const emitted = new Set([...python.matchAll(/\.emit\(\s*"([a-z-]+)"/g)].map(m => m[1]));
    if (/def warning\(self[^)]*\):\n\s+self\.emit\("warning"/.test(python)) {
      emitted.add('warning');
    }
    expect([...emitted].sort()).toEqual([...RUNTIME_EVENTS].sort());
  });
});
