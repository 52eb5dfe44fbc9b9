/**
 * The loop of a fan-out step (`foreach:NAME`, docs/fan-out.md), read from its cell's syntax: what
 * it runs over, the names it binds per item, and how its body uses each name, so the check
 * (checks/fanOutSteps.ts) can tell whether the iterations are independent and what to gather.
 */
import type { SyntaxNode } from '@lezer/common';
import { blankMagics } from './magics';
import { parsePython } from './python';

/** Methods that only add to a list, dict or set: the uses of an accumulator the gather can merge. */
const ADDING_METHODS: ReadonlySet<string> = new Set(['append', 'extend', 'add', 'update']);

/** Scopes of their own inside the body: a `break` there does not end the loop. */
const OWN_LOOP_OR_SCOPE: ReadonlySet<string> = new Set([
  'ForStatement',
  'WhileStatement',
  'FunctionDefinition',
  'ClassDefinition',
  'LambdaExpression'
]);

/** Whether two nodes are the same place of the tree (lezer makes a new object on each access). */
function same(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return !!a && !!b && a.from === b.from && a.to === b.to && a.name === b.name;
}

/** How the body uses a name at one place. */
export type NameUseKind = 'store' | 'add' | 'load';

export interface NameUse {
  name: string;
  kind: NameUseKind;
  offset: number;
}

export interface FanOutLoop {
  /** Names the loop header binds for each item. */
  targets: string[];
  body: { from: number; to: number };
  /** Every module-level name the body mentions, where and how, in source order. */
  uses: NameUse[];
}

export interface LoopProblem {
  message: string;
  offset: number;
}

/** The iterables a fan-out may run over, NAME being the tag's list: each item i is item i of NAME. */
function iteratesOver(node: SyntaxNode, code: string, over: string): boolean {
  const text = (n: SyntaxNode | null): string => (n ? code.slice(n.from, n.to) : '');
  if (node.name === 'VariableName') {
    return text(node) === over;
  }
  if (node.name !== 'CallExpression') {
    return false;
  }
  const callee = node.firstChild;
  const args = node.getChild('ArgList');
  const argValues = args ? args.getChildren('VariableName').concat(args.getChildren('Number')) : [];
  if (callee?.name === 'VariableName' && text(callee) === 'enumerate') {
    const first = args?.firstChild?.nextSibling ?? null;
    return first?.name === 'VariableName' && text(first) === over && argValues.length <= 2;
  }
  if (callee?.name === 'VariableName' && text(callee) === 'range') {
    // range(len(NAME))
    return /^range\(\s*len\(\s*([\p{L}_][\p{L}\p{N}_]*)\s*\)\s*\)$/u.exec(text(node))?.[1] === over;
  }
  if (callee?.name === 'MemberExpression') {
    const object = callee.firstChild;
    const method = callee.getChild('PropertyName');
    return (
      object?.name === 'VariableName' &&
      text(object) === over &&
      ['items', 'keys', 'values'].includes(text(method)) &&
      !args?.getChild('VariableName')
    );
  }
  return false;
}

/** Whether a name at `node` is bound there (an assignment or loop target, `as`, `def`, `class`). */
function isStore(node: SyntaxNode): boolean {
  let child = node;
  let parent = node.parent;
  // Targets may be nested in tuples and lists: `a, (b, c) = ...`.
  while (parent && ['TupleExpression', 'ArrayExpression', 'ParenthesizedExpression'].includes(parent.name)) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) {
    return false;
  }
  switch (parent.name) {
    case 'AssignStatement': {
      // Targets are what comes before the last `=`; an annotated `x: int = 1` too.
      let last: SyntaxNode | null = null;
      for (let c = parent.firstChild; c; c = c.nextSibling) {
        if (c.name === 'AssignOp' || c.name === ':') {
          last = c;
        }
      }
      return last !== null && child.to <= last.from;
    }
    case 'ForStatement':
    case 'CompFor': {
      const inKeyword = parent.getChild('in');
      return inKeyword !== null && child.to <= inKeyword.from;
    }
    case 'WithStatement':
    case 'TryStatement':
    case 'ImportStatement':
      return child.prevSibling?.name === 'as' || parent.name === 'ImportStatement';
    case 'FunctionDefinition':
    case 'ClassDefinition':
      return same(child, parent.getChild('VariableName'));
    case 'NamedExpression':
      return same(child, parent.firstChild);
    default:
      return false;
  }
}

