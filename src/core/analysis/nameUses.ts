/**
 * How the cell uses module names where its code runs: the first load of each (and the first that
 * needs a value from before the cell), the first change in place, the first pass to a call that may
 * change it, and passes to calls of what may be the notebook's own functions (resolved across the
 * notebook, notebookFunctions.ts). Uses in function bodies count where the function is called
 * (declarations.ts).
 */
import { calleeIsModuleName } from './scopes';
import type { CallPass, NameSite } from './types';
import type { ModuleNameUse, WalkContext, WalkHooks } from './walkHooks';

export class NameUses implements WalkHooks {
  private readonly loads = new Map<string, number>();
  private readonly uses = new Map<string, number>();
  private readonly mutations = new Map<string, number>();
  private readonly argumentPasses = new Map<string, number>();
  /** `name callee slot` -> first pass of a module name to a call that may be a notebook function. */
  private readonly callPasses = new Map<string, CallPass>();

  constructor(private readonly walk: WalkContext) {}

  moduleNameUsed({ kind, name, offset, deferred, bound, call }: ModuleNameUse): void {
    if (kind === 'argument' && call && !deferred && calleeIsModuleName(call)) {
      const key = `${name}\u0000${call.callee}\u0000${call.slot}`;
      if (!this.callPasses.has(key)) {
        this.callPasses.set(key, { ...this.walk.site(name, offset), callee: call.callee, slot: call.slot });
      }
      return;
    }
    if (deferred) {
      return;
    }
    if (kind === 'load' && !this.uses.has(name)) {
      this.uses.set(name, offset);
    }
    const map = kind === 'load' ? this.loads : kind === 'mutation' ? this.mutations : this.argumentPasses;
    if (!map.has(name) && !(kind === 'load' && bound)) {
      map.set(name, offset);
    }
  }

  result(): { loads: NameSite[]; uses: NameSite[]; mutations: NameSite[]; argumentPasses: NameSite[]; callPasses: CallPass[] } {
    const sites = (map: Map<string, number>): NameSite[] => [...map].map(([name, offset]) => this.walk.site(name, offset));
    return {
      loads: sites(this.loads),
      uses: sites(this.uses),
      mutations: sites(this.mutations),
      argumentPasses: sites(this.argumentPasses),
      callPasses: [...this.callPasses.values()]
    };
  }
}
