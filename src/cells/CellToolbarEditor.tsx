import React, { useEffect, useState } from 'react';
import type { Cell } from '@jupyterlab/cells';
import { ReactWidget } from '@jupyterlab/apputils';
import type { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import type { NotebookPipeline } from '../models/NotebookPipeline';
import { stepColor } from '../models/stepColors';
import { configureStep } from './ConfigureStepDialog';
import { taggedRole, readStepConfig, readTags, setRole, setStepName, writeStepConfig, type TaggedRole } from '../core/notebook';

/** The roles the toolbar offers, as its menu words them. */
const ROLE_CHOICES: ReadonlyArray<{ value: TaggedRole; label: string }> = [
  { value: 'none', label: 'no tag (joins the step above)' },
  { value: 'step', label: 'step' },
  { value: 'skip', label: 'skip' },
  { value: 'imports', label: 'imports' },
  { value: 'functions', label: 'functions' },
  { value: 'parameters', label: 'parameters' },
  { value: 'metrics', label: 'metrics' }
];

function tagsOf(cell: Cell): string[] {
  return readTags(cell.model.getMetadata('tags'));
}

function writeTags(cell: Cell, tags: string[]): void {
  if (tags.length) {
    cell.model.setMetadata('tags', tags);
  } else {
    cell.model.deleteMetadata('tags');
  }
}

/** Gives a step cell a new step name (blank or unchanged names change nothing). */
export function renameStep(cell: Cell, value: string): void {
  const name = value.trim();
  if (name && name !== taggedRole(tagsOf(cell)).step) {
    writeTags(cell, setStepName(tagsOf(cell), name));
  }
}

/** A step name not yet used in the notebook. */
function freshStepName(existing: readonly string[]): string {
  for (let n = existing.length + 1; ; n++) {
    if (!existing.includes(`step${n}`)) {
      return `step${n}`;
    }
  }
}

function CellTools({ cell, pipeline }: { cell: Cell; pipeline: NotebookPipeline | null }): JSX.Element {
  const tags = tagsOf(cell);
  const { role, step } = taggedRole(tags);
  const names = pipeline?.stepNames ?? [];
  const listId = `cp-steps-${cell.model.id}`;
  const rename = (value: string): void => renameStep(cell, value);
  return (
    <div className="cp-CellTools" onMouseDown={event => event.stopPropagation()}>
      {role === 'step' && step && <span className="cp-CellTools-swatch" style={{ background: stepColor(step, names) }} aria-hidden="true" />}
      <select
        className="cp-CellTools-role"
        aria-label="cellpipe role of this cell"
        title="cellpipe: what this cell is in the pipeline"
        value={role}
        onChange={event => {
          const next = event.target.value as TaggedRole;
          writeTags(cell, setRole(tagsOf(cell), next, next === 'step' ? freshStepName(names) : undefined));
        }}
      >
        {ROLE_CHOICES.map(choice => (
          <option key={choice.value} value={choice.value}>
            {choice.value === 'none' ? '—' : choice.label}
          </option>
        ))}
      </select>
      {role === 'step' && (
        <>
          <input
            key={step ?? ''}
            className="cp-CellTools-name"
            aria-label="step name"
            title="step name (press Enter to apply)"
            list={listId}
            defaultValue={step ?? ''}
            onBlur={event => rename(event.target.value)}
            onKeyDown={event => {
              event.stopPropagation(); // keep notebook shortcuts out of the text field
              if (event.key === 'Enter') {
                rename((event.target as HTMLInputElement).value);
              } else if (event.key === 'Escape') {
                (event.target as HTMLInputElement).value = step ?? '';
              }
            }}
          />
          <datalist id={listId}>
            {names.map(name => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <button
            className="cp-CellTools-configure"
            aria-label={`configure step ${step}`}
            title="Image, resources, retries, timeout, cache, run after"
            onClick={async () => {
              const form = await configureStep(step ?? '', readStepConfig(tagsOf(cell)), names);
              if (form) {
                writeTags(cell, writeStepConfig(tagsOf(cell), form));
              }
            }}
          >
            ⚙
          </button>
        </>
      )}
    </div>
  );
}

/** Re-renders the tools when the cell's tags or the notebook's analysis change (the toolbar item and the tag dialog show it). */
export function LiveCellTools({ cell, pipelineOf }: { cell: Cell; pipelineOf: (cell: Cell) => NotebookPipeline | null }): JSX.Element {
  const [, setTick] = useState(0);
  const pipeline = pipelineOf(cell);
  useEffect(() => {
    const rerender = (): void => setTick(t => t + 1);
    const signals: ISignal<unknown, unknown>[] = [cell.model.metadataChanged, ...(pipeline ? [pipeline.changed] : [])];
    signals.forEach(s => s.connect(rerender));
    return () => signals.forEach(s => s.disconnect(rerender));
  }, [cell, pipeline]);
  return <CellTools cell={cell} pipeline={pipeline} />;
}

/**
 * The cell toolbar item that edits a code cell's cellpipe tags (role, step name, configuration).
 * Other cells get an empty widget: markdown and raw cells are never part of a pipeline.
 */
export function createCellToolbarEditor(cell: Cell, pipelineOf: (cell: Cell) => NotebookPipeline | null): Widget {
  if (cell.model.type !== 'code') {
    return new Widget();
  }
  const widget = ReactWidget.create(<LiveCellTools cell={cell} pipelineOf={pipelineOf} />);
  widget.addClass('cp-CellToolbarItem');
  return widget;
}