/** `acc.append(x)`, `acc.update(d)`, `acc[k] = v`: a use that only adds to the value of `node`. */
function isAdding(node: SyntaxNode, code: string): boolean {
  const member = node.parent;
  if (member?.name !== 'MemberExpression' || !same(member.firstChild, node)) {
    return false;
  }
  const property = member.getChild('PropertyName');
  if (property) {
    const call = member.parent;
    return ADDING_METHODS.has(code.slice(property.from, property.to)) && call?.name === 'CallExpression' && same(call.firstChild, member);
  }
  // A subscript: adding only when it is an assignment's target.
  return member.getChild('[') !== null && isStore(member);
}

/** Names the loop header binds: `fold`, `i, fold`, `(key, value)`. */
function targetNames(loop: SyntaxNode, code: string): string[] {
  const names: string[] = [];
  const inKeyword = loop.getChild('in');
  for (let c = loop.firstChild?.nextSibling ?? null; c && inKeyword && c.from < inKeyword.from; c = c.nextSibling) {
    const collect = (n: SyntaxNode): void => {
      if (n.name === 'VariableName') {
        names.push(code.slice(n.from, n.to));
      }
      for (let k = n.firstChild; k; k = k.nextSibling) {
        collect(k);
      }
    };
    collect(c);
  }
  return names;
}

/**
 * Reads the loop of a fan-out cell over `over`: the problems that keep it from running as
 * independent instances that the syntax alone shows (the dataflow check adds the rest).
 */
export function readFanOutLoop(source: string, over: string): { loop: FanOutLoop | null; problems: LoopProblem[] } {
  const code = blankMagics(source).code;
  const tree = parsePython(code);
  const statements: SyntaxNode[] = [];
  for (let c = tree.topNode.firstChild; c; c = c.nextSibling) {
    if (c.name !== 'Comment') {
      statements.push(c);
    }
  }
  const loop = statements.length === 1 && statements[0].name === 'ForStatement' ? statements[0] : null;
  if (!loop) {
    return {
      loop: null,
      problems: [
        {
          message: `A foreach:${over} step's code is one for loop over ${over} (\`for item in ${over}:\`), which runs once per item. Move the other statements to a cell of another step.`,
          offset: statements.find(s => s.name !== 'ForStatement')?.from ?? 0
        }
      ]
    };
  }
  const problems: LoopProblem[] = [];
  const inKeyword = loop.getChild('in');
  const iterable = inKeyword?.nextSibling ?? null;
  if (!iterable || !iteratesOver(iterable, code, over)) {
    problems.push({
      message: `The loop runs over \`${iterable ? code.slice(iterable.from, iterable.to) : '?'}\`, but the tag says foreach:${over}: loop over ${over} itself, enumerate(${over}), ${over}.items() or range(len(${over})).`,
      offset: iterable?.from ?? loop.from
    });
  }
  const bodies = loop.getChildren('Body');
  if (bodies.length > 1) {
    problems.push({
      message:
        "The loop has an `else:` clause, which runs after the last item; a fan-out runs items apart. Move the else clause's code to the next step.",
      offset: loop.getChild('else')?.from ?? bodies[1].from
    });
  }
  const body = bodies[0];
  const uses: NameUse[] = [];
  if (body) {
    const visit = (node: SyntaxNode, ownLoop: boolean): void => {
      if (node.name === 'BreakStatement' && !ownLoop) {
        problems.push({
          message: '`break` stops the loop at some item, so the items cannot run apart. Keep every item, and pick the ones you need in a later step.',
          offset: node.from
        });
      }
      if (node.name === 'VariableName') {
        const kind: NameUseKind = isStore(node) ? 'store' : isAdding(node, code) ? 'add' : 'load';
        uses.push({ name: code.slice(node.from, node.to), kind, offset: node.from });
      }
      const inner = ownLoop || OWN_LOOP_OR_SCOPE.has(node.name);
      for (let c = node.firstChild; c; c = c.nextSibling) {
        visit(c, inner);
      }
    };
    visit(body, false);
  }
  return {
    loop: { targets: targetNames(loop, code), body: { from: body?.from ?? loop.to, to: body?.to ?? loop.to }, uses },
    problems
  };
}
