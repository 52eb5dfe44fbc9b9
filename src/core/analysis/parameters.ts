import type { SyntaxNode } from '@lezer/common';
import { diagnostic, type Diagnostic } from '../notebook';
import { LineIndex } from './lineIndex';
import { blankMagics } from './magics';
import { evaluateLiteral, NotALiteral } from './literals';
import { parsePython } from './python';
import type { Parameter } from './types';

export interface CellParameters {
  /** `cell` is filled in by the caller. */
  parameters: Omit<Parameter, 'cell'>[];
  diagnostics: Diagnostic[];
}

/** The assigned name and value of `NAME = literal` or `NAME: type = literal`, or null. */
function simpleAssignment(statement: SyntaxNode): { target: SyntaxNode; value: SyntaxNode } | null {
  if (statement.name !== 'AssignStatement') {
    return null;
  }
  const nodes: SyntaxNode[] = [];
  for (let child = statement.firstChild; child; child = child.nextSibling) {
    nodes.push(child);
  }
  const target = nodes[0];
  const rest = nodes.slice(nodes[1]?.name === 'TypeDef' ? 2 : 1);
  if (target?.name !== 'VariableName' || rest.length !== 2 || rest[0].name !== 'AssignOp') {
    return null;
  }
  return { target, value: rest[1] };
}

/**
 * Reads the run parameters of a `pipeline-parameters` cell: assignments of literal values to names.
 * Anything else is reported (`non-literal-parameter`), since a parameter's value must reach a step as
 * data; such statements still run as prelude code so the names they bind stay defined.
 */
export function readParameters(source: string): CellParameters {
  const code = blankMagics(source).code;
  const tree = parsePython(code);
  const lines = new LineIndex(code);
  const text = (node: SyntaxNode): string => code.slice(node.from, node.to);
  const result: CellParameters = { parameters: [], diagnostics: [] };
  for (let statement = tree.topNode.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name === 'Comment') {
      continue;
    }
    const { line, column } = lines.position(statement.from);
    const assignment = simpleAssignment(statement);
    let reason = 'it is not a plain assignment NAME = VALUE';
    if (assignment) {
      try {
        const literal = evaluateLiteral(assignment.value, text);
        result.parameters.push({ name: text(assignment.target), type: literal.type, default: literal.value, line });
        continue;
      } catch (error) {
        if (!(error instanceof NotALiteral)) {
          throw error;
        }
        reason = `its value is not a literal: ${error.message}`;
      }
    }
    result.diagnostics.push(
      diagnostic(
        'error',
        'non-literal-parameter',
        `A pipeline-parameters cell may only assign literal values (numbers, strings, True/False/None, lists and dicts of them), and here ${reason}. Move this code to a step or to the imports/functions cell.`,
        null,
        line,
        column
      )
    );
  }
  return result;
}
