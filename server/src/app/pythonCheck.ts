import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { stepEnvironment } from '../stepEnvironment';
import { CellpipeError } from '../errors';

/** The oldest Python the step runtime runs on. */
const MINIMUM = [3, 9];
/** How long a Python may take to answer the probe (a cold start on a loaded machine). */
const PROBE_TIMEOUT_MS = 20_000;
/** Prints what the interpreter is; a fixed text, never built from a request. */
const PROBE = 'import json, sys; print(json.dumps({"implementation": sys.implementation.name, "version": list(sys.version_info[:3])}))';

/** What a probed interpreter said it is. */
export interface PythonIdentity {
  implementation: string;
  version: number[];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether an interpreter's path is in a virtual environment: `pyvenv.cfg` beside it or one folder up, where Python looks. */
function inVirtualEnvironment(path: string): boolean {
  return existsSync(join(dirname(path), 'pyvenv.cfg')) || existsSync(join(dirname(dirname(path)), 'pyvenv.cfg'));
}

/** A path with its folders' links, `..` and `//` resolved, its own name kept. */
function realFolder(path: string): string {
  return join(realpathSync(dirname(path)), basename(path));
}

/**
 * An interpreter's symbolic links followed one at a time, except out of a virtual environment:
 * Python finds its venv from the path it was started by, so `.venv/bin/python` (a link to the
 * base interpreter) is another Python than its target, and stays as it is. Links inside the
 * venv's folder (`python` → `python3`) are still followed.
 */
function followInterpreterLinks(path: string): string {
  let current = realFolder(path);
  for (let hop = 0; hop < 40; hop++) {
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      return current; // not a link
    }
    const next = realFolder(resolve(dirname(current), target));
    if (dirname(next) !== dirname(current) && inVirtualEnvironment(current)) {
      return current;
    }
    current = next;
  }
  return realpathSync(current); // a long chain: let the system say where it ends (or that it loops)
}

/**
 * The one spelling of an interpreter: a bare name (`python3`) looked up on PATH, a relative path
 * taken from `cwd`, then its symbolic links, `..` and `//` resolved (not the link of a virtual
 * environment to its base interpreter). Thirty spellings of one Python are one Python. Undefined
 * when there is no executable file there.
 */
export function canonicalPython(python: string, cwd = process.cwd(), path = process.env.PATH ?? ''): string | undefined {
  const candidates = python.includes('/')
    ? [isAbsolute(python) ? python : resolve(cwd, python)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map(dir => join(dir, python));
  const found = candidates.find(isExecutableFile);
  if (!found) {
    return undefined;
  }
  try {
    return followInterpreterLinks(found);
  } catch {
    return undefined;
  }
}

const probed = new Map<string, Promise<PythonIdentity>>();

function probe(python: string): Promise<PythonIdentity> {
  return new Promise((done, fail) => {
    let stdout = '';
    const child = spawn(python, ['-I', '-c', PROBE], { stdio: ['ignore', 'pipe', 'ignore'], env: stepEnvironment(), timeout: PROBE_TIMEOUT_MS });
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout = (stdout + text).slice(-1000)));
    const notPython = (why: string): void =>
      fail(
        new CellpipeError(
          'invalid',
          `${python} is not a Python ${MINIMUM.join('.')}+ (${why}): choose the interpreter of a Jupyter kernel or a virtual environment`
        )
      );
    child.on('error', error => notPython(error.message));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        return notPython(signal ? `killed by ${signal} after ${PROBE_TIMEOUT_MS / 1000} s at most` : `the probe exited with code ${code}`);
      }
      try {
        const identity = JSON.parse(stdout.trim().split('\n').pop() ?? '') as PythonIdentity;
        const [major, minor] = identity.version;
        if (typeof identity.implementation !== 'string' || major !== MINIMUM[0] || minor < MINIMUM[1]) {
          return notPython(`it says it is ${identity.implementation} ${identity.version.join('.')}`);
        }
        done(identity);
      } catch {
        notPython('it did not answer like one');
      }
    });
  });
}

/**
 * Checks that `canonical` (see canonicalPython) is a Python the steps can run on, by running it
 * once with a fixed probe; the answer is kept for the life of this process. A Python that fails
 * is asked again next time (it may have been installed since).
 */
export function verifyPython(canonical: string): Promise<PythonIdentity> {
  let answer = probed.get(canonical);
  if (!answer) {
    answer = probe(canonical);
    probed.set(canonical, answer);
    answer.catch(() => probed.delete(canonical));
  }
  return answer;
}
