import { spawnSync } from 'child_process';
import { pyLiteral } from '../pythonLiteral';
import { shieldPythonLiterals } from './argoSafe';

describe('shieldPythonLiterals', () => {
  const values = ['{{workflow.name}}', '{{{x}}}', '$(whoami)', '${HOME}', "it's {{", '\\{{', 'a{b}c', '{{\n}}'];

  it('leaves no {{ or $( and Python reads the same strings', () => {
    const source = shieldPythonLiterals(`import json\nprint(json.dumps(${pyLiteral(values)}))\n`);
    expect(source).not.toMatch(/\{\{|\$\(/);
    const run = spawnSync('python3', ['-c', source], { encoding: 'utf8' });
    expect(JSON.parse(run.stdout)).toEqual(values);
  });

  it('keeps single braces readable', () => {
    expect(shieldPythonLiterals(pyLiteral({ k: 'a{b}c' }))).toContain("'a{b}c'");
  });

  it('refuses template syntax outside literals', () => {
    expect(() => shieldPythonLiterals('x = {{}}')).toThrow(/cellpipe bug/);
    expect(() => shieldPythonLiterals("x = 'open")).toThrow(/cellpipe bug/);
    // Without template syntax too, escapes read as the full walk reads them.
    expect(shieldPythonLiterals("x = 'it\\'s' + '\\\\'\n")).toBe("x = 'it\\'s' + '\\\\'\n");
    expect(() => shieldPythonLiterals("x = 'a\\'")).toThrow(/cellpipe bug/);
  });
});
