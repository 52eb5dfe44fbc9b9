/**
 * The lint's import rules (eslint.config.mjs) encode DESIGN.md's layering. This lints small snippets
 * placed, virtually, in the folders of each layer, and checks each forbidden import is reported and
 * each allowed one is not. ESLint 9 loads its flat config with `import()`, which Jest's CommonJS
 * runtime cannot do, so one child Node process lints every snippet through ESLint's API.
 */
import { spawnSync } from 'child_process';
import { readdirSync } from 'fs';
import { join, relative } from 'path';

const root = join(__dirname, '..', '..', '..');
const LAYERING_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports', 'no-restricted-globals']);

interface Snippet {
  filePath: string;
  code: string;
}
interface Problem {
  ruleId: string | null;
  message: string;
}

// Runs in the child: reads [{filePath, code}] as JSON on stdin, prints the messages of each as JSON.
const LINT_SNIPPETS = `
import { ESLint } from 'eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
}
process.stdout.write(JSON.stringify(results));
`;

function lintSnippets(snippets: Snippet[]): Problem[][] {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_SNIPPETS], {
    cwd: root,
    input: JSON.stringify(snippets.map(({ filePath, code }) => ({ filePath: join(root, filePath), code }))),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024
  });
  if (child.status !== 0) {
    throw new Error(`linting the snippets failed (${child.status}): ${child.stderr}`);
  }
  return JSON.parse(child.stdout) as Problem[][];
}

/**
 * An import specifier, from a file in folder `from`, of some module that exists in folder `to`
 * (the rule checks resolved paths: the module must exist, and files move while the code grows).
 */
function moduleIn(from: string, to: string): string {
  const file = readdirSync(join(root, to))
    .filter(name => /\.tsx?$/.test(name) && !/\.(spec|d)\.tsx?$/.test(name))
    .sort()[0];
  if (!file) {
    throw new Error(`no module in ${to}`);
  }
  const specifier = relative(join(root, from), join(root, to, file.replace(/\.tsx?$/, '')))
    .split('\\')
    .join('/');
  return specifier.startsWith('.') ? specifier : `./${specifier}`;
}

/** A snippet of `lines`, placed at `filePath`. */
function snippet(filePath: string, ...lines: string[]): Snippet {
  return { filePath, code: `${lines.join('\n')}\n` };
}

/** A snippet in `folder` that imports `specifier` (and uses it, so only the layering can complain). */
function importing(folder: string, specifier: string, file = 'layeringProbe.ts'): Snippet {
  return snippet(`${folder}/${file}`, `import * as probe from '${specifier}';`, 'export const used = probe;');
}
function importingModule(folder: string, to: string): Snippet {
  return importing(folder, moduleIn(folder, to));
}

const forbidden: [string, Snippet][] = [
  // The core: no Node, React, JupyterLab, Lumino, CodeMirror, nor DOM or Node globals.
  ['the core imports react', importing('src/core/notebook', 'react')],
  ['the core imports node:fs', importing('src/core/notebook', 'node:fs')],
  ['the core imports fs', importing('src/core/analysis', 'fs')],
  ['the core imports path', importing('src/core/compile', 'path')],
  ['the core imports @jupyterlab/notebook', importing('src/core/notebook', '@jupyterlab/notebook')],
  ['the core imports @lumino/widgets', importing('src/core/pipeline', '@lumino/widgets')],
  ['the core imports @codemirror/view', importing('src/core/analysis', '@codemirror/view')],
  ['a core spec imports react', importing('src/core/analysis', 'react', 'layeringProbe.spec.ts')],
  ['the core uses window', snippet('src/core/notebook/layeringProbe.ts', 'export const here = window.location.href;')],
  ['the core uses process', snippet('src/core/run/layeringProbe.ts', 'export const home = process.env.HOME;')],
  // The core imports nothing around it.
  ['the core imports the frontend', importingModule('src/core/pipeline', 'src/models')],
  ['the core imports the server', importingModule('src/core/run', 'server/src/backends/local')],
  // Core stages import only stages to their left.
  ['notebook imports analysis', importingModule('src/core/notebook', 'src/core/analysis')],
  ['analysis imports pipeline', importingModule('src/core/analysis', 'src/core/pipeline')],
  ['pipeline imports compile', importingModule('src/core/pipeline', 'src/core/compile')],
  ['compile imports run (../run/types)', importing('src/core/compile', '../run/types')],
  ['compile/argo imports run', importingModule('src/core/compile/argo', 'src/core/run')],
  ['notebook imports the core index (every stage)', importing('src/core/notebook', '..')],
  // The frontend never imports the server.
  ['the frontend imports the server', importingModule('src/models', 'server/src/cli')],
  // Server layers: backends <- app <- (cli | service).
  ['a backend imports the CLI (../../cli/program)', importing('server/src/backends/local', '../../cli/program')],
  ['a backend imports the service', importingModule('server/src/backends/kubernetes', 'server/src/service')],
  ['the application layer imports the CLI', importingModule('server/src/app', 'server/src/cli')],
  ['the application layer imports the service', importingModule('server/src/app', 'server/src/service')],
  ['the CLI imports the service', importingModule('server/src/cli', 'server/src/service')],
  ['the service imports the CLI', importingModule('server/src/service/routes', 'server/src/cli')]
];

