/**
 * Plain, serialisable results of the `analysis` stage. Offsets index the cell source (UTF-16 code
 * units); lines are 1-based, columns 1-based.
 */
import type { Diagnostic, NotebookPlan } from '../notebook';

export interface NameSite {
  name: string;
  offset: number;
  line: number;
  column: number;
}

/**
 * What is statically known about the value a binding gives a name; used to tell which values
 * cannot travel between steps and which cannot be changed in place.
 */
export type ValueKind =
  | 'immutable' // number, string, bool, None, tuple of those: passing it to a call cannot change it
  | 'lambda' // picklable only with cloudpickle or dill
  | 'generator' // generator expression: cannot be pickled
  | 'file' // open(...): cannot be pickled
  | 'call' // result of calling `callee` (a generator function's result is a generator)
  | 'unknown';

/** One module-level (re)binding of a name in a cell. */
export interface ModuleBinding {
  name: string;
  /** Where the binding takes effect: the end of the statement or expression that binds. */
  offset: number;
  line: number;
  column: number;
  /** False when the binding may not happen (inside `if`, a loop, `try`, a comprehension, ...). */
  definite: boolean;
  /** 'declaration': the name is bound by a declaration (code); 'deleted': `del name`. */
  kind: 'data' | 'declaration' | 'deleted';
  value: ValueKind;
  /** For value 'call': the called name. */
  callee: string | null;
  /** For kind 'declaration': index into the cell's `declarations`. */
  declaration: number | null;
  /**
   * For a name bound by `import`: the dotted path it names (`import numpy as np` -> 'numpy',
   * `from numpy import random` -> 'numpy.random'; relative imports start with '.'). Otherwise null.
   */
  module: string | null;
}

/**
 * Code that may set process state (processState.ts, stateSites.ts): a call whose name ends like a
 * configuration or seeding function's (`np.random.seed(0)`, `pd.set_option(...)`), or an assignment
 * or `del` of a configuration target (`os.environ["X"] = "1"`). `name` is the path's first name;
 * which module it is, is known only across cells (processStateFlow.ts resolves it).
 */
export interface StateSite extends NameSite {
  /** The path as written, calls in it as `()` and subscripts as `[]`: `np.random.seed`, `os.environ[]`. */
  path: string;
  kind: 'call' | 'assign';
  /** Set when the site is a whole top-level statement (`f(...)`, `a.b[k] = v`, `del a.b[k]`): it can be replayed by itself. */
  statement: ReplayableStatement | null;
}

/** A top-level statement that sets process state and nothing else, as later steps replay it. */
export interface ReplayableStatement {
  from: number;
  to: number;
  line: number;
  /** Module names it uses: a replay needs their values. */
  uses: string[];
}

/** A replayable state site: `index` into the cell's `stateSites`. */
export interface StateSiteRef {
  cell: number;
  index: number;
}

/**
 * A module name that, at the end of the cell, may hold (part of) the value of other module names:
 * `ys = xs`, `row` after `for row in rows`. Changing `name` in place may change `roots`.
 */
export interface Alias {
  name: string;
  roots: string[];
}

/**
 * A top-level statement that is code rather than data: `import`, `def`, `class`, `type`, an `if`/`try`
 * around those (`try: import x` / `except ImportError: x = None`), and every statement of a prelude
 * (`imports`/`functions`) cell. A step that uses one of its names gets the statement run first.
 */
export interface Declaration {
  /** Module names the statement binds (empty for a prelude statement binding nothing). */
  names: string[];
  kind: 'import' | 'function' | 'class' | 'type' | 'statement';
  /** Source range of the statement in the cell. */
  from: number;
  to: number;
  line: number;
  /** Every module name the statement uses, at definition time or later (function bodies). */
  uses: string[];
  /** The subset of `uses` read only when a function it defines runs (function bodies). */
  deferredUses: NameSite[];
  /** Module names its functions change: `global` writes and in-place changes of module names. */
  mutates: string[];
  /** Names of classes it defines. */
  classes: string[];
  /** Names of generator functions it defines (their results cannot be pickled). */
  generators: string[];
  /** Code that may set process state, run when the statement (or its functions) runs. */
  stateSites: StateSite[];
}

/** A parameter of a function the notebook defines, by how a call can give it a value. */
export interface FunctionParameter {
  name: string;
  /** 'positional': before `/`; 'any': by position or keyword; 'keyword': after `*`; `*args`, `**kwargs`. */
  kind: 'positional' | 'any' | 'keyword' | 'args' | 'kwargs';
}

/**
 * A parameter `parameter` (index into `parameters`) passed on to the call `callee(...)` at `slot`
 * (a position, or a keyword's name): the parameter is changed if the callee changes that argument.
 */
export interface ParameterPass {
  parameter: number;
  callee: string;
  slot: number | string;
}

/**
 * What a function defined by a `def` at module level does to the values it is called with, by the
 * alias rules (parameterEffects.ts, aliases.ts). Calls among the notebook's functions are
 * resolved across the notebook (notebookFunctions.ts).
 */
export interface FunctionFacts {
  name: string;
  parameters: FunctionParameter[];
  /** A decorated function may be replaced by what the decorator returns: its calls are not resolved. */
  decorated: boolean;
  /**
   * Parameters the body may change, whatever other functions do: in place, through an alias, by
   * passing it to a call other than one of the notebook's functions; also a parameter whose value
   * may outlive the call (returned, yielded, bound to a global, used by a nested function).
   */
  changes: number[];
  /** Parameters passed on to calls of (what may be) the notebook's own functions. */
  passes: ParameterPass[];
}

