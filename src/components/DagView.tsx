import React, { useMemo } from 'react';
import type { StepAnalysis } from '../core/analysis';
import type { RunState } from '../core/run/types';
import { stepColor } from '../models/stepColors';
import { formatSeconds, stepView } from '../models/stepStatus';
import { layoutDag, type DagNodeInput } from './dagLayout';

export interface DagViewProps {
  steps: StepAnalysis[];
  run: RunState | null;
  selected: string | null;
  /** Called with the run's step id of the chosen step (the DAG knows steps by name). */
  onSelect: (stepName: string) => void;
}

/** The pipeline's DAG from the live analysis, laid out by dagre and coloured by the run's step status. */
export function DagView({ steps, run, selected, onSelect }: DagViewProps): JSX.Element {
  // Relayout only when the graph's shape changes, not on every analysis: the memo is keyed on the
  // graph's JSON and lays out the nodes parsed back from it, so it depends on nothing else.
  const graph = JSON.stringify(steps.map((s): DagNodeInput => ({ id: s.name, label: s.name, dependsOn: s.dependsOn })));
  const layout = useMemo(() => layoutDag(JSON.parse(graph) as DagNodeInput[]), [graph]);
  if (!steps.length) {
    return <div className="cp-SidebarPanel-empty">No steps yet: tag a code cell as a step with the cell toolbar.</div>;
  }
  const path = (points: Array<{ x: number; y: number }>): string =>
    points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  return (
    <svg
      className="cp-Dag"
      role="group"
      aria-label="pipeline steps"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
    >
      <defs>
        <marker id="cp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="cp-Dag-arrow" />
        </marker>
      </defs>
      {layout.edges.map(edge => (
        <path key={`${edge.from}>${edge.to}`} className="cp-Dag-edge" d={path(edge.points)} markerEnd="url(#cp-arrow)" />
      ))}
      {layout.nodes.map(node => {
        const view = stepView(run, node.id);
        const name = node.id;
        return (
          <g
            key={name}
            className={`cp-DagNode cp-mod-${view.status}${selected && view.state?.id === selected ? ' cp-mod-selected' : ''}`}
            data-step={name}
            data-status={view.status}
            transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
            tabIndex={0}
            role="button"
            aria-label={`step ${name}: ${view.status}`}
            onClick={() => onSelect(name)}
            onKeyDown={event => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                onSelect(name);
              }
            }}
          >
            <title>{`${name}: ${view.status}${view.seconds !== null ? ` (${formatSeconds(view.seconds)})` : ''}${view.state?.message ? `\n${view.state.message}` : ''}`}</title>
            <rect className="cp-DagNode-box" width={node.width} height={node.height} rx={6} style={{ stroke: stepColor(name) }} />
            <rect className="cp-DagNode-swatch" width={6} height={node.height} rx={3} style={{ fill: stepColor(name) }} />
            <text className="cp-DagNode-label" x={node.width / 2 + 3} y={node.height / 2} dominantBaseline="central" textAnchor="middle">
              {node.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
