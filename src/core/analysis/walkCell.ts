/**
 * One cell's facts from one walk: the walker (walker.ts) with the analyses plugged into it.
 */
import type { Tree } from '@lezer/common';
import { Aliases } from './aliases';
import { ClassMethods } from './classMethods';
import { Declarations } from './declarations';
import { NameUses } from './nameUses';
import { OpaqueCode } from './opaqueCode';
import { ParameterEffects } from './parameterEffects';
import { StateCalls } from './stateCalls';
import type { CellFacts } from './types';
import { CellWalker } from './walker';

/**
 * @param code the cell source with IPython magics blanked out
 * @param prelude every top-level statement is a declaration (cells tagged `imports`/`functions`)
 * @param distrusted trusted library method names the notebook's own classes redefine
 */
export function walkCell(tree: Tree, code: string, prelude: boolean, distrusted?: ReadonlySet<string>): CellFacts {
  const walker = new CellWalker(code, distrusted);
  const aliases = new Aliases(walker);
  const parameterEffects = new ParameterEffects(walker, aliases);
  const nameUses = new NameUses(walker);
  const declarations = new Declarations(walker, prelude);
  const stateCalls = new StateCalls(walker, call => declarations.stateCallFound(call));
  const opaqueCode = new OpaqueCode(walker);
  const classMethods = new ClassMethods();
  walker.walk(tree, [aliases, parameterEffects, nameUses, declarations, stateCalls, opaqueCode, classMethods]);
  const uses = nameUses.result();
  return {
    loads: uses.loads,
    uses: uses.uses,
    bindings: walker.bindings.list.map(({ depth: _depth, via: _via, ...binding }) => binding),
    mutations: uses.mutations,
    argumentPasses: uses.argumentPasses,
    callPasses: uses.callPasses,
    functions: parameterEffects.functions,
    aliases: aliases.moduleAliases(),
    stateCalls: declarations.stateCalls,
    declarations: declarations.declarations,
    bindsUnknownNames: opaqueCode.bindsUnknownNames,
    opaque: opaqueCode.opaque,
    classMethods: classMethods.result(),
    diagnostics: walker.diagnostics
  };
}