/**
 * A module name passed to a call of `callee`, a module name that may be a function of the notebook,
 * or `name.function` with `name` a module name that may be a module of library functions (the
 * name itself is then passed at slot RECEIVER_SLOT): the name is changed if that function changes
 * the argument at `slot` (a position or a keyword).
 */
export interface CallPass extends NameSite {
  callee: string;
  slot: number | string;
}

/** Everything one cell's code says, independent of where the cell sits in the notebook. */
export interface CellFacts {
  /**
   * First module-level load of each name that is not bound for sure at that point of the cell: the
   * cell may need its value from before. Includes free names of comprehensions, lambdas and class
   * bodies, which run where they are written.
   */
  loads: NameSite[];
  /** First module-level load of each name, bound or not (where a declared function is first used). */
  uses: NameSite[];
  /** Module-level bindings, in source order. */
  bindings: ModuleBinding[];
  /**
   * First in-place change of each module name (attribute/subscript assignment, `del x[i]`, augmented
   * assignment, method call), directly or through an alias (`ys = xs; ys.append(1)` changes xs,
   * `for row in rows: row["x"] = 1` changes rows; see aliases.ts).
   */
  mutations: NameSite[];
  /** First time each module name is passed to a call that might change it (also through an alias). */
  argumentPasses: NameSite[];
  /**
   * Module names passed to calls of names that may be the notebook's own functions (`f(xs)`, first
   * site per name, callee and slot). Whether the call changes the name depends on the function,
   * which may be defined in another cell: the analyzer resolves them (notebookFunctions.ts), moving
   * those that may change the name to `argumentPasses`. Unresolved, each counts as an argument pass.
   */
  callPasses: CallPass[];
  /** Functions the cell defines at module level (`def`, also inside `if`/`try`), in source order. */
  functions: FunctionFacts[];
  /**
   * Module names that may share their value with other module names at the end of the cell, so a
   * later cell of the same step changing them changes those too. Changes within the cell are
   * already in `mutations` and `argumentPasses`.
   */
  aliases: Alias[];
  /** Code that may set process state, outside declarations. */
  stateSites: StateSite[];
  declarations: Declaration[];
  /** `import *`, `%run`, `%store -r`: names may appear that cellpipe cannot see. */
  bindsUnknownNames: boolean;
  /**
   * Methods the cell's classes define. Where one has the name of a trusted library method
   * (builtins.ts), the notebook's other cells are analysed without trusting that name.
   */
  classMethods: string[];
  /** `exec`, `eval`, `globals()`, `locals()`, `vars()`: the cell may read and change any module name. */
  opaque: boolean;
  /** The bare name the cell's last statement is (`model`), whose value Jupyter shows (resultName.ts). */
  resultName: string | null;
  /** Diagnostics about the cell's own code; `cell` is filled in when the notebook is assembled. */
  diagnostics: Diagnostic[];
}

/** Per-cell summary of the facts, in the terms of DESIGN.md. */
export interface CellSummary {
  index: number;
  /** Names whose value before the cell it may use. */
  reads: string[];
  writes: string[];
  mutates: string[];
  declarations: string[];
}

export interface Parameter {
  name: string;
  /** Python type name: int, float, str, bool, list, tuple, dict, NoneType. */
  type: string;
  default: unknown;
  cell: number;
  line: number;
}

export interface StepAnalysis {
  name: string;
  cells: number[];
  /** Names whose value at step start the step may use (from other steps, parameters or declarations). */
  reads: string[];
  /** Data names the step binds. */
  writes: string[];
  /** Data names the step may change in place. */
  mutates: string[];
  /** Names the step's own cells declare (import, def, class). */
  declares: string[];
  /** Steps that must finish first: data sources and `prev:` tags. */
  dependsOn: string[];
  /** Data names loaded from other steps. */
  inputs: string[];
  /** Which step each input comes from. */
  inputSources: Record<string, string>;
  /** Data names later steps load from this step, and its results. */
  outputs: string[];
  /**
   * Outputs kept only to be looked at: the bare name on the step's last line, when the step binds
   * or changes it and no later step loads it. Saved if they can be; never a reason to fail the step.
   */
  results: string[];
  /** Parameters the step uses. */
  parameters: string[];
  /** Names of declarations run before the step's code (from other steps and the prelude). */
  declarations: string[];
  /** The declaration statements run before the step's code, in notebook order. */
  injected: DeclarationRef[];
  /** Metrics this step reports (its values are the last ones before the metrics cell). */
  metrics: string[];
  /** Configuration set by earlier steps that the step replays before its code (processStateFlow.ts). */
  replayed: StateSiteRef[];
  /** Global generators whose state the step starts from, with the step that saved it. */
  randomInputs: Record<string, string>;
  /** Global generators whose state the step saves for a later step. */
  randomOutputs: string[];
  /** A `foreach:` step whose loop passed the checks (checks/fanOutSteps.ts): what pipeline.FanOut is made of. */
  fanOut?: { over: string; parallelism: number | null; accumulators: string[] };
}

export interface DeclarationRef {
  cell: number;
  /** Index into that cell's `declarations`. */
  index: number;
}

export interface AnalysisResult {
  plan: NotebookPlan | null;
  steps: StepAnalysis[];
  parameters: Parameter[];
  metrics: string[];
  cells: CellSummary[];
  /** Facts per cell index (null for cells that are not analysed: markdown, raw, skip). */
  facts: (CellFacts | null)[];
  diagnostics: Diagnostic[];
}
