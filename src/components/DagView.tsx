import React, { useEffect, useMemo, useRef, useState } from 'react';
import type { StepAnalysis } from '../core/analysis';
import type { RunState } from '../core/run/types';
import { fitZoom, zoomBy } from '../models/dagZoom';
import { stepColors } from '../models/stepColors';
import { formatSeconds, STATUS_MARKS, stepView } from '../models/stepStatus';
import { fanOutView, type FanOutView } from '../models/fanOutView';
import { DETAIL_HEIGHT, layoutDag, MARK_GAP, markWidth, NODE_HEIGHT, stripStart, type DagNodeInput } from './dagLayout';

export interface DagViewProps {
  steps: StepAnalysis[];
  run: RunState | null;
  /** The run's step id of the step whose log shows. */
  selected: string | null;
  /** The step of the notebook's active cell. */
  active: string | null;
  /** Called with the name of the chosen step (the DAG knows steps by name). */
  onSelect: (stepName: string) => void;
}

/** Room for the status icon at a node's right. */
const ICON_ROOM = 18;

/** A fan-out node's second row: its badge (`×8`, `× each item of folds`) and a mark per instance, coloured by status. */
function FanOutDetail({ view }: { view: FanOutView }): JSX.Element {
  const width = markWidth(view.marks.length);
  const start = stripStart(view.badge);
  const middle = NODE_HEIGHT + DETAIL_HEIGHT / 2 - 3;
  return (
    <g className="cp-DagNode-fanOut">
      <text className="cp-DagNode-badge" x={10} y={middle} dominantBaseline="central">
        {view.badge}
      </text>
      {view.marks.map(mark => (
        <rect
          key={mark.item}
          className={`cp-DagNode-instance cp-mod-${mark.status}`}
          data-item={mark.item}
          data-status={mark.status}
          x={start + mark.item * (width + MARK_GAP)}
          y={middle - 5}
          width={width}
          height={10}
          rx={1}
        >
          <title>{mark.message ? `${mark.label}: ${mark.message}` : mark.label}</title>
        </rect>
      ))}
    </g>
  );
}

/**
 * The pipeline's DAG from the live analysis, laid out by dagre. Each node has its step's colour
 * (the swatch and border) and its run status as an icon (and in its name for screen readers).
 * It zooms (buttons, Ctrl+wheel, + - 0 on the focused view) and pans (scrollbars, arrow keys).
 */
