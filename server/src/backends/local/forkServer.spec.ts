import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOf } from '../../../../src/core/compile/cluster/__fixtures__/pipelines';
import { RUNTIME_FILE, RUNTIME_FOLDER } from '../../../../src/core/compile/runtime/contract';
import { compileStepScripts } from '../../../../src/core/compile/stepScript';
import { claimForkServer, defaultLauncherKind, ForkServer, modulesToPreload, prepareForkServer, type PreloadHints } from './forkServer';
import launcherSourceForTest from './step_launcher.py';
import { processAlive, spawnStep, startStepProcess, type StepExit, type StepLauncher } from './stepProcess';

/**
 * The fork server must start a step exactly as `python -u step.py` would (spawnStep): every test
 * of what a step sees runs through both launchers and compares.
 */
const PYTHON = 'python3';

/** Waits until none of `pids` runs (jest's timeout fails the test if one never ends). */
async function gone(...pids: number[]): Promise<void> {
  while (pids.some(processAlive)) {
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

describe('ForkServer', () => {
  let dir: string;
  let server: ForkServer;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-fork-'));
    server = new ForkServer(PYTHON);
  });

  afterEach(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `source` as a step script with `launcher`; resolves with its exit and its log. */
  async function run(
    launcher: StepLauncher,
    source: string,
    name = 'step',
    env: Record<string, string> = {}
  ): Promise<{ exit: StepExit; log: string; pid: number | undefined }> {
    const script = join(dir, `${name}.py`);
    const logPath = join(dir, `${name}.log`);
    writeFileSync(script, source);
    const proc = startStepProcess({ python: PYTHON, script, cwd: dir, env, logPath }, launcher);
    const pid = await proc.pid;
    const exit = await proc.exited;
    return { exit, log: readFileSync(logPath, 'utf8'), pid };
  }

  const launchers: Array<[string, () => StepLauncher]> = [
    ['spawn', () => spawnStep],
    ['fork', () => server.launch]
  ];

  it.each(launchers)('%s: the step sees what `python -u step.py` sees', async (_, launcher) => {
    const probe = [
      'import os, sys',
      'print("name", __name__, "file", os.path.basename(__file__))',
      'print("argv", [os.path.basename(a) for a in sys.argv])',
      'print("path0", sys.path[0] == os.path.dirname(os.path.abspath(__file__)))',
      'print("cwd", os.getcwd() == os.path.dirname(os.path.abspath(__file__)))',
      'print("env", os.environ["CELLPIPE_PROBE"], os.environ["PYTHONUNBUFFERED"])',
      'print("group leader", os.getpgrp() == os.getpid())',
      'print("stdin", repr(sys.stdin.read()))',
      'print("to stderr", file=sys.stderr)',
      'print("after stderr")',
      'print("main module", sys.modules["__main__"].__dict__ is globals())'
    ].join('\n');
    const { exit, log, pid } = await run(launcher(), probe, 'probe', { CELLPIPE_PROBE: 'a "quoted" value' });
    expect(exit).toEqual({ code: 0, signal: null, spawnError: undefined });
    expect(pid).toEqual(expect.any(Number));
    expect(log).toBe(
      [
        'name __main__ file probe.py',
        "argv ['probe.py']",
        'path0 True',
        'cwd True',
        'env a "quoted" value 1',
        'group leader True',
        "stdin ''",
        'to stderr',
        'after stderr',
        'main module True',
        ''
      ].join('\n')
    );
  });

  it.each(launchers)('%s: exit codes, uncaught exceptions and signals', async (_, launcher) => {
    expect((await run(launcher(), 'import sys\nsys.exit(7)', 'seven')).exit.code).toBe(7);
    const message = await run(launcher(), 'raise SystemExit("bad input")', 'message');
    expect(message.exit.code).toBe(1);
    expect(message.log).toBe('bad input\n');
    const raised = await run(launcher(), 'def f():\n    raise KeyError("k")\nf()\n', 'raised');
    expect(raised.exit.code).toBe(1);
    expect(raised.log).toMatch(
      /^Traceback \(most recent call last\):\n {2}File ".*raised\.py", line 3, in <module>\n {4}f\(\)\n {2}File ".*raised\.py", line 2, in f\n {4}raise KeyError\("k"\)\nKeyError: 'k'\n$/
    );
    const killed = await run(launcher(), 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)', 'killed');
    expect(killed.exit).toEqual({ code: null, signal: 'SIGKILL', spawnError: undefined });
  });

  it.each(launchers)('%s: the interpreter ends as usual (atexit, threads, unclosed files)', async (_, launcher) => {
    const source = [
      'import atexit, threading, time',
      'atexit.register(lambda: print("atexit ran"))',
      'threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()',
      `f = open(${JSON.stringify(join(dir, 'unclosed.txt'))}, "w")`,
      'f.write("buffered, never closed")'
    ].join('\n');
    const { exit, log } = await run(launcher(), source, 'ending');
    expect(exit.code).toBe(0);
    expect(log).toBe('thread finished\natexit ran\n');
    expect(readFileSync(join(dir, 'unclosed.txt'), 'utf8')).toBe('buffered, never closed');
  });

  it("imports the run's runtime file once, before forking its steps, and again when it changed; its frames keep its name and lines", async () => {
    const data = join(dir, 'data');
    const runtimePath = join(data, RUNTIME_FOLDER, RUNTIME_FILE);
    mkdirSync(join(data, RUNTIME_FOLDER), { recursive: true });
    // A stand-in for the runtime file, run by a real step script.
    const runtime = (version: number): string =>
      [
        'import os',
        'IMPORTED_BY = os.getpid()',
        'def boom():',
        '    raise ValueError("inside the runtime")',
        'def run_step(spec):',
        '    import traceback',
        `    print("runtime ${version}, imported before the step:", IMPORTED_BY != os.getpid(), spec["step"])`,
        '    try:',
        '        boom()',
        '    except ValueError:',
        '        traceback.print_exc()',
        ''
      ].join('\n');
    writeFileSync(runtimePath, runtime(1));
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: {}, source: 'x = 1', outputs: [], execution_count: null }]
    };
    const script = compileStepScripts(pipelineOf(notebook)).steps.get('main')!;
    const env = { CELLPIPE_DATA_DIR: data };
    const forked = await run(server.launch, script, 'forked', env);
    const spawned = await run(spawnStep, script, 'spawned', env);
    expect(forked.exit.code).toBe(0);
    expect(forked.log).toMatch(/^runtime 1, imported before the step: True main\n/);
    expect(forked.log).toContain(`${runtimePath}", line 4, in boom\n    raise ValueError("inside the runtime")`);
    expect(forked.log).toBe(spawned.log.replace('False', 'True').replace(/spawned\.py/g, 'forked.py'));
    writeFileSync(runtimePath, runtime(2) + '# changed\n');
    expect((await run(server.launch, script, 'again', env)).log).toMatch(/^runtime 2, imported before the step: True main\n/);
  });

  it('keeps its own compiled code by content, and runs from it', async () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'launcher-cache');
    const bytecode = join(dir, 'launcher-cache', 'cellpipe', 'bytecode');
    const runOnce = async (name: string) => {
      const launcher = new ForkServer(PYTHON);
      try {
        return await run(launcher.launch, 'print("hello")\n', name);
      } finally {
        launcher.close();
      }
    };
    try {
      expect((await runOnce('first')).log).toBe('hello\n');
      const cached = readdirSync(bytecode).filter(name => name.startsWith('launcher-'));
      expect(cached).toEqual([expect.stringMatching(/^launcher-[0-9a-f]{32}-cpython-\d+\.bin$/)]);
      // A cached code object is what runs: the launcher's own, after a line that leaves a mark.
      const mark = join(dir, 'mark');
      execFileSync(PYTHON, [
        '-c',
        'import marshal, sys; open(sys.argv[1], "wb").write(marshal.dumps(compile(sys.argv[2], "<string>", "exec")))',
        join(bytecode, cached[0]),
        `open(${JSON.stringify(mark)}, "w").close()\n${launcherSourceForTest}`
      ]);
      expect((await runOnce('second')).log).toBe('hello\n');
      expect(existsSync(mark)).toBe(true);
      // An unreadable cache entry is compiled again and replaced.
      writeFileSync(join(bytecode, cached[0]), 'not marshal data');
      expect((await runOnce('third')).log).toBe('hello\n');
      expect(readFileSync(join(bytecode, cached[0])).length).toBeGreaterThan(1000);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it("keeps the runtime's compiled code by content for the next run's launcher, which names its own run's file", async () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    const bytecode = join(dir, 'cache', 'cellpipe', 'bytecode');
    const runtime = (version: number): string =>
      ['def run_step(spec):', `    print("runtime ${version}")`, '    raise ValueError("from the runtime")', ''].join('\n');
    const script = compileStepScripts(
      pipelineOf({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'code', metadata: {}, source: 'x = 1', outputs: [], execution_count: null }]
      })
    ).steps.get('main')!;
    /** A run of its own: a data folder with the runtime file, and a fresh launcher. */
    const runIn = async (name: string, text: string) => {
      const data = join(dir, name);
      mkdirSync(join(data, RUNTIME_FOLDER), { recursive: true });
      writeFileSync(join(data, RUNTIME_FOLDER, RUNTIME_FILE), text);
      const launcher = new ForkServer(PYTHON);
      try {
        return { ...(await run(launcher.launch, script, name, { CELLPIPE_DATA_DIR: data })), path: join(data, RUNTIME_FOLDER, RUNTIME_FILE) };
      } finally {
        launcher.close();
      }
    };
    try {
      const first = await runIn('run1', runtime(1));
      expect(first.log).toMatch(/^runtime 1\n/);
      const cached = readdirSync(bytecode).filter(name => name.startsWith('runtime-'));
      expect(cached).toEqual([expect.stringMatching(/^runtime-cpython-\d+-[0-9a-f]{16}-\d+\.bin$/)]);
      // Another run of the same runtime: its traceback names its own file, not the first run's.
      const second = await runIn('run2', runtime(1));
      expect(second.log).toContain(`File "${second.path}", line 3, in run_step`);
      expect(second.log).not.toContain(first.path);
      // The code comes from the cache: a cached code object of other source is what runs.
      execFileSync(PYTHON, [
        '-c',
        'import marshal, sys; open(sys.argv[1], "wb").write(marshal.dumps(compile(sys.argv[2], "x", "exec")))',
        join(bytecode, cached[0]),
        runtime(3)
      ]);
      expect((await runIn('run3', runtime(1))).log).toMatch(/^runtime 3\n/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('runs several steps at once and reports each one its own exit', async () => {
    const results = await Promise.all(
      [0, 1, 2, 3].map(i => run(server.launch, `import time\ntime.sleep(0.3)\nprint(${i})\nraise SystemExit(${i})`, `s${i}`))
    );
    expect(results.map(r => [r.exit.code, r.log])).toEqual([0, 1, 2, 3].map(i => [i, `${i}\n`]));
    expect(new Set(results.map(r => r.pid)).size).toBe(4);
  });

  it('starts steps the spawn way when the launcher cannot start', async () => {
    // An interpreter that refuses `-c` (so the launcher dies at once) but runs scripts.
    const python = join(dir, 'python-without-c');
    writeFileSync(python, `#!/bin/sh\nif [ "$2" = "-c" ]; then echo "no -c here" >&2; exit 3; fi\nexec ${PYTHON} "$@"\n`);
    chmodSync(python, 0o755);
    server = new ForkServer(python);
    const script = join(dir, 'fallback.py');
    writeFileSync(script, 'print("ran anyway")');
    const logPath = join(dir, 'fallback.log');
    const proc = startStepProcess({ python, script, cwd: dir, env: {}, logPath }, server.launch);
    expect((await proc.exited).code).toBe(0);
    expect(readFileSync(logPath, 'utf8')).toBe('ran anyway\n');
  });

  /** Starts a step that starts `sleep 30` (in its process group) and waits; resolves once both run. */
  async function stepWithChild(name: string): Promise<{ proc: ReturnType<typeof startStepProcess>; pid: number; child: number }> {
    const script = join(dir, `${name}.py`);
    writeFileSync(script, 'import subprocess, time\np = subprocess.Popen(["sleep", "30"])\nprint("child", p.pid, flush=True)\ntime.sleep(30)');
    const logPath = join(dir, `${name}.log`);
    const proc = startStepProcess({ python: PYTHON, script, cwd: dir, env: {}, logPath }, server.launch);
    const pid = (await proc.pid)!;
    let started: RegExpExecArray | null;
    while (!(started = /child (\d+)\n/.exec(readFileSync(logPath, 'utf8')))) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    return { proc, pid, child: Number(started[1]) };
  }

  it('ends a step and what it started when its launcher dies, and reports it', async () => {
    const { proc, pid, child } = await stepWithChild('orphan');
    process.kill(server.pid!, 'SIGKILL');
    const exit = await proc.exited;
    expect(exit.spawnError).toMatch(/the step launcher stopped .*so the step was ended: its exit status could not be known/);
    await gone(pid, child);
  });

  /**
   * Starts step `parent` (its script: `body`, then a completion record saying `status` unless it is
   * undefined) and, once it runs, a step held until it ends (StepLaunch.after), which prints whether
   * the parent's process was gone when it started.
   */
  async function parentAndHeldStep(body: string, status: string | undefined, launcher: StepLauncher = server.launch) {
    const resultPath = join(dir, 'parent.step.json');
    const record =
      status === undefined ? '' : `\nimport json\njson.dump({"status": ${JSON.stringify(status)}}, open(${JSON.stringify(resultPath)}, "w"))`;
    writeFileSync(join(dir, 'parent.py'), `${body}${record}`);
    const parent = startStepProcess(
      { python: PYTHON, script: join(dir, 'parent.py'), cwd: dir, env: {}, logPath: join(dir, 'parent.log') },
      server.launch
    );
    const parentPid = (await parent.pid)!;
    writeFileSync(
      join(dir, 'held.py'),
      `import os\ntry:\n    os.kill(${parentPid}, 0)\n    print("parent still there")\nexcept ProcessLookupError:\n    print("parent gone")`
    );
    const logPath = join(dir, 'held.log');
    const held = startStepProcess(
      { python: PYTHON, script: join(dir, 'held.py'), cwd: dir, env: {}, logPath, after: { pid: parentPid, resultPath } },
      launcher
    );
    return { parent, held, log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '') };
  }

  it('starts a step held for another the moment that one ends, when it succeeded', async () => {
    const { parent, held, log } = await parentAndHeldStep('import time\ntime.sleep(0.3)', 'Succeeded');
    const pid = await held.pid;
    expect(pid).toEqual(expect.any(Number));
    expect((await parent.exited).code).toBe(0);
    expect(await held.exited).toEqual({ code: 0, signal: null, spawnError: undefined });
    expect(log()).toBe('parent gone\n');
  });

  it.each([
    ['failed', 'raise SystemExit(1)', 'Succeeded'],
    ['exited 0 without recording its end (os._exit, a library exiting)', 'import os\nos._exit(0)', 'Succeeded'],
    ['recorded a failure', 'pass', 'Failed']
  ])('does not start a step held for one that %s', async (_, body, status) => {
    const { parent, held, log } = await parentAndHeldStep(body, status);
    expect(await held.pid).toBeUndefined();
    expect(await held.exited).toEqual({ code: null, signal: null, notStarted: 'the step it waited for did not succeed' });
    await parent.exited;
    expect(log()).toBe('');
  });

  it('does not start a held step when the launcher dies first, and no other launcher starts one', async () => {
    const { held, log } = await parentAndHeldStep('import time\ntime.sleep(30)', 'Succeeded');
    process.kill(server.pid!, 'SIGKILL');
    expect((await held.exited).notStarted).toMatch(/the step launcher stopped before the step it waited for ended/);
    const elsewhere = spawnStep({
      python: PYTHON,
      script: join(dir, 'held.py'),
      cwd: dir,
      env: {},
      logPath: join(dir, 'other.log'),
      after: { pid: 1, resultPath: 'x' }
    });
    expect(await elsewhere.pid).toBeUndefined();
    expect((await elsewhere.exited).notStarted).toBeDefined();
    expect(log()).toBe('');
  });

  it('hands a launcher prepared ahead of a run to the next run with that Python, once', async () => {
    prepareForkServer(PYTHON);
    const prepared = claimForkServer(PYTHON);
    expect(prepared.pid).toEqual(expect.any(Number)); // already started
    const fresh = claimForkServer(PYTHON);
    expect(fresh.pid).toBeUndefined(); // starts with its first step
    const { exit, log } = await run(prepared.launch, 'print("from a prepared launcher")', 'prepared');
    expect(exit.code).toBe(0);
    expect(log).toBe('from a prepared launcher\n');
    prepared.close();
    fresh.close();
  });
});

