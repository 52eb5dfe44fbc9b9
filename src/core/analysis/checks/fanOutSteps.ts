/**
 * `foreach-*`: a fan-out step (`foreach:NAME`, docs/fan-out.md) runs its loop's items apart, so its
 * loop must not carry anything from one item to the next, its list must come from an earlier step,
 * and what the loop adds to must be something the gather can merge. Reports what breaks that, on
 * the cell and line; records the fan-out (StepAnalysis.fanOut) for a step that passes.
 */
import type { DataflowCheck, DataflowView, ReportDiagnostic } from '../dataflowCheck';
import type { StepState } from '../dataflowState';
import { readFanOutLoop, type NameUse } from '../fanOutLoop';
import { LineIndex } from '../lineIndex';
import { cellNumber } from '../../notebook';

export class FanOutSteps implements DataflowCheck {
  constructor(
    private readonly view: DataflowView,
    private readonly report: ReportDiagnostic
  ) {}

  stepConnected(state: StepState): void {
    const foreach = state.step.foreach;
    if (!foreach) {
      return;
    }
    const { over, cell } = foreach;
    const source = this.view.input.sources[cell] ?? '';
    const lines = new LineIndex(source);
    let problems = 0;
    const problem = (code: string, message: string, offset: number): void => {
      problems++;
      this.report('error', code, message, cell, lines.position(offset));
    };
    if (state.step.cells.length > 1) {
      problem(
        'foreach-cells',
        `Step ${JSON.stringify(state.step.name)} is tagged foreach:${over}, so it is one loop in one cell, but cells ${state.step.cells
          .filter(c => c !== cell)
          .map(cellNumber)
          .join(', ')} belong to it too. Tag the next cell with its own step:NAME.`,
        0
      );
    }
    const { loop, problems: loopProblems } = readFanOutLoop(source, over);
    loopProblems.forEach(p => problem('foreach-loop', p.message, p.offset));
    const origin = this.view.source(over);
    if (origin && origin.kind !== 'data') {
      problem(
        'foreach-source',
        `foreach:${over} runs over a value an earlier step makes; ${over} is ${origin.kind === 'parameter' ? 'a pipeline parameter' : 'code, not data'}. Make the list in a step before this one (\`${over}_list = list(${over})\`) and loop over that.`,
        0
      );
    }
    if (!loop) {
      return;
    }
    const facts = this.view.input.facts[cell];
    // A binding takes effect at the end of its statement: the body's last one ends where the body does.
    const inBody = (offset: number): boolean => offset >= loop.body.from && offset <= loop.body.to;
    const targets = new Set(loop.targets);
    const firstStore = new Map<string, number>();
    for (const binding of facts?.bindings ?? []) {
      if (binding.kind === 'data' && inBody(binding.offset) && !targets.has(binding.name) && !firstStore.has(binding.name)) {
        firstStore.set(binding.name, binding.offset);
      }
    }
    const usesOf = new Map<string, NameUse[]>();
    loop.uses.forEach(use => usesOf.set(use.name, [...(usesOf.get(use.name) ?? []), use]));
    const accumulators: string[] = [];
    let listReported = false;
    for (const [name, uses] of usesOf) {
      if (targets.has(name)) {
        continue;
      }
      const stored = firstStore.get(name);
      const firstLoad = uses.find(use => use.kind !== 'store');
      if (stored !== undefined) {
        if (firstLoad && firstLoad.offset < stored) {
          problem(
            'foreach-carried',
            `\`${name}\` is read here before the loop body assigns it, so each item would start from the value the item before left: items that run apart cannot. Start it anew in the body, or add each item's result to a list made before the loop (\`results.append(r)\`) and combine them in a later step.`,
            firstLoad.offset
          );
        }
        continue;
      }
      const adds = uses.filter(use => use.kind === 'add');
      if (adds.length === 0) {
        continue;
      }
      const read = uses.find(use => use.kind !== 'add');
      if (name === over || read) {
        listReported ||= name === over;
        problem(
          'foreach-accumulator-read',
          name === over
            ? `The loop adds to ${over}, the list it runs over; items that run apart cannot. Add to a list made before the loop.`
            : `The loop adds to \`${name}\` and also reads it here, so an item would see what the items before it added: items that run apart cannot. Only add to it in the loop (\`${name}.append(x)\`, \`${name}[key] = x\`) and read it in a later step.`,
          (read ?? adds[0]).offset
        );
        continue;
      }
      const origin = this.view.source(name);
      if (origin?.kind !== 'data') {
        problem(
          'foreach-accumulator-source',
          `The loop adds to \`${name}\`, which ${origin ? 'is not made by an earlier step' : 'nothing above defines'}: the gather merges what each item added to a list, dict or set an earlier step made. Make \`${name}\` (e.g. \`${name} = []\`) in a step before this one.`,
          adds[0].offset
        );
        continue;
      }
      accumulators.push(name);
    }
    if (!listReported && (facts?.mutations ?? []).some(m => m.name === over && inBody(m.offset))) {
      const at = facts!.mutations.find(m => m.name === over)!;
      problem(
        'foreach-changes-list',
        `The loop changes the items of ${over} in place; each item runs apart on its own copy, so the changes would not come back. Put each item's result in a list made before the loop instead.`,
        at.offset
      );
    }
    if (problems === 0) {
      state.analysis.fanOut = { over, parallelism: foreach.parallelism, accumulators: accumulators.sort() };
    }
  }
}
