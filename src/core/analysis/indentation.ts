/**
 * CPython's indentation rules, checked on @lezer/python's tree. lezer parses `x = 1\n    y = 2`
 * and a dedent to a level no enclosing block has without an error node, where CPython raises
 * IndentationError or TabError before running a line of the cell.
 *
 * Each block (the cell, a `Body` after `:`, a `match` body) is checked on its own: its statements
 * that begin a logical line share one indentation, deeper than the line that opens the block (the
 * cell's is none), and clause keywords (`elif`, `else`, `except`, `finally`) and a decorated `def`
 * or `class` sit at their statement's indentation. Tabs are compared as CPython does, once with
 * tab stops of 8 and once of 1: lines that compare differently either way are a TabError.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { diagnostic, type Diagnostic } from '../notebook';
import { LineIndex } from './lineIndex';

/** A line's indentation measured both ways CPython measures it (tokenizer.c: col and altcol). */
interface Indent {
  column: number;
  altColumn: number;
}

const BLOCKS = new Set(['Body', 'MatchBody']);
const CLAUSE_KEYWORDS = new Set(['elif', 'else', 'except', 'finally']);
const DEFINITIONS = new Set(['FunctionDefinition', 'ClassDefinition']);

type Comparison = 'same' | 'deeper' | 'shallower' | 'inconsistent';

function compare(a: Indent, b: Indent): Comparison {
  if (a.column === b.column && a.altColumn === b.altColumn) {
    return 'same';
  }
  if (a.column > b.column && a.altColumn > b.altColumn) {
    return 'deeper';
  }
  if (a.column < b.column && a.altColumn < b.altColumn) {
    return 'shallower';
  }
  return 'inconsistent';
}

class IndentationChecker {
  private readonly lines: LineIndex;
  readonly errors: Diagnostic[] = [];

  constructor(private readonly code: string) {
    this.lines = new LineIndex(code);
  }

  private lineStart(offset: number): number {
    return this.code.lastIndexOf('\n', offset - 1) + 1;
  }

  private measure(start: number, end: number): Indent | null {
    const indent: Indent = { column: 0, altColumn: 0 };
    for (let i = start; i < end; i++) {
      const character = this.code[i];
      if (character === ' ') {
        indent.column++;
        indent.altColumn++;
      } else if (character === '\t') {
        indent.column = (Math.floor(indent.column / 8) + 1) * 8;
        indent.altColumn++;
      } else if (character === '\f') {
        indent.column = indent.altColumn = 0;
      } else {
        return null;
      }
    }
    return indent;
  }

  /**
   * The indentation of the logical line `offset` begins, or null when it does not begin one: text
   * precedes it on its line (`if x: y`, `a; b`), or the line above ends in a `\` continuation.
   */
  indentAt(offset: number): Indent | null {
    const start = this.lineStart(offset);
    const previousEnd = this.code[start - 2] === '\r' ? start - 3 : start - 2;
    return start > 0 && this.code[previousEnd] === '\\' ? null : this.measure(start, offset);
  }

  /** The indentation of the line `offset` is on, whatever follows it there. */
  lineIndent(offset: number): Indent {
    const start = this.lineStart(offset);
    let end = start;
    while (end < offset && ' \t\f'.includes(this.code[end])) {
      end++;
    }
    return this.measure(start, end)!;
  }

  report(node: SyntaxNode, comparison: Comparison, expected: string): void {
    const { line, column } = this.lines.position(node.from);
    const what =
      comparison === 'inconsistent'
        ? 'TabError: inconsistent use of tabs and spaces in indentation'
        : comparison === 'deeper'
          ? 'IndentationError: unexpected indent'
          : 'IndentationError: unindent does not match any outer indentation level';
    this.errors.push(diagnostic('error', 'indentation-error', `Python would refuse this cell (${what}). ${expected}`, null, line, column));
  }

  /** Checks the statements of one block; returns the blocks nested in them. */
  checkBlock(block: SyntaxNode, opener: Indent | null): SyntaxNode[] {
    let first: Indent | null = null;
    const nested: SyntaxNode[] = [];
    for (let statement = block.firstChild; statement; statement = statement.nextSibling) {
      if (statement.name === ':' || statement.name === 'Comment' || statement.type.isError) {
        continue;
      }
      const indent = this.indentAt(statement.from);
      if (indent) {
        if (opener === null) {
          const comparison = compare(indent, { column: 0, altColumn: 0 });
          if (comparison !== 'same') {
            this.report(statement, comparison, 'Start the lines of a cell at its first column, and indent only the lines of a block.');
          }
        } else if (first === null) {
          first = indent;
          const comparison = compare(indent, opener);
          if (comparison !== 'deeper') {
            this.report(statement, comparison === 'same' ? 'shallower' : comparison, 'Indent the block further than the line that opens it.');
          }
        } else {
          const comparison = compare(indent, first);
          if (comparison !== 'same') {
            this.report(statement, comparison, 'Indent it as the lines before it in its block, with the same spaces or tabs.');
          }
        }
      }
      const own = indent ?? this.lineIndent(statement.from);
      for (let part = statement.firstChild; part; part = part.nextSibling) {
        if (BLOCKS.has(part.name)) {
          nested.push(part);
        } else if (CLAUSE_KEYWORDS.has(part.name) || part.name === 'Decorator' || DEFINITIONS.has(part.name)) {
          this.checkClause(part, own);
          if (DEFINITIONS.has(part.name)) {
            nested.push(...part.getChildren('Body'));
          }
        }
      }
    }
    return nested;
  }

  private checkClause(clause: SyntaxNode, statement: Indent): void {
    const indent = this.indentAt(clause.from);
    const comparison = indent && compare(indent, statement);
    if (comparison && comparison !== 'same') {
      this.report(
        clause,
        comparison,
        `Indent \`${this.code.slice(clause.from, Math.min(clause.to, clause.from + 20)).split('\n')[0]}\` as the line that opens its statement.`
      );
    }
  }
}

/** IndentationError and TabError diagnostics for a cell lezer parsed without errors. */
export function indentationErrors(tree: Tree, code: string): Diagnostic[] {
  const checker = new IndentationChecker(code);
  const pending: [SyntaxNode, Indent | null][] = [[tree.topNode, null]];
  while (pending.length > 0) {
    const [block, opener] = pending.pop()!;
    for (const nested of checker.checkBlock(block, opener)) {
      pending.push([nested, checker.lineIndent(nested.parent!.from)]);
    }
  }
  return checker.errors;
}
