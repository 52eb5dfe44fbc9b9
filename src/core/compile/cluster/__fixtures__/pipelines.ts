/**
 * Test helpers for the cluster targets: the corpus notebooks as pipelines, random hostile
 * notebooks, golden files, and Python checks of generated sources in one process per batch.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { analyzeNotebook } from '../../../analysis';
import { parseNotebook } from '../../../notebook';
import { buildPipeline, type Pipeline } from '../../../pipeline';
import { codeCell, type CodeCell } from '../../../__fixtures__/notebookBuilder';
import { RUNTIME_PATH } from '../../runtime/contract';
import { decodePayload, PAYLOAD_VARIABLE, payloadPartOf } from '../stepPayload';

const CORPUS = join(__dirname, '..', '..', '..', '__fixtures__', 'notebooks');

/** A notebook (as JSON) -> Pipeline, failing the test with the diagnostics if it has errors. */
export function pipelineOf(notebook: unknown, notebookPath = 'notebook.ipynb'): Pipeline {
  const text = JSON.stringify(notebook);
  const parsed = parseNotebook(text);
  const analysis = analyzeNotebook(parsed.notebook ?? text, { defaultStepName: 'main' });
  return buildPipeline(parsed.notebook!, analysis, { notebookPath });
}

/** The corpus notebooks, by file name without extension. */
export function corpusPipelines(): Array<[string, Pipeline]> {
  return readdirSync(CORPUS)
    .filter(name => name.endsWith('.ipynb'))
    .sort()
    .map(name => [name.replace(/\.ipynb$/, ''), pipelineOf(JSON.parse(readFileSync(join(CORPUS, name), 'utf8')), name)]);
}

/** An example notebook of the repository (examples/NAME.ipynb) as a pipeline. */
export function examplePipeline(name: string): Pipeline {
  const file = join(__dirname, '..', '..', '..', '..', '..', 'examples', `${name}.ipynb`);
  return pipelineOf(JSON.parse(readFileSync(file, 'utf8')), `${name}.ipynb`);
}

/**
 * Compares text with a committed golden file; UPDATE_GOLDEN=1 writes the file instead. Returns
 * the golden text so the caller's expect shows the difference.
 */
export function golden(path: string, text: string): string {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.UPDATE_GOLDEN !== '1') {
      throw new Error(`golden file ${path} is missing: run the test with UPDATE_GOLDEN=1 and commit it`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return readFileSync(path, 'utf8');
}

/** Text with the runtime file's id in step scripts masked, so golden files do not change with every edit of the runtime. */
export function withoutRuntimeId(text: string): string {
  return text.replace(/'runtime': '[0-9a-f]{14}'/g, "'runtime': '<id of the runtime file>'");
}

/** A deterministic random number generator (LCG), so failures reproduce. */
export function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

export const HOSTILE_STRINGS = [
  "it's",
  '"quoted"',
  '{{workflow.name}}',
  '{{inputs.parameters.x}} }}{{',
  '$(whoami) ${HOME} `id`',
  'line\nbreak\ttab\r',
  'données 数据 🚀',
  '\\ backslash \\n',
  '\'\'\'"""',
  '\u2028\u0007\u0000'
];

type Cell = CodeCell;
const code = codeCell;

/** A Python str literal for any string (JSON escapes are valid Python escapes, surrogates aside). */
const py = (text: string): string => JSON.stringify(text);

/**
 * A random notebook: steps with hostile names, parameters of every type with hostile string
 * values, cells that read earlier steps' variables (so edges and parallel branches appear) and
 * print hostile strings.
 */
export function randomNotebook(seed: number): object {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const hostile = (): string => pick(HOSTILE_STRINGS) + pick(HOSTILE_STRINGS);
  const cells: Cell[] = [
    code('import json', ['imports']),
    code(
      [
        `p_int = ${Math.floor(next() * 100)}`,
        `p_float = ${(next() * 10).toFixed(3)}`,
        `p_str = ${py(hostile())}`,
        `p_bool = ${next() < 0.5 ? 'True' : 'False'}`,
        `p_list = [1, ${py(hostile())}, None]`,
        `p_dict = {${py(hostile())}: [${py(hostile())}]}`,
        'p_none = None'
      ].join('\n'),
      ['pipeline-parameters']
    )
  ];
  const steps = 1 + Math.floor(next() * 6);
  for (let i = 0; i < steps; i++) {
    const name = `${pick(['load', 'Train Model', "it's", '{{x}}', '$(id)', 'données', '数据', 'a"b', 'step'])} ${i}`;
    const reads = i > 0 && next() < 0.7 ? `v_${Math.floor(next() * i)}` : 'p_int';
    const tags = [`step:${name}`];
    if (next() < 0.3) {
      tags.push('retry:2', 'timeout:1h30m', 'limit:memory:1Gi', 'label:team:ml');
    }
    if (next() < 0.2) {
      tags.push('limit:nvidia.com/gpu:1', 'annotation:note:$(x) and {single}', 'secret:db-creds:password:DB_PASSWORD');
    }
    cells.push(code([`v_${i} = [${reads}, p_str, ${py(hostile())}]`, `print(${py(hostile())}, json.dumps(p_dict))`].join('\n'), tags));
  }
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

/**
 * `py_compile` of many sources in one Python process (written to files, as `python3 -m
 * py_compile` reads them); returns the errors, [] when every source compiles.
 */
export function pythonCompileErrors(sources: readonly string[]): string[] {
  return withTempDir(dir => {
    const files = sources.map((source, i) => {
      const file = join(dir, `source_${i}.py`);
      writeFileSync(file, source);
      return file;
    });
    const program = [
      'import json, py_compile, sys',
      'errors = []',
      'for path in json.load(sys.stdin):',
      '    try:',
      '        py_compile.compile(path, doraise=True)',
      '    except py_compile.PyCompileError as e:',
      '        errors.append(str(e))',
      'print(json.dumps(errors))'
    ].join('\n');
    const result = spawnSync('python3', ['-c', program], { input: JSON.stringify(files), encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(result.stderr);
    }
    return JSON.parse(result.stdout) as string[];
  });
}

/** Writes files in a fresh temporary folder, runs `fn` with it, removes it. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cellpipe-cluster-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A compiled file's text with each step payload part that unpacks alone (a payload of one part)
 * replaced by the files it holds, as JSON: what a search of the text must see.
 */
export function withPayloadsUnpacked(text: string): string {
  return text.replace(new RegExp(`${PAYLOAD_VARIABLE} = '([A-Za-z0-9+/=]*)'`, 'g'), (line, part: string) => {
    const files = decodePayload(part);
    return 'problem' in files ? line : JSON.stringify(files);
  });
}

/**
 * A setup task's source as golden files show it: the step scripts its payload (of one part) holds,
 * each under its path; the runtime file and the setup code left out.
 */
export function setupForGolden(source: string): string {
  const files = decodePayload(payloadPartOf(source) ?? '');
  if ('problem' in files) {
    throw new Error(`the setup source's step payload cannot be unpacked: ${files.problem}`);
  }
  const scripts = Object.entries(files).filter(([path]) => path !== RUNTIME_PATH);
  return [
    '<the setup script: writes the runtime file and these step scripts to the data volume>',
    ...scripts.map(([path, script]) => `# ${path}\n${script}`)
  ].join('\n');
}
