/**
 * The names of the methods the cell's classes define. Where one has the name of a trusted library
 * method (builtins.ts), the notebook's other cells are analysed without trusting that name.
 */
import type { Definition, WalkHooks } from './walkHooks';

export class ClassMethods implements WalkHooks {
  private readonly names = new Set<string>();

  definitionWalked(definition: Definition): void {
    if (definition.kind === 'function' && definition.enclosing.kind === 'class') {
      this.names.add(definition.name);
    }
  }

  result(): string[] {
    return [...this.names].sort();
  }
}
