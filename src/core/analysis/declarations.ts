/**
 * Declarations (types.ts, Declaration): top-level statements that are code rather than data. What
 * each top-level statement contributes is collected while it is walked; if it is a declaration,
 * that becomes the Declaration (and its module bindings are marked as declared). Otherwise its code
 * runs where it is written: what its functions use and change counts there, and its state sites
 * are the cell's.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Declaration, NameSite, StateSite } from './types';
import type { Definition, ModuleNameUse, WalkContext, WalkHooks, WalkedStatement } from './walkHooks';

const DECLARATION_NODES: Record<string, Declaration['kind']> = {
  ImportStatement: 'import',
  FunctionDefinition: 'function',
  ClassDefinition: 'class',
  TypeDefinition: 'type'
};
/** Compound statements that are declarations when they bind a name by import, def or class. */
const GUARDED_DECLARATIONS = new Set(['IfStatement', 'TryStatement']);

/** What one top-level statement contributes. */
interface StatementFacts {
  uses: Set<string>;
  deferredUses: NameSite[];
  mutates: Set<string>;
  classes: string[];
  generators: string[];
  stateSites: StateSite[];
}

function emptyStatement(): StatementFacts {
  return { uses: new Set(), deferredUses: [], mutates: new Set(), classes: [], generators: [], stateSites: [] };
}

export class Declarations implements WalkHooks {
  readonly declarations: Declaration[] = [];
  /** Code that may set process state, outside declarations. */
  readonly stateSites: StateSite[] = [];
  private statement = emptyStatement();

  /** @param prelude every top-level statement is a declaration (cells tagged `imports`/`functions`) */
  constructor(
    private readonly walk: WalkContext,
    private readonly prelude: boolean
  ) {}

  /** Code that may set process state (stateSites.ts), in the current statement. */
  stateSiteFound(site: StateSite): void {
    this.statement.stateSites.push(site);
  }

  statementStarted(): void {
    this.statement = emptyStatement();
  }

  moduleNameUsed({ kind, name, offset, deferred }: ModuleNameUse): void {
    const state = this.statement;
    if (deferred) {
      if (kind === 'load') {
        state.deferredUses.push(this.walk.site(name, offset));
        state.uses.add(name);
      } else {
        state.mutates.add(name);
      }
    } else if (kind === 'load') {
      state.uses.add(name);
    }
  }

  globalBoundInFunction(name: string): void {
    this.statement.mutates.add(name);
  }

  definitionWalked({ kind, name, scope, enclosing }: Definition): void {
    if (enclosing.kind !== 'module') {
      return;
    }
    if (kind === 'class') {
      this.statement.classes.push(name);
    } else if (scope.isGenerator) {
      this.statement.generators.push(name);
    }
  }

  statementEnded({ node, bindings, vias }: WalkedStatement): void {
    const state = this.statement;
    const inner = node.name === 'DecoratedStatement' ? node.lastChild : node;
    const kind = inner ? DECLARATION_NODES[inner.name] : undefined;
    const guarded = GUARDED_DECLARATIONS.has(node.name) && (vias.has('import') || vias.has('def') || vias.has('class'));
    if (kind || guarded || (this.prelude && node.name !== 'Comment' && !node.type.isError)) {
      this.declare(node, kind ?? 'statement', bindings);
    } else {
      // Code outside declarations runs where it is written: what its functions use counts now.
      state.deferredUses.forEach(use =>
        this.walk.useModuleName({ kind: 'load', name: use.name, offset: use.offset, deferred: false, bound: false, call: null })
      );
      state.mutates.forEach(name =>
        this.walk.useModuleName({ kind: 'mutation', name, offset: node.from, deferred: false, bound: false, call: null })
      );
      this.stateSites.push(...state.stateSites);
    }
  }

  private declare(node: SyntaxNode, kind: Declaration['kind'], bindings: WalkedStatement['bindings']): void {
    const state = this.statement;
    const index = this.declarations.length;
    const last = new Map(bindings.map(binding => [binding.name, binding.kind]));
    const names = new Set([...last].filter(([, kind]) => kind !== 'deleted').map(([name]) => name));
    for (const binding of bindings) {
      if (names.has(binding.name)) {
        binding.kind = 'declaration';
        binding.declaration = index;
      }
    }
    this.declarations.push({
      names: [...names],
      kind,
      from: node.from,
      to: node.to,
      line: this.walk.line(node.from),
      uses: [...state.uses].filter(name => !names.has(name)),
      deferredUses: state.deferredUses.filter(use => !names.has(use.name)),
      mutates: [...state.mutates],
      classes: state.classes,
      generators: state.generators,
      stateSites: state.stateSites
    });
  }
}