export function DagView({ steps, run, selected, active, onSelect }: DagViewProps): JSX.Element {
  // Relayout only when the graph's shape changes, not on every analysis: the memo is keyed on the
  // graph's JSON and lays out the nodes parsed back from it, so it depends on nothing else.
  const fanOuts = new Map(
    steps.map(s => [
      s.name,
      fanOutView(
        s.fanOut,
        run?.steps.find(state => state.name === s.name)
      )
    ])
  );
  const graph = JSON.stringify(
    steps.map((s): DagNodeInput => {
      const fan = fanOuts.get(s.name);
      return { id: s.name, label: s.name, dependsOn: s.dependsOn, ...(fan ? { detail: { badge: fan.badge, marks: fan.marks.length } } : {}) };
    })
  );
  const layout = useMemo(() => layoutDag(JSON.parse(graph) as DagNodeInput[]), [graph]);
  const [scale, setScale] = useState(1);
  const viewport = useRef<HTMLDivElement>(null);
  // A DAG wider than the panel starts narrowed to its width (its height scrolls); zoom undoes it.
  useEffect(() => {
    const box = viewport.current;
    if (box && layout.width > box.clientWidth) {
      setScale(fitZoom(layout.width, 1, box.clientWidth, 1));
    }
  }, [layout]);
  if (!steps.length) {
    return <div className="cp-SidebarPanel-empty">No steps yet: tag a code cell as a step (click the bar above a cell).</div>;
  }
  const colors = stepColors(steps.map(s => s.name));
  const fit = (): void => {
    const box = viewport.current;
    setScale(box ? fitZoom(layout.width, layout.height, box.clientWidth, box.clientHeight || layout.height) : 1);
  };
  const path = (points: Array<{ x: number; y: number }>): string =>
    points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  return (
    <div className="cp-DagView">
      <div className="cp-DagView-zoom" role="toolbar" aria-label="DAG zoom">
        <button className="jp-mod-styled cp-DagView-zoomOut" aria-label="zoom out" title="Zoom out (-)" onClick={() => setScale(s => zoomBy(s, -1))}>
          −
        </button>
        <span className="cp-DagView-scale" aria-live="polite">
          {Math.round(scale * 100)}%
        </span>
        <button className="jp-mod-styled cp-DagView-zoomIn" aria-label="zoom in" title="Zoom in (+)" onClick={() => setScale(s => zoomBy(s, 1))}>
          +
        </button>
        <button className="jp-mod-styled cp-DagView-fit" title="Fit the whole DAG in view (0)" onClick={fit}>
          Fit
        </button>
      </div>
      <div
        className="cp-DagView-viewport"
        ref={viewport}
        tabIndex={0}
        role="region"
        aria-label="pipeline steps: + and - zoom, 0 fits, arrow keys pan"
        onKeyDown={event => {
          if (event.target !== event.currentTarget) {
            return;
          }
          const keys: Record<string, () => void> = {
            '+': () => setScale(s => zoomBy(s, 1)),
            '=': () => setScale(s => zoomBy(s, 1)),
            '-': () => setScale(s => zoomBy(s, -1)),
            '0': fit
          };
          if (keys[event.key]) {
            event.preventDefault();
            keys[event.key]();
          }
        }}
        onWheel={event => {
          if (event.ctrlKey || event.metaKey) {
            event.preventDefault();
            setScale(s => zoomBy(s, event.deltaY < 0 ? 1 : -1));
          }
        }}
      >
        <svg
          className="cp-Dag"
          width={layout.width * scale}
          height={layout.height * scale}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          data-scale={scale}
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
            const mark = STATUS_MARKS[view.status];
            const fan = fanOuts.get(name);
            const described = `${mark.label}${fan ? `, ${fan.summary}` : ''}`;
            const classes = [
              'cp-DagNode',
              `cp-mod-${view.status}`,
              selected && view.state?.id === selected ? 'cp-mod-selected' : '',
              active === name ? 'cp-mod-active' : ''
            ];
            return (
              <g
                key={name}
                className={classes.filter(Boolean).join(' ')}
                data-step={name}
                data-status={view.status}
                transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
                tabIndex={0}
                role="button"
                aria-label={`step ${name}: ${described}`}
                aria-pressed={active === name}
                style={{ ['--cp-step-color' as string]: colors.get(name) }}
                onClick={() => onSelect(name)}
                onKeyDown={event => {
                  if (event.key === 'Enter' || event.key === ' ') {
                    event.preventDefault();
                    onSelect(name);
                  }
                }}
              >
                <title>{`${name}: ${described}${view.seconds !== null ? ` (${formatSeconds(view.seconds)})` : ''}${view.state?.message ? `\n${view.state.message}` : ''}`}</title>
                <rect className="cp-DagNode-focus" x={-4} y={-4} width={node.width + 8} height={node.height + 8} rx={8} />
                <rect className="cp-DagNode-box" width={node.width} height={node.height} rx={6} />
                <rect className="cp-DagNode-swatch" width={6} height={node.height} rx={3} />
                <text
                  className="cp-DagNode-label"
                  x={(node.width - ICON_ROOM) / 2 + 3}
                  y={NODE_HEIGHT / 2}
                  dominantBaseline="central"
                  textAnchor="middle"
                >
                  {node.label}
                </text>
                <text
                  className="cp-DagNode-icon"
                  x={node.width - ICON_ROOM / 2 - 2}
                  y={NODE_HEIGHT / 2}
                  dominantBaseline="central"
                  textAnchor="middle"
                  aria-hidden="true"
                >
                  {view.status === 'idle' ? '' : mark.icon}
                </text>
                {fan && <FanOutDetail view={fan} />}
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