const allowed: [string, Snippet][] = [
  [
    'analysis imports notebook and @lezer/python',
    snippet(
      'src/core/analysis/layeringProbe.ts',
      `import * as notebook from '${moduleIn('src/core/analysis', 'src/core/notebook')}';`,
      `import { parser } from '@lezer/python';`,
      'export const used = [notebook, parser];'
    )
  ],
  [
    'compile imports notebook, analysis, pipeline, itself and yaml',
    snippet(
      'src/core/compile/argo/layeringProbe.ts',
      `import * as notebook from '../../notebook';`,
      `import * as analysis from '../../analysis';`,
      `import * as pipeline from '../../pipeline';`,
      `import * as compile from '${moduleIn('src/core/compile/argo', 'src/core/compile')}';`,
      `import { stringify } from 'yaml';`,
      'export const used = [notebook, analysis, pipeline, compile, stringify];'
    )
  ],
  [
    'run imports compile and the core index',
    snippet(
      'src/core/run/layeringProbe.ts',
      `import * as compile from '${moduleIn('src/core/run', 'src/core/compile')}';`,
      `import * as core from '..';`,
      'export const used = [compile, core];'
    )
  ],
  [
    'a core spec reads files with fs and path',
    snippet(
      'src/core/compile/layeringProbe.spec.ts',
      `import { readFileSync } from 'fs';`,
      `import { join } from 'path';`,
      `export const read = () => readFileSync(join(__dirname, 'x'));`
    )
  ],
  [
    'the frontend imports the core, React and JupyterLab',
    snippet(
      'src/models/layeringProbe.ts',
      `import * as analysis from '../core/analysis';`,
      `import * as react from 'react';`,
      `import { INotebookTracker } from '@jupyterlab/notebook';`,
      'export const used = [analysis, react, INotebookTracker];'
    )
  ],
  ['the application layer imports a backend', importingModule('server/src/app', 'server/src/backends/local')],
  [
    'the CLI imports a backend, the core and Node',
    snippet(
      'server/src/cli/layeringProbe.ts',
      `import * as local from '${moduleIn('server/src/cli', 'server/src/backends/local')}';`,
      `import * as analysis from '../../../src/core/analysis';`,
      `import { readFileSync } from 'fs';`,
      'export const used = [local, analysis, readFileSync];'
    )
  ],
  ['the service imports a backend', importingModule('server/src/service', 'server/src/backends/local')],
  [
    'a backend imports another backend and the core',
    snippet(
      'server/src/backends/kubernetes/layeringProbe.ts',
      `import * as local from '${moduleIn('server/src/backends/kubernetes', 'server/src/backends/local')}';`,
      `import * as pipeline from '../../../../src/core/pipeline';`,
      'export const used = [local, pipeline];'
    )
  ]
];

let problems: Problem[][];

beforeAll(() => {
  problems = lintSnippets([...forbidden, ...allowed].map(([, probe]) => probe));
}, 300_000);

const layering = (index: number): Problem[] => problems[index].filter(problem => problem.ruleId && LAYERING_RULES.has(problem.ruleId));

describe('the lint reports imports against the layering', () => {
  test.each(forbidden.map(([name], index) => [name, index] as const))('%s', (_name, index) => {
    expect(layering(index)).toHaveLength(1);
  });
});

describe('the lint allows imports along the layering', () => {
  test.each(allowed.map(([name], index) => [name, forbidden.length + index] as const))('%s', (_name, index) => {
    expect(problems[index]).toEqual([]);
  });
});