describe('ForkServer spares', () => {
  let dir: string;
  let data: string;
  let server: ForkServer;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-spare-'));
    data = join(dir, 'data');
    mkdirSync(join(data, RUNTIME_FOLDER), { recursive: true });
    server = new ForkServer(PYTHON);
  });

  afterEach(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in for the run's runtime file whose warming records the process it ran in. */
  function writeRuntime(version: number): void {
    const rehearsed = JSON.stringify(join(dir, 'rehearsed'));
    writeFileSync(
      join(data, RUNTIME_FOLDER, RUNTIME_FILE),
      [
        'import os',
        `VERSION = ${version}`,
        'def _rehearse():',
        '    print("warming up: never in a log")',
        `    with open(${rehearsed}, "a") as f:`,
        '        f.write("%d\\n" % os.getpid())',
        ''
      ].join('\n')
    );
  }

  /** The processes that warmed themselves so far. */
  const rehearsed = (): number[] =>
    existsSync(join(dir, 'rehearsed')) ? readFileSync(join(dir, 'rehearsed'), 'utf8').split('\n').filter(Boolean).map(Number) : [];

  async function whenRehearsed(count: number): Promise<number[]> {
    while (rehearsed().length < count) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    return rehearsed();
  }

  /** Runs `source` as a run's step (its runtime file in `data`); `upcoming` as the run says. */
  async function step(name: string, source: string, upcoming: number): Promise<{ exit: StepExit; log: string; pid: number | undefined }> {
    const script = join(dir, `${name}.py`);
    const logPath = join(dir, `${name}.log`);
    writeFileSync(script, source);
    const proc = startStepProcess({ python: PYTHON, script, cwd: dir, env: { CELLPIPE_DATA_DIR: data }, logPath, upcoming }, server.launch);
    const pid = await proc.pid;
    return { exit: await proc.exited, log: readFileSync(logPath, 'utf8'), pid };
  }

  /** The launcher's children now (its steps and its spare). */
  const launcherChildren = (): string => readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim();

  it('hands the next step to a process forked and warmed ahead of it, which is then what `python -u step.py` is', async () => {
    writeRuntime(1);
    expect((await step('first', 'print("first")', 1)).log).toBe('first\n');
    const [spare] = await whenRehearsed(1);
    const probe = [
      'import os, sys',
      'print("argv", [os.path.basename(a) for a in sys.argv], "cwd", os.getcwd() == os.path.dirname(os.path.abspath(__file__)))',
      'print("group leader", os.getpgrp() == os.getpid(), "stdin", repr(sys.stdin.read()))',
      'print("runtime", getattr(sys.modules.get("cellpipe_runtime"), "VERSION", None), "data", os.environ["CELLPIPE_DATA_DIR"] == ' +
        JSON.stringify(data) +
        ')',
      'print("to stderr", file=sys.stderr)'
    ].join('\n');
    const second = await step('second', probe, 0);
    expect(second.pid).toBe(spare);
    expect(second.exit.code).toBe(0);
    // As a new interpreter would run it, with the runtime file imported ahead; nothing of its warming.
    const reference = await run(spawnStep, probe, 'second', { CELLPIPE_DATA_DIR: data });
    expect(reference.log).toContain('runtime None data True');
    expect(second.log).toBe(reference.log.replace('runtime None', 'runtime 1'));
    // Nothing more was to come: no spare was forked after it.
    expect(launcherChildren()).toBe('');
    expect(rehearsed()).toEqual([spare]);
  });

  it('keeps as many spares as the run says may be asked for at once, and hands each of them a step', async () => {
    writeRuntime(1);
    await step('first', 'pass', 3); // as four branches' first step says of the second steps to come
    const spares = await whenRehearsed(3);
    // The three start together, each saying how many may still be asked for after it.
    const ran = await Promise.all([2, 1, 0].map((upcoming, i) => step(`second${i}`, 'import os\nprint(os.getpid())', upcoming)));
    expect(ran.map(r => r.exit.code)).toEqual([0, 0, 0]);
    expect(ran.map(r => r.pid).sort((a, b) => a! - b!)).toEqual([...spares].sort((a, b) => a - b));
    expect(ran.map(r => Number(r.log))).toEqual(ran.map(r => r.pid));
    // Nothing more was to come: every spare was used, and none was forked after them.
    expect(launcherChildren()).toBe('');
    expect(rehearsed()).toEqual(spares);
  });

  it('does not hand a step to a spare forked before the launcher imported a changed runtime file', async () => {
    writeRuntime(1);
    await step('first', 'pass', 1);
    const [stale] = await whenRehearsed(1);
    writeRuntime(2);
    const second = await step('second', 'import sys\nprint("runtime", sys.modules["cellpipe_runtime"].VERSION)', 1);
    expect(second.log).toBe('runtime 2\n');
    expect(second.pid).not.toBe(stale);
    await gone(stale); // let go, it exits
    const [, fresh] = await whenRehearsed(2); // the next spare has the new file
    const third = await step('third', 'import sys\nprint("runtime", sys.modules["cellpipe_runtime"].VERSION)', 0);
    expect(third).toMatchObject({ pid: fresh, log: 'runtime 2\n' });
  });

  /** Runs a script as a plain process (the reference). */
  async function run(launcher: StepLauncher, source: string, name: string, env: Record<string, string>): Promise<{ log: string }> {
    const script = join(dir, `${name}.py`);
    const logPath = join(dir, `${name}-reference.log`);
    writeFileSync(script, source);
    await startStepProcess({ python: PYTHON, script, cwd: dir, env, logPath }, launcher).exited;
    return { log: readFileSync(logPath, 'utf8') };
  }
});

