import { diagnostic } from '../notebook';
import { blankMagics } from './magics';
import { indentationErrors } from './indentation';
import { parsePython, syntaxErrors } from './python';
import { sourceCharacterErrors } from './sourceCharacters';
import type { CellFacts, CellSummary } from './types';
import { walkCell } from './walkCell';

export interface CellFactsOptions {
  /** Every top-level statement is a declaration (cells tagged `imports`/`functions`/parameters). */
  prelude: boolean;
  /** Library method names not to trust, because the notebook's own classes define them. */
  distrusted?: ReadonlySet<string>;
}

function emptyFacts(): CellFacts {
  return {
    loads: [],
    uses: [],
    bindings: [],
    mutations: [],
    argumentPasses: [],
    callPasses: [],
    functions: [],
    aliases: [],
    stateSites: [],
    declarations: [],
    bindsUnknownNames: false,
    opaque: false,
    resultName: null,
    classMethods: [],
    diagnostics: []
  };
}

/**
 * Analyses one cell's code on its own: what it loads, binds, changes and declares at module level.
 * IPython magics are blanked out first (and reported); syntax errors are reported and the code
 * lezer could recover is analysed anyway. Never throws.
 */
export function analyzeCell(source: string, options: CellFactsOptions): CellFacts {
  const blanked = blankMagics(source);
  const facts = emptyFacts();
  if (blanked.magics.length > 0) {
    const names = [...new Set(blanked.magics)].map(name => (name === '!' ? '!shell' : name === '?' ? '?help' : `%${name}`));
    facts.diagnostics.push(
      diagnostic(
        'info',
        'magic',
        `This cell uses IPython syntax (${names.join(', ')}); cellpipe skips it when analysing and runs it only where IPython is installed in the step's environment.`,
        null,
        blanked.firstMagicLine
      )
    );
  }
  if (blanked.notPython) {
    return facts;
  }
  try {
    const tree = parsePython(blanked.code);
    const walked = walkCell(tree, blanked.code, options.prelude, options.distrusted);
    const syntax = syntaxErrors(tree, blanked.code);
    const refused = sourceCharacterErrors(source);
    Object.assign(facts, walked, {
      diagnostics: [
        ...facts.diagnostics,
        // A refused character is also a syntax error for lezer; it alone is reported, with what to do.
        ...(refused.length > 0 ? refused : syntax.length > 0 ? syntax : indentationErrors(tree, blanked.code)),
        ...walked.diagnostics
      ],
      bindsUnknownNames: walked.bindsUnknownNames || blanked.bindsUnknownNames
    });
  } catch (error) {
    // Defensive: a failure here must not take the whole notebook's analysis down.
    facts.diagnostics.push(
      diagnostic(
        'error',
        'analysis-failed',
        `cellpipe could not analyse this cell (${error instanceof Error ? error.message : String(error)}). Please report this with the cell's code.`,
        null
      )
    );
  }
  facts.bindsUnknownNames ||= blanked.bindsUnknownNames;
  return facts;
}

/**
 * The facts in DESIGN.md's terms: what the cell reads, writes, changes and declares. Call passes
 * not resolved against the notebook's functions (notebookFunctions.ts) count as changes.
 */
export function summarizeCell(index: number, facts: CellFacts): CellSummary {
  const names = (list: { name: string }[]): string[] => [...new Set(list.map(item => item.name))].sort();
  const last = new Map(facts.bindings.map(binding => [binding.name, binding.kind]));
  return {
    index,
    reads: names(facts.loads),
    writes: [...last]
      .filter(([, kind]) => kind === 'data')
      .map(([name]) => name)
      .sort(),
    mutates: names([...facts.mutations, ...facts.argumentPasses, ...facts.callPasses]),
    declarations: [...new Set(facts.declarations.flatMap(d => d.names))].filter(name => name !== '*').sort()
  };
}
