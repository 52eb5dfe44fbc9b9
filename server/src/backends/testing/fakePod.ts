import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyVenv, type FakeImage } from './fakeImages';

/**
 * One pod of the executing fake Kubernetes: a `main` container run as a real process of this
 * machine, as strictly apart from the test and from other pods as the machine allows.
 *
 * `namespace` isolation (root, `unshare` available): the pod runs in its own mount and UTS
 * namespaces, chrooted into an overlay of `/` whose upper layer is a tmpfs of the pod's own, so a
 * file written anywhere outside a volume is gone when the pod ends and the machine is unchanged
 * (mount points are made in that layer, never on the machine). `/tmp`, `/root` (HOME) and
 * `/dev/shm` are fresh empty tmpfs; the image's venv copy is mounted at the pristine venv's path,
 * so every script in it (pip...) runs the copy; volumes are bind mounts at their exact
 * `mountPath`. The hostname is the pod's name.
 *
 * `rewrite` isolation (no root or no `unshare`): the pod is a plain process; a volume's
 * `mountPath` is replaced by its folder on this machine in the command, the arguments, the
 * environment values, the working directory and the output paths, and HOME and the working
 * directory are fresh folders. Writes elsewhere (`/tmp`, absolute paths) are NOT isolated there.
 *
 * In both, the process gets only PATH (the venv's bin first), HOME, HOSTNAME, PYTHONNOUSERSITE=1
 * and the container's declared `env`: nothing of the test process's environment.
 */

export type Isolation = 'namespace' | 'rewrite';

export interface PodVolume {
  mountPath: string;
  /** Its folder on this machine (a claim's folder, or the pod's own for an emptyDir). */
  hostPath: string;
  readOnly?: boolean;
}

export interface PodSpec {
  name: string;
  image: FakeImage;
  /** command + args, as the container runs them (for a script template, the script's path last). */
  argv: string[];
  env: Array<[string, string]>;
  workingDir?: string;
  volumes: PodVolume[];
  /** A script template's source, written to `scriptPath` in the container before it starts. */
  script?: { path: string; source: string };
  /** Files read after the container ends (output parameters), as paths in the container. */
  outputPaths: string[];
  isolation: Isolation;
  /** The pod's private folder on this machine (removed when the pod is). */
  dir: string;
  /** pip's cache folder (`~/.cache/pip`) shared by pods: a fake-level cache, off unless given. */
  pipCache?: string;
  /**
   * How the pod gets its fresh venv: `copy` (`cp -a` of the pristine one), or `overlay`
   * (namespace isolation only): the pristine venv as the lower layer of an overlay whose upper
   * layer is the pod's tmpfs, as a container runtime layers an image; nothing is copied.
   */
  venv?: 'copy' | 'overlay';
}

