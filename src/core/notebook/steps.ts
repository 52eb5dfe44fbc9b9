import { diagnostic } from './diagnostic';
import { readNotebookSettings } from './metadata';
import { isConfigTag, parseTag, type ConfigTag, type ParsedTag } from './tags';
import type { CellPlan, CellRole, Diagnostic, Notebook, NotebookPlan, Step, StepConfig } from './types';
import { unencodableText } from './unencodable';
import { cellNumber } from './cellNumber';

export interface PlanOptions {
  /** Name of the single step of a notebook without step tags. Default 'main'. */
  defaultStepName?: string;
}

const SPECIAL_ROLES: Record<string, CellRole> = {
  skip: 'skip',
  parameters: 'parameters',
  metrics: 'metrics',
  prelude: 'prelude'
};

/** When a cell carries several special tags, the first of these wins. */
const SPECIAL_PRECEDENCE: readonly CellRole[] = ['skip', 'parameters', 'metrics', 'prelude'];

const SAFE_STEP_NAME = /^[\p{L}\p{N}_. -]+$/u;

/**
 * The identity two step names share when generated names (files, Kubernetes objects) cannot tell
 * them apart: lower case, runs of anything but ASCII letters and digits folded into one '-'.
 */
export function stepIdentity(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function emptyConfig(): StepConfig {
  return {
    limits: {},
    image: null,
    labels: {},
    annotations: {},
    secrets: [],
    cache: null,
    retry: null,
    timeout: null,
    requirements: [],
    installRequirements: null
  };
}

/** Applies one configuration tag; returns a description of the value it replaced, if any. */
function applyConfigTag(config: StepConfig, tag: ConfigTag): string | null {
  const replace = <T>(previous: T | null | undefined, next: T): string | null =>
    previous !== null && previous !== undefined && previous !== next ? String(previous) : null;
  switch (tag.kind) {
    case 'limit': {
      const previous = replace(config.limits[tag.resource], tag.value);
      config.limits[tag.resource] = tag.value;
      return previous;
    }
    case 'image': {
      const previous = replace(config.image, tag.ref);
      config.image = tag.ref;
      return previous;
    }
    case 'label':
    case 'annotation': {
      const map = tag.kind === 'label' ? config.labels : config.annotations;
      const previous = replace(map[tag.key], tag.value);
      map[tag.key] = tag.value;
      return previous;
    }
    case 'secret':
      config.secrets.push({ name: tag.name, key: tag.key, env: tag.env });
      return null;
    case 'cache': {
      const previous = replace(config.cache, tag.enabled);
      config.cache = tag.enabled;
      return previous;
    }
    case 'retry': {
      const previous = replace(config.retry, tag.count);
      config.retry = tag.count;
      return previous;
    }
    case 'timeout': {
      const previous = replace(config.timeout, tag.duration);
      config.timeout = tag.duration;
      return previous;
    }
    case 'pip':
      if (tag.requirement === null) {
        config.installRequirements = false;
      } else {
        config.requirements.push(tag.requirement);
      }
      return null;
  }
}

/**
 * Kale's `report:enabled` asks for an HTML report of the step's cell outputs, a KFP artifact.
 * cellpipe makes no such report, so the tag is recognised but has no effect; `report:disabled`
 * asks for what cellpipe does anyway and gets no diagnostic.
 */
function htmlReportRequest(cell: number): Diagnostic {
  return diagnostic(
    'info',
    'kale-report-tag',
    `Cell ${cellNumber(cell)} is tagged report:enabled, which asks Kale for an HTML report of the step's outputs. cellpipe makes no HTML report: select the step in the cellpipe sidebar (or run \`cellpipe logs RUN STEP\`) to see what it printed and the values it saved. The tag can stay; cellpipe ignores it.`,
    cell
  );
}

/** What the tags of one code cell say, with the diagnostics about them. */
interface CellTags {
  role: CellRole;
  step: string | null;
  prev: string[];
  config: ConfigTag[];
  /** Tags that say how the whole step runs (`foreach:`, `workers:`, `serve:`), at most one of each kind. */
  stepTags: StepTag[];
}

/** The tags that say how a whole step runs, one of each kind per step. */
type StepTag = Extract<ParsedTag, { kind: 'foreach' | 'workers' | 'serve' }>;

const STEP_TAG_KINDS: ReadonlySet<string> = new Set(['foreach', 'workers', 'serve']);

function isStepTag(tag: ParsedTag): tag is StepTag {
  return STEP_TAG_KINDS.has(tag.kind);
}

/** Records a step-level tag on its step, once: a second one of a kind is an error on its cell. */
function setStepTag(step: Step, tag: StepTag, cell: number, diagnostics: Diagnostic[]): void {
  const current = step[tag.kind];
  if (current) {
    diagnostics.push(
      diagnostic(
        'error',
        'invalid-tag',
        `Step ${JSON.stringify(step.name)} has ${tag.kind}: tags on cells ${cellNumber(current.cell)} and ${cellNumber(cell)}; a step takes one. Keep one.`,
        cell
      )
    );
    return;
  }
  switch (tag.kind) {
    case 'foreach':
      step.foreach = { over: tag.over, parallelism: tag.parallelism, cell };
      break;
    case 'workers':
      step.workers = { count: tag.count, framework: tag.framework, cell };
      break;
    case 'serve':
      step.serve = { model: tag.model, sample: tag.sample, cell };
      break;
  }
}

/**
 * Kale 2.3 composes notebooks: a `notebook:` cell stands for the steps of the notebook its cell
 * metadata `notebook_path` names. cellpipe does not, and left alone the cell would be an empty
 * step that succeeds doing nothing, so it is an error that says what to do instead.
 */
function notebookReference(name: string, cell: number): Diagnostic {
  return diagnostic(
    'error',
    'notebook-composition',
    `Cell ${cellNumber(cell)} is tagged notebook:${name}, a Kale composition: it stands for the steps of the notebook named by its cell metadata "notebook_path". cellpipe does not compose notebooks, so this pipeline would run without them. Copy that notebook's cells into this notebook as step: cells, or compile and run that notebook on its own.`,
    cell
  );
}

function readCellTags(tags: readonly string[], cell: number, diagnostics: Diagnostic[]): CellTags {
  const parsed = tags.map(tag => [tag, parseTag(tag)] as [string, ParsedTag]);
  const specials = new Set<CellRole>();
  const steps: string[] = [];
  const result: CellTags = { role: 'step', step: null, prev: [], config: [], stepTags: [] };
  for (const [raw, tag] of parsed) {
    if (tag.kind in SPECIAL_ROLES) {
      specials.add(SPECIAL_ROLES[tag.kind]);
    } else if (tag.kind === 'step') {
      if (!steps.includes(tag.name)) {
        steps.push(tag.name);
      }
    } else if (tag.kind === 'prev') {
      result.prev.push(tag.name);
    } else if (isStepTag(tag)) {
      result.stepTags.push(tag);
    } else if (isConfigTag(tag)) {
      result.config.push(tag);
    } else if (tag.kind === 'notebook') {
      diagnostics.push(notebookReference(tag.name, cell));
    } else if (tag.kind === 'report' && tag.enabled) {
      diagnostics.push(htmlReportRequest(cell));
    } else if (tag.kind === 'unknown') {
      diagnostics.push(
        diagnostic(
          'warning',
          'unknown-tag',
          `Tag ${JSON.stringify(raw)} is not a cellpipe tag; cellpipe ignores it. Check the spelling if you meant step:NAME, prev:NAME, skip, imports, functions, pipeline-parameters or pipeline-metrics.`,
          cell
        )
      );
    } else if (tag.kind === 'invalid') {
      diagnostics.push(diagnostic('error', 'invalid-tag', `Tag ${JSON.stringify(raw)} is malformed: ${tag.reason}.`, cell));
    }
  }
  const special = SPECIAL_PRECEDENCE.find(role => specials.has(role));
  if (special) {
    result.role = special;
    if (specials.size > 1 || steps.length > 0) {
      diagnostics.push(
        diagnostic(
          'warning',
          'conflicting-tags',
          `Cell ${cellNumber(cell)} has tags for several roles (${[...specials, ...steps.map(s => `step:${s}`)].join(', ')}); it is treated as '${special}'. Keep one of them.`,
          cell
        )
      );
    }
    if (result.prev.length > 0 || result.config.length > 0 || result.stepTags.length > 0) {
      diagnostics.push(
        diagnostic(
          'warning',
          'ignored-tag',
          `Cell ${cellNumber(cell)} is a '${special}' cell, which belongs to no step, so its prev: and step configuration tags are ignored. Move them to a cell of the step.`,
          cell
        )
      );
    }
    return result;
  }
  if (steps.length > 1) {
    diagnostics.push(
      diagnostic(
        'warning',
        'multiple-step-tags',
        `Cell ${cellNumber(cell)} is tagged with several steps (${steps.join(', ')}); a cell belongs to one step, so it joins '${steps[0]}'. Remove the other step tags.`,
        cell
      )
    );
  }
  result.step = steps[0] ?? null;
  return result;
}

/** Warns about step names generated names cannot hold and about names that collide once sanitised. */
function checkStepNames(steps: readonly Step[], diagnostics: Diagnostic[]): void {
  const byIdentity = new Map<string, Step>();
  for (const step of steps) {
    const cell = step.cells[0];
    if (!SAFE_STEP_NAME.test(step.name) || stepIdentity(step.name) === '') {
      diagnostics.push(
        diagnostic(
          'warning',
          'unsafe-step-name',
          `Step name ${JSON.stringify(step.name)} has characters that file and Kubernetes names cannot hold; cellpipe replaces them in generated names. Use letters, digits, '-' and '_' for predictable names.`,
          cell
        )
      );
    }
    const identity = stepIdentity(step.name);
    const other = byIdentity.get(identity);
    if (other) {
      diagnostics.push(
        diagnostic(
          'error',
          'duplicate-step',
          `Steps ${JSON.stringify(other.name)} and ${JSON.stringify(step.name)} differ only in case or punctuation, so their generated names collide. Rename one, or use the same name if they are one step.`,
          cell
        )
      );
    } else {
      byIdentity.set(identity, step);
    }
  }
}

/** Reports steps whose cells are apart: they run as one step at the place of their first cell. */
function noteSplitSteps(steps: readonly Step[], cells: readonly CellPlan[], diagnostics: Diagnostic[]): void {
  for (const step of steps) {
    const apart = step.cells.findIndex((cell, i) => {
      if (i === 0) {
        return false;
      }
      const previous = step.cells[i - 1];
      return cells.slice(previous + 1, cell).some(c => c.role === 'step');
    });
    if (apart > 0) {
      diagnostics.push(
        diagnostic(
          'info',
          'split-step',
          `Cell ${cellNumber(step.cells[apart])} continues step ${JSON.stringify(step.name)} after cells of other steps; the step's cells run together, in notebook order, where its first cell (${cellNumber(step.cells[0])}) is.`,
          step.cells[apart]
        )
      );
    }
  }
}

/**
 * Groups a notebook's cells into steps by their tags (see DESIGN.md, "Notebook semantics"):
 * a step tag starts or continues a step; untagged code cells join the step above them, and those
 * above the first step join the first step; without step tags the notebook is one step. Cells of one
 * step may be apart: they are one step. Markdown and raw cells take no part.
 */
export function planNotebook(notebook: Notebook, options: PlanOptions = {}): NotebookPlan {
  const { settings, diagnostics } = readNotebookSettings(notebook.metadata);
  diagnostics.push(...unencodableText(notebook));
  const defaults: ConfigTag[] = [];
  for (const raw of settings.stepDefaults) {
    const tag = parseTag(raw);
    if (isConfigTag(tag)) {
      defaults.push(tag);
    } else {
      diagnostics.push(
        diagnostic('warning', 'invalid-metadata', `Step default ${JSON.stringify(raw)} is not a step configuration tag; it is ignored.`, null)
      );
    }
  }
  const steps = new Map<string, Step>();
  const stepFor = (name: string): Step => {
    let step = steps.get(name);
    if (!step) {
      step = { name, cells: [], prev: [], config: { ...emptyConfig(), cache: settings.cache }, foreach: null, workers: null, serve: null };
      defaults.forEach(tag => applyConfigTag(step!.config, tag));
      steps.set(name, step);
    }
    return step;
  };
  const cells: CellPlan[] = [];
  /** Untagged code cells seen before the first step tag. */
  const beforeFirstStep: { plan: CellPlan; tags: CellTags }[] = [];
  let current: Step | null = null;
  const join = (step: Step, plan: CellPlan, tags: CellTags): void => {
    plan.step = step.name;
    step.cells.push(plan.index);
    step.prev.push(...tags.prev.map(name => ({ name, cell: plan.index })));
    tags.stepTags.forEach(tag => setStepTag(step, tag, plan.index, diagnostics));
    for (const tag of tags.config) {
      const replaced = applyConfigTag(step.config, tag);
      if (replaced !== null) {
        diagnostics.push(
          diagnostic(
            'warning',
            'conflicting-tag',
            `Step ${JSON.stringify(step.name)} is configured twice (${tag.kind}: ${replaced} is replaced); keep one tag per setting.`,
            plan.index
          )
        );
      }
    }
  };
  for (const cell of notebook.cells) {
    const plan: CellPlan = { index: cell.index, role: 'text', step: null };
    cells.push(plan);
    if (cell.cellType !== 'code') {
      continue;
    }
    const tags = readCellTags(cell.tags, cell.index, diagnostics);
    plan.role = tags.role;
    if (tags.role !== 'step') {
      continue;
    }
    if (tags.step !== null) {
      current = stepFor(tags.step);
      if (beforeFirstStep.length > 0) {
        beforeFirstStep.forEach(early => join(current!, early.plan, early.tags));
        beforeFirstStep.length = 0;
      }
    }
    if (current) {
      join(current, plan, tags);
    } else {
      beforeFirstStep.push({ plan, tags });
    }
  }
  if (beforeFirstStep.length > 0) {
    const only = stepFor(options.defaultStepName ?? 'main');
    beforeFirstStep.forEach(early => join(only, early.plan, early.tags));
  }
  const stepList = [...steps.values()];
  stepList.forEach(step => step.cells.sort((a, b) => a - b));
  stepList.sort((a, b) => a.cells[0] - b.cells[0]);
  checkStepNames(stepList, diagnostics);
  noteSplitSteps(stepList, cells, diagnostics);
  const withRole = (role: CellRole): number[] => cells.filter(c => c.role === role).map(c => c.index);
  return {
    cells,
    steps: stepList,
    preludeCells: withRole('prelude'),
    parameterCells: withRole('parameters'),
    metricsCells: withRole('metrics'),
    settings,
    diagnostics
  };
}
