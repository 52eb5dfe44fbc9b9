import { analyzeNotebook } from '../analysis';
import { notebookJson, step, type CellSpec } from '../__fixtures__/notebookBuilder';
import { parseNotebook } from '../notebook';
import { buildPipeline } from './build';
import { modulesToProbe, requirementLines, requirementName, withEnvironments } from './environments';
import type { InstalledPackages } from './installedPackages';

/** What a kernel with numpy, pandas, pyarrow, scikit-learn, cloudpickle and IPython would report. */
const KERNEL: InstalledPackages = {
  python: '3.11.7',
  modules: {
    os: { kind: 'stdlib' },
    json: { kind: 'stdlib' },
    numpy: { kind: 'distribution', name: 'numpy', version: '2.4.6' },
    pandas: { kind: 'distribution', name: 'pandas', version: '3.1.1' },
    pyarrow: { kind: 'distribution', name: 'pyarrow', version: '26.0.1' },
    sklearn: { kind: 'distribution', name: 'scikit-learn', version: '1.9.1' },
    cloudpickle: { kind: 'distribution', name: 'cloudpickle', version: '3.1.3' },
    IPython: { kind: 'distribution', name: 'ipython', version: '9.18.1' },
    helpers: { kind: 'unpackaged', origin: '/work/nb/helpers.py' },
    xgboost: { kind: 'missing' }
  }
};

function environments(cells: CellSpec[], metadata: Record<string, unknown> = {}, requirementsFile: string[] | null = null) {
  const notebook = parseNotebook(JSON.stringify(notebookJson(cells, metadata))).notebook!;
  const analysis = analyzeNotebook(notebook);
  const pipeline = buildPipeline(notebook, analysis);
  const result = withEnvironments(notebook, analysis, pipeline, { installed: KERNEL, requirementsFile });
  const byStep = Object.fromEntries(result.pipeline.steps.map(s => [s.name, s.environment]));
  return { ...result, byStep };
}

describe('step environments on a cluster', () => {
  it("pins what each step imports to the kernel's versions under the distributions' own names, without the standard library", () => {
    const { byStep, diagnostics } = environments([
      step('load', 'import os, json\nimport numpy as np\nn = int(np.sqrt(16))'),
      step('fit', 'from sklearn.linear_model import LinearRegression\nprint(n)')
    ]);
    expect(byStep.load).toEqual({ requirements: ['cloudpickle==3.1.3', 'numpy==2.4.6'] });
    // fit loads n, made by a step that imports numpy: the value's library comes along.
    expect(byStep.fit).toEqual({ requirements: ['cloudpickle==3.1.3', 'numpy==2.4.6', 'scikit-learn==1.9.1'] });
    expect(diagnostics).toEqual([]);
  });

  it("adds IPython for magics, pyarrow where pandas values travel, the prelude's imports where they are injected", () => {
    const { byStep } = environments([
      { code: 'import pandas as pd', tags: ['imports'] },
      step('a', '%matplotlib inline\ndf = pd.DataFrame({"x": [1]})'),
      step('b', 'print(len(df))')
    ]);
    expect(byStep.a?.requirements).toEqual(['cloudpickle==3.1.3', 'ipython==9.18.1', 'pandas==3.1.1', 'pyarrow==26.0.1']);
    expect(byStep.b?.requirements).toEqual(['cloudpickle==3.1.3', 'pandas==3.1.1', 'pyarrow==26.0.1']);
  });

  it('takes %pip lines, requirements.txt and the notebook setting for every step, the pip: tags for one, a user line over a pin', () => {
    const { byStep, pipeline } = environments(
      ['%pip install -q "xgboost==2.1.0" numpy>=2', step('a', 'import numpy\nx = 1', 'pip:tqdm'), step('b', 'print(x)')],
      { cellpipe: { requirements: ['requests==2.32.0'] } },
      ['Polars>=1.0']
    );
    expect(byStep.a?.requirements).toEqual(['cloudpickle==3.1.3', 'numpy>=2', 'Polars>=1.0', 'requests==2.32.0', 'tqdm', 'xgboost==2.1.0']);
    expect(byStep.b?.requirements).toEqual(['cloudpickle==3.1.3', 'numpy>=2', 'Polars>=1.0', 'requests==2.32.0', 'xgboost==2.1.0']);
    // In a pod the line installs nothing: the setup task did; the line numbers stay.
    const cell = pipeline.steps[0].plan.find(item => item.kind === 'code' && item.role === 'cell' && item.source.includes('pip'));
    expect(cell && cell.kind === 'code' ? cell.source.split('\n')[0] : '').toBe(
      'pass  # %pip install -q "xgboost==2.1.0" numpy>=2 -- installed by cellpipe\'s setup task'
    );
  });

  it('installs nothing where the image holds everything: pip:none, or installRequirements false', () => {
    expect(environments([step('a', 'import numpy', 'pip:none'), step('b', 'import numpy')]).byStep).toEqual({
      a: null,
      b: { requirements: ['numpy==2.4.6'] }
    });
    expect(environments([step('a', 'import numpy')], { cellpipe: { installRequirements: false } }).byStep).toEqual({ a: null });
  });

  it("warns on the import's cell and line when the kernel lacks a module or it belongs to no package; an optional import is not an error", () => {
    const { diagnostics, byStep } = environments([
      step('a', 'x = 1\nimport xgboost'),
      step('b', 'import helpers\ntry:\n    import xgboost as xg2\nexcept ImportError:\n    xg2 = None')
    ]);
    expect(diagnostics.map(d => [d.code, d.cell, d.line])).toEqual([
      ['module-not-installed', 0, 2],
      ['module-not-packaged', 1, 1]
    ]);
    expect(diagnostics[1].message).toMatch(/\/work\/nb\/helpers\.py/);
    expect(byStep.a).toEqual({ requirements: [] });
  });

  it("asks the kernel about every imported module and the runtime's helpers; reads requirement files and names as pip does", () => {
    const notebook = parseNotebook(JSON.stringify(notebookJson([step('a', 'import numpy.linalg\nfrom . import local\nimport os')]))).notebook!;
    expect(modulesToProbe(buildPipeline(notebook, analyzeNotebook(notebook)))).toEqual(['IPython', 'cloudpickle', 'numpy', 'os', 'pyarrow']);
    expect(requirementLines('# pinned\nnumpy==2.0  # comment\n\n-r other.txt\n--index-url https://x\nscikit_learn>=1')).toEqual([
      'numpy==2.0',
      'scikit_learn>=1'
    ]);
    expect(requirementName('Scikit_Learn.Extra>=1')).toBe('scikit-learn-extra');
  });
});
