/**
 * One cell's facts from one walk: the walker (walker.ts, walkState.ts) with the analyses plugged into it.
 */
import type { Tree } from '@lezer/common';
import { Aliases } from './aliases';
import { ClassMethods } from './classMethods';
import { Declarations } from './declarations';
import { NameUses } from './nameUses';
import { OpaqueCode } from './opaqueCode';
import { ParameterEffects } from './parameterEffects';
import { resultName } from './resultName';
import { StateSites } from './stateSites';
import type { CellFacts } from './types';
import { CellWalker } from './walker';
import { WalkState } from './walkState';

/**
 * @param code the cell source with IPython magics blanked out
 * @param prelude every top-level statement is a declaration (cells tagged `imports`/`functions`)
 * @param distrusted trusted library method names the notebook's own classes redefine
 */
export function walkCell(tree: Tree, code: string, prelude: boolean, distrusted?: ReadonlySet<string>): CellFacts {
  const walk = new WalkState(code);
  const aliases = new Aliases(walk);
  const parameterEffects = new ParameterEffects(walk, aliases);
  const nameUses = new NameUses(walk);
  const declarations = new Declarations(walk, prelude);
  // Before declarations: a statement's sites must reach it before it ends the statement.
  const stateSites = new StateSites(walk, site => declarations.stateSiteFound(site));
  const opaqueCode = new OpaqueCode(walk);
  const classMethods = new ClassMethods();
  new CellWalker(walk, distrusted).walk(tree, [aliases, parameterEffects, nameUses, stateSites, declarations, opaqueCode, classMethods]);
  const uses = nameUses.result();
  return {
    loads: uses.loads,
    uses: uses.uses,
    bindings: walk.bindings.list.map(({ depth: _depth, via: _via, ...binding }) => binding),
    mutations: uses.mutations,
    argumentPasses: uses.argumentPasses,
    callPasses: uses.callPasses,
    functions: parameterEffects.functions,
    aliases: aliases.moduleAliases(),
    stateSites: declarations.stateSites,
    declarations: declarations.declarations,
    bindsUnknownNames: opaqueCode.bindsUnknownNames,
    opaque: opaqueCode.opaque,
    resultName: resultName(tree, code),
    classMethods: classMethods.result(),
    diagnostics: walk.diagnostics
  };
}
