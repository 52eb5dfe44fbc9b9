import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalPython } from './pythonCheck';

describe('canonicalPython', () => {
  let root: string;
  let base: string;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'cellpipe-python-')));
    // A base interpreter as pyenv or a distribution installs it: python3 → python3.11 in one folder.
    mkdirSync(join(root, 'base', 'bin'), { recursive: true });
    base = join(root, 'base', 'bin', 'python3.11');
    writeFileSync(base, '#!/bin/sh\n');
    chmodSync(base, 0o755);
    symlinkSync('python3.11', join(root, 'base', 'bin', 'python3'));
    // A virtual environment made with symlinks (`python -m venv`): its python links to the base one.
    mkdirSync(join(root, 'venv', 'bin'), { recursive: true });
    writeFileSync(join(root, 'venv', 'pyvenv.cfg'), `home = ${join(root, 'base', 'bin')}\n`);
    symlinkSync(join(root, 'base', 'bin', 'python3'), join(root, 'venv', 'bin', 'python3'));
    symlinkSync('python3', join(root, 'venv', 'bin', 'python'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('resolves the links of a base interpreter to the file they name', () => {
    expect(canonicalPython(join(root, 'base', 'bin', 'python3'))).toBe(base);
    expect(canonicalPython('python3', '/', join(root, 'base', 'bin'))).toBe(base);
  });

  it("keeps a virtual environment's interpreter, which is not its base interpreter, following the links inside it", () => {
    const venvPython = join(root, 'venv', 'bin', 'python3');
    expect(canonicalPython(join(root, 'venv', 'bin', 'python'))).toBe(venvPython);
    expect(canonicalPython('python', '/', join(root, 'venv', 'bin'))).toBe(venvPython);
    expect(canonicalPython('venv/bin/../bin//python', root)).toBe(venvPython);
  });

  it('reaches the venv through a linked folder', () => {
    symlinkSync(join(root, 'venv'), join(root, 'project-env'));
    expect(canonicalPython(join(root, 'project-env', 'bin', 'python'))).toBe(join(root, 'venv', 'bin', 'python3'));
  });

  it('is undefined where there is no executable file', () => {
    expect(canonicalPython(join(root, 'venv', 'bin', 'python2'))).toBeUndefined();
    expect(canonicalPython(join(root, 'venv', 'pyvenv.cfg'))).toBeUndefined();
  });
});