describe('defaultLauncherKind', () => {
  it('forks on Linux unless CELLPIPE_LAUNCHER says otherwise', () => {
    expect(defaultLauncherKind({ CELLPIPE_LAUNCHER: 'spawn' })).toBe('spawn');
    expect(defaultLauncherKind({ CELLPIPE_LAUNCHER: 'fork' })).toBe('fork');
    expect(defaultLauncherKind({ CELLPIPE_LAUNCHER: 'threads' })).toBe(process.platform === 'linux' ? 'fork' : 'spawn');
  });
});

describe('ForkServer preloading', () => {
  let dir: string;
  let saved: string | undefined;
  const servers: ForkServer[] = [];

  // What the analysis says of the steps below (PipelineStep.imports, .setsEnvironment).
  const importing: PreloadHints = { imports: ['os', 'statsmodels'], setsEnvironment: false };

  /** A package named like one of the preloadable libraries (statsmodels), printing `says` on import. */
  function fakeLibrary(says: string): string {
    const site = join(dir, 'site');
    mkdirSync(join(site, 'statsmodels'), { recursive: true });
    writeFileSync(
      join(site, 'statsmodels', '__init__.py'),
      `${says ? `print(${JSON.stringify(says)})\n` : ''}import os\nIMPORTED_BY = os.getpid()\n`
    );
    return site;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellpipe-preload-'));
    saved = process.env.PYTHONPATH;
  });

  afterEach(() => {
    servers.splice(0).forEach(s => s.close());
    if (saved === undefined) {
      delete process.env.PYTHONPATH;
    } else {
      process.env.PYTHONPATH = saved;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function runSteps(server: ForkServer, code: string, hints = importing, n = 2): Promise<string[]> {
    const scripts = Array.from({ length: n }, (_, i) => join(dir, `s${i}.py`));
    scripts.forEach(script => writeFileSync(script, code));
    server.preload(scripts.map(() => hints));
    const logs = await Promise.all(
      scripts.map(async (script, i) => {
        const logPath = join(dir, `s${i}.log`);
        const proc = startStepProcess({ python: PYTHON, script, cwd: dir, env: {}, logPath }, server.launch);
        expect((await proc.exited).code).toBe(0);
        return readFileSync(logPath, 'utf8');
      })
    );
    return logs;
  }

  const imported = 'import os, statsmodels\nprint("imported before the step:", statsmodels.IMPORTED_BY != os.getpid())';

  it('imports a library the steps import once, in the launcher, before forking them', async () => {
    process.env.PYTHONPATH = fakeLibrary('');
    const server = new ForkServer(PYTHON);
    servers.push(server);
    expect(await runSteps(server, imported)).toEqual(['imported before the step: True\n', 'imported before the step: True\n']);
    expect(server.preloadReports).toEqual([{ preloaded: ['statsmodels'], seconds: expect.any(Number) }]);
  });

  it('preloads nothing when a step may set environment variables a library reads at import', async () => {
    process.env.PYTHONPATH = fakeLibrary('');
    const server = new ForkServer(PYTHON);
    servers.push(server);
    const logs = await runSteps(server, `import os\nos.environ["OMP_NUM_THREADS"] = "1"\n${imported}`, { ...importing, setsEnvironment: true });
    expect(logs).toEqual(Array(2).fill('imported before the step: False\n'));
    expect(server.preloadReports).toEqual([{ preloaded: [], seconds: expect.any(Number) }]);
  });

  it('does not preload a library that prints when imported: each step prints it, as it would alone', async () => {
    process.env.PYTHONPATH = fakeLibrary('a notice printed on import');
    const server = new ForkServer(PYTHON);
    servers.push(server);
    const logs = await runSteps(server, imported);
    expect(logs).toEqual(Array(2).fill('a notice printed on import\nimported before the step: False\n'));
    expect(server.preloadReports).toEqual([{ restarted: expect.stringMatching(/^importing statsmodels printed: a notice printed on import/) }]);
  });

  it('imports a preloaded library again when it changed on disk since (pip install --upgrade)', async () => {
    process.env.PYTHONPATH = fakeLibrary('');
    prepareForkServer(PYTHON, [importing, importing]);
    const server = claimForkServer(PYTHON);
    servers.push(server);
    while (!server.preloadReports.length) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    writeFileSync(join(dir, 'site', 'statsmodels', 'new_module.py'), ''); // the package folder changes
    expect(await runSteps(server, imported)).toEqual(Array(2).fill('imported before the step: True\n'));
    expect(server.preloadReports).toEqual([
      { preloaded: ['statsmodels'], seconds: expect.any(Number) },
      { restarted: 'statsmodels changed on disk since it was imported here' },
      { preloaded: ['statsmodels'], seconds: expect.any(Number) }
    ]);
  });
});

describe('modulesToPreload', () => {
  it('is what the steps import, or nothing when one of them may set the environment', () => {
    expect(modulesToPreload([{ imports: ['pandas', 'numpy'] }, { imports: ['numpy', 'sklearn.svm'] }, {}])).toEqual([
      'numpy',
      'pandas',
      'sklearn.svm'
    ]);
    expect(modulesToPreload([{ imports: ['pandas'] }, { imports: [], setsEnvironment: true }])).toEqual([]);
  });
});
