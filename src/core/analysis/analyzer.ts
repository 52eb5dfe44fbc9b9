import { parseNotebook, planNotebook, sortDiagnostics, type CellRole, type Diagnostic, type Notebook, type PlanOptions } from '../notebook';
import { isTrustedMethod } from './builtins';
import { analyzeCell, summarizeCell } from './cellFacts';
import { stepTagDiagnostics } from './checks/stepTags';
import { inferDataflow } from './dataflow';
import { functionsCellState } from './functionsCellState';
import { CallResolver } from './notebookFunctions';
import { readParameters, type CellParameters } from './parameters';
import type { AnalysisResult, CellFacts, CellSummary, Parameter } from './types';

const NO_NAMES: ReadonlySet<string> = new Set();

/** Cells whose code is analysed, and whether all their statements are declarations. */
const ANALYSED_ROLES: Partial<Record<CellRole, { prelude: boolean }>> = {
  step: { prelude: false },
  metrics: { prelude: false },
  prelude: { prelude: true },
  parameters: { prelude: true }
};

/**
 * Where an Analyzer may find the facts of cells analysed by an earlier process (the CLI keeps them
 * on disk: server/src/app/analysisCache.ts). Keys say everything the facts depend on but the
 * analysis code itself: the cell's source, its role and the trust the notebook's classes allow;
 * a store must hold facts of one version of that code only.
 */
export interface CellFactsStore {
  get(key: string): CellFacts | undefined;
  /** Facts just computed for `key` (what the store keeps of them is its own business). */
  set(key: string, facts: CellFacts): void;
}

/**
 * A cache that keeps what the last analysis used: entries unused by one analysis are dropped after
 * the next, so editing a cell does not grow it without bound. Misses are looked up in `store`, if
 * any, before they are computed.
 */
class GenerationCache<T> {
  private current = new Map<string, T>();
  private previous = new Map<string, T>();
  misses = 0;

  constructor(private readonly store?: { get(key: string): T | undefined; set(key: string, value: T): void }) {}

  get(key: string, compute: () => T): T {
    let value = this.current.get(key) ?? this.previous.get(key) ?? this.store?.get(key);
    if (value === undefined) {
      value = compute();
      this.misses++;
      this.store?.set(key, value);
    }
    this.current.set(key, value);
    return value;
  }

  endGeneration(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/**
 * Analyses notebooks and remembers each cell's facts by its role and source text, so re-analysing
 * after an edit parses only the changed cells; the dataflow across steps is recomputed (it is cheap).
 * Identical cells share facts wherever they are, so moving a cell costs nothing either.
 */
export class Analyzer {
  private readonly cells: GenerationCache<CellFacts>;
  private readonly parameters = new GenerationCache<CellParameters>();
  private readonly summaries = new WeakMap<CellFacts, CellSummary>();
  private readonly calls = new CallResolver();
  /** Trusted method names the notebook's own classes redefine, as of the last analysis. */
  private distrusted: ReadonlySet<string> = NO_NAMES;

  private summary(index: number, facts: CellFacts): CellSummary {
    let summary = this.summaries.get(facts);
    if (!summary || summary.index !== index) {
      summary = summarizeCell(index, facts);
      this.summaries.set(facts, summary);
    }
    return summary;
  }

  /** @param store facts of cells analysed before, by another process (the CLI's disk cache) */
  constructor(
    private readonly options: PlanOptions = {},
    store?: CellFactsStore
  ) {
    this.cells = new GenerationCache<CellFacts>(store);
  }

  /** Cells parsed since the analyzer was created (for tests and benchmarks). */
  get parsedCells(): number {
    return this.cells.misses;
  }

  /** Analyses a notebook given as JSON text, parsed JSON, or an already read Notebook. */
  analyze(input: unknown): AnalysisResult {
    if (isNotebook(input)) {
      return this.analyzeNotebook(input);
    }
    const parsed = parseNotebook(input);
    if (!parsed.notebook) {
      return emptyResult(parsed.diagnostics);
    }
    const result = this.analyzeNotebook(parsed.notebook);
    result.diagnostics = sortDiagnostics([...parsed.diagnostics, ...result.diagnostics]);
    return result;
  }

  analyzeNotebook(notebook: Notebook): AnalysisResult {
    const plan = planNotebook(notebook, this.options);
    const diagnostics: Diagnostic[] = [...plan.diagnostics];
    const analyse = (distrusted: ReadonlySet<string>): (CellFacts | null)[] => {
      const tag = [...distrusted].join(',');
      return plan.cells.map(cellPlan => {
        const role = ANALYSED_ROLES[cellPlan.role];
        if (!role) {
          return null;
        }
        const source = notebook.cells[cellPlan.index].source;
        const key = `${role.prelude ? 'p' : 's'}\u0000${tag}\u0000${source}`;
        return this.cells.get(key, () => analyzeCell(source, { ...role, distrusted }));
      });
    };
    // A class of the notebook's own with a method named like a trusted library method (a `fit`
    // that changes its argument) makes that name untrusted everywhere. Which names those are does
    // not depend on trust, so start from the last analysis's answer and analyse again only when
    // the notebook's classes changed it (an edit then costs one parse, not two).
    let facts = analyse(this.distrusted);
    const distrusted = new Set(
      facts
        .flatMap(f => f?.classMethods ?? [])
        .filter(isTrustedMethod)
        .sort()
    );
    if ([...distrusted].join(',') !== [...this.distrusted].join(',')) {
      this.distrusted = distrusted;
      facts = analyse(distrusted);
    }
    // A call of one of the notebook's functions changes only the arguments that function changes.
    facts = this.calls.resolve(facts);
    facts.forEach((cellFacts, index) => {
      for (const d of cellFacts?.diagnostics ?? []) {
        diagnostics.push({ ...d, cell: plan.cells[index].index });
      }
    });
    diagnostics.push(...functionsCellState(notebook, plan, facts));
    const parameters: Parameter[] = [];
    for (const cell of plan.parameterCells) {
      const read = this.parameters.get(notebook.cells[cell].source, () => readParameters(notebook.cells[cell].source));
      parameters.push(...read.parameters.map(parameter => ({ ...parameter, cell })));
      diagnostics.push(...read.diagnostics.map(d => ({ ...d, cell })));
    }
    this.cells.endGeneration();
    this.parameters.endGeneration();
    const dataflow = inferDataflow({ plan, facts, parameters, sources: notebook.cells.map(cell => cell.source) });
    diagnostics.push(
      ...dataflow.diagnostics,
      ...(plan.steps.some(step => step.workers || step.serve) ? stepTagDiagnostics(plan, dataflow.steps) : [])
    );
    return {
      plan,
      steps: dataflow.steps,
      parameters,
      metrics: dataflow.metrics,
      cells: facts.flatMap((cellFacts, index) => (cellFacts ? [this.summary(index, cellFacts)] : [])),
      facts,
      diagnostics: sortDiagnostics(diagnostics)
    };
  }
}

function isNotebook(input: unknown): input is Notebook {
  return typeof input === 'object' && input !== null && 'nbformatMinor' in input && Array.isArray((input as Notebook).cells);
}

function emptyResult(diagnostics: Diagnostic[]): AnalysisResult {
  return { plan: null, steps: [], parameters: [], metrics: [], cells: [], facts: [], diagnostics };
}

/** Analyses a notebook (JSON text, parsed JSON or a read Notebook) in one go, with `store`'s facts if given. */
export function analyzeNotebook(input: unknown, options: PlanOptions = {}, store?: CellFactsStore): AnalysisResult {
  return new Analyzer(options, store).analyze(input);
}