export interface PodResult {
  exitCode: number;
  /** What each output path held (undefined: no such file). */
  outputs: Array<Buffer | undefined>;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `'text'` for sh. */
const q = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

let namespaceWorks: boolean | undefined;

/** Whether this machine lets a pod have its own mount namespace (root and a working `unshare`). */
export function namespaceIsolationAvailable(): boolean {
  if (namespaceWorks === undefined) {
    namespaceWorks =
      process.getuid?.() === 0 &&
      spawnSync('unshare', ['-m', '-u', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /mnt'], { stdio: 'ignore' }).status === 0;
  }
  return namespaceWorks;
}

/** Replaces a volume's mountPath by its host folder where a path starts in `text` (rewrite isolation). */
function rewritePaths(text: string, volumes: PodVolume[]): string {
  for (const v of [...volumes].sort((a, b) => b.mountPath.length - a.mountPath.length)) {
    const mount = v.mountPath.replace(/\/+$/, '');
    const escaped = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    text = text.replace(new RegExp(`(^|[=:\\s])${escaped}(?=/|$|[:\\s])`, 'g'), (_m, before: string) => before + v.hostPath);
  }
  return text;
}

export class FakePod {
  private readonly chunks: Buffer[] = [];
  private child?: ChildProcess;
  private killTimer?: NodeJS.Timeout;
  /** Milliseconds spent copying the image's venv for this pod. */
  copyMs = 0;
  state: 'waiting' | 'running' | 'terminated' = 'waiting';
  exitCode?: number;
  /** Set once `kill()` was called: the pod was terminated rather than ending by itself. */
  terminated = false;

  constructor(
    readonly spec: PodSpec,
    private readonly events: { started: () => void; output: () => void }
  ) {}

  /** The container's log so far: stdout and stderr as they came. */
  get log(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Prepares the pod's filesystem and runs its container to the end. */
  async run(): Promise<PodResult> {
    const { spec } = this;
    const { dir } = spec;
    mkdirSync(join(dir, 'outputs'), { recursive: true });
    const venv = join(dir, 'venv');
    if (spec.venv !== 'overlay' || spec.isolation !== 'namespace') {
      this.copyMs = await copyVenv(spec.image, venv, spec.isolation === 'rewrite');
    }
    if (this.terminated) {
      this.state = 'terminated';
      this.exitCode = 137;
      return { exitCode: 137, outputs: spec.outputPaths.map(() => undefined) };
    }
    const child = spec.isolation === 'namespace' ? this.spawnIsolated(venv) : this.spawnRewritten(venv);
    this.child = child;
    this.state = 'running';
    this.events.started();
    const take = (chunk: Buffer): void => {
      this.chunks.push(chunk);
      this.events.output();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const exitCode = await new Promise<number>(resolve => {
      child.on('error', error => {
        take(Buffer.from(`${error.message}\n`));
        resolve(128);
      });
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
    });
    clearTimeout(this.killTimer);
    this.state = 'terminated';
    this.exitCode = exitCode;
    const outputs = spec.outputPaths.map((path, i) => {
      const file = spec.isolation === 'namespace' ? join(dir, 'outputs', String(i)) : rewritePaths(path, spec.volumes);
      return existsSync(file) && statSync(file).isFile() ? readFileSync(file) : undefined;
    });
    return { exitCode, outputs };
  }

  /** SIGTERM to every process of the pod, SIGKILL after `graceMs`. */
  kill(graceMs: number): void {
    if (this.state === 'terminated') {
      return;
    }
    this.terminated = true;
    const pid = this.child?.pid;
    if (!pid) {
      return; // not started yet: it will not start
    }
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-pid, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    this.killTimer = setTimeout(() => signal('SIGKILL'), graceMs);
  }

  /** The pod's process (its own process group), once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Removes the pod's folder (its venv copy, its script...). */
  remove(): void {
    rmSync(this.spec.dir, { recursive: true, force: true });
  }

  private baseEnv(venvBin: string, home: string): Array<[string, string]> {
    return [
      ['PATH', `${venvBin}:${SYSTEM_PATH}`],
      ['HOME', home],
      ['HOSTNAME', this.spec.name.slice(0, 63)],
      ['PYTHONNOUSERSITE', '1'],
      ...this.spec.env
    ];
  }

  private spawnIsolated(venv: string): ChildProcess {
    const { spec } = this;
    const { dir, image } = spec;
    const top = join(dir, 't');
    const root = join(dir, 'root');
    mkdirSync(top, { recursive: true });
    mkdirSync(root, { recursive: true });
    const workingDir = spec.workingDir || '/';
    const env = this.baseEnv(join(image.venv, 'bin'), '/root');
    const fresh = ['/tmp', '/root', '/dev/shm'];
    const hidden = (path: string): boolean => fresh.some(f => path === f || path.startsWith(`${f}/`));
    const lines = [
      'set -e',
      `mount -t tmpfs -o mode=0755 fakepod ${q(top)}`,
      `mkdir ${q(`${top}/upper`)} ${q(`${top}/work`)}`,
      // The machine's root, copy-on-write: what the pod writes outside its volumes stays in its tmpfs.
      `mount -t overlay overlay -o lowerdir=/,upperdir=${q(`${top}/upper`)},workdir=${q(`${top}/work`)} ${q(root)}`,
      ...['/dev', '/proc', '/sys'].map(m => `mount --rbind ${m} ${q(root + m)}`),
      `mount -t tmpfs -o mode=1777 fakepod ${q(`${root}/tmp`)}`,
      `mount -t tmpfs -o mode=0700 fakepod ${q(`${root}/root`)}`,
      `mount -t tmpfs -o mode=1777 fakepod ${q(`${root}/dev/shm`)}`,
      // The base interpreter the venv links to, when a fresh tmpfs hides it.
      ...(hidden(image.basePrefix)
        ? [
            `mkdir -p ${q(root + image.basePrefix)}`,
            `mount --bind ${q(image.basePrefix)} ${q(root + image.basePrefix)}`,
            `mount -o remount,bind,ro ${q(root + image.basePrefix)}`
          ]
        : []),
      // The pod's copy of the venv at the pristine venv's path: its scripts (pip...) run the copy.
      `mkdir -p ${q(root + image.venv)}`,
      ...(spec.venv === 'overlay'
        ? [
            `mkdir ${q(`${top}/venv-upper`)} ${q(`${top}/venv-work`)}`,
            `mount -t overlay overlay -o lowerdir=${q(image.venv)},upperdir=${q(`${top}/venv-upper`)},workdir=${q(`${top}/venv-work`)} ${q(root + image.venv)}`
          ]
        : [`mount --bind ${q(venv)} ${q(root + image.venv)}`]),
      ...spec.volumes.flatMap(v => [
        `mkdir -p ${q(root + v.mountPath)}`,
        `mount --bind ${q(v.hostPath)} ${q(root + v.mountPath)}`,
        ...(v.readOnly ? [`mount -o remount,bind,ro ${q(root + v.mountPath)}`] : [])
      ]),
      ...(spec.pipCache ? [`mkdir -p ${q(`${root}/root/.cache/pip`)}`, `mount --bind ${q(spec.pipCache)} ${q(`${root}/root/.cache/pip`)}`] : []),
      ...(spec.script
        ? [
            `mkdir -p ${q(root + spec.script.path.replace(/\/[^/]*$/, ''))}`,
            `cp ${q(join(dir, 'script'))} ${q(root + spec.script.path)}`,
            `chmod 755 ${q(root + spec.script.path)}`
          ]
        : []),
      `mkdir -p ${q(root + workingDir)}`,
      `hostname ${q(spec.name.slice(0, 63))}`,
      'set +e',
      `chroot ${q(root)} /usr/bin/env -i -C ${q(workingDir)} ${env.map(([k, v]) => q(`${k}=${v}`)).join(' ')} ${spec.argv.map(q).join(' ')}`,
      'code=$?',
      // What Argo's wait container reads after the main container ends: the output files.
      ...spec.outputPaths.map((path, i) => `cp ${q(root + path)} ${q(join(dir, 'outputs', String(i)))} 2>/dev/null`),
      'exit $code'
    ];
    if (spec.script) {
      writeFileSync(join(dir, 'script'), spec.script.source);
    }
    writeFileSync(join(dir, 'pod.sh'), lines.join('\n') + '\n');
    return spawn('unshare', ['-m', '-u', '--propagation', 'private', '/bin/sh', join(dir, 'pod.sh')], {
      env: { PATH: SYSTEM_PATH },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    });
  }

  private spawnRewritten(venv: string): ChildProcess {
    const { spec } = this;
    const { dir } = spec;
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    if (spec.pipCache) {
      mkdirSync(join(home, '.cache'), { recursive: true });
      symlinkSync(spec.pipCache, join(home, '.cache', 'pip'));
    }
    const workingDir = spec.workingDir ? rewritePaths(spec.workingDir, spec.volumes) : join(dir, 'work');
    mkdirSync(workingDir, { recursive: true });
    let argv = spec.argv;
    if (spec.script) {
      const script = join(dir, 'script');
      writeFileSync(script, spec.script.source, { mode: 0o755 });
      argv = argv.map(a => (a === spec.script!.path ? script : a));
    }
    argv = argv.map(a => rewritePaths(a, spec.volumes));
    const env = Object.fromEntries(this.baseEnv(join(venv, 'bin'), home).map(([k, v]) => [k, k === 'PATH' ? v : rewritePaths(v, spec.volumes)]));
    return spawn(argv[0], argv.slice(1), { cwd: workingDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}
