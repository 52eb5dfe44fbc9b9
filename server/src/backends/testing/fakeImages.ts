import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The images the executing fake Kubernetes can "pull". A `python:*` image is a pristine virtual
 * environment made once per image (and per cache folder) from a base interpreter of this machine:
 * Python, pip and nothing else, like `python:3.12-slim`. Each pod gets a fresh copy of it
 * (`cp -a`), so nothing a pod installs survives it. Any other image cannot be pulled here, unless
 * the test maps it to an interpreter explicitly.
 */

export interface ImageMapping {
  /** A Python interpreter of this machine; its base interpreter makes the image's venv. */
  python: string;
}

/** A pulled image: its pristine venv and what stands in for the tag. */
export interface FakeImage {
  image: string;
  /** The pristine venv (never run in: pods get copies). */
  venv: string;
  /** The base interpreter the venv was made with. */
  baseExecutable: string;
  /** Its `sys.base_prefix` (a pod must see it, the venv links to it). */
  basePrefix: string;
  /** `3.12.1`: the Python version that stands in for the tag. */
  version: string;
  /** Set when the version differs from the tag's (no such interpreter on this machine). */
  standIn?: string;
  /** Milliseconds it took to make the venv (0 when it was already in the cache folder). */
  createdMs: number;
}

export class ImagePullError extends Error {
  readonly reason = 'ErrImagePull';
}

const PYTHON_TAG = /^(?:docker\.io\/)?(?:library\/)?python(?::(?:(\d+)(?:\.(\d+))?)?[^@]*)?(?:@.*)?$/;

/** The interpreters worth trying for `python:MAJOR.MINOR`, most exact first. */
function candidates(major?: string, minor?: string): string[] {
  if (!major) {
    return ['python3'];
  }
  const exact = minor ? `python${major}.${minor}` : `python${major}`;
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, exact))) {
      found.push(join(dir, exact));
    }
  }
  // pyenv keeps versions out of PATH (behind shims that may pick another): look there too.
  const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (minor && existsSync(pyenv)) {
    for (const version of readdirSync(pyenv)
      .filter(v => v.startsWith(`${major}.${minor}.`))
      .sort()
      .reverse()) {
      const exe = join(pyenv, version, 'bin', exact);
      if (existsSync(exe)) {
        found.push(exe);
      }
    }
  }
  return [...found, 'python3'];
}

interface BaseInterpreter {
  baseExecutable: string;
  basePrefix: string;
  version: string;
}

async function baseInterpreter(python: string): Promise<BaseInterpreter | undefined> {
  try {
    const { stdout } = await run(
      python,
      ['-c', 'import json, platform, sys; print(json.dumps([sys._base_executable, sys.base_prefix, platform.python_version()]))'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }
      }
    );
    const [baseExecutable, basePrefix, version] = JSON.parse(stdout) as string[];
    return { baseExecutable, basePrefix, version };
  } catch {
    return undefined;
  }
}

export class FakeImages {
  private readonly pulled = new Map<string, Promise<FakeImage>>();

  /**
   * @param cache folder of the pristine venvs (one per image); a venv found there from an earlier
   * fake is reused (a `.ready` file marks a complete one)
   */
  constructor(
    private readonly cache: string,
    private readonly mappings: Record<string, ImageMapping> = {}
  ) {}

  /** The image, made on first use; rejects with an ImagePullError for an image the fake cannot run. */
  pull(image: string): Promise<FakeImage> {
    let pulled = this.pulled.get(image);
    if (!pulled) {
      pulled = this.make(image);
      this.pulled.set(image, pulled);
    }
    return pulled;
  }

  /** The images pulled so far (those that could be). */
  async images(): Promise<FakeImage[]> {
    const settled = await Promise.allSettled(this.pulled.values());
    return settled.filter((s): s is PromiseFulfilledResult<FakeImage> => s.status === 'fulfilled').map(s => s.value);
  }

  private async make(image: string): Promise<FakeImage> {
    const mapped = this.mappings[image];
    const tag = PYTHON_TAG.exec(image);
    if (!mapped && !tag) {
      throw new ImagePullError(
        `Failed to pull image "${image}": the fake cluster runs python:* images (a fresh venv per pod) and the images a test maps (execute.images) only`
      );
    }
    let base: BaseInterpreter | undefined;
    for (const python of mapped ? [mapped.python] : candidates(tag![1], tag![2])) {
      if ((base = await baseInterpreter(python))) {
        break;
      }
    }
    if (!base) {
      throw new ImagePullError(`Failed to pull image "${image}": no Python interpreter on this machine to make it from`);
    }
    const wanted = tag && !mapped ? [tag[1], tag[2]].filter(Boolean).join('.') : undefined;
    const standIn = wanted && !`${base.version}.`.startsWith(`${wanted}.`) ? `Python ${base.version} stands in for ${image}` : undefined;
    const venv = join(this.cache, `${image.replace(/[^A-Za-z0-9.-]+/g, '_')}-${base.version}`, 'venv');
    const ready = join(venv, '..', '.ready');
    const started = Date.now();
    let createdMs = 0;
    if (!existsSync(ready)) {
      // Made at its final path (a venv's scripts name it); `.ready` is written once it is whole.
      rmSync(venv, { recursive: true, force: true });
      mkdirSync(join(venv, '..'), { recursive: true });
      await run(base.baseExecutable, ['-m', 'venv', venv], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      writeFileSync(ready, JSON.stringify({ image, ...base }));
      createdMs = Date.now() - started;
    }
    return { image, venv, ...base, ...(standIn ? { standIn } : {}), createdMs };
  }
}

/**
 * A fresh copy of an image's venv for one pod (`cp -a`: symlinks stay links). With `rewrite`, the
 * copy's scripts (pip...) name the copy's interpreter instead of the pristine one: needed when the
 * pod cannot have the copy mounted at the pristine venv's path (no mount namespace).
 */
export async function copyVenv(image: FakeImage, to: string, rewrite: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  await run('cp', ['-a', image.venv, to]);
  if (rewrite) {
    const bin = join(to, 'bin');
    for (const name of readdirSync(bin)) {
      const file = join(bin, name);
      if (lstatSync(file).isSymbolicLink()) {
        continue; // python, python3...: links to the base interpreter
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // a link to the interpreter, or unreadable
      }
      if (text.startsWith('#!') && text.includes(image.venv)) {
        const next = text.split(image.venv).join(to);
        writeFileSync(`${file}.tmp`, next, { mode: 0o755 });
        renameSync(`${file}.tmp`, file);
      }
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}
