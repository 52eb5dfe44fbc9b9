import dagre from '@dagrejs/dagre';

export interface DagNodeInput {
  id: string;
  label: string;
  dependsOn: string[];
  /** A fan-out step's second row: its badge (`×8`) and how many instance marks follow it. */
  detail?: { badge: string; marks: number };
}

export interface DagNodeBox {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DagEdgePath {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: DagNodeBox[];
  edges: DagEdgePath[];
}

export const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7;
/** Width beside the name: the colour swatch and the status icon. */
const NODE_PADDING = 54;
/** From this many steps on, ranks and nodes sit closer (zoom and pan do the rest). */
const COMPACT_FROM = 20;

/** A fan-out node's second row: its badge, then a strip of one mark per instance. */
export const DETAIL_HEIGHT = 16;
export const DETAIL_PADDING = 10;
const BADGE_CHAR_WIDTH = 6;
export const MARK_GAP = 1;

/** Marks narrow as instances grow in number, so a strip of a hundred stays a few hundred pixels wide. */
export function markWidth(count: number): number {
  return count <= 16 ? 7 : count <= 48 ? 3 : 2;
}

/** Where a fan-out node's strip of marks starts, after its badge. */
export function stripStart(badge: string): number {
  return DETAIL_PADDING + badge.length * BADGE_CHAR_WIDTH + 6;
}

function detailWidth(detail: NonNullable<DagNodeInput['detail']>): number {
  return stripStart(detail.badge) + detail.marks * (markWidth(detail.marks) + MARK_GAP) + DETAIL_PADDING;
}

/** Lays the steps out top to bottom with dagre; boxes are centred on (x, y). */
export function layoutDag(steps: readonly DagNodeInput[]): DagLayout {
  const graph = new dagre.graphlib.Graph();
  const compact = steps.length >= COMPACT_FROM;
  graph.setGraph({ rankdir: 'TB', nodesep: compact ? 10 : 16, ranksep: compact ? 18 : 28, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map(s => s.id));
  for (const step of steps) {
    graph.setNode(step.id, {
      label: step.label,
      width: Math.max(80, step.label.length * CHAR_WIDTH + NODE_PADDING, step.detail ? detailWidth(step.detail) : 0),
      height: NODE_HEIGHT + (step.detail ? DETAIL_HEIGHT : 0)
    });
  }
  for (const step of steps) {
    for (const dep of step.dependsOn) {
      if (known.has(dep)) {
        graph.setEdge(dep, step.id);
      }
    }
  }
  dagre.layout(graph);
  const label = graph.graph();
  return {
    width: label.width ?? 0,
    height: label.height ?? 0,
    nodes: steps.map(step => {
      const node = graph.node(step.id);
      return { id: step.id, label: step.label, x: node.x, y: node.y, width: node.width, height: node.height };
    }),
    edges: graph.edges().map(e => ({ from: e.v, to: e.w, points: graph.edge(e).points ?? [] }))
  };
}
