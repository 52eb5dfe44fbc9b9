/**
 * schemaValidator.generated.ts is ajv's standalone code for ARGO_WORKFLOW_SCHEMA, generated ahead
 * so that no process compiles the schema (ajv's compile was ~50 ms, half of `cellpipe compile
 * --target argo` on a small notebook). This spec regenerates it and fails when the file is stale;
 * `CELLPIPE_UPDATE_GENERATED=1 npx jest src/core/compile/argo/schemaValidator` rewrites it.
 * It also holds the generated validator to the verdicts and errors of the schema compiled at run time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { analyzeNotebook } from '../../analysis';
import { parseNotebook } from '../../notebook';
import { buildPipeline } from '../../pipeline';
import { compileArgoWorkflow } from './compile';
import { ARGO_WORKFLOW_SCHEMA } from './schema';
import { validateWorkflowSchema as generated } from './schemaValidator.generated';

const GENERATED = join(__dirname, 'schemaValidator.generated.ts');
const validateWorkflowSchema = generated as ValidateFunction;
const OPTIONS = { allErrors: true, strict: true } as const;

const HEADER = `// Generated from ARGO_WORKFLOW_SCHEMA (schema.ts) by ajv's standalone code: do not edit.
// Regenerate: CELLPIPE_UPDATE_GENERATED=1 npx jest src/core/compile/argo/schemaValidator
/* eslint-disable */
// @ts-nocheck
`;

function generatedSource(): string {
  const ajv = new Ajv({ ...OPTIONS, code: { source: true, esm: true, lines: false } });
  ajv.addSchema(ARGO_WORKFLOW_SCHEMA, 'workflow');
  const code = standaloneCode(ajv, { validateWorkflowSchema: 'workflow' });
  return `${HEADER}${code}\n`;
}

type Doc = Record<string, unknown>;

/** A small Workflow, as plain JSON to break. */
function workflow(): Doc {
  const cells = [
    { cell_type: 'code', metadata: { tags: ['step:make'] }, source: 'x = [1, 2]', outputs: [], execution_count: null },
    { cell_type: 'code', metadata: { tags: ['step:use', 'prev:make'] }, source: 'print(sum(x))', outputs: [], execution_count: null }
  ];
  const parsed = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  return JSON.parse(JSON.stringify(compileArgoWorkflow(buildPipeline(parsed.notebook!, analyzeNotebook(parsed.notebook!))))) as Doc;
}

/** Template `index` of a Workflow. */
const template = (doc: Doc, index: number): Doc => ((doc.spec as Doc).templates as Doc[])[index];

describe('the generated Workflow schema validator', () => {
  it('is the code ajv generates from the schema today', () => {
    const expected = generatedSource();
    if (process.env.CELLPIPE_UPDATE_GENERATED === '1') {
      writeFileSync(GENERATED, expected);
    }
    expect(readFileSync(GENERATED, 'utf8') === expected).toBe(true); // else regenerate: see the top of this file
  });

  it('gives the verdicts and errors of the schema compiled at run time', () => {
    const compiled = new Ajv(OPTIONS).compile(ARGO_WORKFLOW_SCHEMA);
    const documents: Doc[] = [workflow()];
    const broken = (change: (doc: Doc) => void): void => {
      const doc = workflow();
      change(doc);
      documents.push(doc);
    };
    broken(doc => (doc.kind = 'Pod'));
    broken(doc => ((doc.metadata as Doc).generateName = 'Not A Name'));
    broken(doc => (template(doc, 1).unexpected = true));
    broken(doc => {
      (template(doc, 1).script as Doc).env = [{ name: '1BAD', value: 3 }];
      delete doc.apiVersion;
    });
    let refused = 0;
    for (const doc of documents) {
      const valid = validateWorkflowSchema(doc);
      expect(valid).toBe(compiled(doc));
      expect(validateWorkflowSchema.errors ?? null).toEqual(compiled.errors ?? null);
      refused += valid ? 0 : 1;
    }
    expect(refused).toBe(documents.length - 1);
  });
});
